//! Checking `match`: pattern typing, bindings, exhaustiveness and
//! unreachable arms, and the lowering of a `match` to IR.
//!
//! A `match` becomes a hidden local holding the scrutinee and a chain of
//! `if`s, one per arm, whose condition tests the arm's pattern
//! ([`ir::ExprKind::IsCase`] on every case in it, `==` on every literal)
//! and whose body first binds the pattern's names to the parts they match
//! ([`ir::ExprKind::Payload`], [`ir::ExprKind::Field`]). Because the arms
//! are exhaustive (or the file does not compile), the last arm needs no test.

use super::values::ValueSink;
use super::{BodyChecker, Checker};
use crate::ast::{self, BinaryOp};
use crate::diagnostic::Diagnostic;
use crate::ir::{self, Const, ExprId};
use crate::patterns::{self, Ctor, Pat};
use crate::span::Span;
use crate::suggest::suggest_or_list;
use crate::types::Ty;
use wit_parser::TypeDefKind;

/// How many uncovered patterns a non-exhaustive `match` error lists.
const MISSING_SHOWN: usize = 4;

/// What checking one pattern produced.
#[derive(Default)]
struct ArmParts {
    /// `bool` tests that together decide whether the arm matches.
    tests: Vec<ExprId>,
    /// Names bound by the pattern and the values they bind.
    binds: Vec<(ast::Ident, ExprId)>,
    /// A pattern had an error: skip the exhaustiveness checks.
    failed: bool,
    /// Parts that own resource handles but match `_`: dropped.
    drops: Vec<ExprId>,
}

impl Checker {
    /// The constructors of `ty` for pattern matching (see [`patterns::Signature`]).
    fn ctors(&mut self, ty: Ty) -> Option<Vec<Ctor>> {
        let plain = |name: &str, fields: Vec<Ty>| Ctor { name: name.to_string(), fields, tuple: false };
        match ty {
            Ty::Bool => Some(vec![plain("false", vec![]), plain("true", vec![])]),
            Ty::Enum(_) => Some(ty.enum_cases(&self.resolve).iter().map(|c| plain(c, vec![])).collect()),
            Ty::Def(_) => match ty.def(&self.resolve)?.clone() {
                TypeDefKind::Variant(v) => Some(
                    v.cases
                        .iter()
                        .map(|c| {
                            let fields = c.ty.iter().map(|t| self.from_wit(t)).collect();
                            plain(&c.name, fields)
                        })
                        .collect(),
                ),
                TypeDefKind::Option(t) => Some(vec![plain("none", vec![]), plain("some", vec![self.from_wit(&t)])]),
                TypeDefKind::Result(r) => {
                    let ok = r.ok.iter().map(|t| self.from_wit(t)).collect();
                    let err = r.err.iter().map(|t| self.from_wit(t)).collect();
                    Some(vec![plain("ok", ok), plain("err", err)])
                }
                TypeDefKind::Tuple(t) => {
                    let fields = t.types.iter().map(|t| self.from_wit(t)).collect();
                    Some(vec![Ctor { name: String::new(), fields, tuple: true }])
                }
                _ => None,
            },
            _ => None,
        }
    }

    /// The named cases of `ty` (not a tuple's constructor).
    fn cases(&mut self, ty: Ty) -> Option<Vec<Ctor>> {
        self.ctors(ty).filter(|cs| !cs.iter().any(|c| c.tuple))
    }
}

impl BodyChecker<'_> {
    /// Checks `match scrutinee { arms }`.
    /// A `match` statement; with a `sink`, a `match` whose arms' values go
    /// there (see `check/values.rs`).
    pub(super) fn match_stmt<'a>(&mut self, m: &'a ast::MatchStmt, sink: Option<&mut ValueSink<'a>>) -> ir::Stmt {
        let first_diagnostic = self.checker.diagnostics.len();
        let statement = sink.is_none();
        let stmt = self.match_stmt_inner(m, sink);
        if statement {
            self.keep_first_unused(first_diagnostic);
        }
        stmt
    }

    fn match_stmt_inner<'a>(&mut self, m: &'a ast::MatchStmt, mut sink: Option<&mut ValueSink<'a>>) -> ir::Stmt {
        // Matching a global that holds handles (or a local bound by such a
        // match) lends its parts: bindings neither own nor drop them.
        let lent = self.is_lent_place(&m.scrutinee);
        let scrutinee = if lent { self.lend_place(&m.scrutinee) } else { self.infer(&m.scrutinee) };
        let ty = self.ty(scrutinee);
        let span = m.scrutinee.span;
        let hidden = self.new_local("", ty, false, span);
        let value = self.push_expr(ir::ExprKind::Local(hidden), ty, span);
        let mut failed = ty == Ty::Error;
        let mut rows: Vec<Vec<Pat>> = Vec::new();
        let mut arms: Vec<(Option<ExprId>, Vec<ir::Stmt>)> = Vec::new();
        let moved_before = self.moved.clone();
        let mut moved_after = self.moved.clone();
        for arm in &m.arms {
            self.moved = moved_before.clone();
            self.enter_scope();
            self.owned_scopes.push(Vec::new());
            let mut parts = ArmParts::default();
            let pat = self.pattern(&arm.pattern, ty, value, &mut parts);
            failed |= parts.failed;
            let mut body = Vec::new();
            for (name, part) in parts.binds {
                let local = if lent {
                    self.new_lent_local(&name.name, self.ty(part), name.span)
                } else {
                    self.new_local(&name.name, self.ty(part), false, name.span)
                };
                body.push(ir::Stmt::Let(local, part));
            }
            // Parts that own handles and match `_` are dropped now (unless lent).
            for part in parts.drops.into_iter().filter(|_| !lent) {
                let part_ty = self.ty(part);
                if let Some(callee) = self.checker.drop_callee(part_ty) {
                    let call = self.push_expr(ir::ExprKind::Call(callee, vec![part]), Ty::Unit, arm.pattern.span);
                    body.push(ir::Stmt::Expr(call));
                }
            }
            body.extend(match sink.as_deref_mut() {
                Some(sink) => {
                    sink.part = "match";
                    self.value_block(&arm.body, sink)
                }
                None => self.block(&arm.body),
            });
            self.exit_scope();
            let owned = self.owned_scopes.pop().unwrap_or_default();
            if !owned.is_empty() && super::completes(&body) {
                body.push(ir::Stmt::DropLocals(owned.into_iter().rev().collect()));
            }
            if super::completes(&body) {
                for (local, span) in self.moved.clone() {
                    moved_after.entry(local).or_insert(span);
                }
            }
            if !failed {
                let checker = &mut *self.checker;
                if !patterns::useful(&mut |t| checker.ctors(t), &rows, std::slice::from_ref(&pat), &[ty]) {
                    let mut d = Diagnostic::error(
                        "unreachable-pattern",
                        "this arm can never run",
                        arm.pattern.span,
                        "every value it matches is matched by an earlier arm",
                    )
                    .with_help("remove the arm, or move it before the arms that cover it");
                    // A misspelt case is a binding that catches everything.
                    if let Some(catch_all) = m.arms.iter().zip(&rows).find(|(_, r)| r[0] == Pat::Wild).map(|(a, _)| a)
                        && let ast::PatternKind::Name(name) = &catch_all.pattern.kind
                    {
                        d = d.with_label(
                            name.span,
                            format!(
                                "`{}` is not a case of `{}`, so it binds every value",
                                name.name,
                                checker.ty_name(ty)
                            ),
                        );
                    }
                    checker.diagnostics.push(d);
                }
            }
            rows.push(vec![pat]);
            let cond = parts
                .tests
                .into_iter()
                .reduce(|a, b| self.push_expr(ir::ExprKind::Binary(BinaryOp::And, a, b), Ty::Bool, arm.pattern.span));
            arms.push((cond, body));
        }
        self.moved = moved_after;
        if !failed {
            self.exhaustive(&rows, ty, m, span);
        }
        // The last arm needs no test: an exhaustive match reaches it only
        // when it matches.
        let mut chain = arms.pop().map(|(_, body)| body).unwrap_or_default();
        while let Some((cond, body)) = arms.pop() {
            chain = match cond {
                Some(cond) => vec![ir::Stmt::If { cond, then: body, otherwise: chain }],
                None => body,
            };
        }
        let mut stmts = vec![ir::Stmt::Let(hidden, scrutinee)];
        stmts.extend(chain);
        ir::Stmt::Block(stmts)
    }

    /// Reports the values no arm matches.
    fn exhaustive(&mut self, rows: &[Vec<Pat>], ty: Ty, m: &ast::MatchStmt, span: Span) {
        let checker = &mut *self.checker;
        let mut sig = |t| checker.ctors(t);
        let missing = patterns::missing(&mut sig, rows, &[ty], MISSING_SHOWN);
        if missing.is_empty() {
            return;
        }
        let shown: Vec<String> =
            missing.iter().map(|w| format!("`{}`", patterns::render(&mut sig, &w[0], ty))).collect();
        let list = match shown.as_slice() {
            [one] => format!("pattern {one}"),
            [init @ .., last] => format!("patterns {} and {last}", init.join(", ")),
            [] => unreachable!(),
        };
        let more = if shown.len() == MISSING_SHOWN { " (and maybe more)" } else { "" };
        let name = checker.ty_name(ty);
        let mut d = Diagnostic::error(
            "non-exhaustive-match",
            format!("`match` does not cover every `{name}`: {list} not covered{more}"),
            span,
            format!("this is `{name}`"),
        );
        d = if m.arms.is_empty() {
            d.with_help("add an arm for each case, or `_ => { ... }`")
        } else if missing.iter().all(|w| w[0] == Pat::Wild) {
            d.with_help("add a `_ => { ... }` arm (or a binding) for the remaining values")
        } else {
            d.with_help(format!("add an arm for {list}, or a `_ => {{ ... }}` arm"))
        };
        checker.diagnostics.push(d);
    }

    /// Checks one pattern against the type of the value it matches, adding
    /// its tests and bindings to `parts`.
    fn pattern(&mut self, pat: &ast::Pattern, ty: Ty, value: ExprId, parts: &mut ArmParts) -> Pat {
        let before = self.checker.diagnostics.len();
        let result = self.pattern_inner(pat, ty, value, parts);
        if ty == Ty::Error || self.checker.diagnostics.len() > before {
            // Bind the names the pattern would bind, so the arm's body
            // does not report them as unknown.
            parts.failed = true;
            self.bind_as_errors(pat, parts);
        }
        result
    }

    /// Binds every name in `pat` (that is not bound yet) to an error value.
    fn bind_as_errors(&mut self, pat: &ast::Pattern, parts: &mut ArmParts) {
        use ast::PatternKind as P;
        match &pat.kind {
            P::Name(name) if !parts.binds.iter().any(|(n, _)| n.name == name.name) => {
                let error = self.error_expr(name.span);
                parts.binds.push((name.clone(), error));
            }
            P::Case(_, _, inner) => self.bind_as_errors(inner, parts),
            P::Tuple(items) => items.iter().for_each(|item| self.bind_as_errors(item, parts)),
            _ => {}
        }
    }

    fn pattern_inner(&mut self, pat: &ast::Pattern, ty: Ty, value: ExprId, parts: &mut ArmParts) -> Pat {
        use ast::PatternKind as P;
        if ty == Ty::Error {
            return Pat::Wild;
        }
        match &pat.kind {
            P::Wildcard => {
                if self.checker.is_linear(ty) {
                    parts.drops.push(value);
                }
                Pat::Wild
            }
            P::Name(name) => {
                if let Some(cases) = self.checker.cases(ty)
                    && let Some(i) = cases.iter().position(|c| c.name == name.name)
                {
                    return self.case_pattern(i, &cases[i], None, ty, value, pat.span, parts);
                }
                if parts.binds.iter().any(|(n, _)| n.name == name.name) {
                    self.checker.diagnostics.push(Diagnostic::error(
                        "duplicate-binding",
                        format!("`{}` is bound more than once in this pattern", name.name),
                        name.span,
                        "bound again here",
                    ));
                    parts.failed = true;
                }
                parts.binds.push((name.clone(), value));
                Pat::Wild
            }
            P::Path(type_name, case) => {
                if !self.pattern_type(type_name, ty, parts) {
                    return Pat::Wild;
                }
                match self.find_case(ty, case, parts) {
                    Some((i, c)) => self.case_pattern(i, &c, None, ty, value, pat.span, parts),
                    None => Pat::Wild,
                }
            }
            P::Case(type_name, case, inner) => {
                if let Some(type_name) = type_name
                    && !self.pattern_type(type_name, ty, parts)
                {
                    return Pat::Wild;
                }
                match self.find_case(ty, case, parts) {
                    Some((i, c)) => self.case_pattern(i, &c, Some(inner), ty, value, pat.span, parts),
                    None => Pat::Wild,
                }
            }
            P::Tuple(items) => {
                let fields = match self.checker.ctors(ty) {
                    Some(cs) if cs.len() == 1 && cs[0].tuple && cs[0].fields.len() == items.len() => {
                        cs[0].fields.clone()
                    }
                    _ => {
                        let name = self.checker.ty_name(ty);
                        self.checker.diagnostics.push(Diagnostic::error(
                            "type-mismatch",
                            format!("a tuple pattern of {} elements cannot match a `{name}`", items.len()),
                            pat.span,
                            format!("the matched value is `{name}`"),
                        ));
                        parts.failed = true;
                        return Pat::Wild;
                    }
                };
                let subs = items
                    .iter()
                    .zip(fields)
                    .enumerate()
                    .map(|(k, (item, field))| {
                        let part = self.push_expr(ir::ExprKind::Field(value, k as u32), field, item.span);
                        self.pattern(item, field, part, parts)
                    })
                    .collect();
                Pat::Ctor(0, subs)
            }
            P::Literal(literal) => {
                if !(ty.is_int() || matches!(ty, Ty::Bool | Ty::Char | Ty::String)) {
                    let name = self.checker.ty_name(ty);
                    self.checker.diagnostics.push(Diagnostic::error(
                        "type-mismatch",
                        format!("a literal pattern cannot match a `{name}`"),
                        pat.span,
                        format!("the matched value is `{name}`"),
                    ));
                    parts.failed = true;
                    return Pat::Wild;
                }
                let before = self.checker.diagnostics.len();
                let lit = self.check(literal, ty);
                if self.checker.diagnostics.len() > before {
                    parts.failed = true;
                    return Pat::Wild;
                }
                let key = match &self.function.expr(lit).kind {
                    &ir::ExprKind::Const(Const::Bool(b)) => {
                        let test = self.push_expr(ir::ExprKind::IsCase(value, b as u32), Ty::Bool, pat.span);
                        parts.tests.push(test);
                        return Pat::Ctor(b as u32, Vec::new());
                    }
                    ir::ExprKind::Const(Const::Int(v)) => v.to_string(),
                    ir::ExprKind::Const(Const::Str(s)) => format!("{s:?}"),
                    ir::ExprKind::Const(Const::Char(c)) => format!("{c:?}"),
                    // Never equal to another literal's key.
                    _ => format!("#{}", lit.0),
                };
                let test = self.push_expr(ir::ExprKind::Binary(BinaryOp::Eq, value, lit), Ty::Bool, pat.span);
                parts.tests.push(test);
                Pat::Lit(key)
            }
        }
    }

    /// Checks that `ty::` in a pattern names the matched type.
    fn pattern_type(&mut self, type_name: &ast::Ident, ty: Ty, parts: &mut ArmParts) -> bool {
        let Some(named) = self.checker.type_for_path(type_name) else {
            parts.failed = true;
            return false;
        };
        if named != ty && named != Ty::Error {
            let (named, expected) = (self.checker.ty_name(named), self.checker.ty_name(ty));
            self.checker.diagnostics.push(Diagnostic::error(
                "type-mismatch",
                format!("this pattern matches a `{named}`, but the matched value is `{expected}`"),
                type_name.span,
                format!("expected `{expected}`"),
            ));
            parts.failed = true;
            return false;
        }
        named == ty
    }

    /// Finds case `case` of `ty`, reporting a type without cases or an unknown case.
    fn find_case(&mut self, ty: Ty, case: &ast::Ident, parts: &mut ArmParts) -> Option<(usize, Ctor)> {
        let name = self.checker.ty_name(ty);
        let Some(cases) = self.checker.cases(ty) else {
            self.checker.diagnostics.push(Diagnostic::error(
                "type-mismatch",
                format!("`{}` is a case pattern, but the matched value is `{name}`, which has no cases", case.name),
                case.span,
                format!("the matched value is `{name}`"),
            ));
            parts.failed = true;
            return None;
        };
        if let Some(i) = cases.iter().position(|c| c.name == case.name) {
            return Some((i, cases[i].clone()));
        }
        let names: Vec<&str> = cases.iter().map(|c| c.name.as_str()).collect();
        let d = Diagnostic::error(
            "unknown-case",
            format!("`{name}` has no case `{}`", case.name),
            case.span,
            "no such case",
        );
        self.checker.diagnostics.push(suggest_or_list(d, &case.name, &names, "cases"));
        parts.failed = true;
        None
    }

    /// A pattern for case `index` of `ty`, with a pattern for its payload
    /// when `inner` is given.
    #[allow(clippy::too_many_arguments)]
    fn case_pattern(
        &mut self,
        index: usize,
        case: &Ctor,
        inner: Option<&ast::Pattern>,
        ty: Ty,
        value: ExprId,
        span: Span,
        parts: &mut ArmParts,
    ) -> Pat {
        let payload = case.fields.first().copied();
        match (inner, payload) {
            (Some(_), None) => {
                self.checker.diagnostics.push(
                    Diagnostic::error(
                        "wrong-case-payload",
                        format!("case `{}` has no payload", case.name),
                        span,
                        "this pattern expects one",
                    )
                    .with_help(format!("write `{}` without `(...)`", case.name)),
                );
                parts.failed = true;
                Pat::Wild
            }
            (None, Some(_)) => {
                let name = self.checker.ty_name(ty);
                self.checker.diagnostics.push(
                    Diagnostic::error(
                        "wrong-case-payload",
                        format!("case `{}` of `{name}` has a payload", case.name),
                        span,
                        "this pattern does not match it",
                    )
                    .with_help(format!(
                        "write `{}(_)` to ignore the payload, or `{}(x)` to bind it",
                        case.name, case.name
                    )),
                );
                parts.failed = true;
                Pat::Wild
            }
            (None, None) => {
                let test = self.push_expr(ir::ExprKind::IsCase(value, index as u32), Ty::Bool, span);
                parts.tests.push(test);
                Pat::Ctor(index as u32, Vec::new())
            }
            (Some(inner), Some(payload)) => {
                let test = self.push_expr(ir::ExprKind::IsCase(value, index as u32), Ty::Bool, span);
                parts.tests.push(test);
                let part = self.push_expr(ir::ExprKind::Payload(value, index as u32), payload, inner.span);
                let sub = self.pattern(inner, payload, part, parts);
                Pat::Ctor(index as u32, vec![sub])
            }
        }
    }
}
