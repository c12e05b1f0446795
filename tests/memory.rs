//! Heap memory is reclaimed at the end of each export call.
//!
//! `build` allocates about 256 KiB of strings per call (doubling a string up
//! to 128 KiB). 40,000 calls allocate about 10 GiB in total, far more than a
//! 32-bit linear memory can hold,
//! so these tests pass only if each call's heap region is reset (see the
//! memory section of `compiler/src/codegen.rs`). A global string stored
//! between the calls must survive the resets intact.

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
