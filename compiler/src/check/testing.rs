//! What `clawc test` adds to checking: test bodies, `assert`, `?` that fails
//! a test, and the call records of mocks (`store::get.calls()`).
//!
//! A test is checked as an exported function returning `result<_, string>`
//! (see [`crate::testing`], which turns `test` items into such functions).
//! It passes when it returns `ok` and fails with the `err` text, whose lines
//! the runner reads ([`FAILURE_FORMAT`]):
//!
//! ```text
//! assertion failed: add(1, 1) == 2
//! message: sums differ
//! left: 3
//! right: 2
//! at: 7:5
//! ```

use std::collections::{HashMap, HashSet};

use super::wave::Synth;
use super::{BodyChecker, Checker, Signature, strip_parens};
use crate::ast::{self, BinaryOp};
use crate::diagnostic::Diagnostic;
use crate::ir::{self, Callee, Const, ExprId, FuncId};
use crate::span::Span;
use crate::types::Ty;

/// The lines of a failure text, for the runner: a summary line, then any of
/// `message: `, `left: `, `right: ` (values as WAVE), and last `at: L:C`.
pub const FAILURE_FORMAT: &str = "summary\\nmessage: ..\\nleft: ..\\nright: ..\\nat: line:column";

/// What the checker needs to know about a test file (built by
/// [`crate::testing`]); empty for ordinary builds.
#[derive(Clone, Debug, Default)]
pub struct TestContext {
    /// Checking a test file (set for the script and its mocks): an import
    /// without a version takes the newest of several compatible versions.
    pub is_test_file: bool,
    /// The names of the functions that are test bodies.
    pub tests: HashSet<String>,
    /// `iface::func` of each mocked function (the interface's name and the
    /// function's) → the imported functions that read its record.
    pub mock_calls: HashMap<(String, String), MockAccess>,
}

/// The imported functions through which a test reads one mocked function's
/// record of calls.
#[derive(Clone, Debug)]
pub struct MockAccess {
    /// `-> u32`: how many calls there were.
    pub count: String,
    /// `-> list<T>`: the arguments of each call (a tuple for several
    /// parameters); `None` when the parameters hold handles, which are not
    /// recorded.
    pub calls: Option<String>,
}

impl BodyChecker<'_> {
    /// The 1-based line and column (in chars) of `span`'s start in the
    /// source, through an index of its lines built once (a file of many
    /// tests or `check!`s locates each of them).
    pub(super) fn line_column(&self, span: Span) -> (u32, u32) {
        self.checker.lines.get_or_init(|| crate::span::LineIndex::new(self.source)).line_column(self.source, span.start)
    }

    /// Whether the function being checked is a test body.
    pub(super) fn is_test(&self) -> bool {
        self.checker.testing.tests.contains(&self.function.name)
    }

    /// `line:column` (1-based, in chars) of `span`'s start.
    fn location(&self, span: Span) -> String {
        let (line, column) = self.line_column(span);
        format!("{line}:{column}")
    }

    fn source_text(&self, span: Span) -> String {
        self.source.get(span.start as usize..span.end as usize).unwrap_or("condition").to_string()
    }

    fn text(&mut self, s: &str, span: Span) -> ExprId {
        self.push_expr(ir::ExprKind::Const(Const::Str(s.to_string())), Ty::String, span)
    }

    fn cat(&mut self, a: ExprId, b: ExprId, span: Span) -> ExprId {
        self.push_expr(ir::ExprKind::Binary(BinaryOp::Add, a, b), Ty::String, span)
    }

    /// `assert cond;` / `assert cond, message;`: when `cond` does not hold,
    /// the test returns `err` with the failure text. The operands of a
    /// comparison are evaluated once, before comparing; the message only
    /// when the assertion fails.
    pub(super) fn assert_stmt(&mut self, cond: &ast::Expr, message: Option<&ast::Expr>, span: Span) -> ir::Stmt {
        if !self.is_test() {
            self.checker.diagnostics.push(
                Diagnostic::error(
                    "assert-outside-test",
                    "`assert` is only allowed in a test",
                    span,
                    "not inside a `test` block",
                )
                .with_help("use `check!(cond)?` in a function returning `result<_, string>`, or move this into `test \"...\" { }`"),
            );
            let c = self.check(cond, Ty::Bool);
            return ir::Stmt::Expr(c);
        }
        let mut stmts = Vec::new();
        let header = format!("assertion failed: {}", self.source_text(cond.span));
        let mut shown: Vec<(&str, ExprId)> = Vec::new();
        let inner = strip_parens(cond);
        let holds = match &inner.kind {
            ast::ExprKind::Binary { op, op_span, lhs, rhs } if super::is_comparison(*op) => {
                let (l, r, agree) = self.operands(lhs, rhs, None, op.symbol());
                let ty = self.ty(l);
                if !agree || ty == Ty::Error {
                    return ir::Stmt::Expr(self.error_expr(span));
                }
                if self.checker.is_linear(ty) {
                    self.binary_result(*op, *op_span, l, r, span)
                } else {
                    // Hidden locals hold the operands, to compare and show them.
                    let lv = self.new_local("", ty, false, lhs.span);
                    let rv = self.new_local("", ty, false, rhs.span);
                    stmts.push(ir::Stmt::Let(lv, l));
                    stmts.push(ir::Stmt::Let(rv, r));
                    let lr = self.push_expr(ir::ExprKind::Local(lv), ty, lhs.span);
                    let rr = self.push_expr(ir::ExprKind::Local(rv), ty, rhs.span);
                    let holds = self.binary_result(*op, *op_span, lr, rr, span);
                    if self.ty(holds) != Ty::Error
                        && let Some(f) = self.checker.wave_function(ty)
                    {
                        let lr = self.push_expr(ir::ExprKind::Local(lv), ty, lhs.span);
                        let rr = self.push_expr(ir::ExprKind::Local(rv), ty, rhs.span);
                        let lw = self.push_expr(ir::ExprKind::Call(Callee::Func(f), vec![lr]), Ty::String, lhs.span);
                        let rw = self.push_expr(ir::ExprKind::Call(Callee::Func(f), vec![rr]), Ty::String, rhs.span);
                        shown.push(("\nleft: ", lw));
                        shown.push(("\nright: ", rw));
                    }
                    holds
                }
            }
            _ => self.check(cond, Ty::Bool),
        };
        if self.ty(holds) == Ty::Error {
            return ir::Stmt::Block(stmts);
        }
        // The failure branch: the text, then the drops, then the return.
        let mut text = self.text(&header, span);
        if let Some(m) = message {
            let m = self.check(m, Ty::String);
            let label = self.text("\nmessage: ", span);
            text = self.cat(text, label, span);
            text = self.cat(text, m, span);
        }
        for (label, value) in shown {
            let label = self.text(label, span);
            text = self.cat(text, label, span);
            text = self.cat(text, value, span);
        }
        let at = format!("\nat: {}", self.location(span));
        let at = self.text(&at, span);
        text = self.cat(text, at, span);
        let result = self.function.result.unwrap_or(Ty::Error);
        let err = self.push_expr(ir::ExprKind::Case(1, Some(text)), result, span);
        let fails = self.push_expr(ir::ExprKind::Unary(ast::UnaryOp::Not, holds), Ty::Bool, span);
        let then = self.return_value(err, result, span);
        stmts.push(ir::Stmt::If { cond: fails, then, otherwise: Vec::new() });
        ir::Stmt::Block(stmts)
    }

    /// Returns `value` (of the function's result type `ty`), dropping every
    /// owning local first.
    pub(super) fn return_value(&mut self, value: ExprId, ty: Ty, span: Span) -> Vec<ir::Stmt> {
        let drops = self.all_owned();
        if drops.is_empty() {
            return vec![ir::Stmt::Return(Some(value))];
        }
        let hidden = self.new_local("", ty, false, span);
        let read = self.push_expr(ir::ExprKind::Local(hidden), ty, span);
        vec![ir::Stmt::Let(hidden, value), ir::Stmt::DropLocals(drops), ir::Stmt::Return(Some(read))]
    }

    /// `return value;` in a test: refused (a test passes by ending and fails
    /// by an `assert`); checks the value anyway.
    pub(super) fn test_return_value(&mut self, value: &ast::Expr, span: Span) -> ir::Stmt {
        // Checked as what the test's function returns, so that `err(..)`
        // needs no annotation; only this error is reported.
        let result = self.function.result.unwrap_or(Ty::Error);
        let _ = self.check(value, result);
        self.checker.diagnostics.push(
            Diagnostic::error("test-return-value", "a test cannot return a value", value.span, "returned here")
                .with_label(span, "in this `return`")
                .with_help("end the test with `return;`; to fail it, use `assert cond, \"why\";`"),
        );
        ir::Stmt::Return(None)
    }

    /// `return;` or the end of a test: `ok`.
    pub(super) fn test_ok(&mut self, span: Span) -> Vec<ir::Stmt> {
        let result = self.function.result.unwrap_or(Ty::Error);
        let ok = self.push_expr(ir::ExprKind::Case(0, None), result, span);
        self.return_value(ok, result, span)
    }

    /// `value?` in a test: the payload, or the test fails showing the
    /// `none` or `err(e)` as WAVE.
    pub(super) fn test_try(&mut self, value: ExprId, inner: &ast::Expr, out: Ty, span: Span) -> ExprId {
        let ty = self.ty(value);
        let summary = format!("`?` failed on `{}`: got ", self.source_text(inner.span));
        let at = format!("\nat: {}", self.location(span));
        let result = self.function.result.unwrap_or(Ty::Error);
        match self.checker.try_report_function(ty, result, &summary, &at) {
            Some(f) => self.push_expr(ir::ExprKind::Try(value, self.all_owned(), Some(f)), out, span),
            None => {
                self.checker.diagnostics.push(
                    Diagnostic::error(
                        "type-mismatch",
                        format!(
                            "`?` in a test cannot show a value of type `{}`, which owns a resource handle",
                            self.checker.ty_name(ty)
                        ),
                        inner.span,
                        "its failure would have no text",
                    )
                    .with_help("use `match` to handle the failure"),
                );
                self.error_expr(span)
            }
        }
    }

    /// `iface::func.calls()` or `.count()` of a mocked function: a call of
    /// the import that reads the mock's record; `None` when `receiver` is
    /// not a mocked function.
    pub(super) fn mock_record(
        &mut self,
        receiver: &ast::Expr,
        method: &ast::Ident,
        args: &[ast::Expr],
        span: Span,
    ) -> Option<ExprId> {
        let ast::ExprKind::Path(iface, func) = &receiver.kind else { return None };
        let access = self.checker.testing.mock_calls.get(&(iface.name.clone(), func.name.clone()))?.clone();
        let name = match method.name.as_str() {
            "count" => Some(access.count),
            "calls" => access.calls,
            _ => None,
        };
        let Some(name) = name else {
            let what = if method.name == "calls" {
                format!(
                    "the arguments of `{}::{}` are not recorded: only functions whose parameters are all of WIT's built-in types (numbers, `char`, `string`, and lists, options, results and tuples of them) record them",
                    iface.name, func.name
                )
            } else {
                format!("a mocked function has `calls()` and `count()`, not `{}`", method.name)
            };
            self.checker.diagnostics.push(
                Diagnostic::error("unknown-method", what, method.span, "not available")
                    .with_help("`count()` gives the number of calls of every mocked function"),
            );
            return Some(self.error_expr(span));
        };
        if let Some(extra) = args.first() {
            self.checker.diagnostics.push(Diagnostic::error(
                "wrong-arity",
                format!("`{}()` takes no arguments", method.name),
                extra.span,
                "unexpected argument",
            ));
        }
        let callee = ast::Expr { kind: ast::ExprKind::Name(ast::Ident { name, span: method.span }), span: method.span };
        let call = ast::Expr { kind: ast::ExprKind::Call { callee: Box::new(callee), args: Vec::new() }, span };
        Some(self.infer(&call))
    }
}

impl Checker {
    /// Synthesizes `(v: T) -> result<_, string>` returning
    /// `err(summary + wave(v) + at)`, the report of a failed `?` in a test;
    /// `None` when `T` owns handles (it has no WAVE text).
    fn try_report_function(&mut self, ty: Ty, result: Ty, summary: &str, at: &str) -> Option<FuncId> {
        if self.is_linear(ty) {
            return None;
        }
        let wave = self.wave_function(ty)?;
        let (mut s, reads) = Synth::with_params("`?` report".into(), &[ty], Some(result));
        let head = s.e(ir::ExprKind::Const(Const::Str(summary.to_string())), Ty::String);
        let shown = s.e(ir::ExprKind::Call(Callee::Func(wave), vec![reads[0]]), Ty::String);
        let tail = s.e(ir::ExprKind::Const(Const::Str(at.to_string())), Ty::String);
        let text = s.e(ir::ExprKind::Binary(BinaryOp::Add, head, shown), Ty::String);
        let text = s.e(ir::ExprKind::Binary(BinaryOp::Add, text, tail), Ty::String);
        let err = s.e(ir::ExprKind::Case(1, Some(text)), result);
        s.f.body = vec![ir::Stmt::Return(Some(err))];
        let id = FuncId(self.module.funcs.len() as u32);
        self.module.funcs.push(s.f);
        self.signatures.push(Signature { params: vec![("v".into(), ty)], result: Some(result), span: Span::default() });
        Some(id)
    }
}
