//! The canonical ABI at the component's boundary: the core signature of
//! each import and the lowering of arguments at a call to one; the export
//! wrapper of each exported function (lift the parameters, call, lower the
//! result, end the call's heap region), the post-return functions, and the
//! destructors of the resources the file defines.

use super::func::encode_body;
use super::operators::emit_wrap;
use super::*;

/// The core signature of an imported function after canonical ABI lowering.
pub(super) fn lowered_import_signature(abi: &Abi, import: &ir::ImportFunc) -> (Vec<ValType>, Vec<ValType>) {
    let mut params: Vec<ValType> = import.params.iter().flat_map(|(_, t)| abi.flat_ty(*t)).collect();
    if params.len() > MAX_FLAT_PARAMS {
        params = vec![ValType::I32];
    }
    let mut results = import.result.map(|t| abi.flat_ty(t)).unwrap_or_default();
    if results.len() > MAX_FLAT_RESULTS {
        params.push(ValType::I32);
        results = vec![];
    }
    (params, results)
}

/// The core signature of an export wrapper, in buffers reused from one
/// wrapper to the next.
#[derive(Default)]
pub(super) struct WrapperSignature {
    /// The core parameter types.
    pub(super) params: Vec<ValType>,
    /// The core result types.
    pub(super) results: Vec<ValType>,
    /// Is the core signature the Claw function's own (no parameters
    /// spilled to memory, no result returned through it)?
    pub(super) own: bool,
    /// How many flat values each parameter of the Claw function has.
    counts: Vec<u32>,
}

/// Builds the export wrapper of `func`: lifts parameters per the canonical
/// ABI, calls the Claw function, lowers the result, and ends the call's heap
/// region. Sets `sig` to its core signature, appends its body to `bytes`
/// (as [`FuncGen::finish_into`] does, using `out` as its instruction
/// buffer) and returns whether it needs a post-return function.
pub(super) fn export_wrapper(
    ctx: &Ctx,
    func: &ir::Function,
    target: u32,
    sig: &mut WrapperSignature,
    out: &mut Code,
    bytes: &mut Vec<u8>,
) -> bool {
    let abi = &ctx.abi;
    let param_types = func.params.iter().map(|l| func.local(*l).ty);
    let WrapperSignature { params, results, own, counts } = sig;
    params.clear();
    results.clear();
    counts.clear();
    for ty in param_types.clone() {
        let before = params.len();
        abi.push_flat_ty(ty, params);
        counts.push((params.len() - before) as u32);
    }
    if let Some(ty) = func.result {
        abi.push_flat_ty(ty, results);
    }
    let spilled_params = params.len() > MAX_FLAT_PARAMS;
    if spilled_params {
        *params = vec![ValType::I32];
    }
    let mut locals = Locals { base: params.len() as u32, types: Vec::new() };
    // `results` holds the flat results until the body is built.
    let result_in_memory = results.len() > MAX_FLAT_RESULTS;
    *own = !spilled_params && !result_in_memory;

    out.clear();
    out.extend([I::I32Const(1), I::GlobalSet(GLOBAL_ACTIVE)]);
    if spilled_params {
        let wit: Vec<wit_parser::Type> = param_types.clone().filter_map(|t| t.to_wit()).collect();
        let (offsets, _, _) = abi.record_layout(&wit);
        for ((ty, wit), offset) in param_types.zip(&wit).zip(offsets) {
            abi.emit_load(out, &mut locals, wit, 0, offset);
            emit_wrap(out, ty);
            if ty == Ty::Bool {
                out.extend([I::I32Const(0), I::I32Ne]);
            }
        }
    } else {
        // Each parameter's flat values, in order.
        let mut index = 0;
        for (ty, count) in param_types.zip(counts.iter()) {
            let start = index;
            index += count;
            for local in start..index {
                out.push(I::LocalGet(local));
            }
            emit_wrap(out, ty);
            if ty == Ty::Bool {
                out.extend([I::I32Const(0), I::I32Ne]);
            }
        }
    }
    out.push(I::Call(target));
    if let Some(retire) = ctx.module.retire {
        // Results stay on the stack below: `retire` takes and leaves nothing.
        out.push(I::Call(ctx.func_base + retire.0));
    }
    if result_in_memory {
        let ty = func.result.and_then(Ty::to_wit).unwrap_or(wit_parser::Type::Bool);
        let value_locals: Vec<u32> = results.iter().map(|t| locals.add(*t)).collect();
        for l in value_locals.iter().rev() {
            out.push(I::LocalSet(*l));
        }
        let area = locals.add(ValType::I32);
        let (size, align) = abi.size_align(&ty);
        out.extend([
            I::I32Const(size as i32),
            I::I32Const(align as i32),
            I::Call(ctx.helper(Helper::Alloc)),
            I::LocalSet(area),
        ]);
        abi.emit_store(out, &mut locals, &ty, area, 0, &value_locals);
        out.push(I::LocalGet(area));
    } else {
        out.push(I::Call(ctx.helper(Helper::EndCall)));
    }
    out.push(I::End);
    encode_body(&locals.types, out, bytes);
    if result_in_memory {
        *results = vec![ValType::I32];
    }
    result_in_memory
}

/// The post-return function of an export whose result is in memory,
/// `(i32) -> ()`: it ends the call's heap region, which the wrapper left
/// open so that the caller could read the result.
pub(super) fn post_return(ctx: &Ctx) -> Function {
    let mut f = Function::new([]);
    f.instruction(&I::Call(ctx.helper(Helper::EndCall)));
    f.instruction(&I::End);
    f
}

/// The core destructor of a resource the file defines, `(rep: i32) -> ()`:
/// run inside a call (this component dropped a handle), it just frees the
/// instance; run on its own (the host dropped it), it also ends its heap
/// region.
pub(super) fn resource_dtor(ctx: &Ctx, resource: &ir::Resource) -> Function {
    let mut f = Function::new([]);
    let dtor = ctx.func_base + resource.dtor.0;
    for i in [
        I::GlobalGet(GLOBAL_ACTIVE),
        I::If(BlockType::Empty),
        I::LocalGet(0),
        I::Call(dtor),
        I::Else,
        I::I32Const(1),
        I::GlobalSet(GLOBAL_ACTIVE),
        I::LocalGet(0),
        I::Call(dtor),
    ] {
        f.instruction(&i);
    }
    if let Some(retire) = ctx.module.retire {
        f.instruction(&I::Call(ctx.func_base + retire.0));
    }
    for i in [I::Call(ctx.helper(Helper::EndCall)), I::End, I::End] {
        f.instruction(&i);
    }
    f
}

impl FuncGen<'_, '_> {
    /// Calls an import, lowering arguments and lifting the result per the canonical ABI.
    pub(super) fn import_call(&mut self, index: usize, args: &[ExprId]) {
        let import = &self.ctx.module.imports[index];
        let param_types: Vec<Ty> = import.params.iter().map(|(_, t)| *t).collect();
        let flat_count: usize = param_types.iter().map(|t| self.ctx.abi.flat_ty(*t).len()).sum();
        if flat_count > MAX_FLAT_PARAMS {
            // Spill the arguments into a caller-allocated tuple.
            let values: Vec<Vec<u32>> = args.iter().map(|a| self.spill(*a)).collect();
            let wit: Vec<wit_parser::Type> = param_types.iter().filter_map(|t| t.to_wit()).collect();
            let (offsets, size, align) = self.ctx.abi.record_layout(&wit);
            let area = self.new_local(ValType::I32);
            self.out.extend([
                I::I32Const(size as i32),
                I::I32Const(align as i32),
                I::Call(self.ctx.helper(Helper::Alloc)),
                I::LocalSet(area),
            ]);
            for ((ty, offset), value) in wit.iter().zip(offsets).zip(&values) {
                self.ctx.abi.emit_store(&mut self.out, &mut self.locals, ty, area, offset, value);
            }
            self.out.push(I::LocalGet(area));
        } else {
            for a in args {
                self.expr(*a);
            }
        }
        let result = import.result.unwrap_or(Ty::Unit);
        if self.ctx.abi.flat_ty(result).len() > MAX_FLAT_RESULTS {
            let wit = result.to_wit().unwrap_or(wit_parser::Type::Bool);
            let (size, align) = self.ctx.abi.size_align(&wit);
            let area = self.new_local(ValType::I32);
            self.out.extend([
                I::I32Const(size as i32),
                I::I32Const(align as i32),
                I::Call(self.ctx.helper(Helper::Alloc)),
                I::LocalTee(area),
                I::Call(index as u32),
            ]);
            self.ctx.abi.emit_load(&mut self.out, &mut self.locals, &wit, area, 0);
        } else {
            self.out.push(I::Call(index as u32));
            emit_wrap(&mut self.out, result);
            if result == Ty::Bool {
                self.out.extend([I::I32Const(0), I::I32Ne]);
            }
        }
    }
}
