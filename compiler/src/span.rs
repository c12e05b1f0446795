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
    pub fn line_column(self, source: &str) -> (u32, u32) {
        let before = source.get(..(self.start as usize).min(source.len())).unwrap_or(source);
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        (line as u32, column as u32)
    }

    /// The span as a `usize` range, for slicing the source text.
    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}
