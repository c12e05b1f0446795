//! Loop iterations as heap regions: which loops may reclaim, at the start
//! of each iteration, everything the previous iteration allocated.
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
//! The codegen side is in `stmt.rs` (`region_start`, `region_reset`).

use super::*;
use crate::ir::{ExprKind, LocalId, Place, Stmt};

/// What a walk over statements and expressions found.
struct Facts<'m> {
    module: &'m ir::Module,
    abi: &'m Abi<'m>,
    /// Something that may let a value escape whatever the locals.
    effect: bool,
    /// Something that allocates on the heap by itself (calls aside).
    allocates: bool,
    calls: Vec<Callee>,
    declared: Vec<LocalId>,
    written: Vec<LocalId>,
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
            allocates: false,
            calls: Vec::new(),
            declared: Vec::new(),
            written: Vec::new(),
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
            Place::Global(_) => self.effect |= self.global_has_heap(place),
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
                        ExprKind::ListPush(place, _) | ExprKind::ListPop(place) => self.write(*place),
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

/// Can a call of `callee` run inside a region-safe iteration?
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

/// What loops need to know about the module's functions.
pub(super) struct Summary {
    /// Per function: is it region-safe (see the module docs)?
    safe: Vec<bool>,
    /// Per function: may it allocate on the heap?
    allocates: Vec<bool>,
}

/// Summarises every function of `module` (fixpoints over the call graph,
/// each a walk of the callers from the functions that fail the rule, so
/// linear in the size of the module).
pub(super) fn summarise(module: &ir::Module, abi: &Abi) -> Summary {
    let n = module.funcs.len();
    let mut safe = vec![true; n];
    let mut allocates = vec![false; n];
    // The callers of each function: through any call or drop (for safety),
    // and through direct calls (for allocation).
    let mut callers: Vec<Vec<u32>> = vec![Vec::new(); n];
    let mut direct_callers: Vec<Vec<u32>> = vec![Vec::new(); n];
    let mut facts = Facts::new(module, abi);
    for (i, func) in module.funcs.iter().enumerate() {
        facts.effect = false;
        facts.allocates = false;
        facts.calls.clear();
        facts.walk(func, &func.body, &[]);
        safe[i] = !facts.effect;
        allocates[i] = facts.allocates;
        for callee in &facts.calls {
            match *callee {
                Callee::Func(f) if f.index() >= n => (safe[i], allocates[i]) = (false, true),
                Callee::Func(f) => {
                    direct_callers[f.index()].push(i as u32);
                    callers[f.index()].push(i as u32);
                }
                import => {
                    allocates[i] |= callee_allocates(&[], import);
                    safe[i] &= callee_safe(module, &[], import);
                }
            }
        }
        for callee in drop_callees(func) {
            match callee {
                Callee::Func(f) if f.index() >= n => safe[i] = false,
                Callee::Func(f) => callers[f.index()].push(i as u32),
                import => safe[i] &= callee_safe(module, &[], import),
            }
        }
        facts.declared.clear();
        facts.written.clear();
    }
    // A function is unsafe once it calls (or drops with) an unsafe one
    // (greatest fixpoint), and allocates once it calls one that does (least
    // fixpoint).
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
    spread(&mut allocates, true, &direct_callers);
    Summary { safe, allocates }
}

impl FuncGen<'_, '_> {
    /// Should a loop with this body (and condition) reclaim each
    /// iteration's heap: is it region-safe, and may an iteration allocate?
    /// (A loop that never allocates gains nothing from the resets.)
    pub(super) fn region_safe(&self, cond: Option<ExprId>, body: &[Stmt]) -> bool {
        let ctx = self.ctx;
        let summary = ctx.regions.get_or_init(|| summarise(ctx.module, &ctx.abi));
        if !drop_callees(self.func).all(|c| callee_safe(ctx.module, &summary.safe, c)) {
            return false;
        }
        let mut facts = Facts::new(ctx.module, &ctx.abi);
        facts.walk(self.func, body, cond.as_slice());
        facts.declared.sort_unstable();
        !facts.effect
            && (facts.allocates || facts.calls.iter().any(|c| callee_allocates(&summary.allocates, *c)))
            && facts.calls.iter().all(|c| callee_safe(ctx.module, &summary.safe, *c))
            && facts.written.iter().all(|l| {
                facts.declared.binary_search(l).is_ok()
                    || self.func.local(*l).ty.to_wit().is_some_and(|t| !ctx.abi.has_heap(&t))
            })
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
