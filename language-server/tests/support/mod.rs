//! An in-process LSP client for the tests: it runs the server's main loop
//! on a thread over `Connection::memory()` and speaks to it as an editor
//! does (initialize → initialized → didOpen → requests → shutdown → exit).
//! Every wait is bounded, so a server that stops answering fails the test
//! instead of hanging it.

#![allow(dead_code, missing_docs)]

use claw_language_server::{Exit, Options};
use lsp_server::{Connection, Message, Notification, Request, RequestId, Response};
use lsp_types::notification::Notification as _;
use lsp_types::{Position, Url};
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// How long any single wait may take.
pub const TIMEOUT: Duration = Duration::from_secs(30);

pub struct Client {
    conn: Connection,
    server: Option<std::thread::JoinHandle<Result<Exit, String>>>,
    next_id: i32,
    /// Notifications received while waiting for something else.
    pending: VecDeque<Notification>,
    /// Requests the server sent (each answered with a `null` result).
    pub server_requests: Vec<Request>,
    /// Where the server writes the bundled WIT files.
    pub std_wit_dir: tempfile::TempDir,
    /// The initialize result.
    pub capabilities: Value,
}

impl Client {
    /// Starts a server with the default options and `initializationOptions`.
    pub fn start(init_options: Value) -> Client {
        Client::start_with(Options::default(), init_options)
    }

    pub fn start_with(options: Options, init_options: Value) -> Client {
        Client::start_full(options, init_options, json!({}))
    }

    /// Starts a server, announcing `client_capabilities` in `initialize`.
    pub fn start_full(mut options: Options, init_options: Value, client_capabilities: Value) -> Client {
        let std_wit_dir = tempfile::tempdir().expect("temp dir");
        options.std_wit_dir = Some(std_wit_dir.path().to_path_buf());
        let (server_side, client_side) = Connection::memory();
        // The compiler wants a big stack for deeply nested input, as `clawc` gives it.
        let server = std::thread::Builder::new()
            .stack_size(256 << 20)
            .spawn(move || claw_language_server::run(&server_side, options))
            .expect("server thread");
        let mut client = Client {
            conn: client_side,
            server: Some(server),
            next_id: 0,
            pending: VecDeque::new(),
            server_requests: Vec::new(),
            std_wit_dir,
            capabilities: Value::Null,
        };
        let result = client.request_raw(
            "initialize",
            json!({
                "processId": null,
                "rootUri": null,
                "capabilities": client_capabilities,
                "initializationOptions": init_options,
            }),
        );
        client.capabilities = result.get("capabilities").cloned().expect("capabilities");
        client.notify_raw("initialized", json!({}));
        client
    }

    pub fn notify_raw(&self, method: &str, params: Value) {
        self.conn.sender.send(Notification::new(method.to_string(), params).into()).expect("server alive");
    }

    pub fn notify<N: lsp_types::notification::Notification>(&self, params: N::Params) {
        self.notify_raw(N::METHOD, serde_json::to_value(params).expect("serialise"));
    }

    /// Sends a request without waiting; returns its id.
    pub fn send_request(&mut self, method: &str, params: Value) -> RequestId {
        self.next_id += 1;
        let id = RequestId::from(self.next_id);
        self.conn.sender.send(Request::new(id.clone(), method.to_string(), params).into()).expect("server alive");
        id
    }

    /// The response to request `id` (notifications on the way are kept).
    pub fn response(&mut self, id: RequestId) -> Response {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            match self.recv(deadline) {
                Message::Response(r) if r.id == id => return r,
                Message::Response(r) => panic!("unexpected response {r:?}"),
                Message::Notification(n) => self.pending.push_back(n),
                Message::Request(r) => self.answer_server_request(r),
            }
        }
    }

    pub fn request_raw(&mut self, method: &str, params: Value) -> Value {
        let id = self.send_request(method, params);
        let response = self.response(id);
        if let Some(error) = response.error {
            panic!("{method} failed: {} ({})", error.message, error.code);
        }
        response.result.unwrap_or(Value::Null)
    }

    pub fn request<R: lsp_types::request::Request>(&mut self, params: R::Params) -> R::Result {
        let value = self.request_raw(R::METHOD, serde_json::to_value(params).expect("serialise"));
        serde_json::from_value(value).expect("a well-formed result")
    }

    /// The notifications received so far and not waited for.
    pub fn pending(&self) -> impl Iterator<Item = &Notification> {
        self.pending.iter()
    }

    /// Forgets the notifications received so far and not waited for (a
    /// benchmark's thousands of `publishDiagnostics` would otherwise count
    /// as the server's memory).
    pub fn clear_pending(&mut self) {
        self.pending.clear();
    }

    /// Answers a request from the server (`client/registerCapability`) with `null`.
    fn answer_server_request(&mut self, request: Request) {
        let response = Response::new_ok(request.id.clone(), Value::Null);
        self.conn.sender.send(response.into()).expect("server alive");
        self.server_requests.push(request);
    }

    fn recv(&self, deadline: Instant) -> Message {
        match self.conn.receiver.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok(m) => m,
            Err(e) => panic!("no message from the server within {TIMEOUT:?}: {e}"),
        }
    }

    /// Waits for a notification `method` that `accept` accepts (earlier
    /// ones of other kinds are kept).
    pub fn wait_notification(&mut self, method: &str, accept: impl Fn(&Value) -> bool) -> Value {
        if let Some(i) = self.pending.iter().position(|n| n.method == method && accept(&n.params)) {
            return self.pending.remove(i).map(|n| n.params).unwrap_or_default();
        }
        let deadline = Instant::now() + TIMEOUT;
        loop {
            match self.recv(deadline) {
                Message::Notification(n) if n.method == method && accept(&n.params) => return n.params,
                Message::Notification(n) => self.pending.push_back(n),
                Message::Request(r) => self.answer_server_request(r),
                other => panic!("unexpected message while waiting for {method}: {other:?}"),
            }
        }
    }

    /// The next diagnostics published for `uri` (at `version`, when given).
    pub fn diagnostics(&mut self, uri: &Url, version: Option<i32>) -> lsp_types::PublishDiagnosticsParams {
        let uri = uri.to_string();
        let params = self.wait_notification(lsp_types::notification::PublishDiagnostics::METHOD, |p| {
            p["uri"] == uri.as_str() && version.is_none_or(|v| p["version"] == v)
        });
        serde_json::from_value(params).expect("publishDiagnostics params")
    }

    pub fn open(&mut self, uri: &Url, text: &str) {
        self.notify_raw(
            "textDocument/didOpen",
            json!({ "textDocument": { "uri": uri, "languageId": "claw", "version": 1, "text": text } }),
        );
    }

    /// Sends `shutdown` then `exit` and returns how the server ended.
    pub fn shutdown(mut self) -> Exit {
        let result = self.request_raw("shutdown", Value::Null);
        assert_eq!(result, Value::Null);
        self.notify_raw("exit", Value::Null);
        self.join()
    }

    /// Waits for the server's loop to end.
    pub fn join(&mut self) -> Exit {
        let server = self.server.take().expect("joined once");
        let deadline = Instant::now() + TIMEOUT;
        while !server.is_finished() {
            assert!(Instant::now() < deadline, "the server did not stop");
            std::thread::sleep(Duration::from_millis(5));
        }
        server.join().expect("server thread panicked").expect("server error")
    }
}

/// A test document's URI.
pub fn uri(name: &str) -> Url {
    Url::parse(&format!("file:///project/{name}")).expect("uri")
}

/// `text` without its `$0` marker, and the LSP position of the marker
/// (UTF-16 columns).
pub fn cursor(text: &str) -> (String, Position) {
    let offset = text.find("$0").expect("a $0 marker");
    let before = &text[..offset];
    let line = before.matches('\n').count() as u32;
    let column: usize = before.rsplit('\n').next().unwrap_or("").chars().map(char::len_utf16).sum();
    (text.replacen("$0", "", 1), Position::new(line, column as u32))
}

/// `text` with `range` marked as `[[...]]`, for snapshots of ranges.
pub fn mark(text: &str, ranges: &[lsp_types::Range]) -> String {
    let index = claw_language_server::line_index::LineIndex::new(text);
    let mut marks: Vec<(u32, &str)> = Vec::new();
    for r in ranges {
        marks.push((index.offset(text, r.start), "[["));
        marks.push((index.offset(text, r.end), "]]"));
    }
    // Insert from the end so earlier offsets stay valid; `]]` before `[[` at one offset.
    marks.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
    let mut out = text.to_string();
    for (offset, m) in marks {
        out.insert_str(offset as usize, m);
    }
    out
}

/// Renders LSP diagnostics one per line: `line:col-line:col severity [code] message`,
/// then related information indented.
pub fn render_diagnostics(diagnostics: &[lsp_types::Diagnostic]) -> String {
    let mut out = String::new();
    for d in diagnostics {
        let severity = match d.severity {
            Some(lsp_types::DiagnosticSeverity::ERROR) => "error",
            Some(lsp_types::DiagnosticSeverity::WARNING) => "warning",
            _ => "other",
        };
        let code = match &d.code {
            Some(lsp_types::NumberOrString::String(s)) => s.clone(),
            Some(lsp_types::NumberOrString::Number(n)) => n.to_string(),
            None => "-".into(),
        };
        out.push_str(&format!(
            "{}:{}-{}:{} {severity}[{code}] {}\n",
            d.range.start.line,
            d.range.start.character,
            d.range.end.line,
            d.range.end.character,
            d.message.replace('\n', "\n    | ")
        ));
        for r in d.related_information.iter().flatten() {
            out.push_str(&format!(
                "    related {}:{}-{}:{}: {}\n",
                r.location.range.start.line,
                r.location.range.start.character,
                r.location.range.end.line,
                r.location.range.end.character,
                r.message
            ));
        }
    }
    out
}
