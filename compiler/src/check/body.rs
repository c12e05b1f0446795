//! Checking one function body: parameters, locals and scopes, blocks, and
//! the checks at a body's end (missing `return`, dropping owned parameters).

use super::values;
use super::*;

impl<'c> BodyChecker<'c> {
    /// A checker for the body of `func`, to be built into `function`;
    /// `recovered` when the body had a syntax error.
    pub(super) fn new(checker: &'c mut Checker, func: FuncId, function: ir::Function, recovered: bool) -> Self {
        BodyChecker {
            checker,
            func,
            function,
            scopes: vec![HashMap::default()],
            loop_depth: 0,
            recovered,
            owned_scopes: vec![Vec::new()],
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
        let mut params: Vec<(String, Ty)> = sig.params.clone();
        let mut result = sig.result;
        let member = self.checker.members.get(&self.func).copied();
        // Parameters are the first locals (codegen relies on it), so the
        // drop flags of owning ones are made after all of them.
        let mut declared = Vec::new();
        if let Some((_, ast::MemberKind::Method | ast::MemberKind::Destructor)) = member {
            // A method's first parameter is `self`.
            let (name, ty) = params.remove(0);
            declared.push((name, ty, func.name.span));
        }
        for ((name, ty), param) in params.iter().zip(&func.sig.params) {
            declared.push((name.clone(), *ty, param.name.span));
        }
        for (name, ty, span) in declared {
            let id = LocalId(self.function.locals.len() as u32);
            self.function.locals.push(ir::Local { name: name.clone(), ty, mutable: false, span, owned: None });
            if let Some(scope) = self.scopes.last_mut() {
                scope.insert(name, id);
            }
            self.function.params.push(id);
        }
        for id in self.function.params.clone() {
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
        self.function
    }

    pub(super) fn new_local(&mut self, name: &str, ty: Ty, mutable: bool, span: Span) -> LocalId {
        let id = LocalId(self.function.locals.len() as u32);
        self.function.locals.push(ir::Local { name: name.to_string(), ty, mutable, span, owned: None });
        if let Some(scope) = self.scopes.last_mut() {
            scope.insert(name.to_string(), id);
        }
        // Hidden locals (named "") hold values whose parts move elsewhere.
        if !name.is_empty() && self.checker.is_linear(ty) {
            self.make_owned(id, ty);
        }
        id
    }

    pub(super) fn lookup_local(&self, name: &str) -> Option<LocalId> {
        self.scopes.iter().rev().find_map(|s| s.get(name).copied())
    }

    pub(super) fn block(&mut self, block: &ast::Block) -> Vec<ir::Stmt> {
        crate::stack::grow(|| self.block_inner(block))
    }

    pub(super) fn block_inner(&mut self, block: &ast::Block) -> Vec<ir::Stmt> {
        self.scopes.push(HashMap::default());
        self.owned_scopes.push(Vec::new());
        let mut out = Vec::new();
        for stmt in &block.stmts {
            if let Some(s) = self.stmt(stmt) {
                out.push(s);
            }
        }
        if let Some(tail) = &block.tail {
            out.push(self.unwanted_tail(tail));
        }
        self.scopes.pop();
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
