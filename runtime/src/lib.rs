//! Runs WebAssembly components in an embedded wasmtime.
//!
//! The flow is [`Runtime`] → [`Runtime::load`] → [`Loaded`] →
//! [`Loaded::instantiate`] → [`Session`] → [`Session::invoke`]:
//!
//! ```no_run
//! # fn main() -> Result<(), claw_runtime::RunError> {
//! use claw_runtime::{RunOptions, Runtime};
//!
//! let runtime = Runtime::new().map_err(|e| claw_runtime::RunError::Other(e.to_string()))?;
//! let bytes = std::fs::read("semver.wasm").map_err(|e| claw_runtime::RunError::Other(e.to_string()))?;
//! let loaded = runtime.load(&bytes)?;
//! let mut session = loaded.instantiate(&RunOptions::default())?;
//! let out = session.invoke(r#"example:semver/versions@0.1.0#parse("1.2.3")"#)?;
//! assert_eq!(
//!     out.as_deref(),
//!     Some(r#"ok({major: 1, minor: 2, patch: 3, pre: "", build: ""})"#)
//! );
//! # Ok(())
//! # }
//! ```
//!
//! The host provides WASI 0.2 (synchronous, via `wasmtime-wasi`) granting
//! nothing — no files, environment, arguments or network; see [`host`] — and
//! `wasi:logging/logging@0.1.0-draft`. Harnesses can define more imports
//! through [`Loaded::linker_mut`] before instantiating. Values cross the API
//! as wasmtime [`Val`]s or as WAVE text ([`to_wave`], [`from_wave`]).
//! Failures are [`RunError`]s. [`serve`] serves a component that exports
//! `wasi:http/incoming-handler` over HTTP, a fresh instance per request
//! (`clawc serve`).

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::{Arc, Mutex};

use wasmtime::component::{Component, Linker};
use wasmtime::{Config, Engine, Store};

mod epoch;
mod error;
pub mod host;
mod imports;
pub mod serve;
mod session;
pub mod testing;
mod wave;

pub use error::RunError;
pub use host::{Host, LogLevel, LogRecord};
pub use session::Session;
pub use wave::{from_wave, to_wave, type_name};

pub use wasmtime;
pub use wasmtime::component::{Type, Val};

/// How many compiled components a [`Runtime`] keeps for reuse. When full,
/// the cache is emptied and refilled.
const CACHE_CAPACITY: usize = 64;

/// One cached compilation: the exact bytes and what they compiled to.
struct CacheEntry {
    bytes: Arc<[u8]>,
    component: Component,
}

/// The shared wasmtime engine, a linker with the host's imports, and a cache
/// of compiled components (keyed by their bytes).
///
/// Cheap to clone; clones share the engine and the cache. `Send + Sync`.
#[derive(Clone)]
pub struct Runtime {
    engine: Engine,
    base_linker: Arc<Linker<Host>>,
    cache: Arc<Mutex<HashMap<u64, Vec<CacheEntry>>>>,
}

impl Runtime {
    /// Creates an engine with the component model enabled (synchronous
    /// execution, Cranelift) and a linker holding WASI 0.2, `wasi:http` 0.2
    /// (`types` and `outgoing-handler`; requests denied unless
    /// [`RunOptions::allow_http`]) and `wasi:logging`.
    ///
    /// # Errors
    ///
    /// When wasmtime cannot create the engine for this host (e.g. an
    /// unsupported platform) or the host imports cannot be defined.
    pub fn new() -> anyhow::Result<Runtime> {
        Runtime::with_cache(None)
    }

    /// Like [`Runtime::new`], with compiled code read from and written to
    /// `cache` (wasmtime's compilation cache, keyed on the component's
    /// bytes, the engine's settings and wasmtime's version), so that a
    /// component compiled by an earlier process loads without compiling.
    /// `None` compiles every component afresh (in each process).
    ///
    /// wasmtime never fails a compilation because of its cache: an entry it
    /// cannot read is compiled again, and one it cannot write is skipped.
    ///
    /// # Errors
    ///
    /// As for [`Runtime::new`].
    pub fn with_cache(cache: Option<wasmtime::Cache>) -> anyhow::Result<Runtime> {
        Runtime::build(cache, false)
    }

    /// Like [`Runtime::with_cache`], with epoch interruption compiled into
    /// the guest code (a check at function entries and loop headers), so
    /// that a call can be given a deadline: what
    /// [`serve::Server::with_timeout`] needs. Guests run a little slower,
    /// and their compiled code is cached apart from [`Runtime::with_cache`]'s
    /// (the engine's settings are part of the cache key).
    ///
    /// # Errors
    ///
    /// As for [`Runtime::new`].
    pub fn interruptible(cache: Option<wasmtime::Cache>) -> anyhow::Result<Runtime> {
        Runtime::build(cache, true)
    }

    /// The engine (with epoch interruption if `interruptible`) and linker.
    fn build(cache: Option<wasmtime::Cache>, interruptible: bool) -> anyhow::Result<Runtime> {
        let mut config = Config::new();
        config.wasm_component_model(true);
        config.epoch_interruption(interruptible);
        config.cache(cache);
        let engine = Engine::new(&config).map_err(to_anyhow)?;

        let mut linker: Linker<Host> = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker).map_err(to_anyhow)?;
        wasmtime_wasi_http::p2::add_only_http_to_linker_sync(&mut linker).map_err(to_anyhow)?;
        host::add_logging(&mut linker).map_err(to_anyhow)?;

        Ok(Runtime { engine, base_linker: Arc::new(linker), cache: Arc::new(Mutex::new(HashMap::new())) })
    }

    /// The wasmtime engine every component of this runtime is compiled for.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Compiles component bytes (or reuses an earlier compilation of the same
    /// bytes) and pairs the result with a fresh copy of the host linker.
    ///
    /// # Errors
    ///
    /// [`RunError::Load`] when the bytes are not a WebAssembly component:
    /// not wasm at all (the message says so, and mentions WAT text, which is
    /// not accepted), a core module (components only), or a component that
    /// fails validation or compilation (wasmtime's message).
    pub fn load(&self, bytes: &[u8]) -> Result<Loaded, RunError> {
        let component = self.compile(bytes)?;
        let exports = Arc::new(session::collect_exports(&component));
        Ok(Loaded { component, linker: (*self.base_linker).clone(), exports })
    }

    fn compile(&self, bytes: &[u8]) -> Result<Component, RunError> {
        check_header(bytes)?;
        let mut hasher = DefaultHasher::new();
        bytes.hash(&mut hasher);
        let key = hasher.finish();

        if let Some(hit) = self.with_compiled(|cache| {
            cache.get(&key).and_then(|entries| entries.iter().find(|e| *e.bytes == *bytes).map(|e| e.component.clone()))
        }) {
            return Ok(hit);
        }

        let component = Component::new(&self.engine, bytes).map_err(|e| RunError::Load(format!("{e:#}")))?;
        self.with_compiled(|cache| {
            if cache.values().map(Vec::len).sum::<usize>() >= CACHE_CAPACITY {
                cache.clear();
            }
            cache.entry(key).or_default().push(CacheEntry { bytes: Arc::from(bytes), component: component.clone() });
        });
        Ok(component)
    }

    fn with_compiled<R>(&self, f: impl FnOnce(&mut HashMap<u64, Vec<CacheEntry>>) -> R) -> R {
        // A panic while holding the lock leaves the map consistent enough
        // (worst case a missing entry), so recover from poisoning.
        let mut guard = match self.cache.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        f(&mut guard)
    }
}

/// Keeps wasmtime's error chain when handing it on as an `anyhow::Error`.
fn to_anyhow(e: wasmtime::Error) -> anyhow::Error {
    anyhow::Error::from_boxed(e.into_boxed_dyn_error())
}

/// Rejects bytes that are clearly not a component (empty, WAT text, not
/// wasm, a core module), with a specific message.
///
/// # Errors
/// [`RunError::Load`] saying which.
pub fn check_component_bytes(bytes: &[u8]) -> Result<(), RunError> {
    check_header(bytes)
}

/// Rejects bytes that are clearly not a component, with a specific message.
fn check_header(bytes: &[u8]) -> Result<(), RunError> {
    const MAGIC: &[u8] = b"\0asm";
    if !bytes.starts_with(MAGIC) {
        let text_like = bytes.iter().find(|b| !b.is_ascii_whitespace()).is_some_and(|b| *b == b'(' || *b == b';');
        return Err(RunError::Load(if bytes.is_empty() {
            "the input is empty, not a WebAssembly component".to_string()
        } else if text_like {
            "the input looks like WebAssembly text (WAT); only binary components are accepted".to_string()
        } else {
            "the input is not a WebAssembly binary (it does not start with `\\0asm`)".to_string()
        }));
    }
    // Bytes 4..8: version (2 bytes) and layer (2 bytes); layer 0 is a core
    // module, layer 1 a component.
    if bytes.get(6..8) == Some(&[0, 0][..]) {
        return Err(RunError::Load(
            "the input is a core WebAssembly module, not a component (wrap it with \
             `wasm-tools component new`)"
                .to_string(),
        ));
    }
    Ok(())
}

/// Options for one instantiation.
#[derive(Debug, Default, Clone)]
pub struct RunOptions {
    /// Send the guest's stdout to the process's stdout. Otherwise it is
    /// captured (up to [`host::CAPTURE_LIMIT`] bytes) and readable through
    /// [`Session::captured_stdout`].
    pub inherit_stdout: bool,
    /// Send the guest's stderr (and `wasi:logging` lines) to the process's
    /// stderr. Otherwise captured, see [`Session::captured_stderr`].
    pub inherit_stderr: bool,
    /// Connect the process's stdin to the guest's (otherwise it reads as
    /// empty).
    pub inherit_stdin: bool,
    /// The arguments `wasi:cli/environment.get-arguments` returns (by
    /// convention the program's name first).
    pub args: Vec<String>,
    /// Environment variables the guest sees (none by default).
    pub env: Vec<(String, String)>,
    /// Host directories the guest may read and write, each with the path
    /// the guest sees it at (`(host, guest)`). The caller checks that they
    /// exist; one that cannot be opened is left out.
    pub dirs: Vec<(std::path::PathBuf, String)>,
    /// The most bytes any one linear memory may grow to; `None` for no
    /// limit. A `memory.grow` past it fails (returns -1), and
    /// [`Host::memory_limit_hit`] says so.
    pub memory_limit: Option<usize>,
    /// Let `wasi:http/outgoing-handler` requests leave the process (through
    /// wasmtime-wasi-http's default client). When `false`, the default,
    /// every outgoing request fails with `HTTP-request-denied`.
    pub allow_http: bool,
}

/// A compiled component plus a `Linker<Host>` that already defines WASI 0.2
/// (synchronous), `wasi:http` 0.2 and `wasi:logging`.
#[derive(Clone)]
pub struct Loaded {
    component: Component,
    linker: Linker<Host>,
    exports: Arc<Vec<session::ExportFn>>,
}

impl Loaded {
    /// The linker, to define more host functions before instantiating, e.g.
    /// `loaded.linker_mut().root().func_new("double", ...)` for a root-level
    /// function import, or `.instance("ns:pkg/iface@1.0.0")?.func_new(...)`
    /// for one in an imported interface.
    pub fn linker_mut(&mut self) -> &mut Linker<Host> {
        &mut self.linker
    }

    /// The linker, read-only.
    pub fn linker(&self) -> &Linker<Host> {
        &self.linker
    }

    /// The compiled component.
    pub fn component(&self) -> &Component {
        &self.component
    }

    /// The canonical names of the component's exported functions, in export
    /// order (see [`Session::exports`]).
    pub fn exports(&self) -> Vec<String> {
        Session::export_names(&self.exports)
    }

    /// The component's imports that the linker does not satisfy (absent, or
    /// defined with another type), as names like `double` (root-level) or
    /// `wasi:foo/bar@1.0.0#baz` (an item in an imported interface); empty when
    /// everything is satisfied.
    pub fn missing_imports(&self) -> Vec<String> {
        if self.linker.substituted_component_type(&self.component).is_ok() {
            return Vec::new();
        }
        imports::missing_imports(&self.linker, &self.component)
    }

    /// Instantiates the component in a fresh store configured by `opts`.
    ///
    /// # Errors
    ///
    /// [`RunError::Link`] (listing [`missing_imports`](Self::missing_imports))
    /// when imports are unsatisfied; [`RunError::Trap`] when the component's
    /// start-up code fails.
    pub fn instantiate(&self, opts: &RunOptions) -> Result<Session, RunError> {
        let pre = self.linker.instantiate_pre(&self.component).map_err(|e| RunError::Link {
            missing: imports::missing_imports(&self.linker, &self.component),
            detail: format!("{e:#}"),
        })?;
        let mut store = Store::new(self.component.engine(), Host::new(opts));
        store.limiter(|host| &mut host.memory);
        let instance = pre.instantiate(&mut store).map_err(|e| RunError::from_execution(&e))?;
        Ok(Session::new(store, instance, Arc::clone(&self.exports)))
    }

    /// Like [`Loaded::instantiate`], but first instantiates each of
    /// `providers` in the same store and satisfies this component's
    /// world-level function imports with the providers' world-level function
    /// exports of the same name (a later provider wins over an earlier one).
    /// This is composition by linking in wasmtime: each component keeps its
    /// own memory, and values are lifted and lowered at the boundary.
    ///
    /// # Errors
    /// [`RunError::Link`] if a provider's own imports, or this component's
    /// remaining imports, are not satisfied; [`RunError::Trap`] if a start
    /// function traps.
    pub fn instantiate_with(&self, opts: &RunOptions, providers: &[Loaded]) -> Result<Session, RunError> {
        if providers.is_empty() {
            return self.instantiate(opts);
        }
        let engine = self.component.engine().clone();
        let mut store = Store::new(&engine, Host::new(opts));
        store.limiter(|host| &mut host.memory);
        let mut linker = self.linker.clone();
        linker.allow_shadowing(true);
        for provider in providers {
            let instance =
                provider.linker.instantiate(&mut store, &provider.component).map_err(|e| RunError::Link {
                    missing: imports::missing_imports(&provider.linker, &provider.component),
                    detail: format!("a --with component cannot be instantiated: {e:#}"),
                })?;
            let ty = provider.component.component_type();
            for (name, item) in ty.exports(&engine) {
                if !matches!(item.ty, wasmtime::component::types::ComponentItem::ComponentFunc(_)) {
                    continue;
                }
                let Some(func) = instance.get_func(&mut store, name) else { continue };
                linker
                    .root()
                    .func_new(name, move |mut store, _ty, params, results| func.call(&mut store, params, results))
                    .map_err(|e| RunError::Other(format!("cannot forward `{name}`: {e:#}")))?;
            }
        }
        let pre = linker.instantiate_pre(&self.component).map_err(|e| RunError::Link {
            missing: imports::missing_imports(&linker, &self.component),
            detail: format!("{e:#}"),
        })?;
        let instance = pre.instantiate(&mut store).map_err(|e| RunError::from_execution(&e))?;
        Ok(Session::new(store, instance, Arc::clone(&self.exports)))
    }
}
