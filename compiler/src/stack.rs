//! Stack growth for the recursive passes.
//!
//! The checker and codegen recurse once per level of nesting in the source.
//! Deeply nested (often generated) programs would overflow a thread's stack,
//! which aborts the process; instead, each recursive step runs through
//! [`grow`], which moves to a fresh heap-allocated stack segment when little
//! stack is left (the `stacker` crate, as rustc does).

/// Stack that must be left before a recursive step; more than the largest
/// frame of any recursive function here, even in debug builds.
const RED_ZONE: usize = 256 * 1024;
/// Size of each new stack segment.
const SEGMENT: usize = 4 * 1024 * 1024;

/// Runs `f`, first switching to a new stack segment if the current one is
/// nearly used up.
pub(crate) fn grow<R>(f: impl FnOnce() -> R) -> R {
    stacker::maybe_grow(RED_ZONE, SEGMENT, f)
}
