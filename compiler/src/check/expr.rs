//! Expressions: names, operators and their operand types, literals typed
//! from context, and the dispatch of every expression kind.

use super::*;

impl BodyChecker<'_> {
    pub(super) fn unbound(&mut self, name: &ast::Ident) {
        if self.recovered {
            return;
        }
        let mut d = Diagnostic::error(
            "unbound-name",
            format!("cannot find `{}` in this scope", name.name),
            name.span,
            "not found in this scope",
        );
        // `a-b` is one identifier; if its parts are bound, the user meant `a - b`.
        let parts: Vec<&str> = name.name.split('-').collect();
        let mut split_hint = None;
        for i in 1..parts.len() {
            let left = parts[..i].join("-");
            let right = parts[i..].join("-");
            if self.is_bound(&left) && self.is_bound(&right) {
                split_hint = Some(format!("{left} - {right}"));
                break;
            }
        }
        if let Some(hint) = split_hint {
            d = d
                .with_help(format!("to subtract, put spaces around the minus: `{hint}`"))
                .with_note(format!("`{}` is one identifier: a hyphen between letters joins words", name.name));
        } else {
            let mut candidates: Vec<String> = self
                .bindings
                .iter()
                .filter(|(n, local)| local.is_some() && !n.is_empty())
                .map(|(n, _)| n.clone())
                .collect();
            candidates.extend(
                self.checker.names.iter().filter(|(_, b)| !matches!(b, Binding::Type(_))).map(|(n, _)| n.clone()),
            );
            let suggestions = similar(&name.name, candidates.iter().map(|s| s.as_str()));
            if !suggestions.is_empty() {
                d = d.with_help(format!("did you mean {}?", one_of(&suggestions)));
            }
        }
        self.checker.diagnostics.push(d);
    }

    pub(super) fn is_bound(&self, name: &str) -> bool {
        self.lookup_local(name).is_some() || matches!(self.checker.names.get(name), Some(Binding::Global(_)))
    }

    pub(super) fn infer(&mut self, expr: &ast::Expr) -> ExprId {
        self.expr(expr, None)
    }

    pub(super) fn check(&mut self, expr: &ast::Expr, expected: Ty) -> ExprId {
        let id = self.expr(expr, Some(expected));
        let found = self.ty(id);
        let before = self.checker.diagnostics.len();
        self.checker.mismatch(expected, found, expr.span, None);
        // `for i in 0..10 { xs.push(i); }` with `xs: list<u32>`: say why `i`
        // is `s32` and how to count in the type wanted.
        if self.checker.diagnostics.len() > before
            && expected.is_int()
            && let A::Name(name) = &strip_parens(expr).kind
            && let Some(range) = self.lookup_local(&name.name).and_then(|l| self.literal_ranges.get(&l)).copied()
        {
            let want = self.checker.ty_name(expected);
            let found = self.checker.ty_name(found);
            let Some(d) = self.checker.diagnostics.last_mut() else { return id };
            d.labels.push(crate::diagnostic::Label {
                span: range,
                message: format!("`{}` is `{found}`: both bounds of this range are literals", name.name),
                primary: false,
            });
            d.help = Some(format!("give one bound the type, as in `0..10 as {want}`"));
        }
        id
    }

    /// Is this expression a bare numeric literal, whose type comes from context?
    pub(super) fn is_literal(expr: &ast::Expr) -> bool {
        match &expr.kind {
            A::Int(_) | A::Float(_) => true,
            A::Paren(inner) => Self::is_literal(inner),
            A::Unary { op: UnaryOp::Neg, operand } => Self::is_literal(operand),
            _ => false,
        }
    }

    /// Checks two operands that must have the same type; a literal takes its
    /// type from the other side.
    /// Returns the two operands and whether their types agree (a mismatch is
    /// reported here, once).
    pub(super) fn operands(
        &mut self,
        lhs: &ast::Expr,
        rhs: &ast::Expr,
        expected: Option<Ty>,
        op: &str,
    ) -> (ExprId, ExprId, bool) {
        let (l, r) = if let Some(t) = expected {
            let l = self.expr(lhs, Some(t));
            let lt = self.ty(l);
            (l, self.expr(rhs, Some(lt)))
        } else if Self::is_literal(lhs) && !Self::is_literal(rhs) {
            let r = self.infer(rhs);
            let rt = self.ty(r);
            (self.expr(lhs, Some(rt)), r)
        } else {
            let l = self.infer(lhs);
            let lt = self.ty(l);
            (l, self.expr(rhs, Some(lt)))
        };
        let (lt, rt) = (self.ty(l), self.ty(r));
        if lt == rt || lt == Ty::Error || rt == Ty::Error {
            return (l, r, true);
        }
        let (ln, rn) = (self.checker.ty_name(lt), self.checker.ty_name(rt));
        let mut d = Diagnostic::error(
            "type-mismatch",
            format!("mismatched types: `{ln}` {op} `{rn}`"),
            rhs.span,
            format!("this is `{rn}`"),
        )
        .with_label(lhs.span, format!("this is `{ln}`"))
        .with_note(format!("both operands of `{op}` must have the same type"));
        if lt.is_numeric() && rt.is_numeric() {
            d = d.with_help(format!("convert one operand with `as {ln}` or `as {rn}`"));
        }
        self.checker.diagnostics.push(d);
        (l, r, false)
    }

    /// Builds a binary expression over operands of one type, checking that
    /// the operator is defined for it.
    pub(super) fn binary_result(&mut self, op: BinaryOp, op_span: Span, l: ExprId, r: ExprId, span: Span) -> ExprId {
        let ty = self.ty(l);
        if ty == Ty::Error || self.ty(r) == Ty::Error {
            return self.push_expr(
                ir::ExprKind::Binary(op, l, r),
                if is_comparison(op) { Ty::Bool } else { Ty::Error },
                span,
            );
        }
        if self.checker.is_linear(ty) {
            let name = self.checker.ty_name(ty);
            self.checker.diagnostics.push(Diagnostic::error(
                "operator-not-defined",
                format!("`{}` is not defined for `{name}`, which owns a resource handle", op.symbol()),
                op_span,
                "handles cannot be compared or combined",
            ));
            return self.push_expr(ir::ExprKind::Error, if is_comparison(op) { Ty::Bool } else { Ty::Error }, span);
        }
        let defined = match op {
            BinaryOp::Or | BinaryOp::And => ty == Ty::Bool,
            BinaryOp::Add => ty.is_numeric() || ty == Ty::String,
            BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div => ty.is_numeric(),
            BinaryOp::Rem | BinaryOp::Shl | BinaryOp::Shr | BinaryOp::ShrU => ty.is_int(),
            BinaryOp::BitAnd | BinaryOp::BitOr => {
                ty.is_int() || ty == Ty::Bool || matches!(ty.def(&self.checker.resolve), Some(TypeDefKind::Flags(_)))
            }
            BinaryOp::BitXor => ty.is_int() || ty == Ty::Bool,
            BinaryOp::Eq | BinaryOp::Ne => ty != Ty::Unit,
            BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge => ty.is_numeric() || ty == Ty::Char,
        };
        if !defined {
            let mut d = Diagnostic::error(
                "operator-not-defined",
                format!("`{}` is not defined for `{}`", op.symbol(), self.checker.ty_name(ty)),
                op_span,
                format!("operands are `{}`", self.checker.ty_name(ty)),
            );
            d = match op {
                BinaryOp::Rem if ty.is_float() => d.with_note("`%` is defined for integer types only"),
                BinaryOp::Or | BinaryOp::And => d.with_note("`and` and `or` take `bool` operands"),
                BinaryOp::Add if ty == Ty::Char => d.with_help("build a string instead: `\"a\" + \"b\"`"),
                _ => d,
            };
            self.checker.diagnostics.push(d);
            return self.push_expr(ir::ExprKind::Error, if is_comparison(op) { Ty::Bool } else { Ty::Error }, span);
        }
        let result = if is_comparison(op) { Ty::Bool } else { ty };
        self.push_expr(ir::ExprKind::Binary(op, l, r), result, span)
    }

    pub(super) fn expr(&mut self, expr: &ast::Expr, expected: Option<Ty>) -> ExprId {
        crate::stack::grow(|| self.expr_inner(expr, expected))
    }

    pub(super) fn expr_inner(&mut self, expr: &ast::Expr, expected: Option<Ty>) -> ExprId {
        let span = expr.span;
        match &expr.kind {
            A::If(if_expr) => self.if_expr(if_expr, expected, span),
            A::Match(m) => self.match_expr(m, expected, span),
            A::Paren(inner) => {
                let id = self.expr(inner, expected);
                self.function.expr_spans[id.index()] = span;
                id
            }
            A::Int(v) => {
                let ty = match expected {
                    Some(t) if t.is_numeric() => t,
                    Some(Ty::Error) => Ty::Error,
                    Some(_) | None => Ty::S32,
                };
                let c =
                    self.checker.int_literal(literal_value(*v), *v > LITERAL_LIMIT, ty, span).unwrap_or(Const::Int(0));
                let ty = if ty == Ty::Error { Ty::Error } else { ty };
                self.push_expr(ir::ExprKind::Const(c), ty, span)
            }
            A::Float(f) => {
                let ty = match expected {
                    Some(Ty::F32) => Ty::F32,
                    Some(t) if t.is_int() => {
                        self.checker.float_literal(*f, t, span);
                        return self.error_expr(span);
                    }
                    _ => Ty::F64,
                };
                let c = self.checker.float_literal(*f, ty, span).unwrap_or(Const::F64(0.0));
                self.push_expr(ir::ExprKind::Const(c), ty, span)
            }
            A::Str(s) => self.push_expr(ir::ExprKind::Const(Const::Str(s.clone())), Ty::String, span),
            A::Char(c) => self.push_expr(ir::ExprKind::Const(Const::Char(*c)), Ty::Char, span),
            A::Bool(b) => self.push_expr(ir::ExprKind::Const(Const::Bool(*b)), Ty::Bool, span),
            A::Name(name)
                if matches!(name.name.as_str(), "none" | "ok" | "err")
                    && self.lookup_local(&name.name).is_none()
                    && !self.checker.names.contains_key(&name.name) =>
            {
                let Some(ty) = expected else {
                    let what = if name.name == "none" { "option" } else { "result" };
                    return self.needs_annotation(what, span);
                };
                if ty == Ty::Error {
                    return self.error_expr(span);
                }
                match self.checker.case_of(ty, &name.name, span) {
                    Some((index, None)) => self.push_expr(ir::ExprKind::Case(index, None), ty, span),
                    Some((_, Some(_))) => {
                        self.checker.diagnostics.push(
                            Diagnostic::error(
                                "wrong-case-payload",
                                format!("`{}` of `{}` needs a payload", name.name, self.checker.ty_name(ty)),
                                span,
                                "payload missing",
                            )
                            .with_help(format!("write `{}(VALUE)`", name.name)),
                        );
                        self.error_expr(span)
                    }
                    None => self.error_expr(span),
                }
            }
            A::Name(name) => self.name(name, span),
            A::Path(type_name, case) => {
                let Some(ty) = self.checker.type_for_path(type_name) else { return self.error_expr(span) };
                match ty.def(&self.checker.resolve).cloned() {
                    _ if ty == Ty::Error => self.error_expr(span),
                    Some(TypeDefKind::Enum(_)) => match self.checker.value_path(type_name, case) {
                        Some((ty, index)) => self.push_expr(ir::ExprKind::Const(Const::EnumCase(index)), ty, span),
                        None => self.error_expr(span),
                    },
                    Some(TypeDefKind::Flags(flags)) => match flags.flags.iter().position(|f| f.name == case.name) {
                        Some(i) => self.push_expr(ir::ExprKind::Flags(vec![i as u32]), ty, span),
                        None => {
                            let names: Vec<&str> = flags.flags.iter().map(|f| f.name.as_str()).collect();
                            self.checker.diagnostics.push(
                                Diagnostic::error(
                                    "unknown-flag",
                                    format!("flags `{}` have no flag `{}`", type_name.name, case.name),
                                    case.span,
                                    "unknown flag",
                                )
                                .with_note(format!("its flags are: {}", names.join(", "))),
                            );
                            self.error_expr(span)
                        }
                    },
                    _ => match self.checker.case_of(ty, &case.name, case.span) {
                        Some((index, None)) => self.push_expr(ir::ExprKind::Case(index, None), ty, span),
                        Some((_, Some(_))) => {
                            self.checker.diagnostics.push(
                                Diagnostic::error(
                                    "wrong-case-payload",
                                    format!("case `{}` of `{}` needs a payload", case.name, type_name.name),
                                    span,
                                    "payload missing",
                                )
                                .with_help(format!("write `{}::{}(VALUE)`", type_name.name, case.name)),
                            );
                            self.error_expr(span)
                        }
                        None => self.error_expr(span),
                    },
                }
            }
            A::Call { callee, args } => {
                if let Some(id) = self.case_call(callee, args, expected, span) {
                    return id;
                }
                self.call(callee, args, span)
            }
            A::Tuple(items) => self.tuple_literal(items, expected, span),
            A::List(items) => self.list_literal(items, expected, span),
            A::Braced(items) => self.braced_literal(items, expected, span),
            A::Field { base, field } => self.field(base, field, span),
            A::Index { base, index } => {
                let base_id = self.lend_place(base);
                let base_ty = self.ty(base_id);
                // The index is a value of its own, not part of a lent place.
                let lending = std::mem::replace(&mut self.lending_place, false);
                let index_id = self.check(index, Ty::U32);
                self.lending_place = lending;
                match base_ty.def(&self.checker.resolve) {
                    Some(TypeDefKind::List(t)) => {
                        let t = *t;
                        let elem = self.checker.from_wit(&t);
                        if !self.no_partial_move(elem, span) {
                            return self.error_expr(span);
                        }
                        self.push_expr(ir::ExprKind::Index(base_id, index_id), elem, span)
                    }
                    _ if base_ty == Ty::Error => self.error_expr(span),
                    _ => {
                        let name = self.checker.ty_name(base_ty);
                        self.checker.diagnostics.push(
                            Diagnostic::error(
                                "not-indexable",
                                format!("cannot index into `{name}`"),
                                base.span,
                                format!("this is `{name}`"),
                            )
                            .with_note("only lists can be indexed"),
                        );
                        self.error_expr(span)
                    }
                }
            }
            A::Slice { base, start, end } => {
                let base_id = self.place_read(base);
                let base_ty = self.ty(base_id);
                let start = self.check(start, Ty::U32);
                let end = self.check(end, Ty::U32);
                let sliceable =
                    base_ty == Ty::String || matches!(base_ty.def(&self.checker.resolve), Some(TypeDefKind::List(_)));
                if !sliceable {
                    if base_ty != Ty::Error {
                        let name = self.checker.ty_name(base_ty);
                        self.checker.diagnostics.push(
                            Diagnostic::error(
                                "not-indexable",
                                format!("cannot slice `{name}`"),
                                base.span,
                                format!("this is `{name}`"),
                            )
                            .with_note("only lists and strings can be sliced"),
                        );
                    }
                    return self.error_expr(span);
                }
                // A slice is a new list sharing the elements: handles would be copied.
                if self.checker.is_linear(base_ty) {
                    let lending = std::mem::replace(&mut self.lending_place, false);
                    self.no_partial_move(base_ty, span);
                    self.lending_place = lending;
                    return self.error_expr(span);
                }
                self.push_expr(ir::ExprKind::Slice(base_id, start, end), base_ty, span)
            }
            A::Try(inner) => self.try_expr(inner, span),
            A::Interp(parts) => self.interpolation(parts, span),
            A::Check(cond) => self.check_macro(cond, span),
            A::MethodCall { receiver, method, args } => self.method_call(receiver, method, args, span),
            A::Binary { op, op_span, lhs, rhs } => {
                if matches!(op, BinaryOp::And | BinaryOp::Or) {
                    let l = self.check(lhs, Ty::Bool);
                    let r = self.check(rhs, Ty::Bool);
                    return self.push_expr(ir::ExprKind::Binary(*op, l, r), Ty::Bool, span);
                }
                let arithmetic_expected = match expected {
                    Some(t) if !is_comparison(*op) && (t.is_numeric() || t == Ty::String) => Some(t),
                    _ => None,
                };
                let (l, r, agree) = self.operands(lhs, rhs, arithmetic_expected, op.symbol());
                if !agree {
                    let ty = if is_comparison(*op) { Ty::Bool } else { Ty::Error };
                    return self.push_expr(ir::ExprKind::Error, ty, span);
                }
                self.binary_result(*op, *op_span, l, r, span)
            }
            A::Unary { op: UnaryOp::Neg, operand } if matches!(strip_parens(operand).kind, A::Int(_)) => {
                let A::Int(v) = strip_parens(operand).kind else { return self.error_expr(span) };
                let ty = match expected {
                    Some(t) if t.is_numeric() => t,
                    Some(Ty::Error) => Ty::Error,
                    _ => Ty::S32,
                };
                let c =
                    self.checker.int_literal(-literal_value(v), v > LITERAL_LIMIT, ty, span).unwrap_or(Const::Int(0));
                self.push_expr(ir::ExprKind::Const(c), ty, span)
            }
            A::Unary { op, operand } => {
                let id = self.expr(operand, expected);
                let ty = self.ty(id);
                let ok = match op {
                    UnaryOp::Neg => ty.is_signed() || ty.is_float(),
                    UnaryOp::Not => ty == Ty::Bool || ty.is_int(),
                };
                if !ok && ty != Ty::Error {
                    let (word, mut d) = match op {
                        UnaryOp::Neg => ("-", None),
                        UnaryOp::Not => ("not", None::<String>),
                    };
                    if *op == UnaryOp::Neg && ty.is_int() {
                        d = Some("unsigned values cannot be negated; write `0 - x` for wrapping negation".into());
                    }
                    let mut diag = Diagnostic::error(
                        "operator-not-defined",
                        format!("`{word}` is not defined for `{}`", self.checker.ty_name(ty)),
                        span,
                        format!("this is `{}`", self.checker.ty_name(ty)),
                    );
                    if let Some(help) = d {
                        diag = diag.with_help(help);
                    }
                    self.checker.diagnostics.push(diag);
                    return self.error_expr(span);
                }
                self.push_expr(ir::ExprKind::Unary(*op, id), ty, span)
            }
            A::Cast { expr: inner, ty } => {
                let target = self.checker.resolve_type(ty);
                // A literal operand has its own default type (like Rust, `300 as u8`
                // is 44 and `1.5 as s32` is 1); the cast then converts it.
                let id = match fold_number(inner) {
                    Some(folded) => self.expr(inner, Some(default_literal_type(&folded))),
                    None => self.infer(inner),
                };
                let from = self.ty(id);
                if from == Ty::Error || target == Ty::Error {
                    return self.push_expr(ir::ExprKind::Cast(id), target, span);
                }
                let ok = from == target
                    || (from.is_numeric() && target.is_numeric())
                    || ((from == Ty::Bool || from == Ty::Char) && target.is_int())
                    || (from == Ty::U8 && target == Ty::Char);
                if !ok {
                    let mut d = Diagnostic::error(
                        "invalid-cast",
                        format!("cannot convert `{}` to `{}` with `as`", self.checker.ty_name(from), self.checker.ty_name(target)),
                        span,
                        "invalid conversion",
                    )
                    .with_note("`as` converts between numeric types, from `bool` or `char` to an integer, and from `u8` to `char`");
                    if from == Ty::String || target == Ty::String {
                        d = d.with_help("strings are not numbers; parsing and formatting are not built in yet");
                    }
                    self.checker.diagnostics.push(d);
                    return self.error_expr(span);
                }
                self.push_expr(ir::ExprKind::Cast(id), target, span)
            }
        }
    }

    pub(super) fn name(&mut self, name: &ast::Ident, span: Span) -> ExprId {
        if let Some(local) = self.lookup_local(&name.name) {
            let ty = self.function.local(local).ty;
            if self.function.local(local).owned.is_some() {
                return self.move_local(local, span);
            }
            if self.lent.contains(&local) && self.checker.is_linear(ty) {
                self.move_out_of_lent(&name.name, false, span);
                return self.error_expr(span);
            }
            if let Some((false, _)) = ty.handle(&self.checker.resolve) {
                self.borrowed_escapes(local, span);
                return self.error_expr(span);
            }
            return self.push_expr(ir::ExprKind::Local(local), ty, span);
        }
        match self.checker.names.get(&name.name).copied() {
            Some(Binding::Global(g)) => {
                let ty = self.checker.module.globals[g.index()].ty;
                if self.checker.is_linear(ty) {
                    self.move_out_of_lent(&name.name, true, span);
                    return self.error_expr(span);
                }
                self.push_expr(ir::ExprKind::Global(g), ty, span)
            }
            Some(Binding::Func(_)) | Some(Binding::Import(_)) => {
                self.checker.diagnostics.push(
                    Diagnostic::error(
                        "function-as-value",
                        format!("`{}` is a function, not a value", name.name),
                        span,
                        "a function",
                    )
                    .with_help(format!("call it: `{}(...)`", name.name)),
                );
                self.error_expr(span)
            }
            Some(Binding::Type(Ty::Error)) => self.error_expr(span),
            Some(Binding::Type(t)) => {
                let mut d = Diagnostic::error(
                    "type-as-value",
                    format!("`{}` is a type, not a value", name.name),
                    span,
                    "a type",
                );
                if let Some(first) = t.enum_cases(&self.checker.resolve).first() {
                    d = d.with_help(format!("write a case of the enum, like `{}::{first}`", name.name));
                }
                self.checker.diagnostics.push(d);
                self.error_expr(span)
            }
            None => {
                self.unbound(name);
                self.error_expr(span)
            }
        }
    }
}
