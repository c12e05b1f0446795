//! `--world` conformance: does a file fit a WIT world?
//!
//! Every import the file uses must be in the world (whole interfaces by
//! name, plain functions by name and signature), and every function the
//! world exports must be defined with its exact signature, and nothing else.

use crate::ast;
use crate::diagnostic::Diagnostic;
use crate::ir;
use crate::span::Span;
use crate::types::{Ty, display_wit};
use wit_parser::{Function, Resolve, WorldId, WorldItem, WorldKey};

/// Why a conformance check failed.
#[derive(Debug)]
pub enum WorldError {
    /// The world named on the command line does not exist.
    Usage(String),
    /// The file does not fit the world (or has errors of its own).
    Diagnostics(Vec<Diagnostic>),
}

/// Finds the world `ns:pkg/world[@version]` in `resolve`.
fn find_world(resolve: &Resolve, spec: &str) -> Option<WorldId> {
    resolve.worlds.iter().find_map(|(id, w)| {
        let package = &resolve.packages[w.package?].name;
        let bare = format!("{}:{}/{}", package.namespace, package.name, w.name);
        let versioned = package.version.as_ref().map(|v| format!("{bare}@{v}"));
        (bare == spec || versioned.as_deref() == Some(spec)).then_some(id)
    })
}

/// A signature as WIT text: parameter types and result type. Types are
/// compared by their WIT text, since the file's anonymous types are
/// interned apart from the world's.
type SigText = (Vec<String>, Option<String>);

fn signature(resolve: &Resolve, func: &Function) -> Option<SigText> {
    let params = func.params.iter().map(|p| display_wit(resolve, &p.ty)).collect();
    let result = func.result.as_ref().map(|t| display_wit(resolve, t));
    Some((params, result))
}

fn mine_signature(resolve: &Resolve, params: &[Ty], result: Option<Ty>) -> SigText {
    (params.iter().map(|t| t.display(resolve)).collect(), result.map(|t| t.display(resolve)))
}

fn describe(params: &[String], result: Option<&String>) -> String {
    match result {
        Some(r) => format!("func({}) -> {r}", params.join(", ")),
        None => format!("func({})", params.join(", ")),
    }
}

/// Checks `source` against the world `world_spec`.
///
/// # Errors
/// [`WorldError::Usage`] if the world is unknown, otherwise every mismatch
/// as a diagnostic.
pub fn check_world(source: &str, resolve: &Resolve, world_spec: &str) -> Result<(), WorldError> {
    let Some(world_id) = find_world(resolve, world_spec) else {
        let known: Vec<String> = resolve
            .worlds
            .iter()
            .filter_map(|(_, w)| {
                let p = &resolve.packages[w.package?].name;
                Some(format!("{}:{}/{}", p.namespace, p.name, w.name))
            })
            .collect();
        return Err(WorldError::Usage(format!("unknown world `{world_spec}`; known worlds: {}", known.join(", "))));
    };
    let module = crate::check(source, resolve).map_err(WorldError::Diagnostics)?;
    let parsed = crate::parser::parse(source);
    let world = &resolve.worlds[world_id];
    let mut diagnostics = Vec::new();

    let world_interfaces: Vec<String> = world
        .imports
        .keys()
        .filter_map(|k| match k {
            WorldKey::Interface(id) => resolve.id_of(*id),
            WorldKey::Name(_) => None,
        })
        .collect();
    for item in &parsed.file.items {
        match item {
            ast::Item::ImportFrom(import) => {
                let path = import.path.to_string();
                let found = world_interfaces.iter().any(|id| *id == path || id.starts_with(&format!("{path}@")));
                if !found {
                    diagnostics.push(Diagnostic::error(
                        "not-in-world",
                        format!("world `{world_spec}` does not import `{path}`"),
                        import.path.span,
                        "not in the world",
                    ));
                }
            }
            ast::Item::Import(import) => {
                let key = WorldKey::Name(import.name.name.clone());
                let ir_import = module.imports.iter().find(|i| i.interface.is_none() && i.name == import.name.name);
                match (world.imports.get(&key), ir_import) {
                    (Some(WorldItem::Function(f)), Some(mine)) => {
                        let mine_types: Vec<Ty> = mine.params.iter().map(|(_, t)| *t).collect();
                        let mine_sig = mine_signature(&module.resolve, &mine_types, mine.result);
                        if signature(resolve, f).as_ref() != Some(&mine_sig) {
                            diagnostics.push(Diagnostic::error(
                                "world-signature-mismatch",
                                format!("`{}` does not match the world's signature", import.name.name),
                                import.sig.span,
                                format!("this is `{}`", describe(&mine_sig.0, mine_sig.1.as_ref())),
                            ));
                        }
                    }
                    _ => diagnostics.push(Diagnostic::error(
                        "not-in-world",
                        format!("world `{world_spec}` does not import a function `{}`", import.name.name),
                        import.name.span,
                        "not in the world",
                    )),
                }
            }
            ast::Item::ExportInterface(export) => {
                let exported = module.exported_interfaces.iter().find(|id| {
                    module.resolve.interfaces[**id].name.as_deref() == Some(export.path.interface.name.as_str())
                });
                let in_world = exported.is_some_and(|id| {
                    matches!(world.exports.get(&WorldKey::Interface(*id)), Some(WorldItem::Interface { .. }))
                });
                if !in_world {
                    diagnostics.push(Diagnostic::error(
                        "not-in-world",
                        format!("world `{world_spec}` does not export interface `{}`", export.path.interface.name),
                        export.path.span,
                        "not in the world",
                    ));
                }
            }
            ast::Item::ExportInline(export) => {
                let key = WorldKey::Name(export.name.name.clone());
                if !matches!(world.exports.get(&key), Some(WorldItem::Interface { .. })) {
                    diagnostics.push(Diagnostic::error(
                        "not-in-world",
                        format!("world `{world_spec}` does not export an interface named `{}`", export.name.name),
                        export.name.span,
                        "not in the world",
                    ));
                }
            }
            ast::Item::Func(func) if func.exported => {
                let key = WorldKey::Name(func.name.name.clone());
                if !matches!(world.exports.get(&key), Some(WorldItem::Function(_))) {
                    diagnostics.push(Diagnostic::error(
                        "not-in-world",
                        format!("world `{world_spec}` does not export a function `{}`", func.name.name),
                        func.name.span,
                        "not in the world",
                    ));
                }
            }
            _ => {}
        }
    }
    let end = Span::new(source.len() as u32, source.len() as u32);
    for (key, item) in &world.exports {
        match (key, item) {
            (WorldKey::Name(name), WorldItem::Function(f)) => {
                let Some((params, result)) = signature(resolve, f) else { continue };
                match module.funcs.iter().find(|x| x.exported && &x.name == name) {
                    None => diagnostics.push(
                        Diagnostic::error(
                            "missing-world-export",
                            format!("world `{world_spec}` exports `{name}`, which this file does not define"),
                            end,
                            "expected by the world",
                        )
                        .with_help(format!(
                            "add `export func {name}` with type `{}`",
                            describe(&params, result.as_ref())
                        )),
                    ),
                    Some(mine) => {
                        let mine_params: Vec<Ty> = mine.params.iter().map(|p| mine.local(*p).ty).collect();
                        let (mine_params, mine_result) = mine_signature(&module.resolve, &mine_params, mine.result);
                        if mine_params != params || mine_result != result {
                            let span = parsed
                                .file
                                .items
                                .iter()
                                .find_map(|i| match i {
                                    ast::Item::Func(f) if f.name.name == *name => Some(f.sig.span),
                                    _ => None,
                                })
                                .unwrap_or(end);
                            diagnostics.push(Diagnostic::error(
                                "world-signature-mismatch",
                                format!("`{name}` does not match the world's signature"),
                                span,
                                format!("the world expects `{}`", describe(&params, result.as_ref())),
                            ));
                        }
                    }
                }
            }
            (WorldKey::Interface(id), WorldItem::Interface { .. }) => {
                if !module.exported_interfaces.contains(id) {
                    let name = resolve.id_of(*id).unwrap_or_else(|| resolve.name_world_key(key));
                    diagnostics.push(
                        Diagnostic::error(
                            "missing-world-export",
                            format!(
                                "world `{world_spec}` exports interface `{name}`, which this file does not implement"
                            ),
                            end,
                            "expected by the world",
                        )
                        .with_help(format!("add `export {name} {{ ... }}` with every function of the interface")),
                    );
                }
            }
            (WorldKey::Name(name), WorldItem::Interface { id, .. }) => {
                if !module.inline_interfaces.contains(name) {
                    diagnostics.push(
                        Diagnostic::error(
                            "missing-world-export",
                            format!("world `{world_spec}` exports interface `{name}`, which this file does not define"),
                            end,
                            "expected by the world",
                        )
                        .with_help(format!("add `export {name}: interface {{ ... }}` with the interface's functions")),
                    );
                    continue;
                }
                let span = parsed
                    .file
                    .items
                    .iter()
                    .find_map(|i| match i {
                        ast::Item::ExportInline(e) if e.name.name == *name => Some(e.name.span),
                        _ => None,
                    })
                    .unwrap_or(end);
                let mine: Vec<&ir::Function> =
                    module.funcs.iter().filter(|f| f.inline_interface.as_deref() == Some(name.as_str())).collect();
                for f in resolve.interfaces[*id].functions.values() {
                    let Some((params, result)) = signature(resolve, f) else { continue };
                    match mine.iter().find(|m| m.name == f.name) {
                        None => diagnostics.push(Diagnostic::error(
                            "missing-world-export",
                            format!(
                                "interface `{name}` of world `{world_spec}` has `{}`, which this file does not define",
                                f.name
                            ),
                            span,
                            format!("add `func {}` with type `{}`", f.name, describe(&params, result.as_ref())),
                        )),
                        Some(m) => {
                            let types: Vec<Ty> = m.params.iter().map(|p| m.local(*p).ty).collect();
                            let (mp, mr) = mine_signature(&module.resolve, &types, m.result);
                            if mp != params || mr != result {
                                diagnostics.push(Diagnostic::error(
                                    "world-signature-mismatch",
                                    format!("`{name}.{}` does not match the world's signature", f.name),
                                    span,
                                    format!("the world expects `{}`", describe(&params, result.as_ref())),
                                ));
                            }
                        }
                    }
                }
                for m in &mine {
                    if !resolve.interfaces[*id].functions.contains_key(&m.name) {
                        diagnostics.push(Diagnostic::error(
                            "not-in-world",
                            format!("interface `{name}` of world `{world_spec}` has no function `{}`", m.name),
                            span,
                            "not in the world's interface",
                        ));
                    }
                }
            }
            (key, _) => diagnostics.push(Diagnostic::error(
                "unsupported-world-export",
                format!(
                    "world `{world_spec}` exports `{}`, which Claw cannot provide yet",
                    resolve.name_world_key(key)
                ),
                end,
                "expected by the world",
            )),
        }
    }
    if diagnostics.is_empty() { Ok(()) } else { Err(WorldError::Diagnostics(diagnostics)) }
}
