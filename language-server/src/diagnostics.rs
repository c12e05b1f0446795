//! Compiler [`Diagnostic`]s as LSP diagnostics, and the quick fixes their
//! `help` text suggests.
//!
//! Mapping (LSP 3.17 §"Diagnostic"):
//! - `range`: the primary label's span; `severity`: error or warning;
//!   `code`: the compiler's stable kebab-case code; `source`: `"clawc"`.
//! - `message`: the compiler's message, then the primary label's text, each
//!   note as `note: ...` and the help as `help: ...`, one per line, so that
//!   an editor showing only the message still shows everything `clawc check`
//!   prints.
//! - `relatedInformation`: one entry per secondary label (a cause, a
//!   declaration), in the same document.

use crate::line_index::LineIndex;
use claw_compiler::{Diagnostic, Severity, Span};
use lsp_types::{DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString, Url};

/// The LSP form of `diagnostic`, found in `text` (indexed by `index`) at `uri`.
pub fn to_lsp(diagnostic: &Diagnostic, uri: &Url, text: &str, index: &LineIndex) -> lsp_types::Diagnostic {
    let primary = diagnostic.labels.iter().find(|l| l.primary);
    let mut message = diagnostic.message.clone();
    // The primary label adds to the message unless the message already says it.
    if let Some(label) = primary.filter(|l| !l.message.is_empty() && !diagnostic.message.contains(&l.message)) {
        message.push('\n');
        message.push_str(&label.message);
    }
    for note in &diagnostic.notes {
        message.push_str("\nnote: ");
        message.push_str(note);
    }
    if let Some(help) = &diagnostic.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    let related: Vec<DiagnosticRelatedInformation> = diagnostic
        .labels
        .iter()
        .filter(|l| !l.primary)
        .map(|l| DiagnosticRelatedInformation {
            location: Location::new(uri.clone(), index.range(text, l.span)),
            message: if l.message.is_empty() { "related".to_string() } else { l.message.clone() },
        })
        .collect();
    lsp_types::Diagnostic {
        range: index.range(text, diagnostic.primary_span()),
        severity: Some(match diagnostic.severity {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
        }),
        code: Some(NumberOrString::String(diagnostic.code.to_string())),
        code_description: None,
        source: Some("clawc".to_string()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        tags: None,
        data: None,
    }
}

/// A fix a diagnostic's `help` spells out exactly: a title and one edit of
/// the source (`span` replaced by `text`).
#[derive(Clone, Debug, PartialEq)]
pub struct Suggestion {
    /// What the code action is called in the editor's menu.
    pub title: String,
    /// The bytes to replace.
    pub span: Span,
    /// The replacement.
    pub text: String,
}

/// The fixes `diagnostic`'s help suggests, as edits of `text`.
///
/// The compiler's diagnostics carry help as prose, so this recognises the
/// help lines whose replacement is unambiguous:
/// - `did you mean `a`, `b` or `c`?` — replace the primary span with each;
/// - `identifiers are WIT identifiers, written in kebab-case: `x`` — rename
///   to the kebab-case spelling;
/// - `` `w` is a keyword; write `%w` to use it as a name`` — escape it;
/// - ``convert with `as T` `` — append ` as T` (parenthesising the
///   expression when it is more than one word);
/// - ``declare it with `let mut x` `` — insert `mut ` before the
///   declaration the secondary label points at;
/// - `statements end with `;`` on an "expected `;`" error — insert the `;`
///   where it is expected.
///
/// Other help is shown in the diagnostic's message only.
pub fn suggestions(diagnostic: &Diagnostic, text: &str) -> Vec<Suggestion> {
    let Some(help) = &diagnostic.help else { return Vec::new() };
    let span = diagnostic.primary_span();
    let Some(original) = text.get(span.range()) else { return Vec::new() };
    let replace = |new: &str| Suggestion { title: format!("Replace with `{new}`"), span, text: new.to_string() };
    if let Some(rest) = help.strip_prefix("did you mean ") {
        return backticked(rest).into_iter().filter(|name| *name != original).map(replace).collect();
    }
    if let Some(rest) = help.strip_prefix("identifiers are WIT identifiers, written in kebab-case: ") {
        return backticked(rest).into_iter().take(1).map(replace).collect();
    }
    if help.contains("is a keyword; write `%")
        && let Some(escaped) = backticked(help).into_iter().find(|w| w.starts_with('%'))
    {
        return vec![replace(escaped)];
    }
    if let Some(rest) = help.strip_prefix("declare it with `let mut ")
        && let Some(name) = rest.strip_suffix('`')
        && let Some(declared) = diagnostic.labels.iter().find(|l| !l.primary && text.get(l.span.range()) == Some(name))
    {
        return vec![Suggestion {
            title: format!("Declare `{name}` with `let mut`"),
            span: Span::new(declared.span.start, declared.span.start),
            text: "mut ".to_string(),
        }];
    }
    if help == "statements end with `;`" && span.start == span.end && diagnostic.message.starts_with("expected `;`") {
        return vec![Suggestion { title: "Insert `;`".to_string(), span, text: ";".to_string() }];
    }
    if let Some(rest) = help.strip_prefix("convert with ")
        && let Some(cast) = backticked(rest).first()
        && !original.is_empty()
    {
        let simple = original.chars().all(|c| c.is_alphanumeric() || c == '-' || c == '_' || c == '%');
        let text = if simple { format!("{original} {cast}") } else { format!("({original}) {cast}") };
        return vec![Suggestion { title: format!("Convert with `{cast}`"), span, text }];
    }
    Vec::new()
}

/// The `` `...` `` quoted parts of `text`, in order.
fn backticked(text: &str) -> Vec<&str> {
    text.split('`').skip(1).step_by(2).filter(|s| !s.is_empty()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn diag(span: Span, help: &str) -> Diagnostic {
        Diagnostic::error("x", "x", span, "").with_help(help)
    }

    #[test]
    fn did_you_mean_gives_one_fix_per_name() {
        let text = "let conut = 1;";
        let fixes = suggestions(&diag(Span::new(4, 9), "did you mean `count` or `cont`?"), text);
        let texts: Vec<&str> = fixes.iter().map(|f| f.text.as_str()).collect();
        assert_eq!(texts, ["count", "cont"]);
        assert_eq!(fixes[0].title, "Replace with `count`");
    }

    #[test]
    fn keyword_kebab_and_cast_fixes() {
        let text = "let type = a + b; fooBar";
        let fixes = suggestions(&diag(Span::new(4, 8), "`type` is a keyword; write `%type` to use it as a name"), text);
        assert_eq!(fixes[0].text, "%type");
        let fixes = suggestions(&diag(Span::new(11, 16), "convert with `as u64`"), text);
        assert_eq!(fixes[0].text, "(a + b) as u64");
        let fixes = suggestions(&diag(Span::new(11, 12), "convert with `as u64`"), text);
        assert_eq!(fixes[0].text, "a as u64");
        let fixes = suggestions(
            &diag(Span::new(18, 24), "identifiers are WIT identifiers, written in kebab-case: `foo-bar`"),
            text,
        );
        assert_eq!(fixes[0].text, "foo-bar");
        assert!(suggestions(&diag(Span::new(0, 3), "statements end with `;`"), text).is_empty());
    }

    #[test]
    fn let_mut_and_semicolon_fixes() {
        let text = "let total = x;\ntotal = 1";
        let d = Diagnostic::error("assign-immutable", "cannot assign", Span::new(15, 20), "cannot assign")
            .with_label(Span::new(4, 9), "`total` is declared here")
            .with_help("declare it with `let mut total`");
        let fixes = suggestions(&d, text);
        assert_eq!(
            fixes,
            [Suggestion { title: "Declare `total` with `let mut`".into(), span: Span::new(4, 4), text: "mut ".into() }]
        );
        let d = Diagnostic::error("syntax-error", "expected `;`, found `}`", Span::new(24, 24), "expected `;` here")
            .with_help("statements end with `;`");
        assert_eq!(suggestions(&d, text)[0].text, ";");
    }
}
