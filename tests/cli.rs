//! The command line's machine-facing behaviour: JSON diagnostics, `wit`
//! output, `--help`, exit statuses and the permissions of written files,
//! run through the real `clawc` binary.

use std::process::Command;

fn clawc() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_clawc"));
    // The compilation cache of the tests, never the user's (kept between runs).
    c.env("CLAWC_CACHE_DIR", concat!(env!("CARGO_TARGET_TMPDIR"), "/clawc-cache"));
    c
}

#[test]
fn check_json_prints_one_object_per_diagnostic() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("bad.claw");
    std::fs::write(&file, "export func f(x: u32) -> u32 {\n    return y;\n}\nexport func g() -> u8 { return 300; }\n")
        .expect("write");
    let out = clawc().args(["check", "--message-format", "json"]).arg(&file).output().expect("runs");
    assert_eq!(out.status.code(), Some(1), "compile errors exit 1");
    let stdout = String::from_utf8(out.stdout).expect("utf-8");
    let objects: Vec<serde_json::Value> =
        stdout.lines().map(|l| serde_json::from_str(l).expect("each line is JSON")).collect();
    let codes: Vec<&str> = objects.iter().map(|o| o["code"].as_str().expect("code")).collect();
    assert_eq!(codes, ["unbound-name", "literal-out-of-range"]);
    let label = &objects[0]["labels"][0];
    assert_eq!((label["line"].as_u64(), label["column"].as_u64()), (Some(2), Some(12)));
    assert_eq!(label["primary"], true);
    assert!(objects[0]["rendered"].as_str().expect("rendered").contains("cannot find `y`"));
}

#[test]
fn wit_prints_the_world() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("greeter.claw");
    std::fs::write(&file, "/// Says hello.\nexport func hello(name: string) -> string { return \"hi \" + name; }\n")
        .expect("write");
    let out = clawc().arg("wit").arg(&file).output().expect("runs");
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).expect("utf-8");
    assert!(text.contains("world greeter {"), "{text}");
    assert!(text.contains("/// Says hello.\n  export hello: func(name: string) -> string;"), "{text}");
}

#[test]
fn help_and_usage_errors() {
    let out = clawc().arg("--help").output().expect("runs");
    assert_eq!(out.status.code(), Some(0));
    let help = String::from_utf8(out.stdout).expect("utf-8");
    for command in ["build", "check", "wit", "run"] {
        assert!(help.contains(command), "--help lists `{command}`:\n{help}");
    }
    let out = clawc().args(["build"]).output().expect("runs");
    assert_eq!(out.status.code(), Some(2), "a missing argument is a usage error");
    let out = clawc().args(["run", "x.wasm"]).output().expect("runs");
    assert_eq!(out.status.code(), Some(2), "run without --invoke is a usage error");
}

#[test]
fn commands_run_with_their_exit_status() {
    let dir = tempfile::tempdir().expect("temp dir");
    let write = |name: &str, body: &str| {
        let file = dir.path().join(name);
        let source = format!(
            "import {{ get-stdout }} from wasi:cli/stdout;\nexport wasi:cli/run@0.2.12 {{\n    func run() -> result {{\n{body}\n    }}\n}}\n"
        );
        std::fs::write(&file, source).expect("write");
        file
    };
    let prints = write(
        "prints.claw",
        "        let out = get-stdout();\n        out.blocking-write-and-flush(\"line one\\n\".bytes());\n        return ok;",
    );
    let out = clawc().arg("run").arg(&prints).output().expect("runs");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "line one\n");

    let fails = write("fails.claw", "        return err;");
    let out = clawc().arg("run").arg(&fails).output().expect("runs");
    assert_eq!(out.status.code(), Some(1), "`err` from run exits 1");

    let traps = write("traps.claw", "        let xs: list<u8> = [];\n        let x = xs[1];\n        return ok;");
    let out = clawc().arg("run").arg(&traps).output().expect("runs");
    assert_eq!(out.status.code(), Some(1), "a trap exits 1");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("trap") && stderr.contains("wasi:cli/run"), "{stderr}");

    let exits = dir.path().join("exits.claw");
    std::fs::write(
        &exits,
        "import { exit } from wasi:cli/exit;\nexport wasi:cli/run@0.2.12 {\n    func run() -> result { exit(ok); return err; }\n}\n",
    )
    .expect("write");
    let out = clawc().arg("run").arg(&exits).output().expect("runs");
    assert_eq!(out.status.code(), Some(0), "wasi:cli/exit's status wins");
    assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));

    let library = dir.path().join("library.claw");
    std::fs::write(&library, "export func f() -> u32 { return 1; }\n").expect("write");
    let out = clawc().arg("run").arg(&library).output().expect("runs");
    assert_eq!(out.status.code(), Some(2), "nothing to run is a usage error");
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not export `wasi:cli/run`"));
}

/// The permission bits of `path`, in octal (`"644"`).
#[cfg(unix)]
fn mode(path: &std::path::Path) -> String {
    use std::os::unix::fs::PermissionsExt;
    format!("{:o}", std::fs::metadata(path).expect("the output exists").permissions().mode() & 0o777)
}

/// Runs `clawc ARGS` through `sh` with the given umask, since a test cannot
/// set its own process's umask without `unsafe`.
#[cfg(unix)]
fn clawc_under_umask(umask: &str, args: &[&std::ffi::OsStr]) -> std::process::Output {
    Command::new("sh")
        .arg("-c")
        .arg(format!("umask {umask} && exec \"$@\""))
        .arg("sh")
        .arg(env!("CARGO_BIN_EXE_clawc"))
        .args(args)
        // The compilation cache of the tests, never the user's (kept between runs).
        .env("CLAWC_CACHE_DIR", concat!(env!("CARGO_TARGET_TMPDIR"), "/clawc-cache"))
        .output()
        .expect("sh runs")
}

#[cfg(unix)]
#[test]
fn outputs_get_the_umask_permissions() {
    use std::ffi::OsStr;
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("temp dir");
    let source = dir.path().join("app.claw");
    std::fs::write(&source, "export func f() -> u32 { return 1; }\n").expect("write");
    let wasm = dir.path().join("app.wasm");
    for (umask, expected) in [("022", "644"), ("077", "600"), ("002", "664")] {
        let _ = std::fs::remove_file(&wasm);
        let out = clawc_under_umask(umask, &[OsStr::new("build"), source.as_os_str()]);
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(mode(&wasm), expected, "a new output under umask {umask} has mode {expected}");
    }

    // Replacing an existing output gives it the new file's mode, as rustc and cc do.
    std::fs::set_permissions(&wasm, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    let out = clawc_under_umask("022", &[OsStr::new("build"), source.as_os_str(), OsStr::new("-o"), wasm.as_os_str()]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(mode(&wasm), "644", "a replaced output gets the umask's mode");

    // `clawc test --junit` writes its report the same way.
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let adder = dir.path().join("adder.wasm");
    let out =
        clawc().arg("build").arg(root.join("tests/testing/adder.claw")).arg("-o").arg(&adder).output().expect("runs");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let report = dir.path().join("report.xml");
    let test_file = root.join("tests/testing/adder.test.claw");
    let out = clawc_under_umask(
        "027",
        &[
            OsStr::new("test"),
            test_file.as_os_str(),
            OsStr::new("--component"),
            adder.as_os_str(),
            OsStr::new("--junit"),
            report.as_os_str(),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
    assert_eq!(mode(&report), "640", "the JUnit report under umask 027");

    // Only the outputs are left: no temporary files.
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .expect("list")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["adder.wasm", "app.claw", "app.wasm", "report.xml"]);
}

#[test]
fn run_uses_the_cache_unless_told_not_to() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("add.claw");
    std::fs::write(&file, "export func add(a: u32, b: u32) -> u32 {\n    return a + b;\n}\n").expect("write");
    let run = |cache: &std::path::Path, extra: &[&str]| {
        clawc()
            .arg("run")
            .arg(&file)
            .args(["--invoke", "add(1, 2)"])
            .args(extra)
            .env("CLAWC_CACHE_DIR", cache)
            .output()
            .expect("runs")
    };
    let entries = |cache: &std::path::Path| {
        let modules = cache.join(concat!("clawc-", env!("CARGO_PKG_VERSION"), "/modules"));
        std::fs::read_dir(modules)
            .map(|versions| {
                versions
                    .flatten()
                    .flat_map(|v| std::fs::read_dir(v.path()).into_iter().flatten().flatten())
                    .filter(|e| !e.file_name().to_string_lossy().contains('.'))
                    .count()
            })
            .unwrap_or(0)
    };

    let cache = dir.path().join("cache");
    let out = run(&cache, &["--no-cache"]);
    assert_eq!((out.status.code(), String::from_utf8_lossy(&out.stdout).into_owned()), (Some(0), "3\n".to_string()));
    assert!(!cache.exists(), "--no-cache creates no cache directory");

    let out = run(&cache, &[]);
    assert_eq!((out.status.code(), String::from_utf8_lossy(&out.stdout).into_owned()), (Some(0), "3\n".to_string()));
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
    assert_eq!(entries(&cache), 1, "the compiled component was saved");

    // A file where the cache should be: one warning, and the call still runs.
    let blocked = dir.path().join("blocked");
    std::fs::write(&blocked, "").expect("write");
    let out = run(&blocked, &[]);
    assert_eq!((out.status.code(), String::from_utf8_lossy(&out.stdout).into_owned()), (Some(0), "3\n".to_string()));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("warning: the compilation cache "), "{stderr}");
}

#[test]
fn run_grants_directories_and_variables_only_when_asked() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("note.txt"), "granted text\n").expect("write");
    let grant = format!("{}::/data", dir.path().display());
    let cat = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/cat.claw");

    // A granted directory is readable at its guest path.
    let out = clawc().args(["run", cat, "--dir", &grant, "--", "/data/note.txt"]).output().expect("runs");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "granted text\n");

    // Without `--dir` there is no preopen: the command reports it and fails.
    let out = clawc().args(["run", cat, "--", "/data/note.txt"]).output().expect("runs");
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "cat: /data/note.txt: not in a granted directory (grant one with --dir)\n"
    );

    // A host directory that does not exist is a usage error, before anything runs.
    let missing = dir.path().join("missing");
    let spec = format!("{}::/data", missing.display());
    let out = clawc().args(["run", cat, "--dir", &spec, "--", "/data/note.txt"]).output().expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!("error: --dir {}: no such directory\n", missing.display())
    );

    // `--env`: the guest sees exactly the variables given (`KEY` passes on the host's value).
    let env = dir.path().join("env.claw");
    std::fs::write(
        &env,
        "import { get-stdout } from wasi:cli/stdout;\nimport { get-environment } from wasi:cli/environment;\nexport wasi:cli/run@0.2.12 {\n    func run() -> result {\n        let out = get-stdout();\n        for pair in get-environment() {\n            out.blocking-write-and-flush(\"\\{pair.0}=\\{pair.1}\\n\".bytes());\n        }\n        return ok;\n    }\n}\n",
    )
    .expect("write");
    let out = clawc()
        .arg("run")
        .arg(&env)
        .args(["--env", "GREETING=hello", "--env", "CLAW_FROM_HOST"])
        .env("CLAW_FROM_HOST", "passed on")
        .env("CLAW_NOT_GRANTED", "secret")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "GREETING=hello\nCLAW_FROM_HOST=passed on\n");
    let out = clawc().arg("run").arg(&env).env("CLAW_NOT_GRANTED", "secret").output().expect("runs");
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty(), "no variable unless asked: {}", String::from_utf8_lossy(&out.stdout));

    // `--env KEY` for a variable the host does not have is a usage error.
    let out = clawc()
        .arg("run")
        .arg(&env)
        .args(["--env", "CLAW_SURELY_UNSET"])
        .env_remove("CLAW_SURELY_UNSET")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--env CLAW_SURELY_UNSET: the variable is not set here"));
}

/// A wasi:http handler (the shape `wasmtime serve` runs) compiles with no
/// `--wit`: `wasi:http@0.2.12` is bundled, at the version of the other WASI
/// packages.
#[test]
fn wasi_http_handlers_compile_without_flags() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("handler.claw");
    std::fs::write(&file, HTTP_HANDLER).expect("write");
    let wasm = dir.path().join("handler.wasm");
    let out = clawc().arg("build").arg(&file).arg("-o").arg(&wasm).output().expect("runs");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(wasm.is_file());
    let out = clawc().arg("wit").arg(&file).output().expect("runs");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let wit = String::from_utf8_lossy(&out.stdout);
    assert!(wit.contains("  import wasi:http/types@0.2.12;\n"), "{wit}");
    assert!(wit.contains("  export wasi:http/incoming-handler@0.2.12;\n"), "{wit}");
}

/// A handler answering every request with 200 and a plain-text greeting.
const HTTP_HANDLER: &str = r#"import { fields, outgoing-response, outgoing-body, response-outparam } from wasi:http/types;

export wasi:http/incoming-handler {
    func handle(request: incoming-request, response-out: response-outparam) {
        let headers = fields::new();
        headers.append("content-type", "text/plain".bytes());
        let response = outgoing-response::new(headers);
        response.set-status-code(200);
        let body = match response.body() {
            ok(b) => b,
            err => {
                return;
            }
        };
        response-outparam::set(response-out, ok(response));
        {
            let stream = match body.write() {
                ok(s) => s,
                err => {
                    return;
                }
            };
            stream.blocking-write-and-flush(
                "Hello from Claw at \{request.path-with-query()}\n".bytes(),
            );
        }
        outgoing-body::finish(body, none);
    }
}
"#;

/// `build`, `wit` and `run` parse only the bundled WIT packages a file can
/// name (claw_project::resolve_for); an unknown package must still be
/// reported against all of them, as `check` (which loads them all) does.
#[test]
fn unknown_packages_are_reported_against_every_bundled_package() {
    let dir = tempfile::tempdir().expect("temp dir");
    let typo = dir.path().join("typo.claw");
    std::fs::write(
        &typo,
        "import { now } from wasi:clockz/monotonic-clock;\nexport func f() -> u64 { return now(); }\n",
    )
    .expect("write");
    let unknown = dir.path().join("unknown.claw");
    std::fs::write(&unknown, "import { now } from acme:timer/clock;\nexport func f() -> u64 { return now(); }\n")
        .expect("write");
    for command in ["build", "wit", "check"] {
        let out = clawc().env("NO_COLOR", "1").arg(command).arg(&typo).output().expect("runs");
        assert_eq!(out.status.code(), Some(1), "{command}");
        let stderr = String::from_utf8(out.stderr).expect("utf-8");
        assert!(stderr.contains("did you mean `wasi:clocks`?"), "{command}: {stderr}");
        let out = clawc().env("NO_COLOR", "1").arg(command).arg(&unknown).output().expect("runs");
        let stderr = String::from_utf8(out.stderr).expect("utf-8");
        assert!(
            stderr.contains("known packages: claw:test, wasi:cli, wasi:clocks, wasi:filesystem, wasi:http"),
            "{command}: {stderr}"
        );
    }
    // A file that names a bundled package builds and runs against it.
    let clock = dir.path().join("clock.claw");
    std::fs::write(
        &clock,
        "import { now } from wasi:clocks/monotonic-clock;\nexport func later() -> bool { return now() > 0; }\n",
    )
    .expect("write");
    let out = clawc().args(["run", "--invoke", "later()"]).arg(&clock).output().expect("runs");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "true", "{}", String::from_utf8_lossy(&out.stderr));
}
