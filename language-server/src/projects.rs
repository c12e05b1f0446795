//! The WIT each document is checked against: its project's (`claw.toml`,
//! found by walking up from the file with `claw_project::find_file`) plus
//! the server's extra WIT directories (`--wit`, the `wit`
//! initialization option), loaded once per project and kept until a `.wit`
//! file or a `claw.toml` changes.
//!
//! A `claw.toml` that cannot be read, or whose WIT does not load, is
//! reported as a diagnostic in the `claw.toml` itself, at the entry that
//! failed, as `clawc check` reports it on the command line; its documents
//! are then checked against the bundled WIT and the extra directories, so
//! the editor keeps working.

use claw_compiler::Resolve;
use claw_project::{Project, ProjectError, WitError};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A loaded project: its WIT, and the project when there is a valid `claw.toml`.
#[derive(Clone)]
pub struct Loaded {
    /// std-wit, the project's WIT and the extra directories.
    pub resolve: Arc<Resolve>,
    /// The project, for its `world` and `[test] components` directory (its
    /// `world` is `None` when the WIT does not define it).
    pub project: Option<Arc<Project>>,
}

/// A problem to show to the user.
#[derive(Clone, Debug, PartialEq)]
pub enum Problem {
    /// In a `claw.toml`: the file, the byte range (if at a place) and the message.
    InProjectFile {
        /// The `claw.toml`.
        file: PathBuf,
        /// Byte range in it, when the problem is at a place.
        span: Option<std::ops::Range<usize>>,
        /// What is wrong.
        message: String,
    },
    /// Elsewhere (an extra `--wit` directory): shown as a message.
    Other(String),
}

/// Loaded projects, by `claw.toml` (`None`: files outside any project).
#[derive(Default)]
pub struct Projects {
    loaded: HashMap<Option<PathBuf>, Loaded>,
    /// The `claw.toml` of each document path.
    found: HashMap<PathBuf, Option<PathBuf>>,
}

impl Projects {
    /// Forgets everything (a `.wit` file or a `claw.toml` changed).
    pub fn clear(&mut self) {
        self.loaded.clear();
        self.found.clear();
    }

    /// The `claw.toml` that applies to the document at `path` (`None` for
    /// documents that are not files, or outside any project).
    pub fn project_file(&mut self, path: Option<&Path>) -> Option<PathBuf> {
        let path = path?;
        self.found.entry(path.to_path_buf()).or_insert_with(|| claw_project::find_file(path)).clone()
    }

    /// The WIT for documents of the project `file` (`None`: no project),
    /// plus `extra`; newly loaded ones also return the problems found (and,
    /// for a project file, `None` problems mean it loaded cleanly).
    pub fn load(&mut self, file: Option<PathBuf>, extra: &[PathBuf]) -> (Loaded, Option<Vec<Problem>>) {
        if let Some(loaded) = self.loaded.get(&file) {
            return (loaded.clone(), None);
        }
        let (loaded, problems) = load(file.as_deref(), extra);
        self.loaded.insert(file, loaded.clone());
        (loaded, Some(problems))
    }
}

/// Loads the project at `file` (if any) with the `extra` WIT directories,
/// falling back to less when something fails.
fn load(file: Option<&Path>, extra: &[PathBuf]) -> (Loaded, Vec<Problem>) {
    let mut problems = Vec::new();
    let project = match file.map(claw_project::load) {
        None => None,
        Some(Ok(project)) => Some(project),
        Some(Err(e)) => {
            problems.push(in_project_file(e));
            None
        }
    };
    let resolve = match guarded(|| claw_project::resolve(project.as_ref(), extra)) {
        Ok(resolve) => resolve,
        Err(e) => {
            problems.push(match e {
                WitError::Project(e) => in_project_file(e),
                other => Problem::Other(other.to_string()),
            });
            // Without the project's WIT, then with nothing but std-wit.
            guarded(|| claw_project::resolve(None, extra))
                .or_else(|_| guarded(|| claw_project::resolve(None, &[])))
                .unwrap_or_default()
        }
    };
    // A `world` the WIT does not define is the project file's mistake.
    let mut project = project;
    if let Some(p) = &mut project
        && let Some(world) = &p.world
        && let Err(claw_compiler::conformance::WorldError::Usage(message)) =
            claw_compiler::conformance::check_world("", &resolve, &world.value)
    {
        problems.push(Problem::InProjectFile {
            file: p.file.clone(),
            span: Some(world.location.span.clone()),
            message: format!("`world`: {message}"),
        });
        p.world = None;
    }
    (Loaded { resolve: Arc::new(resolve), project: project.map(Arc::new) }, problems)
}

/// Runs `f`, turning a panic of the WIT parser into an error.
fn guarded(f: impl FnOnce() -> Result<Resolve, WitError>) -> Result<Resolve, WitError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
        .unwrap_or_else(|_| Err(WitError::Bundled("the WIT parser panicked while loading the WIT".to_string())))
}

fn in_project_file(e: ProjectError) -> Problem {
    Problem::InProjectFile { span: e.location.map(|l| l.span), file: e.file, message: e.message }
}
