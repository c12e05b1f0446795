//! Memory benchmark of the generated code (not a test: run it with
//! `cargo bench --bench memory`; see bench/README.md).
//!
//! Reports, for the generated code of `SOURCE` and `COMMAND`:
//! - `churn(n)`, a loop that builds a short string and a three-element list
//!   per iteration, at 10^6 and 10^7 iterations: peak linear memory (in
//!   64 KiB pages) and time per iteration;
//! - a command (`wasi:cli/run`) that formats 2,000,000 lines (the numbers,
//!   so that they fit the runtime's 16 MiB capture of stdout) and writes
//!   them to stdout in its one `run` call, with linear memory
//!   limited to 2 MiB (what wasmtime's `-W max-memory-size=2097152` does):
//!   whether it completes, peak memory and time;
//! - `xs[i] = xs[i] + 1` on a 100,000-element list, 100 and 1,000 times:
//!   time per update.
//!
//! Plain `fn main()` timed with `std::time::Instant`; no criterion. Pass
//! `--quick` to skip the 10^7-iteration case.

use claw_runtime::{RunOptions, Runtime, Session};
use std::time::Instant;

const SOURCE: &str = r#"
/// A short string and a three-element list per iteration; only lengths survive.
export func churn(n: u32) -> u32 {
    let mut total: u32 = 0;
    for i in 0..n {
        let s = "item \{i}";
        let xs = [s, s + "!", "x"];
        total += xs.len() + s.len();
    }
    return total;
}

/// `m` updates `xs[i] = xs[i] + 1` of an `n`-element list.
export func updates(n: u32, m: u32) -> u32 {
    let mut xs: list<u32> = [];
    for i in 0..n {
        xs.push(i);
    }
    for k in 0..m {
        let i = k % n;
        xs[i] = xs[i] + 1;
    }
    return xs[0];
}
"#;

const COMMAND: &str = r#"
import { get-stdout } from wasi:cli/stdout;

export wasi:cli/run@0.2.12 {
    func run() -> result {
        let out = get-stdout();
        for i in 0..2000000 {
            match out.blocking-write-and-flush("\{i}\n".bytes()) {
                ok => {}
                err(_) => {
                    return err;
                }
            }
        }
        return ok;
    }
}
"#;

fn session(source: &str, memory_limit: Option<usize>) -> Session {
    let resolve = claw_compiler::std_wit::resolve().expect("bundled WIT");
    let compiled = claw_compiler::compile(source, "memory", &resolve).expect("the benchmark compiles");
    let runtime = Runtime::new().expect("engine");
    let loaded = runtime.load(&compiled.component).expect("loads");
    loaded.instantiate(&RunOptions { memory_limit, ..RunOptions::default() }).expect("instantiates")
}

fn pages(bytes: usize) -> usize {
    bytes / 65536
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let sizes: &[u32] = if quick { &[1_000_000] } else { &[1_000_000, 10_000_000] };
    for &n in sizes {
        let mut s = session(SOURCE, None);
        let start = Instant::now();
        let out = s.invoke(&format!("churn({n})"));
        let elapsed = start.elapsed();
        let result = match out {
            Ok(v) => v.unwrap_or_default(),
            Err(e) => format!("failed: {e}"),
        };
        println!(
            "churn({n}): {result}; peak linear memory {} pages ({:.1} MiB); {:.1} ns per iteration",
            pages(s.peak_memory_bytes()),
            s.peak_memory_bytes() as f64 / 1048576.0,
            elapsed.as_nanos() as f64 / n as f64
        );
    }

    let mut s = session(COMMAND, Some(2 * 1024 * 1024));
    let start = Instant::now();
    let out = s.invoke("wasi:cli/run@0.2.12#run()");
    let elapsed = start.elapsed();
    let result = match out {
        Ok(v) => {
            let stdout = s.captured_stdout().unwrap_or_default();
            let last = stdout.lines().last().unwrap_or_default().to_string();
            format!("returned {}, {} lines, the last `{last}`", v.unwrap_or_default(), stdout.lines().count())
        }
        Err(e) => format!("failed: {e}"),
    };
    println!(
        "command, 2,000,000 lines, 2 MiB limit: {result}; peak linear memory {} pages; {:.2} s",
        pages(s.peak_memory_bytes()),
        elapsed.as_secs_f64()
    );

    for m in [100u32, 1000] {
        let mut s = session(SOURCE, None);
        let start = Instant::now();
        let out = s.invoke(&format!("updates(100000, {m})"));
        let elapsed = start.elapsed();
        let result = match out {
            Ok(v) => v.unwrap_or_default(),
            Err(e) => format!("failed: {e}"),
        };
        println!(
            "updates(100000, {m}): {result}; {:.1} us per update (including building the list); peak {} pages",
            elapsed.as_nanos() as f64 / m as f64 / 1000.0,
            pages(s.peak_memory_bytes())
        );
    }
}
