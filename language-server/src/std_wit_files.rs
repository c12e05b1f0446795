//! The bundled std-wit packages as read-only files, so that "go to
//! definition" on an imported WASI item can open its WIT source.
//!
//! The WIT text is compiled into `clawc` (`claw_compiler::std_wit::PACKAGES`)
//! and has no file on disk. The server writes each bundled file once into a
//! cache directory (`$XDG_CACHE_HOME/claw/std-wit-<version>/`, else
//! `$HOME/.cache/claw/std-wit-<version>/`, else the system temporary
//! directory), marks it read-only, and answers with its `file://` URI. Every
//! client opens a `file://` location without special code (VS Code with a
//! plain `vscode-languageclient`, Neovim, Helix), which a custom URI scheme
//! would not give; the read-only mode makes editors warn before an edit.

use std::path::{Path, PathBuf};

/// Where the bundled WIT files are written, and whether that has been done.
#[derive(Debug)]
pub struct StdWitFiles {
    dir: PathBuf,
    written: bool,
}

impl StdWitFiles {
    /// Files under `dir`, or under the default cache directory when `None`.
    pub fn new(dir: Option<PathBuf>) -> StdWitFiles {
        StdWitFiles { dir: dir.unwrap_or_else(default_dir), written: false }
    }

    /// The directory the files go to.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Whether `path` (as wit-parser's source map names it) is a bundled file.
    pub fn is_bundled(path: &str) -> bool {
        claw_compiler::std_wit::PACKAGES.iter().any(|(name, _)| *name == path)
    }

    /// The file holding bundled WIT file `path` (e.g. `wasi-0.2/clocks.wit`),
    /// writing the bundled files first if needed.
    ///
    /// # Errors
    /// `path` is not bundled, or a file cannot be written (the message names it).
    pub fn file(&mut self, path: &str) -> Result<PathBuf, String> {
        if !Self::is_bundled(path) {
            return Err(format!("`{path}` is not a bundled WIT file"));
        }
        if !self.written {
            self.write_all()?;
            self.written = true;
        }
        Ok(self.dir.join(path))
    }

    /// Writes every bundled file whose content on disk differs, read-only.
    fn write_all(&self) -> Result<(), String> {
        for (name, text) in claw_compiler::std_wit::PACKAGES {
            let path = self.dir.join(name);
            if std::fs::read_to_string(&path).is_ok_and(|on_disk| on_disk == *text) {
                continue;
            }
            let parent = path.parent().unwrap_or(&self.dir);
            std::fs::create_dir_all(parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
            // A stale read-only copy from an older build: make it writable first.
            if let Ok(meta) = std::fs::metadata(&path) {
                let mut perms = meta.permissions();
                set_read_only(&mut perms, false);
                let _ = std::fs::set_permissions(&path, perms);
            }
            std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            if let Ok(meta) = std::fs::metadata(&path) {
                let mut perms = meta.permissions();
                set_read_only(&mut perms, true);
                let _ = std::fs::set_permissions(&path, perms);
            }
        }
        Ok(())
    }
}

#[cfg(unix)]
fn set_read_only(perms: &mut std::fs::Permissions, read_only: bool) {
    use std::os::unix::fs::PermissionsExt;
    perms.set_mode(if read_only { 0o444 } else { 0o644 });
}

#[cfg(not(unix))]
fn set_read_only(perms: &mut std::fs::Permissions, read_only: bool) {
    perms.set_readonly(read_only);
}

/// `$XDG_CACHE_HOME/claw/std-wit-<version>`, `$HOME/.cache/...`, or the temporary directory.
fn default_dir() -> PathBuf {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").filter(|v| !v.is_empty()).map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(std::env::temp_dir);
    base.join("claw").join(concat!("std-wit-", env!("CARGO_PKG_VERSION")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_bundled_files_read_only_and_rewrites_stale_ones() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut files = StdWitFiles::new(Some(dir.path().to_path_buf()));
        let path = files.file("wasi-0.2/clocks.wit").expect("written");
        let text = std::fs::read_to_string(&path).expect("readable");
        assert!(text.contains("package wasi:clocks"), "{text}");
        assert!(std::fs::metadata(&path).expect("meta").permissions().readonly());
        // A stale copy is replaced.
        let mut perms = std::fs::metadata(&path).expect("meta").permissions();
        set_read_only(&mut perms, false);
        std::fs::set_permissions(&path, perms).expect("chmod");
        std::fs::write(&path, "stale").expect("write");
        let mut again = StdWitFiles::new(Some(dir.path().to_path_buf()));
        again.file("wasi-0.2/clocks.wit").expect("rewritten");
        assert_eq!(std::fs::read_to_string(&path).expect("readable"), text);
        assert!(files.file("nope.wit").is_err());
    }
}
