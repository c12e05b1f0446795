//! The command line's machine-facing behaviour: JSON diagnostics, `wit`
//! output and `--help`, run through the real `clawc` binary.

use std::process::Command;

fn clawc() -> Command {
    Command::new(env!("CARGO_BIN_EXE_clawc"))
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
