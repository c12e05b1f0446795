//! Heap memory is reclaimed at the end of each export call.
//!
//! `build` allocates about 256 KiB of strings per call (doubling a string up
//! to 128 KiB). 40,000 calls allocate about 10 GiB in total, far more than a
//! 32-bit linear memory can hold,
//! so these tests pass only if each call's heap region is reset (see the
//! memory section of `compiler/src/codegen.rs`). A global string stored
//! between the calls must survive the resets intact. Within a call, the
//! iterations of a loop whose values do not outlive them are regions too
//! (`churn`), and the allocator reuses freed blocks (tested on the core
//! module, whose `cm32p2_realloc` frees the block it grows).

use claw_runtime::{RunOptions, Runtime};

const SOURCE: &str = r#"
let mut kept: string = "";

/// Doubles a string 16 times (64 KiB) and returns its last 2 bytes' worth of
/// information: whether it ends the way it started.
export func build(seed: string) -> bool {
    let mut s = seed;
    for i in 0..16 {
        s = s + s;
    }
    return s != seed;
}

/// The same, returning the 64 KiB string itself (freed in post-return).
export func build-returned(seed: string) -> string {
    let mut s = seed;
    for i in 0..16 {
        s = s + s;
    }
    return s;
}

export func keep(s: string) {
    kept = s + "!";
}

export func kept-value() -> string {
    return kept;
}

let mut last: string = "";
let mut calls: u32 = 0;

/// Replaces a global string on every call, with garbage around it.
export func remember(s: string) -> u32 {
    let mut junk = s;
    for i in 0..8 {
        junk = junk + s;
    }
    last = junk + "/" + s;
    calls += 1;
    return last.len();
}

export func last-value() -> string {
    return last;
}

/// Builds a short string and a three-element list per iteration and keeps
/// only their lengths: each iteration's values are garbage when the next
/// starts, so the loop is a heap region per iteration.
export func churn(n: u32) -> u32 {
    let mut total: u32 = 0;
    for i in 0..n {
        let s = "item \{i}";
        let xs = [s, s + "!", "x"];
        total += xs.len() + s.len();
    }
    return total;
}

/// Builds a line and a list per iteration and keeps the last line, the
/// longest one and the total length in outer locals: the loop writes outer
/// locals with heap data, so it is no region but evacuates its survivors.
export func accumulate(n: u32) -> string {
    let mut last = "";
    let mut longest = "";
    let mut total: u32 = 0;
    for i in 0..n {
        let line = "item \{i}: \{i * 2}";
        let parts = [line, "\n", "x"];
        last = parts[0] + parts[1];
        total += last.len();
        if line.len() > longest.len() {
            longest = line;
        }
    }
    return "\{total} \{longest} \{last}";
}

/// The same shape with a global as the accumulator, written by a function.
export func accumulate-global(n: u32) -> u32 {
    calls = 0;
    for i in 0..n {
        let line = "item \{i}: \{i * 2}";
        let parts = [line, "\n"];
        set-last(parts[0] + parts[1]);
    }
    return calls;
}

func set-last(s: string) {
    last = s;
    calls += 1;
}

/// Builds a 100,000-byte string by appending one byte at a time.
export func append-loop() -> u32 {
    let mut s = "";
    for i in 0..100000 {
        s = s + "x";
    }
    return s.len();
}
"#;

const CALLS: usize = 40_000;

fn session() -> claw_runtime::Session {
    let resolve = claw_compiler::std_wit::resolve().expect("bundled WIT");
    let compiled = claw_compiler::compile(SOURCE, "memory", &resolve).expect("compiles");
    let runtime = Runtime::new().expect("engine");
    let loaded = runtime.load(&compiled.component).expect("loads");
    loaded.instantiate(&RunOptions::default()).expect("instantiates")
}

#[test]
fn scalar_result_calls_reuse_the_heap() {
    let mut session = session();
    for i in 0..CALLS {
        let out = session.invoke(r#"build("ab")"#).unwrap_or_else(|e| panic!("call {i}: {e}"));
        assert_eq!(out.as_deref(), Some("true"));
    }
}

#[test]
fn string_results_are_freed_after_post_return() {
    let mut session = session();
    for i in 0..CALLS / 2 {
        let out = session.call("build-returned", &[claw_runtime::Val::String("ab".into())]);
        let out = out.unwrap_or_else(|e| panic!("call {i}: {e}"));
        let [claw_runtime::Val::String(s)] = out.as_slice() else { panic!("unexpected result {out:?}") };
        assert_eq!(s.len(), 2 << 16);
    }
}

#[test]
fn globals_survive_resets() {
    let mut session = session();
    session.invoke(r#"keep("λ-kept")"#).expect("keep");
    for i in 0..CALLS {
        session.invoke(r#"build("xy")"#).unwrap_or_else(|e| panic!("call {i}: {e}"));
    }
    assert_eq!(session.invoke("kept-value()").expect("kept-value").as_deref(), Some(r#""λ-kept!""#));
}

/// A global that is replaced on every call keeps memory bounded: after a
/// call that stores into a global, only what the globals hold survives.
#[test]
fn replacing_a_global_every_call_stays_bounded() {
    let mut session = session();
    session.invoke(r#"keep("λ-kept")"#).expect("keep");
    for i in 0..CALLS {
        let arg = format!("\"{}-{}\"", "é".repeat(i % 50), i);
        session.invoke(&format!("remember({arg})")).unwrap_or_else(|e| panic!("call {i}: {e}"));
    }
    let peak = session.peak_memory_bytes();
    assert!(peak <= 4 * 65536, "linear memory grew to {peak} bytes");
    let last = session.invoke("last-value()").expect("last-value").expect("a value");
    let tail = format!("{}-{}", "é".repeat((CALLS - 1) % 50), CALLS - 1);
    assert_eq!(last, format!("\"{}/{tail}\"", tail.repeat(9)));
    assert_eq!(session.invoke("kept-value()").expect("kept-value").as_deref(), Some(r#""λ-kept!""#));
}

/// `s = s + "x"` appends in place when `s` is the newest allocation, so a
/// 100,000-step loop needs about 100 KB rather than 5 GB.
#[test]
fn appending_in_a_loop_is_linear() {
    let mut session = session();
    for _ in 0..3 {
        assert_eq!(session.invoke("append-loop()").expect("append-loop").as_deref(), Some("100000"));
    }
    let peak = session.peak_memory_bytes();
    assert!(peak <= 4 * 65536, "linear memory grew to {peak} bytes");
}

/// 300,000 iterations that each build a string and a list (about 40 bytes
/// of heap data, 12 MB in all) stay within a few pages: every iteration
/// reclaims what the previous one allocated.
#[test]
fn a_loop_reclaims_each_iteration() {
    let mut session = session();
    let out = session.invoke("churn(300000)").expect("churn");
    let expected: u64 = (0..300_000u64).map(|i| 3 + 5 + i.to_string().len() as u64).sum();
    assert_eq!(out.as_deref(), Some(expected.to_string().as_str()));
    let peak = session.peak_memory_bytes();
    assert!(peak <= 4 * 65536, "linear memory grew to {peak} bytes");
}

/// 300,000 iterations that each build a string and a list and keep some of
/// it in outer locals (`accumulate`) or a global (`accumulate-global`),
/// about 30 MB of heap data in all, stay within a few pages: the loop
/// evacuates what the outer locals and globals hold and reclaims the rest.
#[test]
fn a_loop_that_keeps_values_evacuates_them() {
    let mut session = session();
    let n = 300_000u64;
    let out = session.invoke(&format!("accumulate({n})")).expect("accumulate");
    let line = |i: u64| format!("item {i}: {}", i * 2);
    let total: u64 = (0..n).map(|i| line(i).len() as u64 + 1).sum();
    let longest = (0..n).map(line).fold(String::new(), |a, l| if l.len() > a.len() { l } else { a });
    let expected = format!("{total} {longest} {}\n", line(n - 1));
    assert_eq!(out, Some(format!("{expected:?}")));
    let peak = session.peak_memory_bytes();
    assert!(peak <= 4 * 65536, "linear memory grew to {peak} bytes");
    let out = session.invoke(&format!("accumulate-global({n})")).expect("accumulate-global");
    assert_eq!(out, Some(n.to_string()));
    let last = session.invoke("last-value()").expect("last-value");
    assert_eq!(last, Some(format!("{:?}", format!("{}\n", line(n - 1)))));
    let peak = session.peak_memory_bytes();
    assert!(peak <= 4 * 65536, "linear memory grew to {peak} bytes");
}

/// A command that writes 200,000 formatted lines in its one `run` call
/// (about 15 MB of garbage without reclamation) completes with linear
/// memory limited to 2 MiB: each iteration's string and the arguments
/// lowered for the import call are reclaimed when the next one starts.
#[test]
fn a_command_formats_many_lines_in_two_mebibytes() {
    const COMMAND: &str = r#"
import { get-stdout } from wasi:cli/stdout;

export wasi:cli/run@0.2.12 {
    func run() -> result {
        let out = get-stdout();
        for i in 0..200000 {
            match out.blocking-write-and-flush("line \{i}\n".bytes()) {
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
    let stdout = run_in_two_mebibytes(COMMAND);
    assert_eq!(stdout.lines().count(), 200_000);
    assert_eq!(stdout.lines().last(), Some("line 199999"));
}

/// The same command keeping an outer count, the last line and a list of
/// the ten most recent lines (about 30 MB of garbage in all) completes
/// under the same 2 MiB limit: its loop evacuates what the outer locals hold.
#[test]
fn a_command_with_an_outer_accumulator_runs_in_two_mebibytes() {
    const COMMAND: &str = r#"
import { get-stdout } from wasi:cli/stdout;

export wasi:cli/run@0.2.12 {
    func run() -> result {
        let out = get-stdout();
        let mut written: u64 = 0;
        let mut last = "";
        let mut recent: list<string> = [];
        for i in 0..200000 {
            let line = "line \{i}\n";
            match out.blocking-write-and-flush(line.bytes()) {
                ok => {}
                err(_) => {
                    return err;
                }
            }
            written += line.len() as u64;
            last = line;
            recent.push(line);
            if recent.len() > 10 {
                recent = recent[1..recent.len()];
            }
        }
        let summary = "\{written} \{recent.len()} \{recent[0]}\{last}";
        match out.blocking-write-and-flush(summary.bytes()) {
            ok => {}
            err(_) => {
                return err;
            }
        }
        return ok;
    }
}
"#;
    let stdout = run_in_two_mebibytes(COMMAND);
    let written: usize = (0..200_000).map(|i| format!("line {i}\n").len()).sum();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 200_002);
    assert_eq!(lines[199_999], "line 199999");
    assert_eq!(lines[200_000], format!("{written} 10 line 199990"));
    assert_eq!(lines[200_001], "line 199999");
}

/// The core module of a file without imports, instantiated on its own, with
/// its memory and `cm32p2_realloc`.
struct Core {
    store: wasmtime::Store<()>,
    memory: wasmtime::Memory,
    realloc: wasmtime::TypedFunc<(i32, i32, i32, i32), i32>,
}

impl Core {
    fn new(debug_memory: bool) -> Core {
        let resolve = claw_compiler::std_wit::resolve().expect("bundled WIT");
        let module = claw_compiler::check("export func f() -> u32 { return 1; }", &resolve).expect("checks");
        let options = claw_compiler::CompileOptions { debug_memory, ..Default::default() };
        let core = claw_compiler::codegen::generate_with(&module, &module.resolve, options);
        let engine = wasmtime::Engine::default();
        let compiled = wasmtime::Module::new(&engine, &core.bytes).expect("valid core module");
        let mut store = wasmtime::Store::new(&engine, ());
        let instance = wasmtime::Instance::new(&mut store, &compiled, &[]).expect("instantiates");
        let memory = instance.get_memory(&mut store, "cm32p2_memory").expect("memory");
        let realloc = instance.get_typed_func(&mut store, "cm32p2_realloc").expect("realloc");
        Core { store, memory, realloc }
    }

    fn realloc(&mut self, old: i32, old_size: i32, align: i32, new_size: i32) -> wasmtime::Result<i32> {
        self.realloc.call(&mut self.store, (old, old_size, align, new_size))
    }

    fn bytes(&self, at: i32, len: usize) -> Vec<u8> {
        self.memory.data(&self.store)[at as usize..at as usize + len].to_vec()
    }
}

/// Growing a block with `cabi_realloc` moves the bytes and frees the old
/// block, which the next allocation of its size class reuses.
#[test]
fn realloc_frees_the_old_block_for_reuse() {
    let mut core = Core::new(false);
    let p = core.realloc(0, 0, 8, 64).expect("alloc");
    core.memory.data_mut(&mut core.store)[p as usize..p as usize + 64].copy_from_slice(&[7; 64]);
    let q = core.realloc(p, 64, 8, 200).expect("grow");
    assert_ne!(p, q);
    assert_eq!(core.bytes(q, 64), vec![7; 64]);
    assert_eq!(core.realloc(0, 0, 8, 40).expect("alloc"), p, "the freed 64-byte block is reused");
    let fresh = core.realloc(0, 0, 8, 40).expect("alloc");
    assert!(fresh > q, "the list is empty again: {fresh} comes from the top of the heap");
}

/// In the debugging mode a freed block is poisoned (after its list link
/// and tag) and freeing it again traps.
#[test]
fn debug_memory_poisons_freed_blocks_and_traps_on_a_double_free() {
    let mut core = Core::new(true);
    let p = core.realloc(0, 0, 8, 64).expect("alloc");
    core.memory.data_mut(&mut core.store)[p as usize..p as usize + 64].copy_from_slice(&[7; 64]);
    core.realloc(p, 64, 8, 200).expect("grow");
    assert_eq!(core.bytes(p + 8, 56), vec![0xDE; 56]);
    assert!(core.realloc(p, 64, 8, 200).is_err(), "a second free of the block traps");
}

/// A program large enough that codegen splits its functions between two
/// threads (more than 16,384 expressions), with string literals in the
/// first part (`early`) and, if `late_strings`, in the second (`late`).
fn large_program(late_strings: bool) -> String {
    let mut source = String::from("export func early() -> string {\n    return \"early\" + \"!\";\n}\n");
    for i in 0..2000 {
        source.push_str(&format!(
            "\nexport func f{i}(a: u32) -> u32 {{\n    let b = a * {i} + 1;\n    let c = b - a;\n    return c + b * 2;\n}}\n"
        ));
    }
    if late_strings {
        source.push_str("\nexport func late() -> string {\n    return \"late\" + \"early\";\n}\n");
    }
    source
}

/// The data segment lays string literals out in the order codegen meets
/// them, whether or not a large module's functions are generated on two
/// threads: every literal is where the code reads it, and two compilations
/// give the same bytes.
#[test]
fn string_literals_of_a_large_module_are_where_its_code_reads_them() {
    let resolve = claw_compiler::std_wit::resolve().expect("bundled WIT");
    let runtime = Runtime::new().expect("engine");
    for late_strings in [false, true] {
        let source = large_program(late_strings);
        let compiled = claw_compiler::compile(&source, "large", &resolve).expect("compiles");
        let again = claw_compiler::compile(&source, "large", &resolve).expect("compiles");
        assert!(compiled.component == again.component, "two compilations gave different bytes");
        let loaded = runtime.load(&compiled.component).expect("loads");
        let mut session = loaded.instantiate(&RunOptions::default()).expect("instantiates");
        assert_eq!(session.invoke("early()").expect("early").as_deref(), Some(r#""early!""#));
        // b = 3 * 1999 + 1 = 5998, c = 5995, c + 2b = 17991.
        assert_eq!(session.invoke("f1999(3)").expect("f1999").as_deref(), Some("17991"));
        if late_strings {
            assert_eq!(session.invoke("late()").expect("late").as_deref(), Some(r#""lateearly""#));
        }
    }
}

/// Compiles the `wasi:cli/run` command `source`, runs it with linear memory
/// limited to 2 MiB, requires `ok`, and returns what it wrote to stdout.
fn run_in_two_mebibytes(source: &str) -> String {
    let resolve = claw_compiler::std_wit::resolve().expect("bundled WIT");
    let compiled = claw_compiler::compile(source, "command", &resolve).expect("compiles");
    let runtime = Runtime::new().expect("engine");
    let loaded = runtime.load(&compiled.component).expect("loads");
    let options = RunOptions { memory_limit: Some(2 << 20), ..RunOptions::default() };
    let mut session = loaded.instantiate(&options).expect("instantiates");
    let out = session.invoke("wasi:cli/run@0.2.12#run()").expect("run completes");
    assert_eq!(out.as_deref(), Some("ok"));
    session.captured_stdout().unwrap_or_default()
}
