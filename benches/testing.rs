//! Benchmark of `clawc test` (not a test: run it with
//! `cargo bench --bench testing`; see bench/README.md).
//!
//! Generates a test file of N trivial tests (default 1,000) against the Rust
//! semver component in `examples/testing/components/`, each calling the
//! component once and asserting on the result, and runs the real `clawc`
//! binary on it with `--format json`, which reports:
//! - `compile_ms`: the first-run cost: reading and decoding the component's
//!   WIT, compiling the script, composing it with the component (wac-graph),
//!   and compiling the composition with wasmtime (once);
//! - `duration_ms`: running every test, each in fresh instances.
//!
//! It prints both, tests per second after compilation, and the cost of one
//! test, for `--jobs 1` and for the default (one job per core), best of
//! three runs. Each job count starts with an empty compilation cache (a
//! temporary `CLAWC_CACHE_DIR`), so the first run compiles and the next two
//! load the compiled code from the cache: it prints the first run's compile
//! time and the best of the other two. `CLAWC_BENCH_BIN=path/to/clawc` runs
//! another `clawc` binary (e.g. one built from an earlier commit) on the
//! same file. Plain `fn main()`; no criterion.

use std::process::Command;

fn main() {
    let n: usize = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(1000);
    let root = env!("CARGO_MANIFEST_DIR");
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("many.test.claw");
    let mut source = format!(
        "test component \"{root}/examples/testing/components/semver.wasm\";\n\
         import {{ parse, version }} from example:semver/versions;\n"
    );
    for i in 0..n {
        source.push_str(&format!("test \"parses {i}\" {{ assert parse(\"1.{i}.0\")?.minor == {i}; }}\n"));
    }
    std::fs::write(&file, source).expect("write the test file");
    println!("{n} trivial tests against semver.wasm (each: one call of `parse`, one assert), best of 3");
    let clawc = std::env::var_os("CLAWC_BENCH_BIN").unwrap_or_else(|| env!("CARGO_BIN_EXE_clawc").into());
    for jobs in [Some(1), None] {
        let cache = tempfile::tempdir().expect("temp cache dir");
        let mut best: Option<f64> = None;
        let mut compiles = Vec::new();
        for _ in 0..3 {
            let mut cmd = Command::new(&clawc);
            cmd.arg("test").arg(&file).args(["--format", "json"]).env("CLAWC_CACHE_DIR", cache.path());
            if let Some(j) = jobs {
                cmd.args(["--jobs", &j.to_string()]);
            }
            let out = cmd.output().expect("clawc runs");
            assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
            let stdout = String::from_utf8(out.stdout).expect("utf-8");
            let events: Vec<serde_json::Value> = stdout.lines().filter_map(|l| serde_json::from_str(l).ok()).collect();
            let compile = events.iter().find_map(|e| e["compile_ms"].as_f64()).expect("compile_ms");
            let run = events
                .iter()
                .rev()
                .find_map(|e| e["duration_ms"].as_f64().filter(|_| e["type"] == "suite"))
                .expect("duration_ms");
            let passed = events.last().and_then(|e| e["passed"].as_u64()).unwrap_or(0);
            assert_eq!(passed as usize, n, "every test passes");
            compiles.push(compile);
            if best.is_none_or(|r| run < r) {
                best = Some(run);
            }
        }
        let run = best.expect("three runs");
        let cached = compiles[1].min(compiles[2]);
        let label = jobs.map_or("default jobs (one per core)".to_string(), |j| format!("--jobs {j}"));
        println!(
            "{label:>28}: first run (compile) {:8.1} ms, cached {cached:8.1} ms; {n} tests in {run:8.1} ms = {:8.0} tests/s, {:6.1} us per test",
            compiles[0],
            n as f64 / (run / 1000.0),
            run * 1000.0 / n as f64
        );
    }
}
