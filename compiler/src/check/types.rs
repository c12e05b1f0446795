//! Type expressions resolved to [`Ty`], the file's own type definitions
//! (records, variants, enums, flags, aliases) declared and defined, function
//! signatures, and the lookups `ty::case` paths need.

use super::*;

impl Checker {
    pub(super) fn ty_name(&self, ty: Ty) -> String {
        ty.display(&self.resolve)
    }

    /// Resolves a written type.
    pub(super) fn resolve_type(&mut self, ty: &ast::TypeExpr) -> Ty {
        crate::stack::grow(|| match &ty.kind {
            ast::TypeKind::Named(name) => self.named_type(name, ty.span),
            ast::TypeKind::Generic(ctor, args) => self.generic_type(ctor, args, ty.span),
        })
    }

    /// `list<T>`, `option<T>`, `result<T, E>`, `tuple<...>`.
    pub(super) fn generic_type(&mut self, ctor: &ast::Ident, args: &[Option<ast::TypeExpr>], span: Span) -> Ty {
        let mut resolved = Vec::new();
        for a in args {
            resolved.push(a.as_ref().map(|t| self.resolve_type(t)));
        }
        if resolved.contains(&Some(Ty::Error)) {
            return Ty::Error;
        }
        let arity_error = |this: &mut Self, expected: &str| {
            this.diagnostics.push(Diagnostic::error(
                "wrong-type-arguments",
                format!("`{}` takes {expected}", ctor.name),
                span,
                format!("{} given", args.len()),
            ));
            Ty::Error
        };
        let underscore = |this: &mut Self| {
            this.diagnostics.push(
                Diagnostic::error("misplaced-underscore", "`_` is not a type", span, "here")
                    .with_note("`_` only stands for a missing payload in `result<_, E>`"),
            );
            Ty::Error
        };
        match ctor.name.as_str() {
            "list" | "option" => {
                let [arg] = resolved.as_slice() else { return arity_error(self, "one type argument") };
                let Some(arg) = *arg else { return underscore(self) };
                if arg == Ty::Unit {
                    return Ty::Error;
                }
                if ctor.name == "list" {
                    self.interner.list(&mut self.resolve, arg)
                } else {
                    self.interner.option(&mut self.resolve, arg)
                }
            }
            "result" => match resolved.as_slice() {
                [ok] => self.interner.result(&mut self.resolve, *ok, None),
                [ok, err] => self.interner.result(&mut self.resolve, *ok, *err),
                _ => arity_error(self, "one or two type arguments (`result<T>`, `result<T, E>`, `result<_, E>`)"),
            },
            "tuple" => {
                if resolved.is_empty() {
                    return arity_error(self, "at least one type argument");
                }
                let mut types = Vec::new();
                for t in &resolved {
                    match t {
                        Some(t) => types.push(*t),
                        None => return underscore(self),
                    }
                }
                self.interner.tuple(&mut self.resolve, &types)
            }
            "borrow" | "own" => {
                let [Some(arg)] = resolved.as_slice() else { return arity_error(self, "one type argument") };
                match arg.handle(&self.resolve) {
                    Some((_, r)) => self.interner.handle(&mut self.resolve, ctor.name == "own", r),
                    None if *arg == Ty::Error => Ty::Error,
                    None => {
                        let name = self.ty_name(*arg);
                        self.diagnostics.push(Diagnostic::error(
                            "type-mismatch",
                            format!("`{}<...>` takes a resource, not `{name}`", ctor.name),
                            span,
                            "not a resource",
                        ));
                        Ty::Error
                    }
                }
            }
            "future" | "stream" => {
                self.diagnostics.push(Diagnostic::error(
                    "unsupported-type",
                    format!("`{}<...>` types are not supported yet", ctor.name),
                    span,
                    "not supported yet",
                ));
                Ty::Error
            }
            other => {
                let suggestions = similar(other, ["list", "option", "result", "tuple"]);
                let mut d = Diagnostic::error(
                    "unknown-type",
                    format!("unknown type constructor `{other}`"),
                    ctor.span,
                    "takes no type arguments",
                )
                .with_note("the WIT type constructors are `list`, `option`, `result` and `tuple`");
                if !suggestions.is_empty() {
                    d = d.with_help(format!("did you mean {}?", one_of(&suggestions)));
                }
                self.diagnostics.push(d);
                Ty::Error
            }
        }
    }

    pub(super) fn named_type(&mut self, name: &str, span: Span) -> Ty {
        if let Some(t) = Ty::from_name(name) {
            return t;
        }
        if name == "result" {
            return self.interner.result(&mut self.resolve, None, None);
        }
        if let Some(t) = self.scoped_type(name) {
            return t;
        }
        if self.pending_types.contains_key(name) || self.defining.iter().any(|n| n == name) {
            return self.define_type(name, span);
        }
        match self.names.get(name) {
            Some(Binding::Type(t)) => *t,
            Some(_) => {
                self.diagnostics.push(Diagnostic::error(
                    "not-a-type",
                    format!("`{name}` is not a type"),
                    span,
                    "expected a type",
                ));
                Ty::Error
            }
            None => {
                let mut candidates: Vec<&str> = Ty::BUILTIN_NAMES.to_vec();
                candidates
                    .extend(self.names.iter().filter(|(_, b)| matches!(b, Binding::Type(_))).map(|(n, _)| n.as_str()));
                let mut suggestions = similar(name, candidates);
                let hint = match name {
                    "i8" | "i16" | "i32" | "i64" => Some(format!("s{}", &name[1..])),
                    "int" | "isize" => Some("s32".into()),
                    "usize" | "uint" => Some("u32".into()),
                    "float" | "double" => Some("f64".into()),
                    "str" | "String" => Some("string".into()),
                    "boolean" => Some("bool".into()),
                    _ => None,
                };
                if let Some(h) = hint {
                    suggestions.retain(|s| *s != h);
                    suggestions.insert(0, h);
                }
                let mut d =
                    Diagnostic::error("unknown-type", format!("unknown type `{name}`"), span, "not a known type");
                if !suggestions.is_empty() {
                    d = d.with_help(format!("did you mean {}?", one_of(&suggestions)));
                }
                self.diagnostics.push(d);
                Ty::Error
            }
        }
    }

    /// A type of the interface being exported, when inside its block.
    pub(super) fn scoped_type(&mut self, name: &str) -> Option<Ty> {
        let id = *self.resolve.interfaces[self.type_scope?].types.get(name)?;
        Some(self.from_wit(&wit_parser::Type::Id(id)))
    }

    /// Declares the file's named types: their names are bound, and their
    /// bodies wait in `pending_types` until `define_types` (or a use)
    /// defines them.
    pub(super) fn declare_types(&mut self, file: &ast::File) {
        for item in &file.items {
            let ast::Item::TypeDef(def) = item else { continue };
            if self.define(&def.name, Binding::Type(Ty::Error)) {
                self.pending_types.insert(def.name.name.clone(), (**def).clone());
            }
        }
    }

    /// Defines the file's named types. A type is defined after every type it
    /// uses (depth first), so every WIT type definition refers only to
    /// definitions created before it, as the canonical ABI's size and
    /// alignment computation requires; a type that contains itself is an
    /// error (WIT types are not recursive).
    pub(super) fn define_types(&mut self, file: &ast::File) {
        for item in &file.items {
            if let ast::Item::TypeDef(def) = item
                && self.pending_types.contains_key(&def.name.name)
            {
                self.define_type(&def.name.name, def.name.span);
            }
        }
    }

    /// Defines the pending type `name` (used at `span`), or reports a cycle.
    pub(super) fn define_type(&mut self, name: &str, span: Span) -> Ty {
        let Some(def) = self.pending_types.remove(name) else {
            if let Some(start) = self.defining.iter().position(|n| n == name) {
                let mut cycle: Vec<String> = self.defining[start..].iter().map(|n| format!("`{n}`")).collect();
                cycle.push(format!("`{name}`"));
                self.diagnostics.push(
                    Diagnostic::error(
                        "recursive-type",
                        format!("type `{name}` contains itself"),
                        span,
                        "used inside its own definition",
                    )
                    .with_note(format!("{} (WIT types cannot be recursive)", cycle.join(" contains ")))
                    .with_help("store the children in a separate list and refer to them by index"),
                );
            }
            return Ty::Error;
        };
        self.defining.push(name.to_string());
        let ty = self.type_body(&def);
        self.defining.pop();
        self.names.insert(name.to_string(), Binding::Type(ty));
        self.module.types.push(ir::TypeDecl {
            name: name.to_string(),
            ty,
            docs: def.docs.clone(),
            alias: matches!(def.body, ast::TypeDefBody::Alias(_)),
        });
        ty
    }

    /// Resolves a type definition's body and creates its WIT definition.
    pub(super) fn type_body(&mut self, def: &ast::TypeDef) -> Ty {
        if let ast::TypeDefBody::Alias(target) = &def.body {
            return self.resolve_type(target);
        }
        let mut seen: HashMap<String, Span> = HashMap::default();
        let mut check_dup = |this: &mut Self, name: &ast::Ident, what: &str| {
            if let Some(first) = seen.insert(name.name.clone(), name.span) {
                this.diagnostics.push(
                    Diagnostic::error(
                        "duplicate-definition",
                        format!("{what} `{}` is defined more than once in `{}`", name.name, def.name.name),
                        name.span,
                        "defined again here",
                    )
                    .with_label(first, "first defined here"),
                );
            }
        };
        let wit = |t: Ty| t.to_wit().unwrap_or(wit_parser::Type::Bool);
        let kind = match &def.body {
            ast::TypeDefBody::Record(fields) => {
                if fields.is_empty() {
                    self.diagnostics.push(Diagnostic::error(
                        "empty-type",
                        format!("record `{}` has no fields", def.name.name),
                        def.name.span,
                        "a record needs at least one field",
                    ));
                }
                let mut out = Vec::new();
                for (name, ty) in fields {
                    check_dup(self, name, "field");
                    let t = self.resolve_type(ty);
                    out.push(wit_parser::Field {
                        name: name.name.clone(),
                        ty: wit(t),
                        docs: Default::default(),
                        span: Default::default(),
                    });
                }
                TypeDefKind::Record(wit_parser::Record { fields: out })
            }
            ast::TypeDefBody::Variant(cases) => {
                let mut out = Vec::new();
                for (name, ty) in cases {
                    check_dup(self, name, "case");
                    let t = ty.as_ref().map(|t| self.resolve_type(t));
                    out.push(wit_parser::Case {
                        name: name.name.clone(),
                        ty: t.map(wit),
                        docs: Default::default(),
                        span: Default::default(),
                    });
                }
                TypeDefKind::Variant(wit_parser::Variant { cases: out })
            }
            ast::TypeDefBody::Enum(cases) => {
                let mut out = Vec::new();
                for name in cases {
                    check_dup(self, name, "case");
                    out.push(wit_parser::EnumCase {
                        name: name.name.clone(),
                        docs: Default::default(),
                        span: Default::default(),
                    });
                }
                TypeDefKind::Enum(wit_parser::Enum { cases: out })
            }
            ast::TypeDefBody::Flags(flags) => {
                let mut out = Vec::new();
                for name in flags {
                    check_dup(self, name, "flag");
                    out.push(wit_parser::Flag {
                        name: name.name.clone(),
                        docs: Default::default(),
                        span: Default::default(),
                    });
                }
                TypeDefKind::Flags(wit_parser::Flags { flags: out })
            }
            ast::TypeDefBody::Alias(_) => unreachable!("aliases are handled above"),
        };
        let empty = match &kind {
            TypeDefKind::Variant(v) => v.cases.is_empty(),
            TypeDefKind::Enum(e) => e.cases.is_empty(),
            TypeDefKind::Flags(f) => f.flags.is_empty(),
            _ => false,
        };
        if let TypeDefKind::Flags(f) = &kind
            && f.flags.len() > MAX_FLAGS
        {
            self.diagnostics.push(
                Diagnostic::error(
                    "too-many-flags",
                    format!(
                        "`{}` has {} flags; the Component Model allows at most {MAX_FLAGS}",
                        def.name.name,
                        f.flags.len()
                    ),
                    def.name.span,
                    format!("more than {MAX_FLAGS} flags"),
                )
                .with_help("split it into several flags types"),
            );
        }
        if empty {
            let what = if matches!(kind, TypeDefKind::Flags(_)) { "flag" } else { "case" };
            self.diagnostics.push(Diagnostic::error(
                "empty-type",
                format!("`{}` has no {what}s", def.name.name),
                def.name.span,
                format!("needs at least one {what}"),
            ));
        }
        let id = self.resolve.types.alloc(wit_parser::TypeDef {
            name: Some(def.name.name.clone()),
            kind,
            owner: wit_parser::TypeOwner::None,
            docs: wit_parser::Docs { contents: (!def.docs.is_empty()).then(|| def.docs.clone()) },
            stability: Default::default(),
            span: Default::default(),
            external_id: Default::default(),
        });
        if matches!(def.body, ast::TypeDefBody::Enum(_)) { Ty::Enum(id) } else { Ty::Def(id) }
    }

    pub(super) fn signature(&mut self, sig: &ast::FuncSig) -> Signature {
        let mut params = Vec::with_capacity(sig.params.len());
        // The latest earlier declaration of each name: a scan of the earlier
        // parameters while there are few (no table to allocate), a table for
        // long lists (so that checking them stays linear).
        let mut seen: HashMap<&str, Span> = HashMap::default();
        for (k, p) in sig.params.iter().enumerate() {
            let first = if sig.params.len() <= 16 {
                sig.params[..k].iter().rev().find(|q| q.name.name == p.name.name).map(|q| q.name.span)
            } else {
                seen.get(p.name.name.as_str()).copied()
            };
            if let Some(first) = first {
                self.diagnostics.push(
                    Diagnostic::error(
                        "duplicate-parameter",
                        format!("parameter `{}` is declared twice", p.name.name),
                        p.name.span,
                        "declared again here",
                    )
                    .with_label(first, "first declared here"),
                );
            }
            if sig.params.len() > 16 {
                seen.insert(&p.name.name, p.name.span);
            }
            let ty = self.resolve_type(&p.ty);
            params.push((p.name.name.clone(), ty));
        }
        let result = sig.result.as_ref().map(|t| self.resolve_type(t));
        Signature { params, result, span: sig.span }
    }

    /// Converts a WIT type met inside an already accepted type.
    #[allow(clippy::wrong_self_convention)] // `from` as in "converted from WIT"; it interns.
    pub(super) fn from_wit(&mut self, ty: &wit_parser::Type) -> Ty {
        self.interner.from_wit(&mut self.resolve, ty).unwrap_or(Ty::Error)
    }

    /// The type named before `::` in `ty::case`.
    pub(super) fn type_for_path(&mut self, type_name: &ast::Ident) -> Option<Ty> {
        if let Some(t) = self.scoped_type(&type_name.name) {
            return Some(t);
        }
        match self.names.get(&type_name.name).copied() {
            Some(Binding::Type(t)) => Some(t),
            // Let `value_path` report it.
            _ => {
                self.value_path(type_name, type_name);
                None
            }
        }
    }

    /// The index and payload type of case `name` of a variant, `option`
    /// or `result` type; reports an unknown case.
    pub(super) fn case_of(&mut self, ty: Ty, name: &str, span: Span) -> Option<(u32, Option<Ty>)> {
        let type_name = self.ty_name(ty);
        let cases: Vec<(String, Option<wit_parser::Type>)> = match ty.def(&self.resolve) {
            Some(TypeDefKind::Variant(v)) => v.cases.iter().map(|c| (c.name.clone(), c.ty)).collect(),
            Some(TypeDefKind::Option(t)) => vec![("none".into(), None), ("some".into(), Some(*t))],
            Some(TypeDefKind::Result(r)) => vec![("ok".into(), r.ok), ("err".into(), r.err)],
            _ => {
                let kind = if matches!(name, "some" | "none") { "an option" } else { "a result" };
                let d = Diagnostic::error(
                    "type-mismatch",
                    format!("`{name}` makes {kind}, but `{type_name}` is expected"),
                    span,
                    format!("expected `{type_name}`"),
                );
                self.diagnostics.push(d);
                return None;
            }
        };
        match cases.iter().position(|(n, _)| n == name) {
            Some(i) => {
                let payload = cases[i].1.map(|t| self.from_wit(&t));
                Some((i as u32, payload))
            }
            None => {
                let names: Vec<&str> = cases.iter().map(|(n, _)| n.as_str()).collect();
                let d = Diagnostic::error(
                    "unknown-case",
                    format!("`{type_name}` has no case `{name}`"),
                    span,
                    "no such case",
                );
                self.diagnostics.push(suggest_or_list(d, name, &names, "cases"));
                None
            }
        }
    }

    /// Resolves `type::case` to an enum type and case index.
    pub(super) fn value_path(&mut self, type_name: &ast::Ident, case: &ast::Ident) -> Option<(Ty, u32)> {
        let scoped = self.scoped_type(&type_name.name).map(Binding::Type);
        let ty = match scoped.or_else(|| self.names.get(&type_name.name).copied()) {
            Some(Binding::Type(t)) => t,
            Some(_) => {
                self.diagnostics.push(Diagnostic::error(
                    "not-a-type",
                    format!("`{}` is not a type", type_name.name),
                    type_name.span,
                    "expected an enum type",
                ));
                return None;
            }
            None => {
                let candidates: Vec<&str> =
                    self.names.iter().filter(|(_, b)| matches!(b, Binding::Type(_))).map(|(n, _)| n.as_str()).collect();
                let suggestions = similar(&type_name.name, candidates);
                let mut d = Diagnostic::error(
                    "unknown-type",
                    format!("unknown type `{}`", type_name.name),
                    type_name.span,
                    "not a known type",
                );
                if !suggestions.is_empty() {
                    d = d.with_help(format!("did you mean {}?", one_of(&suggestions)));
                } else {
                    d = d.with_help(format!("import it, e.g. `import {{ {} }} from ns:pkg/iface;`", type_name.name));
                }
                self.diagnostics.push(d);
                return None;
            }
        };
        if ty == Ty::Error {
            return None;
        }
        let cases = ty.enum_cases(&self.resolve);
        if !matches!(ty, Ty::Enum(_)) {
            self.diagnostics.push(Diagnostic::error(
                "not-an-enum",
                format!("`{}` is not an enum", type_name.name),
                type_name.span,
                "has no cases",
            ));
            return None;
        }
        match cases.iter().position(|c| *c == case.name) {
            Some(i) => Some((ty, i as u32)),
            None => {
                let suggestions = similar(&case.name, cases.iter().map(|s| s.as_str()));
                let mut d = Diagnostic::error(
                    "unknown-case",
                    format!("enum `{}` has no case `{}`", type_name.name, case.name),
                    case.span,
                    "no such case",
                );
                d = if suggestions.is_empty() {
                    d.with_note(format!("its cases are: {}", cases.join(", ")))
                } else {
                    d.with_help(format!("did you mean {}?", one_of(&suggestions)))
                };
                self.diagnostics.push(d);
                None
            }
        }
    }
}
