//! Completion. The code being typed at the cursor rarely parses (`p.`,
//! `from wasi:`, `shape::`), so the context is read from the text before
//! the cursor; what it refers to (a variable's type, an interface) comes
//! from the index of the rest of the file, which did parse.
//!
//! Items replace the identifier before the cursor (letters, digits, `-` and
//! `%`), so after `from wasi:` an item `clocks/monotonic-clock` completes
//! the path.

use super::index::{DefKind, ty_of_wit_type};
use super::queries::KEYWORDS;
use super::{Analysis, Completion, CompletionKind as K, wit};
use crate::ir::Builtin;
use crate::types::{Ty, resource_of};
use wit_parser::{FunctionKind, InterfaceId, TypeDefKind, TypeId};

fn item(label: impl Into<String>, kind: K, detail: Option<String>, docs: Option<String>) -> Completion {
    let docs = docs.filter(|d| !d.is_empty());
    Completion { label: label.into(), kind, detail, docs, insert_text: None }
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '%' || c == '_'
}

fn is_path_char(c: char) -> bool {
    is_ident_char(c) || matches!(c, ':' | '/' | '@' | '.')
}

/// The text before `offset`, with `offset` clamped to a character boundary.
pub(super) fn text_before(source: &str, offset: u32) -> &str {
    let mut end = (offset as usize).min(source.len());
    while !source.is_char_boundary(end) {
        end -= 1;
    }
    &source[..end]
}

/// Does `text` end with the word `word` (not as the tail of a longer name)?
fn ends_with_word(text: &str, word: &str) -> bool {
    text.strip_suffix(word).is_some_and(|rest| !rest.ends_with(is_ident_char))
}

/// Is the end of `line` (the text of the current line before the cursor)
/// inside a `//` comment or a string literal (but not in a `\{...}`
/// interpolation, which is code)?
fn in_comment_or_string(line: &str) -> bool {
    let mut in_string = false;
    let mut interpolation = 0;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if in_string && interpolation == 0 => {
                if chars.peek() == Some(&'{') {
                    chars.next();
                    interpolation = 1;
                } else {
                    chars.next();
                }
            }
            '"' if interpolation == 0 => in_string = !in_string,
            '{' if interpolation > 0 => interpolation += 1,
            '}' if interpolation > 0 => interpolation -= 1,
            '/' if (!in_string || interpolation > 0) && chars.peek() == Some(&'/') => return true,
            _ => {}
        }
    }
    in_string && interpolation == 0
}

pub(super) fn completions(a: &Analysis, offset: u32) -> Vec<Completion> {
    let before = text_before(&a.source, offset);
    let line = &before[before.rfind('\n').map_or(0, |i| i + 1)..];
    if in_comment_or_string(line) {
        return Vec::new();
    }
    let word_start = before.trim_end_matches(is_ident_char).len();
    let head = &before[..word_start];
    // `from ns:pkg/iface`, `export ns:pkg/iface`, `mock ns:pkg/iface`.
    let path_start = before.trim_end_matches(is_path_char).len();
    let path = &before[path_start..];
    let pre = before[..path_start].trim_end();
    if path_start < before.len() || pre.len() < before[..path_start].len() {
        let after_keyword = ends_with_word(pre, "from")
            || ((ends_with_word(pre, "export") || ends_with_word(pre, "mock")) && path.contains(':'));
        if after_keyword && !path.contains('{') {
            return wit_paths(a, path);
        }
    }
    if let Some(interface) = import_list(a, before) {
        return interface_items(a, interface, before);
    }
    if let Some(receiver_end) = head.strip_suffix('.').filter(|h| !h.ends_with('.')).map(str::len) {
        return members(a, receiver_end as u32, word_start as u32);
    }
    if let Some(ty) = match_arm_start(a, head, offset) {
        return arm_patterns(a, ty);
    }
    if let Some(type_head) = head.strip_suffix("::") {
        let name_start = type_head.trim_end_matches(is_ident_char).len();
        return path_members(a, type_head[name_start..].trim_start_matches('%'));
    }
    general(a, head, offset)
}

/// When the cursor starts an arm of `match value { ... }` (just after the
/// `{`, or after a previous arm's `,` or `}`): the type of `value`.
fn match_arm_start(a: &Analysis, head: &str, offset: u32) -> Option<Ty> {
    let trimmed = head.trim_end();
    if !trimmed.ends_with(['{', ',', '}']) {
        return None;
    }
    // The innermost `{` still open before the cursor.
    let bytes = trimmed.as_bytes();
    let mut depth = 0;
    let mut open = None;
    for i in (0..bytes.len()).rev() {
        match bytes[i] {
            b'}' => depth += 1,
            b'{' if depth == 0 => {
                open = Some(i);
                break;
            }
            b'{' => depth -= 1,
            _ => {}
        }
    }
    let before_brace = trimmed[..open?].trim_end();
    let value_start = before_brace.trim_end_matches(|c: char| is_ident_char(c) || c == '.').len();
    if value_start == before_brace.len() || !ends_with_word(before_brace[..value_start].trim_end(), "match") {
        return None;
    }
    receiver_type(a, before_brace.len() as u32, offset)
}

/// The patterns that start an arm matching a value of type `ty`.
fn arm_patterns(a: &Analysis, ty: Ty) -> Vec<Completion> {
    let resolve = &a.module.resolve;
    let case = |name: &str, detail: String| item(name, K::Case, Some(detail), None);
    let mut out = Vec::new();
    match ty.def(resolve) {
        Some(TypeDefKind::Enum(e)) => {
            out.extend(e.cases.iter().map(|c| case(&c.name, c.name.clone())));
        }
        Some(TypeDefKind::Variant(v)) => {
            for c in &v.cases {
                let detail = match &c.ty {
                    Some(t) => format!("{}({})", c.name, crate::types::display_wit(resolve, t)),
                    None => c.name.clone(),
                };
                out.push(case(&c.name, detail));
            }
        }
        Some(TypeDefKind::Option(t)) => {
            out.push(case("some", format!("some({})", crate::types::display_wit(resolve, t))));
            out.push(case("none", "none".into()));
        }
        Some(TypeDefKind::Result(r)) => {
            let show = |t: &Option<wit_parser::Type>| {
                t.as_ref().map(|t| format!("({})", crate::types::display_wit(resolve, t)))
            };
            out.push(case("ok", format!("ok{}", show(&r.ok).unwrap_or_default())));
            out.push(case("err", format!("err{}", show(&r.err).unwrap_or_default())));
        }
        _ if ty == Ty::Bool => {
            out.push(case("true", "true".into()));
            out.push(case("false", "false".into()));
        }
        _ => {}
    }
    out.push(item("_", K::Keyword, Some("any other value".into()), None));
    out
}

/// Packages, or a package's interfaces, for a WIT path being typed.
fn wit_paths(a: &Analysis, path: &str) -> Vec<Completion> {
    let resolve = &a.module.resolve;
    let mut out: Vec<Completion> = Vec::new();
    let interface_docs = |i: InterfaceId| wit::docs(&resolve.interfaces[i].docs);
    if let Some((package, _)) = path.split_once('/') {
        let (ns, name) = package.split_once(':').unwrap_or((package, ""));
        let (name, version) = name.split_once('@').unwrap_or((name, ""));
        for (_, p) in resolve.packages.iter() {
            let v = p.name.version.as_ref().map(|v| v.to_string()).unwrap_or_default();
            if p.name.namespace != ns || p.name.name != name || (!version.is_empty() && v != version) {
                continue;
            }
            for (iface, &id) in &p.interfaces {
                if !out.iter().any(|c| c.label == *iface) {
                    out.push(item(iface, K::Interface, resolve.id_of(id), Some(interface_docs(id))));
                }
            }
        }
    } else if let Some((ns, _)) = path.split_once(':') {
        for (_, p) in resolve.packages.iter() {
            if p.name.namespace != ns {
                continue;
            }
            for (iface, &id) in &p.interfaces {
                let label = format!("{}/{iface}", p.name.name);
                if !out.iter().any(|c| c.label == label) {
                    out.push(item(label, K::Interface, resolve.id_of(id), Some(interface_docs(id))));
                }
            }
        }
    } else {
        for (_, p) in resolve.packages.iter() {
            let label = format!("{}:{}", p.name.namespace, p.name.name);
            let version = p.name.version.as_ref().map(|v| format!("@{v}")).unwrap_or_default();
            match out.iter_mut().find(|c| c.label == label) {
                Some(c) => {
                    if let Some(d) = &mut c.detail {
                        d.push_str(&format!(", {version}"));
                    }
                }
                None => out.push(item(label, K::Package, Some(format!("package {version}")), Some(wit::docs(&p.docs)))),
            }
        }
    }
    out.sort_by(|x, y| x.label.cmp(&y.label));
    out
}

/// The interface of `import { ... } from path;` when the cursor is inside
/// its braces.
fn import_list(a: &Analysis, before: &str) -> Option<InterfaceId> {
    let open = before.rfind('{')?;
    if before[open..].contains(['}', ';']) || !ends_with_word(before[..open].trim_end(), "import") {
        return None;
    }
    let after = &a.source[before.len()..];
    let close = after.find('}')?;
    if after[..close].contains(['{', ';']) {
        return None;
    }
    let rest = after[close + 1..].trim_start().strip_prefix("from")?.trim_start();
    let path: String = rest.chars().take_while(|c| is_path_char(*c) && *c != ';').collect();
    let path = path.trim_end_matches('.');
    let (package, interface) = path.split_once('/')?;
    let (interface, version) = interface.split_once('@').unwrap_or((interface, ""));
    let (ns, name) = package.split_once(':')?;
    let resolve = &a.module.resolve;
    resolve
        .packages
        .iter()
        .filter(|(_, p)| {
            p.name.namespace == ns
                && p.name.name == name
                && (version.is_empty() || p.name.version.as_ref().is_some_and(|v| v.to_string() == version))
        })
        .max_by_key(|(_, p)| p.name.version.clone())
        .and_then(|(_, p)| p.interfaces.get(interface).copied())
}

/// An interface's functions, types and resources, minus those the braces
/// already name.
fn interface_items(a: &Analysis, interface: InterfaceId, before: &str) -> Vec<Completion> {
    let resolve = &a.module.resolve;
    let open = before.rfind('{').unwrap_or(0);
    let after = &a.source[before.len()..];
    let listed_text = format!("{}{}", &before[open + 1..], &after[..after.find('}').unwrap_or(0)]);
    let listed: Vec<&str> = listed_text.split(',').map(|n| n.split_whitespace().next().unwrap_or("")).collect();
    let iface = &resolve.interfaces[interface];
    let mut out = Vec::new();
    for (name, f) in &iface.functions {
        if matches!(f.kind, FunctionKind::Freestanding | FunctionKind::AsyncFreestanding)
            && !listed.contains(&name.as_str())
        {
            out.push(item(name, K::Function, Some(wit::func_type(resolve, f)), Some(wit::docs(&f.docs))));
        }
    }
    for (name, &t) in &iface.types {
        if listed.contains(&name.as_str()) {
            continue;
        }
        let kind = if matches!(resolve.types[resource_of(resolve, t)].kind, TypeDefKind::Resource) {
            K::Resource
        } else {
            K::Type
        };
        let decl = wit::type_decl(resolve, t);
        let detail = decl.lines().next().unwrap_or_default().trim_end_matches(" {").to_string();
        out.push(item(name, kind, Some(detail), Some(wit::docs(&resolve.types[t].docs))));
    }
    out
}

/// The type of the receiver ending at `receiver_end` (the `.`'s offset).
pub(super) fn receiver_type(a: &Analysis, receiver_end: u32, offset: u32) -> Option<Ty> {
    let checked = a
        .index
        .exprs
        .iter()
        .filter(|(s, t)| s.end == receiver_end && *t != Ty::Error)
        .max_by_key(|(s, _)| s.end - s.start)
        .map(|(_, t)| *t);
    if checked.is_some() {
        return checked;
    }
    // The receiver did not parse (`p.` alone): read `a.b.c` back from the dot.
    let text = text_before(&a.source, receiver_end);
    let chain_start = text.trim_end_matches(|c: char| is_ident_char(c) || c == '.').len();
    let mut names = text[chain_start..].split('.').map(|n| n.trim_start_matches('%'));
    let first = names.next().filter(|n| !n.is_empty())?;
    let def = a
        .visible(offset)
        .into_iter()
        .find(|(n, _)| n == first)
        .map(|(_, d)| d)
        .or_else(|| a.index.top.get(first).copied())?;
    let mut ty = match a.def(def).kind {
        DefKind::Local { ty, .. } | DefKind::Global { ty, .. } => ty,
        _ => return None,
    };
    for name in names {
        ty = field_type(a, ty, name)?;
    }
    Some(ty)
}

/// The type of field `name` of a record, tuple or resource the file defines.
fn field_type(a: &Analysis, ty: Ty, name: &str) -> Option<Ty> {
    let resolve = &a.module.resolve;
    match ty.def(resolve)? {
        TypeDefKind::Record(r) => r.fields.iter().find(|f| f.name == name).map(|f| ty_of_wit_type(resolve, &f.ty)),
        TypeDefKind::Tuple(t) => t.types.get(name.parse::<usize>().ok()?).map(|t| ty_of_wit_type(resolve, t)),
        TypeDefKind::Handle(wit_parser::Handle::Own(r) | wit_parser::Handle::Borrow(r)) => {
            let r = resource_of(resolve, *r);
            let res = a.module.resources.iter().find(|x| x.ty == r)?;
            res.fields.iter().find(|(n, _)| n == name).map(|(_, t)| *t)
        }
        _ => None,
    }
}

/// Fields and methods of the value before the `.`.
fn members(a: &Analysis, receiver_end: u32, offset: u32) -> Vec<Completion> {
    let Some(ty) = receiver_type(a, receiver_end, offset) else { return Vec::new() };
    let resolve = &a.module.resolve;
    let mut out = Vec::new();
    let method = |name: &str, sig: String| item(name, K::Method, Some(sig), None);
    if ty == Ty::String {
        for (name, _, params, result) in Builtin::STRING_METHODS {
            out.push(method(name, builtin_sig(a, name, params, Some(*result))));
        }
        out.push(method("split", "split(separator: string) -> list<string>".into()));
        out.push(method("bytes", "bytes() -> list<u8>".into()));
        return out;
    }
    match ty.def(resolve) {
        Some(TypeDefKind::List(elem)) => {
            let elem = crate::types::display_wit(resolve, elem);
            for (name, _, params, result) in Builtin::LIST_METHODS {
                out.push(method(name, builtin_sig(a, name, params, Some(*result))));
            }
            out.push(method("get", format!("get(index: u32) -> option<{elem}>")));
            out.push(method("contains", format!("contains(value: {elem}) -> bool")));
            out.push(method("push", format!("push(value: {elem})")));
            out.push(method("pop", format!("pop() -> option<{elem}>")));
        }
        Some(TypeDefKind::Record(r)) => {
            for f in &r.fields {
                let t = crate::types::display_wit(resolve, &f.ty);
                out.push(item(&f.name, K::Field, Some(t), Some(wit::docs(&f.docs))));
            }
        }
        Some(TypeDefKind::Tuple(t)) => {
            for (i, t) in t.types.iter().enumerate() {
                out.push(item(i.to_string(), K::Field, Some(crate::types::display_wit(resolve, t)), None));
            }
        }
        Some(TypeDefKind::Handle(wit_parser::Handle::Own(r) | wit_parser::Handle::Borrow(r))) => {
            let r = resource_of(resolve, *r);
            resource_members(a, r, false, &mut out);
        }
        _ => {}
    }
    out
}

/// The members of resource `r`: fields and methods (`statics`: its static
/// functions and constructor instead).
fn resource_members(a: &Analysis, r: TypeId, statics: bool, out: &mut Vec<Completion>) {
    let resolve = &a.module.resolve;
    if let Some(res) = a.module.resources.iter().find(|x| x.ty == r) {
        if !statics {
            for (name, ty) in &res.fields {
                out.push(item(name, K::Field, Some(a.ty_text(*ty)), None));
            }
        }
        let mut found: Vec<(String, usize)> =
            a.index.members.iter().filter(|((t, _), _)| *t == r).map(|((_, name), def)| (name.clone(), *def)).collect();
        found.sort();
        for (name, def) in found {
            let def = a.def(def);
            let DefKind::Func { member: Some((_, kind)) } = &def.kind else { continue };
            let wanted = match kind {
                crate::ast::MemberKind::Method => !statics,
                crate::ast::MemberKind::Static | crate::ast::MemberKind::Constructor => statics,
                crate::ast::MemberKind::Destructor => false,
            };
            if wanted {
                let sig = def.sig.as_ref().map(|s| s.render().0);
                out.push(item(name, K::Method, sig, Some(def.docs.clone())));
            }
        }
        return;
    }
    let wit_parser::TypeOwner::Interface(i) = resolve.types[r].owner else { return };
    for f in resolve.interfaces[i].functions.values() {
        let wanted = match f.kind {
            FunctionKind::Method(x) | FunctionKind::AsyncMethod(x) => !statics && x == r,
            FunctionKind::Static(x) | FunctionKind::AsyncStatic(x) => statics && x == r,
            FunctionKind::Constructor(x) => statics && x == r,
            _ => false,
        };
        if wanted {
            let name = if matches!(f.kind, FunctionKind::Constructor(_)) { "new" } else { wit::short_name(f) };
            out.push(item(name, K::Method, Some(wit::func_decl(resolve, f)), Some(wit::docs(&f.docs))));
        }
    }
}

/// `len() -> u32` for a built-in method.
fn builtin_sig(a: &Analysis, name: &str, params: &[Ty], result: Option<Ty>) -> String {
    let params: Vec<String> = params.iter().map(|t| format!("value: {}", a.ty_text(*t))).collect();
    let mut out = format!("{name}({})", params.join(", "));
    if let Some(r) = result {
        out.push_str(&format!(" -> {}", a.ty_text(r)));
    }
    out
}

/// Cases, static functions and constructors after `type::`.
fn path_members(a: &Analysis, type_name: &str) -> Vec<Completion> {
    let resolve = &a.module.resolve;
    if type_name == "string" {
        return vec![item("from-utf8", K::Function, Some("from-utf8(bytes: list<u8>) -> option<string>".into()), None)];
    }
    let Some(&def) = a.index.top.get(type_name) else { return Vec::new() };
    let DefKind::Type { ty, .. } = a.def(def).kind else { return Vec::new() };
    let mut out = Vec::new();
    match ty.def(resolve) {
        Some(TypeDefKind::Enum(e)) => {
            for c in &e.cases {
                out.push(item(&c.name, K::Case, Some(format!("{type_name}::{}", c.name)), Some(wit::docs(&c.docs))));
            }
        }
        Some(TypeDefKind::Variant(v)) => {
            for c in &v.cases {
                let detail = match &c.ty {
                    Some(t) => format!("{type_name}::{}({})", c.name, crate::types::display_wit(resolve, t)),
                    None => format!("{type_name}::{}", c.name),
                };
                out.push(item(&c.name, K::Case, Some(detail), Some(wit::docs(&c.docs))));
            }
        }
        Some(TypeDefKind::Flags(f)) => {
            for c in &f.flags {
                out.push(item(&c.name, K::Case, Some(format!("{type_name}::{}", c.name)), Some(wit::docs(&c.docs))));
            }
        }
        Some(TypeDefKind::Handle(wit_parser::Handle::Own(r) | wit_parser::Handle::Borrow(r))) => {
            resource_members(a, resource_of(resolve, *r), true, &mut out);
        }
        Some(TypeDefKind::Resource | TypeDefKind::Type(_)) => {
            if let Ty::Def(id) = ty {
                resource_members(a, resource_of(resolve, id), true, &mut out);
            }
        }
        _ => {}
    }
    out
}

/// Does `text` end with the `:` of a type annotation (`let x:`, a parameter
/// `(a: `, a field of a `record` or `resource` definition), rather than the
/// `:` of a record value (`{x: `)?
fn annotation_colon(text: &str) -> bool {
    let Some(before) = text.strip_suffix(':').filter(|t| !t.ends_with(':')) else { return false };
    let before = before.trim_end();
    let name = before.trim_end_matches(is_ident_char);
    let word_before = name.trim_end();
    if ends_with_word(word_before, "let") || ends_with_word(word_before, "mut") {
        return true;
    }
    // The innermost bracket still open before the name.
    let bytes = name.as_bytes();
    let mut depth = 0;
    for i in (0..bytes.len()).rev() {
        match bytes[i] {
            b')' | b']' | b'}' | b'>' => depth += 1,
            b'(' | b'[' | b'{' | b'<' if depth > 0 => depth -= 1,
            b'(' => return true,
            b'{' => {
                // `record point {` or `resource r {` declares fields.
                let decl = name[..i].trim_end();
                let decl = decl.trim_end_matches(is_ident_char).trim_end();
                return ends_with_word(decl, "record") || ends_with_word(decl, "resource");
            }
            b'[' | b'<' => return false,
            b';' if depth == 0 => return false,
            _ => {}
        }
    }
    false
}

/// Does the file hold tests (so the components under test matter)?
fn is_test_file(source: &str) -> bool {
    source.contains("test \"") || source.contains("test component")
}

/// How many `{` are open at the end of `text`.
fn brace_depth(text: &str) -> i32 {
    text.bytes().fold(0, |depth, b| match b {
        b'{' => depth + 1,
        b'}' => (depth - 1).max(0),
        _ => depth,
    })
}

/// In a test file, at the top level: an import of each export of the worlds
/// the `Resolve` holds outside WASI (the components under test, whose WIT
/// `clawc test` adds), inserted whole.
fn component_exports(a: &Analysis) -> Vec<Completion> {
    let resolve = &a.module.resolve;
    let mut out = Vec::new();
    for (_, world) in resolve.worlds.iter() {
        let Some(package) = world.package else { continue };
        if resolve.packages[package].name.namespace == "wasi" {
            continue;
        }
        for export in world.exports.values() {
            match export {
                wit_parser::WorldItem::Function(f) => {
                    let ty = wit::func_type(resolve, f);
                    let mut c =
                        item(format!("import {}", f.name), K::Function, Some(ty.clone()), Some(wit::docs(&f.docs)));
                    c.insert_text = Some(format!("import {}: {ty};", f.name));
                    out.push(c);
                }
                wit_parser::WorldItem::Interface { id, .. } => {
                    let Some(path) = resolve.id_of(*id) else { continue };
                    let names: Vec<&str> = resolve.interfaces[*id]
                        .functions
                        .values()
                        .filter(|f| matches!(f.kind, FunctionKind::Freestanding | FunctionKind::AsyncFreestanding))
                        .map(|f| f.name.as_str())
                        .collect();
                    let mut c = item(
                        format!("import from {path}"),
                        K::Interface,
                        Some(format!("{{ {} }}", names.join(", "))),
                        Some(wit::docs(&resolve.interfaces[*id].docs)),
                    );
                    c.insert_text = Some(format!("import {{ {} }} from {path};", names.join(", ")));
                    out.push(c);
                }
                wit_parser::WorldItem::Type { .. } => {}
            }
        }
    }
    out
}

/// Names in scope, then keywords; only types where a type is expected.
fn general(a: &Analysis, head: &str, offset: u32) -> Vec<Completion> {
    let trimmed = head.trim_end();
    let type_position =
        annotation_colon(trimmed) || trimmed.ends_with("->") || trimmed.ends_with('<') || ends_with_word(trimmed, "as");
    let mut out = Vec::new();
    if !type_position {
        for (name, def) in a.visible(offset) {
            let d = a.def(def);
            let DefKind::Local { ty, .. } = d.kind else { continue };
            out.push(item(name, K::Local, Some(a.ty_text(ty)), None));
        }
    }
    let mut top: Vec<(&String, &usize)> = a.index.top.iter().collect();
    top.sort();
    for (name, &def) in top {
        let d = a.def(def);
        let (code, _, docs) = a.describe(d);
        // The first line of the declaration: `record point`, `func f(a: u32)`.
        let first = code.lines().find(|l| !l.starts_with("//")).unwrap_or_default();
        let detail = Some(first.trim_end_matches(" {").to_string());
        let kind = match &d.kind {
            DefKind::Global { .. } => K::Global,
            DefKind::Func { .. } | DefKind::PlainImport | DefKind::WitFunc { .. } => K::Function,
            DefKind::Type { ty, .. }
                if ty.handle(&a.module.resolve).is_some()
                    || matches!(ty.def(&a.module.resolve), Some(TypeDefKind::Resource)) =>
            {
                K::Resource
            }
            DefKind::Type { .. } => K::Type,
            _ => continue,
        };
        if type_position != matches!(kind, K::Type | K::Resource) {
            continue;
        }
        out.push(item(name.clone(), kind, detail, Some(docs)));
    }
    if type_position {
        for name in Ty::BUILTIN_NAMES.iter().chain(&["list", "option", "result", "tuple"]) {
            out.push(item(*name, K::Type, None, None));
        }
        return out;
    }
    if is_test_file(&a.source) && brace_depth(head) == 0 {
        out.extend(component_exports(a));
    }
    for name in ["some", "none", "ok", "err"] {
        out.push(item(name, K::Keyword, None, None));
    }
    for k in KEYWORDS {
        out.push(item(*k, K::Keyword, None, None));
    }
    out.push(item("check!", K::Keyword, None, None));
    out
}

impl Analysis {
    /// The local bindings visible at `offset`, innermost first, one per name.
    pub(crate) fn visible(&self, offset: u32) -> Vec<(String, usize)> {
        let mut entries: Vec<&super::index::ScopeEntry> = self
            .index
            .scopes
            .iter()
            .filter(|s| s.visible.start <= offset && offset <= s.visible.end && !s.name.is_empty())
            .collect();
        entries.sort_by_key(|s| std::cmp::Reverse(s.visible.start));
        let mut out: Vec<(String, usize)> = Vec::new();
        for e in entries {
            if !out.iter().any(|(n, _)| *n == e.name) {
                out.push((e.name.clone(), e.def));
            }
        }
        out
    }
}
