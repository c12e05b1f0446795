//! The editor query API (`claw_compiler::analysis`): one small fixture per
//! case, with `$0` marking the cursor (rust-analyzer style), and an insta
//! snapshot of the answer that shows the source first, then the result.
//!
//! Every feature is also checked in a file with an unrelated syntax or type
//! error elsewhere (the `*_with_errors` cases), and `no_panic_*` runs every
//! query at every offset of a few programs and of every prefix of one.
//!
//! Update snapshots with `INSTA_UPDATE=always cargo test -p claw-compiler --test analysis`
//! (or `cargo insta review`), then read the `.snap` files before committing.

use claw_compiler::analysis::{self, Analysis, Definition, HoverLanguage};
use claw_compiler::{Resolve, Span};
use std::fmt::Write;
use std::sync::OnceLock;

/// A small WIT package with docs, a record, a variant, an enum, flags and a
/// resource, next to the bundled WASI packages.
const SHAPES_WIT: &str = r#"package test:shapes@0.1.0;

/// Geometry for the tests.
interface geometry {
    /// A point on the plane.
    record point {
        /// Across.
        x: s32,
        /// Down.
        y: s32,
    }
    variant shape {
        circle(f64),
        square(f64),
        empty,
    }
    enum color { red, green, blue }
    flags perms { read, write }
    /// A canvas to draw on.
    resource canvas {
        constructor(width: u32);
        /// Draws `s` at `at`.
        draw: func(s: shape, at: point) -> bool;
        /// The canvas of size zero.
        blank: static func() -> canvas;
    }
    /// The distance between two points, rounded down.
    distance: func(a: point, b: point) -> u32;
    origin: func() -> point;
}
"#;

/// The WIT of a component under test, as `clawc test` adds it to the `Resolve`.
const ADDER_WIT: &str = r#"package test:adder;

interface math {
    /// Multiplies.
    mul: func(a: u32, b: u32) -> u32;
}

world adder {
    /// Adds.
    export add: func(a: u32, b: u32) -> u32;
    export math;
}
"#;

fn resolve() -> &'static Resolve {
    static RESOLVE: OnceLock<Resolve> = OnceLock::new();
    RESOLVE.get_or_init(|| {
        let mut resolve = claw_compiler::std_wit::resolve().expect("bundled WIT parses");
        resolve.push_str("shapes.wit", SHAPES_WIT).expect("test WIT parses");
        resolve.push_str("adder.wit", ADDER_WIT).expect("test WIT parses");
        resolve
    })
}

/// The source without its `$0` marker, and the marker's offset.
fn fixture(text: &str) -> (String, u32) {
    let offset = text.find("$0").expect("fixture has a $0 cursor");
    (text.replacen("$0", "", 1), offset as u32)
}

fn analyze(text: &str) -> (Analysis, String, u32) {
    let (source, offset) = fixture(text);
    (analysis::analyze(&source, resolve()), source, offset)
}

/// The source with `$0`, a separator line, and `result`.
fn shown(fixture: &str, result: &str) -> String {
    format!("{}\n----\n{}", fixture.trim_end(), result.trim_end())
}

fn quote(source: &str, span: Span) -> String {
    format!("{}..{} `{}`", span.start, span.end, &source[span.range()])
}

/// The diagnostics' codes (to show that a fixture does have the error it is about).
fn codes(a: &Analysis) -> String {
    let codes: Vec<&str> = a.diagnostics().iter().map(|d| d.code).collect();
    format!("diagnostics: [{}]", codes.join(", "))
}

fn hover(text: &str) -> String {
    let (a, source, offset) = analyze(text);
    let result = match a.hover(offset) {
        Some(h) => {
            let lang = match h.language {
                HoverLanguage::Claw => "claw",
                HoverLanguage::Wit => "wit",
            };
            format!("{}\nhover {}\n```{lang}\n{}\n```\n{}", codes(&a), quote(&source, h.span), h.code, h.docs)
        }
        None => format!("{}\nno hover", codes(&a)),
    };
    shown(text, &result)
}

fn definition(text: &str) -> String {
    let (a, source, offset) = analyze(text);
    let result = match a.definition(offset) {
        Some(Definition::Source(span)) => format!("in this file: {}", quote(&source, span)),
        Some(Definition::Wit { path, span }) => {
            let text = wit_text(&path).map(|t| t[span.0 as usize..span.1 as usize].to_string()).unwrap_or_default();
            format!("in WIT file {path} at {}..{}: `{text}`", span.0, span.1)
        }
        None => "no definition".to_string(),
    };
    shown(text, &format!("{}\n{result}", codes(&a)))
}

/// The text of a WIT file the server would open for a [`Definition::Wit`].
fn wit_text(path: &str) -> Option<&'static str> {
    if path == "shapes.wit" {
        return Some(SHAPES_WIT);
    }
    claw_compiler::std_wit::PACKAGES.iter().find(|(p, _)| *p == path).map(|(_, t)| *t)
}

fn references(text: &str) -> String {
    let (a, source, offset) = analyze(text);
    let result = match a.references(offset, true) {
        Some(spans) => spans.iter().map(|s| quote(&source, *s)).collect::<Vec<_>>().join("\n"),
        None => "no references".into(),
    };
    shown(text, &format!("{}\n{result}", codes(&a)))
}

fn rename(text: &str, new_name: &str) -> String {
    let (a, source, offset) = analyze(text);
    let result = match a.rename(offset, new_name) {
        Ok(edits) => {
            let mut out = source.clone();
            let mut edits = edits.clone();
            edits.sort_by_key(|(s, _)| std::cmp::Reverse(s.start));
            for (span, text) in edits {
                out.replace_range(span.range(), &text);
            }
            format!("renamed to `{new_name}`:\n{out}")
        }
        Err(why) => format!("refused: {why}"),
    };
    let prepared = match a.prepare_rename(offset) {
        Ok(span) => format!("prepare_rename: {}", quote(&source, span)),
        Err(_) => "prepare_rename: refused".into(),
    };
    shown(text, &format!("{}\n{prepared}\n{result}", codes(&a)))
}

fn completions(text: &str) -> String {
    let (a, _, offset) = analyze(text);
    let mut out = codes(&a);
    for c in a.completions(offset) {
        write!(out, "\n{:?} {}", c.kind, c.label).ok();
        if let Some(d) = &c.detail {
            write!(out, "  ({})", d.replace('\n', " ")).ok();
        }
        if let Some(d) = &c.docs {
            write!(out, "  -- {}", d.replace('\n', " ")).ok();
        }
        if let Some(text) = &c.insert_text {
            write!(out, "\n    inserts: {text}").ok();
        }
    }
    shown(text, &out)
}

/// Completions, leaving out keywords (listed once, in `completion_keywords`).
fn completions_no_keywords(text: &str) -> String {
    let full = completions(text);
    full.lines().filter(|l| !l.starts_with("Keyword ")).collect::<Vec<_>>().join("\n")
}

fn signature(text: &str) -> String {
    let (a, _, offset) = analyze(text);
    let result = match a.signature_help(offset) {
        Some(s) => {
            let params: Vec<&str> = s.params.iter().map(|(x, y)| &s.label[*x as usize..*y as usize]).collect();
            format!(
                "{}\n{}\nparams: {params:?}\nactive: {} ({:?})\n{}",
                codes(&a),
                s.label,
                s.active_param,
                params.get(s.active_param as usize),
                s.docs
            )
        }
        None => format!("{}\nno signature help", codes(&a)),
    };
    shown(text, &result)
}

fn inlay(text: &str) -> String {
    let source = text.to_string();
    let a = analysis::analyze(&source, resolve());
    let mut out = source.clone();
    let mut hints = a.inlay_hints(Span::new(0, source.len() as u32));
    hints.sort_by_key(|h| std::cmp::Reverse(h.offset));
    for h in hints {
        out.insert_str(h.offset as usize, &format!("«{}»", h.label));
    }
    format!("{}\n----\n{}\n{}", text.trim_end(), codes(&a), out.trim_end())
}

fn actions(text: &str) -> String {
    let (a, source, offset) = analyze(text);
    let mut out = codes(&a);
    for action in a.code_actions(Span::new(offset, offset)) {
        let mut edited = source.clone();
        let mut edits = action.edits.clone();
        edits.sort_by_key(|(s, _)| std::cmp::Reverse(s.start));
        for (span, text) in edits {
            edited.replace_range(span.range(), &text);
        }
        write!(out, "\n== {}\n{}", action.title, edited.trim_end()).ok();
    }
    shown(text, &out)
}

macro_rules! case {
    ($name:ident, $render:expr) => {
        #[test]
        fn $name() {
            insta::assert_snapshot!(stringify!($name), $render);
        }
    };
}

// ---------------------------------------------------------------- hover

case!(hover_local, hover("func f() -> s32 {\n    let total = 1 + 2;\n    return to$0tal;\n}\n"));
case!(
    hover_mutable_local_list,
    hover("func f() {\n    let mut xs = [1u8];\n    xs$0.push(2);\n}\n".replace("1u8", "1 as u8").as_str())
);
case!(hover_parameter, hover("func f(count: u64) -> u64 {\n    return cou$0nt * 2;\n}\n"));
case!(hover_global, hover("/// How many.\nlet mut limit: u32 = 10;\nfunc f() -> u32 {\n    return lim$0it;\n}\n"));
case!(
    hover_function,
    hover(
        "/// Adds two numbers.\n/// Wraps on overflow.\nfunc add(a: u32, b: u32) -> u32 { a + b }\nexport func f() -> u32 {\n    return ad$0d(1, 2);\n}\n"
    )
);
case!(
    hover_wit_function,
    hover(
        "import { distance, point } from test:shapes/geometry;\nexport func f(a: point) -> u32 {\n    return dist$0ance(a, a);\n}\n"
    )
);
case!(
    hover_wasi_function,
    hover("import { now } from wasi:clocks/monotonic-clock;\nexport func f() -> u64 {\n    return n$0ow();\n}\n")
);
case!(
    hover_wit_type,
    hover("import { point } from test:shapes/geometry;\nexport func f(a: po$0int) -> s32 {\n    return a.x;\n}\n")
);
case!(
    hover_wit_field,
    hover("import { point } from test:shapes/geometry;\nexport func f(a: point) -> s32 {\n    return a.$0x;\n}\n")
);
case!(
    hover_wit_resource_method,
    hover(
        "import { canvas, shape, origin } from test:shapes/geometry;\nexport func f() -> bool {\n    let c = canvas::new(10);\n    return c.dr$0aw(shape::empty, origin());\n}\n"
    )
);
case!(
    hover_defined_resource_method,
    hover(
        "resource counter {\n    value: u32,\n    constructor(start: u32) { self.value = start; }\n    /// The current value.\n    func get() -> u32 { return self.value; }\n}\nexport func f() -> u32 {\n    let c = counter::new(1);\n    return c.g$0et();\n}\n"
    )
);
case!(hover_interface, hover("import { now } from wasi:clocks/monotonic$0-clock;\nexport func f() -> u64 { now() }\n"));
case!(
    hover_type_of_exported_interface,
    hover(
        "export test:shapes/geometry {\n    func distance(a: po$0int, b: point) -> u32 { 0 }\n    func origin() -> point { {x: 0, y: 0} }\n}\n"
    )
);
case!(
    hover_self,
    hover(
        "resource counter {\n    value: u32,\n    constructor(start: u32) { self.value = start; }\n    func get() -> u32 { return se$0lf.value; }\n}\n"
    )
);
case!(hover_builtin_method, hover("func f(xs: list<string>) -> bool {\n    return xs.cont$0ains(\"a\");\n}\n"));
case!(
    hover_defined_resource,
    hover(
        "/// Counts.\nresource counter {\n    value: u32,\n    constructor(start: u32) { self.value = start; }\n    func get() -> u32 { return self.value; }\n}\nexport func f() -> u32 {\n    let c = coun$0ter::new(1);\n    return c.get();\n}\n"
    )
);
case!(hover_expression_type, hover("func f(a: u16, b: u16) -> bool {\n    return (a + b) $0== 3;\n}\n"));
case!(hover_record_type, hover("record point { x: s32, y: s32 }\nfunc f(p: poi$0nt) -> s32 { p.x }\n"));
case!(hover_case, hover("enum level { low, high }\nfunc f() -> level { level::hi$0gh }\n"));
case!(
    hover_with_syntax_error,
    hover("func broken( {\n}\nfunc f() -> u32 {\n    let total: u32 = 1;\n    let x = ;\n    return to$0tal;\n}\n")
);
case!(
    hover_with_type_error,
    hover("func g() -> u32 { return \"no\"; }\nfunc f(count: u64) -> u64 {\n    return cou$0nt * 2;\n}\n")
);

case!(
    hover_in_test,
    hover(
        "import add: func(a: u32, b: u32) -> u32;\ntest \"adds\" {\n    let sum = add(1, 2);\n    assert su$0m == 3;\n}\n"
    )
);
case!(
    hover_test_parameter,
    hover("record pair { left: u32, right: u32 }\ntest \"pairs\" (p: pair) {\n    assert p$0.left == p.left;\n}\n")
);

// ---------------------------------------------------------------- definition

case!(definition_local, definition("func f() -> s32 {\n    let total = 1;\n    return to$0tal;\n}\n"));
case!(
    definition_shadowed_local,
    definition("func f() -> s32 {\n    let x = 1;\n    let x = x$0 + 1;\n    return x;\n}\n")
);
case!(definition_parameter, definition("func f(count: u32) -> u32 {\n    return count$0;\n}\n"));
case!(definition_global, definition("let limit: u32 = 10;\nfunc f() -> u32 {\n    return li$0mit;\n}\n"));
case!(definition_function, definition("func helper() -> u32 { 1 }\nfunc f() -> u32 {\n    return help$0er();\n}\n"));
case!(definition_type, definition("record point { x: s32, y: s32 }\nfunc f(p: poi$0nt) -> s32 { p.x }\n"));
case!(definition_field, definition("record point { x: s32, y: s32 }\nfunc f(p: point) -> s32 { p.y$0 }\n"));
case!(
    definition_record_literal_field,
    definition("record point { x: s32, y: s32 }\nfunc f() -> point {\n    return {x: 1, y$0: 2};\n}\n")
);
case!(definition_case, definition("variant shape { circle(f64), dot }\nfunc f() -> shape { shape::ci$0rcle(1.0) }\n"));
case!(
    definition_match_case,
    definition(
        "variant shape { circle(f64), dot }\nfunc f(s: shape) -> f64 {\n    match s {\n        circ$0le(r) => r,\n        dot => 0.0,\n    }\n}\n"
    )
);
case!(
    definition_resource_and_method,
    definition(
        "resource counter {\n    value: u32,\n    constructor(start: u32) { self.value = start; }\n    func get() -> u32 { return self.value; }\n}\nexport func f() -> u32 {\n    let c = counter::new(1);\n    return c.ge$0t();\n}\n"
    )
);
case!(
    definition_resource_type,
    definition(
        "resource counter {\n    value: u32,\n    constructor(start: u32) { self.value = start; }\n}\nexport func f() {\n    let c = coun$0ter::new(1);\n}\n"
    )
);
case!(
    definition_resource_field,
    definition("resource counter {\n    value: u32,\n    constructor(start: u32) { self.val$0ue = start; }\n}\n")
);
case!(
    definition_wit_function,
    definition("import { now } from wasi:clocks/monotonic-clock;\nexport func f() -> u64 {\n    return no$0w();\n}\n")
);
case!(
    definition_wit_type,
    definition("import { point } from test:shapes/geometry;\nexport func f(p: poi$0nt) -> s32 { p.x }\n")
);
case!(
    definition_wit_field,
    definition("import { point } from test:shapes/geometry;\nexport func f(p: point) -> s32 { p.y$0 }\n")
);
case!(
    definition_wit_method,
    definition(
        "import { canvas, shape, origin } from test:shapes/geometry;\nexport func f() -> bool {\n    let c = canvas::new(10);\n    return c.dr$0aw(shape::empty, origin());\n}\n"
    )
);
case!(
    definition_interface,
    definition("import { origin } from test:shapes/geom$0etry;\nexport func f() -> s32 { origin().x }\n")
);
case!(
    definition_with_syntax_error,
    definition("let limit: u32 = 10;\nfunc broken() { let = ; }\nfunc f() -> u32 {\n    return li$0mit;\n}\n")
);

// ---------------------------------------------------------------- references and rename

case!(
    references_local,
    references("func f() -> s32 {\n    let mut n$0 = 1;\n    n += n;\n    return n;\n}\nfunc g(n: s32) -> s32 { n }\n")
);
case!(
    references_function,
    references("func helper() -> u32 { 1 }\nfunc f() -> u32 {\n    return helper() + helper$0();\n}\n")
);
case!(
    references_with_type_error,
    references(
        "func helper() -> u32 { 1 }\nfunc g() -> u32 { return \"no\"; }\nfunc f() -> u32 {\n    return helper() + helper$0();\n}\n"
    )
);
case!(rename_local, rename("func f() -> s32 {\n    let n$0 = 1;\n    return n + n;\n}\n", "count"));
case!(rename_global, rename("let mut hits: u32 = 0;\nfunc f() {\n    hit$0s += 1;\n}\n", "total-hits"));
case!(rename_function, rename("func helper() -> u32 { 1 }\nfunc f() -> u32 {\n    return help$0er();\n}\n", "one"));
case!(rename_type, rename("record point { x: s32 }\nfunc f(p: point) -> point$0 { p }\n", "spot"));
case!(
    rename_field,
    rename(
        "record point { x: s32 }\nfunc f(p: point) -> s32 {\n    let q: point = {x$0: 1};\n    return p.x + q.x;\n}\n",
        "across"
    )
);
case!(
    rename_refuses_wit_import,
    rename(
        "import { now } from wasi:clocks/monotonic-clock;\nexport func f() -> u64 {\n    return no$0w();\n}\n",
        "later"
    )
);
case!(
    rename_refuses_exported_interface_function,
    rename("export wasi:cli/run {\n    func ru$0n() -> result { ok }\n}\n", "go")
);
case!(
    rename_defined_resource_method,
    rename(
        "resource counter {\n    value: u32,\n    constructor(start: u32) { self.value = start; }\n    func get() -> u32 { return self.value; }\n}\nexport func f() -> u32 {\n    let c = counter::new(1);\n    return c.ge$0t() + c.get();\n}\n",
        "current"
    )
);
case!(
    rename_import_alias,
    rename(
        "import { now as clock-now } from wasi:clocks/monotonic-clock;\nexport func f() -> u64 {\n    return clock-n$0ow();\n}\n",
        "read-clock"
    )
);
case!(
    rename_local_from_shorthand,
    rename("record point { x: s32 }\nfunc f(p: point) -> s32 {\n    let {x} = p;\n    return x$0 + 1;\n}\n", "across")
);
case!(
    rename_field_with_shorthand,
    rename(
        "record point { x: s32 }\nfunc f(p: point) -> s32 {\n    let {x} = p;\n    return p.x$0 + x;\n}\n",
        "across"
    )
);
case!(
    rename_field_assigned,
    rename(
        "record point { x: s32, inner: pair }\nrecord pair { a: s32 }\nfunc f(p: point) -> s32 {\n    let mut q = p;\n    q.x = 5;\n    q.x += 1;\n    q.inner.a = 2;\n    return q.x$0;\n}\n",
        "across"
    )
);
case!(rename_refuses_invalid_name, rename("func f() -> s32 {\n    let n$0 = 1;\n    return n;\n}\n", "Bad_Name"));
case!(rename_refuses_keyword, rename("func f() -> s32 {\n    let n$0 = 1;\n    return n;\n}\n", "type"));
case!(rename_with_syntax_error, rename("func f() -> s32 {\n    let n$0 = 1;\n    let = ;\n    return n;\n}\n", "m"));

// ---------------------------------------------------------------- completion

case!(completion_keywords, completions("func f() {\n    $0\n}\n"));
case!(
    completion_scope,
    completions_no_keywords(
        "let limit: u32 = 3;\nfunc helper(a: u32) -> u32 { a }\nfunc f(p: u32) {\n    let first = 1;\n    {\n        let inner = 2;\n    }\n    let second = 2;\n    $0\n    let later = 3;\n}\n"
    )
);
case!(completion_type_position, completions_no_keywords("record point { x: s32 }\nfunc f(p: $0) {}\n"));
case!(
    completion_record_value_not_types,
    completions_no_keywords(
        "record point { x: s32 }\nfunc f(n: s32) -> point {\n    let p: point = {x: $0};\n    return p;\n}\n"
    )
);
case!(completion_record_field_type, completions_no_keywords("record point { x: $0 }\n"));
case!(
    completion_record_fields,
    completions("record point { x: s32, y: s32 }\nfunc f(p: point) {\n    let a = p.$0\n}\n")
);
case!(
    completion_record_fields_with_prefix,
    completions("record point { x: s32, y: s32 }\nfunc f(p: point) -> s32 {\n    return p.y$0;\n}\n")
);
case!(completion_string_methods, completions("func f(s: string) {\n    s.$0\n}\n"));
case!(completion_list_methods, completions("func f() {\n    let xs: list<u32> = [];\n    xs.$0\n}\n"));
case!(
    completion_wit_resource_methods,
    completions("import { canvas } from test:shapes/geometry;\nfunc f(c: canvas) {\n    c.$0\n}\n")
);
case!(
    completion_defined_resource_members,
    completions(
        "resource counter {\n    value: u32,\n    constructor(start: u32) { self.value = start; }\n    func get() -> u32 { return self.$0; }\n    static func zero() -> counter { counter::new(0) }\n}\n"
    )
);
case!(
    completion_cases,
    completions("variant shape { circle(f64), dot }\nfunc f() -> shape {\n    return shape::$0\n}\n")
);
case!(
    completion_enum_cases_wit,
    completions("import { color } from test:shapes/geometry;\nfunc f() -> color {\n    return color::$0;\n}\n")
);
case!(
    completion_resource_statics,
    completions("import { canvas } from test:shapes/geometry;\nfunc f() {\n    let c = canvas::$0\n}\n")
);
case!(
    completion_match_arms,
    completions(
        "variant shape { circle(f64), dot }\nfunc f(s: shape) -> f64 {\n    match s {\n        circle(r) => r,\n        $0\n    }\n}\n"
    )
);
case!(
    completion_match_arms_unparsed,
    completions("func f(o: option<u32>) -> u32 {\n    match o {\n        so$0\n    }\n}\n")
);
case!(completion_none_in_comment, completions("func f() {\n    // let x$0\n}\n"));
case!(completion_none_in_string, completions("func f() -> string {\n    return \"a $0\";\n}\n"));
case!(
    completion_in_interpolation,
    completions_no_keywords(
        "record point { x: s32 }\nfunc f(p: point) -> string {\n    return \"x is \\{p.$0}\";\n}\n"
    )
);
case!(
    completion_component_exports_in_test_file,
    completions_no_keywords("$0\ntest \"adds\" {\n    assert add(1, 2) == 3;\n}\n")
);
case!(completion_packages, completions("import { now } from $0\n"));
case!(completion_interfaces, completions("import { now } from wasi:$0\n"));
case!(completion_package_interfaces, completions("import { now } from wasi:clocks/$0;\n"));
case!(completion_import_list, completions("import { distance, $0 } from test:shapes/geometry;\n"));
case!(
    completion_fields_with_errors,
    completions(
        "func broken( {\n}\nrecord point { x: s32, y: s32 }\nfunc g() -> u32 { return \"no\"; }\nfunc f(p: point) {\n    let a = p.$0\n}\n"
    )
);
case!(
    completion_scope_with_errors,
    completions_no_keywords(
        "func g() -> u32 { return \"no\"; }\nfunc f(p: u32) {\n    let first = 1;\n    let = ;\n    $0\n}\n"
    )
);
case!(
    completion_import_list_with_errors,
    completions("import { $0 } from wasi:clocks/wall-clock;\nfunc broken( {\n}\n")
);

case!(
    completion_in_test,
    completions(
        "record pair { left: u32, right: u32 }\ntest \"pairs\" (p: pair) {\n    let q = p;\n    assert q.$0\n}\n"
    )
);

// ---------------------------------------------------------------- signature help

case!(
    signature_function,
    signature("/// Adds.\nfunc add(a: u32, b: u32) -> u32 { a + b }\nfunc f() -> u32 {\n    return add(1, $0);\n}\n")
);
case!(
    signature_incomplete_call,
    signature("func add(a: u32, b: u32) -> u32 { a + b }\nfunc f() -> u32 {\n    let x = add($0\n}\n")
);
case!(
    signature_nested_call,
    signature(
        "func add(a: u32, b: u32) -> u32 { a + b }\nfunc one() -> u32 { 1 }\nfunc f() -> u32 {\n    return add(one(), $0);\n}\n"
    )
);
case!(
    signature_inner_call,
    signature(
        "func add(a: u32, b: u32) -> u32 { a + b }\nfunc f(s: string) -> u32 {\n    return add(1, s.contains($0));\n}\n"
    )
);
case!(
    signature_wit_constructor,
    signature("import { canvas } from test:shapes/geometry;\nfunc f() {\n    let c = canvas::new($0);\n}\n")
);
case!(
    signature_wit_function,
    signature(
        "import { distance, origin } from test:shapes/geometry;\nfunc f() -> u32 {\n    return distance(origin(), $0);\n}\n"
    )
);
case!(
    signature_wit_method,
    signature(
        "import { canvas, shape } from test:shapes/geometry;\nfunc f(c: canvas) -> bool {\n    return c.draw($0\n}\n"
    )
);
case!(
    signature_with_errors,
    signature(
        "func broken( {\n}\nfunc add(a: u32, b: u32) -> u32 { a + b }\nfunc f() -> u32 {\n    return add(1, 2$0);\n}\n"
    )
);

// ---------------------------------------------------------------- inlay hints

case!(
    inlay_hints_lets,
    inlay(
        "record point { x: s32, y: s32 }\nfunc f(p: point) -> s32 {\n    let a = p.x;\n    let b: s32 = 2;\n    let (c, d) = (\"s\", [p]);\n    let {x, y: e} = p;\n    for i in 0..3 as u8 {}\n    return a + b + x + e;\n}\n"
    )
);
case!(
    inlay_hints_with_errors,
    inlay(
        "func broken( {\n}\nfunc f() -> u64 {\n    let a = 1 as u64;\n    let b = ;\n    let c = \"x\" + 1;\n    return a;\n}\n"
    )
);

// ---------------------------------------------------------------- code actions

case!(
    action_missing_match_arms,
    actions(
        "variant shape { circle(f64), square(f64), dot }\nfunc f(s: shape) -> f64 {\n    match s$0 {\n        dot => 0.0,\n    }\n}\n"
    )
);
case!(
    action_missing_match_arms_empty,
    actions("enum level { low, high }\nfunc f(l: level) {\n    match l$0 {\n    }\n}\n")
);
case!(action_import_unknown_function, actions("export func f() -> u64 {\n    return no$0w();\n}\n"));
case!(
    action_import_into_existing_import,
    actions(
        "import { now } from wasi:clocks/monotonic-clock;\nexport func f() -> u64 {\n    return now() + resolu$0tion();\n}\n"
    )
);
case!(action_import_unknown_type, actions("export func f(p: poi$0nt) {}\n"));
case!(
    action_with_syntax_error,
    actions(
        "func broken( {\n}\nenum level { low, high }\nfunc f(l: level) {\n    match l$0 {\n        low => {}\n    }\n}\n"
    )
);

// ---------------------------------------------------------------- robustness

/// Runs every query at `offset` (none may panic).
fn every_query(a: &Analysis, offset: u32) {
    let end = offset.saturating_add(3);
    let _ = a.hover(offset);
    let _ = a.definition(offset);
    let _ = a.references(offset, true);
    let _ = a.prepare_rename(offset);
    let _ = a.rename(offset, "renamed");
    let _ = a.completions(offset);
    let _ = a.signature_help(offset);
    let _ = a.inlay_hints(Span::new(offset, end));
    let _ = a.code_actions(Span::new(offset, end));
}

const PROGRAMS: &[&str] = &[
    "import { now, resolution } from wasi:clocks/monotonic-clock;\nimport { point, shape, canvas, color, distance, origin } from test:shapes/geometry;\n\n/// Docs.\nlet mut hits: u32 = 0;\nrecord pair { a: u32, b: string }\n\nexport func run(p: point, s: shape) -> u64 {\n    let mut total = 0 as u64;\n    for i in 0..10 as u64 { total += i; }\n    let c = canvas::new(3);\n    c.draw(s, origin());\n    let q = match s { circle(r) => r, square(x) => x * 2.0, empty => 0.0 };\n    let name = \"p is \\{p.x}\";\n    hits += name.len();\n    let xs: list<pair> = [{a: 1, b: \"b\"}];\n    for x in xs { total += x.a as u64; }\n    if q > 1.0 { return now(); }\n    return total + resolution() + distance(p, origin()) as u64;\n}\n",
    "resource counter {\n    value: u32,\n    constructor(start: u32) { self.value = start; }\n    func get() -> u32 { return self.value; }\n    static func zero() -> counter { counter::new(0) }\n}\nexport func f() -> u32 {\n    let c = counter::zero();\n    let d = counter::new(1);\n    return c.get() + d.get();\n}\n",
    "func broken( {\n}\nfunc f() -> u32 {\n    let x = ;\n    let y = p.\n    match y { }\n    return \"no\" + z(1,;\n}\nimport { } from wasi:\n",
    "test \"adds\" {\n    let x = 1;\n    assert x == 1;\n}\nexport func add(a: u32, b: u32) -> u32 { a + b }\n",
    "export wasi:cli/run {\n    func run() -> result {\n        return ok;\n    }\n}\n",
];

#[test]
fn no_panic_at_any_offset() {
    for program in PROGRAMS {
        let a = analysis::analyze(program, resolve());
        for offset in 0..=program.len() as u32 + 1 {
            every_query(&a, offset);
        }
    }
}

#[test]
fn no_panic_on_any_prefix() {
    let program = PROGRAMS[0];
    for end in (0..=program.len()).filter(|i| program.is_char_boundary(*i)) {
        let prefix = &program[..end];
        let a = analysis::analyze(prefix, resolve());
        // The end is where the user types; a few offsets before it too.
        for offset in end.saturating_sub(3)..=end {
            every_query(&a, offset as u32);
        }
    }
}

/// The diagnostics are exactly what `check` reports.
#[test]
fn diagnostics_match_check() {
    for program in PROGRAMS {
        let a = analysis::analyze(program, resolve());
        let checked = claw_compiler::check(program, resolve()).err().unwrap_or_default();
        assert_eq!(a.diagnostics(), checked.as_slice(), "{program}");
    }
}

/// A language server may keep analyses in one thread and answer from another.
#[test]
fn analysis_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Analysis>();
}
