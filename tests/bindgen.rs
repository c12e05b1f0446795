//! Cross-checks Claw's canonical ABI against an independent implementation:
//! wasmtime's `bindgen!`-generated host bindings (not our runtime's dynamic
//! `Val` path). `tests/bindgen/roundtrip.claw` is compiled against
//! `tests/bindgen/roundtrip.wit`; the host calls every export with typed Rust
//! values and compares what comes back, and implements the imported `host`
//! interface in Rust, checking what the guest passes it.

#![allow(missing_docs)] // the bindings `bindgen!` generates are undocumented

use std::sync::OnceLock;
use wasmtime::component::{Component, HasSelf, Linker};
use wasmtime::{Engine, Store};

wasmtime::component::bindgen!({
    path: "tests/bindgen/roundtrip.wit",
    world: "roundtrip",
    additional_derives: [PartialEq],
});

use exports::testing::roundtrip::guest::Guest;
use testing::roundtrip::types::{Everything, Level, Many, Perms, Point, Shape};

/// The host side of the `host` interface: records what it was given.
#[derive(Default)]
struct HostState {
    echoed: Vec<Everything>,
    described: Vec<(Shape, Level, Perms)>,
    totals: Vec<usize>,
}

impl testing::roundtrip::host::Host for HostState {
    fn echo(&mut self, e: Everything) -> Everything {
        self.echoed.push(e.clone());
        e
    }

    fn describe(&mut self, s: Shape, l: Level, p: Perms) -> String {
        self.described.push((s.clone(), l, p));
        format!("{s:?} {l:?} {p:?}")
    }

    fn total(&mut self, xs: Vec<u64>) -> u64 {
        self.totals.push(xs.len());
        xs.iter().sum()
    }

    fn lookup(&mut self, key: Option<String>) -> Result<String, u32> {
        match key {
            Some(k) => Ok(format!("value of {k}")),
            None => Err(404),
        }
    }
}

impl testing::roundtrip::types::Host for HostState {}

fn component(engine: &Engine) -> Component {
    static BYTES: OnceLock<Vec<u8>> = OnceLock::new();
    let bytes = BYTES.get_or_init(|| {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bindgen");
        let source = std::fs::read_to_string(dir.join("roundtrip.claw")).expect("roundtrip.claw");
        let mut resolve = claw_compiler::std_wit::resolve().expect("bundled WIT");
        resolve.push_file(dir.join("roundtrip.wit")).expect("roundtrip.wit");
        match claw_compiler::compile(&source, "roundtrip", &resolve) {
            Ok(compiled) => compiled.component,
            Err(d) => panic!("{}", clawc::render::render(&d, "roundtrip.claw", &source, false)),
        }
    });
    Component::new(engine, bytes).expect("a valid component")
}

fn instance() -> (Store<HostState>, Roundtrip) {
    let engine = Engine::default();
    let component = component(&engine);
    let mut linker = Linker::new(&engine);
    Roundtrip::add_to_linker::<_, HasSelf<_>>(&mut linker, |state| state).expect("host functions");
    let mut store = Store::new(&engine, HostState::default());
    let bindings = Roundtrip::instantiate(&mut store, &component, &linker).expect("instantiates");
    (store, bindings)
}

fn everything() -> Everything {
    Everything {
        flag: true,
        small: -128,
        wide: u64::MAX,
        ratio: -1.5,
        precise: std::f64::consts::PI,
        letter: '🦀',
        text: "héllo wörld".into(),
        bytes: vec![0, 1, 255],
        tags: vec!["a".into(), String::new(), "ü".into()],
        maybe: Some(65535),
        outcome: Err(Level::High),
        pair: (-32768, "pair".into()),
        origin: Point { x: i32::MIN, y: i32::MAX },
        shapes: vec![
            Shape::Circle(0.5),
            Shape::Polygon(vec![Point { x: 1, y: 2 }, Point { x: -3, y: -4 }]),
            Shape::Label("λ".into()),
            Shape::Empty,
        ],
        level: Level::Mid,
        perms: Perms::READ | Perms::EXEC,
        many: Many::M0 | Many::M15 | Many::M31,
    }
}

#[test]
fn scalars_round_trip() {
    let (mut store, bindings) = instance();
    let g: &Guest = bindings.testing_roundtrip_guest();
    for v in [true, false] {
        assert_eq!(g.call_rt_bool(&mut store, v).unwrap(), v);
    }
    for v in [i8::MIN, -1, 0, i8::MAX] {
        assert_eq!(g.call_rt_s8(&mut store, v).unwrap(), v);
    }
    for v in [0, 1, u8::MAX] {
        assert_eq!(g.call_rt_u8(&mut store, v).unwrap(), v);
    }
    for v in [i16::MIN, -1, i16::MAX] {
        assert_eq!(g.call_rt_s16(&mut store, v).unwrap(), v);
    }
    for v in [0, u16::MAX] {
        assert_eq!(g.call_rt_u16(&mut store, v).unwrap(), v);
    }
    for v in [i32::MIN, -1, i32::MAX] {
        assert_eq!(g.call_rt_s32(&mut store, v).unwrap(), v);
    }
    for v in [0, u32::MAX] {
        assert_eq!(g.call_rt_u32(&mut store, v).unwrap(), v);
    }
    for v in [i64::MIN, -1, i64::MAX] {
        assert_eq!(g.call_rt_s64(&mut store, v).unwrap(), v);
    }
    for v in [0, u64::MAX] {
        assert_eq!(g.call_rt_u64(&mut store, v).unwrap(), v);
    }
    for v in [0.0f32, -0.0, 1.5, f32::INFINITY, f32::MIN_POSITIVE] {
        assert_eq!(g.call_rt_f32(&mut store, v).unwrap().to_bits(), v.to_bits());
    }
    assert!(g.call_rt_f32(&mut store, f32::NAN).unwrap().is_nan());
    for v in [0.0f64, -2.5e300, f64::NEG_INFINITY] {
        assert_eq!(g.call_rt_f64(&mut store, v).unwrap().to_bits(), v.to_bits());
    }
    for v in ['a', 'é', '\u{10FFFF}', '🦀'] {
        assert_eq!(g.call_rt_char(&mut store, v).unwrap(), v);
    }
}

#[test]
fn strings_and_lists_round_trip() {
    let (mut store, bindings) = instance();
    let g = bindings.testing_roundtrip_guest();
    for s in ["", "a", "héllo 🦀 wörld", &"x".repeat(100_000)] {
        assert_eq!(g.call_rt_string(&mut store, s).unwrap(), s);
    }
    let bytes: Vec<u8> = (0..=255).collect();
    assert_eq!(g.call_rt_bytes(&mut store, &bytes).unwrap(), bytes);
    assert_eq!(g.call_rt_bytes(&mut store, &[]).unwrap(), Vec::<u8>::new());
    let strings: Vec<String> = vec!["one".into(), String::new(), "ünïcode".into()];
    assert_eq!(g.call_rt_strings(&mut store, &strings).unwrap(), strings);
    let big: Vec<u64> = (0..100_000).collect();
    assert_eq!(g.call_sum(&mut store, &big).unwrap(), big.iter().sum::<u64>());
    let nested = vec![Some(("a".to_string(), vec![Point { x: 1, y: 2 }])), None, Some((String::new(), vec![]))];
    assert_eq!(g.call_rt_nested(&mut store, &nested).unwrap(), nested);
}

#[test]
fn options_results_and_tuples_round_trip() {
    let (mut store, bindings) = instance();
    let g = bindings.testing_roundtrip_guest();
    for v in [None, Some(None), Some(Some("deep".to_string()))] {
        assert_eq!(g.call_rt_option(&mut store, v.as_ref().map(|o| o.as_deref())).unwrap(), v);
    }
    for v in [Ok(7), Err("bad".to_string())] {
        assert_eq!(g.call_rt_result(&mut store, v.as_ref().map(|x| *x).map_err(|e| e.as_str())).unwrap(), v);
    }
    for v in [Ok(()), Err(())] {
        assert_eq!(g.call_rt_result_empty(&mut store, v).unwrap(), v);
    }
    for v in [Ok(()), Err("only the error".to_string())] {
        assert_eq!(g.call_rt_result_err_only(&mut store, v.as_ref().map(|_| ()).map_err(|e| e.as_str())).unwrap(), v);
    }
    let t = (200u8, "tuple".to_string(), -0.25f64);
    assert_eq!(g.call_rt_tuple(&mut store, (t.0, &t.1, t.2)).unwrap(), t);
}

#[test]
fn records_variants_enums_and_flags_round_trip() {
    let (mut store, bindings) = instance();
    let g = bindings.testing_roundtrip_guest();
    let p = Point { x: -1, y: 1 };
    assert_eq!(g.call_rt_point(&mut store, p).unwrap(), p);
    for s in everything().shapes {
        assert_eq!(g.call_rt_shape(&mut store, &s).unwrap(), s);
    }
    for l in [Level::Low, Level::Mid, Level::High] {
        assert_eq!(g.call_rt_level(&mut store, l).unwrap(), l);
    }
    for p in [Perms::empty(), Perms::WRITE, Perms::all()] {
        assert_eq!(g.call_rt_perms(&mut store, p).unwrap(), p);
    }
    for m in [Many::empty(), Many::M31, Many::M0 | Many::M16, Many::all()] {
        assert_eq!(g.call_rt_many(&mut store, m).unwrap(), m);
    }
    let e = everything();
    assert_eq!(g.call_rt_everything(&mut store, &e).unwrap(), e);
}

#[test]
fn spilled_parameters_are_read_from_memory() {
    let (mut store, bindings) = instance();
    let g = bindings.testing_roundtrip_guest();
    let out = g
        .call_rt_spilled(
            &mut store,
            1,
            2,
            3,
            4,
            -5,
            -6,
            -7,
            -8,
            9.5,
            10.25,
            'λ',
            true,
            "thirteen",
            Point { x: 14, y: -14 },
            Level::High,
            Perms::READ | Perms::EXEC,
            Some(17),
        )
        .unwrap();
    assert_eq!(out, "all seventeen");
}

#[test]
fn imports_lower_and_lift_every_type() {
    let (mut store, bindings) = instance();
    let g = bindings.testing_roundtrip_guest();
    let e = everything();
    let (echoed, described, total, found, missing) = g.call_call_host(&mut store, &e).unwrap();
    assert_eq!(echoed, e);
    assert_eq!(store.data().echoed, vec![e]);
    assert_eq!(store.data().described, vec![(Shape::Label("host".into()), Level::Mid, Perms::WRITE)]);
    assert_eq!(described, format!("{:?} {:?} {:?}", Shape::Label("host".into()), Level::Mid, Perms::WRITE));
    assert_eq!(store.data().totals, vec![1000]);
    assert_eq!(total, (0..1000u64).sum::<u64>());
    assert_eq!(found, Ok("value of key".to_string()));
    assert_eq!(missing, Err(404));
}
