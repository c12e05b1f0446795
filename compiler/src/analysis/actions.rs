//! Signature help, inlay hints and code actions (add the missing arms of a
//! `match`; import an unknown name from the WIT interface that has it).

use super::index::{DefKind, Sig};
use super::{Analysis, CodeAction, InlayHint, SignatureHelp, wit};
use crate::span::Span;
use crate::types::{Ty, display_wit, resource_of};
use wit_parser::{FunctionKind, InterfaceId, TypeDefKind};

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '%' || c == '_'
}

/// The unclosed `(` before `offset` (in the same statement) and the number
/// of commas between it and `offset` at its depth.
fn open_call(text: &str) -> Option<(usize, u32)> {
    let bytes = text.as_bytes();
    let mut depth = 0i32;
    let mut commas = 0;
    let mut in_string = false;
    for i in (0..bytes.len()).rev() {
        let c = bytes[i];
        if c == b'"' && (i == 0 || bytes[i - 1] != b'\\') {
            in_string = !in_string;
            continue;
        }
        if in_string {
            continue;
        }
        match c {
            b')' | b']' => depth += 1,
            b'}' if depth == 0 => return None,
            b'}' => depth += 1,
            b'(' | b'[' | b'{' if depth > 0 => depth -= 1,
            b'(' => return Some((i, commas)),
            b'[' | b'{' | b';' => return None,
            b',' if depth == 0 => commas += 1,
            _ => {}
        }
    }
    None
}

pub(super) fn signature_help(a: &Analysis, offset: u32) -> Option<SignatureHelp> {
    let before = super::completion::text_before(&a.source, offset);
    let (open, commas) = open_call(before)?;
    let callee_text = &before[..open];
    let name_start = callee_text.trim_end_matches(is_ident_char).len();
    let name = callee_text[name_start..].trim_start_matches('%');
    if name.is_empty() {
        return None;
    }
    let name_span = Span::new(name_start as u32, open as u32);

    // What the callee resolved to when the call parsed; else by name.
    let def = a.index.occurrences.iter().find(|o| o.span == name_span).map(|o| o.def);
    let head = &callee_text[..name_start];
    let (sig, docs) = match def.map(|d| (a.def(d), d)) {
        Some((d, _)) if d.sig.is_some() => (d.sig.clone()?, d.docs.clone()),
        Some((d, _)) => match &d.kind {
            DefKind::WitFunc { interface, name } => wit_sig(a, *interface, name)?,
            DefKind::Case { owner, payload: Some(p), .. } => {
                (Sig { prefix: format!("{owner}::{}", d.name), params: vec![p.clone()], result: None }, String::new())
            }
            _ => return None,
        },
        None if head.ends_with('.') => {
            let ty = super::completion::receiver_type(a, (name_start - 1) as u32, offset)?;
            method_sig(a, ty, name)?
        }
        None if head.ends_with("::") => {
            let type_name = head[..head.len() - 2].trim_end_matches(|c: char| !is_ident_char(c));
            let type_name = &type_name[type_name.trim_end_matches(is_ident_char).len()..];
            if type_name == "string" && name == "from-utf8" {
                let sig = Sig {
                    prefix: "string::from-utf8".into(),
                    params: vec!["bytes: list<u8>".into()],
                    result: Some("option<string>".into()),
                };
                (sig, String::new())
            } else {
                let &def = a.index.top.get(type_name)?;
                let DefKind::Type { ty, .. } = a.def(def).kind else { return None };
                static_sig(a, ty, type_name, name)?
            }
        }
        None => {
            let &def = a.index.top.get(name)?;
            let d = a.def(def);
            match &d.kind {
                DefKind::WitFunc { interface, name } => wit_sig(a, *interface, name)?,
                _ => (d.sig.clone()?, d.docs.clone()),
            }
        }
    };
    let (label, params) = sig.render();
    let active_param = if params.is_empty() { 0 } else { commas.min(params.len() as u32 - 1) };
    Some(SignatureHelp { label, params, active_param, docs })
}

/// A WIT function's signature: `now: func() -> instant`.
fn wit_sig(a: &Analysis, interface: InterfaceId, name: &str) -> Option<(Sig, String)> {
    let resolve = &a.module.resolve;
    let f = resolve.interfaces[interface].functions.get(name)?;
    let skip = usize::from(matches!(f.kind, FunctionKind::Method(_) | FunctionKind::AsyncMethod(_)));
    let constructor = matches!(f.kind, FunctionKind::Constructor(_));
    let sig = Sig {
        prefix: if constructor { "constructor".into() } else { format!("{}: func", wit::short_name(f)) },
        params: f.params.iter().skip(skip).map(|p| format!("{}: {}", p.name, display_wit(resolve, &p.ty))).collect(),
        result: f.result.as_ref().filter(|_| !constructor).map(|t| display_wit(resolve, t)),
    };
    Some((sig, wit::docs(&f.docs)))
}

/// The signature of method `name` of a value of type `ty`.
fn method_sig(a: &Analysis, ty: Ty, name: &str) -> Option<(Sig, String)> {
    let resolve = &a.module.resolve;
    if let Some(sig) = super::index::builtin_method(resolve, ty, name) {
        return Some((sig, String::new()));
    }
    match ty.def(resolve)? {
        TypeDefKind::Handle(wit_parser::Handle::Own(r) | wit_parser::Handle::Borrow(r)) => {
            let r = resource_of(resolve, *r);
            if let Some(&def) = a.index.members.get(&(r, name.to_string())) {
                let d = a.def(def);
                return Some((d.sig.clone()?, d.docs.clone()));
            }
            let owner = resolve.types[r].name.clone()?;
            let wit_parser::TypeOwner::Interface(i) = resolve.types[r].owner else { return None };
            wit_sig(a, i, &format!("[method]{owner}.{name}"))
        }
        _ => None,
    }
}

/// The signature of `ty::name(...)`: a static function, a constructor or a
/// case with a payload.
fn static_sig(a: &Analysis, ty: Ty, type_name: &str, name: &str) -> Option<(Sig, String)> {
    let resolve = &a.module.resolve;
    match ty.def(resolve)? {
        TypeDefKind::Variant(v) => {
            let payload = v.cases.iter().find(|c| c.name == name)?.ty.as_ref()?;
            let sig = Sig {
                prefix: format!("{type_name}::{name}"),
                params: vec![display_wit(resolve, payload)],
                result: None,
            };
            Some((sig, String::new()))
        }
        kind @ (TypeDefKind::Handle(_) | TypeDefKind::Resource | TypeDefKind::Type(_)) => {
            let r = match (kind, ty) {
                (TypeDefKind::Handle(wit_parser::Handle::Own(r) | wit_parser::Handle::Borrow(r)), _) => *r,
                (_, Ty::Def(id)) => id,
                _ => return None,
            };
            let r = resource_of(resolve, r);
            if let Some(&def) = a.index.members.get(&(r, name.to_string())) {
                let d = a.def(def);
                return Some((d.sig.clone()?, d.docs.clone()));
            }
            let owner = resolve.types[r].name.clone()?;
            let wit_parser::TypeOwner::Interface(i) = resolve.types[r].owner else { return None };
            let wit_name =
                if name == "new" { format!("[constructor]{owner}") } else { format!("[static]{owner}.{name}") };
            wit_sig(a, i, &wit_name)
        }
        _ => None,
    }
}

pub(super) fn inlay_hints(a: &Analysis, range: Span) -> Vec<InlayHint> {
    let mut out = Vec::new();
    for hint in &a.index.lets {
        if hint.name_end < range.start || hint.name_end > range.end {
            continue;
        }
        if let DefKind::Local { ty, .. } = a.def(hint.def).kind
            && ty != Ty::Error
            && ty != Ty::Unit
        {
            out.push(InlayHint { offset: hint.name_end, label: format!(": {}", a.ty_text(ty)) });
        }
    }
    out.sort_by_key(|h| h.offset);
    out
}

fn overlaps(a: Span, b: Span) -> bool {
    a.start <= b.end && b.start <= a.end
}

pub(super) fn code_actions(a: &Analysis, range: Span) -> Vec<CodeAction> {
    let mut out = Vec::new();
    for d in &a.diagnostics {
        let span = d.primary_span();
        if !overlaps(span, range) {
            continue;
        }
        match d.code {
            "non-exhaustive-match" => out.extend(missing_arms(a, span, &d.message)),
            "unbound-name" | "unknown-type" | "not-a-type" => {
                if let Some(name) = a.source.get(span.range()) {
                    out.extend(import_actions(a, name.trim_start_matches('%')));
                }
            }
            _ => {}
        }
    }
    out
}

/// The start of the line holding `offset`.
fn line_start(source: &str, offset: usize) -> usize {
    source[..offset].rfind('\n').map_or(0, |i| i + 1)
}

/// The whitespace that starts the line holding `offset`.
fn indentation(source: &str, offset: usize) -> &str {
    let start = line_start(source, offset);
    let line = &source[start..];
    &line[..line.len() - line.trim_start_matches([' ', '\t']).len()]
}

/// "Add the missing arms": one `pattern => {}` arm per pattern the
/// non-exhaustive-match diagnostic names (and `_` when it says there may be more).
fn missing_arms(a: &Analysis, scrutinee: Span, message: &str) -> Option<CodeAction> {
    let site = a
        .index
        .matches
        .iter()
        .find(|m| m.scrutinee == scrutinee || (m.span.start <= scrutinee.start && scrutinee.end <= m.span.end))?;
    let (_, list) = message.split_once("`: ")?;
    let mut patterns: Vec<String> = list.split('`').skip(1).step_by(2).map(str::to_string).collect();
    if message.contains("(and maybe more)") {
        patterns.push("_".into());
    }
    if patterns.is_empty() {
        return None;
    }
    let source = &a.source;
    let close = (site.span.end as usize).checked_sub(1)?;
    if source.as_bytes().get(close) != Some(&b'}') {
        return None;
    }
    let indent = match site.first_arm {
        Some(arm) => indentation(source, arm.start as usize).to_string(),
        None => format!("{}    ", indentation(source, site.span.start as usize)),
    };
    let brace_alone = source[line_start(source, close)..close].trim().is_empty();
    let (at, text) = if brace_alone {
        let arms: String = patterns.iter().map(|p| format!("{indent}{p} => {{}}\n")).collect();
        (line_start(source, close), arms)
    } else {
        let arms: String = patterns.iter().map(|p| format!(" {p} => {{}}")).collect();
        (close, format!("{arms} "))
    };
    let at = at as u32;
    let title = if patterns.len() == 1 {
        "Add the missing `match` arm".into()
    } else {
        "Add the missing `match` arms".to_string()
    };
    Some(CodeAction { title, edits: vec![(Span::new(at, at), text)] })
}

/// "Import `name` from `ns:pkg/iface`", once per interface that declares a
/// function or type of that name (the newest version of each package).
fn import_actions(a: &Analysis, name: &str) -> Vec<CodeAction> {
    let resolve = &a.module.resolve;
    let mut found: Vec<(String, InterfaceId)> = Vec::new();
    for (id, iface) in resolve.interfaces.iter() {
        let has = iface
            .functions
            .get(name)
            .is_some_and(|f| matches!(f.kind, FunctionKind::Freestanding | FunctionKind::AsyncFreestanding))
            || iface.types.contains_key(name);
        let (Some(package), Some(iface_name)) = (iface.package, iface.name.as_ref()) else { continue };
        if !has {
            continue;
        }
        let p = &resolve.packages[package].name;
        let versions =
            resolve.packages.iter().filter(|(_, q)| q.name.namespace == p.namespace && q.name.name == p.name).count();
        // Only the newest version of each package.
        let newer = resolve.packages.iter().any(|(_, q)| {
            q.name.namespace == p.namespace
                && q.name.name == p.name
                && q.name.version > p.version
                && q.interfaces.contains_key(iface_name)
        });
        if newer {
            continue;
        }
        let mut path = format!("{}:{}/{iface_name}", p.namespace, p.name);
        if versions > 1
            && let Some(v) = &p.version
        {
            path.push_str(&format!("@{v}"));
        }
        found.push((path, id));
    }
    found.sort();
    found
        .into_iter()
        .map(|(path, id)| {
            let title = format!("Import `{name}` from `{path}`");
            let existing = a.index.imports.iter().find(|i| i.interface == Some(id) && i.last_name_end.is_some());
            let edit = match existing {
                Some(site) => {
                    let at = site.last_name_end.unwrap_or_default();
                    (Span::new(at, at), format!(", {name}"))
                }
                None => {
                    match a.index.imports.iter().map(|i| i.span.end).chain(a.index.plain_imports.iter().copied()).max()
                    {
                        Some(end) => (Span::new(end, end), format!("\nimport {{ {name} }} from {path};")),
                        None => (Span::new(0, 0), format!("import {{ {name} }} from {path};\n\n")),
                    }
                }
            };
            CodeAction { title, edits: vec![edit] }
        })
        .collect()
}
