//! WAVE text ⇄ component values, plus the helpers [`Session`](crate::Session)
//! uses to parse call text and check argument values.
//!
//! WAVE (the WebAssembly Value Encoding) is the text syntax `wasmtime run
//! --invoke` uses: `parse("1.2.3")`, `{major: 1, minor: 2, patch: 3, pre: "",
//! build: ""}`, `ok(true)`, `[1, 2]`, `some("x")`, `%major` (an enum case
//! whose name is a keyword), and so on.

use std::error::Error as _;
use std::ops::Range;

use wasm_wave::parser::ParserError;
use wasm_wave::untyped::UntypedFuncCall;
use wasmtime::component::{Type, Val};

use crate::RunError;

/// Renders a value as WAVE text, e.g. `ok({major: 1, minor: 2, patch: 3,
/// pre: "", build: ""})`.
///
/// # Errors
///
/// [`RunError::Other`] for values WAVE cannot express (resources, futures,
/// streams, error contexts).
pub fn to_wave(v: &Val) -> Result<String, RunError> {
    // wasm-wave panics on kinds it cannot write, so refuse them first.
    if let Some(kind) = unsupported_part(v) {
        return Err(RunError::Other(format!(
            "cannot render {} value as WAVE: it contains a {kind}, which WAVE cannot express",
            val_kind(v)
        )));
    }
    wasm_wave::to_string(v).map_err(|e| RunError::Other(format!("cannot render {} value as WAVE: {e}", val_kind(v))))
}

/// Puts the names of every flags value inside `val` in their declaration
/// order, the order lifting produces, so values parsed from WAVE compare
/// equal (`==`, and as text) to values a component returned. (WAVE allows
/// `{write, read}`; the set is the same as `{read, write}`.)
fn flags_in_order(ty: &Type, val: Val) -> Val {
    let payload = |ty: Option<Type>, v: Option<Box<Val>>| match (ty, v) {
        (Some(t), Some(v)) => Some(Box::new(flags_in_order(&t, *v))),
        (_, v) => v,
    };
    match (ty, val) {
        (Type::Flags(f), Val::Flags(names)) => {
            Val::Flags(f.names().filter(|n| names.iter().any(|m| m == n)).map(String::from).collect())
        }
        (Type::List(l), Val::List(items)) => Val::List(items.into_iter().map(|v| flags_in_order(&l.ty(), v)).collect()),
        (Type::Record(r), Val::Record(fields)) => {
            Val::Record(r.fields().zip(fields).map(|(f, (name, v))| (name, flags_in_order(&f.ty, v))).collect())
        }
        (Type::Tuple(t), Val::Tuple(items)) => {
            Val::Tuple(t.types().zip(items).map(|(t, v)| flags_in_order(&t, v)).collect())
        }
        (Type::Variant(v), Val::Variant(case, p)) => {
            let case_ty = v.cases().find(|c| c.name == case).and_then(|c| c.ty);
            Val::Variant(case, payload(case_ty, p))
        }
        (Type::Option(o), Val::Option(p)) => Val::Option(payload(Some(o.ty()), p)),
        (Type::Result(r), Val::Result(Ok(p))) => Val::Result(Ok(payload(r.ok(), p))),
        (Type::Result(r), Val::Result(Err(p))) => Val::Result(Err(payload(r.err(), p))),
        (_, v) => v,
    }
}

/// Parses WAVE text as a value of type `ty`.
///
/// # Errors
///
/// [`RunError::Usage`] when the text is not valid WAVE or does not fit the
/// type (the message names the type and the offending part of the text).
pub fn from_wave(ty: &Type, s: &str) -> Result<Val, RunError> {
    wasm_wave::from_str::<Val>(ty, s).map(|v| flags_in_order(ty, v)).map_err(|e| {
        RunError::Usage(format!(
            "invalid WAVE value for type `{}`: {}",
            type_name(ty),
            describe_parse_error(&e, s, |span| span)
        ))
    })
}

/// A call split into the function name and its WAVE argument list.
pub(crate) struct ParsedCall<'a> {
    /// The function name as written (trimmed).
    pub name: &'a str,
    /// The original text.
    source: &'a str,
    /// Byte offset of the `(` in `source`.
    open: usize,
}

/// Splits `name(args…)` at the first `(`. The name is not lexed by WAVE (so
/// names like `ns:pkg/iface@1.0.0-draft#func` are fine); the arguments are,
/// once their types are known, by [`ParsedCall::args`].
pub(crate) fn split_call(source: &str) -> Result<ParsedCall<'_>, RunError> {
    let Some(open) = source.find('(') else {
        return Err(RunError::Usage(format!(
            "invalid call `{source}`: expected WAVE call syntax `name(arg, ...)`, e.g. `parse(\"1.2.3\")`"
        )));
    };
    let name = source[..open].trim();
    if name.is_empty() {
        return Err(RunError::Usage(format!("invalid call `{source}`: missing function name before `(`")));
    }
    Ok(ParsedCall { name, source, open })
}

impl ParsedCall<'_> {
    /// Parses the arguments against the parameter types. Trailing `option`
    /// parameters may be omitted (they become `none`).
    pub fn args(&self, params: &[Type], signature: &str) -> Result<Vec<Val>, RunError> {
        // WAVE's own call parser only accepts plain names, so parse a stand-in
        // name of one byte followed by the original argument text.
        let rest = &self.source[self.open..];
        let text = format!("f{rest}");
        let shift = |span: Range<usize>| -> Range<usize> {
            let map = |i: usize| if i == 0 { 0 } else { i - 1 + self.open };
            map(span.start)..map(span.end).max(map(span.start))
        };
        let call = UntypedFuncCall::parse(&text).map_err(|e| {
            RunError::Usage(format!("invalid call `{}`: {}", self.source, describe_parse_error(&e, self.source, shift)))
        })?;
        call.to_wasm_params::<Val>(params.iter()).map_err(|e| {
            RunError::Usage(format!(
                "invalid arguments in `{}` for `{}{signature}`: {}",
                self.source,
                self.name,
                describe_parse_error(&e, self.source, shift)
            ))
        })
    }
}

/// `kind: detail at offset N: `snippet``, with the span mapped into `source`.
fn describe_parse_error(e: &ParserError, source: &str, map: impl Fn(Range<usize>) -> Range<usize>) -> String {
    let mut out = e.kind().to_string();
    if let Some(detail) = e.detail() {
        out.push_str(": ");
        out.push_str(detail);
    } else if let Some(cause) = e.source() {
        out.push_str(": ");
        out.push_str(&cause.to_string());
    }
    let span = map(e.span());
    let start = floor_char_boundary(source, span.start.min(source.len()));
    let end = floor_char_boundary(source, span.end.min(source.len())).max(start);
    let snippet = &source[start..end];
    if snippet.trim().is_empty() {
        out.push_str(&format!(" at offset {start}"));
    } else {
        out.push_str(&format!(" at offset {start}: `{snippet}`"));
    }
    out
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// A WIT-like rendering of a type for messages: `u32`, `list<string>`,
/// `record { major: u64, ... }`, `enum { major, minor, patch }`, ...
pub fn type_name(ty: &Type) -> String {
    match ty {
        Type::Bool => "bool".into(),
        Type::S8 => "s8".into(),
        Type::U8 => "u8".into(),
        Type::S16 => "s16".into(),
        Type::U16 => "u16".into(),
        Type::S32 => "s32".into(),
        Type::U32 => "u32".into(),
        Type::S64 => "s64".into(),
        Type::U64 => "u64".into(),
        Type::Float32 => "f32".into(),
        Type::Float64 => "f64".into(),
        Type::Char => "char".into(),
        Type::String => "string".into(),
        Type::List(l) => format!("list<{}>", type_name(&l.ty())),
        Type::FixedLengthList(l) => format!("list<{}, {}>", type_name(&l.ty()), l.len()),
        Type::Map(m) => format!("map<{}, {}>", type_name(&m.key()), type_name(&m.value())),
        Type::Record(r) => {
            let fields: Vec<String> = r.fields().map(|f| format!("{}: {}", f.name, type_name(&f.ty))).collect();
            format!("record {{ {} }}", fields.join(", "))
        }
        Type::Tuple(t) => {
            let items: Vec<String> = t.types().map(|t| type_name(&t)).collect();
            format!("tuple<{}>", items.join(", "))
        }
        Type::Variant(v) => {
            let cases: Vec<String> = v
                .cases()
                .map(|c| match &c.ty {
                    Some(t) => format!("{}({})", c.name, type_name(t)),
                    None => c.name.to_string(),
                })
                .collect();
            format!("variant {{ {} }}", cases.join(", "))
        }
        Type::Enum(e) => format!("enum {{ {} }}", e.names().collect::<Vec<_>>().join(", ")),
        Type::Option(o) => format!("option<{}>", type_name(&o.ty())),
        Type::Result(r) => match (r.ok(), r.err()) {
            (None, None) => "result".into(),
            (Some(ok), None) => format!("result<{}>", type_name(&ok)),
            (None, Some(err)) => format!("result<_, {}>", type_name(&err)),
            (Some(ok), Some(err)) => format!("result<{}, {}>", type_name(&ok), type_name(&err)),
        },
        Type::Flags(f) => format!("flags {{ {} }}", f.names().collect::<Vec<_>>().join(", ")),
        Type::Own(_) => "own<resource>".into(),
        Type::Borrow(_) => "borrow<resource>".into(),
        Type::Future(_) => "future".into(),
        Type::Stream(_) => "stream".into(),
        Type::ErrorContext => "error-context".into(),
    }
}

/// The kind of the first part of `v` WAVE cannot write (resources, futures,
/// streams, error contexts, maps), if any.
fn unsupported_part(v: &Val) -> Option<&'static str> {
    match v {
        Val::Resource(_) | Val::Future(_) | Val::Stream(_) | Val::ErrorContext(_) | Val::Map(_) => Some(val_kind(v)),
        Val::List(items) | Val::FixedLengthList(items) | Val::Tuple(items) => items.iter().find_map(unsupported_part),
        Val::Record(fields) => fields.iter().find_map(|(_, v)| unsupported_part(v)),
        Val::Variant(_, Some(payload)) | Val::Option(Some(payload)) => unsupported_part(payload),
        Val::Result(Ok(Some(payload)) | Err(Some(payload))) => unsupported_part(payload),
        _ => None,
    }
}

/// A short name for the kind of a value, for messages.
fn val_kind(v: &Val) -> &'static str {
    match v {
        Val::Bool(_) => "bool",
        Val::S8(_) => "s8",
        Val::U8(_) => "u8",
        Val::S16(_) => "s16",
        Val::U16(_) => "u16",
        Val::S32(_) => "s32",
        Val::U32(_) => "u32",
        Val::S64(_) => "s64",
        Val::U64(_) => "u64",
        Val::Float32(_) => "f32",
        Val::Float64(_) => "f64",
        Val::Char(_) => "char",
        Val::String(_) => "string",
        Val::List(_) => "list",
        Val::FixedLengthList(_) => "fixed-length list",
        Val::Map(_) => "map",
        Val::Record(_) => "record",
        Val::Tuple(_) => "tuple",
        Val::Variant(..) => "variant",
        Val::Enum(_) => "enum",
        Val::Option(_) => "option",
        Val::Result(_) => "result",
        Val::Flags(_) => "flags",
        Val::Resource(_) => "resource",
        Val::Future(_) => "future",
        Val::Stream(_) => "stream",
        Val::ErrorContext(_) => "error-context",
    }
}

/// Checks that `val` is a value of type `ty`; the error describes the first
/// mismatch, with `path` locating it (e.g. `argument 1.major`).
pub(crate) fn check_val(ty: &Type, val: &Val, path: &str) -> Result<(), String> {
    let mismatch = || Err(format!("{path}: expected `{}`, found a {} value", type_name(ty), val_kind(val)));
    match (ty, val) {
        (Type::Bool, Val::Bool(_))
        | (Type::S8, Val::S8(_))
        | (Type::U8, Val::U8(_))
        | (Type::S16, Val::S16(_))
        | (Type::U16, Val::U16(_))
        | (Type::S32, Val::S32(_))
        | (Type::U32, Val::U32(_))
        | (Type::S64, Val::S64(_))
        | (Type::U64, Val::U64(_))
        | (Type::Float32, Val::Float32(_))
        | (Type::Float64, Val::Float64(_))
        | (Type::Char, Val::Char(_))
        | (Type::String, Val::String(_))
        | (Type::Future(_), Val::Future(_))
        | (Type::Stream(_), Val::Stream(_))
        | (Type::ErrorContext, Val::ErrorContext(_)) => Ok(()),
        (Type::List(l), Val::List(items)) => {
            let elem = l.ty();
            for (i, item) in items.iter().enumerate() {
                check_val(&elem, item, &format!("{path}[{i}]"))?;
            }
            Ok(())
        }
        (Type::FixedLengthList(l), Val::FixedLengthList(items) | Val::List(items)) => {
            if u32::try_from(items.len()).ok() != Some(l.len()) {
                return Err(format!("{path}: expected {} elements, found {}", l.len(), items.len()));
            }
            let elem = l.ty();
            for (i, item) in items.iter().enumerate() {
                check_val(&elem, item, &format!("{path}[{i}]"))?;
            }
            Ok(())
        }
        (Type::Map(m), Val::Map(entries)) => {
            let (k, v) = (m.key(), m.value());
            for (i, (key, value)) in entries.iter().enumerate() {
                check_val(&k, key, &format!("{path}[{i}].key"))?;
                check_val(&v, value, &format!("{path}[{i}].value"))?;
            }
            Ok(())
        }
        (Type::Record(r), Val::Record(fields)) => {
            let expected: Vec<_> = r.fields().collect();
            if expected.len() != fields.len() {
                return Err(format!("{path}: expected {} record fields, found {}", expected.len(), fields.len()));
            }
            for (field, (name, value)) in expected.iter().zip(fields) {
                if field.name != name {
                    return Err(format!("{path}: expected field `{}`, found `{name}`", field.name));
                }
                check_val(&field.ty, value, &format!("{path}.{name}"))?;
            }
            Ok(())
        }
        (Type::Tuple(t), Val::Tuple(items)) => {
            let types: Vec<_> = t.types().collect();
            if types.len() != items.len() {
                return Err(format!("{path}: expected a {}-tuple, found {} items", types.len(), items.len()));
            }
            for (i, (ty, item)) in types.iter().zip(items).enumerate() {
                check_val(ty, item, &format!("{path}.{i}"))?;
            }
            Ok(())
        }
        (Type::Variant(v), Val::Variant(case, payload)) => {
            let Some(c) = v.cases().find(|c| c.name == case) else {
                return Err(format!("{path}: `{case}` is not a case of `{}`", type_name(ty)));
            };
            check_payload(c.ty.as_ref(), payload.as_deref(), &format!("{path}.{case}"))
        }
        (Type::Enum(e), Val::Enum(case)) => {
            if e.names().any(|n| n == case) {
                Ok(())
            } else {
                Err(format!("{path}: `{case}` is not a case of `{}`", type_name(ty)))
            }
        }
        (Type::Option(o), Val::Option(inner)) => match inner {
            None => Ok(()),
            Some(inner) => check_val(&o.ty(), inner, &format!("{path}.some")),
        },
        (Type::Result(r), Val::Result(res)) => match res {
            Ok(payload) => check_payload(r.ok().as_ref(), payload.as_deref(), &format!("{path}.ok")),
            Err(payload) => check_payload(r.err().as_ref(), payload.as_deref(), &format!("{path}.err")),
        },
        (Type::Flags(f), Val::Flags(names)) => {
            for name in names {
                if !f.names().any(|n| n == name) {
                    return Err(format!("{path}: `{name}` is not a flag of `{}`", type_name(ty)));
                }
            }
            Ok(())
        }
        (Type::Own(rt), Val::Resource(r)) | (Type::Borrow(rt), Val::Resource(r)) => {
            if r.ty() == *rt {
                Ok(())
            } else {
                Err(format!("{path}: resource handle of a different resource type"))
            }
        }
        _ => mismatch(),
    }
}

fn check_payload(ty: Option<&Type>, val: Option<&Val>, path: &str) -> Result<(), String> {
    match (ty, val) {
        (None, None) => Ok(()),
        (Some(ty), Some(val)) => check_val(ty, val, path),
        (Some(ty), None) => Err(format!("{path}: missing payload of type `{}`", type_name(ty))),
        (None, Some(_)) => Err(format!("{path}: this case has no payload")),
    }
}
