//! The compiler's half of `clawc test`: a test file in, the components that
//! run it out.
//!
//! A test file is an ordinary Claw file plus three kinds of item:
//! - `test "name" [(a: T, ...)] [traps] { ... }` becomes a function
//!   returning `result<_, string>` (`ok`: passed; `err`: the
//!   failure text, see [`check::FAILURE_FORMAT`]). With parameters it is a
//!   property test, exported as `claw-test-N` and called with generated
//!   values. Without, it is not exported: the script exports one dispatcher,
//!   [`RUN_TEST_EXPORT`]`(index: u32)`, which calls the test of that index.
//!   Instantiating a component costs time for every function it exports,
//!   and each test runs in fresh instances, so one export for all plain
//!   tests keeps a test's cost independent of how many the file has.
//! - `mock ns:pkg/iface { let ...; func ... }` becomes a component of its
//!   own that exports that interface (so the component under test can import
//!   it) and records every call: for each function `f` it exports
//!   `claw-mock-K-f-count: func() -> u32` and, when no parameter holds a
//!   handle or a named type, `claw-mock-K-f-calls: func() -> list<T>` (`T`
//!   the parameter's type, or a tuple of them). The script imports these, and
//!   tests read them as `iface::f.count()` and `iface::f.calls()`.
//! - `test component "path.wasm";` names a component under test (the runner
//!   reads it; see [`component_paths`]).
//!
//! The runner wires the script, the mocks and the components under test into
//! one composition (see the `claw-runtime` crate).

use std::collections::{HashMap, HashSet};

use crate::ast::{self, Expr, ExprKind, FuncSig, Ident, Item, TypeExpr, TypeKind};
use crate::check::{self, MockAccess, TestContext};
use crate::diagnostic::{Diagnostic, Severity};
use crate::span::Span;
use crate::{Resolve, component, parser};

/// The prefix of the function of each test.
pub const TEST_EXPORT_PREFIX: &str = "claw-test-";

/// The script's export that runs one plain test (one without parameters):
/// `claw-run-test: func(index: u32) -> result<_, string>`, called with the
/// test's [`TestCase::index`].
pub const RUN_TEST_EXPORT: &str = "claw-run-test";

/// A compiled test file.
#[derive(Debug)]
pub struct TestSuite {
    /// The script component: exports one function per test; imports what the
    /// file imports plus the mocks' records.
    pub script: Vec<u8>,
    /// The tests, in file order.
    pub tests: Vec<TestCase>,
    /// The mocks, in file order.
    pub mocks: Vec<MockComponent>,
}

/// One test of a file.
#[derive(Clone, Debug)]
pub struct TestCase {
    /// The name between the quotes.
    pub name: String,
    /// The script's export that runs it: [`RUN_TEST_EXPORT`] for a plain
    /// test (called with [`index`](Self::index)), `claw-test-N` for a
    /// property test (called with the generated values).
    pub export: String,
    /// A plain test's index, the argument of [`RUN_TEST_EXPORT`]; `None`
    /// for a property test.
    pub index: Option<u32>,
    /// The parameters' names of a property test (empty for a plain test).
    pub params: Vec<String>,
    /// `traps`: the test passes only if it traps.
    pub traps: bool,
    /// Where the test starts: 1-based line and column (in chars).
    pub line: u32,
    /// See `line`.
    pub column: u32,
}

/// A mock, compiled.
#[derive(Clone, Debug)]
pub struct MockComponent {
    /// The interface it exports, as written (`example:kv/store`, maybe with
    /// `@version`).
    pub interface: String,
    /// The component.
    pub component: Vec<u8>,
    /// The world-level functions it exports for the script (the records of
    /// calls).
    pub records: Vec<String>,
}

/// A `test component "path";` item: a component under test, its path as written
/// (relative to the test file).
#[derive(Clone, Debug)]
pub struct ComponentPath {
    /// The path as written.
    pub path: String,
    /// Where it is written.
    pub span: Span,
}

/// The components a test file names with `test component "path";`, and the
/// syntax errors of the file (which [`compile_tests`] reports again).
pub fn component_paths(source: &str) -> (Vec<ComponentPath>, Vec<Diagnostic>) {
    let parsed = parser::parse(source);
    let mut errors = parsed.diagnostics;
    let mut paths = Vec::new();
    for item in &parsed.file.items {
        if let Item::Component(c) = item {
            if c.keyword.name == "component" {
                paths.push(ComponentPath { path: c.path.clone(), span: c.path_span });
            } else {
                errors.push(not_an_item(&c.keyword));
            }
        }
    }
    (paths, errors)
}

fn not_an_item(word: &Ident) -> Diagnostic {
    Diagnostic::error(
        "syntax-error",
        format!("expected `component`, found `{}`", word.name),
        word.span,
        "expected `component`",
    )
    .with_help("a test file names its component with `test component \"path/to/file.wasm\";`")
}

/// Compiles a test file: the script component (world `world_name`) and one
/// component per mock. `resolve` must hold the WIT of the components under
/// test (decoded from them) besides the usual packages.
///
/// # Errors
/// Every diagnostic found, in the script or in a mock.
pub fn compile_tests(source: &str, world_name: &str, resolve: &Resolve) -> Result<TestSuite, Vec<Diagnostic>> {
    compile_tests_with(source, world_name, resolve, crate::CompileOptions::default())
}

/// [`compile_tests`] with options for the generated code.
///
/// # Errors
/// As [`compile_tests`].
pub fn compile_tests_with(
    source: &str,
    world_name: &str,
    resolve: &Resolve,
    options: crate::CompileOptions,
) -> Result<TestSuite, Vec<Diagnostic>> {
    let parsed = parser::parse(source);
    if parsed.diagnostics.iter().any(|d| d.severity == Severity::Error) {
        return Err(finish(parsed.diagnostics, source));
    }
    let mut diagnostics = parsed.diagnostics;
    let prelude = parser::parse(check::PRELUDE).file.items;

    let mut tests = Vec::new();
    let mut context = TestContext { is_test_file: true, ..TestContext::default() };
    let mut script_items = prelude.clone();
    let mut mocks = Vec::new();
    let mut seen: HashMap<String, Span> = HashMap::new();
    // The functions of the plain tests, in index order.
    let mut plain_tests: Vec<String> = Vec::new();
    let lines = crate::span::LineIndex::new(source);
    for item in &parsed.file.items {
        match item {
            Item::Test(t) => {
                if let Some(first) = seen.insert(t.name.clone(), t.name_span) {
                    diagnostics.push(
                        Diagnostic::error(
                            "duplicate-test",
                            format!("there are two tests named \"{}\"", t.name),
                            t.name_span,
                            "named again here",
                        )
                        .with_label(first, "first named here"),
                    );
                }
                if let Some(word) = &t.traps
                    && word.name != "traps"
                {
                    diagnostics.push(
                        Diagnostic::error(
                            "syntax-error",
                            format!("expected `traps` or a block, found `{}`", word.name),
                            word.span,
                            "unexpected word",
                        )
                        .with_help("`test \"name\" traps { ... }` marks a test that must trap"),
                    );
                }
                let plain = t.params.is_empty();
                let function = if plain {
                    plain_test_function(plain_tests.len())
                } else {
                    format!("{TEST_EXPORT_PREFIX}{}", tests.len())
                };
                let (line, column) = lines.line_column(source, t.span.start);
                let index = plain.then(|| {
                    plain_tests.push(function.clone());
                    (plain_tests.len() - 1) as u32
                });
                tests.push(TestCase {
                    name: t.name.clone(),
                    export: if plain { RUN_TEST_EXPORT.to_string() } else { function.clone() },
                    index,
                    params: t.params.iter().map(|p| p.name.name.clone()).collect(),
                    traps: t.traps.is_some(),
                    line,
                    column,
                });
                context.tests.insert(function.clone());
                script_items.push(Item::Func(Box::new(ast::FuncDef {
                    docs: String::new(),
                    exported: !plain,
                    name: Ident { name: function, span: t.name_span },
                    sig: FuncSig {
                        params: t.params.clone(),
                        result: Some(test_result(t.name_span)),
                        span: t.name_span,
                    },
                    body: t.body.clone(),
                    span: t.span,
                })));
            }
            Item::Mock(m) => {
                let k = mocks.len();
                let (file, records) = mock_file(&parsed.file.items, m, k, resolve);
                for (func, access, sig) in records {
                    script_items.push(plain_import(&access.count, sig_of(Vec::new(), named("u32", m.span), m.span)));
                    if let (Some(calls), Some(ty)) = (&access.calls, sig) {
                        script_items.push(plain_import(calls, sig_of(Vec::new(), ty, m.span)));
                    }
                    context.mock_calls.insert((m.path.interface.name.clone(), func), access);
                }
                mocks.push((m, file));
            }
            Item::Component(c) => {
                if c.keyword.name != "component" {
                    diagnostics.push(not_an_item(&c.keyword));
                }
            }
            other => script_items.push(other.clone()),
        }
    }
    if !plain_tests.is_empty() {
        script_items.extend(parser::parse(&dispatcher(&plain_tests)).file.items);
    }
    let script_file = ast::File { items: script_items, recovered_names: parsed.file.recovered_names.clone() };
    let script = build(&script_file, source, world_name, resolve, context, options);
    let mut compiled_mocks = Vec::new();
    for (k, (m, file)) in mocks.into_iter().enumerate() {
        let name = format!("{world_name}-mock-{k}");
        match build(
            &file,
            source,
            &name,
            resolve,
            TestContext { is_test_file: true, ..TestContext::default() },
            options,
        ) {
            Ok(component) => compiled_mocks.push(MockComponent {
                interface: m.path.to_string(),
                component,
                records: file
                    .items
                    .iter()
                    .filter_map(|i| match i {
                        Item::Func(f) if f.exported => Some(f.name.name.clone()),
                        _ => None,
                    })
                    .collect(),
            }),
            Err(mut errors) => diagnostics.append(&mut errors),
        }
    }
    match script {
        Ok(script) if !diagnostics.iter().any(|d| d.severity == Severity::Error) => {
            Ok(TestSuite { script, tests, mocks: compiled_mocks })
        }
        Ok(_) => Err(finish(diagnostics, source)),
        Err(mut errors) => {
            diagnostics.append(&mut errors);
            Err(finish(diagnostics, source))
        }
    }
}

/// The function of the plain test of index `i`: `claw-plain-test-` and `i`
/// in letters (`a`, ..., `z`, `ba`, ...), so that the dispatcher's source
/// can name it (a word of an identifier cannot start with a digit).
fn plain_test_function(mut i: usize) -> String {
    let mut letters = Vec::new();
    loop {
        letters.push(b'a' + (i % 26) as u8);
        i /= 26;
        if i == 0 {
            break;
        }
    }
    letters.reverse();
    format!("claw-plain-test-{}", String::from_utf8_lossy(&letters))
}

/// The source of [`RUN_TEST_EXPORT`], which calls the test function
/// `tests[index]`. Parsed on its own, like the prelude: its spans are not in
/// the test file, and it has no errors to report.
fn dispatcher(tests: &[String]) -> String {
    let mut text = format!("export func {RUN_TEST_EXPORT}(index: u32) -> result<_, string> {{\n");
    for (i, test) in tests.iter().enumerate() {
        text.push_str(&format!("    if index == {i} {{\n        return {test}();\n    }}\n"));
    }
    text.push_str("    return err(\"no test has this index\");\n}\n");
    text
}

/// Checks and compiles one file of the suite into a component.
fn build(
    file: &ast::File,
    source: &str,
    world_name: &str,
    resolve: &Resolve,
    context: TestContext,
    options: crate::CompileOptions,
) -> Result<Vec<u8>, Vec<Diagnostic>> {
    let (mut module, diagnostics) = check::check_source_with(file, source, resolve, context);
    if diagnostics.iter().any(|d| d.severity == Severity::Error) {
        return Err(diagnostics);
    }
    let mut resolve = std::mem::take(&mut module.resolve);
    let (package, world) = component::add_world(&module, &mut resolve, world_name).map_err(crate::internal)?;
    let core = crate::codegen::generate_with(&module, &resolve, options);
    component::wrap(core.bytes, &module, &mut resolve, package, world).map_err(crate::internal)
}

/// Sorted, with labels outside `source` (in the prelude) removed.
fn finish(mut all: Vec<Diagnostic>, source: &str) -> Vec<Diagnostic> {
    for d in &mut all {
        d.labels.retain(|l| l.span.end as usize <= source.len());
    }
    all.sort_by_key(|d| d.primary_span());
    all
}

fn named(name: &str, span: Span) -> TypeExpr {
    TypeExpr { kind: TypeKind::Named(name.to_string()), span }
}

fn generic(name: &str, args: Vec<Option<TypeExpr>>, span: Span) -> TypeExpr {
    TypeExpr { kind: TypeKind::Generic(Ident { name: name.to_string(), span }, args), span }
}

/// `result<_, string>`, what a test returns.
fn test_result(span: Span) -> TypeExpr {
    generic("result", vec![None, Some(named("string", span))], span)
}

fn sig_of(params: Vec<ast::Param>, result: TypeExpr, span: Span) -> FuncSig {
    FuncSig { params, result: Some(result), span }
}

fn plain_import(name: &str, sig: FuncSig) -> Item {
    let span = sig.span;
    Item::Import(Box::new(ast::PlainImport {
        docs: String::new(),
        name: Ident { name: name.to_string(), span },
        alias: None,
        sig,
        span,
    }))
}

fn name_expr(name: &str, span: Span) -> Expr {
    Expr { kind: ExprKind::Name(Ident { name: name.to_string(), span }), span }
}

fn stmt(kind: ast::StmtKind, span: Span) -> ast::Stmt {
    ast::Stmt { kind, span }
}

/// Whether a type expression is built only of WIT's built-in types, so a
/// world-level function can carry it (a named type would need a `use`).
fn is_anonymous(ty: &TypeExpr) -> bool {
    match &ty.kind {
        TypeKind::Named(name) => matches!(
            name.as_str(),
            "bool" | "s8" | "s16" | "s32" | "s64" | "u8" | "u16" | "u32" | "u64" | "f32" | "f64" | "char" | "string"
        ),
        TypeKind::Generic(ctor, args) => {
            ctor.name != "borrow" && ctor.name != "own" && args.iter().flatten().all(is_anonymous)
        }
    }
}

fn wasi_path(package: &str, interface: &str, span: Span) -> ast::WitPath {
    let ident = |name: &str| Ident { name: name.to_string(), span };
    ast::WitPath { namespace: ident("wasi"), package: ident(package), interface: ident(interface), version: None, span }
}

/// The functions of the interface `path` names (the newest version when
/// it has none), with their signatures as Claw syntax; empty when it is
/// unknown (the checker reports that).
fn interface_functions(resolve: &Resolve, path: &ast::WitPath) -> Vec<(String, FuncSig)> {
    let package = resolve
        .packages
        .iter()
        .filter(|(_, p)| p.name.namespace == path.namespace.name && p.name.name == path.package.name)
        .filter(|(_, p)| match &path.version {
            Some((v, _)) => p.name.version.as_ref().is_some_and(|pv| pv.to_string() == *v),
            None => true,
        })
        .max_by_key(|(_, p)| p.name.version.clone());
    let Some(interface) = package.and_then(|(_, p)| p.interfaces.get(&path.interface.name)) else {
        return Vec::new();
    };
    let span = path.span;
    let mut out = Vec::new();
    for (name, f) in &resolve.interfaces[*interface].functions {
        if !matches!(f.kind, wit_parser::FunctionKind::Freestanding) {
            continue; // resource members are not mocked here
        }
        let mut params = Vec::new();
        let mut ok = true;
        for p in &f.params {
            match type_expr(resolve, &p.ty, span) {
                Some(ty) => params.push(ast::Param { name: Ident { name: p.name.clone(), span }, ty }),
                None => ok = false,
            }
        }
        let result = match &f.result {
            Some(t) => type_expr(resolve, t, span),
            None => None,
        };
        if ok && (f.result.is_none() || result.is_some()) {
            out.push((name.clone(), FuncSig { params, result, span }));
        }
    }
    out
}

/// A WIT type as Claw syntax, inside the interface that defines its named
/// types; `None` for what Claw cannot write (futures, streams).
fn type_expr(resolve: &Resolve, ty: &wit_parser::Type, span: Span) -> Option<TypeExpr> {
    use wit_parser::{Type, TypeDefKind};
    let prim = |name: &str| Some(named(name, span));
    match ty {
        Type::Bool => prim("bool"),
        Type::U8 => prim("u8"),
        Type::U16 => prim("u16"),
        Type::U32 => prim("u32"),
        Type::U64 => prim("u64"),
        Type::S8 => prim("s8"),
        Type::S16 => prim("s16"),
        Type::S32 => prim("s32"),
        Type::S64 => prim("s64"),
        Type::F32 => prim("f32"),
        Type::F64 => prim("f64"),
        Type::Char => prim("char"),
        Type::String => prim("string"),
        Type::ErrorContext => None,
        Type::Id(id) => {
            let def = &resolve.types[*id];
            if let Some(name) = &def.name {
                return prim(name);
            }
            let arg = |t: &Type| type_expr(resolve, t, span);
            match &def.kind {
                TypeDefKind::List(t) => Some(generic("list", vec![Some(arg(t)?)], span)),
                TypeDefKind::Option(t) => Some(generic("option", vec![Some(arg(t)?)], span)),
                TypeDefKind::Result(r) => {
                    let ok = match &r.ok {
                        Some(t) => Some(arg(t)?),
                        None => None,
                    };
                    let err = match &r.err {
                        Some(t) => Some(arg(t)?),
                        None => None,
                    };
                    if ok.is_none() && err.is_none() {
                        prim("result")
                    } else {
                        Some(generic("result", vec![ok, err], span))
                    }
                }
                TypeDefKind::Tuple(t) => {
                    let items: Option<Vec<_>> = t.types.iter().map(|t| arg(t).map(Some)).collect();
                    Some(generic("tuple", items?, span))
                }
                TypeDefKind::Handle(wit_parser::Handle::Own(r)) => arg(&Type::Id(*r)),
                TypeDefKind::Handle(wit_parser::Handle::Borrow(r)) => {
                    Some(generic("borrow", vec![Some(arg(&Type::Id(*r))?)], span))
                }
                TypeDefKind::Type(t) => arg(t),
                _ => None,
            }
        }
    }
}

/// The file of mock number `k`: the test file's own types, the mock's globals, its
/// functions (each first recording its call) inside `export path { ... }`,
/// and the exported readers of the records. Also returns, per function,
/// its name, the record readers, and the type `calls()` returns.
#[allow(clippy::type_complexity)]
fn mock_file(
    items: &[Item],
    m: &ast::MockDef,
    k: usize,
    resolve: &Resolve,
) -> (ast::File, Vec<(String, MockAccess, Option<TypeExpr>)>) {
    // No imports: a mock that imported from the components under test would
    // make the composition a cycle.
    let mut out: Vec<Item> = parser::parse(check::PRELUDE).file.items;
    out.extend(items.iter().filter(|i| matches!(i, Item::TypeDef(_))).cloned());
    for g in &m.globals {
        out.push(Item::Global(Box::new(g.clone())));
    }
    let mut records = Vec::new();
    let mut funcs = Vec::new();
    let mut names = HashSet::new();
    for f in &m.funcs {
        let span = f.name.span;
        let base = format!("claw-mock-{k}-{}", f.name.name);
        let count = format!("{base}-count");
        let count_global = format!("{base}-count-record");
        let recordable = !f.sig.params.is_empty() && f.sig.params.iter().all(|p| is_anonymous(&p.ty));
        let elem = match f.sig.params.as_slice() {
            [one] => Some(one.ty.clone()),
            many => Some(generic("tuple", many.iter().map(|p| Some(p.ty.clone())).collect(), span)),
        };
        let list_ty = elem.filter(|_| recordable).map(|e| generic("list", vec![Some(e)], span));
        let calls = list_ty.as_ref().map(|_| format!("{base}-calls"));
        let calls_global = format!("{base}-calls-record");
        if !names.insert(f.name.name.clone()) {
            continue; // reported by the checker as a duplicate
        }
        // The record globals.
        out.push(Item::Global(Box::new(ast::Global {
            docs: String::new(),
            mutable: true,
            name: Ident { name: count_global.clone(), span },
            ty: Some(named("u32", span)),
            init: Expr { kind: ExprKind::Int(0), span },
            span,
        })));
        let mut body = f.body.clone();
        let mut prologue = vec![stmt(
            ast::StmtKind::Assign {
                target: Box::new(name_expr(&count_global, span)),
                op: Some((ast::BinaryOp::Add, span)),
                value: Box::new(Expr { kind: ExprKind::Int(1), span }),
            },
            span,
        )];
        if let Some(list_ty) = &list_ty {
            out.push(Item::Global(Box::new(ast::Global {
                docs: String::new(),
                mutable: true,
                name: Ident { name: calls_global.clone(), span },
                ty: Some(list_ty.clone()),
                init: Expr { kind: ExprKind::List(Vec::new()), span },
                span,
            })));
            let args: Vec<Expr> = f.sig.params.iter().map(|p| name_expr(&p.name.name, p.name.span)).collect();
            let value = if args.len() == 1 {
                args.into_iter().next().unwrap_or_else(|| name_expr("_", span))
            } else {
                Expr { kind: ExprKind::Tuple(args), span }
            };
            let push = Expr {
                kind: ExprKind::MethodCall {
                    receiver: Box::new(name_expr(&calls_global, span)),
                    method: Ident { name: "push".into(), span },
                    args: vec![value],
                },
                span,
            };
            prologue.push(stmt(ast::StmtKind::Expr(push), span));
        }
        prologue.append(&mut body.stmts);
        body.stmts = prologue;
        funcs.push(ast::FuncDef { body, ..f.clone() });
        // The readers, exported at the world's level.
        let reader = |name: &str, global: &str, ty: TypeExpr| {
            Item::Func(Box::new(ast::FuncDef {
                docs: String::new(),
                exported: true,
                name: Ident { name: name.to_string(), span },
                sig: sig_of(Vec::new(), ty, span),
                body: ast::Block {
                    stmts: vec![stmt(ast::StmtKind::Return(Some(name_expr(global, span))), span)],
                    tail: None,
                    span,
                },
                span,
            }))
        };
        out.push(reader(&count, &count_global, named("u32", span)));
        if let (Some(calls), Some(list_ty)) = (&calls, &list_ty) {
            out.push(reader(calls, &calls_global, list_ty.clone()));
        }
        records.push((f.name.name.clone(), MockAccess { count, calls }, list_ty));
    }
    // The interface's functions the mock leaves out: each writes why on
    // stderr (shown with the failing test) and traps.
    let missing = interface_functions(resolve, &m.path)
        .into_iter()
        .filter(|(name, _)| !m.funcs.iter().any(|f| f.name.name == *name))
        .collect::<Vec<_>>();
    if !missing.is_empty() {
        out.push(Item::ImportFrom(Box::new(ast::ImportFrom {
            names: vec![ast::ImportName { name: Ident { name: "get-stderr".into(), span: m.span }, alias: None }],
            path: wasi_path("cli", "stderr", m.span),
            span: m.span,
        })));
    }
    for (name, sig) in missing {
        let message = format!("the mock of {} does not implement `{name}`, which was called\n", m.path);
        funcs.push(ast::FuncDef {
            docs: String::new(),
            exported: true,
            name: Ident { name, span: m.span },
            sig,
            body: parser::parse(&format!(
                "func stub() {{ match get-stderr().blocking-write-and-flush({message:?}.bytes()) {{ ok => {{}} err(_) => {{}} }} \
                 let none: list<u32> = []; loop {{ none[0]; }} }}"
            ))
            .file
            .funcs()
            .next()
            .map(|f| f.body.clone())
            .unwrap_or(ast::Block { stmts: Vec::new(), tail: None, span: m.span }),
            span: m.span,
        });
    }
    out.push(Item::ExportInterface(Box::new(ast::ExportInterface {
        path: m.path.clone(),
        funcs,
        resources: Vec::new(),
        span: m.span,
    })));
    (ast::File { items: out, recovered_names: Vec::new() }, records)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_test_functions_are_named_in_letters() {
        assert_eq!(plain_test_function(0), "claw-plain-test-a");
        assert_eq!(plain_test_function(25), "claw-plain-test-z");
        assert_eq!(plain_test_function(26), "claw-plain-test-ba");
        assert_eq!(plain_test_function(26 * 26), "claw-plain-test-baa");
    }

    #[test]
    fn plain_tests_share_one_export() {
        let source = "test \"one\" { assert 1 == 1; }\n\
                      test \"some\" (n: u32) { assert n == n; }\n\
                      test \"two\" traps { assert 1 == 2; }\n";
        let resolve = crate::std_wit::resolve().expect("the bundled WIT");
        let suite = compile_tests(source, "suite", &resolve).expect("compiles");
        let runs: Vec<(&str, Option<u32>)> = suite.tests.iter().map(|t| (t.export.as_str(), t.index)).collect();
        assert_eq!(runs, [(RUN_TEST_EXPORT, Some(0)), ("claw-test-1", None), (RUN_TEST_EXPORT, Some(1))]);
        let Ok(wit_component::DecodedWasm::Component(decoded, world)) = wit_component::decode(&suite.script) else {
            panic!("the script is a component");
        };
        let mut exports: Vec<String> =
            decoded.worlds[world].exports.keys().map(|k| decoded.name_world_key(k)).collect();
        exports.sort();
        assert_eq!(exports, [RUN_TEST_EXPORT, "claw-test-1"]);
    }
}
