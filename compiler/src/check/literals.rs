//! Compound literals in WAVE syntax: tuples, lists, `{...}` records and
//! flags, and case constructors (`some(x)`, `shape::circle(r)`), typed from
//! the expected type.

use super::*;

impl BodyChecker<'_> {
    /// Reports a literal whose type cannot be known from context.
    pub(super) fn needs_annotation(&mut self, what: &str, span: Span) -> ExprId {
        self.checker.diagnostics.push(
            Diagnostic::error(
                "annotation-needed",
                format!("the type of this {what} cannot be inferred"),
                span,
                "type needed",
            )
            .with_help("give the variable a type: `let x: TYPE = ...;`"),
        );
        self.error_expr(span)
    }

    /// Reports a literal of the wrong shape for the expected type.
    pub(super) fn wrong_literal(&mut self, what: &str, expected: Ty, span: Span) -> ExprId {
        let name = self.checker.ty_name(expected);
        self.checker.diagnostics.push(Diagnostic::error(
            "type-mismatch",
            format!("expected `{name}`, found a {what}"),
            span,
            format!("expected `{name}`"),
        ));
        self.error_expr(span)
    }

    /// `(a, b, ...)`
    pub(super) fn tuple_literal(&mut self, items: &[ast::Expr], expected: Option<Ty>, span: Span) -> ExprId {
        let expected_types: Option<Vec<wit_parser::Type>> = match expected.and_then(|t| t.def(&self.checker.resolve)) {
            Some(TypeDefKind::Tuple(t)) if t.types.len() == items.len() => Some(t.types.clone()),
            _ => None,
        };
        let mut ids = Vec::new();
        let mut types = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let id = match &expected_types {
                Some(ts) => {
                    let t = self.checker.from_wit(&ts[i]);
                    self.check(item, t)
                }
                None => self.infer(item),
            };
            types.push(self.ty(id));
            ids.push(id);
        }
        if types.contains(&Ty::Error) {
            return self.error_expr(span);
        }
        if types.contains(&Ty::Unit) {
            return self.error_expr(span);
        }
        let ty = self.checker.interner.tuple(&mut self.checker.resolve, &types);
        self.push_expr(ir::ExprKind::Tuple(ids), ty, span)
    }

    /// `[a, b, ...]`
    pub(super) fn list_literal(&mut self, items: &[ast::Expr], expected: Option<Ty>, span: Span) -> ExprId {
        let elem = match expected.and_then(|t| t.def(&self.checker.resolve)) {
            Some(TypeDefKind::List(t)) => {
                let t = *t;
                Some(self.checker.from_wit(&t))
            }
            _ => None,
        };
        let mut ids = Vec::new();
        let elem = match elem {
            Some(t) => t,
            None => {
                let Some(first) = items.first() else {
                    if expected == Some(Ty::Error) {
                        return self.error_expr(span);
                    }
                    return match expected {
                        Some(t) => self.wrong_literal("list", t, span),
                        None => self.needs_annotation("empty list", span),
                    };
                };
                if let Some(t) = expected
                    && t != Ty::Error
                {
                    for item in items {
                        self.infer(item);
                    }
                    return self.wrong_literal("list", t, span);
                }
                let id = self.infer(first);
                ids.push(id);
                self.ty(id)
            }
        };
        for item in &items[ids.len()..] {
            ids.push(self.check(item, elem));
        }
        if elem == Ty::Error || elem == Ty::Unit {
            return self.error_expr(span);
        }
        let ty = self.checker.interner.list(&mut self.checker.resolve, elem);
        self.push_expr(ir::ExprKind::List(ids), ty, span)
    }

    /// Checks the values of a braced literal that cannot be built, for their own errors.
    pub(super) fn infer_values(&mut self, items: &[(ast::Ident, Option<ast::Expr>)]) {
        for v in items.iter().filter_map(|(_, v)| v.as_ref()) {
            self.infer(v);
        }
    }

    /// `{x: 1, y: 2}` (a record) or `{a, b}` (flags).
    pub(super) fn braced_literal(
        &mut self,
        items: &[(ast::Ident, Option<ast::Expr>)],
        expected: Option<Ty>,
        span: Span,
    ) -> ExprId {
        let Some(ty) = expected else {
            self.infer_values(items);
            let what = if items.iter().all(|(_, v)| v.is_none()) { "flags value" } else { "record" };
            return self.needs_annotation(what, span);
        };
        if ty == Ty::Error {
            self.infer_values(items);
            return self.error_expr(span);
        }
        let type_name = self.checker.ty_name(ty);
        match ty.def(&self.checker.resolve).cloned() {
            Some(TypeDefKind::Record(record)) => {
                let mut values: Vec<Option<ExprId>> = vec![None; record.fields.len()];
                for (name, value) in items {
                    let Some(index) = record.fields.iter().position(|f| f.name == name.name) else {
                        if let Some(v) = value {
                            self.infer(v);
                        }
                        let names: Vec<&str> = record.fields.iter().map(|f| f.name.as_str()).collect();
                        let d = Diagnostic::error(
                            "unknown-field",
                            format!("record `{type_name}` has no field `{}`", name.name),
                            name.span,
                            "unknown field",
                        );
                        self.checker.diagnostics.push(suggest_or_list(d, &name.name, &names, "fields"));
                        continue;
                    };
                    let field_ty = self.checker.from_wit(&record.fields[index].ty);
                    let Some(value) = value else {
                        self.checker.diagnostics.push(
                            Diagnostic::error(
                                "missing-field-value",
                                format!("field `{}` needs a value", name.name),
                                name.span,
                                "no value",
                            )
                            .with_help(format!("write `{}: VALUE`", name.name)),
                        );
                        continue;
                    };
                    let id = self.check(value, field_ty);
                    if values[index].is_some() {
                        self.checker.diagnostics.push(Diagnostic::error(
                            "duplicate-field",
                            format!("field `{}` is given twice", name.name),
                            name.span,
                            "given again here",
                        ));
                    }
                    values[index] = Some(id);
                }
                let missing: Vec<&str> = record
                    .fields
                    .iter()
                    .zip(&values)
                    .filter(|(_, v)| v.is_none())
                    .map(|(f, _)| f.name.as_str())
                    .collect();
                if !missing.is_empty() {
                    let list = missing.iter().map(|m| format!("`{m}`")).collect::<Vec<_>>().join(", ");
                    self.checker.diagnostics.push(Diagnostic::error(
                        "missing-field",
                        format!(
                            "missing {} {list} in a `{type_name}` value",
                            if missing.len() == 1 { "field" } else { "fields" }
                        ),
                        span,
                        "incomplete record",
                    ));
                    return self.error_expr(span);
                }
                let ids = values.into_iter().flatten().collect();
                self.push_expr(ir::ExprKind::Record(ids), ty, span)
            }
            Some(TypeDefKind::Flags(flags)) => {
                let mut set = Vec::new();
                for (name, value) in items {
                    if let Some(v) = value {
                        self.infer(v);
                        self.checker.diagnostics.push(Diagnostic::error(
                            "type-mismatch",
                            format!("flags `{type_name}` are written as a set of names, like `{{{}}}`", name.name),
                            v.span,
                            "flags take no values",
                        ));
                        continue;
                    }
                    match flags.flags.iter().position(|f| f.name == name.name) {
                        Some(i) => set.push(i as u32),
                        None => {
                            let names: Vec<&str> = flags.flags.iter().map(|f| f.name.as_str()).collect();
                            self.checker.diagnostics.push(
                                Diagnostic::error(
                                    "unknown-flag",
                                    format!("flags `{type_name}` have no flag `{}`", name.name),
                                    name.span,
                                    "unknown flag",
                                )
                                .with_note(format!("its flags are: {}", names.join(", "))),
                            );
                        }
                    }
                }
                self.push_expr(ir::ExprKind::Flags(set), ty, span)
            }
            _ => {
                self.infer_values(items);
                let what = if items.iter().all(|(_, v)| v.is_none()) { "flags value" } else { "record" };
                self.wrong_literal(what, ty, span)
            }
        }
    }

    /// `some(x)`, `ok(x)`, `err(e)` and `ty::case(x)`: a case with a
    /// payload. `None` when the callee is not a case (it is a call).
    pub(super) fn case_call(
        &mut self,
        callee: &ast::Expr,
        args: &[ast::Expr],
        expected: Option<Ty>,
        span: Span,
    ) -> Option<ExprId> {
        let callee = strip_parens(callee);
        let (ty, case_name, case_span) = match &callee.kind {
            A::Name(name)
                if matches!(name.name.as_str(), "some" | "ok" | "err")
                    && self.lookup_local(&name.name).is_none()
                    && !self.checker.names.contains_key(&name.name) =>
            {
                match expected {
                    Some(t) => (t, name.name.clone(), name.span),
                    None => {
                        for a in args {
                            self.infer(a);
                        }
                        let what = if name.name == "some" { "option" } else { "result" };
                        return Some(self.needs_annotation(what, span));
                    }
                }
            }
            A::Path(type_name, case) if type_name.name == "string" && self.checker.scoped_type("string").is_none() => {
                return Some(self.string_function(case, args, span));
            }
            A::Path(type_name, case) => {
                let ty = self.checker.type_for_path(type_name)?;
                if let Some((true, r)) = ty.handle(&self.checker.resolve) {
                    if self.checker.is_defined(r) {
                        return Some(self.defined_path_call(r, case, args, span));
                    }
                    return Some(self.resource_path_call(r, case, args, span));
                }
                (ty, case.name.clone(), case.span)
            }
            _ => return None,
        };
        if ty == Ty::Error {
            for a in args {
                self.infer(a);
            }
            return Some(self.error_expr(span));
        }
        let Some((index, payload)) = self.checker.case_of(ty, &case_name, case_span) else {
            for a in args {
                self.infer(a);
            }
            return Some(self.error_expr(span));
        };
        let type_name = self.checker.ty_name(ty);
        match (payload, args) {
            (Some(p), [arg]) => {
                let id = self.check(arg, p);
                Some(self.push_expr(ir::ExprKind::Case(index, Some(id)), ty, span))
            }
            (Some(_), _) => {
                for a in args {
                    self.infer(a);
                }
                self.checker.diagnostics.push(Diagnostic::error(
                    "wrong-case-payload",
                    format!("case `{case_name}` of `{type_name}` takes one payload value"),
                    span,
                    format!("{} given", args.len()),
                ));
                Some(self.error_expr(span))
            }
            (None, _) => {
                for a in args {
                    self.infer(a);
                }
                self.checker.diagnostics.push(
                    Diagnostic::error(
                        "wrong-case-payload",
                        format!("case `{case_name}` of `{type_name}` has no payload"),
                        span,
                        "no payload expected",
                    )
                    .with_help(format!("write `{case_name}` without parentheses")),
                );
                Some(self.error_expr(span))
            }
        }
    }
}
