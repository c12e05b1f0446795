//! Loop iterations as heap regions: which loops may reclaim, at the start
//! of each iteration, everything the previous iteration allocated, and
//! which may reclaim it by evacuating the values that survive.
//!
//! A loop is *region-safe* when no value allocated during an iteration can
//! be reached after it. Values leave an iteration only through places that
//! outlive it, so a loop is region-safe when its body (and condition):
//!
//! - assigns, `push`es onto, `pop`s from or binds no local with heap data
//!   (a string or list inside) that is declared outside the body;
//! - assigns, `push`es onto or `pop`s from no global with heap data (this
//!   covers the hidden lists that retire globals' handles);
//! - creates no instance of a defined resource and sets no field with heap
//!   data of one (the instance table is a global);
//! - calls no import of the file's own exported resources (`R_drop` runs
//!   the destructor inside the call);
//! - calls only region-safe functions, and the function's owning locals
//!   are dropped by region-safe functions.
//!
//! A function is region-safe when the same holds for its whole body, minus
//! the rule on locals (its locals die when it returns), computed as a
//! fixpoint over the call graph. Everything here is conservative: a loop
//! that fails a rule keeps its garbage until the call ends, as before.
//! A loop whose iterations never allocate (no concatenation, list literal
//! or update, `split`, import call, or call of a function that may do one
//! of these) is left alone too: resetting would only cost time.
//! The codegen side is `region_start` and `region_reset` (here), called
//! from `stmt.rs`; a region-safe loop resets unconditionally, which costs
//! a handful of instructions per iteration.
//!
//! **Evacuating loops.** A loop that fails only the first two rules (its
//! values escape only into outer locals and globals, directly or through
//! *evacuable* functions: region-safe but for writes of globals) is a
//! generational step instead: before the loop it takes the heap top as its
//! *mark*, and at the top of each iteration, once the heap has grown past
//! a limit, it runs a copying collection of `[mark, heap)` whose *roots*
//! are the outer locals with heap data the loop writes and, when the loop
//! or a function it calls may write one, the mutable globals with heap
//! data (`FuncGen::evacuate` in `memory.rs`). Only buffers that reach
//! above the mark are copied; the rest stays. The next limit is the heap
//! top plus twice the live bytes plus [`EVACUATE_MIN`], so a collection,
//! O(live bytes), runs only after at least as many bytes were allocated
//! (twice: a `push` onto a copied list first copies it into a buffer twice
//! its length, which must not count against the allowance alone). This is
//! sound because at the top of an iteration every live value that can
//! point above the mark is in a root:
//!
//! - values computed before the loop (its `for` list or bounds, the
//!   enclosing expression's operands, outer locals the loop does not
//!   write) lie below the mark; so do the hidden list and index locals of
//!   the loop's own `for`;
//! - locals declared in the body are dead at the top of the next
//!   iteration, and the iteration's temporaries with them (`break`,
//!   `return` and `?` leave without a collection; `continue` goes to the
//!   top, through the check; a `while` condition runs after it);
//! - nothing stores a pointer above the mark into memory below it: the
//!   append register is cleared after each collection, and before the
//!   loop when the loop or a function it calls may push a value with heap
//!   data (then a `push` onto a list from before the loop copies it first;
//!   other pushes may append in place below the mark: they store no
//!   pointer, and the list's capacity ends below the mark), the free lists are
//!   emptied before the loop (so no allocation of the loop lies below the
//!   mark) and before each collection (the copies are bump allocations);
//!   an outer list updated in place (`xs[i] = e` on an `inplace.rs` local)
//!   whose elements hold heap data would store pointers above the mark
//!   into a buffer below it, so such a loop does not evacuate (nor does one
//!   that creates resource instances or sets their heap fields: the
//!   instance table is updated in place);
//! - a buffer that straddles the mark (a string from before the loop
//!   appended to in place at the heap top) is copied whole;
//! - inner loops keep their own marks, at or above this one: an inner
//!   region resets to its mark, an inner evacuating loop copies what its
//!   roots (a subset of this loop's, plus locals of this body) hold above
//!   its mark, and a function called in the loop does the same with its
//!   own loops, all between two collections of this loop.
//!
//! A deep copy copies a buffer once per reference (there are no forwarding
//! pointers: a `(ptr, len)` may be a view into another buffer), as
//! `end_call` does, so a string pushed many times is live as many copies
//! after a collection.
use super::*;
use crate::ir::{ExprKind, LocalId, Place, Stmt};

/// What a walk over statements and expressions found.
struct Facts<'m> {
    module: &'m ir::Module,
    abi: &'m Abi<'m>,
    /// Something that may let a value escape whatever the locals and
    /// globals (resource instances, own exported resources' imports).
    effect: bool,
    /// A write of a global with heap data.
    globals: bool,
    /// Something that allocates on the heap by itself (calls aside).
    allocates: bool,
    /// A `push` of a value with heap data (calls aside).
    pushes: bool,
    calls: Vec<Callee>,
    declared: Vec<LocalId>,
    written: Vec<LocalId>,
    /// Each assignment of a local, with the value assigned (an update in
    /// place is an assignment of a `ListSet`).
    assigned: Vec<(LocalId, ExprId)>,
}

enum Item<'s> {
    Stmt(&'s Stmt),
    Expr(ExprId),
}

impl<'m> Facts<'m> {
    fn new(module: &'m ir::Module, abi: &'m Abi<'m>) -> Self {
        Facts {
            module,
            abi,
            effect: false,
            globals: false,
            allocates: false,
            pushes: false,
            calls: Vec::new(),
            declared: Vec::new(),
            written: Vec::new(),
            assigned: Vec::new(),
        }
    }

    fn global_has_heap(&self, place: Place) -> bool {
        match place {
            Place::Global(g) => self.module.globals[g.index()].ty.to_wit().is_none_or(|t| self.abi.has_heap(&t)),
            Place::Local(_) => false,
        }
    }

    fn write(&mut self, place: Place) {
        match place {
            Place::Local(l) => self.written.push(l),
            Place::Global(_) => self.globals |= self.global_has_heap(place),
        }
    }

    /// Walks `stmts` and `exprs` of `func`, without recursion (bodies can
    /// be deeply nested).
    fn walk<'s>(&mut self, func: &'s ir::Function, stmts: &'s [Stmt], exprs: &[ExprId]) {
        let mut work: Vec<Item<'s>> = stmts.iter().rev().map(Item::Stmt).collect();
        work.extend(exprs.iter().map(|e| Item::Expr(*e)));
        while let Some(item) = work.pop() {
            match item {
                Item::Stmt(stmt) => match stmt {
                    Stmt::Let(l, e) => {
                        self.declared.push(*l);
                        work.push(Item::Expr(*e));
                    }
                    Stmt::Assign(place, e) => {
                        self.write(*place);
                        if let Place::Local(l) = place {
                            self.assigned.push((*l, *e));
                        }
                        work.push(Item::Expr(*e));
                    }
                    Stmt::Expr(e) => work.push(Item::Expr(*e)),
                    Stmt::If { cond, then, otherwise } => {
                        work.push(Item::Expr(*cond));
                        work.extend(then.iter().chain(otherwise).map(Item::Stmt));
                    }
                    Stmt::While { cond, body } => {
                        work.push(Item::Expr(*cond));
                        work.extend(body.iter().map(Item::Stmt));
                    }
                    Stmt::Loop(body) | Stmt::Block(body) => work.extend(body.iter().map(Item::Stmt)),
                    Stmt::For { var, end_local, start, end, body } => {
                        self.declared.extend([*var, *end_local]);
                        work.extend([Item::Expr(*start), Item::Expr(*end)]);
                        work.extend(body.iter().map(Item::Stmt));
                    }
                    Stmt::ForEach { var, list_local, index, list, body } => {
                        self.declared.extend([*var, *list_local, *index]);
                        work.push(Item::Expr(*list));
                        work.extend(body.iter().map(Item::Stmt));
                    }
                    Stmt::Return(e) => work.extend(e.map(Item::Expr)),
                    Stmt::Break | Stmt::Continue | Stmt::DropLocals(_) => {}
                },
                Item::Expr(id) => {
                    let expr = func.expr(id);
                    // Concatenation (the only binary operator with a string
                    // result), list literals and updates, `split`.
                    self.allocates |= match &expr.kind {
                        ExprKind::Binary(..) => expr.ty == Ty::String,
                        ExprKind::List(_) | ExprKind::ListSet(..) | ExprKind::ListPush(..) | ExprKind::RepNew(..) => {
                            true
                        }
                        ExprKind::Builtin(b, _) => *b == ir::Builtin::StrSplit,
                        _ => false,
                    };
                    // What the expression itself does; its child expressions
                    // are walked below, and a `Seq`'s statements here.
                    match &expr.kind {
                        ExprKind::Call(callee, _) => self.calls.push(*callee),
                        ExprKind::ListPush(place, value) => {
                            self.write(*place);
                            let ty = func.expr(*value).ty.to_wit();
                            self.pushes |= ty.is_none_or(|t| self.abi.has_heap(&t));
                        }
                        ExprKind::ListPop(place) => self.write(*place),
                        ExprKind::Try(_, _, report) => self.calls.extend(report.map(Callee::Func)),
                        ExprKind::Bind(l, _) => self.written.push(*l),
                        ExprKind::RepNew(..) => self.effect = true,
                        ExprKind::RepSet(r, _, n, _) => {
                            let field = self.module.resources[r.index()].fields.get(*n as usize).map(|f| f.1);
                            self.effect |= field.and_then(|t| t.to_wit()).is_none_or(|t| self.abi.has_heap(&t));
                        }
                        ExprKind::Seq(stmts, _) => work.extend(stmts.iter().map(Item::Stmt)),
                        _ => {}
                    }
                    expr.kind.for_each_child(|child| work.push(Item::Expr(child)));
                }
            }
        }
    }
}

/// Can a call of `callee` run inside a region-safe (with `safe`) or
/// evacuating (with `evacuable`) iteration?
fn callee_safe(module: &ir::Module, safe: &[bool], callee: Callee) -> bool {
    match callee {
        Callee::Func(f) => safe.get(f.index()).copied().unwrap_or(false),
        Callee::Import(i) => module.imports[i.index()].of_export.is_none(),
    }
}

/// The callees that drop `func`'s owning locals.
fn drop_callees(func: &ir::Function) -> impl Iterator<Item = Callee> + '_ {
    func.locals.iter().filter_map(|l| l.owned.map(|o| o.drop))
}

/// Does a call of `callee` allocate (maybe)? Imports do: their lowered
/// arguments, return areas and lifted results may live on the heap.
fn callee_allocates(allocates: &[bool], callee: Callee) -> bool {
    match callee {
        Callee::Func(f) => allocates.get(f.index()).copied().unwrap_or(true),
        Callee::Import(_) => true,
    }
}

/// May a call of `callee` push a value with heap data onto a list? An
/// import does not touch the append register.
fn callee_pushes(pushes: &[bool], callee: Callee) -> bool {
    match callee {
        Callee::Func(f) => pushes.get(f.index()).copied().unwrap_or(true),
        Callee::Import(_) => false,
    }
}

/// What loops need to know about the module's functions.
pub(super) struct Summary {
    /// Per function: is it region-safe (see the module docs)?
    safe: Vec<bool>,
    /// Per function: may it run inside an evacuating loop: is it
    /// region-safe except that it may write globals with heap data?
    evacuable: Vec<bool>,
    /// Per function: may it allocate on the heap?
    allocates: Vec<bool>,
    /// Per function: may it push a value with heap data onto a list?
    pushes: Vec<bool>,
}

/// Summarises every function of `module` (fixpoints over the call graph,
/// each a walk of the callers from the functions that fail the rule, so
/// linear in the size of the module).
pub(super) fn summarise(module: &ir::Module, abi: &Abi) -> Summary {
    let n = module.funcs.len();
    let mut safe = vec![true; n];
    let mut evacuable = vec![true; n];
    let mut allocates = vec![false; n];
    let mut pushes = vec![false; n];
    // The callers of each function: through any call or drop (for safety
    // and pushes), and through direct calls (for allocation).
    let mut callers: Vec<Vec<u32>> = vec![Vec::new(); n];
    let mut direct_callers: Vec<Vec<u32>> = vec![Vec::new(); n];
    let mut facts = Facts::new(module, abi);
    for (i, func) in module.funcs.iter().enumerate() {
        facts.effect = false;
        facts.globals = false;
        facts.allocates = false;
        facts.pushes = false;
        facts.calls.clear();
        facts.walk(func, &func.body, &[]);
        safe[i] = !facts.effect && !facts.globals;
        evacuable[i] = !facts.effect;
        allocates[i] = facts.allocates;
        pushes[i] = facts.pushes;
        let unknown = |i: usize, safe: &mut [bool], evacuable: &mut [bool]| {
            safe[i] = false;
            evacuable[i] = false;
        };
        for callee in &facts.calls {
            match *callee {
                Callee::Func(f) if f.index() >= n => {
                    unknown(i, &mut safe, &mut evacuable);
                    (allocates[i], pushes[i]) = (true, true);
                }
                Callee::Func(f) => {
                    direct_callers[f.index()].push(i as u32);
                    callers[f.index()].push(i as u32);
                }
                import => {
                    allocates[i] |= callee_allocates(&[], import);
                    pushes[i] |= callee_pushes(&[], import);
                    if !callee_safe(module, &[], import) {
                        unknown(i, &mut safe, &mut evacuable);
                    }
                }
            }
        }
        for callee in drop_callees(func) {
            match callee {
                Callee::Func(f) if f.index() >= n => {
                    unknown(i, &mut safe, &mut evacuable);
                    pushes[i] = true;
                }
                Callee::Func(f) => callers[f.index()].push(i as u32),
                import => {
                    if !callee_safe(module, &[], import) {
                        unknown(i, &mut safe, &mut evacuable);
                    }
                }
            }
        }
        facts.declared.clear();
        facts.written.clear();
        facts.assigned.clear();
    }
    // A function is unsafe (not evacuable) once it calls or drops with one
    // that is (greatest fixpoints), allocates once it calls one that does,
    // and pushes once it calls or drops with one that does (least
    // fixpoints).
    let spread = |flag: &mut Vec<bool>, value: bool, callers: &[Vec<u32>]| {
        let mut work: Vec<usize> = (0..n).filter(|i| flag[*i] == value).collect();
        while let Some(f) = work.pop() {
            for caller in &callers[f] {
                let caller = *caller as usize;
                if flag[caller] != value {
                    flag[caller] = value;
                    work.push(caller);
                }
            }
        }
    };
    spread(&mut safe, false, &callers);
    spread(&mut evacuable, false, &callers);
    spread(&mut allocates, true, &direct_callers);
    spread(&mut pushes, true, &callers);
    Summary { safe, evacuable, allocates, pushes }
}

/// How a loop reclaims the heap its iterations allocate.
pub(super) enum LoopHeap {
    /// A region-safe loop: the heap top before the loop (a wasm local),
    /// reset to at the top of every iteration and after the loop.
    Region(u32),
    /// An evacuating loop (see the module docs).
    Evacuate(Evacuation),
}

/// An evacuating loop's roots and wasm locals.
pub(super) struct Evacuation {
    /// The heap top before the loop: what lies below it is never moved.
    pub(super) mark: u32,
    /// The heap top past which the next iteration evacuates.
    pub(super) limit: u32,
    /// The outer locals with heap data the loop writes.
    pub(super) roots: Vec<LocalId>,
    /// Does the loop (or a function it calls) write a global with heap
    /// data? Then the mutable globals with heap data are roots too.
    pub(super) globals: bool,
}

/// The heap an evacuating loop may allocate between two evacuations, at
/// least: an evacuation costs O(live bytes), so it runs only after
/// 2 x live bytes + this more bytes were allocated.
pub(super) const EVACUATE_MIN: i32 = 64 * 1024;

impl FuncGen<'_, '_> {
    /// How a loop with this body (and condition) reclaims each iteration's
    /// heap, if it does: as a region (region-safe), by evacuating its
    /// survivors, or not at all (nothing to gain when an iteration never
    /// allocates). Emits the code that runs before the loop.
    pub(super) fn loop_heap(&mut self, cond: Option<ExprId>, body: &[Stmt]) -> Option<LoopHeap> {
        let ctx = self.ctx;
        let summary = ctx.regions.get_or_init(|| summarise(ctx.module, &ctx.abi));
        let mut facts = Facts::new(ctx.module, &ctx.abi);
        facts.walk(self.func, body, cond.as_slice());
        facts.declared.sort_unstable();
        let allocates = facts.allocates || facts.calls.iter().any(|c| callee_allocates(&summary.allocates, *c));
        if facts.effect
            || !allocates
            || !drop_callees(self.func).all(|c| callee_safe(ctx.module, &summary.evacuable, c))
        {
            return None;
        }
        let heap_of = |l: LocalId| self.func.local(l).ty.to_wit().map(|t| ctx.abi.has_heap(&t));
        let outer: Vec<LocalId> =
            facts.written.iter().copied().filter(|l| facts.declared.binary_search(l).is_err()).collect();
        let region = !facts.globals
            && drop_callees(self.func).all(|c| callee_safe(ctx.module, &summary.safe, c))
            && facts.calls.iter().all(|c| callee_safe(ctx.module, &summary.safe, *c))
            && outer.iter().all(|l| heap_of(*l) == Some(false));
        if region {
            return Some(LoopHeap::Region(self.region_start()));
        }
        // An outer list updated in place keeps its buffer, which may lie
        // below the mark, and would hold the iteration's values there.
        let in_place_heap = facts.assigned.iter().any(|(l, value)| {
            facts.declared.binary_search(l).is_err()
                && self.in_place_sets.contains_key(value)
                && self
                    .func
                    .local(*l)
                    .ty
                    .to_wit()
                    .and_then(|t| ctx.abi.list_element(&t))
                    .is_none_or(|e| ctx.abi.has_heap(&e))
        });
        if in_place_heap
            || outer.iter().any(|l| heap_of(*l).is_none())
            || !facts.calls.iter().all(|c| callee_safe(ctx.module, &summary.evacuable, *c))
        {
            return None;
        }
        // What the loop calls, drops of the function's owning locals included.
        let callees: Vec<Callee> = facts.calls.iter().copied().chain(drop_callees(self.func)).collect();
        let globals = facts.globals || !callees.iter().all(|c| callee_safe(ctx.module, &summary.safe, *c));
        let pushes = facts.pushes || callees.iter().any(|c| callee_pushes(&summary.pushes, *c));
        let mut roots: Vec<LocalId> = Vec::new();
        for l in outer {
            if heap_of(l) == Some(true) && !roots.contains(&l) {
                roots.push(l);
            }
        }
        Some(LoopHeap::Evacuate(self.evacuation_start(roots, globals, pushes)))
    }

    /// At the top of each iteration of a loop (and after it, for a
    /// region): reclaims what the previous iterations allocated.
    pub(super) fn iteration_start(&mut self, heap: &Option<LoopHeap>, after: bool) {
        match heap {
            Some(LoopHeap::Region(mark)) => self.region_reset(*mark),
            Some(LoopHeap::Evacuate(evacuation)) if !after => self.evacuate(evacuation),
            _ => {}
        }
    }

    /// Before an evacuating loop: takes the mark, sets the first limit,
    /// clears the append register if the loop (or a function it calls) may
    /// push a value with heap data (so no push writes a pointer above the
    /// mark into a buffer below it; pushes of other values may) and empties
    /// the free lists (so no allocation of the loop lies below the mark).
    fn evacuation_start(&mut self, roots: Vec<LocalId>, globals: bool, pushes: bool) -> Evacuation {
        let mark = self.region_start();
        let limit = self.new_local(ValType::I32);
        self.out.extend([I::LocalGet(mark), I::I32Const(EVACUATE_MIN), I::I32Add, I::LocalSet(limit)]);
        if pushes {
            self.out.extend([I::I32Const(-1), I::GlobalSet(GLOBAL_APPEND_PTR)]);
        }
        self.out.extend([I::GlobalGet(GLOBAL_FREE_MAX), I::If(BlockType::Empty)]);
        self.empty_free_lists();
        self.out.push(I::End);
        Evacuation { mark, limit, roots, globals }
    }

    /// Before a region-safe loop: a fresh local holding the heap top, the
    /// mark each iteration resets to.
    pub(super) fn region_start(&mut self) -> u32 {
        let mark = self.new_local(ValType::I32);
        self.out.extend([I::GlobalGet(GLOBAL_HEAP), I::LocalSet(mark)]);
        mark
    }

    /// Reclaims everything allocated since `mark` was taken: the heap top
    /// goes back to it; the append register is cleared if its list lies
    /// above it; the free lists are emptied if they hold a block above it.
    /// In the debugging mode the reclaimed bytes are poisoned first.
    pub(super) fn region_reset(&mut self, mark: u32) {
        if self.ctx.debug {
            self.poison(|g| g.out.push(I::LocalGet(mark)), |g| g.out.push(I::GlobalGet(GLOBAL_HEAP)));
        }
        self.out.extend([I::LocalGet(mark), I::GlobalSet(GLOBAL_HEAP)]);
        self.out.extend([I::GlobalGet(GLOBAL_APPEND_PTR), I::LocalGet(mark), I::I32GeU, I::If(BlockType::Empty)]);
        self.out.extend([I::I32Const(-1), I::GlobalSet(GLOBAL_APPEND_PTR), I::End]);
        self.out.extend([I::GlobalGet(GLOBAL_FREE_MAX), I::LocalGet(mark), I::I32GeU, I::If(BlockType::Empty)]);
        self.empty_free_lists();
        self.out.push(I::End);
    }
}
