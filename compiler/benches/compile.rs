//! Compile-time benchmark: how fast `claw_compiler::compile` handles large programs.
//!
//! Run with
//!
//! ```text
//! cargo bench -p claw-compiler --bench compile                 # N = 1000 5000
//! cargo bench -p claw-compiler --bench compile -- 1000 5000 10000
//! CLAW_BENCH_N="1000 5000" cargo bench -p claw-compiler --bench compile
//! ```
//!
//! Each N generates a program of N exported functions (~10 lines each) in the
//! subset the earlier public Claw compiler (claw-cli 0.2.6) also accepts, the
//! same shape as `bench/gen_large.py` in the shared benchmark directory, so the
//! numbers are directly comparable with that compiler. See `bench/README.md`.
//!
//! `-- --stages` (or `CLAW_BENCH_STAGES=1`) also times each stage of the
//! pipeline separately (parse, check, add_world, codegen, encode, validate),
//! and the printing of the world's WIT that `Compiled::wit` does on demand.
//!
//! `-- --analysis` also times the editor queries on each program
//! (`claw_compiler::analysis`: `analyze`, then hover, completion and
//! signature help in the middle of the file), as the language server runs
//! them after every change.
//!
//! `-- --file path.claw` times `compile` on that file instead;
//! `-- --file a.claw --file b.claw --out dir` times several files and also
//! writes each compiled component (`dir/a.wasm`, ...) and its WIT
//! (`dir/a.wit`), to compare the output of two builds byte for byte.
//!
//! `-- --emit N` prints the generated program for N instead of timing it.
//!
//! `-- --tests 2000 10000` times `testing::compile_tests` on generated test
//! files of that many tests each (see [`generate_tests`]) instead, to check
//! that compiling a test file is linear in the number of its tests;
//! `-- --tests --emit N` prints such a file.
//!
//! This is a plain `fn main()` (no criterion) to keep CI build time low.

use std::time::{Duration, Instant};

/// The allocator `clawc` uses (src/main.rs), so the figures are what users get.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[path = "../../bench/gen_large.rs"]
mod gen_large;
use gen_large::generate;

/// Number of timed runs per measurement (after one untimed warm-up).
const RUNS: usize = 3;

/// Best and median of `RUNS` timed runs of `f`, after one warm-up run.
fn measure<T>(mut f: impl FnMut() -> T) -> (Duration, Duration, T) {
    let mut last = f();
    let mut times = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let start = Instant::now();
        last = std::hint::black_box(f());
        times.push(start.elapsed());
    }
    times.sort();
    (times[0], times[times.len() / 2], last)
}

/// Best-of-`RUNS` seconds for one stage (after a warm-up).
fn stage<T>(f: impl FnMut() -> T) -> (f64, T) {
    let (best, _, out) = measure(f);
    (best.as_secs_f64(), out)
}

/// Times the stages `compile` runs, one by one, so a slow or superlinear stage
/// shows up by name. This mirrors what `claw_compiler::compile` does (parse,
/// check, add the world to the module's `Resolve` — cloned here, so its clone
/// is timed separately and subtracted —, generate the core module, encode the
/// component, validate it), and the printing of the world as WIT that
/// `Compiled::wit` does on demand (not part of `compile`); keep it in step
/// with `compile` and `component::wrap` when the pipeline changes. The stages
/// run one after another here; for a large file `compile` overlaps some of
/// them (add_world with codegen, the core module's validation with encode).
fn stages(n: usize, source: &str, resolve: &claw_compiler::Resolve) {
    use claw_compiler::{check, codegen, component, parser};
    let (parse, parsed) = stage(|| parser::parse(source));
    let (chk, (module, _)) = stage(|| check::check(&parsed.file, resolve));
    let (clone, _) = stage(|| module.resolve.clone());
    let (world, (resolve2, package, wid)) = stage(|| {
        let mut r = module.resolve.clone();
        let (p, w) = component::add_world(&module, &mut r, "bench").expect("world");
        (r, p, w)
    });
    let world = world - clone;
    let (codegen, core) = stage(|| codegen::generate(&module, &resolve2).bytes);
    let (encode, component) = stage(|| component::encode::encode(&resolve2, wid, &core).expect("encode"));
    let (validate, _) = stage(|| component::validate(&component).is_ok());
    let (print, _) = stage(|| component::print_package(&resolve2, package).expect("print"));
    println!(
        "  stages N={n}: parse {parse:.4}  check {chk:.4}  resolve.clone {clone:.4}  \
         add_world {world:.4}  codegen {codegen:.4}  encode {encode:.4}  validate {validate:.4}  print-wit {print:.4}  (seconds, best of {RUNS})"
    );
}

/// Times `analysis::analyze` and three queries on `source`.
fn analysis(n: usize, source: &str, resolve: &claw_compiler::Resolve) {
    use claw_compiler::analysis;
    let (analyze, a) = stage(|| analysis::analyze(source, resolve));
    // A name in the middle of the file (a call of the previous function).
    let middle = source.len() / 2;
    let call = source[middle..].find("fun").map_or(middle, |i| middle + i + 1) as u32;
    let (hover, found) = stage(|| a.hover(call));
    assert!(found.is_some(), "no hover in the middle of the generated program");
    let (completion, items) = stage(|| a.completions(call));
    let open = source[middle..].find("(a, b").map_or(middle, |i| middle + i + 1) as u32;
    let (signature, _) = stage(|| a.signature_help(open));
    println!(
        "  analysis N={n}: analyze {analyze:.4}  hover {hover:.6}  completion {completion:.6} ({} items)  \
         signature help {signature:.6}  (seconds, best of {RUNS})",
        items.len()
    );
}

/// Times `compile` on a program read from `path` (`-- --file path.claw`).
fn bench_file(path: &str, resolve: &claw_compiler::Resolve, out: Option<&str>) {
    let source = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
    let lines = source.lines().count();
    let (best, median, result) = measure(|| claw_compiler::compile(&source, "bench", resolve));
    match result {
        Ok(compiled) => {
            println!(
                "{path}: {lines} lines, best {:.4} s, median {:.4} s, {:.0} lines/s, {} bytes",
                best.as_secs_f64(),
                median.as_secs_f64(),
                lines as f64 / best.as_secs_f64(),
                compiled.component.len()
            );
            if let Some(dir) = out {
                let stem = std::path::Path::new(path).file_stem().and_then(|s| s.to_str()).unwrap_or("out");
                let write = |ext: &str, bytes: &[u8]| {
                    let target = format!("{dir}/{stem}.{ext}");
                    std::fs::write(&target, bytes).unwrap_or_else(|e| panic!("cannot write {target}: {e}"));
                };
                write("wasm", &compiled.component);
                write("wit", compiled.wit().expect("the world prints").as_bytes());
            }
        }
        Err(diagnostics) => {
            println!(
                "{path}: {lines} lines, rejected in {:.4} s with {} diagnostics",
                best.as_secs_f64(),
                diagnostics.len()
            );
            for d in diagnostics.iter().take(5) {
                println!("  [{}] {} at {:?}", d.code, d.message, d.primary_span());
            }
        }
    }
}

/// A test file of `n` plain tests of four lines each, every one checking a
/// little arithmetic (so each test is a function of its own, called by the
/// generated dispatcher).
fn generate_tests(n: usize) -> String {
    let mut text = String::from("// Generated by compiler/benches/compile.rs --tests.\n");
    for i in 0..n {
        text.push_str(&format!(
            "\ntest \"case {i}\" {{\n    let x: u64 = {i};\n    assert x * 2 + 1 == {};\n}}\n",
            2 * i + 1
        ));
    }
    text
}

/// Times `testing::compile_tests` on generated test files (`-- --tests N...`).
fn bench_tests(ns: &[usize], resolve: &claw_compiler::Resolve) {
    let mut best_by_n = Vec::new();
    for &n in ns {
        let source = generate_tests(n);
        let lines = source.lines().count();
        let (best, median, result) = measure(|| claw_compiler::testing::compile_tests(&source, "bench", resolve));
        let suite = result.unwrap_or_else(|diagnostics| {
            for d in diagnostics.iter().take(20) {
                eprintln!("{:?} [{}] {} at {:?}", d.severity, d.code, d.message, d.primary_span());
            }
            panic!("the generated test file (N = {n}) failed to compile with {} diagnostics", diagnostics.len())
        });
        assert_eq!(suite.tests.len(), n);
        println!(
            "tests N={n}: {lines} lines, best {:.4} s, median {:.4} s, {:.1} us/test, {} bytes",
            best.as_secs_f64(),
            median.as_secs_f64(),
            best.as_secs_f64() * 1e6 / n as f64,
            suite.script.len()
        );
        best_by_n.push((n, best.as_secs_f64()));
    }
    if let (Some(&(n0, t0)), Some(&(n1, t1))) = (best_by_n.first(), best_by_n.last())
        && n1 > n0
    {
        println!("scaling: time({n1})/time({n0}) = {:.2}x for {:.2}x the tests", t1 / t0, n1 as f64 / n0 as f64);
    }
}

fn sizes() -> Vec<usize> {
    // `cargo bench` passes `--bench` (and possibly other flags) to harness-less
    // benches; keep only the numeric arguments.
    let from_args: Vec<usize> = std::env::args()
        .skip(1)
        .flat_map(|a| a.split(',').map(str::to_string).collect::<Vec<_>>())
        .filter_map(|a| a.trim().replace('_', "").parse().ok())
        .collect();
    if !from_args.is_empty() {
        return from_args;
    }
    if let Ok(env) = std::env::var("CLAW_BENCH_N") {
        let from_env: Vec<usize> = env
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter_map(|a| a.trim().replace('_', "").parse().ok())
            .collect();
        if !from_env.is_empty() {
            return from_env;
        }
    }
    vec![1000, 5000]
}

fn main() {
    let ns = sizes();
    let tests = std::env::args().any(|a| a == "--tests");
    if tests && std::env::args().any(|a| a == "--emit") {
        print!("{}", generate_tests(ns[0]));
        return;
    }
    if std::env::args().any(|a| a == "--emit") {
        // Print the generated program instead of timing (to compare with gen_large.py).
        print!("{}", generate(ns[0]));
        return;
    }
    let resolve = claw_compiler::std_wit::resolve().expect("the standard WIT packages load");
    if tests {
        bench_tests(&ns, &resolve);
        return;
    }
    let args: Vec<String> = std::env::args().collect();
    let files: Vec<&String> = args.windows(2).filter(|w| w[0] == "--file").map(|w| &w[1]).collect();
    if !files.is_empty() {
        let out = args.windows(2).find(|w| w[0] == "--out").map(|w| w[1].as_str());
        for path in files {
            bench_file(path, &resolve, out);
        }
        return;
    }
    println!(
        "{:>7} {:>8} {:>10} {:>10} {:>12} {:>10} {:>10} {:>12} {:>10}",
        "N", "lines", "best s", "median s", "lines/s", "bytes", "check s", "check l/s", "format s"
    );
    let mut best_by_n = Vec::new();
    for &n in &ns {
        let source = generate(n);
        let lines = source.lines().count();

        let (best, median, result) = measure(|| claw_compiler::compile(&source, "bench", &resolve));
        let compiled = match result {
            Ok(compiled) => compiled,
            Err(diagnostics) => {
                for d in diagnostics.iter().take(20) {
                    eprintln!("{:?} [{}] {} at {:?}", d.severity, d.code, d.message, d.primary_span());
                }
                panic!("the generated program (N = {n}) failed to compile with {} diagnostics", diagnostics.len());
            }
        };

        let (check_best, _check_median, checked) = measure(|| claw_compiler::check(&source, &resolve).is_ok());
        assert!(checked, "the generated program (N = {n}) fails `check`");
        let (format_best, _format_median, formatted) = measure(|| claw_compiler::format(&source).is_ok());
        assert!(formatted, "the generated program (N = {n}) fails to format");

        let secs = best.as_secs_f64();
        let check_secs = check_best.as_secs_f64();
        println!(
            "{:>7} {:>8} {:>10.4} {:>10.4} {:>12.0} {:>10} {:>10.4} {:>12.0} {:>10.4}",
            n,
            lines,
            secs,
            median.as_secs_f64(),
            lines as f64 / secs,
            compiled.component.len(),
            check_secs,
            lines as f64 / check_secs,
            format_best.as_secs_f64(),
        );
        best_by_n.push((n, secs));
        if std::env::args().any(|a| a == "--stages") || std::env::var_os("CLAW_BENCH_STAGES").is_some() {
            stages(n, &source, &resolve);
        }
        if std::env::args().any(|a| a == "--analysis") {
            analysis(n, &source, &resolve);
        }
    }
    println!(
        "(best and median of {RUNS} runs after one warm-up; `check` = parse + type check only; \
         `format` = claw_compiler::format)"
    );

    let time_of = |want: usize| best_by_n.iter().find(|(n, _)| *n == want).map(|(_, t)| *t);
    if let (Some(t1), Some(t5)) = (time_of(1000), time_of(5000)) {
        println!("scaling: time(5000)/time(1000) = {:.2}x for 5x the input (linear: 5x; target: <= 6x)", t5 / t1);
    } else if best_by_n.len() >= 2 {
        let (n0, t0) = best_by_n[0];
        let (n1, t1) = best_by_n[best_by_n.len() - 1];
        println!("scaling: time({n1})/time({n0}) = {:.2}x for {:.2}x the input", t1 / t0, n1 as f64 / n0 as f64);
    }
}
