//! Resources defined in Claw: `resource R { fields, constructor, methods,
//! static functions, destructor }` inside `export ns:pkg/iface { ... }`,
//! whose WIT declares `R`, or inside `export name: interface { ... }`,
//! where the checker creates `R`'s WIT definition.
//!
//! Each function of the resource becomes the interface's function of the
//! canonical ABI's name (`[constructor]R`, `[method]R.m` with a first
//! parameter `self: borrow<R>`, `[static]R.s`). The representation lives in
//! a hidden table (see [`ir::Resource`]): a constructor takes a free slot
//! (`RepNew`), sets the fields and wraps the slot's rep into an own handle
//! with the `R_new` intrinsic; `self.f` reads and writes the slot in place
//! (`RepField`, `RepSet`); the destructor, which the canonical ABI calls
//! when the last own handle is dropped (by the host, another component, or
//! this one through `R_drop`), frees the slot (`RepFree`).
//!
//! Inside the component an `own<R>` is a handle and a `borrow<R>` is a rep,
//! as the canonical ABI passes them to the exports; lending an own handle
//! (to a method or a `borrow<R>` parameter) converts it with `R_rep`.

use super::HashMap;
use super::{BodyChecker, Checker, Signature, iface_display};
use crate::ast::{self, MemberKind};
use crate::diagnostic::Diagnostic;
use crate::ir::{self, Callee, Const, ExprId, FuncId, GlobalId, ImportId, LocalId, ResourceId};
use crate::span::Span;
use crate::suggest::{suggest_or_list, suggest_or_note};
use crate::types::Ty;
use wit_parser::{InterfaceId, TypeDefKind, TypeId};

/// The span of the name of the defined resource `r` (see `declare_resources`).
fn resource_span_of(resource_types: &HashMap<Span, TypeId>, r: TypeId) -> Span {
    resource_types.iter().find(|(_, t)| **t == r).map(|(s, _)| *s).unwrap_or_default()
}

/// The name of a resource function as Claw writes it: `get`, `zero`, `constructor`.
fn member_name(f: &wit_parser::Function) -> &str {
    match f.kind {
        wit_parser::FunctionKind::Constructor(_) => "constructor",
        _ => f.name.rsplit(['.', ']']).next().unwrap_or(&f.name),
    }
}

/// Where a resource the file defines lives.
pub(super) enum Home {
    /// `export ns:pkg/iface { ... }` (`None`: an interface that was not found).
    Wit(Option<InterfaceId>),
    /// `export name: interface { ... }`, by export name.
    Inline(String),
    /// `resource R { ... }` at the top level: private to the component.
    Private,
}

/// What the checker knows of a resource the file defines.
pub(super) struct Defined {
    /// Its index in [`ir::Module::resources`].
    pub(super) id: ResourceId,
    /// Its functions by WIT name (`[method]R.m`, ...).
    pub(super) funcs: HashMap<String, FuncId>,
}

impl Checker {
    /// Registers the resources of `export ns:pkg/iface { ... }` and their
    /// functions (every function is registered, even when the resource is
    /// not in the interface, so function ids follow `ast::File::funcs`).
    /// `seen` collects the WIT names defined, for the missing-function check.
    pub(super) fn define_resources(
        &mut self,
        resources: &[ast::ResourceDef],
        home: &Home,
        seen: &mut HashMap<String, Span>,
    ) {
        let (interface, inline) = match home {
            Home::Wit(i) => (*i, None),
            Home::Inline(name) => (None, Some(name.clone())),
            Home::Private => (None, None),
        };
        for def in resources {
            let resource = match self.resource_types.get(&def.name.span) {
                Some(r) => Some(*r),
                None => match home {
                    Home::Wit(i) => i.and_then(|i| self.declared_resource(i, &def.name)),
                    Home::Inline(_) | Home::Private => Some(self.inline_resource_type(def)),
                },
            };
            let id = resource.map(|r| self.new_resource(def, r, home));
            let name = &def.name.name;
            for member in &def.funcs {
                let func = &member.func;
                self.type_scope = interface;
                let mut sig = self.signature(&func.sig);
                self.type_scope = None;
                let (own, borrow) = match resource {
                    Some(r) => (
                        self.interner.handle(&mut self.resolve, true, r),
                        self.interner.handle(&mut self.resolve, false, r),
                    ),
                    None => (Ty::Error, Ty::Error),
                };
                let wit_name = match member.kind {
                    MemberKind::Constructor => {
                        if let Some(result) = &func.sig.result {
                            self.diagnostics.push(Diagnostic::error(
                                "constructor-result",
                                format!("the constructor of `{name}` returns the new `{name}`; it declares no result"),
                                result.span,
                                "remove this result type",
                            ));
                        }
                        sig.result = Some(own);
                        format!("[constructor]{name}")
                    }
                    MemberKind::Method => {
                        sig.params.insert(0, ("self".into(), borrow));
                        format!("[method]{name}.{}", func.name.name)
                    }
                    MemberKind::Static => format!("[static]{name}.{}", func.name.name),
                    MemberKind::Destructor => {
                        if func.name.name != "destructor" {
                            self.diagnostics.push(
                                Diagnostic::error(
                                    "syntax-error",
                                    format!(
                                        "expected `func`, `static func`, `constructor` or `destructor`, found `{}`",
                                        func.name.name
                                    ),
                                    func.name.span,
                                    "not a resource member",
                                )
                                .with_help("methods are written `func name() { ... }`"),
                            );
                        }
                        sig.params.insert(0, ("self".into(), borrow));
                        format!("[destructor]{name}")
                    }
                };
                if let Some(first) = seen.insert(wit_name.clone(), func.name.span) {
                    self.diagnostics.push(
                        Diagnostic::error(
                            "duplicate-definition",
                            format!("`{}` is defined more than once in `{name}`", func.name.name),
                            func.name.span,
                            "defined again here",
                        )
                        .with_label(first, "first defined here"),
                    );
                }
                // A constructor the WIT does not declare is private: the
                // component's own code creates instances with it.
                let mut exported = member.kind != MemberKind::Destructor && !matches!(home, Home::Private);
                if let (Some(iface), Some(_), true) = (interface, resource, exported) {
                    match self.resolve.interfaces[iface].functions.get(&wit_name).cloned() {
                        Some(wit_func) => self.compare_member(iface, &wit_func, &sig, member),
                        None if member.kind == MemberKind::Constructor => exported = false,
                        None => {
                            let iface_name = iface_display(&self.resolve, iface);
                            let (what, prefix) = match member.kind {
                                MemberKind::Method => ("method", format!("[method]{name}.")),
                                _ => ("static function", format!("[static]{name}.")),
                            };
                            let names: Vec<String> = self.resolve.interfaces[iface]
                                .functions
                                .keys()
                                .filter_map(|k| k.strip_prefix(&prefix).map(str::to_string))
                                .collect();
                            let refs: Vec<&str> = names.iter().map(|s| s.as_str()).collect();
                            let d = Diagnostic::error(
                                "not-in-interface",
                                format!(
                                    "resource `{name}` of interface `{iface_name}` has no {what} `{}`",
                                    func.name.name
                                ),
                                func.name.span,
                                "not in the interface",
                            )
                            .with_note("an exported resource defines exactly the functions its WIT declares");
                            self.diagnostics.push(suggest_or_list(d, &func.name.name, &refs, &format!("{what}s")));
                        }
                    }
                }
                if inline.is_some() {
                    self.check_inline_types(&sig, func.sig.span);
                }
                let fid = FuncId(self.module.funcs.len() as u32);
                self.add_func_scoped(func, sig, interface, inline.clone(), false);
                let f = &mut self.module.funcs[fid.index()];
                f.name = wit_name.clone();
                f.exported = exported;
                self.members.insert(fid, (id, member.kind));
                if let Some(id) = id {
                    self.defined_by_id(id).funcs.insert(wit_name, fid);
                }
            }
        }
    }

    /// The WIT definition of a resource of an inline interface, which
    /// only this file declares (the world's WIT text prints it).
    fn inline_resource_type(&mut self, def: &ast::ResourceDef) -> TypeId {
        self.resolve.types.alloc(wit_parser::TypeDef {
            name: Some(def.name.name.clone()),
            kind: TypeDefKind::Resource,
            owner: wit_parser::TypeOwner::None,
            docs: wit_parser::Docs { contents: (!def.docs.is_empty()).then(|| def.docs.clone()) },
            stability: Default::default(),
            span: Default::default(),
            external_id: Default::default(),
        })
    }

    /// Reports the resources of an exported interface that the export block
    /// does not define, and the functions missing from those it defines,
    /// with their Claw signatures.
    pub(super) fn missing_resource_functions(
        &mut self,
        export: &ast::ExportInterface,
        iface: &wit_parser::Interface,
        iface_name: &str,
        seen: &HashMap<String, Span>,
    ) {
        for (name, ty) in &iface.types {
            if !matches!(self.resolve.types[*ty].kind, TypeDefKind::Resource) {
                continue;
            }
            let missing: Vec<wit_parser::Function> = iface
                .functions
                .values()
                .filter(|f| f.kind.resource() == Some(*ty) && !seen.contains_key(&f.name))
                .cloned()
                .collect();
            let defined = export.resources.iter().find(|r| r.name.name == *name);
            let Some(def) = defined else {
                let members: Vec<String> = missing.iter().map(|f| self.claw_member(f)).collect();
                let body = if members.is_empty() { String::new() } else { format!(" {} ", members.join(" ")) };
                self.diagnostics.push(
                    Diagnostic::error(
                        "missing-interface-function",
                        format!(
                            "interface `{iface_name}` declares resource `{name}`, which this export does not define"
                        ),
                        export.path.span,
                        "this export is incomplete",
                    )
                    .with_help(format!(
                        "define it here, with the fields of its representation: `resource {name} {{{body}}}`"
                    )),
                );
                continue;
            };
            if missing.is_empty() {
                continue;
            }
            let names: Vec<String> = missing.iter().map(|f| format!("`{}`", member_name(f))).collect();
            let members: Vec<String> = missing.iter().map(|f| self.claw_member(f)).collect();
            self.diagnostics.push(
                Diagnostic::error(
                    "missing-interface-function",
                    format!("resource `{name}` also needs {}", names.join(", ")),
                    def.name.span,
                    "this resource is incomplete",
                )
                .with_help(format!("add `{}`", members.join("`, `"))),
            );
        }
    }

    /// A WIT resource function as a Claw member: `func get() -> u32 { ... }`
    /// (without the backticks).
    fn claw_member(&mut self, f: &wit_parser::Function) -> String {
        use wit_parser::FunctionKind as K;
        let skip = usize::from(matches!(f.kind, K::Method(_)));
        let params: Vec<String> = f
            .params
            .iter()
            .skip(skip)
            .map(|p| format!("{}: {}", p.name, crate::types::display_wit(&self.resolve, &p.ty)))
            .collect();
        let result = match (&f.kind, &f.result) {
            (K::Constructor(_), _) | (_, None) => String::new(),
            (_, Some(r)) => format!(" -> {}", crate::types::display_wit(&self.resolve, r)),
        };
        let head = match f.kind {
            K::Constructor(_) => "constructor".to_string(),
            K::Static(_) => format!("static func {}", member_name(f)),
            _ => format!("func {}", member_name(f)),
        };
        format!("{head}({}){result} {{ ... }}", params.join(", "))
    }

    /// The resource named `name` that interface `iface` declares, or a reported error.
    fn declared_resource(&mut self, iface: InterfaceId, name: &ast::Ident) -> Option<TypeId> {
        let found = self.resolve.interfaces[iface].types.get(&name.name).copied();
        if let Some(id) = found
            && matches!(self.resolve.types[id].kind, TypeDefKind::Resource)
        {
            return Some(id);
        }
        let iface_name = iface_display(&self.resolve, iface);
        let resources: Vec<String> = self.resolve.interfaces[iface]
            .types
            .iter()
            .filter(|(_, t)| matches!(self.resolve.types[**t].kind, TypeDefKind::Resource))
            .map(|(n, _)| n.clone())
            .collect();
        let refs: Vec<&str> = resources.iter().map(|s| s.as_str()).collect();
        let d = Diagnostic::error(
            "not-in-interface",
            format!("interface `{iface_name}` declares no resource `{}`", name.name),
            name.span,
            "not a resource of the interface",
        );
        let d = suggest_or_note(d, &name.name, &refs, "resources", format!("`{iface_name}` declares no resources"));
        self.diagnostics.push(d);
        None
    }

    fn defined_by_id(&mut self, id: ResourceId) -> &mut Defined {
        let ty = self.module.resources[id.index()].ty;
        self.defined.get_mut(&ty).expect("registered with the resource")
    }

    /// Registers resource `r` of `interface` and checks its fields.
    fn new_resource(&mut self, def: &ast::ResourceDef, r: TypeId, home: &Home) -> ResourceId {
        let (interface, inline_interface, core_interface) = match home {
            Home::Wit(i) => (*i, None, i.and_then(|i| self.resolve.canonicalized_id_of(i)).unwrap_or_default()),
            Home::Inline(name) => (None, Some(name.clone()), name.clone()),
            Home::Private => (None, None, String::new()),
        };
        let id = ResourceId(self.module.resources.len() as u32);
        if let Some(previous) = self.defined.get(&r) {
            let first = self.module.resources[previous.id.index()].name.clone();
            self.diagnostics.push(Diagnostic::error(
                "duplicate-definition",
                format!("resource `{first}` is defined more than once"),
                def.name.span,
                "defined again here",
            ));
        }
        let mut fields = Vec::new();
        let mut seen: HashMap<&str, Span> = HashMap::default();
        for (name, ty) in &def.fields {
            if let Some(first) = seen.insert(&name.name, name.span) {
                self.diagnostics.push(
                    Diagnostic::error(
                        "duplicate-field",
                        format!("field `{}` is defined more than once", name.name),
                        name.span,
                        "defined again here",
                    )
                    .with_label(first, "first defined here"),
                );
            }
            self.type_scope = interface;
            let mut t = self.resolve_type(ty);
            self.type_scope = None;
            if self.is_linear(t) && !self.zero_owns_nothing(t) {
                // Fields start at zero values, and a zero handle is no handle.
                let shown = self.ty_name(t);
                self.diagnostics.push(
                    Diagnostic::error(
                        "unsupported-type",
                        format!("field `{}` of type `{shown}` would start without the handle it must own", name.name),
                        ty.span,
                        "owns a handle from the start",
                    )
                    .with_note("fields start at zero values: `none`, `[]`, the first case")
                    .with_help(format!("make it `option<{shown}>` (or a list) and set it in the constructor")),
                );
                t = Ty::Error;
            }
            fields.push((name.name.clone(), t));
        }
        let mut field_types: Vec<Ty> = fields.iter().map(|(_, t)| *t).collect();
        if field_types.is_empty() {
            // A slot needs a payload for its `ok` case; an unused `bool`.
            field_types.push(Ty::Bool);
        }
        let fields_ty = if field_types.contains(&Ty::Error) {
            Ty::Error
        } else {
            self.interner.tuple(&mut self.resolve, &field_types)
        };
        let slot = self.interner.result(&mut self.resolve, Some(fields_ty), Some(Ty::U32));
        self.module.resources.push(ir::Resource {
            name: def.name.name.clone(),
            ty: r,
            interface,
            inline_interface,
            core_interface,
            fields,
            fields_ty,
            slot,
            // Set by `finish_resources`, once every file global has its id.
            table: GlobalId(u32::MAX),
            free: GlobalId(u32::MAX),
            dtor: FuncId(u32::MAX),
            private: matches!(home, Home::Private),
        });
        self.defined.insert(r, Defined { id, funcs: HashMap::default() });
        id
    }

    /// Before any other type is resolved: binds the name of every resource
    /// the file defines (as `own<R>`) so that it is a type of the whole
    /// file, usable before its `export` block, in type definitions too.
    /// Resources the WIT does not declare are reported later, by
    /// `define_resources`.
    pub(super) fn declare_resources(&mut self, file: &ast::File) {
        for item in &file.items {
            let (resources, interface) = match item {
                ast::Item::ExportInterface(e) => {
                    // Looked up quietly: `export_interface` reports a bad path.
                    let before = self.diagnostics.len();
                    let interface = self.find_interface(&e.path);
                    self.diagnostics.truncate(before);
                    (e.resources.as_slice(), interface.map(Some))
                }
                ast::Item::ExportInline(e) => (e.resources.as_slice(), None),
                ast::Item::Resource(def) => (std::slice::from_ref(&**def), None),
                _ => continue,
            };
            for def in resources {
                let r = match interface {
                    Some(Some(i)) => self.resolve.interfaces[i]
                        .types
                        .get(&def.name.name)
                        .copied()
                        .filter(|t| matches!(self.resolve.types[*t].kind, TypeDefKind::Resource)),
                    Some(None) => None,
                    None => Some(self.inline_resource_type(def)),
                };
                let Some(r) = r else { continue };
                self.resource_types.insert(def.name.span, r);
                let own = self.interner.handle(&mut self.resolve, true, r);
                self.define(&def.name, super::Binding::Type(own));
            }
        }
    }

    /// Does the zero value of `ty` (all-zero flat values: `none`, `[]`, the
    /// first case with a zero payload) own no handle?
    fn zero_owns_nothing(&self, ty: Ty) -> bool {
        ty.to_wit().is_some_and(|t| self.wit_zero_owns_nothing(&t))
    }

    fn wit_zero_owns_nothing(&self, ty: &wit_parser::Type) -> bool {
        if !self.wit_is_linear(ty) {
            return true;
        }
        let wit_parser::Type::Id(id) = ty else { return true };
        match &self.resolve.types[*id].kind {
            TypeDefKind::Option(_) | TypeDefKind::List(_) => true,
            TypeDefKind::Record(r) => r.fields.iter().all(|f| self.wit_zero_owns_nothing(&f.ty)),
            TypeDefKind::Tuple(t) => t.types.iter().all(|f| self.wit_zero_owns_nothing(f)),
            TypeDefKind::Variant(v) => {
                v.cases.first().and_then(|c| c.ty).is_none_or(|p| self.wit_zero_owns_nothing(&p))
            }
            TypeDefKind::Result(r) => r.ok.is_none_or(|p| self.wit_zero_owns_nothing(&p)),
            TypeDefKind::Type(t) => self.wit_zero_owns_nothing(t),
            _ => false,
        }
    }

    /// Compares a resource function with the WIT declaration of its name.
    fn compare_member(
        &mut self,
        iface: InterfaceId,
        wit_func: &wit_parser::Function,
        sig: &Signature,
        member: &ast::ResourceFunc,
    ) {
        let Some((wit_params, wit_result)) = self.signature_differs(wit_func, sig) else { return };
        // Shown as written in Claw: without `self`, and a constructor without its result.
        let skip = usize::from(member.kind == MemberKind::Method);
        let show = |c: &Checker, params: &[(String, Ty)], result: Option<Ty>| {
            let list: Vec<String> = params.iter().skip(skip).map(|(n, t)| format!("{n}: {}", c.ty_name(*t))).collect();
            match result.filter(|_| member.kind != MemberKind::Constructor) {
                Some(r) => format!("({}) -> {}", list.join(", "), c.ty_name(r)),
                None => format!("({})", list.join(", ")),
            }
        };
        let wit: Vec<(String, Ty)> =
            wit_func.params.iter().zip(&wit_params).map(|(p, t)| (p.name.clone(), *t)).collect();
        let (mine_text, wit_text) = (show(self, &sig.params, sig.result), show(self, &wit, wit_result));
        let name = &member.func.name.name;
        let iface_name = iface_display(&self.resolve, iface);
        self.diagnostics.push(
            Diagnostic::error(
                "interface-signature-mismatch",
                format!("`{name}` does not have the signature interface `{iface_name}` gives it"),
                member.func.sig.span,
                format!("this is `{mine_text}`"),
            )
            .with_note(format!("the interface declares `{name}{wit_text}`")),
        );
    }

    /// After every item is collected: each defined resource's hidden table
    /// globals and destructor.
    pub(super) fn finish_resources(&mut self) {
        self.check_world_level_uses();
        // Every destructor's id first: dropping a private resource's handle
        // calls it, and the drop glue of another resource's fields may.
        for index in 0..self.module.resources.len() {
            let dtor = FuncId(self.module.funcs.len() as u32);
            self.module.funcs.push(ir::Function::default());
            let borrow = self.interner.handle(&mut self.resolve, false, self.module.resources[index].ty);
            self.signatures.push(Signature {
                params: vec![("rep".into(), borrow)],
                result: None,
                span: Span::default(),
            });
            self.module.resources[index].dtor = dtor;
        }
        for index in 0..self.module.resources.len() {
            let id = ResourceId(index as u32);
            let (name, slot, fields_ty) = {
                let r = &self.module.resources[index];
                (r.name.clone(), r.slot, r.fields_ty)
            };
            let table_ty = if slot == Ty::Error { Ty::Error } else { self.interner.list(&mut self.resolve, slot) };
            let table = GlobalId(self.module.globals.len() as u32);
            self.module.globals.push(ir::Global {
                name: format!("{name} table"),
                ty: table_ty,
                mutable: true,
                init: Const::Zero,
            });
            let free = GlobalId(self.module.globals.len() as u32);
            self.module.globals.push(ir::Global {
                name: format!("{name} free"),
                ty: Ty::U32,
                mutable: true,
                init: Const::Int(0),
            });
            let borrow = self.interner.handle(&mut self.resolve, false, self.module.resources[index].ty);
            let (mut synth, reads) = super::wave::Synth::with_params(format!("{name} destructor"), &[borrow], None);
            let user =
                self.defined[&self.module.resources[index].ty].funcs.get(&format!("[destructor]{name}")).copied();
            if let Some(user) = user {
                let call = synth.e(ir::ExprKind::Call(Callee::Func(user), vec![reads[0]]), Ty::Unit);
                synth.f.body.push(ir::Stmt::Expr(call));
            }
            let freed = synth.e(ir::ExprKind::RepFree(id, reads[0]), fields_ty);
            // Handles the fields own are dropped with the instance.
            let drop = if self.is_linear(fields_ty) { self.drop_callee(fields_ty) } else { None };
            match drop {
                Some(drop) => {
                    let call = synth.e(ir::ExprKind::Call(drop, vec![freed]), Ty::Unit);
                    synth.f.body.push(ir::Stmt::Expr(call));
                }
                None => synth.f.body.push(ir::Stmt::Expr(freed)),
            }
            let dtor = self.module.resources[index].dtor;
            self.module.funcs[dtor.index()] = synth.f;
            let r = &mut self.module.resources[index];
            r.table = table;
            r.free = free;
        }
    }

    /// A world-level import or export (or a function of another inline
    /// interface) cannot name a resource an exported interface defines: the
    /// world would have to import that interface to `use` it.
    fn check_world_level_uses(&mut self) {
        if self.defined.is_empty() {
            return;
        }
        // World-level imports, then exported functions outside WIT interfaces.
        let imports = self
            .module
            .imports
            .iter()
            .enumerate()
            .filter(|(_, i)| i.is_world_level())
            .map(|(k, i)| (i.name.clone(), None, &self.import_signatures[k]));
        let funcs = self
            .module
            .funcs
            .iter()
            .enumerate()
            .filter(|(_, f)| f.exported && f.interface.is_none())
            .map(|(k, f)| (f.name.clone(), f.inline_interface.clone(), &self.signatures[k]));
        let mut found = Vec::new();
        for (fname, inline_interface, sig) in imports.chain(funcs) {
            let mut named = Vec::new();
            for t in sig.params.iter().map(|(_, t)| *t).chain(sig.result) {
                if let Some(wit) = t.to_wit() {
                    crate::component::collect_named_types(&self.resolve, &wit, &mut named);
                }
            }
            // A resource of an inline interface is usable by that interface's functions.
            let elsewhere = |id: &&TypeId| {
                self.defined.get(*id).is_some_and(|d| {
                    let r = &self.module.resources[d.id.index()];
                    r.inline_interface.is_none() || r.inline_interface != inline_interface
                })
            };
            if let Some(r) = named.iter().find(elsewhere) {
                found.push((fname, inline_interface, sig.span, *r));
            }
        }
        for (fname, inline_interface, span, r) in found {
            let name = self.resolve.types[r].name.clone().unwrap_or_default();
            let resource = &self.module.resources[self.defined[&r].id.index()];
            if resource.private {
                let help = match &inline_interface {
                    Some(inline) => {
                        format!("move `resource {name} {{ ... }}` into `export {inline}: interface {{ ... }}`")
                    }
                    None => format!(
                        "put the resource and the functions that pass it in an interface: `export NAME: interface {{ resource {name} {{ ... }} func {fname}(...) {{ ... }} }}`"
                    ),
                };
                self.diagnostics.push(
                    Diagnostic::error(
                        "unsupported-type",
                        format!("`{fname}` uses resource `{name}`, which is private to this component"),
                        span,
                        format!("uses `{name}`"),
                    )
                    .with_label(resource_span_of(&self.resource_types, r), "defined at the top level")
                    .with_note("a top-level resource never crosses the component boundary; the Component Model exports a resource only as a type of an exported interface")
                    .with_help(help),
                );
                continue;
            }
            let iface = match (resource.interface, &resource.inline_interface) {
                (Some(i), _) => iface_display(&self.resolve, i),
                (None, Some(inline)) => inline.clone(),
                (None, None) => String::new(),
            };
            let d = Diagnostic::error(
                "unsupported-type",
                format!("`{fname}` uses resource `{name}`, which only functions of `{iface}` can pass"),
                span,
                format!("uses `{name}`"),
            )
            .with_note("a world cannot name a type of an interface it exports without importing that interface")
            .with_help(format!("declare the function in `{iface}` and define it in its `export` block"));
            self.diagnostics.push(d);
        }
    }

    /// The `R_new` (rep to a new own handle) or `R_rep` (own handle to rep)
    /// intrinsic of defined resource `r`.
    pub(super) fn export_intrinsic(&mut self, r: TypeId, rep_of_handle: bool) -> Option<ImportId> {
        let own = self.interner.handle(&mut self.resolve, true, r);
        let borrow = self.interner.handle(&mut self.resolve, false, r);
        let (suffix, param, result) = if rep_of_handle { ("rep", own, borrow) } else { ("new", borrow, own) };
        self.resource_intrinsic(r, suffix, vec![("handle".into(), param)], Some(result))
    }

    /// Is `r` a top-level resource of this file, private to the component?
    pub(super) fn is_private(&self, r: TypeId) -> bool {
        self.defined.get(&r).is_some_and(|d| self.module.resources[d.id.index()].private)
    }

    /// Is `r` a resource this file defines?
    pub(super) fn is_defined(&self, r: TypeId) -> bool {
        self.defined.contains_key(&r)
    }

    /// For a resource this file defines: its interface's name in core names.
    pub(super) fn defined_core_interface(&self, r: TypeId) -> Option<String> {
        let d = self.defined.get(&r)?;
        Some(self.module.resources[d.id.index()].core_interface.clone())
    }
}

impl BodyChecker<'_> {
    /// The rep of a defined resource's handle: `value` itself when it is a
    /// `borrow<R>`, else `R_rep(value)`.
    pub(super) fn rep_of(&mut self, value: ExprId, r: TypeId, span: Span) -> ExprId {
        let ty = self.ty(value);
        if self.checker.is_private(r) {
            // A private resource's own handle is its rep.
            let borrow = self.checker.interner.handle(&mut self.checker.resolve, false, r);
            return self.push_expr(ir::ExprKind::Seq(Vec::new(), Some(value)), borrow, span);
        }
        match ty.handle(&self.checker.resolve) {
            Some((true, _)) => match self.checker.export_intrinsic(r, true) {
                Some(rep) => {
                    let borrow = self.checker.interner.handle(&mut self.checker.resolve, false, r);
                    self.push_expr(ir::ExprKind::Call(Callee::Import(rep), vec![value]), borrow, span)
                }
                None => self.error_expr(span),
            },
            _ => value,
        }
    }

    /// `h.name(args)` on a handle of a defined resource.
    pub(super) fn defined_method_call(
        &mut self,
        r: TypeId,
        receiver: ExprId,
        method: &ast::Ident,
        args: &[ast::Expr],
        span: Span,
    ) -> ExprId {
        let (name, id) = {
            let d = &self.checker.defined[&r];
            (self.checker.module.resources[d.id.index()].name.clone(), d.id)
        };
        let wit_name = format!("[method]{name}.{}", method.name);
        let Some(f) = self.checker.defined[&r].funcs.get(&wit_name).copied() else {
            return self.unknown_member(id, &name, method, "method", "[method]", args, span);
        };
        let receiver_span = self.function.expr_spans[receiver.index()];
        let rep = self.rep_of(receiver, r, receiver_span);
        self.member_call(Callee::Func(f), &wit_name, Some(rep), args, span)
    }

    /// `R::new(args)` or `R::name(args)` of a defined resource.
    pub(super) fn defined_path_call(&mut self, r: TypeId, name: &ast::Ident, args: &[ast::Expr], span: Span) -> ExprId {
        let (resource, id) = {
            let d = &self.checker.defined[&r];
            (self.checker.module.resources[d.id.index()].name.clone(), d.id)
        };
        let wit_name = if name.name == "new" {
            format!("[constructor]{resource}")
        } else {
            format!("[static]{resource}.{}", name.name)
        };
        let Some(f) = self.checker.defined[&r].funcs.get(&wit_name).copied() else {
            return self.unknown_member(id, &resource, name, "constructor or static function", "[static]", args, span);
        };
        self.member_call(Callee::Func(f), &wit_name, None, args, span)
    }

    #[allow(clippy::too_many_arguments)]
    fn unknown_member(
        &mut self,
        id: ResourceId,
        resource: &str,
        name: &ast::Ident,
        what: &str,
        prefix: &str,
        args: &[ast::Expr],
        span: Span,
    ) -> ExprId {
        let r = self.checker.module.resources[id.index()].ty;
        let full = format!("{prefix}{resource}.");
        let mut names: Vec<String> =
            self.checker.defined[&r].funcs.keys().filter_map(|k| k.strip_prefix(&full).map(str::to_string)).collect();
        if prefix == "[static]" && self.checker.defined[&r].funcs.contains_key(&format!("[constructor]{resource}")) {
            names.push("new".into());
        }
        names.sort();
        let refs: Vec<&str> = names.iter().map(|s| s.as_str()).collect();
        let code = if prefix == "[method]" { "unknown-method" } else { "unknown-function" };
        let d = Diagnostic::error(
            code,
            format!("resource `{resource}` has no {what} `{}`", name.name),
            name.span,
            "not defined by the resource",
        );
        let d = suggest_or_note(d, &name.name, &refs, &format!("{what}s"), format!("`{resource}` defines no {what}s"));
        self.checker.diagnostics.push(d);
        self.error_args(args, span)
    }

    /// `h.field` on a handle of a defined resource (`base` already read).
    pub(super) fn defined_field(&mut self, r: TypeId, base: ExprId, field: &ast::Ident, span: Span) -> ExprId {
        let id = self.checker.defined[&r].id;
        let resource = &self.checker.module.resources[id.index()];
        let Some(k) = resource.fields.iter().position(|(n, _)| *n == field.name) else {
            let names: Vec<String> = resource.fields.iter().map(|(n, _)| n.clone()).collect();
            let name = resource.name.clone();
            let refs: Vec<&str> = names.iter().map(|s| s.as_str()).collect();
            let d = Diagnostic::error(
                "unknown-field",
                format!("resource `{name}` has no field `{}`", field.name),
                field.span,
                "unknown field",
            );
            let d = suggest_or_note(d, &field.name, &refs, "fields", format!("`{name}` has no fields"));
            self.checker.diagnostics.push(d);
            return self.error_expr(span);
        };
        let ty = resource.fields[k].1;
        // A field that owns handles is only lent (or replaced whole).
        if !self.no_partial_move(ty, span) {
            return self.error_expr(span);
        }
        let base_span = self.function.expr_spans[base.index()];
        let rep = self.rep_of(base, r, base_span);
        self.push_expr(ir::ExprKind::RepField(id, rep, k as u32), ty, span)
    }

    /// A constructor's body starts with a new instance in `self`, with every
    /// field zero (0, `false`, `""`, `[]`, `none`, the first case).
    pub(super) fn begin_constructor(&mut self, id: ResourceId, span: Span) -> (LocalId, ir::Stmt) {
        let r = &self.checker.module.resources[id.index()];
        let (ty, fields_ty) = (r.ty, r.fields_ty);
        let borrow = self.checker.interner.handle(&mut self.checker.resolve, false, ty);
        let zero = self.push_expr(ir::ExprKind::Const(Const::Zero), fields_ty, span);
        let new = self.push_expr(ir::ExprKind::RepNew(id, zero), borrow, span);
        let local = self.new_local("self", borrow, false, span);
        (local, ir::Stmt::Let(local, new))
    }

    /// Makes each `return;` of a constructor body (and its end) return the
    /// new instance as an own handle: `R_new(self)`.
    pub(super) fn finish_constructor(&mut self, id: ResourceId, this: LocalId, body: &mut Vec<ir::Stmt>, span: Span) {
        let r = self.checker.module.resources[id.index()].ty;
        let own = self.checker.interner.handle(&mut self.checker.resolve, true, r);
        let borrow = self.checker.interner.handle(&mut self.checker.resolve, false, r);
        // A private resource's own handle is its rep; an exported one's is
        // made by the canonical `resource.new`.
        let new = if self.checker.is_private(r) {
            None
        } else {
            match self.checker.export_intrinsic(r, false) {
                Some(new) => Some(new),
                None => return,
            }
        };
        let handle = |c: &mut Self| {
            let read = c.push_expr(ir::ExprKind::Local(this), borrow, span);
            match new {
                Some(new) => c.push_expr(ir::ExprKind::Call(Callee::Import(new), vec![read]), own, span),
                None => c.push_expr(ir::ExprKind::Seq(Vec::new(), Some(read)), own, span),
            }
        };
        fn patch(stmts: &mut [ir::Stmt], make: &mut dyn FnMut() -> ExprId) {
            for s in stmts {
                match s {
                    ir::Stmt::Return(value @ None) => *value = Some(make()),
                    ir::Stmt::If { then, otherwise, .. } => {
                        patch(then, make);
                        patch(otherwise, make);
                    }
                    ir::Stmt::While { body, .. }
                    | ir::Stmt::Loop(body)
                    | ir::Stmt::For { body, .. }
                    | ir::Stmt::ForEach { body, .. }
                    | ir::Stmt::Block(body) => patch(body, make),
                    _ => {}
                }
            }
        }
        {
            let mut make = || handle(self);
            patch(body, &mut make);
        }
        if super::completes(body) {
            let value = handle(self);
            body.push(ir::Stmt::Return(Some(value)));
        }
    }
}
