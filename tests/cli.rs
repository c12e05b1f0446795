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
