//! Places and assignment: `x = e`, compound assignment, destructuring
//! `let`, and assignment to parts (`p.x = e`, `xs[i] = e`, nested parts).

use super::*;

impl BodyChecker<'_> {
    pub(super) fn assign(
        &mut self,
        target: &ast::Expr,
        op: Option<(BinaryOp, Span)>,
        value: &ast::Expr,
    ) -> Option<ir::Stmt> {
        let target = strip_parens(target);
        if matches!(target.kind, A::Field { .. } | A::Index { .. }) {
            return self.assign_part(target, op, value);
        }
        let Some((place, ty)) = self.mutable_place(target, "assign to") else {
            self.infer(value);
            return None;
        };
        let value = match op {
            None => self.check(value, ty),
            Some((op, op_span)) => {
                let read_kind = match place {
                    Place::Local(l) => ir::ExprKind::Local(l),
                    Place::Global(g) => ir::ExprKind::Global(g),
                };
                let read = self.push_expr(read_kind, ty, target.span);
                let rhs = self.check(value, ty);
                let span = target.span.to(value.span);
                self.binary_result(op, op_span, read, rhs, span)
            }
        };
        // The variable holds a value again.
        if let Place::Local(l) = place {
            self.moved.remove(&l);
        }
        if let Place::Global(g) = place
            && self.checker.is_linear(ty)
            && let Some(retired) = self.checker.retire_list(ty)
        {
            // The new value first (it may read the global); the old one is
            // retired, and dropped when the export call ends: a `match` or
            // `for` up the stack may still be lending its handles.
            let hidden = self.new_local("", ty, false, target.span);
            let old = self.push_expr(ir::ExprKind::Global(g), ty, target.span);
            let retire = self.push_expr(ir::ExprKind::ListPush(Place::Global(retired), old), Ty::Unit, target.span);
            let read = self.push_expr(ir::ExprKind::Local(hidden), ty, target.span);
            return Some(ir::Stmt::Block(vec![
                ir::Stmt::Let(hidden, value),
                ir::Stmt::Expr(retire),
                ir::Stmt::Assign(place, read),
            ]));
        }
        Some(ir::Stmt::Assign(place, value))
    }

    /// `let (a, b) = value;` (`fields` is `None`, each name has its element
    /// index) or `let {x, y: b} = value;` (`fields` names the record fields).
    pub(super) fn destructure(
        &mut self,
        value: &ast::Expr,
        mutable: bool,
        names: &[(Option<&ast::Ident>, Option<u32>)],
        fields: Option<&[(ast::Ident, ast::Ident)]>,
    ) -> Option<ir::Stmt> {
        let value = self.infer(value);
        let ty = self.ty(value);
        let span = self.function.expr_spans[value.index()];
        let kind = ty.def(&self.checker.resolve).cloned();
        let parts: Option<Vec<(String, wit_parser::Type)>> = match (&kind, fields) {
            (Some(TypeDefKind::Tuple(t)), None) if t.types.len() == names.len() => {
                Some(t.types.iter().enumerate().map(|(k, t)| (k.to_string(), *t)).collect())
            }
            (Some(TypeDefKind::Record(r)), Some(_)) => Some(r.fields.iter().map(|f| (f.name.clone(), f.ty)).collect()),
            _ => None,
        };
        let Some(parts) = parts else {
            if ty != Ty::Error {
                let name = self.checker.ty_name(ty);
                let what = match fields {
                    None => format!("a tuple of {} elements", names.len()),
                    Some(_) => "a record".to_string(),
                };
                self.checker.diagnostics.push(Diagnostic::error(
                    "type-mismatch",
                    format!("this `let` takes apart {what}, but the value is `{name}`"),
                    span,
                    format!("this is `{name}`"),
                ));
            }
            for (n, _) in names {
                if let Some(n) = n {
                    self.new_local(&n.name, Ty::Error, mutable, n.span);
                }
            }
            return None;
        };
        let hidden = self.new_local("", ty, false, span);
        let read = self.push_expr(ir::ExprKind::Local(hidden), ty, span);
        let mut stmts = vec![ir::Stmt::Let(hidden, value)];
        for (i, (name, index)) in names.iter().enumerate() {
            let index = match (index, fields) {
                (Some(k), _) => Some(*k),
                (None, Some(fields)) => {
                    let field = &fields[i].0;
                    let found = parts.iter().position(|(n, _)| *n == field.name);
                    if found.is_none() {
                        let record = self.checker.ty_name(ty);
                        let suggestions = similar(&field.name, parts.iter().map(|(n, _)| n.as_str()));
                        let mut d = Diagnostic::error(
                            "unknown-field",
                            format!("`{record}` has no field `{}`", field.name),
                            field.span,
                            "no such field",
                        );
                        if !suggestions.is_empty() {
                            d = d.with_help(format!("did you mean {}?", one_of(&suggestions)));
                        }
                        self.checker.diagnostics.push(d);
                    }
                    found.map(|k| k as u32)
                }
                (None, None) => None,
            };
            let Some(name) = name else {
                // `_` over a part that owns handles drops it.
                if let Some(k) = index {
                    let part_ty = self.checker.from_wit(&parts[k as usize].1);
                    if self.checker.is_linear(part_ty)
                        && let Some(callee) = self.checker.drop_callee(part_ty)
                    {
                        let part = self.push_expr(ir::ExprKind::Field(read, k), part_ty, span);
                        let call = self.push_expr(ir::ExprKind::Call(callee, vec![part]), Ty::Unit, span);
                        stmts.push(ir::Stmt::Expr(call));
                    }
                }
                continue;
            };
            let Some(index) = index else {
                self.new_local(&name.name, Ty::Error, mutable, name.span);
                continue;
            };
            let part_ty = self.checker.from_wit(&parts[index as usize].1);
            let part = self.push_expr(ir::ExprKind::Field(read, index), part_ty, name.span);
            let local = self.new_local(&name.name, part_ty, mutable, name.span);
            stmts.push(ir::Stmt::Let(local, part));
        }
        // A record's fields that are not named and own handles are dropped.
        if let Some(fields) = fields {
            for (k, (field_name, field_ty)) in parts.iter().enumerate() {
                if fields.iter().any(|(f, _)| f.name == *field_name) {
                    continue;
                }
                let part_ty = self.checker.from_wit(field_ty);
                if self.checker.is_linear(part_ty)
                    && let Some(callee) = self.checker.drop_callee(part_ty)
                {
                    let part = self.push_expr(ir::ExprKind::Field(read, k as u32), part_ty, span);
                    let call = self.push_expr(ir::ExprKind::Call(callee, vec![part]), Ty::Unit, span);
                    stmts.push(ir::Stmt::Expr(call));
                }
            }
        }
        Some(ir::Stmt::Block(stmts))
    }

    /// `a.b[i].c = value` (or `op=`): rebuilds the variable's value with the
    /// part replaced (value semantics: other copies are unchanged) and
    /// assigns it back. Index expressions are evaluated once, first.
    pub(super) fn assign_part(
        &mut self,
        target: &ast::Expr,
        op: Option<(BinaryOp, Span)>,
        value: &ast::Expr,
    ) -> Option<ir::Stmt> {
        self.assign_part_with(target, PartValue::Source(op, value))
    }

    /// [`Self::assign_part`], with the new value written in the source or
    /// already checked.
    pub(super) fn assign_part_with(&mut self, target: &ast::Expr, value: PartValue<'_>) -> Option<ir::Stmt> {
        let mut root = target;
        while let A::Field { base, .. } | A::Index { base, .. } = &root.kind {
            root = strip_parens(base);
        }
        // A field of a resource defined here is changed in place through
        // any handle to it (`self.count += 1`).
        let through_handle = match &root.kind {
            A::Name(n) => self.lookup_local(&n.name).is_some_and(|l| {
                let ty = self.function.local(l).ty;
                // (`Ty::Error`: a `self` whose resource was already reported.)
                ty == Ty::Error || ty.handle(&self.checker.resolve).is_some_and(|(_, r)| self.checker.is_defined(r))
            }),
            _ => false,
        };
        if !through_handle {
            let Some((_, root_ty)) = self.mutable_place(root, "assign to") else {
                value.check_for_errors(self);
                return None;
            };
            if self.checker.is_linear(root_ty) {
                // Rebuilding the value around the new part would copy the
                // handles of the other parts, and dropping the old value
                // would end them.
                self.checker.diagnostics.push(
                    Diagnostic::error(
                        "invalid-assignment",
                        "cannot assign to a part of a value that owns resource handles",
                        target.span,
                        "assigns a part",
                    )
                    .with_help("take the value apart (`let (a, b) = v;`), build a new one, and assign it whole"),
                );
                value.check_for_errors(self);
                return None;
            }
        }
        // The target is read only to find the place (and, for `op=`, its
        // value): reading it moves nothing.
        let lending = std::mem::replace(&mut self.lending_place, true);
        let read = self.infer(target);
        self.lending_place = lending;
        let ty = self.ty(read);
        if ty == Ty::Error {
            value.check_for_errors(self);
            return None;
        }
        // The steps from the variable to the part, innermost first.
        let mut steps = Vec::new();
        let mut prelude = Vec::new();
        let mut current = read;
        let place = loop {
            match self.function.expr(current).kind {
                ir::ExprKind::Field(base, k) => {
                    steps.push((base, None, k));
                    current = base;
                }
                ir::ExprKind::Index(base, index) => {
                    let index = match self.function.expr(index).kind {
                        ir::ExprKind::Const(_) | ir::ExprKind::Local(_) => index,
                        _ => {
                            let span = self.function.expr_spans[index.index()];
                            let hidden = self.new_local("", Ty::U32, false, span);
                            prelude.push(ir::Stmt::Let(hidden, index));
                            let read_hidden = self.push_expr(ir::ExprKind::Local(hidden), Ty::U32, span);
                            self.function.exprs[current.index()].kind = ir::ExprKind::Index(base, read_hidden);
                            read_hidden
                        }
                    };
                    steps.push((base, Some(index), 0));
                    current = base;
                }
                ir::ExprKind::Local(l) => break Ok(Place::Local(l)),
                ir::ExprKind::Global(g) => break Ok(Place::Global(g)),
                ir::ExprKind::RepField(resource, rep, k) => break Err((resource, rep, k)),
                _ => return None,
            }
        };
        prelude.reverse();
        let (span, mut new_value) = match value {
            PartValue::Source(op, value) => {
                let span = target.span.to(value.span);
                let new_value = match op {
                    None => self.check(value, ty),
                    Some((op, op_span)) => {
                        let rhs = self.check(value, ty);
                        self.binary_result(op, op_span, read, rhs, span)
                    }
                };
                (span, new_value)
            }
            PartValue::Checked(id) => (target.span, id),
        };
        let whole_field = steps.is_empty();
        for (base, index, k) in steps {
            let base_ty = self.ty(base);
            new_value = match index {
                Some(index) => self.push_expr(ir::ExprKind::ListSet(base, index, new_value), base_ty, span),
                None => {
                    let (field_types, tuple) = match base_ty.def(&self.checker.resolve).cloned() {
                        Some(TypeDefKind::Record(r)) => (r.fields.iter().map(|f| f.ty).collect::<Vec<_>>(), false),
                        Some(TypeDefKind::Tuple(t)) => (t.types.clone(), true),
                        _ => return None,
                    };
                    let mut items = Vec::new();
                    for (j, field_ty) in field_types.iter().enumerate() {
                        if j as u32 == k {
                            items.push(new_value);
                        } else {
                            let field_ty = self.checker.from_wit(field_ty);
                            items.push(self.push_expr(ir::ExprKind::Field(base, j as u32), field_ty, span));
                        }
                    }
                    let kind = if tuple { ir::ExprKind::Tuple(items) } else { ir::ExprKind::Record(items) };
                    self.push_expr(kind, base_ty, span)
                }
            };
        }
        match place {
            Ok(place) => prelude.push(ir::Stmt::Assign(place, new_value)),
            Err((resource, rep, k)) => {
                let field_ty = self.checker.module.resources[resource.index()].fields[k as usize].1;
                if self.checker.is_linear(field_ty) {
                    if !whole_field {
                        self.checker.diagnostics.push(
                            Diagnostic::error(
                                "invalid-assignment",
                                "cannot assign to a part of a field that owns resource handles",
                                target.span,
                                "assigns a part",
                            )
                            .with_help("assign the whole field"),
                        );
                        return None;
                    }
                    // The new value first (it may read the field); the old one
                    // is retired and dropped when the export call ends, since
                    // a `match` or `for` may be lending its handles.
                    let retired = self.checker.retire_list(field_ty)?;
                    let hidden = self.new_local("", field_ty, false, span);
                    prelude.push(ir::Stmt::Let(hidden, new_value));
                    let old = self.push_expr(ir::ExprKind::RepField(resource, rep, k), field_ty, span);
                    let retire = self.push_expr(ir::ExprKind::ListPush(Place::Global(retired), old), Ty::Unit, span);
                    prelude.push(ir::Stmt::Expr(retire));
                    let read = self.push_expr(ir::ExprKind::Local(hidden), field_ty, span);
                    let set = self.push_expr(ir::ExprKind::RepSet(resource, rep, k, read), Ty::Unit, span);
                    prelude.push(ir::Stmt::Expr(set));
                } else {
                    let set = self.push_expr(ir::ExprKind::RepSet(resource, rep, k, new_value), Ty::Unit, span);
                    prelude.push(ir::Stmt::Expr(set));
                }
            }
        }
        Some(ir::Stmt::Block(prelude))
    }

    /// Resolves `target` (a variable name) as a place that is changed by
    /// assignment or a mutating method (`what`: "assign to", "push onto"),
    /// reporting anything else. An immutable variable is reported but still
    /// returned, so the rest of the statement is checked.
    pub(super) fn mutable_place(&mut self, target: &ast::Expr, what_op: &str) -> Option<(Place, Ty)> {
        let A::Name(name) = &target.kind else {
            self.checker.diagnostics.push(Diagnostic::error(
                "invalid-assignment",
                format!("cannot {what_op} this expression"),
                target.span,
                "only variables can be changed",
            ));
            return None;
        };
        let (place, ty, mutable, decl_span, what) = if let Some(local) = self.lookup_local(&name.name) {
            let l = self.function.local(local);
            let is_param = self.function.params.contains(&local);
            (Place::Local(local), l.ty, l.mutable, l.span, if is_param { "parameter" } else { "variable" })
        } else {
            match self.checker.names.get(&name.name).copied() {
                Some(Binding::Global(g)) => {
                    let global = &self.checker.module.globals[g.index()];
                    // Where it is declared is looked up when it is reported.
                    (Place::Global(g), global.ty, global.mutable, Span::default(), "global")
                }
                Some(Binding::Type(Ty::Error)) => return None,
                Some(_) => {
                    self.checker.diagnostics.push(Diagnostic::error(
                        "invalid-assignment",
                        format!("cannot {what_op} `{}`", name.name),
                        name.span,
                        "not a variable",
                    ));
                    return None;
                }
                None => {
                    self.unbound(name);
                    return None;
                }
            }
        };
        self.check_not_lent(place, ty, what_op, target.span);
        if !mutable {
            let decl_span = match place {
                Place::Global(_) => self.checker.name_spans.get(&name.name).copied().unwrap_or_default(),
                Place::Local(_) => decl_span,
            };
            let mut d = Diagnostic::error(
                "assign-immutable",
                format!("cannot {what_op} immutable {what} `{}`", name.name),
                target.span,
                if what_op == "assign to" { "cannot assign".to_string() } else { format!("cannot {what_op} it") },
            )
            .with_label(decl_span, format!("`{}` is declared here", name.name));
            d = match what {
                "parameter" => {
                    d.with_help(format!("copy it into a mutable local first: `let mut {0} = {0};`", name.name))
                }
                _ => d.with_help(format!("declare it with `let mut {}`", name.name)),
            };
            self.checker.diagnostics.push(d);
        }
        Some((place, ty))
    }
}
