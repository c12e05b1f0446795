//! `claw:test/http@0.1.0`: the interface through which a test file sends
//! HTTP requests to the `wasi:http/incoming-handler` of a component under
//! test (its WIT is `std-wit/claw-test/http.wit`).
//!
//! The composition exports the handler of the first component under test
//! that has one (see [`super::compose`]); after instantiating it for a test,
//! the runner puts that `handle` function in the store ([`Target`]). A call
//! of `request` (or `get`, `post`) from the test script is a host function
//! that builds a `wasi:http/types.incoming-request` and a
//! `response-outparam` (wasmtime-wasi-http's `new_incoming_request`,
//! `new_response_outparam`), calls `handle` in the same store and returns
//! the response the handler set, its body read to the end.
//!
//! Calling an export of the composition from a host function that the
//! composition's own script called re-enters the composition: the component
//! model allows the host to enter an instance again only while no task of
//! it is on the stack, a rule wasmtime enforces only when its concurrency
//! support (`component-model-async`) is built, which `claw-runtime` does
//! not build. The handler is another instance than the script, so the
//! script's state is untouched by the nested call.
//!
//! The body is read by a task on wasmtime-wasi's tokio runtime while the
//! handler runs, because the handler's writes block once the body channel
//! (two chunks) is full.

use std::time::Duration;

use http_body_util::BodyExt;
use wasmtime::component::{ComponentType, Func, Linker, Lower, Resource};
use wasmtime::{StoreContextMut, Trap};
use wasmtime_wasi_http::WasiHttpView;
use wasmtime_wasi_http::p2::bindings::http::types::{ErrorCode, Scheme};
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;
use wasmtime_wasi_http::p2::types::{HostIncomingRequest, HostResponseOutparam};

use crate::Host;

/// The interface name under which the functions are defined.
pub const INTERFACE: &str = "claw:test/http@0.1.0";

/// The largest response body a test reads; a longer one is an `err`.
pub const BODY_LIMIT: usize = 16 << 20;

/// The handler a test's requests go to, put in the store once the
/// composition is instantiated.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Target {
    /// `wasi:http/incoming-handler#handle` of the component under test.
    pub(crate) handle: Func,
    /// How long to wait for the response body after `handle` returned.
    pub(crate) wait: Duration,
    /// The handler trapped in an earlier request of this test: wasmtime
    /// refuses to enter the composition's instances again.
    pub(crate) trapped: bool,
    /// How many requests this test has sent so far.
    pub(crate) sent: u32,
}

/// `claw:test/http.response`.
#[derive(ComponentType, Lower, Clone, Debug)]
#[component(record)]
struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    text: String,
}

type Headers = Vec<(String, String)>;

/// Defines `claw:test/http@0.1.0` (`request`, `get`, `post`, `header`) in
/// `linker`.
///
/// # Errors
/// When the linker already defines one of the functions.
pub fn add_to_linker(linker: &mut Linker<Host>) -> wasmtime::Result<()> {
    let mut instance = linker.instance(INTERFACE)?;
    instance.func_wrap(
        "request",
        |store: StoreContextMut<'_, Host>, (method, path, headers, body): (String, String, Headers, Vec<u8>)| {
            Ok((send(store, &method, &path, &headers, body)?,))
        },
    )?;
    instance.func_wrap("get", |store: StoreContextMut<'_, Host>, (path,): (String,)| {
        Ok((send(store, "GET", &path, &[], Vec::new())?,))
    })?;
    instance.func_wrap("post", |store: StoreContextMut<'_, Host>, (path, body): (String, String)| {
        Ok((send(store, "POST", &path, &[], body.into_bytes())?,))
    })?;
    instance.func_wrap("header", |_store: StoreContextMut<'_, Host>, (headers, name): (Headers, String)| {
        Ok((headers.into_iter().find(|(n, _)| n.eq_ignore_ascii_case(&name)).map(|(_, v)| v),))
    })?;
    Ok(())
}

/// Sends one request to the store's handler. `Ok(Err(text))` for what the
/// test should see as an `err`; `Err` only for what must end the test (it
/// ran out of time or memory inside the handler, or the host failed).
fn send(
    mut store: StoreContextMut<'_, Host>,
    method: &str,
    path: &str,
    headers: &[(String, String)],
    body: Vec<u8>,
) -> wasmtime::Result<Result<Response, String>> {
    let Some(target) = store.data().http_target else {
        return Ok(Err(
            "no component under test exports `wasi:http/incoming-handler`, so there is no handler to send requests to"
                .into(),
        ));
    };
    if target.trapped {
        return Ok(Err("the handler trapped in an earlier request of this test, so it cannot be called again".into()));
    }
    if let Some(target) = &mut store.data_mut().http_target {
        target.sent += 1;
    }
    // Some handlers (componentize-js's) serve one request per instance, as
    // `wasmtime serve` instantiates them afresh for each: say so when a
    // later request of a test fails.
    let hint = if target.sent > 0 {
        format!(
            " (this was request {} of the test to the same instance; some handlers, such as those built by componentize-js, serve only one request per instance: send each request in a test of its own)",
            target.sent + 1
        )
    } else {
        String::new()
    };
    let request = match build_request(method, path, headers, body) {
        Ok(r) => r,
        Err(e) => return Ok(Err(e)),
    };
    let handle =
        match target.handle.typed::<(Resource<HostIncomingRequest>, Resource<HostResponseOutparam>), ()>(&store) {
            Ok(h) => h,
            Err(e) => {
                return Ok(Err(format!(
                    "the component's `handle` does not have the type of `wasi:http/incoming-handler`'s: {e:#}"
                )));
            }
        };
    let (sender, receiver) = tokio::sync::oneshot::channel();
    let request = store.data_mut().http().new_incoming_request(Scheme::Http, request)?;
    let outparam = store.data_mut().http().new_response_outparam(sender)?;
    let outparam_rep = outparam.rep();
    // Read the response while the handler writes it.
    let reader = wasmtime_wasi::runtime::spawn(read_response(receiver));
    let called = handle.call(&mut store, (request, outparam));
    // A handler that returns without setting a response and keeps its
    // `response-outparam` would leave the reader waiting: drop it (if the
    // guest dropped it, it is no longer there).
    let _ = store.data_mut().table().delete(Resource::<HostResponseOutparam>::new_own(outparam_rep));
    if let Err(e) = called {
        if e.downcast_ref::<Trap>() == Some(&Trap::Interrupt) || store.data().memory_limit_hit() {
            return Err(e);
        }
        if let Some(target) = &mut store.data_mut().http_target {
            target.trapped = true;
        }
        let message = crate::RunError::from_execution(&e).to_string();
        return Ok(Err(format!("the handler trapped: {message}{hint}")));
    }
    let read = wasmtime_wasi::runtime::in_tokio(async { tokio::time::timeout(target.wait, reader).await });
    Ok(match read {
        Ok(result) => result.map_err(|e| format!("{e}{hint}")),
        Err(_) => Err(format!(
            "the handler returned, but its response body did not end within {} ms (is `outgoing-body.finish` called?)",
            target.wait.as_millis()
        )),
    })
}

/// The request for `handle`: `METHOD http://localhost{path}` with the
/// header fields and the body; `Err` says which part is not valid HTTP.
fn build_request(
    method: &str,
    path: &str,
    headers: &[(String, String)],
    body: Vec<u8>,
) -> Result<hyper::Request<http_body_util::Full<bytes::Bytes>>, String> {
    let method =
        http::Method::from_bytes(method.as_bytes()).map_err(|_| format!("`{method}` is not an HTTP method"))?;
    if !path.starts_with('/') {
        return Err(format!(
            "the path `{path}` must start with `/` (a path and an optional query, such as `/items?id=1`)"
        ));
    }
    let uri: http::Uri = format!("http://localhost{path}")
        .parse()
        .map_err(|e| format!("`{path}` is not a valid path and query: {e}"))?;
    let mut request = hyper::Request::builder().method(method).uri(uri);
    for (name, value) in headers {
        let name = http::HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| format!("`{name}` is not a valid header name"))?;
        let value = http::HeaderValue::from_str(value)
            .map_err(|_| format!("the value of header `{name}` is not valid: {value:?}"))?;
        request = request.header(name, value);
    }
    request
        .body(http_body_util::Full::new(bytes::Bytes::from(body)))
        .map_err(|e| format!("cannot build the request: {e}"))
}

/// Waits for the response the handler sets and reads its body to the end
/// (at most [`BODY_LIMIT`] bytes).
async fn read_response(
    receiver: tokio::sync::oneshot::Receiver<Result<hyper::Response<HyperOutgoingBody>, ErrorCode>>,
) -> Result<Response, String> {
    let response = match receiver.await {
        Ok(Ok(response)) => response,
        Ok(Err(code)) => return Err(format!("the handler set an error instead of a response: {code:?}")),
        Err(_) => return Err("the handler returned without setting a response (`response-outparam.set`)".into()),
    };
    let (parts, mut body) = response.into_parts();
    let mut bytes = Vec::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| format!("the response body failed: {e}"))?;
        if let Ok(data) = frame.into_data() {
            if bytes.len() + data.len() > BODY_LIMIT {
                return Err(format!("the response body is longer than {} MiB", BODY_LIMIT >> 20));
            }
            bytes.extend_from_slice(&data);
        }
    }
    let headers = parts
        .headers
        .iter()
        .map(|(name, value)| (name.as_str().to_string(), String::from_utf8_lossy(value.as_bytes()).into_owned()))
        .collect();
    Ok(Response {
        status: parts.status.as_u16(),
        headers,
        text: String::from_utf8_lossy(&bytes).into_owned(),
        body: bytes,
    })
}
