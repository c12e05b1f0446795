//! The formatter (`claw_compiler::format`, `clawc fmt`).
//!
//! Two kinds of trials:
//! - `snapshot::<case>`: every `tests/fmt/*.claw` is an input chosen to be
//!   hard (comments everywhere, long lines, nested literals, ...), written
//!   badly on purpose; its formatted text is compared with
//!   `tests/fmt/<case>.snap` (the input, then the output). To accept new
//!   output, run `cargo insta test --accept --test fmt` and review the diff.
//! - `repo::<path>`: every `.claw` file of the repository that parses
//!   (tests, examples, test files, these inputs) must format idempotently;
//!   a copy with its whitespace damaged (indentation, spaces between
//!   tokens, line breaks, trailing spaces) must format to the same text; every
//!   comment's text must survive in order; and where the file compiles, the
//!   formatted file must compile to the same component bytes. Files outside
//!   `tests/fmt` must already be formatted.
//!
//! The snapshot inputs get every `repo` check too. `cli::*` trials run the
//! real `clawc fmt`: in place, `--check`, stdin, directories, and files with
//! syntax errors left byte for byte as they were.

use claw_compiler::lexer::{self, Token};
use libtest_mimic::{Arguments, Failed, Trial};
use std::path::{Path, PathBuf};

fn main() {
    let args = Arguments::from_args();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut trials = Vec::new();
    for path in claw_files(&root.join("tests/fmt")) {
        let name = path.file_stem().and_then(|s| s.to_str()).unwrap_or("case").to_string();
        trials.push(Trial::test(format!("snapshot::{name}"), move || snapshot_case(&path)));
    }
    for dir in ["examples", "tests"] {
        for path in claw_files(&root.join(dir)) {
            let name = path.strip_prefix(root).unwrap_or(&path).display().to_string();
            trials.push(Trial::test(format!("repo::{name}"), move || repo_case(&path)));
        }
    }
    trials.push(Trial::test("cli::formats_in_place_and_checks", cli_formats_in_place_and_checks));
    trials.push(Trial::test("cli::syntax_errors_leave_files_untouched", cli_syntax_errors_leave_files_untouched));
    trials.push(Trial::test("cli::stdin_to_stdout", cli_stdin_to_stdout));
    libtest_mimic::run(&args, trials).exit();
}

fn clawc() -> std::process::Command {
    std::process::Command::new(env!("CARGO_BIN_EXE_clawc"))
}

const UGLY: &str = "export func f(a:u32)->u32{return a+1;}\n";
const PRETTY: &str = "export func f(a: u32) -> u32 {\n    return a + 1;\n}\n";

fn cli_formats_in_place_and_checks() -> Result<(), Failed> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let nested = dir.path().join("src/tests");
    std::fs::create_dir_all(&nested).map_err(|e| e.to_string())?;
    std::fs::create_dir_all(dir.path().join("target")).map_err(|e| e.to_string())?;
    let ugly = dir.path().join("a.claw");
    let test_file = nested.join("b.test.claw");
    let fine = dir.path().join("src/fine.claw");
    let skipped = dir.path().join("target/skipped.claw");
    for (path, text) in [(&ugly, UGLY), (&test_file, UGLY), (&fine, PRETTY), (&skipped, UGLY)] {
        std::fs::write(path, text).map_err(|e| e.to_string())?;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&ugly, std::fs::Permissions::from_mode(0o640)).map_err(|e| e.to_string())?;
    }
    let mtime = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).map_err(|e| e.to_string());
    let fine_before = mtime(&fine)?;

    // --check lists the files that would change (not `target/`), exits 1 and changes nothing.
    let out = clawc().args(["fmt", "--check"]).arg(dir.path()).output().map_err(|e| e.to_string())?;
    let listed = String::from_utf8_lossy(&out.stdout).to_string();
    if out.status.code() != Some(1) || !listed.contains("a.claw") || !listed.contains("b.test.claw") {
        return Err(format!("--check: status {:?}, stdout {listed}", out.status).into());
    }
    if listed.contains("fine.claw") || listed.contains("skipped.claw") {
        return Err(format!("--check lists a formatted or skipped file: {listed}").into());
    }
    if std::fs::read_to_string(&ugly).map_err(|e| e.to_string())? != UGLY {
        return Err("--check changed a file".into());
    }

    // Without --check: formatted in place, permissions kept, formatted files not rewritten.
    let out = clawc().arg("fmt").arg(dir.path()).output().map_err(|e| e.to_string())?;
    if out.status.code() != Some(0) {
        return Err(format!("fmt: {:?} {}", out.status, String::from_utf8_lossy(&out.stderr)).into());
    }
    for path in [&ugly, &test_file] {
        let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
        if text != PRETTY {
            return Err(format!("{} was not formatted:\n{text}", path.display()).into());
        }
    }
    if std::fs::read_to_string(&skipped).map_err(|e| e.to_string())? != UGLY {
        return Err("a file under target/ was formatted".into());
    }
    if mtime(&fine)? != fine_before {
        return Err("an already formatted file was rewritten".into());
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&ugly).map_err(|e| e.to_string())?.permissions().mode() & 0o777;
        if mode != 0o640 {
            return Err(format!("permissions changed to {mode:o}").into());
        }
    }
    let out = clawc().args(["fmt", "--check"]).arg(dir.path().join("a.claw")).output().map_err(|e| e.to_string())?;
    if out.status.code() != Some(0) || !out.stdout.is_empty() {
        return Err(format!("--check after formatting: {:?}", out.status).into());
    }
    Ok(())
}

fn cli_syntax_errors_leave_files_untouched() -> Result<(), Failed> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let broken = dir.path().join("broken.claw");
    let text = b"export func f( -> u32 {\n  return 1 ;\n}\n";
    std::fs::write(&broken, text).map_err(|e| e.to_string())?;
    for check in [false, true] {
        let mut command = clawc();
        command.arg("fmt");
        if check {
            command.arg("--check");
        }
        let out = command.arg(&broken).output().map_err(|e| e.to_string())?;
        let stderr = String::from_utf8_lossy(&out.stderr).to_string();
        if out.status.code() != Some(1) || !stderr.contains("was not formatted") || !stderr.contains("broken.claw:1:") {
            return Err(format!("status {:?}, stderr:\n{stderr}", out.status).into());
        }
        if std::fs::read(&broken).map_err(|e| e.to_string())? != text {
            return Err("a file with syntax errors was changed".into());
        }
    }
    let out = clawc().args(["fmt", "no-such-file.claw"]).output().map_err(|e| e.to_string())?;
    if out.status.code() != Some(2) {
        return Err(format!("a missing file: {:?}", out.status).into());
    }
    Ok(())
}

fn cli_stdin_to_stdout() -> Result<(), Failed> {
    use std::io::Write;
    let run = |input: &str, check: bool| -> Result<std::process::Output, Failed> {
        let mut command = clawc();
        command.arg("fmt");
        if check {
            command.arg("--check");
        }
        let mut child = command
            .arg("-")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .map_err(|e| e.to_string())?;
        child.stdin.take().ok_or("no stdin")?.write_all(input.as_bytes()).map_err(|e| e.to_string())?;
        Ok(child.wait_with_output().map_err(|e| e.to_string())?)
    };
    let out = run(UGLY, false)?;
    if out.status.code() != Some(0) || out.stdout != PRETTY.as_bytes() {
        return Err(format!("stdin: {:?} {}", out.status, String::from_utf8_lossy(&out.stdout)).into());
    }
    let out = run(UGLY, true)?;
    if out.status.code() != Some(1) {
        return Err(format!("stdin --check of an unformatted file: {:?}", out.status).into());
    }
    let out = run("func (", false)?;
    if out.status.code() != Some(1) || !out.stdout.is_empty() {
        return Err(format!("stdin with a syntax error: {:?}", out.status).into());
    }
    Ok(())
}

/// Every `.claw` file under `dir`, sorted.
fn claw_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.filter_map(Result::ok) {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "claw") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

fn snapshot_case(path: &Path) -> Result<(), Failed> {
    let source = read(path)?;
    let name = path.file_stem().and_then(|s| s.to_str()).unwrap_or("case").to_string();
    let formatted = claw_compiler::format(&source).map_err(|d| format!("{} does not parse: {d:?}", path.display()))?;
    let snapshot = format!("{source}\n----- formatted -----\n{formatted}");
    let result = std::panic::catch_unwind(|| {
        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_path(path.parent().unwrap_or(Path::new(".")));
        settings.set_prepend_module_to_snapshot(false);
        settings.set_omit_expression(true);
        settings.set_input_file(path);
        settings.bind(|| insta::assert_snapshot!(name.as_str(), snapshot));
    });
    result.map_err(|_| {
        Failed::from(format!(
            "formatting {} differs from the snapshot; review with `cargo insta test --review --test fmt`",
            path.display()
        ))
    })
}

fn repo_case(path: &Path) -> Result<(), Failed> {
    let source = read(path)?;
    // Files with syntax errors (some tests/ui cases) are refused; that is
    // tested in tests/cli.rs.
    let Ok(formatted) = claw_compiler::format(&source) else { return Ok(()) };
    let again = claw_compiler::format(&formatted).map_err(|d| format!("the formatted text does not parse: {d:?}"))?;
    if again != formatted {
        return Err(difference("formatting is not idempotent", &formatted, &again));
    }
    let damaged = damage(&source);
    let from_damaged =
        claw_compiler::format(&damaged).map_err(|d| format!("the damaged copy does not parse: {d:?}\n{damaged}"))?;
    if from_damaged != formatted {
        return Err(difference("the damaged copy formats differently", &formatted, &from_damaged));
    }
    if is_canonical(path) && formatted != source {
        return Err(difference(
            &format!("{} is not formatted; run `clawc fmt {}`", path.display(), path.display()),
            &formatted,
            &source,
        ));
    }
    let (before, after) = (comments(&source), comments(&formatted));
    if before != after {
        return Err(format!("comments changed:\n  before: {before:?}\n  after:  {after:?}").into());
    }
    same_component(path, &source, &formatted)
}

/// Whether `path` must be formatted: everything but the deliberately
/// unformatted inputs of `tests/fmt`.
fn is_canonical(path: &Path) -> bool {
    !path.starts_with(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fmt"))
}

/// Where `source` compiles (with the WIT in a `wit/` folder beside it, if
/// any), `formatted` compiles to the same bytes. Files that use `check!` are
/// skipped: its message names a line and column, which formatting moves.
fn same_component(path: &Path, source: &str, formatted: &str) -> Result<(), Failed> {
    if source.contains("check!") {
        return Ok(());
    }
    let mut resolve = claw_compiler::std_wit::resolve().map_err(|e| e.to_string())?;
    // As tests/run.rs does: each file of the `wit/` folder beside the file on its own.
    let wit = path.parent().unwrap_or(Path::new(".")).join("wit");
    if let Ok(entries) = std::fs::read_dir(&wit) {
        let mut files: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        files.sort();
        for file in files {
            resolve.push_path(&file).map_err(|e| format!("{}: {e:#}", file.display()))?;
        }
    }
    let world = clawc::world_name_for(path);
    let Ok(original) = claw_compiler::compile(source, &world, &resolve) else { return Ok(()) };
    let reformatted = claw_compiler::compile(formatted, &world, &resolve)
        .map_err(|d| format!("the original compiles but the formatted text does not: {d:?}"))?;
    if original.component != reformatted.component {
        return Err("the formatted text compiles to different component bytes".into());
    }
    Ok(())
}

fn read(path: &Path) -> Result<String, Failed> {
    Ok(std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?)
}

/// The text of every comment, in order, without trailing whitespace.
fn comments(source: &str) -> Vec<String> {
    let lexed = lexer::lex(source);
    lexed.comments.iter().map(|c| source[c.range()].lines().map(str::trim_end).collect::<Vec<_>>().join("\n")).collect()
}

/// A copy of `source` with its whitespace damaged without changing its
/// meaning: between tokens on a line, spaces added; at line ends, trailing
/// spaces; indentation changed (never to column 0, where an item keyword
/// would start a new item); and some line breaks added. Gaps next to a
/// comment and inside strings are left alone (a trailing comment must stay
/// on its line).
fn damage(source: &str) -> String {
    let lexed = lexer::lex(source);
    // Tokens inside an interpolated string are inside the string literal.
    let mut pieces: Vec<(u32, u32, bool)> = Vec::new();
    let mut string_depth = 0;
    for (start, token, end) in &lexed.tokens {
        match token {
            Token::InterpStart => {
                if string_depth == 0 {
                    pieces.push((*start, *end, false));
                }
                string_depth += 1;
            }
            Token::InterpEnd => {
                string_depth -= 1;
                if string_depth == 0
                    && let Some(last) = pieces.last_mut()
                {
                    last.1 = *end;
                }
            }
            _ if string_depth > 0 => {}
            _ => pieces.push((*start, *end, false)),
        }
    }
    pieces.extend(lexed.comments.iter().map(|c| (c.start, c.end, true)));
    pieces.sort();
    let mut out = String::with_capacity(source.len() * 2);
    let mut cursor = 0usize;
    for (i, (start, end, comment)) in pieces.iter().enumerate() {
        let gap = &source[cursor..*start as usize];
        let near_comment = *comment || (i > 0 && pieces[i - 1].2);
        if i == 0 || near_comment {
            out.push_str(gap);
        } else if gap.contains('\n') {
            // Trailing spaces, the same line breaks, a different indentation.
            let indent = gap.rsplit('\n').next().map_or(0, str::len);
            let breaks = gap.matches('\n').count();
            for _ in 0..breaks {
                out.push_str("  \n");
            }
            out.push_str(&" ".repeat((indent + 3) % 7 + 1));
        } else if i % 5 == 0 {
            out.push_str("\n   ");
        } else {
            out.push_str(gap);
            out.push_str("  ");
        }
        out.push_str(&source[*start as usize..*end as usize]);
        cursor = *end as usize;
    }
    out.push_str(&source[cursor..]);
    out
}

/// A failure message showing both texts.
fn difference(what: &str, expected: &str, actual: &str) -> Failed {
    format!("{what}\n----- expected -----\n{expected}\n----- actual -----\n{actual}").into()
}
