//! Byte spans into one source file.

/// A half-open byte range `start..end` into a source text.
///
/// Offsets are `u32` (sources over 4 GiB are rejected before lexing) and
/// always fall on UTF-8 character boundaries.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    /// Offset of the first byte.
    pub start: u32,
    /// Offset one past the last byte.
    pub end: u32,
}

impl Span {
    /// A span from `start` to `end` (byte offsets).
    pub fn new(start: u32, end: u32) -> Span {
        Span { start, end }
    }

    /// The smallest span covering both `self` and `other`.
    pub fn to(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }

    /// The 1-based line and column (counted in chars) where the span
    /// starts in `source` (clamped to its end).
    ///
    /// This scans `source` up to the span; to locate many spans in one
    /// source, build a [`LineIndex`] once instead.
    pub fn line_column(self, source: &str) -> (u32, u32) {
        LineIndex::new(source).line_column(source, self.start)
    }

    /// The span as a `usize` range, for slicing the source text.
    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// Where each line of a source text starts, to turn byte offsets into
/// lines and columns in O(log lines) each: building it scans the text once,
/// where [`Span::line_column`] on its own scans it up to the span every time
/// (quadratic when every test or `check!` of a large file is located).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LineIndex {
    /// The byte offset of the first byte of every line: 0, then one past
    /// each `\n`.
    starts: Vec<u32>,
}

impl LineIndex {
    /// The index of `source`'s lines.
    pub fn new(source: &str) -> LineIndex {
        let newlines = source.bytes().enumerate().filter(|&(_, b)| b == b'\n').map(|(i, _)| i as u32 + 1);
        LineIndex { starts: std::iter::once(0).chain(newlines).collect() }
    }

    /// The 1-based line and column (counted in chars) of byte `offset` of
    /// `source`, the text this index was built from (an offset past its end
    /// or inside a character counts as its end), as [`Span::line_column`].
    pub fn line_column(&self, source: &str, offset: u32) -> (u32, u32) {
        let mut offset = (offset as usize).min(source.len());
        if !source.is_char_boundary(offset) {
            offset = source.len();
        }
        // The number of lines starting at or before `offset` (at least one: 0).
        let line = self.starts.partition_point(|&start| start as usize <= offset);
        let start = self.starts.get(line.wrapping_sub(1)).map_or(0, |&s| s as usize);
        let column = source.get(start..offset).map_or(0, |text| text.chars().count()) + 1;
        (line as u32, column as u32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_index_agrees_with_a_scan() {
        let source = "ab\n\nçé x\n  y\nlast";
        let index = LineIndex::new(source);
        for offset in 0..=source.len() as u32 + 2 {
            let before = source.get(..(offset as usize).min(source.len())).unwrap_or(source);
            let expected = (
                before.matches('\n').count() as u32 + 1,
                before.rsplit('\n').next().map_or(0, |l| l.chars().count()) as u32 + 1,
            );
            assert_eq!(index.line_column(source, offset), expected, "offset {offset}");
        }
        assert_eq!(Span::new(9, 10).line_column(source), (3, 4));
    }
}
