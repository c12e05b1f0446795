//! WIT items as the editor shows them: signatures printed in WIT syntax,
//! their WIT docs, and where they are defined (a path and byte range, from
//! the [`Resolve`]'s spans and source map).

use super::Definition;
use crate::types::display_wit;
use wit_parser::{Function, FunctionKind, InterfaceId, Resolve, TypeDefKind, TypeId};

/// A WIT function's name as declared inside its interface or resource:
/// `now`, `get` for `[method]r.get`, `constructor` for `[constructor]r`.
pub(crate) fn short_name(f: &Function) -> &str {
    match f.kind {
        FunctionKind::Constructor(_) => "constructor",
        _ => f.name.rsplit(['.', ']']).next().unwrap_or(&f.name),
    }
}

/// The parameters and result of a WIT function in WIT syntax:
/// `func(a: u32) -> string`. A method's `self` is left out, as WIT writes it.
pub(crate) fn func_type(resolve: &Resolve, f: &Function) -> String {
    let skip = usize::from(matches!(f.kind, FunctionKind::Method(_) | FunctionKind::AsyncMethod(_)));
    let params: Vec<String> =
        f.params.iter().skip(skip).map(|p| format!("{}: {}", p.name, display_wit(resolve, &p.ty))).collect();
    let mut out = format!("func({})", params.join(", "));
    if let Some(r) = &f.result
        && !matches!(f.kind, FunctionKind::Constructor(_))
    {
        out.push_str(" -> ");
        out.push_str(&display_wit(resolve, r));
    }
    out
}

/// A WIT function's declaration: `now: func() -> instant;`,
/// `constructor(a: u32);`, `get: static func() -> r;`.
pub(crate) fn func_decl(resolve: &Resolve, f: &Function) -> String {
    let ty = func_type(resolve, f);
    match f.kind {
        FunctionKind::Constructor(_) => {
            format!("constructor{};", ty.trim_start_matches("func"))
        }
        FunctionKind::Static(_) | FunctionKind::AsyncStatic(_) => format!("{}: static {ty};", short_name(f)),
        _ => format!("{}: {ty};", short_name(f)),
    }
}

/// The hover text of a WIT function: its declaration, inside `resource R { }`
/// for a resource's function, with the interface it comes from as a comment.
pub(crate) fn func_hover(resolve: &Resolve, interface: InterfaceId, name: &str) -> Option<(String, String)> {
    let f = resolve.interfaces[interface].functions.get(name)?;
    let owner = resolve.id_of(interface).unwrap_or_default();
    let decl = func_decl(resolve, f);
    let code = match resource_of_func(f) {
        Some(r) => {
            let r = resolve.types[r].name.clone().unwrap_or_default();
            format!("// {owner}\nresource {r} {{\n    {decl}\n}}")
        }
        None => format!("// {owner}\n{decl}"),
    };
    Some((code, docs(&f.docs)))
}

/// The resource a method, static function or constructor belongs to.
fn resource_of_func(f: &Function) -> Option<TypeId> {
    match f.kind {
        FunctionKind::Method(r)
        | FunctionKind::AsyncMethod(r)
        | FunctionKind::Static(r)
        | FunctionKind::AsyncStatic(r)
        | FunctionKind::Constructor(r) => Some(r),
        _ => None,
    }
}

/// A WIT type's definition in WIT syntax (`record point { x: s32, ... }`).
pub(crate) fn type_decl(resolve: &Resolve, id: TypeId) -> String {
    let def = &resolve.types[id];
    let name = def.name.clone().unwrap_or_else(|| display_wit(resolve, &wit_parser::Type::Id(id)));
    let lines = |keyword: &str, items: Vec<String>| {
        if items.is_empty() {
            format!("{keyword} {name} {{}}")
        } else {
            format!(
                "{keyword} {name} {{\n{}\n}}",
                items.iter().map(|i| format!("    {i},")).collect::<Vec<_>>().join("\n")
            )
        }
    };
    match &def.kind {
        TypeDefKind::Record(r) => {
            lines("record", r.fields.iter().map(|f| format!("{}: {}", f.name, display_wit(resolve, &f.ty))).collect())
        }
        TypeDefKind::Variant(v) => lines(
            "variant",
            v.cases
                .iter()
                .map(|c| match &c.ty {
                    Some(t) => format!("{}({})", c.name, display_wit(resolve, t)),
                    None => c.name.clone(),
                })
                .collect(),
        ),
        TypeDefKind::Enum(e) => lines("enum", e.cases.iter().map(|c| c.name.clone()).collect()),
        TypeDefKind::Flags(f) => lines("flags", f.flags.iter().map(|c| c.name.clone()).collect()),
        TypeDefKind::Resource => {
            let methods: Vec<String> = match def.owner {
                wit_parser::TypeOwner::Interface(i) => resolve.interfaces[i]
                    .functions
                    .values()
                    .filter(|f| resource_of_func(f) == Some(id))
                    .map(|f| format!("    {}", func_decl(resolve, f)))
                    .collect(),
                _ => Vec::new(),
            };
            if methods.is_empty() {
                format!("resource {name};")
            } else {
                format!("resource {name} {{\n{}\n}}", methods.join("\n"))
            }
        }
        TypeDefKind::Type(t) => format!("type {name} = {};", display_wit(resolve, t)),
        TypeDefKind::Handle(wit_parser::Handle::Own(r) | wit_parser::Handle::Borrow(r)) => type_decl(resolve, *r),
        _ => format!("type {name} = {};", display_wit(resolve, &wit_parser::Type::Id(id))),
    }
}

/// The hover text of a WIT type: its definition and docs.
pub(crate) fn type_hover(resolve: &Resolve, id: TypeId) -> (String, String) {
    let def = &resolve.types[id];
    let owner = match def.owner {
        wit_parser::TypeOwner::Interface(i) => resolve.id_of(i),
        _ => None,
    };
    let decl = type_decl(resolve, id);
    let code = match owner {
        Some(o) => format!("// {o}\n{decl}"),
        None => decl,
    };
    (code, docs(&def.docs))
}

/// WIT docs as Markdown (empty when there are none).
pub(crate) fn docs(d: &wit_parser::Docs) -> String {
    d.contents.clone().unwrap_or_default().trim().to_string()
}

/// Where `span` is, as a [`Definition::Wit`].
pub(crate) fn location(resolve: &Resolve, span: wit_parser::Span) -> Option<Definition> {
    let loc = resolve.source_map.resolve_span(span)?;
    Some(Definition::Wit { path: loc.path.to_string(), span: (loc.range.start as u32, loc.range.end as u32) })
}

/// Where a WIT function is defined.
pub(crate) fn func_location(resolve: &Resolve, interface: InterfaceId, name: &str) -> Option<Definition> {
    location(resolve, resolve.interfaces[interface].functions.get(name)?.span)
}

/// Where a WIT type (or one of its members, by index) is defined.
pub(crate) fn type_location(resolve: &Resolve, id: TypeId, member: Option<usize>) -> Option<Definition> {
    let def = resolve.types.get(id)?;
    let span = match (member, &def.kind) {
        (Some(i), TypeDefKind::Record(r)) => r.fields.get(i)?.span,
        (Some(i), TypeDefKind::Variant(v)) => v.cases.get(i)?.span,
        (Some(i), TypeDefKind::Enum(e)) => e.cases.get(i)?.span,
        (Some(i), TypeDefKind::Flags(f)) => f.flags.get(i)?.span,
        _ => def.span,
    };
    location(resolve, span)
}
