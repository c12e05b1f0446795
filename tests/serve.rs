//! `clawc serve`, run as a real process: each test starts
//! `clawc serve ... --addr 127.0.0.1:0`, reads the port from the
//! `serving http://...` line on stderr, sends requests with a plain
//! `TcpStream` (loopback only, `Connection: close`, read and write
//! timeouts), checks statuses, headers, bodies and the per-request lines on
//! stderr, and stops the server with a signal (a guard kills it if a test
//! fails first).
#![cfg(unix)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// How long a server may take to start: compiling the 13 MB
/// componentize-js handler with wasmtime is slow on a busy machine the
/// first time (the compilation cache makes later runs quick).
const START_TIMEOUT: Duration = Duration::from_secs(300);
/// How long one request may take.
const IO_TIMEOUT: Duration = Duration::from_secs(30);

fn clawc() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_clawc"));
    // The compilation cache of the tests, never the user's (kept between runs).
    c.env("CLAWC_CACHE_DIR", concat!(env!("CARGO_TARGET_TMPDIR"), "/clawc-cache"));
    c.current_dir(ROOT);
    c
}

/// A running `clawc serve`, killed when dropped.
struct Served {
    child: Child,
    port: u16,
    /// The server's stderr, line by line (read on a thread).
    lines: Receiver<String>,
    /// The lines read so far.
    seen: Vec<String>,
}

impl Served {
    /// Starts `clawc serve ARGS --addr 127.0.0.1:0` and waits for its
    /// `serving http://127.0.0.1:PORT/` line.
    fn start(args: &[&str]) -> Served {
        let mut child = clawc()
            .arg("serve")
            .args(args)
            .args(["--addr", "127.0.0.1:0"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("clawc starts");
        let stderr = child.stderr.take().expect("stderr is piped");
        let (send, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if send.send(line).is_err() {
                    break;
                }
            }
        });
        let mut served = Served { child, port: 0, lines, seen: Vec::new() };
        let line = served.wait_for_line(|l| l.starts_with("serving http://"), START_TIMEOUT);
        let port = line
            .trim_start_matches("serving http://127.0.0.1:")
            .split('/')
            .next()
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("no port in {line:?}"));
        served.port = port;
        served
    }

    /// Waits for a stderr line that `matches`, and returns it.
    fn wait_for_line(&mut self, matches: impl Fn(&str) -> bool, timeout: Duration) -> String {
        if let Some(line) = self.seen.iter().find(|l| matches(l)) {
            return line.clone();
        }
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if matches(&line) {
                        return line;
                    }
                }
                Err(_) => panic!("no such line on stderr within {timeout:?}; stderr so far:\n{}", self.seen.join("\n")),
            }
        }
    }

    /// Sends `METHOD TARGET` with `body` and returns the response.
    fn request(&self, method: &str, target: &str, body: &[u8]) -> Response {
        request(self.port, method, target, body)
    }

    fn get(&self, target: &str) -> Response {
        self.request("GET", target, b"")
    }

    /// Sends `signal` (`-INT`, `-TERM`) and waits for the process to end.
    fn stop(&mut self, signal: &str) -> ExitStatus {
        let pid = self.child.id().to_string();
        let killed = Command::new("kill").args([signal, &pid]).status().expect("kill runs");
        assert!(killed.success(), "kill {signal} {pid}");
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status;
            }
            assert!(Instant::now() < deadline, "clawc serve did not stop within 30 s of kill {signal}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A parsed HTTP/1.1 response.
#[derive(Debug)]
struct Response {
    status: u16,
    /// Header names in lower case, with their values.
    headers: Vec<(String, String)>,
    body: String,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

/// One request on a fresh connection to 127.0.0.1:`port`.
fn request(port: u16, method: &str, target: &str, body: &[u8]) -> Response {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connects");
    stream.set_read_timeout(Some(IO_TIMEOUT)).expect("timeout");
    stream.set_write_timeout(Some(IO_TIMEOUT)).expect("timeout");
    let head = format!(
        "{method} {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).expect("writes the head");
    stream.write_all(body).expect("writes the body");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("reads the response");
    parse_response(&raw).unwrap_or_else(|e| panic!("{method} {target}: {e}:\n{}", String::from_utf8_lossy(&raw)))
}

fn parse_response(raw: &[u8]) -> Result<Response, String> {
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n").ok_or("no end of the head")?;
    let head = std::str::from_utf8(&raw[..end]).map_err(|e| e.to_string())?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next().ok_or("no status line")?;
    let status = status_line.split(' ').nth(1).and_then(|s| s.parse().ok()).ok_or("bad status line")?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let mut body = raw[end + 4..].to_vec();
    if headers.iter().any(|(n, v)| n == "transfer-encoding" && v.eq_ignore_ascii_case("chunked")) {
        body = dechunk(&body)?;
    }
    let body = String::from_utf8(body).map_err(|e| e.to_string())?;
    Ok(Response { status, headers, body })
}

/// Decodes a chunked body (RFC 9112, section 7.1), ignoring extensions and trailers.
fn dechunk(mut raw: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    loop {
        let line_end = raw.windows(2).position(|w| w == b"\r\n").ok_or("no chunk size line")?;
        let size_text = std::str::from_utf8(&raw[..line_end]).map_err(|e| e.to_string())?;
        let size_text = size_text.split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(size_text, 16).map_err(|e| format!("chunk size {size_text:?}: {e}"))?;
        raw = &raw[line_end + 2..];
        if size == 0 {
            return Ok(out);
        }
        out.extend_from_slice(raw.get(..size).ok_or("a chunk is cut short")?);
        raw = raw.get(size + 2..).ok_or("a chunk is cut short")?;
    }
}

/// The request line written for one request: `GET /x -> 200 (1.2 ms)`.
fn request_line(method_and_target: &str, status: u16) -> impl Fn(&str) -> bool {
    let prefix = format!("{method_and_target} -> {status} (");
    move |line: &str| line.starts_with(&prefix)
}

#[test]
fn the_claw_example_routes_on_method_path_query_and_body() {
    let mut served = Served::start(&["examples/http/app.claw"]);

    let r = served.get("/");
    assert_eq!((r.status, r.body.as_str()), (200, "Hello from Claw!\n"));
    assert_eq!(r.header("content-type"), Some("text/plain; charset=utf-8"));
    let r = served.get("/hello?name=Ada");
    assert_eq!((r.status, r.body.as_str()), (200, "Hello, Ada!\n"));
    let r = served.get("/hello?lang=en&name=Grace");
    assert_eq!((r.status, r.body.as_str()), (200, "Hello, Grace!\n"));
    let r = served.get("/hello");
    assert_eq!((r.status, r.body.as_str()), (200, "Hello, world!\n"));
    let r = served.request("POST", "/upper", b"make me loud, 123");
    assert_eq!((r.status, r.body.as_str()), (200, "MAKE ME LOUD, 123"));
    let big = "abc".repeat(5000);
    let r = served.request("POST", "/upper", big.as_bytes());
    assert_eq!((r.status, r.body.len()), (200, big.len()), "a body longer than one write");
    assert_eq!(r.body, big.to_uppercase());
    let r = served.get("/upper");
    assert_eq!((r.status, r.body.as_str()), (405, "use POST\n"));
    let r = served.get("/nowhere?x=1");
    assert_eq!((r.status, r.body.as_str()), (404, "not found: /nowhere\n"));

    served.wait_for_line(request_line("GET /hello?name=Ada", 200), IO_TIMEOUT);
    served.wait_for_line(request_line("POST /upper", 200), IO_TIMEOUT);
    served.wait_for_line(request_line("GET /nowhere?x=1", 404), IO_TIMEOUT);

    // A request in flight when Ctrl-C comes is finished: half its body is
    // sent before the signal, the rest after.
    let mut stream = TcpStream::connect(("127.0.0.1", served.port)).expect("connects");
    stream.set_read_timeout(Some(IO_TIMEOUT)).expect("timeout");
    let head = format!(
        "POST /upper HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\nContent-Length: 10\r\n\r\nhalf ",
        served.port
    );
    stream.write_all(head.as_bytes()).expect("writes");
    std::thread::sleep(Duration::from_millis(300));
    let pid = served.child.id().to_string();
    assert!(Command::new("kill").args(["-INT", &pid]).status().expect("kill runs").success());
    std::thread::sleep(Duration::from_millis(300));
    stream.write_all(b"done!").expect("writes the rest");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("reads the response");
    let r = parse_response(&raw).expect("a response");
    assert_eq!((r.status, r.body.as_str()), (200, "HALF DONE!"), "the request in flight is answered");

    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = served.child.try_wait().expect("wait") {
            break status;
        }
        assert!(Instant::now() < deadline, "clawc serve did not stop within 30 s of Ctrl-C");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(0), "Ctrl-C stops the server cleanly");
    served.wait_for_line(|l| l == "stopped", IO_TIMEOUT);
}

#[test]
fn a_componentize_js_handler_is_served() {
    let mut served = Served::start(&["examples/http/components/hello-http-js.wasm"]);
    let r = served.get("/");
    assert_eq!((r.status, r.body.as_str()), (200, "hello"));
    let r = served.get("/echo?x=ping");
    assert_eq!((r.status, r.body.as_str()), (200, "ping"));
    let r = served.request("POST", "/upper", b"quiet words");
    assert_eq!((r.status, r.body.as_str()), (200, "QUIET WORDS"));
    let r = served.get("/missing");
    assert_eq!((r.status, r.body.as_str()), (404, "not found"));
    served.wait_for_line(request_line("GET /echo?x=ping", 200), IO_TIMEOUT);
    assert_eq!(served.stop("-TERM").code(), Some(0), "SIGTERM stops the server cleanly");
}

#[test]
fn a_trap_is_a_500_and_the_server_goes_on() {
    let mut served = Served::start(&["tests/serve/probe.claw"]);
    let r = served.get("/trap");
    assert_eq!(r.status, 500, "{r:?}");
    let line = served.wait_for_line(request_line("GET /trap", 500), IO_TIMEOUT);
    assert!(line.contains("trapped"), "the trap is logged: {line}");
    let r = served.get("/");
    assert_eq!((r.status, r.body.as_str()), (200, "ok"), "the next request is answered");

    // Nothing is granted unless asked.
    let r = served.get("/env?name=HOME");
    assert_eq!((r.status, r.body.as_str()), (404, "no variable HOME"));
    let r = served.get("/file?name=note.txt");
    assert_eq!((r.status, r.body.as_str()), (404, "no directory granted"));
    let r = served.get("/fetch");
    assert_eq!((r.status, r.body.as_str()), (200, "error HTTP-request-denied"), "outgoing HTTP is denied");
    assert_eq!(served.stop("-INT").code(), Some(0));
}

#[test]
fn a_handler_that_runs_too_long_is_stopped_and_the_server_goes_on() {
    let mut served = Served::start(&["tests/serve/probe.claw", "--timeout", "300ms"]);
    let started = Instant::now();
    let r = served.get("/spin");
    let waited = started.elapsed();
    assert_eq!((r.status, r.body.as_str()), (500, "the handler timed out\n"), "{r:?}");
    assert!(waited >= Duration::from_millis(300), "answered before the limit: {waited:?}");
    let line = served.wait_for_line(request_line("GET /spin", 500), IO_TIMEOUT);
    assert!(line.ends_with("timed out (the limit is 300ms)"), "the timeout is logged: {line}");

    // A handler that responded and then spins: the response stands, and
    // the call is still stopped.
    let r = served.get("/spin-late");
    assert_eq!((r.status, r.body.as_str()), (200, "started"), "{r:?}");
    let line = served.wait_for_line(request_line("GET /spin-late", 200), IO_TIMEOUT);
    assert!(line.ends_with("timed out after responding (the limit is 300ms)"), "{line}");

    // Both spinning calls were stopped: the server answers as before.
    let r = served.get("/");
    assert_eq!((r.status, r.body.as_str()), (200, "ok"), "the next request is answered");
    assert_eq!(served.stop("-INT").code(), Some(0));
}

#[test]
fn a_bad_timeout_is_a_usage_error() {
    let out = clawc().args(["serve", "tests/serve/probe.claw", "--timeout", "soon"]).output().expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("`soon` is not a duration"), "{stderr}");
}

#[test]
fn grants_and_allowed_outgoing_requests_reach_the_handler() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("note.txt"), "granted text").expect("write");
    let grant = format!("{}::/data", dir.path().display());
    let mut served =
        Served::start(&["tests/serve/probe.claw", "--dir", &grant, "--env", "GREETING=hi there", "--allow-http"]);
    let r = served.get("/env?name=GREETING");
    assert_eq!((r.status, r.body.as_str()), (200, "hi there"));
    let r = served.get("/file?name=note.txt");
    assert_eq!((r.status, r.body.as_str()), (200, "granted text"));
    // The handler fetches `/` from its own server: allowed, it gets there.
    let r = served.get("/fetch");
    assert_eq!((r.status, r.body.as_str()), (200, "fetched 200"));
    served.wait_for_line(request_line("GET /fetch", 200), IO_TIMEOUT);
    assert_eq!(served.stop("-INT").code(), Some(0));
}

#[test]
fn what_cannot_be_served_is_refused_at_start() {
    let run = |args: &[&str]| {
        let out = clawc().arg("serve").args(args).args(["--addr", "127.0.0.1:0"]).output().expect("runs");
        (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
    };
    let (code, stderr) = run(&["examples/hello.claw"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("does not export `wasi:http/incoming-handler`"), "{stderr}");

    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("needs.claw");
    std::fs::write(&file, NEEDS_IMPORTS).expect("write");
    let (code, stderr) = run(&[file.to_str().expect("utf-8 path")]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("imports what the host does not provide:\n  double\n"), "{stderr}");

    let (code, stderr) = run(&["tests/serve/probe.claw", "--dir", "/no/such/dir::/data"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("--dir /no/such/dir: no such directory"), "{stderr}");

    let (code, stderr) = run(&[dir.path().join("missing.claw").to_str().expect("utf-8 path")]);
    assert_eq!(code, Some(2), "{stderr}");
}

#[test]
fn a_busy_address_is_a_usage_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("binds");
    let addr = taken.local_addr().expect("address").to_string();
    let out = clawc().args(["serve", "tests/serve/probe.claw", "--addr", &addr]).output().expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains(&format!("cannot listen on {addr}")), "{stderr}");
}

/// A handler that imports a plain function no host provides.
const NEEDS_IMPORTS: &str = r#"import double: func(x: u32) -> u32;
import { response-outparam } from wasi:http/types;

export wasi:http/incoming-handler {
    func handle(request: incoming-request, response-out: response-outparam) {
        let x = double(1);
    }
}
"#;

#[test]
fn help_shows_examples() {
    let out = clawc().args(["serve", "--help"]).output().expect("runs");
    assert_eq!(out.status.code(), Some(0));
    let help = String::from_utf8_lossy(&out.stdout);
    for part in ["--addr", "--allow-http", "--dir", "--env", "Examples:", "clawc serve examples/http/app.claw"] {
        assert!(help.contains(part), "`clawc serve --help` mentions {part}:\n{help}");
    }
}
