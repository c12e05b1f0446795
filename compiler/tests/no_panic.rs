//! The compiler never panics, whatever the input, and a rejected program
//! always comes back with at least one diagnostic whose spans lie inside
//! the source and on character boundaries.
//!
//! Five families of inputs, all from fixed seeds so a failure reproduces:
//!
//! - (a) random bytes, converted to text lossily;
//! - (b) random soup of Claw tokens, keywords, identifiers and literals,
//!   bare or inside a function body or a `return` expression;
//! - (c) every prefix of a few realistic valid programs (which must compile
//!   whole);
//! - (d) those programs with one character deleted, inserted or replaced;
//! - (e) random, mostly well-typed programs (literals at and past the edges
//!   of their types, every operator, casts), which reach code generation.
//!
//! Two more tests pin down what fuzzing at larger scales found
//! (`known_reproducers`: `///` doc comments with control characters give an
//! `internal-error`), and check that deeply nested programs (10,000 levels)
//! neither panic nor overflow the stack, each in a child process
//! (`deep_nesting`).
//!
//! `CLAW_NO_PANIC_SCALE=N` runs N times as many random cases and
//! `CLAW_NO_PANIC_SEED=K` explores other inputs, for longer fuzzing runs.
//!
//! Every failure is collected and printed (with the input escaped, ready to
//! paste into a reproducer) before the test fails.

use std::cell::{Cell, RefCell};
use std::panic::{self, AssertUnwindSafe};
use std::sync::{Once, OnceLock};

use claw_compiler::{Diagnostic, Resolve};

/// The world name every case is compiled under.
const WORLD: &str = "no-panic";

fn resolve() -> &'static Resolve {
    static RESOLVE: OnceLock<Resolve> = OnceLock::new();
    RESOLVE.get_or_init(|| claw_compiler::std_wit::resolve().expect("the bundled WIT packages load"))
}

/// xorshift64*: tiny, deterministic, good enough to pick test inputs.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

thread_local! {
    /// Set while a case runs, so the panic hook records instead of printing.
    static CAPTURING: Cell<bool> = const { Cell::new(false) };
    /// The last panic's message and location on this thread.
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Installs (once) a panic hook that records panics raised inside
/// [`compile_case`] and leaves every other panic to the default hook.
fn install_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let default = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if CAPTURING.with(Cell::get) {
                let message = if let Some(s) = info.payload().downcast_ref::<&str>() {
                    (*s).to_string()
                } else if let Some(s) = info.payload().downcast_ref::<String>() {
                    s.clone()
                } else {
                    "<non-string panic payload>".to_string()
                };
                let location = info.location().map(|l| format!(" at {}:{}", l.file(), l.line())).unwrap_or_default();
                LAST_PANIC.with(|p| *p.borrow_mut() = Some(format!("{message}{location}")));
            } else {
                default(info);
            }
        }));
    });
}

/// What one case did.
enum Outcome {
    Compiled,
    Rejected(Vec<Diagnostic>),
    Panicked(String),
}

/// The largest source [`compile_case`] also formats, in bytes.
const FORMAT_LIMIT: usize = 64 * 1024;

/// Formats and compiles `source` (as a test file for `clawc test` when
/// `test_file`), catching any panic.
fn compile_case(source: &str, test_file: bool) -> Outcome {
    install_hook();
    CAPTURING.with(|c| c.set(true));
    let result = panic::catch_unwind(AssertUnwindSafe(|| {
        // The formatter never panics either, and what it writes parses and
        // formats to itself. (Not the deep programs: their formatted text
        // grows with the square of the depth, as indentation; the child
        // process formats them at a smaller depth.)
        if source.len() <= FORMAT_LIMIT
            && let Ok(formatted) = claw_compiler::format(source)
        {
            match claw_compiler::format(&formatted) {
                Ok(again) if again == formatted => {}
                Ok(again) => panic!("formatting is not idempotent:\n{formatted}\n-----\n{again}"),
                Err(d) => panic!("the formatted text does not parse ({:?}):\n{formatted}", d.first()),
            }
        }
        if test_file {
            claw_compiler::testing::compile_tests(source, WORLD, resolve()).map(|_| ())
        } else {
            claw_compiler::compile(source, WORLD, resolve()).map(|_| ())
        }
    }));
    CAPTURING.with(|c| c.set(false));
    match result {
        Ok(Ok(_)) => Outcome::Compiled,
        Ok(Err(diagnostics)) => Outcome::Rejected(diagnostics),
        Err(_) => {
            Outcome::Panicked(LAST_PANIC.with(|p| p.borrow_mut().take()).unwrap_or_else(|| "<no message>".to_string()))
        }
    }
}

/// Problems found in one family of cases.
#[derive(Default)]
struct Failures {
    family: &'static str,
    /// Compile the cases as test files (`claw_compiler::testing`).
    test_file: bool,
    cases: usize,
    compiled: usize,
    /// How often each diagnostic code came first (to see which stages the cases reach).
    first_codes: std::collections::BTreeMap<&'static str, usize>,
    items: Vec<String>,
}

impl Failures {
    fn new(family: &'static str) -> Failures {
        Failures { family, ..Failures::default() }
    }

    /// Runs one case and records whatever is wrong with its outcome.
    /// Returns whether it compiled.
    fn run(&mut self, label: &str, source: &str) -> bool {
        self.cases += 1;
        match compile_case(source, self.test_file) {
            Outcome::Compiled => {
                self.compiled += 1;
                true
            }
            Outcome::Panicked(message) => {
                self.items.push(format!("[{label}] PANIC: {message}\n    input: {source:?}"));
                false
            }
            Outcome::Rejected(diagnostics) => {
                if let Some(d) = diagnostics.first() {
                    *self.first_codes.entry(d.code).or_default() += 1;
                }
                if let Some(problem) = diagnostics_problem(source, &diagnostics) {
                    self.items.push(format!("[{label}] {problem}\n    input: {source:?}"));
                }
                false
            }
        }
    }

    /// Prints every failure, then fails the test if there were any.
    fn finish(self) {
        if self.compiled > 0 || !self.first_codes.is_empty() {
            eprintln!(
                "{}: {} cases, {} compiled; first diagnostic codes of the rest: {:?}",
                self.family, self.cases, self.compiled, self.first_codes
            );
        }
        if self.items.is_empty() {
            return;
        }
        let mut report = format!("{}: {} of {} cases failed:\n", self.family, self.items.len(), self.cases);
        for item in &self.items {
            report.push_str(item);
            report.push('\n');
        }
        eprintln!("{report}");
        panic!("{}: {} of {} cases failed (see above)", self.family, self.items.len(), self.cases);
    }
}

/// Why a rejection's diagnostics are unusable, if they are.
fn diagnostics_problem(source: &str, diagnostics: &[Diagnostic]) -> Option<String> {
    if diagnostics.is_empty() {
        return Some("rejected with no diagnostics".to_string());
    }
    if !diagnostics.iter().any(|d| d.severity == claw_compiler::Severity::Error) {
        return Some(format!("rejected with only warnings: {:?}", codes(diagnostics)));
    }
    if let Some(d) = diagnostics.iter().find(|d| d.code == "internal-error") {
        // The compiler's own "this is a bug in clawc" report: a rejected
        // program must be rejected by a real check, not by a later stage.
        return Some(format!("`internal-error` diagnostic: {}", d.message));
    }
    for d in diagnostics {
        if d.labels.is_empty() {
            return Some(format!("diagnostic `{}` ({}) has no label", d.code, d.message));
        }
        for label in &d.labels {
            let (start, end) = (label.span.start as usize, label.span.end as usize);
            if start > end || end > source.len() {
                return Some(format!(
                    "diagnostic `{}` ({}) has span {start}..{end} outside the source (length {})",
                    d.code,
                    d.message,
                    source.len()
                ));
            }
            if !source.is_char_boundary(start) || !source.is_char_boundary(end) {
                return Some(format!(
                    "diagnostic `{}` ({}) has span {start}..{end} not on char boundaries",
                    d.code, d.message
                ));
            }
        }
    }
    None
}

fn codes(diagnostics: &[Diagnostic]) -> Vec<&'static str> {
    diagnostics.iter().map(|d| d.code).collect()
}

// ---------------------------------------------------------------------------
// Valid programs, for (c) and (d).

/// Three realistic programs (~20-35 lines each) covering imports from
/// `wasi:logging`, plain imports, globals, every loop form, strings, chars,
/// floats and casts.
const PROGRAMS: &[(&str, &str)] = &[
    (
        "private-resource",
        r#"resource stack {
    items: list<s32>,
    constructor() {}
    func push(x: s32) { self.items.push(x); }
    func pop() -> option<s32> { return self.items.pop(); }
    destructor { dropped += 1; }
}

let mut dropped: u32 = 0;

export func sum(xs: list<s32>) -> s32 {
    let s = stack::new();
    for x in xs { s.push(x); }
    match s.pop() { some(x) => x, none => 0 }
}

/// How many stacks were dropped so far.
export func drops() -> u32 {
    let kept: option<stack> = some(stack::new());
    dropped
}
"#,
    ),
    (
        "expressions",
        r#"// `if` and `match` as values, tails, `let _`, nested tuple indices.
variant shape { circle(f64), square(f64) }

export func area(s: shape) -> f64 {
    let a = match s { circle(r) => 3.0 * r * r, square(x) => x * x };
    a
}

export func pick(b: bool, o: option<string>) -> string {
    let path = match o {
        some(p) => if b { p } else { "x" },
        none => { return "/"; }
    };
    let t = (1, (2, path));
    let _ = t.1.0;
    {
        let inner = t.0 + 1;
    }
    if b { t.1.1 } else { "\{'λ'}" }
}
"#,
    ),
    (
        "logging-counter",
        r#"// A counter that logs as it goes.
import { log, level } from wasi:logging/logging;

let mut calls: u32 = 0;
let greeting: string = "héllo";

/// Sums 1..=n, logging every tenth step.
export func sum-to(n: u32) -> u64 {
    calls += 1;
    let mut total: u64 = 0;
    for i in 0..n {
        total = total + (i as u64) + 1;
        if i % 10 == 0 {
            log(level::debug, "sum-to", "step");
        }
    }
    log(level::info, "sum-to", greeting + ", done ✓");
    return total;
}

export func call-count() -> u32 {
    return calls;
}
"#,
    ),
    (
        "casts-and-while",
        r#"let mut scale: f64 = 1.5;
let limit: s32 = -40;

func clamp(x: s32, lo: s32, hi: s32) -> s32 {
    if x < lo {
        return lo;
    } else if x > hi {
        return hi;
    }
    return x;
}

export func convert(x: s32) -> f32 {
    let y = clamp(x, limit, 0x7f) as f64 * scale;
    scale *= 2.0;
    return y as f32;
}

/* Counts set bits. */
export func bits(x: u32) -> u8 {
    let mut n: u32 = 0;
    let mut v = x;
    while v != 0 {
        n += v & 1;
        v = v >> 1;
    }
    return n as u8;
}

export func is-vowel(c: char) -> bool {
    return c == 'a' or c == 'e' or c == 'i' or c == 'o' or c == '\u{3bb}';
}
"#,
    ),
    (
        "strings-and-loops",
        r#"import { log, level } from wasi:logging/logging;
import double as twice: func(x: s32) -> s32;

let mut last: string = "";

/// Repeats `s` n times, separated by commas.
export func repeat(s: string, n: u32) -> string {
    let mut out = "";
    let mut i: u32 = 0;
    loop {
        if i >= n {
            break;
        }
        if i > 0 {
            out = out + ", ";
        }
        out = out + s;
        i += 1;
    }
    last = out;
    log(level::warn, "repeat", "built \"" + out + "\"\n");
    return out;
}

export func odd-twice-sum(a: s32, b: s32) -> s64 {
    let mut acc: s64 = 0;
    for k in a..b {
        if k % 2 == 0 {
            continue;
        }
        acc += twice(k) as s64;
    }
    return acc;
}
"#,
    ),
    (
        "defined-resource",
        r#"// A resource defined in an inline interface, kept in a global.
import { get-stdout } from wasi:cli/stdout;

let mut kept: list<square> = [];
let mut made: u32 = 0;

export shapes: interface {
    resource square {
        side: u32,
        name: string,
        constructor(side: u32) {
            self.side = side;
            self.name = "s\{side}";
            made += 1;
        }
        func area() -> u32 { return self.side * self.side; }
        func grow(by: u32) { self.side += by; }
        static func unit() -> square { return square::new(1); }
        destructor { made -= 1; }
    }
    func make(n: u32) -> square { return square::new(n); }
}

export func demo(n: u32) -> u32 {
    let a = square::new(n);
    a.grow(1);
    kept = [square::unit(), square::new(2)];
    let mut total = a.area();
    for s in kept {
        total += s.area();
    }
    if kept.len() > 0 {
        total += kept[0].area();
    }
    get-stdout().flush();
    return total + made;
}
"#,
    ),
];

// ---------------------------------------------------------------------------
// Token soup, for (b).

/// Claw tokens, keywords, identifiers and literals, including edge cases
/// (extreme and malformed literals, escapes, unterminated comments).
#[rustfmt::skip]
const TOKENS: &[&str] = &[
    // keywords
    "func", "let", "mut", "if", "else", "while", "loop", "for", "in", "break", "continue", "return", "import",
    "export", "from", "as", "true", "false", "and", "or", "not",
    // reserved
    "match", "record", "enum", "type", "resource", "test", "assert", "self", "constructor", "static", "destructor",
    // types
    "u8", "u16", "u32", "u64", "s8", "s16", "s32", "s64", "f32", "f64", "bool", "char", "string", "level",
    // identifiers
    "x", "y", "a", "b", "n", "total", "my-var", "fun0", "log", "now", "double", "%func", "%let", "x-1",
    "wasi", "logging", "clocks", "monotonic-clock", "random", "get-random-u64", "wasi:logging/logging",
    "wasi:clocks/monotonic-clock", "@0.2.0", "@0.1.0-draft", "level::info", "level::critical",
    // integer literals, including ones no type holds
    "0", "1", "2", "7", "31", "32", "63", "64", "127", "128", "255", "256", "-1", "0x7f", "0xFF", "0b1010",
    "1_000", "2147483647", "2147483648", "4294967295", "4294967296", "9223372036854775807",
    "9223372036854775808", "18446744073709551615", "18446744073709551616",
    "170141183460469231731687303715884105727", "170141183460469231731687303715884105728",
    "340282366920938463463374607431768211455", "340282366920938463463374607431768211456",
    "99999999999999999999999999999999999999999999", "0x", "0b", "0b2", "1__",
    // float literals
    "0.0", "1.5", "-2.5", "1e10", "1e309", "1.0e-400", "3.4028235e38", "1e", "1.", ".5", "1.2.3",
    // strings and chars
    "\"\"", "\"hi\"", "\"héllo 😀\"", "\"a\\nb\"", "\"\\u{1F600}\"", "\"\\u{110000}\"", "\"\\u{D800}\"",
    "\"\\q\"", "\"\\u{}\"", "\"\\u{zz}\"", "\"unterminated", "'a'", "'λ'", "'\\n'", "'\\''", "'\\u{1F600}'",
    "'\\u{D800}'", "'ab'", "''", "'", "'\\", "\"\\",
    // comments
    "// line comment\n", "/// doc comment\n", "/* block */", "/* unterminated", "*/", "/* /* nested */ */",
    // punctuation and operators
    "(", ")", "{", "}", "[", "]", ",", ";", ":", "::", ".", "..", "->", "=>", "?", "!", "=", "==", "!=", "<",
    "<=", ">", ">=", "+", "-", "*", "/", "%", "&", "|", "^", "<<", ">>", ">>>", "+=", "-=", "*=", "/=", "%=",
    "&=", "|=", "^=", "<<=", ">>=", "@", "$", "#", "~", "`", "\\", "\u{0}", "\u{feff}", "λ", "😀",
];

/// A body-ish sequence of tokens that is more likely to reach the checker
/// and code generator than pure soup.
const STATEMENT_SHAPES: &[&str] = &[
    "let x = {e};",
    "let mut y: {t} = {e};",
    "x = {e};",
    "y += {e};",
    "return {e};",
    "if {e} {{ return {e}; }} else {{ y = {e}; }}",
    "while {e} {{ break; }}",
    "for i in {e}..{e} {{ y = y + i; }}",
    "loop {{ if {e} {{ break; }} continue; }}",
    "log(level::info, {e}, {e});",
    "{e};",
];

#[rustfmt::skip]
const EXPR_ATOMS: &[&str] = &[
    "x", "y", "a", "n", "total", "0", "1", "-1", "255", "256", "-128", "-129", "2147483647", "-2147483648",
    "4294967295", "9223372036854775807", "-9223372036854775808", "18446744073709551615",
    "340282366920938463463374607431768211455", "0x7f", "1.5", "1e300", "-0.0", "true", "false", "\"s\"",
    "\"λ\"", "'c'", "level::warn", "now()", "fun0(1, 2)", "double(3)",
];

const BIN_OPS: &[&str] =
    &["+", "-", "*", "/", "%", "&", "|", "^", "<<", ">>", ">>>", "==", "!=", "<", "<=", ">", ">=", "and", "or"];

const TYPES: &[&str] = &["u8", "u16", "u32", "u64", "s8", "s16", "s32", "s64", "f32", "f64", "bool", "char", "string"];

fn random_expr(rng: &mut Rng, depth: usize) -> String {
    match if depth > 3 { 0 } else { rng.below(6) } {
        0 | 1 => rng.pick(EXPR_ATOMS).to_string(),
        2 => format!("{} {} {}", random_expr(rng, depth + 1), rng.pick(BIN_OPS), random_expr(rng, depth + 1)),
        3 => format!("({} as {})", random_expr(rng, depth + 1), rng.pick(TYPES)),
        4 => format!("{}{}", rng.pick(&["-", "not ", "!", "-(", ""]), random_expr(rng, depth + 1)),
        _ => format!("({})", random_expr(rng, depth + 1)),
    }
}

fn random_soup(rng: &mut Rng) -> String {
    let count = 1 + rng.below(40);
    let spaced = rng.below(4) != 0;
    let mut out = String::new();
    for _ in 0..count {
        if spaced && !out.is_empty() {
            out.push(' ');
        }
        let token: &&str = rng.pick(TOKENS);
        out.push_str(token);
    }
    out
}

/// One token-soup case: bare soup, soup as a function body, soup inside an
/// expression, or statements built from random (often ill-typed) expressions.
fn token_case(rng: &mut Rng) -> String {
    let header = "import { log, level } from wasi:logging/logging;\nimport { now } from wasi:clocks/monotonic-clock;\n\
                  import double: func(x: s32) -> s32;\nlet mut total: u64 = 0;\n\
                  export func fun0(a: u64, b: u64) -> u64 { return a + b; }\n";
    match rng.below(5) {
        0 | 1 => random_soup(rng),
        2 => format!(
            "{header}export func f(a: s32, n: u32) -> {} {{\n    let mut y: s32 = 0;\n    {}\n}}\n",
            rng.pick(TYPES),
            random_soup(rng)
        ),
        3 => format!("{header}export func f(a: s32) -> s32 {{\n    return {};\n}}\n", random_soup(rng)),
        _ => {
            let mut body = String::new();
            for _ in 0..1 + rng.below(4) {
                let shape = rng.pick(STATEMENT_SHAPES);
                // Fill each `{e}` / `{t}` hole; `{{`/`}}` are literal braces.
                let mut stmt = String::new();
                let mut rest = *shape;
                while !rest.is_empty() {
                    if let Some(r) = rest.strip_prefix("{e}") {
                        stmt.push_str(&random_expr(rng, 0));
                        rest = r;
                    } else if let Some(r) = rest.strip_prefix("{t}") {
                        let ty: &&str = rng.pick(TYPES);
                        stmt.push_str(ty);
                        rest = r;
                    } else if let Some(r) = rest.strip_prefix("{{") {
                        stmt.push('{');
                        rest = r;
                    } else if let Some(r) = rest.strip_prefix("}}") {
                        stmt.push('}');
                        rest = r;
                    } else {
                        let c = rest.chars().next().expect("non-empty");
                        stmt.push(c);
                        rest = &rest[c.len_utf8()..];
                    }
                }
                body.push_str("    ");
                body.push_str(&stmt);
                body.push('\n');
            }
            let ty = rng.pick(TYPES);
            format!(
                "{header}let mut g: {ty} = {};\nexport func f(a: s32, n: u32) -> {ty} {{\n    let mut y: s32 = 0;\n    let x = a;\n{body}    return {};\n}}\n",
                rng.pick(&["0", "1", "-1", "255", "-129", "1.5", "true", "\"s\"", "'c'", "level::info"]),
                random_expr(rng, 0)
            )
        }
    }
}

// ---------------------------------------------------------------------------
// Mostly well-typed random programs, for (e): these get past the checker and
// exercise code generation and component wrapping.

const INT_TYPES: &[&str] = &["u8", "u16", "u32", "u64", "s8", "s16", "s32", "s64"];
const FLOAT_TYPES: &[&str] = &["f32", "f64"];

/// A literal for `ty`: usually in range (edges included), sometimes not.
fn typed_literal(rng: &mut Rng, ty: &str) -> String {
    let (min, max): (i128, i128) = match ty {
        "u8" => (0, u8::MAX.into()),
        "u16" => (0, u16::MAX.into()),
        "u32" => (0, u32::MAX.into()),
        "u64" => (0, u64::MAX.into()),
        "s8" => (i8::MIN.into(), i8::MAX.into()),
        "s16" => (i16::MIN.into(), i16::MAX.into()),
        "s32" => (i32::MIN.into(), i32::MAX.into()),
        "s64" => (i64::MIN.into(), i64::MAX.into()),
        _ => {
            return rng
                .pick(&["0.0", "-0.0", "1.5", "-2.25", "1e38", "3.5e38", "1e-45", "1e300", "0.1", "7"])
                .to_string();
        }
    };
    let value = match rng.below(40) {
        0..=3 => min,
        4..=7 => max,
        8 => max + 1,
        9 => min - 1,
        10..=12 => -1,
        _ => rng.below(70) as i128,
    };
    match rng.below(6) {
        0 if value >= 0 => format!("0x{value:x}"),
        1 if value >= 0 => format!("0b{value:b}"),
        _ => value.to_string(),
    }
}

fn typed_expr(rng: &mut Rng, ty: &str, depth: usize) -> String {
    let is_int = INT_TYPES.contains(&ty);
    match if depth > 3 { rng.below(3) } else { rng.below(9) } {
        0 => typed_literal(rng, ty),
        1 => rng.pick(&["a", "b", "y", "g"]).to_string(),
        2 => format!("({} as {ty})", rng.pick(&["c", "d", "n", "a", "(n as u8)", "(d as f32)"])),
        3..=5 => {
            let op = if is_int {
                *rng.pick(&["+", "-", "*", "/", "%", "&", "|", "^", "<<", ">>", ">>>"])
            } else {
                *rng.pick(&["+", "-", "*", "/"])
            };
            format!("{} {op} {}", typed_expr(rng, ty, depth + 1), typed_expr(rng, ty, depth + 1))
        }
        6 if !ty.starts_with('u') => format!("-{}", typed_expr(rng, ty, depth + 1)),
        7 => format!("({})", typed_expr(rng, ty, depth + 1)),
        _ => format!("h({}, {})", typed_expr(rng, ty, depth + 1), typed_expr(rng, ty, depth + 1)),
    }
}

fn typed_bool(rng: &mut Rng, ty: &str, depth: usize) -> String {
    match if depth > 2 { 0 } else { rng.below(4) } {
        0 => format!(
            "{} {} {}",
            typed_expr(rng, ty, 2),
            rng.pick(&["==", "!=", "<", "<=", ">", ">="]),
            typed_expr(rng, ty, 2)
        ),
        1 => format!("not ({})", typed_bool(rng, ty, depth + 1)),
        2 => format!(
            "{} {} {}",
            typed_bool(rng, ty, depth + 1),
            rng.pick(&["and", "or"]),
            typed_bool(rng, ty, depth + 1)
        ),
        _ => rng.pick(&["true", "false", "flag"]).to_string(),
    }
}

fn typed_case(rng: &mut Rng) -> String {
    let ty = if rng.below(4) == 0 { *rng.pick(FLOAT_TYPES) } else { *rng.pick(INT_TYPES) };
    let mut body = String::new();
    for _ in 0..1 + rng.below(5) {
        let stmt = match rng.below(7) {
            0 => format!("y = {};", typed_expr(rng, ty, 0)),
            1 => format!("y {}= {};", rng.pick(&["+", "-", "*", "/"]), typed_expr(rng, ty, 0)),
            2 => format!(
                "if {} {{ y = {}; }} else {{ return {}; }}",
                typed_bool(rng, ty, 0),
                typed_expr(rng, ty, 0),
                typed_expr(rng, ty, 0)
            ),
            3 => format!("while {} {{ y = {}; break; }}", typed_bool(rng, ty, 0), typed_expr(rng, ty, 0)),
            4 => format!("for i in {}..n {{ y = y + (i as {ty}); }}", rng.pick(&["0", "1", "n", "4294967295"])),
            5 => format!("let z: {ty} = {}; g = z;", typed_expr(rng, ty, 0)),
            _ => format!("flag = {};", typed_bool(rng, ty, 0)),
        };
        body.push_str("    ");
        body.push_str(&stmt);
        body.push('\n');
    }
    format!(
        "let mut g: {ty} = {};\nlet mut flag: bool = false;\n\
         func h(p: {ty}, q: {ty}) -> {ty} {{\n    return p;\n}}\n\
         export func f(a: {ty}, b: {ty}, c: s64, d: f64, n: u32) -> {ty} {{\n    let mut y: {ty} = {};\n{body}    return {};\n}}\n",
        typed_literal(rng, ty),
        typed_literal(rng, ty),
        typed_expr(rng, ty, 0),
    )
}

// ---------------------------------------------------------------------------
// The tests.

/// How many random cases a family runs: `base`, times `CLAW_NO_PANIC_SCALE`
/// when set (for longer fuzzing runs, e.g. `CLAW_NO_PANIC_SCALE=50`).
fn cases(base: usize) -> usize {
    let scale = std::env::var("CLAW_NO_PANIC_SCALE").ok().and_then(|s| s.parse().ok()).unwrap_or(1);
    base * scale
}

/// The seed of a family's generator; `CLAW_NO_PANIC_SEED` shifts every seed
/// to explore other inputs (the default inputs are the ones CI checks).
fn seed(family: u64) -> u64 {
    let shift: u64 = std::env::var("CLAW_NO_PANIC_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0);
    0x5EED_0000 + family + shift.wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

#[test]
fn random_bytes() {
    let mut failures = Failures::new("(a) random bytes");
    let mut rng = Rng::new(seed(1));
    for case in 0..cases(2000) {
        let len = rng.below(200);
        // Mostly printable ASCII (so some of it lexes), sometimes any byte.
        let bytes: Vec<u8> =
            (0..len).map(|_| if rng.below(3) == 0 { rng.next() as u8 } else { b' ' + rng.below(95) as u8 }).collect();
        let source = String::from_utf8_lossy(&bytes).into_owned();
        failures.run(&format!("bytes #{case}"), &source);
    }
    failures.finish();
}

#[test]
fn token_soup() {
    let mut failures = Failures::new("(b) token soup");
    let mut rng = Rng::new(seed(2));
    for case in 0..cases(2000) {
        let source = token_case(&mut rng);
        failures.run(&format!("soup #{case}"), &source);
    }
    failures.finish();
}

#[test]
fn typed_programs() {
    let mut failures = Failures::new("(e) typed random programs");
    let mut rng = Rng::new(seed(5));
    for case in 0..cases(1000) {
        let source = typed_case(&mut rng);
        failures.run(&format!("typed #{case}"), &source);
    }
    failures.finish();
}

#[test]
fn valid_programs_compile() {
    for (name, source) in PROGRAMS {
        if let Err(diagnostics) = claw_compiler::compile(source, WORLD, resolve()) {
            for d in &diagnostics {
                eprintln!("{name}: [{}] {} at {:?}", d.code, d.message, d.primary_span());
            }
            panic!("the valid program `{name}` does not compile");
        }
        assert!(source.lines().count() >= 20, "{name} should be a realistic ~20-line program");
    }
}

#[test]
fn every_prefix() {
    let mut failures = Failures::new("(c) prefixes");
    for (name, source) in PROGRAMS {
        let cuts = source.char_indices().map(|(i, _)| i).chain([source.len()]);
        for cut in cuts {
            let compiled = failures.run(&format!("{name} cut at byte {cut}"), &source[..cut]);
            if cut == source.len() && !compiled {
                failures.items.push(format!("[{name}] the whole program does not compile"));
            }
        }
    }
    failures.finish();
}

#[test]
fn one_char_edits() {
    /// Characters to insert or replace with: syntax, digits, letters, quotes,
    /// whitespace, multi-byte and control characters.
    #[rustfmt::skip]
    const ALPHABET: &[char] = &[
        '(', ')', '{', '}', ';', ':', ',', '.', '=', '<', '>', '+', '-', '*', '/', '%', '&', '|', '^', '!', '@',
        '"', '\'', '\\', '0', '1', '9', 'a', 'x', 'e', 'u', 's', 'Z', '_', ' ', '\n', '\t', '\r', 'λ', '😀',
        '\u{0}', '\u{1b}', '\u{7f}', '\u{85}', '\u{202e}', '\u{feff}', '\u{fffd}',
    ];
    let mut failures = Failures::new("(d) one-character edits");
    let mut rng = Rng::new(seed(4));
    for case in 0..cases(1000) {
        let (name, source) = rng.pick(PROGRAMS);
        let mut chars: Vec<char> = source.chars().collect();
        let at = rng.below(chars.len());
        let what = match rng.below(3) {
            0 => {
                let removed = chars.remove(at);
                format!("deleted {removed:?} at char {at}")
            }
            1 => {
                let c = *rng.pick(ALPHABET);
                chars.insert(at, c);
                format!("inserted {c:?} at char {at}")
            }
            _ => {
                let c = *rng.pick(ALPHABET);
                let old = std::mem::replace(&mut chars[at], c);
                format!("replaced {old:?} with {c:?} at char {at}")
            }
        };
        let mutated: String = chars.into_iter().collect();
        failures.run(&format!("edit #{case} of {name}: {what}"), &mutated);
    }
    failures.finish();
}

/// A test file for `clawc test`: tests, `assert`, `?`, a property test, a
/// `traps` test and a mock with state and call records.
const TEST_FILE: &str = r#"import { log, level } from wasi:logging/logging;

record pair { a: u32, b: string }

func twice(x: u32) -> u32 { return x * 2; }

test "arithmetic" {
    assert twice(2) == 4, "twice of \{2}";
    let p: pair = {a: 1, b: "x"};
    assert p == {a: 1, b: "x"};
}

test "options" {
    let xs: list<u32> = [1, 2];
    assert xs.get(1)? == 2;
    if xs.len() > 5 { return; }
}

test "traps" traps {
    let zero: u32 = 0;
    assert 1 / zero == 0;
}

test "property" (n: u16, s: string) {
    assert twice(n as u32) >= n as u32;
    assert s.len() >= 0;
}

mock wasi:logging/logging {
    let mut seen: u32 = 0;
    func log(lvl: level, context: string, message: string) {
        seen += 1;
    }
}

test "mock records" {
    assert logging::log.count() == 0;
}
"#;

#[test]
fn test_files_never_panic() {
    let mut failures = Failures { test_file: true, ..Failures::new("test files: prefixes and edits") };
    let cuts = TEST_FILE.char_indices().map(|(i, _)| i).chain([TEST_FILE.len()]);
    for cut in cuts {
        let compiled = failures.run(&format!("test file cut at byte {cut}"), &TEST_FILE[..cut]);
        if cut == TEST_FILE.len() && !compiled {
            failures.items.push("the whole test file does not compile".to_string());
        }
    }
    let mut rng = Rng::new(seed(9));
    let chars: Vec<char> = TEST_FILE.chars().collect();
    for case in 0..cases(300) {
        let mut edited = chars.clone();
        let at = rng.below(edited.len());
        edited.remove(at);
        let mutated: String = edited.into_iter().collect();
        failures.run(&format!("test file edit #{case}: deleted char {at}"), &mutated);
    }
    failures.finish();
}

/// Inputs found to fail (by this file's fuzzing at larger scales), kept as
/// fixed cases so they are checked on every run. Each is a minimal
/// reproducer, kept as regression tests.
#[test]
fn known_reproducers() {
    let mut failures = Failures::new("known reproducers");
    // A `///` doc comment is copied into the world's WIT, and wit-parser
    // rejects control characters, bidirectional overrides and deprecated
    // code points there. The lexer must report `invalid-doc-character` on
    // the comment; before that fix these were `internal-error`s at 0..0.
    for c in ['\u{0}', '\u{7}', '\u{1b}', '\u{7f}', '\u{85}', '\u{202e}', '\u{2066}', '\u{149}'] {
        let escaped = c.escape_unicode();
        failures.run(
            &format!("doc comment of an export holding {escaped}"),
            &format!("/// a{c}b\nexport func f() {{\n}}\n"),
        );
        failures.run(
            &format!("doc comment of a plain import holding {escaped}"),
            &format!("/// a{c}b\nimport g: func();\nexport func f() {{\n}}\n"),
        );
    }
    failures.finish();
}

// ---------------------------------------------------------------------------
// Deep nesting. A stack overflow aborts the process (it is not a panic that
// `catch_unwind` could stop), so each input runs in a child process: this
// test binary re-run with only `deep_nesting_child` selected.

/// Nesting depth each shape is tried at: deep, but well within what
/// generated code produces (a 10,000-term sum, a 10,000-arm `else if`).
const DEEP: usize = 10_000;

/// The deeply nested shapes: each is a small program whose one construct
/// is repeated `n` times.
fn deep_program(shape: &str, n: usize) -> Option<String> {
    let body = match shape {
        "sum-chain" => format!("    return {};\n", vec!["a"; n].join(" + ")),
        "string-concat-chain" => {
            return Some(format!(
                "export func f(s: string) -> string {{\n    return {};\n}}\n",
                vec!["s"; n].join(" + ")
            ));
        }
        "parentheses" => format!("    return {}a{};\n", "(".repeat(n), ")".repeat(n)),
        "unary-minus" => format!("    return {}a;\n", "-".repeat(n)),
        "cast-chain" => format!("    return a{};\n", " as s32".repeat(n)),
        "nested-if" => format!("{}    return 1;\n{}    return 0;\n", "    if a > 0 {\n".repeat(n), "    }\n".repeat(n)),
        "else-if-chain" => {
            let mut b = String::from("    if a == 0 {\n        return 0;\n    }");
            for i in 1..n {
                b.push_str(&format!(" else if a == {i} {{\n        return {i};\n    }}"));
            }
            b.push_str("\n    return -1;\n");
            b
        }
        "nested-loops" => format!("{}    return 1;\n{}", "    loop {\n".repeat(n), "    }\n".repeat(n)),
        _ => return None,
    };
    Some(format!("export func f(a: s32) -> s32 {{\n{body}}}\n"))
}

const DEEP_SHAPES: &[&str] = &[
    "sum-chain",
    "string-concat-chain",
    "parentheses",
    "unary-minus",
    "cast-chain",
    "nested-if",
    "else-if-chain",
    "nested-loops",
];

/// Runs in a child process (see [`deep_nesting`]); does nothing otherwise.
#[test]
#[ignore = "run by `deep_nesting` in a child process"]
fn deep_nesting_child() {
    let (Ok(shape), Ok(n)) = (std::env::var("CLAW_DEEP_SHAPE"), std::env::var("CLAW_DEEP_N")) else {
        return;
    };
    let n: usize = n.parse().expect("CLAW_DEEP_N is a number");
    let source = deep_program(&shape, n).expect("a known shape");
    // Formatting recurses as deep as the nesting too.
    let shallower = deep_program(&shape, n.min(2000)).expect("a known shape");
    let formatted = std::thread::Builder::new()
        .stack_size(8 << 20)
        .spawn(move || claw_compiler::format(&shallower).map(|f| f.len()))
        .expect("spawn")
        .join();
    if !matches!(formatted, Ok(Ok(_))) {
        println!("CLAW_DEEP_OUTCOME BAD: formatting it failed: {formatted:?}");
        return;
    }
    // 8 MiB, the main thread's usual stack, as `clawc` would have.
    let outcome = std::thread::Builder::new()
        .stack_size(8 << 20)
        .spawn(move || match compile_case(&source, false) {
            Outcome::Compiled => "compiled".to_string(),
            Outcome::Rejected(d) => match diagnostics_problem(&source, &d) {
                Some(problem) => format!("BAD: {problem}"),
                None => format!("rejected: {:?}", codes(&d)),
            },
            Outcome::Panicked(message) => format!("BAD: panic: {message}"),
        })
        .expect("spawn")
        .join()
        .expect("join");
    println!("CLAW_DEEP_OUTCOME {outcome}");
}

#[test]
fn deep_nesting() {
    let exe = std::env::current_exe().expect("the test binary's path");
    let mut failures = Failures::new("deep nesting (child processes)");
    for shape in DEEP_SHAPES {
        failures.cases += 1;
        let output = std::process::Command::new(&exe)
            .args(["deep_nesting_child", "--exact", "--include-ignored", "--nocapture", "--test-threads=1"])
            .env("CLAW_DEEP_SHAPE", shape)
            .env("CLAW_DEEP_N", DEEP.to_string())
            .output()
            .expect("run the test binary");
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        // libtest may print `test deep_nesting_child ... ` on the same line first.
        let outcome =
            stdout.lines().find_map(|l| l.split_once("CLAW_DEEP_OUTCOME ").map(|(_, o)| o.trim().to_string()));
        let problem = match outcome {
            Some(o) if o.starts_with("BAD: ") => Some(o),
            Some(_) => None,
            None => {
                let last = stderr.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("").to_string();
                Some(format!("the compiler crashed ({}): {last}", output.status))
            }
        };
        if let Some(problem) = problem {
            let shown = deep_program(shape, 3).expect("a known shape");
            failures.items.push(format!(
                "[{shape} x {DEEP}] {problem}\n    reproduce with the shape below at depth {DEEP}: {shown:?}"
            ));
        }
    }
    failures.finish();
}
