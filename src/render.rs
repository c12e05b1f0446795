//! Terminal rendering of compiler diagnostics with ariadne.

use ariadne::{Color, Config, IndexType, Label, Report, ReportKind, Source};
use claw_compiler::{Diagnostic, Severity};

/// Widens an empty span to one character so ariadne can point at it (at the
/// end of the file, the last character).
fn visible(span: claw_compiler::Span, source: &str) -> std::ops::Range<usize> {
    let (mut start, mut end) = (span.start as usize, span.end as usize);
    start = start.min(source.len());
    end = end.clamp(start, source.len());
    if start == end {
        if let Some(c) = source[start..].chars().next() {
            end = start + c.len_utf8();
        } else if let Some(c) = source[..start].chars().next_back() {
            start -= c.len_utf8();
        }
    }
    start..end
}

/// Renders `diagnostics` for the file `path` with text `source`, as a
/// terminal would show them (`color` adds ANSI colours).
pub fn render(diagnostics: &[Diagnostic], path: &str, source: &str, color: bool) -> String {
    let mut out = Vec::new();
    let config = Config::default().with_color(color).with_index_type(IndexType::Byte);
    for d in diagnostics {
        let kind = match d.severity {
            Severity::Error => ReportKind::Error,
            Severity::Warning => ReportKind::Warning,
        };
        let primary = visible(d.primary_span(), source);
        let mut report =
            Report::build(kind, (path, primary)).with_config(config).with_code(d.code).with_message(&d.message);
        for (order, label) in d.labels.iter().enumerate() {
            let mut l = Label::new((path, visible(label.span, source))).with_order(order as i32);
            if !label.message.is_empty() {
                l = l.with_message(&label.message);
            }
            if color {
                l = l.with_color(if label.primary { Color::Red } else { Color::Blue });
            }
            report = report.with_label(l);
        }
        for note in &d.notes {
            report = report.with_note(note);
        }
        if let Some(help) = &d.help {
            report = report.with_help(help);
        }
        // Writing into a Vec cannot fail.
        let _ = report.finish().write((path, Source::from(source)), &mut out);
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// One diagnostic as a JSON object, for tools (`--message-format json`).
///
/// Shape: `{"file", "severity": "error"|"warning", "code", "message",
/// "labels": [{"start", "end", "line", "column", "message", "primary"}],
/// "notes": [...], "help": string|null, "rendered"}`. Offsets are bytes;
/// `line` and `column` are 1-based, the column counted in chars.
pub fn to_json(diagnostic: &Diagnostic, path: &str, source: &str) -> serde_json::Value {
    let labels: Vec<serde_json::Value> = diagnostic
        .labels
        .iter()
        .map(|label| {
            let (line, column) = label.span.line_column(source);
            serde_json::json!({
                "start": label.span.start,
                "end": label.span.end,
                "line": line,
                "column": column,
                "message": label.message,
                "primary": label.primary,
            })
        })
        .collect();
    serde_json::json!({
        "file": path,
        "severity": match diagnostic.severity { Severity::Error => "error", Severity::Warning => "warning" },
        "code": diagnostic.code,
        "message": diagnostic.message,
        "labels": labels,
        "notes": diagnostic.notes,
        "help": diagnostic.help,
        "rendered": render(std::slice::from_ref(diagnostic), path, source, false),
    })
}
