//! One Claw function's body: building a [`FuncGen`] (the function's wasm
//! locals), finishing it, and what every statement and expression uses:
//! temporaries, locals and places (local or global), drops of owning locals
//! and branch depths.

use super::*;
use crate::ir::{ExprId, LocalId, Place};
use wasm_encoder::Encode;

/// The buffers of a [`FuncGen`]: kept (emptied) between the functions
/// generated on a thread, so that each does not allocate and grow its own.
#[derive(Default)]
struct Scratch {
    out: Code,
    local_map: Vec<std::ops::Range<u32>>,
    types: Vec<ValType>,
    frames: Vec<Frame>,
}

thread_local! {
    static SCRATCH: std::cell::Cell<Scratch> = std::cell::Cell::new(Scratch::default());
}

/// Appends a function body (a code section entry without its length
/// prefix) to `bytes`: the declarations of the locals `types` (consecutive
/// locals of one type in one group, as [`Function::new_with_locals_types`]
/// groups them), then the instructions `code`, which end with `end`.
pub(super) fn encode_body(types: &[ValType], code: &Code, bytes: &mut Vec<u8>) {
    let groups = types.chunk_by(|a, b| a == b).count() as u32;
    groups.encode(bytes);
    for run in types.chunk_by(|a, b| a == b) {
        (run.len() as u32).encode(bytes);
        run[0].encode(bytes);
    }
    bytes.extend_from_slice(code.bytes());
}

impl<'a, 'c> FuncGen<'a, 'c> {
    /// A generator for `func`'s body: its parameters are the first wasm
    /// locals, then one or more locals per IR local.
    pub(super) fn new(ctx: &'a Ctx<'c>, func: &'a ir::Function, strings: &'a mut Strings) -> Self {
        let Scratch { out, local_map, types, frames } = SCRATCH.take();
        let mut generator = FuncGen {
            ctx,
            func,
            strings,
            local_map,
            locals: Locals { base: 0, types },
            frames,
            out,
            owned_lists: Default::default(),
            in_place_sets: Default::default(),
        };
        generator.local_map.reserve(func.locals.len());
        // The parameters' flat types go to `types` to be counted, then the
        // locals' replace them.
        let types = &mut generator.locals.types;
        for p in &func.params {
            let first = types.len() as u32;
            ctx.abi.push_flat_ty(func.local(*p).ty, types);
            generator.local_map.push(first..types.len() as u32);
        }
        generator.locals.base = types.len() as u32;
        types.clear();
        for local in &func.locals[func.params.len()..] {
            // One IR local's wasm locals are consecutive.
            let first = generator.locals.base + types.len() as u32;
            ctx.abi.push_flat_ty(local.ty, types);
            generator.local_map.push(first..generator.locals.base + types.len() as u32);
        }
        let (lists, sets) = inplace::in_place_lists(func);
        for local in lists {
            let flag = generator.new_local(ValType::I32);
            generator.owned_lists.insert(local, flag);
        }
        generator.in_place_sets = sets;
        generator
    }

    /// A fresh wasm local of type `ty`.
    pub(super) fn new_local(&mut self, ty: ValType) -> u32 {
        self.locals.add(ty)
    }

    /// The whole body of a Claw function, appended to `bytes` (see
    /// [`FuncGen::finish_into`]).
    pub(super) fn generate(mut self, bytes: &mut Vec<u8>) {
        // Owned parameters belong to the callee (canonical ABI): set their flags.
        for p in &self.func.params {
            if let Some(owned) = self.func.local(*p).owned {
                self.out.push(I::I32Const(1));
                self.set_local(owned.flag);
            }
        }
        let body = &self.func.body;
        self.stmts(body);
        if self.func.result.is_some() {
            self.out.push(I::Unreachable);
        }
        self.finish_into(bytes);
    }

    /// Ends the body and builds the function.
    pub(super) fn finish(mut self) -> Function {
        self.out.push(I::End);
        let mut f = Function::new_with_locals_types(self.locals.types.iter().copied());
        f.raw(self.out.bytes().iter().copied());
        self.recycle();
        f
    }

    /// Ends the body and appends it to `bytes` (without the length prefix
    /// of a code section entry: [`CodeSection::raw`] adds it), encoded as
    /// [`FuncGen::finish`] would (consecutive locals of one type in one group).
    pub(super) fn finish_into(mut self, bytes: &mut Vec<u8>) {
        self.out.push(I::End);
        encode_body(&self.locals.types, &self.out, bytes);
        self.recycle();
    }

    /// Gives the buffers back, emptied, for the next function generated on
    /// this thread.
    fn recycle(&mut self) {
        use std::mem::take;
        let mut scratch = Scratch {
            out: take(&mut self.out),
            local_map: take(&mut self.local_map),
            types: take(&mut self.locals.types),
            frames: take(&mut self.frames),
        };
        scratch.out.clear();
        scratch.local_map.clear();
        scratch.types.clear();
        scratch.frames.clear();
        SCRATCH.set(scratch);
    }

    /// The type of an expression.
    pub(super) fn ty(&self, id: ExprId) -> Ty {
        self.func.expr(id).ty
    }

    /// Fresh locals for the flat values of `ty`.
    pub(super) fn temps_for(&mut self, ty: Ty) -> Vec<u32> {
        self.ctx.abi.flat_ty(ty).into_iter().map(|t| self.new_local(t)).collect()
    }

    /// Pops values of these types off the stack into fresh locals.
    pub(super) fn stash(&mut self, types: &[ValType]) -> Vec<u32> {
        let temps: Vec<u32> = types.iter().map(|t| self.new_local(*t)).collect();
        for t in temps.iter().rev() {
            self.out.push(I::LocalSet(*t));
        }
        temps
    }

    /// Evaluates `value` into fresh locals, one per flat value, and returns them.
    pub(super) fn spill(&mut self, value: ExprId) -> Vec<u32> {
        self.expr(value);
        let temps = self.temps_for(self.ty(value));
        for t in temps.iter().rev() {
            self.out.push(I::LocalSet(*t));
        }
        temps
    }

    /// Pops a value into an IR local's wasm locals.
    pub(super) fn set_local(&mut self, local: LocalId) {
        for l in self.local_map[local.index()].clone().rev() {
            self.out.push(I::LocalSet(l));
        }
    }

    /// Drops each owning local whose drop flag is set, and clears the flag.
    pub(super) fn drop_locals(&mut self, locals: &[LocalId]) {
        for local in locals {
            let Some(owned) = self.func.local(*local).owned else { continue };
            let flag = self.local_map[owned.flag.index()].start;
            self.out.extend([I::LocalGet(flag), I::If(BlockType::Empty)]);
            for w in self.local_map[local.index()].clone() {
                self.out.push(I::LocalGet(w));
            }
            let callee = match owned.drop {
                Callee::Func(f) => self.ctx.func_base + f.0,
                Callee::Import(i) => i.0,
            };
            self.out.extend([I::Call(callee), I::I32Const(0), I::LocalSet(flag), I::End]);
        }
    }

    /// Pops a value into a local or global.
    pub(super) fn set_place(&mut self, place: Place) {
        match place {
            Place::Local(local) => self.set_local(local),
            Place::Global(global) => {
                for g in self.ctx.global_map[global.index()].iter().rev() {
                    self.out.push(I::GlobalSet(*g));
                }
                let ty = self.ctx.module.globals[global.index()].ty;
                if ty.to_wit().is_some_and(|t| self.ctx.abi.has_heap(&t)) {
                    // The value may live in this call's heap region: `end_call`
                    // must copy it out.
                    self.out.extend([I::I32Const(1), I::GlobalSet(GLOBAL_ESCAPED)]);
                }
            }
        }
    }

    /// Pushes the value of a local or global.
    pub(super) fn get_place(&mut self, place: Place) {
        match place {
            Place::Local(local) => {
                for w in self.local_map[local.index()].clone() {
                    self.out.push(I::LocalGet(w));
                }
            }
            Place::Global(global) => {
                for w in &self.ctx.global_map[global.index()] {
                    self.out.push(I::GlobalGet(*w));
                }
            }
        }
    }

    /// The type of a local or global.
    pub(super) fn place_ty(&self, place: Place) -> Ty {
        match place {
            Place::Local(local) => self.func.local(local).ty,
            Place::Global(global) => self.ctx.module.globals[global.index()].ty,
        }
    }

    /// The depth of the innermost frame of `kind`, for `br`.
    pub(super) fn branch_depth(&self, kind: Frame) -> u32 {
        let position = self.frames.iter().rposition(|f| *f == kind).unwrap_or(0);
        (self.frames.len() - 1 - position) as u32
    }
}
