//! Operators and casts: arithmetic, comparisons, bitwise operators and
//! shifts on every number type, `&&`/`||`, `==` on strings and compound
//! values, and `as`.
//!
//! # Integers
//! `s8`, `u8`, `s16` and `u16` live in `i32`s, always normalised
//! (sign-extended for signed, zero-extended for unsigned): arithmetic wraps
//! by re-normalising after each operation, so comparisons and division
//! can use the `i32` instructions directly.

use super::*;
use crate::ast::{BinaryOp, UnaryOp};

/// Re-normalises a small integer (`s8`, `u8`, `s16`, `u16`) after an
/// operation, wrapping at its width; other types are left as they are
/// (callers normalise a `bool` themselves, with `i32.ne 0`).
pub(super) fn emit_wrap(out: &mut Code, ty: Ty) {
    match ty {
        Ty::U8 => out.extend([I::I32Const(0xff), I::I32And]),
        Ty::U16 => out.extend([I::I32Const(0xffff), I::I32And]),
        Ty::S8 => out.push(I::I32Extend8S),
        Ty::S16 => out.push(I::I32Extend16S),
        _ => {}
    }
}

impl FuncGen<'_, '_> {
    /// A binary operator applied to `l` and `r`, whose result has type
    /// `result_ty` (`bool` for comparisons).
    pub(super) fn binary(&mut self, op: BinaryOp, l: ExprId, r: ExprId, result_ty: Ty) {
        let ty = self.ty(l);
        match op {
            BinaryOp::And => {
                self.expr(l);
                self.out.push(I::If(BlockType::Result(ValType::I32)));
                self.frames.push(Frame::Other);
                self.expr(r);
                self.out.extend([I::Else, I::I32Const(0), I::End]);
                self.frames.pop();
                return;
            }
            BinaryOp::Or => {
                self.expr(l);
                self.out.push(I::If(BlockType::Result(ValType::I32)));
                self.frames.push(Frame::Other);
                self.out.extend([I::I32Const(1), I::Else]);
                self.expr(r);
                self.out.push(I::End);
                self.frames.pop();
                return;
            }
            _ => {}
        }
        if let Ty::Def(_) = ty {
            let wit = ty.to_wit().unwrap_or(wit_parser::Type::Bool);
            let (a, b) = (self.spill(l), self.spill(r));
            match op {
                BinaryOp::Eq | BinaryOp::Ne => {
                    self.emit_eq(&wit, &a, &b);
                    if op == BinaryOp::Ne {
                        self.out.push(I::I32Eqz);
                    }
                }
                // Flags: word by word.
                _ => {
                    for (x, y) in a.iter().zip(&b) {
                        self.out.extend([I::LocalGet(*x), I::LocalGet(*y)]);
                        self.out.push(if op == BinaryOp::BitOr { I::I32Or } else { I::I32And });
                    }
                }
            }
            return;
        }
        if ty == Ty::String {
            self.expr(l);
            self.expr(r);
            match op {
                BinaryOp::Add => self.out.push(I::Call(self.ctx.helper(Helper::Concat))),
                BinaryOp::Eq => self.out.push(I::Call(self.ctx.helper(Helper::StrEq))),
                BinaryOp::Ne => self.out.extend([I::Call(self.ctx.helper(Helper::StrEq)), I::I32Eqz]),
                _ => self.out.push(I::Unreachable),
            }
            return;
        }
        let is64 = matches!(ty, Ty::S64 | Ty::U64);
        let signed = ty.is_signed();
        let small = ty.is_int() && ty.bits() < 32;
        if matches!(op, BinaryOp::Div) && matches!(ty, Ty::S32 | Ty::S64) {
            // MIN / -1 wraps to MIN instead of trapping as wasm's `div_s` does.
            let vt = if is64 { ValType::I64 } else { ValType::I32 };
            let (a, b) = (self.new_local(vt), self.new_local(vt));
            self.expr(l);
            self.out.push(I::LocalSet(a));
            self.expr(r);
            self.out.push(I::LocalSet(b));
            self.out.push(I::LocalGet(b));
            self.out.extend(if is64 { [I::I64Const(-1), I::I64Eq] } else { [I::I32Const(-1), I::I32Eq] });
            self.out.push(I::If(BlockType::Result(vt)));
            if is64 {
                self.out.extend([
                    I::I64Const(0),
                    I::LocalGet(a),
                    I::I64Sub,
                    I::Else,
                    I::LocalGet(a),
                    I::LocalGet(b),
                    I::I64DivS,
                ]);
            } else {
                self.out.extend([
                    I::I32Const(0),
                    I::LocalGet(a),
                    I::I32Sub,
                    I::Else,
                    I::LocalGet(a),
                    I::LocalGet(b),
                    I::I32DivS,
                ]);
            }
            self.out.push(I::End);
            return;
        }
        self.expr(l);
        if op == BinaryOp::ShrU && small && signed {
            // Logical shift of the value's own bits: zero-extend first.
            self.out.extend([I::I32Const(if ty.bits() == 8 { 0xff } else { 0xffff }), I::I32And]);
        }
        self.expr(r);
        if small && matches!(op, BinaryOp::Shl | BinaryOp::Shr | BinaryOp::ShrU) {
            // Shift counts are taken modulo the type's width.
            self.out.extend([I::I32Const(ty.bits() as i32 - 1), I::I32And]);
        }
        let instr = match (ty, op) {
            (Ty::F32, BinaryOp::Add) => I::F32Add,
            (Ty::F32, BinaryOp::Sub) => I::F32Sub,
            (Ty::F32, BinaryOp::Mul) => I::F32Mul,
            (Ty::F32, BinaryOp::Div) => I::F32Div,
            (Ty::F32, BinaryOp::Eq) => I::F32Eq,
            (Ty::F32, BinaryOp::Ne) => I::F32Ne,
            (Ty::F32, BinaryOp::Lt) => I::F32Lt,
            (Ty::F32, BinaryOp::Le) => I::F32Le,
            (Ty::F32, BinaryOp::Gt) => I::F32Gt,
            (Ty::F32, BinaryOp::Ge) => I::F32Ge,
            (Ty::F64, BinaryOp::Add) => I::F64Add,
            (Ty::F64, BinaryOp::Sub) => I::F64Sub,
            (Ty::F64, BinaryOp::Mul) => I::F64Mul,
            (Ty::F64, BinaryOp::Div) => I::F64Div,
            (Ty::F64, BinaryOp::Eq) => I::F64Eq,
            (Ty::F64, BinaryOp::Ne) => I::F64Ne,
            (Ty::F64, BinaryOp::Lt) => I::F64Lt,
            (Ty::F64, BinaryOp::Le) => I::F64Le,
            (Ty::F64, BinaryOp::Gt) => I::F64Gt,
            (Ty::F64, BinaryOp::Ge) => I::F64Ge,
            (_, op) if is64 => match op {
                BinaryOp::Add => I::I64Add,
                BinaryOp::Sub => I::I64Sub,
                BinaryOp::Mul => I::I64Mul,
                BinaryOp::Div if signed => I::I64DivS,
                BinaryOp::Div => I::I64DivU,
                BinaryOp::Rem if signed => I::I64RemS,
                BinaryOp::Rem => I::I64RemU,
                BinaryOp::BitAnd => I::I64And,
                BinaryOp::BitOr => I::I64Or,
                BinaryOp::BitXor => I::I64Xor,
                BinaryOp::Shl => I::I64Shl,
                BinaryOp::Shr if signed => I::I64ShrS,
                BinaryOp::Shr | BinaryOp::ShrU => I::I64ShrU,
                BinaryOp::Eq => I::I64Eq,
                BinaryOp::Ne => I::I64Ne,
                BinaryOp::Lt if signed => I::I64LtS,
                BinaryOp::Lt => I::I64LtU,
                BinaryOp::Le if signed => I::I64LeS,
                BinaryOp::Le => I::I64LeU,
                BinaryOp::Gt if signed => I::I64GtS,
                BinaryOp::Gt => I::I64GtU,
                BinaryOp::Ge if signed => I::I64GeS,
                BinaryOp::Ge => I::I64GeU,
                BinaryOp::And | BinaryOp::Or => I::Unreachable,
            },
            // i32-represented: ints up to 32 bits, bool, char, enums.
            (_, op) => match op {
                BinaryOp::Add => I::I32Add,
                BinaryOp::Sub => I::I32Sub,
                BinaryOp::Mul => I::I32Mul,
                BinaryOp::Div if signed => I::I32DivS,
                BinaryOp::Div => I::I32DivU,
                BinaryOp::Rem if signed => I::I32RemS,
                BinaryOp::Rem => I::I32RemU,
                BinaryOp::BitAnd => I::I32And,
                BinaryOp::BitOr => I::I32Or,
                BinaryOp::BitXor => I::I32Xor,
                BinaryOp::Shl => I::I32Shl,
                BinaryOp::Shr if signed => I::I32ShrS,
                BinaryOp::Shr | BinaryOp::ShrU => I::I32ShrU,
                BinaryOp::Eq => I::I32Eq,
                BinaryOp::Ne => I::I32Ne,
                BinaryOp::Lt if signed => I::I32LtS,
                BinaryOp::Lt => I::I32LtU,
                BinaryOp::Le if signed => I::I32LeS,
                BinaryOp::Le => I::I32LeU,
                BinaryOp::Gt if signed => I::I32GtS,
                BinaryOp::Gt => I::I32GtU,
                BinaryOp::Ge if signed => I::I32GeS,
                BinaryOp::Ge => I::I32GeU,
                BinaryOp::And | BinaryOp::Or => I::Unreachable,
            },
        };
        self.out.push(instr);
        if result_ty == ty {
            emit_wrap(&mut self.out, ty);
        }
    }

    /// `-x` or `!x` (logical on `bool`, bitwise on integers).
    pub(super) fn unary(&mut self, op: UnaryOp, operand: ExprId, ty: Ty) {
        match (op, ty) {
            (UnaryOp::Neg, Ty::F32) => {
                self.expr(operand);
                self.out.push(I::F32Neg);
            }
            (UnaryOp::Neg, Ty::F64) => {
                self.expr(operand);
                self.out.push(I::F64Neg);
            }
            (UnaryOp::Neg, Ty::S64 | Ty::U64) => {
                self.out.push(I::I64Const(0));
                self.expr(operand);
                self.out.push(I::I64Sub);
            }
            (UnaryOp::Neg, _) => {
                self.out.push(I::I32Const(0));
                self.expr(operand);
                self.out.push(I::I32Sub);
                emit_wrap(&mut self.out, ty);
            }
            (UnaryOp::Not, Ty::Bool) => {
                self.expr(operand);
                self.out.push(I::I32Eqz);
            }
            (UnaryOp::Not, Ty::S64 | Ty::U64) => {
                self.expr(operand);
                self.out.extend([I::I64Const(-1), I::I64Xor]);
            }
            (UnaryOp::Not, _) => {
                self.expr(operand);
                self.out.extend([I::I32Const(-1), I::I32Xor]);
                emit_wrap(&mut self.out, ty);
            }
        }
    }

    /// Converts the value on the stack from `from` to `to` with Rust's `as`
    /// semantics: integers wrap or extend, floats to integers saturate (NaN is 0).
    pub(super) fn cast(&mut self, from: Ty, to: Ty) {
        if from == to {
            return;
        }
        let from_is64 = matches!(from, Ty::S64 | Ty::U64);
        let to_is64 = matches!(to, Ty::S64 | Ty::U64);
        // bool, char and small ints are normalised i32s: treat them as such.
        let from_signed = from.is_signed();
        if to.is_int() || to == Ty::Char {
            match from {
                Ty::F32 | Ty::F64 => {
                    let f64_src = from == Ty::F64;
                    if to_is64 {
                        self.out.push(match (f64_src, to.is_signed()) {
                            (false, true) => I::I64TruncSatF32S,
                            (false, false) => I::I64TruncSatF32U,
                            (true, true) => I::I64TruncSatF64S,
                            (true, false) => I::I64TruncSatF64U,
                        });
                    } else if to.bits() == 32 {
                        self.out.push(match (f64_src, to.is_signed()) {
                            (false, true) => I::I32TruncSatF32S,
                            (false, false) => I::I32TruncSatF32U,
                            (true, true) => I::I32TruncSatF64S,
                            (true, false) => I::I32TruncSatF64U,
                        });
                    } else {
                        // Saturate to the small type's range.
                        let (min, max) = to.int_range().unwrap_or((0, 0));
                        self.out.push(if f64_src { I::I32TruncSatF64S } else { I::I32TruncSatF32S });
                        let t = self.new_local(ValType::I32);
                        self.out.extend([
                            I::LocalTee(t),
                            I::I32Const(min as i32),
                            I::LocalGet(t),
                            I::I32Const(min as i32),
                            I::I32GtS,
                            I::Select,
                            I::LocalTee(t),
                            I::I32Const(max as i32),
                            I::LocalGet(t),
                            I::I32Const(max as i32),
                            I::I32LtS,
                            I::Select,
                        ]);
                    }
                }
                _ => {
                    match (from_is64, to_is64) {
                        (true, false) => self.out.push(I::I32WrapI64),
                        (false, true) => self.out.push(if from_signed { I::I64ExtendI32S } else { I::I64ExtendI32U }),
                        _ => {}
                    }
                    if !to_is64 && to != Ty::Char {
                        emit_wrap(&mut self.out, to);
                    }
                }
            }
            return;
        }
        match to {
            Ty::F32 => self.out.push(match from {
                Ty::F64 => I::F32DemoteF64,
                _ if from_is64 && from_signed => I::F32ConvertI64S,
                _ if from_is64 => I::F32ConvertI64U,
                _ if from_signed => I::F32ConvertI32S,
                _ => I::F32ConvertI32U,
            }),
            Ty::F64 => self.out.push(match from {
                Ty::F32 => I::F64PromoteF32,
                _ if from_is64 && from_signed => I::F64ConvertI64S,
                _ if from_is64 => I::F64ConvertI64U,
                _ if from_signed => I::F64ConvertI32S,
                _ => I::F64ConvertI32U,
            }),
            _ => {}
        }
    }
}
