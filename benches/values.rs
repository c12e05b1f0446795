//! Runtime benchmark of the WIT value model (not a test: run it with
//! `cargo bench --bench values`; see bench/README.md).
//!
//! Reports, for the generated code of `SOURCE`:
//! - linear memory after 1,000,000 calls of exports that allocate strings
//!   and lists (one only temporarily, one storing into a global), in pages;
//! - the time per call of `total(list<u64>)` on 100,000 elements and of a
//!   string-building export, through the runtime's dynamic `Val` calls (so
//!   the host's lowering of the arguments is included);
//! - the time for a host to create, call and drop an instance of a
//!   resource defined in Claw (`RESOURCE`), and linear memory after
//!   1,000,000 of them;
//! - the component size of every example in `examples/`.
//!
//! Plain `fn main()` timed with `std::time::Instant`; no criterion.

use claw_runtime::{RunOptions, Runtime, Session, Val};
use std::time::Instant;

const SOURCE: &str = r#"
let mut last: list<string> = [];

/// Builds a string and a list, and drops both.
export func scratch(n: u32) -> u32 {
    let mut s = "";
    let mut parts: list<string> = [];
    for i in 0..n {
        s = s + "ab";
        parts.push(s);
    }
    return parts.len() + s.len();
}

/// The same, but keeps the list in a global (replaced on every call).
export func keep(n: u32) -> u32 {
    let mut parts: list<string> = [];
    for i in 0..n { parts.push("item"); }
    last = parts;
    return last.len();
}

export func total(xs: list<u64>) -> u64 {
    let mut sum: u64 = 0;
    for x in xs { sum += x; }
    return sum;
}

/// A string of `n` comma-separated pieces.
export func build(n: u32) -> string {
    let mut s = "";
    for i in 0..n {
        if i > 0 { s = s + ","; }
        s = s + "piece";
    }
    return s;
}
"#;

/// A resource defined in Claw, in an inline interface.
const RESOURCE: &str = r#"
export shapes: interface {
    resource square {
        side: u32,
        name: string,
        constructor(side: u32) {
            self.side = side;
            self.name = "square";
        }
        func area() -> u32 { return self.side * self.side; }
    }
}
"#;

fn session() -> Session {
    session_of(SOURCE)
}

fn session_of(source: &str) -> Session {
    let resolve = claw_compiler::std_wit::resolve().expect("bundled WIT");
    let compiled = claw_compiler::compile(source, "values", &resolve).expect("the benchmark compiles");
    let runtime = Runtime::new().expect("engine");
    let loaded = runtime.load(&compiled.component).expect("loads");
    loaded.instantiate(&RunOptions::default()).expect("instantiates")
}

fn pages(session: &Session) -> usize {
    session.peak_memory_bytes().div_ceil(65536)
}

fn calls(session: &mut Session, name: &str, args: &[Val], n: usize) -> f64 {
    let start = Instant::now();
    for _ in 0..n {
        session.call(name, args).expect("call");
    }
    start.elapsed().as_secs_f64() / n as f64
}

fn main() {
    let million: usize = std::env::var("CLAW_BENCH_CALLS").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000);

    for name in ["scratch", "keep"] {
        let mut s = session();
        let before = pages(&s);
        let per_call = calls(&mut s, name, &[Val::U32(16)], million);
        println!(
            "{name}(16) x {million}: {:.2} us/call, linear memory peak {} pages (after the first call: {before})",
            per_call * 1e6,
            pages(&s)
        );
    }

    let mut s = session();
    let list = Val::List((0..100_000u64).map(Val::U64).collect());
    let args = [list];
    calls(&mut s, "total", &args, 3);
    let per_call = calls(&mut s, "total", &args, 200);
    println!("total(list<u64>) on 100,000 elements, dynamic `Val` call: {:.3} ms/call", per_call * 1e3);
    // The same through a typed function: lowering the list is one copy, so
    // this is close to the generated loop's own time.
    let instance = s.instance();
    let numbers: Vec<u64> = (0..100_000).collect();
    let typed = instance.get_typed_func::<(&[u64],), (u64,)>(s.store_mut(), "total").expect("total has this signature");
    let start = Instant::now();
    let rounds = 1000;
    for _ in 0..rounds {
        let (sum,) = typed.call(s.store_mut(), (&numbers,)).expect("call");
        assert_eq!(sum, 4_999_950_000);
    }
    println!(
        "total(list<u64>) on 100,000 elements, typed call: {:.3} ms/call",
        start.elapsed().as_secs_f64() / rounds as f64 * 1e3
    );

    for n in [100u32, 10_000] {
        let per_call = calls(&mut s, "build", &[Val::U32(n)], if n > 1000 { 200 } else { 10_000 });
        println!("build({n}) (a {}-byte string): {:.2} us/call", n * 6 - 1, per_call * 1e6);
    }
    println!("linear memory peak after all of the above: {} pages", pages(&s));

    // A host creating, calling and dropping instances of a Claw resource.
    let mut s = session_of(RESOURCE);
    let start = Instant::now();
    for i in 0..million {
        let made = s.call("shapes#[constructor]square", &[Val::U32(i as u32)]).expect("constructor");
        let Some(Val::Resource(square)) = made.first().cloned() else { panic!("not a resource: {made:?}") };
        s.call("shapes#[method]square.area", &[Val::Resource(square)]).expect("area");
        square.resource_drop(s.store_mut()).expect("drop");
    }
    println!(
        "square: constructor + area + drop x {million}: {:.2} us per instance, linear memory peak {} pages",
        start.elapsed().as_secs_f64() / million as f64 * 1e6,
        pages(&s)
    );

    let mut resolve = claw_compiler::std_wit::resolve().expect("bundled WIT");
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    resolve.push_path(dir.join("ledger/wit")).expect("examples/ledger/wit");
    // `examples/*.claw`, and `examples/NAME/NAME.claw` for an example with its own WIT.
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("examples/")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter_map(|p| {
            if p.is_dir() {
                let own = p.join(p.file_name()?).with_extension("claw");
                own.is_file().then_some(own)
            } else {
                p.extension().is_some_and(|e| e == "claw").then_some(p)
            }
        })
        .collect();
    files.sort();
    for path in files {
        let source = std::fs::read_to_string(&path).expect("readable example");
        let world = clawc::world_name_for(&path);
        match claw_compiler::compile(&source, &world, &resolve) {
            Ok(c) => {
                println!("{}: {} bytes", path.file_name().unwrap_or_default().to_string_lossy(), c.component.len())
            }
            Err(_) => println!("{}: does not compile", path.display()),
        }
    }
}
