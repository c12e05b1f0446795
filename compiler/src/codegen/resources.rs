//! Instances of the resources a file defines: each resource has a table
//! of slots in a global (`ok(fields)` for a live instance, `err(next)` for a
//! free one, chained), and a rep is a slot's index + 1. Creating, reading,
//! changing and freeing instances.

use super::*;

impl FuncGen<'_, '_> {
    /// The flat slots of field `k` among a resource's fields' flat values.
    pub(super) fn field_slots(&self, resource: ir::ResourceId, k: u32) -> std::ops::Range<usize> {
        let r = &self.ctx.module.resources[resource.index()];
        let wit = r.fields_ty.to_wit().unwrap_or(wit_parser::Type::Bool);
        let fields = self.ctx.abi.fields(&wit);
        let start: usize = fields[..k as usize].iter().map(|f| self.ctx.abi.flat(f).len()).sum();
        start..start + self.ctx.abi.flat(&fields[k as usize]).len()
    }

    /// Evaluates `rep` and loads its instance: the slot's address and the
    /// fields' flat values in fresh locals.
    pub(super) fn rep_fields(&mut self, resource: ir::ResourceId, rep: ExprId) -> (u32, Vec<u32>) {
        let rep = self.spill(rep)[0];
        self.rep_fields_at(resource, rep)
    }

    /// [`Self::rep_fields`] of a rep already in a local. A rep that is not
    /// a live instance traps (the canonical ABI never passes one).
    pub(super) fn rep_fields_at(&mut self, resource: ir::ResourceId, rep: u32) -> (u32, Vec<u32>) {
        let r = &self.ctx.module.resources[resource.index()];
        let slot = r.slot.to_wit().unwrap_or(wit_parser::Type::Bool);
        let (size, _) = self.ctx.abi.size_align(&slot);
        let table = self.ctx.global_map[r.table.index()].clone();
        let addr = self.new_local(ValType::I32);
        // rep - 1 < len, else trap.
        self.out.extend([I::LocalGet(rep), I::I32Const(1), I::I32Sub, I::GlobalGet(table[1]), I::I32GeU]);
        self.out.extend([I::If(BlockType::Empty), I::Unreachable, I::End]);
        self.out.extend([I::GlobalGet(table[0]), I::LocalGet(rep), I::I32Const(1), I::I32Sub]);
        self.out.extend([I::I32Const(size as i32), I::I32Mul, I::I32Add, I::LocalSet(addr)]);
        self.ctx.abi.emit_load(&mut self.out, &mut self.locals, &slot, addr, 0);
        let loaded = self.stash(&self.ctx.abi.flat(&slot));
        // A free slot (`err`) traps.
        self.out.extend([I::LocalGet(loaded[0]), I::If(BlockType::Empty), I::Unreachable, I::End]);
        self.ctx.abi.emit_case_payload(&mut self.out, &slot, 0, &loaded[1..]);
        let fields = self.stash(&self.ctx.abi.case_flat(&slot, 0));
        (addr, fields)
    }

    /// Stores case `case` of a resource's slot type (0: `ok(fields)`, 1:
    /// `err(next)`) with this payload at `addr`.
    pub(super) fn store_slot(&mut self, resource: ir::ResourceId, addr: u32, case: u32, payload: &[u32]) {
        let r = &self.ctx.module.resources[resource.index()];
        let slot = r.slot.to_wit().unwrap_or(wit_parser::Type::Bool);
        self.out.push(I::I32Const(case as i32));
        self.ctx.abi.emit_joined_payload(&mut self.out, &slot, case, payload);
        let value = self.stash(&self.ctx.abi.flat(&slot));
        self.ctx.abi.emit_store(&mut self.out, &mut self.locals, &slot, addr, 0, &value);
    }

    /// A new instance: takes the first free slot of the resource's table,
    /// growing the table first when there is none, stores `ok(fields)`
    /// there and leaves the rep (slot index + 1).
    pub(super) fn rep_new(&mut self, resource: ir::ResourceId, fields: ExprId) {
        let fields = self.spill(fields);
        let r = &self.ctx.module.resources[resource.index()];
        let slot = r.slot.to_wit().unwrap_or(wit_parser::Type::Bool);
        let (size, align) = self.ctx.abi.size_align(&slot);
        let table = self.ctx.global_map[r.table.index()].clone();
        let free = self.ctx.global_map[r.free.index()][0];
        let fields_heap = r.fields_ty.to_wit().is_some_and(|t| self.ctx.abi.has_heap(&t));
        let (len, new_len, buf, i, addr, next) = (
            self.new_local(ValType::I32),
            self.new_local(ValType::I32),
            self.new_local(ValType::I32),
            self.new_local(ValType::I32),
            self.new_local(ValType::I32),
            self.new_local(ValType::I32),
        );
        // No free slot: a table twice as large (plus 4), the new slots
        // chained as free ones, each naming the next.
        self.out.extend([I::GlobalGet(free), I::I32Eqz, I::If(BlockType::Empty)]);
        self.out.extend([I::GlobalGet(table[1]), I::LocalTee(len), I::I32Const(1), I::I32Shl, I::I32Const(4)]);
        self.out.extend([I::I32Add, I::LocalTee(new_len), I::I32Const(size as i32), I::I32Mul]);
        self.out.extend([I::I32Const(align as i32), I::Call(self.ctx.helper(Helper::Alloc)), I::LocalSet(buf)]);
        self.out.extend([I::LocalGet(buf), I::GlobalGet(table[0]), I::LocalGet(len), I::I32Const(size as i32)]);
        self.out.extend([I::I32Mul, I::MemoryCopy { src_mem: 0, dst_mem: 0 }]);
        self.out.extend([I::LocalGet(len), I::LocalSet(i), I::Block(BlockType::Empty), I::Loop(BlockType::Empty)]);
        self.out.extend([I::LocalGet(i), I::LocalGet(new_len), I::I32GeU, I::BrIf(1)]);
        self.element_address(addr, buf, i, size);
        // next = i + 2 (1-based index of slot i + 1), or 0 for the last slot.
        self.out.extend([I::LocalGet(i), I::I32Const(2), I::I32Add, I::LocalTee(next)]);
        self.out.extend([I::LocalGet(new_len), I::I32GtU, I::If(BlockType::Empty), I::I32Const(0)]);
        self.out.extend([I::LocalSet(next), I::End]);
        self.store_slot(resource, addr, 1, &[next]);
        self.out.extend([I::LocalGet(i), I::I32Const(1), I::I32Add, I::LocalSet(i), I::Br(0), I::End, I::End]);
        // Nothing but the global refers to the old table: it is free.
        self.out.extend([I::GlobalGet(table[0]), I::LocalGet(len), I::I32Const(size as i32), I::I32Mul]);
        self.out.extend([I::I32Const(align as i32), I::Call(self.ctx.helper(Helper::Free))]);
        self.out.extend([I::LocalGet(buf), I::GlobalSet(table[0]), I::LocalGet(new_len), I::GlobalSet(table[1])]);
        self.out.extend([I::LocalGet(len), I::I32Const(1), I::I32Add, I::GlobalSet(free)]);
        // The table is new in this call's heap region: `end_call` keeps it.
        self.out.extend([I::I32Const(1), I::GlobalSet(GLOBAL_ESCAPED), I::End]);
        // Take the first free slot.
        let rep = self.new_local(ValType::I32);
        self.out.extend([I::GlobalGet(free), I::LocalTee(rep), I::I32Const(1), I::I32Sub]);
        self.out.extend([I::I32Const(size as i32), I::I32Mul, I::GlobalGet(table[0]), I::I32Add, I::LocalSet(addr)]);
        self.ctx.abi.emit_load(&mut self.out, &mut self.locals, &slot, addr, 0);
        let loaded = self.stash(&self.ctx.abi.flat(&slot));
        self.ctx.abi.emit_case_payload(&mut self.out, &slot, 1, &loaded[1..]);
        self.out.push(I::GlobalSet(free));
        self.store_slot(resource, addr, 0, &fields);
        if fields_heap {
            self.out.extend([I::I32Const(1), I::GlobalSet(GLOBAL_ESCAPED)]);
        }
        self.out.push(I::LocalGet(rep));
    }
}
