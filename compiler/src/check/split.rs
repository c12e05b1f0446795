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
//! Small files stay on one thread (starting one costs more than it saves),
//! and so does every file when only one CPU is available.

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
    if !split_wanted(source) || middle == 0 {
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
            let adopted = match other {
                // The first half added nothing: the second thread's tables
                // are those of a one-thread check.
                Some(mut other) if checker.shape() == collected => {
                    for index in 0..middle {
                        other.module.funcs[index] = std::mem::take(&mut checker.module.funcs[index]);
                    }
                    other.diagnostics = std::mem::take(&mut checker.diagnostics);
                    other.spare = std::mem::take(&mut checker.spare);
                    checker = other;
                    true
                }
                _ => false,
            };
            let take = if adopted { funcs.len() } else { pristine };
            #[cfg(test)]
            tests::record(adopted, take == funcs.len());
            let end = take.checked_sub(1).map_or(0, |last| ends[last]);
            checker.diagnostics.extend(diagnostics.drain(..end));
            for (index, function) in funcs.into_iter().take(take).enumerate() {
                checker.module.funcs[middle + index] = function;
            }
            next = middle + take;
        }
        // (`funcs` boxes an iterator per item: not walked again for nothing.)
        if next < count {
            for (index, func) in file.funcs().enumerate().skip(next) {
                checker.check_body(index, func, source);
            }
        }
        checker.check_inits(file, source);
        checker.finish_retire();
        checker
    })
}

/// Is `source` large enough to check its bodies on two threads, with a
/// second CPU to run them?
fn split_wanted(source: &str) -> bool {
    #[cfg(test)]
    if let Some(forced) = tests::FORCE.get() {
        return forced;
    }
    source.len() >= SPLIT && std::thread::available_parallelism().is_ok_and(|n| n.get() > 1)
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

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    thread_local! {
        /// Checks on this thread split (`Some(true)`), never split
        /// (`Some(false)`) or split by size (`None`).
        pub(super) static FORCE: Cell<Option<bool>> = const { Cell::new(None) };
        /// How many split checks on this thread took the second thread's
        /// tables, took all its bodies, and checked some of them again.
        static OUTCOMES: Cell<[usize; 3]> = const { Cell::new([0; 3]) };
    }

    /// Counts how a split check on this thread ended.
    pub(super) fn record(adopted: bool, all: bool) {
        let mut counts = OUTCOMES.get();
        let outcome = match (adopted, all) {
            (true, _) => 0,
            (false, true) => 1,
            (false, false) => 2,
        };
        counts[outcome] += 1;
        OUTCOMES.set(counts);
    }

    /// `crate::check_parts` on `source`, split or not.
    fn checked(source: &str, resolve: &wit_parser::Resolve, split: bool) -> (String, Vec<crate::Diagnostic>) {
        FORCE.set(Some(split));
        let checked = crate::check_parts(source, resolve);
        FORCE.set(None);
        (format!("{:?}", checked.module), checked.diagnostics)
    }

    /// Every program of the behaviour and diagnostic tests and the
    /// examples, plus a large generated one, checks to the same IR (types
    /// and helper functions numbered alike) and the same diagnostics in the
    /// same order on two threads as on one; the programs take each way of
    /// joining the halves.
    #[test]
    fn two_threads_check_as_one() {
        let resolve = crate::std_wit::resolve().expect("the standard WIT packages parse");
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut files = Vec::new();
        let mut dirs = vec![root.join("tests/run"), root.join("tests/ui"), root.join("examples")];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).expect("test directory").flatten() {
                let path = entry.path();
                if path.is_dir() {
                    dirs.push(path);
                } else if path.extension().is_some_and(|e| e == "claw") {
                    files.push(path);
                }
            }
        }
        files.sort();
        assert!(files.len() > 200, "found {} programs", files.len());
        let mut sources: Vec<(String, String)> = files
            .iter()
            .map(|p| (p.display().to_string(), std::fs::read_to_string(p).expect("readable program")))
            .collect();
        // Large enough to split by itself; bodies in both halves make new
        // types (`list<u8>`, `option<string>`) and report errors.
        let mut big = String::new();
        for i in 0..400 {
            big.push_str(&format!(
                "func f{i}(x: u32) -> u32 {{\n    let xs: list<u{w}> = [1, 2];\n    let s = \"\\{{x}} {i}\";\n    let o: option<string> = some(s);\n    return x + {i} + y{e};\n}}\n\n",
                w = if i < 200 { 8 } else { 16 },
                e = i % 97,
            ));
        }
        assert!(big.len() >= super::SPLIT);
        sources.push(("generated".into(), big));
        OUTCOMES.set([0; 3]);
        for (name, source) in &sources {
            let one = checked(source, &resolve, false);
            let two = checked(source, &resolve, true);
            assert_eq!(one.1, two.1, "diagnostics of {name}");
            assert!(one.0 == two.0, "IR of {name} differs on two threads");
        }
        let [adopted, all, again] = OUTCOMES.get();
        assert!(adopted > 0 && all > 0 && again > 0, "outcomes {adopted} {all} {again}");
    }
}
