//! The examples in `examples/` and the commands documented for them.
//!
//! Trials:
//!
//! - `readme::EXAMPLE::CALL`, one per row of the `| example | build | call |
//!   prints |` table in `examples/README.md`: runs the row's build
//!   command(s) and then its call with the real `clawc` binary, from the
//!   repository root, and compares stdout (trimmed) with the `prints` cell
//!   (`(nothing)` means no output). Outputs go to a temporary directory:
//!   build commands get `-o TMP/NAME.wasm` and the default output they
//!   replace (`examples/NAME.wasm`, `examples/DIR/NAME.wasm`) is rewritten to
//!   `TMP/NAME.wasm` in the call, so the repository is not touched.
//!   `debug-memory::readme::EXAMPLE::CALL` runs the same row with
//!   `--debug-memory` on every `build` and `run` (reclaimed memory
//!   poisoned, a double free traps).
//! - `readme::covers-every-example`: every example has a row, and every row
//!   names an existing example. The examples are `examples/*.claw` and
//!   `examples/NAME/NAME.claw` (an example with its own WIT, in
//!   `examples/NAME/wit/`, and a `claw.toml`).
//! - `exports::NAME`, one per example: builds it without `--wit` (one in a
//!   folder of its own with a `wit/` must be a project whose `claw.toml`
//!   names it; the others must need no WIT), validates the component with every
//!   wasm feature enabled, decodes its WIT and checks that the world's
//!   exports are exactly the file's `export func`s.
//! - `tour::COMMAND`, one per command line of the ```` ```sh ```` blocks in
//!   the top-level `README.md` (except the set-up `cargo install` and
//!   `cargo test`): runs it with `sh -c`, `clawc` being the binary under
//!   test, in a fresh copy of the repository after the lines before it in
//!   its block, and checks that it exits 0 and does what its `# comment`
//!   promises (`check_promise` lists the promises it understands).
//! - `cli::*`: a failing build exits 1 with a diagnostic and leaves no output
//!   (and does not clobber an existing one); `clawc run` of a missing file
//!   exits 2.

use libtest_mimic::{Arguments, Failed, Trial};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

const CLAWC: &str = env!("CARGO_BIN_EXE_clawc");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn main() {
    let args = Arguments::from_args();
    let mut trials = Vec::new();
    let examples = example_files();
    let readme_path = Path::new(ROOT).join("examples/README.md");
    match std::fs::read_to_string(&readme_path)
        .map_err(|e| format!("cannot read {}: {e}", readme_path.display()))
        .and_then(|text| readme_rows(&text))
    {
        Ok(rows) => {
            let mut names = BTreeSet::new();
            for row in &rows {
                let base = format!("readme::{}::{}", row.example, row.invoke_text());
                let mut name = base.clone();
                let mut n = 2;
                while !names.insert(name.clone()) {
                    name = format!("{base}#{n}");
                    n += 1;
                }
                let (row, debug_row) = (row.clone(), row.clone());
                trials.push(Trial::test(format!("debug-memory::{name}"), move || run_row(&debug_row, true)));
                trials.push(Trial::test(name, move || run_row(&row, false)));
            }
            let examples = examples.clone();
            trials.push(Trial::test("readme::covers-every-example", move || covers_every_example(&rows, &examples)));
        }
        Err(e) => trials.push(Trial::test("readme::table", move || Err(e.into()))),
    }
    for path in examples {
        let name = format!("exports::{}", stem(&path));
        trials.push(Trial::test(name, move || check_exports(&path)));
    }
    let tour_path = Path::new(ROOT).join("README.md");
    match std::fs::read_to_string(&tour_path) {
        Ok(text) => trials.extend(tour_trials(&text)),
        Err(e) => {
            let e = format!("cannot read {}: {e}", tour_path.display());
            trials.push(Trial::test("tour::blocks", move || Err(e.into())));
        }
    }
    trials.push(Trial::test("cli::build-error-leaves-no-output", build_error_leaves_no_output));
    trials.push(Trial::test("cli::run-missing-file-exits-2", run_missing_file_exits_2));
    libtest_mimic::run(&args, trials).exit();
}

/// The examples, sorted: `examples/*.claw`, and `examples/NAME/NAME.claw`
/// for an example in a folder of its own (one with its own WIT in
/// `examples/NAME/wit/`).
fn example_files() -> Vec<PathBuf> {
    let dir = Path::new(ROOT).join("examples");
    let mut files: Vec<PathBuf> = match std::fs::read_dir(&dir) {
        Ok(entries) => entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter_map(|p| {
                if p.is_dir() {
                    let own = p.join(format!("{}.claw", stem(&p)));
                    own.is_file().then_some(own)
                } else {
                    p.extension().is_some_and(|e| e == "claw").then_some(p)
                }
            })
            .collect(),
        Err(_) => Vec::new(),
    };
    files.sort();
    files
}

fn stem(path: &Path) -> String {
    path.file_stem().and_then(|s| s.to_str()).unwrap_or("?").to_string()
}

// ---------------------------------------------------------------------------
// The README table.

/// One row of the README table.
#[derive(Clone, Debug)]
struct Row {
    /// 1-based line in README.md.
    line: usize,
    example: String,
    /// The build commands (the cell split at ` && `), as written.
    build: Vec<String>,
    /// The call command, as written.
    call: String,
    /// Expected stdout; empty for `(nothing)`.
    prints: String,
}

impl Row {
    /// The `--invoke` argument, for the trial's name (the line number if absent).
    fn invoke_text(&self) -> String {
        let args = split_args(&self.call).unwrap_or_default();
        args.iter()
            .position(|a| a == "--invoke")
            .and_then(|i| args.get(i + 1).cloned())
            .unwrap_or_else(|| format!("line-{}", self.line))
    }
}

/// The cells of a table line, trimmed, without the outer pipes.
fn cells(line: &str) -> Vec<String> {
    let inner = line.trim();
    let inner = inner.strip_prefix('|').unwrap_or(inner);
    let inner = inner.strip_suffix('|').unwrap_or(inner);
    inner.split('|').map(|c| c.trim().to_string()).collect()
}

/// The text of a cell that must be one code span: `` `text` ``.
fn code_span(cell: &str, line: usize, column: &str) -> Result<String, String> {
    cell.strip_prefix('`')
        .and_then(|c| c.strip_suffix('`'))
        .filter(|c| !c.contains('`'))
        .map(str::to_string)
        .ok_or_else(|| {
            format!("README.md line {line}: the `{column}` cell should be one code span in backticks, found {cell:?}")
        })
}

/// The link text of `[text](target)`, or the cell itself.
fn plain_text(cell: &str) -> String {
    match cell.strip_prefix('[').and_then(|c| c.split_once("](")) {
        Some((text, _)) => text.to_string(),
        None => cell.to_string(),
    }
}

/// Parses the `| example | build | call | prints |` table.
fn readme_rows(text: &str) -> Result<Vec<Row>, String> {
    let lines: Vec<&str> = text.lines().collect();
    let header = lines
        .iter()
        .position(|l| l.trim_start().starts_with('|') && cells(l) == ["example", "build", "call", "prints"])
        .ok_or("examples/README.md has no table with the columns `| example | build | call | prints |`")?;
    let mut rows = Vec::new();
    // header + 1 is the `| --- |` separator.
    for (i, line) in lines.iter().enumerate().skip(header + 2) {
        if !line.trim_start().starts_with('|') {
            break;
        }
        let number = i + 1;
        let c = cells(line);
        let [example, build, call, prints] = c.as_slice() else {
            return Err(format!("README.md line {number}: expected 4 cells, found {}: {line}", c.len()));
        };
        let build = code_span(build, number, "build")?;
        let call = code_span(call, number, "call")?;
        let prints = code_span(prints, number, "prints")?;
        rows.push(Row {
            line: number,
            example: plain_text(example).trim_end_matches(".claw").to_string(),
            build: build.split(" && ").map(|s| s.trim().to_string()).collect(),
            call,
            prints: if prints == "(nothing)" { String::new() } else { prints },
        });
    }
    if rows.is_empty() {
        return Err(format!("examples/README.md line {}: the table has no rows", header + 1));
    }
    Ok(rows)
}

/// Splits a command line at whitespace; single quotes group (no escapes inside).
fn split_args(command: &str) -> Result<Vec<String>, String> {
    let mut args = Vec::new();
    let mut current = String::new();
    let mut in_arg = false;
    let mut quoted = false;
    for ch in command.chars() {
        match ch {
            '\'' => {
                quoted = !quoted;
                in_arg = true;
            }
            c if c.is_whitespace() && !quoted => {
                if in_arg {
                    args.push(std::mem::take(&mut current));
                    in_arg = false;
                }
            }
            c => {
                current.push(c);
                in_arg = true;
            }
        }
    }
    if quoted {
        return Err(format!("unbalanced single quote in `{command}`"));
    }
    if in_arg {
        args.push(current);
    }
    Ok(args)
}

/// Quotes an argument for display when it needs it.
fn shell_quote(arg: &str) -> String {
    if !arg.is_empty() && arg.chars().all(|c| c.is_alphanumeric() || "-_./:=@%+,".contains(c)) {
        arg.to_string()
    } else {
        format!("'{}'", arg.replace('\'', r"'\''"))
    }
}

/// What a finished command did.
struct Ran {
    shown: String,
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Ran {
    /// The command, exit status and both streams, for failure messages.
    fn describe(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "command: {}", self.shown);
        match self.code {
            Some(code) => {
                let _ = writeln!(s, "exit code: {code}");
            }
            None => {
                let _ = writeln!(s, "exit code: none (killed by a signal)");
            }
        }
        let _ = writeln!(s, "stdout:\n{}", indent(&self.stdout));
        let _ = write!(s, "stderr:\n{}", indent(&self.stderr));
        s
    }
}

fn indent(text: &str) -> String {
    if text.is_empty() {
        return "    (empty)".to_string();
    }
    text.lines().map(|l| format!("    {l}")).collect::<Vec<_>>().join("\n")
}

/// Runs `clawc ARGS` from the repository root.
fn clawc(args: &[String]) -> Result<Ran, String> {
    let shown =
        std::iter::once("clawc".to_string()).chain(args.iter().map(|a| shell_quote(a))).collect::<Vec<_>>().join(" ");
    let output = Command::new(CLAWC)
        .args(args)
        .current_dir(ROOT)
        .env("NO_COLOR", "1")
        // The compilation cache of the tests, never the user's (kept between runs).
        .env("CLAWC_CACHE_DIR", concat!(env!("CARGO_TARGET_TMPDIR"), "/clawc-cache"))
        .output()
        .map_err(|e| format!("command: {shown}\ncould not start {CLAWC}: {e}"))?;
    Ok(Ran {
        shown,
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    })
}

/// The arguments after the leading `clawc` of a README command.
fn clawc_args(command: &str, line: usize) -> Result<Vec<String>, String> {
    let mut args = split_args(command).map_err(|e| format!("README.md line {line}: {e}"))?;
    if args.first().map(String::as_str) != Some("clawc") {
        return Err(format!("README.md line {line}: command does not start with `clawc`: `{command}`"));
    }
    args.remove(0);
    Ok(args)
}

fn tempdir() -> Result<tempfile::TempDir, String> {
    tempfile::Builder::new()
        .prefix("claw-examples-")
        .tempdir()
        .map_err(|e| format!("cannot create a temporary directory: {e}"))
}

/// Runs a row's builds and call; with `debug_memory`, every `build` and
/// `run` gets `--debug-memory`.
fn run_row(row: &Row, debug_memory: bool) -> Result<(), Failed> {
    let tmp = tempdir()?;
    let line = row.line;
    // Each build's default output (`examples/NAME.wasm` beside the source), and where it goes instead.
    let mut outputs: Vec<(String, String)> = Vec::new();
    for build in &row.build {
        let mut args = clawc_args(build, line)?;
        if args.first().map(String::as_str) != Some("build") {
            return Err(format!(
                "README.md line {line}: the build cell should hold `clawc build` commands, found `{build}`"
            )
            .into());
        }
        let Some(source) = args.iter().find(|a| a.ends_with(".claw")) else {
            return Err(format!("README.md line {line}: no .claw file in `{build}`").into());
        };
        let out = tmp.path().join(format!("{}.wasm", stem(Path::new(source))));
        outputs.push((Path::new(source).with_extension("wasm").display().to_string(), out.display().to_string()));
        args.push("-o".into());
        args.push(out.display().to_string());
        if debug_memory {
            args.push("--debug-memory".into());
        }
        let ran = clawc(&args)?;
        if ran.code != Some(0) {
            return Err(
                format!("README.md line {line}: the build failed\nas written: {build}\n{}", ran.describe()).into()
            );
        }
    }
    let mut args: Vec<String> = clawc_args(&row.call, line)?
        .into_iter()
        .map(|arg| match outputs.iter().find(|(written, _)| *written == arg) {
            Some((_, redirected)) => redirected.clone(),
            None => arg,
        })
        .collect();
    if debug_memory && args.first().map(String::as_str) == Some("run") {
        args.insert(1, "--debug-memory".into());
    }
    let ran = clawc(&args)?;
    if ran.code != Some(0) {
        return Err(
            format!("README.md line {line}: the call failed\nas written: {}\n{}", row.call, ran.describe()).into()
        );
    }
    let got = ran.stdout.trim();
    let want = row.prints.trim();
    if got != want {
        let want_shown = if want.is_empty() { "(nothing)" } else { want };
        let got_shown = if got.is_empty() { "(nothing)" } else { got };
        return Err(format!(
            "README.md line {line}: stdout differs from the `prints` cell\nas written: {}\nexpected: {want_shown}\nactual:   {got_shown}\n{}",
            row.call,
            ran.describe()
        )
        .into());
    }
    Ok(())
}

fn covers_every_example(rows: &[Row], examples: &[PathBuf]) -> Result<(), Failed> {
    let files: BTreeMap<String, &PathBuf> = examples.iter().map(|p| (stem(p), p)).collect();
    let documented: BTreeSet<&str> = rows.iter().map(|r| r.example.as_str()).collect();
    let mut problems = Vec::new();
    for (name, path) in &files {
        if !documented.contains(name.as_str()) {
            let shown = path.strip_prefix(ROOT).unwrap_or(path);
            problems.push(format!("{} has no row in the README table", shown.display()));
        }
    }
    for row in rows {
        if !files.contains_key(&row.example) {
            problems.push(format!(
                "README.md line {}: there is no examples/{name}.claw or examples/{name}/{name}.claw",
                row.line,
                name = row.example
            ));
        }
    }
    if problems.is_empty() { Ok(()) } else { Err(problems.join("\n").into()) }
}

// ---------------------------------------------------------------------------
// Component checks.

/// The names `source` exports, by a line scan: each `export func`'s name,
/// each `export ns:pkg/iface@v { ... }`'s interface and each
/// `export name: interface { ... }`'s name.
fn exported_funcs(source: &str) -> Vec<String> {
    source
        .lines()
        .filter_map(|line| line.trim_start().strip_prefix("export "))
        .map(|rest| {
            let rest = rest.trim_start();
            if let Some(func) = rest.strip_prefix("func ") {
                let func = func.trim_start();
                let end = func.find(|c: char| c == '(' || c.is_whitespace()).unwrap_or(func.len());
                return func[..end].trim_start_matches('%').to_string();
            }
            let end = rest.find(|c: char| c == '{' || c.is_whitespace()).unwrap_or(rest.len());
            rest[..end].trim_end_matches(':').to_string()
        })
        .collect()
}

fn check_exports(path: &Path) -> Result<(), Failed> {
    let source = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut expected = exported_funcs(&source);
    expected.sort();
    if expected.is_empty() {
        return Err(format!("{} exports nothing", path.display()).into());
    }

    let tmp = tempdir()?;
    let out = tmp.path().join(format!("{}.wasm", stem(path)));
    let relative = path.strip_prefix(ROOT).unwrap_or(path);
    let mut args = vec!["build".to_string(), relative.display().to_string()];
    // No `--wit`: an example directly in `examples/` needs none, so that
    // `clawc check examples/*.claw` (the README's tour) works, and one in a
    // folder of its own is a project whose `claw.toml` names its WIT.
    let own_dir = relative.parent().filter(|dir| *dir != Path::new("examples"));
    if let Some(dir) = own_dir.filter(|dir| Path::new(ROOT).join(dir).join("wit").is_dir())
        && !Path::new(ROOT).join(dir).join("claw.toml").is_file()
    {
        return Err(format!("{} has its own WIT but no claw.toml naming it", dir.display()).into());
    }
    args.push("-o".into());
    args.push(out.display().to_string());
    let ran = clawc(&args)?;
    if ran.code != Some(0) {
        return Err(format!("the build failed\n{}", ran.describe()).into());
    }
    let bytes = std::fs::read(&out).map_err(|e| {
        format!("{} reported success but {} cannot be read: {e}\n{}", ran.shown, out.display(), ran.describe())
    })?;

    let mut validator = wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all());
    validator.validate_all(&bytes).map_err(|e| format!("{}: the component does not validate: {e}", ran.shown))?;

    let decoded = wit_component::decode(&bytes)
        .map_err(|e| format!("{}: cannot decode the component's WIT: {e:#}", ran.shown))?;
    let wit_component::DecodedWasm::Component(resolve, world) = decoded else {
        return Err(format!("{}: the output decodes as a WIT package, not a component", ran.shown).into());
    };
    // The source may leave out an interface's version (`export ns:pkg/iface { ... }`).
    let mut actual: Vec<String> = resolve.worlds[world]
        .exports
        .keys()
        .map(|key| resolve.name_world_key(key))
        .map(|name| match name.split_once('@') {
            Some((unversioned, _)) if expected.iter().any(|e| e == unversioned) => unversioned.to_string(),
            _ => name,
        })
        .collect();
    actual.sort();
    if actual != expected {
        return Err(format!(
            "{}: the world's exports differ from the file's exports\nexpected (from the source): {expected:?}\nactual (from the WIT):      {actual:?}",
            ran.shown
        )
        .into());
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// CLI failure behaviour.

/// The names in `dir`, sorted.
fn listing(dir: &Path) -> Result<Vec<String>, String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map_err(|e| format!("cannot list {}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect();
    names.sort();
    Ok(names)
}

fn build_error_leaves_no_output() -> Result<(), Failed> {
    let tmp = tempdir()?;
    let source = tmp.path().join("broken.claw");
    std::fs::write(&source, "export func broken() -> u32 {\n    return \"not a number\";\n}\n")
        .map_err(|e| e.to_string())?;

    // The default output (next to the source) already exists: it must survive.
    let previous = tmp.path().join("broken.wasm");
    let dummy = b"an earlier, good build".to_vec();
    std::fs::write(&previous, &dummy).map_err(|e| e.to_string())?;
    let ran = clawc(&["build".into(), source.display().to_string()])?;
    expect_failed_build(&ran)?;
    match std::fs::read(&previous) {
        Ok(bytes) if bytes == dummy => {}
        Ok(_) => {
            return Err(
                format!("the failed build overwrote the existing {}\n{}", previous.display(), ran.describe()).into()
            );
        }
        Err(e) => {
            return Err(format!(
                "the failed build removed the existing {} ({e})\n{}",
                previous.display(),
                ran.describe()
            )
            .into());
        }
    }

    // An explicit `-o` that does not exist yet must not be created.
    let fresh = tmp.path().join("fresh.wasm");
    let ran = clawc(&["build".into(), source.display().to_string(), "-o".into(), fresh.display().to_string()])?;
    expect_failed_build(&ran)?;
    if fresh.exists() {
        return Err(format!("the failed build created {}\n{}", fresh.display(), ran.describe()).into());
    }

    // And no temporary files are left behind.
    let names = listing(tmp.path())?;
    if names != ["broken.claw", "broken.wasm"] {
        return Err(format!(
            "after the failed builds {} holds {names:?}, expected only broken.claw and broken.wasm",
            tmp.path().display()
        )
        .into());
    }
    Ok(())
}

/// Exit code 1, nothing on stdout, a diagnostic naming the file on stderr.
fn expect_failed_build(ran: &Ran) -> Result<(), String> {
    if ran.code != Some(1) {
        return Err(format!("a build with a type error should exit with code 1\n{}", ran.describe()));
    }
    if !ran.stderr.contains("error")
        || !ran.stderr.contains("broken.claw")
        || !ran.stderr.contains("return \"not a number\"")
    {
        return Err(format!(
            "expected a diagnostic on stderr naming broken.claw and quoting the bad line\n{}",
            ran.describe()
        ));
    }
    if !ran.stdout.is_empty() {
        return Err(format!("a failed build should print nothing on stdout\n{}", ran.describe()));
    }
    Ok(())
}

fn run_missing_file_exits_2() -> Result<(), Failed> {
    let tmp = tempdir()?;
    for file in ["missing.wasm", "missing.claw"] {
        let path = tmp.path().join(file);
        let ran = clawc(&["run".into(), path.display().to_string(), "--invoke".into(), "f()".into()])?;
        if ran.code != Some(2) {
            return Err(format!("`clawc run` of a missing file should exit with code 2\n{}", ran.describe()).into());
        }
        if !ran.stderr.contains(file) {
            return Err(format!("the error on stderr should name the missing file\n{}", ran.describe()).into());
        }
    }
    if !listing(tmp.path())?.is_empty() {
        return Err("`clawc run` of a missing file created files".into());
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// The tour in the top-level README.

/// One command line of a ```` ```sh ```` block in the top-level README.md.
#[derive(Clone, Debug)]
struct TourLine {
    /// 1-based line in README.md.
    line: usize,
    /// The command as written, without its comment.
    command: String,
    /// The trailing `# comment`, without the `#`, trimmed; empty if none.
    comment: String,
}

impl TourLine {
    /// `cargo install ...` and `cargo test ...`: set-up, run by whoever runs this test.
    fn is_setup(&self) -> bool {
        let words: Vec<&str> = self.command.split_whitespace().collect();
        matches!(words.as_slice(), ["cargo", "install" | "test", ..])
    }
}

/// Splits a shell line at its comment: a `#` outside quotes that starts the
/// line or follows whitespace (so `--invoke 'ns:pkg/iface#name'` is not cut).
fn split_comment(line: &str) -> (String, String) {
    let mut quote = None;
    let mut previous = ' ';
    for (i, ch) in line.char_indices() {
        match (quote, ch) {
            (None, '\'' | '"') => quote = Some(ch),
            (Some(q), c) if c == q => quote = None,
            (None, '#') if previous.is_whitespace() => {
                return (line[..i].trim().to_string(), line[i + 1..].trim().to_string());
            }
            _ => {}
        }
        previous = ch;
    }
    (line.trim().to_string(), String::new())
}

/// The command lines of each ```` ```sh ```` block in `text`, block by block.
fn tour_blocks(text: &str) -> Result<Vec<Vec<TourLine>>, String> {
    let mut blocks = Vec::new();
    let mut current: Option<(usize, Vec<TourLine>)> = None;
    for (i, line) in text.lines().enumerate() {
        let fence = line.trim();
        match &mut current {
            None if fence == "```sh" => current = Some((i + 1, Vec::new())),
            None => {}
            Some(_) if fence == "```" => blocks.extend(current.take().map(|(_, lines)| lines)),
            Some((_, lines)) => {
                let (command, comment) = split_comment(line);
                if !command.is_empty() {
                    lines.push(TourLine { line: i + 1, command, comment });
                }
            }
        }
    }
    if let Some((start, _)) = current {
        return Err(format!("README.md line {start}: the ```sh block is not closed"));
    }
    if blocks.iter().flatten().all(TourLine::is_setup) {
        return Err("README.md has no ```sh block with clawc commands".into());
    }
    Ok(blocks)
}

/// One trial per tour line (the set-up lines excepted), each given the
/// lines before it in its block, which run first.
fn tour_trials(text: &str) -> Vec<Trial> {
    let blocks = match tour_blocks(text) {
        Ok(blocks) => blocks,
        Err(e) => return vec![Trial::test("tour::blocks", move || Err(e.into()))],
    };
    let mut names = BTreeSet::new();
    let mut trials = Vec::new();
    for block in blocks {
        let block: Vec<TourLine> = block.into_iter().filter(|l| !l.is_setup()).collect();
        for (i, line) in block.iter().enumerate() {
            let base = format!("tour::{}", line.command);
            let mut name = base.clone();
            let mut n = 2;
            while !names.insert(name.clone()) {
                name = format!("{base}#{n}");
                n += 1;
            }
            let before = block[..i].to_vec();
            let line = line.clone();
            trials.push(Trial::test(name, move || run_tour_line(&before, &line)));
        }
    }
    trials
}

/// Runs a README line with `sh -c` in `dir`, `clawc` being the binary under test.
fn shell(line: &TourLine, dir: &Path) -> Result<Ran, String> {
    let words = split_args(&line.command).map_err(|e| format!("README.md line {}: {e}", line.line))?;
    if words.first().map(String::as_str) != Some("clawc") {
        return Err(format!(
            "README.md line {}: only `clawc` commands (and the set-up `cargo install`/`cargo test`) can be checked, found `{}`",
            line.line, line.command
        ));
    }
    // A function, so every `clawc` in the line (pipes included) is the binary under test.
    let script = format!("clawc() {{ \"$CLAWC\" \"$@\"; }}\n{}", line.command);
    let output = Command::new("sh")
        .arg("-c")
        .arg(script)
        .env("CLAWC", CLAWC)
        .env("NO_COLOR", "1")
        // The compilation cache of the tests, never the user's (kept between runs).
        .env("CLAWC_CACHE_DIR", concat!(env!("CARGO_TARGET_TMPDIR"), "/clawc-cache"))
        .current_dir(dir)
        .output()
        .map_err(|e| format!("command: {}\ncould not start sh: {e}", line.command))?;
    Ok(Ran {
        shown: format!(
            "{} (README.md line {}, in a copy of the repository at {})",
            line.command,
            line.line,
            dir.display()
        ),
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    })
}

/// Copies the repository at `from` into `to` as a fresh clone has it:
/// without `target/`, `.git` and built components (`.wasm` files other than
/// the checked-in ones in `components/` and `fixtures/` folders), so a stale
/// build output cannot stand in for one the tour should write.
fn copy_repository(from: &Path, to: &Path) -> Result<(), String> {
    let entries = std::fs::read_dir(from).map_err(|e| format!("cannot list {}: {e}", from.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("cannot list {}: {e}", from.display()))?;
        let source = entry.path();
        let target = to.join(entry.file_name());
        let kind = entry.file_type().map_err(|e| format!("cannot stat {}: {e}", source.display()))?;
        if kind.is_dir() {
            if entry.file_name() == "target" || entry.file_name() == ".git" {
                continue;
            }
            std::fs::create_dir(&target).map_err(|e| format!("cannot create {}: {e}", target.display()))?;
            copy_repository(&source, &target)?;
        } else {
            let built = source.extension().is_some_and(|e| e == "wasm")
                && !from.file_name().is_some_and(|dir| dir == "components" || dir == "fixtures");
            if built || entry.file_name() == ".git" {
                continue;
            }
            std::fs::copy(&source, &target)
                .map_err(|e| format!("cannot copy {} to {}: {e}", source.display(), target.display()))?;
        }
    }
    Ok(())
}

/// Every file under `dir` with its length and modification time.
fn snapshot(dir: &Path) -> Result<BTreeMap<PathBuf, (u64, Option<SystemTime>)>, String> {
    let mut files = BTreeMap::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(next) = pending.pop() {
        for entry in std::fs::read_dir(&next).map_err(|e| format!("cannot list {}: {e}", next.display()))? {
            let entry = entry.map_err(|e| format!("cannot list {}: {e}", next.display()))?;
            let meta = entry.metadata().map_err(|e| format!("cannot stat {}: {e}", entry.path().display()))?;
            if meta.is_dir() {
                pending.push(entry.path());
            } else {
                let relative = entry.path().strip_prefix(dir).map(Path::to_path_buf).unwrap_or_else(|_| entry.path());
                files.insert(relative, (meta.len(), meta.modified().ok()));
            }
        }
    }
    Ok(files)
}

/// Runs the lines `before` and then `line` in a fresh copy of the
/// repository; `line` must exit 0 and keep the promise of its comment.
fn run_tour_line(before: &[TourLine], line: &TourLine) -> Result<(), Failed> {
    let scratch = tempdir()?;
    copy_repository(Path::new(ROOT), scratch.path())?;
    for earlier in before {
        let ran = shell(earlier, scratch.path())?;
        if ran.code != Some(0) {
            return Err(format!(
                "README.md line {}: the line before it in its block, line {}, failed\n{}",
                line.line,
                earlier.line,
                ran.describe()
            )
            .into());
        }
    }
    let files_before = snapshot(scratch.path())?;
    let ran = shell(line, scratch.path())?;
    if ran.code != Some(0) {
        return Err(format!("README.md line {}: the command failed\n{}", line.line, ran.describe()).into());
    }
    check_promise(line, &ran, scratch.path(), &files_before)
        .map_err(|e| format!("README.md line {}: {e}\n{}", line.line, ran.describe()).into())
}

/// Checks what a tour line's comment promises, where it states something
/// checkable: `prints X` (stdout, trimmed, is X), `writes PATH` (PATH is
/// created, a component if it is a `.wasm`), `nothing written` (no file
/// changes), `as WIT` (stdout is a WIT world that resolves against the
/// bundled WIT), `every *.test.claw under it` (each such file under the
/// directory argument is run). Other comments promise nothing beyond exit 0.
fn check_promise(
    line: &TourLine,
    ran: &Ran,
    dir: &Path,
    files_before: &BTreeMap<PathBuf, (u64, Option<SystemTime>)>,
) -> Result<(), String> {
    let comment = line.comment.as_str();
    if let Some(expected) = comment.strip_prefix("prints ") {
        let got = ran.stdout.trim();
        if got != expected.trim() {
            return Err(format!("the comment promises `prints {expected}`, but stdout is `{got}`"));
        }
    }
    if let Some(rest) = comment.strip_prefix("writes ") {
        let written = rest.split_whitespace().next().unwrap_or_default();
        let path = dir.join(written);
        let bytes = std::fs::read(&path).map_err(|e| format!("the comment promises `writes {written}`: {e}"))?;
        if files_before.contains_key(Path::new(written)) {
            return Err(format!("{written} existed before the command, so the test cannot tell it was written"));
        }
        if written.ends_with(".wasm") && !wasmparser::Parser::is_component(&bytes) {
            return Err(format!("{written} is not a WebAssembly component"));
        }
    }
    if comment.contains("nothing written") {
        let files_after = snapshot(dir)?;
        if files_after != *files_before {
            let changed: Vec<String> = files_after
                .iter()
                .filter(|(path, meta)| files_before.get(*path) != Some(*meta))
                .map(|(path, _)| path.display().to_string())
                .chain(files_before.keys().filter(|p| !files_after.contains_key(*p)).map(|p| p.display().to_string()))
                .collect();
            return Err(format!("the comment promises `nothing written`, but these files changed: {changed:?}"));
        }
    }
    if comment.contains("as WIT") {
        let mut resolve = claw_compiler::std_wit::resolve().map_err(|e| format!("bundled WIT: {e:#}"))?;
        let package = resolve
            .push_str("stdout.wit", &ran.stdout)
            .map_err(|e| format!("the comment promises WIT, but stdout does not resolve as WIT: {e:#}"))?;
        if resolve.packages[package].worlds.is_empty() {
            return Err("the comment promises the component's world, but the WIT on stdout has no world".into());
        }
    }
    if comment.contains("every *.test.claw under it") {
        let args = split_args(&line.command)?;
        let dirs: Vec<&String> = args.iter().skip(2).filter(|a| dir.join(a).is_dir()).collect();
        if dirs.is_empty() {
            return Err("the comment promises a directory's tests, but no argument is a directory".into());
        }
        for under in dirs {
            let root = Path::new(under.as_str());
            let files = snapshot(&dir.join(root))?;
            let tests: Vec<PathBuf> =
                files.keys().filter(|p| p.to_string_lossy().ends_with(".test.claw")).map(|p| root.join(p)).collect();
            if tests.is_empty() {
                return Err(format!("{under} holds no *.test.claw files"));
            }
            for test in tests {
                if !ran.stdout.contains(&test.display().to_string()) {
                    return Err(format!("{} is under {under} but its tests are not in the report", test.display()));
                }
            }
        }
    }
    Ok(())
}
