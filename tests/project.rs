//! The project file, `claw.toml`, as the real `clawc` binary reads it:
//! found from the file compiled (in its directory or above), its WIT and
//! world used by `build`, `check`, `wit`, `run` and `test`, flags adding
//! to it, and its errors (file:line:column, the key, exit code 2).

use std::path::Path;
use std::process::{Command, Output};

/// A temporary directory holding `files` (path, contents).
fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for (path, text) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }
    dir
}

/// Runs `clawc ARGS` in `cwd`.
fn clawc(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_clawc"))
        .current_dir(cwd)
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("clawc runs")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// `out`'s stderr with `dir`'s real path written `[TMP]`.
fn stderr_in(out: &Output, dir: &Path) -> String {
    let real = dir.canonicalize().expect("canonical").display().to_string();
    stderr(out).replace(&real, "[TMP]")
}

/// The WIT of the example project: an interface and two worlds exporting it.
const APP_WIT: &str = "package example:app@0.1.0;

interface greet {
    hello: func(name: string) -> string;
}

world app {
    export greet;
}

world with-stray {
    export greet;
    export stray: func() -> u32;
}
";

/// A file that needs the project's WIT: it implements `example:app/greet`.
const APP: &str = "export example:app/greet {
    func hello(name: string) -> string { return \"hi \" + name; }
}
";

/// [`APP`] plus an export that world `app` does not have.
const STRAY: &str = "export example:app/greet {
    func hello(name: string) -> string { return \"hi \" + name; }
}
export func stray() -> u32 { return 7; }
";

fn project(toml: &str) -> tempfile::TempDir {
    tree(&[("claw.toml", toml), ("wit/app.wit", APP_WIT), ("app.claw", APP), ("src/deep/app.claw", APP)])
}

#[test]
fn build_finds_the_project_from_its_root_and_from_below() {
    let dir = project("wit = [\"wit\"]\n");
    let root = dir.path();
    // In the project's root.
    let out = clawc(root, &["build", "app.claw"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(root.join("app.wasm").is_file());
    // A file in a subdirectory, built from the root and from its own directory.
    let out = clawc(root, &["build", "src/deep/app.claw", "-o", "deep.wasm"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = clawc(&root.join("src/deep"), &["build", "app.claw"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(root.join("src/deep/app.wasm").is_file());
    // From a directory outside the project, by path.
    let out = clawc(&std::env::temp_dir(), &["build", root.join("app.claw").to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // Without claw.toml the WIT is unknown: the project file is what made it work.
    std::fs::remove_file(root.join("claw.toml")).expect("rm");
    let out = clawc(root, &["build", "app.claw"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("example:app/greet"), "{}", stderr(&out));
}

#[test]
fn check_wit_and_run_read_the_project_too() {
    let dir = project("wit = [\"wit\"]\n");
    let deep = dir.path().join("src/deep");
    let out = clawc(&deep, &["check", "app.claw", "../../app.claw"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = clawc(&deep, &["wit", "app.claw"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("export example:app/greet@0.1.0;"), "{out:?}");
    let out = clawc(&deep, &["run", "app.claw", "--invoke", "example:app/greet#hello(\"Ada\")"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "\"hi Ada\"");
}

#[test]
fn check_compiles_each_file_with_its_own_project() {
    let other_wit = "package example:other;\ninterface names { name: func() -> string; }\n";
    let dir = tree(&[
        ("one/claw.toml", "wit = [\"wit\"]\n"),
        ("one/wit/app.wit", APP_WIT),
        ("one/app.claw", APP),
        ("two/claw.toml", "wit = [\"api\"]\n"),
        ("two/api/other.wit", other_wit),
        ("two/names.claw", "export example:other/names {\n    func name() -> string { return \"two\"; }\n}\n"),
    ]);
    let out = clawc(dir.path(), &["check", "one/app.claw", "two/names.claw", "one/app.claw"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // Each project's WIT is its own: `two` does not see `one`'s.
    std::fs::write(dir.path().join("two/app.claw"), APP).expect("write");
    let out = clawc(dir.path(), &["check", "one/app.claw", "two/app.claw"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("two/app.claw") && !stderr(&out).contains("one/app.claw"), "{}", stderr(&out));
}

#[test]
fn wit_flags_add_to_the_project() {
    let dir = project("wit = [\"wit\"]\n");
    let root = dir.path();
    std::fs::create_dir(root.join("extra")).expect("mkdir");
    std::fs::write(root.join("extra/extra.wit"), "package example:extra;\ninterface nums { seven: func() -> u32; }\n")
        .expect("write");
    let both = format!("{APP}export example:extra/nums {{\n    func seven() -> u32 {{ return 7; }}\n}}\n");
    std::fs::write(root.join("both.claw"), both).expect("write");
    // The project's WIT alone does not have example:extra.
    let out = clawc(root, &["check", "both.claw"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    // `--wit extra` adds it, and the project's WIT stays.
    let out = clawc(root, &["check", "both.claw", "--wit", "extra"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // Naming the project's own directory again is harmless.
    let out = clawc(root, &["check", "both.claw", "--wit", "extra", "--wit", "wit", "--wit", "./wit/"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // A bad `--wit` is still reported as the flag.
    let out = clawc(root, &["check", "both.claw", "--wit", "nope"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stderr(&out), "error: --wit nope: no such file or directory\n");
}

#[test]
fn the_project_world_is_checked_and_world_overrides_it() {
    let dir = project("wit = [\"wit\"]\nworld = \"example:app/app\"\n");
    let root = dir.path();
    std::fs::write(root.join("stray.claw"), STRAY).expect("write");
    let out = clawc(root, &["build", "app.claw"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // `stray` is not in the project's world.
    let out = clawc(root, &["check", "stray.claw"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("stray"), "{}", stderr(&out));
    // `--world` replaces it.
    let out = clawc(root, &["check", "stray.claw", "--world", "example:app/with-stray"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = clawc(root, &["build", "app.claw", "--world", "example:app/with-stray"]);
    assert_eq!(out.status.code(), Some(1), "`app.claw` lacks `stray`: {}", stderr(&out));
    // `run` does not check worlds.
    let out = clawc(root, &["run", "stray.claw", "--invoke", "stray()"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn an_unknown_project_world_points_at_claw_toml() {
    let dir = project("wit = [\"wit\"]\nworld = \"example:app/ap\"\n");
    let out = clawc(&dir.path().join("src"), &["build", "deep/app.claw"]);
    assert_eq!(out.status.code(), Some(2));
    let text = stderr(&out);
    assert!(text.starts_with("error: ../claw.toml:2:9: unknown world `example:app/ap`; known worlds: "), "{text}");
    assert!(text.contains("example:app/app"), "{text}");
}

#[test]
fn an_unknown_key_is_an_error_at_its_line() {
    let dir = project("wit = [\"wit\"]\n\nwrld = \"example:app/app\"\n");
    let out = clawc(dir.path(), &["build", "app.claw"]);
    assert_eq!(out.status.code(), Some(2));
    insta::assert_snapshot!(stderr(&out), @r"error: claw.toml:3:1: unknown key `wrld` (expected one of `wit`, `world`, `test`)");
    // From below, the path is relative to where clawc runs.
    let out = clawc(&dir.path().join("src/deep"), &["check", "app.claw"]);
    assert_eq!(out.status.code(), Some(2));
    insta::assert_snapshot!(stderr(&out), @r"error: ../../claw.toml:3:1: unknown key `wrld` (expected one of `wit`, `world`, `test`)");
    assert!(!dir.path().join("app.wasm").exists(), "nothing is built");
}

#[test]
fn a_value_of_the_wrong_kind_is_an_error() {
    let dir = project("wit = \"wit\"\n");
    let out = clawc(dir.path(), &["build", "app.claw"]);
    assert_eq!(out.status.code(), Some(2));
    insta::assert_snapshot!(stderr(&out), @r#"error: claw.toml:1:7: `wit` must be a list of WIT directories, such as `wit = ["wit"]`, not a string"#);
    let dir = project("[test]\ncomponents = 3\n");
    let out = clawc(dir.path(), &["wit", "app.claw"]);
    assert_eq!(out.status.code(), Some(2));
    insta::assert_snapshot!(stderr(&out), @"error: claw.toml:2:14: `test.components` must be strings (paths relative to claw.toml), not an integer");
}

#[test]
fn toml_that_does_not_parse_is_an_error() {
    let dir = project("wit = [\"wit\"\nworld = \"example:app/app\"\n");
    let out = clawc(dir.path(), &["build", "app.claw"]);
    assert_eq!(out.status.code(), Some(2));
    insta::assert_snapshot!(stderr(&out), @"error: claw.toml:2:1: missing comma between array elements, expected `,`");
}

#[test]
fn a_missing_wit_directory_is_an_error_at_its_entry() {
    let dir = project("wit = [\"wit\", \"wti\"]\n");
    let out = clawc(dir.path(), &["run", "app.claw", "--invoke", "example:app/greet#hello(\"x\")"]);
    assert_eq!(out.status.code(), Some(2));
    insta::assert_snapshot!(stderr_in(&out, dir.path()), @r#"error: claw.toml:1:15: `wit` entry "wti": no such file or directory ([TMP]/wti)"#);
}

#[test]
fn wit_that_does_not_parse_is_reported_at_its_entry() {
    let dir = project("wit = [\"wit\"]\n");
    std::fs::write(
        dir.path().join("wit/app.wit"),
        "package example:app;\ninterface greet { hello: func() -> nope; }\n",
    )
    .expect("write");
    let out = clawc(dir.path(), &["check", "app.claw"]);
    assert_eq!(out.status.code(), Some(2));
    let text = stderr(&out);
    assert!(text.starts_with("error: claw.toml:1:8: `wit` entry \"wit\": "), "{text}");
    assert!(text.contains("nope"), "wit-parser's message follows: {text}");
}

/// A component exporting `double`, built with `clawc build` into `out`.
fn build_double(out: &Path) {
    let dir = tree(&[("double.claw", "export func double(x: u32) -> u32 { return x * 2; }\n")]);
    let built = clawc(dir.path(), &["build", "double.claw", "-o", out.to_str().expect("utf-8")]);
    assert_eq!(built.status.code(), Some(0), "{}", stderr(&built));
}

const DOUBLE_TEST: &str = "test component \"double.wasm\";
import double: func(x: u32) -> u32;

test \"doubles\" {
    assert double(21) == 42;
}
";

#[test]
fn clawc_test_looks_for_components_in_the_project_directory() {
    let dir =
        tree(&[("claw.toml", "[test]\ncomponents = \"components\"\n"), ("tests/unit/double.test.claw", DOUBLE_TEST)]);
    let root = dir.path();
    std::fs::create_dir(root.join("components")).expect("mkdir");
    build_double(&root.join("components/double.wasm"));
    for (cwd, args) in [(root.to_path_buf(), vec!["test"]), (root.join("tests"), vec!["test", "unit"])] {
        let out = clawc(&cwd, &args);
        assert_eq!(out.status.code(), Some(0), "{}{}", String::from_utf8_lossy(&out.stdout), stderr(&out));
        assert!(String::from_utf8_lossy(&out.stdout).contains("test doubles ... ok"), "{out:?}");
    }
    // A component next to the test file comes first.
    build_double(&root.join("tests/unit/double.wasm"));
    std::fs::write(root.join("components/double.wasm"), b"not a component").expect("write");
    let out = clawc(root, &["test"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // Found in neither place: the error names both.
    std::fs::remove_file(root.join("tests/unit/double.wasm")).expect("rm");
    std::fs::remove_file(root.join("components/double.wasm")).expect("rm");
    let out = clawc(root, &["test"]);
    assert_eq!(out.status.code(), Some(2));
    insta::assert_snapshot!(stderr(&out), @r#"
    [component-not-found] Error: cannot read component ./tests/unit/double.wasm: No such file or directory (os error 2)
       ╭─[ ./tests/unit/double.test.claw:1:16 ]
       │
     1 │ test component "double.wasm";
       │                ──────┬──────  
       │                      ╰──────── named here
       │ 
       │ Note: nor is it in the project's `[test] components` directory (components/double.wasm)
    ───╯
    error: could not compile `./tests/unit/double.test.claw` due to 1 error
    "#);
}

#[test]
fn clawc_test_without_the_setting_looks_next_to_the_test_file_only() {
    let dir = tree(&[("claw.toml", "# no [test]\n"), ("tests/double.test.claw", DOUBLE_TEST)]);
    std::fs::create_dir(dir.path().join("components")).expect("mkdir");
    build_double(&dir.path().join("components/double.wasm"));
    let out = clawc(dir.path(), &["test"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let text = stderr(&out);
    assert!(text.contains("cannot read component ./tests/double.wasm"), "{text}");
    assert!(!text.contains("components"), "no components directory is mentioned: {text}");
}

#[test]
fn clawc_test_reports_a_missing_components_directory() {
    let dir = tree(&[("claw.toml", "[test]\ncomponents = \"built\"\n"), ("double.test.claw", DOUBLE_TEST)]);
    let out = clawc(dir.path(), &["test"]);
    assert_eq!(out.status.code(), Some(2));
    insta::assert_snapshot!(stderr(&out), @r#"error: claw.toml:2:14: `test.components` "built": no such directory (built)"#);
}

#[test]
fn clawc_test_reads_the_project_wit() {
    // The test script exports nothing and imports a type from the project's
    // WIT: compiling it needs `wit = [...]`.
    let wit = "package example:shapes;\ninterface types { record point { x: u32, y: u32 } }\n";
    let test = "test component \"double.wasm\";\nimport { point } from example:shapes/types;\nimport double: func(x: u32) -> u32;\n\ntest \"points\" {\n    let p: point = {x: 1, y: 2};\n    assert double(p.y) == 4;\n}\n";
    let dir = tree(&[("claw.toml", "wit = [\"wit\"]\n"), ("wit/shapes.wit", wit), ("p.test.claw", test)]);
    build_double(&dir.path().join("double.wasm"));
    let out = clawc(dir.path(), &["test"]);
    assert_eq!(out.status.code(), Some(0), "{}{}", String::from_utf8_lossy(&out.stdout), stderr(&out));
    std::fs::remove_file(dir.path().join("claw.toml")).expect("rm");
    let out = clawc(dir.path(), &["test"]);
    assert_eq!(out.status.code(), Some(2), "without the project, example:shapes is unknown");
}
