//! String interpolation: `"text \{expr} text"`.
//!
//! Each interpolated value becomes text: a `string` or `char` as it is, anything else
//! as its WAVE text (what `clawc run` prints), so `"\{p}"` of a record is
//! `{x: 1, y: 2}` and `"\{s}"` of `option<string>` is `some("a")`. The
//! pieces are joined with string concatenation.
//!
//! The text of a value of type `T` comes from a function `wave(v: T) ->
//! string` that the checker synthesizes once per type, directly as IR: for
//! records, tuples, lists, variants, options, results, enums, flags and
//! `bool` it builds the text from its parts (calling the functions of the
//! parts' types); for numbers, chars and strings it calls the formatting
//! functions of the prelude (`prelude.claw`, ordinary Claw compiled into
//! files that interpolate).

use super::{Binding, BodyChecker, Checker, Signature};
use crate::ast::{self, BinaryOp};
use crate::ir::{self, Callee, Const, ExprId, FuncId, LocalId, Place};
use crate::span::Span;
use crate::types::Ty;
use wit_parser::TypeDefKind;

/// The Claw source of the formatting functions.
pub const PRELUDE: &str = include_str!("../prelude.claw");

/// WAVE's keywords: a variant or enum case of that name is written `%name`
/// (fields and flags are not escaped, as wasm-wave writes them).
const WAVE_KEYWORDS: &[&str] = &["true", "false", "some", "none", "ok", "err", "inf", "nan"];

fn wave_name(name: &str) -> String {
    if WAVE_KEYWORDS.contains(&name) { format!("%{name}") } else { name.to_string() }
}

impl BodyChecker<'_> {
    /// `"... \{e} ..."`: a concatenation of the pieces' text.
    pub(super) fn interpolation(&mut self, parts: &[ast::InterpPart], span: Span) -> ExprId {
        let mut text: Option<ExprId> = None;
        for part in parts {
            let piece = match part {
                ast::InterpPart::Text(t) => {
                    self.push_expr(ir::ExprKind::Const(Const::Str(t.clone())), Ty::String, span)
                }
                ast::InterpPart::Expr(e) => {
                    let value = self.infer(e);
                    match self.ty(value) {
                        Ty::String | Ty::Error => value,
                        // Chars, like strings, are inserted as they are.
                        Ty::Char => match self.checker.prelude("claw-wave-utf8") {
                            Some(f) => {
                                self.push_expr(ir::ExprKind::Call(Callee::Func(f), vec![value]), Ty::String, e.span)
                            }
                            None => self.error_expr(e.span),
                        },
                        Ty::Unit => {
                            self.checker.diagnostics.push(crate::diagnostic::Diagnostic::error(
                                "type-mismatch",
                                "this has no value to interpolate",
                                e.span,
                                "a call without a result",
                            ));
                            self.error_expr(e.span)
                        }
                        ty if self.checker.is_linear(ty) => {
                            self.checker.diagnostics.push(crate::diagnostic::Diagnostic::error(
                                "type-mismatch",
                                format!("a `{}` owns a resource handle, which has no text", self.checker.ty_name(ty)),
                                e.span,
                                "cannot be interpolated",
                            ));
                            self.error_expr(e.span)
                        }
                        ty => match self.checker.wave_function(ty) {
                            Some(f) => {
                                self.push_expr(ir::ExprKind::Call(Callee::Func(f), vec![value]), Ty::String, e.span)
                            }
                            None => self.error_expr(e.span),
                        },
                    }
                }
            };
            text = Some(match text {
                None => piece,
                Some(before) => self.push_expr(ir::ExprKind::Binary(BinaryOp::Add, before, piece), Ty::String, span),
            });
        }
        text.unwrap_or_else(|| self.push_expr(ir::ExprKind::Const(Const::Str(String::new())), Ty::String, span))
    }
}

/// Builds the IR of one synthesized function.
pub(super) struct Synth {
    pub(super) f: ir::Function,
}

impl Synth {
    fn new(name: String, param: Ty) -> (Synth, ExprId) {
        let (s, reads) = Synth::with_params(name, &[param], Some(Ty::String));
        (s, reads[0])
    }

    /// A function of these parameters and result; returns reads of the
    /// parameters.
    pub(super) fn with_params(name: String, params: &[Ty], result: Option<Ty>) -> (Synth, Vec<ExprId>) {
        let mut s = Synth { f: ir::Function { name, result, ..Default::default() } };
        let mut reads = Vec::new();
        for ty in params {
            let l = s.local(*ty);
            s.f.params.push(l);
            reads.push(s.read(l));
        }
        (s, reads)
    }

    pub(super) fn e(&mut self, kind: ir::ExprKind, ty: Ty) -> ExprId {
        let id = ExprId(self.f.exprs.len() as u32);
        self.f.exprs.push(ir::Expr { kind, ty });
        self.f.expr_spans.push(Span::default());
        id
    }

    fn text(&mut self, s: &str) -> ExprId {
        self.e(ir::ExprKind::Const(Const::Str(s.to_string())), Ty::String)
    }

    fn cat(&mut self, a: ExprId, b: ExprId) -> ExprId {
        self.e(ir::ExprKind::Binary(BinaryOp::Add, a, b), Ty::String)
    }

    fn call(&mut self, f: FuncId, args: Vec<ExprId>) -> ExprId {
        self.e(ir::ExprKind::Call(Callee::Func(f), args), Ty::String)
    }

    pub(super) fn local(&mut self, ty: Ty) -> LocalId {
        let id = LocalId(self.f.locals.len() as u32);
        self.f.locals.push(ir::Local { name: String::new(), ty, mutable: true, span: Span::default(), owned: None });
        id
    }

    pub(super) fn read(&mut self, l: LocalId) -> ExprId {
        let ty = self.f.locals[l.index()].ty;
        self.e(ir::ExprKind::Local(l), ty)
    }
}

impl BodyChecker<'_> {
    /// `check!(cond)`: a call of a function synthesized for this site,
    /// taking the operands of a comparison (or the condition) and
    /// returning `ok`, or `err` with the condition's source text, both
    /// operands as WAVE and the location.
    pub(super) fn check_macro(&mut self, cond: &ast::Expr, span: Span) -> ExprId {
        let result = self.checker.interner.result(&mut self.checker.resolve, None, Some(Ty::String));
        let text = self.source.get(cond.span.start as usize..cond.span.end as usize).unwrap_or("condition").to_string();
        let (line, column) = self.line_column(span);
        let message = format!("check failed: {text}");
        let location = format!(" at {line}:{column}");
        let inner = super::strip_parens(cond);
        if let ast::ExprKind::Binary { op, op_span, lhs, rhs } = &inner.kind
            && super::is_comparison(*op)
        {
            let (l, r, agree) = self.operands(lhs, rhs, None, op.symbol());
            if !agree {
                return self.push_expr(ir::ExprKind::Error, result, span);
            }
            // Report an operator the type does not have, as `l op r` would.
            let probe = self.binary_result(*op, *op_span, l, r, span);
            let ty = self.ty(l);
            if self.ty(probe) == Ty::Error || ty == Ty::Error {
                return self.push_expr(ir::ExprKind::Error, result, span);
            }
            let f = self.checker.check_function(Some(*op), ty, result, &message, &location);
            return match f {
                Some(f) => self.push_expr(ir::ExprKind::Call(Callee::Func(f), vec![l, r]), result, span),
                None => self.push_expr(ir::ExprKind::Error, result, span),
            };
        }
        let c = self.check(cond, Ty::Bool);
        match self.checker.check_function(None, Ty::Bool, result, &message, &location) {
            Some(f) => self.push_expr(ir::ExprKind::Call(Callee::Func(f), vec![c]), result, span),
            None => self.push_expr(ir::ExprKind::Error, result, span),
        }
    }
}

impl Checker {
    /// Synthesizes the function of one `check!`: `(l: T, r: T)` compared
    /// with `op`, or `(cond: bool)` when `op` is `None`.
    fn check_function(
        &mut self,
        op: Option<BinaryOp>,
        ty: Ty,
        result: Ty,
        message: &str,
        location: &str,
    ) -> Option<FuncId> {
        let params: Vec<Ty> = if op.is_some() { vec![ty, ty] } else { vec![Ty::Bool] };
        let (mut s, reads) = Synth::with_params("check!".into(), &params, Some(result));
        let holds = match op {
            Some(op) => s.e(ir::ExprKind::Binary(op, reads[0], reads[1]), Ty::Bool),
            None => reads[0],
        };
        let ok = s.e(ir::ExprKind::Case(0, None), result);
        let mut text = s.text(message);
        if op.is_some() {
            let left = s.text(" (left: ");
            text = s.cat(text, left);
            let shown = self.wave_of(&mut s, reads[0], ty)?;
            text = s.cat(text, shown);
            let right = s.text(", right: ");
            text = s.cat(text, right);
            let shown = self.wave_of(&mut s, reads[1], ty)?;
            text = s.cat(text, shown);
            let close = s.text(")");
            text = s.cat(text, close);
        }
        let at = s.text(location);
        text = s.cat(text, at);
        let err = s.e(ir::ExprKind::Case(1, Some(text)), result);
        s.f.body = vec![
            ir::Stmt::If { cond: holds, then: vec![ir::Stmt::Return(Some(ok))], otherwise: vec![] },
            ir::Stmt::Return(Some(err)),
        ];
        let id = FuncId(self.module.funcs.len() as u32);
        self.signatures.push(Signature {
            params: params.iter().map(|t| (String::new(), *t)).collect(),
            result: Some(result),
            span: Span::default(),
        });
        self.module.funcs.push(s.f);
        Some(id)
    }

    /// The prelude function `name` (present when the file interpolates).
    fn prelude(&self, name: &str) -> Option<FuncId> {
        match self.names.get(name) {
            Some(Binding::Func(f)) => Some(*f),
            _ => None,
        }
    }

    /// The function giving the WAVE text of a value of `ty` (a `string` in
    /// quotes). Synthesized on first use and cached.
    pub(super) fn wave_function(&mut self, ty: Ty) -> Option<FuncId> {
        if let Some(f) = self.wave_functions.get(&ty) {
            return Some(*f);
        }
        let id = FuncId(self.module.funcs.len() as u32);
        let name = format!("wave of {}", self.ty_name(ty));
        // Reserve the id first: the body may need it (it never does for
        // WIT's non-recursive types, but parts of the same type share it).
        self.wave_functions.insert(ty, id);
        let (mut s, v) = Synth::new(name, ty);
        self.module.funcs.push(ir::Function::default());
        self.signatures.push(Signature {
            params: vec![("v".into(), ty)],
            result: Some(Ty::String),
            span: Span::default(),
        });
        let body = self.wave_body(&mut s, v, ty)?;
        s.f.body = body;
        self.module.funcs[id.index()] = s.f;
        Some(id)
    }

    /// The statements of `wave(v: ty) -> string`.
    fn wave_body(&mut self, s: &mut Synth, v: ExprId, ty: Ty) -> Option<Vec<ir::Stmt>> {
        let ret = |e: ExprId| ir::Stmt::Return(Some(e));
        let scalar = |this: &mut Self, s: &mut Synth, name: &str, arg: ExprId, extra: Vec<ExprId>| {
            let f = this.prelude(name)?;
            let mut args = vec![arg];
            args.extend(extra);
            Some(vec![ret(s.call(f, args))])
        };
        match ty {
            Ty::U8 | Ty::U16 | Ty::U32 | Ty::U64 => {
                let wide = s.e(ir::ExprKind::Cast(v), Ty::U64);
                scalar(self, s, "claw-wave-u64", wide, vec![])
            }
            Ty::S8 | Ty::S16 | Ty::S32 | Ty::S64 => {
                let wide = s.e(ir::ExprKind::Cast(v), Ty::S64);
                scalar(self, s, "claw-wave-s64", wide, vec![])
            }
            Ty::F32 | Ty::F64 => {
                let wide = s.e(ir::ExprKind::Cast(v), Ty::F64);
                let digits = s.e(ir::ExprKind::Const(Const::Int(if ty == Ty::F32 { 7 } else { 15 })), Ty::U32);
                scalar(self, s, "claw-wave-float", wide, vec![digits])
            }
            Ty::Char => scalar(self, s, "claw-wave-char", v, vec![]),
            Ty::String => scalar(self, s, "claw-wave-string", v, vec![]),
            Ty::Bool => {
                let (t, f) = (s.text("true"), s.text("false"));
                Some(vec![ir::Stmt::If { cond: v, then: vec![ret(t)], otherwise: vec![] }, ret(f)])
            }
            Ty::Enum(_) => {
                let cases = ty.enum_cases(&self.resolve);
                Some(self.case_chain(s, v, cases.iter().map(|c| (wave_name(c), None)).collect()))
            }
            Ty::Def(_) => {
                let kind = ty.def(&self.resolve)?.clone();
                match kind {
                    TypeDefKind::Tuple(t) => {
                        let mut text = s.text("(");
                        for (k, elem) in t.types.iter().enumerate() {
                            if k > 0 {
                                let sep = s.text(", ");
                                text = s.cat(text, sep);
                            }
                            let elem_ty = self.from_wit(elem);
                            let part = s.e(ir::ExprKind::Field(v, k as u32), elem_ty);
                            let shown = self.wave_of(s, part, elem_ty)?;
                            text = s.cat(text, shown);
                        }
                        let close = s.text(")");
                        Some(vec![ret(s.cat(text, close))])
                    }
                    TypeDefKind::Record(r) => {
                        // As wasm-wave writes it: fields whose value is
                        // `none` are left out, and `{:}` has none at all.
                        let (out, sep) = (s.local(Ty::String), s.local(Ty::String));
                        let (open, empty) = (s.text("{"), s.text(""));
                        let mut stmts = vec![ir::Stmt::Let(out, open), ir::Stmt::Let(sep, empty)];
                        for (k, field) in r.fields.iter().enumerate() {
                            let field_ty = self.from_wit(&field.ty);
                            let part = s.e(ir::ExprKind::Field(v, k as u32), field_ty);
                            let (o, sp) = (s.read(out), s.read(sep));
                            let label = s.text(&format!("{}: ", field.name));
                            let shown = self.wave_of(s, part, field_ty)?;
                            let joined = s.cat(o, sp);
                            let joined = s.cat(joined, label);
                            let joined = s.cat(joined, shown);
                            let comma = s.text(", ");
                            let append = vec![
                                ir::Stmt::Assign(Place::Local(out), joined),
                                ir::Stmt::Assign(Place::Local(sep), comma),
                            ];
                            if matches!(field_ty.def(&self.resolve), Some(TypeDefKind::Option(_))) {
                                let is_none = s.e(ir::ExprKind::IsCase(part, 0), Ty::Bool);
                                stmts.push(ir::Stmt::If { cond: is_none, then: vec![], otherwise: append });
                            } else {
                                stmts.extend(append);
                            }
                        }
                        let (sp, nothing) = (s.read(sep), s.text(""));
                        let all_absent = s.e(ir::ExprKind::Binary(BinaryOp::Eq, sp, nothing), Ty::Bool);
                        let (o, colon) = (s.read(out), s.text(":"));
                        let with_colon = s.cat(o, colon);
                        stmts.push(ir::Stmt::If {
                            cond: all_absent,
                            then: vec![ir::Stmt::Assign(Place::Local(out), with_colon)],
                            otherwise: vec![],
                        });
                        let (o, close) = (s.read(out), s.text("}"));
                        stmts.push(ret(s.cat(o, close)));
                        Some(stmts)
                    }
                    TypeDefKind::List(elem) => {
                        let elem_ty = self.from_wit(&elem);
                        let (out, sep) = (s.local(Ty::String), s.local(Ty::String));
                        let (list_local, index, var) = (s.local(ty), s.local(Ty::U32), s.local(elem_ty));
                        let open = s.text("[");
                        let empty = s.text("");
                        let mut body = Vec::new();
                        let (o, sp, x) = (s.read(out), s.read(sep), s.read(var));
                        let shown = self.wave_of(s, x, elem_ty)?;
                        let joined = s.cat(o, sp);
                        let joined = s.cat(joined, shown);
                        body.push(ir::Stmt::Assign(Place::Local(out), joined));
                        let comma = s.text(", ");
                        body.push(ir::Stmt::Assign(Place::Local(sep), comma));
                        let o = s.read(out);
                        let close = s.text("]");
                        let result = s.cat(o, close);
                        Some(vec![
                            ir::Stmt::Let(out, open),
                            ir::Stmt::Let(sep, empty),
                            ir::Stmt::ForEach { var, list_local, index, list: v, body },
                            ret(result),
                        ])
                    }
                    TypeDefKind::Flags(f) => {
                        let (out, sep) = (s.local(Ty::String), s.local(Ty::String));
                        let open = s.text("{");
                        let empty = s.text("");
                        let mut stmts = vec![ir::Stmt::Let(out, open), ir::Stmt::Let(sep, empty)];
                        let none = s.e(ir::ExprKind::Flags(Vec::new()), ty);
                        for (i, flag) in f.flags.iter().enumerate() {
                            let one = s.e(ir::ExprKind::Flags(vec![i as u32]), ty);
                            let both = s.e(ir::ExprKind::Binary(BinaryOp::BitAnd, v, one), ty);
                            let set = s.e(ir::ExprKind::Binary(BinaryOp::Ne, both, none), Ty::Bool);
                            let (o, sp) = (s.read(out), s.read(sep));
                            let name = s.text(&flag.name);
                            let joined = s.cat(o, sp);
                            let joined = s.cat(joined, name);
                            let comma = s.text(", ");
                            stmts.push(ir::Stmt::If {
                                cond: set,
                                then: vec![
                                    ir::Stmt::Assign(Place::Local(out), joined),
                                    ir::Stmt::Assign(Place::Local(sep), comma),
                                ],
                                otherwise: vec![],
                            });
                        }
                        let o = s.read(out);
                        let close = s.text("}");
                        stmts.push(ret(s.cat(o, close)));
                        Some(stmts)
                    }
                    TypeDefKind::Variant(var) => {
                        let cases = var.cases.iter().map(|c| (wave_name(&c.name), c.ty)).collect();
                        Some(self.case_chain(s, v, cases))
                    }
                    TypeDefKind::Option(t) => {
                        Some(self.case_chain(s, v, vec![("none".into(), None), ("some".into(), Some(t))]))
                    }
                    TypeDefKind::Result(r) => {
                        Some(self.case_chain(s, v, vec![("ok".into(), r.ok), ("err".into(), r.err)]))
                    }
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// `if v is case 0 { return "name0(...)" } ...`, the last case untested
    /// (names as written in WAVE, already escaped).
    fn case_chain(
        &mut self,
        s: &mut Synth,
        v: ExprId,
        cases: Vec<(String, Option<wit_parser::Type>)>,
    ) -> Vec<ir::Stmt> {
        let mut stmts = Vec::new();
        let count = cases.len();
        for (i, (name, payload)) in cases.into_iter().enumerate() {
            let mut text = s.text(&name);
            if let Some(payload) = payload {
                let payload_ty = self.from_wit(&payload);
                let part = s.e(ir::ExprKind::Payload(v, i as u32), payload_ty);
                let open = s.text("(");
                text = s.cat(text, open);
                if let Some(shown) = self.wave_of(s, part, payload_ty) {
                    text = s.cat(text, shown);
                }
                let close = s.text(")");
                text = s.cat(text, close);
            }
            if i + 1 == count {
                stmts.push(ir::Stmt::Return(Some(text)));
            } else {
                let test = s.e(ir::ExprKind::IsCase(v, i as u32), Ty::Bool);
                stmts.push(ir::Stmt::If { cond: test, then: vec![ir::Stmt::Return(Some(text))], otherwise: vec![] });
            }
        }
        stmts
    }

    /// The WAVE text of a part of a value (strings quoted).
    fn wave_of(&mut self, s: &mut Synth, value: ExprId, ty: Ty) -> Option<ExprId> {
        let f = self.wave_function(ty)?;
        Some(s.call(f, vec![value]))
    }
}
