//! `clawc fmt`: formats `.claw` files in place with
//! [`claw_compiler::format`], or checks that they are formatted.
//!
//! Each file is rewritten atomically (a temporary file renamed over it,
//! with the original's permissions) and only when its text changes. A file
//! with syntax errors is reported and left exactly as it was.

use crate::{EXIT_FAILURE, EXIT_SUCCESS, EXIT_USAGE, print_error, read_source, render};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// Arguments of `clawc fmt`.
#[derive(clap::Args, Debug, Clone)]
pub struct FmtArgs {
    /// Files to format, or directories (every `.claw` file under them,
    /// test files included; hidden directories, `target` and
    /// `node_modules` are skipped). `-` reads a file from stdin and writes
    /// it formatted to stdout. [default: the current directory]
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Change nothing: list the files whose formatting would change, and
    /// exit with 1 if there is any.
    #[arg(long)]
    pub check: bool,
}

/// What happened to one file.
enum Outcome {
    Unchanged,
    Changed,
    /// Syntax errors (reported) or an IO error (printed).
    Failed(u8),
}

/// Runs `clawc fmt`; returns the exit code: 0 when everything is (or is
/// now) formatted, 1 when a file has syntax errors or, with `--check`,
/// would change, 2 for usage and IO errors.
pub fn run(args: &FmtArgs, color: bool) -> u8 {
    if args.paths.iter().any(|p| p.as_os_str() == "-") {
        if args.paths.len() > 1 {
            print_error("`-` (stdin) cannot be combined with other paths");
            return EXIT_USAGE;
        }
        return stdin(args.check, color);
    }
    let roots = if args.paths.is_empty() { vec![PathBuf::from(".")] } else { args.paths.clone() };
    let mut files = Vec::new();
    for root in &roots {
        if let Err(e) = collect(root, &mut files) {
            print_error(e);
            return EXIT_USAGE;
        }
    }
    let mut worst = EXIT_SUCCESS;
    let mut would_change = 0;
    for file in &files {
        match format_file(file, args.check, color) {
            Outcome::Unchanged => {}
            Outcome::Changed => {
                if args.check {
                    println!("{}", file.display());
                    would_change += 1;
                    worst = worst.max(EXIT_FAILURE);
                }
            }
            Outcome::Failed(code) => worst = worst.max(code),
        }
    }
    if args.check && would_change > 0 {
        let plural = if would_change == 1 { "file" } else { "files" };
        eprintln!("{would_change} {plural} would be reformatted; run `clawc fmt` to format them");
    }
    worst
}

/// Formats stdin to stdout (nothing is written when it has syntax errors).
fn stdin(check: bool, color: bool) -> u8 {
    let mut bytes = Vec::new();
    if let Err(e) = std::io::stdin().read_to_end(&mut bytes) {
        print_error(format!("cannot read stdin: {e}"));
        return EXIT_USAGE;
    }
    let Ok(source) = String::from_utf8(bytes) else {
        print_error("stdin is not valid UTF-8");
        return EXIT_USAGE;
    };
    match claw_compiler::format(&source) {
        Ok(formatted) => {
            if check {
                if formatted == source {
                    return EXIT_SUCCESS;
                }
                println!("<stdin>");
                return EXIT_FAILURE;
            }
            let mut stdout = std::io::stdout().lock();
            if stdout.write_all(formatted.as_bytes()).and_then(|()| stdout.flush()).is_err() {
                return EXIT_USAGE;
            }
            EXIT_SUCCESS
        }
        Err(diagnostics) => {
            eprint!("{}", render::render(&diagnostics, "<stdin>", &source, color));
            eprintln!("error: <stdin> was not formatted: it has syntax errors");
            EXIT_FAILURE
        }
    }
}

/// Adds `path` (a file) or the `.claw` files under it (a directory) to
/// `files`, in a stable order.
fn collect(path: &Path, files: &mut Vec<PathBuf>) -> Result<(), String> {
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if !meta.is_dir() {
        files.push(path.to_path_buf());
        return Ok(());
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
        .map_err(|e| format!("cannot read directory {}: {e}", path.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for entry in entries {
        let name = entry.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if entry.is_dir() {
            if !(name.starts_with('.') || name == "target" || name == "node_modules") {
                collect(&entry, files)?;
            }
        } else if name.ends_with(".claw") {
            files.push(entry);
        }
    }
    Ok(())
}

/// Formats one file (or, with `check`, only compares).
fn format_file(path: &Path, check: bool, color: bool) -> Outcome {
    let source = match read_source(path) {
        Ok(s) => s,
        Err(e) => {
            print_error(e);
            return Outcome::Failed(EXIT_USAGE);
        }
    };
    let formatted = match claw_compiler::format(&source) {
        Ok(f) => f,
        Err(diagnostics) => {
            let name = path.display().to_string();
            eprint!("{}", render::render(&diagnostics, &name, &source, color));
            eprintln!("error: {name} was not formatted: it has syntax errors");
            return Outcome::Failed(EXIT_FAILURE);
        }
    };
    if formatted == source {
        return Outcome::Unchanged;
    }
    if !check && let Err(e) = replace(path, formatted.as_bytes()) {
        print_error(e);
        return Outcome::Failed(EXIT_USAGE);
    }
    Outcome::Changed
}

/// Replaces the file at `path` with `bytes` atomically, keeping its
/// permissions.
fn replace(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let error = |e: std::io::Error| format!("cannot write {}: {e}", path.display());
    let permissions = std::fs::metadata(path).map_err(error)?.permissions();
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut file = tempfile::Builder::new().prefix(".clawfmt").tempfile_in(dir).map_err(error)?;
    file.write_all(bytes).map_err(error)?;
    file.as_file().set_permissions(permissions).map_err(error)?;
    file.persist(path).map_err(|e| error(e.error))?;
    Ok(())
}
