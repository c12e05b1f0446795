//! The test runner behind `clawc test`.
//!
//! The compiler turns a test file into a *script* component that exports
//! one dispatcher for the plain tests (`claw-run-test: func(index: u32) ->
//! result<_, string>`) and one function per property test (`claw-test-N:
//! func(params...) -> result<_, string>`), plus a component per mock.
//! [`compose`] wires them with the components under test into one component
//! (wac-graph); a [`Runner`] compiles that once (or loads it from wasmtime's
//! compilation cache), pre-instantiates it against the host's WASI
//! ([`InstancePre`]) and runs each test in a fresh store and fresh
//! instances, so tests see none of each other's state and may run on
//! several threads.
//!
//! Fresh instances are cheap: they come from wasmtime's pooling instance
//! allocator, whose slots keep their linear memories mapped (copy-on-write
//! images of the initial data) and reset only the pages a test wrote; and
//! instantiating costs time for every export, which is why the plain tests
//! share one.
//!
//! Each run is sandboxed ([`RunnerOptions`]): WASI grants only the
//! directories and environment variables asked for, `wasi:http` outgoing
//! requests are denied unless allowed, stdout and stderr are captured, a
//! timeout interrupts the guest through epoch interruption, and a memory
//! limit refuses growth past it.
//!
//! Besides WASI 0.2 (with `wasi:http`) and `wasi:logging`, the host gives
//! test scripts `claw:test/http` ([`http`]), which sends requests to the
//! `wasi:http/incoming-handler` of a component under test.

mod compose;
mod generate;
pub mod http;

pub use compose::{ComposeError, Piece, compose, host_provides};
pub use generate::{generate, minimize, shrink};

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use wasmtime::component::types::ComponentItem;
use wasmtime::component::{Component, ComponentExportIndex, InstancePre, Linker, Type, Val};
use wasmtime::{Config, Enabled, Engine, InstanceAllocationStrategy, PoolingAllocationConfig, Store, Trap};

use crate::epoch::{Ticker, ticks};
use crate::{Host, RunError, RunOptions, host, imports, to_anyhow};

/// How many runs shrinking a failing property test may take.
const SHRINK_BUDGET: u32 = 500;

/// How tests run.
#[derive(Clone, Debug)]
pub struct RunnerOptions {
    /// The longest a test (or one case of a property test) may run.
    pub timeout: Duration,
    /// The most bytes any one linear memory may grow to.
    pub memory_limit: usize,
    /// Environment variables the guest sees.
    pub env: Vec<(String, String)>,
    /// Host directories granted to the guest, with their guest paths.
    pub dirs: Vec<(std::path::PathBuf, String)>,
    /// How many generated inputs a property test runs.
    pub cases: u32,
    /// The seed of the generated inputs (each test mixes in its name).
    pub seed: u64,
    /// wasmtime's compilation cache: the composition's compiled code is read
    /// from it when an earlier run compiled the same bytes, and written to
    /// it otherwise. `None` compiles afresh.
    pub cache: Option<wasmtime::Cache>,
    /// Let `wasi:http/outgoing-handler` requests of the guests leave the
    /// process; when `false` each fails with `HTTP-request-denied`.
    pub allow_http: bool,
}

impl Default for RunnerOptions {
    /// 10 s, 256 MiB, nothing granted (no outgoing HTTP), 100 cases, seed
    /// 0, no cache.
    fn default() -> Self {
        RunnerOptions {
            timeout: Duration::from_secs(10),
            memory_limit: 256 << 20,
            env: Vec::new(),
            dirs: Vec::new(),
            cases: 100,
            seed: 0,
            cache: None,
            allow_http: false,
        }
    }
}

/// A test to run: the composition's export and whether it must trap.
#[derive(Clone, Debug)]
pub struct TestSpec {
    /// The name of the test (mixed into a property test's seed).
    pub name: String,
    /// The exported function that runs it.
    pub export: String,
    /// An argument for `export`: the test's index when `export` runs one of
    /// several tests (`claw_compiler::testing::RUN_TEST_EXPORT`). `None`
    /// when `export` is the test itself: called without arguments, or with
    /// generated ones for a property test (an export with parameters).
    pub index: Option<u32>,
    /// The test passes only if it traps.
    pub traps: bool,
}

/// Why a test failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Failure {
    /// The test returned `err` with this text (an `assert` or a `?`; see
    /// `claw_compiler::check::FAILURE_FORMAT`).
    Assertion(String),
    /// The guest trapped (the message is wasmtime's).
    Trap(String),
    /// It ran longer than the timeout.
    Timeout(Duration),
    /// A memory tried to grow past the limit (in bytes).
    OutOfMemory(usize),
    /// A `traps` test returned normally.
    DidNotTrap,
    /// The test could not be started (a bad export, or generating its
    /// inputs failed).
    Setup(String),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Assertion(text) => f.write_str(text),
            Failure::Trap(message) => write!(f, "trapped: {message}"),
            Failure::Timeout(limit) => write!(f, "timed out after {} ms", limit.as_millis()),
            Failure::OutOfMemory(limit) => {
                write!(f, "ran out of memory: a linear memory tried to grow past the limit of {} MiB", limit >> 20)
            }
            Failure::DidNotTrap => f.write_str("the test was expected to trap, but it returned normally"),
            Failure::Setup(message) => f.write_str(message),
        }
    }
}

/// The result of one test.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// `None` when the test passed.
    pub failure: Option<Failure>,
    /// What the guest wrote to stdout (of the failing run, for a failed
    /// property test).
    pub stdout: String,
    /// What the guest wrote to stderr.
    pub stderr: String,
    /// Wall time, all cases included.
    pub duration: Duration,
    /// How many inputs a property test ran (0 for a plain test).
    pub cases: u32,
    /// A failing property test's smallest failing input: `(parameter,
    /// WAVE)` pairs.
    pub input: Vec<(String, String)>,
    /// The seed a property test used.
    pub seed: Option<u64>,
}

impl Outcome {
    /// Whether the test passed.
    pub fn passed(&self) -> bool {
        self.failure.is_none()
    }
}

/// A composition compiled and pre-instantiated, ready to run tests.
///
/// `Send + Sync`: share it between threads and call [`Runner::run`] from
/// each.
pub struct Runner {
    engine: Engine,
    pre: InstancePre<Host>,
    options: RunnerOptions,
    /// What every run's store grants (from `options`).
    run_options: RunOptions,
    /// Each export's parameters (name and type) and its index, for finding
    /// it in an instance without a lookup by name.
    exports: HashMap<String, Export>,
    /// `handle` of the exported `wasi:http/incoming-handler`, if any.
    handler: Option<ComponentExportIndex>,
    /// Whether instances come from the pooling allocator.
    pooled: bool,
    /// How many runs are instantiating or running right now.
    in_flight: AtomicUsize,
    /// Advances the engine's epoch while the runner lives.
    _ticker: Ticker,
}

/// An exported function of the composition.
struct Export {
    params: Vec<(String, Type)>,
    index: ComponentExportIndex,
}

/// One call's result and what the guest printed.
struct Run {
    result: Result<Option<String>, Failure>,
    stdout: String,
    stderr: String,
}

/// How many instances of each kind (component instances, core instances,
/// linear memories, tables) the pool holds at once, across all the runs in
/// flight. A test of a composition of a few components uses a handful of
/// each; when runs on many threads need more, a run waits for a slot (see
/// [`Runner::call`]). The pool reserves address space, not memory: each
/// memory slot is [`POOL_MEMORY_SIZE`] plus guard pages.
const POOL_SLOTS: u32 = 1000;

/// The largest linear memory a pooled instance may have: 4 GiB, the most a
/// 32-bit memory can address. The test's own limit
/// ([`RunnerOptions::memory_limit`]) is enforced below it by the store's
/// limiter.
const POOL_MEMORY_SIZE: usize = 1 << 32;

/// How much of a freed linear memory is kept resident and reset in place
/// for the next test (a fourth of it for tables). Measured on one trivial
/// property test, 20,000 cases: 33-38 us a case with 1-4 MiB, 49-64 us
/// without (2026-12-02, two cores).
const POOL_KEEP_RESIDENT: usize = 4 << 20;

/// How long a run waits, in all, for a free slot in the pool before it is
/// reported as failed.
const POOL_WAIT: Duration = Duration::from_secs(10);

impl Runner {
    /// Compiles `composed` (a component, e.g. from [`compose`]) once and
    /// links it against WASI 0.2, `wasi:http` 0.2, `wasi:logging` and
    /// `claw:test/http`.
    ///
    /// The engine allocates instances from a pool (wasmtime's pooling
    /// instance allocator, with copy-on-write memory images), so that the
    /// fresh instances of every test cost little; a component whose needs
    /// exceed the pool's per-instance limits (more than 64 memories, tables
    /// beyond a million elements, ...), or a host where the pool's address
    /// space cannot be reserved, gets an engine that allocates on demand
    /// instead. With [`RunnerOptions::cache`], the compiled code is taken
    /// from and saved to the cache.
    ///
    /// # Errors
    /// [`RunError::Load`] for bytes that are not a valid component;
    /// [`RunError::Link`] (listing them) when imports are left that the host
    /// does not provide.
    pub fn new(composed: &[u8], options: RunnerOptions) -> Result<Runner, RunError> {
        crate::check_header(composed)?;
        let pooled = engine(&options, true)
            .and_then(|engine| Component::new(&engine, composed).map(|component| (engine, component)));
        let (engine, component, pooled) = match pooled {
            Ok((engine, component)) => (engine, component, true),
            Err(_) => {
                let engine = engine(&options, false).map_err(|e| RunError::Other(format!("{:#}", to_anyhow(e))))?;
                let component = Component::new(&engine, composed).map_err(|e| RunError::Load(format!("{e:#}")))?;
                (engine, component, false)
            }
        };
        let mut linker: Linker<Host> = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker).map_err(|e| RunError::Other(e.to_string()))?;
        wasmtime_wasi_http::p2::add_only_http_to_linker_sync(&mut linker)
            .map_err(|e| RunError::Other(e.to_string()))?;
        host::add_logging(&mut linker).map_err(|e| RunError::Other(e.to_string()))?;
        http::add_to_linker(&mut linker).map_err(|e| RunError::Other(e.to_string()))?;
        let pre = linker.instantiate_pre(&component).map_err(|e| RunError::Link {
            missing: imports::missing_imports(&linker, &component),
            detail: format!("{e:#}"),
        })?;
        let mut exports = HashMap::new();
        let mut handler = None;
        for (name, item) in component.component_type().exports(&engine) {
            match item.ty {
                ComponentItem::ComponentFunc(f) => {
                    if let Some(index) = component.get_export_index(None, name) {
                        let params = f.params().map(|(n, t)| (n.to_string(), t)).collect();
                        exports.insert(name.to_string(), Export { params, index });
                    }
                }
                ComponentItem::ComponentInstance(_) if compose::is_incoming_handler(name) && handler.is_none() => {
                    handler = component
                        .get_export_index(None, name)
                        .and_then(|instance| component.get_export_index(Some(&instance), "handle"));
                }
                _ => {}
            }
        }
        let ticker = Ticker::start(&engine, "claw-test-epoch")
            .map_err(|e| RunError::Other(format!("cannot start the timeout thread: {e}")))?;
        let run_options = RunOptions {
            env: options.env.clone(),
            dirs: options.dirs.clone(),
            memory_limit: Some(options.memory_limit),
            allow_http: options.allow_http,
            ..RunOptions::default()
        };
        Ok(Runner {
            engine,
            pre,
            options,
            run_options,
            exports,
            handler,
            pooled,
            in_flight: AtomicUsize::new(0),
            _ticker: ticker,
        })
    }

    /// Whether fresh instances come from wasmtime's pooling allocator (the
    /// fast path; see [`Runner::new`]) rather than being allocated on
    /// demand.
    pub fn pooled(&self) -> bool {
        self.pooled
    }

    /// The names of the composition's exported functions.
    pub fn exports(&self) -> Vec<String> {
        let mut names: Vec<String> = self.exports.keys().cloned().collect();
        names.sort();
        names
    }

    /// Runs one test in fresh instances. A property test (an export with
    /// parameters) runs [`RunnerOptions::cases`] generated inputs, each in
    /// fresh instances, and shrinks the first failing one.
    pub fn run(&self, test: &TestSpec) -> Outcome {
        let start = Instant::now();
        let Some(Export { params, index }) = self.exports.get(&test.export) else {
            return Outcome {
                failure: Some(Failure::Setup(format!("the composition does not export `{}`", test.export))),
                stdout: String::new(),
                stderr: String::new(),
                duration: start.elapsed(),
                cases: 0,
                input: Vec::new(),
                seed: None,
            };
        };
        if params.is_empty() || test.index.is_some() {
            let args: Vec<Val> = test.index.map(Val::U32).into_iter().collect();
            let run = self.call(test, index, &args);
            return Outcome {
                failure: verdict(test, run.result),
                stdout: run.stdout,
                stderr: run.stderr,
                duration: start.elapsed(),
                cases: 0,
                input: Vec::new(),
                seed: None,
            };
        }
        self.property(test, params, index, start)
    }

    fn property(
        &self,
        test: &TestSpec,
        params: &[(String, Type)],
        index: &ComponentExportIndex,
        start: Instant,
    ) -> Outcome {
        let seed = self.options.seed;
        let mut rng = fastrand::Rng::with_seed(seed ^ fnv(&test.name));
        let types: Vec<Type> = params.iter().map(|(_, t)| t.clone()).collect();
        let cases = self.options.cases.max(1);
        let mut outcome = Outcome {
            failure: None,
            stdout: String::new(),
            stderr: String::new(),
            duration: Duration::ZERO,
            cases: 0,
            input: Vec::new(),
            seed: Some(seed),
        };
        for case in 0..cases {
            let size = if cases == 1 { 100 } else { case * 100 / (cases - 1) };
            let mut args = Vec::new();
            for (name, ty) in params {
                match generate(ty, &mut rng, size) {
                    Ok(v) => args.push(v),
                    Err(e) => {
                        outcome.failure = Some(Failure::Setup(format!("parameter `{name}`: {e}")));
                        outcome.duration = start.elapsed();
                        return outcome;
                    }
                }
            }
            outcome.cases = case + 1;
            let run = self.call(test, index, &args);
            if verdict(test, run.result).is_none() {
                continue;
            }
            // Shrink, then run the smallest input once more for its report.
            let (smallest, _) = minimize(args, &types, SHRINK_BUDGET, |candidate| {
                verdict(test, self.call(test, index, candidate).result).is_some()
            });
            let run = self.call(test, index, &smallest);
            outcome.failure = verdict(test, run.result);
            if outcome.failure.is_none() {
                // Flaky: the input passed when run again; report it anyway.
                outcome.failure =
                    Some(Failure::Setup("the failing input passed when run again (is the test deterministic?)".into()));
            }
            outcome.stdout = run.stdout;
            outcome.stderr = run.stderr;
            outcome.input = params
                .iter()
                .zip(&smallest)
                .map(|((name, _), v)| (name.clone(), crate::to_wave(v).unwrap_or_else(|e| format!("<{e}>"))))
                .collect();
            break;
        }
        outcome.duration = start.elapsed();
        outcome
    }

    /// Instantiates the composition in a fresh store and calls `test`'s
    /// export (`index`) with `args`: `Ok(None)` for `ok`, `Ok(Some(text))`
    /// for `err(text)`, or why the call did not return.
    ///
    /// When the pool has no free slot because runs on other threads hold
    /// them (only with very many threads), the store is dropped before the
    /// test runs and the run waits and starts again in a fresh store, for at
    /// most [`POOL_WAIT`].
    fn call(&self, test: &TestSpec, index: &ComponentExportIndex, args: &[Val]) -> Run {
        let waited = Instant::now();
        let mut pause = Duration::from_micros(50);
        loop {
            self.in_flight.fetch_add(1, Ordering::SeqCst);
            let mut store = self.store();
            let result = self.call_in(&mut store, &test.export, index, args);
            let others = self.in_flight.fetch_sub(1, Ordering::SeqCst) > 1;
            if let Err(Start::Pool(_)) = &result
                && others
                && waited.elapsed() < POOL_WAIT
            {
                drop(store);
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(10));
                continue;
            }
            let result = result.map_err(|e| match e {
                Start::Pool(e) | Start::Call(e) => self.classify(&store, &e),
            });
            let host = store.data();
            return Run {
                result,
                stdout: host.captured_stdout().unwrap_or_default(),
                stderr: host.captured_stderr().unwrap_or_default(),
            };
        }
    }

    /// A fresh store for one run: WASI as the options grant, the memory
    /// limit, and the timeout as an epoch deadline.
    fn store(&self) -> Store<Host> {
        let mut store = Store::new(&self.engine, Host::new(&self.run_options));
        store.limiter(|host| &mut host.memory);
        store.set_epoch_deadline(ticks(self.options.timeout));
        store.epoch_deadline_trap();
        store
    }

    fn call_in(
        &self,
        store: &mut Store<Host>,
        export: &str,
        index: &ComponentExportIndex,
        args: &[Val],
    ) -> Result<Option<String>, Start> {
        let instance = self.pre.instantiate(&mut *store).map_err(|e| {
            if e.downcast_ref::<wasmtime::PoolConcurrencyLimitError>().is_some() {
                Start::Pool(e)
            } else {
                Start::Call(e)
            }
        })?;
        let func = instance
            .get_func(&mut *store, index)
            .ok_or_else(|| Start::Call(wasmtime::Error::msg(format!("the composition does not export `{export}`"))))?;
        if let Some(handle) = self.handler.as_ref().and_then(|h| instance.get_func(&mut *store, h)) {
            store.data_mut().http_target =
                Some(http::Target { handle, wait: self.options.timeout, trapped: false, sent: 0 });
        }
        let mut results = [Val::Bool(false)];
        func.call(&mut *store, args, &mut results).map_err(Start::Call)?;
        match &results[0] {
            Val::Result(Ok(_)) => Ok(None),
            Val::Result(Err(Some(text))) => match &**text {
                Val::String(text) => Ok(Some(text.clone())),
                other => Ok(Some(format!("{other:?}"))),
            },
            Val::Result(Err(None)) => Ok(Some("the test failed".into())),
            other => {
                Err(Start::Call(wasmtime::Error::msg(format!("a test must return `result<_, string>`, not {other:?}"))))
            }
        }
    }

    fn classify(&self, store: &Store<Host>, e: &wasmtime::Error) -> Failure {
        if e.downcast_ref::<Trap>() == Some(&Trap::Interrupt) {
            return Failure::Timeout(self.options.timeout);
        }
        if store.data().memory_limit_hit() {
            return Failure::OutOfMemory(self.options.memory_limit);
        }
        match RunError::from_execution(e) {
            RunError::Exit(status) => Failure::Trap(format!("the component exited with status {status}")),
            other => Failure::Trap(other.to_string()),
        }
    }
}

/// Why a run did not return.
enum Start {
    /// The pool had no free slot for an instance.
    Pool(wasmtime::Error),
    /// Instantiation or the call failed (a trap, a timeout, ...).
    Call(wasmtime::Error),
}

/// The engine for a test run: the component model, epoch interruption (for
/// timeouts), the cache if any, and with `pooled` the pooling instance
/// allocator (see [`POOL_SLOTS`]).
fn engine(options: &RunnerOptions, pooled: bool) -> wasmtime::Result<Engine> {
    let mut config = Config::new();
    config.wasm_component_model(true);
    config.epoch_interruption(true);
    config.cache(options.cache.clone());
    if pooled {
        let mut pool = PoolingAllocationConfig::new();
        pool.total_component_instances(POOL_SLOTS)
            .total_core_instances(POOL_SLOTS)
            .total_memories(POOL_SLOTS)
            .total_tables(POOL_SLOTS)
            .max_memory_size(POOL_MEMORY_SIZE)
            .max_memories_per_module(64)
            .max_tables_per_module(64)
            .table_elements(1 << 20)
            .max_core_instance_size(64 << 20)
            .max_component_instance_size(256 << 20)
            // A freed slot stays mapped: the pages a test wrote (found with
            // Linux's PAGEMAP_SCAN where the kernel has it, 6.7 and later)
            // are reset in place, up to these sizes, instead of being
            // unmapped and faulted in again by the next test.
            .linear_memory_keep_resident(POOL_KEEP_RESIDENT)
            .table_keep_resident(POOL_KEEP_RESIDENT / 4)
            .pagemap_scan(Enabled::Auto);
        config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    }
    Engine::new(&config)
}

/// Whether a run meets the test's expectation (`None`) or how it fails.
fn verdict(test: &TestSpec, result: Result<Option<String>, Failure>) -> Option<Failure> {
    match (test.traps, result) {
        (false, Ok(None)) => None,
        (_, Ok(Some(text))) => Some(Failure::Assertion(text)),
        (true, Ok(None)) => Some(Failure::DidNotTrap),
        (true, Err(Failure::Trap(_))) => None,
        (_, Err(failure)) => Some(failure),
    }
}

/// FNV-1a of a test's name, mixed into the seed so that tests draw
/// different inputs from one `--seed`.
fn fnv(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}
