//! End-to-end tests of `claw-runtime` against the checked-in fixtures in
//! `tests/fixtures` (see the README there).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use claw_runtime::wasmtime;
use claw_runtime::{Loaded, RunError, RunOptions, Runtime, Session, Val, from_wave, to_wave};

const SEMVER: &[u8] = include_bytes!("fixtures/semver.wasm");
const KVCACHE: &[u8] = include_bytes!("fixtures/kvcache.wasm");
const VERSIONS: &str = "example:semver/versions@0.1.0";
const STORE: &str = "example:kvcache/store@0.1.0";
const CACHE: &str = "example:kvcache/cache@0.1.0";

fn runtime() -> Runtime {
    Runtime::new().expect("engine")
}

fn semver() -> Session {
    runtime().load(SEMVER).expect("load semver").instantiate(&RunOptions::default()).expect("instantiate semver")
}

fn invoke(session: &mut Session, call: &str) -> String {
    match session.invoke(call) {
        Ok(Some(out)) => out,
        Ok(None) => panic!("{call}: no result"),
        Err(e) => panic!("{call}: {e}"),
    }
}

#[test]
fn parse_with_full_name() {
    let mut s = semver();
    assert_eq!(
        invoke(&mut s, &format!(r#"{VERSIONS}#parse("1.2.3")"#)),
        r#"ok({major: 1, minor: 2, patch: 3, pre: "", build: ""})"#
    );
}

#[test]
fn shorthand_names() {
    let mut s = semver();
    let expected = r#"ok({major: 1, minor: 2, patch: 3, pre: "beta.1", build: "build.5"})"#;
    for name in ["parse", "versions#parse", "example:semver/versions#parse", "example:semver/versions.parse@0.1.0"] {
        assert_eq!(invoke(&mut s, &format!(r#"{name}("1.2.3-beta.1+build.5")"#)), expected, "{name}");
    }
}

#[test]
fn variants_enums_lists_options() {
    let mut s = semver();
    assert_eq!(invoke(&mut s, r#"parse("")"#), "err(empty)");
    assert!(invoke(&mut s, r#"parse("x.y")"#).starts_with("err(invalid(\""));
    assert_eq!(
        invoke(&mut s, r#"bump({major: 1, minor: 2, patch: 3, pre: "rc.1", build: ""}, minor)"#),
        r#"{major: 1, minor: 3, patch: 0, pre: "", build: ""}"#
    );
    assert_eq!(
        invoke(&mut s, r#"sort(["1.10.0", "1.2.0", "1.2.0-alpha"])"#),
        r#"ok(["1.2.0-alpha", "1.2.0", "1.10.0"])"#
    );
    assert_eq!(invoke(&mut s, r#"max-satisfying(">=1.2, <2", ["1.1.0", "1.4.0", "2.0.0"])"#), r#"some("1.4.0")"#);
    assert_eq!(invoke(&mut s, r#"max-satisfying("^3", ["1.0.0"])"#), "none");
    let v = r#"{major: 1, minor: 0, patch: 0, pre: "", build: ""}"#;
    let w = r#"{major: 1, minor: 0, patch: 1, pre: "", build: ""}"#;
    assert_eq!(invoke(&mut s, &format!("compare({v}, {w})")), "-1");
    assert_eq!(invoke(&mut s, &format!("format({w})")), r#""1.0.1""#);
}

#[test]
fn call_with_values_and_func_type() {
    let mut s = semver();
    let name = format!("{VERSIONS}#parse");
    let (params, results) = s.func_type(&name).expect("func_type");
    assert_eq!(params.len(), 1);
    assert_eq!(results.len(), 1);
    let out = s.call(&name, &[Val::String("2.0.0".into())]).expect("call");
    let expected =
        from_wave(&results[0], r#"ok({major: 2, minor: 0, patch: 0, pre: "", build: ""})"#).expect("expected value");
    assert_eq!(out, vec![expected]);
    assert_eq!(to_wave(&out[0]).expect("to_wave"), r#"ok({major: 2, minor: 0, patch: 0, pre: "", build: ""})"#);

    let err = s.call(&name, &[Val::U32(1)]).expect_err("wrong type");
    assert!(err.is_usage(), "{err}");
    let err = s.call(&name, &[]).expect_err("wrong count");
    assert!(err.is_usage(), "{err}");
    assert!(err.to_string().contains("takes 1 argument"), "{err}");
}

#[test]
fn unknown_export_lists_available() {
    let mut s = semver();
    let err = s.invoke("frobnicate(1)").expect_err("unknown export");
    assert!(err.is_usage(), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains("frobnicate"), "{msg}");
    assert!(msg.contains(&format!("`{VERSIONS}#parse`")), "{msg}");
    assert!(msg.contains(&format!("`{VERSIONS}#max-satisfying`")), "{msg}");
    assert_eq!(s.exports().len(), 7);
}

#[test]
fn bad_wave_is_usage() {
    let mut s = semver();
    for call in [
        "parse(1.2.3)",
        r#"parse("1", "2")"#,
        "parse()",
        r#"parse("1.2.3""#,
        "parse",
        r#"bump({major: 1}, minor)"#,
        r#"bump({major: 1, minor: 2, patch: 3, pre: "", build: ""}, middle)"#,
        "(1)",
    ] {
        let err = s.invoke(call).expect_err(call);
        assert!(err.is_usage(), "{call}: {err:?}");
    }
    let err = s.invoke("parse(1.2.3)").expect_err("number for string");
    assert!(err.to_string().contains("parse(1.2.3)"), "{err}");
}

#[test]
fn bad_bytes_are_load_errors() {
    let rt = runtime();
    let cases: [&[u8]; 5] = [b"", b"hello", b"(component)", b"\0asm\x01\0\0\0", &SEMVER[..100]];
    for bytes in cases {
        match rt.load(bytes) {
            Err(RunError::Load(msg)) => assert!(!msg.is_empty()),
            Err(e) => panic!("{bytes:?}: expected Load, got {e:?}"),
            Ok(_) => panic!("{bytes:?}: loaded"),
        }
    }
    let Err(err) = rt.load(b"\0asm\x01\0\0\0") else { panic!("core module loaded") };
    assert!(err.to_string().contains("core WebAssembly module"), "{err}");
}

#[test]
fn wasi_only_component_has_no_missing_imports() {
    let loaded = runtime().load(SEMVER).expect("load");
    assert_eq!(loaded.missing_imports(), Vec::<String>::new());
}

#[test]
fn load_is_cached() {
    let rt = runtime();
    let a = rt.load(SEMVER).expect("load");
    let b = rt.load(SEMVER).expect("load again");
    assert!(std::ptr::eq(a.component().text().as_ptr(), b.component().text().as_ptr()));
}

#[test]
fn missing_imports_are_listed() {
    let mut loaded = runtime().load(KVCACHE).expect("load kvcache");
    let all: Vec<String> = ["get", "set", "delete"].iter().map(|f| format!("{STORE}#{f}")).collect();
    assert_eq!(loaded.missing_imports(), all);
    match loaded.instantiate(&RunOptions::default()) {
        Err(RunError::Link { missing, .. }) => assert_eq!(missing, all),
        Err(e) => panic!("expected Link, got {e:?}"),
        Ok(_) => panic!("instantiated without its imports"),
    }

    loaded
        .linker_mut()
        .instance(STORE)
        .expect("instance")
        .func_new("get", |_, _, _, results| {
            results[0] = Val::Option(None);
            Ok(())
        })
        .expect("define get");
    assert_eq!(loaded.missing_imports(), all[1..].to_vec());
}

/// Defines `example:kvcache/store` backed by a shared map; `get` fails for
/// keys containing `boom`.
fn mock_store(loaded: &mut Loaded) -> Arc<Mutex<HashMap<String, String>>> {
    let map = Arc::new(Mutex::new(HashMap::new()));
    let mut inst = loaded.linker_mut().instance(STORE).expect("instance");
    let m = Arc::clone(&map);
    inst.func_new("get", move |_, _, params, results| {
        let [Val::String(k)] = params else { wasmtime::bail!("bad params") };
        if k.contains("boom") {
            wasmtime::bail!("store offline");
        }
        let v = m.lock().expect("lock").get(k).cloned();
        results[0] = Val::Option(v.map(|v| Box::new(Val::String(v))));
        Ok(())
    })
    .expect("get");
    let m = Arc::clone(&map);
    inst.func_new("set", move |_, _, params, _| {
        let [Val::String(k), Val::String(v)] = params else { wasmtime::bail!("bad params") };
        m.lock().expect("lock").insert(k.clone(), v.clone());
        Ok(())
    })
    .expect("set");
    let m = Arc::clone(&map);
    inst.func_new("delete", move |_, _, params, results| {
        let [Val::String(k)] = params else { wasmtime::bail!("bad params") };
        results[0] = Val::Bool(m.lock().expect("lock").remove(k).is_some());
        Ok(())
    })
    .expect("delete");
    map
}

#[test]
fn mocked_imports_resources_and_traps() {
    let mut loaded = runtime().load(KVCACHE).expect("load kvcache");
    let map = mock_store(&mut loaded);
    assert!(loaded.missing_imports().is_empty());
    let mut s = loaded.instantiate(&RunOptions::default()).expect("instantiate");

    let ns = s.call("[constructor]namespace", &[Val::String("p".into())]).expect("constructor");
    let [handle] = ns.as_slice() else { panic!("constructor results: {ns:?}") };
    let get_or_insert = format!("{CACHE}#[method]namespace.get-or-insert");
    let out = s
        .call(&get_or_insert, &[handle.clone(), Val::String("k".into()), Val::String("v".into())])
        .expect("get-or-insert");
    assert_eq!(out, vec![Val::String("v".into())]);
    assert_eq!(map.lock().expect("lock").get("p/k").map(String::as_str), Some("v"));
    let stats = s.call("[method]namespace.stats", std::slice::from_ref(handle)).expect("stats");
    assert_eq!(to_wave(&stats[0]).expect("wave"), "{hits: 0, misses: 1, writes: 1}");

    // A resource result cannot be written as WAVE.
    let err = s.invoke(r#"[constructor]namespace("q")"#).expect_err("resource");
    assert!(matches!(err, RunError::Other(_)), "{err:?}");

    // A failing host import traps the guest.
    let err = s
        .call(&get_or_insert, &[handle.clone(), Val::String("boom".into()), Val::String("v".into())])
        .expect_err("trap");
    assert!(err.is_trap(), "{err:?}");
    assert!(err.to_string().contains("store offline"), "{err}");
}

#[test]
fn output_is_captured_when_not_inherited() {
    let s = semver();
    assert_eq!(s.captured_stdout().as_deref(), Some(""));
    assert_eq!(s.captured_stderr().as_deref(), Some(""));
    assert!(s.logs().is_empty());
    let inherited = runtime()
        .load(SEMVER)
        .expect("load")
        .instantiate(&RunOptions { inherit_stdout: true, inherit_stderr: true, ..Default::default() })
        .expect("instantiate");
    assert_eq!(inherited.captured_stdout(), None);
}
