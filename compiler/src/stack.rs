//! Stack growth for the recursive passes.
//!
//! The checker and codegen recurse once per level of nesting in the source.
//! Deeply nested (often generated) programs would overflow a thread's stack,
//! which aborts the process; instead, each recursive step runs through
//! [`grow`], which moves to a fresh heap-allocated stack segment when little
//! stack is left (the `stacker` crate, as rustc does).
//!
//! Asking `stacker` how much stack is left costs a call and a thread-local
//! lookup at every step (~8% of checking a body), so [`grow`] remembers, per
//! thread, the lowest address a step may start at without asking: the end
//! of the current stack (or segment) plus the red zone. Above it (stacks
//! grow down) a step runs at once; below it `stacker` is asked again.

use std::cell::Cell;

/// Stack that must be left before a recursive step; more than the largest
/// frame of any recursive function here, even in debug builds.
const RED_ZONE: usize = 256 * 1024;
/// Size of each new stack segment.
const SEGMENT: usize = 4 * 1024 * 1024;

thread_local! {
    /// The lowest stack address from which a step needs no check
    /// (`usize::MAX`: not known yet on this stack or segment).
    static NO_CHECK_ABOVE: Cell<usize> = const { Cell::new(usize::MAX) };
}

/// Runs `f`, first switching to a new stack segment if the current one is
/// nearly used up.
#[inline]
pub(crate) fn grow<R>(f: impl FnOnce() -> R) -> R {
    let marker = 0u8;
    let here = std::ptr::addr_of!(marker) as usize;
    if here > NO_CHECK_ABOVE.get() { f() } else { grow_checked(here, f) }
}

/// [`grow`] when the stack left is unknown or may be short: asks `stacker`.
#[inline(never)]
fn grow_checked<R>(here: usize, f: impl FnOnce() -> R) -> R {
    match stacker::remaining_stack() {
        Some(left) if left >= RED_ZONE => {
            // The stack ends `left` bytes below `here`.
            NO_CHECK_ABOVE.set((here - left).saturating_add(RED_ZONE));
            f()
        }
        Some(_) => {
            // A new segment, whose end the first step in it looks up; the
            // current stack's is known again once back.
            let outer = NO_CHECK_ABOVE.replace(usize::MAX);
            let result = stacker::grow(SEGMENT, f);
            NO_CHECK_ABOVE.set(outer);
            result
        }
        // Where the stack's size is unknown, `stacker::maybe_grow` runs `f`
        // as it is too.
        None => f(),
    }
}
