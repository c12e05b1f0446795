//! Open documents: their text, version and line index, kept in step with
//! the client's `textDocument/didOpen`, `didChange` and `didClose`.
//!
//! The server asks for incremental synchronisation
//! (`TextDocumentSyncKind::INCREMENTAL`): each change carries a range in the
//! text as it was after the previous change of the same notification, and
//! the replacement text. A change without a range replaces the whole text.

use crate::line_index::LineIndex;
use lsp_types::TextDocumentContentChangeEvent;

/// One open document.
#[derive(Debug)]
pub struct Document {
    /// The full current text.
    pub text: String,
    /// The version the client gave with the last change.
    pub version: i32,
    /// Line starts of `text`.
    pub index: LineIndex,
}

impl Document {
    /// A document opened with `text` at `version`.
    pub fn new(text: String, version: i32) -> Document {
        let index = LineIndex::new(&text);
        Document { text, version, index }
    }

    /// Applies the changes of one `didChange` notification, in order, and
    /// records `version`. Ranges out of the text are clamped (see
    /// [`crate::line_index`]).
    pub fn apply_changes(&mut self, changes: Vec<TextDocumentContentChangeEvent>, version: i32) {
        for change in changes {
            match change.range {
                None => self.text = change.text,
                Some(range) => {
                    let span = self.index.span(&self.text, range);
                    self.text.replace_range(span.range(), &change.text);
                }
            }
            self.index = LineIndex::new(&self.text);
        }
        self.version = version;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lsp_types::{Position, Range};

    fn change(range: Option<((u32, u32), (u32, u32))>, text: &str) -> TextDocumentContentChangeEvent {
        TextDocumentContentChangeEvent {
            range: range.map(|((l1, c1), (l2, c2))| Range::new(Position::new(l1, c1), Position::new(l2, c2))),
            range_length: None,
            text: text.to_string(),
        }
    }

    #[test]
    fn incremental_changes_apply_in_order_with_utf16_columns() {
        let mut doc = Document::new("let s = \"🦀é\";\nlet n = 1;\n".to_string(), 1);
        // Replace `é` (UTF-16 column 11: `let s = "` is 9, the crab 2) with `ü`.
        doc.apply_changes(vec![change(Some(((0, 11), (0, 12))), "ü")], 2);
        assert_eq!(doc.text, "let s = \"🦀ü\";\nlet n = 1;\n");
        // Two changes in one notification: the second sees the first's result.
        doc.apply_changes(vec![change(Some(((1, 8), (1, 9))), "22"), change(Some(((1, 0), (1, 0))), "// 🦀\n")], 3);
        assert_eq!(doc.text, "let s = \"🦀ü\";\n// 🦀\nlet n = 22;\n");
        assert_eq!(doc.version, 3);
        assert_eq!(doc.index.position(&doc.text, doc.text.len() as u32), Position::new(3, 0));
        doc.apply_changes(vec![change(None, "whole")], 4);
        assert_eq!(doc.text, "whole");
    }
}
