//! The layout of expressions, types and patterns: operators spaced, chains
//! of one operator tier broken before each operator, calls and WAVE values
//! (`[1, 2]`, `{x: 1}`, `(a, b)`) on one line or one element per line with
//! a trailing comma, interpolated strings kept on one line.

use super::{Doc, INDENT, Printer};
use crate::ast::*;
use crate::span::Span;
use pretty::DocAllocator;

impl<'a> Printer<'a> {
    pub(super) fn expr(&mut self, e: &Expr) -> Doc<'a> {
        crate::stack::grow(|| self.expr_inner(e))
    }

    fn expr_inner(&mut self, e: &Expr) -> Doc<'a> {
        match &e.kind {
            ExprKind::If(i) => self.if_chain(i, true),
            ExprKind::Match(m) => self.match_(m),
            ExprKind::Int(_)
            | ExprKind::Float(_)
            | ExprKind::Str(_)
            | ExprKind::Char(_)
            | ExprKind::Bool(_)
            | ExprKind::Name(_) => self.tok(e.span),
            ExprKind::Path(ty, case) => self.tok(ty.span).append(self.text("::")).append(self.tok(case.span)),
            ExprKind::Call { callee, args } => {
                let callee = self.expr(callee);
                let args = self.args(args, e.span.end.saturating_sub(1));
                callee.append(args)
            }
            ExprKind::MethodCall { receiver, method, args } => {
                let receiver = self.expr(receiver);
                let method = self.tok(method.span);
                let args = self.args(args, e.span.end.saturating_sub(1));
                receiver.append(self.text(".")).append(method).append(args)
            }
            ExprKind::Binary { .. } => self.chain(e),
            ExprKind::Unary { op, operand } => {
                let op = match op {
                    UnaryOp::Neg => "-",
                    UnaryOp::Not => "not ",
                };
                self.text(op).append(self.expr(operand))
            }
            ExprKind::Cast { expr, ty } => {
                let value = self.expr(expr);
                value.append(self.text(" as ")).append(self.ty(ty))
            }
            ExprKind::Paren(inner) => self.text("(").append(self.expr(inner)).append(self.text(")")),
            ExprKind::Field { base, field } => {
                let base = self.expr(base);
                base.append(self.text(".")).append(self.tok(field.span))
            }
            ExprKind::Index { base, index } => {
                let base = self.expr(base);
                let index = self.expr(index);
                base.append(self.text("[")).append(index).append(self.text("]"))
            }
            ExprKind::Slice { base, start, end } => {
                let base = self.expr(base);
                let start = self.expr(start);
                let end = self.expr(end);
                base.append(self.text("[")).append(start).append(self.text("..")).append(end).append(self.text("]"))
            }
            ExprKind::List(items) => {
                let close = e.span.end.saturating_sub(1);
                self.list("[", items, |x| x.span, |p, x| p.expr(x), "]", close, false, false)
            }
            ExprKind::Tuple(items) => {
                let close = e.span.end.saturating_sub(1);
                self.list("(", items, |x| x.span, |p, x| p.expr(x), ")", close, false, true)
            }
            ExprKind::Braced(items) => {
                let close = e.span.end.saturating_sub(1);
                self.list(
                    "{",
                    items,
                    |(name, value)| value.as_ref().map_or(name.span, |v| name.span.to(v.span)),
                    |p, (name, value)| {
                        let doc = p.tok(name.span);
                        match value {
                            Some(value) => doc.append(p.text(": ")).append(p.expr(value)),
                            None => doc,
                        }
                    },
                    "}",
                    close,
                    false,
                    false,
                )
            }
            ExprKind::Try(inner) => self.expr(inner).append(self.text("?")),
            ExprKind::Interp(parts) => self.interpolated(e.span, parts),
            ExprKind::Check(cond) => {
                let cond = self.expr(cond);
                self.text("check!(").append(cond).append(self.text(")"))
            }
        }
    }

    /// A call's `(args)`; `close` is the position of the `)`.
    fn args(&mut self, args: &[Expr], close: u32) -> Doc<'a> {
        self.list("(", args, |x| x.span, |p, x| p.expr(x), ")", close, false, false)
    }

    /// A chain of binary operators of one precedence tier (`a + b - c`), on
    /// one line when it fits, else with a line break before each operator,
    /// the operands after the first indented once.
    fn chain(&mut self, e: &Expr) -> Doc<'a> {
        // Walk down the left operands of the same tier (the grammar makes
        // those tiers left-associative), iteratively: generated chains can
        // be very long.
        let mut rest: Vec<(BinaryOp, &Expr)> = Vec::new();
        let mut first = e;
        while let ExprKind::Binary { op, lhs, rhs, .. } = &first.kind {
            if !rest.is_empty() && op.precedence() != rest[rest.len() - 1].0.precedence() {
                break;
            }
            rest.push((*op, rhs));
            first = lhs;
        }
        rest.reverse();
        let first = self.expr(first);
        let mut tail = Vec::with_capacity(rest.len() * 2);
        for (op, operand) in rest {
            tail.push(self.arena.line().append(self.arena.text(op.symbol())).append(self.text(" ")));
            tail.push(self.expr(operand));
        }
        let tail = self.concat(tail);
        first.append(tail.nest(INDENT)).group()
    }

    /// `"text \{expr} text"`: the text exactly as written, each
    /// interpolated expression formatted on one line. A string whose
    /// interpolations hold comments is kept exactly as written.
    fn interpolated(&mut self, span: Span, parts: &[InterpPart]) -> Doc<'a> {
        let before = self.inline_comments(span.start);
        let mut out = String::new();
        let mut cursor = span.start as usize;
        for part in parts {
            let InterpPart::Expr(x) = part else { continue };
            let code_start = x.span.start as usize;
            let code_end = x.span.end as usize;
            let open = self.src[cursor..code_start].rfind("\\{").map(|i| cursor + i);
            let close = self.src[code_end..span.end as usize].find('}').map(|i| code_end + i);
            let (Some(open), Some(close)) = (open, close) else {
                return before.append(self.arena.text(&self.src[span.range()]));
            };
            let code = &self.src[open + 2..close];
            if code.contains("//") || code.contains("/*") {
                return before.append(self.arena.text(&self.src[span.range()]));
            }
            out.push_str(&self.src[cursor..open + 2]);
            let doc = self.expr(x);
            out.push_str(&self.flat(doc));
            cursor = close;
        }
        out.push_str(&self.src[cursor..span.end as usize]);
        before.append(self.arena.text(out))
    }

    /// A type as written: `u32`, `list<option<string>>`, `result<_, e>`.
    pub(super) fn ty(&mut self, ty: &TypeExpr) -> Doc<'a> {
        match &ty.kind {
            TypeKind::Named(_) => self.tok(ty.span),
            TypeKind::Generic(ctor, args) => {
                let mut doc = self.tok(ctor.span).append(self.text("<"));
                for (i, arg) in args.iter().enumerate() {
                    if i > 0 {
                        doc = doc.append(self.text(", "));
                    }
                    doc = match arg {
                        Some(arg) => {
                            let arg = self.ty(arg);
                            doc.append(arg)
                        }
                        None => doc.append(self.text("_")),
                    };
                }
                doc.append(self.text(">"))
            }
        }
    }

    /// A `match` arm's pattern.
    pub(super) fn pattern(&mut self, p: &Pattern) -> Doc<'a> {
        match &p.kind {
            PatternKind::Wildcard => self.tok(p.span),
            PatternKind::Name(name) => self.tok(name.span),
            PatternKind::Path(ty, case) => self.tok(ty.span).append(self.text("::")).append(self.tok(case.span)),
            PatternKind::Case(ty, case, inner) => {
                let mut doc = self.nil();
                if let Some(ty) = ty {
                    doc = self.tok(ty.span).append(self.text("::"));
                }
                let inner = self.pattern(inner);
                doc.append(self.tok(case.span)).append(self.text("(")).append(inner).append(self.text(")"))
            }
            PatternKind::Tuple(items) => {
                let mut doc = self.text("(");
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        doc = doc.append(self.text(", "));
                    }
                    let item = self.pattern(item);
                    doc = doc.append(item);
                }
                doc.append(self.text(")"))
            }
            PatternKind::Literal(e) => self.expr(e),
        }
    }
}
