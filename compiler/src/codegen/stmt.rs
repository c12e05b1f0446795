//! Statements: `let` and assignment (dropping an owned old value), loops
//! and their branch targets, `for` over a range and over a list, `break`,
//! `continue` and `return`.

use super::*;
use crate::ir::{Place, Stmt};

impl FuncGen<'_, '_> {
    /// Emits a block of statements.
    pub(super) fn stmts(&mut self, stmts: &[Stmt]) {
        for s in stmts {
            self.stmt(s);
        }
    }

    fn stmt(&mut self, stmt: &Stmt) {
        crate::stack::grow(|| self.stmt_inner(stmt))
    }

    fn stmt_inner(&mut self, stmt: &Stmt) {
        match stmt {
            Stmt::Let(local, value) => {
                self.expr(*value);
                self.set_local(*local);
                if let Some(owned) = self.func.local(*local).owned {
                    self.out.push(I::I32Const(1));
                    self.set_local(owned.flag);
                }
                if let Some(flag) = self.owned_lists.get(local) {
                    // A new value: its buffer may be shared.
                    self.out.extend([I::I32Const(0), I::LocalSet(*flag)]);
                }
            }
            Stmt::Assign(Place::Local(local), value) if self.func.local(*local).owned.is_some() => {
                // The old value is dropped once the new one is ready.
                let value = self.spill(*value);
                self.drop_locals(&[*local]);
                for v in value {
                    self.out.push(I::LocalGet(v));
                }
                self.set_local(*local);
                if let Some(owned) = self.func.local(*local).owned {
                    self.out.push(I::I32Const(1));
                    self.set_local(owned.flag);
                }
            }
            Stmt::Assign(place, value) => {
                self.expr(*value);
                self.set_place(*place);
                if let Place::Local(local) = place
                    && let Some(flag) = self.owned_lists.get(local)
                {
                    // An update leaves the local owning its buffer (it
                    // copied, or the buffer was already owned); any other
                    // value may share its buffer.
                    let owned = self.in_place_sets.contains_key(value);
                    self.out.extend([I::I32Const(owned as i32), I::LocalSet(*flag)]);
                }
            }
            Stmt::DropLocals(locals) => self.drop_locals(locals),
            Stmt::Expr(e) => {
                self.expr(*e);
                for _ in self.ctx.abi.flat_ty(self.ty(*e)) {
                    self.out.push(I::Drop);
                }
            }
            Stmt::If { cond, then, otherwise } => {
                self.expr(*cond);
                self.out.push(I::If(BlockType::Empty));
                self.frames.push(Frame::Other);
                self.stmts(then);
                if !otherwise.is_empty() {
                    self.out.push(I::Else);
                    self.stmts(otherwise);
                }
                self.frames.pop();
                self.out.push(I::End);
            }
            Stmt::While { cond, body } => {
                let heap = self.loop_heap(Some(*cond), body);
                self.out.push(I::Block(BlockType::Empty));
                self.frames.push(Frame::Break);
                self.out.push(I::Loop(BlockType::Empty));
                self.frames.push(Frame::Continue);
                self.iteration_start(&heap, false);
                self.expr(*cond);
                self.out.extend([I::I32Eqz, I::BrIf(1)]);
                self.stmts(body);
                self.out.extend([I::Br(0), I::End, I::End]);
                self.frames.truncate(self.frames.len() - 2);
                self.iteration_start(&heap, true);
            }
            Stmt::Loop(body) => {
                let heap = self.loop_heap(None, body);
                self.out.push(I::Block(BlockType::Empty));
                self.frames.push(Frame::Break);
                self.out.push(I::Loop(BlockType::Empty));
                self.frames.push(Frame::Continue);
                self.iteration_start(&heap, false);
                self.stmts(body);
                self.out.extend([I::Br(0), I::End, I::End]);
                self.frames.truncate(self.frames.len() - 2);
                self.iteration_start(&heap, true);
            }
            Stmt::For { var, end_local, start, end, body } => {
                let ty = self.func.local(*var).ty;
                self.expr(*start);
                self.set_local(*var);
                self.expr(*end);
                self.set_local(*end_local);
                let var_local = self.local_map[var.index()].start;
                let end_wasm = self.local_map[end_local.index()].start;
                let is64 = matches!(ty, Ty::S64 | Ty::U64);
                let heap = self.loop_heap(None, body);
                self.out.push(I::Block(BlockType::Empty));
                self.frames.push(Frame::Break);
                self.out.push(I::Loop(BlockType::Empty));
                self.frames.push(Frame::Other);
                self.iteration_start(&heap, false);
                self.out.extend([I::LocalGet(var_local), I::LocalGet(end_wasm)]);
                self.out.push(match (is64, ty.is_signed()) {
                    (false, true) => I::I32GeS,
                    (false, false) => I::I32GeU,
                    (true, true) => I::I64GeS,
                    (true, false) => I::I64GeU,
                });
                self.out.push(I::BrIf(1));
                self.out.push(I::Block(BlockType::Empty));
                self.frames.push(Frame::Continue);
                self.stmts(body);
                self.out.push(I::End);
                self.frames.pop();
                self.out.push(I::LocalGet(var_local));
                self.out.extend(if is64 { [I::I64Const(1), I::I64Add] } else { [I::I32Const(1), I::I32Add] });
                self.out.push(I::LocalSet(var_local));
                self.out.extend([I::Br(0), I::End, I::End]);
                self.frames.truncate(self.frames.len() - 2);
                self.iteration_start(&heap, true);
            }
            Stmt::ForEach { var, list_local, index, list, body } => {
                let elem = self.ty(*list).to_wit().and_then(|t| self.ctx.abi.list_element(&t));
                let elem = elem.unwrap_or(wit_parser::Type::Bool);
                let (size, _) = self.ctx.abi.size_align(&elem);
                self.expr(*list);
                self.set_local(*list_local);
                let ptr = self.local_map[list_local.index()].start;
                let len = ptr + 1;
                let i = self.local_map[index.index()].start;
                let addr = self.new_local(ValType::I32);
                self.out.extend([I::I32Const(0), I::LocalSet(i)]);
                let heap = self.loop_heap(None, body);
                self.out.push(I::Block(BlockType::Empty));
                self.frames.push(Frame::Break);
                self.out.push(I::Loop(BlockType::Empty));
                self.frames.push(Frame::Other);
                self.iteration_start(&heap, false);
                self.out.extend([I::LocalGet(i), I::LocalGet(len), I::I32GeU, I::BrIf(1)]);
                self.out.push(I::Block(BlockType::Empty));
                self.frames.push(Frame::Continue);
                self.out.extend([
                    I::LocalGet(ptr),
                    I::LocalGet(i),
                    I::I32Const(size as i32),
                    I::I32Mul,
                    I::I32Add,
                    I::LocalSet(addr),
                ]);
                self.ctx.abi.emit_load(&mut self.out, &mut self.locals, &elem, addr, 0);
                self.set_local(*var);
                self.stmts(body);
                self.out.push(I::End);
                self.frames.pop();
                self.out.extend([I::LocalGet(i), I::I32Const(1), I::I32Add, I::LocalSet(i)]);
                self.out.extend([I::Br(0), I::End, I::End]);
                self.frames.truncate(self.frames.len() - 2);
                self.iteration_start(&heap, true);
            }
            Stmt::Block(body) => self.stmts(body),
            Stmt::Break => self.out.push(I::Br(self.branch_depth(Frame::Break))),
            Stmt::Continue => self.out.push(I::Br(self.branch_depth(Frame::Continue))),
            Stmt::Return(value) => {
                if let Some(v) = value {
                    self.expr(*v);
                }
                self.out.push(I::Return);
            }
        }
    }
}
