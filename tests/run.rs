//! Behaviour tests: every `tests/run/*.claw` file is one trial.
//!
//! Each file starts with header lines
//!
//! ```text
//! // run: add(1, 2) => 3      call, compare the WAVE result
//! // run: reset()             call, expect no result
//! // run: div(1, 0) => trap   call, expect a trap
//! ```
//!
//! The file is compiled with the bundled WIT, instantiated once in wasmtime
//! (so globals persist from one call to the next), and the calls run in
//! order. Expected values are parsed with the export's result type and
//! printed back, so `1.50` and `1.5` compare equal.
//!
//! Every file runs twice: as `clawc build` compiles it, and as
//! `debug-memory::NAME`, compiled with `CompileOptions::debug_memory`, where
//! reclaimed memory is poisoned and a double free traps, so a value used
//! after the heap reclaimed it makes the case fail.
//!
//! Besides WASI 0.2 and `wasi:logging`, the harness provides plain imports:
//! `double: func(x: s32) -> s32` (wrapping), `greet: func(name: string) ->
//! string` (`"hello, " + name`), and `describe` (any parameters of any scalar
//! or string types, result `string`): it returns its arguments printed as
//! WAVE and joined with `, `, which checks our lowering (including spilling
//! past `MAX_FLAT_PARAMS`) against wasmtime's lifting.

mod support;

use claw_compiler::CompileOptions;
use claw_runtime::{RunOptions, Runtime, Val};
use libtest_mimic::{Arguments, Failed, Trial};
use std::path::{Path, PathBuf};
use support::headers;

fn main() {
    let args = Arguments::from_args();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/run");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/run exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "claw"))
        .collect();
    files.sort();
    let runtime = Runtime::new().expect("wasmtime engine");
    let trials = files
        .into_iter()
        .flat_map(|path| {
            let name = path.file_stem().and_then(|s| s.to_str()).unwrap_or("case").to_string();
            let (runtime2, path2) = (runtime.clone(), path.clone());
            let runtime = runtime.clone();
            let debug = CompileOptions { debug_memory: true, ..Default::default() };
            [
                Trial::test(name.clone(), move || run_case(&runtime, &path, CompileOptions::default())),
                Trial::test(format!("debug-memory::{name}"), move || run_case(&runtime2, &path2, debug)),
            ]
        })
        .collect();
    libtest_mimic::run(&args, trials).exit();
}

fn run_case(runtime: &Runtime, path: &Path, options: CompileOptions) -> Result<(), Failed> {
    let source = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let calls = headers(&source);
    if calls.is_empty() {
        return Err("no `// run:` lines".into());
    }
    let mut resolve = claw_compiler::std_wit::resolve().map_err(|e| e.to_string())?;
    // Test interfaces (exported or imported by the cases), as `--wit tests/run/wit`.
    let wit_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/run/wit");
    for entry in std::fs::read_dir(&wit_dir).map_err(|e| format!("{}: {e}", wit_dir.display()))? {
        let file = entry.map_err(|e| e.to_string())?.path();
        resolve.push_file(&file).map_err(|e| format!("{}: {e:#}", file.display()))?;
    }
    let world = clawc::world_name_for(path);
    let compiled = claw_compiler::compile_with(&source, &world, &resolve, options).map_err(|diagnostics| {
        format!("compile errors:\n{}", clawc::render::render(&diagnostics, &path.display().to_string(), &source, false))
    })?;
    let mut loaded = runtime.load(&compiled.component).map_err(|e| e.to_string())?;
    define_test_host(loaded.linker_mut());
    let mut session = loaded.instantiate(&RunOptions::default()).map_err(|e| e.to_string())?;
    support::make_calls(&mut session, &calls, |call| format!("{}:{}: ", path.display(), call.line))?;
    Ok(())
}

/// Defines the harness's plain imports on the linker's root.
fn define_test_host(linker: &mut claw_runtime::wasmtime::component::Linker<claw_runtime::Host>) {
    let mut root = linker.root();
    root.func_new("double", |_, _, params, results| {
        let [Val::S32(x)] = params else { claw_runtime::wasmtime::bail!("double: bad arguments") };
        results[0] = Val::S32(x.wrapping_mul(2));
        Ok(())
    })
    .expect("define double");
    root.func_new("greet", |_, _, params, results| {
        let [Val::String(name)] = params else { claw_runtime::wasmtime::bail!("greet: bad arguments") };
        results[0] = Val::String(format!("hello, {name}"));
        Ok(())
    })
    .expect("define greet");
    root.func_new("describe", |_, _, params, results| {
        let parts: Result<Vec<String>, _> = params.iter().map(claw_runtime::to_wave).collect();
        results[0] = Val::String(parts.map_err(|e| claw_runtime::wasmtime::format_err!("{e}"))?.join(", "));
        Ok(())
    })
    .expect("define describe");
}
