//! The component's world and the final wrapping step.
//!
//! The world of a Claw file is its imports and exports: each imported WIT
//! interface is imported whole, plain imports and exported functions are
//! world-level functions, and enums used by them are brought in with `use`.
//! The world is written as WIT text, parsed by wit-parser into the
//! [`Resolve`] (so it is checked like any WIT), embedded into the core
//! module, and the module is wrapped into a component by wit-component.

use crate::ir;
use crate::types::{Ty, display_wit};
use std::fmt::Write;
use wit_parser::{PackageId, Resolve, TypeDefKind, WorldId};

/// WIT keywords, which need a `%` to be used as names.
const WIT_KEYWORDS: &[&str] = &[
    "as",
    "async",
    "bool",
    "borrow",
    "char",
    "constructor",
    "enum",
    "export",
    "f32",
    "f64",
    "flags",
    "float32",
    "float64",
    "from",
    "func",
    "future",
    "import",
    "include",
    "interface",
    "list",
    "own",
    "option",
    "package",
    "record",
    "resource",
    "result",
    "s16",
    "s32",
    "s64",
    "s8",
    "static",
    "stream",
    "string",
    "tuple",
    "type",
    "u16",
    "u32",
    "u64",
    "u8",
    "use",
    "variant",
    "with",
    "world",
    "error-context",
];

/// A name as WIT source text (escaped with `%` when it is a keyword).
pub fn wit_name(name: &str) -> String {
    if WIT_KEYWORDS.contains(&name) { format!("%{name}") } else { name.to_string() }
}

/// Turns a file stem into a WIT identifier for the world's name
/// (`my_app.v2` becomes `my-app-v2`; nothing usable becomes `main`).
pub fn world_name_from_stem(stem: &str) -> String {
    let mut words = Vec::new();
    let mut word = String::new();
    for c in stem.chars() {
        if c.is_ascii_alphanumeric() {
            if word.is_empty() && c.is_ascii_digit() {
                // A word must start with a letter.
                word.push('v');
            }
            word.push(c.to_ascii_lowercase());
        } else if !word.is_empty() {
            words.push(std::mem::take(&mut word));
        }
    }
    if !word.is_empty() {
        words.push(word);
    }
    if words.is_empty() { "main".to_string() } else { words.join("-") }
}

fn ty_text(resolve: &Resolve, ty: Ty) -> String {
    match ty.to_wit() {
        Some(t) => ty_text_wit(resolve, &t),
        None => ty.display(resolve),
    }
}

/// A type as WIT source text, with names escaped.
fn ty_text_wit(resolve: &Resolve, ty: &wit_parser::Type) -> String {
    let wit_parser::Type::Id(id) = ty else { return display_wit(resolve, ty) };
    let def = &resolve.types[*id];
    if let Some(name) = &def.name {
        return wit_name(name);
    }
    let text = |t: &wit_parser::Type| ty_text_wit(resolve, t);
    match &def.kind {
        TypeDefKind::List(t) => format!("list<{}>", text(t)),
        TypeDefKind::Option(t) => format!("option<{}>", text(t)),
        TypeDefKind::Result(r) => match (&r.ok, &r.err) {
            (None, None) => "result".into(),
            (Some(ok), None) => format!("result<{}>", text(ok)),
            (ok, Some(err)) => {
                format!("result<{}, {}>", ok.as_ref().map(text).unwrap_or_else(|| "_".into()), text(err))
            }
        },
        TypeDefKind::Tuple(t) => format!("tuple<{}>", t.types.iter().map(text).collect::<Vec<_>>().join(", ")),
        TypeDefKind::Type(t) => text(t),
        _ => display_wit(resolve, ty),
    }
}

/// Collects the named types `ty` mentions (itself included), each once.
pub fn collect_named_types(resolve: &Resolve, ty: &wit_parser::Type, out: &mut Vec<wit_parser::TypeId>) {
    collect_named(resolve, ty, out);
}

fn collect_named(resolve: &Resolve, ty: &wit_parser::Type, out: &mut Vec<wit_parser::TypeId>) {
    let wit_parser::Type::Id(id) = ty else { return };
    let def = &resolve.types[*id];
    if def.name.is_some() {
        if out.contains(id) {
            return;
        }
        out.push(*id);
    }
    let inner: Vec<wit_parser::Type> = match &def.kind {
        TypeDefKind::Record(r) => r.fields.iter().map(|f| f.ty).collect(),
        TypeDefKind::Variant(v) => v.cases.iter().filter_map(|c| c.ty).collect(),
        TypeDefKind::List(t) | TypeDefKind::Option(t) | TypeDefKind::Type(t) => vec![*t],
        TypeDefKind::Result(r) => r.ok.iter().chain(r.err.iter()).copied().collect(),
        TypeDefKind::Tuple(t) => t.types.clone(),
        TypeDefKind::Handle(wit_parser::Handle::Own(r) | wit_parser::Handle::Borrow(r)) => {
            vec![wit_parser::Type::Id(*r)]
        }
        _ => Vec::new(),
    };
    for t in &inner {
        collect_named(resolve, t, out);
    }
}

fn docs_text(out: &mut String, docs: &str, indent: &str) {
    for line in docs.lines() {
        let _ = writeln!(out, "{indent}/// {line}");
    }
}

fn func_text(resolve: &Resolve, params: &[(String, Ty)], result: Option<Ty>) -> String {
    let params: Vec<String> =
        params.iter().map(|(n, t)| format!("{}: {}", wit_name(n), ty_text(resolve, *t))).collect();
    match result {
        Some(r) => format!("func({}) -> {}", params.join(", "), ty_text(resolve, r)),
        None => format!("func({})", params.join(", ")),
    }
}

/// Writes the WIT package text of the world a checked module defines.
pub fn world_text(module: &ir::Module, resolve: &Resolve, world_name: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "package claw:{};\n", wit_name(world_name));
    let _ = writeln!(out, "world {} {{", wit_name(world_name));
    for iface in &module.interfaces {
        if let Some(id) = resolve.id_of(*iface) {
            let _ = writeln!(out, "    import {id};");
        }
    }
    for iface in &module.exported_interfaces {
        if let Some(id) = resolve.id_of(*iface) {
            let _ = writeln!(out, "    export {id};");
        }
    }
    // Named types of interfaces used by world-level functions come in
    // through `use`; the file's own named types are defined in the world.
    let mut used = Vec::new();
    let world_funcs = module
        .imports
        .iter()
        .filter(|i| i.is_world_level())
        .map(|i| (&i.params, i.result))
        .map(|(p, r)| (p.iter().map(|(_, t)| *t).collect::<Vec<Ty>>(), r))
        .chain(
            module
                .funcs
                .iter()
                .filter(|f| f.exported && f.interface.is_none() && f.inline_interface.is_none())
                .map(|f| (f.params.iter().map(|p| f.local(*p).ty).collect(), f.result)),
        )
        .collect::<Vec<_>>();
    for (params, result) in world_funcs {
        for t in params.into_iter().chain(result) {
            if let Some(wit) = t.to_wit() {
                collect_named(resolve, &wit, &mut used);
            }
        }
    }
    // Type definitions that contain a resource the file defines stay out of
    // the world: they would import the interface that exports it (the
    // checker keeps them out of world-level signatures).
    let in_world = |decl: &&ir::TypeDecl| {
        let mut named = Vec::new();
        if let Some(wit) = decl.ty.to_wit() {
            collect_named(resolve, &wit, &mut named);
        }
        !decl.alias && !named.iter().any(|id| module.resources.iter().any(|r| r.ty == *id))
    };
    for decl in module.types.iter().filter(in_world) {
        if let Some(wit) = decl.ty.to_wit() {
            collect_named(resolve, &wit, &mut used);
        }
    }
    for id in &used {
        let def = &resolve.types[*id];
        if let (wit_parser::TypeOwner::Interface(owner), Some(name)) = (def.owner, &def.name)
            && let Some(iface) = resolve.id_of(owner)
        {
            let _ = writeln!(out, "    use {iface}.{{{}}};", wit_name(name));
        }
    }
    for decl in module.types.iter().filter(in_world) {
        let (Ty::Def(id) | Ty::Enum(id)) = decl.ty else { continue };
        docs_text(&mut out, &decl.docs, "    ");
        let name = wit_name(&decl.name);
        let text = |t: &wit_parser::Type| ty_text_wit(resolve, t);
        match &resolve.types[id].kind {
            TypeDefKind::Record(r) => {
                let fields: Vec<String> =
                    r.fields.iter().map(|f| format!("{}: {}", wit_name(&f.name), text(&f.ty))).collect();
                let _ = writeln!(out, "    record {name} {{ {} }}", fields.join(", "));
            }
            TypeDefKind::Variant(v) => {
                let cases: Vec<String> = v
                    .cases
                    .iter()
                    .map(|c| match &c.ty {
                        Some(t) => format!("{}({})", wit_name(&c.name), text(t)),
                        None => wit_name(&c.name),
                    })
                    .collect();
                let _ = writeln!(out, "    variant {name} {{ {} }}", cases.join(", "));
            }
            TypeDefKind::Enum(e) => {
                let cases: Vec<String> = e.cases.iter().map(|c| wit_name(&c.name)).collect();
                let _ = writeln!(out, "    enum {name} {{ {} }}", cases.join(", "));
            }
            TypeDefKind::Flags(f) => {
                let flags: Vec<String> = f.flags.iter().map(|c| wit_name(&c.name)).collect();
                let _ = writeln!(out, "    flags {name} {{ {} }}", flags.join(", "));
            }
            _ => {}
        }
    }
    for import in module.imports.iter().filter(|i| i.is_world_level()) {
        docs_text(&mut out, &import.docs, "    ");
        let _ = writeln!(
            out,
            "    import {}: {};",
            wit_name(&import.name),
            func_text(resolve, &import.params, import.result)
        );
    }
    for func in module.funcs.iter().filter(|f| f.exported && f.interface.is_none() && f.inline_interface.is_none()) {
        let params: Vec<(String, Ty)> =
            func.params.iter().map(|p| (func.local(*p).name.clone(), func.local(*p).ty)).collect();
        docs_text(&mut out, &func.docs, "    ");
        let _ = writeln!(out, "    export {}: {};", wit_name(&func.name), func_text(resolve, &params, func.result));
    }
    for name in &module.inline_interfaces {
        let _ = writeln!(out, "    export {}: interface {{", wit_name(name));
        let funcs: Vec<&ir::Function> = module
            .funcs
            .iter()
            .filter(|f| f.exported && f.inline_interface.as_deref() == Some(name.as_str()))
            .collect();
        // Types of imported interfaces come in with `use`.
        let mut used = Vec::new();
        for f in &funcs {
            for t in f.params.iter().map(|p| f.local(*p).ty).chain(f.result) {
                if let Some(wit) = t.to_wit() {
                    collect_named(resolve, &wit, &mut used);
                }
            }
        }
        for id in &used {
            let def = &resolve.types[*id];
            if let (wit_parser::TypeOwner::Interface(owner), Some(type_name)) = (def.owner, &def.name)
                && let Some(iface) = resolve.id_of(owner)
            {
                let _ = writeln!(out, "        use {iface}.{{{}}};", wit_name(type_name));
            }
        }
        // Resources defined here, with their functions (`[constructor]R`, ...).
        for r in module.resources.iter().filter(|r| r.inline_interface.as_deref() == Some(name.as_str())) {
            docs_text(&mut out, &resolve.types[r.ty].docs.contents.clone().unwrap_or_default(), "        ");
            let _ = writeln!(out, "        resource {} {{", wit_name(&r.name));
            for f in &funcs {
                let params: Vec<(String, Ty)> =
                    f.params.iter().map(|p| (f.local(*p).name.clone(), f.local(*p).ty)).collect();
                let member = if f.name == format!("[constructor]{}", r.name) {
                    format!("constructor{}", &func_text(resolve, &params, None)["func".len()..])
                } else if let Some(m) = f.name.strip_prefix(&format!("[method]{}.", r.name)) {
                    format!("{}: {}", wit_name(m), func_text(resolve, &params[1..], f.result))
                } else if let Some(s) = f.name.strip_prefix(&format!("[static]{}.", r.name)) {
                    format!("{}: static {}", wit_name(s), func_text(resolve, &params, f.result))
                } else {
                    continue;
                };
                docs_text(&mut out, &f.docs, "            ");
                let _ = writeln!(out, "            {member};");
            }
            let _ = writeln!(out, "        }}");
        }
        for f in funcs.iter().filter(|f| !f.name.starts_with('[')) {
            let params: Vec<(String, Ty)> =
                f.params.iter().map(|p| (f.local(*p).name.clone(), f.local(*p).ty)).collect();
            docs_text(&mut out, &f.docs, "        ");
            let _ = writeln!(out, "        {}: {};", wit_name(&f.name), func_text(resolve, &params, f.result));
        }
        let _ = writeln!(out, "    }}");
    }
    let _ = writeln!(out, "}}");
    out
}

/// Adds the module's world to `resolve`, returning its package and world.
///
/// # Errors
/// If wit-parser rejects the generated WIT (a compiler bug).
pub fn add_world(module: &ir::Module, resolve: &mut Resolve, world_name: &str) -> anyhow::Result<(PackageId, WorldId)> {
    let text = world_text(module, resolve, world_name);
    let package = resolve
        .push_source(&format!("{world_name}.wit"), &text)
        .map_err(|e| anyhow::anyhow!("the generated world does not parse: {e:#}\n{text}"))?;
    let world = resolve.packages[package]
        .worlds
        .get(world_name)
        .copied()
        .ok_or_else(|| anyhow::anyhow!("the generated package has no world `{world_name}`"))?;
    Ok((package, world))
}

/// The name wit-component gives the world of a decoded component.
const DECODED_WORLD_NAME: &str = "root";

/// A `package-docs` custom section carrying the `///` docs of the world's
/// functions, in wit-parser's [`wit_parser::PackageMetadata`] format.
///
/// Decoders (`wit_component::decode`, so `wasm-tools component wit`) read it
/// and attach the docs to the world they decode, which they always name
/// `root`; so the docs are extracted from a copy of the world by that name.
fn docs_section(module: &ir::Module, resolve: &Resolve) -> anyhow::Result<Option<Vec<u8>>> {
    let has_docs = module.funcs.iter().any(|f| f.exported && f.interface.is_none() && !f.docs.is_empty())
        || module.imports.iter().any(|i| i.interface.is_none() && !i.docs.is_empty())
        || module.types.iter().any(|t| !t.alias && !t.docs.is_empty());
    if !has_docs {
        return Ok(None);
    }
    let mut copy = resolve.clone();
    let text = world_text(module, resolve, DECODED_WORLD_NAME).replacen(
        &format!("package claw:{};", wit_name(DECODED_WORLD_NAME)),
        "package claw:component-docs;",
        1,
    );
    let package = copy.push_source("component-docs.wit", &text)?;
    let data = wit_parser::PackageMetadata::extract(&copy, package).encode()?;
    let section =
        wasm_encoder::CustomSection { name: wit_parser::PackageMetadata::SECTION_NAME.into(), data: data.into() };
    let mut bytes = vec![0u8]; // The custom section id.
    wasm_encoder::Encode::encode(&section, &mut bytes);
    Ok(Some(bytes))
}

/// Embeds the world into `core`, wraps it into a component, appends the docs
/// section, and validates the result.
///
/// # Errors
/// If wit-component cannot wrap the module or the result does not validate
/// (both compiler bugs).
pub fn wrap(mut core: Vec<u8>, module: &ir::Module, resolve: &Resolve, world: WorldId) -> anyhow::Result<Vec<u8>> {
    wit_component::embed_component_metadata(&mut core, resolve, world, wit_component::StringEncoding::UTF8)?;
    let mut component = wit_component::ComponentEncoder::default().module(&core)?.validate(true).encode()?;
    if let Some(section) = docs_section(module, resolve)? {
        component.extend_from_slice(&section);
    }
    let mut validator = wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all());
    validator.validate_all(&component)?;
    Ok(component)
}
