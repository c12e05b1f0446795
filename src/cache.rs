//! The compilation cache of `clawc run` and `clawc test`: wasmtime's own
//! cache of compiled code, in the user's cache directory.
//!
//! Where it lives: `$CLAWC_CACHE_DIR` when that is set (and not empty),
//! otherwise `clawc/` in the platform's cache directory (`$XDG_CACHE_HOME` or
//! `~/.cache` on Linux, `~/Library/Caches` on macOS, `%LOCALAPPDATA%` on
//! Windows); inside it, one directory per `clawc` version
//! (`clawc-0.1.0/`), so a new `clawc` never reads an older one's entries.
//! wasmtime keys each entry on the component's bytes, the engine's
//! compilation settings and its own version (entries live under
//! `modules/wasmtime-<version>/`), so a changed component, test file or
//! wasmtime never hits a stale entry. wasmtime's cache worker keeps the
//! directory under its default soft limits (65,536 files, 512 MiB), and
//! deleting the directory at any time is safe.
//!
//! A cache that cannot be used (the path is a file, the directory cannot be
//! created or written) is never an error: `clawc` prints one warning line on
//! stderr and compiles without it.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use claw_runtime::wasmtime::{Cache, CacheConfig};

/// The environment variable that overrides the cache's location.
pub const CACHE_DIR_VAR: &str = "CLAWC_CACHE_DIR";

/// Whether the warning about an unusable cache was printed (it is printed at
/// most once per process).
static WARNED: AtomicBool = AtomicBool::new(false);

/// An open compilation cache: wasmtime's [`Cache`] and the directory it
/// writes to.
#[derive(Clone, Debug)]
pub struct CompileCache {
    cache: Cache,
    dir: PathBuf,
}

/// What the cache had done before a compilation, to tell afterwards whether
/// that compilation used it.
#[derive(Clone, Copy, Debug)]
pub struct Mark(usize);

impl CompileCache {
    /// Opens the cache, unless `disabled` (`--no-cache`). A cache that
    /// cannot be used is `None`, after one warning line on stderr.
    pub fn open(disabled: bool) -> Option<CompileCache> {
        if disabled {
            return None;
        }
        let Some(base) = base_dir() else {
            warn(format_args!(
                "no cache directory is known here (set {CACHE_DIR_VAR} or HOME); compiling without the cache"
            ));
            return None;
        };
        let dir = base.join(concat!("clawc-", env!("CARGO_PKG_VERSION")));
        match open_at(&dir) {
            Ok(cache) => Some(cache),
            Err(e) => {
                warn(format_args!(
                    "the compilation cache {} cannot be used ({e}); compiling without it",
                    dir.display()
                ));
                None
            }
        }
    }

    /// The cache for wasmtime's `Config::cache`.
    pub fn wasmtime(&self) -> Cache {
        self.cache.clone()
    }

    /// The directory the entries are written to.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Marks the cache's state before a compilation.
    pub fn mark(&self) -> Mark {
        Mark(self.cache.cache_hits() + self.cache.cache_misses())
    }

    /// After a successful compilation: when it neither read nor wrote an
    /// entry, checks that the entries' directory is writable, and warns
    /// (once) when it is not. (wasmtime itself only logs a failed write.)
    /// Another `clawc` writing the same entry at the same moment also
    /// leaves the counts unchanged; the check does not warn then.
    pub fn check_used(&self, before: Mark) {
        if self.mark().0 != before.0 {
            return;
        }
        let modules = self.dir.join("modules");
        let probe = std::fs::create_dir_all(&modules).and_then(|()| probe(&modules));
        if let Err(e) = probe {
            warn(format_args!(
                "the compilation cache {} cannot be written ({e}); compiled code was not saved",
                self.dir.display()
            ));
        }
    }
}

/// The directory holding clawc's caches: `$CLAWC_CACHE_DIR`, made absolute
/// (wasmtime requires an absolute path), or the platform's cache directory
/// plus `clawc`.
fn base_dir() -> Option<PathBuf> {
    match std::env::var_os(CACHE_DIR_VAR) {
        Some(dir) if !dir.is_empty() => std::path::absolute(PathBuf::from(dir)).ok(),
        _ => dirs::cache_dir().map(|d| d.join("clawc")),
    }
}

/// Creates (if needed) and opens the cache in `dir`, checking that files can
/// be created in it.
fn open_at(dir: &Path) -> Result<CompileCache, String> {
    let mut config = CacheConfig::new();
    config.with_directory(dir);
    // wasmtime's message ("failed to create cache directory: ...") with
    // the OS's reason after it.
    let cache = Cache::new(config).map_err(|e| format!("{e:#}"))?;
    probe(dir).map_err(|e| e.to_string())?;
    Ok(CompileCache { dir: cache.directory().clone(), cache })
}

/// Creates and removes a file in `dir`.
fn probe(dir: &Path) -> std::io::Result<()> {
    tempfile::Builder::new().prefix(".clawc-probe").tempfile_in(dir).map(drop)
}

/// Prints `warning: ...` on stderr, the first time only.
fn warn(message: std::fmt::Arguments<'_>) {
    if !WARNED.swap(true, Ordering::Relaxed) {
        eprintln!("warning: {message}");
    }
}
