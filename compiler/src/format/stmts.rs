//! The layout of blocks and statements: one statement per line, blocks
//! broken over lines, `} else {` on one line, `match` arms one per line.

use super::{Doc, Printer};
use crate::ast::*;
use pretty::DocAllocator;

impl<'a> Printer<'a> {
    /// A block broken over lines: `{`, each statement (and the tail) on a
    /// line of its own, `}`; `{}` when it holds nothing.
    pub(super) fn block(&mut self, block: &Block) -> Doc<'a> {
        let (open_comment, open_end) = self.trailing(block.span.start + 1);
        let mut lines = self.lines(open_end);
        for (i, stmt) in block.stmts.iter().enumerate() {
            let blank = self.before_entity(&mut lines, stmt.span.start);
            let doc = match &stmt.kind {
                // A final `if`/`else` whose branches are values is the
                // block's value: laid out as an `if` expression.
                StmtKind::If(if_stmt) if i + 1 == block.stmts.len() && block.tail.is_none() && is_value_if(if_stmt) => {
                    self.if_chain(if_stmt, true)
                }
                _ => self.stmt(stmt),
            };
            self.push_entity(&mut lines, blank, doc, stmt.span.end);
        }
        if let Some(tail) = &block.tail {
            let blank = self.before_entity(&mut lines, tail.span.start);
            let doc = self.expr(tail);
            self.push_entity(&mut lines, blank, doc, tail.span.end);
        }
        let close = block.span.end.saturating_sub(1);
        let empty = block.stmts.is_empty() && block.tail.is_none() && self.comment_before(close).is_none();
        let body = self.finish_lines(lines, close);
        if empty && open_end > block.span.start + 1 {
            // Only a comment after the `{`.
            return self.text("{").append(open_comment).append(self.hardline()).append(self.text("}"));
        }
        self.text("{").append(open_comment).append(self.braced_lines("", body, empty, "}"))
    }

    /// A block that is only a value (`{ 1 }`), on one line when it fits in
    /// its group, as a branch of an `if` used as a value; any other block
    /// as [`Printer::block`].
    fn value_block(&mut self, block: &Block) -> Doc<'a> {
        let close = block.span.end.saturating_sub(1);
        let has_comments = self.comments.get(self.next).is_some_and(|c| c.start < close);
        match &block.tail {
            Some(tail) if block.stmts.is_empty() && !has_comments => {
                let value = self.expr(tail);
                let line = self.arena.line();
                self.text("{")
                    .append(line.clone().append(value).nest(super::INDENT))
                    .append(line)
                    .append(self.text("}"))
            }
            _ => self.block(block),
        }
    }

    fn stmt(&mut self, stmt: &Stmt) -> Doc<'a> {
        crate::stack::grow(|| self.stmt_inner(stmt))
    }

    fn stmt_inner(&mut self, stmt: &Stmt) -> Doc<'a> {
        match &stmt.kind {
            StmtKind::Let { mutable, name, ty, value } => {
                let mut doc = self.text(if *mutable { "let mut " } else { "let " }).append(self.tok(name.span));
                if let Some(ty) = ty {
                    doc = doc.append(self.text(": ")).append(self.ty(ty));
                }
                self.assigned(doc, " = ", value)
            }
            StmtKind::LetTuple { mutable, names, value } => {
                let start = self.text(if *mutable { "let mut " } else { "let " });
                let mut parts = Vec::new();
                for (i, name) in names.iter().enumerate() {
                    if i > 0 {
                        parts.push(self.text(", "));
                    }
                    parts.push(match name {
                        Some(name) => self.tok(name.span),
                        None => self.text("_"),
                    });
                }
                let pattern = self.concat(parts);
                let doc = start.append(self.text("(")).append(pattern).append(self.text(")"));
                self.assigned(doc, " = ", value)
            }
            StmtKind::LetRecord { mutable, fields, value } => {
                let start = self.text(if *mutable { "let mut " } else { "let " });
                let mut parts = Vec::new();
                for (i, (field, binding)) in fields.iter().enumerate() {
                    if i > 0 {
                        parts.push(self.text(", "));
                    }
                    let mut doc = self.tok(field.span);
                    if binding.span != field.span {
                        doc = doc.append(self.text(": ")).append(self.tok(binding.span));
                    }
                    parts.push(doc);
                }
                let pattern = self.concat(parts);
                let doc = start.append(self.text("{")).append(pattern).append(self.text("}"));
                self.assigned(doc, " = ", value)
            }
            StmtKind::LetDiscard { ty, value } => {
                let mut doc = self.text("let _");
                if let Some(ty) = ty {
                    doc = doc.append(self.text(": ")).append(self.ty(ty));
                }
                self.assigned(doc, " = ", value)
            }
            StmtKind::Assign { target, op, value } => {
                let target = self.expr(target);
                let op = match op {
                    None => " = ",
                    Some((op, _)) => assign_op(*op),
                };
                self.assigned(target, op, value)
            }
            StmtKind::Expr(e) => self.expr(e).append(self.text(";")),
            StmtKind::Assert { cond, message } => {
                let cond = self.expr(cond);
                let doc = self.text("assert ").append(cond);
                match message {
                    // The message moves to the next line before the condition breaks.
                    Some(message) => {
                        let message = self.expr(message);
                        let rest = self.arena.line().append(message).nest(super::INDENT);
                        doc.append(self.text(",")).append(rest).append(self.text(";")).group()
                    }
                    None => doc.append(self.text(";")),
                }
            }
            StmtKind::If(i) => self.if_chain(i, false),
            StmtKind::While { cond, body } => {
                let head = self.condition_head("while ", cond);
                head.append(self.block(body))
            }
            StmtKind::Loop(body) => self.text("loop ").append(self.block(body)),
            StmtKind::For { var, start, end, body } => {
                let head = self
                    .text("for ")
                    .append(self.tok(var.span))
                    .append(self.text(" in "))
                    .append(self.expr(start))
                    .append(self.text(".."))
                    .append(self.expr(end))
                    .append(self.text(" "));
                head.append(self.block(body))
            }
            StmtKind::ForEach { var, list, body } => {
                let head = self
                    .text("for ")
                    .append(self.tok(var.span))
                    .append(self.text(" in "))
                    .append(self.expr(list))
                    .append(self.text(" "));
                head.append(self.block(body))
            }
            StmtKind::Break => self.text("break;"),
            StmtKind::Continue => self.text("continue;"),
            StmtKind::Return(None) => self.text("return;"),
            StmtKind::Return(Some(e)) => self.text("return ").append(self.expr(e)).append(self.text(";")),
            StmtKind::Block(b) => self.block(b),
            StmtKind::Match(m) => self.match_(m),
            // Files with syntax errors are not formatted.
            StmtKind::Error => self.tok(stmt.span),
        }
    }

    /// `start op value;`
    fn assigned(&mut self, start: Doc<'a>, op: &'static str, value: &Expr) -> Doc<'a> {
        let value = self.expr(value);
        start.append(self.text(op)).append(value).append(self.text(";"))
    }

    /// `keyword cond {`'s head, with the space before the `{`: the `{` moves
    /// to a line of its own when the head does not fit on one line.
    fn condition_head(&mut self, keyword: &'static str, cond: &Expr) -> Doc<'a> {
        let cond = self.expr(cond);
        self.text(keyword).append(cond).append(self.arena.line()).group()
    }

    /// `if c { } else if d { } else { }`; `value` when it is used as a value
    /// (then branches that are only a value may stay on one line).
    pub(super) fn if_chain(&mut self, i: &IfStmt, value: bool) -> Doc<'a> {
        let head = self.condition_head("if ", &i.cond);
        let then = if value { self.value_block(&i.then) } else { self.block(&i.then) };
        let mut doc = head.append(then);
        match &i.otherwise {
            None => {}
            Some(Else::Block(b)) => {
                let otherwise = if value { self.value_block(b) } else { self.block(b) };
                doc = doc.append(self.text(" else ")).append(otherwise);
            }
            Some(Else::If(next, _)) => {
                let next = self.if_chain(next, value);
                doc = doc.append(self.text(" else ")).append(next);
            }
        }
        if value { doc.group() } else { doc }
    }

    /// `match e { arms }`, each arm on a line of its own.
    pub(super) fn match_(&mut self, m: &MatchStmt) -> Doc<'a> {
        let scrutinee = self.expr(&m.scrutinee);
        let head = self.text("match ").append(scrutinee).append(self.text(" "));
        let open_end = match m.arms.first() {
            Some(arm) => {
                self.src[..arm.pattern.span.start as usize].rfind('{').map_or(arm.pattern.span.start, |i| i as u32 + 1)
            }
            None => m.scrutinee.span.end,
        };
        let mut lines = self.lines(open_end);
        for arm in &m.arms {
            let start = arm.pattern.span.start;
            let blank = self.before_entity(&mut lines, start);
            let pattern = self.pattern(&arm.pattern);
            let body_doc = if arm.braced {
                self.block(&arm.body)
            } else {
                match arm.body.tail.as_deref() {
                    Some(tail) if matches!(tail.kind, ExprKind::If(_) | ExprKind::Match(_)) => self.expr(tail),
                    Some(tail) => self.expr(tail).append(self.text(",")),
                    None => self.block(&arm.body),
                }
            };
            let doc = pattern.append(self.text(" => ")).append(body_doc);
            self.push_entity(&mut lines, blank, doc, arm.body.span.end);
        }
        // The `}` closing the match is the first one after the last arm.
        let after = m.arms.last().map_or(m.scrutinee.span.end, |a| a.body.span.end);
        let close = self.src[after as usize..].find('}').map_or(after, |i| after + i as u32);
        let has_comments = self.comment_before(close).is_some();
        let body = self.finish_lines(lines, close);
        head.append(self.braced_lines("{", body, m.arms.is_empty() && !has_comments, "}"))
    }
}

/// Whether every branch of `i` is only a value and it has an `else`.
fn is_value_if(i: &IfStmt) -> bool {
    let value = |b: &Block| b.stmts.is_empty() && b.tail.is_some();
    value(&i.then)
        && match &i.otherwise {
            None => false,
            Some(Else::Block(b)) => value(b),
            Some(Else::If(next, _)) => is_value_if(next),
        }
}

/// The compound assignment operator for `op`, with its spaces.
fn assign_op(op: BinaryOp) -> &'static str {
    match op {
        BinaryOp::Add => " += ",
        BinaryOp::Sub => " -= ",
        BinaryOp::Mul => " *= ",
        BinaryOp::Div => " /= ",
        BinaryOp::Rem => " %= ",
        BinaryOp::BitAnd => " &= ",
        BinaryOp::BitOr => " |= ",
        BinaryOp::BitXor => " ^= ",
        BinaryOp::Shl => " <<= ",
        BinaryOp::Shr => " >>= ",
        // Not compound-assignment operators; the parser never makes these.
        _ => " = ",
    }
}
