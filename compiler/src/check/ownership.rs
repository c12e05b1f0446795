//! Ownership of resource handles.
//!
//! A type is *linear* when a value of it owns a handle: `own<R>`, or a
//! record, tuple, variant, option, result or list containing one. Each
//! local of a linear type (a parameter, `let`, or pattern binding) has a
//! drop flag ([`ir::Owned`]): set when it gets a value, cleared when the
//! value moves out. At the end of its scope, and before `return`, `break`,
//! `continue` or a failing `?` leave the scope, the local is dropped if its
//! flag is set, so every owned handle is dropped exactly once, even when
//! it moved on only some paths.
//!
//! Moves are found at compile time too: reading a linear local as a value
//! moves it, and using it again is `use-after-move`, with a label where it
//! moved; moving a local declared outside a loop inside the loop is an
//! error (it would move again in the next iteration). A handle is lent, not
//! moved, as a method's receiver or a `borrow<R>` argument, and reading a
//! field, an element or the length of a variable does not move it. A
//! `borrow<R>` can only be lent on: moving, returning or storing one is
//! `borrowed-handle`.
//!
//! A global may hold handles: it owns them until it is replaced.
//! Assignment computes the new value and *retires* the old one into a
//! hidden list that the module's `retire` function drops when the export
//! call ends, so a handle lent from the global stays valid for the whole
//! call whatever the callees do. Its
//! handles are only lent: reading it as a value is `move-out-of-global`,
//! and `match` on it or `for` over it binds *lent* locals, which have no
//! drop flag and cannot move either. `for` over any list of handles in a
//! variable lends the elements the same way; while it runs, the list's
//! local cannot be assigned or popped from (`changed-while-lent`), and a
//! global's handles can never be popped out.
//!
//! Drop glue: `[resource-drop]R` for `own<R>`, and for a compound linear
//! type a function synthesized as IR that drops every handle inside.

use super::wave::Synth;
use super::{BodyChecker, Checker, Signature};
use crate::ast;
use crate::diagnostic::Diagnostic;
use crate::ir::{self, Callee, Const, ExprId, FuncId, GlobalId, LocalId};
use crate::span::Span;
use crate::types::Ty;
use wit_parser::{Type, TypeDefKind};

impl Checker {
    /// Does a value of `ty` own a resource handle?
    pub(super) fn is_linear(&self, ty: Ty) -> bool {
        ty.to_wit().is_some_and(|t| self.wit_is_linear(&t))
    }

    pub(super) fn wit_is_linear(&self, ty: &Type) -> bool {
        let Type::Id(id) = ty else { return false };
        match &self.resolve.types[*id].kind {
            TypeDefKind::Handle(wit_parser::Handle::Own(_)) => true,
            TypeDefKind::Resource => true,
            TypeDefKind::Record(r) => r.fields.iter().any(|f| self.wit_is_linear(&f.ty)),
            TypeDefKind::Tuple(t) => t.types.iter().any(|t| self.wit_is_linear(t)),
            TypeDefKind::Variant(v) => v.cases.iter().filter_map(|c| c.ty.as_ref()).any(|t| self.wit_is_linear(t)),
            TypeDefKind::Option(t) | TypeDefKind::List(t) | TypeDefKind::Type(t) => self.wit_is_linear(t),
            TypeDefKind::Result(r) => r.ok.iter().chain(r.err.iter()).any(|t| self.wit_is_linear(t)),
            _ => false,
        }
    }

    /// The function that drops a value of the linear type `ty`.
    pub(super) fn drop_callee(&mut self, ty: Ty) -> Option<Callee> {
        if let Some((true, r)) = ty.handle(&self.resolve) {
            // A private resource's handle is dropped by running its destructor.
            if let Some(d) = self.defined.get(&r)
                && self.module.resources[d.id.index()].private
            {
                return Some(Callee::Func(self.module.resources[d.id.index()].dtor));
            }
            return self.resource_drop(r).map(Callee::Import);
        }
        if let Some(f) = self.drop_functions.get(&ty) {
            return Some(Callee::Func(*f));
        }
        let id = FuncId(self.module.funcs.len() as u32);
        self.drop_functions.insert(ty, id);
        self.module.funcs.push(ir::Function::default());
        self.signatures.push(Signature { params: vec![("v".into(), ty)], result: None, span: Span::default() });
        let (mut s, reads) = Synth::with_params(format!("drop {}", self.ty_name(ty)), &[ty], None);
        let v = reads[0];
        let mut body = Vec::new();
        let kind = ty.def(&self.resolve)?.clone();
        let drop_part = |this: &mut Self, s: &mut Synth, part: ExprId, part_ty: Ty| -> Option<ir::Stmt> {
            if !this.is_linear(part_ty) {
                return None;
            }
            let callee = this.drop_callee(part_ty)?;
            Some(ir::Stmt::Expr(s.e(ir::ExprKind::Call(callee, vec![part]), Ty::Unit)))
        };
        match kind {
            TypeDefKind::Record(_) | TypeDefKind::Tuple(_) => {
                let fields: Vec<Type> = match kind {
                    TypeDefKind::Record(r) => r.fields.iter().map(|f| f.ty).collect(),
                    TypeDefKind::Tuple(t) => t.types.clone(),
                    _ => Vec::new(),
                };
                for (k, field) in fields.iter().enumerate() {
                    let field_ty = self.from_wit(field);
                    let part = s.e(ir::ExprKind::Field(v, k as u32), field_ty);
                    body.extend(drop_part(self, &mut s, part, field_ty));
                }
            }
            TypeDefKind::Variant(_) | TypeDefKind::Option(_) | TypeDefKind::Result(_) => {
                let cases: Vec<Option<Type>> = match kind {
                    TypeDefKind::Variant(var) => var.cases.iter().map(|c| c.ty).collect(),
                    TypeDefKind::Option(t) => vec![None, Some(t)],
                    TypeDefKind::Result(r) => vec![r.ok, r.err],
                    _ => Vec::new(),
                };
                for (i, payload) in cases.iter().enumerate() {
                    let Some(payload) = payload else { continue };
                    let payload_ty = self.from_wit(payload);
                    let part = s.e(ir::ExprKind::Payload(v, i as u32), payload_ty);
                    if let Some(stmt) = drop_part(self, &mut s, part, payload_ty) {
                        let test = s.e(ir::ExprKind::IsCase(v, i as u32), Ty::Bool);
                        body.push(ir::Stmt::If { cond: test, then: vec![stmt], otherwise: vec![] });
                    }
                }
            }
            TypeDefKind::List(elem) => {
                let elem_ty = self.from_wit(&elem);
                let (list_local, index, var) = (s.local(ty), s.local(Ty::U32), s.local(elem_ty));
                let x = s.read(var);
                let stmt = drop_part(self, &mut s, x, elem_ty)?;
                body.push(ir::Stmt::ForEach { var, list_local, index, list: v, body: vec![stmt] });
            }
            _ => return None,
        }
        s.f.body = body;
        self.module.funcs[id.index()] = s.f;
        Some(Callee::Func(id))
    }
}

impl Checker {
    /// The hidden global list that retires replaced values of the linear
    /// type `ty` (of globals and of resource fields), created on first use;
    /// see `check/ownership.rs`.
    pub(super) fn retire_list(&mut self, ty: Ty) -> Option<GlobalId> {
        if let Some(r) = self.retired.iter().find(|(t, _)| *t == ty) {
            return Some(r.1);
        }
        let list = self.interner.list(&mut self.resolve, ty);
        if list == Ty::Error {
            return None;
        }
        let retired = GlobalId(self.module.globals.len() as u32);
        let name = format!("retired {}", self.ty_name(ty));
        self.module.globals.push(ir::Global { name, ty: list, mutable: true, init: Const::Zero });
        self.retired.push((ty, retired));
        Some(retired)
    }

    /// After every body: `retire()`, which drops the retired old values of
    /// linear globals and resource fields. Every export wrapper calls it when the call's
    /// function returns (a destructor run on its own, too). Dropping may
    /// run destructors that retire more, so it loops until all are empty.
    pub(super) fn finish_retire(&mut self) {
        if self.retired.is_empty() {
            return;
        }
        let (mut s, _) = Synth::with_params("retire".into(), &[], None);
        let mut body = Vec::new();
        for (ty, retired) in self.retired.clone() {
            let list = self.module.globals[retired.index()].ty;
            let Some(drop) = self.drop_callee(ty) else { continue };
            let read = s.e(ir::ExprKind::Global(retired), list);
            let len = s.e(ir::ExprKind::Builtin(ir::Builtin::Len, vec![read]), Ty::U32);
            let zero = s.e(ir::ExprKind::Const(Const::Int(0)), Ty::U32);
            let cond = s.e(ir::ExprKind::Binary(ast::BinaryOp::Ne, len, zero), Ty::Bool);
            let xs = s.local(list);
            let (var, list_local, index) = (s.local(ty), s.local(list), s.local(Ty::U32));
            let snapshot = s.e(ir::ExprKind::Global(retired), list);
            let empty = s.e(ir::ExprKind::List(Vec::new()), list);
            let x = s.read(var);
            let call = s.e(ir::ExprKind::Call(drop, vec![x]), Ty::Unit);
            let all = s.read(xs);
            body.push(ir::Stmt::While {
                cond,
                body: vec![
                    ir::Stmt::Let(xs, snapshot),
                    ir::Stmt::Assign(ir::Place::Global(retired), empty),
                    ir::Stmt::ForEach { var, list_local, index, list: all, body: vec![ir::Stmt::Expr(call)] },
                ],
            });
        }
        s.f.body = body;
        let id = FuncId(self.module.funcs.len() as u32);
        self.module.funcs.push(s.f);
        self.signatures.push(Signature { params: Vec::new(), result: None, span: Span::default() });
        self.module.retire = Some(id);
    }
}

impl BodyChecker<'_> {
    /// Makes `local` (just declared, of a linear type) an owning local.
    pub(super) fn make_owned(&mut self, local: LocalId, ty: Ty) {
        let Some(drop) = self.checker.drop_callee(ty) else { return };
        let flag = LocalId(self.function.locals.len() as u32);
        self.function.locals.push(ir::Local {
            name: String::new(),
            ty: Ty::Bool,
            mutable: true,
            span: Span::default(),
            owned: None,
        });
        self.function.locals[local.index()].owned = Some(ir::Owned { flag, drop });
        if let Some(scope) = self.owned_scopes.last_mut() {
            scope.push(local);
        }
        self.local_loop.insert(local, self.loop_depth);
    }

    /// Every owning local in scope, innermost last (dropped by `return`).
    pub(super) fn all_owned(&self) -> Vec<LocalId> {
        self.owned_scopes.iter().rev().flat_map(|s| s.iter().rev().copied()).collect()
    }

    /// The owning locals declared inside the innermost loop (dropped by
    /// `break` and `continue`).
    pub(super) fn loop_owned(&self) -> Vec<LocalId> {
        let mark = self.loop_marks.last().copied().unwrap_or(0);
        self.owned_scopes[mark.min(self.owned_scopes.len())..]
            .iter()
            .rev()
            .flat_map(|s| s.iter().rev().copied())
            .collect()
    }

    /// Reports a use of `local` after it moved.
    pub(super) fn check_not_moved(&mut self, local: LocalId, span: Span) -> bool {
        let Some(&moved_at) = self.moved.get(&local) else { return true };
        let name = self.function.local(local).name.clone();
        self.checker.diagnostics.push(
            Diagnostic::error(
                "use-after-move",
                format!("`{name}` is used after it moved"),
                span,
                "used here after the move",
            )
            .with_label(moved_at, format!("`{name}` moved here"))
            .with_help("a handle has one owner; lend it with a method call or a `borrow<...>` parameter instead"),
        );
        // Report each later use only once.
        self.moved.remove(&local);
        false
    }

    /// Reads the owning local `local` as a value: it moves.
    pub(super) fn move_local(&mut self, local: LocalId, span: Span) -> ExprId {
        let ty = self.function.local(local).ty;
        self.check_not_moved(local, span);
        let declared_in = self.local_loop.get(&local).copied().unwrap_or(0);
        if self.loop_depth > declared_in && !self.in_return {
            let name = self.function.local(local).name.clone();
            self.checker.diagnostics.push(
                Diagnostic::error(
                    "use-after-move",
                    format!("`{name}` moves inside a loop, so the next iteration would use it after the move"),
                    span,
                    "moved here, in a loop",
                )
                .with_help("move it after the loop, or `return` it"),
            );
        }
        self.moved.insert(local, span);
        self.push_expr(ir::ExprKind::Move(local), ty, span)
    }

    /// Reads a variable without moving it (a method receiver, the base of a
    /// field or element access); anything else is checked as usual.
    pub(super) fn place_read(&mut self, expr: &ast::Expr) -> ExprId {
        let inner = super::strip_parens(expr);
        if let ast::ExprKind::Name(name) = &inner.kind {
            if let Some(local) = self.lookup_local(&name.name) {
                self.check_not_moved(local, inner.span);
                let ty = self.function.local(local).ty;
                return self.push_expr(ir::ExprKind::Local(local), ty, expr.span);
            }
            if let Some(g) = self.linear_global(&name.name) {
                let ty = self.checker.module.globals[g.index()].ty;
                return self.push_expr(ir::ExprKind::Global(g), ty, expr.span);
            }
        }
        self.infer(expr)
    }

    /// Declares a local that lends handles it does not own (an element of
    /// a `for` over a list of handles, a binding of a `match` on a global):
    /// no drop flag, and moving it is an error.
    pub(super) fn new_lent_local(&mut self, name: &str, ty: Ty, span: Span) -> LocalId {
        let local = self.new_local("", ty, false, span);
        self.function.locals[local.index()].name = name.to_string();
        self.bind(local);
        self.lent.insert(local);
        local
    }

    /// Reports changing a place whose handles may be lent: assigning or
    /// popping from a local while an enclosing `for` lends its elements,
    /// and popping a handle out of a global (a `match` or `for` further up
    /// the stack may be lending it; assignment is safe, since the old value
    /// is only dropped when the export call ends).
    pub(super) fn check_not_lent(&mut self, place: ir::Place, ty: Ty, what_op: &str, span: Span) {
        if what_op == "push onto" {
            return;
        }
        match place {
            ir::Place::Local(l) => {
                let Some(&(_, loop_span)) = self.lent_roots.iter().find(|(root, _)| *root == l) else { return };
                let name = self.function.local(l).name.clone();
                self.checker.diagnostics.push(
                    Diagnostic::error(
                        "changed-while-lent",
                        format!("cannot {what_op} `{name}` while `for` lends its handles"),
                        span,
                        "would end handles the loop lends".to_string(),
                    )
                    .with_label(loop_span, format!("`{name}`'s elements are lent until this loop ends"))
                    .with_help("collect what to change and change it after the loop"),
                );
            }
            ir::Place::Global(g) if what_op == "pop from" && self.checker.is_linear(ty) => {
                let name = self.checker.module.globals[g.index()].name.clone();
                self.checker.diagnostics.push(
                    Diagnostic::error(
                        "changed-while-lent",
                        format!("cannot pop a handle out of global `{name}`"),
                        span,
                        "a `match` or `for` in a caller may be lending it",
                    )
                    .with_help(format!("replace the whole global instead (`{name} = ...;`); its old handles are dropped when the call ends")),
                );
            }
            _ => {}
        }
    }

    /// The global `name` refers to, when it holds handles.
    pub(super) fn linear_global(&self, name: &str) -> Option<ir::GlobalId> {
        match self.checker.names.get(name) {
            Some(super::Binding::Global(g)) if self.checker.is_linear(self.checker.module.globals[g.index()].ty) => {
                Some(*g)
            }
            _ => None,
        }
    }

    /// Is `expr` a place that holds handles it does not own here: a global
    /// (which owns them) or a local bound by matching one?
    pub(super) fn is_lent_place(&self, expr: &ast::Expr) -> bool {
        match &super::strip_parens(expr).kind {
            ast::ExprKind::Name(n) => match self.lookup_local(&n.name) {
                Some(local) => self.lent.contains(&local),
                None => self.linear_global(&n.name).is_some(),
            },
            // A field of an instance of a resource defined here (`self.out`):
            // the instance keeps it, and replacing it retires the old value.
            ast::ExprKind::Field { .. } => {
                self.place_root(expr).and_then(|root| self.lookup_local(&root.name)).is_some_and(|l| {
                    self.function
                        .local(l)
                        .ty
                        .handle(&self.checker.resolve)
                        .is_some_and(|(_, r)| self.checker.is_defined(r))
                })
            }
            _ => false,
        }
    }

    /// The variable a place (`v`, `v.f`, `v[i].g`) starts from.
    pub(super) fn place_root<'e>(&self, expr: &'e ast::Expr) -> Option<&'e ast::Ident> {
        match &super::strip_parens(expr).kind {
            ast::ExprKind::Name(n) => Some(n),
            ast::ExprKind::Field { base, .. } | ast::ExprKind::Index { base, .. } => self.place_root(base),
            _ => None,
        }
    }

    /// Reports moving the handles of a global, or of a lent local.
    pub(super) fn move_out_of_lent(&mut self, name: &str, global: bool, span: Span) {
        let d = if global {
            Diagnostic::error(
                "move-out-of-global",
                format!("cannot move the handles of global `{name}`: a global keeps what it holds until it is replaced"),
                span,
                "would move out of the global",
            )
            .with_help(format!(
                "lend it instead (call a method on it, pass it to a `borrow<...>` parameter, or `match {name} {{ ... }}`), or replace it with `{name} = ...;`, which drops the old value"
            ))
        } else {
            Diagnostic::error(
                "move-out-of-global",
                format!("cannot move `{name}`: it lends a handle that it does not own"),
                span,
                "would move a lent handle",
            )
            .with_note("the elements of a list that `for` iterates over, and the bindings of a `match` on a global, are lent: the list or the global keeps the handles")
            .with_help("call methods on it or pass it to a `borrow<...>` parameter")
        };
        self.checker.diagnostics.push(d);
    }

    /// A handle lent to a call (`borrow<R>` parameter or method receiver):
    /// a variable is read without moving; a temporary is refused, since
    /// nothing would drop it.
    pub(super) fn lend(&mut self, expr: &ast::Expr, expected: Ty) -> ExprId {
        let is_variable = self.is_place(expr);
        let id = if is_variable { self.lend_place(expr) } else { self.infer(expr) };
        let ty = self.ty(id);
        let (Some((_, want)), Some((own, got))) =
            (expected.handle(&self.checker.resolve), ty.handle(&self.checker.resolve))
        else {
            if ty != Ty::Error {
                let (e, f) = (self.checker.ty_name(expected), self.checker.ty_name(ty));
                self.checker.diagnostics.push(Diagnostic::error(
                    "type-mismatch",
                    format!("mismatched types: expected `{e}`, found `{f}`"),
                    expr.span,
                    format!("expected `{e}`, found `{f}`"),
                ));
            }
            return id;
        };
        if want != got {
            let (e, f) = (self.checker.ty_name(expected), self.checker.ty_name(ty));
            self.checker.diagnostics.push(Diagnostic::error(
                "type-mismatch",
                format!("mismatched types: expected `{e}`, found `{f}`"),
                expr.span,
                format!("expected `{e}`, found `{f}`"),
            ));
        } else if own {
            let id = if is_variable { id } else { self.keep_temporary(id, expr.span) };
            if self.checker.is_defined(got) {
                // A handle to a resource defined here is lent as its rep.
                return self.rep_of(id, got, expr.span);
            }
            return id;
        }
        id
    }

    /// A new handle lent to a call (`get-stdout().flush()`): it is kept in
    /// a hidden owning local, dropped at the end of the enclosing block (or
    /// when the expression runs again, in a loop condition), like any local.
    pub(super) fn keep_temporary(&mut self, value: ExprId, span: Span) -> ExprId {
        let ty = self.ty(value);
        let local = self.new_local("", ty, false, span);
        self.make_owned(local, ty);
        self.push_expr(ir::ExprKind::Bind(local, value), ty, span)
    }

    /// Is `expr` a place: a variable, or a field or element of one
    /// (`xs[i].token`)? A place is lent without moving.
    pub(super) fn is_place(&self, expr: &ast::Expr) -> bool {
        match &super::strip_parens(expr).kind {
            ast::ExprKind::Field { base, .. } | ast::ExprKind::Index { base, .. } => self.is_place(base),
            _ => self.is_variable(expr),
        }
    }

    /// Reads `expr` to lend it: a place is read without moving it or any
    /// part of it; anything else is checked as usual.
    pub(super) fn lend_place(&mut self, expr: &ast::Expr) -> ExprId {
        if !self.is_place(expr) || self.is_variable(expr) {
            return self.place_read(expr);
        }
        let lending = std::mem::replace(&mut self.lending_place, true);
        let id = self.infer(expr);
        self.lending_place = lending;
        id
    }

    /// Is `expr` a local variable (which can be lent without moving)?
    pub(super) fn is_variable(&self, expr: &ast::Expr) -> bool {
        matches!(&super::strip_parens(expr).kind, ast::ExprKind::Name(n)
            if self.lookup_local(&n.name).is_some() || self.linear_global(&n.name).is_some())
    }

    /// Reports a borrowed handle used other than by lending it.
    pub(super) fn borrowed_escapes(&mut self, local: LocalId, span: Span) {
        let name = self.function.local(local).name.clone();
        let ty = self.checker.ty_name(self.function.local(local).ty);
        self.checker.diagnostics.push(
            Diagnostic::error(
                "borrowed-handle",
                format!("`{name}` is a `{ty}`: it can be lent to calls, but not moved, returned or stored"),
                span,
                "a borrowed handle",
            )
            .with_note("a borrow lasts only for the call that received it"),
        );
    }

    /// Reports a part of a linear value read out of a variable (that would
    /// copy a handle).
    pub(super) fn no_partial_move(&mut self, ty: Ty, span: Span) -> bool {
        if !self.checker.is_linear(ty) || self.lending_place {
            return true;
        }
        let name = self.checker.ty_name(ty);
        self.checker.diagnostics.push(
            Diagnostic::error(
                "partial-move",
                format!("this `{name}` owns a resource handle, so it cannot be copied out of the value holding it"),
                span,
                "owns a handle",
            )
            .with_help("take the value apart with `match` or `let (a, b) = ...`, which move it"),
        );
        false
    }
}
