//! The book's code is tested: every ```` ```claw ```` block in `book/src/**/*.md`
//! is one trial, named after its page and the line of its opening fence
//! (`language/expressions.md:120`), so `cargo test --test book expressions`
//! runs one page's snippets.
//!
//! The fence's info string says what kind of snippet it is, with
//! rustdoc-style attributes after the language, separated by commas
//! (```` ```claw,run ````; mdBook highlights these as `claw`, as it does
//! `rust,ignore`):
//!
//! - `claw` — a whole file, which must compile without diagnostics, with the
//!   bundled WIT (and any `wit=`). A *test file* (one with `test`, `mock` or
//!   `test component` items) is compiled the way `clawc test` compiles it:
//!   the WIT of its components under test is read from them and added, and
//!   the script and mocks are built with `claw_compiler::testing`.
//! - `claw,run` — a whole file that is also run. An ordinary file is
//!   instantiated once in wasmtime and its `// run:` lines are called in
//!   order, as in `tests/run.rs`: `// run: add(1, 2) => 3` compares the
//!   WAVE result, `// run: reset()` expects none, `// run: f() => trap` a
//!   trap; at least one is required. A test file is wired to its components
//!   and mocks and every test must pass (property tests with a fixed seed).
//! - `claw,fails=CODE` — a whole file that must fail to compile with at least
//!   one error, every error of code `CODE`.
//! - `claw,fragment` — a piece of a function body (statements) that is not a
//!   whole file: it is only lexed and parsed, inside `func fragment() { ... }`,
//!   and must have no syntax errors. Names and types are not checked, so
//!   prefer a whole file (with hidden lines, below) where that reads well.
//! - `claw,ignore` — not tested. The line before the fence must be an HTML
//!   comment saying why (`<!-- needs: if/match expressions -->`).
//!
//! Options, also comma-separated:
//!
//! - `wit=PATH` — adds WIT, as `--wit PATH` does (a `.wit` file or a package
//!   directory, relative to the repository root); may be repeated. The
//!   book's own packages are in `book/wit/`.
//! - `file=NAME` — the snippet's file name: its world is named after it, and
//!   a test file of the same page may test it as a component
//!   (`test component "calc.wasm";` builds the page's `file=calc.claw`).
//! - `dir=PATH` — the directory the snippet lives in (relative to the
//!   repository root), against which `test component` paths are resolved.
//! - `world=ns:pkg/world` — also checks the file against that world, as
//!   `clawc check --world` does.
//!
//! Lines starting with `~` (after indentation) are hidden by mdBook
//! (`output.html.code.hidelines` in `book/book.toml`): the harness drops the
//! `~` and keeps the line, so a snippet can show a few statements and still
//! be checked as a whole file.
//!
//! A ```` ```wit,file=PATH ```` block must be exactly the text of that file, so
//! the WIT a page shows is the WIT its snippets are compiled against.

mod support;

use claw_compiler::testing::TestSuite;
use claw_compiler::{Diagnostic, Resolve, Severity};
use claw_runtime::testing::{Piece, Runner, RunnerOptions, TestSpec, compose};
use claw_runtime::{RunOptions, Runtime};
use libtest_mimic::{Arguments, Failed, Trial};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The prefix of the lines mdBook hides (see `book/book.toml`).
const HIDDEN: char = '~';

fn main() {
    let args = Arguments::from_args();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let src = root.join("book/src");
    let mut pages = Vec::new();
    markdown_files(&src, &mut pages).expect("book/src is readable");
    pages.sort();
    let runtime = Runtime::new().expect("wasmtime engine");
    let mut trials = Vec::new();
    for path in pages {
        let text = std::fs::read_to_string(&path).expect("book page is UTF-8");
        let page_name = path.strip_prefix(&src).unwrap_or(&path).to_string_lossy().replace('\\', "/");
        let blocks = Arc::new(code_blocks(&text));
        for index in 0..blocks.len() {
            let block = &blocks[index];
            let name = format!("{page_name}:{}", block.line);
            match block.language.as_str() {
                "claw" => {
                    // An ignored block without its reason is a failing trial, not an ignored one.
                    let ignored = block.has("ignore") && has_reason(block);
                    let (blocks, runtime) = (Arc::clone(&blocks), runtime.clone());
                    let trial = Trial::test(name, move || check_claw(&blocks, index, &runtime));
                    trials.push(trial.with_kind(kind_label(block)).with_ignored_flag(ignored));
                }
                "wit" if block.option("file").is_some() => {
                    let blocks = Arc::clone(&blocks);
                    trials.push(Trial::test(name, move || check_wit(&blocks[index])).with_kind("wit"));
                }
                _ => {}
            }
        }
    }
    libtest_mimic::run(&args, trials).exit();
}

/// Every `.md` file under `dir`, recursively.
fn markdown_files(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            markdown_files(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "md") {
            out.push(path);
        }
    }
    Ok(())
}

/// A fenced code block of a page.
struct Block {
    /// The 1-based line of the opening fence.
    line: usize,
    /// The first word of the info string.
    language: String,
    /// The rest of the info string, split at commas and spaces.
    attributes: Vec<String>,
    /// The text between the fences, with the fence's indentation removed.
    text: String,
    /// The nearest non-blank line before the fence.
    before: String,
}

impl Block {
    /// The value of the first `key=value` attribute.
    fn option(&self, key: &str) -> Option<&str> {
        self.attributes.iter().find_map(|a| a.strip_prefix(key).and_then(|rest| rest.strip_prefix('=')))
    }

    /// The values of every `key=value` attribute.
    fn options<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.attributes.iter().filter_map(move |a| a.strip_prefix(key).and_then(|rest| rest.strip_prefix('=')))
    }

    fn has(&self, flag: &str) -> bool {
        self.attributes.iter().any(|a| a == flag)
    }

    /// The source the compiler sees: hidden lines shown, without their `~`.
    fn source(&self) -> String {
        let mut out = String::new();
        for line in self.text.lines() {
            let indent = line.len() - line.trim_start().len();
            match line[indent..].strip_prefix(HIDDEN) {
                Some(rest) => {
                    out.push_str(&line[..indent]);
                    out.push_str(rest);
                }
                None => out.push_str(line),
            }
            out.push('\n');
        }
        out
    }
}

/// The fenced code blocks of a Markdown page (backtick fences, possibly
/// indented in a list item), in order.
fn code_blocks(text: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut lines = text.lines().enumerate();
    let mut before = String::new();
    while let Some((i, line)) = lines.next() {
        let indent = line.len() - line.trim_start().len();
        let trimmed = &line[indent..];
        let ticks = trimmed.len() - trimmed.trim_start_matches('`').len();
        if ticks < 3 {
            if !trimmed.is_empty() {
                before = trimmed.to_string();
            }
            continue;
        }
        let info = trimmed[ticks..].trim();
        let mut words = info.split([',', ' ', '\t']).filter(|w| !w.is_empty()).map(str::to_string);
        let language = words.next().unwrap_or_default();
        let attributes = words.collect();
        let mut body = String::new();
        for (_, line) in lines.by_ref() {
            let inner = line.trim_start();
            if inner.starts_with(&"`".repeat(ticks)) && inner.trim_end().trim_start_matches('`').is_empty() {
                break;
            }
            // Content lines lose up to the fence's indentation, as in CommonMark.
            let strip = (line.len() - inner.len()).min(indent);
            body.push_str(&line[strip..]);
            body.push('\n');
        }
        blocks.push(Block { line: i + 1, language, attributes, text: body, before: std::mem::take(&mut before) });
    }
    blocks
}

/// Whether the line before an ignored block is an HTML comment (its reason).
fn has_reason(block: &Block) -> bool {
    block.before.ends_with("-->")
}

/// What kind of snippet a block is, for the trial's `[kind]` label.
fn kind_label(block: &Block) -> &'static str {
    if block.has("ignore") {
        "ignore"
    } else if block.has("fragment") {
        "fragment"
    } else if block.has("run") {
        "run"
    } else if block.option("fails").is_some() {
        "fails"
    } else {
        "claw"
    }
}

/// The attributes a `claw` block may have.
const KNOWN: &[&str] = &["ignore", "fragment", "run", "fails=", "wit=", "file=", "dir=", "world="];

fn check_claw(blocks: &[Block], index: usize, runtime: &Runtime) -> Result<(), Failed> {
    let block = &blocks[index];
    for a in &block.attributes {
        if !KNOWN.iter().any(|k| if k.ends_with('=') { a.starts_with(k) } else { a == k }) {
            return Err(format!("unknown attribute `{a}` (known: {})", KNOWN.join(" ")).into());
        }
    }
    if block.has("ignore") {
        // Run only with `--include-ignored`, or when the reason is missing.
        if has_reason(block) {
            return Ok(());
        }
        return Err("a `claw,ignore` block needs an HTML comment saying why on the line before it".into());
    }
    let source = block.source();
    check_formatted(block, &source)?;
    if block.has("fragment") {
        let wrapped = format!("func fragment() {{\n{source}}}\n");
        let parsed = claw_compiler::parser::parse(&wrapped);
        let errors: Vec<Diagnostic> =
            parsed.diagnostics.into_iter().filter(|d| d.severity == Severity::Error).collect();
        if !errors.is_empty() {
            return Err(format!("syntax errors:\n{}", render(&errors, block, &wrapped)).into());
        }
        return Ok(());
    }
    let result = compile(blocks, block, &source);
    if let Some(code) = block.option("fails") {
        let diagnostics = match result {
            Ok(_) => return Err(format!("compiled without errors, but should fail with `{code}`").into()),
            Err(Error::Diagnostics(d)) => d,
            Err(Error::Other(message)) => return Err(message.into()),
        };
        let errors: Vec<&Diagnostic> = diagnostics.iter().filter(|d| d.severity == Severity::Error).collect();
        if errors.is_empty() || errors.iter().any(|d| d.code != code) {
            return Err(format!("expected only `{code}` errors, got:\n{}", render(&diagnostics, block, &source)).into());
        }
        return Ok(());
    }
    let compiled = result.map_err(|e| match e {
        Error::Diagnostics(d) => Failed::from(format!("compile errors:\n{}", render(&d, block, &source))),
        Error::Other(message) => Failed::from(message),
    })?;
    if !block.has("run") {
        return Ok(());
    }
    match compiled {
        Compiled::Component(bytes) => run_calls(runtime, &bytes, &source),
        Compiled::Tests(suite, components) => run_tests(&suite, &components),
    }
}

/// The book shows code as `clawc fmt` writes it. A whole file must be
/// exactly what `claw_compiler::format` gives; a snippet with hidden lines
/// or a fragment (whose shown lines are indented as the page reads best)
/// must match it line by line, indentation aside. Blocks that do not parse
/// (syntax-error examples) are skipped.
fn check_formatted(block: &Block, source: &str) -> Result<(), Failed> {
    let whole = !block.has("fragment") && !block.text.lines().any(|l| l.trim_start().starts_with(HIDDEN));
    let text = if block.has("fragment") { format!("func fragment() {{\n{source}}}\n") } else { source.to_string() };
    let Ok(formatted) = claw_compiler::format(&text) else { return Ok(()) };
    let same = if whole {
        formatted == text
    } else {
        let lines = |t: &str| t.lines().map(str::trim).filter(|l| !l.is_empty()).map(String::from).collect::<Vec<_>>();
        lines(&formatted) == lines(&text)
    };
    if same {
        return Ok(());
    }
    Err(format!("the block is not formatted as `clawc fmt` formats it; it should read:\n{formatted}").into())
}

/// A snippet compiled: an ordinary component, or a test file's suite with
/// its components under test.
enum Compiled {
    Component(Vec<u8>),
    Tests(TestSuite, Vec<Piece>),
}

enum Error {
    Diagnostics(Vec<Diagnostic>),
    Other(String),
}

impl From<String> for Error {
    fn from(message: String) -> Error {
        Error::Other(message)
    }
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The bundled WIT plus the block's `wit=` paths.
fn resolve_for(block: &Block) -> Result<Resolve, String> {
    let mut resolve = claw_compiler::std_wit::resolve().map_err(|e| format!("bundled WIT: {e:#}"))?;
    for path in block.options("wit") {
        let full = root().join(path);
        resolve.push_path(&full).map_err(|e| format!("wit={path}: {e:#}"))?;
    }
    Ok(resolve)
}

fn world_name(block: &Block) -> String {
    clawc::world_name_for(Path::new(block.option("file").unwrap_or("snippet.claw")))
}

fn is_test_file(source: &str) -> bool {
    claw_compiler::parser::parse(source).file.items.iter().any(|item| {
        use claw_compiler::ast::Item;
        matches!(item, Item::Test(_) | Item::Mock(_) | Item::Component(_))
    })
}

fn compile(blocks: &[Block], block: &Block, source: &str) -> Result<Compiled, Error> {
    let mut resolve = resolve_for(block)?;
    let world = world_name(block);
    if !is_test_file(source) {
        let compiled = claw_compiler::compile(source, &world, &resolve).map_err(Error::Diagnostics)?;
        if let Some(name) = block.option("world") {
            use claw_compiler::conformance::{WorldError, check_world};
            check_world(source, &resolve, name).map_err(|e| match e {
                WorldError::Diagnostics(d) => Error::Diagnostics(d),
                WorldError::Usage(message) => Error::Other(format!("world={name}: {message}")),
            })?;
        }
        return Ok(Compiled::Component(compiled.component));
    }
    // As `clawc test` does: the components' WIT first, then the file.
    let (paths, errors) = claw_compiler::testing::component_paths(source);
    if errors.iter().any(|d| d.severity == Severity::Error) {
        return Err(Error::Diagnostics(errors));
    }
    let mut components = Vec::new();
    for path in &paths {
        let bytes = component_bytes(blocks, block, &path.path)?;
        let decoded = match wit_component::decode(&bytes) {
            Ok(wit_component::DecodedWasm::Component(decoded, _)) => decoded,
            Ok(_) => return Err(format!("{} is a WIT package, not a component", path.path).into()),
            Err(e) => return Err(format!("{}: {e:#}", path.path).into()),
        };
        resolve.merge(decoded).map_err(|e| format!("{}: {e:#}", path.path))?;
        components.push(Piece { label: path.path.clone(), bytes });
    }
    let suite = claw_compiler::testing::compile_tests(source, &world, &resolve).map_err(Error::Diagnostics)?;
    Ok(Compiled::Tests(suite, components))
}

/// The bytes of a component under test named `path`: a `file=` snippet of
/// the page with that stem, compiled, or the file under the block's `dir=`.
fn component_bytes(blocks: &[Block], block: &Block, path: &str) -> Result<Vec<u8>, String> {
    let stem = path.strip_suffix(".wasm").unwrap_or(path);
    let own = blocks.iter().find(|b| b.language == "claw" && b.option("file") == Some(&format!("{stem}.claw")));
    if let Some(other) = own {
        let source = other.source();
        let resolve = resolve_for(other)?;
        return claw_compiler::compile(&source, &world_name(other), &resolve).map(|c| c.component).map_err(|d| {
            format!("building {path} from the snippet at line {}:\n{}", other.line, render(&d, other, &source))
        });
    }
    let dir = block.option("dir").ok_or_else(|| {
        format!("`test component \"{path}\"` needs `dir=` in the fence, or a `file={stem}.claw` snippet on the page")
    })?;
    let full = root().join(dir).join(path);
    std::fs::read(&full).map_err(|e| format!("cannot read {}: {e}", full.display()))
}

fn render(diagnostics: &[Diagnostic], block: &Block, source: &str) -> String {
    let name = block.option("file").unwrap_or("snippet.claw");
    clawc::render::render(diagnostics, name, source, false)
}

/// Instantiates the component once and makes the `// run:` calls in order.
fn run_calls(runtime: &Runtime, component: &[u8], source: &str) -> Result<(), Failed> {
    let calls = support::headers(source);
    if calls.is_empty() {
        return Err("a `claw,run` snippet needs `// run:` lines".into());
    }
    let loaded = runtime.load(component).map_err(|e| e.to_string())?;
    let mut session = loaded.instantiate(&RunOptions::default()).map_err(|e| e.to_string())?;
    support::make_calls(&mut session, &calls, |call| format!("snippet line {}: ", call.line))?;
    Ok(())
}

/// Wires a test file to its components and mocks and runs every test.
fn run_tests(suite: &TestSuite, components: &[Piece]) -> Result<(), Failed> {
    let script = Piece { label: "the test script".into(), bytes: suite.script.clone() };
    let mocks: Vec<Piece> = suite
        .mocks
        .iter()
        .map(|m| Piece { label: format!("the mock of {}", m.interface), bytes: m.component.clone() })
        .collect();
    let composed = compose(&script, components, &mocks).map_err(|e| e.to_string())?;
    // A fixed seed, so a property test's inputs are the same on every run.
    let options = RunnerOptions { seed: 1, ..RunnerOptions::default() };
    let runner = Runner::new(&composed, options).map_err(|e| e.to_string())?;
    let mut failures = Vec::new();
    for test in &suite.tests {
        let spec = TestSpec { name: test.name.clone(), export: test.export.clone(), traps: test.traps };
        if let Some(failure) = runner.run(&spec).failure {
            failures.push(format!("test {:?} failed: {failure}", test.name));
        }
    }
    if suite.tests.is_empty() {
        return Err("a `claw,run` test file needs tests".into());
    }
    if failures.is_empty() { Ok(()) } else { Err(failures.join("\n").into()) }
}

/// A ```` ```wit,file=PATH ```` block is that file's text.
fn check_wit(block: &Block) -> Result<(), Failed> {
    let path = block.option("file").unwrap_or_default();
    let full = root().join(path);
    let file = std::fs::read_to_string(&full).map_err(|e| format!("cannot read {}: {e}", full.display()))?;
    if file != block.text {
        return Err(format!("the block differs from {path}; copy one to the other").into());
    }
    Ok(())
}
