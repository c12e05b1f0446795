//! Converting between the compiler's UTF-8 byte offsets and LSP positions.
//!
//! The compiler's [`Span`]s are byte offsets into the UTF-8 source. LSP
//! positions are a zero-based line and a `character` counted in UTF-16 code
//! units (the default `positionEncoding`, LSP 3.17 §"Position"), so `é`
//! counts 1 and `🦀` counts 2. Lines end at `\n`; a `\r` before it belongs to
//! the line ending (positions never point between `\r` and `\n`).
//!
//! Positions from the client are clamped, as the specification asks: a
//! `character` past the end of its line means the end of the line, and a
//! line past the end of the document means the end of the document. A
//! position inside a surrogate pair is moved to the start of its character.

use claw_compiler::Span;
use lsp_types::{Position, Range};

/// The start offset of every line of one text, for offset/position conversion.
#[derive(Clone, Debug)]
pub struct LineIndex {
    /// Byte offset of the first byte of each line; `line_starts[0] == 0`.
    line_starts: Vec<u32>,
}

impl LineIndex {
    /// Indexes `text`.
    pub fn new(text: &str) -> LineIndex {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i as u32 + 1));
        LineIndex { line_starts }
    }

    /// The LSP position of byte `offset` in `text` (the text this index was
    /// built from). An offset past the end, or inside a UTF-8 sequence, is
    /// moved back to the nearest character boundary.
    pub fn position(&self, text: &str, offset: u32) -> Position {
        let mut offset = (offset as usize).min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.line_starts.partition_point(|&start| start as usize <= offset).saturating_sub(1);
        let start = self.line_starts.get(line).map_or(0, |&s| s as usize);
        // `get` keeps a mismatched index and text (a bug) from panicking.
        let character: usize = text.get(start..offset).map_or(0, |s| s.chars().map(char::len_utf16).sum());
        Position::new(line as u32, character as u32)
    }

    /// The byte offset in `text` of LSP position `position`, clamped as the
    /// module documentation describes.
    pub fn offset(&self, text: &str, position: Position) -> u32 {
        let Some(&start) = self.line_starts.get(position.line as usize) else {
            return text.len() as u32;
        };
        let line_end = self
            .line_starts
            .get(position.line as usize + 1)
            .map_or(text.len(), |&next| (next as usize).saturating_sub(1).min(text.len()));
        let Some(line) = text.get(start as usize..line_end) else {
            return (start as usize).min(text.len()) as u32;
        };
        let line = line.strip_suffix('\r').unwrap_or(line);
        let mut units = 0u32;
        for (i, c) in line.char_indices() {
            let next = units + c.len_utf16() as u32;
            if next > position.character {
                return start + i as u32;
            }
            units = next;
        }
        start + line.len() as u32
    }

    /// The LSP range of `span` in `text`.
    pub fn range(&self, text: &str, span: Span) -> Range {
        Range::new(self.position(text, span.start), self.position(text, span.end))
    }

    /// The byte span of LSP range `range` in `text` (start and end clamped;
    /// an inverted range is made empty at its start).
    pub fn span(&self, text: &str, range: Range) -> Span {
        let start = self.offset(text, range.start);
        let end = self.offset(text, range.end).max(start);
        Span::new(start, end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pos(line: u32, character: u32) -> Position {
        Position::new(line, character)
    }

    #[test]
    fn ascii_round_trip() {
        let text = "let a = 1;\nlet b = 2;\n";
        let index = LineIndex::new(text);
        assert_eq!(index.position(text, 0), pos(0, 0));
        assert_eq!(index.position(text, 4), pos(0, 4));
        assert_eq!(index.position(text, 11), pos(1, 0));
        assert_eq!(index.position(text, text.len() as u32), pos(2, 0));
        for offset in 0..=text.len() as u32 {
            assert_eq!(index.offset(text, index.position(text, offset)), offset);
        }
    }

    #[test]
    fn utf16_units_for_non_ascii() {
        // `é` is 2 bytes and 1 UTF-16 unit; `🦀` is 4 bytes and 2 units.
        let text = "// é🦀x\nlet s = \"🦀\";";
        let index = LineIndex::new(text);
        let x = text.find('x').expect("x") as u32;
        assert_eq!(index.position(text, x), pos(0, 6));
        assert_eq!(index.offset(text, pos(0, 6)), x);
        let crab = text.find('🦀').expect("crab") as u32;
        assert_eq!(index.position(text, crab), pos(0, 4));
        // A position inside the surrogate pair lands on the crab's start.
        assert_eq!(index.offset(text, pos(0, 5)), crab);
        let second_line_crab = text.rfind('🦀').expect("crab") as u32;
        assert_eq!(index.position(text, second_line_crab + 4), pos(1, 11));
        // An offset inside a UTF-8 sequence moves back to its start.
        assert_eq!(index.position(text, crab + 1), pos(0, 4));
    }

    #[test]
    fn a_stale_index_does_not_panic() {
        let index = LineIndex::new("a\nbé\nc");
        for text in ["", "ab", "é", "a\nb"] {
            for offset in 0..8 {
                let _ = index.position(text, offset);
            }
            for line in 0..4 {
                for character in 0..4 {
                    assert!(index.offset(text, pos(line, character)) as usize <= text.len());
                }
            }
        }
    }

    #[test]
    fn clamps_out_of_range_positions() {
        let text = "ab\r\ncd";
        let index = LineIndex::new(text);
        assert_eq!(index.offset(text, pos(0, 99)), 2, "end of line, before the CR");
        assert_eq!(index.offset(text, pos(1, 99)), 6);
        assert_eq!(index.offset(text, pos(7, 0)), 6);
        assert_eq!(index.position(text, 99), pos(1, 2));
        let inverted = Range::new(pos(1, 1), pos(0, 0));
        assert_eq!(index.span(text, inverted), Span::new(5, 5));
    }
}
