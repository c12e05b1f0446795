//! Random values and shrinking for property tests.
//!
//! [`generate`] draws a random [`Val`] of a component [`Type`], [`shrink`]
//! proposes simpler values of the same type, and [`minimize`] uses `shrink`
//! to turn a failing input into a small one.
//!
//! # Size
//!
//! `size` (0 to 100) bounds a value. Strings and lists have at most `size`
//! elements, and each list level divides that bound by four for what it
//! contains, so nested lists stay small: `list<list<string>>` at size 100 is
//! at most 100 lists of at most 25 strings of at most 6 chars. Integers are
//! small (within ±2 at size 0, ±8192 at size 100) unless, more often as the
//! size grows, they come from the whole range or are one of its edges (MIN,
//! MAX, 0, -1, 1). Floats are random with a scale growing with the size, or a
//! special value (0.0, -0.0, ±1.0, large, tiny), and rarely NaN or infinite.
//! Chars are mostly printable ASCII, sometimes whitespace, quotes or
//! non-ASCII ('é', 'λ', '😀', ...), sometimes any Unicode scalar value.
//!
//! # Shrinking
//!
//! Candidates come most promising first and are each strictly simpler than
//! the value, so shrinking always ends:
//!
//! - integers: 0, then halving the distance to 0, ending one step from it;
//! - floats: 0.0, then the integer part, then half (NaN and infinities: 0.0
//!   and ±1.0);
//! - chars: the same as integers over an order that starts with `a`–`z`,
//!   `A`–`Z`, `0`–`9` and space, then the rest of ASCII, then code points;
//! - strings and lists: empty, each half, without each element, then with
//!   one element shrunk (taking the elements' candidates in turns);
//! - records, tuples and fixed-length lists: one field shrunk (in turns);
//! - variants: earlier cases (with the simplest payload), then the payload
//!   shrunk; enums: earlier cases; options: `none`, then the payload shrunk;
//!   results: the payload shrunk; flags: none set, then each one cleared;
//!   `true` to `false`.

use fastrand::Rng;
use wasmtime::component::{Type, Val};

/// The most candidates [`shrink`] returns for one value.
const MAX_CANDIDATES: usize = 64;

/// Printable ASCII, simplest first: the first ranks of the char order.
const ASCII_ORDER: &str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 \
                           !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

/// Chars worth trying more often than chance would.
const SPECIAL_CHARS: &[char] =
    &[' ', '\n', '\t', '"', '\\', '\0', 'é', 'ß', 'λ', 'Ж', '中', '😀', '\u{fffd}', '\u{10ffff}'];

/// Generates a random value of type `ty`. `size` (0 to 100; larger counts as
/// 100) bounds how big it gets: strings and lists have at most `size`
/// elements (a quarter of the bound per level of list nesting), and integers
/// and floats go from small magnitudes toward their whole range and edges.
///
/// # Errors
///
/// A message naming the type when a value of it cannot be generated:
/// resources, futures, streams and error contexts, anywhere inside `ty`.
pub fn generate(ty: &Type, rng: &mut Rng, size: u32) -> Result<Val, String> {
    let size = size.min(100);
    Generator { rng, size }.value(ty, size as usize)
}

/// Simpler values than `value` (of type `ty`), most promising first, at most
/// 64 of them; empty when there is none or `value` does not match `ty`.
pub fn shrink(value: &Val, ty: &Type) -> Vec<Val> {
    candidates(value, ty, MAX_CANDIDATES)
}

/// Shrinks the failing arguments `args` (of types `tys`): replaces one
/// argument at a time by the first of its [`shrink`] candidates for which
/// `fails` still holds, until none does or `fails` was called `budget` times.
/// Returns the smallest failing arguments found and the number of calls.
pub fn minimize(
    mut args: Vec<Val>,
    tys: &[Type],
    budget: u32,
    mut fails: impl FnMut(&[Val]) -> bool,
) -> (Vec<Val>, u32) {
    let mut calls = 0;
    loop {
        let mut improved = false;
        for (i, ty) in tys.iter().enumerate().take(args.len()) {
            // Shrink argument `i` for as long as one of its candidates fails.
            'again: loop {
                for candidate in shrink(&args[i], ty) {
                    if calls >= budget {
                        return (args, calls);
                    }
                    calls += 1;
                    let old = std::mem::replace(&mut args[i], candidate);
                    if fails(&args) {
                        improved = true;
                        continue 'again;
                    }
                    args[i] = old;
                }
                break;
            }
        }
        if !improved {
            return (args, calls);
        }
    }
}

/// Random generation with a fixed size for scalars.
struct Generator<'a> {
    rng: &'a mut Rng,
    size: u32,
}

impl Generator<'_> {
    /// A value of `ty` whose strings and lists have at most `cap` elements.
    fn value(&mut self, ty: &Type, cap: usize) -> Result<Val, String> {
        let inner = cap / 4;
        Ok(match ty {
            Type::Bool => Val::Bool(self.rng.bool()),
            Type::Float32 => {
                Val::Float32(float(self.rng, self.size, f64::from(f32::MAX), f64::from(f32::MIN_POSITIVE)) as f32)
            }
            Type::Float64 => Val::Float64(float(self.rng, self.size, f64::MAX, f64::MIN_POSITIVE)),
            Type::Char => Val::Char(char(self.rng)),
            Type::String => Val::String((0..self.rng.usize(..=cap)).map(|_| char(self.rng)).collect()),
            Type::List(l) => {
                let ty = l.ty();
                Val::List((0..self.rng.usize(..=cap)).map(|_| self.value(&ty, inner)).collect::<Result<_, _>>()?)
            }
            Type::FixedLengthList(l) => {
                let ty = l.ty();
                Val::FixedLengthList((0..l.len()).map(|_| self.value(&ty, inner)).collect::<Result<_, _>>()?)
            }
            Type::Map(m) => {
                let (k, v) = (m.key(), m.value());
                let pairs = (0..self.rng.usize(..=cap)).map(|_| Ok((self.value(&k, inner)?, self.value(&v, inner)?)));
                Val::Map(pairs.collect::<Result<_, String>>()?)
            }
            Type::Record(r) => Val::Record(
                r.fields().map(|f| Ok((f.name.to_string(), self.value(&f.ty, cap)?))).collect::<Result<_, String>>()?,
            ),
            Type::Tuple(t) => Val::Tuple(t.types().map(|t| self.value(&t, cap)).collect::<Result<_, _>>()?),
            Type::Variant(v) => {
                let i = self.pick(v.cases().len(), ty)?;
                let case = v.cases().nth(i).ok_or_else(|| empty(ty))?;
                Val::Variant(case.name.to_string(), self.payload(case.ty, cap)?)
            }
            Type::Enum(e) => {
                let i = self.pick(e.names().len(), ty)?;
                Val::Enum(e.names().nth(i).ok_or_else(|| empty(ty))?.to_string())
            }
            Type::Option(_) if self.rng.u32(..4) == 0 => Val::Option(None),
            Type::Option(o) => Val::Option(Some(Box::new(self.value(&o.ty(), cap)?))),
            Type::Result(r) if self.rng.bool() => Val::Result(Ok(self.payload(r.ok(), cap)?)),
            Type::Result(r) => Val::Result(Err(self.payload(r.err(), cap)?)),
            Type::Flags(f) => Val::Flags(f.names().filter(|_| self.rng.bool()).map(String::from).collect()),
            _ => {
                let (min, max) = int_range(ty).ok_or_else(|| unsupported(ty))?;
                int_val(ty, int(self.rng, self.size, min, max)).ok_or_else(|| unsupported(ty))?
            }
        })
    }

    /// The optional payload of a variant case or result.
    fn payload(&mut self, ty: Option<Type>, cap: usize) -> Result<Option<Box<Val>>, String> {
        ty.map(|ty| self.value(&ty, cap).map(Box::new)).transpose()
    }

    /// A random index below `n` for choosing a case of `ty`.
    fn pick(&mut self, n: usize, ty: &Type) -> Result<usize, String> {
        if n == 0 { Err(empty(ty)) } else { Ok(self.rng.usize(..n)) }
    }
}

/// The message for a type with no values to generate.
fn unsupported(ty: &Type) -> String {
    let what = match ty {
        Type::Own(_) | Type::Borrow(_) => "a value of a resource type",
        Type::Future(_) => "a future",
        Type::Stream(_) => "a stream",
        Type::ErrorContext => "an error context",
        _ => "a value of type",
    };
    format!("cannot generate {what} (`{}`)", crate::type_name(ty))
}

/// The message for a variant or enum without cases.
fn empty(ty: &Type) -> String {
    format!("cannot generate a value of a type with no cases (`{}`)", crate::type_name(ty))
}

/// A random integer in `min..=max`: mostly small, and more often as `size`
/// grows anywhere in the range or one of its edges.
fn int(rng: &mut Rng, size: u32, min: i128, max: i128) -> i128 {
    let roll = rng.u32(..100);
    if roll < size / 5 {
        [min, max, 0, -1, 1][rng.usize(..5)].clamp(min, max)
    } else if roll < size / 2 {
        rng.i128(min..=max)
    } else {
        let bound = 1i128 << (1 + size / 8);
        rng.i128(min.max(-bound)..=max.min(bound))
    }
}

/// A random float: rarely NaN or infinite, sometimes a special value (`large`
/// and `tiny` are the largest and smallest normal magnitudes), otherwise
/// random (half the time integral) with a scale growing with `size`.
fn float(rng: &mut Rng, size: u32, large: f64, tiny: f64) -> f64 {
    match rng.u32(..100) {
        0 => [f64::NAN, f64::INFINITY, f64::NEG_INFINITY][rng.usize(..3)],
        1..=15 => [0.0, -0.0, 1.0, -1.0, large, -large, tiny, -tiny][rng.usize(..8)],
        _ => {
            let x = (rng.f64() * 2.0 - 1.0) * f64::from(size + 1).powi(2);
            if rng.bool() { x.trunc() } else { x }
        }
    }
}

/// A random char: mostly printable ASCII, sometimes special, sometimes any.
fn char(rng: &mut Rng) -> char {
    match rng.u32(..10) {
        0..=6 => rng.char(' '..='~'),
        7 | 8 => SPECIAL_CHARS[rng.usize(..SPECIAL_CHARS.len())],
        _ => rng.char(..),
    }
}

/// The values of an integer type, if `ty` is one.
fn int_range(ty: &Type) -> Option<(i128, i128)> {
    Some(match ty {
        Type::S8 => (i8::MIN.into(), i8::MAX.into()),
        Type::U8 => (0, u8::MAX.into()),
        Type::S16 => (i16::MIN.into(), i16::MAX.into()),
        Type::U16 => (0, u16::MAX.into()),
        Type::S32 => (i32::MIN.into(), i32::MAX.into()),
        Type::U32 => (0, u32::MAX.into()),
        Type::S64 => (i64::MIN.into(), i64::MAX.into()),
        Type::U64 => (0, u64::MAX.into()),
        _ => return None,
    })
}

/// `n` as a value of the integer type `ty`, if it is one and `n` fits.
fn int_val(ty: &Type, n: i128) -> Option<Val> {
    Some(match ty {
        Type::S8 => Val::S8(n.try_into().ok()?),
        Type::U8 => Val::U8(n.try_into().ok()?),
        Type::S16 => Val::S16(n.try_into().ok()?),
        Type::U16 => Val::U16(n.try_into().ok()?),
        Type::S32 => Val::S32(n.try_into().ok()?),
        Type::U32 => Val::U32(n.try_into().ok()?),
        Type::S64 => Val::S64(n.try_into().ok()?),
        Type::U64 => Val::U64(n.try_into().ok()?),
        _ => return None,
    })
}

/// The integer in `v`, if it is one.
fn int_of(v: &Val) -> Option<i128> {
    Some(match *v {
        Val::S8(n) => n.into(),
        Val::U8(n) => n.into(),
        Val::S16(n) => n.into(),
        Val::U16(n) => n.into(),
        Val::S32(n) => n.into(),
        Val::U32(n) => n.into(),
        Val::S64(n) => n.into(),
        Val::U64(n) => n.into(),
        _ => return None,
    })
}

/// At most `limit` shrink candidates of `value`, computing no more than
/// needed (nested values share the limit among their parts).
fn candidates(value: &Val, ty: &Type, limit: usize) -> Vec<Val> {
    let mut out = match (value, ty) {
        (Val::Bool(true), Type::Bool) => vec![Val::Bool(false)],
        (Val::Float32(x), Type::Float32) => {
            // Rounding back to f32 may turn a candidate into the value or another candidate.
            let mut out = Vec::new();
            for y in shrink_float(f64::from(*x)).into_iter().map(|y| Val::Float32(y as f32)) {
                if y != *value && !out.contains(&y) {
                    out.push(y);
                }
            }
            out
        }
        (Val::Float64(x), Type::Float64) => shrink_float(*x).into_iter().map(Val::Float64).collect(),
        (Val::Char(c), Type::Char) => shrink_char(*c).into_iter().map(Val::Char).collect(),
        (Val::String(s), Type::String) => {
            let chars: Vec<char> = s.chars().collect();
            let shrunk = shrink_seq(&chars, limit, |_, c, _| shrink_char(*c));
            shrunk.into_iter().map(|cs| Val::String(cs.into_iter().collect())).collect()
        }
        (Val::List(items), Type::List(l)) => {
            let ty = l.ty();
            shrink_seq(items, limit, |_, v, k| candidates(v, &ty, k)).into_iter().map(Val::List).collect()
        }
        (Val::FixedLengthList(items), Type::FixedLengthList(l)) => {
            let ty = l.ty();
            let shrunk = shrink_each(items, limit, |_, v, k| candidates(v, &ty, k));
            shrunk.into_iter().map(Val::FixedLengthList).collect()
        }
        (Val::Map(pairs), Type::Map(m)) => {
            let (kt, vt) = (m.key(), m.value());
            let shrunk = shrink_seq(pairs, limit, |_, (k, v), n| {
                let keys = candidates(k, &kt, n).into_iter().map(|k| (k, v.clone()));
                keys.chain(candidates(v, &vt, n).into_iter().map(|v| (k.clone(), v))).collect()
            });
            shrunk.into_iter().map(Val::Map).collect()
        }
        (Val::Record(fields), Type::Record(r)) => {
            let tys: Vec<Type> = r.fields().map(|f| f.ty).collect();
            let shrunk = shrink_each(fields, limit, |i, (name, v), k| match tys.get(i) {
                Some(ty) => candidates(v, ty, k).into_iter().map(|v| (name.clone(), v)).collect(),
                None => Vec::new(),
            });
            shrunk.into_iter().map(Val::Record).collect()
        }
        (Val::Tuple(items), Type::Tuple(t)) => {
            let tys: Vec<Type> = t.types().collect();
            let shrunk =
                shrink_each(items, limit, |i, v, k| tys.get(i).map(|ty| candidates(v, ty, k)).unwrap_or_default());
            shrunk.into_iter().map(Val::Tuple).collect()
        }
        (Val::Variant(name, payload), Type::Variant(v)) => {
            let cases: Vec<_> = v.cases().collect();
            let Some(index) = cases.iter().position(|c| c.name == name) else { return Vec::new() };
            let earlier = cases[..index]
                .iter()
                .filter_map(|c| Some(Val::Variant(c.name.to_string(), simplest_payload(c.ty.as_ref())?)));
            let mut out: Vec<Val> = earlier.take(limit).collect();
            if let (Some(p), Some(ty)) = (payload, &cases[index].ty) {
                let shrunk = candidates(p, ty, limit - out.len());
                out.extend(shrunk.into_iter().map(|p| Val::Variant(name.clone(), Some(Box::new(p)))));
            }
            out
        }
        (Val::Enum(name), Type::Enum(e)) => {
            e.names().take_while(|n| n != name).take(limit).map(|n| Val::Enum(n.to_string())).collect()
        }
        (Val::Option(Some(p)), Type::Option(o)) => {
            let shrunk = candidates(p, &o.ty(), limit.saturating_sub(1)).into_iter();
            std::iter::once(Val::Option(None)).chain(shrunk.map(|p| Val::Option(Some(Box::new(p))))).collect()
        }
        (Val::Result(Ok(Some(p))), Type::Result(r)) => match r.ok() {
            Some(ty) => candidates(p, &ty, limit).into_iter().map(|p| Val::Result(Ok(Some(Box::new(p))))).collect(),
            None => Vec::new(),
        },
        (Val::Result(Err(Some(p))), Type::Result(r)) => match r.err() {
            Some(ty) => candidates(p, &ty, limit).into_iter().map(|p| Val::Result(Err(Some(Box::new(p))))).collect(),
            None => Vec::new(),
        },
        (Val::Flags(names), Type::Flags(_)) => {
            let none = (names.len() >= 2).then(Vec::new);
            let without = (0..names.len()).map(|i| {
                let mut fewer = names.clone();
                fewer.remove(i);
                fewer
            });
            none.into_iter().chain(without).map(Val::Flags).collect()
        }
        _ => match int_of(value) {
            Some(n) => shrink_int(n).into_iter().filter_map(|n| int_val(ty, n)).collect(),
            None => Vec::new(),
        },
    };
    out.truncate(limit);
    out
}

/// 0, then `n` minus halves of the distance to 0, ending with one step from `n`.
fn shrink_int(n: i128) -> Vec<i128> {
    if n == 0 {
        return Vec::new();
    }
    let mut out = vec![0];
    let mut distance = n / 2;
    while distance != 0 {
        out.push(n - distance);
        distance /= 2;
    }
    out
}

/// 0.0, then the integer part, then half; NaN and infinities go to 0.0 or ±1.0.
fn shrink_float(x: f64) -> Vec<f64> {
    if x == 0.0 && x.is_sign_positive() {
        return Vec::new();
    }
    if !x.is_finite() {
        return vec![0.0, 1.0f64.copysign(x)];
    }
    let mut out = vec![0.0];
    for y in [x.trunc(), x / 2.0] {
        if y != 0.0 && y != x && !out.contains(&y) {
            out.push(y);
        }
    }
    out
}

/// Chars earlier than `c` in the simplicity order, shrunk like integers.
fn shrink_char(c: char) -> Vec<char> {
    shrink_int(rank(c).into()).into_iter().filter_map(|r| u32::try_from(r).ok().and_then(unrank)).collect()
}

/// The position of `c` in the simplicity order: printable ASCII as in
/// [`ASCII_ORDER`], then control chars, then the rest by code point.
fn rank(c: char) -> u32 {
    match ASCII_ORDER.find(c) {
        Some(i) => i as u32,
        None if c < ' ' => 95 + c as u32,
        None if c == '\x7f' => 127,
        None => c as u32,
    }
}

/// The char at position `r` of the simplicity order, if any (not surrogates).
fn unrank(r: u32) -> Option<char> {
    match r {
        0..95 => ASCII_ORDER.chars().nth(r as usize),
        95..127 => char::from_u32(r - 95),
        127 => Some('\x7f'),
        _ => char::from_u32(r),
    }
}

/// At most `limit` shrinks of a sequence: empty, each half, without each
/// element (up to half the limit), then with one element shrunk.
/// `shrink_item(i, item, k)` gives at most `k` candidates for item `i`.
fn shrink_seq<T: Clone>(items: &[T], limit: usize, shrink_item: impl FnMut(usize, &T, usize) -> Vec<T>) -> Vec<Vec<T>> {
    let n = items.len();
    if n == 0 || limit == 0 {
        return Vec::new();
    }
    let mut out = vec![Vec::new()];
    if n >= 4 {
        out.extend([items[..n / 2].to_vec(), items[n / 2..].to_vec()]);
    }
    if n >= 2 {
        out.extend((0..n).take(limit / 2).map(|i| [&items[..i], &items[i + 1..]].concat()));
    }
    let room = limit.saturating_sub(out.len());
    out.extend(shrink_each(items, room, shrink_item));
    out
}

/// At most `limit` copies of `items` with one item replaced by one of its
/// candidates, taking the first candidate of each item, then the second, ...
/// Each item is first asked for its share of the limit, then those with more
/// for what the others left over.
fn shrink_each<T: Clone>(
    items: &[T],
    limit: usize,
    mut shrink_item: impl FnMut(usize, &T, usize) -> Vec<T>,
) -> Vec<Vec<T>> {
    let n = items.len().min(limit);
    if n == 0 {
        return Vec::new();
    }
    let share = limit.div_ceil(n);
    let mut per_item: Vec<Vec<T>> = (0..n).map(|i| shrink_item(i, &items[i], share)).collect();
    let mut spare: usize = per_item.iter().map(|c| share - c.len().min(share)).sum();
    for (i, c) in per_item.iter_mut().enumerate() {
        if spare == 0 {
            break;
        }
        if c.len() >= share {
            *c = shrink_item(i, &items[i], share + spare);
            spare -= c.len().saturating_sub(share).min(spare);
        }
    }
    let mut per_item: Vec<_> = per_item.into_iter().map(Vec::into_iter).collect();
    let mut out = Vec::new();
    loop {
        let before = out.len();
        for (i, candidates) in per_item.iter_mut().enumerate() {
            if out.len() == limit {
                return out;
            }
            if let Some(candidate) = candidates.next() {
                let mut copy = items.to_vec();
                copy[i] = candidate;
                out.push(copy);
            }
        }
        if out.len() == before {
            return out;
        }
    }
}

/// The simplest value of `ty` (zero, empty, first case, ...), if it has one.
fn simplest(ty: &Type) -> Option<Val> {
    Some(match ty {
        Type::Bool => Val::Bool(false),
        Type::Float32 => Val::Float32(0.0),
        Type::Float64 => Val::Float64(0.0),
        Type::Char => Val::Char('a'),
        Type::String => Val::String(String::new()),
        Type::List(_) => Val::List(Vec::new()),
        Type::Map(_) => Val::Map(Vec::new()),
        Type::FixedLengthList(l) => Val::FixedLengthList(vec![simplest(&l.ty())?; usize::try_from(l.len()).ok()?]),
        Type::Record(r) => {
            Val::Record(r.fields().map(|f| Some((f.name.to_string(), simplest(&f.ty)?))).collect::<Option<_>>()?)
        }
        Type::Tuple(t) => Val::Tuple(t.types().map(|t| simplest(&t)).collect::<Option<_>>()?),
        Type::Variant(v) => {
            v.cases().find_map(|c| Some(Val::Variant(c.name.to_string(), simplest_payload(c.ty.as_ref())?)))?
        }
        Type::Enum(e) => Val::Enum(e.names().next()?.to_string()),
        Type::Option(_) => Val::Option(None),
        Type::Result(r) => Val::Result(Ok(simplest_payload(r.ok().as_ref())?)),
        Type::Flags(_) => Val::Flags(Vec::new()),
        _ => int_val(ty, 0)?,
    })
}

/// The simplest payload of a case or result of type `ty`: `Some(None)` for
/// none, `None` when `ty` has no simplest value.
fn simplest_payload(ty: Option<&Type>) -> Option<Option<Box<Val>>> {
    match ty {
        None => Some(None),
        Some(ty) => Some(Some(Box::new(simplest(ty)?))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wac_graph::types::{
        DefinedType, Enum, Flags, FuncType, Interface, ItemKind, PrimitiveType as P, Record, Resource, Type as WacType,
        ValueType, Variant,
    };
    use wac_graph::{CompositionGraph, EncodeOptions};
    use wasmtime::component::Component;
    use wasmtime::component::types::ComponentItem;

    /// The parameter types of `f(everything, text, nums, nested, handle)`:
    /// a record of many kinds of fields, `string`, `list<u32>`,
    /// `list<list<list<string>>>` and `own<res>`, taken from a component built
    /// with wac-graph that imports an interface declaring `f`.
    fn param_types() -> Vec<Type> {
        let mut graph = CompositionGraph::new();
        let t = graph.types_mut();
        let prim = ValueType::Primitive;
        let mut defined = |ty| ValueType::Defined(t.add_defined_type(ty));
        let names = |ns: &[&str]| ns.iter().map(|n| n.to_string()).collect();
        let perms = defined(DefinedType::Flags(Flags(names(&["read", "write", "exec"]))));
        let color = defined(DefinedType::Enum(Enum(names(&["red", "green", "blue"]))));
        let pair = defined(DefinedType::Tuple(vec![prim(P::U8), prim(P::S16)]));
        let cases =
            [("none", None), ("circle", Some(prim(P::F64))), ("label", Some(prim(P::String))), ("pair", Some(pair))];
        let shape = defined(DefinedType::Variant(Variant { cases: cases.map(|(n, t)| (n.to_string(), t)).into() }));
        let option_char = defined(DefinedType::Option(prim(P::Char)));
        let chars = defined(DefinedType::List(option_char));
        let outcome = defined(DefinedType::Result { ok: Some(prim(P::U32)), err: Some(prim(P::String)) });
        let fb = defined(DefinedType::Tuple(vec![prim(P::F32), prim(P::Bool)]));
        let fields = [
            ("small", prim(P::U8)),
            ("big", prim(P::S64)),
            ("name", prim(P::String)),
            ("chars", chars),
            ("perms", perms),
            ("color", color),
            ("shape", shape),
            ("outcome", outcome),
            ("pair", fb),
        ];
        let everything =
            defined(DefinedType::Record(Record { fields: fields.map(|(n, t)| (n.to_string(), t)).into() }));
        let nums = defined(DefinedType::List(prim(P::U32)));
        let strings = defined(DefinedType::List(prim(P::String)));
        let strings2 = defined(DefinedType::List(strings));
        let nested = defined(DefinedType::List(strings2));
        let res = t.add_resource(Resource { name: "res".into(), alias: None });
        let params = [
            ("everything", everything),
            ("text", prim(P::String)),
            ("nums", nums),
            ("nested", nested),
            ("handle", ValueType::Own(res)),
        ];
        let f = t.add_func_type(FuncType {
            params: params.map(|(n, t)| (n.to_string(), t)).into(),
            result: None,
            is_async: false,
        });
        let exports = [
            ("perms", ItemKind::Type(WacType::Value(perms))),
            ("color", ItemKind::Type(WacType::Value(color))),
            ("shape", ItemKind::Type(WacType::Value(shape))),
            ("everything", ItemKind::Type(WacType::Value(everything))),
            ("res", ItemKind::Type(WacType::Resource(res))),
            ("f", ItemKind::Func(f)),
        ];
        let interface = Interface {
            id: Some("test:gen/types".into()),
            uses: Default::default(),
            exports: exports.map(|(n, k)| (n.to_string(), k)).into(),
        };
        let interface = t.add_interface(interface);
        graph.import("test:gen/types", ItemKind::Instance(interface)).expect("import");
        let bytes = graph.encode(EncodeOptions::default()).expect("encode");

        let engine = wasmtime::Engine::default();
        let component = Component::new(&engine, &bytes).expect("compile");
        let ty = component.component_type();
        let Some(ComponentItem::ComponentInstance(instance)) = ty.get_import(&engine, "test:gen/types").map(|e| e.ty)
        else {
            panic!("no instance import")
        };
        let Some(ComponentItem::ComponentFunc(func)) = instance.get_export(&engine, "f").map(|e| e.ty) else {
            panic!("no function export")
        };
        func.params().map(|(_, ty)| ty).collect()
    }

    /// Whether `v` has the shape of `ty`.
    fn conforms(v: &Val, ty: &Type) -> bool {
        let payload = |p: &Option<Box<Val>>, t: Option<Type>| match (p, t) {
            (None, None) => true,
            (Some(p), Some(t)) => conforms(p, &t),
            _ => false,
        };
        match (v, ty) {
            (Val::Bool(_), Type::Bool)
            | (Val::S8(_), Type::S8)
            | (Val::U8(_), Type::U8)
            | (Val::S16(_), Type::S16)
            | (Val::U16(_), Type::U16)
            | (Val::S32(_), Type::S32)
            | (Val::U32(_), Type::U32)
            | (Val::S64(_), Type::S64)
            | (Val::U64(_), Type::U64)
            | (Val::Float32(_), Type::Float32)
            | (Val::Float64(_), Type::Float64)
            | (Val::Char(_), Type::Char)
            | (Val::String(_), Type::String) => true,
            (Val::List(items), Type::List(l)) => items.iter().all(|v| conforms(v, &l.ty())),
            (Val::Record(fields), Type::Record(r)) => {
                fields.len() == r.fields().len()
                    && fields.iter().zip(r.fields()).all(|((n, v), f)| n == f.name && conforms(v, &f.ty))
            }
            (Val::Tuple(items), Type::Tuple(t)) => {
                items.len() == t.types().len() && items.iter().zip(t.types()).all(|(v, t)| conforms(v, &t))
            }
            (Val::Variant(name, p), Type::Variant(v)) => v.cases().any(|c| c.name == name && payload(p, c.ty)),
            (Val::Enum(name), Type::Enum(e)) => e.names().any(|n| n == name),
            (Val::Option(p), Type::Option(o)) => p.as_ref().is_none_or(|p| conforms(p, &o.ty())),
            (Val::Result(Ok(p)), Type::Result(r)) => payload(p, r.ok()),
            (Val::Result(Err(p)), Type::Result(r)) => payload(p, r.err()),
            (Val::Flags(names), Type::Flags(f)) => {
                names.iter().enumerate().all(|(i, n)| f.names().any(|x| x == n) && !names[..i].contains(n))
            }
            _ => false,
        }
    }

    #[test]
    fn generated_values_match_their_types() {
        let tys = param_types();
        let mut rng = Rng::with_seed(7);
        for (i, ty) in tys[..4].iter().enumerate() {
            for n in 0..1000 {
                let v = generate(ty, &mut rng, n % 101).expect("generate");
                assert!(conforms(&v, ty), "parameter {i}: {v:?}");
            }
        }
        // Every case of the composite record shows up.
        let mut colors = std::collections::HashSet::new();
        for _ in 0..100 {
            if let Ok(Val::Record(fields)) = generate(&tys[0], &mut rng, 50) {
                colors.insert(format!("{:?}", fields[5].1));
            }
        }
        assert_eq!(colors.len(), 3);
    }

    #[test]
    fn same_seed_same_values() {
        let ty = &param_types()[0];
        let values = |seed| {
            let mut rng = Rng::with_seed(seed);
            (0..50).map(|n| generate(ty, &mut rng, n * 2).expect("generate")).collect::<Vec<_>>()
        };
        assert_eq!(values(42), values(42));
        assert_ne!(values(42), values(43));
    }

    #[test]
    fn sizes_bound_values() {
        let tys = param_types();
        let mut rng = Rng::with_seed(1);
        for _ in 0..200 {
            let Ok(Val::String(s)) = generate(&Type::String, &mut rng, 10) else { panic!("not a string") };
            assert!(s.chars().count() <= 10);
            let Ok(Val::S64(n)) = generate(&Type::S64, &mut rng, 0) else { panic!("not an s64") };
            assert!(n.abs() <= 2);
            // list<list<list<string>>> at size 100: 100 * 25 * 6 strings of at most one char.
            let Ok(Val::List(outer)) = generate(&tys[3], &mut rng, 100) else { panic!("not a list") };
            let count = |v: &Val| match v {
                Val::List(l) => l.len(),
                _ => 0,
            };
            assert!(outer.len() <= 100 && outer.iter().all(|l| count(l) <= 25));
        }
    }

    #[test]
    fn resources_cannot_be_generated() {
        let err = generate(&param_types()[4], &mut Rng::with_seed(0), 10).expect_err("a resource");
        assert!(err.contains("resource"), "{err}");
    }

    #[test]
    fn integers_shrink_toward_zero() {
        let candidates = shrink(&Val::U32(1000), &Type::U32);
        assert_eq!(candidates.first(), Some(&Val::U32(0)));
        assert!(candidates.contains(&Val::U32(500)) && candidates.contains(&Val::U32(999)));
        assert!(candidates.iter().all(|c| matches!(c, Val::U32(n) if *n < 1000)));
        let candidates = shrink(&Val::S8(i8::MIN), &Type::S8);
        assert_eq!(candidates.first(), Some(&Val::S8(0)));
        assert!(candidates.iter().all(|c| matches!(c, Val::S8(n) if *n > i8::MIN && *n <= 0)));
        assert!(shrink(&Val::S64(0), &Type::S64).is_empty());
    }

    #[test]
    fn scalars_shrink() {
        assert_eq!(shrink(&Val::Float64(f64::NAN), &Type::Float64)[0], Val::Float64(0.0));
        assert_eq!(shrink(&Val::Float32(-0.0), &Type::Float32), vec![Val::Float32(0.0)]);
        assert_eq!(shrink(&Val::Float64(2.5), &Type::Float64), [0.0, 2.0, 1.25].map(Val::Float64));
        assert_eq!(shrink(&Val::Char('😀'), &Type::Char)[0], Val::Char('a'));
        assert!(shrink(&Val::Char('a'), &Type::Char).is_empty());
        assert_eq!(shrink(&Val::Bool(true), &Type::Bool), vec![Val::Bool(false)]);
        assert_eq!(shrink(&Val::String("abc".into()), &Type::String)[0], Val::String(String::new()));
        assert_eq!(ASCII_ORDER.len(), 95);
        assert!((0..0x11000).filter_map(char::from_u32).all(|c| unrank(rank(c)) == Some(c)));
    }

    #[test]
    fn shrinking_keeps_types_and_terminates() {
        let tys = param_types();
        let mut rng = Rng::with_seed(3);
        for n in 0..100 {
            let ty = &tys[n % 4];
            let mut value = generate(ty, &mut rng, n as u32).expect("generate");
            for step in 0.. {
                let candidates = shrink(&value, ty);
                assert!(candidates.len() <= MAX_CANDIDATES);
                assert!(candidates.iter().all(|c| conforms(c, ty) && *c != value), "{value:?}");
                // Follow a random candidate (the last one would go down one by one).
                let Some(next) = rng.choice(candidates) else { break };
                value = next;
                assert!(step < 10_000, "shrinking does not end");
            }
        }
    }

    #[test]
    fn minimize_finds_the_smallest_failing_input() {
        let tys = [Type::String, param_types()[2].clone()];
        let args = vec![
            Val::String("hello, wörld! xyz 😀".into()),
            Val::List([17, 4000, 3, 99, 1, 65536].map(Val::U32).into()),
        ];
        let fails = |args: &[Val]| match args {
            [Val::String(s), Val::List(l)] => s.contains('x') && l.len() >= 2,
            _ => false,
        };
        let (smallest, calls) = minimize(args, &tys, 500, fails);
        assert_eq!(smallest, vec![Val::String("x".into()), Val::List(vec![Val::U32(0), Val::U32(0)])]);
        assert!(calls < 500, "{calls} calls");
        // The budget is respected.
        let (_, calls) = minimize(vec![Val::U64(u64::MAX)], &[Type::U64], 5, |args| args[0] != Val::U64(0));
        assert_eq!(calls, 5);
    }
}
