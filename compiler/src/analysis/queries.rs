//! Hover, go to definition, find references and rename: answered from the
//! name occurrences and expression types of the index.

use super::index::{Def, DefId, DefKind, Occurrence};
use super::{Analysis, Definition, Hover, HoverLanguage, wit};
use crate::span::Span;
use crate::types::Ty;

impl Analysis {
    /// The name occurrence at `offset`: one that contains it, or one that
    /// ends there (the cursor just after a name).
    pub(crate) fn occurrence_at(&self, offset: u32) -> Option<Occurrence> {
        let occurrences = &self.index.occurrences;
        let inside = occurrences.iter().filter(|o| o.span.start <= offset && offset < o.span.end);
        let touching = occurrences.iter().filter(|o| o.span.end == offset);
        inside.min_by_key(|o| o.span.end - o.span.start).or_else(|| touching.max_by_key(|o| o.span.start)).copied()
    }

    pub(crate) fn def(&self, id: DefId) -> &Def {
        &self.index.defs[id]
    }

    /// A type as Claw writes it.
    pub(crate) fn ty_text(&self, ty: Ty) -> String {
        ty.display(&self.module.resolve)
    }

    /// The hover text of a definition: `(code, language, docs)`.
    pub(crate) fn describe(&self, def: &Def) -> (String, HoverLanguage, String) {
        let resolve = &self.module.resolve;
        let claw = |code: String| (code, HoverLanguage::Claw, def.docs.clone());
        match &def.kind {
            DefKind::Local { ty, mutable, param } => {
                let ty = self.ty_text(*ty);
                match (param, mutable) {
                    (true, _) => claw(format!("{}: {ty}", def.name)),
                    (false, true) => claw(format!("let mut {}: {ty}", def.name)),
                    (false, false) => claw(format!("let {}: {ty}", def.name)),
                }
            }
            DefKind::Global { ty, mutable } => {
                let m = if *mutable { "mut " } else { "" };
                claw(format!("let {m}{}: {}", def.name, self.ty_text(*ty)))
            }
            DefKind::Func { member } => {
                let sig = def.sig.as_ref().map(|s| s.render().0).unwrap_or_default();
                match member {
                    Some((resource, _)) => claw(format!("resource {resource} {{\n    {sig}\n}}")),
                    None => claw(sig),
                }
            }
            DefKind::PlainImport => claw(def.sig.as_ref().map(|s| s.render().0).unwrap_or_default()),
            DefKind::WitFunc { interface, name } => match wit::func_hover(resolve, *interface, name) {
                Some((code, docs)) => (code, HoverLanguage::Wit, docs),
                None => claw(def.name.clone()),
            },
            DefKind::Type { wit: Some(id), .. } => {
                let (code, docs) = wit::type_hover(resolve, *id);
                (code, HoverLanguage::Wit, docs)
            }
            DefKind::Type { ty, wit: None } => {
                if let Some(code) = self.defined_resource(*ty) {
                    return claw(code);
                }
                let code = match ty {
                    Ty::Enum(id) | Ty::Def(id) => {
                        let decl = wit::type_decl(resolve, *id);
                        // An alias shows as itself, not as what it names.
                        if resolve.types[*id].name.as_deref() == Some(def.name.as_str())
                            || matches!(resolve.types[*id].kind, wit_parser::TypeDefKind::Handle(_))
                        {
                            decl
                        } else {
                            format!("type {} = {}", def.name, self.ty_text(*ty))
                        }
                    }
                    Ty::Error => def.name.clone(),
                    other => format!("type {} = {}", def.name, self.ty_text(*other)),
                };
                claw(code)
            }
            DefKind::Field { owner, ty, wit } => {
                let ty = ty.map(|t| self.ty_text(t)).unwrap_or_else(|| "{unknown}".into());
                let docs = wit.and_then(|(id, i)| match &resolve.types[id].kind {
                    wit_parser::TypeDefKind::Record(r) => r.fields.get(i).map(|f| wit::docs(&f.docs)),
                    _ => None,
                });
                (format!("{owner}.{}: {ty}", def.name), HoverLanguage::Claw, docs.unwrap_or_default())
            }
            DefKind::Case { owner, payload, wit } => {
                let code = match payload {
                    Some(p) => format!("{owner}::{}({p})", def.name),
                    None => format!("{owner}::{}", def.name),
                };
                let docs = wit.and_then(|(id, i)| match &resolve.types[id].kind {
                    wit_parser::TypeDefKind::Variant(v) => v.cases.get(i).map(|c| wit::docs(&c.docs)),
                    wit_parser::TypeDefKind::Enum(e) => e.cases.get(i).map(|c| wit::docs(&c.docs)),
                    wit_parser::TypeDefKind::Flags(f) => f.flags.get(i).map(|c| wit::docs(&c.docs)),
                    _ => None,
                });
                (code, HoverLanguage::Claw, docs.unwrap_or_default())
            }
            DefKind::Builtin { owner } => {
                let sig = def.sig.as_ref().map(|s| s.render().0).unwrap_or_default();
                (format!("// built-in method of {owner}s\n{sig}"), HoverLanguage::Claw, String::new())
            }
            DefKind::Interface { id } => {
                let name = resolve.id_of(*id).unwrap_or_else(|| def.name.clone());
                (format!("interface {name}"), HoverLanguage::Wit, wit::docs(&resolve.interfaces[*id].docs))
            }
            DefKind::Unknown => claw(def.name.clone()),
        }
    }

    /// A resource the file defines, as Claw writes it: its fields and the
    /// signatures of its functions.
    fn defined_resource(&self, ty: Ty) -> Option<String> {
        let resolve = &self.module.resolve;
        let (_, r) = ty.handle(resolve)?;
        let r = crate::types::resource_of(resolve, r);
        let resource = self.module.resources.iter().find(|x| x.ty == r)?;
        let mut lines: Vec<String> =
            resource.fields.iter().map(|(name, ty)| format!("    {name}: {},", self.ty_text(*ty))).collect();
        let mut funcs: Vec<usize> =
            self.index.members.iter().filter(|((t, _), _)| *t == r).map(|(_, def)| *def).collect();
        funcs.sort();
        for def in funcs {
            if let Some(sig) = &self.def(def).sig {
                lines.push(format!("    {}", sig.render().0));
            }
        }
        Some(format!("resource {} {{\n{}\n}}", resource.name, lines.join("\n")))
    }

    /// The innermost checked expression containing `offset`.
    pub(crate) fn expr_at(&self, offset: u32) -> Option<(Span, Ty)> {
        self.index
            .exprs
            .iter()
            .rev()
            .filter(|(s, t)| s.start <= offset && offset < s.end && *t != Ty::Error && *t != Ty::Unit)
            .min_by_key(|(s, _)| s.end - s.start)
            .copied()
    }
}

pub(super) fn hover(a: &Analysis, offset: u32) -> Option<Hover> {
    if let Some(o) = a.occurrence_at(offset) {
        let def = a.def(o.def);
        if !matches!(def.kind, DefKind::Unknown) {
            let (code, language, docs) = a.describe(def);
            return Some(Hover { span: o.span, code, language, docs });
        }
    }
    let (span, ty) = a.expr_at(offset)?;
    Some(Hover { span, code: a.ty_text(ty), language: HoverLanguage::Claw, docs: String::new() })
}

pub(super) fn definition(a: &Analysis, offset: u32) -> Option<Definition> {
    let o = a.occurrence_at(offset)?;
    let def = a.def(o.def);
    let resolve = &a.module.resolve;
    let in_wit = match &def.kind {
        DefKind::WitFunc { interface, name } => wit::func_location(resolve, *interface, name),
        DefKind::Interface { id } => wit::location(resolve, resolve.interfaces[*id].span),
        DefKind::Type { wit: Some(id), .. } => wit::type_location(resolve, *id, None),
        DefKind::Field { wit: Some((id, i)), .. } | DefKind::Case { wit: Some((id, i)), .. } => {
            wit::type_location(resolve, *id, Some(*i))
        }
        _ => None,
    };
    in_wit.or_else(|| def.span.map(Definition::Source))
}

pub(super) fn references(a: &Analysis, offset: u32, include_declaration: bool) -> Option<Vec<Span>> {
    let o = a.occurrence_at(offset)?;
    let mut spans: Vec<Span> = a
        .index
        .occurrences
        .iter()
        .filter(|x| x.def == o.def && (include_declaration || !x.decl))
        .map(|x| x.span)
        .collect();
    spans.sort();
    spans.dedup();
    Some(spans)
}

/// The span and definition a rename at `offset` would change.
pub(super) fn prepare_rename(a: &Analysis, offset: u32) -> Result<(Span, DefId), String> {
    let o = a.occurrence_at(offset).ok_or_else(|| "there is no name to rename here".to_string())?;
    let def = a.def(o.def);
    if let Some(why) = a.index.fixed.get(&o.def) {
        return Err(why.clone());
    }
    // `import { now as later } from ...`: the local name can change, not the WIT one.
    if let Some(&wit_name) = a.index.aliased.get(&o.def) {
        if o.span == wit_name {
            return Err(format!(
                "`{}` is the name in the WIT interface; rename the name after `as` instead",
                &a.source[o.span.range()]
            ));
        }
        return Ok((o.span, o.def));
    }
    match &def.kind {
        DefKind::WitFunc { interface, .. } => {
            let iface = a.module.resolve.id_of(*interface).unwrap_or_default();
            return Err(format!(
                "`{}` is imported from WIT interface `{iface}`: its name comes from the WIT \
                 (to use another name here, import it with `as`)",
                def.name
            ));
        }
        DefKind::Type { wit: Some(_), .. } => {
            return Err(format!(
                "`{}` is a WIT type: its name comes from the WIT (to use another name here, import it with `as`)",
                def.name
            ));
        }
        DefKind::Field { wit: Some(_), owner, .. } | DefKind::Case { wit: Some(_), owner, .. } => {
            return Err(format!("`{}` belongs to the WIT type `{owner}`: its name comes from the WIT", def.name));
        }
        DefKind::PlainImport => {
            return Err(format!(
                "`{}` names an import of the component's world: renaming it changes what the host must provide \
                 (to use another name here, write `import {} as NEW: ...`)",
                def.name, def.name
            ));
        }
        DefKind::Unknown => return Err(format!("`{}` is not defined, so it cannot be renamed", def.name)),
        DefKind::Interface { .. } => {
            return Err(format!("`{}` is a WIT interface: its name comes from the WIT", def.name));
        }
        _ => {}
    }
    if def.span.is_none() {
        return Err(format!("`{}` is built in and cannot be renamed", def.name));
    }
    Ok((o.span, o.def))
}

pub(super) fn rename(a: &Analysis, offset: u32, new_name: &str) -> Result<Vec<(Span, String)>, String> {
    let (_, def) = prepare_rename(a, offset)?;
    check_identifier(new_name)?;
    let mut edits: Vec<(Span, String)> = a
        .index
        .occurrences
        .iter()
        .filter(|o| o.def == def && a.index.aliased.get(&def) != Some(&o.span))
        .map(|o| match a.index.shorthands.get(&o.span) {
            // `let {x} = p;` keeps the other name: `{x: new}` or `{new: x}`.
            Some(&(field, local)) if field == def => (o.span, format!("{new_name}: {}", a.def(local).name)),
            Some(&(field, _)) => (o.span, format!("{}: {new_name}", a.def(field).name)),
            None => (o.span, new_name.to_string()),
        })
        .collect();
    edits.sort_by_key(|(s, _)| *s);
    edits.dedup_by_key(|(s, _)| *s);
    Ok(edits)
}

/// The words that must be written with a leading `%` to be used as names.
pub(crate) const KEYWORDS: &[&str] = &[
    "func",
    "let",
    "mut",
    "if",
    "else",
    "while",
    "loop",
    "for",
    "in",
    "break",
    "continue",
    "return",
    "import",
    "export",
    "from",
    "as",
    "true",
    "false",
    "and",
    "or",
    "not",
    "match",
    "record",
    "variant",
    "enum",
    "flags",
    "type",
    "interface",
    "resource",
    "constructor",
    "static",
    "self",
    "test",
    "assert",
    "mock",
];

/// Checks that `name` is a WIT identifier: kebab-case words, each starting
/// with a letter and either all lowercase or all uppercase (digits allowed
/// after the first letter); a keyword needs a leading `%`.
pub(crate) fn check_identifier(name: &str) -> Result<(), String> {
    let (escaped, bare) = match name.strip_prefix('%') {
        Some(rest) => (true, rest),
        None => (false, name),
    };
    let valid = !bare.is_empty()
        && bare.split('-').all(|word| {
            let mut chars = word.chars();
            let first_is_letter = chars.next().is_some_and(|c| c.is_ascii_alphabetic());
            let lower = word.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
            let upper = word.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
            first_is_letter && (lower || upper)
        });
    if !valid {
        return Err(format!(
            "`{name}` is not a valid name: names are kebab-case words, each starting with a letter \
             and all lowercase or all uppercase (like `item-count` or `get-HTTP-status`)"
        ));
    }
    if !escaped && KEYWORDS.contains(&bare) {
        return Err(format!("`{bare}` is a keyword: write `%{bare}` to use it as a name"));
    }
    Ok(())
}
