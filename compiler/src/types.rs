//! Claw's types: WIT's value types, with enums identified by their WIT type.

use wit_parser::{Resolve, Type, TypeDefKind, TypeId};

/// A Claw type. Every type is a WIT type; enums refer to their definition in
/// the [`Resolve`] (imported from a WIT interface), so their cases and docs
/// come from WIT rather than a copy.
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
            Ty::Enum(id) => resolve.types[id].name.clone().unwrap_or_else(|| "enum".into()),
            Ty::Unit => "()".into(),
            Ty::Error => "{unknown}".into(),
        }
    }

    /// Converts a WIT type, following aliases. Types Claw cannot handle yet
    /// give `Err` with the WIT kind's name (`list`, `record`, `resource`, ...).
    pub fn from_wit(resolve: &Resolve, ty: &Type) -> Result<Ty, &'static str> {
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
            Type::Id(id) => match &resolve.types[*id].kind {
                TypeDefKind::Enum(_) => Ty::Enum(*id),
                TypeDefKind::Type(inner) => return Ty::from_wit(resolve, inner),
                TypeDefKind::Record(_) => return Err("record"),
                TypeDefKind::Resource => return Err("resource"),
                TypeDefKind::Handle(_) => return Err("resource handle"),
                TypeDefKind::Flags(_) => return Err("flags"),
                TypeDefKind::Tuple(_) => return Err("tuple"),
                TypeDefKind::Variant(_) => return Err("variant"),
                TypeDefKind::Option(_) => return Err("option"),
                TypeDefKind::Result(_) => return Err("result"),
                TypeDefKind::List(_) => return Err("list"),
                TypeDefKind::Future(_) => return Err("future"),
                TypeDefKind::Stream(_) => return Err("stream"),
                _ => return Err("this kind of type"),
            },
        })
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
