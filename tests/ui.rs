//! Diagnostic snapshots: every `tests/ui/*.claw` file is one trial.
//!
//! Each file must fail to compile; its rendered diagnostics (ariadne,
//! without colour) are compared with `tests/ui/<name>.snap`, which shows the
//! source followed by the output. To accept new or changed output, run
//! `cargo insta test --accept --test ui` (or `INSTA_UPDATE=always cargo test
//! --test ui`) and review the diff with `git diff tests/ui`.
//!
//! A header line `// world: ns:pkg/world` checks the file against that world
//! (as `clawc build --world` does). The WIT in `tests/ui/wit/` is always added.

use libtest_mimic::{Arguments, Failed, Trial};
use std::path::{Path, PathBuf};

fn main() {
    let args = Arguments::from_args();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ui");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/ui exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "claw"))
        .collect();
    files.sort();
    let trials = files
        .into_iter()
        .map(|path| {
            let name = path.file_stem().and_then(|s| s.to_str()).unwrap_or("case").to_string();
            Trial::test(name, move || ui_case(&path))
        })
        .collect();
    libtest_mimic::run(&args, trials).exit();
}

fn ui_case(path: &Path) -> Result<(), Failed> {
    let source = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let name = path.file_stem().and_then(|s| s.to_str()).unwrap_or("case").to_string();
    let world = source.lines().find_map(|l| l.trim().strip_prefix("// world:").map(|w| w.trim().to_string()));
    let mut resolve = claw_compiler::std_wit::resolve().map_err(|e| e.to_string())?;
    // The WIT of tests/ui/wit, as `--wit tests/ui/wit` would add it.
    let wit_dir = path.parent().unwrap_or(Path::new(".")).join("wit");
    resolve.push_path(&wit_dir).map_err(|e| format!("{}: {e:#}", wit_dir.display()))?;
    let file_name = format!("{name}.claw");
    let result = match &world {
        None => claw_compiler::compile(&source, &clawc::world_name_for(path), &resolve).map(|_| ()),
        Some(world) => match claw_compiler::conformance::check_world(&source, &resolve, world) {
            Ok(()) => Ok(()),
            Err(claw_compiler::conformance::WorldError::Diagnostics(d)) => Err(d),
            Err(claw_compiler::conformance::WorldError::Usage(message)) => return Err(message.into()),
        },
    };
    let output = match result {
        Ok(()) => return Err(format!("{} compiled without errors, but ui cases must fail", path.display()).into()),
        Err(diagnostics) => clawc::render::render(&diagnostics, &file_name, &source, false),
    };
    let snapshot = format!("{source}\n----- diagnostics -----\n{output}");
    let result = std::panic::catch_unwind(|| {
        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_path(path.parent().unwrap_or(Path::new(".")));
        settings.set_prepend_module_to_snapshot(false);
        settings.set_omit_expression(true);
        settings.set_input_file(path);
        settings.bind(|| insta::assert_snapshot!(name.as_str(), snapshot));
    });
    result.map_err(|_| {
        Failed::from(format!(
            "diagnostics of {} differ from the snapshot; review with `cargo insta test --review --test ui`",
            path.display()
        ))
    })
}
