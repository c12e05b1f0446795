//! The Claw compiler: source text and a WIT [`Resolve`] in, a WebAssembly
//! component (or diagnostics) out.
//!
//! This crate does no IO: the caller reads files, builds the [`Resolve`]
//! (usually [`std_wit::resolve`] plus `--wit` directories) and writes the
//! output. The pipeline is
//!
//! ```text
//! source --lexer--> tokens --parser--> ast::File --check--> ir::Module
//!        --codegen--> core module --component--> component bytes
//! ```
//!
//! Every stage reports problems as [`Diagnostic`]s and keeps going, so one
//! run reports every independent error.

pub mod abi;
pub mod analysis;
pub mod ast;
pub mod check;
pub mod codegen;
pub mod component;
pub mod conformance;
pub mod diagnostic;
pub mod format;
pub mod ir;
pub mod lexer;
pub mod parser;
pub mod patterns;
pub mod span;
mod stack;
pub mod std_wit;
pub mod suggest;
pub mod testing;
pub mod types;

pub use diagnostic::{Diagnostic, Label, Severity};
pub use format::format;
pub use span::Span;
pub use wit_parser::Resolve;

/// A successful compilation.
#[derive(Debug)]
pub struct Compiled {
    /// The component's bytes, validated.
    pub component: Vec<u8>,
    /// The module's WIT packages with the component's world added (as
    /// package `claw:<world name>`), for [`Compiled::wit`].
    resolve: Resolve,
    /// The package of the component's world in `resolve`.
    package: wit_parser::PackageId,
}

impl Compiled {
    /// The component's world as WIT text (what `clawc wit` prints), printed
    /// on demand: building a component does not need it.
    ///
    /// # Errors
    /// An `internal-error` diagnostic if the printer fails (a compiler bug).
    pub fn wit(&self) -> Result<String, Vec<Diagnostic>> {
        component::print_package(&self.resolve, self.package).map_err(internal)
    }
}

/// Parses and checks `source`, returning the checked module when there are no errors.
///
/// `resolve` supplies the WIT packages `import ... from` may name.
pub fn check(source: &str, resolve: &Resolve) -> Result<ir::Module, Vec<Diagnostic>> {
    let checked = check_parts(source, resolve);
    if checked.diagnostics.iter().any(|d| d.severity == Severity::Error) {
        return Err(checked.diagnostics);
    }
    Ok(checked.module)
}

/// What [`check`] computes, kept whole for [`analysis`].
pub(crate) struct Checked {
    /// The parsed file, the prelude's items first when it was needed.
    pub(crate) file: ast::File,
    /// How many of `file.items` come from the prelude.
    pub(crate) prelude_items: usize,
    /// How many functions of the module come from the prelude (the first ones).
    pub(crate) prelude_funcs: usize,
    /// The checked module, even when there are errors.
    pub(crate) module: ir::Module,
    /// Every diagnostic, sorted by primary span.
    pub(crate) diagnostics: Vec<Diagnostic>,
}

/// Parses and checks `source` (see [`check`]), keeping the tree and the
/// module whatever the diagnostics.
pub(crate) fn check_parts(source: &str, resolve: &Resolve) -> Checked {
    let mut parsed = parser::parse(source);
    let (mut prelude_items, mut prelude_funcs) = (0, 0);
    if source.contains("\\{") || source.contains("check!") {
        // Interpolation and `check!` format values with the prelude's functions.
        let prelude = parser::parse(check::PRELUDE);
        prelude_items = prelude.file.items.len();
        prelude_funcs = prelude.file.funcs().count();
        parsed.file.items.splice(0..0, prelude.file.items);
    }
    let (module, mut diagnostics) = check::check_source(&parsed.file, source, resolve);
    let mut all = parsed.diagnostics;
    all.append(&mut diagnostics);
    // Labels can only point into `source` (not into the prelude).
    for d in &mut all {
        d.labels.retain(|l| l.span.end as usize <= source.len());
    }
    all.sort_by_key(|d| d.primary_span());
    Checked { file: parsed.file, prelude_items, prelude_funcs, module, diagnostics: all }
}

/// Compiles `source` into a component whose world is named `world_name`
/// (a WIT identifier; see [`component::world_name_from_stem`]).
///
/// # Errors
/// Every diagnostic found. Internal failures (which would be compiler bugs)
/// are reported as a diagnostic with code `internal-error`.
pub fn compile(source: &str, world_name: &str, resolve: &Resolve) -> Result<Compiled, Vec<Diagnostic>> {
    compile_with(source, world_name, resolve, CompileOptions::default())
}

/// How the generated code is built; [`CompileOptions::default`] is what
/// `clawc build` produces.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CompileOptions {
    /// Debugging mode for the generated code's memory management: every
    /// block the allocator frees and every heap region it reclaims (at the
    /// end of a call, at the start of a loop iteration) is filled with
    /// `0xDE` bytes, and freeing a block twice traps (`unreachable`). A value
    /// read after it was reclaimed then shows as garbage instead of silently
    /// working. Slower; `cargo test` runs the behaviour tests in this mode.
    pub debug_memory: bool,
    /// Whether the syntax tree and the IR are left unfreed when the compile
    /// ends, for a process that exits right after (`clawc build`): freeing
    /// them is wasted work, ~100 M instructions for a 50,000-line file, on a
    /// thread that competes for the cores with the compile's own. Their
    /// memory is given back when the process exits.
    pub leak_trees: bool,
}

/// [`compile`] with options.
///
/// # Errors
/// As [`compile`].
pub fn compile_with(
    source: &str,
    world_name: &str,
    resolve: &Resolve,
    options: CompileOptions,
) -> Result<Compiled, Vec<Diagnostic>> {
    let big = source.len() >= DROP_ELSEWHERE;
    let checked = check_parts(source, resolve);
    if checked.diagnostics.iter().any(|d| d.severity == Severity::Error) {
        return Err(checked.diagnostics);
    }
    let Checked { file, mut module, .. } = checked;
    release(file, big, options);
    let mut resolve = std::mem::take(&mut module.resolve);
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let (core, (mut resolve, package, world)) = if big && threads > 1 {
        // Codegen needs only the module's types, which the world adds
        // nothing to; so the world is added to a copy on another thread
        // meanwhile, and the original is freed elsewhere.
        let (core, with_world) = std::thread::scope(|scope| {
            let with_world = scope.spawn(|| {
                let mut copy = resolve.clone();
                component::add_world(&module, &mut copy, world_name).map(|(package, world)| (copy, package, world))
            });
            let core = codegen::generate_with(&module, &resolve, options);
            let with_world = with_world.join().unwrap_or_else(|_| Err(anyhow::anyhow!("adding the world panicked")));
            (core, with_world)
        });
        release(resolve, big, options);
        (core, with_world.map_err(internal)?)
    } else {
        let (package, world) = component::add_world(&module, &mut resolve, world_name).map_err(internal)?;
        (codegen::generate_with(&module, &resolve, options), (resolve, package, world))
    };
    let component = component::wrap(core.bytes, &module, &mut resolve, package, world).map_err(internal)?;
    release(module, big, options);
    Ok(Compiled { component, resolve, package })
}

/// Source size (bytes) from which [`compile_with`] frees the syntax tree
/// and the IR on another thread: for a 50,000-line file, freeing the tree
/// alone is ~58 M instructions that the compile need not wait for.
const DROP_ELSEWHERE: usize = 32 * 1024;

/// Frees `value` as `options` ask: not at all ([`CompileOptions::leak_trees`]),
/// else as [`drop_elsewhere`] does.
fn release<T: Send + 'static>(value: T, big: bool, options: CompileOptions) {
    if options.leak_trees {
        std::mem::forget(value);
    } else {
        drop_elsewhere(value, big);
    }
}

/// Drops `value` on a new thread when `big` (with a large stack, as the
/// tree may be deeply nested), else here; if no thread can be started it
/// is dropped here too (the closure holding it is dropped by `spawn`).
fn drop_elsewhere<T: Send + 'static>(value: T, big: bool) {
    if big {
        let _ = std::thread::Builder::new().stack_size(1 << 30).spawn(move || drop(value));
    } else {
        drop(value);
    }
}

/// The world `source` defines, as WIT text.
///
/// # Errors
/// Every diagnostic found.
pub fn world_wit(source: &str, world_name: &str, resolve: &Resolve) -> Result<String, Vec<Diagnostic>> {
    let mut module = check(source, resolve)?;
    let mut resolve = std::mem::take(&mut module.resolve);
    let (package, _) = component::add_world(&module, &mut resolve, world_name).map_err(internal)?;
    component::print_package(&resolve, package).map_err(internal)
}

/// Reports a failure that can only be a compiler bug.
pub(crate) fn internal(e: anyhow::Error) -> Vec<Diagnostic> {
    vec![
        Diagnostic::error("internal-error", format!("internal compiler error: {e:#}"), Span::default(), "")
            .with_note("this is a bug in clawc; please report it with the source that caused it"),
    ]
}
