//! Renderer-neutral diagnostics.
//!
//! Every error the compiler finds is a [`Diagnostic`]: plain data with a
//! stable code, a message, spans and hints. The CLI renders them with ariadne
//! or as JSON (`--message-format json`); an editor integration can map them
//! to LSP diagnostics. Nothing in this crate prints.

use crate::span::Span;

/// How serious a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    /// The program is rejected.
    Error,
    /// The program compiles, but something is probably wrong.
    Warning,
}

/// A span with a message attached.
#[derive(Clone, Debug, PartialEq)]
pub struct Label {
    /// Where the label points.
    pub span: Span,
    /// What the label says (may be empty).
    pub message: String,
    /// `true` for the culprit, `false` for a secondary label (a cause, a declaration).
    pub primary: bool,
}

/// One problem found in a source file.
#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// A stable, kebab-case identifier of the kind of problem (`unbound-name`,
    /// `type-mismatch`, ...), usable by tools and documented in the book.
    pub code: &'static str,
    /// One line saying what is wrong.
    pub message: String,
    /// The primary label first, then secondary ones.
    pub labels: Vec<Label>,
    /// Extra facts ("note: ...").
    pub notes: Vec<String>,
    /// What to do about it ("help: ...").
    pub help: Option<String>,
}

impl Diagnostic {
    /// An error with a primary label at `span`.
    pub fn error(code: &'static str, message: impl Into<String>, span: Span, label: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            code,
            message: message.into(),
            labels: vec![Label { span, message: label.into(), primary: true }],
            notes: Vec::new(),
            help: None,
        }
    }

    /// Adds a secondary label.
    pub fn with_label(mut self, span: Span, message: impl Into<String>) -> Diagnostic {
        self.labels.push(Label { span, message: message.into(), primary: false });
        self
    }

    /// Adds a note.
    pub fn with_note(mut self, note: impl Into<String>) -> Diagnostic {
        self.notes.push(note.into());
        self
    }

    /// Sets the help line.
    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    /// The span of the primary label (an empty span at 0 if there is none).
    pub fn primary_span(&self) -> Span {
        self.labels.iter().find(|l| l.primary).map(|l| l.span).unwrap_or_default()
    }
}
