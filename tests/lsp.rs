//! Black-box tests of `clawc lsp`: start the built binary and speak
//! JSON-RPC to it over stdio with `Content-Length` framing, as an editor
//! does, and (when `nvim` is installed) drive it from Neovim's own LSP
//! client.
//!
//! Every read is bounded by a timeout; the child is killed when a test
//! fails (the guard's `Drop`).

use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

const TIMEOUT: Duration = Duration::from_secs(30);

/// A running `clawc lsp`, killed on drop unless it exited.
struct Server {
    child: Child,
    stdin: Option<ChildStdin>,
    messages: Receiver<Value>,
    next_id: i64,
    /// Messages received while waiting for something else.
    pending: Vec<Value>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn start(args: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_clawc"))
            .arg("lsp")
            .args(args)
            .env("XDG_CACHE_HOME", std::env::temp_dir().join("claw-lsp-test-cache"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("clawc lsp starts");
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = channel();
        // A reader thread turns framed messages into JSON values.
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            loop {
                let mut length = None;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    if let Some(n) = line.strip_prefix("Content-Length: ") {
                        length = n.parse::<usize>().ok();
                    }
                }
                let Some(length) = length else { return };
                let mut body = vec![0; length];
                if reader.read_exact(&mut body).is_err() {
                    return;
                }
                let Ok(value) = serde_json::from_slice(&body) else { return };
                if tx.send(value).is_err() {
                    return;
                }
            }
        });
        Server { child, stdin, messages: rx, next_id: 0, pending: Vec::new() }
    }

    fn send(&mut self, message: Value) {
        let body = message.to_string();
        let stdin = self.stdin.as_mut().expect("stdin open");
        write!(stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).expect("write to clawc lsp");
        stdin.flush().expect("flush");
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({ "jsonrpc": "2.0", "method": method, "params": params }));
    }

    fn recv(&mut self, deadline: Instant, what: &str) -> Value {
        match self.messages.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok(v) => v,
            Err(RecvTimeoutError::Timeout) => panic!("no {what} from clawc lsp within {TIMEOUT:?}"),
            Err(RecvTimeoutError::Disconnected) => panic!("clawc lsp closed stdout while waiting for {what}"),
        }
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let message = self.recv(deadline, method);
            if message["id"] == id && message.get("method").is_none() {
                assert!(message.get("error").is_none(), "{method} failed: {message}");
                return message["result"].clone();
            }
            self.pending.push(message);
        }
    }

    fn wait_notification(&mut self, method: &str, accept: impl Fn(&Value) -> bool) -> Value {
        if let Some(i) = self.pending.iter().position(|m| m["method"] == method && accept(&m["params"])) {
            return self.pending.remove(i)["params"].clone();
        }
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let message = self.recv(deadline, method);
            if message["method"] == method && accept(&message["params"]) {
                return message["params"].clone();
            }
            self.pending.push(message);
        }
    }

    /// Waits for the process to exit; its exit code.
    fn wait_exit(&mut self) -> Option<i32> {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status.code();
            }
            assert!(Instant::now() < deadline, "clawc lsp did not exit");
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

const URI: &str = "file:///tmp/claw-lsp-test/main.claw";

fn initialize(server: &mut Server) -> Value {
    let result =
        server.request("initialize", json!({ "processId": std::process::id(), "rootUri": null, "capabilities": {} }));
    server.notify("initialized", json!({}));
    result
}

#[test]
fn stdio_session_from_initialize_to_exit() {
    let mut server = Server::start(&[]);
    let result = initialize(&mut server);
    assert_eq!(result["serverInfo"]["name"], "clawc lsp");
    assert_eq!(result["capabilities"]["textDocumentSync"], 2, "incremental sync");

    // Non-ASCII text: `Content-Length` counts bytes, positions count UTF-16 units.
    let text = "/// Doubles é🦀.\nexport func double(x: u32) -> u32 {\n    return x * 2;\n}\n";
    server.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": URI, "languageId": "claw", "version": 1, "text": text } }),
    );
    let published = server.wait_notification("textDocument/publishDiagnostics", |p| p["version"] == 1);
    assert_eq!(published["diagnostics"], json!([]), "{published}");

    // Break it: `x * 2` becomes `x * "2"`.
    server.notify(
        "textDocument/didChange",
        json!({
            "textDocument": { "uri": URI, "version": 2 },
            "contentChanges": [{ "range": { "start": { "line": 2, "character": 15 }, "end": { "line": 2, "character": 16 } }, "text": "\"2\"" }]
        }),
    );
    let published = server.wait_notification("textDocument/publishDiagnostics", |p| p["version"] == 2);
    let diagnostics = published["diagnostics"].as_array().expect("a list");
    assert_eq!(diagnostics.len(), 1, "{published}");
    assert_eq!(diagnostics[0]["code"], "type-mismatch", "{published}");
    assert_eq!(diagnostics[0]["range"]["start"], json!({ "line": 2, "character": 15 }), "{published}");

    let hover = server.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": URI }, "position": { "line": 1, "character": 14 } }),
    );
    let hover_text = hover["contents"]["value"].as_str().unwrap_or_default();
    assert!(hover_text.contains("double") && hover_text.contains("Doubles é🦀."), "{hover}");

    let completion = server.request(
        "textDocument/completion",
        json!({ "textDocument": { "uri": URI }, "position": { "line": 2, "character": 11 } }),
    );
    let items = completion.get("items").unwrap_or(&completion);
    let labels: Vec<&str> = items.as_array().into_iter().flatten().filter_map(|i| i["label"].as_str()).collect();
    assert!(labels.contains(&"x") && labels.contains(&"double"), "{labels:?}");

    assert_eq!(server.request("shutdown", Value::Null), Value::Null);
    server.notify("exit", Value::Null);
    assert_eq!(server.wait_exit(), Some(0));
}

#[test]
fn exit_without_shutdown_exits_with_1() {
    let mut server = Server::start(&[]);
    initialize(&mut server);
    server.notify("exit", Value::Null);
    assert_eq!(server.wait_exit(), Some(1));
}

#[test]
fn closing_stdin_exits_with_1() {
    let mut server = Server::start(&[]);
    initialize(&mut server);
    server.stdin = None;
    assert_eq!(server.wait_exit(), Some(1));
}

#[test]
fn help_describes_the_server() {
    let output = Command::new(env!("CARGO_BIN_EXE_clawc")).args(["lsp", "--help"]).output().expect("clawc runs");
    let help = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{help}");
    assert!(help.contains("language server") && help.contains("--wit"), "{help}");
}

/// Neovim's built-in LSP client (a client nobody on this project wrote)
/// opens a file, waits for diagnostics and asks for a hover; the Lua script
/// `tests/lsp/nvim-client.lua` writes what it saw to a JSON file checked here.
#[test]
fn neovim_client() {
    let nvim = std::env::var_os("NVIM").map(std::path::PathBuf::from).unwrap_or_else(|| "nvim".into());
    if Command::new(&nvim).arg("--version").output().is_err() {
        println!("SKIPPED neovim_client: `nvim` is not installed (apt-get install -y neovim)");
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("main.claw");
    std::fs::write(
        &file,
        "/// Adds one.\nexport func inc(x: u32) -> u32 {\n    return x + 1;\n}\n\nexport func bad() -> u32 {\n    return nope;\n}\n",
    )
    .expect("write fixture");
    let out = dir.path().join("result.json");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/lsp/nvim-client.lua");
    let mut child = Command::new(&nvim)
        .args(["--headless", "--clean", "-n", "-u", "NONE"])
        .arg("-c")
        .arg(format!("luafile {}", script.display()))
        .env("CLAWC", env!("CARGO_BIN_EXE_clawc"))
        .env("CLAW_FILE", &file)
        .env("CLAW_OUT", &out)
        .env("XDG_CACHE_HOME", dir.path().join("cache"))
        .env("XDG_STATE_HOME", dir.path().join("state"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("nvim starts");
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("nvim did not finish within 60 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut stderr = String::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = e.read_to_string(&mut stderr);
    }
    let result =
        std::fs::read_to_string(&out).unwrap_or_else(|e| panic!("no result from nvim ({status}): {e}\n{stderr}"));
    let result: Value = serde_json::from_str(&result).expect("JSON result");
    assert_eq!(result["error"], Value::Null, "{result}");
    let diagnostics = result["diagnostics"].as_array().expect("diagnostics");
    assert_eq!(diagnostics.len(), 1, "{result}");
    assert_eq!(diagnostics[0]["code"], "unbound-name", "{result}");
    assert_eq!(diagnostics[0]["range"]["start"]["line"], 6, "{result}");
    let hover = result["hover"].as_str().unwrap_or_default();
    assert!(hover.contains("inc") && hover.contains("Adds one."), "{result}");
    assert_eq!(result["exit_code"], 0, "{result}");
}
