//! wasmtime's compilation cache through `Runtime::with_cache`: a second
//! engine loads what the first compiled, a changed component is compiled
//! afresh, and no cache touches no directory.

use claw_runtime::wasmtime::{Cache, CacheConfig};
use claw_runtime::{RunOptions, Runtime};

const SEMVER: &[u8] = include_bytes!("fixtures/semver.wasm");
const KVCACHE: &[u8] = include_bytes!("fixtures/kvcache.wasm");

/// A cache in `dir`, as `clawc` opens it.
fn cache(dir: &std::path::Path) -> Cache {
    let mut config = CacheConfig::new();
    config.with_directory(dir);
    Cache::new(config).expect("the cache opens")
}

/// The cache's entries (files other than wasmtime's `.stats` and
/// work-in-progress files).
fn entries(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("readable").flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if path.is_dir() {
                stack.push(path);
            } else if !name.starts_with('.') && !name.contains(".stats") && !name.contains(".wip") {
                out.push(path);
            }
        }
    }
    out
}

#[test]
fn a_second_engine_loads_what_the_first_compiled() {
    let dir = tempfile::tempdir().expect("temp dir");
    let first = cache(dir.path());
    let runtime = Runtime::with_cache(Some(first.clone())).expect("engine");
    runtime.load(SEMVER).expect("compiles");
    assert_eq!((first.cache_hits(), first.cache_misses()), (0, 1), "compiled and written");
    assert_eq!(entries(dir.path()).len(), 1, "one entry written");

    // A new engine, as in a new process: read from the cache, not compiled.
    let second = cache(dir.path());
    let runtime = Runtime::with_cache(Some(second.clone())).expect("engine");
    let loaded = runtime.load(SEMVER).expect("loads");
    assert_eq!((second.cache_hits(), second.cache_misses()), (1, 0), "read from the cache");
    // The cached code runs.
    let mut session = loaded.instantiate(&RunOptions::default()).expect("instantiates");
    let out = session.invoke(r#"parse("1.2.3")"#).expect("runs");
    assert_eq!(out.as_deref(), Some(r#"ok({major: 1, minor: 2, patch: 3, pre: "", build: ""})"#));

    // Other bytes are another entry.
    runtime.load(KVCACHE).expect("compiles");
    assert_eq!((second.cache_hits(), second.cache_misses()), (1, 1));
    assert_eq!(entries(dir.path()).len(), 2);
}

#[test]
fn a_damaged_entry_is_compiled_again() {
    let dir = tempfile::tempdir().expect("temp dir");
    Runtime::with_cache(Some(cache(dir.path()))).expect("engine").load(SEMVER).expect("compiles");
    let [entry] = &entries(dir.path())[..] else { panic!("one entry") };
    std::fs::write(entry, b"not what wasmtime wrote").expect("damage the entry");
    let again = cache(dir.path());
    let runtime = Runtime::with_cache(Some(again.clone())).expect("engine");
    let loaded = runtime.load(SEMVER).expect("compiles again");
    assert_eq!((again.cache_hits(), again.cache_misses()), (0, 1));
    let mut session = loaded.instantiate(&RunOptions::default()).expect("instantiates");
    assert!(session.invoke(r#"parse("1.2.3")"#).is_ok());
}

#[test]
fn a_test_runner_pools_its_instances_and_uses_the_cache() {
    use claw_runtime::testing::{Runner, RunnerOptions};
    let dir = tempfile::tempdir().expect("temp dir");
    let first = cache(dir.path());
    let options = RunnerOptions { cache: Some(first.clone()), ..RunnerOptions::default() };
    let runner = Runner::new(SEMVER, options).expect("a runner");
    assert!(runner.pooled(), "instances come from the pooling allocator");
    assert_eq!((first.cache_hits(), first.cache_misses()), (0, 1));
    let second = cache(dir.path());
    let options = RunnerOptions { cache: Some(second.clone()), ..RunnerOptions::default() };
    Runner::new(SEMVER, options).expect("a runner");
    assert_eq!((second.cache_hits(), second.cache_misses()), (1, 0));
}
