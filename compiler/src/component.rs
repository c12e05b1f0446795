//! The component's world and the final wrapping step.
//!
//! The world of a Claw file is its imports and exports: each imported WIT
//! interface is imported whole, plain imports and exported functions are
//! world-level functions, interface types they mention are brought in with
//! `use`, and the file's own types are defined in the world. [`add_world`]
//! builds it directly as wit-parser data in the module's [`Resolve`] (no
//! WIT text); [`wrap`] writes the component around the core module with
//! [`encode`] (wasm-encoder), adds the `package-docs` section and validates
//! it. `clawc wit` prints the same package ([`print_package`]).

use crate::ir;
use crate::types::Ty;
use std::collections::HashMap;
use wit_parser::{
    Docs, Function, FunctionKind, IndexMap, Interface, InterfaceId, Package, PackageId, PackageName, Param, Resolve,
    TypeDef, TypeDefKind, TypeId, TypeOwner, World, WorldId, WorldItem, WorldKey,
};

pub mod encode;

/// Turns a file stem into a WIT identifier for the world's name
/// (`my_app.v2` becomes `my-app-v2`; nothing usable becomes `main`).
pub fn world_name_from_stem(stem: &str) -> String {
    let mut words = Vec::new();
    let mut word = String::new();
    for c in stem.chars() {
        if c.is_ascii_alphanumeric() {
            if word.is_empty() && c.is_ascii_digit() {
                // A word must start with a letter.
                word.push('v');
            }
            word.push(c.to_ascii_lowercase());
        } else if !word.is_empty() {
            words.push(std::mem::take(&mut word));
        }
    }
    if !word.is_empty() {
        words.push(word);
    }
    if words.is_empty() { "main".to_string() } else { words.join("-") }
}

/// Collects the named types `ty` mentions (itself included), each once.
pub fn collect_named_types(resolve: &Resolve, ty: &wit_parser::Type, out: &mut Vec<wit_parser::TypeId>) {
    collect_named(resolve, ty, out);
}

fn collect_named(resolve: &Resolve, ty: &wit_parser::Type, out: &mut Vec<wit_parser::TypeId>) {
    let wit_parser::Type::Id(id) = ty else { return };
    let def = &resolve.types[*id];
    if def.name.is_some() {
        if out.contains(id) {
            return;
        }
        out.push(*id);
    }
    let inner: Vec<wit_parser::Type> = match &def.kind {
        TypeDefKind::Record(r) => r.fields.iter().map(|f| f.ty).collect(),
        TypeDefKind::Variant(v) => v.cases.iter().filter_map(|c| c.ty).collect(),
        TypeDefKind::List(t) | TypeDefKind::Option(t) | TypeDefKind::Type(t) => vec![*t],
        TypeDefKind::Result(r) => r.ok.iter().chain(r.err.iter()).copied().collect(),
        TypeDefKind::Tuple(t) => t.types.clone(),
        TypeDefKind::Handle(wit_parser::Handle::Own(r) | wit_parser::Handle::Borrow(r)) => {
            vec![wit_parser::Type::Id(*r)]
        }
        _ => Vec::new(),
    };
    for t in &inner {
        collect_named(resolve, t, out);
    }
}

/// Documentation as wit-parser stores the `///` comments holding `docs`:
/// trailing whitespace dropped, the common indentation removed, no trailing
/// newline; no lines is no docs.
fn wit_docs(docs: &str) -> Docs {
    let written: Vec<String> = docs.lines().map(|line| format!("/// {line}")).collect();
    let mut lines: Vec<&str> = written.iter().map(|d| d.trim_start_matches('/').trim_end()).collect();
    if lines.is_empty() {
        return Docs::default();
    }
    let indent = lines
        .iter()
        .filter(|d| !d.is_empty())
        .map(|d| d.bytes().take_while(u8::is_ascii_whitespace).count())
        .min()
        .unwrap_or(0);
    let pattern = " ".repeat(indent);
    lines = lines.iter().map(|d| d.strip_prefix(pattern.as_str()).unwrap_or(d)).collect();
    let mut contents = String::new();
    for line in lines {
        contents.push_str(line);
        contents.push('\n');
    }
    while contents.ends_with('\n') {
        contents.pop();
    }
    Docs { contents: Some(contents) }
}

/// A WIT function with the given name, kind, parameters and result.
fn wit_function<'p>(
    name: &str,
    kind: FunctionKind,
    params: impl IntoIterator<Item = (&'p str, Ty)>,
    result: Option<Ty>,
    docs: &str,
) -> anyhow::Result<Function> {
    let wit = |t: Ty| t.to_wit().ok_or_else(|| anyhow::anyhow!("`{name}` has a type with no WIT form"));
    let params = params
        .into_iter()
        .map(|(n, t)| Ok(Param { name: n.to_string(), ty: wit(t)?, span: Default::default() }))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let result = result.map(wit).transpose()?;
    Ok(Function {
        name: name.to_string(),
        kind,
        params,
        result,
        docs: wit_docs(docs),
        stability: Default::default(),
        span: Default::default(),
        external_id: None,
    })
}

fn interface_item(id: InterfaceId) -> WorldItem {
    WorldItem::Interface {
        id,
        stability: Default::default(),
        external_id: None,
        docs: Default::default(),
        span: Default::default(),
    }
}

/// A `use <interface>.{<name>}` of `ty` into `owner`: a type owned by
/// `owner` that stands for `ty`.
fn use_type(resolve: &mut Resolve, ty: TypeId, owner: TypeOwner) -> TypeId {
    let name = resolve.types[ty].name.clone();
    resolve.types.alloc(TypeDef {
        name,
        kind: TypeDefKind::Type(wit_parser::Type::Id(ty)),
        owner,
        docs: Default::default(),
        stability: Default::default(),
        span: Default::default(),
        external_id: None,
    })
}

/// Replaces, in `ty`, the types that `uses` maps: interface types to their
/// `use` in the world (or inline interface), the file's own types to their
/// copies in the world, so that what the world defines refers to its own
/// items as in a parsed world (wit-parser's `Cloner` relies on it).
/// Anonymous types that contain one are copied (once, in `copies`), after
/// their parts.
fn through_uses(
    resolve: &mut Resolve,
    ty: wit_parser::Type,
    uses: &HashMap<TypeId, TypeId>,
    copies: &mut HashMap<TypeId, TypeId>,
) -> wit_parser::Type {
    let wit_parser::Type::Id(id) = ty else { return ty };
    if let Some(alias) = uses.get(&id).or_else(|| copies.get(&id)) {
        return wit_parser::Type::Id(*alias);
    }
    if resolve.types[id].name.is_some() {
        return ty;
    }
    let kind = resolve.types[id].kind.clone();
    let Some(kind) = kind_through_uses(resolve, kind, uses, copies) else { return ty };
    let mut def = resolve.types[id].clone();
    def.kind = kind;
    let copy = resolve.types.alloc(def);
    copies.insert(id, copy);
    wit_parser::Type::Id(copy)
}

/// `kind` with [`through_uses`] applied to its parts, or `None` when that
/// changes nothing.
fn kind_through_uses(
    resolve: &mut Resolve,
    kind: TypeDefKind,
    uses: &HashMap<TypeId, TypeId>,
    copies: &mut HashMap<TypeId, TypeId>,
) -> Option<TypeDefKind> {
    let mut changed = false;
    let mut map = |t: &mut wit_parser::Type| {
        let new = through_uses(resolve, *t, uses, copies);
        changed |= new != *t;
        *t = new;
    };
    let mut kind = kind;
    match &mut kind {
        TypeDefKind::Record(r) => r.fields.iter_mut().for_each(|f| map(&mut f.ty)),
        TypeDefKind::Variant(v) => v.cases.iter_mut().filter_map(|c| c.ty.as_mut()).for_each(map),
        TypeDefKind::Tuple(t) => t.types.iter_mut().for_each(map),
        TypeDefKind::List(t) | TypeDefKind::Option(t) | TypeDefKind::Type(t) => map(t),
        TypeDefKind::Result(r) => r.ok.iter_mut().chain(r.err.iter_mut()).for_each(map),
        TypeDefKind::Handle(wit_parser::Handle::Own(r) | wit_parser::Handle::Borrow(r)) => {
            let mut t = wit_parser::Type::Id(*r);
            map(&mut t);
            if let wit_parser::Type::Id(new) = t {
                *r = new;
            }
        }
        _ => {}
    }
    changed.then_some(kind)
}

/// [`through_uses`] on a function's parameters and result.
fn func_through_uses(
    resolve: &mut Resolve,
    func: &mut Function,
    uses: &HashMap<TypeId, TypeId>,
    copies: &mut HashMap<TypeId, TypeId>,
) {
    if uses.is_empty() {
        return;
    }
    for p in &mut func.params {
        p.ty = through_uses(resolve, p.ty, uses, copies);
    }
    func.result = func.result.map(|t| through_uses(resolve, t, uses, copies));
}

/// The named types of imported interfaces that `types` mention, each once.
fn interface_types(resolve: &Resolve, types: impl IntoIterator<Item = Ty>) -> Vec<TypeId> {
    let mut named = Vec::new();
    for t in types {
        if let Some(wit) = t.to_wit() {
            collect_named(resolve, &wit, &mut named);
        }
    }
    named.retain(|id| {
        let def = &resolve.types[*id];
        matches!(def.owner, TypeOwner::Interface(owner) if resolve.id_of(owner).is_some()) && def.name.is_some()
    });
    named
}

/// Where a world item sorts among the imports, as wit-parser orders them
/// (interfaces, used types, defined types, functions).
fn import_class(resolve: &Resolve, item: &WorldItem) -> u8 {
    match item {
        WorldItem::Interface { .. } => 0,
        WorldItem::Type { id, .. } => {
            let ty = &resolve.types[*id];
            match ty.kind {
                TypeDefKind::Type(wit_parser::Type::Id(t)) if resolve.types[t].owner != ty.owner => 1,
                _ => 2,
            }
        }
        WorldItem::Function(_) => 3,
    }
}

/// Imports interface `id` after the interfaces it depends on (wit-parser's
/// elaboration of a world).
fn import_interface(resolve: &Resolve, imports: &mut IndexMap<WorldKey, WorldItem>, id: InterfaceId) {
    let key = WorldKey::Interface(id);
    if imports.contains_key(&key) {
        return;
    }
    let deps: Vec<InterfaceId> = resolve.interface_direct_deps(id).collect();
    for dep in deps {
        import_interface(resolve, imports, dep);
    }
    imports.insert(key, interface_item(id));
}

/// Exports interface `key` (`id`) after the exported interfaces it depends
/// on; the interfaces it depends on that are not exported are imported.
fn export_interface(
    resolve: &Resolve,
    imports: &mut IndexMap<WorldKey, WorldItem>,
    exports: &mut IndexMap<WorldKey, WorldItem>,
    exported: &[(WorldKey, InterfaceId)],
    key: WorldKey,
    id: InterfaceId,
) {
    if exports.contains_key(&key) {
        return;
    }
    let deps: Vec<InterfaceId> = resolve.interface_direct_deps(id).collect();
    for dep in deps {
        let dep_key = WorldKey::Interface(dep);
        if exported.iter().any(|(k, _)| *k == dep_key) {
            export_interface(resolve, imports, exports, exported, dep_key, dep);
        } else {
            import_interface(resolve, imports, dep);
        }
    }
    exports.insert(key, interface_item(id));
}

/// Adds the module's world to `resolve` as package `claw:<world_name>` with
/// one world of that name, built directly as wit-parser data (no WIT text):
///
/// - imports: every interface an `import ... from` names (whole), a `use`
///   of every interface type that a world-level function or a defined type
///   mentions, the file's own records, variants, enums and flags (aliases
///   are what they stand for; types containing a resource the file defines
///   stay out), and the plain imports as functions, with their `///` docs;
/// - exports: the exported functions, then the interfaces the file
///   implements, then each inline interface (an anonymous [`Interface`] with
///   `use`s of the imported types it mentions, its resources with their
///   functions, then its functions).
///
/// Like wit-parser's elaboration of a world, the interfaces an import or
/// export depends on are imported first, and imports are ordered
/// interfaces, used types, defined types, functions.
///
/// The file's defined types (and the resources of inline interfaces) change
/// owner to the world (interface); `resolve` must be the module's own.
///
/// # Errors
/// If the package exists already, or two items of the world have one name.
pub fn add_world(module: &ir::Module, resolve: &mut Resolve, world_name: &str) -> anyhow::Result<(PackageId, WorldId)> {
    let package_name = PackageName { namespace: "claw".into(), name: world_name.into(), version: None };
    if resolve.package_names.contains_key(&package_name) {
        anyhow::bail!("package `{package_name}` is defined already");
    }
    let package = resolve.packages.alloc(Package {
        name: package_name.clone(),
        docs: Default::default(),
        interfaces: Default::default(),
        worlds: Default::default(),
    });
    resolve.package_names.insert(package_name, package);
    let world = resolve.worlds.alloc(World {
        name: world_name.to_string(),
        imports: Default::default(),
        exports: Default::default(),
        package: Some(package),
        docs: Default::default(),
        stability: Default::default(),
        includes: Vec::new(),
        span: Default::default(),
    });
    resolve.packages[package].worlds.insert(world_name.to_string(), world);

    // The items, in the order wit-parser sorts them.
    let mut items: Vec<(WorldKey, WorldItem)> = Vec::new();
    for iface in &module.interfaces {
        items.push((WorldKey::Interface(*iface), interface_item(*iface)));
    }
    let world_funcs =
        module.funcs.iter().filter(|f| f.exported && f.interface.is_none() && f.inline_interface.is_none());
    let in_world = |decl: &&ir::TypeDecl| {
        let mut named = Vec::new();
        if let Some(wit) = decl.ty.to_wit() {
            collect_named(resolve, &wit, &mut named);
        }
        !decl.alias && !named.iter().any(|id| module.resources.iter().any(|r| r.ty == *id))
    };
    let decls: Vec<&ir::TypeDecl> = module.types.iter().filter(in_world).collect();
    let mentioned = module
        .imports
        .iter()
        .filter(|i| i.is_world_level())
        .flat_map(|i| i.params.iter().map(|(_, t)| *t).chain(i.result))
        .chain(world_funcs.clone().flat_map(|f| f.params.iter().map(|p| f.local(*p).ty).chain(f.result)))
        .chain(decls.iter().map(|d| d.ty));
    let mut uses = HashMap::new();
    let mut copies = HashMap::new();
    for ty in interface_types(resolve, mentioned) {
        let name = resolve.types[ty].name.clone().unwrap_or_default();
        let id = use_type(resolve, ty, TypeOwner::World(world));
        uses.insert(ty, id);
        items.push((WorldKey::Name(name), WorldItem::Type { id, span: Default::default() }));
    }
    // The file's own types are defined in the world as copies owned by it,
    // each after the types it mentions (wit-parser's type arena lists a
    // type's parts before it, which `SizeAlign` relies on), referring to
    // the world's `use`s and copies.
    let mut own: Vec<(&ir::TypeDecl, TypeId)> = decls
        .iter()
        .filter_map(|decl| match decl.ty {
            Ty::Def(id) | Ty::Enum(id) => Some((*decl, id)),
            _ => None,
        })
        .filter(|(_, id)| {
            matches!(
                resolve.types[*id].kind,
                TypeDefKind::Record(_) | TypeDefKind::Variant(_) | TypeDefKind::Enum(_) | TypeDefKind::Flags(_)
            )
        })
        .collect();
    let mut defined = Vec::new();
    while !own.is_empty() {
        let ready = own.iter().position(|(_, id)| {
            let mut named = Vec::new();
            collect_named(resolve, &wit_parser::Type::Id(*id), &mut named);
            named.iter().all(|n| n == id || uses.contains_key(n) || !own.iter().any(|(_, o)| o == n))
        });
        let Some(ready) = ready else { anyhow::bail!("the file's types refer to each other in a cycle") };
        let (decl, id) = own.remove(ready);
        let mut def = resolve.types[id].clone();
        if let Some(kind) = kind_through_uses(resolve, def.kind.clone(), &uses, &mut copies) {
            def.kind = kind;
        }
        def.owner = TypeOwner::World(world);
        def.docs = wit_docs(&decl.docs);
        let copy = resolve.types.alloc(def);
        uses.insert(id, copy);
        defined.push((WorldKey::Name(decl.name.clone()), WorldItem::Type { id: copy, span: Default::default() }));
    }
    // In source order.
    defined.sort_by_key(|(key, _)| decls.iter().position(|d| matches!(key, WorldKey::Name(n) if *n == d.name)));
    items.extend(defined);
    for import in module.imports.iter().filter(|i| i.is_world_level()) {
        let params = import.params.iter().map(|(n, t)| (n.as_str(), *t));
        let mut func = wit_function(&import.name, FunctionKind::Freestanding, params, import.result, &import.docs)?;
        func_through_uses(resolve, &mut func, &uses, &mut copies);
        items.push((WorldKey::Name(import.name.clone()), WorldItem::Function(func)));
    }

    let mut imports: IndexMap<WorldKey, WorldItem> = Default::default();
    for (key, item) in items {
        match &item {
            WorldItem::Interface { id, .. } => import_interface(resolve, &mut imports, *id),
            WorldItem::Type { id, .. } => {
                if let Some(dep) = resolve.type_interface_dep(*id) {
                    import_interface(resolve, &mut imports, dep);
                }
                insert_unique(resolve, &mut imports, key, item)?;
            }
            WorldItem::Function(_) => insert_unique(resolve, &mut imports, key, item)?,
        }
    }

    let mut exports: IndexMap<WorldKey, WorldItem> = Default::default();
    exports.reserve(world_funcs.clone().count());
    for func in world_funcs {
        let mut wit = wit_function(&func.name, FunctionKind::Freestanding, params_of(func), func.result, &func.docs)?;
        func_through_uses(resolve, &mut wit, &uses, &mut copies);
        insert_unique(resolve, &mut exports, WorldKey::Name(func.name.clone()), WorldItem::Function(wit))?;
    }
    let mut exported: Vec<(WorldKey, InterfaceId)> =
        module.exported_interfaces.iter().map(|id| (WorldKey::Interface(*id), *id)).collect();
    for name in &module.inline_interfaces {
        let id = inline_interface(module, resolve, package, name)?;
        exported.push((WorldKey::Name(name.clone()), id));
    }
    for (key, id) in &exported {
        if exports.contains_key(key) {
            anyhow::bail!("the world exports `{}` twice", resolve.name_world_key(key));
        }
        export_interface(resolve, &mut imports, &mut exports, &exported, key.clone(), *id);
    }
    imports.sort_by_cached_key(|_, item| import_class(resolve, item));
    let def = &mut resolve.worlds[world];
    def.imports = imports;
    def.exports = exports;
    Ok((package, world))
}

fn insert_unique(
    resolve: &Resolve,
    map: &mut IndexMap<WorldKey, WorldItem>,
    key: WorldKey,
    item: WorldItem,
) -> anyhow::Result<()> {
    match map.entry(key) {
        indexmap::map::Entry::Occupied(entry) => {
            anyhow::bail!("the world has two items named `{}`", resolve.name_world_key(entry.key()))
        }
        indexmap::map::Entry::Vacant(entry) => {
            entry.insert(item);
            Ok(())
        }
    }
}

/// The parameters of `func` as names and types.
fn params_of(func: &ir::Function) -> impl Iterator<Item = (&str, Ty)> {
    func.params.iter().map(|p| (func.local(*p).name.as_str(), func.local(*p).ty))
}

/// The anonymous interface of `export <name>: interface { ... }`.
fn inline_interface(
    module: &ir::Module,
    resolve: &mut Resolve,
    package: PackageId,
    name: &str,
) -> anyhow::Result<InterfaceId> {
    let id = resolve.interfaces.alloc(Interface {
        name: None,
        types: Default::default(),
        functions: Default::default(),
        docs: Default::default(),
        stability: Default::default(),
        package: Some(package),
        span: Default::default(),
        clone_of: None,
    });
    let funcs: Vec<&ir::Function> =
        module.funcs.iter().filter(|f| f.exported && f.inline_interface.as_deref() == Some(name)).collect();
    let mentioned = funcs.iter().flat_map(|f| f.params.iter().map(|p| f.local(*p).ty).chain(f.result));
    let mut uses = HashMap::new();
    let mut copies = HashMap::new();
    for ty in interface_types(resolve, mentioned) {
        let type_name = resolve.types[ty].name.clone().unwrap_or_default();
        let alias = use_type(resolve, ty, TypeOwner::Interface(id));
        uses.insert(ty, alias);
        resolve.interfaces[id].types.insert(type_name, alias);
    }
    let mut functions: IndexMap<String, Function> = Default::default();
    for r in module.resources.iter().filter(|r| r.inline_interface.as_deref() == Some(name)) {
        let def = &mut resolve.types[r.ty];
        def.owner = TypeOwner::Interface(id);
        def.docs = wit_docs(def.docs.contents.as_deref().unwrap_or_default());
        if resolve.interfaces[id].types.insert(r.name.clone(), r.ty).is_some() {
            anyhow::bail!("interface `{name}` has two types named `{}`", r.name);
        }
        let constructor = format!("[constructor]{}", r.name);
        let method = format!("[method]{}.", r.name);
        let statik = format!("[static]{}.", r.name);
        for f in &funcs {
            let wit = if f.name == constructor {
                wit_function(&f.name, FunctionKind::Constructor(r.ty), params_of(f), f.result, &f.docs)?
            } else if f.name.starts_with(&method) {
                wit_function(&f.name, FunctionKind::Method(r.ty), params_of(f), f.result, &f.docs)?
            } else if f.name.starts_with(&statik) {
                wit_function(&f.name, FunctionKind::Static(r.ty), params_of(f), f.result, &f.docs)?
            } else {
                continue;
            };
            functions.insert(f.name.clone(), wit);
        }
    }
    for wit in functions.values_mut() {
        func_through_uses(resolve, wit, &uses, &mut copies);
    }
    for f in funcs.iter().filter(|f| !f.name.starts_with('[')) {
        let mut wit = wit_function(&f.name, FunctionKind::Freestanding, params_of(f), f.result, &f.docs)?;
        func_through_uses(resolve, &mut wit, &uses, &mut copies);
        if functions.insert(f.name.clone(), wit).is_some() {
            anyhow::bail!("interface `{name}` has two functions named `{}`", f.name);
        }
    }
    resolve.interfaces[id].functions = functions;
    Ok(id)
}
/// The name wit-component gives the world of a decoded component.
const DECODED_WORLD_NAME: &str = "root";

/// A `package-docs` custom section carrying the `///` docs of the world's
/// items, in wit-parser's [`wit_parser::PackageMetadata`] format, or `None`
/// when nothing in the world has docs.
///
/// Decoders (`wit_component::decode`, so `wasm-tools component wit`) read it
/// and attach the docs to the world they decode, which they always name
/// `root`; so the metadata is extracted while the world is listed under that
/// name in its package (and put back afterwards).
fn docs_section(module: &ir::Module, resolve: &mut Resolve, package: PackageId) -> anyhow::Result<Option<Vec<u8>>> {
    let has_docs = module.funcs.iter().any(|f| f.exported && f.interface.is_none() && !f.docs.is_empty())
        || module.imports.iter().any(|i| i.interface.is_none() && !i.docs.is_empty())
        || module.types.iter().any(|t| !t.alias && !t.docs.is_empty())
        || module.resources.iter().any(|r| r.inline_interface.is_some() && resolve.types[r.ty].docs.contents.is_some());
    if !has_docs {
        return Ok(None);
    }
    let worlds = std::mem::take(&mut resolve.packages[package].worlds);
    let renamed = worlds.values().map(|w| (DECODED_WORLD_NAME.to_string(), *w)).collect();
    resolve.packages[package].worlds = renamed;
    let data = wit_parser::PackageMetadata::extract(resolve, package).encode();
    resolve.packages[package].worlds = worlds;
    let section =
        wasm_encoder::CustomSection { name: wit_parser::PackageMetadata::SECTION_NAME.into(), data: data?.into() };
    let mut bytes = vec![0u8]; // The custom section id.
    wasm_encoder::Encode::encode(&section, &mut bytes);
    Ok(Some(bytes))
}

/// Writes the component of `world` (in `package`) around the core module
/// (see [`encode`](self::encode)), appends the docs section, and validates
/// the result with `wasmparser` (all features), reporting the same first
/// error as `Validator::validate_all` on the whole component.
///
/// The core module's bytes are the same alone and inside the component, so
/// a large one is validated alone on a second thread, started before the
/// component is encoded, while this thread encodes the component and
/// validates it with the core module's code section skipped; then this
/// thread helps with the function bodies left. If anything is invalid, the
/// whole component is validated again the reference way for the error.
///
/// In builds with debug assertions (so in every test run) it also checks
/// the component against the reference, wit-component's `ComponentEncoder`
/// on the same core module and world: `wit_component::decode` must give
/// the same world (printed as WIT, docs included) for both.
///
/// # Errors
/// If the core module does not match the world or the result does not
/// validate (both compiler bugs).
pub fn wrap(
    core: Vec<u8>,
    module: &ir::Module,
    resolve: &mut Resolve,
    package: PackageId,
    world: WorldId,
) -> anyhow::Result<Vec<u8>> {
    let build = |resolve: &mut Resolve| -> anyhow::Result<(Vec<u8>, Option<Vec<u8>>)> {
        let mut component = encode::encode(resolve, world, &core)?;
        let docs = docs_section(module, resolve, package)?;
        if let Some(section) = &docs {
            component.extend_from_slice(section);
        }
        Ok((component, docs))
    };
    let (component, docs) = if core.len() >= PARALLEL_VALIDATION_BYTES as usize && threads() > 1 {
        let batches = Batches { queue: Default::default(), ready: Default::default() };
        std::thread::scope(|scope| {
            let worker = scope.spawn(|| validate_module(&core, &batches));
            let built = build(resolve);
            let outside = match &built {
                Ok((component, _)) => validate_outside(component, &core),
                Err(_) => Ok(()),
            };
            // The bodies the worker has not taken yet.
            let bodies = batches.drain(true);
            let module = worker.join().unwrap_or_else(|_| Err(anyhow::anyhow!("validating the core module panicked")));
            let (component, docs) = built?;
            if let Err(e) = outside.and(module) {
                return Err(first_error(&component).unwrap_or(e));
            }
            if let Some((_, e)) = bodies.into_iter().next() {
                return Err(first_error(&component).unwrap_or(e));
            }
            Ok((component, docs))
        })?
    } else {
        let (component, docs) = build(resolve)?;
        validate(&component)?;
        (component, docs)
    };
    #[cfg(debug_assertions)]
    check_against_reference(&component, core, resolve, world, docs.as_deref())?;
    #[cfg(not(debug_assertions))]
    let _ = docs;
    Ok(component)
}

/// How many threads can run at once.
fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// The first validation error of `component` as `Validator::validate_all`
/// reports it (all features), or `None` if it is valid.
fn first_error(component: &[u8]) -> Option<anyhow::Error> {
    let mut validator = wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all());
    validator.validate_all(component).err().map(Into::into)
}

/// Validates the core module `core` on its own (all features): its
/// sections here, its function bodies in batches through `batches`, of
/// which this thread then validates as many as it can take. Whatever
/// happens, `batches` is finished at the end (so no thread waits for
/// bodies that will not come).
///
/// # Errors
/// A validation error (not necessarily the first in order: the caller
/// looks for that with [`first_error`]).
fn validate_module<'b>(core: &'b [u8], batches: &Batches<'b>) -> anyhow::Result<()> {
    struct Finish<'a, 'b>(&'a Batches<'b>);
    impl Drop for Finish<'_, '_> {
        fn drop(&mut self) {
            self.0.finish();
        }
    }
    let finish = Finish(batches);
    let features = wasmparser::WasmFeatures::all();
    let mut validator = wasmparser::Validator::new_with_features(features);
    let mut parser = wasmparser::Parser::new(0);
    parser.set_features(features);
    let mut batch = Vec::new();
    let mut count = 0;
    for payload in parser.parse_all(core) {
        if let wasmparser::ValidPayload::Func(func, body) = validator.payload(&payload?)? {
            batch.push((func, body));
            if batch.len() == VALIDATION_BATCH {
                batches.push(count, std::mem::take(&mut batch));
                count += 1;
            }
        }
    }
    batches.push(count, batch);
    drop(finish);
    match batches.drain(true).into_iter().next() {
        Some((_, e)) => Err(e),
        None => Ok(()),
    }
}

/// Validates `component` (all features) except the function bodies of
/// `core`, the core module it contains, whose code section is skipped
/// ([`validate_module`] validates it).
///
/// # Errors
/// The first validation error outside those bodies.
fn validate_outside(component: &[u8], core: &[u8]) -> anyhow::Result<()> {
    let features = wasmparser::WasmFeatures::all();
    let mut validator = wasmparser::Validator::new_with_features(features);
    let mut parser = wasmparser::Parser::new(0);
    parser.set_features(features);
    // As `Parser::parse_all`, but able to skip a code section.
    let mut data = component;
    let mut stack = Vec::new();
    let mut in_core = false;
    loop {
        let (payload, consumed) = match parser.parse(data, true)? {
            wasmparser::Chunk::Parsed { payload, consumed } => (payload, consumed),
            wasmparser::Chunk::NeedMoreData(_) => anyhow::bail!("the component ends early"),
        };
        data = &data[consumed..];
        validator.payload(&payload)?;
        match payload {
            wasmparser::Payload::ModuleSection { parser: nested, unchecked_range } => {
                let start = unchecked_range.start;
                in_core = component.get(start..start.saturating_add(core.len())) == Some(core);
                stack.push(std::mem::replace(&mut parser, nested));
            }
            wasmparser::Payload::ComponentSection { parser: nested, .. } => {
                stack.push(std::mem::replace(&mut parser, nested));
            }
            wasmparser::Payload::CodeSectionStart { size, .. } if in_core => {
                parser.skip_section();
                data = data.get(size as usize..).ok_or_else(|| anyhow::anyhow!("the code section ends early"))?;
            }
            wasmparser::Payload::End(_) => {
                in_core = false;
                match stack.pop() {
                    Some(outer) => parser = outer,
                    None => return Ok(()),
                }
            }
            _ => {}
        }
    }
}

/// A code section smaller than this many bytes is validated on the calling
/// thread alone (a thread costs more than it saves).
const PARALLEL_VALIDATION_BYTES: u32 = 1 << 16;

/// How many function bodies go to the validating thread at a time.
const VALIDATION_BATCH: usize = 256;

/// A function body and what validating it needs.
type BodyToValidate<'b> = (wasmparser::FuncToValidate<wasmparser::ValidatorResources>, wasmparser::FunctionBody<'b>);

/// Validates function bodies in order, stopping at the first invalid one.
fn validate_bodies<'b>(bodies: impl IntoIterator<Item = BodyToValidate<'b>>) -> anyhow::Result<()> {
    let mut allocations = wasmparser::FuncValidatorAllocations::default();
    for (func, body) in bodies {
        let mut validator = func.into_validator(allocations);
        validator.validate(&body)?;
        allocations = validator.into_allocations();
    }
    Ok(())
}

/// Batches of function bodies, each with its place in order, and whether
/// no more will come.
type Queue<'b> = (std::collections::VecDeque<(usize, Vec<BodyToValidate<'b>>)>, bool);

/// Batches of function bodies shared by the threads that validate them.
struct Batches<'b> {
    queue: std::sync::Mutex<Queue<'b>>,
    ready: std::sync::Condvar,
}

impl<'b> Batches<'b> {
    fn lock(&self) -> std::sync::MutexGuard<'_, Queue<'b>> {
        self.queue.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn push(&self, index: usize, batch: Vec<BodyToValidate<'b>>) {
        self.lock().0.push_back((index, batch));
        self.ready.notify_one();
    }

    fn finish(&self) {
        self.lock().1 = true;
        self.ready.notify_all();
    }

    /// The next batch; `None` once there is none left and (if `wait`)
    /// none will come.
    fn take(&self, wait: bool) -> Option<(usize, Vec<BodyToValidate<'b>>)> {
        let mut queue = self.lock();
        loop {
            if let Some(batch) = queue.0.pop_front() {
                return Some(batch);
            }
            if queue.1 || !wait {
                return None;
            }
            queue = self.ready.wait(queue).unwrap_or_else(|poisoned| poisoned.into_inner());
        }
    }

    /// Validates batches until none is left; the errors, each with its
    /// batch's place.
    fn drain(&self, wait: bool) -> Vec<(usize, anyhow::Error)> {
        let mut errors = Vec::new();
        while let Some((index, batch)) = self.take(wait) {
            if let Err(e) = validate_bodies(batch) {
                errors.push((index, e));
            }
        }
        errors
    }
}

/// Validates `component` with `wasmparser` (all features), as
/// `Validator::validate_all` does, and reports the same first error; but
/// the function bodies of a large code section are validated in batches
/// on a second thread while this one goes on with the sections after it
/// (the component's canonical functions and exports), and then takes its
/// share of the batches left.
///
/// # Errors
/// The first validation error.
pub fn validate(component: &[u8]) -> anyhow::Result<()> {
    let features = wasmparser::WasmFeatures::all();
    let mut validator = wasmparser::Validator::new_with_features(features);
    let mut parser = wasmparser::Parser::new(0);
    parser.set_features(features);
    let threads = threads();
    let batches = Batches { queue: Default::default(), ready: Default::default() };
    std::thread::scope(|scope| {
        // Bodies validated here, after the sections (those before the
        // worker starts, so earlier in order than the batches).
        let mut here: Vec<BodyToValidate> = Vec::new();
        let mut worker = None;
        let mut batch = Vec::new();
        let mut count = 0;
        let sections = || -> anyhow::Result<()> {
            for payload in parser.parse_all(component) {
                let payload = payload?;
                if let wasmparser::Payload::CodeSectionStart { size, .. } = payload
                    && size >= PARALLEL_VALIDATION_BYTES
                    && threads > 1
                    && worker.is_none()
                {
                    worker = Some(scope.spawn(|| batches.drain(true)));
                }
                if let wasmparser::ValidPayload::Func(func, body) = validator.payload(&payload)? {
                    if worker.is_none() {
                        here.push((func, body));
                        continue;
                    }
                    batch.push((func, body));
                    if batch.len() == VALIDATION_BATCH {
                        batches.push(count, std::mem::take(&mut batch));
                        count += 1;
                    }
                }
            }
            Ok(())
        };
        let result = sections();
        batches.push(count, batch);
        batches.finish();
        let mut errors = batches.drain(false);
        if let Some(worker) = worker {
            match worker.join() {
                Ok(more) => errors.extend(more),
                Err(_) => errors.push((0, anyhow::anyhow!("validating function bodies panicked"))),
            }
        }
        result?;
        validate_bodies(here)?;
        match errors.into_iter().min_by_key(|(index, _)| *index) {
            Some((_, e)) => Err(e),
            None => Ok(()),
        }
    })
}

/// Checks that `component` decodes to the same world as wit-component's
/// encoding of the same core module and world.
#[cfg(debug_assertions)]
fn check_against_reference(
    component: &[u8],
    mut core: Vec<u8>,
    resolve: &Resolve,
    world: WorldId,
    docs: Option<&[u8]>,
) -> anyhow::Result<()> {
    wit_component::embed_component_metadata(&mut core, resolve, world, wit_component::StringEncoding::UTF8)?;
    let mut reference = wit_component::ComponentEncoder::default().module(&core)?.validate(true).encode()?;
    reference.extend_from_slice(docs.unwrap_or_default());
    let name = &resolve.worlds[world].name;
    let (ours, theirs) = (decoded_world_wit(component, name)?, decoded_world_wit(&reference, name)?);
    if ours != theirs {
        anyhow::bail!(
            "the component's world differs from wit-component's\n--- ours\n{ours}\n--- wit-component\n{theirs}"
        );
    }
    Ok(())
}

/// The package's WIT text, as `clawc wit` prints it.
///
/// # Errors
/// If wit-component's printer fails (a compiler bug).
pub fn print_package(resolve: &Resolve, package: PackageId) -> anyhow::Result<String> {
    let mut printer = wit_component::WitPrinter::default();
    printer.print(resolve, package, &[])?;
    Ok(printer.output.to_string())
}

/// The world `wit_component::decode` finds in `component`, printed as WIT
/// under the package name `claw:<world_name>` and world name `world_name`
/// (decoders name it `root:component` / `root`).
///
/// # Errors
/// If the bytes do not decode as a component.
pub fn decoded_world_wit(component: &[u8], world_name: &str) -> anyhow::Result<String> {
    let wit_component::DecodedWasm::Component(mut decoded, world) = wit_component::decode(component)? else {
        anyhow::bail!("not a component");
    };
    let package = decoded.worlds[world].package.ok_or_else(|| anyhow::anyhow!("the decoded world has no package"))?;
    decoded.worlds[world].name = world_name.to_string();
    let worlds = std::mem::take(&mut decoded.packages[package].worlds);
    decoded.packages[package].worlds = worlds.into_values().map(|w| (world_name.to_string(), w)).collect();
    decoded.packages[package].name = PackageName { namespace: "claw".into(), name: world_name.into(), version: None };
    print_package(&decoded, package)
}
