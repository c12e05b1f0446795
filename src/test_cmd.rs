//! `clawc test`: finds test files, reads the WIT inside the components under
//! test, compiles each file (`claw_compiler::testing`), composes and runs it
//! (`claw_runtime::testing`) and reports.

use crate::cache::CompileCache;
use crate::grants::{GrantArgs, Grants};
use crate::progress::Compiling;
use crate::report::{self, Reported};
use crate::{EXIT_FAILURE, EXIT_SUCCESS, EXIT_USAGE, MessageFormat, WitArgs, print_error};
use claw_compiler::testing::{TestCase, TestSuite};
use claw_compiler::{Diagnostic, Resolve, Span};
use claw_runtime::testing::{ComposeError, Outcome, Piece, Runner, RunnerOptions, TestSpec, compose};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// `println!` that ends the process quietly (with status 1) when stdout is
/// closed, as when the report is piped into `head`, instead of panicking.
macro_rules! say {
    ($($arg:tt)*) => {{
        let mut out = std::io::stdout().lock();
        if writeln!(out, $($arg)*).is_err() {
            std::process::exit(i32::from(EXIT_FAILURE));
        }
    }};
}

/// The formats of `clawc test`'s report.
#[derive(clap::ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ReportFormat {
    /// A line per test, then the failures' details and a summary line, on
    /// stdout (like `cargo test`).
    #[default]
    Human,
    /// One JSON event per line on stdout: suites started and finished,
    /// tests finished (with their failures), tests listed.
    Json,
}

/// The options of `clawc test`, parsed.
#[derive(clap::Args, Debug, Clone)]
pub struct TestArgs {
    /// Test files, or directories searched for `*.test.claw` files
    /// [default: the current directory].
    pub paths: Vec<PathBuf>,
    /// A component under test (.wasm). Its WIT is read from it; the test
    /// files' imports are checked against its exports and wired to them.
    /// May be repeated. A test file may also name components itself with
    /// `test component "path.wasm";` (relative to the file).
    #[arg(long = "component", value_name = "FILE.wasm")]
    pub components: Vec<PathBuf>,
    /// Run only the tests whose name contains TEXT.
    #[arg(long, value_name = "TEXT")]
    pub filter: Option<String>,
    /// List the tests instead of running them.
    #[arg(long)]
    pub list: bool,
    /// How many tests run at once [default: the number of cores].
    #[arg(long, short = 'j', value_name = "N")]
    pub jobs: Option<usize>,
    /// The report's format (compile errors follow it too: rendered on
    /// stderr, or JSON objects on stdout).
    #[arg(long, value_enum, default_value_t = ReportFormat::Human)]
    pub format: ReportFormat,
    /// Also write a JUnit XML report to FILE.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// The longest one test (or one case of a property test) may run:
    /// seconds, or a number with `ms` or `s` (`500ms`, `2s`).
    #[arg(long, value_name = "TIME", default_value = "10s", value_parser = parse_duration)]
    pub timeout: Duration,
    /// The most memory one linear memory may grow to, in MiB.
    #[arg(long, value_name = "MIB", default_value_t = 256)]
    pub memory_limit: usize,
    /// What the tests are granted.
    #[command(flatten)]
    pub grants: GrantArgs,
    /// Let the components' outgoing HTTP requests (`wasi:http/outgoing-handler`,
    /// `fetch` in JavaScript) leave the machine. Without it each fails with
    /// the error code `HTTP-request-denied`.
    #[arg(long)]
    pub allow_http: bool,
    /// The seed of property tests' generated inputs [default: random, and
    /// printed].
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
    /// How many inputs each property test runs.
    #[arg(long, value_name = "N", default_value_t = 100)]
    pub cases: u32,
    /// Compile without the compilation cache: neither read compiled code
    /// from it nor write any to it.
    #[arg(long)]
    pub no_cache: bool,
    /// Debugging mode for the generated code's memory (for tests of the
    /// compiler): reclaimed memory is filled with 0xDE and a double free
    /// traps. Slower.
    #[arg(long)]
    pub debug_memory: bool,
    /// WIT packages to add.
    #[command(flatten)]
    pub wit: WitArgs,
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

pub(crate) fn parse_duration(text: &str) -> Result<Duration, String> {
    let bad = || format!("`{text}` is not a duration (write seconds, or `500ms`, `2s`)");
    let (number, scale) = if let Some(ms) = text.strip_suffix("ms") {
        (ms, 0.001)
    } else if let Some(s) = text.strip_suffix('s') {
        (s, 1.0)
    } else {
        (text, 1.0)
    };
    let value: f64 = number.trim().parse().map_err(|_| bad())?;
    if !value.is_finite() || value <= 0.0 {
        return Err(bad());
    }
    Ok(Duration::from_secs_f64(value * scale))
}

/// One test file, compiled and ready to run (or the exit code it failed with).
struct Prepared {
    suite: TestSuite,
    runner: Runner,
    /// Time spent compiling the script and mocks, composing, and compiling
    /// the composition with wasmtime.
    phases: [Duration; 3],
}

/// Runs `clawc test`; returns the exit code (0 all passed, 1 a test failed,
/// 2 usage or compile errors).
pub fn run(args: &TestArgs, color: bool) -> u8 {
    let mut options = match runner_options(args) {
        Ok(o) => o,
        Err(e) => {
            print_error(e);
            return EXIT_USAGE;
        }
    };
    let files = match find_files(&args.paths) {
        Ok(f) if f.is_empty() => {
            print_error("no test files found (test files end in `.test.claw`; pass files or directories)");
            return EXIT_USAGE;
        }
        Ok(f) => f,
        Err(e) => {
            print_error(e);
            return EXIT_USAGE;
        }
    };
    let json = args.format == ReportFormat::Json;
    let cache = CompileCache::open(args.no_cache);
    options.cache = cache.as_ref().map(CompileCache::wasmtime);
    let mut worst = EXIT_SUCCESS;
    let mut junit = Vec::new();
    let mut results: Vec<(String, Vec<(TestCase, Outcome)>)> = Vec::new();
    let started = Instant::now();
    // Files that could not be compiled (already reported), for the summary
    // and the JUnit report.
    let mut broken: Vec<String> = Vec::new();
    for file in &files {
        let compile_start = Instant::now();
        let prepared = match prepare(file, args, &options, cache.as_ref(), json) {
            Ok(p) => p,
            Err(code) => {
                worst = worst.max(code);
                broken.push(file.display().to_string());
                continue;
            }
        };
        let compile_time = compile_start.elapsed();
        let tests: Vec<&TestCase> = prepared
            .suite
            .tests
            .iter()
            .filter(|t| args.filter.as_ref().is_none_or(|f| t.name.contains(f.as_str())))
            .collect();
        let filtered = prepared.suite.tests.len() - tests.len();
        let name = file.display().to_string();
        if args.list {
            for t in &tests {
                if json {
                    say!(
                        "{}",
                        serde_json::json!({"type": "test", "event": "discovered", "name": t.name, "file": name, "line": t.line})
                    );
                } else {
                    say!("{name}: {}", t.name);
                }
            }
            continue;
        }
        if json {
            say!(
                "{}",
                serde_json::json!({
                    "type": "suite",
                    "event": "started",
                    "file": name,
                    "tests": tests.len(),
                    "seed": options.seed,
                    "compile_ms": ms(compile_time),
                    "phases_ms": {
                        "claw": ms(prepared.phases[0]),
                        "compose": ms(prepared.phases[1]),
                        "wasmtime": ms(prepared.phases[2]),
                    },
                })
            );
        } else {
            let plural = if tests.len() == 1 { "test" } else { "tests" };
            let seed = if tests.iter().any(|t| !t.params.is_empty()) {
                format!("; property seed {}", options.seed)
            } else {
                String::new()
            };
            say!(
                "\nrunning {} {plural} from {name} (compiled in {:.2}s{seed})",
                tests.len(),
                compile_time.as_secs_f64()
            );
        }
        let run_start = Instant::now();
        let mut outcomes: Vec<(TestCase, Outcome)> = Vec::new();
        run_parallel(&prepared.runner, &tests, args.jobs, |test, outcome| {
            let reported = Reported { name: &test.name, file: &name, line: test.line, outcome: &outcome };
            if json {
                say!("{}", report::test_json(&reported));
            } else {
                say!("{}", report::test_line(&reported, color));
            }
            if std::io::stdout().flush().is_err() {
                std::process::exit(i32::from(EXIT_FAILURE));
            }
            outcomes.push((test.clone(), outcome));
        });
        let failed = outcomes.iter().filter(|(_, o)| !o.passed()).count();
        let passed = outcomes.len() - failed;
        if json {
            say!(
                "{}",
                serde_json::json!({"type": "suite", "event": if failed == 0 { "ok" } else { "failed" }, "file": name, "passed": passed, "failed": failed, "filtered_out": filtered, "duration_ms": run_start.elapsed().as_secs_f64() * 1000.0})
            );
        } else {
            if failed > 0 {
                say!("\nfailures:\n");
                for (t, o) in outcomes.iter().filter(|(_, o)| !o.passed()) {
                    let r = Reported { name: &t.name, file: &name, line: t.line, outcome: o };
                    say!("{}", report::failure_details(&r));
                }
                say!("failures:");
                for (t, _) in outcomes.iter().filter(|(_, o)| !o.passed()) {
                    say!("    {}", t.name);
                }
                say!();
            }
            say!("{}", report::summary_line(passed, failed, filtered, run_start.elapsed(), color));
        }
        if failed > 0 {
            worst = worst.max(EXIT_FAILURE);
        }
        results.push((name, outcomes));
    }
    if let Some(path) = &args.junit {
        for (name, outcomes) in &results {
            let tests: Vec<Reported<'_>> = outcomes
                .iter()
                .map(|(t, o)| Reported { name: &t.name, file: name, line: t.line, outcome: o })
                .collect();
            junit.push((name.clone(), tests));
        }
        if let Err(e) = crate::write_atomically(path, report::junit(&junit, &broken).as_bytes()) {
            print_error(e);
            worst = worst.max(EXIT_USAGE);
        }
    }
    if files.len() > 1 && !args.list && !json {
        let failed: usize = results.iter().map(|(_, o)| o.iter().filter(|(_, o)| !o.passed()).count()).sum();
        let total: usize = results.iter().map(|(_, o)| o.len()).sum();
        let broken = match broken.len() {
            0 => String::new(),
            1 => "; 1 file could not be compiled".to_string(),
            n => format!("; {n} files could not be compiled"),
        };
        say!(
            "\n{} files: {} passed, {failed} failed{broken}; finished in {:.2}s",
            files.len(),
            total - failed,
            started.elapsed().as_secs_f64()
        );
    }
    worst
}

/// Runs `tests` on `jobs` threads and calls `done` for each outcome in the
/// tests' order (as soon as it and every earlier one are done).
fn run_parallel(runner: &Runner, tests: &[&TestCase], jobs: Option<usize>, mut done: impl FnMut(&TestCase, Outcome)) {
    let jobs = jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1))
        .clamp(1, tests.len().max(1));
    let next = std::sync::atomic::AtomicUsize::new(0);
    let (send, receive) = std::sync::mpsc::channel::<(usize, Outcome)>();
    std::thread::scope(|scope| {
        for _ in 0..jobs {
            let send = send.clone();
            let next = &next;
            scope.spawn(move || {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(test) = tests.get(i) else { break };
                    let spec = TestSpec {
                        name: test.name.clone(),
                        export: test.export.clone(),
                        index: test.index,
                        traps: test.traps,
                    };
                    if send.send((i, runner.run(&spec))).is_err() {
                        break;
                    }
                }
            });
        }
        drop(send);
        let mut pending: Vec<Option<Outcome>> = (0..tests.len()).map(|_| None).collect();
        let mut printed = 0;
        for (i, outcome) in receive {
            pending[i] = Some(outcome);
            while printed < tests.len()
                && let Some(outcome) = pending[printed].take()
            {
                done(tests[printed], outcome);
                printed += 1;
            }
        }
    });
}

fn runner_options(args: &TestArgs) -> Result<RunnerOptions, String> {
    let Grants { dirs, env } = args.grants.resolve()?;
    if args.memory_limit == 0 {
        return Err("--memory-limit must be at least 1 MiB".into());
    }
    let seed = args.seed.unwrap_or_else(clock_seed);
    Ok(RunnerOptions {
        timeout: args.timeout,
        memory_limit: args.memory_limit.saturating_mul(1 << 20),
        env,
        dirs,
        cases: args.cases.max(1),
        seed,
        cache: None,
        allow_http: args.allow_http,
    })
}

/// A seed from the clock, when `--seed` is not given.
fn clock_seed() -> u64 {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    (nanos as u64) % 1_000_000
}

/// The test files among `paths` (directories searched recursively for
/// `*.test.claw`, skipping hidden directories and `target`), sorted.
fn find_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let roots = if paths.is_empty() { vec![PathBuf::from(".")] } else { paths.to_vec() };
    let mut out = Vec::new();
    for root in roots {
        if root.is_file() {
            out.push(root);
        } else if root.is_dir() {
            walk(&root, &mut out).map_err(|e| format!("cannot read {}: {e}", root.display()))?;
        } else {
            return Err(format!("{}: no such file or directory", root.display()));
        }
    }
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for path in entries {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if path.is_dir() {
            if !name.starts_with('.') && name != "target" && name != "node_modules" {
                walk(&path, out)?;
            }
        } else if name.ends_with(".test.claw") {
            out.push(path);
        }
    }
    Ok(())
}

/// Prints compile errors: rendered on stderr, or as JSON events
/// (`"type": "diagnostic"`, the fields of `clawc check --message-format
/// json`) on stdout.
struct Reporter {
    json: bool,
}

impl Reporter {
    fn report(&self, path: &Path, source: &str, diagnostics: &[Diagnostic]) {
        if self.json {
            for d in diagnostics {
                let mut event = crate::render::to_json(d, &path.display().to_string(), source);
                event["type"] = "diagnostic".into();
                say!("{event}");
            }
        } else {
            crate::Driver { color: crate::stderr_color(), format: MessageFormat::Human, options: Default::default() }
                .report(path, source, diagnostics);
        }
    }
}

/// Reads, compiles and composes one test file, and compiles the composition
/// with wasmtime (through the cache, if any; with a spinner on a terminal
/// while that takes long).
fn prepare(
    file: &Path,
    args: &TestArgs,
    options: &RunnerOptions,
    cache: Option<&CompileCache>,
    json: bool,
) -> Result<Prepared, u8> {
    let driver = Reporter { json };
    let source = crate::read_source(file).map_err(|e| {
        print_error(e);
        EXIT_USAGE
    })?;
    let crate::Context { project, mut resolve, .. } = crate::load_context(file, &args.wit).map_err(|e| {
        print_error(e);
        EXIT_USAGE
    })?;
    if let Some(dir) = project.as_ref().and_then(|p| p.test.components.as_ref())
        && !dir.value.is_dir()
    {
        let file = crate::shown(&project.as_ref().map(|p| p.file.clone()).unwrap_or_default());
        print_error(format!(
            "{}:{}:{}: `test.components` \"{}\": no such directory ({})",
            file.display(),
            dir.location.line,
            dir.location.column,
            dir.written.escape_debug(),
            crate::shown(&dir.value).display()
        ));
        return Err(EXIT_USAGE);
    }
    let (named, errors) = claw_compiler::testing::component_paths(&source);
    if errors.iter().any(|d| d.severity == claw_compiler::Severity::Error) {
        driver.report(file, &source, &errors);
        return Err(EXIT_USAGE);
    }
    // The components: from the command line, then those the file names
    // (relative to the file, else in the project's `[test] components`).
    // Each with where else it was looked for.
    let mut components: Vec<(PathBuf, Option<Span>, Vec<PathBuf>)> =
        args.components.iter().map(|p| (p.clone(), None, Vec::new())).collect();
    for named in &named {
        // The first is relative to the test file as given; the project's
        // (absolute) directory is shown relative to the current one.
        let mut candidates = claw_project::component_candidates(project.as_ref(), file, &named.path);
        for candidate in candidates.iter_mut().skip(1) {
            *candidate = crate::shown(candidate);
        }
        let found = candidates.iter().position(|c| c.is_file()).unwrap_or(0);
        let path = candidates.remove(found);
        components.push((path, Some(named.span), candidates));
    }
    let mut pieces = Vec::new();
    let mut exported_funcs: Vec<(String, String, String)> = Vec::new();
    for (path, span, elsewhere) in &components {
        // A Claw source is compiled in memory (with its own project's WIT), as `clawc run` does.
        let read = if path.extension().is_some_and(|e| e == "claw") && path.is_file() {
            let driver = crate::Driver {
                color: crate::stderr_color(),
                format: MessageFormat::Human,
                options: claw_compiler::CompileOptions { debug_memory: args.debug_memory, ..Default::default() },
            };
            // Its diagnostics and "could not compile" line are printed already; for
            // `clawc test` a compile error is exit 2, as in the test file itself.
            Ok(driver.component_bytes(path, &args.wit).map_err(|_| EXIT_USAGE)?)
        } else {
            std::fs::read(path)
        };
        let bytes = match read {
            Ok(b) => b,
            Err(e) => {
                let message = format!("cannot read component {}: {e}", path.display());
                match span {
                    Some(span) => {
                        let mut d = Diagnostic::error("component-not-found", message, *span, "named here");
                        for other in elsewhere {
                            d = d.with_note(format!(
                                "nor is it in the project's `[test] components` directory ({})",
                                other.display()
                            ));
                        }
                        driver.report(file, &source, &[d]);
                    }
                    None => print_error(message),
                }
                return Err(EXIT_USAGE);
            }
        };
        if let Err(e) = claw_runtime::check_component_bytes(&bytes) {
            print_error(format!("{}: {e}", path.display()));
            return Err(EXIT_USAGE);
        }
        let (decoded, world) = match wit_component::decode(&bytes) {
            Ok(wit_component::DecodedWasm::Component(resolve, world)) => (resolve, world),
            Ok(wit_component::DecodedWasm::WitPackage(..)) => {
                print_error(format!("{} is a WIT package, not a component", path.display()));
                return Err(EXIT_USAGE);
            }
            Err(e) => {
                print_error(format!("{} is not a component whose WIT can be read: {e:#}", path.display()));
                return Err(EXIT_USAGE);
            }
        };
        for (key, item) in &decoded.worlds[world].exports {
            if let (wit_parser::WorldKey::Name(name), wit_parser::WorldItem::Function(f)) = (key, item) {
                exported_funcs.push((name.clone(), signature(&decoded, f), path.display().to_string()));
            }
        }
        if let Err(e) = resolve.merge(decoded) {
            print_error(format!("{}: its WIT conflicts with the known WIT packages: {e:#}", path.display()));
            return Err(EXIT_USAGE);
        }
        pieces.push(Piece { label: path.display().to_string(), bytes });
    }
    let world_name = crate::world_name_for(file);
    let started = Instant::now();
    let suite = match claw_compiler::testing::compile_tests_with(
        &source,
        &world_name,
        &resolve,
        claw_compiler::CompileOptions { debug_memory: args.debug_memory, ..Default::default() },
    ) {
        Ok(s) => s,
        Err(diagnostics) => {
            driver.report(file, &source, &diagnostics);
            return Err(EXIT_USAGE);
        }
    };
    let mismatches = import_mismatches(&source, &suite, &exported_funcs);
    if !mismatches.is_empty() {
        driver.report(file, &source, &mismatches);
        return Err(EXIT_USAGE);
    }
    let compiled = started.elapsed();
    let script = Piece { label: format!("{} (the test script)", file.display()), bytes: suite.script.clone() };
    let mocks: Vec<Piece> = suite
        .mocks
        .iter()
        .map(|m| Piece { label: format!("the mock of {}", m.interface), bytes: m.component.clone() })
        .collect();
    let composed = match compose(&script, &pieces, &mocks) {
        Ok(c) => c,
        Err(ComposeError::Unsatisfied(list)) => {
            print_error(format!("{}: {}", file.display(), ComposeError::Unsatisfied(list)));
            return Err(EXIT_USAGE);
        }
        Err(e) => {
            print_error(format!("{}: cannot wire the test to its components: {e}", file.display()));
            return Err(EXIT_USAGE);
        }
    };
    let composed_at = started.elapsed();
    let mark = cache.map(CompileCache::mark);
    let spinner = Compiling::start(format!("{} and its components", file.display()), composed.len(), !json);
    let runner = Runner::new(&composed, options.clone());
    drop(spinner);
    let runner = runner.map_err(|e| {
        let hint = match &e {
            claw_runtime::RunError::Link { missing, .. } if !missing.is_empty() => {
                "\nprovide them with `mock ns:pkg/iface { ... }` in the test file, or with another `--component`"
            }
            _ => "",
        };
        print_error(format!("{}: {e}{hint}", file.display()));
        EXIT_USAGE
    })?;
    if let (Some(cache), Some(mark)) = (cache, mark) {
        cache.check_used(mark);
    }
    let phases = [compiled, composed_at - compiled, started.elapsed() - composed_at];
    Ok(Prepared { suite, runner, phases })
}

/// `func(a: u32) -> string`, a function's signature as WIT.
fn signature(resolve: &Resolve, f: &wit_parser::Function) -> String {
    let params: Vec<String> = f.params.iter().map(|p| format!("{}: {}", p.name, wit_type(resolve, &p.ty))).collect();
    match &f.result {
        Some(t) => format!("func({}) -> {}", params.join(", "), wit_type(resolve, t)),
        None => format!("func({})", params.join(", ")),
    }
}

/// A signature from [`signature`] without its parameter names.
fn without_names(signature: &str) -> String {
    let mut out = String::new();
    let mut depth = 0;
    let mut name = false;
    for c in signature.chars() {
        match c {
            '(' if depth == 0 => {
                depth = 1;
                name = true;
                out.push(c);
                continue;
            }
            '<' | '(' => depth += 1,
            '>' | ')' => {
                depth -= 1;
                if depth == 0 {
                    name = false;
                }
            }
            _ => {}
        }
        if depth == 1 && c == ',' {
            name = true;
            out.push(c);
            continue;
        }
        if name {
            if c == ':' {
                name = false;
            }
            continue;
        }
        out.push(c);
    }
    out
}

/// A type as WIT text, structurally (named types by their name).
fn wit_type(resolve: &Resolve, ty: &wit_parser::Type) -> String {
    claw_compiler::types::display_wit(resolve, ty)
}

/// The plain `import name: func(...)` of the script whose names a component
/// under test exports with another signature: each an error at the import
/// showing both.
fn import_mismatches(source: &str, suite: &TestSuite, exported: &[(String, String, String)]) -> Vec<Diagnostic> {
    let Ok(wit_component::DecodedWasm::Component(resolve, world)) = wit_component::decode(&suite.script) else {
        return Vec::new();
    };
    let parsed = claw_compiler::parser::parse(source);
    let mut out = Vec::new();
    for (key, item) in &resolve.worlds[world].imports {
        let (wit_parser::WorldKey::Name(name), wit_parser::WorldItem::Function(f)) = (key, item) else { continue };
        let Some((_, theirs, path)) = exported.iter().find(|(n, _, _)| n == name) else { continue };
        let ours = signature(&resolve, f);
        if &ours == theirs {
            continue;
        }
        let span = parsed
            .file
            .items
            .iter()
            .find_map(|i| match i {
                claw_compiler::ast::Item::Import(imp) if imp.name.name == *name => Some(imp.sig.span),
                _ => None,
            })
            .unwrap_or_default();
        let mut d = Diagnostic::error(
            "import-mismatch",
            format!("`{name}` does not match the component's export"),
            span,
            format!("imported here as `{ours}`"),
        )
        .with_note(format!("{path} exports `{name}: {theirs}`"));
        if without_names(&ours) == without_names(theirs) {
            d = d.with_note("parameter names are part of a component function's type, so they must match too");
        }
        out.push(d.with_help("change the import to the component's signature"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_without_names() {
        assert_eq!(
            without_names("func(a: u32, b: list<tuple<u8, s8>>) -> u32"),
            "func( u32, list<tuple<u8, s8>>) -> u32"
        );
        assert_eq!(
            without_names("func(x: u32, y: list<tuple<u8, s8>>) -> u32"),
            without_names("func(a: u32, b: list<tuple<u8, s8>>) -> u32")
        );
        assert_eq!(without_names("func()"), "func()");
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("2"), Ok(Duration::from_secs(2)));
        assert!(parse_duration("0s").is_err() && parse_duration("soon").is_err());
    }
}
