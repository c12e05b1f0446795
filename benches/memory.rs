//! Memory benchmark of the generated code (not a test: run it with
//! `cargo bench --bench memory`; see bench/README.md).
//!
//! Reports, for the generated code of `SOURCE` and `COMMAND`:
//! - `churn(n)`, a loop that builds a short string and a three-element list
//!   per iteration, at 10^6 and 10^7 iterations: peak linear memory (in
//!   64 KiB pages) and time per iteration;
//! - `accumulate(n)`, the same loop keeping the last line, the longest line
//!   and the total length in outer locals (so it is no region but
//!   evacuates its survivors), at 10^6 and 10^7 iterations: peak linear
//!   memory and time per iteration;
//! - a command (`wasi:cli/run`) that formats 2,000,000 lines (the numbers,
//!   so that they fit the runtime's 16 MiB capture of stdout) and writes
//!   them to stdout in its one `run` call, with linear memory
//!   limited to 2 MiB (what wasmtime's `-W max-memory-size=2097152` does):
//!   whether it completes, peak memory and time;
//! - `xs[i] = xs[i] + 1` on a 10,000- and a 100,000-element list, 100,000
//!   and 10,000,000 times each: time per update (the time of the same call with no
//!   updates, which builds the list, subtracted) and peak memory.
//!
//! Plain `fn main()` timed with `std::time::Instant`; no criterion. Pass
//! `--quick` to skip the 10^7-iteration case and `--updates M` for only `M`
//! updates.

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

/// The same loop keeping values in outer locals: it evacuates them.
export func accumulate(n: u32) -> u32 {
    let mut last = "";
    let mut longest = "";
    let mut total: u32 = 0;
    for i in 0..n {
        let line = "item \{i}: \{i * 2}";
        let xs = [line, "\n", "x"];
        last = xs[0] + xs[1];
        total += last.len();
        if line.len() > longest.len() {
            longest = line;
        }
    }
    return total + longest.len() - last.len();
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
    for (func, &n) in ["churn", "accumulate"].iter().flat_map(|f| sizes.iter().map(move |n| (f, n))) {
        let mut s = session(SOURCE, None);
        let start = Instant::now();
        let out = s.invoke(&format!("{func}({n})"));
        let elapsed = start.elapsed();
        let result = match out {
            Ok(v) => v.unwrap_or_default(),
            Err(e) => format!("failed: {e}"),
        };
        println!(
            "{func}({n}): {result}; peak linear memory {} pages ({:.1} MiB); {:.1} ns per iteration",
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

    // Time per update without building the list: the run with `m`
    // updates minus the run with none, on fresh instances.
    let updates: Vec<u32> = match std::env::args().skip_while(|a| a != "--updates").nth(1) {
        Some(m) => m.parse().ok().into_iter().collect(),
        None => vec![100_000, 10_000_000],
    };
    for (n, updates) in [10_000u32, 100_000].into_iter().flat_map(|n| updates.iter().map(move |m| (n, *m))) {
        let timed = |m: u32| {
            let mut s = session(SOURCE, None);
            let start = Instant::now();
            let out = s.invoke(&format!("updates({n}, {m})"));
            let elapsed = start.elapsed();
            let result = match out {
                Ok(v) => v.unwrap_or_default(),
                Err(e) => format!("failed: {e}"),
            };
            (result, elapsed, pages(s.peak_memory_bytes()))
        };
        let (_, building, _) = timed(0);
        let (result, elapsed, peak) = timed(updates);
        println!(
            "updates({n}, {updates}): {result}; {:.3} us per update (list building excluded); peak {peak} pages",
            elapsed.saturating_sub(building).as_nanos() as f64 / updates as f64 / 1000.0,
        );
    }
}
