//! Checking a large file's function bodies on two threads, with the result
//! of a one-thread check: the same IR (so the same output bytes) and the
//! same diagnostics in the same order.
//!
//! Once items are collected, bodies are independent except for the tables
//! they may add to: anonymous types (`list<T>`, ...), helper functions
//! (`wave`, drop glue), imported intrinsics and retire lists, each numbered
//! in creation order. A second thread collects the items itself (collecting
//! is deterministic, so its tables are those of the compile thread) and
//! checks the second half of the bodies while the compile thread checks the
//! first half. After each body it compares the sizes of every table bodies
//! can add to ([`Shape`]) with those after collecting:
//!
//! - bodies that added nothing are exactly what a one-thread check makes of
//!   them: everything they looked up was there from the start, so it is
//!   there with the same id after the first half too;
//! - if the first half added nothing, the second thread started from the
//!   state a one-thread check reaches at the middle, so all its bodies and
//!   its tables are taken as they are;
//! - otherwise the bodies from the second thread's first addition on are
//!   checked again on the compile thread, after the first half.
//!
//! Small files stay on one thread (starting one costs more than it saves).

use super::*;

/// Source size (bytes) from which bodies are checked on two threads; a
/// thread costs ~50-100 µs, about what checking 30 KiB of bodies does.
const SPLIT: usize = 32 * 1024;

/// Stack of the second thread (the checker grows it when nesting is deep,
/// see [`crate::stack`]).
const STACK: usize = 8 * 1024 * 1024;

/// The sizes of every table checking a body may add to: equal shapes
/// after collecting and after some bodies mean those bodies added nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Shape([usize; 28]);

impl Checker {
    fn shape(&self) -> Shape {
        let m = &self.module;
        let r = &self.resolve;
        Shape([
            r.types.len(),
            r.interfaces.len(),
            r.worlds.len(),
            r.packages.len(),
            m.imports.len(),
            m.interfaces.len(),
            m.exported_interfaces.len(),
            m.inline_interfaces.len(),
            m.globals.len(),
            m.funcs.len(),
            m.resources.len(),
            m.types.len(),
            usize::from(m.retire.is_some()),
            usize::from(m.init.is_some()),
            self.names.len(),
            self.name_spans.len(),
            self.signatures.len(),
            self.import_signatures.len(),
            self.pending_types.len(),
            self.wave_functions.len(),
            self.imported.len(),
            self.intrinsics.len(),
            self.drop_functions.len(),
            self.defined.len(),
            self.resource_types.len(),
            self.retired.len(),
            self.members.len(),
            self.poisoned.len(),
        ])
    }
}

/// What the second thread hands back.
struct SecondHalf {
    /// Its tables right after collecting.
    collected: Shape,
    /// The checked functions, from the middle on.
    funcs: Vec<ir::Function>,
    /// The diagnostics of their bodies, in order.
    diagnostics: Vec<Diagnostic>,
    /// `diagnostics.len()` after each function.
    ends: Vec<usize>,
    /// How many of `funcs`, from the first, added nothing to the tables.
    pristine: usize,
    /// Its checker, when some body added to the tables (else dropped on
    /// the second thread).
    checker: Option<Checker>,
}

/// Collects `file`'s items and checks its bodies (see [`Checker::check_bodies`]),
/// on two threads when the file is large.
pub(super) fn check_file(file: &ast::File, source: &str, resolve: &Resolve, testing: TestContext) -> Checker {
    let count = file.funcs().count();
    let middle = count / 2;
    if source.len() < SPLIT || middle == 0 {
        let mut checker = Checker::new(testing, resolve);
        checker.collect(file);
        checker.check_bodies(file, source);
        return checker;
    }
    std::thread::scope(|scope| {
        let other = testing.clone();
        let second = std::thread::Builder::new()
            .stack_size(STACK)
            .spawn_scoped(scope, move || second_half(file, source, resolve, other, middle, count));
        let mut checker = Checker::new(testing, resolve);
        checker.collect(file);
        let collected = checker.shape();
        for (index, func) in file.funcs().enumerate().take(middle) {
            checker.check_body(index, func, source);
        }
        let mut next = middle;
        // A thread that could not start or panicked: its half is checked here.
        if let Ok(handle) = second
            && let Ok(second) = handle.join()
            && second.collected == collected
        {
            let SecondHalf { funcs, mut diagnostics, ends, pristine, checker: other, .. } = second;
            let mut take = pristine;
            if let Some(mut other) = other
                && checker.shape() == collected
            {
                // The first half added nothing: the second thread's tables
                // are those of a one-thread check.
                for index in 0..middle {
                    other.module.funcs[index] = std::mem::take(&mut checker.module.funcs[index]);
                }
                other.diagnostics = std::mem::take(&mut checker.diagnostics);
                other.spare = std::mem::take(&mut checker.spare);
                checker = other;
                take = funcs.len();
            }
            let end = take.checked_sub(1).map_or(0, |last| ends[last]);
            checker.diagnostics.extend(diagnostics.drain(..end));
            for (index, function) in funcs.into_iter().take(take).enumerate() {
                checker.module.funcs[middle + index] = function;
            }
            next = middle + take;
        }
        for (index, func) in file.funcs().enumerate().skip(next) {
            checker.check_body(index, func, source);
        }
        checker.check_inits(file, source);
        checker.finish_retire();
        checker
    })
}

/// The second thread: collects `file`'s items and checks the bodies of its
/// functions from the `middle`-th on (of `count`).
fn second_half(
    file: &ast::File,
    source: &str,
    resolve: &Resolve,
    testing: TestContext,
    middle: usize,
    count: usize,
) -> SecondHalf {
    let mut checker = Checker::new(testing, resolve);
    checker.collect(file);
    let collected = checker.shape();
    let start = checker.diagnostics.len();
    let mut ends = Vec::with_capacity(count - middle);
    let mut pristine = None;
    for (index, func) in file.funcs().enumerate().skip(middle) {
        checker.check_body(index, func, source);
        ends.push(checker.diagnostics.len() - start);
        if pristine.is_none() && checker.shape() != collected {
            pristine = Some(index - middle);
        }
    }
    let funcs: Vec<ir::Function> = checker.module.funcs[middle..count].iter_mut().map(std::mem::take).collect();
    let diagnostics = checker.diagnostics.split_off(start);
    let pristine = pristine.unwrap_or(funcs.len());
    let checker = (pristine < funcs.len()).then_some(checker);
    SecondHalf { collected, funcs, diagnostics, ends, pristine, checker }
}
