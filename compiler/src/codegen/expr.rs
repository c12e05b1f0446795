//! Expressions: the dispatch of every expression kind, constants, and the
//! list operations (`get`, `contains`, `set`, `push`, `pop`, indexing,
//! slicing), records, variants, flags, `?`, and the calls of functions
//! and builtins (`trim` and `split` are in `values`, calls to imports in
//! `wrappers`, operators in `operators`, resource instances in `resources`).

use super::*;
use crate::ir::{Builtin, ExprKind};

impl FuncGen<'_, '_> {
    /// Emits an expression, leaving its flat values on the stack.
    pub(super) fn expr(&mut self, id: ExprId) {
        crate::stack::grow(|| self.expr_inner(id))
    }

    fn expr_inner(&mut self, id: ExprId) {
        let expr = self.func.expr(id);
        let ty = expr.ty;
        match &expr.kind {
            ExprKind::Const(c) => self.constant(c, ty),
            ExprKind::Local(l) => {
                for w in self.local_map[l.index()].clone() {
                    self.out.push(I::LocalGet(w));
                }
            }
            ExprKind::Move(l) => {
                for w in self.local_map[l.index()].clone() {
                    self.out.push(I::LocalGet(w));
                }
                if let Some(owned) = self.func.local(*l).owned {
                    self.out.push(I::I32Const(0));
                    self.set_local(owned.flag);
                }
            }
            ExprKind::Bind(local, value) => {
                self.drop_locals(&[*local]);
                self.expr(*value);
                self.set_local(*local);
                if let Some(owned) = self.func.local(*local).owned {
                    self.out.push(I::I32Const(1));
                    self.set_local(owned.flag);
                }
                for w in self.local_map[local.index()].clone() {
                    self.out.push(I::LocalGet(w));
                }
            }
            ExprKind::Global(g) => {
                for w in &self.ctx.global_map[g.index()] {
                    self.out.push(I::GlobalGet(*w));
                }
            }
            ExprKind::Call(Callee::Func(f), args) => {
                for a in args {
                    self.expr(*a);
                }
                self.out.push(I::Call(self.ctx.func_base + f.0));
            }
            ExprKind::Call(Callee::Import(i), args) => self.import_call(i.index(), args),
            ExprKind::Binary(op, l, r) => self.binary(*op, *l, *r, ty),
            ExprKind::Unary(op, operand) => self.unary(*op, *operand, ty),
            ExprKind::Cast(inner) => {
                self.expr(*inner);
                let from = self.ty(*inner);
                self.cast(from, ty);
            }
            ExprKind::Builtin(Builtin::ListGet, args) => {
                let (elem, size, _) = self.element(self.ty(args[0]));
                let list = self.spill(args[0]);
                let i = self.spill(args[1])[0];
                let (cond, addr) = (self.new_local(ValType::I32), self.new_local(ValType::I32));
                self.out.extend([I::LocalGet(i), I::LocalGet(list[1]), I::I32LtU, I::LocalSet(cond)]);
                self.element_address(addr, list[0], i, size);
                self.option_of_element(ty, &elem, cond, addr);
            }
            ExprKind::Builtin(Builtin::ListContains, args) => {
                let (elem, size, _) = self.element(self.ty(args[0]));
                let list = self.spill(args[0]);
                let value = self.spill(args[1]);
                let (i, found, addr) =
                    (self.new_local(ValType::I32), self.new_local(ValType::I32), self.new_local(ValType::I32));
                self.out.extend([I::I32Const(0), I::LocalSet(i), I::I32Const(0), I::LocalSet(found)]);
                self.out.extend([I::Block(BlockType::Empty), I::Loop(BlockType::Empty)]);
                self.out.extend([I::LocalGet(i), I::LocalGet(list[1]), I::I32GeU, I::BrIf(1)]);
                self.element_address(addr, list[0], i, size);
                self.ctx.abi.emit_load(&mut self.out, &mut self.locals, &elem, addr, 0);
                let item = self.stash(&self.ctx.abi.flat(&elem));
                self.emit_eq(&elem, &item, &value);
                self.out.extend([I::LocalTee(found), I::BrIf(1)]);
                self.out.extend([I::LocalGet(i), I::I32Const(1), I::I32Add, I::LocalSet(i), I::Br(0), I::End, I::End]);
                self.out.push(I::LocalGet(found));
            }
            ExprKind::ListSet(list, index, value) => {
                let (elem, size, align) = self.element(ty);
                let list = self.spill(*list);
                let i = self.spill(*index)[0];
                let value = self.spill(*value);
                let (copy, addr) = (self.new_local(ValType::I32), self.new_local(ValType::I32));
                self.out.extend([I::LocalGet(i), I::LocalGet(list[1]), I::I32GeU, I::If(BlockType::Empty)]);
                self.out.extend([I::Unreachable, I::End]);
                // An update of a local that owns its buffer stores in place
                // (`inplace.rs`); otherwise it copies.
                let owned = self.in_place_sets.get(&id).map(|l| self.owned_lists[l]);
                if let Some(flag) = owned {
                    self.out.extend([I::LocalGet(list[0]), I::LocalSet(copy)]);
                    self.out.extend([I::LocalGet(flag), I::I32Eqz, I::If(BlockType::Empty)]);
                }
                // Copy, then change the copy: other copies keep the old element.
                self.out.extend([I::LocalGet(list[1]), I::I32Const(size as i32), I::I32Mul, I::I32Const(align as i32)]);
                self.out.extend([I::Call(self.ctx.helper(Helper::Alloc)), I::LocalTee(copy), I::LocalGet(list[0])]);
                self.out.extend([I::LocalGet(list[1]), I::I32Const(size as i32), I::I32Mul]);
                self.out.push(I::MemoryCopy { src_mem: 0, dst_mem: 0 });
                if owned.is_some() {
                    self.out.push(I::End);
                }
                self.element_address(addr, copy, i, size);
                self.ctx.abi.emit_store(&mut self.out, &mut self.locals, &elem, addr, 0, &value);
                self.out.extend([I::LocalGet(copy), I::LocalGet(list[1])]);
            }
            ExprKind::ListPush(place, value) => {
                let (elem, size, align) = self.element(self.place_ty(*place));
                let value = self.spill(*value);
                self.get_place(*place);
                let (ptr, len, addr) =
                    (self.new_local(ValType::I32), self.new_local(ValType::I32), self.new_local(ValType::I32));
                self.out.extend([I::LocalSet(len), I::LocalSet(ptr)]);
                self.out.extend([
                    I::LocalGet(ptr),
                    I::LocalGet(len),
                    I::I32Const(size as i32),
                    I::I32Const(align as i32),
                ]);
                self.out.extend([I::Call(self.ctx.helper(Helper::ListReserve)), I::LocalSet(ptr)]);
                self.element_address(addr, ptr, len, size);
                self.ctx.abi.emit_store(&mut self.out, &mut self.locals, &elem, addr, 0, &value);
                self.out.extend([I::LocalGet(ptr), I::LocalGet(len), I::I32Const(1), I::I32Add]);
                self.set_place(*place);
            }
            ExprKind::ListPop(place) => {
                let (elem, size, _) = self.element(self.place_ty(*place));
                self.get_place(*place);
                let (ptr, len, addr, cond) = (
                    self.new_local(ValType::I32),
                    self.new_local(ValType::I32),
                    self.new_local(ValType::I32),
                    self.new_local(ValType::I32),
                );
                self.out.extend([I::LocalSet(len), I::LocalSet(ptr)]);
                self.out.extend([
                    I::LocalGet(len),
                    I::I32Const(0),
                    I::I32Ne,
                    I::LocalTee(cond),
                    I::If(BlockType::Empty),
                ]);
                self.out.extend([I::LocalGet(len), I::I32Const(1), I::I32Sub, I::LocalSet(len)]);
                self.out.extend([I::LocalGet(ptr), I::LocalGet(len)]);
                self.set_place(*place);
                self.out.push(I::End);
                self.element_address(addr, ptr, len, size);
                self.option_of_element(ty, &elem, cond, addr);
            }
            ExprKind::Builtin(builtin, args) => {
                for a in args {
                    self.expr(*a);
                }
                match builtin {
                    // The receiver's (ptr, len) is on the stack.
                    Builtin::Len => {
                        let len = self.new_local(ValType::I32);
                        self.out.extend([I::LocalSet(len), I::Drop, I::LocalGet(len)]);
                    }
                    Builtin::IsEmpty => {
                        let len = self.new_local(ValType::I32);
                        self.out.extend([I::LocalSet(len), I::Drop, I::LocalGet(len), I::I32Eqz]);
                    }
                    Builtin::StrContains => {
                        self.out.extend([I::I32Const(0), I::Call(self.ctx.helper(Helper::IndexOf))]);
                        self.out.extend([I::I32Const(-1), I::I32Ne]);
                    }
                    // A string's UTF-8 bytes are already a `list<u8>`.
                    Builtin::StrBytes => {}
                    Builtin::StrTrim => self.emit_trim(),
                    Builtin::StrSplit => self.emit_split(),
                    Builtin::StrFromUtf8 => {
                        let (ptr, len, valid) =
                            (self.new_local(ValType::I32), self.new_local(ValType::I32), self.new_local(ValType::I32));
                        self.out.extend([I::LocalSet(len), I::LocalSet(ptr)]);
                        self.out.extend([
                            I::LocalGet(ptr),
                            I::LocalGet(len),
                            I::Call(self.ctx.helper(Helper::Utf8Valid)),
                        ]);
                        self.out.extend([I::LocalSet(valid), I::LocalGet(valid)]);
                        // option<string>: (1, ptr, len) or (0, 0, 0).
                        for l in [ptr, len] {
                            self.out.extend([I::LocalGet(l), I::I32Const(0), I::LocalGet(valid), I::Select]);
                        }
                    }
                    Builtin::StrStartsWith => self.out.push(I::Call(self.ctx.helper(Helper::StartsWith))),
                    Builtin::StrEndsWith => self.out.push(I::Call(self.ctx.helper(Helper::EndsWith))),
                    Builtin::ListGet | Builtin::ListContains => unreachable!("handled above"),
                }
            }
            ExprKind::Record(items) | ExprKind::Tuple(items) => {
                // A record's flat form is its fields' flat values in order.
                for item in items {
                    self.expr(*item);
                }
            }
            ExprKind::Case(index, payload) => {
                let wit = ty.to_wit().unwrap_or(wit_parser::Type::Bool);
                let temps = payload.map(|p| self.spill(p)).unwrap_or_default();
                self.out.push(I::I32Const(*index as i32));
                self.ctx.abi.emit_joined_payload(&mut self.out, &wit, *index, &temps);
            }
            ExprKind::Flags(set) => {
                let words = self.ctx.abi.flat_ty(ty).len();
                let mut bits = vec![0u32; words];
                for i in set {
                    bits[(*i / 32) as usize] |= 1 << (i % 32);
                }
                for w in bits {
                    self.out.push(I::I32Const(w as i32));
                }
            }
            ExprKind::Field(base, index) => {
                let base_ty = self.ty(*base);
                let temps = self.spill(*base);
                let wit = base_ty.to_wit().unwrap_or(wit_parser::Type::Bool);
                let fields = self.ctx.abi.fields(&wit);
                let start: usize = fields[..*index as usize].iter().map(|f| self.ctx.abi.flat(f).len()).sum();
                let n = self.ctx.abi.flat(&fields[*index as usize]).len();
                for t in &temps[start..start + n] {
                    self.out.push(I::LocalGet(*t));
                }
            }
            ExprKind::List(items) => {
                let elem = ty.to_wit().and_then(|t| self.ctx.abi.list_element(&t)).unwrap_or(wit_parser::Type::Bool);
                let (size, align) = self.ctx.abi.size_align(&elem);
                let area = self.new_local(ValType::I32);
                self.out.extend([
                    I::I32Const((size as usize * items.len()) as i32),
                    I::I32Const(align as i32),
                    I::Call(self.ctx.helper(Helper::Alloc)),
                    I::LocalSet(area),
                ]);
                for (i, item) in items.iter().enumerate() {
                    let temps = self.spill(*item);
                    self.ctx.abi.emit_store(&mut self.out, &mut self.locals, &elem, area, size * i as u32, &temps);
                }
                self.out.extend([I::LocalGet(area), I::I32Const(items.len() as i32)]);
            }
            ExprKind::Index(list, index) => {
                let list_ty = self.ty(*list).to_wit().unwrap_or(wit_parser::Type::Bool);
                let elem = self.ctx.abi.list_element(&list_ty).unwrap_or(wit_parser::Type::Bool);
                let (size, _) = self.ctx.abi.size_align(&elem);
                self.expr(*list);
                let (ptr, len, i) =
                    (self.new_local(ValType::I32), self.new_local(ValType::I32), self.new_local(ValType::I32));
                self.out.extend([I::LocalSet(len), I::LocalSet(ptr)]);
                self.expr(*index);
                self.out.extend([
                    I::LocalTee(i),
                    I::LocalGet(len),
                    I::I32GeU,
                    I::If(BlockType::Empty),
                    I::Unreachable,
                    I::End,
                ]);
                let addr = self.new_local(ValType::I32);
                self.out.extend([
                    I::LocalGet(ptr),
                    I::LocalGet(i),
                    I::I32Const(size as i32),
                    I::I32Mul,
                    I::I32Add,
                    I::LocalSet(addr),
                ]);
                self.ctx.abi.emit_load(&mut self.out, &mut self.locals, &elem, addr, 0);
            }
            ExprKind::Slice(base, start, end) => {
                let is_string = self.ty(*base) == Ty::String;
                let size = if is_string { 1 } else { self.element(ty).1 };
                let base = self.spill(*base);
                let start = self.spill(*start)[0];
                let end = self.spill(*end)[0];
                // start <= end <= len, else trap.
                self.out.extend([I::LocalGet(start), I::LocalGet(end), I::I32GtU]);
                self.out.extend([I::LocalGet(end), I::LocalGet(base[1]), I::I32GtU, I::I32Or]);
                if is_string {
                    // Both ends on character boundaries: not a continuation byte.
                    for at in [start, end] {
                        self.out.extend([I::LocalGet(at), I::LocalGet(base[1]), I::I32LtU]);
                        self.out.extend([I::If(BlockType::Result(ValType::I32))]);
                        self.out.extend([I::LocalGet(base[0]), I::LocalGet(at), I::I32Add, I::I32Load8U(memarg(0, 0))]);
                        self.out.extend([I::I32Const(0xC0), I::I32And, I::I32Const(0x80), I::I32Eq]);
                        self.out.extend([I::Else, I::I32Const(0), I::End, I::I32Or]);
                    }
                }
                self.out.extend([I::If(BlockType::Empty), I::Unreachable, I::End]);
                self.out.extend([
                    I::LocalGet(base[0]),
                    I::LocalGet(start),
                    I::I32Const(size as i32),
                    I::I32Mul,
                    I::I32Add,
                ]);
                self.out.extend([I::LocalGet(end), I::LocalGet(start), I::I32Sub]);
            }
            ExprKind::IsCase(value, index) => {
                let temps = self.spill(*value);
                self.out.extend([I::LocalGet(temps[0]), I::I32Const(*index as i32), I::I32Eq]);
            }
            ExprKind::Try(value, drops, report) => {
                let wit = self.ty(*value).to_wit().unwrap_or(wit_parser::Type::Bool);
                let is_option = matches!(wit, wit_parser::Type::Id(id) if matches!(self.ctx.abi.resolve.types[id].kind, wit_parser::TypeDefKind::Option(_)));
                // option: none = 0, some = 1; result: ok = 0, err = 1.
                let (fail, success) = if is_option { (0, 1) } else { (1, 0) };
                let temps = self.spill(*value);
                self.out.extend([I::LocalGet(temps[0]), I::I32Const(fail), I::I32Eq, I::If(BlockType::Empty)]);
                if let Some(report) = report {
                    // The whole failing value goes to the report function,
                    // whose result (the test's `err`) is returned.
                    for t in &temps {
                        self.out.push(I::LocalGet(*t));
                    }
                    self.out.push(I::Call(self.ctx.func_base + report.0));
                    self.drop_locals(drops);
                    self.out.extend([I::Return, I::End]);
                    self.ctx.abi.emit_case_payload(&mut self.out, &wit, success as u32, &temps[1..]);
                    return;
                }
                let returned = self.func.result.and_then(|r| r.to_wit()).unwrap_or(wit_parser::Type::Bool);
                let payload = if is_option {
                    Vec::new()
                } else {
                    self.ctx.abi.emit_case_payload(&mut self.out, &wit, 1, &temps[1..]);
                    let flat = self.ctx.abi.case_flat(&wit, 1);
                    self.stash(&flat)
                };
                self.out.push(I::I32Const(fail));
                self.ctx.abi.emit_joined_payload(&mut self.out, &returned, fail as u32, &payload);
                self.drop_locals(drops);
                self.out.extend([I::Return, I::End]);
                self.ctx.abi.emit_case_payload(&mut self.out, &wit, success as u32, &temps[1..]);
            }
            ExprKind::Payload(value, index) => {
                let wit = self.ty(*value).to_wit().unwrap_or(wit_parser::Type::Bool);
                let temps = self.spill(*value);
                self.ctx.abi.emit_case_payload(&mut self.out, &wit, *index, &temps[1..]);
            }
            ExprKind::RepNew(resource, fields) => self.rep_new(*resource, *fields),
            ExprKind::RepField(resource, rep, k) => {
                let fields = self.rep_fields(*resource, *rep).1;
                let offset = self.field_slots(*resource, *k);
                for t in &fields[offset.clone()] {
                    self.out.push(I::LocalGet(*t));
                }
            }
            ExprKind::RepSet(resource, rep, k, value) => {
                let (addr, mut fields) = self.rep_fields(*resource, *rep);
                let value = self.spill(*value);
                let offset = self.field_slots(*resource, *k);
                fields.splice(offset, value);
                self.store_slot(*resource, addr, 0, &fields);
                let field_ty = self.ctx.module.resources[resource.index()].fields[*k as usize].1;
                if field_ty.to_wit().is_some_and(|t| self.ctx.abi.has_heap(&t)) {
                    self.out.extend([I::I32Const(1), I::GlobalSet(GLOBAL_ESCAPED)]);
                }
            }
            ExprKind::RepFree(resource, rep) => {
                let r = &self.ctx.module.resources[resource.index()];
                let free = self.ctx.global_map[r.free.index()][0];
                let rep_local = self.spill(*rep)[0];
                let (addr, fields) = self.rep_fields_at(*resource, rep_local);
                // err(next free), and this slot becomes the first free one.
                let next = self.new_local(ValType::I32);
                self.out.extend([I::GlobalGet(free), I::LocalSet(next)]);
                self.store_slot(*resource, addr, 1, &[next]);
                self.out.extend([I::LocalGet(rep_local), I::GlobalSet(free)]);
                for t in fields {
                    self.out.push(I::LocalGet(t));
                }
            }
            ExprKind::Seq(stmts, value) => {
                self.stmts(stmts);
                if let Some(value) = value {
                    self.expr(*value);
                }
            }
            ExprKind::Error => self.out.push(I::Unreachable),
        }
    }

    fn constant(&mut self, c: &Const, ty: Ty) {
        match c {
            Const::Str(s) => {
                let (ptr, len) = self.strings.intern(s);
                self.out.extend([I::I32Const(ptr as i32), I::I32Const(len as i32)]);
            }
            Const::F32(f) => self.out.push(I::F32Const((*f).into())),
            Const::F64(f) => self.out.push(I::F64Const((*f).into())),
            Const::Int(v) if matches!(ty, Ty::S64 | Ty::U64) => self.out.push(I::I64Const(*v as i64)),
            Const::Int(v) if ty == Ty::F32 => self.out.push(I::F32Const((*v as f32).into())),
            Const::Int(v) if ty == Ty::F64 => self.out.push(I::F64Const((*v as f64).into())),
            Const::Int(v) => self.out.push(I::I32Const(*v as i32)),
            Const::Bool(b) => self.out.push(I::I32Const(*b as i32)),
            Const::Char(c) => self.out.push(I::I32Const(*c as i32)),
            Const::EnumCase(i) => self.out.push(I::I32Const(*i as i32)),
            Const::Zero => {
                for t in self.ctx.abi.flat_ty(ty) {
                    self.out.push(crate::abi::zero(t));
                }
            }
        }
    }
}
