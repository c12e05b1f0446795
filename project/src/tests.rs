//! Unit tests of parsing and checking `claw.toml`, finding it, and building
//! the `Resolve`.

use super::*;

/// The error [`parse`] gives for `text` as a `claw.toml`, displayed.
fn error(text: &str) -> String {
    match parse(Path::new("claw.toml"), text) {
        Ok(project) => panic!("expected an error, got {project:?}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn parses_every_key() {
    let text = "wit = [\"wit\", \"../shared/wit\"]\nworld = \"example:app/app@1.0.0\"\n\n[test]\ncomponents = \"components\"\n";
    let project = parse(Path::new("/p/claw.toml"), text).expect("valid");
    assert_eq!(project.root, Path::new("/p"));
    let dirs: Vec<&Path> = project.wit_dirs.iter().map(|e| e.value.as_path()).collect();
    assert_eq!(dirs, [Path::new("/p/wit"), Path::new("/p/../shared/wit")]);
    assert_eq!(project.wit_dirs[1].written, "../shared/wit");
    assert_eq!((project.wit_dirs[1].location.line, project.wit_dirs[1].location.column), (1, 15));
    assert_eq!(&text[project.wit_dirs[1].location.span.clone()], "\"../shared/wit\"");
    let world = project.world.expect("a world");
    assert_eq!(world.value, "example:app/app@1.0.0");
    assert_eq!((world.location.line, world.location.column), (2, 9));
    let components = project.test.components.expect("a components directory");
    assert_eq!(components.value, Path::new("/p/components"));
    assert_eq!(components.key, "test.components");
}

#[test]
fn every_key_is_optional() {
    let project = parse(Path::new("dir/claw.toml"), "# nothing yet\n").expect("valid");
    assert_eq!(
        project,
        Project {
            file: "dir/claw.toml".into(),
            root: "dir".into(),
            wit_dirs: Vec::new(),
            world: None,
            test: TestSettings::default(),
        }
    );
}

#[test]
fn dotted_and_inline_tables_are_the_same_settings() {
    for text in ["test.components = \"c\"", "test = { components = \"c\" }", "[test]\ncomponents = \"c\""] {
        let project = parse(Path::new("claw.toml"), text).expect(text);
        assert_eq!(project.test.components.map(|c| c.value), Some(PathBuf::from("c")), "{text}");
    }
}

#[test]
fn unknown_keys_name_the_place_and_the_known_keys() {
    insta::assert_snapshot!(error("wit = [\"wit\"]\n\nwrld = \"a:b/c\"\n"), @"claw.toml:3:1: unknown key `wrld` (expected one of `wit`, `world`, `test`)");
    insta::assert_snapshot!(error("[test]\ncomponent = \"c\"\n"), @"claw.toml:2:1: unknown key `component` in `[test]` (expected `components`)");
    insta::assert_snapshot!(error("[package]\nname = \"x\"\n"), @"claw.toml:1:2: unknown key `package` (expected one of `wit`, `world`, `test`)");
}

#[test]
fn the_first_problem_in_the_file_is_reported() {
    // The table is sorted by key (`aaa` < `zzz`), but `zzz` comes first in the file.
    insta::assert_snapshot!(error("zzz = 1\naaa = 2\n"), @"claw.toml:1:1: unknown key `zzz` (expected one of `wit`, `world`, `test`)");
}

#[test]
fn values_of_the_wrong_kind() {
    insta::assert_snapshot!(error("wit = \"wit\"\n"), @r#"claw.toml:1:7: `wit` must be a list of WIT directories, such as `wit = ["wit"]`, not a string"#);
    insta::assert_snapshot!(error("wit = [\"wit\", 3]\n"), @"claw.toml:1:15: entries of `wit` must be strings (paths relative to claw.toml), not an integer");
    insta::assert_snapshot!(error("wit = [\"\"]\n"), @r#"claw.toml:1:8: `wit`: a path cannot be empty (write "." for this directory)"#);
    insta::assert_snapshot!(error("world = 3\n"), @r#"claw.toml:1:9: `world` must be a string naming a WIT world, such as `world = "example:app/app"`, not an integer"#);
    insta::assert_snapshot!(error("test = \"components\"\n"), @"claw.toml:1:8: `test` must be a table (a `[test]` section), not a string");
    insta::assert_snapshot!(error("[test]\ncomponents = [\"a\"]\n"), @"claw.toml:2:14: `test.components` must be strings (paths relative to claw.toml), not an array");
}

#[test]
fn world_names_need_a_namespace_a_package_and_a_world() {
    for bad in ["app", "example:app", "example/app", ":app/w", "example:app/", "example:app/w@", "a:b/c/d"] {
        let text = format!("world = \"{bad}\"");
        let e = error(&text);
        assert!(e.starts_with("claw.toml:1:9: `world` must name a world as `namespace:package/world`"), "{bad}: {e}");
    }
    for good in ["example:app/app", "wasi:cli/command@0.2.12", "a:b/c@1.0.0-rc.1"] {
        assert!(parse(Path::new("claw.toml"), &format!("world = \"{good}\"")).is_ok(), "{good}");
    }
}

#[test]
fn toml_syntax_errors_carry_tomls_message_and_place() {
    insta::assert_snapshot!(error("wit = [\"wit\"\nworld = \"a:b/c\"\n"), @"claw.toml:2:1: missing comma between array elements, expected `,`");
    insta::assert_snapshot!(error("wit = [\"wit\"]\nwit = [\"more\"]\n"), @"claw.toml:2:1: duplicate key `wit`");
    insta::assert_snapshot!(error("world = example\n"), @"claw.toml:1:9: string values must be quoted, expected literal string");
    insta::assert_snapshot!(error("[test]\ncomponents = \"a\"\n[test]\n"), @"claw.toml:3:2: duplicate key `test`");
}

#[test]
fn columns_count_characters() {
    let text = "# é\nworld = \"née\"";
    assert_eq!(&text[13..14], "\"");
    let location = Location::of(text, 13..19);
    assert_eq!((location.line, location.column), (2, 9));
    let location = Location::of(text, 15..17);
    assert_eq!((location.line, location.column), (2, 11), "after `n`");
    // An offset inside a character counts from the character's start.
    assert_eq!(Location::of(text, 16..17).column, 11);
    let project = parse(Path::new("claw.toml"), "# ünïcödé\nwrld = 1").expect_err("unknown key");
    assert_eq!(project.location.map(|l| (l.line, l.column)), Some((2, 1)));
    let e = parse(Path::new("claw.toml"), "wit = [\"é\", 1]").expect_err("bad entry");
    assert_eq!(e.location.map(|l| (l.line, l.column)), Some((1, 13)));
}

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

const WIT: &str = "package example:app@0.1.0;\ninterface greet { hello: func(name: string) -> string; }\nworld app { export greet; }\n";

#[test]
fn find_walks_up_from_files_and_directories() {
    let dir = tree(&[("claw.toml", "wit = [\"wit\"]\n"), ("wit/app.wit", WIT), ("src/deep/app.claw", "")]);
    let root = dir.path().canonicalize().expect("canonical");
    let expected = Some(root.join("claw.toml"));
    assert_eq!(find_file(&dir.path().join("src/deep/app.claw")), expected);
    assert_eq!(find_file(&dir.path().join("src/deep")), expected);
    assert_eq!(find_file(dir.path()), expected);
    // A file that does not exist yet still belongs to its directory's project.
    assert_eq!(find_file(&dir.path().join("src/missing.claw")), expected);
    let project = find(&dir.path().join("src/deep/app.claw")).expect("valid").expect("found");
    assert_eq!(project.root, root);
    assert_eq!(project.wit_dirs[0].value, root.join("wit"));
}

#[test]
fn the_nearest_project_file_wins() {
    let dir = tree(&[("claw.toml", "wrld = 1\n"), ("inner/claw.toml", "world = \"a:b/c\"\n"), ("inner/app.claw", "")]);
    let project = find(&dir.path().join("inner/app.claw")).expect("the outer file is not read").expect("found");
    assert_eq!(project.world.map(|w| w.value), Some("a:b/c".to_string()));
    let outer = find(&dir.path().join("app.claw")).expect_err("the outer file is invalid");
    assert_eq!(outer.file, dir.path().canonicalize().expect("canonical").join("claw.toml"));
}

#[test]
fn a_directory_without_a_project_file_has_no_project() {
    let dir = tree(&[("src/app.claw", "")]);
    // Unless a claw.toml sits above the temporary directory, which tests must not rely on.
    if find_file(&std::env::temp_dir()).is_none() {
        assert_eq!(find(&dir.path().join("src/app.claw")), Ok(None));
    }
}

#[test]
fn load_reports_missing_wit_paths_at_their_entry() {
    let dir = tree(&[("claw.toml", "# WIT\nwit = [\"wit\", \"nope\"]\n"), ("wit/app.wit", WIT)]);
    let e = load(&dir.path().join("claw.toml")).expect_err("missing dir");
    assert_eq!(e.location.as_ref().map(|l| (l.line, l.column)), Some((2, 15)));
    assert!(e.message.starts_with("`wit` entry \"nope\": no such file or directory ("), "{}", e.message);
    let e = load(&dir.path().join("nothing/claw.toml")).expect_err("no file");
    assert!(e.location.is_none() && e.message.starts_with("cannot read: "), "{e}");
}

#[test]
fn resolve_loads_project_wit_then_extra_paths_once_each() {
    let dir = tree(&[
        ("claw.toml", "wit = [\"wit\"]\n"),
        ("wit/app.wit", WIT),
        ("more/more.wit", "package example:more;\ninterface m { f: func(); }\n"),
    ]);
    let project = load(&dir.path().join("claw.toml")).expect("valid");
    let names = |r: &Resolve| -> Vec<String> {
        let mut names: Vec<String> =
            r.packages.iter().map(|(_, p)| p.name.to_string()).filter(|n| n.starts_with("example:")).collect();
        names.sort();
        names
    };
    let resolve = resolve(Some(&project), &[]).expect("loads");
    assert_eq!(names(&resolve), ["example:app@0.1.0"]);
    assert!(resolve.packages.iter().any(|(_, p)| p.name.to_string() == "wasi:clocks@0.2.12"), "std-wit is there too");
    // `--wit more` adds a package; `--wit wit` again is the project's own and is skipped.
    let extra = [dir.path().join("more"), dir.path().join("wit"), dir.path().join("wit/../wit")];
    let resolve = super::resolve(Some(&project), &extra).expect("loads");
    assert_eq!(names(&resolve), ["example:app@0.1.0", "example:more"]);
    let e = super::resolve(Some(&project), &[dir.path().join("absent")]).expect_err("missing");
    assert!(matches!(&e, WitError::Extra { message, .. } if message == "no such file or directory"), "{e}");
}

#[test]
fn resolve_points_at_the_entry_whose_wit_fails() {
    let dir = tree(&[
        ("claw.toml", "wit = [\n  \"wit\",\n]\n"),
        ("wit/app.wit", "package example:app;\ninterface i { f: func() -> nope; }\n"),
    ]);
    let project = load(&dir.path().join("claw.toml")).expect("valid");
    let Err(WitError::Project(e)) = resolve(Some(&project), &[]) else { panic!("expected a project error") };
    assert_eq!(e.location.map(|l| (l.line, l.column)), Some((2, 3)));
    assert!(e.message.starts_with("`wit` entry \"wit\": ") && e.message.contains("nope"), "{}", e.message);
}

#[test]
fn component_candidates_try_the_test_file_then_the_components_directory() {
    let project = parse(Path::new("/p/claw.toml"), "[test]\ncomponents = \"built\"\n").expect("valid");
    assert_eq!(
        component_candidates(Some(&project), Path::new("/p/tests/a.test.claw"), "app.wasm"),
        [PathBuf::from("/p/tests/app.wasm"), PathBuf::from("/p/built/app.wasm")]
    );
    assert_eq!(
        component_candidates(Some(&project), Path::new("/p/tests/a.test.claw"), "/abs/app.wasm"),
        [PathBuf::from("/abs/app.wasm")]
    );
    assert_eq!(
        component_candidates(None, Path::new("tests/a.test.claw"), "app.wasm"),
        [PathBuf::from("tests/app.wasm")]
    );
    // A test file in the components directory itself gives one candidate, not two equal ones.
    assert_eq!(
        component_candidates(Some(&project), Path::new("/p/built/a.test.claw"), "app.wasm"),
        [PathBuf::from("/p/built/app.wasm")]
    );
}

#[test]
fn a_wit_directory_may_bring_the_wasi_the_compiler_bundles() {
    // As `wit-deps` or `wkg` lay it out: the project's package, and the WASI
    // packages it uses in deps/ (copies of the bundled ones).
    let std_wit = Path::new(env!("CARGO_MANIFEST_DIR")).join("../std-wit/wasi-0.2");
    let io = std::fs::read_to_string(std_wit.join("io.wit")).expect("io.wit");
    let clocks = std::fs::read_to_string(std_wit.join("clocks.wit")).expect("clocks.wit");
    let app = "package example:app;\ninterface timing { use wasi:clocks/monotonic-clock@0.2.12.{instant}; now: func() -> instant; }\n";
    let dir = tree(&[
        ("claw.toml", "wit = [\"wit\"]\n"),
        ("wit/app.wit", app),
        ("wit/deps/io.wit", &io),
        ("wit/deps/clocks.wit", &clocks),
    ]);
    let project = load(&dir.path().join("claw.toml")).expect("valid");
    let resolve = resolve(Some(&project), &[]).expect("the shared WASI packages are unioned, not added twice");
    let io_packages = resolve.packages.iter().filter(|(_, p)| p.name.to_string() == "wasi:io@0.2.12").count();
    assert_eq!(io_packages, 1);
    assert!(resolve.packages.iter().any(|(_, p)| p.name.to_string() == "example:app"));
}
