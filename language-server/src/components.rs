//! The WIT of the components a test file tests.
//!
//! A test file (`*.test.claw`) names its components with
//! `test component "path.wasm";` and imports their exports, whose WIT is
//! inside each component, as `clawc test` reads it: the server decodes each
//! component's WIT with `wit-component` and merges it into the file's
//! `Resolve`, so those imports resolve (and complete) in the editor too.
//! Decoded components are cached by path and modification time; a
//! component that cannot be read or decoded becomes a `component-not-found`
//! diagnostic on its `test component` line.

use claw_compiler::{Diagnostic, Resolve};
use claw_project::Project;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// Whether the document at `path` is a test file.
pub fn is_test_file(path: &Path) -> bool {
    path.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.ends_with(".test.claw"))
}

/// Decoded components, by path.
#[derive(Default)]
pub struct Components {
    decoded: HashMap<PathBuf, (Option<SystemTime>, Result<Resolve, String>)>,
}

impl Components {
    /// `base` plus the WIT of every component `source` (the text of the
    /// test file at `file`) names, and a diagnostic for each component
    /// that could not be used. Paths are relative to the test file's
    /// directory, then (in a project with `[test] components`) relative to
    /// that directory, as in `clawc test`.
    pub fn resolve(
        &mut self,
        file: &Path,
        source: &str,
        base: &Resolve,
        project: Option<&Project>,
    ) -> (Resolve, Vec<Diagnostic>) {
        let (named, _) = claw_compiler::testing::component_paths(source);
        let mut resolve = base.clone();
        let mut diagnostics = Vec::new();
        for component in named {
            let candidates = claw_project::component_candidates(project, file, &component.path);
            let Some(path) = candidates.iter().find(|p| p.exists()).or(candidates.first()).cloned() else {
                continue;
            };
            let error = match self.decoded(&path) {
                Ok(decoded) => {
                    let mut merged = resolve.clone();
                    match merged.merge(decoded.clone()) {
                        Ok(_) => {
                            resolve = merged;
                            continue;
                        }
                        Err(e) => format!("its WIT conflicts with the known WIT packages: {e:#}"),
                    }
                }
                Err(message) => message,
            };
            diagnostics.push(Diagnostic::error(
                "component-not-found",
                format!("cannot use component {}: {error}", component.path),
                component.span,
                "named here",
            ));
        }
        (resolve, diagnostics)
    }

    /// The WIT of the component at `path`, decoded once per modification time.
    fn decoded(&mut self, path: &Path) -> Result<&Resolve, String> {
        let modified = std::fs::metadata(path).and_then(|m| m.modified()).ok();
        let fresh = self.decoded.get(path).is_some_and(|(time, _)| time.is_some() && *time == modified);
        if !fresh {
            self.decoded.insert(path.to_path_buf(), (modified, decode(path)));
        }
        match self.decoded.get(path) {
            Some((_, Ok(resolve))) => Ok(resolve),
            Some((_, Err(message))) => Err(message.clone()),
            None => Err("not loaded".to_string()),
        }
    }
}

/// Reads the component at `path` and decodes its WIT.
fn decode(path: &Path) -> Result<Resolve, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    match wit_component::decode(&bytes) {
        Ok(wit_component::DecodedWasm::Component(resolve, _)) => Ok(resolve),
        Ok(wit_component::DecodedWasm::WitPackage(..)) => {
            Err(format!("{} is a WIT package, not a component", path.display()))
        }
        Err(e) => Err(format!("{} is not a component whose WIT can be read: {e:#}", path.display())),
    }
}
