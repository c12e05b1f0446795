//! `clawc test`, run through the real binary against the Rust components in
//! `examples/testing/components/` and components built from Claw: passing
//! suites, the exact report of failing ones (snapshots), JSON and JUnit
//! output, the sandbox, and the errors that stop a run.

use std::path::Path;
use std::process::{Command, Output};

fn clawc() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_clawc"));
    c.env("NO_COLOR", "1").current_dir(env!("CARGO_MANIFEST_DIR"));
    // The compilation cache of the tests, never the user's (kept between runs).
    c.env("CLAWC_CACHE_DIR", concat!(env!("CARGO_TARGET_TMPDIR"), "/clawc-cache"));
    c
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("utf-8 output")
}

/// Replaces timings (`0.12s`, `"duration_ms": 1.5`) that vary between runs.
fn normalize(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        let mut line = line.to_string();
        for marker in ["compiled in ", "finished in "] {
            if let Some(at) = line.find(marker) {
                let start = at + marker.len();
                let end = line[start..]
                    .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == 's'))
                    .map_or(line.len(), |e| start + e);
                line.replace_range(start..end, "[time]");
            }
        }
        out.push_str(&line);
        out.push('\n');
    }
    out
}

fn run(args: &[&str]) -> Output {
    clawc().arg("test").args(args).output().expect("clawc runs")
}

/// The failing suite with everything that could vary fixed.
fn failing(extra: &[&str]) -> Output {
    let mut args = vec!["tests/testing/failing.test.claw", "--seed", "42", "--timeout", "1s", "--memory-limit", "16"];
    args.extend_from_slice(extra);
    run(&args)
}

#[test]
fn the_examples_pass() {
    // A fixed seed keeps CI deterministic; the properties hold for any.
    let out = run(&["examples/testing", "--seed", "1"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{}", text(&out.stderr));
    for file in ["kvcache", "semver", "textstats"] {
        assert!(stdout.contains(&format!("from examples/testing/{file}.test.claw")), "{stdout}");
    }
    assert!(stdout.contains("3 files: 26 passed, 0 failed"), "{stdout}");
    assert!(stdout.contains("test comparison is antisymmetric (100 cases) ... ok"), "{stdout}");
}

/// The example suites again, compiled with `--debug-memory` (reclaimed
/// memory poisoned, a double free traps): no value they use was reclaimed.
#[test]
fn the_examples_pass_with_debug_memory() {
    let out = run(&["examples/testing", "--seed", "1", "--debug-memory"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{}", text(&out.stderr));
    assert!(stdout.contains("3 files: 26 passed, 0 failed"), "{stdout}");
}

#[test]
fn a_failing_suite_reports_every_kind_of_failure() {
    let out = failing(&["-j", "2"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    insta::assert_snapshot!("failing-human", normalize(&text(&out.stdout)));
}

#[test]
fn reports_do_not_depend_on_the_number_of_jobs() {
    let one = failing(&["-j", "1"]);
    let four = failing(&["-j", "4"]);
    assert_eq!(normalize(&text(&one.stdout)), normalize(&text(&four.stdout)));
}

#[test]
fn json_has_one_event_per_line() {
    let out = failing(&["--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let events: Vec<serde_json::Value> =
        text(&out.stdout).lines().map(|l| serde_json::from_str(l).expect("each line is JSON")).collect();
    assert_eq!(events.first().map(|e| e["event"].clone()), Some("started".into()));
    let last = events.last().expect("events");
    assert_eq!(
        (last["event"].as_str(), last["passed"].as_u64(), last["failed"].as_u64()),
        (Some("failed"), Some(2), Some(9))
    );
    let record = events.iter().find(|e| e["name"] == "a record differs").expect("the record test");
    let failure = &record["failure"];
    assert_eq!(failure["kind"], "assertion");
    assert_eq!(failure["left"], "{major: 1, minor: 2, patch: 3, pre: \"\", build: \"\"}");
    assert_eq!(failure["right"], "{major: 1, minor: 2, patch: 4, pre: \"\", build: \"\"}");
    assert_eq!(failure["note"], "patch should be 4");
    assert_eq!((failure["line"].as_u64(), failure["column"].as_u64()), (Some(23), Some(5)));
    assert_eq!(record["stdout"], "parsing 1.2.3\n");
    let property = events.iter().find(|e| e["name"] == "a property that fails").expect("the property");
    assert_eq!(property["seed"], 42);
    assert_eq!(property["failure"]["input"]["a"], "10");
    let kinds: Vec<&str> = events.iter().filter_map(|e| e["failure"]["kind"].as_str()).collect();
    assert_eq!(
        kinds,
        [
            "assertion",
            "assertion",
            "assertion",
            "assertion",
            "trap",
            "did-not-trap",
            "timeout",
            "out-of-memory",
            "assertion"
        ]
    );
}

#[test]
fn junit_lists_every_test() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("report.xml");
    let out = failing(&["--junit", path.to_str().expect("utf-8 path")]);
    assert_eq!(out.status.code(), Some(1));
    let xml = std::fs::read_to_string(&path).expect("the report was written");
    assert!(xml.starts_with("<?xml"), "{xml}");
    assert_eq!(xml.matches("<testcase ").count(), 11, "{xml}");
    assert_eq!(xml.matches("<failure ").count(), 9, "{xml}");
    assert!(xml.contains("<testsuite name=\"tests/testing/failing.test.claw\" tests=\"11\" failures=\"9\""), "{xml}");
    assert!(xml.contains("<failure type=\"timeout\" message=\"timed out after 1000 ms\">"), "{xml}");
    assert!(xml.contains("<system-out>parsing 1.2.3\n</system-out>"), "{xml}");
}

#[test]
fn list_and_filter() {
    let out = run(&["examples/testing/semver.test.claw", "--list"]);
    assert_eq!(out.status.code(), Some(0));
    let stdout = text(&out.stdout);
    assert_eq!(stdout.lines().count(), 11, "{stdout}");
    assert!(stdout.starts_with("examples/testing/semver.test.claw: parses a plain version\n"), "{stdout}");
    let out = run(&["examples/testing/semver.test.claw", "--filter", "precedence"]);
    let stdout = text(&out.stdout);
    assert!(stdout.contains("running 1 test from"), "{stdout}");
    assert!(stdout.contains("1 passed, 0 failed; 10 filtered out"), "{stdout}");
}

#[test]
fn the_sandbox_grants_only_what_is_asked() {
    let dir = tempfile::tempdir().expect("temp dir");
    let grant = format!("{}::/data", dir.path().display());
    let out = run(&["tests/testing/sandbox.test.claw", "--env", "GREETING=hello", "--dir", &grant]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    let out = run(&["tests/testing/sandbox.test.claw"]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("left: []"), "{stdout}");
    assert!(stdout.contains("0 passed, 2 failed"), "{stdout}");
}

/// Builds `tests/testing/adder.claw` into `dir`.
fn adder(dir: &Path) -> String {
    let wasm = dir.join("adder.wasm");
    let out = clawc().args(["build", "tests/testing/adder.claw", "-o"]).arg(&wasm).output().expect("clawc runs");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    wasm.to_str().expect("utf-8 path").to_string()
}

#[test]
fn plain_imports_are_wired_to_a_claw_component() {
    let dir = tempfile::tempdir().expect("temp dir");
    let wasm = adder(dir.path());
    let out = run(&["tests/testing/adder.test.claw", "--component", &wasm]);
    assert_eq!(out.status.code(), Some(0), "{}{}", text(&out.stdout), text(&out.stderr));
}

#[test]
fn a_signature_mismatch_shows_both() {
    let dir = tempfile::tempdir().expect("temp dir");
    let wasm = adder(dir.path());
    let out = run(&["tests/testing/mismatch.test.claw", "--component", &wasm]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr).replace(&wasm, "[adder.wasm]");
    insta::assert_snapshot!("mismatch", stderr);
}

#[test]
fn errors_only_tests_have_are_reported() {
    let out = run(&["tests/testing/errors.test.claw"]);
    assert_eq!(out.status.code(), Some(2));
    insta::assert_snapshot!("errors", text(&out.stderr));
}

#[test]
fn an_unsatisfied_import_is_listed() {
    let out = run(&["tests/testing/unmocked.test.claw"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("`example:kvcache/store@0.1.0`, imported by"), "{stderr}");
    assert!(stderr.contains("mock ns:pkg/iface"), "{stderr}");
}

#[test]
fn a_function_a_mock_leaves_out_traps_and_says_so() {
    let out = run(&["tests/testing/partial-mock.test.claw"]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("test a hit needs only get ... ok"), "{stdout}");
    assert!(
        stdout.contains("stderr:\nthe mock of example:kvcache/store does not implement `delete`, which was called"),
        "{stdout}"
    );
    assert!(stdout.contains("1 passed, 1 failed"), "{stdout}");
}

#[test]
fn a_file_that_does_not_compile_is_counted() {
    let dir = tempfile::tempdir().expect("temp dir");
    let xml = dir.path().join("report.xml");
    let out = run(&[
        "tests/testing/errors.test.claw",
        "examples/testing/semver.test.claw",
        "--junit",
        xml.to_str().expect("utf-8 path"),
    ]);
    assert_eq!(out.status.code(), Some(2), "compile errors win over passing tests");
    let stdout = text(&out.stdout);
    assert!(stdout.contains("2 files: 11 passed, 0 failed; 1 file could not be compiled"), "{stdout}");
    let xml = std::fs::read_to_string(&xml).expect("the report was written");
    assert!(
        xml.contains("<testsuite name=\"tests/testing/errors.test.claw\" tests=\"1\" failures=\"0\" errors=\"1\"")
            && xml.contains("<error type=\"compile\""),
        "{xml}"
    );
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &["no/such/file.test.claw"][..],
        &["examples/testing/semver.test.claw", "--timeout", "soon"],
        &["examples/testing/semver.test.claw", "--dir", "/no/such/dir"],
        &["examples/testing/semver.test.claw", "--component", "/no/such.wasm"],
        &["examples/testing/semver.test.claw", "--component", "Cargo.toml"],
    ] {
        let out = run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out.stderr));
        assert!(text(&out.stderr).contains("error"), "{args:?}");
    }
}

#[test]
fn build_leaves_tests_out() {
    let out = clawc()
        .args(["wit", "--wit", "examples/testing/components/wit/semver.wit", "examples/testing/semver.test.claw"])
        .output()
        .expect("clawc runs");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let wit = text(&out.stdout);
    assert!(!wit.contains("claw-test"), "{wit}");
    assert!(!wit.contains("export"), "{wit}");
}

#[test]
fn tests_run_in_fresh_instances() {
    let out = run(&["tests/testing/fresh.test.claw", "-j", "2", "--cases", "200"]);
    assert_eq!(out.status.code(), Some(0), "{}{}", text(&out.stdout), text(&out.stderr));
    assert!(text(&out.stdout).contains("4 passed, 0 failed"), "{}", text(&out.stdout));
}

/// `clawc test ARGS` with its compilation cache in `cache`.
fn run_cached(cache: &Path, args: &[&str]) -> Output {
    clawc().arg("test").args(args).env("CLAWC_CACHE_DIR", cache).output().expect("clawc runs")
}

/// The files in the cache's entries directory (`clawc-V/modules/wasmtime-V/`),
/// without wasmtime's `.stats` files: each with its inode, which changes
/// when the entry is written again.
fn cache_entries(cache: &Path) -> Vec<(String, u64)> {
    use std::os::unix::fs::MetadataExt;
    let mut out = Vec::new();
    let Ok(versions) = std::fs::read_dir(cache.join(concat!("clawc-", env!("CARGO_PKG_VERSION"), "/modules"))) else {
        return out;
    };
    for dir in versions.flatten() {
        for entry in std::fs::read_dir(dir.path()).expect("readable").flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if !name.contains('.') {
                out.push((name, entry.metadata().expect("metadata").ino()));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn a_second_run_reads_the_compiled_code_from_the_cache() {
    let cache = tempfile::tempdir().expect("temp dir");
    let out = run_cached(cache.path(), &["examples/testing/semver.test.claw"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stderr), "", "no warning");
    let first = cache_entries(cache.path());
    assert_eq!(first.len(), 1, "the composition was compiled and saved: {first:?}");
    let out = run_cached(cache.path(), &["examples/testing/semver.test.claw"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(cache_entries(cache.path()), first, "read, not compiled and written again");
    // Another test file composes into other bytes: another entry.
    let out = run_cached(cache.path(), &["tests/testing/fresh.test.claw"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(cache_entries(cache.path()).len(), 2);
}

#[test]
fn no_cache_leaves_the_cache_alone() {
    let cache = tempfile::tempdir().expect("temp dir");
    let dir = cache.path().join("not-yet");
    let out = run_cached(&dir, &["tests/testing/fresh.test.claw", "--no-cache"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(!dir.exists(), "--no-cache creates no cache directory");
}

#[test]
fn a_cache_that_cannot_be_used_is_a_warning() {
    let dir = tempfile::tempdir().expect("temp dir");
    // The cache's place is taken by a file.
    let file = dir.path().join("a-file");
    std::fs::write(&file, "").expect("write");
    let out = run_cached(&file, &["tests/testing/fresh.test.claw", "examples/testing/semver.test.claw"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    let stderr = text(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "one warning for two files: {stderr}");
    assert!(
        stderr.starts_with("warning: the compilation cache ") && stderr.contains("compiling without it"),
        "{stderr}"
    );
    // The directory exists, but its entries' directory is a file: the
    // compiled code cannot be saved.
    let cache = dir.path().join("cache");
    let modules = cache.join(concat!("clawc-", env!("CARGO_PKG_VERSION"), "/modules"));
    std::fs::create_dir_all(modules.parent().expect("parent")).expect("create");
    std::fs::write(&modules, "").expect("write");
    let out = run_cached(&cache, &["tests/testing/fresh.test.claw", "examples/testing/semver.test.claw"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    let stderr = text(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("warning: the compilation cache ") && stderr.contains("cannot be written"), "{stderr}");
}

#[cfg(unix)]
#[test]
fn a_read_only_cache_is_a_warning() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("temp dir");
    let cache = dir.path().join("cache");
    let versioned = cache.join(concat!("clawc-", env!("CARGO_PKG_VERSION")));
    std::fs::create_dir_all(&versioned).expect("create");
    std::fs::set_permissions(&versioned, std::fs::Permissions::from_mode(0o555)).expect("chmod");
    if std::fs::write(versioned.join("probe"), "").is_ok() {
        // Running as root, which may write anyway: nothing to test.
        return;
    }
    let out = run_cached(&cache, &["tests/testing/fresh.test.claw"]);
    std::fs::set_permissions(&versioned, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    let stderr = text(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("warning: the compilation cache "), "{stderr}");
}

/// Builds `tests/testing/http/handler.claw`, a wasi:http handler, into `dir`.
fn http_handler(dir: &Path) -> String {
    let wasm = dir.join("handler.wasm");
    let out = clawc().args(["build", "tests/testing/http/handler.claw", "-o"]).arg(&wasm).output().expect("clawc runs");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    wasm.to_str().expect("utf-8 path").to_string()
}

#[test]
fn test_files_send_requests_to_a_claw_handler() {
    let dir = tempfile::tempdir().expect("temp dir");
    let wasm = http_handler(dir.path());
    let out = run(&["tests/testing/http/handler.test.claw", "--component", &wasm]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    assert!(stdout.contains("13 passed, 0 failed"), "{stdout}");
}

#[test]
fn a_request_without_a_handler_is_an_err() {
    let dir = tempfile::tempdir().expect("temp dir");
    let wasm = adder(dir.path());
    let out = run(&["tests/testing/http/no-handler.test.claw", "--component", &wasm]);
    assert_eq!(out.status.code(), Some(0), "{}{}", text(&out.stdout), text(&out.stderr));
}

/// The HTTP handlers of `examples/http/` pass their tests: the JavaScript
/// proxy (componentize-js, importing wasi:http for `fetch`) and the Claw
/// handler `app.claw`, which its test file names as source (`test component
/// "app.claw"`) and `clawc test` compiles in memory.
#[test]
fn the_http_handler_examples_pass() {
    let out = run(&["examples/http/"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    assert!(stdout.contains("from examples/http/hello-http-js.test.claw"), "{stdout}");
    assert!(stdout.contains("8 passed, 0 failed"), "{stdout}");
    assert!(stdout.contains("running 7 tests from examples/http/app.test.claw"), "{stdout}");
    assert!(stdout.contains("7 passed, 0 failed"), "{stdout}");
}

/// A component named by its Claw source that does not compile stops the
/// run with the compiler's diagnostics (exit 2, as for a test file that does
/// not compile), before any test runs.
#[test]
fn a_claw_component_under_test_that_does_not_compile_is_reported() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("bad.claw"), "export func f() -> u32 {\n    return \"x\";\n}\n").expect("write");
    let test = dir.path().join("bad.test.claw");
    std::fs::write(&test, "test component \"bad.claw\";\n\ntest \"t\" {\n    assert true;\n}\n").expect("write");
    let out = run(&[test.to_str().expect("utf-8 path")]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{}{stderr}", text(&out.stdout));
    assert!(stderr.contains("[type-mismatch]"), "{stderr}");
    assert!(stderr.contains("could not compile `"), "{stderr}");
    assert!(!text(&out.stdout).contains("test t ... "), "no test ran");
}

/// Answers one HTTP request on a local port with 200 `ok`; returns
/// `127.0.0.1:PORT` and the thread, which ends with whether a request came.
fn one_shot_server() -> (String, std::thread::JoinHandle<bool>) {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a local port");
    let address = listener.local_addr().expect("its address").to_string();
    let server = std::thread::spawn(move || {
        listener.set_nonblocking(true).expect("non-blocking");
        let start = std::time::Instant::now();
        while start.elapsed() < std::time::Duration::from_secs(60) {
            match listener.accept() {
                Ok((mut stream, _)) => {
                    stream.set_nonblocking(false).expect("blocking");
                    let mut request = [0u8; 4096];
                    let _ = stream.read(&mut request);
                    let _ = stream.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok");
                    return true;
                }
                Err(_) => std::thread::sleep(std::time::Duration::from_millis(20)),
            }
        }
        false
    });
    (address, server)
}

#[test]
fn outgoing_http_leaves_only_with_allow_http() {
    let dir = tempfile::tempdir().expect("temp dir");
    let wasm = http_handler(dir.path());
    let (address, server) = one_shot_server();
    let target = format!("TARGET={address}");
    let file = "tests/testing/http/allowed.test.claw";
    let out = run(&[file, "--component", &wasm, "--env", &target]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}{}", text(&out.stderr));
    assert!(stdout.contains("left: \"failed: HTTP-request-denied\""), "{stdout}");
    let out = run(&[file, "--component", &wasm, "--env", &target, "--allow-http"]);
    assert_eq!(out.status.code(), Some(0), "{}{}", text(&out.stdout), text(&out.stderr));
    assert!(server.join().expect("the server thread"), "the request reached the server");
}

#[test]
fn imports_the_host_lacks_are_listed_by_interface() {
    let dir = tempfile::tempdir().expect("temp dir");
    let wasm = dir.path().join("kv.wasm");
    let out = clawc()
        .args(["build", "--wit", "tests/testing/unprovided/keyvalue.wit", "tests/testing/unprovided/kv.claw", "-o"])
        .arg(&wasm)
        .output()
        .expect("clawc runs");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = run(&["tests/testing/unprovided/kv.test.claw", "--component", wasm.to_str().expect("utf-8 path")]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(
            "component imports that the host does not provide:\n  wasi:keyvalue/store@0.2.0-draft: `get`, `set`\nprovide them with `mock"
        ),
        "{stderr}"
    );
}
