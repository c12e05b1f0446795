//! The canonical ABI for every WIT value type: flattening, memory layout,
//! and loads and stores between flat core values and linear memory.
//!
//! Follows the Component Model's `CanonicalABI.md`: `flatten_type` (with the
//! `join` of variant payloads), `elem_size`/`alignment` (taken from
//! wit-parser's [`SizeAlign`]), `load`/`store` and the variant
//! discriminant widths. Generated code keeps every value in its flat form
//! (a record is its fields' flat values, a variant is its discriminant and
//! joined payload slots), so lifting and lowering at a boundary is a matter
//! of moving flat values, or of one load or store when they spill to memory.

use crate::codegen::Code;
use wasm_encoder::{Instruction as I, MemArg, ValType};
use wit_parser::{Resolve, SizeAlign, Type, TypeDefKind};

/// Allocates the locals of one core function after its parameters.
#[derive(Debug, Default)]
pub struct Locals {
    /// The index of the first local after the parameters.
    pub base: u32,
    /// The type of each local, from `base` on.
    pub types: Vec<ValType>,
}

impl Locals {
    /// A new local of type `ty`; returns its index.
    pub fn add(&mut self, ty: ValType) -> u32 {
        self.types.push(ty);
        self.base + self.types.len() as u32 - 1
    }
}

/// The canonical ABI `join` of two flat types.
fn join(a: ValType, b: ValType) -> ValType {
    if a == b {
        a
    } else if matches!((a, b), (ValType::I32, ValType::F32) | (ValType::F32, ValType::I32)) {
        ValType::I32
    } else {
        ValType::I64
    }
}

/// Converts the value on top of the stack from a case's flat type to the
/// joined slot type (canonical ABI `lower_flat_variant`).
fn emit_to_joined(out: &mut Code, from: ValType, to: ValType) {
    match (from, to) {
        (a, b) if a == b => {}
        (ValType::F32, ValType::I32) => out.push(I::I32ReinterpretF32),
        (ValType::I32, ValType::I64) => out.push(I::I64ExtendI32U),
        (ValType::F32, ValType::I64) => out.extend([I::I32ReinterpretF32, I::I64ExtendI32U]),
        (ValType::F64, ValType::I64) => out.push(I::I64ReinterpretF64),
        _ => out.push(I::Unreachable),
    }
}

/// Converts the value on top of the stack from the joined slot type to a
/// case's flat type (canonical ABI `lift_flat_variant`).
fn emit_from_joined(out: &mut Code, from: ValType, to: ValType) {
    match (from, to) {
        (a, b) if a == b => {}
        (ValType::I32, ValType::F32) => out.push(I::F32ReinterpretI32),
        (ValType::I64, ValType::I32) => out.push(I::I32WrapI64),
        (ValType::I64, ValType::F32) => out.extend([I::I32WrapI64, I::F32ReinterpretI32]),
        (ValType::I64, ValType::F64) => out.push(I::F64ReinterpretI64),
        _ => out.push(I::Unreachable),
    }
}

/// A zero of type `ty`.
pub fn zero(ty: ValType) -> I<'static> {
    match ty {
        ValType::I64 => I::I64Const(0),
        ValType::F32 => I::F32Const(0.0f32.into()),
        ValType::F64 => I::F64Const(0.0f64.into()),
        _ => I::I32Const(0),
    }
}

fn memarg(offset: u32, align_log2: u32) -> MemArg {
    MemArg { offset: offset as u64, align: align_log2, memory_index: 0 }
}

/// The canonical ABI width in bytes of the discriminant of `cases` cases.
pub fn discriminant_size(cases: usize) -> u32 {
    if cases <= 1 << 8 {
        1
    } else if cases <= 1 << 16 {
        2
    } else {
        4
    }
}

/// Layout and flattening of WIT types, for one [`Resolve`].
pub struct Abi<'r> {
    pub(crate) resolve: &'r Resolve,
    sizes: SizeAlign,
}

impl<'r> Abi<'r> {
    /// Computes sizes and alignments of every type in `resolve`.
    pub fn new(resolve: &'r Resolve) -> Self {
        let mut sizes = SizeAlign::default();
        sizes.fill(resolve);
        Abi { resolve, sizes }
    }

    /// The payload types of each case of a variant, `option` or `result`.
    pub fn cases(&self, ty: &Type) -> Option<Vec<Option<Type>>> {
        let Type::Id(id) = ty else { return None };
        match &self.resolve.types[*id].kind {
            TypeDefKind::Variant(v) => Some(v.cases.iter().map(|c| c.ty).collect()),
            TypeDefKind::Option(t) => Some(vec![None, Some(*t)]),
            TypeDefKind::Result(r) => Some(vec![r.ok, r.err]),
            TypeDefKind::Type(t) => self.cases(t),
            _ => None,
        }
    }

    /// Does a value of `ty` point into linear memory (a `string` or `list`
    /// anywhere inside it)?
    pub fn has_heap(&self, ty: &Type) -> bool {
        let Type::Id(id) = ty else { return matches!(ty, Type::String) };
        match &self.resolve.types[*id].kind {
            TypeDefKind::List(_) => true,
            TypeDefKind::Record(r) => r.fields.iter().any(|f| self.has_heap(&f.ty)),
            TypeDefKind::Tuple(t) => t.types.iter().any(|t| self.has_heap(t)),
            TypeDefKind::Type(t) => self.has_heap(t),
            _ => self.cases(ty).is_some_and(|cases| cases.iter().flatten().any(|t| self.has_heap(t))),
        }
    }

    /// The flat types of a Claw type (none for `()`).
    pub fn flat_ty(&self, ty: crate::types::Ty) -> Vec<ValType> {
        let mut out = Vec::new();
        self.push_flat_ty(ty, &mut out);
        out
    }

    /// Appends the flat types of a Claw type to `out` ([`Abi::flat_ty`]
    /// without a vector of its own).
    pub fn push_flat_ty(&self, ty: crate::types::Ty, out: &mut Vec<ValType>) {
        if let Some(t) = ty.to_wit() {
            self.push_flat(&t, out);
        }
    }

    /// The core value types a value of `ty` flattens to (`flatten_type`).
    pub fn flat(&self, ty: &Type) -> Vec<ValType> {
        let mut out = Vec::new();
        self.push_flat(ty, &mut out);
        out
    }

    fn push_flat(&self, ty: &Type, out: &mut Vec<ValType>) {
        match ty {
            Type::S64 | Type::U64 => out.push(ValType::I64),
            Type::F32 => out.push(ValType::F32),
            Type::F64 => out.push(ValType::F64),
            Type::String => out.extend([ValType::I32, ValType::I32]),
            Type::Id(id) => match &self.resolve.types[*id].kind {
                TypeDefKind::Record(r) => r.fields.iter().for_each(|f| self.push_flat(&f.ty, out)),
                TypeDefKind::Tuple(t) => t.types.iter().for_each(|t| self.push_flat(t, out)),
                TypeDefKind::List(_) => out.extend([ValType::I32, ValType::I32]),
                TypeDefKind::Flags(f) => out.extend(std::iter::repeat_n(ValType::I32, f.flags.len().div_ceil(32))),
                TypeDefKind::Type(t) => self.push_flat(t, out),
                TypeDefKind::Variant(_) | TypeDefKind::Option(_) | TypeDefKind::Result(_) => {
                    let cases = self.cases(ty).unwrap_or_default();
                    let mut slots: Vec<ValType> = Vec::new();
                    for case in cases.iter().flatten() {
                        for (i, t) in self.flat(case).into_iter().enumerate() {
                            match slots.get_mut(i) {
                                Some(slot) => *slot = join(*slot, t),
                                None => slots.push(t),
                            }
                        }
                    }
                    out.push(ValType::I32);
                    out.extend(slots);
                }
                _ => out.push(ValType::I32),
            },
            _ => out.push(ValType::I32),
        }
    }

    /// `(size, alignment)` in bytes (`elem_size`, `alignment`).
    pub fn size_align(&self, ty: &Type) -> (u32, u32) {
        (self.sizes.size(ty).size_wasm32() as u32, self.sizes.align(ty).align_wasm32() as u32)
    }

    /// Offsets of fields laid out as a record of `types`, and the record's size and alignment.
    pub fn record_layout(&self, types: &[Type]) -> (Vec<u32>, u32, u32) {
        let offsets = self.sizes.field_offsets(types).into_iter().map(|(o, _)| o.size_wasm32() as u32).collect();
        let info = self.sizes.record(types);
        (offsets, info.size.size_wasm32() as u32, info.align.align_wasm32() as u32)
    }

    /// The fields of a record or the elements of a tuple.
    pub fn fields(&self, ty: &Type) -> Vec<Type> {
        let Type::Id(id) = ty else { return Vec::new() };
        match &self.resolve.types[*id].kind {
            TypeDefKind::Record(r) => r.fields.iter().map(|f| f.ty).collect(),
            TypeDefKind::Tuple(t) => t.types.clone(),
            TypeDefKind::Type(t) => self.fields(t),
            _ => Vec::new(),
        }
    }

    /// The element type of a list.
    pub fn list_element(&self, ty: &Type) -> Option<Type> {
        let Type::Id(id) = ty else { return None };
        match &self.resolve.types[*id].kind {
            TypeDefKind::List(t) => Some(*t),
            TypeDefKind::Type(t) => self.list_element(t),
            _ => None,
        }
    }

    /// The flat payload types of case `index` (empty without payload).
    pub fn case_flat(&self, ty: &Type, index: u32) -> Vec<ValType> {
        match self.cases(ty).and_then(|c| c.get(index as usize).copied().flatten()) {
            Some(t) => self.flat(&t),
            None => Vec::new(),
        }
    }

    /// Pushes the payload of case `index`, whose flat values are in
    /// `payload` (empty for no payload), as the variant's joined slots
    /// (after the discriminant, which the caller pushes).
    pub fn emit_joined_payload(&self, out: &mut Code, ty: &Type, index: u32, payload: &[u32]) {
        let slots = &self.flat(ty)[1..];
        let case = self.case_flat(ty, index);
        for (i, slot) in slots.iter().enumerate() {
            match case.get(i) {
                Some(t) => {
                    out.push(I::LocalGet(payload[i]));
                    emit_to_joined(out, *t, *slot);
                }
                None => out.push(zero(*slot)),
            }
        }
    }

    /// Pushes the payload of case `index` from the joined slots in `slots`
    /// (the variant's flat locals after the discriminant) as the case's flat values.
    pub fn emit_case_payload(&self, out: &mut Code, ty: &Type, index: u32, slots: &[u32]) {
        let slot_types = &self.flat(ty)[1..];
        for (i, t) in self.case_flat(ty, index).iter().enumerate() {
            out.push(I::LocalGet(slots[i]));
            emit_from_joined(out, slot_types[i], *t);
        }
    }

    fn payload_offset(&self, ty: &Type) -> u32 {
        let cases = self.cases(ty).unwrap_or_default();
        let disc = discriminant_size(cases.len());
        let align = cases.iter().flatten().map(|t| self.size_align(t).1).max().unwrap_or(1).max(disc);
        disc.div_ceil(align) * align
    }

    /// Emits a load of a value of `ty` from `[addr_local + offset]`, leaving
    /// its flat values on the stack (canonical ABI `load`).
    pub fn emit_load(&self, out: &mut Code, locals: &mut Locals, ty: &Type, addr: u32, offset: u32) {
        let scalar = |out: &mut Code, i: I<'static>| out.extend([I::LocalGet(addr), i]);
        match ty {
            Type::Bool | Type::U8 => scalar(out, I::I32Load8U(memarg(offset, 0))),
            Type::S8 => scalar(out, I::I32Load8S(memarg(offset, 0))),
            Type::U16 => scalar(out, I::I32Load16U(memarg(offset, 1))),
            Type::S16 => scalar(out, I::I32Load16S(memarg(offset, 1))),
            Type::S32 | Type::U32 | Type::Char => scalar(out, I::I32Load(memarg(offset, 2))),
            Type::S64 | Type::U64 => scalar(out, I::I64Load(memarg(offset, 3))),
            Type::F32 => scalar(out, I::F32Load(memarg(offset, 2))),
            Type::F64 => scalar(out, I::F64Load(memarg(offset, 3))),
            Type::String | Type::ErrorContext => {
                scalar(out, I::I32Load(memarg(offset, 2)));
                scalar(out, I::I32Load(memarg(offset + 4, 2)));
            }
            Type::Id(id) => match &self.resolve.types[*id].kind {
                TypeDefKind::Type(t) => self.emit_load(out, locals, t, addr, offset),
                TypeDefKind::List(_) => {
                    scalar(out, I::I32Load(memarg(offset, 2)));
                    scalar(out, I::I32Load(memarg(offset + 4, 2)));
                }
                TypeDefKind::Record(_) | TypeDefKind::Tuple(_) => {
                    let fields = self.fields(ty);
                    let (offsets, _, _) = self.record_layout(&fields);
                    for (t, o) in fields.iter().zip(offsets) {
                        self.emit_load(out, locals, t, addr, offset + o);
                    }
                }
                TypeDefKind::Flags(f) => match f.flags.len() {
                    0 => {}
                    1..=8 => scalar(out, I::I32Load8U(memarg(offset, 0))),
                    9..=16 => scalar(out, I::I32Load16U(memarg(offset, 1))),
                    n => {
                        for i in 0..n.div_ceil(32) as u32 {
                            scalar(out, I::I32Load(memarg(offset + 4 * i, 2)));
                        }
                    }
                },
                TypeDefKind::Enum(e) => self.emit_load_discriminant(out, e.cases.len(), addr, offset),
                TypeDefKind::Variant(_) | TypeDefKind::Option(_) | TypeDefKind::Result(_) => {
                    let cases = self.cases(ty).unwrap_or_default();
                    let flat = self.flat(ty);
                    let disc = locals.add(ValType::I32);
                    self.emit_load_discriminant(out, cases.len(), addr, offset);
                    out.push(I::LocalSet(disc));
                    let slots: Vec<u32> = flat[1..].iter().map(|t| locals.add(*t)).collect();
                    for (s, t) in slots.iter().zip(&flat[1..]) {
                        out.extend([zero(*t), I::LocalSet(*s)]);
                    }
                    let payload_offset = offset + self.payload_offset(ty);
                    for (k, case) in cases.iter().enumerate() {
                        let Some(case) = case else { continue };
                        out.extend([I::LocalGet(disc), I::I32Const(k as i32), I::I32Eq]);
                        out.push(I::If(wasm_encoder::BlockType::Empty));
                        let case_flat = self.flat(case);
                        self.emit_load(out, locals, case, addr, payload_offset);
                        let temps: Vec<u32> = case_flat.iter().map(|t| locals.add(*t)).collect();
                        for t in temps.iter().rev() {
                            out.push(I::LocalSet(*t));
                        }
                        for (i, t) in temps.iter().enumerate() {
                            out.push(I::LocalGet(*t));
                            emit_to_joined(out, case_flat[i], flat[1 + i]);
                            out.push(I::LocalSet(slots[i]));
                        }
                        out.push(I::End);
                    }
                    out.push(I::LocalGet(disc));
                    for s in slots {
                        out.push(I::LocalGet(s));
                    }
                }
                _ => scalar(out, I::I32Load(memarg(offset, 2))),
            },
        }
    }

    fn emit_load_discriminant(&self, out: &mut Code, cases: usize, addr: u32, offset: u32) {
        out.push(I::LocalGet(addr));
        out.push(match discriminant_size(cases) {
            1 => I::I32Load8U(memarg(offset, 0)),
            2 => I::I32Load16U(memarg(offset, 1)),
            _ => I::I32Load(memarg(offset, 2)),
        });
    }

    /// Emits a store of the value whose flat values are in `values` to
    /// `[addr_local + offset]` (canonical ABI `store`).
    pub fn emit_store(&self, out: &mut Code, locals: &mut Locals, ty: &Type, addr: u32, offset: u32, values: &[u32]) {
        let store = |out: &mut Code, value: u32, i: I<'static>| {
            out.extend([I::LocalGet(addr), I::LocalGet(value), i]);
        };
        match ty {
            Type::Bool | Type::U8 | Type::S8 => store(out, values[0], I::I32Store8(memarg(offset, 0))),
            Type::U16 | Type::S16 => store(out, values[0], I::I32Store16(memarg(offset, 1))),
            Type::S32 | Type::U32 | Type::Char => store(out, values[0], I::I32Store(memarg(offset, 2))),
            Type::S64 | Type::U64 => store(out, values[0], I::I64Store(memarg(offset, 3))),
            Type::F32 => store(out, values[0], I::F32Store(memarg(offset, 2))),
            Type::F64 => store(out, values[0], I::F64Store(memarg(offset, 3))),
            Type::String | Type::ErrorContext => {
                store(out, values[0], I::I32Store(memarg(offset, 2)));
                store(out, values[1], I::I32Store(memarg(offset + 4, 2)));
            }
            Type::Id(id) => match &self.resolve.types[*id].kind {
                TypeDefKind::Type(t) => self.emit_store(out, locals, t, addr, offset, values),
                TypeDefKind::List(_) => {
                    store(out, values[0], I::I32Store(memarg(offset, 2)));
                    store(out, values[1], I::I32Store(memarg(offset + 4, 2)));
                }
                TypeDefKind::Record(_) | TypeDefKind::Tuple(_) => {
                    let fields = self.fields(ty);
                    let (offsets, _, _) = self.record_layout(&fields);
                    let mut next = 0;
                    for (t, o) in fields.iter().zip(offsets) {
                        let n = self.flat(t).len();
                        self.emit_store(out, locals, t, addr, offset + o, &values[next..next + n]);
                        next += n;
                    }
                }
                TypeDefKind::Flags(f) => match f.flags.len() {
                    0 => {}
                    1..=8 => store(out, values[0], I::I32Store8(memarg(offset, 0))),
                    9..=16 => store(out, values[0], I::I32Store16(memarg(offset, 1))),
                    n => {
                        for i in 0..n.div_ceil(32) {
                            store(out, values[i], I::I32Store(memarg(offset + 4 * i as u32, 2)));
                        }
                    }
                },
                TypeDefKind::Enum(e) => self.emit_store_discriminant(out, e.cases.len(), addr, offset, values[0]),
                TypeDefKind::Variant(_) | TypeDefKind::Option(_) | TypeDefKind::Result(_) => {
                    let cases = self.cases(ty).unwrap_or_default();
                    self.emit_store_discriminant(out, cases.len(), addr, offset, values[0]);
                    let payload_offset = offset + self.payload_offset(ty);
                    for (k, case) in cases.iter().enumerate() {
                        let Some(case) = case else { continue };
                        out.extend([I::LocalGet(values[0]), I::I32Const(k as i32), I::I32Eq]);
                        out.push(I::If(wasm_encoder::BlockType::Empty));
                        let case_flat = self.flat(case);
                        let temps: Vec<u32> = case_flat.iter().map(|t| locals.add(*t)).collect();
                        self.emit_case_payload(out, ty, k as u32, &values[1..]);
                        for t in temps.iter().rev() {
                            out.push(I::LocalSet(*t));
                        }
                        self.emit_store(out, locals, case, addr, payload_offset, &temps);
                        out.push(I::End);
                    }
                }
                _ => store(out, values[0], I::I32Store(memarg(offset, 2))),
            },
        }
    }

    fn emit_store_discriminant(&self, out: &mut Code, cases: usize, addr: u32, offset: u32, value: u32) {
        out.extend([I::LocalGet(addr), I::LocalGet(value)]);
        out.push(match discriminant_size(cases) {
            1 => I::I32Store8(memarg(offset, 0)),
            2 => I::I32Store16(memarg(offset, 1)),
            _ => I::I32Store(memarg(offset, 2)),
        });
    }
}
