//! Language-server latency and memory benchmark (`cargo bench -p
//! claw-language-server --bench lsp`), a plain `fn main()` timed with
//! `Instant`, like the compiler's `compile` bench.
//!
//! It runs the server's main loop in-process over `Connection::memory()`
//! (the loop `clawc lsp` runs over stdio, minus the JSON encoding of the
//! messages) on the generated program of `bench/README.md` (the
//! `gen_large.py` generator, `bench/gen_large.rs`): 200 functions, 2,002 lines.
//! It measures, as an editor sees them (from sending to receiving):
//!
//! - **diagnostics after a change**: a one-character edit in the middle of
//!   the file until its `publishDiagnostics` arrives, with the debounce delay
//!   set to 0 (the work) and at the default (what a user waits);
//! - **hover** and **completion**: on an analysed file, and right after a
//!   change (the request then pays for the analysis);
//! - **semantic tokens** and **document symbols** of the whole file (they
//!   lex or parse the text on each request);
//! - **memory**: the process's resident set size (`VmRSS`) over 10,000
//!   edits, each followed by a hover so that every edit is analysed.
//!
//! Options: `--functions N` (default 200), `--edits N` (default 10000).

#[path = "../tests/support/mod.rs"]
mod support;

use lsp_types::Position;
use serde_json::json;
use std::time::{Duration, Instant};

#[path = "../../bench/gen_large.rs"]
mod gen_large;
use gen_large::generate;
use support::Client;

/// The line of `let c = a * K + b;` in function `i`.
fn let_c_line(i: usize) -> u32 {
    (2 + 10 * i + 1) as u32
}

/// Resident set size in KiB, from `/proc/self/status` (Linux).
fn rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

struct Bench {
    client: Client,
    uri: lsp_types::Url,
    version: i32,
    /// The edited function and the current text of its multiplier.
    target: usize,
    multiplier: String,
}

impl Bench {
    fn start(functions: usize, debounce_ms: u64) -> Bench {
        let mut client = Client::start(json!({ "debounceMs": debounce_ms }));
        let uri = support::uri("big.claw");
        let text = generate(functions);
        client.open(&uri, &text);
        let published = client.diagnostics(&uri, Some(1));
        assert!(published.diagnostics.is_empty(), "the generated program has errors: {:?}", published.diagnostics);
        let target = functions / 2;
        Bench { client, uri, version: 1, target, multiplier: (target % 97 + 1).to_string() }
    }

    /// Changes the multiplier of the middle function (alternating between
    /// two values) and returns the new version.
    fn edit(&mut self) -> i32 {
        let original = (self.target % 97 + 1).to_string();
        let next = if self.multiplier == original { (self.target % 97 + 2).to_string() } else { original };
        let line = let_c_line(self.target);
        let start = Position::new(line, 16);
        let end = Position::new(line, 16 + self.multiplier.len() as u32);
        self.version += 1;
        self.client.notify_raw(
            "textDocument/didChange",
            json!({
                "textDocument": { "uri": self.uri, "version": self.version },
                "contentChanges": [{ "range": { "start": start, "end": end }, "text": next }]
            }),
        );
        self.multiplier = next;
        self.version
    }

    fn hover(&mut self) -> serde_json::Value {
        // `total` in `total = total + d;` of the edited function.
        let line = let_c_line(self.target) + 5;
        self.client.request_raw(
            "textDocument/hover",
            json!({ "textDocument": { "uri": self.uri }, "position": { "line": line, "character": 6 } }),
        )
    }

    fn completion(&mut self) -> serde_json::Value {
        // After `d + f` in `return d + fun...`: names in scope starting with f.
        let line = let_c_line(self.target) + 6;
        self.client.request_raw(
            "textDocument/completion",
            json!({ "textDocument": { "uri": self.uri }, "position": { "line": line, "character": 16 } }),
        )
    }
}

/// Best, median and worst of `times`.
fn summary(mut times: Vec<Duration>) -> String {
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    format!(
        "best {:6.2} ms  median {:6.2} ms  worst {:6.2} ms  ({} runs)",
        ms(times[0]),
        ms(times[times.len() / 2]),
        ms(times[times.len() - 1]),
        times.len()
    )
}

fn time(runs: usize, mut f: impl FnMut()) -> Vec<Duration> {
    (0..runs)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect()
}

fn main() {
    let mut args = std::env::args().skip(1);
    let (mut functions, mut edits) = (200usize, 10_000usize);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--functions" => functions = args.next().and_then(|v| v.parse().ok()).unwrap_or(functions),
            "--edits" => edits = args.next().and_then(|v| v.parse().ok()).unwrap_or(edits),
            // `cargo bench` passes `--bench`.
            _ => {}
        }
    }
    let lines = generate(functions).lines().count();
    println!("clawc lsp benchmark: {functions} functions, {lines} lines (in-process, Connection::memory)");

    let mut bench = Bench::start(functions, 0);
    let diagnostics = time(20, || {
        let version = bench.edit();
        let uri = bench.uri.clone();
        bench.client.diagnostics(&uri, Some(version));
    });
    println!("diagnostics after a change (debounce 0):   {}", summary(diagnostics));

    let hover = time(50, || {
        let h = bench.hover();
        assert!(h["contents"]["value"].as_str().is_some_and(|v| v.contains("total")), "{h}");
    });
    println!("hover (analysed file):                     {}", summary(hover));
    let completion = time(50, || {
        let c = bench.completion();
        assert!(c.as_array().is_some_and(|items| items.len() > functions), "{c}");
    });
    println!("completion (analysed file):                {}", summary(completion));
    let uri = bench.uri.clone();
    let tokens = time(20, || {
        let t = bench.client.request_raw("textDocument/semanticTokens/full", json!({ "textDocument": { "uri": uri } }));
        assert!(t["data"].as_array().is_some_and(|d| !d.is_empty()), "{t}");
    });
    println!("semantic tokens (full):                    {}", summary(tokens));
    let symbols = time(20, || {
        let s = bench.client.request_raw("textDocument/documentSymbol", json!({ "textDocument": { "uri": uri } }));
        assert!(s.as_array().is_some_and(|d| d.len() > functions), "{s}");
    });
    println!("document symbols:                          {}", summary(symbols));
    let hover_after_change = time(20, || {
        bench.edit();
        bench.hover();
    });
    println!("hover right after a change:                {}", summary(hover_after_change));
    let completion_after_change = time(20, || {
        bench.edit();
        bench.completion();
    });
    println!("completion right after a change:           {}", summary(completion_after_change));

    let mut default = Bench::start(functions, claw_language_server::Options::default().debounce.as_millis() as u64);
    let debounced = time(10, || {
        let version = default.edit();
        let uri = default.uri.clone();
        default.client.diagnostics(&uri, Some(version));
    });
    println!(
        "diagnostics after a change (default debounce {} ms): {}",
        claw_language_server::Options::default().debounce.as_millis(),
        summary(debounced)
    );
    assert_eq!(default.client.shutdown(), claw_language_server::Exit::Clean);

    // Memory over many edits, each analysed (the hover forces it).
    let start = Instant::now();
    let mut samples = vec![(0usize, rss_kib())];
    for n in 1..=edits {
        bench.edit();
        bench.hover();
        bench.client.clear_pending();
        if n % (edits / 10).max(1) == 0 {
            samples.push((n, rss_kib()));
        }
    }
    let per_edit = start.elapsed() / edits.max(1) as u32;
    let rss: Vec<String> = samples
        .iter()
        .map(|(n, kib)| match kib {
            Some(kib) => format!("{n}: {:.1} MiB", *kib as f64 / 1024.0),
            None => format!("{n}: n/a"),
        })
        .collect();
    println!("resident memory over {edits} edits (edit + hover each, {per_edit:?} per edit): {}", rss.join(", "));
    assert_eq!(bench.client.shutdown(), claw_language_server::Exit::Clean);
}
