//! The Claw project file, `claw.toml`: finding it, reading it, and building
//! the WIT [`Resolve`] it names.
//!
//! A project is a directory holding a `claw.toml`. Every `clawc` command
//! that compiles, and the language server, look for one by walking up from
//! the file (or directory) they work on ([`find`]), the nearest one winning,
//! as cargo does with `Cargo.toml`. The file looks like this (every key is
//! optional):
//!
//! ```toml
//! # WIT packages of the project: directories of .wit files (each with an
//! # optional deps/ folder) or single .wit files, relative to this file.
//! wit = ["wit"]
//! # The world every component of the project must conform to (as --world).
//! world = "example:ledger/ledger"
//!
//! [test]
//! # Where `test component "NAME.wasm";` looks for a component that is not
//! # next to the test file.
//! components = "components"
//! ```
//!
//! The file is parsed with the `toml` crate's span-keeping parser
//! ([`toml::de::DeTable`]) and checked key by key, so every mistake is a
//! [`ProjectError`] naming the file, the line and column, and the key.
//!
//! This crate does file-system IO (reading `claw.toml`, checking that the
//! directories it names exist, reading WIT files); the compiler does none.
//! It is shared by the `clawc` command line and the language server; see
//! ARCHITECTURE.md.

use claw_compiler::Resolve;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// The project file's name.
pub const FILE_NAME: &str = "claw.toml";

/// The top-level keys of `claw.toml`, in the order the book lists them.
pub const KEYS: &[&str] = &["wit", "world", "test"];

/// The keys of the `[test]` table.
pub const TEST_KEYS: &[&str] = &["components"];

/// A `claw.toml`, read and checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Project {
    /// The `claw.toml` file itself (absolute when found by [`find`]).
    pub file: PathBuf,
    /// The directory holding it: relative paths in the file are relative to it.
    pub root: PathBuf,
    /// `wit = [...]`: the WIT directories (or single `.wit` files), in the
    /// file's order, joined to [`root`](Self::root).
    pub wit_dirs: Vec<Entry<PathBuf>>,
    /// `world = "ns:pkg/world"`: the world every component of the project
    /// is checked against, as with `--world`.
    pub world: Option<Entry<String>>,
    /// The `[test]` table.
    pub test: TestSettings,
}

/// The `[test]` table of `claw.toml`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TestSettings {
    /// `components = "DIR"`: a directory, joined to the project's root, where
    /// `test component "NAME.wasm";` looks for a component that is not at
    /// `NAME.wasm` relative to the test file (see [`component_candidates`]).
    pub components: Option<Entry<PathBuf>>,
}

/// A value from `claw.toml` with where it was written, so that a later
/// problem with it (a WIT directory that does not parse, an unknown world)
/// can point at the line that set it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry<T> {
    /// The value (paths already joined to the project's root).
    pub value: T,
    /// The text as written in the file (for a path, before joining).
    pub written: String,
    /// The key, as a dotted path: `wit`, `world`, `test.components`.
    pub key: &'static str,
    /// Where the value is in the file.
    pub location: Location,
}

/// A place in `claw.toml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in Unicode scalar values (characters).
    pub column: usize,
    /// Byte range in the file (for an editor's squiggle).
    pub span: Range<usize>,
}

impl Location {
    /// The location of the byte range `span` in `text`.
    pub fn of(text: &str, span: Range<usize>) -> Location {
        let start = floor_char_boundary(text, span.start);
        let before = &text[..start];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = text[line_start..start].chars().count() + 1;
        Location { line, column, span }
    }
}

/// The largest char boundary of `text` at or before `offset`.
fn floor_char_boundary(text: &str, offset: usize) -> usize {
    let mut i = offset.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// A problem with a `claw.toml`: it cannot be read, is not TOML, has an
/// unknown key or a value of the wrong kind, or names something that does
/// not exist.
///
/// Displayed as `FILE:LINE:COLUMN: MESSAGE` (or `FILE: MESSAGE` when there
/// is no place to point at), the form compilers use, so terminals and
/// editors can jump to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectError {
    /// The `claw.toml` concerned. The command line replaces it with a path
    /// relative to the current directory before printing.
    pub file: PathBuf,
    /// Where in the file, if the problem is at a place.
    pub location: Option<Location>,
    /// What is wrong, without the file and place.
    pub message: String,
}

impl ProjectError {
    fn at(file: &Path, location: Location, message: impl Into<String>) -> ProjectError {
        ProjectError { file: file.to_path_buf(), location: Some(location), message: message.into() }
    }
}

impl fmt::Display for ProjectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.location {
            Some(l) => write!(f, "{}:{}:{}: {}", self.file.display(), l.line, l.column, self.message),
            None => write!(f, "{}: {}", self.file.display(), self.message),
        }
    }
}

impl std::error::Error for ProjectError {}

/// The `claw.toml` that applies to `start` (a source file, a test file or
/// a directory): the nearest one in `start`'s directory (`start` itself
/// when it is a directory) or any directory above it. The path is absolute,
/// with symbolic links resolved; `None` when there is none, or when
/// `start`'s directory does not exist.
pub fn find_file(start: &Path) -> Option<PathBuf> {
    let dir = if start.is_dir() {
        start.canonicalize()
    } else {
        start.parent().map_or(Path::new("."), nonempty).canonicalize()
    };
    let dir = dir.ok()?;
    dir.ancestors().map(|d| d.join(FILE_NAME)).find(|f| f.is_file())
}

/// `path`, or `.` for the empty path (the parent of a bare file name).
fn nonempty(path: &Path) -> &Path {
    if path.as_os_str().is_empty() { Path::new(".") } else { path }
}

/// Finds ([`find_file`]) and loads ([`load`]) the project `start` belongs to.
///
/// # Errors
/// A [`ProjectError`] when the `claw.toml` found is unreadable or invalid.
pub fn find(start: &Path) -> Result<Option<Project>, ProjectError> {
    find_file(start).map(|file| load(&file)).transpose()
}

/// Reads and checks the `claw.toml` at `file` ([`parse`]), and checks that
/// the WIT paths it names exist.
///
/// # Errors
/// A [`ProjectError`]: the file cannot be read or is not UTF-8, [`parse`]'s
/// errors, or a `wit` entry names nothing (pointing at the entry).
pub fn load(file: &Path) -> Result<Project, ProjectError> {
    let read_error = |message: String| ProjectError { file: file.to_path_buf(), location: None, message };
    let bytes = std::fs::read(file).map_err(|e| read_error(format!("cannot read: {e}")))?;
    let text = String::from_utf8(bytes)
        .map_err(|e| read_error(format!("not valid UTF-8 (byte {})", e.utf8_error().valid_up_to())))?;
    let project = parse(file, &text)?;
    for entry in &project.wit_dirs {
        if !entry.value.exists() {
            return Err(ProjectError::at(
                file,
                entry.location.clone(),
                format!(
                    "`wit` entry \"{}\": no such file or directory ({})",
                    entry.written.escape_debug(),
                    entry.value.display()
                ),
            ));
        }
    }
    Ok(project)
}

/// Parses and checks the text of the `claw.toml` at `file`, without
/// touching the file system: paths are joined to `file`'s directory but not
/// checked (see [`load`]).
///
/// # Errors
/// A [`ProjectError`] at the first problem in the file's order: TOML that
/// does not parse (toml's message), an unknown key (listing the known
/// ones), a value of the wrong kind, an empty path, or a `world` that is not
/// `namespace:package/world`.
pub fn parse(file: &Path, text: &str) -> Result<Project, ProjectError> {
    let root = file.parent().map(Path::to_path_buf).unwrap_or_default();
    let document = DeTable::parse(text).map_err(|e| {
        let span = e.span().unwrap_or(0..0);
        let mut message = e.message().trim_end().to_string();
        // toml says `duplicate key` without the key; its span is the key.
        if message == "duplicate key"
            && let Some(key) = text.get(span.clone()).filter(|k| !k.is_empty() && !k.contains('\n'))
        {
            message = format!("duplicate key `{key}`");
        }
        ProjectError::at(file, Location::of(text, span), message)
    })?;
    let at = |span: Range<usize>| Location::of(text, span);
    let mut project = Project {
        file: file.to_path_buf(),
        root: root.clone(),
        wit_dirs: Vec::new(),
        world: None,
        test: TestSettings::default(),
    };
    for (key, value) in in_file_order(document.get_ref()) {
        match key.get_ref().as_ref() {
            "wit" => {
                let Some(array) = value.get_ref().as_array() else {
                    return Err(ProjectError::at(
                        file,
                        at(value.span()),
                        format!(
                            "`wit` must be a list of WIT directories, such as `wit = [\"wit\"]`, not {}",
                            kind(value.get_ref())
                        ),
                    ));
                };
                for item in array {
                    let written = path_value(file, text, "wit", "entries of `wit`", item)?;
                    project.wit_dirs.push(Entry {
                        value: root.join(&written),
                        written,
                        key: "wit",
                        location: at(item.span()),
                    });
                }
            }
            "world" => {
                let Some(world) = value.get_ref().as_str() else {
                    return Err(ProjectError::at(
                        file,
                        at(value.span()),
                        format!(
                            "`world` must be a string naming a WIT world, such as `world = \"example:app/app\"`, not {}",
                            kind(value.get_ref())
                        ),
                    ));
                };
                if !is_world_name(world) {
                    return Err(ProjectError::at(
                        file,
                        at(value.span()),
                        format!(
                            "`world` must name a world as `namespace:package/world` (optionally `@version`), not \"{}\"",
                            world.escape_debug()
                        ),
                    ));
                }
                project.world = Some(Entry {
                    value: world.to_string(),
                    written: world.to_string(),
                    key: "world",
                    location: at(value.span()),
                });
            }
            "test" => {
                let Some(table) = value.get_ref().as_table() else {
                    return Err(ProjectError::at(
                        file,
                        at(value.span()),
                        format!("`test` must be a table (a `[test]` section), not {}", kind(value.get_ref())),
                    ));
                };
                for (key, value) in in_file_order(table) {
                    match key.get_ref().as_ref() {
                        "components" => {
                            let written = path_value(file, text, "test.components", "`test.components`", value)?;
                            project.test.components = Some(Entry {
                                value: root.join(&written),
                                written,
                                key: "test.components",
                                location: at(value.span()),
                            });
                        }
                        other => return Err(unknown_key(file, at(key.span()), other, "in `[test]` ", TEST_KEYS)),
                    }
                }
            }
            other => return Err(unknown_key(file, at(key.span()), other, "", KEYS)),
        }
    }
    Ok(project)
}

/// A table's entries sorted by where their keys are in the file (the table
/// itself is sorted by key), so the first problem reported is the first in
/// the file.
fn in_file_order<'a, 'i>(
    table: &'a DeTable<'i>,
) -> Vec<(&'a Spanned<std::borrow::Cow<'i, str>>, &'a Spanned<DeValue<'i>>)> {
    let mut entries: Vec<_> = table.iter().collect();
    entries.sort_by_key(|(key, _)| key.span().start);
    entries
}

fn unknown_key(file: &Path, location: Location, key: &str, place: &str, known: &[&str]) -> ProjectError {
    let list: Vec<String> = known.iter().map(|k| format!("`{k}`")).collect();
    let expected = match list.as_slice() {
        [one] => format!("expected {one}"),
        _ => format!("expected one of {}", list.join(", ")),
    };
    ProjectError::at(file, location, format!("unknown key `{}` {place}({expected})", key.escape_debug()))
}

/// A path value: a non-empty string.
fn path_value(
    file: &Path,
    text: &str,
    key: &str,
    what: &str,
    value: &Spanned<DeValue<'_>>,
) -> Result<String, ProjectError> {
    let location = Location::of(text, value.span());
    match value.get_ref().as_str() {
        Some("") => Err(ProjectError::at(
            file,
            location,
            format!("`{key}`: a path cannot be empty (write \".\" for this directory)"),
        )),
        Some(path) => Ok(path.to_string()),
        None => Err(ProjectError::at(
            file,
            location,
            format!("{what} must be strings (paths relative to {FILE_NAME}), not {}", kind(value.get_ref())),
        )),
    }
}

/// A TOML value's kind with its article: `an integer`, `a table`.
fn kind(value: &DeValue<'_>) -> String {
    let name = value.type_str();
    let article = if name.starts_with(['a', 'e', 'i', 'o', 'u']) { "an" } else { "a" };
    format!("{article} {name}")
}

/// Whether `text` has the shape `namespace:package/world` with an optional
/// `@version`, each part non-empty (the world itself is looked up later).
fn is_world_name(text: &str) -> bool {
    let name = text.split_once('@').map_or(text, |(name, version)| if version.is_empty() { "" } else { name });
    let Some((namespace, rest)) = name.split_once(':') else { return false };
    let Some((package, world)) = rest.split_once('/') else { return false };
    [namespace, package, world].iter().all(|part| !part.is_empty() && !part.contains([':', '/', ' ']))
}

/// Where `test component "written";` in the test file `test_file` may be,
/// in the order to try: `written` relative to the test file's directory,
/// then (for a relative path, in a project with `[test] components`)
/// relative to that directory. The first that exists is the component; if
/// none does, the first is the one to report.
pub fn component_candidates(project: Option<&Project>, test_file: &Path, written: &str) -> Vec<PathBuf> {
    let base = test_file.parent().unwrap_or(Path::new(""));
    let mut out = vec![base.join(written)];
    if let Some(dir) = project.and_then(|p| p.test.components.as_ref())
        && Path::new(written).is_relative()
    {
        let candidate = dir.value.join(written);
        if !out.contains(&candidate) {
            out.push(candidate);
        }
    }
    out
}

/// Adds the WIT packages at `path` (a directory with an optional `deps/`
/// folder, or a `.wit` file) to `resolve`.
///
/// A directory that holds every package it uses (its own and, in `deps/`,
/// its dependencies, as `wit-deps` and `wkg` lay them out) is loaded into a
/// `Resolve` of its own and merged, which unions the packages it shares
/// with `resolve` (a `deps/` holding the WASI 0.2.12 the compiler bundles):
/// `Resolve::push_path` would panic on those ("attempting to re-add
/// package"). One that uses packages only `resolve` has (the bundled WASI,
/// an earlier entry) is pushed onto `resolve` directly.
///
/// # Errors
/// wit-parser's message.
fn push_wit(resolve: &mut Resolve, path: &Path) -> Result<(), String> {
    let mut own = Resolve::default();
    if own.push_path(path).is_ok() {
        return resolve.merge(own).map(drop).map_err(|e| format!("{e:#}"));
    }
    resolve.push_path(path).map(drop).map_err(|e| format!("{e:#}"))
}

/// Why the WIT [`Resolve`] could not be built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WitError {
    /// A `wit` entry of the project failed to load (the error points at the
    /// entry in `claw.toml`; the message holds wit-parser's).
    Project(ProjectError),
    /// An extra path (`--wit PATH` on the command line) is missing or fails
    /// to load.
    Extra {
        /// The path as given.
        path: PathBuf,
        /// What went wrong (wit-parser's message, or that it does not exist).
        message: String,
    },
    /// The bundled WIT failed to load (a bug: the test suite rules it out).
    Bundled(String),
}

impl fmt::Display for WitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WitError::Project(e) => e.fmt(f),
            WitError::Extra { path, message } => write!(f, "--wit {}: {message}", path.display()),
            WitError::Bundled(message) => write!(f, "bundled WIT failed to load: {message}"),
        }
    }
}

impl std::error::Error for WitError {}

/// The WIT packages a file of `project` is compiled against: the bundled
/// ones (`claw_compiler::std_wit`), then the project's `wit` entries in
/// order, then `extra` (the `--wit` paths) in order. An extra path that is
/// one of the project's entries (the same file or directory) is skipped, so
/// passing `--wit wit` in a project that already lists it does no harm.
///
/// # Errors
/// A [`WitError`] naming the entry or path that failed to load.
pub fn resolve(project: Option<&Project>, extra: &[PathBuf]) -> Result<Resolve, WitError> {
    resolve_for(project, extra, None).map(|(resolve, _)| resolve)
}

/// [`resolve`] for compiling the one file `source`: when neither the
/// project nor `extra` adds WIT (which could use any bundled package), only
/// the bundled packages `source` can name are loaded
/// ([`claw_compiler::std_wit::resolve_for`]); the flag says whether any
/// were left out, in which case a compile that fails should be repeated
/// against [`resolve`]'s packages for the same diagnostics. With `None`,
/// or with project or extra WIT, this is [`resolve`] (and the flag false).
///
/// # Errors
/// As [`resolve`].
pub fn resolve_for(
    project: Option<&Project>,
    extra: &[PathBuf],
    source: Option<&str>,
) -> Result<(Resolve, bool), WitError> {
    let bundled = |e: claw_compiler::std_wit::Error| WitError::Bundled(format!("{e:#}"));
    let adds_wit = project.is_some_and(|p| !p.wit_dirs.is_empty()) || !extra.is_empty();
    if let Some(source) = source.filter(|_| !adds_wit) {
        return claw_compiler::std_wit::resolve_for(source).map_err(bundled);
    }
    let mut resolve = claw_compiler::std_wit::resolve().map_err(bundled)?;
    let mut loaded: Vec<PathBuf> = Vec::new();
    if let Some(project) = project {
        for entry in &project.wit_dirs {
            let canonical = entry.value.canonicalize().map_err(|e| {
                WitError::Project(ProjectError::at(
                    &project.file,
                    entry.location.clone(),
                    format!("`wit` entry \"{}\": {e} ({})", entry.written.escape_debug(), entry.value.display()),
                ))
            })?;
            if loaded.contains(&canonical) {
                continue;
            }
            push_wit(&mut resolve, &entry.value).map_err(|e| {
                WitError::Project(ProjectError::at(
                    &project.file,
                    entry.location.clone(),
                    format!("`wit` entry \"{}\": {e}", entry.written.escape_debug()),
                ))
            })?;
            loaded.push(canonical);
        }
    }
    for path in extra {
        let Ok(canonical) = path.canonicalize() else {
            return Err(WitError::Extra { path: path.clone(), message: "no such file or directory".into() });
        };
        if loaded.contains(&canonical) {
            continue;
        }
        push_wit(&mut resolve, path).map_err(|message| WitError::Extra { path: path.clone(), message })?;
        loaded.push(canonical);
    }
    Ok((resolve, false))
}

#[cfg(test)]
mod tests;
