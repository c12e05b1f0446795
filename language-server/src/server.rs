//! The server's state and main loop: the `initialize` handshake, the
//! document store, debounced diagnostics, request dispatch, `shutdown` and
//! `exit`.
//!
//! Everything runs on one thread. The transport's reader thread keeps
//! reading while a request is answered, so a slow analysis never blocks
//! the reading of messages; before each message is handled, every message
//! already received is queued, so a `$/cancelRequest` for a queued request
//! skips it (answered with `RequestCancelled`, LSP 3.17 §"Cancellation
//! Support") and a burst of changes is applied before any analysis.
//! Diagnostics of a document are computed once its text has been still for
//! the debounce delay; a request about a changed document analyses it at
//! once (and publishes its diagnostics, which are then up to date).

use crate::components::{self, Components};
use crate::convert;
use crate::diagnostics;
use crate::document::Document;
use crate::line_index::LineIndex;
use crate::projects::{Loaded, Problem, Projects};
use crate::semantic_tokens;
use crate::std_wit_files::StdWitFiles;
use crate::symbols;
use crate::{Exit, Options};
use claw_compiler::analysis::{self, Analysis};
use claw_compiler::{Diagnostic, Resolve, Span};
use lsp_server::{Connection, ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::notification::{self as notif, Notification as _};
use lsp_types::request::{self as req, Request as _};
use lsp_types::{
    CodeActionKind, CodeActionOptions, CodeActionOrCommand, CodeActionProviderCapability, InitializeParams,
    InitializeResult, Location, OneOf, PublishDiagnosticsParams, SemanticTokensFullOptions, SemanticTokensOptions,
    SemanticTokensServerCapabilities, ServerCapabilities, ServerInfo, TextDocumentSyncCapability, TextDocumentSyncKind,
    TextEdit, Url, WorkspaceEdit,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::collections::{HashMap, HashSet, VecDeque};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::Instant;

/// The result of analysing one version of a document.
pub(crate) struct Snapshot {
    /// The document version analysed.
    version: i32,
    /// The analysis; `None` only if the compiler panicked on this text.
    analysis: Option<Analysis>,
    /// Every diagnostic, in source order.
    diagnostics: Vec<Diagnostic>,
}

/// Analyses `text` against `resolve`, turning a compiler panic into an
/// `internal-error` diagnostic so that one bad input never stops the server.
fn analyze(text: &str, version: i32, resolve: &Resolve) -> Snapshot {
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| analysis::analyze(text, resolve)));
    match result {
        Ok(analysis) => Snapshot { version, diagnostics: analysis.diagnostics().to_vec(), analysis: Some(analysis) },
        Err(_) => Snapshot {
            version,
            analysis: None,
            diagnostics: vec![
                Diagnostic::error(
                    "internal-error",
                    "internal compiler error while checking this file",
                    Span::default(),
                    "",
                )
                .with_note("this is a bug in clawc; please report it with the source that caused it"),
            ],
        },
    }
}

/// The diagnostics of checking `text` against the project's `world`
/// (`clawc check`'s conformance check): only for a file without errors of
/// its own, since those stop `clawc check` before it.
fn world_diagnostics(snapshot: &Snapshot, text: &str, resolve: &Resolve, world: &str) -> Vec<Diagnostic> {
    let clean = snapshot.analysis.is_some()
        && !snapshot.diagnostics.iter().any(|d| d.severity == claw_compiler::Severity::Error);
    if !clean {
        return Vec::new();
    }
    let checked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        claw_compiler::conformance::check_world(text, resolve, world)
    }));
    match checked {
        Ok(Err(claw_compiler::conformance::WorldError::Diagnostics(diagnostics))) => diagnostics,
        // `Usage` (an unknown world) is reported in claw.toml when the project loads.
        _ => Vec::new(),
    }
}

/// One open document and what the server knows about it.
struct Open {
    doc: Document,
    /// The last analysis, if any (possibly of an older version).
    snapshot: Option<Rc<Snapshot>>,
    /// When its diagnostics are due (set by a change, cleared by publishing).
    due: Option<Instant>,
}

/// The state of a running server.
pub(crate) struct Server<'c> {
    conn: &'c Connection,
    options: Options,
    /// WIT directories for every document: `--wit` plus the `wit` initialization option.
    wit_dirs: Vec<PathBuf>,
    docs: HashMap<Url, Open>,
    /// The WIT of each project.
    projects: Projects,
    std_wit: StdWitFiles,
    /// The decoded WIT of the components test files name.
    components: Components,
    /// Messages received but not handled yet.
    queue: VecDeque<Message>,
    /// Requests the client cancelled before they were handled.
    cancelled: HashSet<RequestId>,
    shutdown: bool,
}

/// The `initializationOptions` the server understands (all optional).
#[derive(Debug, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct InitOptions {
    /// More WIT directories, relative to the workspace root.
    wit: Vec<PathBuf>,
    /// The debounce delay for diagnostics, in milliseconds.
    debounce_ms: Option<u64>,
}

impl<'c> Server<'c> {
    /// Performs the `initialize` / `initialized` handshake.
    pub(crate) fn initialize(conn: &'c Connection, mut options: Options) -> Result<Server<'c>, String> {
        let (id, params) = conn.initialize_start().map_err(|e| format!("initialize: {e}"))?;
        // A client newer than lsp-types may send values it cannot read; the
        // server then starts with what it can read rather than not at all.
        let params: InitializeParams = serde_json::from_value(params.clone()).unwrap_or_else(|e| {
            eprintln!("clawc lsp: initialize: unreadable parameters ({e}); using the initializationOptions only");
            InitializeParams {
                initialization_options: params.get("initializationOptions").cloned(),
                ..Default::default()
            }
        });
        let (init, init_error) = match params.initialization_options.clone() {
            None | Some(serde_json::Value::Null) => (InitOptions::default(), None),
            Some(v) => match serde_json::from_value::<InitOptions>(v) {
                Ok(init) => (init, None),
                Err(e) => (InitOptions::default(), Some(format!("clawc lsp: initializationOptions ignored: {e}"))),
            },
        };
        let root = workspace_root(&params);
        let mut wit_dirs: Vec<PathBuf> = options.wit_dirs.clone();
        for dir in init.wit {
            wit_dirs.push(match (&root, dir.is_relative()) {
                (Some(root), true) => root.join(dir),
                _ => dir,
            });
        }
        if let Some(ms) = init.debounce_ms {
            options.debounce = std::time::Duration::from_millis(ms);
        }
        let result = InitializeResult {
            capabilities: capabilities(),
            server_info: Some(ServerInfo {
                name: "clawc lsp".to_string(),
                version: Some(env!("CARGO_PKG_VERSION").to_string()),
            }),
        };
        let result = serde_json::to_value(result).map_err(|e| format!("initialize: {e}"))?;
        conn.initialize_finish(id, result).map_err(|e| format!("initialize: {e}"))?;
        let std_wit = StdWitFiles::new(options.std_wit_dir.clone());
        let server = Server {
            conn,
            options,
            wit_dirs,
            docs: HashMap::new(),
            projects: Projects::default(),
            std_wit,
            components: Components::default(),
            queue: VecDeque::new(),
            cancelled: HashSet::new(),
            shutdown: false,
        };
        let watch = params
            .capabilities
            .workspace
            .as_ref()
            .and_then(|w| w.did_change_watched_files)
            .and_then(|d| d.dynamic_registration)
            .unwrap_or(false);
        if watch {
            server.watch_wit_files();
        }
        if let Some(message) = init_error {
            server.notify::<notif::ShowMessage>(lsp_types::ShowMessageParams {
                typ: lsp_types::MessageType::WARNING,
                message,
            });
        }
        Ok(server)
    }

    /// Asks the client to report changes of `.wit` files and `claw.toml`
    /// (`client/registerCapability` for `workspace/didChangeWatchedFiles`,
    /// LSP 3.17), so the WIT is reloaded when it changes.
    fn watch_wit_files(&self) {
        let watchers = ["**/*.wit", "**/claw.toml"]
            .map(|glob| lsp_types::FileSystemWatcher {
                glob_pattern: lsp_types::GlobPattern::String(glob.to_string()),
                kind: None,
            })
            .to_vec();
        let options = lsp_types::DidChangeWatchedFilesRegistrationOptions { watchers };
        let registration = lsp_types::Registration {
            id: "claw-wit-files".to_string(),
            method: notif::DidChangeWatchedFiles::METHOD.to_string(),
            register_options: serde_json::to_value(options).ok(),
        };
        let params = lsp_types::RegistrationParams { registrations: vec![registration] };
        self.send(Request::new(
            RequestId::from("claw/watch-wit".to_string()),
            req::RegisterCapability::METHOD.to_string(),
            params,
        ));
    }

    /// Handles messages until `exit` or until the client disconnects.
    pub(crate) fn main_loop(mut self) -> Result<Exit, String> {
        loop {
            let Some(message) = self.next_message() else {
                return Ok(Exit::Unexpected);
            };
            match message {
                Message::Request(request) => self.on_request(request),
                Message::Notification(n) if n.method == notif::Exit::METHOD => {
                    return Ok(if self.shutdown { Exit::Clean } else { Exit::Unexpected });
                }
                Message::Notification(n) => self.on_notification(n),
                Message::Response(_) => {}
            }
        }
    }

    /// The next message to handle, publishing due diagnostics while
    /// waiting; `None` when the client has gone.
    fn next_message(&mut self) -> Option<Message> {
        loop {
            // Everything already received, so that cancellations and the
            // changes of a burst are seen before the work they affect.
            let before = self.queue.len();
            while let Ok(m) = self.conn.receiver.try_recv() {
                self.queue.push_back(m);
            }
            if self.queue.len() > before {
                self.note_cancellations();
            }
            // Due diagnostics go out even while other messages keep coming
            // (but not before queued changes, which would make them stale).
            let now = Instant::now();
            let changes_queued = self
                .queue
                .iter()
                .any(|m| matches!(m, Message::Notification(n) if n.method == notif::DidChangeTextDocument::METHOD));
            if !changes_queued && self.docs.values().any(|o| o.due.is_some_and(|d| d <= now)) {
                self.publish_due();
            }
            if let Some(message) = self.queue.pop_front() {
                return Some(message);
            }
            let due = self.docs.values().filter_map(|o| o.due).min();
            let received = match due {
                Some(due) => crossbeam_channel::select! {
                    recv(self.conn.receiver) -> m => m.ok()?,
                    default(due.saturating_duration_since(Instant::now())) => continue,
                },
                None => self.conn.receiver.recv().ok()?,
            };
            self.queue.push_back(received);
            self.note_cancellations();
        }
    }

    /// Records the `$/cancelRequest`s of requests still queued, so they are
    /// answered `RequestCancelled` without being worked on; cancellations
    /// of requests already answered are ignored.
    fn note_cancellations(&mut self) {
        let cancels: Vec<RequestId> = self
            .queue
            .iter()
            .filter_map(|m| match m {
                Message::Notification(n) if n.method == notif::Cancel::METHOD => {
                    serde_json::from_value::<lsp_types::CancelParams>(n.params.clone()).ok()
                }
                _ => None,
            })
            .map(|p| match p.id {
                lsp_types::NumberOrString::Number(n) => RequestId::from(n),
                lsp_types::NumberOrString::String(s) => RequestId::from(s),
            })
            .collect();
        for id in cancels {
            if self.queue.iter().any(|m| matches!(m, Message::Request(r) if r.id == id)) {
                self.cancelled.insert(id);
            }
        }
    }

    fn send(&self, message: impl Into<Message>) {
        // A send fails only when the client has gone; the loop then ends on
        // the next receive.
        let _ = self.conn.sender.send(message.into());
    }

    fn respond<T: Serialize>(&self, id: RequestId, result: T) {
        self.send(Response::new_ok(id, result));
    }

    fn respond_error(&self, id: RequestId, code: ErrorCode, message: impl Into<String>) {
        self.send(Response::new_err(id, code as i32, message.into()));
    }

    fn notify<N: notif::Notification>(&self, params: N::Params) {
        self.send(Notification::new(N::METHOD.to_string(), params));
    }

    fn on_request(&mut self, request: Request) {
        let id = request.id.clone();
        if self.cancelled.remove(&id) {
            return self.respond_error(id, ErrorCode::RequestCanceled, "cancelled");
        }
        if self.shutdown {
            return self.respond_error(id, ErrorCode::InvalidRequest, "the server is shutting down");
        }
        match request.method.as_str() {
            req::Shutdown::METHOD => {
                self.shutdown = true;
                self.respond(id, ());
            }
            req::DocumentSymbolRequest::METHOD => self.handle::<req::DocumentSymbolRequest>(request, |s, p| {
                let Some(open) = s.docs.get(&p.text_document.uri) else { return Ok(None) };
                let doc = &open.doc;
                Ok(Some(lsp_types::DocumentSymbolResponse::Nested(symbols::document_symbols(&doc.text, &doc.index))))
            }),
            req::SemanticTokensFullRequest::METHOD => self.handle::<req::SemanticTokensFullRequest>(request, |s, p| {
                let Some(open) = s.docs.get(&p.text_document.uri) else { return Ok(None) };
                let doc = &open.doc;
                Ok(Some(lsp_types::SemanticTokensResult::Tokens(lsp_types::SemanticTokens {
                    result_id: None,
                    data: semantic_tokens::semantic_tokens(&doc.text, &doc.index),
                })))
            }),
            req::CodeActionRequest::METHOD => {
                self.handle::<req::CodeActionRequest>(request, |s, p| Ok(s.code_actions(p)))
            }
            req::HoverRequest::METHOD => self.handle::<req::HoverRequest>(request, |s, p| {
                let at = p.text_document_position_params;
                Ok(s.query(&at.text_document.uri, at.position, |a, doc, offset| {
                    a.hover(offset).map(|h| convert::hover(&h, &doc.text, &doc.index))
                }))
            }),
            req::GotoDefinition::METHOD => self.handle::<req::GotoDefinition>(request, |s, p| {
                let at = p.text_document_position_params;
                let uri = at.text_document.uri;
                let found = s.query(&uri, at.position, |a, doc, offset| {
                    Some(match a.definition(offset)? {
                        analysis::Definition::Source(span) => {
                            Ok(Location::new(uri.clone(), doc.index.range(&doc.text, span)))
                        }
                        analysis::Definition::Wit { path, span } => Err((path, span)),
                    })
                });
                Ok(match found {
                    None => None,
                    Some(Ok(location)) => Some(lsp_types::GotoDefinitionResponse::Scalar(location)),
                    Some(Err((path, span))) => {
                        s.wit_location(&path, span).map(lsp_types::GotoDefinitionResponse::Scalar)
                    }
                })
            }),
            req::References::METHOD => self.handle::<req::References>(request, |s, p| {
                let at = p.text_document_position;
                let uri = at.text_document.uri;
                Ok(s.query(&uri, at.position, |a, doc, offset| {
                    let spans = a.references(offset, p.context.include_declaration)?;
                    Some(
                        spans
                            .into_iter()
                            .map(|span| Location::new(uri.clone(), doc.index.range(&doc.text, span)))
                            .collect(),
                    )
                }))
            }),
            req::PrepareRenameRequest::METHOD => self.handle::<req::PrepareRenameRequest>(request, |s, p| {
                let result = s.query(&p.text_document.uri, p.position, |a, doc, offset| {
                    Some(a.prepare_rename(offset).map(|span| doc.index.range(&doc.text, span)))
                });
                match result {
                    None => Ok(None),
                    Some(Ok(range)) => Ok(Some(lsp_types::PrepareRenameResponse::Range(range))),
                    Some(Err(why)) => Err(why),
                }
            }),
            req::Rename::METHOD => self.handle::<req::Rename>(request, |s, p| {
                let at = p.text_document_position;
                let uri = at.text_document.uri;
                let result = s.query(&uri, at.position, |a, doc, offset| {
                    Some(a.rename(offset, &p.new_name).map(|edits| {
                        edits
                            .into_iter()
                            .map(|(span, text)| TextEdit::new(doc.index.range(&doc.text, span), text))
                            .collect()
                    }))
                });
                match result {
                    None => Ok(None),
                    Some(Ok(edits)) => Ok(Some(workspace_edit(&uri, edits))),
                    Some(Err(why)) => Err(why),
                }
            }),
            req::Completion::METHOD => self.handle::<req::Completion>(request, |s, p| {
                let at = p.text_document_position;
                let trigger = p.context.and_then(|c| c.trigger_character);
                Ok(s.query(&at.text_document.uri, at.position, |a, doc, offset| {
                    if let Some(trigger) = &trigger
                        && !trigger_applies(trigger, &doc.text, offset)
                    {
                        return Some(lsp_types::CompletionResponse::Array(Vec::new()));
                    }
                    let items = a.completions(offset).iter().map(convert::completion).collect();
                    Some(lsp_types::CompletionResponse::Array(items))
                }))
            }),
            req::SignatureHelpRequest::METHOD => self.handle::<req::SignatureHelpRequest>(request, |s, p| {
                let at = p.text_document_position_params;
                Ok(s.query(&at.text_document.uri, at.position, |a, _, offset| {
                    a.signature_help(offset).map(|h| convert::signature_help(&h))
                }))
            }),
            req::InlayHintRequest::METHOD => self.handle::<req::InlayHintRequest>(request, |s, p| {
                let uri = p.text_document.uri;
                Ok(s.query(&uri, p.range.start, |a, doc, _| {
                    let span = doc.index.span(&doc.text, p.range);
                    Some(a.inlay_hints(span).iter().map(|h| convert::inlay_hint(h, &doc.text, &doc.index)).collect())
                }))
            }),
            req::DocumentHighlightRequest::METHOD => self.handle::<req::DocumentHighlightRequest>(request, |s, p| {
                let at = p.text_document_position_params;
                Ok(s.query(&at.text_document.uri, at.position, |a, doc, offset| {
                    let spans = a.references(offset, true)?;
                    Some(
                        spans
                            .into_iter()
                            .map(|span| lsp_types::DocumentHighlight {
                                range: doc.index.range(&doc.text, span),
                                kind: None,
                            })
                            .collect(),
                    )
                }))
            }),
            req::FoldingRangeRequest::METHOD => self.handle::<req::FoldingRangeRequest>(request, |s, p| {
                let Some(open) = s.docs.get(&p.text_document.uri) else { return Ok(None) };
                let doc = &open.doc;
                Ok(Some(symbols::folding_ranges(&symbols::document_symbols(&doc.text, &doc.index))))
            }),
            req::Formatting::METHOD => self.handle::<req::Formatting>(request, |s, p| {
                let Some(open) = s.docs.get(&p.text_document.uri) else { return Ok(None) };
                let doc = &open.doc;
                match claw_compiler::format(&doc.text) {
                    Ok(formatted) => Ok(Some(formatting_edit(&doc.text, &formatted, &doc.index).into_iter().collect())),
                    Err(errors) => {
                        let first = errors.first().map(|d| {
                            let (line, column) = d.primary_span().line_column(&doc.text);
                            format!(" (line {line}, column {column}: {})", d.message)
                        });
                        Err(format!(
                            "cannot format: the file has syntax errors{}; fix them first",
                            first.unwrap_or_default()
                        ))
                    }
                }
            }),
            _ => self.respond_error(id, ErrorCode::MethodNotFound, format!("unknown request `{}`", request.method)),
        }
    }

    /// Parses a request's parameters as `R::Params`, calls `f` and sends its
    /// result: an `InvalidParams` error when the parameters do not parse, a
    /// `RequestFailed` error with `f`'s message when it refuses (e.g. a
    /// rename of a WIT-imported name), which editors show to the user.
    fn handle<R: req::Request>(
        &mut self,
        request: Request,
        f: impl FnOnce(&mut Self, R::Params) -> Result<R::Result, String>,
    ) where
        R::Params: DeserializeOwned,
    {
        match serde_json::from_value::<R::Params>(request.params) {
            Ok(params) => match f(self, params) {
                Ok(result) => self.respond(request.id, result),
                Err(message) => self.respond_error(request.id, ErrorCode::RequestFailed, message),
            },
            Err(e) => self.respond_error(request.id, ErrorCode::InvalidParams, format!("{}: {e}", R::METHOD)),
        }
    }

    /// Runs `f` on the current analysis of `uri` with the byte offset of
    /// `position`; `None` when the document is not open or its analysis failed.
    fn query<T>(
        &mut self,
        uri: &Url,
        position: lsp_types::Position,
        f: impl FnOnce(&Analysis, &Document, u32) -> Option<T>,
    ) -> Option<T> {
        let snapshot = self.snapshot(uri)?;
        let doc = &self.docs.get(uri)?.doc;
        let offset = doc.index.offset(&doc.text, position);
        f(snapshot.analysis.as_ref()?, doc, offset)
    }

    /// The location of a definition in a WIT file: a bundled file (written
    /// read-only to the cache, see [`crate::std_wit_files`]) or a file of a
    /// WIT directory.
    fn wit_location(&mut self, path: &str, span: (u32, u32)) -> Option<Location> {
        let (file, text) = match claw_compiler::std_wit::PACKAGES.iter().find(|(name, _)| *name == path) {
            Some((_, text)) => match self.std_wit.file(path) {
                Ok(file) => (file, text.to_string()),
                Err(message) => {
                    self.notify::<notif::ShowMessage>(lsp_types::ShowMessageParams {
                        typ: lsp_types::MessageType::WARNING,
                        message: format!("clawc lsp: {message}"),
                    });
                    return None;
                }
            },
            None => {
                let file = std::path::absolute(path).ok()?;
                let text = std::fs::read_to_string(&file).ok()?;
                (file, text)
            }
        };
        let index = LineIndex::new(&text);
        let uri = Url::from_file_path(&file).ok()?;
        Some(Location::new(uri, index.range(&text, Span::new(span.0, span.1))))
    }

    fn on_notification(&mut self, n: Notification) {
        match n.method.as_str() {
            notif::DidOpenTextDocument::METHOD => {
                if let Ok(p) = serde_json::from_value::<lsp_types::DidOpenTextDocumentParams>(n.params) {
                    // Only Claw sources: a client may also open `.wit` or `claw.toml` files.
                    let claw = p.text_document.language_id == "claw" || p.text_document.uri.path().ends_with(".claw");
                    if !claw {
                        return;
                    }
                    let doc = Document::new(p.text_document.text, p.text_document.version);
                    // Diagnostics for a newly opened file are wanted at once.
                    let open = Open { doc, snapshot: None, due: Some(Instant::now()) };
                    self.docs.insert(p.text_document.uri, open);
                }
            }
            notif::DidChangeTextDocument::METHOD => {
                if let Ok(p) = serde_json::from_value::<lsp_types::DidChangeTextDocumentParams>(n.params)
                    && let Some(open) = self.docs.get_mut(&p.text_document.uri)
                {
                    open.doc.apply_changes(p.content_changes, p.text_document.version);
                    open.due = Some(Instant::now() + self.options.debounce);
                }
            }
            notif::DidCloseTextDocument::METHOD => {
                if let Ok(p) = serde_json::from_value::<lsp_types::DidCloseTextDocumentParams>(n.params)
                    && self.docs.remove(&p.text_document.uri).is_some()
                {
                    self.notify::<notif::PublishDiagnostics>(PublishDiagnosticsParams {
                        uri: p.text_document.uri,
                        diagnostics: Vec::new(),
                        version: None,
                    });
                }
            }
            notif::DidChangeWatchedFiles::METHOD => {
                // A .wit file or claw.toml changed: reload the WIT and re-check everything.
                self.projects.clear();
                let now = Instant::now();
                for open in self.docs.values_mut() {
                    open.snapshot = None;
                    open.due = Some(now);
                }
            }
            _ => {}
        }
    }

    /// The WIT for `uri`: its project's (`claw.toml`) plus the extra WIT
    /// directories, loaded once per project (see [`crate::projects`]).
    fn resolve_for(&mut self, uri: &Url) -> Loaded {
        let path = uri.to_file_path().ok();
        let file = self.projects.project_file(path.as_deref());
        let (loaded, problems) = self.projects.load(file.clone(), &self.wit_dirs);
        if let Some(problems) = problems {
            self.report_project_problems(file.as_deref(), problems);
        }
        loaded
    }

    /// Publishes the problems of a project's `claw.toml` as its diagnostics
    /// (an empty list when it loaded cleanly, clearing old ones), and shows
    /// the others as messages.
    fn report_project_problems(&mut self, file: Option<&Path>, problems: Vec<Problem>) {
        let mut by_file: HashMap<PathBuf, Vec<lsp_types::Diagnostic>> = HashMap::new();
        if let Some(file) = file {
            by_file.insert(file.to_path_buf(), Vec::new());
        }
        for problem in problems {
            match problem {
                Problem::InProjectFile { file, span, message } => {
                    let text = std::fs::read_to_string(&file).unwrap_or_default();
                    let index = LineIndex::new(&text);
                    let range =
                        span.map(|s| index.range(&text, Span::new(s.start as u32, s.end as u32))).unwrap_or_default();
                    by_file.entry(file).or_default().push(lsp_types::Diagnostic {
                        range,
                        severity: Some(lsp_types::DiagnosticSeverity::ERROR),
                        source: Some("clawc".to_string()),
                        message,
                        ..Default::default()
                    });
                }
                Problem::Other(message) => {
                    self.notify::<notif::ShowMessage>(lsp_types::ShowMessageParams {
                        typ: lsp_types::MessageType::WARNING,
                        message: format!("clawc lsp: {message}"),
                    });
                }
            }
        }
        for (file, diagnostics) in by_file {
            if let Ok(uri) = Url::from_file_path(&file) {
                self.notify::<notif::PublishDiagnostics>(PublishDiagnosticsParams { uri, diagnostics, version: None });
            }
        }
    }

    /// The analysis of the current version of `uri` (computed now if the
    /// last one is older; then its diagnostics are published too).
    fn snapshot(&mut self, uri: &Url) -> Option<Rc<Snapshot>> {
        let open = self.docs.get(uri)?;
        if let Some(s) = &open.snapshot
            && s.version == open.doc.version
        {
            return Some(s.clone());
        }
        let Loaded { resolve, project } = self.resolve_for(uri);
        let test_file = uri.to_file_path().ok().filter(|p| components::is_test_file(p));
        let open = self.docs.get_mut(uri)?;
        let (text, version) = (&open.doc.text, open.doc.version);
        let snapshot = match test_file {
            Some(path) => {
                // A test file also knows the WIT of the components it tests.
                let (resolve, problems) = self.components.resolve(&path, text, &resolve, project.as_deref());
                let mut snapshot = analyze(text, version, &resolve);
                snapshot.diagnostics.extend(problems);
                snapshot.diagnostics.sort_by_key(|d| d.primary_span());
                snapshot
            }
            None => {
                let mut snapshot = analyze(text, version, &resolve);
                if let Some(world) = project.as_ref().and_then(|p| p.world.as_ref()) {
                    snapshot.diagnostics.extend(world_diagnostics(&snapshot, text, &resolve, &world.value));
                }
                snapshot
            }
        };
        let snapshot = Rc::new(snapshot);
        open.snapshot = Some(snapshot.clone());
        open.due = None;
        self.publish(uri);
        Some(snapshot)
    }

    /// Sends the diagnostics of `uri`'s current snapshot.
    fn publish(&self, uri: &Url) {
        let Some(open) = self.docs.get(uri) else { return };
        let Some(snapshot) = &open.snapshot else { return };
        let doc = &open.doc;
        let diagnostics =
            snapshot.diagnostics.iter().map(|d| diagnostics::to_lsp(d, uri, &doc.text, &doc.index)).collect();
        self.notify::<notif::PublishDiagnostics>(PublishDiagnosticsParams {
            uri: uri.clone(),
            diagnostics,
            version: Some(snapshot.version),
        });
    }

    /// Analyses and publishes every document whose delay has passed.
    fn publish_due(&mut self) {
        let now = Instant::now();
        let due: Vec<Url> =
            self.docs.iter().filter(|(_, o)| o.due.is_some_and(|d| d <= now)).map(|(u, _)| u.clone()).collect();
        for uri in due {
            let fresh =
                self.docs.get(&uri).is_some_and(|o| o.snapshot.as_ref().is_some_and(|s| s.version == o.doc.version));
            if fresh {
                if let Some(open) = self.docs.get_mut(&uri) {
                    open.due = None;
                }
                self.publish(&uri);
            } else {
                // Analyses, clears `due` and publishes.
                self.snapshot(&uri);
            }
        }
    }

    /// `textDocument/codeAction`: the quick fixes of the diagnostics in the range.
    fn code_actions(&mut self, p: lsp_types::CodeActionParams) -> Option<Vec<CodeActionOrCommand>> {
        let uri = p.text_document.uri;
        let snapshot = self.snapshot(&uri)?;
        let doc = &self.docs.get(&uri)?.doc;
        let range = doc.index.span(&doc.text, p.range);
        let mut actions = Vec::new();
        for d in &snapshot.diagnostics {
            let span = d.primary_span();
            if span.end < range.start || span.start > range.end {
                continue;
            }
            for fix in diagnostics::suggestions(d, &doc.text) {
                let edit = TextEdit::new(doc.index.range(&doc.text, fix.span), fix.text);
                actions.push(CodeActionOrCommand::CodeAction(lsp_types::CodeAction {
                    title: fix.title,
                    kind: Some(CodeActionKind::QUICKFIX),
                    diagnostics: Some(vec![diagnostics::to_lsp(d, &uri, &doc.text, &doc.index)]),
                    edit: Some(workspace_edit(&uri, vec![edit])),
                    is_preferred: Some(true),
                    ..Default::default()
                }));
            }
        }
        if let Some(analysis) = &snapshot.analysis {
            for action in analysis.code_actions(range) {
                let edits = action
                    .edits
                    .into_iter()
                    .map(|(span, text)| TextEdit::new(doc.index.range(&doc.text, span), text))
                    .collect();
                actions.push(CodeActionOrCommand::CodeAction(lsp_types::CodeAction {
                    title: action.title,
                    kind: Some(CodeActionKind::QUICKFIX),
                    edit: Some(workspace_edit(&uri, edits)),
                    ..Default::default()
                }));
            }
        }
        Some(actions)
    }
}

/// The edit turning `old` into `new`: the text between their common prefix
/// and common suffix replaced, so the editor keeps the cursor and folds of
/// the unchanged parts; `None` when they are equal.
fn formatting_edit(old: &str, new: &str, index: &LineIndex) -> Option<TextEdit> {
    if old == new {
        return None;
    }
    let mut prefix = old.bytes().zip(new.bytes()).take_while(|(a, b)| a == b).count();
    while !old.is_char_boundary(prefix) || !new.is_char_boundary(prefix) {
        prefix -= 1;
    }
    let max_suffix = old.len().min(new.len()) - prefix;
    let mut suffix = old.bytes().rev().zip(new.bytes().rev()).take(max_suffix).take_while(|(a, b)| a == b).count();
    while !old.is_char_boundary(old.len() - suffix) || !new.is_char_boundary(new.len() - suffix) {
        suffix -= 1;
    }
    let span = Span::new(prefix as u32, (old.len() - suffix) as u32);
    Some(TextEdit::new(index.range(old, span), new[prefix..new.len() - suffix].to_string()))
}

/// Whether completion triggered by typing `trigger` at `offset` is wanted.
/// `{` and `/` are trigger characters for WIT paths and import lists
/// (`import { | } from`, `from wasi:clocks/|`); typed elsewhere (a block's
/// `{`, a division) they would pop up a list of every name in scope.
fn trigger_applies(trigger: &str, text: &str, offset: u32) -> bool {
    let before = text.get(..offset as usize).unwrap_or(text);
    let line = before.rsplit('\n').next().unwrap_or("").trim_start();
    match trigger {
        "{" => line.starts_with("import"),
        "/" => {
            line.contains("from ")
                || line.starts_with("export ")
                || line.starts_with("mock ")
                || line.starts_with("import ")
        }
        _ => true,
    }
}

/// A workspace edit of one document.
fn workspace_edit(uri: &Url, edits: Vec<TextEdit>) -> WorkspaceEdit {
    WorkspaceEdit { changes: Some(HashMap::from([(uri.clone(), edits)])), ..Default::default() }
}

/// What the server can do (LSP 3.17 §"Server Capabilities").
fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Kind(TextDocumentSyncKind::INCREMENTAL)),
        document_symbol_provider: Some(OneOf::Left(true)),
        semantic_tokens_provider: Some(SemanticTokensServerCapabilities::SemanticTokensOptions(
            SemanticTokensOptions {
                legend: semantic_tokens::legend(),
                full: Some(SemanticTokensFullOptions::Bool(true)),
                range: None,
                work_done_progress_options: Default::default(),
            },
        )),
        code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
            code_action_kinds: Some(vec![CodeActionKind::QUICKFIX]),
            ..Default::default()
        })),
        hover_provider: Some(lsp_types::HoverProviderCapability::Simple(true)),
        definition_provider: Some(OneOf::Left(true)),
        references_provider: Some(OneOf::Left(true)),
        rename_provider: Some(OneOf::Right(lsp_types::RenameOptions {
            prepare_provider: Some(true),
            work_done_progress_options: Default::default(),
        })),
        completion_provider: Some(lsp_types::CompletionOptions {
            trigger_characters: Some([".", ":", "/", "{"].map(String::from).to_vec()),
            ..Default::default()
        }),
        signature_help_provider: Some(lsp_types::SignatureHelpOptions {
            trigger_characters: Some(["(", ","].map(String::from).to_vec()),
            retrigger_characters: None,
            work_done_progress_options: Default::default(),
        }),
        inlay_hint_provider: Some(OneOf::Left(true)),
        document_formatting_provider: Some(OneOf::Left(true)),
        document_highlight_provider: Some(OneOf::Left(true)),
        folding_range_provider: Some(lsp_types::FoldingRangeProviderCapability::Simple(true)),
        ..Default::default()
    }
}

/// The workspace root the client names, as a path.
#[allow(deprecated)] // `root_uri` and `root_path` are still what many clients send.
fn workspace_root(params: &InitializeParams) -> Option<PathBuf> {
    if let Some(folder) = params.workspace_folders.as_ref().and_then(|f| f.first()) {
        return folder.uri.to_file_path().ok();
    }
    if let Some(uri) = &params.root_uri {
        return uri.to_file_path().ok();
    }
    params.root_path.as_ref().map(PathBuf::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formatting_edit_replaces_only_the_changed_middle() {
        let old = "let a = 1;\nfunc  f()  {}\n// é🦀\n";
        let new = "let a = 1;\nfunc f() {}\n// é🦀\n";
        let index = LineIndex::new(old);
        let edit = formatting_edit(old, new, &index).expect("an edit");
        let span = index.span(old, edit.range);
        let mut applied = old.to_string();
        applied.replace_range(span.range(), &edit.new_text);
        assert_eq!(applied, new);
        assert_eq!(edit.range.start.line, 1);
        assert!(formatting_edit(new, new, &index).is_none());
        // Multi-byte characters at the edges of the change are never split.
        let (old, new) = ("é🦀x", "é🦁x");
        let edit = formatting_edit(old, new, &LineIndex::new(old)).expect("an edit");
        assert_eq!(edit.new_text, "🦁");
    }
}
