//! Blocks as values: `if`/`else` and `match` used where a value is wanted,
//! a block's final expression (its *tail*), and a function body ending in
//! one.
//!
//! A value-producing `if` or `match` is lowered to the statement form with a
//! hidden local, the [`ValueSink`]: every branch assigns its value to it,
//! and the expression is `Seq([if ...], local)`. A branch that never ends
//! (it returns, breaks or traps) assigns nothing and needs no value. The
//! branches must agree on one type: the context's when it gives one, else
//! the first branch whose value is not a bare literal decides, and literal
//! branches (`1`, `-2.5`, `none`, `[]`) take that type (they are checked at
//! the end, which is sound because they name nothing).

use super::*;

/// Where the values of the branches of one `if`/`match` used as a value go.
pub(super) struct ValueSink<'a> {
    /// The hidden local each branch assigns.
    local: LocalId,
    /// The type the context expects, if it gives one.
    expected: Option<Ty>,
    /// The type a branch decided, with that branch's value's span.
    decided: Option<(Ty, Span)>,
    /// Literal values met before the type was decided: a placeholder
    /// expression and the literal, checked once the type is known.
    pending: Vec<(ExprId, &'a ast::Expr)>,
    /// What is used as a value (`if`, `match`, or `function` for a body),
    /// for messages.
    what: &'static str,
    /// What the block being checked is (`if` for a branch, `match` for an
    /// arm, `block` otherwise), set by its caller, for messages.
    pub(super) part: &'static str,
}

impl<'a> BodyChecker<'_> {
    /// `if c { a } else { b }` where a value is wanted.
    pub(super) fn if_expr(&mut self, if_expr: &'a ast::IfStmt, expected: Option<Ty>, span: Span) -> ExprId {
        if if_expr.otherwise.is_none() {
            self.checker.diagnostics.push(
                Diagnostic::error(
                    "if-without-else",
                    "this `if` has no `else`, so it has no value when its condition is false",
                    span,
                    "used as a value here",
                )
                .with_help("add an `else` branch, or use the `if` as a statement"),
            );
        }
        let mut sink = self.new_sink(expected, "if", span);
        let stmt = self.if_stmt(if_expr, Some(&mut sink));
        self.finish_sink(sink, stmt, span)
    }

    /// `match e { ... }` where a value is wanted.
    pub(super) fn match_expr(&mut self, m: &'a ast::MatchStmt, expected: Option<Ty>, span: Span) -> ExprId {
        let mut sink = self.new_sink(expected, "match", span);
        let stmt = self.match_stmt(m, Some(&mut sink));
        self.finish_sink(sink, stmt, span)
    }

    fn new_sink(&mut self, expected: Option<Ty>, what: &'static str, span: Span) -> ValueSink<'a> {
        let local = self.new_local("", expected.unwrap_or(Ty::Error), false, span);
        ValueSink { local, expected, decided: None, pending: Vec::new(), what, part: "block" }
    }

    /// Checks the literal branches met before the type was known, gives the
    /// hidden local its type, and builds `Seq([stmt], local)`.
    fn finish_sink(&mut self, mut sink: ValueSink<'a>, stmt: ir::Stmt, span: Span) -> ExprId {
        let pending = std::mem::take(&mut sink.pending);
        for (placeholder, literal) in pending {
            let value = match sink.expected.or(sink.decided.map(|(t, _)| t)) {
                Some(t) => self.check(literal, t),
                None => {
                    let value = self.infer(literal);
                    sink.decided = Some((self.ty(value), literal.span));
                    value
                }
            };
            let ty = self.ty(value);
            self.function.exprs[placeholder.index()] =
                ir::Expr { kind: ir::ExprKind::Seq(Vec::new(), Some(value)), ty };
        }
        let ty = sink.expected.or(sink.decided.map(|(t, _)| t)).unwrap_or(Ty::Error);
        self.function.locals[sink.local.index()].ty = ty;
        let read = self.push_expr(ir::ExprKind::Local(sink.local), ty, span);
        self.push_expr(ir::ExprKind::Seq(vec![stmt], Some(read)), ty, span)
    }

    /// Checks one branch's value and assigns it to the sink's local.
    fn sink_value(&mut self, value: &'a ast::Expr, sink: &mut ValueSink<'a>) -> ir::Stmt {
        let id = match (sink.expected, sink.decided) {
            (Some(t), _) => self.check(value, t),
            (None, Some((t, first))) if needs_context(value) => {
                let before = self.checker.diagnostics.len();
                let id = self.check(value, t);
                let message = format!("the branches have this type, `{}`", self.checker.ty_name(t));
                if self.checker.diagnostics.len() > before
                    && let Some(d) = self.checker.diagnostics.last_mut()
                {
                    d.labels.push(crate::diagnostic::Label { span: first, message, primary: false });
                }
                id
            }
            (None, Some((t, first))) => {
                let id = self.infer(value);
                let found = self.ty(id);
                if found != t && found != Ty::Error && t != Ty::Error {
                    let (tn, f) = (self.checker.ty_name(t), self.checker.ty_name(found));
                    let mut d = Diagnostic::error(
                        "type-mismatch",
                        if sink.what == "if" {
                            format!("`if` and `else` have different types: `{tn}` and `{f}`")
                        } else {
                            format!("`match` arms have different types: `{tn}` and `{f}`")
                        },
                        value.span,
                        format!("this is `{f}`"),
                    )
                    .with_label(first, format!("this is `{tn}`"))
                    .with_note(format!("every branch of an `{}` used as a value must have the same type", sink.what));
                    if t.is_numeric() && found.is_numeric() {
                        d = d.with_help(format!("convert with `as {tn}`"));
                    }
                    self.checker.diagnostics.push(d);
                }
                id
            }
            (None, None) if needs_context(value) => {
                let placeholder = self.error_expr(value.span);
                sink.pending.push((placeholder, value));
                placeholder
            }
            (None, None) => {
                let id = self.infer(value);
                // An error type decides too: the other branches are then
                // checked against it silently (one mistake, one diagnostic).
                sink.decided = Some((self.ty(id), value.span));
                id
            }
        };
        ir::Stmt::Assign(Place::Local(sink.local), id)
    }

    /// A block whose value goes to `sink`: its tail, or the value of its
    /// last statement when that is an `if`/`else`, `match` or block with a
    /// value. A block that can end without one is an error.
    pub(super) fn value_block(&mut self, block: &'a ast::Block, sink: &mut ValueSink<'a>) -> Vec<ir::Stmt> {
        crate::stack::grow(|| {
            self.enter_scope();
            self.owned_scopes.push(Vec::new());
            let mut out = Vec::new();
            let last_gives_value = block.tail.is_none() && block.stmts.last().is_some_and(stmt_has_value);
            let count = block.stmts.len() - usize::from(last_gives_value);
            for stmt in &block.stmts[..count] {
                if let Some(s) = self.stmt(stmt) {
                    out.push(s);
                }
            }
            if let Some(tail) = &block.tail {
                out.push(self.sink_value(tail, sink));
            } else if last_gives_value {
                let last = &block.stmts[count];
                match &last.kind {
                    StmtKind::If(i) => out.push(self.if_stmt(i, Some(sink))),
                    StmtKind::Match(m) => out.push(self.match_stmt(m, Some(sink))),
                    StmtKind::Block(b) => {
                        sink.part = "block";
                        out.push(ir::Stmt::Block(self.value_block(b, sink)))
                    }
                    _ => {}
                }
            } else if completes(&out) && !self.recovered {
                self.no_value(block, sink);
            }
            self.exit_scope();
            let owned = self.owned_scopes.pop().unwrap_or_default();
            if !owned.is_empty() && completes(&out) {
                out.push(ir::Stmt::DropLocals(owned.into_iter().rev().collect()));
            }
            out
        })
    }

    /// Reports a branch that can end without a value.
    fn no_value(&mut self, block: &ast::Block, sink: &ValueSink<'a>) {
        let end = Span::new(block.span.end.saturating_sub(1), block.span.end);
        let wanted = match sink.expected.or(sink.decided.map(|(t, _)| t)) {
            Some(t) => format!("a `{}`", self.checker.ty_name(t)),
            None => "a value".to_string(),
        };
        let part = match sink.part {
            "if" => "this branch of an `if`",
            "match" => "this arm of a `match`",
            _ => "this block",
        };
        let message = match sink.what {
            "function" => format!("{part} can end without a value, but the function returns {wanted}"),
            what => format!("{part} can end without a value, but the `{what}` is used as a value"),
        };
        let mut d = Diagnostic::error("missing-value", message, end, format!("expected {wanted} here"));
        d = match block.stmts.last().map(|s| &s.kind) {
            Some(StmtKind::Expr(e)) => d
                .with_label(e.span, "this is the last expression")
                .with_help("remove the `;` after it to make it the value"),
            _ => d.with_help("end the block with an expression, without `;`"),
        };
        self.checker.diagnostics.push(d);
    }
}

/// Is this a value whose type comes from context (a numeric literal,
/// `none` or `[]`), which names nothing and so can be checked late?
fn needs_context(expr: &ast::Expr) -> bool {
    match &expr.kind {
        A::Name(n) => n.name == "none",
        A::List(items) => items.is_empty(),
        A::Paren(inner) => needs_context(inner),
        _ => BodyChecker::is_literal(expr),
    }
}

/// Does this block give a value: a tail, or a last statement that does?
pub(super) fn block_has_value(block: &ast::Block) -> bool {
    block.tail.is_some() || block.stmts.last().is_some_and(stmt_has_value)
}

/// Is this statement an `if`/`else`, `match` or block with a value (one of
/// its branches has one)?
fn stmt_has_value(stmt: &ast::Stmt) -> bool {
    crate::stack::grow(|| match &stmt.kind {
        StmtKind::If(i) => if_has_value(i),
        StmtKind::Match(m) => m.arms.iter().any(|a| block_has_value(&a.body)),
        StmtKind::Block(b) => block_has_value(b),
        _ => false,
    })
}

fn if_has_value(i: &ast::IfStmt) -> bool {
    match &i.otherwise {
        None => false,
        Some(ast::Else::Block(b)) => block_has_value(&i.then) || block_has_value(b),
        Some(ast::Else::If(inner, _)) => block_has_value(&i.then) || if_has_value(inner),
    }
}

impl BodyChecker<'_> {
    /// A function body that ends in a value of type `result`: the value is
    /// returned, after the body's owned locals and the parameters are dropped.
    pub(super) fn returned_body(&mut self, body: &ast::Block, result: Ty) -> Vec<ir::Stmt> {
        let span = body.span;
        let mut sink = self.new_sink(Some(result), "function", span);
        let mut out = self.value_block(body, &mut sink);
        if completes(&out) {
            let drops = self.all_owned();
            if !drops.is_empty() {
                out.push(ir::Stmt::DropLocals(drops));
            }
            let read = self.push_expr(ir::ExprKind::Local(sink.local), result, span);
            out.push(ir::Stmt::Return(Some(read)));
        }
        self.function.locals[sink.local.index()].ty = result;
        out
    }
}
