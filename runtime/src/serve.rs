//! Serving a `wasi:http` handler over HTTP/1.1: the runtime half of
//! `clawc serve`.
//!
//! A [`Handler`] is a component that exports
//! `wasi:http/incoming-handler@0.2.x` (any 0.2 version: componentize-js
//! components export `@0.2.10`, Claw handlers `@0.2.12`), pre-instantiated
//! once against the runtime's linker ([`Loaded::linker`]). A [`Server`]
//! binds a TCP listener and serves it:
//!
//! - The engine stays synchronous (no `async_support`). The network side is
//!   a tokio multi-thread runtime with hyper 1's `server::conn::http1`, one
//!   task per connection. Each request is handed to
//!   `tokio::task::spawn_blocking`, which creates a fresh `Store<Host>` and
//!   instance from the `InstancePre` (nothing is shared between requests),
//!   turns the hyper request into an `incoming-request` resource and a
//!   `response-outparam` (wasmtime-wasi-http's `new_incoming_request` and
//!   `new_response_outparam_from_callback`), and calls `handle`. The
//!   connection task awaits the response the guest sets; its body streams
//!   from the guest's `outgoing-body` while `handle` is still running. The
//!   synchronous WASI streams block on the same tokio runtime
//!   (wasmtime-wasi's `in_tokio` uses the current runtime of the blocking
//!   thread).
//! - The sandbox is [`RunOptions`]'s, as for `clawc run`: nothing is granted
//!   unless asked (directories, environment variables), outgoing HTTP
//!   requests fail with `HTTP-request-denied` unless
//!   [`RunOptions::allow_http`], and sockets are off.
//! - A request whose `handle` traps, or returns without setting a response,
//!   or sets `err(error-code)`, is answered with `500 Internal Server Error`
//!   and a short body; what happened is in the [`Exchange`] reported for it.
//!   The server goes on serving.
//! - With [`Server::with_timeout`], a `handle` call that runs longer than
//!   the timeout (an endless loop, say) is interrupted through wasmtime's
//!   epoch interruption, which traps it: a `500` if it had not responded
//!   yet, a cut-off body if it had. The engine must have been created with
//!   epoch interruption ([`crate::Runtime::interruptible`]); the epoch
//!   advances every 10 ms on a thread of the server's own.
//! - Every request, when its `handle` call has ended, is reported to the
//!   caller's `on_exchange` callback as an [`Exchange`] (method, target,
//!   status, time); the runtime itself prints nothing.
//! - [`Server::run`] stops on SIGINT or SIGTERM (Ctrl-C), gracefully: it
//!   stops accepting, lets requests in flight finish for up to
//!   [`SHUTDOWN_GRACE`], closes idle connections, and returns.

use std::fmt;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use wasmtime::component::types::ComponentItem;
use wasmtime::component::{ComponentExportIndex, InstancePre, Resource};
use wasmtime::{Store, Trap};
use wasmtime_wasi_http::WasiHttpView;
use wasmtime_wasi_http::io::TokioIo;
use wasmtime_wasi_http::p2::bindings::http::types::{ErrorCode, Scheme};
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;
use wasmtime_wasi_http::p2::types::{HostIncomingRequest, HostResponseOutparam};

use crate::epoch::{Ticker, ticks};
use crate::{Host, Loaded, RunError, RunOptions, imports};

/// The interface a handler exports, without its version.
pub const INCOMING_HANDLER: &str = "wasi:http/incoming-handler";

/// How long [`Server::run`] lets requests in flight finish after a stop
/// signal before it returns anyway.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// A component that exports `wasi:http/incoming-handler@0.2.x`, checked
/// and pre-instantiated (its imports all satisfied by the host).
pub struct Handler {
    pre: InstancePre<Host>,
    /// The full name of the exported interface, e.g.
    /// `wasi:http/incoming-handler@0.2.12`.
    interface: String,
    /// The `handle` function inside it.
    handle: ComponentExportIndex,
}

impl Handler {
    /// Checks that `loaded` is an HTTP handler and pre-instantiates it.
    ///
    /// # Errors
    /// [`RunError::Usage`] when the component does not export
    /// `wasi:http/incoming-handler` at a 0.2 version with a `handle`
    /// function (the message lists what it does export);
    /// [`RunError::Link`] when the host does not provide some of its imports
    /// (`missing` lists them all).
    pub fn new(loaded: &Loaded) -> Result<Handler, RunError> {
        let component = loaded.component();
        let engine = component.engine();
        let ty = component.component_type();
        let exports: Vec<(String, ComponentItem)> = ty.exports(engine).map(|(n, i)| (n.to_string(), i.ty)).collect();
        let interface = exports
            .iter()
            .find(|(name, item)| {
                name.strip_prefix(INCOMING_HANDLER).is_some_and(|v| v.starts_with("@0.2."))
                    && matches!(item, ComponentItem::ComponentInstance(_))
            })
            .map(|(name, _)| name.clone());
        let not_a_handler = || {
            let names: Vec<&str> = exports.iter().map(|(n, _)| n.as_str()).collect();
            let listed = if names.is_empty() { "nothing".to_string() } else { format!("`{}`", names.join("`, `")) };
            RunError::Usage(format!(
                "the component does not export `{INCOMING_HANDLER}` (0.2.x), so it is not an HTTP handler; it exports {listed}"
            ))
        };
        let interface = interface.ok_or_else(not_a_handler)?;
        let handle = component
            .get_export_index(None, interface.as_str())
            .and_then(|iface| component.get_export_index(Some(&iface), "handle"))
            .ok_or_else(not_a_handler)?;
        let pre = loaded.linker().instantiate_pre(component).map_err(|e| RunError::Link {
            missing: imports::missing_imports(loaded.linker(), component),
            detail: format!("{e:#}"),
        })?;
        Ok(Handler { pre, interface, handle })
    }

    /// The full name of the exported interface, e.g.
    /// `wasi:http/incoming-handler@0.2.12`.
    pub fn interface(&self) -> &str {
        &self.interface
    }

    /// Runs one request in a fresh store and instance: calls `handle`, and
    /// hands the response the guest sets to `respond` (at most once).
    /// Blocks until `handle` returns (the body has been written by then) or,
    /// with a `timeout` (in 10 ms ticks, rounded up), until it is
    /// interrupted with [`Trap::Interrupt`].
    fn call(
        &self,
        options: &RunOptions,
        timeout: Option<Duration>,
        request: hyper::Request<Incoming>,
        respond: impl FnOnce(Result<hyper::Response<HyperOutgoingBody>, ErrorCode>) + Send + Sync + 'static,
    ) -> wasmtime::Result<()> {
        let mut store = Store::new(self.pre.engine(), Host::new(options));
        store.limiter(|host| &mut host.memory);
        if let Some(timeout) = timeout {
            store.set_epoch_deadline(ticks(timeout));
            store.epoch_deadline_trap();
        }
        let request = store.data_mut().http().new_incoming_request(Scheme::Http, request)?;
        let response = store.data_mut().http().new_response_outparam_from_callback(respond)?;
        let instance = self.pre.instantiate(&mut store)?;
        let handle = instance.get_typed_func::<(Resource<HostIncomingRequest>, Resource<HostResponseOutparam>), ()>(
            &mut store,
            &self.handle,
        )?;
        handle.call(&mut store, (request, response))?;
        Ok(())
    }
}

/// One request as served, reported to [`Server::run`]'s callback when its
/// `handle` call has ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exchange {
    /// The request method (`GET`, `POST`, ...).
    pub method: String,
    /// The request target as sent: the path and query (`/echo?x=1`).
    pub target: String,
    /// The status sent: the guest's, or 500 when it set none, set an
    /// error, or trapped before setting one.
    pub status: u16,
    /// From receiving the request's head to the end of `handle`.
    pub elapsed: Duration,
    /// What went wrong, if anything: a trap (its message, with the wasm
    /// backtrace), an error code the guest set, or no response set.
    pub failure: Option<String>,
}

impl fmt::Display for Exchange {
    /// `GET /echo?x=1 -> 200 (1.2 ms)`, then `: ` and the failure if any
    /// (its first line; the rest, such as a backtrace, on further lines).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.elapsed.as_secs_f64() * 1e3;
        write!(f, "{} {} -> {} ({ms:.1} ms)", self.method, self.target, self.status)?;
        if let Some(failure) = &self.failure {
            write!(f, ": {failure}")?;
        }
        Ok(())
    }
}

/// What the connection tasks share.
struct State {
    handler: Handler,
    options: RunOptions,
    timeout: Option<Duration>,
    local_addr: SocketAddr,
    on_exchange: Box<dyn Fn(&Exchange) + Send + Sync>,
}

/// A bound listener and the runtime that serves it; see the module docs.
pub struct Server {
    runtime: tokio::runtime::Runtime,
    listener: tokio::net::TcpListener,
    local_addr: SocketAddr,
    handler: Handler,
    options: RunOptions,
    timeout: Option<Duration>,
}

impl Server {
    /// Starts a tokio runtime and binds `addr` (port 0 picks a free port;
    /// [`Server::local_addr`] says which). Nothing is served until
    /// [`Server::run`].
    ///
    /// # Errors
    /// The IO error of creating the runtime or binding (address in use,
    /// permission denied, ...).
    pub fn bind(handler: Handler, addr: SocketAddr, options: RunOptions) -> std::io::Result<Server> {
        let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().thread_name("clawc-serve").build()?;
        let listener = std::net::TcpListener::bind(addr)?;
        listener.set_nonblocking(true)?;
        let local_addr = listener.local_addr()?;
        let listener = {
            let _entered = runtime.enter();
            tokio::net::TcpListener::from_std(listener)?
        };
        Ok(Server { runtime, listener, local_addr, handler, options, timeout: None })
    }

    /// Limits each request's `handle` call to `timeout` (`None`: no limit,
    /// the default). A call still running then is interrupted and reported
    /// as timed out; see the module docs. The handler's engine must have
    /// epoch interruption enabled ([`crate::Runtime::interruptible`]),
    /// otherwise the limit has no effect.
    pub fn with_timeout(mut self, timeout: Option<Duration>) -> Server {
        self.timeout = timeout;
        self
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Serves until SIGINT or SIGTERM (on Unix; Ctrl-C elsewhere), then
    /// shuts down gracefully (see the module docs) and returns. `on_ready`
    /// is called with the bound address once the signal handlers are in
    /// place (a signal from then on stops the server cleanly);
    /// `on_exchange` once per request, from the thread that ran it.
    ///
    /// # Errors
    /// When the signal handlers cannot be installed.
    pub fn run(
        self,
        on_ready: impl FnOnce(SocketAddr),
        on_exchange: impl Fn(&Exchange) + Send + Sync + 'static,
    ) -> std::io::Result<()> {
        let stop = {
            let _entered = self.runtime.enter();
            stop_signal()?
        };
        on_ready(self.local_addr);
        self.run_until(on_exchange, stop);
        Ok(())
    }

    /// Like [`Server::run`], but stops when `stop` completes instead of on a
    /// signal.
    pub fn run_until(
        self,
        on_exchange: impl Fn(&Exchange) + Send + Sync + 'static,
        stop: impl Future<Output = ()> + Send + 'static,
    ) {
        let Server { runtime, listener, local_addr, handler, options, timeout } = self;
        // If the thread cannot start, calls run without a limit.
        let ticker = timeout.and_then(|_| Ticker::start(handler.pre.engine(), "clawc-serve-epoch").ok());
        let state = Arc::new(State { handler, options, timeout, local_addr, on_exchange: Box::new(on_exchange) });
        runtime.block_on(accept_loop(listener, state, stop));
        drop(ticker);
        // A handler still running (say, in an endless loop, with no
        // timeout) cannot be interrupted; do not wait for it.
        runtime.shutdown_timeout(Duration::from_millis(100));
    }
}

/// A future that completes on SIGINT or SIGTERM (Ctrl-C off Unix). Must be
/// called inside the runtime.
fn stop_signal() -> std::io::Result<impl Future<Output = ()> + Send + 'static> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut interrupt = signal(SignalKind::interrupt())?;
        let mut terminate = signal(SignalKind::terminate())?;
        Ok(async move {
            tokio::select! {
                _ = interrupt.recv() => {}
                _ = terminate.recv() => {}
            }
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async {
            let _ = tokio::signal::ctrl_c().await;
        })
    }
}

/// Accepts connections until `stop`, then stops accepting, asks every
/// connection to close after its current request, and waits for them for
/// at most [`SHUTDOWN_GRACE`].
async fn accept_loop(listener: tokio::net::TcpListener, state: Arc<State>, stop: impl Future<Output = ()>) {
    let (closing, closing_seen) = tokio::sync::watch::channel(false);
    let mut connections = tokio::task::JoinSet::new();
    tokio::pin!(stop);
    loop {
        tokio::select! {
            () = &mut stop => break,
            accepted = listener.accept() => {
                let stream = match accepted {
                    Ok((stream, _peer)) => stream,
                    // Out of file descriptors and the like: wait a little
                    // rather than spin.
                    Err(_) => {
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                connections.spawn(serve_connection(stream, Arc::clone(&state), closing_seen.clone()));
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    drop(listener);
    let _ = closing.send(true);
    let drained = async { while connections.join_next().await.is_some() {} };
    let _ = tokio::time::timeout(SHUTDOWN_GRACE, drained).await;
}

/// Serves one connection until the client closes it, or `closing` turns
/// true (then after its current request).
async fn serve_connection(
    stream: tokio::net::TcpStream,
    state: Arc<State>,
    mut closing: tokio::sync::watch::Receiver<bool>,
) {
    let service = hyper::service::service_fn(move |request| {
        let state = Arc::clone(&state);
        async move { Ok::<_, std::convert::Infallible>(respond(state, request).await) }
    });
    let connection = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service);
    tokio::pin!(connection);
    tokio::select! {
        _ = connection.as_mut() => {}
        _ = closing.changed() => {
            connection.as_mut().graceful_shutdown();
            let _ = connection.await;
        }
    }
}

/// Runs the handler for one request and returns the response to send.
async fn respond(state: Arc<State>, request: hyper::Request<Incoming>) -> hyper::Response<HyperOutgoingBody> {
    let started = Instant::now();
    let method = request.method().to_string();
    let target = request.uri().path_and_query().map_or_else(|| request.uri().to_string(), ToString::to_string);
    let request = with_authority(request, state.local_addr);

    let (sender, receiver) = tokio::sync::oneshot::channel();
    // The status the guest set, for the report.
    let set_status = Arc::new(Mutex::new(None::<Result<u16, String>>));
    let seen = Arc::clone(&set_status);
    let respond = move |result: Result<hyper::Response<HyperOutgoingBody>, ErrorCode>| {
        let status = result.as_ref().map(|r| r.status().as_u16()).map_err(|code| format!("{code:?}"));
        if let Ok(mut slot) = seen.lock() {
            *slot = Some(status);
        }
        let _ = sender.send(result);
    };
    let worker = Arc::clone(&state);
    let task = tokio::task::spawn_blocking(move || {
        let outcome = worker.handler.call(&worker.options, worker.timeout, request, respond);
        let timed_out = outcome.as_ref().err().and_then(|e| e.downcast_ref::<Trap>()) == Some(&Trap::Interrupt);
        let late = |after: &str| match worker.timeout {
            Some(timeout) if timed_out => format!("timed out{after} (the limit is {timeout:?})"),
            _ => String::new(),
        };
        let set = set_status.lock().ok().and_then(|mut slot| slot.take());
        let (status, failure) = match (set, outcome) {
            (Some(Ok(status)), Ok(())) => (status, None),
            (Some(Ok(status)), Err(_)) if timed_out => (status, Some(late(" after responding"))),
            (Some(Ok(status)), Err(trap)) => (status, Some(format!("trapped after responding: {}", trap_text(&trap)))),
            (Some(Err(code)), _) => (500, Some(format!("the handler set an error: {code}"))),
            (None, Ok(())) => (500, Some("the handler returned without setting a response".to_string())),
            (None, Err(_)) if timed_out => (500, Some(late(""))),
            (None, Err(trap)) => (500, Some(format!("trapped: {}", trap_text(&trap)))),
        };
        let exchange = Exchange { method, target, status, elapsed: started.elapsed(), failure };
        (worker.on_exchange)(&exchange);
        timed_out
    });
    match receiver.await {
        Ok(Ok(response)) => response,
        Ok(Err(_)) => internal_error("the handler failed\n"),
        Err(_) => {
            // The guest never set a response (the sender was dropped with
            // the store): it returned, trapped or timed out. Its report is
            // made.
            match task.await {
                Ok(true) => internal_error("the handler timed out\n"),
                _ => internal_error("the handler failed\n"),
            }
        }
    }
}

/// A trap's message and backtrace, as [`RunError::Trap`] renders them.
fn trap_text(error: &wasmtime::Error) -> String {
    match RunError::from_execution(error) {
        RunError::Trap { message, backtrace: Some(backtrace) } => format!("{message}\n{backtrace}"),
        other => other.to_string(),
    }
}

/// A `500 Internal Server Error` with a short plain-text body.
fn internal_error(body: &'static str) -> hyper::Response<HyperOutgoingBody> {
    let body = Full::new(Bytes::from_static(body.as_bytes())).map_err(|never| match never {}).boxed_unsync();
    let mut response = hyper::Response::new(body);
    *response.status_mut() = http::StatusCode::INTERNAL_SERVER_ERROR;
    response
        .headers_mut()
        .insert(http::header::CONTENT_TYPE, http::HeaderValue::from_static("text/plain; charset=utf-8"));
    response
}

/// The request with `http://LOCAL_ADDR` as its URI's scheme and authority
/// when it has no `Host` header (an HTTP/1.0 request), since
/// `incoming-request` needs an authority.
fn with_authority(request: hyper::Request<Incoming>, local_addr: SocketAddr) -> hyper::Request<Incoming> {
    if request.uri().authority().is_some() || request.headers().contains_key(http::header::HOST) {
        return request;
    }
    let (mut parts, body) = request.into_parts();
    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    if let Ok(uri) = format!("http://{local_addr}{path}").parse() {
        parts.uri = uri;
    }
    hyper::Request::from_parts(parts, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_exchange_is_one_line_and_its_failure() {
        let mut exchange = Exchange {
            method: "GET".into(),
            target: "/echo?x=1".into(),
            status: 200,
            elapsed: Duration::from_micros(1_250),
            failure: None,
        };
        assert_eq!(exchange.to_string(), "GET /echo?x=1 -> 200 (1.2 ms)");
        exchange.status = 500;
        exchange.failure = Some("trapped: wasm trap: integer divide by zero".into());
        assert_eq!(exchange.to_string(), "GET /echo?x=1 -> 500 (1.2 ms): trapped: wasm trap: integer divide by zero");
    }
}
