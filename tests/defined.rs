//! A resource defined in Claw, checked by an independent host:
//! `tests/defined/library.claw` implements the `counters` interface of
//! `tests/defined/library.wit`, and this test drives it through wasmtime's
//! `bindgen!`-generated bindings: it creates instances (constructor and
//! static functions), calls methods with `borrow` and `own` arguments,
//! drops them, and checks through the guest's `live`/`destroyed` counters
//! (kept by the resource's `destructor`) that every instance is destroyed
//! exactly once and that memory stays bounded when instances are created
//! and dropped many times.

#![allow(missing_docs)] // the bindings `bindgen!` generates are undocumented

use std::sync::OnceLock;
use wasmtime::component::{Component, Linker, ResourceAny};
use wasmtime::{Engine, ResourceLimiter, Store};

wasmtime::component::bindgen!({
    path: "tests/defined/library.wit",
    world: "library",
});

/// Records the largest size linear memory grows to.
#[derive(Default)]
struct State {
    peak_memory: usize,
}

impl ResourceLimiter for State {
    fn memory_growing(&mut self, _current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        self.peak_memory = self.peak_memory.max(desired);
        Ok(true)
    }

    fn table_growing(&mut self, _current: usize, _desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        Ok(true)
    }
}

fn component(engine: &Engine) -> Component {
    static BYTES: OnceLock<Vec<u8>> = OnceLock::new();
    let bytes = BYTES.get_or_init(|| {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/defined");
        let source = std::fs::read_to_string(dir.join("library.claw")).expect("library.claw");
        let mut resolve = claw_compiler::std_wit::resolve().expect("bundled WIT");
        resolve.push_file(dir.join("library.wit")).expect("library.wit");
        match claw_compiler::compile(&source, "library", &resolve) {
            Ok(compiled) => compiled.component,
            Err(d) => panic!("{}", clawc::render::render(&d, "library.claw", &source, false)),
        }
    });
    Component::new(engine, bytes).expect("a valid component")
}

fn instance() -> (Store<State>, Library) {
    let engine = Engine::default();
    let component = component(&engine);
    let linker = Linker::new(&engine);
    let mut store = Store::new(&engine, State::default());
    store.limiter(|s| s as &mut dyn ResourceLimiter);
    let bindings = Library::instantiate(&mut store, &component, &linker).expect("instantiates");
    (store, bindings)
}

/// `(live, destroyed)` as the guest counts them.
fn counts(store: &mut Store<State>, g: &Library) -> (u32, u32) {
    let c = g.testing_library_counters();
    (c.call_live(&mut *store).unwrap(), c.call_destroyed(&mut *store).unwrap())
}

#[test]
fn constructor_methods_and_drop() {
    let (mut store, g) = instance();
    let counter = g.testing_library_counters().counter();
    let c = counter.call_constructor(&mut store, 5).unwrap();
    assert_eq!(counter.call_increment(&mut store, c).unwrap(), 6);
    assert_eq!(counter.call_increment(&mut store, c).unwrap(), 7);
    assert_eq!(counter.call_get(&mut store, c).unwrap(), 7);
    assert_eq!(counter.call_label(&mut store, c).unwrap(), "counter 5");
    counter.call_rename(&mut store, c, "renamed, with a longer name").unwrap();
    assert_eq!(counter.call_label(&mut store, c).unwrap(), "renamed, with a longer name");
    assert_eq!(counts(&mut store, &g), (1, 0));
    c.resource_drop(&mut store).unwrap();
    assert_eq!(counts(&mut store, &g), (0, 1));
}

#[test]
fn instances_are_independent() {
    let (mut store, g) = instance();
    let counter = g.testing_library_counters().counter();
    let a = counter.call_constructor(&mut store, 10).unwrap();
    let b = counter.call_zero(&mut store).unwrap();
    counter.call_increment(&mut store, b).unwrap();
    assert_eq!(counter.call_get(&mut store, a).unwrap(), 10);
    assert_eq!(counter.call_get(&mut store, b).unwrap(), 1);
    // A borrow of another instance: `add` reads it and leaves it alive.
    assert_eq!(counter.call_add(&mut store, a, b).unwrap(), 11);
    assert_eq!(counter.call_get(&mut store, b).unwrap(), 1);
    a.resource_drop(&mut store).unwrap();
    // Dropping one leaves the other (and its slot) intact.
    assert_eq!(counter.call_get(&mut store, b).unwrap(), 1);
    assert_eq!(counter.call_label(&mut store, b).unwrap(), "counter 0");
    b.resource_drop(&mut store).unwrap();
    assert_eq!(counts(&mut store, &g), (0, 2));
}

#[test]
fn own_arguments_move_into_the_component_and_are_destroyed_there() {
    let (mut store, g) = instance();
    let counter = g.testing_library_counters().counter();
    let a = counter.call_constructor(&mut store, 2).unwrap();
    let b = counter.call_constructor(&mut store, 3).unwrap();
    let sum = counter.call_absorb(&mut store, a, b).unwrap();
    // `a` and `b` were dropped at the end of `absorb` (inside the call).
    assert_eq!(counts(&mut store, &g), (1, 2));
    assert_eq!(counter.call_get(&mut store, sum).unwrap(), 5);
    sum.resource_drop(&mut store).unwrap();
    assert_eq!(counts(&mut store, &g), (0, 3));
}

#[test]
fn lists_and_options_of_handles() {
    let (mut store, g) = instance();
    let counters = g.testing_library_counters();
    let many: Vec<ResourceAny> = counters.call_make_many(&mut store, 100).unwrap();
    assert_eq!(many.len(), 100);
    assert_eq!(counts(&mut store, &g), (100, 0));
    for (i, c) in many.iter().enumerate() {
        assert_eq!(counters.counter().call_get(&mut store, *c).unwrap(), i as u32);
    }
    for c in many {
        c.resource_drop(&mut store).unwrap();
    }
    assert_eq!(counts(&mut store, &g), (0, 100));
    assert!(counters.call_maybe(&mut store, false).unwrap().is_none());
    let some = counters.call_maybe(&mut store, true).unwrap().expect("some");
    assert_eq!(counters.counter().call_get(&mut store, some).unwrap(), 7);
    some.resource_drop(&mut store).unwrap();
    assert_eq!(counts(&mut store, &g), (0, 101));
}

#[test]
fn a_million_instances_created_and_dropped_by_the_host_in_bounded_memory() {
    let (mut store, g) = instance();
    let counter = g.testing_library_counters().counter();
    for i in 0..1_000_000u32 {
        let c = counter.call_constructor(&mut store, i).unwrap();
        if i % 1000 == 0 {
            assert_eq!(counter.call_get(&mut store, c).unwrap(), i);
        }
        c.resource_drop(&mut store).unwrap();
    }
    assert_eq!(counts(&mut store, &g), (0, 1_000_000));
    // Each call's garbage is reclaimed at its end and the freed slot is
    // reused, so the table keeps its first size: memory never grows.
    assert!(store.data().peak_memory <= 65536, "peak memory {} bytes", store.data().peak_memory);
}

#[test]
fn a_million_instances_inside_one_call_destroy_each_once() {
    let (mut store, g) = instance();
    let counters = g.testing_library_counters();
    let expected: u32 = (0..1_000_000u32).map(|i| (i + 1) % 7).sum();
    assert_eq!(counters.call_churn(&mut store, 1_000_000).unwrap(), expected);
    assert_eq!(counts(&mut store, &g), (0, 1_000_000));
}

#[test]
fn slots_are_reused_after_drops() {
    let (mut store, g) = instance();
    let counter = g.testing_library_counters().counter();
    // Grow the table to 1,000 live instances, free them, and do it again:
    // the second round reuses the freed slots, so memory does not grow.
    for _round in 0..2 {
        let live: Vec<ResourceAny> = (0..1000).map(|i| counter.call_constructor(&mut store, i).unwrap()).collect();
        for (i, c) in live.iter().enumerate() {
            assert_eq!(counter.call_get(&mut store, *c).unwrap(), i as u32);
        }
        for c in live {
            c.resource_drop(&mut store).unwrap();
        }
    }
    let after_two_rounds = store.data().peak_memory;
    let live: Vec<ResourceAny> = (0..1000).map(|i| counter.call_constructor(&mut store, i).unwrap()).collect();
    for c in live {
        c.resource_drop(&mut store).unwrap();
    }
    assert_eq!(store.data().peak_memory, after_two_rounds);
    assert_eq!(counts(&mut store, &g), (0, 3000));
}

/// The `ledger` example (examples/ledger/ledger.claw), a library exporting the
/// `account` resource, used from a host the way another component would.
mod ledger {
    use super::State;
    use std::sync::OnceLock;
    use wasmtime::component::{Component, Linker};
    use wasmtime::{Engine, Store};

    wasmtime::component::bindgen!({
        path: "examples/ledger/wit/ledger.wit",
        world: "ledger",
        additional_derives: [PartialEq],
    });

    use exports::example::ledger::accounts::Failure;

    fn instance() -> (Store<State>, Ledger) {
        static BYTES: OnceLock<Vec<u8>> = OnceLock::new();
        let bytes = BYTES.get_or_init(|| {
            let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
            let source = std::fs::read_to_string(root.join("examples/ledger/ledger.claw")).expect("ledger.claw");
            let mut resolve = claw_compiler::std_wit::resolve().expect("bundled WIT");
            resolve.push_file(root.join("examples/ledger/wit/ledger.wit")).expect("ledger.wit");
            match claw_compiler::compile(&source, "ledger", &resolve) {
                Ok(compiled) => compiled.component,
                Err(d) => panic!("{}", clawc::render::render(&d, "ledger.claw", &source, false)),
            }
        });
        let engine = Engine::default();
        let component = Component::new(&engine, bytes).expect("a valid component");
        let mut store = Store::new(&engine, State::default());
        let bindings = Ledger::instantiate(&mut store, &component, &Linker::new(&engine)).expect("instantiates");
        (store, bindings)
    }

    #[test]
    fn accounts_from_a_host() {
        let (mut store, l) = instance();
        let accounts = l.example_ledger_accounts();
        let account = accounts.account();
        let ada = account.call_constructor(&mut store, "Ada").unwrap();
        let bob = account.call_constructor(&mut store, "Bob").unwrap();
        assert_eq!(accounts.call_open_accounts(&mut store).unwrap(), 2);
        assert_eq!(account.call_deposit(&mut store, ada, 500).unwrap(), Ok(500));
        assert_eq!(account.call_deposit(&mut store, ada, 0).unwrap(), Err(Failure::ZeroAmount));
        assert_eq!(account.call_withdraw(&mut store, bob, 1).unwrap(), Err(Failure::InsufficientFunds(0)));
        assert_eq!(account.call_transfer(&mut store, ada, bob, 200).unwrap(), Ok(()));
        assert_eq!(account.call_transfer(&mut store, bob, ada, 201).unwrap(), Err(Failure::InsufficientFunds(200)));
        assert_eq!(account.call_balance(&mut store, ada).unwrap(), 300);
        assert_eq!(account.call_balance(&mut store, bob).unwrap(), 200);
        assert_eq!(account.call_history(&mut store, ada).unwrap(), [500, -200]);
        assert_eq!(account.call_owner(&mut store, bob).unwrap(), "Bob");
        let joint = account.call_merge(&mut store, bob, ada).unwrap();
        assert_eq!(account.call_owner(&mut store, joint).unwrap(), "Bob");
        assert_eq!(account.call_balance(&mut store, joint).unwrap(), 500);
        assert_eq!(accounts.call_open_accounts(&mut store).unwrap(), 1);
        joint.resource_drop(&mut store).unwrap();
        assert_eq!(accounts.call_open_accounts(&mut store).unwrap(), 0);
        assert_eq!(
            l.call_demo(&mut store).unwrap(),
            "Ada holds 10000 cents after [10000]; refused: err(insufficient-funds(2550)); open: 1"
        );
        assert_eq!(accounts.call_open_accounts(&mut store).unwrap(), 0);
    }
}
