//! Resource handles, checked by an independent host: `tests/resources/`
//! holds a WIT interface with a resource whose destructor records what it
//! drops (implemented here with wasmtime's `bindgen!`), and a Claw guest
//! that ends owned handles in every way the language allows. Each test
//! checks which handles were dropped, in which order, and that none was
//! dropped twice or leaked (the host's resource table ends empty).

#![allow(missing_docs)] // the bindings `bindgen!` generates are undocumented

use std::sync::OnceLock;
use wasmtime::component::{Component, HasSelf, Linker, Resource, ResourceTable};
use wasmtime::{Engine, Store};

/// The host's representation of a token: its label.
pub struct TokenRep(String);

wasmtime::component::bindgen!({
    path: "tests/resources/tracker.wit",
    world: "guest",
    with: { "testing:resources/tracker.token": TokenRep },
});

use testing::resources::tracker;

#[derive(Default)]
struct State {
    table: ResourceTable,
    dropped: Vec<String>,
}

impl State {
    fn new_token(&mut self, label: String) -> Resource<TokenRep> {
        self.table.push(TokenRep(label)).expect("table space")
    }

    fn take(&mut self, t: Resource<TokenRep>) -> String {
        self.table.delete(t).expect("a live token").0
    }
}

impl tracker::HostToken for State {
    fn new(&mut self, label: String) -> Resource<TokenRep> {
        self.new_token(label)
    }

    fn label(&mut self, t: Resource<TokenRep>) -> String {
        self.table.get(&t).expect("a live token").0.clone()
    }

    fn merge(&mut self, a: Resource<TokenRep>, b: Resource<TokenRep>) -> Resource<TokenRep> {
        let (a, b) = (self.take(a), self.take(b));
        self.new_token(format!("{a}+{b}"))
    }

    fn drop(&mut self, t: Resource<TokenRep>) -> wasmtime::Result<()> {
        let label = self.take(t);
        self.dropped.push(label);
        Ok(())
    }
}

impl tracker::Host for State {
    fn make(&mut self, label: String) -> Resource<TokenRep> {
        self.new_token(label)
    }

    fn maybe_token(&mut self, label: String, give: bool) -> Option<Resource<TokenRep>> {
        give.then(|| self.new_token(label))
    }

    fn try_token(&mut self, label: String, ok: bool) -> Result<Resource<TokenRep>, Resource<TokenRep>> {
        let t = self.new_token(label);
        if ok { Ok(t) } else { Err(t) }
    }

    fn consume(&mut self, t: Resource<TokenRep>) {
        let label = self.take(t);
        self.dropped.push(label);
    }

    fn peek(&mut self, t: Resource<TokenRep>) -> String {
        self.table.get(&t).expect("a live token").0.clone()
    }

    fn dropped(&mut self) -> Vec<String> {
        self.dropped.clone()
    }
}

fn component(engine: &Engine) -> Component {
    static BYTES: OnceLock<Vec<u8>> = OnceLock::new();
    let bytes = BYTES.get_or_init(|| {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/resources");
        let source = std::fs::read_to_string(dir.join("guest.claw")).expect("guest.claw");
        let mut resolve = claw_compiler::std_wit::resolve().expect("bundled WIT");
        resolve.push_file(dir.join("tracker.wit")).expect("tracker.wit");
        match claw_compiler::compile(&source, "guest", &resolve) {
            Ok(compiled) => compiled.component,
            Err(d) => panic!("{}", clawc::render::render(&d, "guest.claw", &source, false)),
        }
    });
    Component::new(engine, bytes).expect("a valid component")
}

fn instance() -> (Store<State>, Guest) {
    let engine = Engine::default();
    let component = component(&engine);
    let mut linker = Linker::new(&engine);
    Guest::add_to_linker::<_, HasSelf<_>>(&mut linker, |state| state).expect("host functions");
    let mut store = Store::new(&engine, State::default());
    let bindings = Guest::instantiate(&mut store, &component, &linker).expect("instantiates");
    (store, bindings)
}

/// The labels dropped so far, and that no token is left alive.
fn dropped_and_none_alive(store: &Store<State>) -> Vec<String> {
    assert!(store.data().table.is_empty(), "tokens leaked: the host still holds some");
    store.data().dropped.clone()
}

#[test]
fn locals_drop_at_scope_end_last_first() {
    let (mut store, g) = instance();
    assert_eq!(g.call_scope_end(&mut store).unwrap(), ["b", "a"]);
    assert_eq!(dropped_and_none_alive(&store), ["b", "a"]);
}

#[test]
fn moved_handles_are_not_dropped_again() {
    let (mut store, g) = instance();
    assert_eq!(g.call_moved_away(&mut store).unwrap(), ["m"]);
    assert_eq!(dropped_and_none_alive(&store), ["m"]);
}

#[test]
fn returned_handles_belong_to_the_caller() {
    let (mut store, g) = instance();
    let t = g.call_returned(&mut store).unwrap();
    assert!(store.data().dropped.is_empty());
    assert_eq!(store.data_mut().take(t), "r");
    assert_eq!(dropped_and_none_alive(&store), Vec::<String>::new());
}

#[test]
fn a_move_on_one_path_is_decided_at_run_time() {
    let (mut store, g) = instance();
    assert_eq!(g.call_conditional(&mut store, true).unwrap(), ["c"]);
    assert_eq!(g.call_conditional(&mut store, false).unwrap(), ["c"]);
    // The second `c` was dropped at the end of the call, after `dropped()`.
    assert_eq!(dropped_and_none_alive(&store), ["c", "c"]);
}

#[test]
fn lending_does_not_move() {
    let (mut store, g) = instance();
    assert_eq!(g.call_lend(&mut store).unwrap(), "ll");
    assert_eq!(dropped_and_none_alive(&store), ["l"]);
}

#[test]
fn handles_inside_options_are_moved_or_dropped() {
    let (mut store, g) = instance();
    assert_eq!(g.call_options(&mut store).unwrap(), ["o"]);
    assert_eq!(dropped_and_none_alive(&store), ["o", "p"]);
}

#[test]
fn handles_inside_results_are_moved_or_dropped() {
    let (mut store, g) = instance();
    assert_eq!(g.call_results(&mut store, true).unwrap(), "x");
    assert_eq!(g.call_results(&mut store, false).unwrap(), "err");
    assert_eq!(dropped_and_none_alive(&store), ["x", "x"]);
}

#[test]
fn discarded_handles_are_dropped_at_once() {
    let (mut store, g) = instance();
    assert_eq!(g.call_discard(&mut store).unwrap(), ["d"]);
    assert_eq!(dropped_and_none_alive(&store), ["d"]);
}

#[test]
fn early_return_through_question_mark_drops_locals() {
    let (mut store, g) = instance();
    assert_eq!(g.call_early(&mut store, false).unwrap(), Ok("fine e".to_string()));
    assert_eq!(g.call_early(&mut store, true).unwrap(), Err("failed".to_string()));
    assert_eq!(dropped_and_none_alive(&store), ["e", "e"]);
}

#[test]
fn static_functions_move_their_arguments() {
    let (mut store, g) = instance();
    assert_eq!(g.call_merged(&mut store).unwrap(), "1+2");
    assert_eq!(dropped_and_none_alive(&store), ["1+2"]);
}

#[test]
fn loop_bodies_drop_every_iteration_including_continue() {
    let (mut store, g) = instance();
    assert_eq!(g.call_loop_drops(&mut store).unwrap(), 3);
    assert_eq!(dropped_and_none_alive(&store), ["w", "w", "w"]);
}

#[test]
fn destructuring_moves_parts_and_underscore_drops() {
    let (mut store, g) = instance();
    assert_eq!(g.call_pairs(&mut store).unwrap(), ["right", "left"]);
    assert_eq!(dropped_and_none_alive(&store), ["right", "left"]);
}

#[test]
fn a_hundred_thousand_handles_leave_nothing_behind() {
    let (mut store, g) = instance();
    assert_eq!(g.call_churn(&mut store, 100_000).unwrap(), 100_000);
    assert_eq!(dropped_and_none_alive(&store).len(), 100_000);
}

#[test]
fn record_fields_left_out_of_destructuring_are_dropped() {
    let (mut store, g) = instance();
    assert_eq!(g.call_records(&mut store).unwrap(), ["rec"]);
    assert_eq!(dropped_and_none_alive(&store), ["rec"]);
}

#[test]
fn owned_parameters_of_claw_functions_drop_last_first() {
    let (mut store, g) = instance();
    assert_eq!(g.call_two_owned(&mut store).unwrap(), ["q", "p", "p,q"]);
    assert_eq!(dropped_and_none_alive(&store), ["q", "p"]);
}

#[test]
fn globals_own_their_handles_until_replaced() {
    let (mut store, g) = instance();
    assert!(g.call_hold(&mut store, "a").unwrap().is_empty());
    // The old value is dropped when the call that replaced it ends.
    assert!(g.call_hold(&mut store, "b").unwrap().is_empty());
    assert_eq!(store.data().dropped, ["a"]);
    assert_eq!(g.call_hold(&mut store, "c").unwrap(), ["a"]);
    assert_eq!(store.data().dropped, ["a", "b"]);
    // "c" is still held by the global: alive in the host's table.
    assert!(!store.data().table.is_empty(), "the global's token was dropped");
}

#[test]
fn lists_of_handles_in_globals_are_lent_to_for() {
    let (mut store, g) = instance();
    let labels = |xs: &[&str]| xs.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(g.call_restock(&mut store, &labels(&["x", "y"])).unwrap(), ["x/x", "y/y"]);
    assert!(store.data().dropped.is_empty());
    assert_eq!(g.call_restock(&mut store, &labels(&["z"])).unwrap(), ["z/z"]);
    assert_eq!(store.data().dropped, ["x", "y"]);
}

#[test]
fn temporaries_lent_to_calls_are_dropped_with_their_block() {
    let (mut store, g) = instance();
    assert_eq!(g.call_temporaries(&mut store).unwrap(), r#"tmplent,["lent", "tmp", "w", "w", "w"]"#);
    assert_eq!(dropped_and_none_alive(&store), ["lent", "tmp", "w", "w", "w", "w"]);
}

#[test]
fn fields_of_a_defined_resource_own_host_handles() {
    let (mut store, g) = instance();
    // Inside the call: the keeper's destructor dropped what it held; the
    // replaced `k1` is retired until the call ends.
    assert_eq!(g.call_keeper_drops(&mut store).unwrap(), ["k2", "e1", "e2", "k2e1e2"]);
    assert_eq!(dropped_and_none_alive(&store), ["k2", "e1", "e2", "k1"]);
}
