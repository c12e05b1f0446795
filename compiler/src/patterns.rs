//! Exhaustiveness and reachability of `match` arms.
//!
//! The classic usefulness algorithm over a pattern matrix (Maranget,
//! "Warnings for pattern matching", JFP 2007), the same one rustc uses: a
//! pattern vector is *useful* after some rows if a value matches it and none
//! of the rows. A `match` is exhaustive when the wildcard is not useful after
//! all its arms, and an arm is unreachable when it is not useful after the
//! arms before it. Where a wildcard is useful, the algorithm also builds
//! *witnesses*: values (written as patterns) that no arm matches, which the
//! diagnostic names.
//!
//! Types enter only through a [`Signature`]: for each type, either its
//! finite list of constructors (the cases of a variant, enum, `option` or
//! `result`; `false`/`true`; the one constructor of a tuple) or `None` for
//! types with too many values to list (integers, strings, chars, records),
//! which only a wildcard or a binding covers.

use crate::types::Ty;
use std::collections::BTreeSet;

/// A pattern reduced to what matching needs.
#[derive(Clone, Debug, PartialEq)]
pub enum Pat {
    /// Matches every value: `_` or a binding.
    Wild,
    /// Constructor `n` of the type's [`Signature`], with one pattern per field.
    Ctor(u32, Vec<Pat>),
    /// A literal of a type without a finite signature, by a key that is
    /// equal for equal literals.
    Lit(String),
}

/// One constructor of a type.
#[derive(Clone, Debug)]
pub struct Ctor {
    /// Its name as written in a pattern (`some`, `circle`, `true`).
    pub name: String,
    /// The types of its fields: none, one payload, or a tuple's elements.
    pub fields: Vec<Ty>,
    /// A tuple: written `(a, b)` rather than `name(a)`.
    pub tuple: bool,
}

/// The constructors of each type, in index order; `None` when the type's
/// values are too many to list.
pub type Signature<'a> = dyn FnMut(Ty) -> Option<Vec<Ctor>> + 'a;

/// The values (as pattern vectors over `tys`) that no row matches, at most
/// `limit` of them; empty when the rows are exhaustive.
pub fn missing(sig: &mut Signature, rows: &[Vec<Pat>], tys: &[Ty], limit: usize) -> Vec<Vec<Pat>> {
    let Some((&ty, rest)) = tys.split_first() else {
        return if rows.is_empty() { vec![Vec::new()] } else { Vec::new() };
    };
    let ctors = sig(ty);
    let used = used_ctors(rows);
    let mut out = Vec::new();
    match ctors {
        Some(cs) if !cs.is_empty() && used.len() == cs.len() => {
            for (i, c) in cs.iter().enumerate() {
                let n = c.fields.len();
                let spec = specialize(rows, i as u32, n);
                let sub_tys: Vec<Ty> = c.fields.iter().chain(rest).copied().collect();
                for w in missing(sig, &spec, &sub_tys, limit - out.len()) {
                    let (args, tail) = w.split_at(n);
                    out.push(std::iter::once(Pat::Ctor(i as u32, args.to_vec())).chain(tail.iter().cloned()).collect());
                    if out.len() >= limit {
                        return out;
                    }
                }
            }
        }
        ctors => {
            let tails = missing(sig, &default(rows), rest, limit);
            let heads: Vec<Pat> = match ctors {
                Some(cs) if !used.is_empty() || rows.is_empty() => (0..cs.len() as u32)
                    .filter(|i| !used.contains(i))
                    .map(|i| Pat::Ctor(i, vec![Pat::Wild; cs[i as usize].fields.len()]))
                    .collect(),
                _ => vec![Pat::Wild],
            };
            for tail in tails {
                for head in &heads {
                    out.push(std::iter::once(head.clone()).chain(tail.iter().cloned()).collect());
                    if out.len() >= limit {
                        return out;
                    }
                }
            }
        }
    }
    out
}

/// Does some value of `tys` match `q` but none of `rows`?
pub fn useful(sig: &mut Signature, rows: &[Vec<Pat>], q: &[Pat], tys: &[Ty]) -> bool {
    let (Some((head, q_rest)), Some((&ty, rest))) = (q.split_first(), tys.split_first()) else {
        return rows.is_empty();
    };
    match head {
        Pat::Ctor(i, args) => {
            let fields = sig(ty).and_then(|cs| cs.get(*i as usize).map(|c| c.fields.clone())).unwrap_or_default();
            let spec = specialize(rows, *i, args.len());
            let q2: Vec<Pat> = args.iter().chain(q_rest).cloned().collect();
            let tys2: Vec<Ty> = fields.iter().chain(rest).copied().collect();
            useful(sig, &spec, &q2, &tys2)
        }
        Pat::Lit(key) => {
            let spec: Vec<Vec<Pat>> = rows
                .iter()
                .filter(|r| match &r[0] {
                    Pat::Lit(k) => k == key,
                    Pat::Wild => true,
                    Pat::Ctor(..) => false,
                })
                .map(|r| r[1..].to_vec())
                .collect();
            useful(sig, &spec, q_rest, rest)
        }
        Pat::Wild => {
            let used = used_ctors(rows);
            match sig(ty) {
                Some(cs) if !cs.is_empty() && used.len() == cs.len() => cs.iter().enumerate().any(|(i, c)| {
                    let n = c.fields.len();
                    let spec = specialize(rows, i as u32, n);
                    let q2: Vec<Pat> = std::iter::repeat_n(Pat::Wild, n).chain(q_rest.iter().cloned()).collect();
                    let tys2: Vec<Ty> = c.fields.iter().chain(rest).copied().collect();
                    useful(sig, &spec, &q2, &tys2)
                }),
                _ => useful(sig, &default(rows), q_rest, rest),
            }
        }
    }
}

/// The constructors the rows' first column names.
fn used_ctors(rows: &[Vec<Pat>]) -> BTreeSet<u32> {
    rows.iter()
        .filter_map(|r| match &r[0] {
            Pat::Ctor(i, _) => Some(*i),
            _ => None,
        })
        .collect()
}

/// The rows that match constructor `ctor` (of `arity` fields) in their first
/// column, with that column replaced by the constructor's fields.
fn specialize(rows: &[Vec<Pat>], ctor: u32, arity: usize) -> Vec<Vec<Pat>> {
    rows.iter()
        .filter_map(|r| {
            let fields = match &r[0] {
                Pat::Ctor(i, args) if *i == ctor => args.clone(),
                Pat::Wild => vec![Pat::Wild; arity],
                _ => return None,
            };
            Some(fields.into_iter().chain(r[1..].iter().cloned()).collect())
        })
        .collect()
}

/// The rows whose first column is a wildcard, without that column.
fn default(rows: &[Vec<Pat>]) -> Vec<Vec<Pat>> {
    rows.iter().filter(|r| r[0] == Pat::Wild).map(|r| r[1..].to_vec()).collect()
}

/// Writes a witness as Claw pattern text (`some(_)`, `(true, _)`).
pub fn render(sig: &mut Signature, pat: &Pat, ty: Ty) -> String {
    match pat {
        Pat::Wild => "_".into(),
        Pat::Lit(key) => key.clone(),
        Pat::Ctor(i, args) => {
            let Some(c) = sig(ty).and_then(|cs| cs.into_iter().nth(*i as usize)) else {
                return "_".into();
            };
            let parts: Vec<String> = args.iter().zip(&c.fields).map(|(a, t)| render(sig, a, *t)).collect();
            if c.tuple {
                format!("({})", parts.join(", "))
            } else if parts.is_empty() {
                c.name
            } else {
                format!("{}({})", c.name, parts.join(", "))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Bool and a two-case option-like type over `bool`, modelled with
    /// `Ty::Bool` and `Ty::U8` standing for `option<bool>`.
    fn sig() -> impl FnMut(Ty) -> Option<Vec<Ctor>> {
        |ty| match ty {
            Ty::Bool => Some(vec![
                Ctor { name: "false".into(), fields: vec![], tuple: false },
                Ctor { name: "true".into(), fields: vec![], tuple: false },
            ]),
            Ty::U8 => Some(vec![
                Ctor { name: "none".into(), fields: vec![], tuple: false },
                Ctor { name: "some".into(), fields: vec![Ty::Bool], tuple: false },
            ]),
            _ => None,
        }
    }

    fn some(p: Pat) -> Pat {
        Pat::Ctor(1, vec![p])
    }

    #[test]
    fn finds_the_missing_nested_case() {
        let mut s = sig();
        let rows = vec![vec![Pat::Ctor(0, vec![])], vec![some(Pat::Ctor(1, vec![]))]];
        let w = missing(&mut s, &rows, &[Ty::U8], 4);
        assert_eq!(w.len(), 1);
        assert_eq!(render(&mut s, &w[0][0], Ty::U8), "some(false)");
    }

    #[test]
    fn wildcard_covers_and_makes_later_rows_unreachable() {
        let mut s = sig();
        let rows = vec![vec![some(Pat::Wild)], vec![Pat::Wild]];
        assert!(missing(&mut s, &rows, &[Ty::U8], 4).is_empty());
        assert!(!useful(&mut s, &rows, &[Pat::Ctor(0, vec![])], &[Ty::U8]));
        assert!(useful(&mut s, &rows[..1], &[Pat::Ctor(0, vec![])], &[Ty::U8]));
    }

    #[test]
    fn literals_need_a_wildcard() {
        let mut s = sig();
        let rows = vec![vec![Pat::Lit("1".into())], vec![Pat::Lit("2".into())]];
        let w = missing(&mut s, &rows, &[Ty::U32], 4);
        assert_eq!(w, vec![vec![Pat::Wild]]);
        assert!(!useful(&mut s, &rows, &[Pat::Lit("2".into())], &[Ty::U32]));
    }

    #[test]
    fn no_arms_lists_every_case() {
        let mut s = sig();
        let w = missing(&mut s, &[], &[Ty::U8], 4);
        let shown: Vec<String> = w.iter().map(|w| render(&mut s, &w[0], Ty::U8)).collect();
        assert_eq!(shown, ["none", "some(_)"]);
    }
}
