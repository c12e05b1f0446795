//! The heap: how the memory of a call is reclaimed when it ends.
//!
//! Heap values (string and list buffers) are immutable once built. The heap
//! is a region per export call: at the end of each call (in the export
//! wrapper, or in the post-return function when the result lives in memory)
//! `end_call` resets the heap to where it stood before the call. If the call
//! stored a value with heap data into a global ("escaped"), `end_call` first
//! runs a copying collection whose roots are the globals: their values are
//! deep-copied to the top of the heap and then down to the heap's start, so
//! only what the globals hold survives ([`FuncGen::end_call`]). Programs that
//! build strings only to return or compare them run in constant memory, and
//! memory across calls is bounded by the size of the globals.
//!
//! Within one call, the iterations of loops whose values do not outlive
//! them are regions too (`regions`), loops whose values escape only into
//! outer locals and globals evacuate them now and then
//! ([`FuncGen::evacuate`], the same copying collection above the loop's
//! mark), and concatenating onto the newest allocation appends in place
//! (`s = s + x` in a loop is linear). Reference counting would free the
//! rest of the garbage inside a call; see ARCHITECTURE.md.

use super::regions::{EVACUATE_MIN, Evacuation};
use super::*;

/// Which buffers a deep copy copies.
#[derive(Clone, Copy)]
enum Bound {
    /// Those at or above the heap start (the data segment lies below it).
    Start,
    /// Those that reach above the mark in this wasm local.
    Mark(u32),
}

impl<'a, 'c> FuncGen<'a, 'c> {
    /// Builds `end_call()`, run when an export call ends (in the wrapper, or
    /// in post-return when the result is in memory). If no global was given
    /// a heap value, the call's region is dropped (`heap = base`). Otherwise
    /// the globals' heap values are copied to the top of the heap, and the
    /// copies copied again down to the start of the heap, where nothing else
    /// is live; everything else is garbage. This is a copying collection
    /// whose roots are the globals, run only after calls that store into
    /// them, so memory stays bounded by what the globals hold.
    pub(super) fn end_call(ctx: &'a Ctx<'c>, strings: &'a mut Strings) -> Function {
        static NO_FUNCTION: std::sync::OnceLock<ir::Function> = std::sync::OnceLock::new();
        let none = NO_FUNCTION.get_or_init(ir::Function::default);
        let mut g = FuncGen::new(ctx, none, strings);
        let (top, end) = (g.new_local(ValType::I32), g.new_local(ValType::I32));
        let debug = ctx.debug;
        g.out.extend([I::I32Const(0), I::GlobalSet(GLOBAL_ACTIVE)]);
        g.out.extend([I::I32Const(-1), I::GlobalSet(GLOBAL_APPEND_PTR)]);
        // Empty the free lists first: the copies below must be bump
        // allocations, and a reset heap must not hand out blocks above it.
        g.empty_free_lists();
        g.out.extend([I::GlobalGet(GLOBAL_ESCAPED), I::If(BlockType::Empty)]);
        // top = align8(heap), so both copies lay objects out identically.
        g.out.extend([I::GlobalGet(GLOBAL_HEAP), I::I32Const(7), I::I32Add, I::I32Const(-8), I::I32And]);
        g.out.extend([I::LocalTee(top), I::GlobalSet(GLOBAL_HEAP)]);
        g.copy_globals();
        // The live data is [top, heap). If it fits below `top`, copy it down.
        g.out.extend([I::GlobalGet(GLOBAL_HEAP), I::LocalTee(end), I::LocalGet(top), I::I32Sub]);
        g.out.extend([I::LocalGet(top), I::GlobalGet(GLOBAL_START), I::I32Sub, I::I32LeU]);
        g.out.extend([I::If(BlockType::Empty), I::GlobalGet(GLOBAL_START), I::GlobalSet(GLOBAL_HEAP)]);
        g.copy_globals();
        if debug {
            // Everything above the copies is garbage.
            g.poison(|g| g.out.push(I::GlobalGet(GLOBAL_HEAP)), |g| g.out.push(I::LocalGet(end)));
        }
        if debug {
            // Everything below the live data at `top` is garbage.
            g.out.push(I::Else);
            g.poison(|g| g.out.push(I::GlobalGet(GLOBAL_START)), |g| g.out.push(I::LocalGet(top)));
        }
        g.out.push(I::End);
        g.out.extend([
            I::GlobalGet(GLOBAL_HEAP),
            I::GlobalSet(GLOBAL_BASE),
            I::I32Const(0),
            I::GlobalSet(GLOBAL_ESCAPED),
        ]);
        g.out.push(I::Else);
        if debug {
            g.poison(|g| g.out.push(I::GlobalGet(GLOBAL_BASE)), |g| g.out.push(I::GlobalGet(GLOBAL_HEAP)));
        }
        g.out.extend([I::GlobalGet(GLOBAL_BASE), I::GlobalSet(GLOBAL_HEAP), I::End]);
        g.finish()
    }

    /// Empties the allocator's free lists (a heap reset reclaims what they
    /// hold above the new top; what they hold below it stays unused until
    /// the next copying collection).
    pub(super) fn empty_free_lists(&mut self) {
        self.out.extend([I::GlobalGet(GLOBAL_START), I::I32Const(FREE_TABLE as i32), I::I32Sub, I::I32Const(0)]);
        self.out.extend([
            I::I32Const(FREE_TABLE as i32),
            I::MemoryFill(0),
            I::I32Const(0),
            I::GlobalSet(GLOBAL_FREE_MAX),
        ]);
    }

    /// The debugging mode: fills the reclaimed memory `[from, to)` with
    /// `0xDE`, so a value read after it was reclaimed is visibly garbage.
    pub(super) fn poison(&mut self, from: impl Fn(&mut Self), to: impl Fn(&mut Self)) {
        from(self);
        self.out.push(I::I32Const(0xDE));
        to(self);
        from(self);
        self.out.extend([I::I32Sub, I::MemoryFill(0)]);
    }

    /// Replaces the value of every mutable global that holds heap data with
    /// a deep copy allocated on the heap.
    fn copy_globals(&mut self) {
        self.copy_globals_above(Bound::Start);
    }

    /// Replaces the value of every mutable global that holds heap data with
    /// a deep copy of what it holds above `bound`.
    fn copy_globals_above(&mut self, bound: Bound) {
        for (index, global) in self.ctx.module.globals.iter().enumerate() {
            let Some(wit) = global.ty.to_wit() else { continue };
            if !wasm_mutable(global) || !self.ctx.abi.has_heap(&wit) {
                continue;
            }
            let slots = &self.ctx.global_map[index];
            for g in slots {
                self.out.push(I::GlobalGet(*g));
            }
            let values = self.stash(&self.ctx.abi.flat(&wit));
            let copied = self.emit_copy(&wit, &values, bound);
            for (g, v) in slots.iter().zip(copied) {
                self.out.extend([I::LocalGet(v), I::GlobalSet(*g)]);
            }
        }
    }

    /// Deep-copies the value in `values` (flat, of WIT type `ty`): every
    /// string and list buffer above `bound` is copied to newly allocated
    /// memory. Returns the locals holding the copy.
    fn emit_copy(&mut self, ty: &wit_parser::Type, values: &[u32], bound: Bound) -> Vec<u32> {
        use wit_parser::{Type, TypeDefKind};
        let ctx = self.ctx;
        let abi = &ctx.abi;
        if !abi.has_heap(ty) {
            return values.to_vec();
        }
        let buffer = |g: &mut Self, elem: Option<&Type>| {
            let (ptr, len) = (values[0], values[1]);
            let (size, align) = elem.map(|e| abi.size_align(e)).unwrap_or((1, 1));
            let copy = g.new_local(ValType::I32);
            match bound {
                Bound::Start => g.out.extend([I::LocalGet(ptr), I::GlobalGet(GLOBAL_START), I::I32LtU]),
                // A buffer that ends at or below the mark stays; one that
                // reaches above it (a string appended to in place at the
                // heap top) is copied whole.
                Bound::Mark(mark) => g.out.extend([
                    I::LocalGet(ptr),
                    I::LocalGet(len),
                    I::I32Const(size as i32),
                    I::I32Mul,
                    I::I32Add,
                    I::LocalGet(mark),
                    I::I32LeU,
                ]),
            }
            g.out.push(I::If(BlockType::Empty));
            g.out.extend([I::LocalGet(ptr), I::LocalSet(copy), I::Else]);
            g.out.extend([I::LocalGet(len), I::I32Const(size as i32), I::I32Mul, I::I32Const(align as i32)]);
            g.out.extend([I::Call(ctx.helper(Helper::Alloc)), I::LocalTee(copy), I::LocalGet(ptr)]);
            g.out.extend([I::LocalGet(len), I::I32Const(size as i32), I::I32Mul]);
            g.out.push(I::MemoryCopy { src_mem: 0, dst_mem: 0 });
            if let Some(elem) = elem.filter(|e| abi.has_heap(e)) {
                // Copy what each element points to, in place in the new buffer.
                let (i, addr) = (g.new_local(ValType::I32), g.new_local(ValType::I32));
                g.out.extend([I::I32Const(0), I::LocalSet(i), I::Block(BlockType::Empty), I::Loop(BlockType::Empty)]);
                g.out.extend([I::LocalGet(i), I::LocalGet(len), I::I32GeU, I::BrIf(1)]);
                g.out.extend([I::LocalGet(copy), I::LocalGet(i), I::I32Const(size as i32), I::I32Mul, I::I32Add]);
                g.out.push(I::LocalSet(addr));
                abi.emit_load(&mut g.out, &mut g.locals, elem, addr, 0);
                let old = g.stash(&abi.flat(elem));
                let new = g.emit_copy(elem, &old, bound);
                abi.emit_store(&mut g.out, &mut g.locals, elem, addr, 0, &new);
                g.out.extend([I::LocalGet(i), I::I32Const(1), I::I32Add, I::LocalSet(i), I::Br(0), I::End, I::End]);
            }
            g.out.push(I::End);
            vec![copy, len]
        };
        match ty {
            Type::String => buffer(self, None),
            Type::Id(id) => match &abi.resolve.types[*id].kind {
                TypeDefKind::Type(t) => self.emit_copy(t, values, bound),
                TypeDefKind::List(elem) => buffer(self, Some(elem)),
                TypeDefKind::Record(_) | TypeDefKind::Tuple(_) => {
                    let mut out = Vec::new();
                    let mut offset = 0;
                    for field in abi.fields(ty) {
                        let n = abi.flat(&field).len();
                        out.extend(self.emit_copy(&field, &values[offset..offset + n], bound));
                        offset += n;
                    }
                    out
                }
                _ => {
                    // A variant, option or result: copy the payload of the
                    // case it is, if that payload has heap data.
                    for v in values {
                        self.out.push(I::LocalGet(*v));
                    }
                    let out = self.stash(&abi.flat(ty));
                    for (i, payload) in abi.cases(ty).unwrap_or_default().iter().enumerate() {
                        let Some(payload) = payload.filter(|p| abi.has_heap(p)) else { continue };
                        self.out.extend([
                            I::LocalGet(values[0]),
                            I::I32Const(i as i32),
                            I::I32Eq,
                            I::If(BlockType::Empty),
                        ]);
                        abi.emit_case_payload(&mut self.out, ty, i as u32, &values[1..]);
                        let old = self.stash(&abi.case_flat(ty, i as u32));
                        let new = self.emit_copy(&payload, &old, bound);
                        abi.emit_joined_payload(&mut self.out, ty, i as u32, &new);
                        for slot in out[1..].iter().rev() {
                            self.out.push(I::LocalSet(*slot));
                        }
                        self.out.push(I::End);
                    }
                    out
                }
            },
            _ => values.to_vec(),
        }
    }

    /// At the top of an iteration of an evacuating loop: if the heap top
    /// passed the limit, a copying collection of the loop's heap whose
    /// roots are the loop's roots (see `regions`): what they hold above
    /// the mark is copied to the top of the heap, then down to the mark,
    /// and the next limit is the heap top plus twice the live bytes plus
    /// `EVACUATE_MIN`. (The copies have no spare capacity and the append
    /// register is cleared, so the next `push` onto a root list copies it
    /// into a buffer twice its length: with only the live bytes as the
    /// allowance, that copy alone would pass the limit, and a loop that
    /// only pushes would collect on every iteration.) Everything else above the mark is garbage (poisoned
    /// in the debugging mode); the append register is cleared and the free
    /// lists emptied (the copies must be bump allocations, laid out alike).
    ///
    /// Unlike `end_call`, the second copy runs even when the live data does
    /// not fit below the first copies (shared buffers are copied once per
    /// reference, so it can outgrow what was allocated): both copies lay
    /// the same objects out at the same offsets in the same order, from
    /// 8-aligned starts `base <= top`, so object k's destination ends at
    /// `base + end_k <= top + start_(k+1)`, below every source still to be
    /// read, and `memory.copy` allows the overlap within one object.
    pub(super) fn evacuate(&mut self, evacuation: &Evacuation) {
        let Evacuation { mark, limit, .. } = *evacuation;
        let (top, end) = (self.new_local(ValType::I32), self.new_local(ValType::I32));
        self.out.extend([I::GlobalGet(GLOBAL_HEAP), I::LocalGet(limit), I::I32GtU, I::If(BlockType::Empty)]);
        self.empty_free_lists();
        self.out.extend([I::I32Const(-1), I::GlobalSet(GLOBAL_APPEND_PTR)]);
        let align8 = [I::I32Const(7), I::I32Add, I::I32Const(-8), I::I32And];
        self.out.push(I::GlobalGet(GLOBAL_HEAP));
        self.out.extend(align8.clone());
        self.out.extend([I::LocalTee(top), I::GlobalSet(GLOBAL_HEAP)]);
        // The copy code runs twice (one copy of it keeps the module small):
        // with `end == 0`, to the top; then, with the live data in
        // [top, end), down to the 8-aligned mark.
        self.out.extend([I::I32Const(0), I::LocalSet(end), I::Loop(BlockType::Empty)]);
        self.copy_roots(evacuation);
        self.out.extend([I::LocalGet(end), I::I32Eqz, I::If(BlockType::Empty)]);
        self.out.extend([I::GlobalGet(GLOBAL_HEAP), I::LocalSet(end), I::LocalGet(mark)]);
        self.out.extend(align8);
        self.out.extend([I::GlobalSet(GLOBAL_HEAP), I::Br(1), I::End, I::End]);
        if self.ctx.debug {
            // Everything above the copies is garbage.
            self.poison(|g| g.out.push(I::GlobalGet(GLOBAL_HEAP)), |g| g.out.push(I::LocalGet(end)));
        }
        // limit = heap + 2 * (end - top) + EVACUATE_MIN
        self.out.extend([I::GlobalGet(GLOBAL_HEAP), I::LocalGet(end), I::LocalGet(top), I::I32Sub, I::I32Const(1)]);
        self.out.extend([I::I32Shl, I::I32Add, I::I32Const(EVACUATE_MIN), I::I32Add, I::LocalSet(limit), I::End]);
    }

    /// Replaces the value of each root of an evacuating loop with a deep
    /// copy of what it holds above the loop's mark.
    fn copy_roots(&mut self, evacuation: &Evacuation) {
        let bound = Bound::Mark(evacuation.mark);
        for root in &evacuation.roots {
            let Some(wit) = self.func.local(*root).ty.to_wit() else { continue };
            let slots: Vec<u32> = self.local_map[root.index()].clone().collect();
            let copied = self.emit_copy(&wit, &slots, bound);
            for (slot, v) in slots.into_iter().zip(copied) {
                if slot != v {
                    self.out.extend([I::LocalGet(v), I::LocalSet(slot)]);
                }
            }
        }
        if evacuation.globals {
            self.copy_globals_above(bound);
        }
    }
}
