//! `clawc`, the Claw toolchain's command line: `build`, `check`, `wit`,
//! `run`, `serve`, `test`, `fmt` and `lsp` (the language server, in
//! `claw-language-server`).
//!
//! This crate does the IO around the pure compiler (`claw-compiler`) and the
//! runtime (`claw-runtime`): reading sources, the project file `claw.toml`
//! (through `claw-project`) and `--wit` directories, rendering diagnostics
//! with ariadne, and writing outputs atomically.
//!
//! Exit codes are stable: [`EXIT_SUCCESS`], [`EXIT_FAILURE`] (compile errors
//! or a trap) and [`EXIT_USAGE`] (bad arguments or IO errors).

pub mod cache;
mod fmt_cmd;
pub mod grants;
mod progress;
pub mod render;
pub mod report;
mod serve_cmd;
mod test_cmd;

use cache::CompileCache;
use clap::{Parser, Subcommand};
use claw_compiler::{Diagnostic, Resolve};
use claw_project::{Project, ProjectError};
use claw_runtime::{RunError, RunOptions, Runtime};
use grants::{GrantArgs, Grants};
use progress::Compiling;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

/// Success.
pub const EXIT_SUCCESS: u8 = 0;
/// The program had compile errors, or the component trapped.
pub const EXIT_FAILURE: u8 = 1;
/// Bad command-line usage, or a file could not be read or written.
pub const EXIT_USAGE: u8 = 2;

/// The Claw toolchain: compile, run and test WebAssembly components.
#[derive(Parser, Debug)]
#[command(name = "clawc", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// How diagnostics are printed.
#[derive(clap::ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MessageFormat {
    /// Rendered for people, on stderr.
    #[default]
    Human,
    /// One JSON object per diagnostic per line, on stdout.
    Json,
}

/// WIT options shared by every command that compiles.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct WitArgs {
    /// Add the WIT packages in DIR (a directory of .wit files, with an optional
    /// deps/ folder, or a single .wit file), after those of the project's
    /// claw.toml. WASI 0.2 and wasi:logging are known without this flag. May
    /// be repeated.
    #[arg(long = "wit", value_name = "DIR")]
    pub wit: Vec<PathBuf>,
}

/// The subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Compile a .claw file into a WebAssembly component.
    Build {
        /// The source file.
        file: PathBuf,
        /// Where to write the component [default: FILE with a .wasm extension].
        #[arg(short, long, value_name = "OUT.wasm")]
        output: Option<PathBuf>,
        /// WIT packages to add.
        #[command(flatten)]
        wit: WitArgs,
        /// Check the file against a WIT world (`ns:pkg/world`): every import it
        /// uses must be in the world, and every export of the world defined.
        /// Overrides the `world` of the project's claw.toml.
        #[arg(long, value_name = "PKG/WORLD")]
        world: Option<String>,
        /// How to print diagnostics.
        #[arg(long, value_enum, default_value_t = MessageFormat::Human)]
        message_format: MessageFormat,
        /// Debugging mode for the generated code's memory (for tests of
        /// the compiler): reclaimed memory is filled with 0xDE and a double
        /// free traps. Slower.
        #[arg(long)]
        debug_memory: bool,
    },
    /// Check .claw files for errors without writing anything.
    Check {
        /// The source files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// WIT packages to add.
        #[command(flatten)]
        wit: WitArgs,
        /// Check against a WIT world, as for `build`.
        #[arg(long, value_name = "PKG/WORLD")]
        world: Option<String>,
        /// How to print diagnostics.
        #[arg(long, value_enum, default_value_t = MessageFormat::Human)]
        message_format: MessageFormat,
    },
    /// Print the world a .claw file defines, as WIT.
    Wit {
        /// The source file.
        file: PathBuf,
        /// WIT packages to add.
        #[command(flatten)]
        wit: WitArgs,
    },
    /// Run a component (a .wasm file, or a .claw file compiled in memory) in
    /// an embedded wasmtime with WASI 0.2 that grants no network, and no
    /// files or environment variables unless asked (`--dir`, `--env`). With `--invoke`, call one function and print
    /// its result as WAVE; without, run a command component (one that
    /// exports `wasi:cli/run`) with stdin, stdout and stderr connected and
    /// ARGS as its arguments, exiting 0 when `run` returns `ok` and 1 when
    /// it returns `err` or traps.
    Run {
        /// The component (.wasm) or source (.claw).
        file: PathBuf,
        /// The call, in WAVE syntax: `name(arg, ...)`, e.g. `add(1, 2)` or
        /// `greet("world")`. Functions of exported interfaces are named
        /// `ns:pkg/iface#name`.
        #[arg(long, value_name = "CALL")]
        invoke: Option<String>,
        /// Arguments for a command component (after `--`).
        #[arg(last = true, value_name = "ARGS")]
        args: Vec<String>,
        /// Instantiate COMPONENT (.wasm or .claw) first and satisfy the main
        /// component's world-level function imports with its exports of the
        /// same name. May be repeated.
        #[arg(long = "with", value_name = "COMPONENT")]
        with: Vec<PathBuf>,
        /// What the component (and any `--with` one) is granted.
        #[command(flatten)]
        grants: GrantArgs,
        /// Compile without the compilation cache: neither read compiled
        /// code from it nor write any to it.
        #[arg(long)]
        no_cache: bool,
        /// WIT packages to add.
        #[command(flatten)]
        wit: WitArgs,
        /// Debugging mode for the generated code's memory (for tests of
        /// the compiler): reclaimed memory is filled with 0xDE and a double
        /// free traps. Slower.
        #[arg(long)]
        debug_memory: bool,
    },
    /// Serve a component that exports `wasi:http/incoming-handler` (a .wasm
    /// file, or a .claw file compiled in memory) over HTTP, with a fresh
    /// instance per request, in `run`'s sandbox (nothing granted unless
    /// asked; outgoing HTTP denied unless `--allow-http`). Stops cleanly on
    /// Ctrl-C or SIGTERM (exit 0).
    Serve(ServeArgs),
    /// Run the tests of `*.test.claw` files against components: each test in
    /// fresh instances, with WASI granting nothing unless asked, a timeout
    /// and a memory limit. Exits 0 when every test passes, 1 when one fails,
    /// 2 for usage or compile errors.
    Test(TestArgs),
    /// Format .claw files in the canonical layout (the book's "Formatting"
    /// section), in place. Files with syntax errors are reported and left
    /// untouched. Exits 0 when all is formatted, 1 on syntax errors or (with
    /// `--check`) files that would change, 2 for usage or IO errors.
    Fmt(FmtArgs),
    /// Run the language server (LSP 3.17 over stdin and stdout) for editors.
    ///
    /// It reports diagnostics as you type and answers hover, go to
    /// definition, references, rename, completion, signature help, document
    /// symbols, semantic tokens, formatting, code actions and inlay hints. An
    /// editor starts it; it is not meant to be run by hand. Exits 0 after the
    /// client's `shutdown` and `exit`, 1 when the client exits without
    /// `shutdown` or closes stdin.
    ///
    /// The WIT packages known to a file are the bundled ones (WASI 0.2,
    /// wasi:logging), its project's (the nearest claw.toml above it), the
    /// `--wit` directories, and the `wit` list in the client's
    /// initializationOptions (relative to the workspace root).
    Lsp {
        /// WIT packages to add.
        #[command(flatten)]
        wit: WitArgs,
        /// Where to write the bundled WIT files that "go to definition" opens
        /// (read-only) [default: $XDG_CACHE_HOME/claw or ~/.cache/claw].
        #[arg(long, value_name = "DIR")]
        std_wit_dir: Option<PathBuf>,
        /// Accepted for editors that pass it (VS Code's client does); stdio is
        /// the only transport.
        #[arg(long, hide = true)]
        stdio: bool,
    },
}

pub use fmt_cmd::FmtArgs;
pub use serve_cmd::ServeArgs;
pub use test_cmd::TestArgs;

/// Stack size of the thread that does the work: the compiler's recursive
/// passes grow their stack on demand, but dropping very deeply nested
/// statement trees is recursive. Only the pages used are committed.
const STACK_SIZE: usize = 1 << 30;

/// Runs the command line and returns the process exit code.
pub fn main() -> u8 {
    let cli = Cli::parse();
    let worker = std::thread::Builder::new().stack_size(STACK_SIZE).spawn(move || run_cli(cli));
    match worker.map(|handle| handle.join()) {
        Ok(Ok(code)) => code,
        Ok(Err(_)) => {
            print_error("internal error: clawc panicked; please report this with the input that caused it");
            EXIT_FAILURE
        }
        Err(e) => {
            print_error(format!("cannot start the worker thread: {e}"));
            EXIT_USAGE
        }
    }
}

/// Runs a parsed command line.
fn run_cli(cli: Cli) -> u8 {
    let color = stderr_color();
    let mut driver = Driver { color, format: MessageFormat::Human, options: Default::default() };
    match cli.command {
        Command::Build { file, output, wit, world, message_format, debug_memory } => {
            driver.format = message_format;
            driver.options.debug_memory = debug_memory;
            // The process exits once the component is written.
            driver.options.leak_trees = true;
            driver.build(&file, output.as_deref(), &wit, world.as_deref())
        }
        Command::Check { files, wit, world, message_format } => {
            driver.format = message_format;
            driver.check(&files, &wit, world.as_deref())
        }
        Command::Wit { file, wit } => driver.wit(&file, &wit),
        Command::Run { file, invoke, args, with, grants, no_cache, wit, debug_memory } => {
            driver.options.debug_memory = debug_memory;
            let grants = match grants.resolve() {
                Ok(g) => g,
                Err(message) => {
                    print_error(message);
                    return EXIT_USAGE;
                }
            };
            driver.run(&file, invoke.as_deref(), &args, &with, grants, no_cache, &wit)
        }
        Command::Lsp { wit, std_wit_dir, stdio: _ } => {
            let options = claw_language_server::Options { wit_dirs: wit.wit, std_wit_dir, ..Default::default() };
            match claw_language_server::run_stdio(options) {
                Ok(exit) => exit.code(),
                Err(message) => {
                    print_error(format!("lsp: {message}"));
                    EXIT_FAILURE
                }
            }
        }
        Command::Serve(args) => serve_cmd::run(&args, color),
        Command::Test(args) => {
            let stdout_color = std::io::stdout().is_terminal() && no_color_unset();
            test_cmd::run(&args, stdout_color)
        }
        Command::Fmt(args) => fmt_cmd::run(&args, color),
    }
}

/// Whether `NO_COLOR` is unset (or empty).
fn no_color_unset() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Whether diagnostics on stderr are coloured: on a terminal, without `NO_COLOR`.
fn stderr_color() -> bool {
    std::io::stderr().is_terminal() && no_color_unset()
}

/// Prints `error: message` on stderr.
fn print_error(message: impl std::fmt::Display) {
    eprintln!("error: {message}");
}

/// What a file is compiled against: the project it belongs to, if any, and
/// the WIT packages known to it.
pub struct Context {
    /// The `claw.toml` that applies to the file (see [`claw_project::find`]).
    pub project: Option<Project>,
    /// The bundled std-wit packages, then the project's `wit` entries, then
    /// the `--wit` paths ([`claw_project::resolve`]); from
    /// [`load_context_for`], only the bundled packages one file can name.
    pub resolve: Resolve,
    /// Whether `resolve` leaves bundled packages out ([`load_context_for`]):
    /// a compile that fails is then repeated against all of them, so its
    /// diagnostics (which may list the known packages) are the same.
    pub partial: bool,
}

/// Finds the project of `start` (a file or directory) and builds the WIT
/// [`Resolve`] for it, with the `--wit` paths added after the project's.
///
/// # Errors
/// A message for the user: a `claw.toml` that is invalid or names WIT that
/// does not load (`claw.toml:LINE:COLUMN: ...`, the path shown relative to
/// the current directory), or a `--wit` path that does not load.
pub fn load_context(start: &Path, wit: &WitArgs) -> Result<Context, String> {
    load_context_for(start, wit, None)
}

/// [`load_context`] for compiling the one file whose text is `source`:
/// without project or `--wit` WIT, only the bundled packages `source` can
/// name are parsed ([`claw_project::resolve_for`]), which is most of the
/// time of compiling a small file.
///
/// # Errors
/// As [`load_context`].
pub fn load_context_for(start: &Path, wit: &WitArgs, source: Option<&str>) -> Result<Context, String> {
    let project = claw_project::find(start).map_err(|e| shown_error(e).to_string())?;
    let (resolve, partial) = claw_project::resolve_for(project.as_ref(), &wit.wit, source).map_err(|e| match e {
        claw_project::WitError::Project(e) => shown_error(e).to_string(),
        e => e.to_string(),
    })?;
    Ok(Context { project, resolve, partial })
}

/// The diagnostics of a failed compile: `diagnostics` as they are, or, when
/// `context` left bundled packages out ([`Context::partial`]), those of
/// `attempt` against all of them, so that a diagnostic listing the known
/// packages lists them all.
fn full_diagnostics<T>(
    context: &Context,
    diagnostics: Vec<Diagnostic>,
    attempt: impl FnOnce(&Resolve) -> Result<T, Vec<Diagnostic>>,
) -> Vec<Diagnostic> {
    if !context.partial {
        return diagnostics;
    }
    match claw_compiler::std_wit::resolve() {
        Ok(all) => attempt(&all).err().unwrap_or(diagnostics),
        Err(_) => diagnostics,
    }
}

/// `error` with its file shown as [`shown`] shows it.
fn shown_error(mut error: ProjectError) -> ProjectError {
    error.file = shown(&error.file);
    error
}

/// `path` (absolute, as [`claw_project::find`] gives them) as a user would
/// write it from the current directory: relative to it when `path` is inside
/// it or close above it (`claw.toml`, `../claw.toml`), absolute otherwise.
pub fn shown(path: &Path) -> PathBuf {
    let Ok(cwd) = std::env::current_dir().and_then(|d| d.canonicalize()) else { return path.to_path_buf() };
    let mut up = PathBuf::new();
    for (depth, dir) in cwd.ancestors().enumerate() {
        if depth > 3 || dir.parent().is_none() {
            break;
        }
        if let Ok(rest) = path.strip_prefix(dir) {
            return up.join(rest);
        }
        up.push("..");
    }
    path.to_path_buf()
}

/// The world a file is checked against: `--world` if given, else the
/// project's `world`. The second part prefixes messages about a world that
/// came from `claw.toml` (`claw.toml:2:9: `), so the user knows where to
/// fix it.
fn world_for(project: Option<&Project>, flag: Option<&str>) -> Option<(String, String)> {
    match (flag, project.and_then(|p| p.world.as_ref())) {
        (Some(flag), _) => Some((flag.to_string(), String::new())),
        (None, Some(entry)) => {
            let file = shown(&project.map(|p| p.file.clone()).unwrap_or_default());
            Some((
                entry.value.clone(),
                format!("{}:{}:{}: ", file.display(), entry.location.line, entry.location.column),
            ))
        }
        (None, None) => None,
    }
}

/// The world name for a source path (its file stem as a WIT identifier).
pub fn world_name_for(path: &Path) -> String {
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("main");
    claw_compiler::component::world_name_from_stem(stem)
}

/// Reads a source file.
fn read_source(path: &Path) -> Result<String, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    String::from_utf8(bytes)
        .map_err(|e| format!("{} is not valid UTF-8 (byte {})", path.display(), e.utf8_error().valid_up_to()))
}

/// Writes `bytes` to `path` atomically: a temporary file in the same
/// directory, renamed over the target, so a failure never leaves a partial
/// file and never clobbers an existing one.
///
/// The file gets the permissions any newly created file gets: on Unix, mode
/// `0o666` masked by the process umask (`0o644` under the usual `022`), as
/// the outputs of rustc and cc do, not the `0o600` of a bare temporary file.
/// The OS applies the umask when the temporary file is created, so it is
/// never read or changed here. A replaced file's mode is not kept.
///
/// # Errors
/// IO errors, with the path in the message.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    #[cfg_attr(not(unix), allow(unused_mut))]
    let mut builder = tempfile::Builder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // tempfile passes this to `open(2)` as the creation mode, which the
        // kernel masks with the umask.
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut file = builder.tempfile_in(dir).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    file.write_all(bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    file.persist(path).map_err(|e| format!("cannot write {}: {}", path.display(), e.error))?;
    Ok(())
}

struct Driver {
    color: bool,
    format: MessageFormat,
    /// How code is generated (`--debug-memory`).
    options: claw_compiler::CompileOptions,
}

impl Driver {
    fn report(&self, path: &Path, source: &str, diagnostics: &[Diagnostic]) {
        if self.format == MessageFormat::Json {
            let mut stdout = std::io::stdout().lock();
            for d in diagnostics {
                let _ = writeln!(stdout, "{}", render::to_json(d, &path.display().to_string(), source));
            }
            return;
        }
        let text = render::render(diagnostics, &path.display().to_string(), source, self.color);
        eprint!("{text}");
        let errors = diagnostics.iter().filter(|d| d.severity == claw_compiler::Severity::Error).count();
        if errors > 0 {
            let plural = if errors == 1 { "error" } else { "errors" };
            eprintln!("error: could not compile `{}` due to {errors} {plural}", path.display());
        }
    }

    /// Reads, checks and compiles one file, and checks it against `world`
    /// (from [`world_for`]) if given.
    fn compile(
        &self,
        path: &Path,
        context: &Context,
        world: Option<(String, String)>,
    ) -> Result<claw_compiler::Compiled, u8> {
        let source = read_source(path).map_err(|e| {
            print_error(e);
            EXIT_USAGE
        })?;
        self.compile_source(path, &source, context, world)
    }

    /// [`Driver::compile`] of `source`, the text of `path`.
    fn compile_source(
        &self,
        path: &Path,
        source: &str,
        context: &Context,
        world: Option<(String, String)>,
    ) -> Result<claw_compiler::Compiled, u8> {
        let resolve = &context.resolve;
        let result = claw_compiler::compile_with(source, &world_name_for(path), resolve, self.options);
        let compiled = match result {
            Ok(c) => c,
            Err(diagnostics) => {
                let diagnostics = full_diagnostics(context, diagnostics, |all| {
                    claw_compiler::compile_with(source, &world_name_for(path), all, self.options)
                });
                self.report(path, source, &diagnostics);
                return Err(EXIT_FAILURE);
            }
        };
        if let Some((world, origin)) = world {
            match claw_compiler::conformance::check_world(source, resolve, &world) {
                Ok(()) => {}
                Err(claw_compiler::conformance::WorldError::Usage(message)) => {
                    print_error(format!("{origin}{message}"));
                    return Err(EXIT_USAGE);
                }
                Err(claw_compiler::conformance::WorldError::Diagnostics(diagnostics)) => {
                    self.report(path, source, &diagnostics);
                    return Err(EXIT_FAILURE);
                }
            }
        }
        Ok(compiled)
    }

    /// Reads and compiles `file` against the WIT packages it can name
    /// ([`load_context_for`]; all of them when a world is checked), and
    /// checks it against `world` (the flag) or its project's.
    fn compile_lazily(
        &mut self,
        file: &Path,
        wit: &WitArgs,
        world: Option<&str>,
    ) -> Result<claw_compiler::Compiled, u8> {
        let source = read_source(file).map_err(|e| {
            print_error(e);
            EXIT_USAGE
        })?;
        let usage = |e| {
            print_error(e);
            EXIT_USAGE
        };
        let mut context = load_context_for(file, wit, Some(&source)).map_err(usage)?;
        let world = world_for(context.project.as_ref(), world);
        if world.is_some() && context.partial {
            // A `--world` or the project's `world` may name any package.
            context = load_context(file, wit).map_err(usage)?;
        }
        self.compile_source(file, &source, &context, world)
    }

    fn build(&mut self, file: &Path, output: Option<&Path>, wit: &WitArgs, world: Option<&str>) -> u8 {
        let compiled = match self.compile_lazily(file, wit, world) {
            Ok(c) => c,
            Err(code) => return code,
        };
        let out = output.map(Path::to_path_buf).unwrap_or_else(|| file.with_extension("wasm"));
        if let Err(e) = write_atomically(&out, &compiled.component) {
            print_error(e);
            return EXIT_USAGE;
        }
        EXIT_SUCCESS
    }

    fn check(&mut self, files: &[PathBuf], wit: &WitArgs, world: Option<&str>) -> u8 {
        if let [file] = files {
            // One file: only the WIT packages it can name, as `build` does.
            return match self.compile_lazily(file, wit, world) {
                Ok(_) => EXIT_SUCCESS,
                Err(code) => code,
            };
        }
        // One context per project (files of one project share its Resolve).
        let mut contexts: Vec<(Option<PathBuf>, Context)> = Vec::new();
        let mut worst = EXIT_SUCCESS;
        for file in files {
            let key = claw_project::find_file(file);
            let index = match contexts.iter().position(|(k, _)| *k == key) {
                Some(i) => i,
                None => match load_context(file, wit) {
                    Ok(context) => {
                        contexts.push((key, context));
                        contexts.len() - 1
                    }
                    Err(e) => {
                        print_error(e);
                        worst = worst.max(EXIT_USAGE);
                        continue;
                    }
                },
            };
            let context = &contexts[index].1;
            if let Err(code) = self.compile(file, context, world_for(context.project.as_ref(), world)) {
                worst = worst.max(code);
            }
        }
        worst
    }

    fn wit(&mut self, file: &Path, wit: &WitArgs) -> u8 {
        let source = match read_source(file) {
            Ok(s) => s,
            Err(e) => {
                print_error(e);
                return EXIT_USAGE;
            }
        };
        let context = match load_context_for(file, wit, Some(&source)) {
            Ok(c) => c,
            Err(e) => {
                print_error(e);
                return EXIT_USAGE;
            }
        };
        match claw_compiler::world_wit(&source, &world_name_for(file), &context.resolve) {
            Ok(text) => {
                print!("{text}");
                EXIT_SUCCESS
            }
            Err(diagnostics) => {
                let diagnostics = full_diagnostics(&context, diagnostics, |all| {
                    claw_compiler::world_wit(&source, &world_name_for(file), all)
                });
                self.report(file, &source, &diagnostics);
                EXIT_FAILURE
            }
        }
    }

    fn run(
        &mut self,
        file: &Path,
        invoke: Option<&str>,
        args: &[String],
        with: &[PathBuf],
        grants: Grants,
        no_cache: bool,
        wit: &WitArgs,
    ) -> u8 {
        let bytes = match self.component_bytes(file, wit) {
            Ok(b) => b,
            Err(code) => return code,
        };
        let mut providers = Vec::new();
        for path in with {
            match self.component_bytes(path, wit) {
                Ok(b) => providers.push((path.clone(), b)),
                Err(code) => return code,
            }
        }
        let program = file.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        let mut argv = vec![program];
        argv.extend(args.iter().cloned());
        let command = invoke.is_none();
        let cache = CompileCache::open(no_cache);
        let runtime = match Runtime::with_cache(cache.as_ref().map(CompileCache::wasmtime)) {
            Ok(r) => r,
            Err(e) => {
                print_error(format!("{e:#}"));
                return EXIT_USAGE;
            }
        };
        // Compile each component (on a terminal, with a spinner while that
        // takes long); `run_invoke` then finds them in the runtime's memory.
        let mut compiled = Ok(());
        let main = std::iter::once((None, &bytes));
        for (provider, bytes) in main.chain(providers.iter().map(|(p, b)| (Some(p), b))) {
            let mark = cache.as_ref().map(CompileCache::mark);
            let shown = provider.map_or(file, PathBuf::as_path).display().to_string();
            let spinner = Compiling::start(shown, bytes.len(), true);
            let loaded = runtime.load(bytes);
            drop(spinner);
            match loaded {
                Ok(_) => {
                    if let (Some(cache), Some(mark)) = (&cache, mark) {
                        cache.check_used(mark);
                    }
                }
                Err(e) => {
                    compiled = Err((provider.cloned(), e));
                    break;
                }
            }
        }
        let result = compiled.and_then(|()| run_invoke(&runtime, &bytes, &providers, invoke, argv, grants));
        match result {
            Ok(Some(text)) if command => {
                if text == "ok" {
                    EXIT_SUCCESS
                } else {
                    EXIT_FAILURE
                }
            }
            Ok(Some(text)) => {
                println!("{text}");
                EXIT_SUCCESS
            }
            Ok(None) => EXIT_SUCCESS,
            // `wasi:cli/exit`: the status the component chose, without a message.
            Err((_, RunError::Exit(status))) => status.clamp(0, 255) as u8,
            Err((path, e)) => {
                let code = match &e {
                    RunError::Trap { .. } => EXIT_FAILURE,
                    _ => EXIT_USAGE,
                };
                match (&e, path) {
                    (RunError::Load(_), Some(p)) => print_error(format!("{}: {e}", p.display())),
                    (RunError::Load(_), None) => print_error(format!("{}: {e}", file.display())),
                    _ => print_error(&e),
                }
                code
            }
        }
    }

    /// The bytes of a component given as a `.wasm` file, or compiled from a `.claw` file.
    fn component_bytes(&self, file: &Path, wit: &WitArgs) -> Result<Vec<u8>, u8> {
        if file.extension().is_some_and(|e| e == "claw") {
            let source = read_source(file).map_err(|e| {
                print_error(e);
                EXIT_USAGE
            })?;
            let context = load_context_for(file, wit, Some(&source)).map_err(|e| {
                print_error(e);
                EXIT_USAGE
            })?;
            // `run` does not check worlds: the project's `world` is for `build` and `check`.
            Ok(self.compile_source(file, &source, &context, None)?.component)
        } else {
            std::fs::read(file).map_err(|e| {
                print_error(format!("cannot read {}: {e}", file.display()));
                EXIT_USAGE
            })
        }
    }
}

/// Compiles `component` and the `providers` with `runtime` (which reuses
/// what it compiled before, and its compilation cache if it has one), then
/// instantiates `component` with stdin, stdout and stderr connected and
/// `args` as its arguments and the `grants` (preopened directories and
/// environment variables), linked with the `providers` (see
/// [`claw_runtime::Loaded::instantiate_with`]), and performs one call:
/// `call`, or without one, the `run` function of the component's
/// `wasi:cli/run` export (whose result, `ok` or `err`, is returned as WAVE).
///
/// # Errors
/// The runtime's error (a bad component, unsatisfied imports, a bad call, no
/// `wasi:cli/run` export when there is no call, or a trap) with the path of
/// the provider it concerns, if any.
pub fn run_invoke(
    runtime: &Runtime,
    component: &[u8],
    providers: &[(PathBuf, Vec<u8>)],
    call: Option<&str>,
    args: Vec<String>,
    grants: Grants,
) -> Result<Option<String>, (Option<PathBuf>, RunError)> {
    let loaded = runtime.load(component).map_err(|e| (None, e))?;
    let mut linked = Vec::new();
    for (path, bytes) in providers {
        linked.push(runtime.load(bytes).map_err(|e| (Some(path.clone()), e))?);
    }
    let Grants { dirs, env } = grants;
    let options = RunOptions {
        inherit_stdout: true,
        inherit_stderr: true,
        inherit_stdin: true,
        args,
        env,
        dirs,
        ..Default::default()
    };
    let mut session = loaded.instantiate_with(&options, &linked).map_err(|e| (None, e))?;
    let call = match call {
        Some(call) => call.to_string(),
        None => {
            let exports = session.exports();
            let run = exports.iter().find(|e| e.starts_with("wasi:cli/run@") && e.ends_with("#run"));
            match run {
                Some(run) => format!("{run}()"),
                None => {
                    return Err((
                        None,
                        RunError::Usage(format!(
                            "nothing to run: the component does not export `wasi:cli/run`; pass `--invoke 'name(args)'` to call one of its functions ({})",
                            exports.join(", ")
                        )),
                    ));
                }
            }
        }
    };
    session.invoke(&call).map_err(|e| (None, e))
}
