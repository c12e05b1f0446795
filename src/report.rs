//! The reports of `clawc test`: human text in the style of `cargo test`,
//! JSON lines, and JUnit XML.

use claw_runtime::testing::{Failure, Outcome};
use std::fmt::Write as _;
use std::time::Duration;

/// A failure text of an `assert` or a `?`, split into its lines (see
/// `claw_compiler::check::FAILURE_FORMAT`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FailureText {
    /// The first line (`assertion failed: a == b`).
    pub summary: String,
    /// The `assert`'s message, if any.
    pub message: Option<String>,
    /// The comparison's left operand, as WAVE.
    pub left: Option<String>,
    /// The comparison's right operand, as WAVE.
    pub right: Option<String>,
    /// 1-based line and column in the test file.
    pub at: Option<(u32, u32)>,
}

impl FailureText {
    /// Splits a failure text; lines it does not know stay in the summary.
    pub fn parse(text: &str) -> FailureText {
        let mut out = FailureText::default();
        let mut lines = text.split('\n');
        out.summary = lines.next().unwrap_or_default().to_string();
        // Which field a continuation line (a message with newlines) extends.
        let mut last: Option<&str> = None;
        for line in lines {
            if let Some(v) = line.strip_prefix("message: ") {
                out.message = Some(v.to_string());
                last = Some("message");
            } else if let Some(v) = line.strip_prefix("left: ") {
                out.left = Some(v.to_string());
                last = None;
            } else if let Some(v) = line.strip_prefix("right: ") {
                out.right = Some(v.to_string());
                last = None;
            } else if let Some((l, c)) = line.strip_prefix("at: ").and_then(|v| v.split_once(':'))
                && let (Ok(l), Ok(c)) = (l.parse(), c.parse())
            {
                out.at = Some((l, c));
                last = None;
            } else if last == Some("message")
                && let Some(m) = &mut out.message
            {
                m.push('\n');
                m.push_str(line);
            } else {
                out.summary.push('\n');
                out.summary.push_str(line);
            }
        }
        out
    }
}

/// One test's result with what the report needs to name it.
pub struct Reported<'a> {
    /// The test's name.
    pub name: &'a str,
    /// The test file, as given.
    pub file: &'a str,
    /// Where the test starts.
    pub line: u32,
    /// The result.
    pub outcome: &'a Outcome,
}

fn seconds(d: Duration) -> String {
    format!("{:.2}s", d.as_secs_f64())
}

/// Paints `text` when colour is on (ANSI: 31 red, 32 green, 33 yellow, 1 bold).
pub fn paint(color: bool, code: &str, text: &str) -> String {
    if color { format!("\x1b[{code}m{text}\x1b[0m") } else { text.to_string() }
}

/// `test NAME ... ok` (or `FAILED`), with the number of cases of a
/// property test.
pub fn test_line(r: &Reported<'_>, color: bool) -> String {
    let cases = if r.outcome.cases > 0 { format!(" ({} cases)", r.outcome.cases) } else { String::new() };
    let status = if r.outcome.passed() { paint(color, "32", "ok") } else { paint(color, "31", "FAILED") };
    format!("test {}{cases} ... {status}", r.name)
}

/// The details of one failed test, as printed under `failures:`.
pub fn failure_details(r: &Reported<'_>) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "---- {} ----", r.name);
    let Some(failure) = &r.outcome.failure else { return out };
    match failure {
        Failure::Assertion(text) => {
            let f = FailureText::parse(text);
            let _ = writeln!(out, "{}", f.summary);
            if let Some(m) = &f.message {
                let _ = writeln!(out, "message: {m}");
            }
            if let (Some(l), Some(rt)) = (&f.left, &f.right) {
                let _ = writeln!(out, "   left: {l}");
                let _ = writeln!(out, "  right: {rt}");
                if let Some(at) = first_difference(l, rt) {
                    let _ = writeln!(out, "         {}^ first difference", " ".repeat(at));
                }
            }
            let (line, column) = f.at.unwrap_or((r.line, 1));
            let _ = writeln!(out, "     at: {}:{line}:{column}", r.file);
        }
        other => {
            let _ = writeln!(out, "{other}");
            let _ = writeln!(out, "     at: {}:{} (the test)", r.file, r.line);
        }
    }
    if !r.outcome.input.is_empty() {
        let args: Vec<String> = r.outcome.input.iter().map(|(n, v)| format!("{n}: {v}")).collect();
        let seed = r.outcome.seed.map(|s| format!(" (seed {s}; rerun with --seed {s})")).unwrap_or_default();
        let _ = writeln!(out, "smallest failing input: {}{seed}", args.join(", "));
    }
    for (name, text) in [("stdout", &r.outcome.stdout), ("stderr", &r.outcome.stderr)] {
        if !text.is_empty() {
            let _ = writeln!(out, "{name}:\n{}", text.trim_end());
        }
    }
    out
}

/// Where two different WAVE texts first differ, in chars (the end of the
/// shorter one when it is a prefix of the other), when they are long enough
/// for a pointer to help (over 12 chars).
pub fn first_difference(left: &str, right: &str) -> Option<usize> {
    let (l, r) = (left.chars().count(), right.chars().count());
    if l.max(r) <= 12 || left == right {
        return None;
    }
    Some(left.chars().zip(right.chars()).position(|(a, b)| a != b).unwrap_or(l.min(r)))
}

/// The closing line: `test result: ok. 3 passed, 0 failed; finished in 0.10s`.
pub fn summary_line(passed: usize, failed: usize, filtered: usize, elapsed: Duration, color: bool) -> String {
    let status = if failed == 0 { paint(color, "32", "ok") } else { paint(color, "31", "FAILED") };
    let filtered = if filtered > 0 { format!("; {filtered} filtered out") } else { String::new() };
    format!("test result: {status}. {passed} passed, {failed} failed{filtered}; finished in {}", seconds(elapsed))
}

/// The JSON event of one finished test (`"event": "ok"` or `"failed"`).
pub fn test_json(r: &Reported<'_>) -> serde_json::Value {
    let mut event = serde_json::json!({
        "type": "test",
        "event": if r.outcome.passed() { "ok" } else { "failed" },
        "name": r.name,
        "file": r.file,
        "line": r.line,
        "duration_ms": r.outcome.duration.as_secs_f64() * 1000.0,
    });
    if r.outcome.cases > 0 {
        event["cases"] = r.outcome.cases.into();
        event["seed"] = r.outcome.seed.into();
    }
    if let Some(failure) = &r.outcome.failure {
        let mut f = serde_json::json!({ "kind": kind(failure), "message": failure.to_string() });
        if let Failure::Assertion(text) = failure {
            let parsed = FailureText::parse(text);
            f["message"] = parsed.summary.into();
            f["note"] = parsed.message.into();
            f["left"] = parsed.left.into();
            f["right"] = parsed.right.into();
            if let Some((l, c)) = parsed.at {
                f["line"] = l.into();
                f["column"] = c.into();
            }
        }
        if !r.outcome.input.is_empty() {
            f["input"] = r
                .outcome
                .input
                .iter()
                .map(|(n, v)| (n.clone(), serde_json::Value::from(v.clone())))
                .collect::<serde_json::Map<_, _>>()
                .into();
        }
        event["failure"] = f;
        event["stdout"] = r.outcome.stdout.clone().into();
        event["stderr"] = r.outcome.stderr.clone().into();
    }
    event
}

/// A short machine name for a failure's kind.
pub fn kind(failure: &Failure) -> &'static str {
    match failure {
        Failure::Assertion(_) => "assertion",
        Failure::Trap(_) => "trap",
        Failure::Timeout(_) => "timeout",
        Failure::OutOfMemory(_) => "out-of-memory",
        Failure::DidNotTrap => "did-not-trap",
        Failure::Setup(_) => "setup",
    }
}

fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // XML 1.0 cannot carry most control characters.
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\t' | '\r') => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

/// A JUnit XML document: one `<testsuite>` per test file; a file that
/// could not be compiled (`broken`) is a suite with one `<error>`.
pub fn junit(suites: &[(String, Vec<Reported<'_>>)], broken: &[String]) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n");
    for file in broken {
        let _ = writeln!(
            out,
            "  <testsuite name=\"{0}\" tests=\"1\" failures=\"0\" errors=\"1\" time=\"0\">\n    \
             <testcase name=\"(compile)\" classname=\"{0}\" time=\"0\">\n      \
             <error type=\"compile\" message=\"the test file could not be compiled; see the diagnostics\"/>\n    \
             </testcase>\n  </testsuite>",
            xml_escape(file)
        );
    }
    for (file, tests) in suites {
        let failures = tests.iter().filter(|t| !t.outcome.passed()).count();
        let time: f64 = tests.iter().map(|t| t.outcome.duration.as_secs_f64()).sum();
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\" errors=\"0\" time=\"{time:.3}\">",
            xml_escape(file),
            tests.len()
        );
        for t in tests {
            let _ = write!(
                out,
                "    <testcase name=\"{}\" classname=\"{}\" time=\"{:.3}\"",
                xml_escape(t.name),
                xml_escape(file),
                t.outcome.duration.as_secs_f64()
            );
            match &t.outcome.failure {
                None => out.push_str("/>\n"),
                Some(failure) => {
                    let summary = match failure {
                        Failure::Assertion(text) => FailureText::parse(text).summary,
                        other => other.to_string(),
                    };
                    let _ = writeln!(
                        out,
                        ">\n      <failure type=\"{}\" message=\"{}\">{}</failure>",
                        kind(failure),
                        xml_escape(&summary),
                        xml_escape(failure_details(t).trim_end())
                    );
                    if !t.outcome.stdout.is_empty() {
                        let _ = writeln!(out, "      <system-out>{}</system-out>", xml_escape(&t.outcome.stdout));
                    }
                    if !t.outcome.stderr.is_empty() {
                        let _ = writeln!(out, "      <system-err>{}</system-err>", xml_escape(&t.outcome.stderr));
                    }
                    out.push_str("    </testcase>\n");
                }
            }
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_comparison_failure() {
        let f = FailureText::parse("assertion failed: a == b\nmessage: two\nlines\nleft: [1]\nright: [2]\nat: 7:5");
        assert_eq!(f.summary, "assertion failed: a == b");
        assert_eq!(f.message.as_deref(), Some("two\nlines"));
        assert_eq!(f.left.as_deref(), Some("[1]"));
        assert_eq!(f.right.as_deref(), Some("[2]"));
        assert_eq!(f.at, Some((7, 5)));
    }

    #[test]
    fn points_at_the_first_difference() {
        assert_eq!(first_difference("{x: 1, y: 2, z: 3}", "{x: 1, y: 5, z: 3}"), Some(10));
        assert_eq!(first_difference("3", "4"), None, "short values need no pointer");
        assert_eq!(first_difference("[1, 2, 3, 4, 5, 6]", "[1, 2, 3, 4, 5, 6, 7]"), Some(17));
        assert_eq!(first_difference("\"abcdefghijklm", "\"abcdefghijklm\""), Some(14), "a prefix: its end");
        assert_eq!(first_difference("[1, 2, 3, 4, 5, 6]", "[1, 2, 3, 4, 5, 6]"), None);
    }

    #[test]
    fn escapes_xml() {
        assert_eq!(xml_escape("a<b & \"c\"\u{1}"), "a&lt;b &amp; &quot;c&quot;\\u{1}");
    }
}
