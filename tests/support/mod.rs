//! What the test harnesses share: the `// run:` header lines of Claw
//! sources (`tests/run/*.claw`, the book's `claw,run` snippets) and making
//! those calls against an instantiated component.
//!
//! ```text
//! // run: add(1, 2) => 3      call, compare the WAVE result
//! // run: reset()             call, expect no result
//! // run: div(1, 0) => trap   call, expect a trap
//! ```

use claw_runtime::{RunError, Session};

/// One `// run:` header line.
pub struct Call {
    /// Its 1-based line in the source.
    pub line: usize,
    /// The call, as WAVE (`add(1, 2)`).
    pub call: String,
    /// What the call must give.
    pub expect: Expect,
}

/// What a call must give.
pub enum Expect {
    /// No result.
    Nothing,
    /// A result, as WAVE text.
    Value(String),
    /// A trap.
    Trap,
}

/// The `// run:` lines of `source`, in order.
pub fn headers(source: &str) -> Vec<Call> {
    let mut calls = Vec::new();
    for (i, line) in source.lines().enumerate() {
        let Some(rest) = line.trim().strip_prefix("// run:") else { continue };
        let (call, expect) = match rest.rsplit_once("=>") {
            Some((call, expected)) if expected.trim() == "trap" => (call, Expect::Trap),
            Some((call, expected)) => (call, Expect::Value(expected.trim().to_string())),
            None => (rest, Expect::Nothing),
        };
        calls.push(Call { line: i + 1, call: call.trim().to_string(), expect });
    }
    calls
}

/// Makes the calls in order on one instance. Expected values are parsed
/// with the export's result type and printed back, so `1.50` and `1.5`
/// agree. `at` names a call in errors (`path:line: `).
pub fn make_calls(session: &mut Session, calls: &[Call], at: impl Fn(&Call) -> String) -> Result<(), String> {
    for call in calls {
        let at = format!("{}`{}`", at(call), call.call);
        let result = session.invoke(&call.call);
        match (&call.expect, result) {
            (Expect::Trap, Err(RunError::Trap { .. })) => {}
            (Expect::Trap, other) => return Err(format!("{at}: expected a trap, got {other:?}")),
            (_, Err(e)) => return Err(format!("{at}: {e}")),
            (Expect::Nothing, Ok(None)) => {}
            (Expect::Nothing, Ok(Some(v))) => return Err(format!("{at}: expected no result, got {v}")),
            (Expect::Value(expected), Ok(None)) => return Err(format!("{at}: expected {expected}, got no result")),
            (Expect::Value(expected), Ok(Some(actual))) => {
                let name = call.call.split('(').next().unwrap_or_default().trim();
                let (_, results) = session.func_type(name).map_err(|e| e.to_string())?;
                let ty = results.first().ok_or("the export has no result type")?;
                let value =
                    claw_runtime::from_wave(ty, expected).map_err(|e| format!("{at}: bad expected value: {e}"))?;
                let expected = claw_runtime::to_wave(&value).map_err(|e| e.to_string())?;
                if expected != actual {
                    return Err(format!("{at}: expected {expected}, got {actual}"));
                }
            }
        }
    }
    Ok(())
}
