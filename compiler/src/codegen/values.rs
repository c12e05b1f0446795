//! Compound values inside a function: list elements (their address, and
//! `option` of one), structural equality of every type (the language
//! brief's `==`), and the string methods built in line (`trim`, `split`).

use super::*;

impl FuncGen<'_, '_> {
    /// The element type of a list type, and its size in memory.
    pub(super) fn element(&self, list: Ty) -> (wit_parser::Type, u32, u32) {
        let elem = list.to_wit().and_then(|t| self.ctx.abi.list_element(&t)).unwrap_or(wit_parser::Type::Bool);
        let (size, align) = self.ctx.abi.size_align(&elem);
        (elem, size, align)
    }

    /// Sets `addr` to `ptr + i * size`.
    pub(super) fn element_address(&mut self, addr: u32, ptr: u32, i: u32, size: u32) {
        self.out.extend([
            I::LocalGet(ptr),
            I::LocalGet(i),
            I::I32Const(size as i32),
            I::I32Mul,
            I::I32Add,
            I::LocalSet(addr),
        ]);
    }

    /// Leaves an `option<T>` (of type `option`) on the stack: `some` of the
    /// element at `addr` if `cond` (an `i32` local) is set, else `none`.
    pub(super) fn option_of_element(&mut self, option: Ty, elem: &wit_parser::Type, cond: u32, addr: u32) {
        let wit = option.to_wit().unwrap_or(wit_parser::Type::Bool);
        let out = self.temps_for(option);
        for (t, ty) in out.iter().zip(self.ctx.abi.flat_ty(option)) {
            self.out.extend([crate::abi::zero(ty), I::LocalSet(*t)]);
        }
        self.out.extend([I::LocalGet(cond), I::If(BlockType::Empty)]);
        self.ctx.abi.emit_load(&mut self.out, &mut self.locals, elem, addr, 0);
        let value = self.stash(&self.ctx.abi.flat(elem));
        self.ctx.abi.emit_joined_payload(&mut self.out, &wit, 1, &value);
        for slot in out[1..].iter().rev() {
            self.out.push(I::LocalSet(*slot));
        }
        self.out.extend([I::I32Const(1), I::LocalSet(out[0]), I::End]);
        for t in out {
            self.out.push(I::LocalGet(t));
        }
    }

    /// Leaves `1` on the stack if the flat values `a` and `b` of WIT type
    /// `ty` are structurally equal, else `0` (the language brief's `==`:
    /// floats compare as IEEE 754 numbers, lists element by element,
    /// variants by case and then payload).
    pub(super) fn emit_eq(&mut self, ty: &wit_parser::Type, a: &[u32], b: &[u32]) {
        use wit_parser::{Type, TypeDefKind};
        let ctx = self.ctx;
        let abi = &ctx.abi;
        let pair = |out: &mut Code, op: I<'static>| out.extend([I::LocalGet(a[0]), I::LocalGet(b[0]), op]);
        match ty {
            Type::String => {
                self.out.extend([I::LocalGet(a[0]), I::LocalGet(a[1]), I::LocalGet(b[0]), I::LocalGet(b[1])]);
                self.out.push(I::Call(self.ctx.helper(Helper::StrEq)));
            }
            Type::F32 => pair(&mut self.out, I::F32Eq),
            Type::F64 => pair(&mut self.out, I::F64Eq),
            Type::S64 | Type::U64 => pair(&mut self.out, I::I64Eq),
            Type::Id(id) => match &abi.resolve.types[*id].kind {
                TypeDefKind::Type(t) => self.emit_eq(t, a, b),
                TypeDefKind::Record(_) | TypeDefKind::Tuple(_) | TypeDefKind::Flags(_) => {
                    let fields = match &abi.resolve.types[*id].kind {
                        TypeDefKind::Flags(_) => vec![Type::U32; a.len()],
                        _ => abi.fields(ty),
                    };
                    self.out.push(I::I32Const(1));
                    let mut offset = 0;
                    for field in fields {
                        let n = self.ctx.abi.flat(&field).len();
                        self.emit_eq(&field, &a[offset..offset + n], &b[offset..offset + n]);
                        self.out.push(I::I32And);
                        offset += n;
                    }
                }
                TypeDefKind::List(elem) => self.emit_list_eq(elem, a, b),
                TypeDefKind::Variant(_) | TypeDefKind::Option(_) | TypeDefKind::Result(_) => {
                    let cases = abi.cases(ty).unwrap_or_default();
                    pair(&mut self.out, I::I32Eq);
                    self.out.push(I::If(BlockType::Result(ValType::I32)));
                    // Same case: compare the payload of whichever case it is.
                    let mut open = 0;
                    for (i, payload) in cases.iter().enumerate() {
                        let Some(payload) = payload else { continue };
                        self.out.extend([I::LocalGet(a[0]), I::I32Const(i as i32), I::I32Eq]);
                        self.out.push(I::If(BlockType::Result(ValType::I32)));
                        let flat = self.ctx.abi.case_flat(ty, i as u32);
                        self.ctx.abi.emit_case_payload(&mut self.out, ty, i as u32, &a[1..]);
                        let pa = self.stash(&flat);
                        self.ctx.abi.emit_case_payload(&mut self.out, ty, i as u32, &b[1..]);
                        let pb = self.stash(&flat);
                        self.emit_eq(payload, &pa, &pb);
                        self.out.push(I::Else);
                        open += 1;
                    }
                    self.out.push(I::I32Const(1));
                    for _ in 0..open {
                        self.out.push(I::End);
                    }
                    self.out.extend([I::Else, I::I32Const(0), I::End]);
                }
                // Enums (and handles) are one `i32`.
                _ => pair(&mut self.out, I::I32Eq),
            },
            _ => pair(&mut self.out, I::I32Eq),
        }
    }

    /// Compares two lists `(ptr, len)` element by element.
    fn emit_list_eq(&mut self, elem: &wit_parser::Type, a: &[u32], b: &[u32]) {
        let (size, _) = self.ctx.abi.size_align(elem);
        let flat = self.ctx.abi.flat(elem);
        let (i, equal, addr) =
            (self.new_local(ValType::I32), self.new_local(ValType::I32), self.new_local(ValType::I32));
        self.out.extend([I::LocalGet(a[1]), I::LocalGet(b[1]), I::I32Eq, I::LocalSet(equal)]);
        self.out.extend([I::I32Const(0), I::LocalSet(i)]);
        self.out.extend([I::Block(BlockType::Empty), I::Loop(BlockType::Empty)]);
        // Stop at the end, or as soon as a difference is found.
        self.out.extend([I::LocalGet(i), I::LocalGet(a[1]), I::I32GeU, I::LocalGet(equal), I::I32Eqz, I::I32Or]);
        self.out.push(I::BrIf(1));
        let mut elems = Vec::new();
        for list in [a, b] {
            self.out.extend([
                I::LocalGet(list[0]),
                I::LocalGet(i),
                I::I32Const(size as i32),
                I::I32Mul,
                I::I32Add,
                I::LocalSet(addr),
            ]);
            self.ctx.abi.emit_load(&mut self.out, &mut self.locals, elem, addr, 0);
            elems.push(self.stash(&flat));
        }
        self.emit_eq(elem, &elems[0], &elems[1]);
        self.out.push(I::LocalSet(equal));
        self.out.extend([I::LocalGet(i), I::I32Const(1), I::I32Add, I::LocalSet(i), I::Br(0), I::End, I::End]);
        self.out.push(I::LocalGet(equal));
    }

    /// `s.trim()` with the string's `(ptr, len)` on the stack.
    pub(super) fn emit_trim(&mut self) {
        let (ptr, start, end, byte) = (
            self.new_local(ValType::I32),
            self.new_local(ValType::I32),
            self.new_local(ValType::I32),
            self.new_local(ValType::I32),
        );
        self.out.extend([I::LocalSet(end), I::LocalSet(ptr), I::I32Const(0), I::LocalSet(start)]);
        // ASCII whitespace: space, or \t \n \x0b \x0c \r (9..=13).
        let is_space = |byte: u32| {
            [
                I::LocalGet(byte),
                I::I32Const(32),
                I::I32Eq,
                I::LocalGet(byte),
                I::I32Const(9),
                I::I32Sub,
                I::I32Const(5),
                I::I32LtU,
                I::I32Or,
            ]
        };
        for from_end in [false, true] {
            self.out.extend([I::Block(BlockType::Empty), I::Loop(BlockType::Empty)]);
            self.out.extend([I::LocalGet(start), I::LocalGet(end), I::I32GeU, I::BrIf(1)]);
            self.out.push(I::LocalGet(ptr));
            if from_end {
                self.out.extend([I::LocalGet(end), I::I32Add, I::I32Const(1), I::I32Sub]);
            } else {
                self.out.extend([I::LocalGet(start), I::I32Add]);
            }
            self.out.extend([I::I32Load8U(memarg(0, 0)), I::LocalSet(byte)]);
            self.out.extend(is_space(byte));
            self.out.extend([I::I32Eqz, I::BrIf(1)]);
            let moved = if from_end { end } else { start };
            let step = if from_end { I::I32Sub } else { I::I32Add };
            self.out.extend([I::LocalGet(moved), I::I32Const(1), step, I::LocalSet(moved), I::Br(0), I::End, I::End]);
        }
        self.out.extend([
            I::LocalGet(ptr),
            I::LocalGet(start),
            I::I32Add,
            I::LocalGet(end),
            I::LocalGet(start),
            I::I32Sub,
        ]);
    }

    /// `s.split(sep)` with both strings' `(ptr, len)` on the stack: a list
    /// of the pieces, which point into `s`.
    pub(super) fn emit_split(&mut self) {
        let l = |g: &mut Self| g.new_local(ValType::I32);
        let (sp, sl, ep, el) = (l(self), l(self), l(self), l(self));
        let (out_ptr, out_len, start, found) = (l(self), l(self), l(self), l(self));
        self.out.extend([I::LocalSet(el), I::LocalSet(ep), I::LocalSet(sl), I::LocalSet(sp)]);
        self.out.extend([I::I32Const(0), I::LocalSet(out_ptr), I::I32Const(0), I::LocalSet(out_len)]);
        self.out.extend([I::I32Const(0), I::LocalSet(start)]);
        // Appends the piece (sp + start, found - start) to the list.
        let push_piece = |g: &mut Self| {
            g.out.extend([I::LocalGet(out_ptr), I::LocalGet(out_len), I::I32Const(8), I::I32Const(4)]);
            g.out.extend([I::Call(g.ctx.helper(Helper::ListReserve)), I::LocalSet(out_ptr)]);
            let addr = g.new_local(ValType::I32);
            g.element_address(addr, out_ptr, out_len, 8);
            g.out.extend([
                I::LocalGet(addr),
                I::LocalGet(sp),
                I::LocalGet(start),
                I::I32Add,
                I::I32Store(memarg(0, 2)),
            ]);
            g.out.extend([
                I::LocalGet(addr),
                I::LocalGet(found),
                I::LocalGet(start),
                I::I32Sub,
                I::I32Store(memarg(4, 2)),
            ]);
            g.out.extend([I::LocalGet(out_len), I::I32Const(1), I::I32Add, I::LocalSet(out_len)]);
        };
        self.out.extend([I::Block(BlockType::Empty), I::Loop(BlockType::Empty)]);
        // An empty separator, or no more occurrences: the rest is the last piece.
        self.out.extend([I::LocalGet(el), I::I32Eqz, I::If(BlockType::Empty), I::I32Const(-1), I::LocalSet(found)]);
        self.out.extend([
            I::Else,
            I::LocalGet(sp),
            I::LocalGet(sl),
            I::LocalGet(ep),
            I::LocalGet(el),
            I::LocalGet(start),
        ]);
        self.out.extend([I::Call(self.ctx.helper(Helper::IndexOf)), I::LocalSet(found), I::End]);
        self.out.extend([I::LocalGet(found), I::I32Const(-1), I::I32Eq, I::If(BlockType::Empty)]);
        self.out.extend([I::LocalGet(sl), I::LocalSet(found)]);
        push_piece(self);
        self.out.extend([I::Br(2), I::End]);
        push_piece(self);
        self.out.extend([I::LocalGet(found), I::LocalGet(el), I::I32Add, I::LocalSet(start), I::Br(0), I::End, I::End]);
        self.out.extend([I::LocalGet(out_ptr), I::LocalGet(out_len)]);
    }
}
