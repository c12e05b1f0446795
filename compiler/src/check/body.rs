//! Checking one function body: parameters, locals and scopes, blocks, and
//! the checks at a body's end (missing `return`, dropping owned parameters).

use super::values;
use super::*;

impl<'c> BodyChecker<'c> {
    /// A checker for the body of `func`, to be built into `function`;
    /// `source` is the text the file was parsed from (may be empty);
    /// `recovered` when the body had a syntax error.
    pub(super) fn new(
        checker: &'c mut Checker,
        source: &'c str,
        func: FuncId,
        mut function: ir::Function,
        recovered: bool,
    ) -> Self {
        // The arenas start from the last body's buffers (see `finish`).
        let mut spare = std::mem::take(&mut checker.spare);
        spare.scope_marks.push(0);
        spare.owned_scopes.push(Vec::new());
        if function.exprs.is_empty() && function.expr_spans.is_empty() && function.locals.is_empty() {
            function.exprs = spare.exprs;
            function.expr_spans = spare.expr_spans;
            function.locals = spare.locals;
        }
        BodyChecker {
            checker,
            source,
            func,
            function,
            bindings: spare.bindings,
            bound: spare.bound,
            scope_marks: spare.scope_marks,
            loop_depth: 0,
            recovered,
            owned_scopes: spare.owned_scopes,
            loop_marks: Vec::new(),
            moved: HashMap::default(),
            local_loop: HashMap::default(),
            in_return: false,
            lent: rustc_hash::FxHashSet::default(),
            lending_place: false,
            lent_roots: Vec::new(),
            literal_ranges: HashMap::default(),
        }
    }
}

impl BodyChecker<'_> {
    pub(super) fn check_function(mut self, func: &ast::FuncDef) -> ir::Function {
        let sig = &self.checker.signatures[self.func.index()];
        let mut result = sig.result;
        let member = self.checker.members.get(&self.func).copied();
        // Parameters are the first locals (codegen relies on it), so the
        // drop flags of owning ones are made after all of them. A method's
        // first parameter is `self`, declared at the function's name.
        let skip = usize::from(matches!(member, Some((_, ast::MemberKind::Method | ast::MemberKind::Destructor))));
        let count = skip + sig.params.len().saturating_sub(skip).min(func.sig.params.len());
        self.function.params.reserve_exact(count);
        for k in 0..count {
            let (name, ty) = &self.checker.signatures[self.func.index()].params[k];
            let span = if k < skip { func.name.span } else { func.sig.params[k - skip].name.span };
            let id = LocalId(self.function.locals.len() as u32);
            self.function.locals.push(ir::Local { name: name.clone(), ty: *ty, mutable: false, span, owned: None });
            self.bind(id);
            self.function.params.push(id);
        }
        for k in 0..self.function.params.len() {
            let id = self.function.params[k];
            let ty = self.function.local(id).ty;
            if self.checker.is_linear(ty) {
                self.make_owned(id, ty);
            }
        }
        // A constructor's body is checked as a function without a result
        // whose `return;`s then return the new instance.
        let mut constructor = None;
        if let Some((resource, ast::MemberKind::Constructor)) = member {
            result = None;
            constructor = match resource {
                Some(id) => Some((id, self.begin_constructor(id, func.name.span))),
                None => {
                    self.new_local("self", Ty::Error, false, func.name.span);
                    None
                }
            };
        }
        self.function.result = result;
        // A body ending in a value (`{ a + b }`) returns it.
        let mut body = match result {
            Some(t) if constructor.is_none() && !self.is_test() && values::block_has_value(&func.body) => {
                self.returned_body(&func.body, t)
            }
            _ => self.block(&func.body),
        };
        let params_owned = self.owned_scopes.first().cloned().unwrap_or_default();
        if !params_owned.is_empty() && completes(&body) {
            // Last declared first, as on every other way out.
            body.push(ir::Stmt::DropLocals(params_owned.into_iter().rev().collect()));
        }
        if let Some((id, (this, init))) = constructor {
            self.finish_constructor(id, this, &mut body, func.name.span);
            body.insert(0, init);
            self.function.result = self.checker.signatures[self.func.index()].result;
        }
        if self.is_test() && completes(&body) {
            let end = Span::new(func.body.span.end.saturating_sub(1), func.body.span.end);
            let ok = self.test_ok(end);
            body.extend(ok);
        }
        if let Some(result_ty) = result
            && result_ty != Ty::Error
            && completes(&body)
            && !self.recovered
        {
            let end = Span::new(func.body.span.end.saturating_sub(1), func.body.span.end);
            let result_span = func.sig.result.as_ref().map(|t| t.span).unwrap_or(func.sig.span);
            self.checker.diagnostics.push(
                Diagnostic::error(
                    "missing-return",
                    format!("function `{}` can reach its end without returning a value", func.name.name),
                    end,
                    "the function can end here without a `return`",
                )
                .with_label(result_span, format!("it must return a `{}`", self.checker.ty_name(result_ty)))
                .with_help("add a `return` on every path"),
            );
        }
        self.function.body = body;
        self.finish()
    }

    /// The function built, with every name unbound and the buffers handed
    /// back to the checker for the next body (the arenas are copied out at
    /// their exact length, which costs less than growing them anew; the
    /// scope stacks are emptied).
    pub(super) fn finish(mut self) -> ir::Function {
        self.unbind_to(0);
        fn exact<T>(buffer: &mut Vec<T>) -> Vec<T> {
            let mut out = Vec::with_capacity(buffer.len());
            out.append(buffer);
            out
        }
        let exprs = exact(&mut self.function.exprs);
        let expr_spans = exact(&mut self.function.expr_spans);
        let locals = exact(&mut self.function.locals);
        self.scope_marks.clear();
        self.owned_scopes.clear();
        let spare = Spare {
            bindings: std::mem::take(&mut self.bindings),
            bound: std::mem::take(&mut self.bound),
            scope_marks: std::mem::take(&mut self.scope_marks),
            owned_scopes: std::mem::take(&mut self.owned_scopes),
            exprs: std::mem::replace(&mut self.function.exprs, exprs),
            expr_spans: std::mem::replace(&mut self.function.expr_spans, expr_spans),
            locals: std::mem::replace(&mut self.function.locals, locals),
        };
        self.checker.spare = spare;
        self.function
    }

    pub(super) fn new_local(&mut self, name: &str, ty: Ty, mutable: bool, span: Span) -> LocalId {
        let id = LocalId(self.function.locals.len() as u32);
        self.function.locals.push(ir::Local { name: name.to_string(), ty, mutable, span, owned: None });
        self.bind(id);
        // Hidden locals (named "") hold values whose parts move elsewhere.
        if !name.is_empty() && self.checker.is_linear(ty) {
            self.make_owned(id, ty);
        }
        id
    }

    pub(super) fn lookup_local(&self, name: &str) -> Option<LocalId> {
        self.bindings.get(name).copied().flatten()
    }

    /// Binds `id` under its name in the innermost scope.
    pub(super) fn bind(&mut self, id: LocalId) {
        let name = self.function.locals[id.index()].name.as_str();
        let shadowed = match self.bindings.get_mut(name) {
            Some(slot) => slot.replace(id),
            None => {
                self.bindings.insert(name.to_string(), Some(id));
                None
            }
        };
        self.bound.push(((!name.is_empty()).then_some(id), shadowed));
    }

    /// Opens a scope: names bound from now on go out of scope at
    /// [`BodyChecker::exit_scope`].
    pub(super) fn enter_scope(&mut self) {
        self.scope_marks.push(self.bound.len());
    }

    /// Closes the innermost scope, unbinding its names.
    pub(super) fn exit_scope(&mut self) {
        let mark = self.scope_marks.pop().unwrap_or(0);
        self.unbind_to(mark);
    }

    /// Undoes the bindings made since `bound` was `mark` long, newest first.
    fn unbind_to(&mut self, mark: usize) {
        while self.bound.len() > mark {
            let Some((local, shadowed)) = self.bound.pop() else { break };
            let name = local.map_or("", |id| self.function.locals[id.index()].name.as_str());
            if let Some(slot) = self.bindings.get_mut(name) {
                *slot = shadowed;
            }
        }
    }

    pub(super) fn block(&mut self, block: &ast::Block) -> Vec<ir::Stmt> {
        crate::stack::grow(|| self.block_inner(block))
    }

    pub(super) fn block_inner(&mut self, block: &ast::Block) -> Vec<ir::Stmt> {
        self.enter_scope();
        self.owned_scopes.push(Vec::new());
        // Room for every statement and the tail.
        let mut out = Vec::with_capacity(block.stmts.len() + usize::from(block.tail.is_some()));
        for stmt in &block.stmts {
            if let Some(s) = self.stmt(stmt) {
                out.push(s);
            }
        }
        if let Some(tail) = &block.tail {
            out.push(self.unwanted_tail(tail));
        }
        self.exit_scope();
        let owned = self.owned_scopes.pop().unwrap_or_default();
        if !owned.is_empty() && completes(&out) {
            out.push(ir::Stmt::DropLocals(owned.into_iter().rev().collect()));
        }
        out
    }

    pub(super) fn push_expr(&mut self, kind: ir::ExprKind, ty: Ty, span: Span) -> ExprId {
        let id = ExprId(self.function.exprs.len() as u32);
        self.function.exprs.push(ir::Expr { kind, ty });
        self.function.expr_spans.push(span);
        id
    }

    pub(super) fn ty(&self, id: ExprId) -> Ty {
        self.function.exprs[id.index()].ty
    }

    pub(super) fn error_expr(&mut self, span: Span) -> ExprId {
        self.push_expr(ir::ExprKind::Error, Ty::Error, span)
    }
}
