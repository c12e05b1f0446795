//! Finding the imports a linker does not satisfy.
//!
//! wasmtime's linker stops at the first unsatisfied import and does not
//! expose its definitions, so the list is found by probing a copy of the
//! linker: type-check the component against it, read which import failed
//! from the error (`component imports instance `a:b/c@1.0.0`` …, `instance
//! export `f` has the wrong type`, …), record it, define a stub in the copy
//! for exactly that item, and repeat until the check passes. The names use
//! `#` between an interface and its item: `double`, `wasi:foo/bar@1.0.0#baz`.
//!
//! Known imprecision: when a component imports an interface at a version the
//! linker only provides through semver-compatible matching (say it imports
//! `@0.2.9` and the linker has `@0.2.6`) *and* that interface lacks one of
//! the functions, the stub shadows the compatible definition and its other
//! functions are listed too.

use wasmtime::Engine;
use wasmtime::component::types::ComponentItem;
use wasmtime::component::{Component, Linker, LinkerInstance, ResourceType};

use crate::Host;

/// Marker type for resources stubbed while probing.
struct ProbeResource;

/// Prefix/suffix wasmtime's type checker uses for the top-level import.
const IMPORT_PREFIX: &str = "component imports ";
/// Context wasmtime adds for each nesting level inside an instance import.
const EXPORT_PREFIX: &str = "instance export `";

/// Imports of `component` that `linker` does not satisfy, in import order.
pub(crate) fn missing_imports(linker: &Linker<Host>, component: &Component) -> Vec<String> {
    let engine = component.engine();
    let ty = component.component_type();
    let mut probe = linker.clone();
    probe.allow_shadowing(true);

    let mut missing: Vec<String> = Vec::new();
    // Each round stubs one item, so the number of items bounds the rounds.
    let limit = count_items(engine, &ty) + 1;
    for _ in 0..limit {
        let err = match probe.substituted_component_type(component) {
            Ok(_) => break,
            Err(e) => e,
        };
        let Some(path) = failing_path(&err) else {
            // Not a per-import failure we can attribute; stop probing.
            break;
        };
        let name = path.join("#");
        if missing.contains(&name) {
            // Stubbing did not help (e.g. an `async` import); stop.
            break;
        }
        missing.push(name);
        let Some(item) = item_at(engine, &ty, &path) else {
            break;
        };
        let Some((last, parents)) = path.split_last() else {
            break;
        };
        if !stub_at(probe.root(), parents, last, &item, engine) {
            break;
        }
    }
    missing
}

/// The import path named by a type-check error: the top-level import, then
/// each instance export on the way to the failing item.
fn failing_path(err: &wasmtime::Error) -> Option<Vec<String>> {
    let mut chain = err.chain().map(|e| e.to_string());
    let first = chain.next()?;
    let rest = first.strip_prefix(IMPORT_PREFIX)?;
    let mut path = vec![between_backticks(rest)?.to_string()];
    for msg in chain {
        match msg.strip_prefix(EXPORT_PREFIX) {
            Some(rest) => match rest.find('`') {
                Some(end) => path.push(rest[..end].to_string()),
                None => break,
            },
            None => break,
        }
    }
    Some(path)
}

fn between_backticks(s: &str) -> Option<&str> {
    let start = s.find('`')? + 1;
    let len = s[start..].find('`')?;
    Some(&s[start..start + len])
}

/// The type of the import item at `path`.
fn item_at(engine: &Engine, ty: &wasmtime::component::types::Component, path: &[String]) -> Option<ComponentItem> {
    let (first, rest) = path.split_first()?;
    let mut item = ty.get_import(engine, first)?.ty;
    for seg in rest {
        item = match &item {
            ComponentItem::ComponentInstance(inst) => inst.get_export(engine, seg)?.ty,
            _ => return None,
        };
    }
    Some(item)
}

/// Opens the instances `parents` (creating them if needed) and stubs `item`
/// as `name` inside the innermost one.
fn stub_at(
    mut inst: LinkerInstance<'_, Host>,
    parents: &[String],
    name: &str,
    item: &ComponentItem,
    engine: &Engine,
) -> bool {
    for seg in parents {
        match inst.into_instance(seg) {
            Ok(next) => inst = next,
            Err(_) => return false,
        }
    }
    stub(&mut inst, name, item, engine)
}

/// Defines a stand-in for `item` under `name`; `false` when that kind of
/// item cannot be stubbed (modules, components, type imports).
fn stub(inst: &mut LinkerInstance<'_, Host>, name: &str, item: &ComponentItem, engine: &Engine) -> bool {
    match item {
        ComponentItem::ComponentFunc(_) => inst.func_new(name, |_, _, _, _| wasmtime::bail!("probe stub")).is_ok(),
        ComponentItem::Resource(_) => inst.resource(name, ResourceType::host::<ProbeResource>(), |_, _| Ok(())).is_ok(),
        ComponentItem::ComponentInstance(ty) => {
            let Ok(mut sub) = inst.instance(name) else {
                return false;
            };
            ty.exports(engine).all(|(export, ext)| match ext.ty {
                ComponentItem::Type(_) => true,
                ref other => stub(&mut sub, export, other, engine),
            })
        }
        _ => false,
    }
}

/// How many import items (instances and their leaves) the component has.
fn count_items(engine: &Engine, ty: &wasmtime::component::types::Component) -> usize {
    fn count(engine: &Engine, item: &ComponentItem) -> usize {
        match item {
            ComponentItem::ComponentInstance(inst) => {
                1 + inst.exports(engine).map(|(_, e)| count(engine, &e.ty)).sum::<usize>()
            }
            _ => 1,
        }
    }
    ty.imports(engine).map(|(_, e)| count(engine, &e.ty)).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEMVER: &[u8] = include_bytes!("../tests/fixtures/semver.wasm");

    #[test]
    fn bare_linker_lists_every_wasi_function_used() {
        let engine = Engine::default();
        let component = Component::new(&engine, SEMVER).expect("compile");
        let linker: Linker<Host> = Linker::new(&engine);
        let missing = missing_imports(&linker, &component);
        assert!(!missing.is_empty());
        assert!(
            missing.iter().any(|m| m.starts_with("wasi:cli/environment@0.2.") && m.ends_with("#get-environment")),
            "{missing:?}"
        );
        // Resources are listed too, and nothing twice.
        assert!(missing.iter().any(|m| m.ends_with("#output-stream")), "{missing:?}");
        let mut dedup = missing.clone();
        dedup.sort();
        dedup.dedup();
        assert_eq!(dedup.len(), missing.len());
    }

    #[test]
    fn wasi_linker_satisfies_everything() {
        let engine = Engine::default();
        let component = Component::new(&engine, SEMVER).expect("compile");
        let mut linker: Linker<Host> = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker).expect("wasi");
        assert_eq!(missing_imports(&linker, &component), Vec::<String>::new());
    }
}
