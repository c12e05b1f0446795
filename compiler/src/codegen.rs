//! Code generation: [`ir::Module`] to a core WebAssembly module that follows
//! the Component Model's canonical ABI, built with `wasm-encoder`.
//!
//! # Layout of the generated module
//! - Function index space: the imports (one per imported function, lowered
//!   by the canonical ABI), then the runtime helpers ([`Helper`]), then one
//!   function per Claw function (internal calling convention: flat values,
//!   multi-value results), then one export wrapper per exported function
//!   (lifting: `MAX_FLAT_PARAMS` / `MAX_FLAT_RESULTS`, return areas), then
//!   the post-return functions.
//! - Core names follow the standard scheme ([`NAME_PREFIX`]): exports
//!   `cm32p2||name` and `cm32p2||name_post`, `cm32p2_memory`,
//!   `cm32p2_realloc`; imports from module `cm32p2` (world-level) or
//!   `cm32p2|ns:pkg/iface@v`.
//! - One linear memory; string literals live in an
//!   active data segment at [`DATA_START`]; the heap follows them.
//! - The realloc function is a bump allocator.
//!
//! # Memory
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
//! Within one call nothing is freed, except that concatenating onto the
//! newest allocation appends in place (`s = s + x` in a loop is linear).
//! Reference counting would free garbage inside a call too; see
//! ARCHITECTURE.md.
//!
//! # Integers
//! `s8`, `u8`, `s16` and `u16` live in `i32`s, always normalised
//! (sign-extended for signed, zero-extended for unsigned): arithmetic wraps
//! by re-normalising after each operation, so comparisons and division
//! can use the `i32` instructions directly.

use crate::abi::{Abi, Locals};
use crate::ast::{BinaryOp, UnaryOp};
use crate::ir::{self, Builtin, Callee, Const, ExprId, ExprKind, LocalId, Place, Stmt};
use crate::types::Ty;
use std::collections::HashMap;
use wasm_encoder::{
    BlockType, CodeSection, ConstExpr, DataSection, EntityType, ExportKind, ExportSection, Function, FunctionSection,
    GlobalSection, GlobalType, ImportSection, Instruction as I, MemArg, MemorySection, MemoryType, Module, TypeSection,
    ValType,
};
use wit_parser::Resolve;

/// The canonical ABI's limit on flat parameters before they spill to memory.
pub const MAX_FLAT_PARAMS: usize = 16;
/// The canonical ABI's limit on flat results before they are returned through memory.
pub const MAX_FLAT_RESULTS: usize = 1;
/// Where string literals start in linear memory; address 0 stays unused so no
/// valid pointer is null.
pub const DATA_START: u32 = 16;
const PAGE_SIZE: u32 = 65536;

/// Runtime helper functions emitted into every module.
#[derive(Clone, Copy)]
enum Helper {
    /// `(size, align) -> ptr`
    Alloc = 0,
    /// `cabi_realloc(old_ptr, old_size, align, new_size) -> ptr`
    Realloc,
    /// `(p1, l1, p2, l2) -> (p, l)`
    Concat,
    /// `(p1, l1, p2, l2) -> i32`
    StrEq,
    /// `() -> ()`: resets the per-call heap region (see the module docs).
    EndCall,
    /// `(a, b, n) -> i32`: are the `n` bytes at `a` and `b` equal?
    MemEq,
    /// `(p1, l1, p2, l2) -> i32`: does the first string start with the second?
    StartsWith,
    /// `(p1, l1, p2, l2) -> i32`: does the first string end with the second?
    EndsWith,
    /// `(p1, l1, p2, l2, from) -> i32`: the first byte offset at or after
    /// `from` where the second string occurs in the first, or -1.
    IndexOf,
    /// `(ptr, len, size, align) -> ptr`: makes room for one more element
    /// after a list (see [`GLOBAL_APPEND_PTR`]).
    ListReserve,
    /// `(ptr, len) -> i32`: are the bytes valid UTF-8 (no overlong forms,
    /// surrogates or code points past U+10FFFF)?
    Utf8Valid,
}
const HELPER_COUNT: u32 = 11;

const GLOBAL_HEAP: u32 = 0;
const GLOBAL_BASE: u32 = 1;
const GLOBAL_ESCAPED: u32 = 2;
/// Immutable: where the heap starts (after the data segment). Memory below
/// it is static and never copied or freed.
const GLOBAL_START: u32 = 3;
/// The append register: the list `(GLOBAL_APPEND_PTR, GLOBAL_APPEND_LEN)`
/// owns spare capacity up to `GLOBAL_APPEND_END`. `push` onto exactly that
/// list value writes into the spare capacity; onto anything else it copies
/// the list into a buffer twice as large and moves the register there. Only
/// the longest view of a buffer can append, so copies of a list taken before
/// a push never see the change, and a loop of pushes is amortised O(1).
/// `end_call` clears the register (`ptr = -1`, never a valid address).
const GLOBAL_APPEND_PTR: u32 = 4;
const GLOBAL_APPEND_LEN: u32 = 5;
const GLOBAL_APPEND_END: u32 = 6;
/// 1 while an export call runs (set by its wrapper, cleared by `end_call`).
/// A resource destructor runs either inside a call (this component dropped
/// its own handle) or on its own (the host dropped one); only on its own
/// does it end a heap region.
const GLOBAL_ACTIVE: u32 = 7;
const RESERVED_GLOBALS: u32 = 8;

fn align_to(offset: u32, align: u32) -> u32 {
    offset.div_ceil(align) * align
}

fn memarg(offset: u32, align_log2: u32) -> MemArg {
    MemArg { offset: offset as u64, align: align_log2, memory_index: 0 }
}

/// The generated core module and the names wit-component needs.
pub struct CoreModule {
    /// The module's bytes.
    pub bytes: Vec<u8>,
}

/// Interned string literals laid out in the data segment.
#[derive(Default)]
struct Strings {
    data: Vec<u8>,
    offsets: HashMap<String, u32>,
}

impl Strings {
    fn intern(&mut self, s: &str) -> (u32, u32) {
        if let Some(offset) = self.offsets.get(s) {
            return (*offset, s.len() as u32);
        }
        let offset = DATA_START + self.data.len() as u32;
        self.data.extend_from_slice(s.as_bytes());
        self.offsets.insert(s.to_string(), offset);
        (offset, s.len() as u32)
    }
}

/// Deduplicated function types.
#[derive(Default)]
struct Types {
    section: TypeSection,
    map: HashMap<(Vec<ValType>, Vec<ValType>), u32>,
}

impl Types {
    fn func(&mut self, params: Vec<ValType>, results: Vec<ValType>) -> u32 {
        let next = self.map.len() as u32;
        *self.map.entry((params.clone(), results.clone())).or_insert_with(|| {
            self.section.ty().function(params, results);
            next
        })
    }
}

/// The core signature of an imported function after canonical ABI lowering.
fn lowered_import_signature(abi: &Abi, import: &ir::ImportFunc) -> (Vec<ValType>, Vec<ValType>) {
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

/// The prefix of the Component Model's standard core-module naming scheme
/// for 32-bit memories and the 0.2 ABI (component-model#378), which
/// wit-component matches without scanning every export.
pub const NAME_PREFIX: &str = "cm32p2";

/// The core module name under which wit-component expects an import:
/// `cm32p2` for world-level functions, `cm32p2|ns:pkg/iface@v` (with the
/// canonicalized version) for functions of an interface.
/// The intrinsics of a resource the file exports come from
/// `cm32p2|_ex_ns:pkg/iface@v`.
pub fn import_module_name(resolve: &Resolve, import: &ir::ImportFunc) -> String {
    if let Some(interface) = &import.of_export {
        return format!("{NAME_PREFIX}|_ex_{interface}");
    }
    match import.interface {
        Some(id) => format!("{NAME_PREFIX}|{}", resolve.canonicalized_id_of(id).unwrap_or_default()),
        None => NAME_PREFIX.to_string(),
    }
}

/// The core export name of the world-level function `name`.
pub fn export_name(name: &str) -> String {
    format!("{NAME_PREFIX}||{name}")
}

/// The core export name of an exported function: [`export_name`] for a
/// world-level function, `cm32p2|ns:pkg/iface@v|name` (the interface's
/// canonicalized id) for a function of an exported interface, and
/// `cm32p2|iface-name|name` for one of an inline interface.
pub fn func_export_name(resolve: &Resolve, func: &ir::Function) -> String {
    let iface = match &func.inline_interface {
        Some(name) => Some(name.clone()),
        None => func.interface.and_then(|id| resolve.canonicalized_id_of(id)),
    };
    match iface {
        Some(iface) => format!("{NAME_PREFIX}|{iface}|{}", func.name),
        None => export_name(&func.name),
    }
}

/// Generates the core module for a checked, error-free module.
pub fn generate(module: &ir::Module, resolve: &Resolve) -> CoreModule {
    let abi = Abi::new(resolve);
    let mut types = Types::default();
    let mut strings = Strings::default();
    let mut imports = ImportSection::new();
    let mut functions = FunctionSection::new();
    let mut code = CodeSection::new();
    let mut exports = ExportSection::new();

    let import_count = module.imports.len() as u32;
    for import in &module.imports {
        let (params, results) = lowered_import_signature(&abi, import);
        let ty = types.func(params, results);
        imports.import(&import_module_name(resolve, import), &import.name, EntityType::Function(ty));
    }
    let helper_base = import_count;
    let func_base = helper_base + HELPER_COUNT;
    let exported: Vec<usize> = (0..module.funcs.len()).filter(|i| module.funcs[*i].exported).collect();
    let wrapper_base = func_base + module.funcs.len() as u32;
    let post_base = wrapper_base + exported.len() as u32;

    // Globals: three reserved, then each Claw global's flat values.
    let mut global_map = Vec::new();
    let mut next_global = RESERVED_GLOBALS;
    for g in &module.globals {
        let n = abi.flat_ty(g.ty).len() as u32;
        global_map.push((next_global..next_global + n).collect::<Vec<_>>());
        next_global += n;
    }

    let ctx = Ctx { abi, module, helper_base, func_base, global_map: &global_map };

    // Helpers.
    let end_call = FuncGen::end_call(&ctx, &mut strings);
    emit_helpers(&mut types, &mut functions, &mut code, helper_base, end_call);

    // Claw functions.
    for func in &module.funcs {
        let params: Vec<ValType> = func.params.iter().flat_map(|l| ctx.abi.flat_ty(func.local(*l).ty)).collect();
        let results = func.result.map(|t| ctx.abi.flat_ty(t)).unwrap_or_default();
        functions.function(types.func(params, results));
        let body = FuncGen::new(&ctx, func, &mut strings).generate();
        code.function(&body);
    }

    // Export wrappers and post-return functions.
    let mut post_returns = Vec::new();
    for (n, index) in exported.iter().enumerate() {
        let func = &module.funcs[*index];
        let wrapper_index = wrapper_base + n as u32;
        let (params, results, body, needs_post) = export_wrapper(&ctx, func, func_base + *index as u32);
        functions.function(types.func(params, results));
        code.function(&body);
        let name = func_export_name(resolve, func);
        exports.export(&name, ExportKind::Func, wrapper_index);
        if needs_post {
            post_returns.push(name);
        }
    }
    for (n, name) in post_returns.iter().enumerate() {
        functions.function(types.func(vec![ValType::I32], vec![]));
        let mut f = Function::new([]);
        f.instruction(&I::Call(helper_base + Helper::EndCall as u32));
        f.instruction(&I::End);
        code.function(&f);
        exports.export(&format!("{name}_post"), ExportKind::Func, post_base + n as u32);
    }
    // Destructors of the resources the file defines: run inside a call
    // (this component dropped a handle) just free the instance; run on
    // their own (the host dropped it), they also end their heap region.
    let dtor_base = post_base + post_returns.len() as u32;
    for (n, resource) in module.resources.iter().enumerate() {
        functions.function(types.func(vec![ValType::I32], vec![]));
        let mut f = Function::new([]);
        let dtor = func_base + resource.dtor.0;
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
        if let Some(retire) = module.retire {
            f.instruction(&I::Call(func_base + retire.0));
        }
        for i in [I::Call(helper_base + Helper::EndCall as u32), I::End, I::End] {
            f.instruction(&i);
        }
        code.function(&f);
        // A private resource has no canonical destructor: its handles are
        // dropped inside this component only.
        if !resource.private {
            let name = format!("{NAME_PREFIX}|{}|{}_dtor", resource.core_interface, resource.name);
            exports.export(&name, ExportKind::Func, dtor_base + n as u32);
        }
    }
    // The init function sets compound globals at instantiation (the core
    // module's start function), then ends its heap region like a call does.
    let start = module.init.as_ref().map(|init| {
        functions.function(types.func(vec![], vec![]));
        let mut body = FuncGen::new(&ctx, init, &mut strings);
        body.stmts(&init.body);
        body.out.push(I::Call(ctx.helper(Helper::EndCall)));
        code.function(&body.finish());
        dtor_base + module.resources.len() as u32
    });
    exports.export(&format!("{NAME_PREFIX}_memory"), ExportKind::Memory, 0);
    exports.export(&format!("{NAME_PREFIX}_realloc"), ExportKind::Func, helper_base + Helper::Realloc as u32);

    // Globals need the final string addresses, so they come after the code;
    // their initializers are interned first so the heap starts after all data.
    let global_inits: Vec<Vec<ConstExpr>> =
        module.globals.iter().map(|g| const_exprs(&g.init, g.ty, &mut strings)).collect();
    let heap_start = align_to(DATA_START + strings.data.len() as u32, 8);
    let mut globals = GlobalSection::new();
    let mutable_i32 = GlobalType { val_type: ValType::I32, mutable: true, shared: false };
    globals.global(mutable_i32, &ConstExpr::i32_const(heap_start as i32));
    globals.global(mutable_i32, &ConstExpr::i32_const(heap_start as i32));
    globals.global(mutable_i32, &ConstExpr::i32_const(0));
    globals.global(GlobalType { mutable: false, ..mutable_i32 }, &ConstExpr::i32_const(heap_start as i32));
    globals.global(mutable_i32, &ConstExpr::i32_const(-1));
    globals.global(mutable_i32, &ConstExpr::i32_const(0));
    globals.global(mutable_i32, &ConstExpr::i32_const(0));
    globals.global(mutable_i32, &ConstExpr::i32_const(0));
    for (g, inits) in module.globals.iter().zip(&global_inits) {
        for (i, val_type) in ctx.abi.flat_ty(g.ty).into_iter().enumerate() {
            let init = inits.get(i).cloned().unwrap_or_else(|| match val_type {
                ValType::I64 => ConstExpr::i64_const(0),
                ValType::F32 => ConstExpr::f32_const(0.0.into()),
                ValType::F64 => ConstExpr::f64_const(0.0.into()),
                _ => ConstExpr::i32_const(0),
            });
            globals.global(GlobalType { val_type, mutable: wasm_mutable(g), shared: false }, &init);
        }
    }
    let pages = (heap_start as u64).div_ceil(PAGE_SIZE as u64).max(1);

    let mut memories = MemorySection::new();
    memories.memory(MemoryType { minimum: pages, maximum: None, memory64: false, shared: false, page_size_log2: None });
    let mut data = DataSection::new();
    if !strings.data.is_empty() {
        data.active(0, &ConstExpr::i32_const(DATA_START as i32), strings.data.iter().copied());
    }

    let mut out = Module::new();
    out.section(&types.section);
    out.section(&imports);
    out.section(&functions);
    out.section(&memories);
    out.section(&globals);
    out.section(&exports);
    if let Some(function_index) = start {
        out.section(&wasm_encoder::StartSection { function_index });
    }
    out.section(&code);
    out.section(&data);
    CoreModule { bytes: out.finish() }
}

/// Is the core global (or globals) of `g` mutable? Compound globals are,
/// because the init function sets them, even when Claw forbids assignment.
fn wasm_mutable(g: &ir::Global) -> bool {
    g.mutable || g.init == Const::Zero
}

fn const_exprs(c: &Const, ty: Ty, strings: &mut Strings) -> Vec<ConstExpr> {
    match c {
        Const::Str(s) => {
            let (ptr, len) = strings.intern(s);
            vec![ConstExpr::i32_const(ptr as i32), ConstExpr::i32_const(len as i32)]
        }
        Const::F32(f) => vec![ConstExpr::f32_const((*f).into())],
        Const::F64(f) => vec![ConstExpr::f64_const((*f).into())],
        Const::Int(v) if matches!(ty, Ty::S64 | Ty::U64) => vec![ConstExpr::i64_const(*v as i64)],
        Const::Int(v) => vec![ConstExpr::i32_const(*v as i32)],
        Const::Bool(b) => vec![ConstExpr::i32_const(*b as i32)],
        Const::Char(c) => vec![ConstExpr::i32_const(*c as i32)],
        Const::EnumCase(i) => vec![ConstExpr::i32_const(*i as i32)],
        Const::Zero => Vec::new(),
    }
}

fn emit_helpers(
    types: &mut Types,
    functions: &mut FunctionSection,
    code: &mut CodeSection,
    helper_base: u32,
    end_call: Function,
) {
    let alloc = helper_base + Helper::Alloc as u32;
    use ValType::I32;
    let mut end_call = Some(end_call);
    let mut helper = |params: &[ValType], results: &[ValType], locals: &[ValType], instructions: &[I<'static>]| {
        functions.function(types.func(params.to_vec(), results.to_vec()));
        // The one helper without instructions is `end_call`, built elsewhere.
        let f = match if instructions.is_empty() { end_call.take() } else { None } {
            Some(f) => f,
            None => {
                let mut f = Function::new_with_locals_types(locals.iter().copied());
                for i in instructions {
                    f.instruction(i);
                }
                f
            }
        };
        code.function(&f);
    };
    let mem_eq = helper_base + Helper::MemEq as u32;

    // alloc(size, align) -> ptr. Locals: 0 size, 1 align, 2 ptr, 3 end.
    helper(
        &[I32, I32],
        &[I32],
        &[I32, I32],
        &[
            // ptr = (heap + align - 1) & -align
            I::GlobalGet(GLOBAL_HEAP),
            I::LocalGet(1),
            I::I32Add,
            I::I32Const(1),
            I::I32Sub,
            I::I32Const(0),
            I::LocalGet(1),
            I::I32Sub,
            I::I32And,
            I::LocalTee(2),
            // end = ptr + size
            I::LocalGet(0),
            I::I32Add,
            I::LocalTee(3),
            // if end > memory.size * PAGE_SIZE: grow by ceil((end - cur) / PAGE_SIZE)
            I::MemorySize(0),
            I::I32Const(16),
            I::I32Shl,
            I::I32GtU,
            I::If(BlockType::Empty),
            I::LocalGet(3),
            I::MemorySize(0),
            I::I32Const(16),
            I::I32Shl,
            I::I32Sub,
            I::I32Const(PAGE_SIZE as i32 - 1),
            I::I32Add,
            I::I32Const(16),
            I::I32ShrU,
            I::MemoryGrow(0),
            I::I32Const(-1),
            I::I32Eq,
            I::If(BlockType::Empty),
            I::Unreachable,
            I::End,
            I::End,
            I::LocalGet(3),
            I::GlobalSet(GLOBAL_HEAP),
            I::LocalGet(2),
            I::End,
        ],
    );

    // cabi_realloc(old_ptr, old_size, align, new_size) -> ptr. Local 4: new ptr.
    helper(
        &[I32, I32, I32, I32],
        &[I32],
        &[I32],
        &[
            // Shrinking in place keeps the old block.
            I::LocalGet(0),
            I::I32Const(0),
            I::I32Ne,
            I::LocalGet(3),
            I::LocalGet(1),
            I::I32LeU,
            I::I32And,
            I::If(BlockType::Empty),
            I::LocalGet(0),
            I::Return,
            I::End,
            I::LocalGet(3),
            I::LocalGet(2),
            I::Call(alloc),
            I::LocalSet(4),
            I::LocalGet(0),
            I::If(BlockType::Empty),
            I::LocalGet(4),
            I::LocalGet(0),
            I::LocalGet(1),
            I::MemoryCopy { src_mem: 0, dst_mem: 0 },
            I::End,
            I::LocalGet(4),
            I::End,
        ],
    );

    // concat(p1, l1, p2, l2) -> (p, l). Local 4: p.
    helper(
        &[I32, I32, I32, I32],
        &[I32, I32],
        &[I32],
        &[
            // The first string ends where the heap does: append in place (the
            // bytes of every existing string stay as they are), so a loop of
            // `s = s + x` uses linear, not quadratic, memory.
            I::LocalGet(0),
            I::LocalGet(1),
            I::I32Add,
            I::GlobalGet(GLOBAL_HEAP),
            I::I32Eq,
            I::If(BlockType::Empty),
            I::LocalGet(3),
            I::I32Const(1),
            I::Call(alloc),
            I::LocalGet(2),
            I::LocalGet(3),
            I::MemoryCopy { src_mem: 0, dst_mem: 0 },
            I::LocalGet(0),
            I::LocalGet(1),
            I::LocalGet(3),
            I::I32Add,
            I::Return,
            I::End,
            I::LocalGet(1),
            I::LocalGet(3),
            I::I32Add,
            I::I32Const(1),
            I::Call(alloc),
            I::LocalTee(4),
            I::LocalGet(0),
            I::LocalGet(1),
            I::MemoryCopy { src_mem: 0, dst_mem: 0 },
            I::LocalGet(4),
            I::LocalGet(1),
            I::I32Add,
            I::LocalGet(2),
            I::LocalGet(3),
            I::MemoryCopy { src_mem: 0, dst_mem: 0 },
            I::LocalGet(4),
            I::LocalGet(1),
            I::LocalGet(3),
            I::I32Add,
            I::End,
        ],
    );

    // str_eq(p1, l1, p2, l2) -> i32: equal lengths and equal bytes.
    helper(
        &[I32, I32, I32, I32],
        &[I32],
        &[],
        &[
            I::LocalGet(1),
            I::LocalGet(3),
            I::I32Eq,
            I::If(BlockType::Result(ValType::I32)),
            I::LocalGet(0),
            I::LocalGet(2),
            I::LocalGet(1),
            I::Call(mem_eq),
            I::Else,
            I::I32Const(0),
            I::End,
            I::End,
        ],
    );

    // end_call(): built by `FuncGen::end_call`, which knows the globals.
    helper(&[], &[], &[], &[]);

    // mem_eq(a, b, n) -> i32. Local 3: index.
    helper(
        &[I32, I32, I32],
        &[I32],
        &[I32],
        &[
            I::Block(BlockType::Empty),
            I::Loop(BlockType::Empty),
            I::LocalGet(3),
            I::LocalGet(2),
            I::I32GeU,
            I::BrIf(1),
            I::LocalGet(0),
            I::LocalGet(3),
            I::I32Add,
            I::I32Load8U(memarg(0, 0)),
            I::LocalGet(1),
            I::LocalGet(3),
            I::I32Add,
            I::I32Load8U(memarg(0, 0)),
            I::I32Ne,
            I::If(BlockType::Empty),
            I::I32Const(0),
            I::Return,
            I::End,
            I::LocalGet(3),
            I::I32Const(1),
            I::I32Add,
            I::LocalSet(3),
            I::Br(0),
            I::End,
            I::End,
            I::I32Const(1),
            I::End,
        ],
    );

    // starts_with(p1, l1, p2, l2) and ends_with: l2 <= l1 and the bytes at
    // the start (or end) of the first string equal the second.
    for at_end in [false, true] {
        let mut body = vec![
            I::LocalGet(3),
            I::LocalGet(1),
            I::I32GtU,
            I::If(BlockType::Empty),
            I::I32Const(0),
            I::Return,
            I::End,
            I::LocalGet(0),
        ];
        if at_end {
            body.extend([I::LocalGet(1), I::I32Add, I::LocalGet(3), I::I32Sub]);
        }
        body.extend([I::LocalGet(2), I::LocalGet(3), I::Call(mem_eq), I::End]);
        helper(&[I32, I32, I32, I32], &[I32], &[], &body);
    }

    // index_of(p1, l1, p2, l2, start): try every start..=l1-l2.
    helper(
        &[I32, I32, I32, I32, I32],
        &[I32],
        &[],
        &[
            I::LocalGet(3),
            I::LocalGet(1),
            I::I32GtU,
            I::If(BlockType::Empty),
            I::I32Const(-1),
            I::Return,
            I::End,
            I::Block(BlockType::Empty),
            I::Loop(BlockType::Empty),
            // start > l1 - l2: not found.
            I::LocalGet(4),
            I::LocalGet(1),
            I::LocalGet(3),
            I::I32Sub,
            I::I32GtU,
            I::BrIf(1),
            I::LocalGet(0),
            I::LocalGet(4),
            I::I32Add,
            I::LocalGet(2),
            I::LocalGet(3),
            I::Call(mem_eq),
            I::If(BlockType::Empty),
            I::LocalGet(4),
            I::Return,
            I::End,
            I::LocalGet(4),
            I::I32Const(1),
            I::I32Add,
            I::LocalSet(4),
            I::Br(0),
            I::End,
            I::End,
            I::I32Const(-1),
            I::End,
        ],
    );

    // list_reserve(ptr, len, size, align) -> ptr. Locals: 4 cap, 5 new.
    helper(
        &[I32, I32, I32, I32],
        &[I32],
        &[I32, I32],
        &[
            // The register's list, with room for one more: grow in place.
            I::LocalGet(0),
            I::GlobalGet(GLOBAL_APPEND_PTR),
            I::I32Eq,
            I::LocalGet(1),
            I::GlobalGet(GLOBAL_APPEND_LEN),
            I::I32Eq,
            I::I32And,
            I::LocalGet(0),
            I::LocalGet(1),
            I::I32Const(1),
            I::I32Add,
            I::LocalGet(2),
            I::I32Mul,
            I::I32Add,
            I::GlobalGet(GLOBAL_APPEND_END),
            I::I32LeU,
            I::I32And,
            I::If(BlockType::Empty),
            I::LocalGet(1),
            I::I32Const(1),
            I::I32Add,
            I::GlobalSet(GLOBAL_APPEND_LEN),
            I::LocalGet(0),
            I::Return,
            I::End,
            // cap = max(2 * len, 4)
            I::LocalGet(1),
            I::I32Const(1),
            I::I32Shl,
            I::LocalTee(4),
            I::I32Const(4),
            I::LocalGet(4),
            I::I32Const(4),
            I::I32GtU,
            I::Select,
            I::LocalSet(4),
            I::LocalGet(4),
            I::LocalGet(2),
            I::I32Mul,
            I::LocalGet(3),
            I::Call(alloc),
            I::LocalTee(5),
            I::LocalGet(0),
            I::LocalGet(1),
            I::LocalGet(2),
            I::I32Mul,
            I::MemoryCopy { src_mem: 0, dst_mem: 0 },
            I::LocalGet(5),
            I::GlobalSet(GLOBAL_APPEND_PTR),
            I::LocalGet(1),
            I::I32Const(1),
            I::I32Add,
            I::GlobalSet(GLOBAL_APPEND_LEN),
            I::LocalGet(5),
            I::LocalGet(4),
            I::LocalGet(2),
            I::I32Mul,
            I::I32Add,
            I::GlobalSet(GLOBAL_APPEND_END),
            I::LocalGet(5),
            I::End,
        ],
    );

    // utf8_valid(ptr, len) -> i32. Locals: 2 i, 3 byte, 4 continuation
    // count, 5 code point, 6 smallest code point for the length, 7 k.
    let byte_at = |index: u32| [I::LocalGet(0), I::LocalGet(index), I::I32Add, I::I32Load8U(memarg(0, 0))];
    let mut v: Vec<I<'static>> = Vec::new();
    v.extend([I::Block(BlockType::Empty), I::Loop(BlockType::Empty)]);
    v.extend([I::LocalGet(2), I::LocalGet(1), I::I32GeU, I::BrIf(1)]);
    v.extend(byte_at(2));
    v.push(I::LocalSet(3));
    // ASCII: next byte.
    v.extend([I::LocalGet(3), I::I32Const(0x80), I::I32LtU, I::If(BlockType::Empty)]);
    v.extend([I::LocalGet(2), I::I32Const(1), I::I32Add, I::LocalSet(2), I::Br(1), I::End]);
    // A continuation byte, or a lead byte C0/C1 (always overlong), or F5..FF.
    v.extend([I::LocalGet(3), I::I32Const(0xC2), I::I32LtU, I::LocalGet(3), I::I32Const(0xF4), I::I32GtU, I::I32Or]);
    v.extend([I::If(BlockType::Empty), I::I32Const(0), I::Return, I::End]);
    // Sequence length, payload bits and the smallest code point it may encode.
    for (limit, n, mask, min) in [(0xE0, 1, 0x1F, 0x80), (0xF0, 2, 0x0F, 0x800), (0xF5, 3, 0x07, 0x10000)] {
        v.extend([I::LocalGet(3), I::I32Const(limit), I::I32LtU, I::If(BlockType::Empty)]);
        v.extend([I::I32Const(n), I::LocalSet(4), I::LocalGet(3), I::I32Const(mask), I::I32And, I::LocalSet(5)]);
        v.extend([I::I32Const(min), I::LocalSet(6), I::Else]);
    }
    v.extend([I::End, I::End, I::End]);
    // The continuation bytes must all be there.
    v.extend([I::LocalGet(2), I::LocalGet(4), I::I32Add, I::LocalGet(1), I::I32GeU]);
    v.extend([I::If(BlockType::Empty), I::I32Const(0), I::Return, I::End]);
    v.extend([I::I32Const(1), I::LocalSet(7), I::Block(BlockType::Empty), I::Loop(BlockType::Empty)]);
    v.extend([I::LocalGet(7), I::LocalGet(4), I::I32GtU, I::BrIf(1)]);
    v.extend([I::LocalGet(0), I::LocalGet(2), I::I32Add, I::LocalGet(7), I::I32Add, I::I32Load8U(memarg(0, 0))]);
    v.push(I::LocalSet(3));
    v.extend([I::LocalGet(3), I::I32Const(0xC0), I::I32And, I::I32Const(0x80), I::I32Ne]);
    v.extend([I::If(BlockType::Empty), I::I32Const(0), I::Return, I::End]);
    v.extend([I::LocalGet(5), I::I32Const(6), I::I32Shl, I::LocalGet(3), I::I32Const(0x3F), I::I32And, I::I32Or]);
    v.push(I::LocalSet(5));
    v.extend([I::LocalGet(7), I::I32Const(1), I::I32Add, I::LocalSet(7), I::Br(0), I::End, I::End]);
    // Overlong, past U+10FFFF, or a surrogate.
    v.extend([I::LocalGet(5), I::LocalGet(6), I::I32LtU]);
    v.extend([I::LocalGet(5), I::I32Const(0x10FFFF), I::I32GtU, I::I32Or]);
    v.extend([I::LocalGet(5), I::I32Const(0xD800), I::I32Sub, I::I32Const(0x800), I::I32LtU, I::I32Or]);
    v.extend([I::If(BlockType::Empty), I::I32Const(0), I::Return, I::End]);
    v.extend([I::LocalGet(2), I::LocalGet(4), I::I32Add, I::I32Const(1), I::I32Add, I::LocalSet(2)]);
    v.extend([I::Br(0), I::End, I::End, I::I32Const(1), I::End]);
    helper(&[I32, I32], &[I32], &[I32, I32, I32, I32, I32, I32], &v);
}

/// What codegen needs to know about the whole module.
struct Ctx<'a> {
    abi: Abi<'a>,
    module: &'a ir::Module,
    helper_base: u32,
    func_base: u32,
    global_map: &'a [Vec<u32>],
}

impl Ctx<'_> {
    fn helper(&self, helper: Helper) -> u32 {
        self.helper_base + helper as u32
    }
}

/// Re-normalises a small integer after an operation (wrapping at its width),
/// and turns any non-zero `bool` into 1.
fn emit_wrap(out: &mut Vec<I<'static>>, ty: Ty) {
    match ty {
        Ty::U8 => out.extend([I::I32Const(0xff), I::I32And]),
        Ty::U16 => out.extend([I::I32Const(0xffff), I::I32And]),
        Ty::S8 => out.push(I::I32Extend8S),
        Ty::S16 => out.push(I::I32Extend16S),
        _ => {}
    }
}

/// Builds the export wrapper of `func`: lifts parameters per the canonical
/// ABI, calls the Claw function, lowers the result, and ends the call's heap
/// region. Returns its core signature, body, and whether it needs a
/// post-return function.
fn export_wrapper(ctx: &Ctx, func: &ir::Function, target: u32) -> (Vec<ValType>, Vec<ValType>, Function, bool) {
    let abi = &ctx.abi;
    let param_types: Vec<Ty> = func.params.iter().map(|l| func.local(*l).ty).collect();
    let flat_params: Vec<ValType> = param_types.iter().flat_map(|t| abi.flat_ty(*t)).collect();
    let flat_results = func.result.map(|t| abi.flat_ty(t)).unwrap_or_default();
    let spilled_params = flat_params.len() > MAX_FLAT_PARAMS;
    let core_params = if spilled_params { vec![ValType::I32] } else { flat_params.clone() };
    let result_in_memory = flat_results.len() > MAX_FLAT_RESULTS;
    let core_results = if result_in_memory { vec![ValType::I32] } else { flat_results.clone() };

    let mut locals = Locals { base: core_params.len() as u32, types: Vec::new() };
    let mut out: Vec<I<'static>> = vec![I::I32Const(1), I::GlobalSet(GLOBAL_ACTIVE)];
    if spilled_params {
        let wit: Vec<wit_parser::Type> = param_types.iter().filter_map(|t| t.to_wit()).collect();
        let (offsets, _, _) = abi.record_layout(&wit);
        for ((ty, wit), offset) in param_types.iter().zip(&wit).zip(offsets) {
            abi.emit_load(&mut out, &mut locals, wit, 0, offset);
            emit_wrap(&mut out, *ty);
            if *ty == Ty::Bool {
                out.extend([I::I32Const(0), I::I32Ne]);
            }
        }
    } else {
        let mut index = 0;
        for ty in &param_types {
            for _ in abi.flat_ty(*ty) {
                out.push(I::LocalGet(index));
                index += 1;
            }
            emit_wrap(&mut out, *ty);
            if *ty == Ty::Bool {
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
        let value_locals: Vec<u32> = flat_results.iter().map(|t| locals.add(*t)).collect();
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
        abi.emit_store(&mut out, &mut locals, &ty, area, 0, &value_locals);
        out.push(I::LocalGet(area));
    } else {
        out.push(I::Call(ctx.helper(Helper::EndCall)));
    }
    out.push(I::End);
    let mut f = Function::new_with_locals_types(locals.types);
    for i in &out {
        f.instruction(i);
    }
    (core_params, core_results, f, result_in_memory)
}

/// A structured-control frame, for computing branch depths.
#[derive(Clone, Copy, PartialEq)]
enum Frame {
    Other,
    Break,
    Continue,
}

/// Generates one Claw function's body.
struct FuncGen<'a, 'c> {
    ctx: &'a Ctx<'c>,
    func: &'a ir::Function,
    strings: &'a mut Strings,
    /// The wasm locals of each IR local.
    local_map: Vec<Vec<u32>>,
    /// The locals after the parameters.
    locals: Locals,
    frames: Vec<Frame>,
    out: Vec<I<'static>>,
}

impl<'a, 'c> FuncGen<'a, 'c> {
    fn new(ctx: &'a Ctx<'c>, func: &'a ir::Function, strings: &'a mut Strings) -> Self {
        let mut generator = FuncGen {
            ctx,
            func,
            strings,
            local_map: Vec::new(),
            locals: Locals::default(),
            frames: Vec::new(),
            out: Vec::new(),
        };
        let mut index = 0;
        for p in &func.params {
            let n = ctx.abi.flat_ty(func.local(*p).ty).len() as u32;
            generator.local_map.push((index..index + n).collect());
            index += n;
        }
        generator.locals.base = index;
        for local in &func.locals[func.params.len()..] {
            let ids = ctx.abi.flat_ty(local.ty).into_iter().map(|t| generator.new_local(t)).collect();
            generator.local_map.push(ids);
        }
        generator
    }

    fn new_local(&mut self, ty: ValType) -> u32 {
        self.locals.add(ty)
    }

    fn generate(mut self) -> Function {
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
        self.finish()
    }

    /// Builds `end_call()`, run when an export call ends (in the wrapper, or
    /// in post-return when the result is in memory). If no global was given
    /// a heap value, the call's region is dropped (`heap = base`). Otherwise
    /// the globals' heap values are copied to the top of the heap, and the
    /// copies copied again down to the start of the heap, where nothing else
    /// is live; everything else is garbage. This is a copying collection
    /// whose roots are the globals, run only after calls that store into
    /// them, so memory stays bounded by what the globals hold.
    fn end_call(ctx: &'a Ctx<'c>, strings: &'a mut Strings) -> Function {
        static NO_FUNCTION: std::sync::OnceLock<ir::Function> = std::sync::OnceLock::new();
        let none = NO_FUNCTION.get_or_init(ir::Function::default);
        let mut g = FuncGen::new(ctx, none, strings);
        let top = g.new_local(ValType::I32);
        g.out.extend([I::I32Const(0), I::GlobalSet(GLOBAL_ACTIVE)]);
        g.out.extend([I::I32Const(-1), I::GlobalSet(GLOBAL_APPEND_PTR)]);
        g.out.extend([I::GlobalGet(GLOBAL_ESCAPED), I::If(BlockType::Empty)]);
        // top = align8(heap), so both copies lay objects out identically.
        g.out.extend([I::GlobalGet(GLOBAL_HEAP), I::I32Const(7), I::I32Add, I::I32Const(-8), I::I32And]);
        g.out.extend([I::LocalTee(top), I::GlobalSet(GLOBAL_HEAP)]);
        g.copy_globals();
        // The live data is [top, heap). If it fits below `top`, copy it down.
        g.out.extend([I::GlobalGet(GLOBAL_HEAP), I::LocalGet(top), I::I32Sub]);
        g.out.extend([I::LocalGet(top), I::GlobalGet(GLOBAL_START), I::I32Sub, I::I32LeU]);
        g.out.extend([I::If(BlockType::Empty), I::GlobalGet(GLOBAL_START), I::GlobalSet(GLOBAL_HEAP)]);
        g.copy_globals();
        g.out.push(I::End);
        g.out.extend([
            I::GlobalGet(GLOBAL_HEAP),
            I::GlobalSet(GLOBAL_BASE),
            I::I32Const(0),
            I::GlobalSet(GLOBAL_ESCAPED),
        ]);
        g.out.extend([I::Else, I::GlobalGet(GLOBAL_BASE), I::GlobalSet(GLOBAL_HEAP), I::End]);
        g.finish()
    }

    /// Replaces the value of every mutable global that holds heap data with
    /// a deep copy allocated on the heap.
    fn copy_globals(&mut self) {
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
            let copied = self.emit_copy(&wit, &values);
            for (g, v) in slots.iter().zip(copied) {
                self.out.extend([I::LocalGet(v), I::GlobalSet(*g)]);
            }
        }
    }

    /// Deep-copies the value in `values` (flat, of WIT type `ty`): every
    /// string and list buffer at or above the heap start is copied to newly
    /// allocated memory. Returns the locals holding the copy.
    fn emit_copy(&mut self, ty: &wit_parser::Type, values: &[u32]) -> Vec<u32> {
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
            g.out.extend([I::LocalGet(ptr), I::GlobalGet(GLOBAL_START), I::I32LtU, I::If(BlockType::Empty)]);
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
                let new = g.emit_copy(elem, &old);
                abi.emit_store(&mut g.out, &mut g.locals, elem, addr, 0, &new);
                g.out.extend([I::LocalGet(i), I::I32Const(1), I::I32Add, I::LocalSet(i), I::Br(0), I::End, I::End]);
            }
            g.out.push(I::End);
            vec![copy, len]
        };
        match ty {
            Type::String => buffer(self, None),
            Type::Id(id) => match &abi.resolve.types[*id].kind {
                TypeDefKind::Type(t) => self.emit_copy(t, values),
                TypeDefKind::List(elem) => buffer(self, Some(elem)),
                TypeDefKind::Record(_) | TypeDefKind::Tuple(_) => {
                    let mut out = Vec::new();
                    let mut offset = 0;
                    for field in abi.fields(ty) {
                        let n = abi.flat(&field).len();
                        out.extend(self.emit_copy(&field, &values[offset..offset + n]));
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
                        let new = self.emit_copy(&payload, &old);
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

    /// Ends the body and builds the function.
    fn finish(mut self) -> Function {
        self.out.push(I::End);
        let mut f = Function::new_with_locals_types(self.locals.types.iter().copied());
        for i in &self.out {
            f.instruction(i);
        }
        f
    }

    fn ty(&self, id: ExprId) -> Ty {
        self.func.expr(id).ty
    }

    fn stmts(&mut self, stmts: &[Stmt]) {
        for s in stmts {
            self.stmt(s);
        }
    }

    fn set_local(&mut self, local: LocalId) {
        for l in self.local_map[local.index()].clone().iter().rev() {
            self.out.push(I::LocalSet(*l));
        }
    }

    /// Drops each owning local whose drop flag is set, and clears the flag.
    fn drop_locals(&mut self, locals: &[LocalId]) {
        for local in locals {
            let Some(owned) = self.func.local(*local).owned else { continue };
            let flag = self.local_map[owned.flag.index()][0];
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
    fn set_place(&mut self, place: Place) {
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
    fn get_place(&mut self, place: Place) {
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
    fn place_ty(&self, place: Place) -> Ty {
        match place {
            Place::Local(local) => self.func.local(local).ty,
            Place::Global(global) => self.ctx.module.globals[global.index()].ty,
        }
    }

    /// The element type of a list type, and its size in memory.
    fn element(&self, list: Ty) -> (wit_parser::Type, u32, u32) {
        let elem = list.to_wit().and_then(|t| self.ctx.abi.list_element(&t)).unwrap_or(wit_parser::Type::Bool);
        let (size, align) = self.ctx.abi.size_align(&elem);
        (elem, size, align)
    }

    /// Sets `addr` to `ptr + i * size`.
    fn element_address(&mut self, addr: u32, ptr: u32, i: u32, size: u32) {
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
    fn option_of_element(&mut self, option: Ty, elem: &wit_parser::Type, cond: u32, addr: u32) {
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

    fn branch_depth(&self, kind: Frame) -> u32 {
        let position = self.frames.iter().rposition(|f| *f == kind).unwrap_or(0);
        (self.frames.len() - 1 - position) as u32
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
                self.out.push(I::Block(BlockType::Empty));
                self.frames.push(Frame::Break);
                self.out.push(I::Loop(BlockType::Empty));
                self.frames.push(Frame::Continue);
                self.expr(*cond);
                self.out.extend([I::I32Eqz, I::BrIf(1)]);
                self.stmts(body);
                self.out.extend([I::Br(0), I::End, I::End]);
                self.frames.truncate(self.frames.len() - 2);
            }
            Stmt::Loop(body) => {
                self.out.push(I::Block(BlockType::Empty));
                self.frames.push(Frame::Break);
                self.out.push(I::Loop(BlockType::Empty));
                self.frames.push(Frame::Continue);
                self.stmts(body);
                self.out.extend([I::Br(0), I::End, I::End]);
                self.frames.truncate(self.frames.len() - 2);
            }
            Stmt::For { var, end_local, start, end, body } => {
                let ty = self.func.local(*var).ty;
                self.expr(*start);
                self.set_local(*var);
                self.expr(*end);
                self.set_local(*end_local);
                let var_local = self.local_map[var.index()][0];
                let end_wasm = self.local_map[end_local.index()][0];
                let is64 = matches!(ty, Ty::S64 | Ty::U64);
                self.out.push(I::Block(BlockType::Empty));
                self.frames.push(Frame::Break);
                self.out.push(I::Loop(BlockType::Empty));
                self.frames.push(Frame::Other);
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
            }
            Stmt::ForEach { var, list_local, index, list, body } => {
                let elem = self.ty(*list).to_wit().and_then(|t| self.ctx.abi.list_element(&t));
                let elem = elem.unwrap_or(wit_parser::Type::Bool);
                let (size, _) = self.ctx.abi.size_align(&elem);
                self.expr(*list);
                self.set_local(*list_local);
                let (ptr, len) = (self.local_map[list_local.index()][0], self.local_map[list_local.index()][1]);
                let i = self.local_map[index.index()][0];
                let addr = self.new_local(ValType::I32);
                self.out.extend([I::I32Const(0), I::LocalSet(i)]);
                self.out.push(I::Block(BlockType::Empty));
                self.frames.push(Frame::Break);
                self.out.push(I::Loop(BlockType::Empty));
                self.frames.push(Frame::Other);
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

    fn temps_for(&mut self, ty: Ty) -> Vec<u32> {
        self.ctx.abi.flat_ty(ty).into_iter().map(|t| self.new_local(t)).collect()
    }

    fn expr(&mut self, id: ExprId) {
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
                // Copy, then change the copy: other copies keep the old element.
                self.out.extend([I::LocalGet(list[1]), I::I32Const(size as i32), I::I32Mul, I::I32Const(align as i32)]);
                self.out.extend([I::Call(self.ctx.helper(Helper::Alloc)), I::LocalTee(copy), I::LocalGet(list[0])]);
                self.out.extend([I::LocalGet(list[1]), I::I32Const(size as i32), I::I32Mul]);
                self.out.push(I::MemoryCopy { src_mem: 0, dst_mem: 0 });
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

    /// The flat slots of field `k` among a resource's fields' flat values.
    fn field_slots(&self, resource: ir::ResourceId, k: u32) -> std::ops::Range<usize> {
        let r = &self.ctx.module.resources[resource.index()];
        let wit = r.fields_ty.to_wit().unwrap_or(wit_parser::Type::Bool);
        let fields = self.ctx.abi.fields(&wit);
        let start: usize = fields[..k as usize].iter().map(|f| self.ctx.abi.flat(f).len()).sum();
        start..start + self.ctx.abi.flat(&fields[k as usize]).len()
    }

    /// Evaluates `rep` and loads its instance: the slot's address and the
    /// fields' flat values in fresh locals.
    fn rep_fields(&mut self, resource: ir::ResourceId, rep: ExprId) -> (u32, Vec<u32>) {
        let rep = self.spill(rep)[0];
        self.rep_fields_at(resource, rep)
    }

    /// [`Self::rep_fields`] of a rep already in a local. A rep that is not
    /// a live instance traps (the canonical ABI never passes one).
    fn rep_fields_at(&mut self, resource: ir::ResourceId, rep: u32) -> (u32, Vec<u32>) {
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
    fn store_slot(&mut self, resource: ir::ResourceId, addr: u32, case: u32, payload: &[u32]) {
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
    fn rep_new(&mut self, resource: ir::ResourceId, fields: ExprId) {
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

    /// Pops values of these types off the stack into fresh locals.
    fn stash(&mut self, types: &[ValType]) -> Vec<u32> {
        let temps: Vec<u32> = types.iter().map(|t| self.new_local(*t)).collect();
        for t in temps.iter().rev() {
            self.out.push(I::LocalSet(*t));
        }
        temps
    }

    /// Leaves `1` on the stack if the flat values `a` and `b` of WIT type
    /// `ty` are structurally equal, else `0` (the language brief's `==`:
    /// floats compare as IEEE 754 numbers, lists element by element,
    /// variants by case and then payload).
    fn emit_eq(&mut self, ty: &wit_parser::Type, a: &[u32], b: &[u32]) {
        use wit_parser::{Type, TypeDefKind};
        let ctx = self.ctx;
        let abi = &ctx.abi;
        let pair = |out: &mut Vec<I<'static>>, op: I<'static>| out.extend([I::LocalGet(a[0]), I::LocalGet(b[0]), op]);
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
    fn emit_trim(&mut self) {
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
    fn emit_split(&mut self) {
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

    /// Evaluates `value` into fresh locals, one per flat value, and returns them.
    fn spill(&mut self, value: ExprId) -> Vec<u32> {
        self.expr(value);
        let temps = self.temps_for(self.ty(value));
        for t in temps.iter().rev() {
            self.out.push(I::LocalSet(*t));
        }
        temps
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

    /// Calls an import, lowering arguments and lifting the result per the canonical ABI.
    fn import_call(&mut self, index: usize, args: &[ExprId]) {
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

    fn binary(&mut self, op: BinaryOp, l: ExprId, r: ExprId, result_ty: Ty) {
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

    fn unary(&mut self, op: UnaryOp, operand: ExprId, ty: Ty) {
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
    fn cast(&mut self, from: Ty, to: Ty) {
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
