//! Claw's types: WIT's value types, kept in a [`Resolve`].
//!
//! Scalars and `string` are plain variants. Every other type is a WIT type
//! definition in the checker's [`Resolve`]: named types (records, variants,
//! enums, flags) by the definition that declares them, in a WIT interface or
//! in the Claw file; anonymous ones (`list<T>`, `option<T>`, `result<T, E>`,
//! `tuple<...>`) interned by [`Interner`], so two spellings of `list<u8>`
//! are one [`TypeId`] and types compare with `==`.

use std::collections::HashMap;
use wit_parser::{Resolve, Type, TypeDef, TypeDefKind, TypeId, TypeOwner};

/// A Claw type. Every type is a WIT type; named types refer to their
/// definition in the [`Resolve`], so their cases and docs come from WIT
/// rather than a copy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Ty {
    /// `bool`
    Bool,
    /// `s8`
    S8,
    /// `s16`
    S16,
    /// `s32`
    S32,
    /// `s64`
    S64,
    /// `u8`
    U8,
    /// `u16`
    U16,
    /// `u32`
    U32,
    /// `u64`
    U64,
    /// `f32`
    F32,
    /// `f64`
    F64,
    /// `char`: a Unicode scalar value.
    Char,
    /// `string`: UTF-8 text.
    String,
    /// A WIT `enum`, by its definition.
    Enum(TypeId),
    /// Any other WIT type definition: `record`, `variant`, `flags` (named,
    /// by definition) or `list`, `option`, `result`, `tuple` (interned).
    Def(TypeId),
    /// No value: the "result" of a function without one.
    Unit,
    /// The type of an expression that already failed to check; it matches
    /// everything so one mistake gives one diagnostic.
    Error,
}

impl Ty {
    /// The built-in type with this WIT name.
    pub fn from_name(name: &str) -> Option<Ty> {
        Some(match name {
            "bool" => Ty::Bool,
            "s8" => Ty::S8,
            "s16" => Ty::S16,
            "s32" => Ty::S32,
            "s64" => Ty::S64,
            "u8" => Ty::U8,
            "u16" => Ty::U16,
            "u32" => Ty::U32,
            "u64" => Ty::U64,
            "f32" => Ty::F32,
            "f64" => Ty::F64,
            "char" => Ty::Char,
            "string" => Ty::String,
            _ => return None,
        })
    }

    /// The names of the built-in types, for suggestions.
    pub const BUILTIN_NAMES: &'static [&'static str] =
        &["bool", "s8", "s16", "s32", "s64", "u8", "u16", "u32", "u64", "f32", "f64", "char", "string"];

    /// Is this one of the eight integer types?
    pub fn is_int(self) -> bool {
        matches!(self, Ty::S8 | Ty::S16 | Ty::S32 | Ty::S64 | Ty::U8 | Ty::U16 | Ty::U32 | Ty::U64)
    }

    /// Is this `f32` or `f64`?
    pub fn is_float(self) -> bool {
        matches!(self, Ty::F32 | Ty::F64)
    }

    /// Is this an integer or float type?
    pub fn is_numeric(self) -> bool {
        self.is_int() || self.is_float()
    }

    /// Is this a signed integer type?
    pub fn is_signed(self) -> bool {
        matches!(self, Ty::S8 | Ty::S16 | Ty::S32 | Ty::S64)
    }

    /// The width in bits of an integer or float type (0 otherwise).
    pub fn bits(self) -> u32 {
        match self {
            Ty::S8 | Ty::U8 => 8,
            Ty::S16 | Ty::U16 => 16,
            Ty::S32 | Ty::U32 | Ty::F32 => 32,
            Ty::S64 | Ty::U64 | Ty::F64 => 64,
            _ => 0,
        }
    }

    /// The inclusive range of an integer type.
    pub fn int_range(self) -> Option<(i128, i128)> {
        let bits = self.bits();
        if !self.is_int() {
            return None;
        }
        Some(if self.is_signed() {
            (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1)
        } else {
            (0, (1i128 << bits) - 1)
        })
    }

    /// The type as it is written in Claw and WIT.
    pub fn display(self, resolve: &Resolve) -> String {
        match self {
            Ty::Bool => "bool".into(),
            Ty::S8 => "s8".into(),
            Ty::S16 => "s16".into(),
            Ty::S32 => "s32".into(),
            Ty::S64 => "s64".into(),
            Ty::U8 => "u8".into(),
            Ty::U16 => "u16".into(),
            Ty::U32 => "u32".into(),
            Ty::U64 => "u64".into(),
            Ty::F32 => "f32".into(),
            Ty::F64 => "f64".into(),
            Ty::Char => "char".into(),
            Ty::String => "string".into(),
            Ty::Enum(id) | Ty::Def(id) => display_wit(resolve, &Type::Id(id)),
            Ty::Unit => "()".into(),
            Ty::Error => "{unknown}".into(),
        }
    }

    /// The WIT type (`None` for [`Ty::Unit`] and [`Ty::Error`]).
    pub fn to_wit(self) -> Option<Type> {
        Some(match self {
            Ty::Bool => Type::Bool,
            Ty::S8 => Type::S8,
            Ty::S16 => Type::S16,
            Ty::S32 => Type::S32,
            Ty::S64 => Type::S64,
            Ty::U8 => Type::U8,
            Ty::U16 => Type::U16,
            Ty::U32 => Type::U32,
            Ty::U64 => Type::U64,
            Ty::F32 => Type::F32,
            Ty::F64 => Type::F64,
            Ty::Char => Type::Char,
            Ty::String => Type::String,
            Ty::Enum(id) | Ty::Def(id) => Type::Id(id),
            Ty::Unit | Ty::Error => return None,
        })
    }

    /// The definition of a [`Ty::Def`] or [`Ty::Enum`].
    pub fn def(self, resolve: &Resolve) -> Option<&TypeDefKind> {
        match self {
            Ty::Enum(id) | Ty::Def(id) => Some(&resolve.types[id].kind),
            _ => None,
        }
    }

    /// Does this type have a name of its own (a record, variant, enum or flags)?
    pub fn is_named(self, resolve: &Resolve) -> bool {
        match self {
            Ty::Enum(id) | Ty::Def(id) => resolve.types[id].name.is_some(),
            _ => false,
        }
    }

    /// The cases of an enum type, in discriminant order.
    pub fn enum_cases(self, resolve: &Resolve) -> Vec<String> {
        match self {
            Ty::Enum(id) => match &resolve.types[id].kind {
                TypeDefKind::Enum(e) => e.cases.iter().map(|c| c.name.clone()).collect(),
                _ => Vec::new(),
            },
            _ => Vec::new(),
        }
    }
}

/// WIT text for a type: its name if it has one, else its structure.
pub fn display_wit(resolve: &Resolve, ty: &Type) -> String {
    let id = match ty {
        Type::Id(id) => *id,
        Type::Bool => return "bool".into(),
        Type::U8 => return "u8".into(),
        Type::U16 => return "u16".into(),
        Type::U32 => return "u32".into(),
        Type::U64 => return "u64".into(),
        Type::S8 => return "s8".into(),
        Type::S16 => return "s16".into(),
        Type::S32 => return "s32".into(),
        Type::S64 => return "s64".into(),
        Type::F32 => return "f32".into(),
        Type::F64 => return "f64".into(),
        Type::Char => return "char".into(),
        Type::String => return "string".into(),
        Type::ErrorContext => return "error-context".into(),
    };
    let def = &resolve.types[id];
    if let Some(name) = &def.name {
        return name.clone();
    }
    let show = |t: &Option<Type>| t.as_ref().map(|t| display_wit(resolve, t)).unwrap_or_else(|| "_".into());
    match &def.kind {
        TypeDefKind::List(t) => format!("list<{}>", display_wit(resolve, t)),
        TypeDefKind::Option(t) => format!("option<{}>", display_wit(resolve, t)),
        TypeDefKind::Result(r) => match (&r.ok, &r.err) {
            (None, None) => "result".into(),
            (Some(ok), None) => format!("result<{}>", display_wit(resolve, ok)),
            _ => format!("result<{}, {}>", show(&r.ok), show(&r.err)),
        },
        TypeDefKind::Tuple(t) => {
            format!("tuple<{}>", t.types.iter().map(|t| display_wit(resolve, t)).collect::<Vec<_>>().join(", "))
        }
        TypeDefKind::Type(t) => display_wit(resolve, t),
        TypeDefKind::Handle(wit_parser::Handle::Borrow(r)) => {
            format!("borrow<{}>", display_wit(resolve, &Type::Id(*r)))
        }
        TypeDefKind::Handle(wit_parser::Handle::Own(r)) => display_wit(resolve, &Type::Id(*r)),
        _ => "type".into(),
    }
}

/// Interns anonymous WIT types (`list`, `option`, `result`, `tuple`) in a
/// [`Resolve`], so each structure has exactly one [`TypeId`], and converts
/// WIT types from interfaces into [`Ty`]s.
#[derive(Debug, Default)]
pub struct Interner {
    anonymous: HashMap<TypeDefKind, TypeId>,
}

impl Interner {
    /// The one [`TypeId`] of an anonymous type whose component types are
    /// already canonical (built from [`Ty::to_wit`]).
    pub fn anonymous(&mut self, resolve: &mut Resolve, kind: TypeDefKind) -> Ty {
        if let Some(id) = self.anonymous.get(&kind) {
            return Ty::Def(*id);
        }
        let id = resolve.types.alloc(TypeDef {
            name: None,
            kind: kind.clone(),
            owner: TypeOwner::None,
            docs: Default::default(),
            stability: Default::default(),
            span: Default::default(),
            external_id: Default::default(),
        });
        self.anonymous.insert(kind, id);
        Ty::Def(id)
    }

    /// `list<T>`
    pub fn list(&mut self, resolve: &mut Resolve, element: Ty) -> Ty {
        match element.to_wit() {
            Some(t) => self.anonymous(resolve, TypeDefKind::List(t)),
            None => Ty::Error,
        }
    }

    /// `option<T>`
    pub fn option(&mut self, resolve: &mut Resolve, inner: Ty) -> Ty {
        match inner.to_wit() {
            Some(t) => self.anonymous(resolve, TypeDefKind::Option(t)),
            None => Ty::Error,
        }
    }

    /// `result<T, E>`; `None` for a side without a payload.
    pub fn result(&mut self, resolve: &mut Resolve, ok: Option<Ty>, err: Option<Ty>) -> Ty {
        if ok == Some(Ty::Error) || err == Some(Ty::Error) {
            return Ty::Error;
        }
        let ok = ok.and_then(Ty::to_wit);
        let err = err.and_then(Ty::to_wit);
        self.anonymous(resolve, TypeDefKind::Result(wit_parser::Result_ { ok, err }))
    }

    /// `tuple<A, B, ...>`
    pub fn tuple(&mut self, resolve: &mut Resolve, types: &[Ty]) -> Ty {
        let mut wit = Vec::new();
        for t in types {
            match t.to_wit() {
                Some(t) => wit.push(t),
                None => return Ty::Error,
            }
        }
        self.anonymous(resolve, TypeDefKind::Tuple(wit_parser::Tuple { types: wit }))
    }

    /// `own<R>` (`own` true) or `borrow<R>` of the resource definition `resource`.
    pub fn handle(&mut self, resolve: &mut Resolve, own: bool, resource: TypeId) -> Ty {
        let handle = if own { wit_parser::Handle::Own(resource) } else { wit_parser::Handle::Borrow(resource) };
        self.anonymous(resolve, TypeDefKind::Handle(handle))
    }

    /// Converts a WIT type, following aliases and interning anonymous types.
    /// Types Claw cannot handle yet give `Err` with the WIT kind's name
    /// (`resource`, `future`, ...).
    pub fn from_wit(&mut self, resolve: &mut Resolve, ty: &Type) -> Result<Ty, &'static str> {
        Ok(match ty {
            Type::Bool => Ty::Bool,
            Type::U8 => Ty::U8,
            Type::U16 => Ty::U16,
            Type::U32 => Ty::U32,
            Type::U64 => Ty::U64,
            Type::S8 => Ty::S8,
            Type::S16 => Ty::S16,
            Type::S32 => Ty::S32,
            Type::S64 => Ty::S64,
            Type::F32 => Ty::F32,
            Type::F64 => Ty::F64,
            Type::Char => Ty::Char,
            Type::String => Ty::String,
            Type::ErrorContext => return Err("error-context"),
            Type::Id(id) => match resolve.types[*id].kind.clone() {
                TypeDefKind::Enum(_) => Ty::Enum(*id),
                TypeDefKind::Record(_) | TypeDefKind::Variant(_) | TypeDefKind::Flags(_) => {
                    self.check_fields(resolve, *id)?;
                    Ty::Def(*id)
                }
                TypeDefKind::Type(inner) => return self.from_wit(resolve, &inner),
                TypeDefKind::List(t) => {
                    let t = self.from_wit(resolve, &t)?;
                    self.list(resolve, t)
                }
                TypeDefKind::Option(t) => {
                    let t = self.from_wit(resolve, &t)?;
                    self.option(resolve, t)
                }
                TypeDefKind::Result(r) => {
                    let ok = r.ok.map(|t| self.from_wit(resolve, &t)).transpose()?;
                    let err = r.err.map(|t| self.from_wit(resolve, &t)).transpose()?;
                    self.result(resolve, ok, err)
                }
                TypeDefKind::Tuple(t) => {
                    let mut types = Vec::new();
                    for t in &t.types {
                        types.push(self.from_wit(resolve, t)?);
                    }
                    self.tuple(resolve, &types)
                }
                // A resource named as a type is an owned handle to it.
                TypeDefKind::Resource => self.handle(resolve, true, *id),
                TypeDefKind::Handle(h) => {
                    let (own, r) = match h {
                        wit_parser::Handle::Own(r) => (true, r),
                        wit_parser::Handle::Borrow(r) => (false, r),
                    };
                    let r = resource_of(resolve, r);
                    self.handle(resolve, own, r)
                }
                TypeDefKind::Future(_) => return Err("future"),
                TypeDefKind::Stream(_) => return Err("stream"),
                _ => return Err("this kind of type"),
            },
        })
    }

    /// Fails when a named type contains a type Claw cannot handle yet.
    fn check_fields(&mut self, resolve: &mut Resolve, id: TypeId) -> Result<(), &'static str> {
        let inner: Vec<Type> = match &resolve.types[id].kind {
            TypeDefKind::Record(r) => r.fields.iter().map(|f| f.ty).collect(),
            TypeDefKind::Variant(v) => v.cases.iter().filter_map(|c| c.ty).collect(),
            _ => Vec::new(),
        };
        for t in inner {
            self.from_wit(resolve, &t)?;
        }
        Ok(())
    }
}

/// The resource definition an id names, following `use` aliases.
pub fn resource_of(resolve: &Resolve, mut id: TypeId) -> TypeId {
    while let TypeDefKind::Type(Type::Id(inner)) = resolve.types[id].kind {
        id = inner;
    }
    id
}

impl Ty {
    /// For `own<R>` / `borrow<R>`: whether it is owned, and `R`.
    pub fn handle(self, resolve: &Resolve) -> Option<(bool, TypeId)> {
        match self.def(resolve)? {
            TypeDefKind::Handle(wit_parser::Handle::Own(r)) => Some((true, *r)),
            TypeDefKind::Handle(wit_parser::Handle::Borrow(r)) => Some((false, *r)),
            _ => None,
        }
    }
}
