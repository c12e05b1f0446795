//! The runtime's error type, [`RunError`].
//!
//! Errors are plain data: each variant carries rendered text (and, for link
//! errors, the list of unsatisfied imports), so callers can match on the kind,
//! print it, or compare it in tests without holding on to wasmtime internals.

use std::fmt;

/// Everything that can go wrong loading, linking or running a component.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunError {
    /// The bytes are not a valid WebAssembly component (not wasm at all, a
    /// core module rather than a component, or rejected by validation or
    /// compilation). The text explains which.
    Load(String),
    /// The component could not be linked against the host.
    Link {
        /// Imports the host does not satisfy (absent, or defined with a
        /// different type), as names such as `double` (a root-level import)
        /// or `wasi:foo/bar@1.0.0#baz` (a function inside an imported
        /// interface). Empty when linking failed for another reason.
        missing: Vec<String>,
        /// wasmtime's explanation of the first failure.
        detail: String,
    },
    /// The caller asked for something impossible: call text that is not valid
    /// WAVE, an export that does not exist (the message lists the ones that
    /// do), the wrong number or types of arguments.
    Usage(String),
    /// The guest failed while running: a wasm trap, a host function that
    /// returned an error, or an explicit `exit`.
    Trap {
        /// What happened, including wasmtime's trap text, e.g.
        /// `wasm trap: integer divide by zero` or
        /// `wasm trap: wasm `unreachable` instruction executed`.
        message: String,
        /// The wasm backtrace, when wasmtime captured one.
        backtrace: Option<String>,
    },
    /// The guest called `wasi:cli/exit.exit` (or `exit-with-code`): the
    /// status it asked for (0 for `exit(ok)`, 1 for `exit(err)`).
    Exit(i32),
    /// Anything else (e.g. a result that cannot be rendered as WAVE).
    Other(String),
}

impl RunError {
    /// Whether this is a [`RunError::Trap`].
    pub fn is_trap(&self) -> bool {
        matches!(self, RunError::Trap { .. })
    }

    /// Whether this is a [`RunError::Usage`].
    pub fn is_usage(&self) -> bool {
        matches!(self, RunError::Usage(_))
    }

    /// Whether this is a [`RunError::Load`].
    pub fn is_load(&self) -> bool {
        matches!(self, RunError::Load(_))
    }

    /// Whether this is a [`RunError::Link`].
    pub fn is_link(&self) -> bool {
        matches!(self, RunError::Link { .. })
    }

    /// Converts an error raised while the guest was running (instantiation or
    /// a call) into [`RunError::Trap`], separating the wasm backtrace (if
    /// any) from the message.
    pub(crate) fn from_execution(err: &wasmtime::Error) -> RunError {
        if let Some(exit) = err.downcast_ref::<wasmtime_wasi::I32Exit>() {
            return RunError::Exit(exit.0);
        }
        let backtrace = err.downcast_ref::<wasmtime::WasmBacktrace>().map(|bt| bt.to_string().trim_end().to_string());
        let mut parts: Vec<String> = Vec::new();
        for cause in err.chain() {
            let text = cause.to_string();
            if text.starts_with("error while executing at wasm backtrace") {
                continue;
            }
            if parts.last() != Some(&text) {
                parts.push(text);
            }
        }
        let message = if parts.is_empty() { err.to_string() } else { parts.join(": ") };
        RunError::Trap { message, backtrace }
    }
}

impl fmt::Display for RunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RunError::Load(msg) => write!(f, "cannot load component: {msg}"),
            RunError::Link { missing, detail } => {
                if missing.is_empty() {
                    write!(f, "cannot link component: {detail}")
                } else {
                    f.write_str("component imports that the host does not provide:")?;
                    for (interface, items) in group_by_interface(missing) {
                        let items: Vec<String> = items.iter().map(|i| format!("`{i}`")).collect();
                        match interface {
                            Some(interface) if items.is_empty() => write!(f, "\n  `{interface}`")?,
                            Some(interface) => write!(f, "\n  {interface}: {}", items.join(", "))?,
                            None => write!(f, "\n  {}", items.join(", "))?,
                        }
                    }
                    Ok(())
                }
            }
            RunError::Usage(msg) => f.write_str(msg),
            RunError::Trap { message, .. } => f.write_str(message),
            RunError::Exit(status) => write!(f, "the component exited with status {status}"),
            RunError::Other(msg) => f.write_str(msg),
        }
    }
}

impl std::error::Error for RunError {}

/// The names of [`RunError::Link`]'s `missing` (`iface#item` or a root-level
/// `name`) grouped by interface, in the order each interface first appears:
/// `(Some(interface), items)`, or `(None, names)` for the root-level ones.
/// An interface missing as a whole (no `#`) is a group with no items.
fn group_by_interface(missing: &[String]) -> Vec<(Option<&str>, Vec<&str>)> {
    let mut groups: Vec<(Option<&str>, Vec<&str>)> = Vec::new();
    for name in missing {
        let (interface, item) = match name.split_once('#') {
            Some((interface, item)) => (Some(interface), Some(item)),
            // An interface name has a `/`; a root-level function has none.
            None if name.contains('/') => (Some(name.as_str()), None),
            None => (None, Some(name.as_str())),
        };
        let at = match groups.iter().position(|(i, _)| *i == interface) {
            Some(at) => at,
            None => {
                groups.push((interface, Vec::new()));
                groups.len() - 1
            }
        };
        groups[at].1.extend(item);
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_imports_are_grouped_by_interface() {
        let missing =
            ["wasi:http/types@0.2.10#fields", "double", "wasi:http/types@0.2.10#method", "a:b/c", "wasi:x/y#f"];
        let error = RunError::Link { missing: missing.map(String::from).to_vec(), detail: String::new() };
        assert_eq!(
            error.to_string(),
            "component imports that the host does not provide:\n  wasi:http/types@0.2.10: `fields`, `method`\n  `double`\n  `a:b/c`\n  wasi:x/y: `f`"
        );
    }
}
