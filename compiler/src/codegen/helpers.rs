//! The runtime helper functions emitted into every module, after the
//! imports in the function index space: the allocator (bump allocation
//! plus size-class free lists, and `free`) and `cabi_realloc`, string concatenation (appending in place onto the newest
//! allocation), byte and string comparisons, substring search, growing a
//! list for `push` (the append register), and UTF-8 validation. `end_call`
//! is one of them too; `memory` builds it.

use super::*;

/// Runtime helper functions emitted into every module.
#[derive(Clone, Copy)]
pub(super) enum Helper {
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
    /// `(ptr, size, align)`: the block is free. Blocks of static data
    /// (below the heap start) are ignored, and so is a block that cannot
    /// hold 8 bytes at an 8-aligned address; any other block goes on the
    /// free list of its size class (`floor(log2(usable size))`), where
    /// `alloc` finds it. In the debugging mode the block is filled with
    /// `0xDE` and tagged, and freeing a tagged block traps.
    Free,
}
pub(super) const HELPER_COUNT: u32 = 12;

/// The tag of a freed block in the debugging mode (its second word).
pub(super) const FREED_TAG: i32 = 0x0F4E_EB10;

/// Emits the helpers' types and bodies, in [`Helper`] order; `end_call`
/// is built by `FuncGen::end_call` and passed in.
pub(super) fn emit_helpers(
    types: &mut Types,
    functions: &mut FunctionSection,
    code: &mut CodeSection,
    helper_base: u32,
    end_call: Function,
    debug: bool,
) {
    let alloc = helper_base + Helper::Alloc as u32;
    use ValType::I32;
    let mut end_call = Some(end_call);
    let mut helper = |params: &[ValType], results: &[ValType], locals: &[ValType], instructions: &[I<'static>]| {
        functions.function(types.func(params, results));
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
    let free = helper_base + Helper::Free as u32;

    // The address of free-list head `k` (on the stack) becomes `table + 4k`.
    let head_address =
        [I::I32Const(2), I::I32Shl, I::GlobalGet(GLOBAL_START), I::I32Add, I::I32Const(FREE_TABLE as i32)];

    // alloc(size, align) -> ptr. Locals: 0 size, 1 align, 2 ptr, 3 end
    // (first the address of the free-list head).
    let mut a: Vec<I<'static>> = Vec::new();
    // A block of at least 8 bytes and alignment at most 8 comes from the
    // free list of its size class, ceil(log2(size)), when that has one.
    a.extend([I::LocalGet(0), I::I32Const(7), I::I32GtU, I::LocalGet(1), I::I32Const(9), I::I32LtU, I::I32And]);
    a.extend([I::If(BlockType::Empty), I::I32Const(32), I::LocalGet(0), I::I32Const(1), I::I32Sub, I::I32Clz]);
    a.push(I::I32Sub);
    a.extend(head_address.clone());
    a.extend([I::I32Sub, I::LocalTee(3), I::I32Load(memarg(0, 2)), I::LocalTee(2), I::If(BlockType::Empty)]);
    a.extend([I::LocalGet(3), I::LocalGet(2), I::I32Load(memarg(0, 2)), I::I32Store(memarg(0, 2))]);
    if debug {
        // Clear the freed-block tag.
        a.extend([I::LocalGet(2), I::I32Const(0), I::I32Store(memarg(4, 2))]);
    }
    a.extend([I::LocalGet(2), I::Return, I::End, I::End]);
    a.extend([
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
    ]);
    helper(&[I32, I32], &[I32], &[I32, I32], &a);

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
            // The old block is free.
            I::LocalGet(0),
            I::LocalGet(1),
            I::LocalGet(2),
            I::Call(free),
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
            I::LocalTee(4),
            // `alloc` bumps the heap top unless a free list has a block of
            // that size: only a bump extends the first string.
            I::LocalGet(0),
            I::LocalGet(1),
            I::I32Add,
            I::I32Eq,
            I::If(BlockType::Empty),
            I::LocalGet(4),
            I::LocalGet(2),
            I::LocalGet(3),
            I::MemoryCopy { src_mem: 0, dst_mem: 0 },
            I::LocalGet(0),
            I::LocalGet(1),
            I::LocalGet(3),
            I::I32Add,
            I::Return,
            I::End,
            // A block from a free list: give it back, and copy both.
            I::LocalGet(4),
            I::LocalGet(3),
            I::I32Const(1),
            I::Call(free),
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

    // free(ptr, size, align). Locals: 3 the 8-aligned start, 4 usable size,
    // 5 address of the list head.
    let mut f: Vec<I<'static>> = Vec::new();
    f.extend([I::LocalGet(0), I::GlobalGet(GLOBAL_START), I::I32LtU, I::If(BlockType::Empty), I::Return, I::End]);
    f.extend([I::LocalGet(0), I::I32Const(7), I::I32Add, I::I32Const(-8), I::I32And, I::LocalSet(3)]);
    // Less than 8 usable bytes (unsigned: the end may lie before `start`).
    f.extend([I::LocalGet(0), I::LocalGet(1), I::I32Add, I::LocalGet(3), I::I32Sub, I::LocalTee(4)]);
    f.extend([I::I32Const(8), I::I32LtS, I::LocalGet(0), I::LocalGet(1), I::I32Add, I::LocalGet(3), I::I32LtU]);
    f.extend([I::I32Or, I::If(BlockType::Empty), I::Return, I::End]);
    if debug {
        f.extend([I::LocalGet(3), I::I32Load(memarg(4, 2)), I::I32Const(FREED_TAG), I::I32Eq]);
        f.extend([I::If(BlockType::Empty), I::Unreachable, I::End]);
        f.extend([I::LocalGet(3), I::I32Const(0xDE), I::LocalGet(4), I::MemoryFill(0)]);
        f.extend([I::LocalGet(3), I::I32Const(FREED_TAG), I::I32Store(memarg(4, 2))]);
    }
    // head = table + 4 * floor(log2(usable)); block.next = *head; *head = block
    f.extend([I::I32Const(31), I::LocalGet(4), I::I32Clz, I::I32Sub]);
    f.extend(head_address);
    f.extend([I::I32Sub, I::LocalTee(5), I::LocalGet(3), I::LocalGet(5), I::I32Load(memarg(0, 2))]);
    f.extend([I::I32Store(memarg(0, 2)), I::LocalGet(3), I::I32Store(memarg(0, 2))]);
    f.extend([I::LocalGet(3), I::GlobalGet(GLOBAL_FREE_MAX), I::I32GtU, I::If(BlockType::Empty)]);
    f.extend([I::LocalGet(3), I::GlobalSet(GLOBAL_FREE_MAX), I::End, I::End]);
    helper(&[I32, I32, I32], &[], &[I32, I32, I32], &f);
}
