//! The component's binary, written directly with `wasm-encoder` from the
//! world (a [`Resolve`] and a [`WorldId`]) and the core module codegen made.
//!
//! This does what wit-component's `ComponentEncoder` does for a module that
//! follows the `cm32p2` naming scheme (see `codegen.rs`), without embedding
//! the world into the module and decoding it again, without validating the
//! core module twice, and without scanning exports. The shape is the
//! canonical one wit-component produces, so `wit_component::decode` finds
//! the same world:
//!
//! 1. the world's imports: each interface as an instance import whose
//!    instance type defines its types and functions (a type `use`d from
//!    another interface is an outer alias of the type exported by that
//!    interface's instance); world-level types as type imports (`eq` to
//!    their definition); world-level functions as function imports;
//! 2. when some imports need the core module's memory or `realloc` (strings,
//!    lists, values passed through memory), or the file defines resources
//!    with destructors, a *shim* core module: a table of functions and one
//!    function per entry that calls through the table. The main module
//!    imports the shim's functions; once the main module is instantiated
//!    (and its memory exists) the real `canon lower`ed functions are put
//!    into the table by a *fixup* module's active element segment;
//! 3. the types of the resources the file defines (`resource (rep i32)`
//!    with their destructor, through the shim) and their `resource.new`,
//!    `resource.rep` and `resource.drop`;
//! 4. the core module, instantiated with one bag-of-exports instance per
//!    core import module name (`cm32p2`, `cm32p2|ns:pkg/iface@v`,
//!    `cm32p2|_ex_<iface>`);
//! 5. the exports: `canon lift` of each exported function (`memory`,
//!    `realloc`, UTF-8, `post-return` when the module has `<name>_post`);
//!    world-level functions are exported as they are, interfaces as the
//!    instance of a small nested component that imports the lifted
//!    functions and the interface's types and re-exports them under their
//!    names (type ascription), so the exported instance's type names them.

use crate::codegen::NAME_PREFIX;
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use wasm_encoder::{
    Alias, CanonicalOption, CodeSection, ComponentBuilder, ComponentDefinedTypeEncoder, ComponentExportKind,
    ComponentFuncTypeEncoder, ComponentOuterAliasKind, ComponentTypeRef, ComponentValType, ConstExpr, ElementSection,
    Elements, EntityType, ExportKind, ExportSection, FunctionSection, ImportSection, InstanceType, Module, ModuleArg,
    PrimitiveValType, RefType, TableSection, TableType, TypeBounds, TypeSection, ValType,
};
use wit_parser::abi::{AbiVariant, WasmType};
use wit_parser::{
    Function, FunctionKind, Handle, InterfaceId, LiveTypes, Resolve, Type, TypeDefKind, TypeId, TypeOwner, WorldId,
    WorldItem, WorldKey,
};

/// The name of the shim's table of indirectly called functions.
const TABLE: &str = "$imports";

/// What the component needs to know about the core module: its imports
/// (module, field) in order, and of the names it exports those the encoder
/// looks for (post-return functions and destructors, see [`asked_for`]).
struct CoreInfo<'c> {
    imports: Vec<(&'c str, &'c str)>,
    exports: HashSet<&'c str>,
}

/// Is `name` a core export that [`encode`] looks for by name (a
/// `<export>_post` or a `<R>_dtor`)? Only those are kept in
/// [`CoreInfo::exports`]: a module exports every function, and hashing each
/// name cost more than anything else about the exports.
fn asked_for(name: &str) -> bool {
    name.ends_with("_post") || name.ends_with("_dtor")
}

fn core_info(core: &[u8]) -> anyhow::Result<CoreInfo<'_>> {
    let mut info = CoreInfo { imports: Vec::new(), exports: HashSet::default() };
    for payload in wasmparser::Parser::new(0).parse_all(core) {
        match payload? {
            wasmparser::Payload::ImportSection(reader) => {
                for import in reader.into_imports() {
                    let import = import?;
                    info.imports.push((import.module, import.name));
                }
            }
            wasmparser::Payload::ExportSection(reader) => {
                for export in reader {
                    let name = export?.name;
                    if asked_for(name) {
                        info.exports.insert(name);
                    }
                }
            }
            wasmparser::Payload::CodeSectionStart { .. } => break,
            _ => {}
        }
    }
    Ok(info)
}

/// Which canonical options a lowered import or lifted export needs.
#[derive(Clone, Copy, Default)]
struct Options {
    memory: bool,
    realloc: bool,
    utf8: bool,
}

/// Does `ty` contain a string (`.0`) or any list or string (`.1`)?
fn contents(resolve: &Resolve, ty: &Type) -> (bool, bool) {
    match ty {
        Type::String => (true, true),
        Type::Id(id) => {
            let of = |types: &mut dyn Iterator<Item = &Type>| {
                types.map(|t| contents(resolve, t)).fold((false, false), |a, b| (a.0 || b.0, a.1 || b.1))
            };
            match &resolve.types[*id].kind {
                TypeDefKind::List(t) => (contents(resolve, t).0, true),
                TypeDefKind::Record(r) => of(&mut r.fields.iter().map(|f| &f.ty)),
                TypeDefKind::Tuple(t) => of(&mut t.types.iter()),
                TypeDefKind::Variant(v) => of(&mut v.cases.iter().filter_map(|c| c.ty.as_ref())),
                TypeDefKind::Option(t) | TypeDefKind::Type(t) => contents(resolve, t),
                TypeDefKind::Result(r) => of(&mut r.ok.iter().chain(r.err.iter())),
                _ => (false, false),
            }
        }
        _ => (false, false),
    }
}

impl Options {
    /// The options of `func`: `import` is true for `canon lower`, false for
    /// `canon lift`. Values that the other side writes into our memory need
    /// `realloc` (results of imports, parameters of exports); values read
    /// from it need only `memory`.
    fn of(resolve: &Resolve, func: &Function, import: bool) -> Options {
        let variant = if import { AbiVariant::GuestImport } else { AbiVariant::GuestExport };
        let sig = resolve.wasm_signature(variant, func);
        let params =
            func.params.iter().map(|p| contents(resolve, &p.ty)).fold((false, false), |a, b| (a.0 || b.0, a.1 || b.1));
        let result = func.result.as_ref().map(|t| contents(resolve, t)).unwrap_or_default();
        let (written, read) = if import { (result, params) } else { (params, result) };
        let mut options = Options {
            memory: written.1 || read.1 || sig.indirect_params || sig.retptr,
            realloc: written.1 || (!import && sig.indirect_params),
            utf8: written.0 || read.0,
        };
        options.memory |= options.realloc;
        options
    }

    fn needs_memory(self) -> bool {
        self.memory || self.realloc || self.utf8
    }

    fn list(self, memory: u32, realloc: u32) -> Vec<CanonicalOption> {
        let mut out = Vec::new();
        if self.memory {
            out.push(CanonicalOption::Memory(memory));
        }
        if self.realloc {
            out.push(CanonicalOption::Realloc(realloc));
        }
        if self.utf8 {
            out.push(CanonicalOption::UTF8);
        }
        out
    }
}

fn core_type(t: WasmType) -> ValType {
    match t {
        WasmType::I64 | WasmType::PointerOrI64 => ValType::I64,
        WasmType::F32 => ValType::F32,
        WasmType::F64 => ValType::F64,
        WasmType::I32 | WasmType::Pointer | WasmType::Length => ValType::I32,
    }
}

/// A function type: parameter names and types, and the result.
/// The names are borrowed from the [`Resolve`].
type FuncKey<'a> = (Vec<(&'a str, Type)>, Option<Type>);

/// The exports (name, kind, index) of a bag-of-exports core instance.
type CoreExports<'s> = Vec<(&'s str, ExportKind, u32)>;

/// Type indices already encoded in one index space.
#[derive(Default, Clone)]
struct Maps<'a> {
    ids: HashMap<TypeId, u32>,
    anonymous: HashMap<TypeDefKind, u32>,
    funcs: HashMap<FuncKey<'a>, u32>,
    /// The last function type asked for: consecutive functions often have
    /// one type, found then without building and hashing its key.
    last_func: Option<(&'a Function, u32)>,
}

impl Maps<'_> {
    fn lookup(&self, resolve: &Resolve, id: TypeId) -> Option<u32> {
        if let Some(index) = self.ids.get(&id) {
            return Some(*index);
        }
        let def = &resolve.types[id];
        if def.name.is_none() { self.anonymous.get(&def.kind).copied() } else { None }
    }

    fn insert(&mut self, resolve: &Resolve, id: TypeId, index: u32) {
        self.ids.insert(id, index);
        let def = &resolve.types[id];
        if def.name.is_none() {
            self.anonymous.entry(def.kind.clone()).or_insert(index);
        }
    }
}

/// An index space that types are encoded into: the component itself, an
/// instance type, or the nested component of an exported interface.
trait Space<'a> {
    fn resolve(&self) -> &'a Resolve;
    fn maps(&mut self) -> &mut Maps<'a>;
    /// The interface whose types are defined here (others' are imported).
    fn interface(&self) -> Option<InterfaceId>;
    fn defined(&mut self) -> (u32, ComponentDefinedTypeEncoder<'_>);
    fn function(&mut self) -> (u32, ComponentFuncTypeEncoder<'_>);
    /// Names the type `index` (a type export or import); returns the index
    /// that refers to it by that name, or `index` if it stays unnamed.
    fn name_type(&mut self, index: u32, name: &str) -> u32;
    /// Declares the resource `id` (named `name`), returning its index.
    fn resource(&mut self, id: TypeId, name: &str) -> u32;
    /// The index of type `id`, which another interface owns.
    fn foreign(&mut self, id: TypeId) -> u32;
    /// Records a problem (a compiler bug); encoding goes on and fails at the end.
    fn fail(&mut self, message: String);

    /// The index of a function type.
    fn func_type(&mut self, params: Vec<(&'a str, Type)>, result: Option<Type>) -> u32 {
        let key = (params, result);
        if let Some(index) = self.maps().funcs.get(&key) {
            return *index;
        }
        let params: Vec<(&str, ComponentValType)> = key.0.iter().map(|(n, t)| (*n, self.valtype(t))).collect();
        let result = result.map(|t| self.valtype(&t));
        let (index, mut f) = self.function();
        f.params(params).result(result);
        self.maps().funcs.insert(key, index);
        index
    }

    fn wit_func_type(&mut self, func: &'a Function) -> u32 {
        if let Some((last, index)) = self.maps().last_func
            && last.result == func.result
            && last.params.len() == func.params.len()
            && last.params.iter().zip(&func.params).all(|(a, b)| a.name == b.name && a.ty == b.ty)
        {
            return index;
        }
        let params: Vec<(&'a str, Type)> = func.params.iter().map(|p| (p.name.as_str(), p.ty)).collect();
        let index = self.func_type(params, func.result);
        self.maps().last_func = Some((func, index));
        index
    }

    /// The index of the resource type `id` (following `use` aliases).
    fn resource_index(&mut self, id: TypeId) -> u32 {
        match self.valtype(&Type::Id(id)) {
            ComponentValType::Type(index) => index,
            ComponentValType::Primitive(_) => unreachable!("a resource is an indexed type"),
        }
    }

    /// Encodes `ty` (defining what it needs first) and returns it as a value type.
    fn valtype(&mut self, ty: &Type) -> ComponentValType {
        let primitive = match ty {
            Type::Bool => PrimitiveValType::Bool,
            Type::U8 => PrimitiveValType::U8,
            Type::U16 => PrimitiveValType::U16,
            Type::U32 => PrimitiveValType::U32,
            Type::U64 => PrimitiveValType::U64,
            Type::S8 => PrimitiveValType::S8,
            Type::S16 => PrimitiveValType::S16,
            Type::S32 => PrimitiveValType::S32,
            Type::S64 => PrimitiveValType::S64,
            Type::F32 => PrimitiveValType::F32,
            Type::F64 => PrimitiveValType::F64,
            Type::Char => PrimitiveValType::Char,
            Type::String => PrimitiveValType::String,
            Type::ErrorContext => PrimitiveValType::ErrorContext,
            Type::Id(id) => return ComponentValType::Type(self.type_index(*id)),
        };
        ComponentValType::Primitive(primitive)
    }

    /// The index of type `id`. A resource's index is the resource type
    /// itself; where a value type is wanted, `own` of it is made by the
    /// handle types (and by [`Space::handle_of`] for a resource named as a
    /// value).
    fn type_index(&mut self, id: TypeId) -> u32 {
        let resolve = self.resolve();
        if let Some(index) = self.maps().lookup(resolve, id) {
            return index;
        }
        let def = &resolve.types[id];
        if let TypeOwner::Interface(owner) = def.owner
            && Some(owner) != self.interface()
        {
            let index = self.foreign(id);
            self.maps().insert(resolve, id, index);
            return index;
        }
        let value = |space: &mut Self, t: &Type| space.value(t);
        let index = match &def.kind {
            TypeDefKind::Resource => {
                let index = self.resource(id, def.name.as_deref().unwrap_or_default());
                self.maps().ids.insert(id, index);
                return index;
            }
            TypeDefKind::Record(r) => {
                let fields: Vec<(&str, ComponentValType)> =
                    r.fields.iter().map(|f| (f.name.as_str(), value(self, &f.ty))).collect();
                let (index, enc) = self.defined();
                enc.record(fields);
                index
            }
            TypeDefKind::Variant(v) => {
                let cases: Vec<(&str, Option<ComponentValType>)> =
                    v.cases.iter().map(|c| (c.name.as_str(), c.ty.as_ref().map(|t| value(self, t)))).collect();
                let (index, enc) = self.defined();
                enc.variant(cases);
                index
            }
            TypeDefKind::Enum(e) => {
                let (index, enc) = self.defined();
                enc.enum_type(e.cases.iter().map(|c| c.name.as_str()));
                index
            }
            TypeDefKind::Flags(f) => {
                let (index, enc) = self.defined();
                enc.flags(f.flags.iter().map(|c| c.name.as_str()));
                index
            }
            TypeDefKind::Tuple(t) => {
                let types: Vec<ComponentValType> = t.types.iter().map(|t| value(self, t)).collect();
                let (index, enc) = self.defined();
                enc.tuple(types);
                index
            }
            TypeDefKind::List(t) => {
                let t = value(self, t);
                let (index, enc) = self.defined();
                enc.list(t);
                index
            }
            TypeDefKind::Option(t) => {
                let t = value(self, t);
                let (index, enc) = self.defined();
                enc.option(t);
                index
            }
            TypeDefKind::Result(r) => {
                let ok = r.ok.as_ref().map(|t| value(self, t));
                let err = r.err.as_ref().map(|t| value(self, t));
                let (index, enc) = self.defined();
                enc.result(ok, err);
                index
            }
            TypeDefKind::Handle(Handle::Own(r) | Handle::Borrow(r)) => {
                let own = matches!(def.kind, TypeDefKind::Handle(Handle::Own(_)));
                let resource = self.type_index(*r);
                let (index, enc) = self.defined();
                if own {
                    enc.own(resource);
                } else {
                    enc.borrow(resource);
                }
                index
            }
            // An alias (a `use`) is the type itself, a resource included.
            TypeDefKind::Type(t) => match self.valtype(t) {
                ComponentValType::Type(index) => index,
                ComponentValType::Primitive(p) => {
                    let (index, enc) = self.defined();
                    enc.primitive(p);
                    index
                }
            },
            other => {
                self.fail(format!("the component encoder does not support WIT type {other:?}"));
                0
            }
        };
        let index = match &def.name {
            Some(name) => self.name_type(index, name),
            None => index,
        };
        self.maps().insert(resolve, id, index);
        index
    }

    /// `ty` as a value type: like [`Space::valtype`], but a resource named
    /// as a value is `own` of it (WIT writes `own<R>` as `R`).
    fn value(&mut self, ty: &Type) -> ComponentValType {
        if let Type::Id(id) = ty
            && is_resource(self.resolve(), *id)
        {
            return ComponentValType::Type(self.handle_of(*id));
        }
        self.valtype(ty)
    }

    /// `own<R>` of the resource `id`.
    fn handle_of(&mut self, id: TypeId) -> u32 {
        let key = TypeDefKind::Handle(Handle::Own(id));
        if let Some(index) = self.maps().anonymous.get(&key) {
            return *index;
        }
        let resource = self.type_index(id);
        let (index, enc) = self.defined();
        enc.own(resource);
        self.maps().anonymous.insert(key, index);
        index
    }
}

/// Is `id` a resource (possibly through `use` aliases)?
fn is_resource(resolve: &Resolve, mut id: TypeId) -> bool {
    loop {
        match resolve.types[id].kind {
            TypeDefKind::Resource => return true,
            TypeDefKind::Type(Type::Id(inner)) => id = inner,
            _ => return false,
        }
    }
}

/// The component being built.
struct Enc<'a> {
    resolve: &'a Resolve,
    b: ComponentBuilder,
    /// Type indices in the component's own index space.
    root: Maps<'a>,
    /// The component instance of each imported or exported interface.
    instances: HashMap<InterfaceId, u32>,
    /// Problems found while encoding types (compiler bugs).
    errors: Vec<String>,
}

impl<'a> Enc<'a> {
    /// The component-level index of type `id` of an interface: aliased from
    /// the interface's instance (once).
    fn alias_type(&mut self, id: TypeId) -> u32 {
        if let Some(index) = self.root.ids.get(&id) {
            return *index;
        }
        let def = &self.resolve.types[id];
        let instance = match def.owner {
            TypeOwner::Interface(owner) => self.instances.get(&owner).copied(),
            _ => None,
        };
        let (Some(instance), Some(name)) = (instance, def.name.as_deref()) else {
            self.errors
                .push(format!("type `{}` belongs to no interface of the world", def.name.as_deref().unwrap_or("?")));
            return 0;
        };
        let index = self.b.alias_export(instance, name, ComponentExportKind::Type);
        self.root.insert(self.resolve, id, index);
        index
    }

    fn root(&mut self, interface: Option<InterfaceId>, import_names: bool) -> Root<'_, 'a> {
        Root { enc: self, interface, import_names }
    }
}

/// The component's own index space. World-level named types are imported
/// (`import_names`); the types of an exported interface stay unnamed here
/// (its nested component names them).
struct Root<'e, 'a> {
    enc: &'e mut Enc<'a>,
    interface: Option<InterfaceId>,
    import_names: bool,
}

impl<'a> Space<'a> for Root<'_, 'a> {
    fn resolve(&self) -> &'a Resolve {
        self.enc.resolve
    }
    fn maps(&mut self) -> &mut Maps<'a> {
        &mut self.enc.root
    }
    fn interface(&self) -> Option<InterfaceId> {
        self.interface
    }
    fn defined(&mut self) -> (u32, ComponentDefinedTypeEncoder<'_>) {
        self.enc.b.type_defined(None)
    }
    fn function(&mut self) -> (u32, ComponentFuncTypeEncoder<'_>) {
        self.enc.b.type_function(None)
    }
    fn name_type(&mut self, index: u32, name: &str) -> u32 {
        if self.import_names { self.enc.b.import(name, ComponentTypeRef::Type(TypeBounds::Eq(index))) } else { index }
    }
    fn resource(&mut self, _: TypeId, name: &str) -> u32 {
        self.enc.errors.push(format!("resource `{name}` is not declared by an interface"));
        0
    }
    fn foreign(&mut self, id: TypeId) -> u32 {
        self.enc.alias_type(id)
    }
    fn fail(&mut self, message: String) {
        self.enc.errors.push(message);
    }
}

/// The instance type of an imported interface.
struct Inst<'e, 'a> {
    enc: &'e mut Enc<'a>,
    ty: InstanceType,
    maps: Maps<'a>,
    interface: InterfaceId,
}

impl<'a> Space<'a> for Inst<'_, 'a> {
    fn resolve(&self) -> &'a Resolve {
        self.enc.resolve
    }
    fn maps(&mut self) -> &mut Maps<'a> {
        &mut self.maps
    }
    fn interface(&self) -> Option<InterfaceId> {
        Some(self.interface)
    }
    fn defined(&mut self) -> (u32, ComponentDefinedTypeEncoder<'_>) {
        (self.ty.type_count(), self.ty.ty().defined_type())
    }
    fn function(&mut self) -> (u32, ComponentFuncTypeEncoder<'_>) {
        (self.ty.type_count(), self.ty.ty().function())
    }
    fn name_type(&mut self, index: u32, name: &str) -> u32 {
        let named = self.ty.type_count();
        self.ty.export(name, ComponentTypeRef::Type(TypeBounds::Eq(index)));
        named
    }
    fn resource(&mut self, _: TypeId, name: &str) -> u32 {
        let index = self.ty.type_count();
        self.ty.export(name, ComponentTypeRef::Type(TypeBounds::SubResource));
        index
    }
    fn foreign(&mut self, id: TypeId) -> u32 {
        let outer = self.enc.alias_type(id);
        self.ty.alias(Alias::Outer { kind: ComponentOuterAliasKind::Type, count: 1, index: outer });
        self.ty.type_count() - 1
    }
    fn fail(&mut self, message: String) {
        self.enc.errors.push(message);
    }
}

/// The nested component that gives an exported interface's instance its
/// type: it imports the lifted functions and the types they mention, and
/// exports them again under their names. While `export_types` is false,
/// named types are imported (`import-type-<name>`) and recorded in
/// `imports` to be supplied when it is instantiated; then they are exported.
struct Nested<'e, 'a> {
    enc: &'e mut Enc<'a>,
    c: ComponentBuilder,
    maps: Maps<'a>,
    interface: InterfaceId,
    export_types: bool,
    /// Type imports: name and the index in this component.
    imports: Vec<(String, u32)>,
}

impl Nested<'_, '_> {
    fn import_type(&mut self, name: &str, bounds: TypeBounds) -> u32 {
        let mut unique = format!("import-type-{name}");
        let mut n = 0;
        while self.imports.iter().any(|(i, _)| *i == unique) {
            unique = format!("import-type-{name}{n}");
            n += 1;
        }
        let index = self.c.import(unique.as_str(), ComponentTypeRef::Type(bounds));
        self.imports.push((unique, index));
        index
    }
}

impl<'a> Space<'a> for Nested<'_, 'a> {
    fn resolve(&self) -> &'a Resolve {
        self.enc.resolve
    }
    fn maps(&mut self) -> &mut Maps<'a> {
        &mut self.maps
    }
    fn interface(&self) -> Option<InterfaceId> {
        Some(self.interface)
    }
    fn defined(&mut self) -> (u32, ComponentDefinedTypeEncoder<'_>) {
        self.c.type_defined(None)
    }
    fn function(&mut self) -> (u32, ComponentFuncTypeEncoder<'_>) {
        self.c.type_function(None)
    }
    fn name_type(&mut self, index: u32, name: &str) -> u32 {
        if self.export_types {
            self.c.export(name, ComponentExportKind::Type, index, None)
        } else {
            self.import_type(name, TypeBounds::Eq(index))
        }
    }
    fn resource(&mut self, _: TypeId, name: &str) -> u32 {
        self.import_type(name, TypeBounds::SubResource)
    }
    /// A type of another interface is defined here as that interface would
    /// (so it is imported by name, like the interface's own types).
    fn foreign(&mut self, id: TypeId) -> u32 {
        let TypeOwner::Interface(owner) = self.enc.resolve.types[id].owner else { return 0 };
        let saved = std::mem::replace(&mut self.interface, owner);
        let index = self.type_index(id);
        self.interface = saved;
        index
    }
    fn fail(&mut self, message: String) {
        self.enc.errors.push(message);
    }
}

/// What fills one entry of the shim's table.
enum ShimKind {
    /// The component function `func`, lowered with `options`.
    Lower { func: u32, options: Options },
    /// The core export `export` of the main module (a resource destructor).
    Dtor { export: String },
}

struct Shim {
    kind: ShimKind,
    params: Vec<ValType>,
    results: Vec<ValType>,
}

/// The shim module (a table and one function per entry that calls through
/// it) and the fixup module (whose element segment fills the table).
fn shim_modules(shims: &[Shim]) -> (Module, Module) {
    let mut types = TypeSection::new();
    let mut sigs: HashMap<(&[ValType], &[ValType]), u32> = HashMap::default();
    let mut functions = FunctionSection::new();
    let mut code = CodeSection::new();
    let mut exports = ExportSection::new();
    let mut imports = ImportSection::new();
    for (i, shim) in shims.iter().enumerate() {
        let next = sigs.len() as u32;
        let ty = *sigs.entry((&shim.params, &shim.results)).or_insert_with(|| {
            types.ty().function(shim.params.iter().copied(), shim.results.iter().copied());
            next
        });
        functions.function(ty);
        let mut body = wasm_encoder::Function::new([]);
        for p in 0..shim.params.len() as u32 {
            body.instruction(&wasm_encoder::Instruction::LocalGet(p));
        }
        body.instruction(&wasm_encoder::Instruction::I32Const(i as i32));
        body.instruction(&wasm_encoder::Instruction::CallIndirect { type_index: ty, table_index: 0 });
        body.instruction(&wasm_encoder::Instruction::End);
        code.function(&body);
        exports.export(&i.to_string(), ExportKind::Func, i as u32);
        imports.import("", &i.to_string(), EntityType::Function(ty));
    }
    let table = TableType {
        element_type: RefType::FUNCREF,
        minimum: shims.len() as u64,
        maximum: Some(shims.len() as u64),
        table64: false,
        shared: false,
    };
    let mut tables = TableSection::new();
    tables.table(table);
    exports.export(TABLE, ExportKind::Table, 0);
    imports.import("", TABLE, table);
    let mut shim = Module::new();
    shim.section(&types);
    shim.section(&functions);
    shim.section(&tables);
    shim.section(&exports);
    shim.section(&code);
    let mut elements = ElementSection::new();
    let indices: Vec<u32> = (0..shims.len() as u32).collect();
    elements.active(None, &ConstExpr::i32_const(0), Elements::Functions(indices.into()));
    let mut fixup = Module::new();
    fixup.section(&types);
    fixup.section(&imports);
    fixup.section(&elements);
    (shim, fixup)
}

/// What a core import of the main module asks for.
enum Need<'a> {
    WorldFunc(&'a Function),
    InterfaceFunc(InterfaceId, &'a Function),
    ImportedDrop(TypeId),
    Defined(&'static str, TypeId),
}

/// What a core import of the main module is.
enum CoreImport {
    /// A component function (world-level or of an imported interface), lowered.
    Func { func: u32, options: Options, params: Vec<ValType>, results: Vec<ValType> },
    /// `resource.drop` of an imported resource (`TypeId`).
    ImportedDrop(TypeId),
    /// `resource.new`, `.rep` or `.drop` of a resource the file defines.
    Defined(&'static str, TypeId),
}

/// Writes the component of `world` around `core`, a core module that
/// follows the `cm32p2` naming scheme (imports from `cm32p2`,
/// `cm32p2|<interface id>` and `cm32p2|_ex_<interface>`; exports
/// `cm32p2||<name>`, `cm32p2|<interface>|<name>`, `<export>_post`,
/// `cm32p2|<interface>|<R>_dtor`, `cm32p2_memory`, `cm32p2_realloc`).
/// The bytes are not validated here ([`super::wrap`] does that).
///
/// # Errors
/// When the core module does not match the world (a compiler bug).
pub fn encode(resolve: &Resolve, world_id: WorldId, core: &[u8]) -> anyhow::Result<Vec<u8>> {
    let info = core_info(core)?;
    let world = &resolve.worlds[world_id];
    let mut enc = Enc {
        resolve,
        b: ComponentBuilder::default(),
        root: Maps::default(),
        instances: HashMap::default(),
        errors: Vec::new(),
    };

    // Interfaces by their name in core names: imported, and exported.
    let mut imported: HashMap<String, InterfaceId> = HashMap::default();
    for item in world.imports.values() {
        if let WorldItem::Interface { id, .. } = item
            && let Some(core_name) = resolve.canonicalized_id_of(*id)
        {
            imported.insert(core_name, *id);
        }
    }
    // In the order of the world's exports (the component's bytes must not
    // depend on hashing).
    let mut exported: Vec<(String, InterfaceId)> = Vec::new();
    for (key, item) in &world.exports {
        if let WorldItem::Interface { id, .. } = item {
            let core_name = match key {
                WorldKey::Name(name) => Some(name.clone()),
                WorldKey::Interface(id) => resolve.canonicalized_id_of(*id),
            };
            if let Some(core_name) = core_name {
                exported.push((core_name, *id));
            }
        }
    }

    // 1. What each core import is.
    let exported_prefix = format!("{NAME_PREFIX}|_ex_");
    let imported_prefix = format!("{NAME_PREFIX}|");
    let mut needs = Vec::new();
    for (module, field) in &info.imports {
        let (module, field) = (*module, *field);
        let need = if module == NAME_PREFIX {
            match world.imports.get(&WorldKey::Name(field.to_string())) {
                Some(WorldItem::Function(func)) => Need::WorldFunc(func),
                _ => anyhow::bail!("the core module imports `{field}`, which the world does not"),
            }
        } else if let Some(iface) = module.strip_prefix(exported_prefix.as_str()) {
            let id = exported
                .iter()
                .find_map(|(name, id)| (name == iface).then_some(id))
                .ok_or_else(|| anyhow::anyhow!("no exported interface `{iface}`"))?;
            let (resource, op) = field
                .rsplit_once('_')
                .ok_or_else(|| anyhow::anyhow!("unknown resource intrinsic `{module}::{field}`"))?;
            let op = match op {
                "new" => "new",
                "rep" => "rep",
                "drop" => "drop",
                _ => anyhow::bail!("unknown resource intrinsic `{module}::{field}`"),
            };
            let ty = resolve.interfaces[*id].types.get(resource).copied();
            Need::Defined(op, ty.ok_or_else(|| anyhow::anyhow!("no resource `{resource}` in `{iface}`"))?)
        } else if let Some(iface) = module.strip_prefix(imported_prefix.as_str()) {
            let id = *imported.get(iface).ok_or_else(|| anyhow::anyhow!("no imported interface `{iface}`"))?;
            let interface = &resolve.interfaces[id];
            if let Some(func) = interface.functions.get(field) {
                Need::InterfaceFunc(id, func)
            } else if let Some(ty) = field.strip_suffix("_drop").and_then(|r| interface.types.get(r)) {
                Need::ImportedDrop(*ty)
            } else {
                anyhow::bail!("the core module imports `{module}::{field}`, which the interface does not have");
            }
        } else {
            anyhow::bail!("unknown core import module `{module}`");
        };
        needs.push(need);
    }

    // 2. The live types (wit-component's rules): the world's types, those
    // of the functions the core module imports and of the world's exports,
    // and those an exported interface uses from imported interfaces.
    let mut live = LiveTypes::default();
    for item in world.imports.values() {
        if let WorldItem::Type { id, .. } = item {
            live.add_type_id(resolve, *id);
        }
    }
    for need in &needs {
        match need {
            Need::WorldFunc(func) | Need::InterfaceFunc(_, func) => live.add_func(resolve, func),
            Need::ImportedDrop(ty) | Need::Defined(_, ty) => live.add_type_id(resolve, *ty),
        }
    }
    for item in world.exports.values() {
        match item {
            WorldItem::Interface { id, .. } => {
                let mut from_export = LiveTypes::default();
                from_export.add_world_item(resolve, item);
                for ty in from_export.iter() {
                    if let TypeOwner::Interface(owner) = resolve.types[ty].owner
                        && owner != *id
                        && !exported.iter().any(|(_, e)| *e == owner)
                    {
                        live.add_type_id(resolve, ty);
                    }
                }
            }
            _ => live.add_world_item(resolve, item),
        }
    }
    let mut live_of: HashMap<InterfaceId, Vec<TypeId>> = HashMap::default();
    for ty in live.iter() {
        if let TypeOwner::Interface(owner) = resolve.types[ty].owner {
            live_of.entry(owner).or_default().push(ty);
        }
    }
    let used: HashSet<(Option<InterfaceId>, &str)> = needs
        .iter()
        .filter_map(|need| match need {
            Need::WorldFunc(func) => Some((None, func.name.as_str())),
            Need::InterfaceFunc(id, func) => Some((Some(*id), func.name.as_str())),
            _ => None,
        })
        .collect();

    // 3. The world's imports: of each interface its live types and the
    // functions the core module imports (nothing when that is nothing).
    let mut world_funcs: HashMap<&str, u32> = HashMap::default();
    for (key, item) in &world.imports {
        let name = resolve.name_world_key(key);
        match item {
            WorldItem::Interface { id, .. } => {
                let mut inst = Inst { enc: &mut enc, ty: InstanceType::new(), maps: Maps::default(), interface: *id };
                for ty in live_of.get(id).into_iter().flatten() {
                    inst.type_index(*ty);
                }
                for func in resolve.interfaces[*id].functions.values() {
                    if used.contains(&(Some(*id), func.name.as_str())) {
                        let ty = inst.wit_func_type(func);
                        inst.ty.export(func.name.as_str(), ComponentTypeRef::Func(ty));
                    }
                }
                let ty = inst.ty;
                if ty.is_empty() {
                    continue;
                }
                let ty = enc.b.type_instance(None, &ty);
                let instance = enc.b.import(name.as_str(), ComponentTypeRef::Instance(ty));
                enc.instances.insert(*id, instance);
            }
            WorldItem::Type { id, .. } => {
                enc.root(None, true).type_index(*id);
            }
            WorldItem::Function(func) => {
                if used.contains(&(None, func.name.as_str())) {
                    let ty = enc.root(None, true).wit_func_type(func);
                    let index = enc.b.import(name.as_str(), ComponentTypeRef::Func(ty));
                    world_funcs.insert(func.name.as_str(), index);
                }
            }
        }
    }
    let mut core_imports = Vec::new();
    for need in &needs {
        core_imports.push(match need {
            Need::WorldFunc(func) => lowered(resolve, func, world_funcs[func.name.as_str()]),
            Need::InterfaceFunc(id, func) => {
                let index = enc.b.alias_export(enc.instances[id], &func.name, ComponentExportKind::Func);
                lowered(resolve, func, index)
            }
            Need::ImportedDrop(ty) => CoreImport::ImportedDrop(*ty),
            Need::Defined(op, ty) => CoreImport::Defined(op, *ty),
        });
    }

    // 4. The shims: lowerings that need the memory, and destructors.
    let mut shims: Vec<Shim> = Vec::new();
    let mut shim_of_import: HashMap<usize, usize> = HashMap::default();
    for (i, import) in core_imports.iter().enumerate() {
        if let CoreImport::Func { func, options, params, results } = import
            && options.needs_memory()
        {
            shim_of_import.insert(i, shims.len());
            shims.push(Shim {
                kind: ShimKind::Lower { func: *func, options: *options },
                params: params.clone(),
                results: results.clone(),
            });
        }
    }
    let mut dtor_shims: HashMap<TypeId, usize> = HashMap::default();
    for (core_name, id) in &exported {
        for ty in resolve.interfaces[*id].types.values() {
            if !matches!(resolve.types[*ty].kind, TypeDefKind::Resource) {
                continue;
            }
            let name = resolve.types[*ty].name.as_deref().unwrap_or_default();
            let export = format!("{NAME_PREFIX}|{core_name}|{name}_dtor");
            debug_assert!(asked_for(&export));
            if info.exports.contains(export.as_str()) {
                dtor_shims.insert(*ty, shims.len());
                shims.push(Shim { kind: ShimKind::Dtor { export }, params: vec![ValType::I32], results: Vec::new() });
            }
        }
    }
    let shim_modules = (!shims.is_empty()).then(|| shim_modules(&shims));
    let shim_instance = shim_modules.as_ref().map(|(shim, _)| {
        let module = enc.b.core_module(None, shim);
        enc.b.core_instantiate(None, module, [])
    });
    let shim_func = |enc: &mut Enc, n: usize| match shim_instance {
        Some(instance) => enc.b.core_alias_export(None, instance, &n.to_string(), ExportKind::Func),
        None => 0,
    };

    // 5. The resources the file defines, in the order of the world's exports:
    // first all destructors (core aliases), then all resource types, so that
    // each kind shares one section.
    let mut resources: Vec<(TypeId, Option<u32>)> = Vec::new();
    for item in world.exports.values() {
        let WorldItem::Interface { id, .. } = item else { continue };
        for ty in resolve.interfaces[*id].types.values() {
            if matches!(resolve.types[*ty].kind, TypeDefKind::Resource) {
                resources.push((*ty, dtor_shims.get(ty).map(|n| shim_func(&mut enc, *n))));
            }
        }
    }
    for (ty, dtor) in resources {
        let index = enc.b.type_resource(None, ValType::I32, dtor);
        enc.root.ids.insert(ty, index);
    }

    // 6. The core functions the main module imports, by core module name:
    // first the aliases (the shims' functions, the imported resources'
    // types), then the canonical functions, so that each kind shares one
    // section.
    let mut indices: Vec<Option<u32>> = Vec::with_capacity(core_imports.len());
    let mut drop_types: HashMap<usize, u32> = HashMap::default();
    for (i, import) in core_imports.iter().enumerate() {
        let mut index = None;
        match import {
            CoreImport::Func { .. } => index = shim_of_import.get(&i).map(|n| shim_func(&mut enc, *n)),
            CoreImport::ImportedDrop(ty) => {
                drop_types.insert(i, enc.root(None, false).resource_index(*ty));
            }
            CoreImport::Defined(..) => {}
        }
        indices.push(index);
    }
    let mut args: Vec<(&str, CoreExports)> = Vec::new();
    for (i, ((module, field), import)) in info.imports.iter().zip(&core_imports).enumerate() {
        let index = match (indices[i], import) {
            (Some(index), _) => index,
            (None, CoreImport::Func { func, options, .. }) => enc.b.lower_func(None, *func, options.list(0, 0)),
            (None, CoreImport::ImportedDrop(_)) => enc.b.resource_drop(drop_types[&i]),
            (None, CoreImport::Defined(op, ty)) => {
                let ty = enc.root.ids.get(ty).copied().ok_or_else(|| anyhow::anyhow!("resource not defined"))?;
                match *op {
                    "new" => enc.b.resource_new(ty),
                    "rep" => enc.b.resource_rep(ty),
                    _ => enc.b.resource_drop(ty),
                }
            }
        };
        match args.iter_mut().find(|(m, _)| m == module) {
            Some((_, exports)) => exports.push((field, ExportKind::Func, index)),
            None => args.push((module, vec![(field, ExportKind::Func, index)])),
        }
    }
    let args: Vec<(&str, ModuleArg)> = args
        .into_iter()
        .map(|(module, exports)| (module, ModuleArg::Instance(enc.b.core_instantiate_exports(None, exports))))
        .collect();
    let main_module = enc.b.core_module_raw(None, core);
    let main = enc.b.core_instantiate(None, main_module, args);
    let mut memory = None;
    let mut realloc = None;
    let mut memory_and_realloc = |enc: &mut Enc| {
        let m = *memory.get_or_insert_with(|| {
            enc.b.core_alias_export(None, main, &format!("{NAME_PREFIX}_memory"), ExportKind::Memory)
        });
        let r = *realloc.get_or_insert_with(|| {
            enc.b.core_alias_export(None, main, &format!("{NAME_PREFIX}_realloc"), ExportKind::Func)
        });
        (m, r)
    };

    // 7. The real functions behind the shims.
    if let (Some(instance), Some((_, fixup))) = (shim_instance, &shim_modules) {
        // The aliases (table, memory, `realloc`, destructors) first, then the
        // lowered functions, so that each kind shares one section.
        let table = enc.b.core_alias_export(None, instance, TABLE, ExportKind::Table);
        let lowers = shims.iter().any(|shim| matches!(shim.kind, ShimKind::Lower { .. }));
        let (m, r) = if lowers { memory_and_realloc(&mut enc) } else { (0, 0) };
        let mut entries: Vec<Option<u32>> = Vec::with_capacity(shims.len());
        for shim in &shims {
            entries.push(match &shim.kind {
                ShimKind::Lower { .. } => None,
                ShimKind::Dtor { export } => Some(enc.b.core_alias_export(None, main, export, ExportKind::Func)),
            });
        }
        let entries: Vec<u32> = shims
            .iter()
            .zip(entries)
            .map(|(shim, entry)| match (&shim.kind, entry) {
                (ShimKind::Lower { func, options }, _) => enc.b.lower_func(None, *func, options.list(m, r)),
                (ShimKind::Dtor { .. }, entry) => entry.unwrap_or_default(),
            })
            .collect();
        let names: Vec<String> = (0..entries.len()).map(|n| n.to_string()).collect();
        let mut exports: CoreExports = vec![(TABLE, ExportKind::Table, table)];
        exports.extend(names.iter().zip(&entries).map(|(n, i)| (n.as_str(), ExportKind::Func, *i)));
        let instance = enc.b.core_instantiate_exports(None, exports);
        let fixup = enc.b.core_module(None, fixup);
        enc.b.core_instantiate(None, fixup, [("", ModuleArg::Instance(instance))]);
    }

    // 8. The exports. Lifting is done kind by kind (all core aliases, then
    // all `canon lift`s) and world-level functions are exported in runs, so
    // that a run of the same kind shares one section instead of opening a
    // section per export (the index spaces grow in emission order, and the
    // builder returns each item's index).
    // A function's options depend only on its type (the component-level
    // index `ty`): computed once per type.
    let mut lift_options: HashMap<u32, Options> = HashMap::default();
    let mut post = String::new();
    let mut lift_all = |enc: &mut Enc, items: Vec<(String, &Function, u32)>| -> Vec<u32> {
        let mut lifts = Vec::with_capacity(items.len());
        for (core_name, func, ty) in &items {
            let core_func = enc.b.core_alias_export(None, main, core_name, ExportKind::Func);
            let options = *lift_options.entry(*ty).or_insert_with(|| Options::of(resolve, func, false));
            let mut list = if options.needs_memory() {
                let (m, r) = memory_and_realloc(enc);
                options.list(m, r)
            } else {
                Vec::new()
            };
            post.clear();
            post.push_str(core_name);
            post.push_str("_post");
            debug_assert!(asked_for(&post));
            if info.exports.contains(post.as_str()) {
                list.push(CanonicalOption::PostReturn(enc.b.core_alias_export(None, main, &post, ExportKind::Func)));
            }
            lifts.push((core_func, *ty, list));
        }
        lifts.into_iter().map(|(core_func, ty, list)| enc.b.lift_func(None, core_func, ty, list)).collect()
    };
    // The world's exports in order, consecutive world-level functions together.
    enum Export<'w> {
        Funcs(Vec<(std::borrow::Cow<'w, str>, &'w Function)>),
        Interface(std::borrow::Cow<'w, str>, &'w WorldKey, InterfaceId),
    }
    let mut exports: Vec<Export> = Vec::new();
    for (key, item) in &world.exports {
        let name = match key {
            WorldKey::Name(name) => std::borrow::Cow::Borrowed(name.as_str()),
            WorldKey::Interface(_) => std::borrow::Cow::Owned(resolve.name_world_key(key)),
        };
        match item {
            WorldItem::Function(func) => match exports.last_mut() {
                Some(Export::Funcs(funcs)) => funcs.push((name, func)),
                _ => exports.push(Export::Funcs(vec![(name, func)])),
            },
            WorldItem::Interface { id, .. } => exports.push(Export::Interface(name, key, *id)),
            WorldItem::Type { .. } => anyhow::bail!("a world cannot export a type"),
        }
    }
    for export in exports {
        match export {
            Export::Funcs(funcs) => {
                let items: Vec<(String, &Function, u32)> = funcs
                    .iter()
                    .map(|(_, func)| {
                        ([NAME_PREFIX, "||", &func.name].concat(), *func, enc.root(None, true).wit_func_type(func))
                    })
                    .collect();
                let lifted = lift_all(&mut enc, items);
                for ((name, _), index) in funcs.iter().zip(lifted) {
                    enc.b.export(name.as_ref(), ComponentExportKind::Func, index, None);
                }
            }
            Export::Interface(name, key, id) => {
                let core_name = match key {
                    WorldKey::Name(name) => name.clone(),
                    WorldKey::Interface(id) => resolve.canonicalized_id_of(*id).unwrap_or_default(),
                };
                let instance = export_interface(&mut enc, id, |enc, items| {
                    let items = items
                        .into_iter()
                        .map(|(func, ty)| ([NAME_PREFIX, "|", &core_name, "|", &func.name].concat(), func, ty))
                        .collect();
                    lift_all(enc, items)
                });
                let index = enc.b.export(name.as_ref(), ComponentExportKind::Instance, instance, None);
                enc.instances.insert(id, index);
                // Later uses of the interface's types alias them from the export.
                for ty in resolve.interfaces[id].types.values() {
                    enc.root.ids.remove(ty);
                }
            }
        }
    }
    if !enc.errors.is_empty() {
        anyhow::bail!("{}", enc.errors.join("; "));
    }
    Ok(enc.b.finish())
}

/// A world function imported by the core module: lowered, with the core
/// signature of the canonical ABI.
fn lowered(resolve: &Resolve, func: &Function, index: u32) -> CoreImport {
    let sig = resolve.wasm_signature(AbiVariant::GuestImport, func);
    CoreImport::Func {
        func: index,
        options: Options::of(resolve, func, true),
        params: sig.params.into_iter().map(core_type).collect(),
        results: sig.results.into_iter().map(core_type).collect(),
    }
}

/// Lifts the functions of the exported interface `id` (with `lift`, given
/// each function and the index of its type, returning the lifted functions'
/// indices in order) and returns the instance of the nested component that
/// names them.
fn export_interface<'r>(
    enc: &mut Enc<'r>,
    id: InterfaceId,
    lift: impl FnOnce(&mut Enc<'r>, Vec<(&'r Function, u32)>) -> Vec<u32>,
) -> u32 {
    let resolve = enc.resolve;
    let interface = &resolve.interfaces[id];
    // All function types first, then all lifts: each kind shares a section.
    let items: Vec<(&Function, u32)> =
        interface.functions.values().map(|func| (func, enc.root(Some(id), false).wit_func_type(func))).collect();
    let lifted = lift(enc, items);
    let mut args: Vec<(String, ComponentExportKind, u32)> = interface
        .functions
        .values()
        .zip(lifted)
        .map(|(func, index)| (import_func_name(func), ComponentExportKind::Func, index))
        .collect();
    // The types of other interfaces that this one mentions: known at the
    // root, and defined (imported by name) in the nested component.
    let mut live = LiveTypes::default();
    live.add_interface(resolve, id);
    let mut nested = Nested {
        enc,
        c: ComponentBuilder::default(),
        maps: Maps::default(),
        interface: id,
        export_types: false,
        imports: Vec::new(),
    };
    for ty in live.iter() {
        if let TypeOwner::Interface(owner) = resolve.types[ty].owner
            && owner != id
        {
            nested.enc.root(Some(id), false).type_index(ty);
            nested.foreign(ty);
        }
    }
    let foreign = nested.maps.clone();
    // The interface's own resources, imported as abstract types.
    let mut resources = HashMap::default();
    for ty in interface.types.values() {
        if matches!(resolve.types[*ty].kind, TypeDefKind::Resource) {
            resources.insert(*ty, nested.type_index(*ty));
        }
    }
    for func in interface.functions.values() {
        let ty = nested.wit_func_type(func);
        nested.c.import(import_func_name(func).as_str(), ComponentTypeRef::Func(ty));
    }
    // Each imported type is supplied with the root's index of the same type.
    let by_index: HashMap<u32, TypeId> = nested.maps.ids.iter().map(|(id, index)| (*index, *id)).collect();
    let type_imports = std::mem::take(&mut nested.imports);
    for (name, index) in type_imports {
        let root = by_index.get(&index).and_then(|id| nested.enc.root.ids.get(id).copied());
        match root {
            Some(root) => args.push((name, ComponentExportKind::Type, root)),
            None => nested.enc.errors.push(format!("no type for `{name}`")),
        }
    }
    // Now export the types under their names, then the functions with
    // their named types.
    nested.maps = foreign;
    nested.maps.funcs.clear();
    nested.maps.last_func = None;
    nested.export_types = true;
    for ty in interface.types.values() {
        let def = &resolve.types[*ty];
        if let TypeDefKind::Resource = def.kind {
            let name = def.name.as_deref().unwrap_or_default();
            let index = nested.c.export(name, ComponentExportKind::Type, resources[ty], None);
            nested.maps.ids.insert(*ty, index);
        } else {
            nested.type_index(*ty);
        }
    }
    for (i, func) in interface.functions.values().enumerate() {
        let ty = nested.wit_func_type(func);
        nested.c.export(func.name.as_str(), ComponentExportKind::Func, i as u32, Some(ComponentTypeRef::Func(ty)));
    }
    let c = nested.c;
    let component = enc.b.component(None, c);
    enc.b.instantiate(None, component, args)
}

/// The name under which the nested component of an exported interface
/// imports `func`: a kebab-case name (`[method]r.m` becomes `import-method-r-m`).
fn import_func_name(func: &Function) -> String {
    match func.kind {
        FunctionKind::Freestanding | FunctionKind::AsyncFreestanding => format!("import-func-{}", func.name),
        _ => format!("import-{}", func.name.replace('[', "").replace([']', '.', ' '], "-")),
    }
}
