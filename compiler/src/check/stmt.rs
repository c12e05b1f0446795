//! Statements and control flow: `let`, expression statements, `if`,
//! loops, `break`/`continue` and `return` (with the drops each way out needs).

use super::values::ValueSink;
use super::*;

impl BodyChecker<'_> {
    pub(super) fn stmt(&mut self, stmt: &ast::Stmt) -> Option<ir::Stmt> {
        crate::stack::grow(|| self.stmt_inner(stmt))
    }

    pub(super) fn stmt_inner(&mut self, stmt: &ast::Stmt) -> Option<ir::Stmt> {
        Some(match &stmt.kind {
            StmtKind::Let { mutable, name, ty, value } => {
                let declared = ty.as_ref().map(|t| self.checker.resolve_type(t));
                let value = match declared {
                    Some(t) => self.check(value, t),
                    None => self.infer(value),
                };
                let ty = declared.unwrap_or_else(|| self.ty(value));
                if ty == Ty::Unit {
                    self.checker.diagnostics.push(
                        Diagnostic::error(
                            "unit-value",
                            format!("`{}` would have no value: the call returns nothing", name.name),
                            self.function.expr_spans[value.index()],
                            "this returns no value",
                        )
                        .with_help("call the function as a statement instead"),
                    );
                }
                let local = self.new_local(&name.name, ty, *mutable, name.span);
                ir::Stmt::Let(local, value)
            }
            StmtKind::Assign { target, op, value } => return self.assign(target, *op, value),
            StmtKind::Expr(e) => self.discard(e, None),
            StmtKind::LetDiscard { ty, value } => {
                let declared = ty.as_ref().map(|t| self.checker.resolve_type(t));
                self.discard(value, declared)
            }
            StmtKind::Block(b) => ir::Stmt::Block(self.block(b)),
            StmtKind::Assert { cond, message } => self.assert_stmt(cond, message.as_deref(), stmt.span),
            StmtKind::If(if_stmt) => self.if_stmt(if_stmt, None),
            StmtKind::While { cond, body } => {
                let cond = self.check(cond, Ty::Bool);
                self.loop_depth += 1;
                self.loop_marks.push(self.owned_scopes.len());
                let body = self.block(body);
                self.loop_marks.pop();
                self.loop_depth -= 1;
                ir::Stmt::While { cond, body }
            }
            StmtKind::Loop(body) => {
                self.loop_depth += 1;
                self.loop_marks.push(self.owned_scopes.len());
                let body = self.block(body);
                self.loop_marks.pop();
                self.loop_depth -= 1;
                ir::Stmt::Loop(body)
            }
            StmtKind::For { var, start: start_expr, end: end_expr, body } => {
                let (start, end, _) = self.operands(start_expr, end_expr, None, "..");
                let ty = self.ty(start);
                if !ty.is_int() && ty != Ty::Error {
                    self.checker.diagnostics.push(Diagnostic::error(
                        "type-mismatch",
                        format!("a `for` range must be of an integer type, not `{}`", self.checker.ty_name(ty)),
                        self.function.expr_spans[start.index()],
                        "not an integer",
                    ));
                }
                self.enter_scope();
                let end_local = self.new_local("", ty, true, var.span);
                let var_local = self.new_local(&var.name, ty, false, var.span);
                if Self::is_literal(start_expr) && Self::is_literal(end_expr) {
                    self.literal_ranges.insert(var_local, start_expr.span.to(end_expr.span));
                }
                let var = var_local;
                self.loop_depth += 1;
                self.loop_marks.push(self.owned_scopes.len());
                let body = self.block(body);
                self.loop_marks.pop();
                self.loop_depth -= 1;
                self.exit_scope();
                ir::Stmt::For { var, end_local, start, end, body }
            }
            StmtKind::ForEach { var: var_name, list: list_expr, body } => {
                // A list of handles in a variable is lent, element by element.
                let lending = self.is_place(list_expr);
                let list = if lending { self.lend_place(list_expr) } else { self.infer(list_expr) };
                let list_ty = self.ty(list);
                // The variable the lent list belongs to cannot change meanwhile.
                let lent_root = match self.place_root(list_expr) {
                    Some(n) if lending && self.checker.is_linear(list_ty) => self.lookup_local(&n.name),
                    _ => None,
                };
                let elem = match list_ty.def(&self.checker.resolve) {
                    Some(TypeDefKind::List(t)) => {
                        let t = *t;
                        self.checker.from_wit(&t)
                    }
                    _ => {
                        if list_ty != Ty::Error {
                            let name = self.checker.ty_name(list_ty);
                            self.checker.diagnostics.push(
                                Diagnostic::error(
                                    "type-mismatch",
                                    format!("`for` iterates over a list or a range, not `{name}`"),
                                    self.function.expr_spans[list.index()],
                                    format!("this is `{name}`"),
                                )
                                .with_help("write `for i in 0..n` to count"),
                            );
                        }
                        Ty::Error
                    }
                };
                let linear = self.checker.is_linear(elem);
                // A new list of handles is kept until the end of the block.
                let list = if linear && !lending {
                    let span = self.function.expr_spans[list.index()];
                    self.keep_temporary(list, span)
                } else {
                    list
                };
                self.enter_scope();
                let list_local = self.new_local("", list_ty, false, var_name.span);
                let index = self.new_local("", Ty::U32, true, var_name.span);
                let var = if linear {
                    // A lent element: used through methods and `borrow`
                    // parameters, never moved or dropped here.
                    self.new_lent_local(&var_name.name, elem, var_name.span)
                } else {
                    self.new_local(&var_name.name, elem, false, var_name.span)
                };
                self.loop_depth += 1;
                self.loop_marks.push(self.owned_scopes.len());
                if let Some(root) = lent_root {
                    self.lent_roots.push((root, stmt.span));
                }
                let body = self.block(body);
                if lent_root.is_some() {
                    self.lent_roots.pop();
                }
                self.loop_marks.pop();
                self.loop_depth -= 1;
                self.exit_scope();
                ir::Stmt::ForEach { var, list_local, index, list, body }
            }
            StmtKind::Break | StmtKind::Continue => {
                let is_break = matches!(stmt.kind, StmtKind::Break);
                if self.loop_depth == 0 {
                    let word = if is_break { "break" } else { "continue" };
                    self.checker.diagnostics.push(Diagnostic::error(
                        "outside-loop",
                        format!("`{word}` outside of a loop"),
                        stmt.span,
                        format!("`{word}` can only be used inside `while`, `loop` or `for`"),
                    ));
                    return None;
                }
                let jump = if is_break { ir::Stmt::Break } else { ir::Stmt::Continue };
                let drops = self.loop_owned();
                if drops.is_empty() { jump } else { ir::Stmt::Block(vec![ir::Stmt::DropLocals(drops), jump]) }
            }
            StmtKind::Return(value) => {
                let result = self.function.result;
                let result_span = self.checker.signatures[self.func.index()].span;
                match (value, result) {
                    (Some(v), Some(_)) if self.is_test() => self.test_return_value(v, stmt.span),
                    (Some(v), Some(t)) => {
                        self.in_return = true;
                        let value = self.check(v, t);
                        self.in_return = false;
                        let drops = self.all_owned();
                        if drops.is_empty() {
                            ir::Stmt::Return(Some(value))
                        } else {
                            // The value first (it may move owned locals), then the drops.
                            let hidden = self.new_local("", t, false, v.span);
                            let read = self.push_expr(ir::ExprKind::Local(hidden), t, v.span);
                            ir::Stmt::Block(vec![
                                ir::Stmt::Let(hidden, value),
                                ir::Stmt::DropLocals(drops),
                                ir::Stmt::Return(Some(read)),
                            ])
                        }
                    }
                    (Some(v), None) => {
                        let id = self.infer(v);
                        let _ = id;
                        let name = self.function.name.clone();
                        self.checker.diagnostics.push(
                            Diagnostic::error(
                                "unexpected-return-value",
                                format!("function `{name}` has no result, but this returns a value"),
                                v.span,
                                "unexpected value",
                            )
                            .with_label(result_span, "no `-> TYPE` here")
                            .with_help("remove the value, or declare a result type"),
                        );
                        ir::Stmt::Return(None)
                    }
                    (None, Some(_)) if self.is_test() => ir::Stmt::Block(self.test_ok(stmt.span)),
                    (None, Some(t)) => {
                        if t != Ty::Error {
                            let name = self.function.name.clone();
                            self.checker.diagnostics.push(
                                Diagnostic::error(
                                    "missing-return-value",
                                    format!("function `{name}` must return a `{}`", self.checker.ty_name(t)),
                                    stmt.span,
                                    "`return` without a value",
                                )
                                .with_label(result_span, "result type declared here"),
                            );
                        }
                        ir::Stmt::Return(None)
                    }
                    (None, None) => {
                        let drops = self.all_owned();
                        if drops.is_empty() {
                            ir::Stmt::Return(None)
                        } else {
                            ir::Stmt::Block(vec![ir::Stmt::DropLocals(drops), ir::Stmt::Return(None)])
                        }
                    }
                }
            }
            StmtKind::Match(m) => self.match_stmt(m, None),
            StmtKind::LetTuple { mutable, names, value } => {
                let names: Vec<(Option<&ast::Ident>, Option<u32>)> =
                    names.iter().enumerate().map(|(k, n)| (n.as_ref(), Some(k as u32))).collect();
                return self.destructure(value, *mutable, &names, None);
            }
            StmtKind::LetRecord { mutable, fields, value } => {
                let names: Vec<(Option<&ast::Ident>, Option<u32>)> =
                    fields.iter().map(|(_, n)| (Some(n), None)).collect();
                return self.destructure(value, *mutable, &names, Some(fields));
            }
            StmtKind::Error => return None,
        })
    }

    /// Evaluates `e` (checked against `declared` when given) and discards
    /// its value: `e;` and `let _ = e;`. A value that owns handles is dropped.
    pub(super) fn discard(&mut self, e: &ast::Expr, declared: Option<Ty>) -> ir::Stmt {
        let value = match declared {
            Some(t) => self.check(e, t),
            None => self.infer(e),
        };
        let ty = self.ty(value);
        match self.checker.is_linear(ty).then(|| self.checker.drop_callee(ty)).flatten() {
            Some(callee) => ir::Stmt::Expr(self.push_expr(ir::ExprKind::Call(callee, vec![value]), Ty::Unit, e.span)),
            None => ir::Stmt::Expr(value),
        }
    }

    /// A block's tail where no value is wanted: an `if` or `match` is a
    /// statement, a call (or method call, or `?`) an expression statement;
    /// any other value would be lost, which is `unused-value` (as in
    /// `if b { 1 } else { 2 } - 3`, where the `if` starts a statement).
    pub(super) fn unwanted_tail(&mut self, tail: &ast::Expr) -> ir::Stmt {
        match &strip_parens(tail).kind {
            A::If(i) => return self.if_stmt(i, None),
            A::Match(m) => return self.match_stmt(m, None),
            A::Call { .. } | A::MethodCall { .. } | A::Try(_) => return self.discard(tail, None),
            _ => {}
        }
        let stmt = self.discard(tail, None);
        let ty = match &stmt {
            ir::Stmt::Expr(e) => self.ty(*e),
            _ => Ty::Error,
        };
        if ty != Ty::Error && !self.recovered {
            self.checker.diagnostics.push(
                Diagnostic::error(
                    "unused-value",
                    format!("this `{}` is never used", self.checker.ty_name(ty)),
                    tail.span,
                    "the value is dropped here",
                )
                .with_note("a block's final expression is its value only where a value is wanted")
                .with_help(
                    "an `if` or `match` that starts a statement is a statement: to use its value, put it in parentheses or bind it with `let`",
                ),
            );
        }
        stmt
    }

    /// An `if` statement; with a `sink`, an `if` whose branches' values go
    /// there (see `check/values.rs`).
    pub(super) fn if_stmt<'a>(&mut self, if_stmt: &'a ast::IfStmt, sink: Option<&mut ValueSink<'a>>) -> ir::Stmt {
        crate::stack::grow(|| self.if_stmt_inner(if_stmt, sink))
    }

    fn if_stmt_inner<'a>(&mut self, if_stmt: &'a ast::IfStmt, mut sink: Option<&mut ValueSink<'a>>) -> ir::Stmt {
        let first_diagnostic = self.checker.diagnostics.len();
        let statement = sink.is_none();
        let cond = self.check(&if_stmt.cond, Ty::Bool);
        let before = self.moved.clone();
        let then = match sink.as_deref_mut() {
            Some(sink) => {
                sink.part = "if";
                self.value_block(&if_stmt.then, sink)
            }
            None => self.block(&if_stmt.then),
        };
        // Each branch starts from what had moved before the `if`; after it,
        // anything moved on either branch may have moved.
        let after_then = std::mem::replace(&mut self.moved, before);
        let otherwise = match &if_stmt.otherwise {
            None => Vec::new(),
            Some(ast::Else::Block(b)) => match sink {
                Some(sink) => {
                    sink.part = "if";
                    self.value_block(b, sink)
                }
                None => self.block(b),
            },
            Some(ast::Else::If(inner, _)) => vec![self.if_stmt(inner, sink)],
        };
        if completes(&then) {
            for (local, span) in after_then {
                self.moved.entry(local).or_insert(span);
            }
        }
        if statement {
            self.keep_first_unused(first_diagnostic);
        }
        ir::Stmt::If { cond, then, otherwise }
    }

    /// Keeps only the first `unused-value` reported since `from`: the
    /// branches of one `if` or `match` statement lose their values for one
    /// reason.
    pub(super) fn keep_first_unused(&mut self, from: usize) {
        let unused = |d: &Diagnostic| d.code == "unused-value";
        // Most statements report none: leave the list alone then.
        if self.checker.diagnostics.get(from..).is_none_or(|new| new.iter().filter(|d| unused(d)).nth(1).is_none()) {
            return;
        }
        let mut seen = false;
        let mut index = 0;
        self.checker.diagnostics.retain(|d| {
            let keep = index < from || d.code != "unused-value" || !std::mem::replace(&mut seen, true);
            index += 1;
            keep
        });
    }
}
