//! Which list locals `xs[i] = e` may update in place: a compile-time proof
//! that no other value can share the local's buffer once it owns one.
//!
//! There are no reference counts, so a `(ptr, len)` list may share its
//! buffer with copies and slices. A local list `xs` of a function is
//! *in-place* when its every read is one that cannot hand its buffer to
//! another value:
//!
//! - `xs[i]` (the element is copied out; a string or list element shares
//!   its own buffer, never `xs`'s), `xs.len()`, `xs.is-empty()`,
//!   `xs.get(i)`, `xs.contains(x)`;
//! - the base of `xs = <xs with element i replaced>` (what `xs[i] = e`
//!   becomes);
//! - the list of `for x in xs` when the loop's body does not write `xs`
//!   (the loop reads the buffer after each iteration).
//!
//! Passing `xs` to a function, returning it, storing it in another value or
//! variable, slicing it or concatenating it makes it an ordinary local.
//! `push` and `pop` write the variable directly and are allowed. An update
//! inside a `Seq` (`push` or `pop` on a part, `xs[i].push(e)`) is in place
//! only when the `Seq` is a statement of its own: inside another
//! expression, it could change a list that expression has already read.
//!
//! Each in-place local gets a hidden `i32` flag, *owned*: set when the
//! local's buffer is one only it refers to. The first `xs[i] = e` after the
//! local is bound or assigned copies the list (as every update did before)
//! and sets the flag; later updates store into the buffer while it holds.
//! Binding or assigning anything else clears it. `push` and `pop` keep it:
//! they extend the same buffer or move the list into a fresh one.
//!
//! The copy allocates, but only in a loop that also assigns `xs`, which is
//! declared outside the loop's body (or the flag is cleared by its `let`
//! each iteration): such a loop is never a heap region (`regions.rs`), so
//! the owned buffer is never reclaimed while `xs` can reach it. It may be
//! an evacuating loop, whose collection copies `xs` (a root) into a fresh
//! buffer that only `xs` refers to, so the flag stays true; a loop that
//! updates in place an outer list whose elements hold heap data does not
//! evacuate (the buffer may lie below the loop's mark).

use crate::ir::{self, Builtin, ExprId, ExprKind, LocalId, Place, Stmt};
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

/// The in-place list locals of `func` (in order), and the `ListSet` expressions
/// (each the value assigned back to its local) that update in place.
///
/// Walks the body from its statements (the expression arena also holds
/// expressions that no statement reaches, such as the receiver of a
/// `push`, which codegen never emits). A function without a `ListSet`
/// (most of them) has none, and is not walked.
pub(super) fn in_place_lists(func: &ir::Function) -> (Vec<LocalId>, HashMap<ExprId, LocalId>) {
    if !func.exprs.iter().any(|e| matches!(e.kind, ExprKind::ListSet(..))) {
        return Default::default();
    }
    let local_of = |id: ExprId| match func.expr(id).kind {
        ExprKind::Local(l) => Some(l),
        _ => None,
    };
    // Reads of locals that keep the buffer to the local.
    let mut allowed: HashSet<ExprId> = HashSet::default();
    let mut excluded: HashSet<LocalId> = HashSet::default();
    let mut sets: HashMap<ExprId, LocalId> = HashMap::default();
    // Statement lists, each with whether it is a statement of its own (the
    // body's, or a `Seq` that is a whole statement) rather than inside an
    // expression, where an update in place could change a list the
    // enclosing expression has already read.
    let mut lists: Vec<(&[Stmt], bool)> = vec![(&func.body, true)];
    let mut exprs: Vec<ExprId> = Vec::new();
    while let Some((stmts, own)) = lists.pop() {
        for stmt in stmts {
            match stmt {
                Stmt::Let(_, e) | Stmt::Assign(Place::Global(_), e) => exprs.push(*e),
                Stmt::Assign(Place::Local(l), value) => {
                    if let ExprKind::ListSet(base, ..) = func.expr(*value).kind
                        && local_of(base) == Some(*l)
                        && own
                    {
                        allowed.insert(base);
                        sets.insert(*value, *l);
                    }
                    exprs.push(*value);
                }
                Stmt::Expr(e) => match &func.expr(*e).kind {
                    ExprKind::Seq(inner, tail) if own => {
                        lists.push((inner, true));
                        exprs.extend(tail);
                    }
                    _ => exprs.push(*e),
                },
                Stmt::Return(e) => exprs.extend(e),
                Stmt::If { cond, then, otherwise } => {
                    exprs.push(*cond);
                    lists.extend([(&then[..], own), (&otherwise[..], own)]);
                }
                Stmt::While { cond, body } => {
                    exprs.push(*cond);
                    lists.push((body, own));
                }
                Stmt::Loop(body) | Stmt::Block(body) => lists.push((body, own)),
                Stmt::For { var, end_local, start, end, body } => {
                    excluded.extend([*var, *end_local]);
                    exprs.extend([*start, *end]);
                    lists.push((body, own));
                }
                Stmt::ForEach { var, list_local, index, list, body } => {
                    excluded.extend([*var, *list_local, *index]);
                    if let Some(l) = local_of(*list)
                        && !writes(func, body, l)
                    {
                        allowed.insert(*list);
                    }
                    exprs.push(*list);
                    lists.push((body, own));
                }
                Stmt::Break | Stmt::Continue | Stmt::DropLocals(_) => {}
            }
        }
        while let Some(id) = exprs.pop() {
            match &func.expr(id).kind {
                ExprKind::Local(l) if !allowed.contains(&id) => {
                    excluded.insert(*l);
                }
                ExprKind::Index(base, _) => {
                    allowed.insert(*base);
                }
                ExprKind::Builtin(Builtin::Len | Builtin::IsEmpty | Builtin::ListGet | Builtin::ListContains, args) => {
                    allowed.extend(args.first());
                }
                ExprKind::Move(l) | ExprKind::Bind(l, _) => {
                    excluded.insert(*l);
                }
                ExprKind::Seq(inner, _) => lists.push((inner, false)),
                _ => {}
            }
            func.expr(id).kind.for_each_child(|child| exprs.push(child));
        }
    }
    sets.retain(|_, l| !excluded.contains(l) && func.local(*l).owned.is_none());
    let mut locals: Vec<LocalId> = sets.values().copied().collect();
    locals.sort_unstable();
    locals.dedup();
    (locals, sets)
}

/// Do `stmts` (with the statements inside their expressions) assign,
/// `push` onto or `pop` from `local`?
fn writes(func: &ir::Function, stmts: &[Stmt], local: LocalId) -> bool {
    let mut lists: Vec<&[Stmt]> = vec![stmts];
    let mut exprs: Vec<ExprId> = Vec::new();
    while let Some(stmts) = lists.pop() {
        for stmt in stmts {
            match stmt {
                Stmt::Let(l, e) => {
                    if *l == local {
                        return true;
                    }
                    exprs.push(*e);
                }
                Stmt::Assign(place, e) => {
                    if *place == Place::Local(local) {
                        return true;
                    }
                    exprs.push(*e);
                }
                Stmt::Expr(e) => exprs.push(*e),
                Stmt::Return(e) => exprs.extend(e),
                Stmt::If { cond, then, otherwise } => {
                    exprs.push(*cond);
                    lists.extend([&then[..], &otherwise[..]]);
                }
                Stmt::While { cond, body } => {
                    exprs.push(*cond);
                    lists.push(body);
                }
                Stmt::Loop(body) | Stmt::Block(body) => lists.push(body),
                Stmt::For { start, end, body, .. } => {
                    exprs.extend([*start, *end]);
                    lists.push(body);
                }
                Stmt::ForEach { list, body, .. } => {
                    exprs.push(*list);
                    lists.push(body);
                }
                Stmt::Break | Stmt::Continue | Stmt::DropLocals(_) => {}
            }
        }
        // The expressions below these statements: their `push`, `pop` and
        // nested statements.
        while let Some(id) = exprs.pop() {
            let mut found = false;
            func.expr(id).kind.for_each_child(|child| exprs.push(child));
            match &func.expr(id).kind {
                ExprKind::ListPush(place, _) | ExprKind::ListPop(place) => found = *place == Place::Local(local),
                ExprKind::Seq(stmts, _) => lists.push(stmts),
                _ => {}
            }
            if found {
                return true;
            }
        }
    }
    false
}
