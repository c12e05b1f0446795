//! The Claw language server: `clawc lsp`.
//!
//! This crate is the only code in the workspace that knows the Language
//! Server Protocol (LSP 3.17) and JSON-RPC. It speaks them with
//! [`lsp_server`] (rust-analyzer's synchronous transport: a reader and a
//! writer thread around stdio, messages as crossbeam channels) and
//! [`lsp_types`] (the message types), and answers from the compiler's pure
//! functions: `claw_compiler::analysis` for diagnostics and the semantic
//! queries, `parser::parse` for the outline, `lexer::lex` for semantic
//! tokens. Offsets cross the boundary as UTF-8 byte offsets
//! ([`claw_compiler::Span`]) and are converted to LSP's UTF-16 positions in
//! [`line_index`].
//!
//! The main loop ([`run`]) works over any [`Connection`], so tests drive it
//! over [`Connection::memory`] exactly as an editor drives `clawc lsp` over
//! stdio ([`run_stdio`]).

pub mod components;
pub mod convert;
pub mod diagnostics;
pub mod document;
pub mod line_index;
pub mod projects;
pub mod semantic_tokens;
mod server;
pub mod std_wit_files;
pub mod symbols;

use lsp_server::Connection;
use std::path::PathBuf;
use std::time::Duration;

/// How the server is configured before the client says anything.
#[derive(Clone, Debug)]
pub struct Options {
    /// WIT directories (or files) added to the bundled std-wit for every
    /// document, like `clawc check --wit DIR`. Relative paths are taken from
    /// the server's working directory. The client can add more with the
    /// `wit` initialization option (relative to the workspace root).
    pub wit_dirs: Vec<PathBuf>,
    /// Where the bundled WIT files are written for "go to definition"
    /// (see [`std_wit_files`]); `None` for the user's cache directory.
    pub std_wit_dir: Option<PathBuf>,
    /// How long after the last change of a document its diagnostics are
    /// computed and published. The default, 25 ms, coalesces the changes of
    /// one keystroke (an editor's auto-closing and auto-indent edits) and
    /// fast typing, while keeping diagnostics within 50 ms of a change: the
    /// analysis itself takes 5 to 10 ms for 2,000 lines (`benches/lsp.rs`).
    pub debounce: Duration,
}

impl Default for Options {
    fn default() -> Options {
        Options { wit_dirs: Vec::new(), std_wit_dir: None, debounce: Duration::from_millis(25) }
    }
}

/// The exit status [`run`] ends with, as LSP 3.17 §"exit" specifies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// `exit` after `shutdown`: the process should exit with code 0.
    Clean,
    /// `exit` without `shutdown`, or the client closed the connection: code 1.
    Unexpected,
}

impl Exit {
    /// The process exit code for this status (0 or 1).
    pub fn code(self) -> u8 {
        match self {
            Exit::Clean => 0,
            Exit::Unexpected => 1,
        }
    }
}

/// Runs the server over stdin/stdout until the client sends `exit` or closes
/// stdin.
///
/// # Errors
/// A protocol error during initialization (the first message is not
/// `initialize`, or the connection closed before it), as a message.
pub fn run_stdio(options: Options) -> Result<Exit, String> {
    let (connection, io_threads) = Connection::stdio();
    // lsp-server's reader hands over one message at a time (a rendezvous
    // channel). A forwarding thread moves them into an unbounded channel,
    // so stdin keeps being read and parsed while a request is answered,
    // and the loop sees every message already sent (a `$/cancelRequest`,
    // the rest of a burst of changes) before it starts on the next one.
    let (forward, inbox) = crossbeam_channel::unbounded();
    let from_reader = connection.receiver.clone();
    std::thread::Builder::new()
        .name("clawc-lsp-inbox".to_string())
        .spawn(move || {
            for message in from_reader {
                if forward.send(message).is_err() {
                    break;
                }
            }
        })
        .map_err(|e| format!("cannot start a thread: {e}"))?;
    let buffered = Connection { sender: connection.sender.clone(), receiver: inbox };
    let exit = run(&buffered, options)?;
    // The writer thread ends when its senders are dropped, which flushes
    // every response before the process exits. The forwarding thread ends
    // with the reader (after `exit`, or at the end of stdin).
    drop(buffered);
    drop(connection);
    io_threads.join().map_err(|e| format!("stdio: {e}"))?;
    Ok(exit)
}

/// Runs the server over `connection`: the `initialize` handshake, then the
/// main loop until `exit` or until the client's side of the connection is
/// dropped.
///
/// # Errors
/// A protocol error during initialization, as a message.
pub fn run(connection: &Connection, options: Options) -> Result<Exit, String> {
    server::Server::initialize(connection, options)?.main_loop()
}
