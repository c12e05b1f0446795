//! Store state ([`Host`]) and the host side of `wasi:logging`.
//!
//! Every [`Session`](crate::Session) owns a fresh `Store<Host>`. The WASI
//! context grants nothing: no preopened directories, no environment
//! variables, no arguments, no network (all socket addresses denied, TCP, UDP
//! and name lookup disabled), an empty stdin. Standard output and error are
//! either inherited from the host process or captured in memory, as
//! [`RunOptions`] says.
//!
//! `wasi:http` 0.2 (`types` and `outgoing-handler`) is provided through
//! wasmtime-wasi-http, so components that import it (componentize-js
//! components do, for `fetch`) can be instantiated; an outgoing request is
//! refused with the `HTTP-request-denied` error code unless
//! [`RunOptions::allow_http`] is set.
//!
//! `wasi:logging/logging@0.1.0-draft` is implemented by [`add_logging`]: each
//! `log(level, context, message)` call is recorded in [`Host::logs`] and
//! written as one line, `{level}: {message}` (empty context) or
//! `{level} {context}: {message}`, with the level in lower case, to wherever
//! the guest's stderr goes.

use std::fmt;

use wasmtime::component::{Linker, ResourceTable, Val};
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::p2::{OutputStream, StreamError};
use wasmtime_wasi::{WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpHooks, WasiHttpView};

use crate::RunOptions;

/// The interface name under which the logging host is defined.
pub const LOGGING_INTERFACE: &str = "wasi:logging/logging@0.1.0-draft";

/// How many bytes of stdout (and, separately, stderr) a session captures when
/// the stream is not inherited. A guest that writes more sees its stream
/// fail, as if the pipe were closed.
pub const CAPTURE_LIMIT: usize = 16 * 1024 * 1024;

/// Severity of a `wasi:logging` message, mirroring the WIT
/// `enum level { trace, debug, info, warn, error, critical }`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LogLevel {
    /// `trace`
    Trace,
    /// `debug`
    Debug,
    /// `info`
    Info,
    /// `warn`
    Warn,
    /// `error`
    Error,
    /// `critical`
    Critical,
}

impl LogLevel {
    /// The WIT case name (`trace` … `critical`).
    pub fn as_str(self) -> &'static str {
        match self {
            LogLevel::Trace => "trace",
            LogLevel::Debug => "debug",
            LogLevel::Info => "info",
            LogLevel::Warn => "warn",
            LogLevel::Error => "error",
            LogLevel::Critical => "critical",
        }
    }

    /// Parses a WIT case name; `None` for anything else.
    pub fn from_name(name: &str) -> Option<LogLevel> {
        Some(match name {
            "trace" => LogLevel::Trace,
            "debug" => LogLevel::Debug,
            "info" => LogLevel::Info,
            "warn" => LogLevel::Warn,
            "error" => LogLevel::Error,
            "critical" => LogLevel::Critical,
            _ => return None,
        })
    }
}

impl fmt::Display for LogLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One `wasi:logging/logging#log` call made by the guest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogRecord {
    /// The severity.
    pub level: LogLevel,
    /// The `context` argument (often empty).
    pub context: String,
    /// The message.
    pub message: String,
}

impl fmt::Display for LogRecord {
    /// `{level}: {message}` when the context is empty, otherwise
    /// `{level} {context}: {message}`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.context.is_empty() {
            write!(f, "{}: {}", self.level, self.message)
        } else {
            write!(f, "{} {}: {}", self.level, self.context, self.message)
        }
    }
}

/// The state of a session's `Store`: the WASI context and resource table,
/// plus what the runtime's own host functions record.
///
/// Public so that harnesses can name `Linker<Host>` and, inside host
/// functions they define, reach the [`ResourceTable`] or the log.
pub struct Host {
    wasi: WasiCtx,
    table: ResourceTable,
    http: WasiHttpCtx,
    http_hooks: HttpPolicy,
    logs: Vec<LogRecord>,
    /// Where log lines go: the captured stderr pipe, or the process's stderr
    /// when `None`.
    log_pipe: Option<MemoryOutputPipe>,
    stdout: Option<MemoryOutputPipe>,
    stderr: Option<MemoryOutputPipe>,
    pub(crate) memory: MemoryWatch,
    /// The HTTP handler a test's `claw:test/http` requests go to (set by
    /// the test runner after instantiating; `None` elsewhere).
    pub(crate) http_target: Option<crate::testing::http::Target>,
}

/// The `wasi:http` hooks of a session: outgoing requests go out through
/// wasmtime-wasi-http's default client only when they are allowed
/// ([`RunOptions::allow_http`]); otherwise every request fails with the
/// `HTTP-request-denied` error code (`wasi:http/types.error-code`), which the
/// guest sees as an error, not a trap.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct HttpPolicy {
    /// Outgoing requests may leave the process.
    pub(crate) allow_outgoing: bool,
}

impl WasiHttpHooks for HttpPolicy {
    fn send_request(
        &mut self,
        request: http::Request<wasmtime_wasi_http::WasiBody>,
        options: Option<wasmtime_wasi_http::RequestOptions>,
        fut: Box<dyn Future<Output = Result<(), wasmtime_wasi_http::Error>> + Send>,
    ) -> Box<
        dyn Future<
                Output = Result<
                    (
                        http::Response<wasmtime_wasi_http::WasiBody>,
                        Box<dyn Future<Output = Result<(), wasmtime_wasi_http::Error>> + Send>,
                    ),
                    wasmtime_wasi_http::Error,
                >,
            > + Send,
    > {
        if self.allow_outgoing {
            return wasmtime_wasi_http::default_hooks().send_request(request, options, fut);
        }
        Box::new(async { Err(wasmtime_wasi_http::Error::HttpRequestDenied) })
    }
}

/// Records how large the session's linear memories grow (a
/// [`wasmtime::ResourceLimiter`] that allows every growth).
#[derive(Debug, Default)]
pub(crate) struct MemoryWatch {
    /// The largest size, in bytes, any linear memory has reached.
    pub(crate) peak_bytes: usize,
    /// The most bytes one memory may have (`None`: no limit).
    pub(crate) limit: Option<usize>,
    /// A growth was refused because of `limit`.
    pub(crate) limit_hit: bool,
}

impl wasmtime::ResourceLimiter for MemoryWatch {
    fn memory_growing(&mut self, current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        if self.limit.is_some_and(|limit| desired > limit) {
            self.limit_hit = true;
            return Ok(false);
        }
        self.peak_bytes = self.peak_bytes.max(current).max(desired);
        Ok(true)
    }

    fn table_growing(&mut self, _current: usize, _desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        Ok(true)
    }
}

impl Host {
    /// Builds the state for one session according to `opts`.
    pub(crate) fn new(opts: &RunOptions) -> Host {
        let mut builder = WasiCtxBuilder::new();
        builder
            .allow_ip_name_lookup(false)
            .allow_tcp(false)
            .allow_udp(false)
            .socket_addr_check(|_, _| Box::pin(async { false }));

        if opts.inherit_stdin {
            builder.inherit_stdin();
        }
        builder.args(&opts.args);
        for (key, value) in &opts.env {
            builder.env(key, value);
        }
        for (host, guest) in &opts.dirs {
            // The caller checked the directory; one that vanished since is
            // simply not granted.
            let _ = builder.preopened_dir(host, guest, wasmtime_wasi::FsPerms::ReadWrite);
        }
        let stdout = if opts.inherit_stdout {
            builder.inherit_stdout();
            None
        } else {
            let pipe = MemoryOutputPipe::new(CAPTURE_LIMIT);
            builder.stdout(pipe.clone());
            Some(pipe)
        };
        let stderr = if opts.inherit_stderr {
            builder.inherit_stderr();
            None
        } else {
            let pipe = MemoryOutputPipe::new(CAPTURE_LIMIT);
            builder.stderr(pipe.clone());
            Some(pipe)
        };

        Host {
            wasi: builder.build(),
            table: ResourceTable::new(),
            http: WasiHttpCtx::new(),
            http_hooks: HttpPolicy { allow_outgoing: opts.allow_http },
            logs: Vec::new(),
            log_pipe: stderr.clone(),
            stdout,
            stderr,
            memory: MemoryWatch { limit: opts.memory_limit, ..MemoryWatch::default() },
            http_target: None,
        }
    }

    /// The resource table shared with WASI (for host functions that create
    /// or look up resources).
    pub fn table(&mut self) -> &mut ResourceTable {
        &mut self.table
    }

    /// Every `wasi:logging` call made so far, oldest first.
    pub fn logs(&self) -> &[LogRecord] {
        &self.logs
    }

    /// Whether a linear memory tried to grow past
    /// [`RunOptions::memory_limit`](crate::RunOptions::memory_limit).
    pub fn memory_limit_hit(&self) -> bool {
        self.memory.limit_hit
    }

    /// What the guest wrote to stdout, when stdout was captured rather than
    /// inherited (`None` when inherited). Invalid UTF-8 is replaced.
    pub fn captured_stdout(&self) -> Option<String> {
        self.stdout.as_ref().map(|p| String::from_utf8_lossy(&p.contents()).into_owned())
    }

    /// What the guest (and the logging host) wrote to stderr, when stderr was
    /// captured rather than inherited (`None` when inherited).
    pub fn captured_stderr(&self) -> Option<String> {
        self.stderr.as_ref().map(|p| String::from_utf8_lossy(&p.contents()).into_owned())
    }

    /// Records a log call and writes its line to the guest's stderr
    /// destination.
    fn log(&mut self, record: LogRecord) {
        let line = format!("{record}\n");
        match &mut self.log_pipe {
            // A full capture buffer drops the line; logging must not trap.
            Some(pipe) => {
                let _: Result<(), StreamError> = pipe.write(line.into_bytes().into());
            }
            None => eprint!("{line}"),
        }
        self.logs.push(record);
    }
}

impl WasiView for Host {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}

impl WasiHttpView for Host {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView { ctx: &mut self.http, table: &mut self.table, hooks: &mut self.http_hooks }
    }
}

/// Defines `wasi:logging/logging@0.1.0-draft` with its one function,
/// `log: func(level: level, context: string, message: string)`.
///
/// The function is defined dynamically; a guest calling it with other
/// argument types gets a trap explaining the mismatch.
///
/// # Errors
///
/// Fails if the linker already defines `log` in that interface.
pub fn add_logging(linker: &mut Linker<Host>) -> wasmtime::Result<()> {
    let mut instance = linker.instance(LOGGING_INTERFACE)?;
    instance.func_new("log", |mut store, _ty, params, _results| {
        let record = match params {
            [Val::Enum(level), Val::String(context), Val::String(message)] => {
                let Some(level) = LogLevel::from_name(level) else {
                    wasmtime::bail!("{LOGGING_INTERFACE}#log: unknown level `{level}`");
                };
                LogRecord { level, context: context.clone(), message: message.clone() }
            }
            _ => wasmtime::bail!("{LOGGING_INTERFACE}#log: expected (level, string, string) arguments, got {params:?}"),
        };
        store.data_mut().log(record);
        Ok(())
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_lines() {
        let mut record = LogRecord { level: LogLevel::Warn, context: String::new(), message: "disk low".into() };
        assert_eq!(record.to_string(), "warn: disk low");
        record.context = "fs".into();
        assert_eq!(record.to_string(), "warn fs: disk low");
        for name in ["trace", "debug", "info", "warn", "error", "critical"] {
            assert_eq!(LogLevel::from_name(name).map(LogLevel::as_str), Some(name));
        }
        assert_eq!(LogLevel::from_name("fatal"), None);
    }

    #[test]
    fn logs_go_to_captured_stderr() {
        let mut host = Host::new(&RunOptions::default());
        host.log(LogRecord { level: LogLevel::Info, context: "claw".into(), message: "hello".into() });
        assert_eq!(host.captured_stderr().as_deref(), Some("info claw: hello\n"));
        assert_eq!(host.logs().len(), 1);
    }
}
