//! Code generation: [`ir::Module`] to a core WebAssembly module that follows
//! the Component Model's canonical ABI, built with `wasm-encoder`.
//!
//! This file has the entry point, [`generate`], which lays the module out
//! and fills its index spaces; the core names of imports and exports; and
//! what the parts share: the reserved globals, [`Ctx`] and [`FuncGen`]. The
//! parts, one concern each:
//! - `helpers`: the runtime helper functions every module contains
//!   (allocator, `cabi_realloc`, string and list primitives);
//! - `memory`: the heap's per-call regions and the copying collection that
//!   ends a call (`end_call`);
//! - `wrappers`: the canonical ABI at the component's boundary: export
//!   wrappers (lift, call, lower), post-return functions, the destructors of
//!   defined resources, and calls to imports;
//! - `func`, `stmt`, `expr`: one Claw function's body ([`FuncGen`]): its
//!   locals and places, its statements, its expressions;
//! - `code`: the instruction buffer ([`Code`]), which encodes each
//!   instruction as it is emitted;
//! - `operators`: arithmetic, comparison, bitwise operators and casts, and
//!   how small integers are represented;
//! - `values`: list elements, structural equality and the string methods
//!   that build values in line;
//! - `resources`: instances of the resources a file defines (slot tables).
//!
//! # Layout of the generated module
//! - Function index space: the imports (one per imported function, lowered
//!   by the canonical ABI), then the runtime helpers ([`Helper`]), then one
//!   function per Claw function (internal calling convention: flat values,
//!   multi-value results), then one export wrapper per exported function
//!   (lifting: `MAX_FLAT_PARAMS` / `MAX_FLAT_RESULTS`, return areas), then
//!   the post-return functions, the destructors of the file's resources and
//!   the init function (the start function), if any.
//! - Global index space: the reserved globals ([`RESERVED_GLOBALS`]: heap
//!   state and the append register), then each Claw global's flat values.
//! - Core names follow the standard scheme ([`NAME_PREFIX`]): exports
//!   `cm32p2||name` and `cm32p2||name_post`, `cm32p2_memory`,
//!   `cm32p2_realloc`; imports from module `cm32p2` (world-level) or
//!   `cm32p2|ns:pkg/iface@v`.
//! - One linear memory; string literals live in an
//!   active data segment at [`DATA_START`]; the allocator's free-list table
//!   (`FREE_TABLE` bytes) and then the heap follow them.
//! - The allocator bumps the heap top, reusing blocks from size-class free
//!   lists when it can (`helpers`); how the heap is reclaimed at the end of
//!   a call is described in `memory`, at each iteration of a loop in
//!   `regions`; how small integers are kept in `operators`.

use crate::abi::{Abi, Locals};
use crate::ir::{self, Callee, Const, ExprId};
use crate::types::Ty;
use rustc_hash::FxHashMap;
use wasm_encoder::{
    BlockType, CodeSection, ConstExpr, DataSection, EntityType, ExportKind, ExportSection, Function, FunctionSection,
    GlobalSection, GlobalType, ImportSection, Instruction as I, MemArg, MemorySection, MemoryType, Module, TypeSection,
    ValType,
};
use wit_parser::Resolve;

mod code;
mod expr;
mod func;
mod helpers;
mod inplace;
mod memory;
mod operators;
mod regions;
mod resources;
mod stmt;
mod values;
mod wrappers;

pub use code::Code;
use helpers::{HELPER_COUNT, Helper};

/// The canonical ABI's limit on flat parameters before they spill to memory.
pub const MAX_FLAT_PARAMS: usize = 16;
/// The canonical ABI's limit on flat results before they are returned through memory.
pub const MAX_FLAT_RESULTS: usize = 1;
/// Where string literals start in linear memory; address 0 stays unused so no
/// valid pointer is null.
pub const DATA_START: u32 = 16;
const PAGE_SIZE: u32 = 65536;

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
/// The highest address of a block on a free list (0 when the lists are
/// empty): a heap reset to an address at or below it must empty the lists.
const GLOBAL_FREE_MAX: u32 = 8;
const RESERVED_GLOBALS: u32 = 9;
/// The allocator's free lists: 33 heads of `i32` (size class `k` holds
/// blocks of at least `2^k` bytes), just below the heap start.
const FREE_TABLE: u32 = 136;

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
    offsets: FxHashMap<String, u32>,
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

/// Deduplicated function types. A type's key is its number of parameters
/// and its parameter types followed by its result types; `key` is the
/// buffer a lookup builds it in, kept between lookups.
#[derive(Default)]
struct Types {
    section: TypeSection,
    map: FxHashMap<(usize, Vec<ValType>), u32>,
    key: (usize, Vec<ValType>),
}

impl Types {
    fn func(&mut self, params: &[ValType], results: &[ValType]) -> u32 {
        self.key.0 = params.len();
        self.key.1.clear();
        self.key.1.extend_from_slice(params);
        self.key.1.extend_from_slice(results);
        if let Some(index) = self.map.get(&self.key) {
            return *index;
        }
        let index = self.map.len() as u32;
        self.section.ty().function(params.iter().copied(), results.iter().copied());
        self.map.insert(self.key.clone(), index);
        index
    }
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
    // Not `format!`: one export per exported function, and a file can have thousands.
    let mut export = String::with_capacity(NAME_PREFIX.len() + 2 + name.len());
    export.push_str(NAME_PREFIX);
    export.push_str("||");
    export.push_str(name);
    export
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
    generate_with(module, resolve, crate::CompileOptions::default())
}

/// [`generate`] with options (`debug_memory`: poison what is freed, trap on
/// a double free; see [`crate::CompileOptions`]).
pub fn generate_with(module: &ir::Module, resolve: &Resolve, options: crate::CompileOptions) -> CoreModule {
    let abi = Abi::new(resolve);
    let mut types = Types::default();
    let mut strings = Strings::default();
    let mut imports = ImportSection::new();
    let mut functions = FunctionSection::new();
    let mut code = CodeSection::new();
    let mut exports = ExportSection::new();

    let import_count = module.imports.len() as u32;
    for import in &module.imports {
        let (params, results) = wrappers::lowered_import_signature(&abi, import);
        let ty = types.func(&params, &results);
        imports.import(&import_module_name(resolve, import), &import.name, EntityType::Function(ty));
    }
    let helper_base = import_count;
    let func_base = helper_base + HELPER_COUNT;
    let exported: Vec<usize> = (0..module.funcs.len()).filter(|i| module.funcs[*i].exported).collect();
    let wrapper_base = func_base + module.funcs.len() as u32;
    let post_base = wrapper_base + exported.len() as u32;

    // Globals: the reserved ones, then each Claw global's flat values.
    let mut global_map = Vec::new();
    let mut next_global = RESERVED_GLOBALS;
    for g in &module.globals {
        let n = abi.flat_ty(g.ty).len() as u32;
        global_map.push((next_global..next_global + n).collect::<Vec<_>>());
        next_global += n;
    }

    let ctx = Ctx {
        abi,
        module,
        helper_base,
        func_base,
        global_map: &global_map,
        debug: options.debug_memory,
        regions: Default::default(),
    };

    // Helpers.
    let end_call = FuncGen::end_call(&ctx, &mut strings);
    helpers::emit_helpers(&mut types, &mut functions, &mut code, helper_base, end_call, options.debug_memory);

    // Claw functions, and the type of each.
    let (mut params, mut results) = (Vec::new(), Vec::new());
    let mut func_types = Vec::with_capacity(module.funcs.len());
    for func in &module.funcs {
        params.clear();
        results.clear();
        for p in &func.params {
            ctx.abi.push_flat_ty(func.local(*p).ty, &mut params);
        }
        if let Some(ty) = func.result {
            ctx.abi.push_flat_ty(ty, &mut results);
        }
        let ty = types.func(&params, &results);
        functions.function(ty);
        func_types.push(ty);
    }
    func_bodies(&ctx, &mut strings, &mut code);

    // Export wrappers and post-return functions.
    let mut post_returns = Vec::new();
    let (mut sig, mut body, mut bytes) = (Default::default(), Code::default(), Vec::new());
    for (n, index) in exported.iter().enumerate() {
        let func = &module.funcs[*index];
        let wrapper_index = wrapper_base + n as u32;
        bytes.clear();
        let needs_post =
            wrappers::export_wrapper(&ctx, func, func_base + *index as u32, &mut sig, &mut body, &mut bytes);
        let ty = match sig.own {
            true => func_types[*index],
            false => types.func(&sig.params, &sig.results),
        };
        functions.function(ty);
        code.raw(&bytes);
        let name = func_export_name(resolve, func);
        exports.export(&name, ExportKind::Func, wrapper_index);
        if needs_post {
            post_returns.push(name);
        }
    }
    for (n, name) in post_returns.iter().enumerate() {
        functions.function(types.func(&[ValType::I32], &[]));
        code.function(&wrappers::post_return(&ctx));
        exports.export(&format!("{name}_post"), ExportKind::Func, post_base + n as u32);
    }
    // Destructors of the resources the file defines.
    let dtor_base = post_base + post_returns.len() as u32;
    for (n, resource) in module.resources.iter().enumerate() {
        functions.function(types.func(&[ValType::I32], &[]));
        code.function(&wrappers::resource_dtor(&ctx, resource));
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
        functions.function(types.func(&[], &[]));
        let mut body = FuncGen::new(&ctx, init, &mut strings);
        body.stmts(&init.body);
        body.out.push(I::Call(ctx.helper(Helper::EndCall)));
        let mut bytes = Vec::new();
        body.finish_into(&mut bytes);
        code.raw(&bytes);
        dtor_base + module.resources.len() as u32
    });
    exports.export(&format!("{NAME_PREFIX}_memory"), ExportKind::Memory, 0);
    exports.export(&format!("{NAME_PREFIX}_realloc"), ExportKind::Func, helper_base + Helper::Realloc as u32);

    // Globals need the final string addresses, so they come after the code;
    // their initializers are interned first so the heap starts after all data.
    let global_inits: Vec<Vec<ConstExpr>> =
        module.globals.iter().map(|g| const_exprs(&g.init, g.ty, &mut strings)).collect();
    let heap_start = align_to(DATA_START + strings.data.len() as u32, 8) + FREE_TABLE;
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

/// A module with fewer expressions than this in its functions generates
/// them on one thread (a thread costs more than it saves).
const PARALLEL_CODEGEN_EXPRS: usize = 1 << 14;

/// Generates the bodies of the module's Claw functions into `code`, in
/// order. A large module's functions are split in two parts of about as
/// many expressions, generated on two threads; the second part starts with
/// a string table of its own, so its code is the same as on one thread
/// unless it interns a string literal, in which case it is generated again
/// after the first part (the data segment's layout is the order in which
/// literals are first met). Either way the bytes are those of one thread.
fn func_bodies(ctx: &Ctx, strings: &mut Strings, code: &mut CodeSection) {
    let funcs = &ctx.module.funcs;
    let total: usize = funcs.iter().map(|f| f.exprs.len()).sum();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut bytes = Vec::new();
    let mut one_thread = |funcs: &[ir::Function], strings: &mut Strings, code: &mut CodeSection| {
        for func in funcs {
            bytes.clear();
            FuncGen::new(ctx, func, strings).generate(&mut bytes);
            code.raw(&bytes);
        }
    };
    if total < PARALLEL_CODEGEN_EXPRS || threads < 2 {
        one_thread(funcs, strings, code);
        return;
    }
    let mut before = 0;
    let split = funcs
        .iter()
        .position(|f| {
            before += f.exprs.len();
            before * 2 >= total
        })
        .map_or(funcs.len(), |i| i + 1);
    let (first, second) = funcs.split_at(split);
    let part = std::thread::scope(|scope| {
        let other = scope.spawn(|| {
            let mut own = Strings::default();
            let mut part = (Vec::new(), Vec::with_capacity(second.len()));
            for func in second {
                let start = part.0.len();
                FuncGen::new(ctx, func, &mut own).generate(&mut part.0);
                part.1.push(start..part.0.len());
            }
            own.offsets.is_empty().then_some(part)
        });
        one_thread(first, strings, code);
        other.join().ok().flatten()
    });
    match part {
        Some((bytes, ranges)) => {
            for range in ranges {
                code.raw(&bytes[range]);
            }
        }
        None => one_thread(second, strings, code),
    }
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

/// What codegen needs to know about the whole module.
struct Ctx<'a> {
    abi: Abi<'a>,
    module: &'a ir::Module,
    helper_base: u32,
    func_base: u32,
    global_map: &'a [Vec<u32>],
    /// The debugging mode of [`crate::CompileOptions::debug_memory`].
    debug: bool,
    /// What loops need to know about the module's functions, to reclaim
    /// each iteration's heap (see `regions`): computed when the first loop
    /// asks (a module without loops never needs it).
    regions: std::sync::OnceLock<regions::Summary>,
}

impl Ctx<'_> {
    fn helper(&self, helper: Helper) -> u32 {
        self.helper_base + helper as u32
    }
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
    /// The wasm locals of each IR local (consecutive).
    local_map: Vec<std::ops::Range<u32>>,
    /// The locals after the parameters.
    locals: Locals,
    frames: Vec<Frame>,
    out: Code,
    /// The *owned* flag (a wasm local) of each list local that `xs[i] = e`
    /// updates in place (see `inplace.rs`).
    owned_lists: FxHashMap<ir::LocalId, u32>,
    /// The `ListSet` expressions that update their local in place.
    in_place_sets: FxHashMap<ExprId, ir::LocalId>,
}
