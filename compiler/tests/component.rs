//! The component's world, as read back from the component's bytes with
//! wit-component (what `wasm-tools component wit` prints), matches the
//! source: its imports, its exports with their exact types, and the `///`
//! docs.

use wit_parser::{WorldItem, WorldKey};

const SOURCE: &str = r#"
import { level, log } from wasi:logging/logging;
import { now } from wasi:clocks/monotonic-clock;

/// Fetches a value from the host.
import fetch as get-value: func(key: string) -> u64;

/// Adds one to the counter and returns it.
export func increment(by: u32) -> u32 {
    log(level::info, "counter", "increment");
    return by + 1;
}

/// The time, twice.
export func twice-now() -> u64 {
    return now() + get-value("x");
}

export func severity(l: level) -> level {
    return l;
}
"#;

fn decoded() -> (wit_parser::Resolve, wit_parser::WorldId) {
    let resolve = claw_compiler::std_wit::resolve().expect("bundled WIT");
    let compiled = claw_compiler::compile(SOURCE, "counter", &resolve).expect("compiles");
    match wit_component::decode(&compiled.component).expect("decodes") {
        wit_component::DecodedWasm::Component(resolve, world) => (resolve, world),
        wit_component::DecodedWasm::WitPackage(..) => panic!("decoded a WIT package, not a component"),
    }
}

#[test]
fn decoded_world_matches_source() {
    let (resolve, world_id) = decoded();
    let world = &resolve.worlds[world_id];
    let mut imports: Vec<String> = world.imports.keys().map(|k| resolve.name_world_key(k)).collect();
    imports.sort();
    assert_eq!(
        imports,
        ["fetch", "level", "wasi:clocks/monotonic-clock@0.2.12", "wasi:logging/logging@0.1.0-draft"],
        "imports: the two interfaces, the plain function under its world name, and the enum `use`d by an export"
    );
    let mut exports: Vec<String> = world.exports.keys().map(|k| resolve.name_world_key(k)).collect();
    exports.sort();
    assert_eq!(exports, ["increment", "severity", "twice-now"]);

    let Some(WorldItem::Function(increment)) = world.exports.get(&WorldKey::Name("increment".into())) else {
        panic!("increment is not a function export");
    };
    assert_eq!(increment.params.len(), 1);
    assert_eq!(increment.params[0].name, "by");
    assert_eq!(increment.params[0].ty, wit_parser::Type::U32);
    assert_eq!(increment.result, Some(wit_parser::Type::U32));
    assert_eq!(increment.docs.contents.as_deref(), Some("Adds one to the counter and returns it."));

    let Some(WorldItem::Function(fetch)) = world.imports.get(&WorldKey::Name("fetch".into())) else {
        panic!("fetch is not a function import");
    };
    assert_eq!(fetch.docs.contents.as_deref(), Some("Fetches a value from the host."));
    assert_eq!(fetch.result, Some(wit_parser::Type::U64));
}

#[test]
fn wit_text_shows_world() {
    let resolve = claw_compiler::std_wit::resolve().expect("bundled WIT");
    let wit = claw_compiler::world_wit(SOURCE, "counter", &resolve).expect("checks");
    assert!(wit.contains("package claw:counter;"), "{wit}");
    assert!(wit.contains("import wasi:logging/logging@0.1.0-draft;"), "{wit}");
    assert!(wit.contains("use wasi:logging/logging@0.1.0-draft.{level};"), "{wit}");
    assert!(wit.contains("/// Adds one to the counter and returns it."), "{wit}");
    assert!(wit.contains("export severity: func(l: level) -> level;"), "{wit}");
}

#[test]
fn output_validates_with_default_features() {
    let resolve = claw_compiler::std_wit::resolve().expect("bundled WIT");
    let compiled = claw_compiler::compile(SOURCE, "counter", &resolve).expect("compiles");
    let mut validator = wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::default());
    validator.validate_all(&compiled.component).expect("valid with default features");
}

#[test]
fn crlf_sources_keep_their_docs() {
    let source = "/// Adds one.\r\nexport func inc(x: u32) -> u32 {\r\n    return x + 1;\r\n}\r\n";
    let resolve = claw_compiler::std_wit::resolve().expect("bundled WIT");
    let wit = claw_compiler::world_wit(source, "crlf", &resolve).expect("CRLF sources compile");
    assert!(wit.contains("/// Adds one.\n"), "{wit}");
}

/// A resource defined in an inline interface is part of that interface in
/// the component's world, with its constructor, methods and static
/// functions, and nothing of the file's private members (a destructor).
#[test]
fn inline_interface_resources_are_in_the_world() {
    let source = r#"
export shapes: interface {
    resource square {
        side: u32,
        constructor(side: u32) { self.side = side; }
        func area() -> u32 { return self.side * self.side; }
        static func unit() -> square { return square::new(1); }
        destructor { }
    }
    func make(n: u32) -> square { return square::new(n); }
}
"#;
    let resolve = claw_compiler::std_wit::resolve().expect("bundled WIT");
    let compiled = claw_compiler::compile(source, "shapes", &resolve).expect("compiles");
    let wit_component::DecodedWasm::Component(resolve, world) =
        wit_component::decode(&compiled.component).expect("decodes")
    else {
        panic!("decoded a WIT package, not a component");
    };
    let exports = &resolve.worlds[world].exports;
    let Some(WorldItem::Interface { id, .. }) = exports.get(&WorldKey::Name("shapes".into())) else {
        panic!("no `shapes` interface export: {:?}", exports.keys().collect::<Vec<_>>());
    };
    let iface = &resolve.interfaces[*id];
    let square = iface.types["square"];
    assert!(matches!(resolve.types[square].kind, wit_parser::TypeDefKind::Resource));
    let mut names: Vec<&str> = iface.functions.keys().map(|s| s.as_str()).collect();
    names.sort();
    assert_eq!(names, ["[constructor]square", "[method]square.area", "[static]square.unit", "make"]);
}

/// A world with nothing unused (every import is called, every type is
/// used): what `wit_component::decode` reads back from the component's
/// bytes is exactly the world `clawc wit` prints, docs included. The
/// source has world-level imports and exports, the file's own record,
/// variant, enum and flags, an inline interface with a resource (its
/// constructor, method, static function and destructor), a `use`d enum of
/// an imported interface, strings and lists (lowered with memory and
/// realloc through the shim), and a result that needs a post-return. The
/// bytes are the same each time.
#[test]
fn decoded_world_is_the_wit_world() {
    let source = r#"
import { level, log } from wasi:logging/logging;

/// Asks the host.
import ask: func(q: string) -> list<string>;

/// A point.
record point { x: s32, y: s32 }
variant shape { dot(point), line(list<point>), empty }
enum colour { red, green }
flags mode { read, write }

/// Says something.
export func say(l: level, m: string) -> list<string> {
    log(l, "ctx", m);
    return ask(m);
}

export func area(s: shape, c: colour, m: mode) -> option<point> {
    return none;
}

export shapes: interface {
    /// A square.
    resource square {
        side: u32,
        constructor(side: u32) { self.side = side; }
        /// Its area.
        func area() -> u32 { return self.side * self.side; }
        static func unit() -> square { return square::new(1); }
        destructor { }
    }
    func names(n: u32) -> list<string> { return ["a"]; }
}

export rounds: interface {
    resource circle {
        r: u32,
        constructor(r: u32) { self.r = r; }
        destructor { }
    }
}
"#;
    let resolve = claw_compiler::std_wit::resolve().expect("bundled WIT");
    let compiled = claw_compiler::compile(source, "everything", &resolve).expect("compiles");
    let decoded = claw_compiler::component::decoded_world_wit(&compiled.component, "everything").expect("decodes");
    let wit = compiled.wit().expect("prints");
    assert_eq!(decoded, wit);
    assert!(wit.contains("/// Says something."), "{wit}");
    assert!(wit.contains("static func() -> square;"), "{wit}");
    // The bytes do not depend on hashing: every compilation gives the same.
    for _ in 0..4 {
        let again = claw_compiler::compile(source, "everything", &resolve).expect("compiles");
        assert!(again.component == compiled.component, "two compilations gave different bytes");
    }
}

/// A core module of `n` functions `() -> i32`, each about 40 bytes of code;
/// those in `invalid` add with an empty stack.
fn module_with_invalid_bodies(n: u32, invalid: &[u32]) -> Vec<u8> {
    use wasm_encoder::{CodeSection, Function, FunctionSection, Instruction as I, Module, TypeSection, ValType};
    let mut types = TypeSection::new();
    types.ty().function([], [ValType::I32]);
    let (mut functions, mut code) = (FunctionSection::new(), CodeSection::new());
    for i in 0..n {
        functions.function(0);
        let mut f = Function::new([]);
        if invalid.contains(&i) {
            f.instruction(&I::I32Add);
        }
        f.instruction(&I::I32Const(i as i32));
        for k in 0..12 {
            f.instruction(&I::I32Const(k)).instruction(&I::I32Add);
        }
        f.instruction(&I::End);
        code.function(&f);
    }
    let mut module = Module::new();
    module.section(&types).section(&functions).section(&code);
    module.finish()
}

/// `component::validate` validates a large code section's bodies on two
/// threads and still reports what `validate_all` reports: nothing for a
/// valid module, else the first invalid body in order.
#[test]
fn validation_reports_the_first_invalid_body() {
    let all = |bytes: &[u8]| {
        let mut validator = wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all());
        validator.validate_all(bytes).map(|_| ()).map_err(|e| e.to_string())
    };
    for invalid in [&[][..], &[4000], &[3000, 4500], &[10, 4999]] {
        let bytes = module_with_invalid_bodies(5000, invalid);
        assert!(bytes.len() > 1 << 17, "a large code section");
        let ours = claw_compiler::component::validate(&bytes).map_err(|e| e.to_string());
        assert_eq!(ours, all(&bytes), "invalid bodies {invalid:?}");
        assert_eq!(ours.is_ok(), invalid.is_empty());
    }
}

/// The number of each kind of component section in `source`'s component.
fn section_counts(source: &str) -> [usize; 5] {
    let resolve = claw_compiler::std_wit::resolve().expect("bundled WIT");
    let compiled = claw_compiler::compile(source, "many", &resolve).expect("compiles");
    let mut counts = [0; 5];
    for payload in wasmparser::Parser::new(0).parse_all(&compiled.component) {
        let kind = match payload.expect("parses") {
            wasmparser::Payload::ComponentTypeSection(_) => 0,
            wasmparser::Payload::ComponentAliasSection(_) => 1,
            wasmparser::Payload::ComponentCanonicalSection(_) => 2,
            wasmparser::Payload::ComponentExportSection(_) => 3,
            wasmparser::Payload::ComponentImportSection(_) => 4,
            _ => continue,
        };
        counts[kind] += 1;
    }
    counts
}

/// `n` exported functions of each shape (plain, with strings, calling
/// imports that are lowered plainly and through the shim).
fn many_exports(n: usize) -> String {
    let mut source = String::from(
        "import { now } from wasi:clocks/monotonic-clock;\nimport fetch as get-value: func(key: string) -> u64;\n",
    );
    for i in 0..n {
        source.push_str(&format!(
            "export func add{i}(a: u32) -> u32 {{\n    return a + {i};\n}}\n\
             export func echo{i}(s: string) -> string {{\n    return s;\n}}\n\
             export func call{i}() -> u64 {{\n    return now() + get-value(\"k{i}\");\n}}\n"
        ));
    }
    source
}

#[test]
fn exports_share_sections() {
    // Each kind of item is emitted in runs, so the number of sections does
    // not grow with the number of exports (one per export would be ~15,000
    // sections for 5,000 exports, each validated on its own).
    let few = section_counts(&many_exports(2));
    let many = section_counts(&many_exports(30));
    assert_eq!(few, many, "section counts (type, alias, canon, export, import) grow with the exports");
    assert_eq!(many[3], 1, "all exports in one export section: {many:?}");
}

/// The offsets of the `i32.add` instructions in `core`'s function bodies.
fn i32_adds(core: &[u8]) -> Vec<usize> {
    let mut offsets = Vec::new();
    for payload in wasmparser::Parser::new(0).parse_all(core) {
        if let wasmparser::Payload::CodeSectionEntry(body) = payload.expect("parses") {
            let mut reader = body.get_operators_reader().expect("operators");
            while !reader.eof() {
                let offset = reader.original_position();
                if let wasmparser::Operator::I32Add = reader.read().expect("operator") {
                    offsets.push(offset);
                }
            }
        }
    }
    offsets
}

/// `component::wrap` validates a large core module on its own thread while
/// it encodes and validates the rest of the component, and still reports
/// what `validate_all` on the whole component reports: nothing for a valid
/// one, else the first error in order (here: `i32.add`s made `i64.add`, one
/// byte each, so the module still parses but those bodies do not validate).
#[test]
fn wrap_reports_what_validate_all_reports() {
    use claw_compiler::{codegen, component};
    let std = claw_compiler::std_wit::resolve().expect("bundled WIT");
    let mut module = claw_compiler::check(&many_exports(400), &std).expect("checks");
    let mut resolve = std::mem::take(&mut module.resolve);
    let (package, world) = component::add_world(&module, &mut resolve, "many").expect("world");
    let core = codegen::generate(&module, &resolve).bytes;
    assert!(core.len() > 1 << 16, "a core module validated on a thread of its own: {} bytes", core.len());
    let adds = i32_adds(&core);
    let n = adds.len();
    assert!(n > 100, "{n} i32.add");
    let all = |bytes: &[u8]| {
        let mut validator = wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all());
        validator.validate_all(bytes).map(|_| ()).map_err(|e| e.to_string())
    };
    let mut errors = Vec::new();
    for picks in [&[][..], &[n / 2], &[3, n - 2], &[n - 2, n / 3]] {
        let mut bad = core.clone();
        for pick in picks {
            assert_eq!(bad[adds[*pick]], 0x6a, "i32.add");
            bad[adds[*pick]] = 0x7c;
        }
        let expected = all(&component::encode::encode(&resolve, world, &bad).expect("encodes"));
        let ours =
            component::wrap(bad, &module, &mut resolve.clone(), package, world).map(|_| ()).map_err(|e| e.to_string());
        assert_eq!(ours, expected, "invalid adds {picks:?}");
        assert_eq!(ours.is_ok(), picks.is_empty());
        errors.push(ours);
    }
    assert_ne!(errors[2], errors[3], "the first invalid body is reported");
}

/// For a large file `compile` adds the world to a copy of the `Resolve` on
/// another thread while codegen runs; the component and its WIT are those
/// of the stages run one after another on the module's own `Resolve`.
#[test]
fn large_file_compiles_as_in_order() {
    use claw_compiler::{codegen, component};
    // With a resource of an inline interface, whose owner the world changes.
    let source = many_exports(400)
        + "export shapes: interface {\n    resource square {\n        side: u32,\n        \
           constructor(side: u32) { self.side = side; }\n        \
           func area() -> u32 { return self.side * self.side; }\n        destructor { }\n    }\n}\n";
    assert!(source.len() > 64 * 1024, "a large file: {} bytes", source.len());
    let std = claw_compiler::std_wit::resolve().expect("bundled WIT");
    let compiled = claw_compiler::compile(&source, "many", &std).expect("compiles");
    let mut module = claw_compiler::check(&source, &std).expect("checks");
    let mut resolve = std::mem::take(&mut module.resolve);
    let (package, world) = component::add_world(&module, &mut resolve, "many").expect("world");
    let core = codegen::generate(&module, &resolve).bytes;
    let component = component::wrap(core, &module, &mut resolve, package, world).expect("wraps");
    assert!(compiled.component == component, "the same component");
    assert_eq!(compiled.wit().expect("prints"), component::print_package(&resolve, package).expect("prints"));
}
