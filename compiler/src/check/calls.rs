//! Calls of functions, imports and built-ins, method calls (string and
//! list methods, `push`/`pop` on parts), field access and `?`.

use super::*;

impl Checker {
    /// The signature of a function of the file or an import.
    fn callee_signature(&self, callee: Callee) -> &Signature {
        match callee {
            Callee::Func(f) => &self.signatures[f.index()],
            Callee::Import(i) => &self.import_signatures[i.index()],
        }
    }
}

impl BodyChecker<'_> {
    pub(super) fn call(&mut self, callee: &ast::Expr, args: &[ast::Expr], span: Span) -> ExprId {
        let callee = strip_parens(callee);
        let target = match &callee.kind {
            A::Name(name) if self.lookup_local(&name.name).is_none() => {
                match self.checker.names.get(&name.name).copied() {
                    Some(Binding::Func(f)) => Some((Callee::Func(f), name)),
                    Some(Binding::Import(i)) => Some((Callee::Import(i), name)),
                    Some(Binding::Type(Ty::Error)) => None,
                    None => {
                        self.unbound(name);
                        None
                    }
                    Some(_) => {
                        self.not_callable(callee);
                        None
                    }
                }
            }
            _ => {
                self.infer(callee);
                self.not_callable(callee);
                None
            }
        };
        let Some((target, name)) = target else {
            for a in args {
                self.infer(a);
            }
            return self.error_expr(span);
        };
        let sig = self.checker.callee_signature(target);
        let (param_count, result) = (sig.params.len(), sig.result);
        if param_count != args.len() {
            let params = sig.params.clone();
            let decl_span = self.checker.name_spans.get(&name.name).copied().unwrap_or(sig.span);
            let plural = |n: usize| if n == 1 { "argument" } else { "arguments" };
            let list: Vec<String> = params.iter().map(|(n, t)| format!("{n}: {}", self.checker.ty_name(*t))).collect();
            self.checker.diagnostics.push(
                Diagnostic::error(
                    "wrong-arity",
                    format!(
                        "`{}` takes {} {} but {} {} supplied",
                        name.name,
                        params.len(),
                        plural(params.len()),
                        args.len(),
                        if args.len() == 1 { "was" } else { "were" }
                    ),
                    span,
                    format!("expected {} {}", params.len(), plural(params.len())),
                )
                .with_label(decl_span, format!("`{}({})` is declared here", name.name, list.join(", "))),
            );
        }
        let mut ids = Vec::with_capacity(args.len().min(param_count));
        for (i, arg) in args.iter().enumerate() {
            match self.checker.callee_signature(target).params.get(i).map(|(_, t)| *t) {
                Some(t) if matches!(t.handle(&self.checker.resolve), Some((false, _))) => ids.push(self.lend(arg, t)),
                Some(t) => ids.push(self.check(arg, t)),
                None => {
                    self.infer(arg);
                }
            }
        }
        if ids.len() != param_count {
            return self.push_expr(ir::ExprKind::Error, result.unwrap_or(Ty::Unit), span);
        }
        self.push_expr(ir::ExprKind::Call(target, ids), result.unwrap_or(Ty::Unit), span)
    }

    /// Checks a call of a built-in method (the string methods of the brief).
    pub(super) fn method_call(
        &mut self,
        receiver: &ast::Expr,
        method: &ast::Ident,
        args: &[ast::Expr],
        span: Span,
    ) -> ExprId {
        if let Some(call) = self.mock_record(receiver, method, args, span) {
            return call;
        }
        // A method reads its receiver; it does not move it.
        let mut receiver_id = self.lend_place(receiver);
        let receiver_ty = self.ty(receiver_id);
        if let Some((own, r)) = receiver_ty.handle(&self.checker.resolve) {
            if own && !self.is_place(receiver) {
                receiver_id = self.keep_temporary(receiver_id, receiver.span);
            }
            if self.checker.is_defined(r) {
                return self.defined_method_call(r, receiver_id, method, args, span);
            }
            return self.resource_method_call(r, receiver_id, method, args, span);
        }
        if receiver_ty == Ty::String && matches!(method.name.as_str(), "split" | "bytes") {
            let (builtin, params, elem) = match method.name.as_str() {
                "split" => (ir::Builtin::StrSplit, &[Ty::String][..], Ty::String),
                _ => (ir::Builtin::StrBytes, &[][..], Ty::U8),
            };
            let result = self.checker.interner.list(&mut self.checker.resolve, elem);
            if args.len() != params.len() {
                for a in args {
                    self.infer(a);
                }
                self.checker.diagnostics.push(Diagnostic::error(
                    "wrong-arity",
                    format!("`{}` takes {} argument(s) but {} were supplied", method.name, params.len(), args.len()),
                    span,
                    format!("expected {}", params.len()),
                ));
                return self.error_expr(span);
            }
            let mut ids = vec![receiver_id];
            for (arg, ty) in args.iter().zip(params) {
                ids.push(self.check(arg, *ty));
            }
            return self.push_expr(ir::ExprKind::Builtin(builtin, ids), result, span);
        }
        if let Some(TypeDefKind::List(elem)) = receiver_ty.def(&self.checker.resolve) {
            let elem = *elem;
            let elem = self.checker.from_wit(&elem);
            if let Some(id) = self.list_method(receiver, receiver_id, elem, method, args, span) {
                return id;
            }
        }
        let found = match receiver_ty {
            Ty::String => ir::Builtin::STRING_METHODS.iter().find(|(name, ..)| *name == method.name),
            _ if self.is_list(receiver_ty) => ir::Builtin::LIST_METHODS.iter().find(|(name, ..)| *name == method.name),
            _ => None,
        };
        let Some(&(_, builtin, params, result)) = found else {
            for a in args {
                self.infer(a);
            }
            if receiver_ty != Ty::Error {
                let ty_name = self.checker.ty_name(receiver_ty);
                let mut d = Diagnostic::error(
                    "unknown-method",
                    format!("`{ty_name}` has no method `{}`", method.name),
                    method.span,
                    "unknown method",
                )
                .with_label(receiver.span, format!("this is `{ty_name}`"));
                let table = match receiver_ty {
                    Ty::String => Some(("string", ir::Builtin::STRING_METHODS)),
                    _ if self.is_list(receiver_ty) => Some(("list", ir::Builtin::LIST_METHODS)),
                    _ => None,
                };
                if let Some((kind, table)) = table {
                    let mut names: Vec<&str> = table.iter().map(|(n, ..)| *n).collect();
                    if kind == "list" {
                        names.extend(LIST_ELEMENT_METHODS);
                    } else {
                        names.extend(["split", "bytes"]);
                    }
                    let suggestions = similar(&method.name, names.iter().copied());
                    d = if suggestions.is_empty() {
                        d.with_note(format!("{kind} methods: {}", names.join(", ")))
                    } else {
                        d.with_help(format!("did you mean {}?", one_of(&suggestions)))
                    };
                }
                self.checker.diagnostics.push(d);
            }
            return self.error_expr(span);
        };
        if args.len() != params.len() {
            for a in args {
                self.infer(a);
            }
            let plural = if params.len() == 1 { "argument" } else { "arguments" };
            self.checker.diagnostics.push(Diagnostic::error(
                "wrong-arity",
                format!("`{}` takes {} {plural} but {} were supplied", method.name, params.len(), args.len()),
                span,
                format!("expected {} {plural}", params.len()),
            ));
            return self.push_expr(ir::ExprKind::Error, result, span);
        }
        let mut ids = vec![receiver_id];
        for (arg, ty) in args.iter().zip(params) {
            ids.push(self.check(arg, *ty));
        }
        self.push_expr(ir::ExprKind::Builtin(builtin, ids), result, span)
    }

    /// `value?`: see [`ir::ExprKind::Try`].
    pub(super) fn try_expr(&mut self, inner: &ast::Expr, span: Span) -> ExprId {
        let value = self.infer(inner);
        let ty = self.ty(value);
        let resolve = &self.checker.resolve;
        let (is_option, success, error) = match ty.def(resolve) {
            Some(TypeDefKind::Option(t)) => (true, Some(*t), None),
            Some(TypeDefKind::Result(r)) => (false, r.ok, r.err),
            _ => {
                if ty != Ty::Error {
                    let name = self.checker.ty_name(ty);
                    self.checker.diagnostics.push(Diagnostic::error(
                        "type-mismatch",
                        format!("`?` needs an `option` or a `result`, not `{name}`"),
                        inner.span,
                        format!("this is `{name}`"),
                    ));
                }
                return self.error_expr(span);
            }
        };
        if self.is_test() {
            let out = success.map(|t| self.checker.from_wit(&t)).unwrap_or(Ty::Unit);
            return self.test_try(value, inner, out, span);
        }
        let result = self.function.result;
        let carries = match result.and_then(|r| r.def(resolve)) {
            Some(TypeDefKind::Option(_)) => is_option,
            Some(TypeDefKind::Result(r)) => {
                !is_option && r.err.map(|e| self.checker.from_wit(&e)) == error.map(|e| self.checker.from_wit(&e))
            }
            _ => result == Some(Ty::Error),
        };
        if !carries {
            let name = self.checker.ty_name(ty);
            let what = match (is_option, error) {
                (true, _) => "`none`".to_string(),
                (false, Some(e)) => format!("`err` with a `{}`", display_wit(&self.checker.resolve, &e)),
                (false, None) => "`err`".to_string(),
            };
            let returns = match result {
                Some(r) => format!("returns `{}`", self.checker.ty_name(r)),
                None => "returns nothing".to_string(),
            };
            let needed = match (is_option, error) {
                (true, _) => "an `option<...>`".to_string(),
                (false, Some(e)) => format!("a `result<_, {}>`", display_wit(&self.checker.resolve, &e)),
                (false, None) => "a `result` without an error payload".to_string(),
            };
            let fname = self.function.name.clone();
            let result_span = self.checker.signatures[self.func.index()].span;
            self.checker.diagnostics.push(
                Diagnostic::error(
                    "try-incompatible-return",
                    format!("`?` on `{name}` may return {what}, but function `{fname}` {returns}"),
                    span,
                    format!("this can return {what}"),
                )
                .with_label(result_span, format!("function `{fname}` {returns}"))
                .with_help(format!(
                    "`?` here needs `{fname}` to return {needed}; or use `match` to handle the failure"
                )),
            );
            return self.error_expr(span);
        }
        let out = success.map(|t| self.checker.from_wit(&t)).unwrap_or(Ty::Unit);
        self.push_expr(ir::ExprKind::Try(value, self.all_owned(), None), out, span)
    }

    /// The list methods whose types depend on the element type `elem`:
    /// `get`, `contains`, and the mutating `push` and `pop`. `None` for any
    /// other method.
    pub(super) fn list_method(
        &mut self,
        receiver: &ast::Expr,
        list: ExprId,
        elem: Ty,
        method: &ast::Ident,
        args: &[ast::Expr],
        span: Span,
    ) -> Option<ExprId> {
        let arity = match method.name.as_str() {
            "get" | "contains" | "push" => 1,
            "pop" => 0,
            _ => return None,
        };
        if args.len() != arity {
            for a in args {
                self.infer(a);
            }
            let plural = if arity == 1 { "argument" } else { "arguments" };
            self.checker.diagnostics.push(Diagnostic::error(
                "wrong-arity",
                format!("`{}` takes {arity} {plural} but {} were supplied", method.name, args.len()),
                span,
                format!("expected {arity} {plural}"),
            ));
            return Some(self.error_expr(span));
        }
        let option = self.checker.interner.option(&mut self.checker.resolve, elem);
        if matches!(method.name.as_str(), "get" | "contains") && !self.no_partial_move(elem, span) {
            for a in args {
                self.infer(a);
            }
            return Some(self.error_expr(span));
        }
        Some(match method.name.as_str() {
            "get" => {
                let index = self.check(&args[0], Ty::U32);
                self.push_expr(ir::ExprKind::Builtin(ir::Builtin::ListGet, vec![list, index]), option, span)
            }
            "contains" => {
                let value = self.check(&args[0], elem);
                self.push_expr(ir::ExprKind::Builtin(ir::Builtin::ListContains, vec![list, value]), Ty::Bool, span)
            }
            "push" | "pop" if self.is_part(receiver) => self.part_push_pop(receiver, list, elem, method, args, span),
            "push" => {
                let place = self.mutable_place(strip_parens(receiver), "push onto");
                let value = self.check(&args[0], elem);
                match place {
                    Some((place, _)) => self.push_expr(ir::ExprKind::ListPush(place, value), Ty::Unit, span),
                    None => self.error_expr(span),
                }
            }
            _ => match self.mutable_place(strip_parens(receiver), "pop from") {
                Some((place, _)) => self.push_expr(ir::ExprKind::ListPop(place), option, span),
                None => self.error_expr(span),
            },
        })
    }

    /// Is `expr` a part of a variable (`p.items`, `xs[i].tags`)?
    pub(super) fn is_part(&self, expr: &ast::Expr) -> bool {
        matches!(strip_parens(expr).kind, A::Field { .. } | A::Index { .. }) && self.is_place(expr)
    }

    /// `p.items.push(x)` / `p.items.pop()` on a part of a variable (or a
    /// field of a resource instance): the list is copied into a hidden
    /// local, changed there and assigned back to the part, so the part
    /// keeps value semantics like `p.items = ...` does. A list of handles
    /// cannot be copied, so this needs elements that own none.
    pub(super) fn part_push_pop(
        &mut self,
        receiver: &ast::Expr,
        list: ExprId,
        elem: Ty,
        method: &ast::Ident,
        args: &[ast::Expr],
        span: Span,
    ) -> ExprId {
        let list_ty = self.ty(list);
        if self.checker.is_linear(elem) {
            for a in args {
                self.infer(a);
            }
            self.checker.diagnostics.push(
                Diagnostic::error(
                    "invalid-assignment",
                    format!(
                        "cannot {} a list of handles inside another value",
                        if method.name == "push" { "push onto" } else { "pop from" }
                    ),
                    receiver.span,
                    "a list of handles inside another value",
                )
                .with_help("keep the list in a variable, or replace the whole part"),
            );
            return self.error_expr(span);
        }
        let tmp = self.new_local("", list_ty, true, receiver.span);
        let mut stmts = vec![ir::Stmt::Let(tmp, list)];
        let result = if method.name == "push" {
            let value = self.check(&args[0], elem);
            let push = self.push_expr(ir::ExprKind::ListPush(Place::Local(tmp), value), Ty::Unit, span);
            stmts.push(ir::Stmt::Expr(push));
            None
        } else {
            let option = self.checker.interner.option(&mut self.checker.resolve, elem);
            let popped = self.new_local("", option, false, span);
            let pop = self.push_expr(ir::ExprKind::ListPop(Place::Local(tmp)), option, span);
            stmts.push(ir::Stmt::Let(popped, pop));
            Some(self.push_expr(ir::ExprKind::Local(popped), option, span))
        };
        let back = self.push_expr(ir::ExprKind::Local(tmp), list_ty, receiver.span);
        match self.assign_part_with(receiver, PartValue::Checked(back)) {
            Some(assign) => stmts.push(assign),
            None => return self.error_expr(span),
        }
        let ty =
            if result.is_some() { self.checker.interner.option(&mut self.checker.resolve, elem) } else { Ty::Unit };
        self.push_expr(ir::ExprKind::Seq(stmts, result), ty, span)
    }

    /// `string::name(args)`: the built-in functions on strings (today only
    /// `string::from-utf8(bytes: list<u8>) -> option<string>`).
    pub(super) fn string_function(&mut self, name: &ast::Ident, args: &[ast::Expr], span: Span) -> ExprId {
        if name.name != "from-utf8" {
            for a in args {
                self.infer(a);
            }
            self.checker.diagnostics.push(
                Diagnostic::error(
                    "unknown-function",
                    format!("`string` has no function `{}`", name.name),
                    name.span,
                    "unknown function",
                )
                .with_note("the built-in string function is `string::from-utf8(bytes)`"),
            );
            return self.error_expr(span);
        }
        let bytes = self.checker.interner.list(&mut self.checker.resolve, Ty::U8);
        let result = self.checker.interner.option(&mut self.checker.resolve, Ty::String);
        let [arg] = args else {
            for a in args {
                self.infer(a);
            }
            self.checker.diagnostics.push(Diagnostic::error(
                "wrong-arity",
                format!("`string::from-utf8` takes 1 argument but {} were supplied", args.len()),
                span,
                "expected 1 argument",
            ));
            return self.push_expr(ir::ExprKind::Error, result, span);
        };
        let arg = self.check(arg, bytes);
        self.push_expr(ir::ExprKind::Builtin(ir::Builtin::StrFromUtf8, vec![arg]), result, span)
    }

    /// Is `ty` a `list<T>`?
    pub(super) fn is_list(&self, ty: Ty) -> bool {
        matches!(ty.def(&self.checker.resolve), Some(TypeDefKind::List(_)))
    }

    /// `base.field` or `base.0`.
    pub(super) fn field(&mut self, base: &ast::Expr, field: &ast::Ident, span: Span) -> ExprId {
        let base_id = self.lend_place(base);
        let base_ty = self.ty(base_id);
        if base_ty == Ty::Error {
            return self.error_expr(span);
        }
        if let Some((_, r)) = base_ty.handle(&self.checker.resolve)
            && self.checker.is_defined(r)
        {
            return self.defined_field(r, base_id, field, span);
        }
        let name = self.checker.ty_name(base_ty);
        match base_ty.def(&self.checker.resolve).cloned() {
            Some(TypeDefKind::Record(record)) => match record.fields.iter().position(|f| f.name == field.name) {
                Some(i) => {
                    let t = self.checker.from_wit(&record.fields[i].ty);
                    if !self.no_partial_move(t, span) {
                        return self.error_expr(span);
                    }
                    self.push_expr(ir::ExprKind::Field(base_id, i as u32), t, span)
                }
                None => {
                    let names: Vec<&str> = record.fields.iter().map(|f| f.name.as_str()).collect();
                    let suggestions = similar(&field.name, names.iter().copied());
                    let mut d = Diagnostic::error(
                        "unknown-field",
                        format!("record `{name}` has no field `{}`", field.name),
                        field.span,
                        "unknown field",
                    )
                    .with_label(base.span, format!("this is `{name}`"));
                    d = if suggestions.is_empty() {
                        d.with_note(format!("its fields are: {}", names.join(", ")))
                    } else {
                        d.with_help(format!("did you mean {}?", one_of(&suggestions)))
                    };
                    self.checker.diagnostics.push(d);
                    self.error_expr(span)
                }
            },
            Some(TypeDefKind::Tuple(tuple)) => match field.name.parse::<usize>() {
                Ok(i) if i < tuple.types.len() => {
                    let t = self.checker.from_wit(&tuple.types[i]);
                    if !self.no_partial_move(t, span) {
                        return self.error_expr(span);
                    }
                    self.push_expr(ir::ExprKind::Field(base_id, i as u32), t, span)
                }
                _ => {
                    self.checker.diagnostics.push(Diagnostic::error(
                        "unknown-field",
                        format!("`{name}` has no element `{}`", field.name),
                        field.span,
                        format!("elements are numbered 0 to {}", tuple.types.len() - 1),
                    ));
                    self.error_expr(span)
                }
            },
            _ => {
                self.checker.diagnostics.push(
                    Diagnostic::error("unknown-field", format!("`{name}` has no fields"), field.span, "no such field")
                        .with_label(base.span, format!("this is `{name}`")),
                );
                self.error_expr(span)
            }
        }
    }

    pub(super) fn not_callable(&mut self, callee: &ast::Expr) {
        self.checker.diagnostics.push(Diagnostic::error(
            "not-callable",
            "this is not a function",
            callee.span,
            "cannot be called",
        ));
    }
}
