//! Name resolution and type checking: [`ast::File`] to [`ir::Module`].
//!
//! Imports `from ns:pkg/iface` are looked up in a [`wit_parser::Resolve`];
//! the types of imported functions and enums come from there. The checker
//! never stops at the first error: an expression that fails to check gets
//! [`Ty::Error`], which matches everything, so each mistake is reported once
//! and the rest of the file is still checked.

use crate::ast::{self, BinaryOp, ExprKind as A, StmtKind, UnaryOp};
use crate::diagnostic::Diagnostic;
use crate::ir::{self, Callee, Const, ExprId, FuncId, GlobalId, ImportId, LocalId, Place};
use crate::span::Span;
use crate::suggest::{one_of, similar, suggest_or_list};
use crate::types::{Interner, Ty, display_wit};
use std::collections::HashMap;

mod defined;
mod matching;
mod ownership;
mod resources;
mod testing;
mod wave;

pub use testing::{FAILURE_FORMAT, MockAccess, TestContext};
pub use wave::PRELUDE;
use wit_parser::{InterfaceId, PackageId, Resolve, TypeDefKind};

/// What a top-level name refers to.
#[derive(Clone, Copy, Debug)]
enum Binding {
    Func(FuncId),
    Import(ImportId),
    Global(GlobalId),
    Type(Ty),
}

/// The new value of an assignment to a part (`assign_part_with`).
#[derive(Clone, Copy)]
enum PartValue<'a> {
    /// `= value` or `op= value`, as written.
    Source(Option<(BinaryOp, Span)>, &'a ast::Expr),
    /// A value already checked (what `push`/`pop` on a part write back).
    Checked(ExprId),
}

impl PartValue<'_> {
    /// Checks a value that will not be used, for its own errors.
    fn check_for_errors(self, checker: &mut BodyChecker<'_>) {
        if let PartValue::Source(_, value) = self {
            checker.infer(value);
        }
    }
}

/// A function's signature as the checker sees it.
struct Signature {
    params: Vec<(String, Ty)>,
    result: Option<Ty>,
    span: Span,
}

/// Checks a parsed file against `resolve`. Returns the IR (usable for codegen
/// only when there are no errors) and every error found.
pub fn check(file: &ast::File, resolve: &Resolve) -> (ir::Module, Vec<Diagnostic>) {
    check_source(file, "", resolve)
}

/// [`check`], with the source text `file` was parsed from (which `check!`
/// quotes in its messages).
pub fn check_source(file: &ast::File, source: &str, resolve: &Resolve) -> (ir::Module, Vec<Diagnostic>) {
    check_source_with(file, source, resolve, TestContext::default())
}

/// [`check_source`] for a test file turned into a module by
/// [`crate::testing`]: `testing` names the test bodies and mock records.
pub fn check_source_with(
    file: &ast::File,
    source: &str,
    resolve: &Resolve,
    testing: TestContext,
) -> (ir::Module, Vec<Diagnostic>) {
    let mut checker = Checker {
        testing,
        source: source.to_string(),
        resolve: resolve.clone(),
        interner: Interner::default(),
        module: ir::Module::default(),
        names: HashMap::new(),
        name_spans: HashMap::new(),
        signatures: Vec::new(),
        import_signatures: Vec::new(),
        diagnostics: Vec::new(),
        pending_types: HashMap::new(),
        defining: Vec::new(),
        type_scope: None,
        wave_functions: HashMap::new(),
        imported: HashMap::new(),
        intrinsics: HashMap::new(),
        drop_functions: HashMap::new(),
        defined: HashMap::new(),
        members: HashMap::new(),
        resource_types: HashMap::new(),
        retired: Vec::new(),
    };
    checker.collect(file);
    checker.check_bodies(file);
    let mut diagnostics = checker.diagnostics;
    diagnostics.sort_by_key(|d| d.primary_span());
    let mut module = checker.module;
    module.resolve = checker.resolve;
    (module, diagnostics)
}

struct Checker {
    /// The test bodies and mock records of a test file (empty otherwise).
    testing: TestContext,
    /// The source text, for `check!` messages (may be empty).
    source: String,
    resolve: Resolve,
    interner: Interner,
    module: ir::Module,
    names: HashMap<String, Binding>,
    name_spans: HashMap<String, Span>,
    signatures: Vec<Signature>,
    import_signatures: Vec<Signature>,
    diagnostics: Vec<Diagnostic>,
    /// Type definitions declared but not defined yet (see `define_types`).
    pending_types: HashMap<String, ast::TypeDef>,
    /// The types being defined, outermost first (to report cycles).
    defining: Vec<String>,
    /// Inside `export ns:pkg/iface { ... }`: that interface, whose types
    /// are in scope there.
    type_scope: Option<InterfaceId>,
    /// The synthesized `wave(v: T) -> string` function of each type (see
    /// `check/wave.rs`).
    wave_functions: HashMap<Ty, FuncId>,
    /// Interface functions imported so far, by interface and WIT name.
    imported: HashMap<(InterfaceId, String), ImportId>,
    /// Resource intrinsics imported so far (`R_drop`, ...), by the core
    /// module's interface part and the core name.
    intrinsics: HashMap<(String, String), ImportId>,
    /// The synthesized drop glue of each compound linear type.
    drop_functions: HashMap<Ty, FuncId>,
    /// Resources the file defines, by their WIT definition.
    defined: HashMap<wit_parser::TypeId, defined::Defined>,
    /// The WIT definition of each resource the file defines, by the span of
    /// its name (see `declare_resources`).
    resource_types: HashMap<Span, wit_parser::TypeId>,
    /// Each linear type with the hidden global list retiring replaced
    /// values of it.
    retired: Vec<(Ty, GlobalId)>,
    /// The resource (`None` when it is not in the interface) and kind of
    /// each function of a resource the file defines.
    members: HashMap<FuncId, (Option<ir::ResourceId>, ast::MemberKind)>,
}

impl Checker {
    fn ty_name(&self, ty: Ty) -> String {
        ty.display(&self.resolve)
    }

    fn define(&mut self, name: &ast::Ident, binding: Binding) -> bool {
        if let Some(previous) = self.name_spans.get(&name.name) {
            self.diagnostics.push(
                Diagnostic::error(
                    "duplicate-definition",
                    format!("`{}` is defined more than once", name.name),
                    name.span,
                    "defined again here",
                )
                .with_label(*previous, "first defined here")
                .with_help("rename one of them, or import it under another name with `as`"),
            );
            return false;
        }
        self.name_spans.insert(name.name.clone(), name.span);
        self.names.insert(name.name.clone(), binding);
        true
    }

    /// Resolves a written type.
    fn resolve_type(&mut self, ty: &ast::TypeExpr) -> Ty {
        crate::stack::grow(|| match &ty.kind {
            ast::TypeKind::Named(name) => self.named_type(name, ty.span),
            ast::TypeKind::Generic(ctor, args) => self.generic_type(ctor, args, ty.span),
        })
    }

    /// `list<T>`, `option<T>`, `result<T, E>`, `tuple<...>`.
    fn generic_type(&mut self, ctor: &ast::Ident, args: &[Option<ast::TypeExpr>], span: Span) -> Ty {
        let mut resolved = Vec::new();
        for a in args {
            resolved.push(a.as_ref().map(|t| self.resolve_type(t)));
        }
        if resolved.contains(&Some(Ty::Error)) {
            return Ty::Error;
        }
        let arity_error = |this: &mut Self, expected: &str| {
            this.diagnostics.push(Diagnostic::error(
                "wrong-type-arguments",
                format!("`{}` takes {expected}", ctor.name),
                span,
                format!("{} given", args.len()),
            ));
            Ty::Error
        };
        let underscore = |this: &mut Self| {
            this.diagnostics.push(
                Diagnostic::error("misplaced-underscore", "`_` is not a type", span, "here")
                    .with_note("`_` only stands for a missing payload in `result<_, E>`"),
            );
            Ty::Error
        };
        match ctor.name.as_str() {
            "list" | "option" => {
                let [arg] = resolved.as_slice() else { return arity_error(self, "one type argument") };
                let Some(arg) = *arg else { return underscore(self) };
                if arg == Ty::Unit {
                    return Ty::Error;
                }
                if ctor.name == "list" {
                    self.interner.list(&mut self.resolve, arg)
                } else {
                    self.interner.option(&mut self.resolve, arg)
                }
            }
            "result" => match resolved.as_slice() {
                [ok] => self.interner.result(&mut self.resolve, *ok, None),
                [ok, err] => self.interner.result(&mut self.resolve, *ok, *err),
                _ => arity_error(self, "one or two type arguments (`result<T>`, `result<T, E>`, `result<_, E>`)"),
            },
            "tuple" => {
                if resolved.is_empty() {
                    return arity_error(self, "at least one type argument");
                }
                let mut types = Vec::new();
                for t in &resolved {
                    match t {
                        Some(t) => types.push(*t),
                        None => return underscore(self),
                    }
                }
                self.interner.tuple(&mut self.resolve, &types)
            }
            "borrow" | "own" => {
                let [Some(arg)] = resolved.as_slice() else { return arity_error(self, "one type argument") };
                match arg.handle(&self.resolve) {
                    Some((_, r)) => self.interner.handle(&mut self.resolve, ctor.name == "own", r),
                    None if *arg == Ty::Error => Ty::Error,
                    None => {
                        let name = self.ty_name(*arg);
                        self.diagnostics.push(Diagnostic::error(
                            "type-mismatch",
                            format!("`{}<...>` takes a resource, not `{name}`", ctor.name),
                            span,
                            "not a resource",
                        ));
                        Ty::Error
                    }
                }
            }
            "future" | "stream" => {
                self.diagnostics.push(Diagnostic::error(
                    "unsupported-type",
                    format!("`{}<...>` types are not supported yet", ctor.name),
                    span,
                    "not supported yet",
                ));
                Ty::Error
            }
            other => {
                let suggestions = similar(other, ["list", "option", "result", "tuple"]);
                let mut d = Diagnostic::error(
                    "unknown-type",
                    format!("unknown type constructor `{other}`"),
                    ctor.span,
                    "takes no type arguments",
                )
                .with_note("the WIT type constructors are `list`, `option`, `result` and `tuple`");
                if !suggestions.is_empty() {
                    d = d.with_help(format!("did you mean {}?", one_of(&suggestions)));
                }
                self.diagnostics.push(d);
                Ty::Error
            }
        }
    }

    fn named_type(&mut self, name: &str, span: Span) -> Ty {
        if let Some(t) = Ty::from_name(name) {
            return t;
        }
        if name == "result" {
            return self.interner.result(&mut self.resolve, None, None);
        }
        if let Some(t) = self.scoped_type(name) {
            return t;
        }
        if self.pending_types.contains_key(name) || self.defining.iter().any(|n| n == name) {
            return self.define_type(name, span);
        }
        match self.names.get(name) {
            Some(Binding::Type(t)) => *t,
            Some(_) => {
                self.diagnostics.push(Diagnostic::error(
                    "not-a-type",
                    format!("`{name}` is not a type"),
                    span,
                    "expected a type",
                ));
                Ty::Error
            }
            None => {
                let mut candidates: Vec<&str> = Ty::BUILTIN_NAMES.to_vec();
                candidates
                    .extend(self.names.iter().filter(|(_, b)| matches!(b, Binding::Type(_))).map(|(n, _)| n.as_str()));
                let mut suggestions = similar(name, candidates);
                let hint = match name {
                    "i8" | "i16" | "i32" | "i64" => Some(format!("s{}", &name[1..])),
                    "int" | "isize" => Some("s32".into()),
                    "usize" | "uint" => Some("u32".into()),
                    "float" | "double" => Some("f64".into()),
                    "str" | "String" => Some("string".into()),
                    "boolean" => Some("bool".into()),
                    _ => None,
                };
                if let Some(h) = hint {
                    suggestions.retain(|s| *s != h);
                    suggestions.insert(0, h);
                }
                let mut d =
                    Diagnostic::error("unknown-type", format!("unknown type `{name}`"), span, "not a known type");
                if !suggestions.is_empty() {
                    d = d.with_help(format!("did you mean {}?", one_of(&suggestions)));
                }
                self.diagnostics.push(d);
                Ty::Error
            }
        }
    }

    /// A type of the interface being exported, when inside its block.
    fn scoped_type(&mut self, name: &str) -> Option<Ty> {
        let id = *self.resolve.interfaces[self.type_scope?].types.get(name)?;
        Some(self.from_wit(&wit_parser::Type::Id(id)))
    }

    /// Declares the file's named types: their names are bound, and their
    /// bodies wait in `pending_types` until `define_types` (or a use)
    /// defines them.
    fn declare_types(&mut self, file: &ast::File) {
        for item in &file.items {
            let ast::Item::TypeDef(def) = item else { continue };
            if self.define(&def.name, Binding::Type(Ty::Error)) {
                self.pending_types.insert(def.name.name.clone(), (**def).clone());
            }
        }
    }

    /// Defines the file's named types. A type is defined after every type it
    /// uses (depth first), so every WIT type definition refers only to
    /// definitions created before it, as the canonical ABI's size and
    /// alignment computation requires; a type that contains itself is an
    /// error (WIT types are not recursive).
    fn define_types(&mut self, file: &ast::File) {
        for item in &file.items {
            if let ast::Item::TypeDef(def) = item
                && self.pending_types.contains_key(&def.name.name)
            {
                self.define_type(&def.name.name, def.name.span);
            }
        }
    }

    /// Defines the pending type `name` (used at `span`), or reports a cycle.
    fn define_type(&mut self, name: &str, span: Span) -> Ty {
        let Some(def) = self.pending_types.remove(name) else {
            if let Some(start) = self.defining.iter().position(|n| n == name) {
                let mut cycle: Vec<String> = self.defining[start..].iter().map(|n| format!("`{n}`")).collect();
                cycle.push(format!("`{name}`"));
                self.diagnostics.push(
                    Diagnostic::error(
                        "recursive-type",
                        format!("type `{name}` contains itself"),
                        span,
                        "used inside its own definition",
                    )
                    .with_note(format!("{} (WIT types cannot be recursive)", cycle.join(" contains ")))
                    .with_help("store the children in a separate list and refer to them by index"),
                );
            }
            return Ty::Error;
        };
        self.defining.push(name.to_string());
        let ty = self.type_body(&def);
        self.defining.pop();
        self.names.insert(name.to_string(), Binding::Type(ty));
        self.module.types.push(ir::TypeDecl {
            name: name.to_string(),
            ty,
            docs: def.docs.clone(),
            alias: matches!(def.body, ast::TypeDefBody::Alias(_)),
        });
        ty
    }

    /// Resolves a type definition's body and creates its WIT definition.
    fn type_body(&mut self, def: &ast::TypeDef) -> Ty {
        if let ast::TypeDefBody::Alias(target) = &def.body {
            return self.resolve_type(target);
        }
        let mut seen: HashMap<String, Span> = HashMap::new();
        let mut check_dup = |this: &mut Self, name: &ast::Ident, what: &str| {
            if let Some(first) = seen.insert(name.name.clone(), name.span) {
                this.diagnostics.push(
                    Diagnostic::error(
                        "duplicate-definition",
                        format!("{what} `{}` is defined more than once in `{}`", name.name, def.name.name),
                        name.span,
                        "defined again here",
                    )
                    .with_label(first, "first defined here"),
                );
            }
        };
        let wit = |t: Ty| t.to_wit().unwrap_or(wit_parser::Type::Bool);
        let kind = match &def.body {
            ast::TypeDefBody::Record(fields) => {
                if fields.is_empty() {
                    self.diagnostics.push(Diagnostic::error(
                        "empty-type",
                        format!("record `{}` has no fields", def.name.name),
                        def.name.span,
                        "a record needs at least one field",
                    ));
                }
                let mut out = Vec::new();
                for (name, ty) in fields {
                    check_dup(self, name, "field");
                    let t = self.resolve_type(ty);
                    out.push(wit_parser::Field {
                        name: name.name.clone(),
                        ty: wit(t),
                        docs: Default::default(),
                        span: Default::default(),
                    });
                }
                TypeDefKind::Record(wit_parser::Record { fields: out })
            }
            ast::TypeDefBody::Variant(cases) => {
                let mut out = Vec::new();
                for (name, ty) in cases {
                    check_dup(self, name, "case");
                    let t = ty.as_ref().map(|t| self.resolve_type(t));
                    out.push(wit_parser::Case {
                        name: name.name.clone(),
                        ty: t.map(wit),
                        docs: Default::default(),
                        span: Default::default(),
                    });
                }
                TypeDefKind::Variant(wit_parser::Variant { cases: out })
            }
            ast::TypeDefBody::Enum(cases) => {
                let mut out = Vec::new();
                for name in cases {
                    check_dup(self, name, "case");
                    out.push(wit_parser::EnumCase {
                        name: name.name.clone(),
                        docs: Default::default(),
                        span: Default::default(),
                    });
                }
                TypeDefKind::Enum(wit_parser::Enum { cases: out })
            }
            ast::TypeDefBody::Flags(flags) => {
                let mut out = Vec::new();
                for name in flags {
                    check_dup(self, name, "flag");
                    out.push(wit_parser::Flag {
                        name: name.name.clone(),
                        docs: Default::default(),
                        span: Default::default(),
                    });
                }
                TypeDefKind::Flags(wit_parser::Flags { flags: out })
            }
            ast::TypeDefBody::Alias(_) => unreachable!("aliases are handled above"),
        };
        let empty = match &kind {
            TypeDefKind::Variant(v) => v.cases.is_empty(),
            TypeDefKind::Enum(e) => e.cases.is_empty(),
            TypeDefKind::Flags(f) => f.flags.is_empty(),
            _ => false,
        };
        if let TypeDefKind::Flags(f) = &kind
            && f.flags.len() > MAX_FLAGS
        {
            self.diagnostics.push(
                Diagnostic::error(
                    "too-many-flags",
                    format!(
                        "`{}` has {} flags; the Component Model allows at most {MAX_FLAGS}",
                        def.name.name,
                        f.flags.len()
                    ),
                    def.name.span,
                    format!("more than {MAX_FLAGS} flags"),
                )
                .with_help("split it into several flags types"),
            );
        }
        if empty {
            let what = if matches!(kind, TypeDefKind::Flags(_)) { "flag" } else { "case" };
            self.diagnostics.push(Diagnostic::error(
                "empty-type",
                format!("`{}` has no {what}s", def.name.name),
                def.name.span,
                format!("needs at least one {what}"),
            ));
        }
        let id = self.resolve.types.alloc(wit_parser::TypeDef {
            name: Some(def.name.name.clone()),
            kind,
            owner: wit_parser::TypeOwner::None,
            docs: wit_parser::Docs { contents: (!def.docs.is_empty()).then(|| def.docs.clone()) },
            stability: Default::default(),
            span: Default::default(),
            external_id: Default::default(),
        });
        if matches!(def.body, ast::TypeDefBody::Enum(_)) { Ty::Enum(id) } else { Ty::Def(id) }
    }

    fn signature(&mut self, sig: &ast::FuncSig) -> Signature {
        let mut params = Vec::new();
        let mut seen: HashMap<&str, Span> = HashMap::new();
        for p in &sig.params {
            if let Some(first) = seen.get(p.name.name.as_str()) {
                self.diagnostics.push(
                    Diagnostic::error(
                        "duplicate-parameter",
                        format!("parameter `{}` is declared twice", p.name.name),
                        p.name.span,
                        "declared again here",
                    )
                    .with_label(*first, "first declared here"),
                );
            }
            seen.insert(&p.name.name, p.name.span);
            let ty = self.resolve_type(&p.ty);
            params.push((p.name.name.clone(), ty));
        }
        let result = sig.result.as_ref().map(|t| self.resolve_type(t));
        Signature { params, result, span: sig.span }
    }

    /// First pass: imports, globals and function signatures, so that items
    /// may be used before they are defined.
    fn collect(&mut self, file: &ast::File) {
        for name in &file.recovered_names {
            self.names.entry(name.clone()).or_insert(Binding::Type(Ty::Error));
        }
        // Imports first: their types may be used by every signature.
        for item in &file.items {
            if let ast::Item::ImportFrom(import) = item {
                self.import_from(import);
            }
        }
        self.declare_resources(file);
        self.declare_types(file);
        self.define_types(file);
        let mut external_names: HashMap<&str, Span> = HashMap::new();
        for item in &file.items {
            match item {
                ast::Item::Import(import) => {
                    if let Some(first) = external_names.insert(&import.name.name, import.name.span) {
                        self.diagnostics.push(
                            Diagnostic::error(
                                "duplicate-import",
                                format!("the function `{}` is imported twice", import.name.name),
                                import.name.span,
                                "imported again here",
                            )
                            .with_label(first, "first imported here")
                            .with_note("a world has one import of each name, with one signature"),
                        );
                    }
                    let sig = self.signature(&import.sig);
                    let id = ImportId(self.module.imports.len() as u32);
                    self.module.imports.push(ir::ImportFunc {
                        name: import.name.name.clone(),
                        interface: None,
                        params: sig.params.clone(),
                        result: sig.result,
                        docs: import.docs.clone(),
                        of_export: None,
                    });
                    self.import_signatures.push(sig);
                    let local = import.alias.as_ref().unwrap_or(&import.name);
                    self.define(local, Binding::Import(id));
                }
                ast::Item::Func(func) => {
                    let sig = self.signature(&func.sig);
                    self.add_func(func, sig, None, None);
                }
                ast::Item::Global(global) => self.global(global),
                ast::Item::ExportInterface(export) => self.export_interface(export),
                ast::Item::ExportInline(export) => self.export_inline(export),
                ast::Item::Resource(def) => {
                    self.diagnostics.push(
                        Diagnostic::error(
                            "resource-outside-interface",
                            format!("resource `{}` is not in an exported interface", def.name.name),
                            def.name.span,
                            "defined at the top level",
                        )
                        .with_note("a component exports a resource through an interface; WIT has no world-level exported resources")
                        .with_help(format!("declare `{}` in a WIT interface and define it inside `export ns:pkg/iface {{ ... }}`", def.name.name)),
                    );
                }
                // Tests, mocks and component paths are compiled only by
                // `clawc test`, which turns them into ordinary items first.
                ast::Item::ImportFrom(_)
                | ast::Item::TypeDef(_)
                | ast::Item::Test(_)
                | ast::Item::Mock(_)
                | ast::Item::Component(_)
                | ast::Item::Error(_) => {}
            }
        }
        self.finish_resources();
    }

    /// Registers a function and its signature.
    fn add_func(
        &mut self,
        func: &ast::FuncDef,
        sig: Signature,
        interface: Option<InterfaceId>,
        inline_interface: Option<String>,
    ) {
        let id = FuncId(self.module.funcs.len() as u32);
        let in_interface = interface.is_some() || inline_interface.is_some();
        if func.exported && !in_interface && self.module.inline_interfaces.contains(&func.name.name) {
            self.diagnostics.push(Diagnostic::error(
                "duplicate-definition",
                format!("`{}` is already exported as an interface", func.name.name),
                func.name.span,
                "exported again here",
            ));
        }
        self.module.funcs.push(ir::Function {
            name: func.name.name.clone(),
            exported: func.exported,
            interface,
            inline_interface,
            docs: func.docs.clone(),
            result: sig.result,
            ..Default::default()
        });
        self.signatures.push(sig);
        // Functions of an exported interface are not in the file's scope:
        // their names belong to the interface.
        if !in_interface {
            self.define(&func.name, Binding::Func(id));
        }
    }

    /// `export ns:pkg/iface { ... }`: every function of the interface, with
    /// its exact signature, and nothing else.
    fn export_interface(&mut self, export: &ast::ExportInterface) {
        let interface = self.find_interface(&export.path);
        if let Some(id) = interface {
            if self.module.exported_interfaces.contains(&id) {
                self.diagnostics.push(Diagnostic::error(
                    "duplicate-definition",
                    format!("interface `{}` is exported twice", iface_display(&self.resolve, id)),
                    export.path.span,
                    "exported again here",
                ));
            }
            self.module.exported_interfaces.push(id);
        }
        let iface = interface.map(|id| self.resolve.interfaces[id].clone());
        let iface_name = interface.map(|id| iface_display(&self.resolve, id)).unwrap_or_default();
        let mut seen: HashMap<String, Span> = HashMap::new();
        self.define_resources(&export.resources, &defined::Home::Wit(interface), &mut seen);
        for func in &export.funcs {
            self.type_scope = interface;
            let sig = self.signature(&func.sig);
            self.type_scope = None;
            if let Some(first) = seen.insert(func.name.name.clone(), func.name.span) {
                self.diagnostics.push(
                    Diagnostic::error(
                        "duplicate-definition",
                        format!("function `{}` is defined more than once", func.name.name),
                        func.name.span,
                        "defined again here",
                    )
                    .with_label(first, "first defined here"),
                );
            }
            if let Some(iface) = &iface {
                match iface.functions.get(&func.name.name) {
                    None => {
                        let names: Vec<&str> = iface.functions.keys().map(|s| s.as_str()).collect();
                        let suggestions = similar(&func.name.name, names.iter().copied());
                        let mut d = Diagnostic::error(
                            "not-in-interface",
                            format!("interface `{iface_name}` has no function `{}`", func.name.name),
                            func.name.span,
                            "not in the interface",
                        )
                        .with_note("an exported interface defines exactly the interface's functions");
                        if !suggestions.is_empty() {
                            d = d.with_help(format!("did you mean {}?", one_of(&suggestions)));
                        }
                        self.diagnostics.push(d);
                    }
                    Some(wit_func) => self.compare_signature(&iface_name, wit_func, &sig, func),
                }
            }
            self.add_func(func, sig, interface, None);
        }
        if let Some(iface) = &iface {
            // Functions of resources are reported per resource.
            self.missing_resource_functions(export, iface, &iface_name, &seen);
            let missing: Vec<String> = iface
                .functions
                .keys()
                .filter(|name| !seen.contains_key(name.as_str()) && !name.starts_with('['))
                .map(|name| format!("`{name}`"))
                .collect();
            if !missing.is_empty() {
                let signatures: Vec<String> = iface
                    .functions
                    .values()
                    .filter(|f| !seen.contains_key(f.name.as_str()) && !f.name.starts_with('['))
                    .map(|f| format!("func {}{}", f.name, self.wit_signature(f)))
                    .collect();
                self.diagnostics.push(
                    Diagnostic::error(
                        "missing-interface-function",
                        format!("interface `{iface_name}` also needs {}", missing.join(", ")),
                        export.path.span,
                        "this export is incomplete",
                    )
                    .with_help(format!("add {}", signatures.join("; "))),
                );
            }
        }
    }

    /// `export name: interface { ... }`: an interface defined by its
    /// functions. Their types must be expressible inside an inline WIT
    /// interface: built-in and anonymous types, and types of imported
    /// interfaces (which the world brings in with `use`), but not the
    /// file's own type definitions, which live at the world level.
    fn export_inline(&mut self, export: &ast::ExportInline) {
        let name = export.name.name.clone();
        let clashes_with_func = self
            .module
            .funcs
            .iter()
            .any(|f| f.exported && f.name == name && f.interface.is_none() && f.inline_interface.is_none());
        if self.module.inline_interfaces.contains(&name) || clashes_with_func {
            self.diagnostics.push(Diagnostic::error(
                "duplicate-definition",
                format!("`{name}` is exported twice"),
                export.name.span,
                "exported again here",
            ));
        } else {
            self.module.inline_interfaces.push(name.clone());
        }
        self.define_resources(&export.resources, &defined::Home::Inline(name.clone()), &mut HashMap::new());
        let mut seen: HashMap<&str, Span> = HashMap::new();
        for func in &export.funcs {
            let sig = self.signature(&func.sig);
            if let Some(first) = seen.insert(&func.name.name, func.name.span) {
                self.diagnostics.push(
                    Diagnostic::error(
                        "duplicate-definition",
                        format!("function `{}` is defined more than once", func.name.name),
                        func.name.span,
                        "defined again here",
                    )
                    .with_label(first, "first defined here"),
                );
            }
            self.check_inline_types(&sig, func.sig.span);
            self.add_func(func, sig, None, Some(name.clone()));
        }
    }

    /// Reports a signature of an inline interface that names a type the
    /// file defines (those live at the world level; resources the file
    /// defines are checked by `check_world_level_uses`).
    fn check_inline_types(&mut self, sig: &Signature, span: Span) {
        let types: Vec<Ty> = sig.params.iter().map(|(_, t)| *t).chain(sig.result).collect();
        for ty in types {
            let mut named = Vec::new();
            if let Some(wit) = ty.to_wit() {
                crate::component::collect_named_types(&self.resolve, &wit, &mut named);
            }
            if let Some(local) = named
                .iter()
                .find(|id| self.resolve.types[**id].owner == wit_parser::TypeOwner::None && !self.is_defined(**id))
            {
                let type_name = self.resolve.types[*local].name.clone().unwrap_or_default();
                self.diagnostics.push(
                    Diagnostic::error(
                        "unsupported-type",
                        format!("`{type_name}` is defined in this file, so an inline interface cannot use it yet"),
                        span,
                        format!("uses `{type_name}`"),
                    )
                    .with_help("define the interface in WIT and export it with `export ns:pkg/iface { ... }`, or use the function at the world level"),
                );
                break;
            }
        }
    }

    /// A WIT function's signature as Claw text: `(a: u32) -> string`.
    fn wit_signature(&mut self, f: &wit_parser::Function) -> String {
        let params: Vec<String> =
            f.params.iter().map(|p| format!("{}: {}", p.name, display_wit(&self.resolve, &p.ty))).collect();
        match &f.result {
            Some(r) => format!("({}) -> {}", params.join(", "), display_wit(&self.resolve, r)),
            None => format!("({})", params.join(", ")),
        }
    }

    /// The WIT function's parameter and result types, when `sig` differs
    /// from them (and has no error type, which was reported already).
    fn signature_differs(&mut self, wit_func: &wit_parser::Function, sig: &Signature) -> Option<(Vec<Ty>, Option<Ty>)> {
        let wit_params: Vec<Ty> = wit_func.params.iter().map(|p| self.from_wit(&p.ty)).collect();
        let wit_result = wit_func.result.map(|t| self.from_wit(&t));
        let mine: Vec<Ty> = sig.params.iter().map(|(_, t)| *t).collect();
        let has_error = mine.iter().chain(sig.result.iter()).any(|t| *t == Ty::Error);
        (!has_error && (mine != wit_params || sig.result != wit_result)).then_some((wit_params, wit_result))
    }

    /// Reports a function of an exported interface whose signature differs
    /// from the WIT one (parameter names may differ).
    fn compare_signature(
        &mut self,
        iface: &str,
        wit_func: &wit_parser::Function,
        sig: &Signature,
        func: &ast::FuncDef,
    ) {
        if self.signature_differs(wit_func, sig).is_none() {
            return;
        }
        let mine_text: Vec<String> = sig.params.iter().map(|(n, t)| format!("{n}: {}", self.ty_name(*t))).collect();
        let mine_text = match sig.result {
            Some(r) => format!("({}) -> {}", mine_text.join(", "), self.ty_name(r)),
            None => format!("({})", mine_text.join(", ")),
        };
        let expected = self.wit_signature(wit_func);
        self.diagnostics.push(
            Diagnostic::error(
                "interface-signature-mismatch",
                format!("`{}` does not have the signature interface `{iface}` gives it", func.name.name),
                func.sig.span,
                format!("this is `func{mine_text}`"),
            )
            .with_note(format!("the interface declares `func {}{expected}`", func.name.name)),
        );
    }

    fn global(&mut self, global: &ast::Global) {
        let ty = match &global.ty {
            Some(t) => self.resolve_type(t),
            None => {
                self.diagnostics.push(
                    Diagnostic::error(
                        "global-missing-type",
                        format!("global `{}` needs a type annotation", global.name.name),
                        global.name.span,
                        "type needed here",
                    )
                    .with_help(format!("write `let {}: TYPE = ...;`", global.name.name)),
                );
                Ty::Error
            }
        };

        // Compound values are built by the module's init function (see `check_inits`).
        let init = if matches!(ty, Ty::Def(_)) { Const::Zero } else { self.constant(&global.init, ty) };
        let id = GlobalId(self.module.globals.len() as u32);
        self.module.globals.push(ir::Global { name: global.name.name.clone(), ty, mutable: global.mutable, init });
        self.define(&global.name, Binding::Global(id));
    }

    /// Evaluates a global's initializer, which must be a literal of its type
    /// (numeric literals may be negated and parenthesised).
    fn constant(&mut self, expr: &ast::Expr, ty: Ty) -> Const {
        let fallback = Const::Bool(false);
        match fold_number(expr) {
            Some(Folded::Int(value, saturated)) => {
                return self.int_literal(value, saturated, ty, expr.span).unwrap_or(fallback);
            }
            Some(Folded::Float(f)) => return self.float_literal(f, ty, expr.span).unwrap_or(fallback),
            None => {}
        }
        let expr = strip_parens(expr);
        let found = match &expr.kind {
            A::Str(s) if matches!(ty, Ty::String | Ty::Error) => return Const::Str(s.clone()),
            A::Char(c) if matches!(ty, Ty::Char | Ty::Error) => return Const::Char(*c),
            A::Bool(b) if matches!(ty, Ty::Bool | Ty::Error) => return Const::Bool(*b),
            A::Path(type_name, case) => {
                // Errors in the path itself are reported by `value_path`.
                if let Some((t, index)) = self.value_path(type_name, case) {
                    if t == ty || ty == Ty::Error {
                        return Const::EnumCase(index);
                    }
                    self.mismatch(ty, t, expr.span, None);
                }
                return fallback;
            }
            A::Str(_) => Ty::String,
            A::Char(_) => Ty::Char,
            A::Bool(_) => Ty::Bool,
            _ => {
                self.diagnostics.push(
                    Diagnostic::error(
                        "non-constant-global",
                        "a global's initializer must be a constant",
                        expr.span,
                        "not a constant",
                    )
                    .with_help("initialize the global with a literal and assign it in a function"),
                );
                return fallback;
            }
        };
        self.mismatch(ty, found, expr.span, None);
        fallback
    }

    fn int_literal(&mut self, value: i128, saturated: bool, ty: Ty, span: Span) -> Option<Const> {
        if ty.is_float() && saturated {
            self.diagnostics.push(
                Diagnostic::error(
                    "literal-out-of-range",
                    format!("integer literal too large for `{}`", self.ty_name(ty)),
                    span,
                    "integer literals must fit in 64 bits",
                )
                .with_help("write large floats as float literals, like `1e20`"),
            );
            return None;
        }
        if ty.is_float() {
            return Some(if ty == Ty::F32 { Const::F32(value as f32) } else { Const::F64(value as f64) });
        }
        if ty == Ty::Error {
            return Some(Const::Int(0));
        }
        let Some((min, max)) = ty.int_range() else {
            self.diagnostics.push(Diagnostic::error(
                "type-mismatch",
                format!("expected `{}`, found an integer literal", self.ty_name(ty)),
                span,
                format!("expected `{}`", self.ty_name(ty)),
            ));
            return None;
        };
        if saturated || value < min || value > max {
            let shown = if saturated { "this literal".to_string() } else { format!("`{value}`") };
            let mut d = Diagnostic::error(
                "literal-out-of-range",
                format!("literal out of range for `{}`", self.ty_name(ty)),
                span,
                format!("{shown} does not fit in `{}`", self.ty_name(ty)),
            )
            .with_note(format!("the range of `{}` is {min} to {max}", self.ty_name(ty)));
            if value < 0 && !ty.is_signed() {
                d = d.with_help("unsigned types cannot hold negative values");
            }
            self.diagnostics.push(d);
            return None;
        }
        Some(Const::Int(value))
    }

    fn float_literal(&mut self, value: f64, ty: Ty, span: Span) -> Option<Const> {
        match ty {
            Ty::F32 => {
                if value.is_finite() && !(value as f32).is_finite() {
                    self.diagnostics.push(Diagnostic::error(
                        "literal-out-of-range",
                        "literal out of range for `f32`",
                        span,
                        "this is infinite as an `f32`",
                    ));
                    return None;
                }
                Some(Const::F32(value as f32))
            }
            Ty::F64 => Some(Const::F64(value)),
            Ty::Error => Some(Const::F64(value)),
            _ => {
                let mut d = Diagnostic::error(
                    "type-mismatch",
                    format!("expected `{}`, found a float literal", self.ty_name(ty)),
                    span,
                    format!("expected `{}`", self.ty_name(ty)),
                );
                if ty.is_int() {
                    d = d.with_help(format!("convert with `as {}` if truncation is intended", self.ty_name(ty)));
                }
                self.diagnostics.push(d);
                None
            }
        }
    }

    fn mismatch(&mut self, expected: Ty, found: Ty, span: Span, cause: Option<(Span, String)>) {
        if expected == Ty::Error || found == Ty::Error || expected == found {
            return;
        }
        let mut d = Diagnostic::error(
            "type-mismatch",
            format!("mismatched types: expected `{}`, found `{}`", self.ty_name(expected), self.ty_name(found)),
            span,
            format!("expected `{}`, found `{}`", self.ty_name(expected), self.ty_name(found)),
        );
        if let Some((span, message)) = cause {
            d = d.with_label(span, message);
        }
        if expected.is_numeric() && found.is_numeric() {
            d = d.with_help(format!("convert with `as {}`", self.ty_name(expected)));
        }
        if found == Ty::String && self.ty_name(expected) == "list<u8>" {
            d = d.with_help("`s.bytes()` is the string's UTF-8 as a `list<u8>`");
        }
        self.diagnostics.push(d);
    }

    /// Finds the package a WIT path names, reporting an error if there is none.
    fn find_package(&mut self, path: &ast::WitPath) -> Option<PackageId> {
        let ns = &path.namespace.name;
        let name = &path.package.name;
        let candidates: Vec<PackageId> = self
            .resolve
            .packages
            .iter()
            .filter(|(_, p)| &p.name.namespace == ns && &p.name.name == name)
            .map(|(id, _)| id)
            .collect();
        let pkg_span = path.namespace.span.to(path.package.span);
        if candidates.is_empty() {
            let known: Vec<String> =
                self.resolve.packages.iter().map(|(_, p)| format!("{}:{}", p.name.namespace, p.name.name)).collect();
            let wanted = format!("{ns}:{name}");
            let suggestions = similar(&wanted, known.iter().map(|s| s.as_str()));
            let mut d = Diagnostic::error(
                "unknown-package",
                format!("unknown WIT package `{wanted}`"),
                pkg_span,
                "no package with this name is known",
            );
            d = if suggestions.is_empty() {
                let mut all = known.clone();
                all.sort();
                all.dedup();
                d.with_note(format!("known packages: {}", all.join(", ")))
            } else {
                d.with_help(format!("did you mean {}?", one_of(&suggestions)))
            };
            self.diagnostics.push(d.with_note("pass `--wit DIR` to add the WIT packages in DIR"));
            return None;
        }
        match &path.version {
            Some((version, span)) => {
                let found = candidates.iter().copied().find(|id| {
                    self.resolve.packages[*id].name.version.as_ref().map(|v| v.to_string()).as_deref()
                        == Some(version.as_str())
                });
                if found.is_none() {
                    let versions: Vec<String> = candidates
                        .iter()
                        .filter_map(|id| self.resolve.packages[*id].name.version.as_ref().map(|v| v.to_string()))
                        .collect();
                    self.diagnostics.push(
                        Diagnostic::error(
                            "unknown-package-version",
                            format!("version {version} of `{ns}:{name}` is not known"),
                            *span,
                            "unknown version",
                        )
                        .with_note(format!("known versions: {}", versions.join(", "))),
                    );
                }
                found
            }
            None if candidates.len() == 1 => Some(candidates[0]),
            // In a test file the components under test bring their own
            // versions of packages (WASI): take the newest when they are
            // all semver-compatible, as wasmtime links them.
            None if self.testing.is_test_file && let Some(newest) = self.newest_compatible(&candidates) => Some(newest),
            None => {
                let versions: Vec<String> = candidates
                    .iter()
                    .filter_map(|id| self.resolve.packages[*id].name.version.as_ref().map(|v| format!("@{v}")))
                    .collect();
                self.diagnostics.push(
                    Diagnostic::error(
                        "ambiguous-package",
                        format!("several versions of `{ns}:{name}` are known"),
                        pkg_span,
                        "which version?",
                    )
                    .with_help(format!("add a version: {}", versions.join(", "))),
                );
                None
            }
        }
    }

    /// The candidate with the highest version, when every candidate has a
    /// version compatible with it (same major, or same minor for `0.x`).
    fn newest_compatible(&self, candidates: &[PackageId]) -> Option<PackageId> {
        let version = |id: &PackageId| self.resolve.packages[*id].name.version.clone();
        let newest = candidates.iter().copied().max_by_key(|id| version(id))?;
        let top = version(&newest)?;
        let track = |v: &semver::Version| if v.major == 0 { (0, v.minor) } else { (v.major, 0) };
        candidates.iter().all(|id| version(id).is_some_and(|v| track(&v) == track(&top))).then_some(newest)
    }

    fn import_from(&mut self, import: &ast::ImportFrom) {
        let Some(interface) = self.find_interface(&import.path) else {
            self.poison_names(import);
            return;
        };
        if !self.module.interfaces.contains(&interface) {
            self.module.interfaces.push(interface);
        }
        for name in &import.names {
            let local = name.alias.as_ref().unwrap_or(&name.name);
            match self.interface_item(interface, &name.name) {
                Some(binding) => {
                    self.define(local, binding);
                }
                None => {
                    self.define(local, Binding::Type(Ty::Error));
                }
            }
        }
    }

    /// The interface `ns:pkg/iface[@version]` names; reports an unknown one.
    fn find_interface(&mut self, path: &ast::WitPath) -> Option<InterfaceId> {
        let package = self.find_package(path)?;
        let Some(&interface) = self.resolve.packages[package].interfaces.get(&path.interface.name) else {
            let names: Vec<&str> = self.resolve.packages[package].interfaces.keys().map(|s| s.as_str()).collect();
            let suggestions = similar(&path.interface.name, names.iter().copied());
            let pkg = &self.resolve.packages[package].name;
            let mut d = Diagnostic::error(
                "unknown-interface",
                format!("package `{pkg}` has no interface `{}`", path.interface.name),
                path.interface.span,
                "no such interface",
            );
            d = if suggestions.is_empty() {
                d.with_note(format!("its interfaces are: {}", names.join(", ")))
            } else {
                d.with_help(format!("did you mean {}?", one_of(&suggestions)))
            };
            self.diagnostics.push(d);
            return None;
        };
        Some(interface)
    }

    /// Defines the names of a failed import as errors, so their uses are not
    /// reported again.
    fn poison_names(&mut self, import: &ast::ImportFrom) {
        for name in &import.names {
            let local = name.alias.as_ref().unwrap_or(&name.name);
            self.names.entry(local.name.clone()).or_insert(Binding::Type(Ty::Error));
        }
    }

    fn interface_item(&mut self, interface: InterfaceId, name: &ast::Ident) -> Option<Binding> {
        let iface = self.resolve.interfaces[interface].clone();
        let iface_name = iface_display(&self.resolve, interface);
        if iface.functions.contains_key(&name.name) {
            return self.import_function(interface, &name.name, name.span).map(Binding::Import);
        }
        if let Some(&type_id) = iface.types.get(&name.name) {
            return match self.interner.from_wit(&mut self.resolve, &wit_parser::Type::Id(type_id)) {
                Ok(t) => Some(Binding::Type(t)),
                Err(kind) => {
                    self.diagnostics.push(Diagnostic::error(
                        "unsupported-type",
                        format!("`{}` is a {kind} type, which Claw cannot use yet", name.name),
                        name.span,
                        "imported here",
                    ));
                    None
                }
            };
        }
        let mut names: Vec<&str> = iface.functions.keys().map(|s| s.as_str()).collect();
        names.extend(iface.types.keys().map(|s| s.as_str()));
        let suggestions = similar(&name.name, names.iter().copied());
        let mut d = Diagnostic::error(
            "unknown-import",
            format!("interface `{iface_name}` has no function or type `{}`", name.name),
            name.span,
            "not in this interface",
        );
        d = if suggestions.is_empty() {
            d.with_note(format!("it has: {}", names.join(", ")))
        } else {
            d.with_help(format!("did you mean {}?", one_of(&suggestions)))
        };
        self.diagnostics.push(d);
        None
    }

    fn check_bodies(&mut self, file: &ast::File) {
        for (index, func) in file.funcs().enumerate() {
            {
                let id = FuncId(index as u32);
                let interface = self.module.funcs[id.index()].interface;
                let inline_interface = self.module.funcs[id.index()].inline_interface.clone();
                // Resource functions are named by WIT (`[method]R.m`), and a
                // constructor may be private.
                let (name, exported) = {
                    let f = &self.module.funcs[id.index()];
                    (f.name.clone(), f.exported)
                };
                self.type_scope = interface;
                let body_checker = BodyChecker {
                    checker: self,
                    func: id,
                    function: ir::Function {
                        name,
                        exported,
                        interface,
                        inline_interface,
                        docs: func.docs.clone(),
                        ..Default::default()
                    },
                    scopes: vec![HashMap::new()],
                    loop_depth: 0,
                    recovered: has_error_stmt(&func.body.stmts),
                    owned_scopes: vec![Vec::new()],
                    loop_marks: Vec::new(),
                    moved: HashMap::new(),
                    local_loop: HashMap::new(),
                    in_return: false,
                    lent: std::collections::HashSet::new(),
                    lending_place: false,
                    lent_roots: Vec::new(),
                };
                let function = body_checker.check_function(func);
                self.module.funcs[id.index()] = function;
                self.type_scope = None;
            }
        }
        self.check_inits(file);
        self.finish_retire();
    }

    /// Checks the initializers of compound globals (constant expressions:
    /// literals, compound literals and cases) into [`ir::Module::init`].
    fn check_inits(&mut self, file: &ast::File) {
        let globals: Vec<(GlobalId, &ast::Global)> = file
            .items
            .iter()
            .filter_map(|item| match item {
                ast::Item::Global(g) => Some(&**g),
                _ => None,
            })
            .enumerate()
            .map(|(i, g)| (GlobalId(i as u32), g))
            .filter(|(id, _)| matches!(self.module.globals.get(id.index()).map(|g| g.ty), Some(Ty::Def(_))))
            .collect();
        if globals.is_empty() {
            return;
        }
        let mut body_checker = BodyChecker {
            checker: self,
            // Never read: constant expressions contain no `return` or `?`.
            func: FuncId(u32::MAX),
            function: ir::Function { name: "global initializers".into(), ..Default::default() },
            scopes: vec![HashMap::new()],
            loop_depth: 0,
            recovered: false,
            owned_scopes: vec![Vec::new()],
            loop_marks: Vec::new(),
            moved: HashMap::new(),
            local_loop: HashMap::new(),
            in_return: false,
            lent: std::collections::HashSet::new(),
            lending_place: false,
            lent_roots: Vec::new(),
        };
        for (id, global) in globals {
            if let Some(span) = non_constant(&global.init) {
                body_checker.checker.diagnostics.push(
                    Diagnostic::error(
                        "non-constant-global",
                        "a global's initializer must be a constant",
                        span,
                        "not a constant",
                    )
                    .with_note(
                        "constants are literals, `[..]`, `(..)`, `{..}`, cases and `some`/`ok`/`err` of constants",
                    )
                    .with_help("initialize the global with a constant and assign it in a function"),
                );
                continue;
            }
            let ty = body_checker.checker.module.globals[id.index()].ty;
            let value = body_checker.check(&global.init, ty);
            body_checker.function.body.push(ir::Stmt::Assign(Place::Global(id), value));
        }
        let init = body_checker.function;
        self.module.init = Some(init);
    }
}

/// The most flags one `flags` type may have (the Component Model's limit,
/// which validation enforces).
const MAX_FLAGS: usize = 32;

/// The list methods typed by [`BodyChecker::list_method`].
const LIST_ELEMENT_METHODS: [&str; 4] = ["get", "contains", "push", "pop"];

/// The span of the first part of `expr` that is not a constant expression.
fn non_constant(expr: &ast::Expr) -> Option<Span> {
    fn all<'e>(mut items: impl Iterator<Item = &'e ast::Expr>) -> Option<Span> {
        items.find_map(non_constant)
    }
    match &expr.kind {
        A::Int(_) | A::Float(_) | A::Str(_) | A::Char(_) | A::Bool(_) | A::Path(..) => None,
        A::Name(n) if matches!(n.name.as_str(), "none" | "ok" | "err") => None,
        A::Paren(inner) => non_constant(inner),
        A::Unary { op: UnaryOp::Neg, operand } => non_constant(operand),
        A::List(items) | A::Tuple(items) => all(items.iter()),
        A::Braced(items) => all(items.iter().filter_map(|(_, v)| v.as_ref())),
        A::Call { callee, args } => match &callee.kind {
            A::Name(n) if matches!(n.name.as_str(), "some" | "ok" | "err") => all(args.iter()),
            A::Path(..) => all(args.iter()),
            _ => Some(expr.span),
        },
        _ => Some(expr.span),
    }
}

fn iface_display(resolve: &Resolve, id: InterfaceId) -> String {
    resolve.id_of(id).unwrap_or_else(|| "interface".to_string())
}

/// Checks one function body.
struct BodyChecker<'c> {
    checker: &'c mut Checker,
    func: FuncId,
    function: ir::Function,
    scopes: Vec<HashMap<String, LocalId>>,
    loop_depth: u32,
    /// The body had a syntax error: names it declared may be lost, so
    /// unbound names and missing returns are not reported (they would be
    /// follow-on errors).
    recovered: bool,
    /// The owning locals of each open scope, the function's parameters first
    /// (see `check/ownership.rs`).
    owned_scopes: Vec<Vec<LocalId>>,
    /// `owned_scopes.len()` where each enclosing loop's body starts.
    loop_marks: Vec<usize>,
    /// Owning locals that have moved (or may have), with where.
    moved: HashMap<LocalId, Span>,
    /// The loop depth at which each owning local was declared.
    local_loop: HashMap<LocalId, u32>,
    /// Checking the value of a `return` (a move there leaves the loop).
    in_return: bool,
    /// Locals bound by a `match` on a global (or on another such local)
    /// that holds handles: they do not own them, so they are lent and never
    /// moved or dropped (see `check/ownership.rs`).
    lent: std::collections::HashSet<LocalId>,
    /// Reading a place to lend it (`xs[0].name()`, `f(p.token)` with a
    /// `borrow` parameter): its parts are read without moving them.
    lending_place: bool,
    /// Locals whose handles an enclosing `for` lends, with the loop's span:
    /// they cannot be assigned or popped from until it ends.
    lent_roots: Vec<(LocalId, Span)>,
}

impl BodyChecker<'_> {
    fn check_function(mut self, func: &ast::FuncDef) -> ir::Function {
        let sig = &self.checker.signatures[self.func.index()];
        let mut params: Vec<(String, Ty)> = sig.params.clone();
        let mut result = sig.result;
        let member = self.checker.members.get(&self.func).copied();
        // Parameters are the first locals (codegen relies on it), so the
        // drop flags of owning ones are made after all of them.
        let mut declared = Vec::new();
        if let Some((_, ast::MemberKind::Method | ast::MemberKind::Destructor)) = member {
            // A method's first parameter is `self`.
            let (name, ty) = params.remove(0);
            declared.push((name, ty, func.name.span));
        }
        for ((name, ty), param) in params.iter().zip(&func.sig.params) {
            declared.push((name.clone(), *ty, param.name.span));
        }
        for (name, ty, span) in declared {
            let id = LocalId(self.function.locals.len() as u32);
            self.function.locals.push(ir::Local { name: name.clone(), ty, mutable: false, span, owned: None });
            if let Some(scope) = self.scopes.last_mut() {
                scope.insert(name, id);
            }
            self.function.params.push(id);
        }
        for id in self.function.params.clone() {
            let ty = self.function.local(id).ty;
            if self.checker.is_linear(ty) {
                self.make_owned(id, ty);
            }
        }
        // A constructor's body is checked as a function without a result
        // whose `return;`s then return the new instance.
        let mut constructor = None;
        if let Some((resource, ast::MemberKind::Constructor)) = member {
            result = None;
            constructor = match resource {
                Some(id) => Some((id, self.begin_constructor(id, func.name.span))),
                None => {
                    self.new_local("self", Ty::Error, false, func.name.span);
                    None
                }
            };
        }
        self.function.result = result;
        let mut body = self.block(&func.body);
        let params_owned = self.owned_scopes.first().cloned().unwrap_or_default();
        if !params_owned.is_empty() && completes(&body) {
            // Last declared first, as on every other way out.
            body.push(ir::Stmt::DropLocals(params_owned.into_iter().rev().collect()));
        }
        if let Some((id, (this, init))) = constructor {
            self.finish_constructor(id, this, &mut body, func.name.span);
            body.insert(0, init);
            self.function.result = self.checker.signatures[self.func.index()].result;
        }
        if self.is_test() && completes(&body) {
            let end = Span::new(func.body.span.end.saturating_sub(1), func.body.span.end);
            let ok = self.test_ok(end);
            body.extend(ok);
        }
        if let Some(result_ty) = result
            && result_ty != Ty::Error
            && completes(&body)
            && !self.recovered
        {
            let end = Span::new(func.body.span.end.saturating_sub(1), func.body.span.end);
            let result_span = func.sig.result.as_ref().map(|t| t.span).unwrap_or(func.sig.span);
            self.checker.diagnostics.push(
                Diagnostic::error(
                    "missing-return",
                    format!("function `{}` can reach its end without returning a value", func.name.name),
                    end,
                    "the function can end here without a `return`",
                )
                .with_label(result_span, format!("it must return a `{}`", self.checker.ty_name(result_ty)))
                .with_help("add a `return` on every path"),
            );
        }
        self.function.body = body;
        self.function
    }

    fn new_local(&mut self, name: &str, ty: Ty, mutable: bool, span: Span) -> LocalId {
        let id = LocalId(self.function.locals.len() as u32);
        self.function.locals.push(ir::Local { name: name.to_string(), ty, mutable, span, owned: None });
        if let Some(scope) = self.scopes.last_mut() {
            scope.insert(name.to_string(), id);
        }
        // Hidden locals (named "") hold values whose parts move elsewhere.
        if !name.is_empty() && self.checker.is_linear(ty) {
            self.make_owned(id, ty);
        }
        id
    }

    fn lookup_local(&self, name: &str) -> Option<LocalId> {
        self.scopes.iter().rev().find_map(|s| s.get(name).copied())
    }

    fn block(&mut self, block: &ast::Block) -> Vec<ir::Stmt> {
        crate::stack::grow(|| self.block_inner(block))
    }

    fn block_inner(&mut self, block: &ast::Block) -> Vec<ir::Stmt> {
        self.scopes.push(HashMap::new());
        self.owned_scopes.push(Vec::new());
        let mut out = Vec::new();
        for stmt in &block.stmts {
            if let Some(s) = self.stmt(stmt) {
                out.push(s);
            }
        }
        self.scopes.pop();
        let owned = self.owned_scopes.pop().unwrap_or_default();
        if !owned.is_empty() && completes(&out) {
            out.push(ir::Stmt::DropLocals(owned.into_iter().rev().collect()));
        }
        out
    }

    fn push_expr(&mut self, kind: ir::ExprKind, ty: Ty, span: Span) -> ExprId {
        let id = ExprId(self.function.exprs.len() as u32);
        self.function.exprs.push(ir::Expr { kind, ty });
        self.function.expr_spans.push(span);
        id
    }

    fn ty(&self, id: ExprId) -> Ty {
        self.function.exprs[id.index()].ty
    }

    fn error_expr(&mut self, span: Span) -> ExprId {
        self.push_expr(ir::ExprKind::Error, Ty::Error, span)
    }

    fn stmt(&mut self, stmt: &ast::Stmt) -> Option<ir::Stmt> {
        crate::stack::grow(|| self.stmt_inner(stmt))
    }

    fn stmt_inner(&mut self, stmt: &ast::Stmt) -> Option<ir::Stmt> {
        Some(match &stmt.kind {
            StmtKind::Let { mutable, name, ty, value } => {
                let declared = ty.as_ref().map(|t| self.checker.resolve_type(t));
                let value = match declared {
                    Some(t) => self.check(value, t),
                    None => self.infer(value),
                };
                let ty = declared.unwrap_or_else(|| self.ty(value));
                if ty == Ty::Unit {
                    self.checker.diagnostics.push(
                        Diagnostic::error(
                            "unit-value",
                            format!("`{}` would have no value: the call returns nothing", name.name),
                            self.function.expr_spans[value.index()],
                            "this returns no value",
                        )
                        .with_help("call the function as a statement instead"),
                    );
                }
                let local = self.new_local(&name.name, ty, *mutable, name.span);
                ir::Stmt::Let(local, value)
            }
            StmtKind::Assign { target, op, value } => return self.assign(target, *op, value),
            StmtKind::Expr(e) => {
                let value = self.infer(e);
                let ty = self.ty(value);
                // A discarded value that owns handles is dropped.
                match self.checker.is_linear(ty).then(|| self.checker.drop_callee(ty)).flatten() {
                    Some(callee) => {
                        ir::Stmt::Expr(self.push_expr(ir::ExprKind::Call(callee, vec![value]), Ty::Unit, e.span))
                    }
                    None => ir::Stmt::Expr(value),
                }
            }
            StmtKind::Assert { cond, message } => self.assert_stmt(cond, message.as_deref(), stmt.span),
            StmtKind::If(if_stmt) => self.if_stmt(if_stmt),
            StmtKind::While { cond, body } => {
                let cond = self.check(cond, Ty::Bool);
                self.loop_depth += 1;
                self.loop_marks.push(self.owned_scopes.len());
                let body = self.block(body);
                self.loop_marks.pop();
                self.loop_depth -= 1;
                ir::Stmt::While { cond, body }
            }
            StmtKind::Loop(body) => {
                self.loop_depth += 1;
                self.loop_marks.push(self.owned_scopes.len());
                let body = self.block(body);
                self.loop_marks.pop();
                self.loop_depth -= 1;
                ir::Stmt::Loop(body)
            }
            StmtKind::For { var, start, end, body } => {
                let (start, end, _) = self.operands(start, end, None, "..");
                let ty = self.ty(start);
                if !ty.is_int() && ty != Ty::Error {
                    self.checker.diagnostics.push(Diagnostic::error(
                        "type-mismatch",
                        format!("a `for` range must be of an integer type, not `{}`", self.checker.ty_name(ty)),
                        self.function.expr_spans[start.index()],
                        "not an integer",
                    ));
                }
                self.scopes.push(HashMap::new());
                let end_local = self.new_local("", ty, true, var.span);
                let var = self.new_local(&var.name, ty, false, var.span);
                self.loop_depth += 1;
                self.loop_marks.push(self.owned_scopes.len());
                let body = self.block(body);
                self.loop_marks.pop();
                self.loop_depth -= 1;
                self.scopes.pop();
                ir::Stmt::For { var, end_local, start, end, body }
            }
            StmtKind::ForEach { var: var_name, list: list_expr, body } => {
                // A list of handles in a variable is lent, element by element.
                let lending = self.is_place(list_expr);
                let list = if lending { self.lend_place(list_expr) } else { self.infer(list_expr) };
                let list_ty = self.ty(list);
                // The variable the lent list belongs to cannot change meanwhile.
                let lent_root = match self.place_root(list_expr) {
                    Some(n) if lending && self.checker.is_linear(list_ty) => self.lookup_local(&n.name),
                    _ => None,
                };
                let elem = match list_ty.def(&self.checker.resolve) {
                    Some(TypeDefKind::List(t)) => {
                        let t = *t;
                        self.checker.from_wit(&t)
                    }
                    _ => {
                        if list_ty != Ty::Error {
                            let name = self.checker.ty_name(list_ty);
                            self.checker.diagnostics.push(
                                Diagnostic::error(
                                    "type-mismatch",
                                    format!("`for` iterates over a list or a range, not `{name}`"),
                                    self.function.expr_spans[list.index()],
                                    format!("this is `{name}`"),
                                )
                                .with_help("write `for i in 0..n` to count"),
                            );
                        }
                        Ty::Error
                    }
                };
                let linear = self.checker.is_linear(elem);
                // A new list of handles is kept until the end of the block.
                let list = if linear && !lending {
                    let span = self.function.expr_spans[list.index()];
                    self.keep_temporary(list, span)
                } else {
                    list
                };
                self.scopes.push(HashMap::new());
                let list_local = self.new_local("", list_ty, false, var_name.span);
                let index = self.new_local("", Ty::U32, true, var_name.span);
                let var = if linear {
                    // A lent element: used through methods and `borrow`
                    // parameters, never moved or dropped here.
                    self.new_lent_local(&var_name.name, elem, var_name.span)
                } else {
                    self.new_local(&var_name.name, elem, false, var_name.span)
                };
                self.loop_depth += 1;
                self.loop_marks.push(self.owned_scopes.len());
                if let Some(root) = lent_root {
                    self.lent_roots.push((root, stmt.span));
                }
                let body = self.block(body);
                if lent_root.is_some() {
                    self.lent_roots.pop();
                }
                self.loop_marks.pop();
                self.loop_depth -= 1;
                self.scopes.pop();
                ir::Stmt::ForEach { var, list_local, index, list, body }
            }
            StmtKind::Break | StmtKind::Continue => {
                let is_break = matches!(stmt.kind, StmtKind::Break);
                if self.loop_depth == 0 {
                    let word = if is_break { "break" } else { "continue" };
                    self.checker.diagnostics.push(Diagnostic::error(
                        "outside-loop",
                        format!("`{word}` outside of a loop"),
                        stmt.span,
                        format!("`{word}` can only be used inside `while`, `loop` or `for`"),
                    ));
                    return None;
                }
                let jump = if is_break { ir::Stmt::Break } else { ir::Stmt::Continue };
                let drops = self.loop_owned();
                if drops.is_empty() { jump } else { ir::Stmt::Block(vec![ir::Stmt::DropLocals(drops), jump]) }
            }
            StmtKind::Return(value) => {
                let result = self.function.result;
                let name = self.function.name.clone();
                let result_span = self.checker.signatures[self.func.index()].span;
                match (value, result) {
                    (Some(v), Some(_)) if self.is_test() => self.test_return_value(v, stmt.span),
                    (Some(v), Some(t)) => {
                        self.in_return = true;
                        let value = self.check(v, t);
                        self.in_return = false;
                        let drops = self.all_owned();
                        if drops.is_empty() {
                            ir::Stmt::Return(Some(value))
                        } else {
                            // The value first (it may move owned locals), then the drops.
                            let hidden = self.new_local("", t, false, v.span);
                            let read = self.push_expr(ir::ExprKind::Local(hidden), t, v.span);
                            ir::Stmt::Block(vec![
                                ir::Stmt::Let(hidden, value),
                                ir::Stmt::DropLocals(drops),
                                ir::Stmt::Return(Some(read)),
                            ])
                        }
                    }
                    (Some(v), None) => {
                        let id = self.infer(v);
                        let _ = id;
                        self.checker.diagnostics.push(
                            Diagnostic::error(
                                "unexpected-return-value",
                                format!("function `{name}` has no result, but this returns a value"),
                                v.span,
                                "unexpected value",
                            )
                            .with_label(result_span, "no `-> TYPE` here")
                            .with_help("remove the value, or declare a result type"),
                        );
                        ir::Stmt::Return(None)
                    }
                    (None, Some(_)) if self.is_test() => ir::Stmt::Block(self.test_ok(stmt.span)),
                    (None, Some(t)) => {
                        if t != Ty::Error {
                            self.checker.diagnostics.push(
                                Diagnostic::error(
                                    "missing-return-value",
                                    format!("function `{name}` must return a `{}`", self.checker.ty_name(t)),
                                    stmt.span,
                                    "`return` without a value",
                                )
                                .with_label(result_span, "result type declared here"),
                            );
                        }
                        ir::Stmt::Return(None)
                    }
                    (None, None) => {
                        let drops = self.all_owned();
                        if drops.is_empty() {
                            ir::Stmt::Return(None)
                        } else {
                            ir::Stmt::Block(vec![ir::Stmt::DropLocals(drops), ir::Stmt::Return(None)])
                        }
                    }
                }
            }
            StmtKind::Match(m) => self.match_stmt(m),
            StmtKind::LetTuple { mutable, names, value } => {
                let names: Vec<(Option<&ast::Ident>, Option<u32>)> =
                    names.iter().enumerate().map(|(k, n)| (n.as_ref(), Some(k as u32))).collect();
                return self.destructure(value, *mutable, &names, None);
            }
            StmtKind::LetRecord { mutable, fields, value } => {
                let names: Vec<(Option<&ast::Ident>, Option<u32>)> =
                    fields.iter().map(|(_, n)| (Some(n), None)).collect();
                return self.destructure(value, *mutable, &names, Some(fields));
            }
            StmtKind::Error => return None,
        })
    }

    fn if_stmt(&mut self, if_stmt: &ast::IfStmt) -> ir::Stmt {
        crate::stack::grow(|| self.if_stmt_inner(if_stmt))
    }

    fn if_stmt_inner(&mut self, if_stmt: &ast::IfStmt) -> ir::Stmt {
        let cond = self.check(&if_stmt.cond, Ty::Bool);
        let before = self.moved.clone();
        let then = self.block(&if_stmt.then);
        // Each branch starts from what had moved before the `if`; after it,
        // anything moved on either branch may have moved.
        let after_then = std::mem::replace(&mut self.moved, before);
        let otherwise = match &if_stmt.otherwise {
            None => Vec::new(),
            Some(ast::Else::Block(b)) => self.block(b),
            Some(ast::Else::If(inner, _)) => vec![self.if_stmt(inner)],
        };
        if completes(&then) {
            for (local, span) in after_then {
                self.moved.entry(local).or_insert(span);
            }
        }
        ir::Stmt::If { cond, then, otherwise }
    }

    fn assign(&mut self, target: &ast::Expr, op: Option<(BinaryOp, Span)>, value: &ast::Expr) -> Option<ir::Stmt> {
        let target = strip_parens(target);
        if matches!(target.kind, A::Field { .. } | A::Index { .. }) {
            return self.assign_part(target, op, value);
        }
        let Some((place, ty)) = self.mutable_place(target, "assign to") else {
            self.infer(value);
            return None;
        };
        let value = match op {
            None => self.check(value, ty),
            Some((op, op_span)) => {
                let read_kind = match place {
                    Place::Local(l) => ir::ExprKind::Local(l),
                    Place::Global(g) => ir::ExprKind::Global(g),
                };
                let read = self.push_expr(read_kind, ty, target.span);
                let rhs = self.check(value, ty);
                let span = target.span.to(value.span);
                self.binary_result(op, op_span, read, rhs, span)
            }
        };
        // The variable holds a value again.
        if let Place::Local(l) = place {
            self.moved.remove(&l);
        }
        if let Place::Global(g) = place
            && self.checker.is_linear(ty)
            && let Some(retired) = self.checker.retire_list(ty)
        {
            // The new value first (it may read the global); the old one is
            // retired, and dropped when the export call ends: a `match` or
            // `for` up the stack may still be lending its handles.
            let hidden = self.new_local("", ty, false, target.span);
            let old = self.push_expr(ir::ExprKind::Global(g), ty, target.span);
            let retire = self.push_expr(ir::ExprKind::ListPush(Place::Global(retired), old), Ty::Unit, target.span);
            let read = self.push_expr(ir::ExprKind::Local(hidden), ty, target.span);
            return Some(ir::Stmt::Block(vec![
                ir::Stmt::Let(hidden, value),
                ir::Stmt::Expr(retire),
                ir::Stmt::Assign(place, read),
            ]));
        }
        Some(ir::Stmt::Assign(place, value))
    }

    /// `let (a, b) = value;` (`fields` is `None`, each name has its element
    /// index) or `let {x, y: b} = value;` (`fields` names the record fields).
    fn destructure(
        &mut self,
        value: &ast::Expr,
        mutable: bool,
        names: &[(Option<&ast::Ident>, Option<u32>)],
        fields: Option<&[(ast::Ident, ast::Ident)]>,
    ) -> Option<ir::Stmt> {
        let value = self.infer(value);
        let ty = self.ty(value);
        let span = self.function.expr_spans[value.index()];
        let kind = ty.def(&self.checker.resolve).cloned();
        let parts: Option<Vec<(String, wit_parser::Type)>> = match (&kind, fields) {
            (Some(TypeDefKind::Tuple(t)), None) if t.types.len() == names.len() => {
                Some(t.types.iter().enumerate().map(|(k, t)| (k.to_string(), *t)).collect())
            }
            (Some(TypeDefKind::Record(r)), Some(_)) => Some(r.fields.iter().map(|f| (f.name.clone(), f.ty)).collect()),
            _ => None,
        };
        let Some(parts) = parts else {
            if ty != Ty::Error {
                let name = self.checker.ty_name(ty);
                let what = match fields {
                    None => format!("a tuple of {} elements", names.len()),
                    Some(_) => "a record".to_string(),
                };
                self.checker.diagnostics.push(Diagnostic::error(
                    "type-mismatch",
                    format!("this `let` takes apart {what}, but the value is `{name}`"),
                    span,
                    format!("this is `{name}`"),
                ));
            }
            for (n, _) in names {
                if let Some(n) = n {
                    self.new_local(&n.name, Ty::Error, mutable, n.span);
                }
            }
            return None;
        };
        let hidden = self.new_local("", ty, false, span);
        let read = self.push_expr(ir::ExprKind::Local(hidden), ty, span);
        let mut stmts = vec![ir::Stmt::Let(hidden, value)];
        for (i, (name, index)) in names.iter().enumerate() {
            let index = match (index, fields) {
                (Some(k), _) => Some(*k),
                (None, Some(fields)) => {
                    let field = &fields[i].0;
                    let found = parts.iter().position(|(n, _)| *n == field.name);
                    if found.is_none() {
                        let record = self.checker.ty_name(ty);
                        let suggestions = similar(&field.name, parts.iter().map(|(n, _)| n.as_str()));
                        let mut d = Diagnostic::error(
                            "unknown-field",
                            format!("`{record}` has no field `{}`", field.name),
                            field.span,
                            "no such field",
                        );
                        if !suggestions.is_empty() {
                            d = d.with_help(format!("did you mean {}?", one_of(&suggestions)));
                        }
                        self.checker.diagnostics.push(d);
                    }
                    found.map(|k| k as u32)
                }
                (None, None) => None,
            };
            let Some(name) = name else {
                // `_` over a part that owns handles drops it.
                if let Some(k) = index {
                    let part_ty = self.checker.from_wit(&parts[k as usize].1);
                    if self.checker.is_linear(part_ty)
                        && let Some(callee) = self.checker.drop_callee(part_ty)
                    {
                        let part = self.push_expr(ir::ExprKind::Field(read, k), part_ty, span);
                        let call = self.push_expr(ir::ExprKind::Call(callee, vec![part]), Ty::Unit, span);
                        stmts.push(ir::Stmt::Expr(call));
                    }
                }
                continue;
            };
            let Some(index) = index else {
                self.new_local(&name.name, Ty::Error, mutable, name.span);
                continue;
            };
            let part_ty = self.checker.from_wit(&parts[index as usize].1);
            let part = self.push_expr(ir::ExprKind::Field(read, index), part_ty, name.span);
            let local = self.new_local(&name.name, part_ty, mutable, name.span);
            stmts.push(ir::Stmt::Let(local, part));
        }
        // A record's fields that are not named and own handles are dropped.
        if let Some(fields) = fields {
            for (k, (field_name, field_ty)) in parts.iter().enumerate() {
                if fields.iter().any(|(f, _)| f.name == *field_name) {
                    continue;
                }
                let part_ty = self.checker.from_wit(field_ty);
                if self.checker.is_linear(part_ty)
                    && let Some(callee) = self.checker.drop_callee(part_ty)
                {
                    let part = self.push_expr(ir::ExprKind::Field(read, k as u32), part_ty, span);
                    let call = self.push_expr(ir::ExprKind::Call(callee, vec![part]), Ty::Unit, span);
                    stmts.push(ir::Stmt::Expr(call));
                }
            }
        }
        Some(ir::Stmt::Block(stmts))
    }

    /// `a.b[i].c = value` (or `op=`): rebuilds the variable's value with the
    /// part replaced (value semantics: other copies are unchanged) and
    /// assigns it back. Index expressions are evaluated once, first.
    fn assign_part(&mut self, target: &ast::Expr, op: Option<(BinaryOp, Span)>, value: &ast::Expr) -> Option<ir::Stmt> {
        self.assign_part_with(target, PartValue::Source(op, value))
    }

    /// [`Self::assign_part`], with the new value written in the source or
    /// already checked.
    fn assign_part_with(&mut self, target: &ast::Expr, value: PartValue<'_>) -> Option<ir::Stmt> {
        let mut root = target;
        while let A::Field { base, .. } | A::Index { base, .. } = &root.kind {
            root = strip_parens(base);
        }
        // A field of a resource defined here is changed in place through
        // any handle to it (`self.count += 1`).
        let through_handle = match &root.kind {
            A::Name(n) => self.lookup_local(&n.name).is_some_and(|l| {
                let ty = self.function.local(l).ty;
                // (`Ty::Error`: a `self` whose resource was already reported.)
                ty == Ty::Error || ty.handle(&self.checker.resolve).is_some_and(|(_, r)| self.checker.is_defined(r))
            }),
            _ => false,
        };
        if !through_handle {
            let Some((_, root_ty)) = self.mutable_place(root, "assign to") else {
                value.check_for_errors(self);
                return None;
            };
            if self.checker.is_linear(root_ty) {
                // Rebuilding the value around the new part would copy the
                // handles of the other parts, and dropping the old value
                // would end them.
                self.checker.diagnostics.push(
                    Diagnostic::error(
                        "invalid-assignment",
                        "cannot assign to a part of a value that owns resource handles",
                        target.span,
                        "assigns a part",
                    )
                    .with_help("take the value apart (`let (a, b) = v;`), build a new one, and assign it whole"),
                );
                value.check_for_errors(self);
                return None;
            }
        }
        // The target is read only to find the place (and, for `op=`, its
        // value): reading it moves nothing.
        let lending = std::mem::replace(&mut self.lending_place, true);
        let read = self.infer(target);
        self.lending_place = lending;
        let ty = self.ty(read);
        if ty == Ty::Error {
            value.check_for_errors(self);
            return None;
        }
        // The steps from the variable to the part, innermost first.
        let mut steps = Vec::new();
        let mut prelude = Vec::new();
        let mut current = read;
        let place = loop {
            match self.function.expr(current).kind {
                ir::ExprKind::Field(base, k) => {
                    steps.push((base, None, k));
                    current = base;
                }
                ir::ExprKind::Index(base, index) => {
                    let index = match self.function.expr(index).kind {
                        ir::ExprKind::Const(_) | ir::ExprKind::Local(_) => index,
                        _ => {
                            let span = self.function.expr_spans[index.index()];
                            let hidden = self.new_local("", Ty::U32, false, span);
                            prelude.push(ir::Stmt::Let(hidden, index));
                            let read_hidden = self.push_expr(ir::ExprKind::Local(hidden), Ty::U32, span);
                            self.function.exprs[current.index()].kind = ir::ExprKind::Index(base, read_hidden);
                            read_hidden
                        }
                    };
                    steps.push((base, Some(index), 0));
                    current = base;
                }
                ir::ExprKind::Local(l) => break Ok(Place::Local(l)),
                ir::ExprKind::Global(g) => break Ok(Place::Global(g)),
                ir::ExprKind::RepField(resource, rep, k) => break Err((resource, rep, k)),
                _ => return None,
            }
        };
        prelude.reverse();
        let (span, mut new_value) = match value {
            PartValue::Source(op, value) => {
                let span = target.span.to(value.span);
                let new_value = match op {
                    None => self.check(value, ty),
                    Some((op, op_span)) => {
                        let rhs = self.check(value, ty);
                        self.binary_result(op, op_span, read, rhs, span)
                    }
                };
                (span, new_value)
            }
            PartValue::Checked(id) => (target.span, id),
        };
        let whole_field = steps.is_empty();
        for (base, index, k) in steps {
            let base_ty = self.ty(base);
            new_value = match index {
                Some(index) => self.push_expr(ir::ExprKind::ListSet(base, index, new_value), base_ty, span),
                None => {
                    let (field_types, tuple) = match base_ty.def(&self.checker.resolve).cloned() {
                        Some(TypeDefKind::Record(r)) => (r.fields.iter().map(|f| f.ty).collect::<Vec<_>>(), false),
                        Some(TypeDefKind::Tuple(t)) => (t.types.clone(), true),
                        _ => return None,
                    };
                    let mut items = Vec::new();
                    for (j, field_ty) in field_types.iter().enumerate() {
                        if j as u32 == k {
                            items.push(new_value);
                        } else {
                            let field_ty = self.checker.from_wit(field_ty);
                            items.push(self.push_expr(ir::ExprKind::Field(base, j as u32), field_ty, span));
                        }
                    }
                    let kind = if tuple { ir::ExprKind::Tuple(items) } else { ir::ExprKind::Record(items) };
                    self.push_expr(kind, base_ty, span)
                }
            };
        }
        match place {
            Ok(place) => prelude.push(ir::Stmt::Assign(place, new_value)),
            Err((resource, rep, k)) => {
                let field_ty = self.checker.module.resources[resource.index()].fields[k as usize].1;
                if self.checker.is_linear(field_ty) {
                    if !whole_field {
                        self.checker.diagnostics.push(
                            Diagnostic::error(
                                "invalid-assignment",
                                "cannot assign to a part of a field that owns resource handles",
                                target.span,
                                "assigns a part",
                            )
                            .with_help("assign the whole field"),
                        );
                        return None;
                    }
                    // The new value first (it may read the field); the old one
                    // is retired and dropped when the export call ends, since
                    // a `match` or `for` may be lending its handles.
                    let retired = self.checker.retire_list(field_ty)?;
                    let hidden = self.new_local("", field_ty, false, span);
                    prelude.push(ir::Stmt::Let(hidden, new_value));
                    let old = self.push_expr(ir::ExprKind::RepField(resource, rep, k), field_ty, span);
                    let retire = self.push_expr(ir::ExprKind::ListPush(Place::Global(retired), old), Ty::Unit, span);
                    prelude.push(ir::Stmt::Expr(retire));
                    let read = self.push_expr(ir::ExprKind::Local(hidden), field_ty, span);
                    let set = self.push_expr(ir::ExprKind::RepSet(resource, rep, k, read), Ty::Unit, span);
                    prelude.push(ir::Stmt::Expr(set));
                } else {
                    let set = self.push_expr(ir::ExprKind::RepSet(resource, rep, k, new_value), Ty::Unit, span);
                    prelude.push(ir::Stmt::Expr(set));
                }
            }
        }
        Some(ir::Stmt::Block(prelude))
    }

    /// Resolves `target` (a variable name) as a place that is changed by
    /// assignment or a mutating method (`what`: "assign to", "push onto"),
    /// reporting anything else. An immutable variable is reported but still
    /// returned, so the rest of the statement is checked.
    fn mutable_place(&mut self, target: &ast::Expr, what_op: &str) -> Option<(Place, Ty)> {
        let A::Name(name) = &target.kind else {
            self.checker.diagnostics.push(Diagnostic::error(
                "invalid-assignment",
                format!("cannot {what_op} this expression"),
                target.span,
                "only variables can be changed",
            ));
            return None;
        };
        let (place, ty, mutable, decl_span, what) = if let Some(local) = self.lookup_local(&name.name) {
            let l = self.function.local(local);
            let is_param = self.function.params.contains(&local);
            (Place::Local(local), l.ty, l.mutable, l.span, if is_param { "parameter" } else { "variable" })
        } else {
            match self.checker.names.get(&name.name).copied() {
                Some(Binding::Global(g)) => {
                    let global = &self.checker.module.globals[g.index()];
                    let span = self.checker.name_spans.get(&name.name).copied().unwrap_or_default();
                    (Place::Global(g), global.ty, global.mutable, span, "global")
                }
                Some(Binding::Type(Ty::Error)) => return None,
                Some(_) => {
                    self.checker.diagnostics.push(Diagnostic::error(
                        "invalid-assignment",
                        format!("cannot {what_op} `{}`", name.name),
                        name.span,
                        "not a variable",
                    ));
                    return None;
                }
                None => {
                    self.unbound(name);
                    return None;
                }
            }
        };
        self.check_not_lent(place, ty, what_op, target.span);
        if !mutable {
            let mut d = Diagnostic::error(
                "assign-immutable",
                format!("cannot {what_op} immutable {what} `{}`", name.name),
                target.span,
                if what_op == "assign to" { "cannot assign".to_string() } else { format!("cannot {what_op} it") },
            )
            .with_label(decl_span, format!("`{}` is declared here", name.name));
            d = match what {
                "parameter" => {
                    d.with_help(format!("copy it into a mutable local first: `let mut {0} = {0};`", name.name))
                }
                _ => d.with_help(format!("declare it with `let mut {}`", name.name)),
            };
            self.checker.diagnostics.push(d);
        }
        Some((place, ty))
    }

    fn unbound(&mut self, name: &ast::Ident) {
        if self.recovered {
            return;
        }
        let mut d = Diagnostic::error(
            "unbound-name",
            format!("cannot find `{}` in this scope", name.name),
            name.span,
            "not found in this scope",
        );
        // `a-b` is one identifier; if its parts are bound, the user meant `a - b`.
        let parts: Vec<&str> = name.name.split('-').collect();
        let mut split_hint = None;
        for i in 1..parts.len() {
            let left = parts[..i].join("-");
            let right = parts[i..].join("-");
            if self.is_bound(&left) && self.is_bound(&right) {
                split_hint = Some(format!("{left} - {right}"));
                break;
            }
        }
        if let Some(hint) = split_hint {
            d = d
                .with_help(format!("to subtract, put spaces around the minus: `{hint}`"))
                .with_note(format!("`{}` is one identifier: a hyphen between letters joins words", name.name));
        } else {
            let mut candidates: Vec<String> =
                self.scopes.iter().flat_map(|s| s.keys().cloned()).filter(|n| !n.is_empty()).collect();
            candidates.extend(
                self.checker.names.iter().filter(|(_, b)| !matches!(b, Binding::Type(_))).map(|(n, _)| n.clone()),
            );
            let suggestions = similar(&name.name, candidates.iter().map(|s| s.as_str()));
            if !suggestions.is_empty() {
                d = d.with_help(format!("did you mean {}?", one_of(&suggestions)));
            }
        }
        self.checker.diagnostics.push(d);
    }

    fn is_bound(&self, name: &str) -> bool {
        self.lookup_local(name).is_some() || matches!(self.checker.names.get(name), Some(Binding::Global(_)))
    }

    fn infer(&mut self, expr: &ast::Expr) -> ExprId {
        self.expr(expr, None)
    }

    fn check(&mut self, expr: &ast::Expr, expected: Ty) -> ExprId {
        let id = self.expr(expr, Some(expected));
        let found = self.ty(id);
        self.checker.mismatch(expected, found, expr.span, None);
        id
    }

    /// Is this expression a bare numeric literal, whose type comes from context?
    fn is_literal(expr: &ast::Expr) -> bool {
        match &expr.kind {
            A::Int(_) | A::Float(_) => true,
            A::Paren(inner) => Self::is_literal(inner),
            A::Unary { op: UnaryOp::Neg, operand } => Self::is_literal(operand),
            _ => false,
        }
    }

    /// Checks two operands that must have the same type; a literal takes its
    /// type from the other side.
    /// Returns the two operands and whether their types agree (a mismatch is
    /// reported here, once).
    fn operands(&mut self, lhs: &ast::Expr, rhs: &ast::Expr, expected: Option<Ty>, op: &str) -> (ExprId, ExprId, bool) {
        let (l, r) = if let Some(t) = expected {
            let l = self.expr(lhs, Some(t));
            let lt = self.ty(l);
            (l, self.expr(rhs, Some(lt)))
        } else if Self::is_literal(lhs) && !Self::is_literal(rhs) {
            let r = self.infer(rhs);
            let rt = self.ty(r);
            (self.expr(lhs, Some(rt)), r)
        } else {
            let l = self.infer(lhs);
            let lt = self.ty(l);
            (l, self.expr(rhs, Some(lt)))
        };
        let (lt, rt) = (self.ty(l), self.ty(r));
        if lt == rt || lt == Ty::Error || rt == Ty::Error {
            return (l, r, true);
        }
        let (ln, rn) = (self.checker.ty_name(lt), self.checker.ty_name(rt));
        let mut d = Diagnostic::error(
            "type-mismatch",
            format!("mismatched types: `{ln}` {op} `{rn}`"),
            rhs.span,
            format!("this is `{rn}`"),
        )
        .with_label(lhs.span, format!("this is `{ln}`"))
        .with_note(format!("both operands of `{op}` must have the same type"));
        if lt.is_numeric() && rt.is_numeric() {
            d = d.with_help(format!("convert one operand with `as {ln}` or `as {rn}`"));
        }
        self.checker.diagnostics.push(d);
        (l, r, false)
    }

    /// Builds a binary expression over operands of one type, checking that
    /// the operator is defined for it.
    fn binary_result(&mut self, op: BinaryOp, op_span: Span, l: ExprId, r: ExprId, span: Span) -> ExprId {
        let ty = self.ty(l);
        if ty == Ty::Error || self.ty(r) == Ty::Error {
            return self.push_expr(
                ir::ExprKind::Binary(op, l, r),
                if is_comparison(op) { Ty::Bool } else { Ty::Error },
                span,
            );
        }
        if self.checker.is_linear(ty) {
            let name = self.checker.ty_name(ty);
            self.checker.diagnostics.push(Diagnostic::error(
                "operator-not-defined",
                format!("`{}` is not defined for `{name}`, which owns a resource handle", op.symbol()),
                op_span,
                "handles cannot be compared or combined",
            ));
            return self.push_expr(ir::ExprKind::Error, if is_comparison(op) { Ty::Bool } else { Ty::Error }, span);
        }
        let defined = match op {
            BinaryOp::Or | BinaryOp::And => ty == Ty::Bool,
            BinaryOp::Add => ty.is_numeric() || ty == Ty::String,
            BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div => ty.is_numeric(),
            BinaryOp::Rem | BinaryOp::Shl | BinaryOp::Shr | BinaryOp::ShrU => ty.is_int(),
            BinaryOp::BitAnd | BinaryOp::BitOr => {
                ty.is_int() || ty == Ty::Bool || matches!(ty.def(&self.checker.resolve), Some(TypeDefKind::Flags(_)))
            }
            BinaryOp::BitXor => ty.is_int() || ty == Ty::Bool,
            BinaryOp::Eq | BinaryOp::Ne => ty != Ty::Unit,
            BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge => ty.is_numeric() || ty == Ty::Char,
        };
        if !defined {
            let mut d = Diagnostic::error(
                "operator-not-defined",
                format!("`{}` is not defined for `{}`", op.symbol(), self.checker.ty_name(ty)),
                op_span,
                format!("operands are `{}`", self.checker.ty_name(ty)),
            );
            d = match op {
                BinaryOp::Rem if ty.is_float() => d.with_note("`%` is defined for integer types only"),
                BinaryOp::Or | BinaryOp::And => d.with_note("`and` and `or` take `bool` operands"),
                BinaryOp::Add if ty == Ty::Char => d.with_help("build a string instead: `\"a\" + \"b\"`"),
                _ => d,
            };
            self.checker.diagnostics.push(d);
            return self.push_expr(ir::ExprKind::Error, if is_comparison(op) { Ty::Bool } else { Ty::Error }, span);
        }
        let result = if is_comparison(op) { Ty::Bool } else { ty };
        self.push_expr(ir::ExprKind::Binary(op, l, r), result, span)
    }

    fn expr(&mut self, expr: &ast::Expr, expected: Option<Ty>) -> ExprId {
        crate::stack::grow(|| self.expr_inner(expr, expected))
    }

    fn expr_inner(&mut self, expr: &ast::Expr, expected: Option<Ty>) -> ExprId {
        let span = expr.span;
        match &expr.kind {
            A::Paren(inner) => {
                let id = self.expr(inner, expected);
                self.function.expr_spans[id.index()] = span;
                id
            }
            A::Int(v) => {
                let ty = match expected {
                    Some(t) if t.is_numeric() => t,
                    Some(Ty::Error) => Ty::Error,
                    Some(_) | None => Ty::S32,
                };
                let c =
                    self.checker.int_literal(literal_value(*v), *v > LITERAL_LIMIT, ty, span).unwrap_or(Const::Int(0));
                let ty = if ty == Ty::Error { Ty::Error } else { ty };
                self.push_expr(ir::ExprKind::Const(c), ty, span)
            }
            A::Float(f) => {
                let ty = match expected {
                    Some(Ty::F32) => Ty::F32,
                    Some(t) if t.is_int() => {
                        self.checker.float_literal(*f, t, span);
                        return self.error_expr(span);
                    }
                    _ => Ty::F64,
                };
                let c = self.checker.float_literal(*f, ty, span).unwrap_or(Const::F64(0.0));
                self.push_expr(ir::ExprKind::Const(c), ty, span)
            }
            A::Str(s) => self.push_expr(ir::ExprKind::Const(Const::Str(s.clone())), Ty::String, span),
            A::Char(c) => self.push_expr(ir::ExprKind::Const(Const::Char(*c)), Ty::Char, span),
            A::Bool(b) => self.push_expr(ir::ExprKind::Const(Const::Bool(*b)), Ty::Bool, span),
            A::Name(name)
                if matches!(name.name.as_str(), "none" | "ok" | "err")
                    && self.lookup_local(&name.name).is_none()
                    && !self.checker.names.contains_key(&name.name) =>
            {
                let Some(ty) = expected else {
                    let what = if name.name == "none" { "option" } else { "result" };
                    return self.needs_annotation(what, span);
                };
                if ty == Ty::Error {
                    return self.error_expr(span);
                }
                match self.checker.case_of(ty, &name.name, span) {
                    Some((index, None)) => self.push_expr(ir::ExprKind::Case(index, None), ty, span),
                    Some((_, Some(_))) => {
                        self.checker.diagnostics.push(
                            Diagnostic::error(
                                "wrong-case-payload",
                                format!("`{}` of `{}` needs a payload", name.name, self.checker.ty_name(ty)),
                                span,
                                "payload missing",
                            )
                            .with_help(format!("write `{}(VALUE)`", name.name)),
                        );
                        self.error_expr(span)
                    }
                    None => self.error_expr(span),
                }
            }
            A::Name(name) => self.name(name, span),
            A::Path(type_name, case) => {
                let Some(ty) = self.checker.type_for_path(type_name) else { return self.error_expr(span) };
                match ty.def(&self.checker.resolve).cloned() {
                    _ if ty == Ty::Error => self.error_expr(span),
                    Some(TypeDefKind::Enum(_)) => match self.checker.value_path(type_name, case) {
                        Some((ty, index)) => self.push_expr(ir::ExprKind::Const(Const::EnumCase(index)), ty, span),
                        None => self.error_expr(span),
                    },
                    Some(TypeDefKind::Flags(flags)) => match flags.flags.iter().position(|f| f.name == case.name) {
                        Some(i) => self.push_expr(ir::ExprKind::Flags(vec![i as u32]), ty, span),
                        None => {
                            let names: Vec<&str> = flags.flags.iter().map(|f| f.name.as_str()).collect();
                            self.checker.diagnostics.push(
                                Diagnostic::error(
                                    "unknown-flag",
                                    format!("flags `{}` have no flag `{}`", type_name.name, case.name),
                                    case.span,
                                    "unknown flag",
                                )
                                .with_note(format!("its flags are: {}", names.join(", "))),
                            );
                            self.error_expr(span)
                        }
                    },
                    _ => match self.checker.case_of(ty, &case.name, case.span) {
                        Some((index, None)) => self.push_expr(ir::ExprKind::Case(index, None), ty, span),
                        Some((_, Some(_))) => {
                            self.checker.diagnostics.push(
                                Diagnostic::error(
                                    "wrong-case-payload",
                                    format!("case `{}` of `{}` needs a payload", case.name, type_name.name),
                                    span,
                                    "payload missing",
                                )
                                .with_help(format!("write `{}::{}(VALUE)`", type_name.name, case.name)),
                            );
                            self.error_expr(span)
                        }
                        None => self.error_expr(span),
                    },
                }
            }
            A::Call { callee, args } => {
                if let Some(id) = self.case_call(callee, args, expected, span) {
                    return id;
                }
                self.call(callee, args, span)
            }
            A::Tuple(items) => self.tuple_literal(items, expected, span),
            A::List(items) => self.list_literal(items, expected, span),
            A::Braced(items) => self.braced_literal(items, expected, span),
            A::Field { base, field } => self.field(base, field, span),
            A::Index { base, index } => {
                let base_id = self.lend_place(base);
                let base_ty = self.ty(base_id);
                // The index is a value of its own, not part of a lent place.
                let lending = std::mem::replace(&mut self.lending_place, false);
                let index_id = self.check(index, Ty::U32);
                self.lending_place = lending;
                match base_ty.def(&self.checker.resolve) {
                    Some(TypeDefKind::List(t)) => {
                        let t = *t;
                        let elem = self.checker.from_wit(&t);
                        if !self.no_partial_move(elem, span) {
                            return self.error_expr(span);
                        }
                        self.push_expr(ir::ExprKind::Index(base_id, index_id), elem, span)
                    }
                    _ if base_ty == Ty::Error => self.error_expr(span),
                    _ => {
                        let name = self.checker.ty_name(base_ty);
                        self.checker.diagnostics.push(
                            Diagnostic::error(
                                "not-indexable",
                                format!("cannot index into `{name}`"),
                                base.span,
                                format!("this is `{name}`"),
                            )
                            .with_note("only lists can be indexed"),
                        );
                        self.error_expr(span)
                    }
                }
            }
            A::Slice { base, start, end } => {
                let base_id = self.place_read(base);
                let base_ty = self.ty(base_id);
                let start = self.check(start, Ty::U32);
                let end = self.check(end, Ty::U32);
                let sliceable =
                    base_ty == Ty::String || matches!(base_ty.def(&self.checker.resolve), Some(TypeDefKind::List(_)));
                if !sliceable {
                    if base_ty != Ty::Error {
                        let name = self.checker.ty_name(base_ty);
                        self.checker.diagnostics.push(
                            Diagnostic::error(
                                "not-indexable",
                                format!("cannot slice `{name}`"),
                                base.span,
                                format!("this is `{name}`"),
                            )
                            .with_note("only lists and strings can be sliced"),
                        );
                    }
                    return self.error_expr(span);
                }
                // A slice is a new list sharing the elements: handles would be copied.
                if self.checker.is_linear(base_ty) {
                    let lending = std::mem::replace(&mut self.lending_place, false);
                    self.no_partial_move(base_ty, span);
                    self.lending_place = lending;
                    return self.error_expr(span);
                }
                self.push_expr(ir::ExprKind::Slice(base_id, start, end), base_ty, span)
            }
            A::Try(inner) => self.try_expr(inner, span),
            A::Interp(parts) => self.interpolation(parts, span),
            A::Check(cond) => self.check_macro(cond, span),
            A::MethodCall { receiver, method, args } => self.method_call(receiver, method, args, span),
            A::Binary { op, op_span, lhs, rhs } => {
                if matches!(op, BinaryOp::And | BinaryOp::Or) {
                    let l = self.check(lhs, Ty::Bool);
                    let r = self.check(rhs, Ty::Bool);
                    return self.push_expr(ir::ExprKind::Binary(*op, l, r), Ty::Bool, span);
                }
                let arithmetic_expected = match expected {
                    Some(t) if !is_comparison(*op) && (t.is_numeric() || t == Ty::String) => Some(t),
                    _ => None,
                };
                let (l, r, agree) = self.operands(lhs, rhs, arithmetic_expected, op.symbol());
                if !agree {
                    let ty = if is_comparison(*op) { Ty::Bool } else { Ty::Error };
                    return self.push_expr(ir::ExprKind::Error, ty, span);
                }
                self.binary_result(*op, *op_span, l, r, span)
            }
            A::Unary { op: UnaryOp::Neg, operand } if matches!(strip_parens(operand).kind, A::Int(_)) => {
                let A::Int(v) = strip_parens(operand).kind else { return self.error_expr(span) };
                let ty = match expected {
                    Some(t) if t.is_numeric() => t,
                    Some(Ty::Error) => Ty::Error,
                    _ => Ty::S32,
                };
                let c =
                    self.checker.int_literal(-literal_value(v), v > LITERAL_LIMIT, ty, span).unwrap_or(Const::Int(0));
                self.push_expr(ir::ExprKind::Const(c), ty, span)
            }
            A::Unary { op, operand } => {
                let id = self.expr(operand, expected);
                let ty = self.ty(id);
                let ok = match op {
                    UnaryOp::Neg => ty.is_signed() || ty.is_float(),
                    UnaryOp::Not => ty == Ty::Bool || ty.is_int(),
                };
                if !ok && ty != Ty::Error {
                    let (word, mut d) = match op {
                        UnaryOp::Neg => ("-", None),
                        UnaryOp::Not => ("not", None::<String>),
                    };
                    if *op == UnaryOp::Neg && ty.is_int() {
                        d = Some("unsigned values cannot be negated; write `0 - x` for wrapping negation".into());
                    }
                    let mut diag = Diagnostic::error(
                        "operator-not-defined",
                        format!("`{word}` is not defined for `{}`", self.checker.ty_name(ty)),
                        span,
                        format!("this is `{}`", self.checker.ty_name(ty)),
                    );
                    if let Some(help) = d {
                        diag = diag.with_help(help);
                    }
                    self.checker.diagnostics.push(diag);
                    return self.error_expr(span);
                }
                self.push_expr(ir::ExprKind::Unary(*op, id), ty, span)
            }
            A::Cast { expr: inner, ty } => {
                let target = self.checker.resolve_type(ty);
                // A literal operand has its own default type (like Rust, `300 as u8`
                // is 44 and `1.5 as s32` is 1); the cast then converts it.
                let id = match fold_number(inner) {
                    Some(folded) => self.expr(inner, Some(default_literal_type(&folded))),
                    None => self.infer(inner),
                };
                let from = self.ty(id);
                if from == Ty::Error || target == Ty::Error {
                    return self.push_expr(ir::ExprKind::Cast(id), target, span);
                }
                let ok = from == target
                    || (from.is_numeric() && target.is_numeric())
                    || ((from == Ty::Bool || from == Ty::Char) && target.is_int())
                    || (from == Ty::U8 && target == Ty::Char);
                if !ok {
                    let mut d = Diagnostic::error(
                        "invalid-cast",
                        format!("cannot convert `{}` to `{}` with `as`", self.checker.ty_name(from), self.checker.ty_name(target)),
                        span,
                        "invalid conversion",
                    )
                    .with_note("`as` converts between numeric types, from `bool` or `char` to an integer, and from `u8` to `char`");
                    if from == Ty::String || target == Ty::String {
                        d = d.with_help("strings are not numbers; parsing and formatting are not built in yet");
                    }
                    self.checker.diagnostics.push(d);
                    return self.error_expr(span);
                }
                self.push_expr(ir::ExprKind::Cast(id), target, span)
            }
        }
    }

    fn name(&mut self, name: &ast::Ident, span: Span) -> ExprId {
        if let Some(local) = self.lookup_local(&name.name) {
            let ty = self.function.local(local).ty;
            if self.function.local(local).owned.is_some() {
                return self.move_local(local, span);
            }
            if self.lent.contains(&local) && self.checker.is_linear(ty) {
                self.move_out_of_lent(&name.name, false, span);
                return self.error_expr(span);
            }
            if let Some((false, _)) = ty.handle(&self.checker.resolve) {
                self.borrowed_escapes(local, span);
                return self.error_expr(span);
            }
            return self.push_expr(ir::ExprKind::Local(local), ty, span);
        }
        match self.checker.names.get(&name.name).copied() {
            Some(Binding::Global(g)) => {
                let ty = self.checker.module.globals[g.index()].ty;
                if self.checker.is_linear(ty) {
                    self.move_out_of_lent(&name.name, true, span);
                    return self.error_expr(span);
                }
                self.push_expr(ir::ExprKind::Global(g), ty, span)
            }
            Some(Binding::Func(_)) | Some(Binding::Import(_)) => {
                self.checker.diagnostics.push(
                    Diagnostic::error(
                        "function-as-value",
                        format!("`{}` is a function, not a value", name.name),
                        span,
                        "a function",
                    )
                    .with_help(format!("call it: `{}(...)`", name.name)),
                );
                self.error_expr(span)
            }
            Some(Binding::Type(Ty::Error)) => self.error_expr(span),
            Some(Binding::Type(t)) => {
                let mut d = Diagnostic::error(
                    "type-as-value",
                    format!("`{}` is a type, not a value", name.name),
                    span,
                    "a type",
                );
                if let Some(first) = t.enum_cases(&self.checker.resolve).first() {
                    d = d.with_help(format!("write a case of the enum, like `{}::{first}`", name.name));
                }
                self.checker.diagnostics.push(d);
                self.error_expr(span)
            }
            None => {
                self.unbound(name);
                self.error_expr(span)
            }
        }
    }

    fn call(&mut self, callee: &ast::Expr, args: &[ast::Expr], span: Span) -> ExprId {
        let callee = strip_parens(callee);
        let target = match &callee.kind {
            A::Name(name) if self.lookup_local(&name.name).is_none() => {
                match self.checker.names.get(&name.name).copied() {
                    Some(Binding::Func(f)) => Some((Callee::Func(f), name.clone())),
                    Some(Binding::Import(i)) => Some((Callee::Import(i), name.clone())),
                    Some(Binding::Type(Ty::Error)) => None,
                    None => {
                        self.unbound(name);
                        None
                    }
                    Some(_) => {
                        self.not_callable(callee);
                        None
                    }
                }
            }
            _ => {
                self.infer(callee);
                self.not_callable(callee);
                None
            }
        };
        let Some((target, name)) = target else {
            for a in args {
                self.infer(a);
            }
            return self.error_expr(span);
        };
        let sig = match target {
            Callee::Func(f) => &self.checker.signatures[f.index()],
            Callee::Import(i) => &self.checker.import_signatures[i.index()],
        };
        let params = sig.params.clone();
        let result = sig.result;
        let decl_span = self.checker.name_spans.get(&name.name).copied().unwrap_or(sig.span);
        if params.len() != args.len() {
            let plural = |n: usize| if n == 1 { "argument" } else { "arguments" };
            let list: Vec<String> = params.iter().map(|(n, t)| format!("{n}: {}", self.checker.ty_name(*t))).collect();
            self.checker.diagnostics.push(
                Diagnostic::error(
                    "wrong-arity",
                    format!(
                        "`{}` takes {} {} but {} {} supplied",
                        name.name,
                        params.len(),
                        plural(params.len()),
                        args.len(),
                        if args.len() == 1 { "was" } else { "were" }
                    ),
                    span,
                    format!("expected {} {}", params.len(), plural(params.len())),
                )
                .with_label(decl_span, format!("`{}({})` is declared here", name.name, list.join(", "))),
            );
        }
        let mut ids = Vec::new();
        for (i, arg) in args.iter().enumerate() {
            match params.get(i) {
                Some((_, t)) if matches!(t.handle(&self.checker.resolve), Some((false, _))) => {
                    ids.push(self.lend(arg, *t))
                }
                Some((_, t)) => ids.push(self.check(arg, *t)),
                None => {
                    self.infer(arg);
                }
            }
        }
        if ids.len() != params.len() {
            return self.push_expr(ir::ExprKind::Error, result.unwrap_or(Ty::Unit), span);
        }
        self.push_expr(ir::ExprKind::Call(target, ids), result.unwrap_or(Ty::Unit), span)
    }

    /// Checks a call of a built-in method (the string methods of the brief).
    fn method_call(&mut self, receiver: &ast::Expr, method: &ast::Ident, args: &[ast::Expr], span: Span) -> ExprId {
        if let Some(call) = self.mock_record(receiver, method, args, span) {
            return call;
        }
        // A method reads its receiver; it does not move it.
        let mut receiver_id = self.lend_place(receiver);
        let receiver_ty = self.ty(receiver_id);
        if let Some((own, r)) = receiver_ty.handle(&self.checker.resolve) {
            if own && !self.is_place(receiver) {
                receiver_id = self.keep_temporary(receiver_id, receiver.span);
            }
            if self.checker.is_defined(r) {
                return self.defined_method_call(r, receiver_id, method, args, span);
            }
            return self.resource_method_call(r, receiver_id, method, args, span);
        }
        if receiver_ty == Ty::String && matches!(method.name.as_str(), "split" | "bytes") {
            let (builtin, params, elem) = match method.name.as_str() {
                "split" => (ir::Builtin::StrSplit, &[Ty::String][..], Ty::String),
                _ => (ir::Builtin::StrBytes, &[][..], Ty::U8),
            };
            let result = self.checker.interner.list(&mut self.checker.resolve, elem);
            if args.len() != params.len() {
                for a in args {
                    self.infer(a);
                }
                self.checker.diagnostics.push(Diagnostic::error(
                    "wrong-arity",
                    format!("`{}` takes {} argument(s) but {} were supplied", method.name, params.len(), args.len()),
                    span,
                    format!("expected {}", params.len()),
                ));
                return self.error_expr(span);
            }
            let mut ids = vec![receiver_id];
            for (arg, ty) in args.iter().zip(params) {
                ids.push(self.check(arg, *ty));
            }
            return self.push_expr(ir::ExprKind::Builtin(builtin, ids), result, span);
        }
        if let Some(TypeDefKind::List(elem)) = receiver_ty.def(&self.checker.resolve) {
            let elem = *elem;
            let elem = self.checker.from_wit(&elem);
            if let Some(id) = self.list_method(receiver, receiver_id, elem, method, args, span) {
                return id;
            }
        }
        let found = match receiver_ty {
            Ty::String => ir::Builtin::STRING_METHODS.iter().find(|(name, ..)| *name == method.name),
            _ if self.is_list(receiver_ty) => ir::Builtin::LIST_METHODS.iter().find(|(name, ..)| *name == method.name),
            _ => None,
        };
        let Some(&(_, builtin, params, result)) = found else {
            for a in args {
                self.infer(a);
            }
            if receiver_ty != Ty::Error {
                let ty_name = self.checker.ty_name(receiver_ty);
                let mut d = Diagnostic::error(
                    "unknown-method",
                    format!("`{ty_name}` has no method `{}`", method.name),
                    method.span,
                    "unknown method",
                )
                .with_label(receiver.span, format!("this is `{ty_name}`"));
                let table = match receiver_ty {
                    Ty::String => Some(("string", ir::Builtin::STRING_METHODS)),
                    _ if self.is_list(receiver_ty) => Some(("list", ir::Builtin::LIST_METHODS)),
                    _ => None,
                };
                if let Some((kind, table)) = table {
                    let mut names: Vec<&str> = table.iter().map(|(n, ..)| *n).collect();
                    if kind == "list" {
                        names.extend(LIST_ELEMENT_METHODS);
                    } else {
                        names.extend(["split", "bytes"]);
                    }
                    let suggestions = similar(&method.name, names.iter().copied());
                    d = if suggestions.is_empty() {
                        d.with_note(format!("{kind} methods: {}", names.join(", ")))
                    } else {
                        d.with_help(format!("did you mean {}?", one_of(&suggestions)))
                    };
                }
                self.checker.diagnostics.push(d);
            }
            return self.error_expr(span);
        };
        if args.len() != params.len() {
            for a in args {
                self.infer(a);
            }
            let plural = if params.len() == 1 { "argument" } else { "arguments" };
            self.checker.diagnostics.push(Diagnostic::error(
                "wrong-arity",
                format!("`{}` takes {} {plural} but {} were supplied", method.name, params.len(), args.len()),
                span,
                format!("expected {} {plural}", params.len()),
            ));
            return self.push_expr(ir::ExprKind::Error, result, span);
        }
        let mut ids = vec![receiver_id];
        for (arg, ty) in args.iter().zip(params) {
            ids.push(self.check(arg, *ty));
        }
        self.push_expr(ir::ExprKind::Builtin(builtin, ids), result, span)
    }

    /// `value?`: see [`ir::ExprKind::Try`].
    fn try_expr(&mut self, inner: &ast::Expr, span: Span) -> ExprId {
        let value = self.infer(inner);
        let ty = self.ty(value);
        let resolve = &self.checker.resolve;
        let (is_option, success, error) = match ty.def(resolve) {
            Some(TypeDefKind::Option(t)) => (true, Some(*t), None),
            Some(TypeDefKind::Result(r)) => (false, r.ok, r.err),
            _ => {
                if ty != Ty::Error {
                    let name = self.checker.ty_name(ty);
                    self.checker.diagnostics.push(Diagnostic::error(
                        "type-mismatch",
                        format!("`?` needs an `option` or a `result`, not `{name}`"),
                        inner.span,
                        format!("this is `{name}`"),
                    ));
                }
                return self.error_expr(span);
            }
        };
        if self.is_test() {
            let out = success.map(|t| self.checker.from_wit(&t)).unwrap_or(Ty::Unit);
            return self.test_try(value, inner, out, span);
        }
        let result = self.function.result;
        let carries = match result.and_then(|r| r.def(resolve)) {
            Some(TypeDefKind::Option(_)) => is_option,
            Some(TypeDefKind::Result(r)) => {
                !is_option && r.err.map(|e| self.checker.from_wit(&e)) == error.map(|e| self.checker.from_wit(&e))
            }
            _ => result == Some(Ty::Error),
        };
        if !carries {
            let name = self.checker.ty_name(ty);
            let what = match (is_option, error) {
                (true, _) => "`none`".to_string(),
                (false, Some(e)) => format!("`err` with a `{}`", display_wit(&self.checker.resolve, &e)),
                (false, None) => "`err`".to_string(),
            };
            let returns = match result {
                Some(r) => format!("returns `{}`", self.checker.ty_name(r)),
                None => "returns nothing".to_string(),
            };
            let needed = match (is_option, error) {
                (true, _) => "an `option<...>`".to_string(),
                (false, Some(e)) => format!("a `result<_, {}>`", display_wit(&self.checker.resolve, &e)),
                (false, None) => "a `result` without an error payload".to_string(),
            };
            let fname = self.function.name.clone();
            let result_span = self.checker.signatures[self.func.index()].span;
            self.checker.diagnostics.push(
                Diagnostic::error(
                    "try-incompatible-return",
                    format!("`?` on `{name}` may return {what}, but function `{fname}` {returns}"),
                    span,
                    format!("this can return {what}"),
                )
                .with_label(result_span, format!("function `{fname}` {returns}"))
                .with_help(format!(
                    "`?` here needs `{fname}` to return {needed}; or use `match` to handle the failure"
                )),
            );
            return self.error_expr(span);
        }
        let out = success.map(|t| self.checker.from_wit(&t)).unwrap_or(Ty::Unit);
        self.push_expr(ir::ExprKind::Try(value, self.all_owned(), None), out, span)
    }

    /// The list methods whose types depend on the element type `elem`:
    /// `get`, `contains`, and the mutating `push` and `pop`. `None` for any
    /// other method.
    fn list_method(
        &mut self,
        receiver: &ast::Expr,
        list: ExprId,
        elem: Ty,
        method: &ast::Ident,
        args: &[ast::Expr],
        span: Span,
    ) -> Option<ExprId> {
        let arity = match method.name.as_str() {
            "get" | "contains" | "push" => 1,
            "pop" => 0,
            _ => return None,
        };
        if args.len() != arity {
            for a in args {
                self.infer(a);
            }
            let plural = if arity == 1 { "argument" } else { "arguments" };
            self.checker.diagnostics.push(Diagnostic::error(
                "wrong-arity",
                format!("`{}` takes {arity} {plural} but {} were supplied", method.name, args.len()),
                span,
                format!("expected {arity} {plural}"),
            ));
            return Some(self.error_expr(span));
        }
        let option = self.checker.interner.option(&mut self.checker.resolve, elem);
        if matches!(method.name.as_str(), "get" | "contains") && !self.no_partial_move(elem, span) {
            for a in args {
                self.infer(a);
            }
            return Some(self.error_expr(span));
        }
        Some(match method.name.as_str() {
            "get" => {
                let index = self.check(&args[0], Ty::U32);
                self.push_expr(ir::ExprKind::Builtin(ir::Builtin::ListGet, vec![list, index]), option, span)
            }
            "contains" => {
                let value = self.check(&args[0], elem);
                self.push_expr(ir::ExprKind::Builtin(ir::Builtin::ListContains, vec![list, value]), Ty::Bool, span)
            }
            "push" | "pop" if self.is_part(receiver) => self.part_push_pop(receiver, list, elem, method, args, span),
            "push" => {
                let place = self.mutable_place(strip_parens(receiver), "push onto");
                let value = self.check(&args[0], elem);
                match place {
                    Some((place, _)) => self.push_expr(ir::ExprKind::ListPush(place, value), Ty::Unit, span),
                    None => self.error_expr(span),
                }
            }
            _ => match self.mutable_place(strip_parens(receiver), "pop from") {
                Some((place, _)) => self.push_expr(ir::ExprKind::ListPop(place), option, span),
                None => self.error_expr(span),
            },
        })
    }

    /// Is `expr` a part of a variable (`p.items`, `xs[i].tags`)?
    fn is_part(&self, expr: &ast::Expr) -> bool {
        matches!(strip_parens(expr).kind, A::Field { .. } | A::Index { .. }) && self.is_place(expr)
    }

    /// `p.items.push(x)` / `p.items.pop()` on a part of a variable (or a
    /// field of a resource instance): the list is copied into a hidden
    /// local, changed there and assigned back to the part, so the part
    /// keeps value semantics like `p.items = ...` does. A list of handles
    /// cannot be copied, so this needs elements that own none.
    fn part_push_pop(
        &mut self,
        receiver: &ast::Expr,
        list: ExprId,
        elem: Ty,
        method: &ast::Ident,
        args: &[ast::Expr],
        span: Span,
    ) -> ExprId {
        let list_ty = self.ty(list);
        if self.checker.is_linear(elem) {
            for a in args {
                self.infer(a);
            }
            self.checker.diagnostics.push(
                Diagnostic::error(
                    "invalid-assignment",
                    format!(
                        "cannot {} a list of handles inside another value",
                        if method.name == "push" { "push onto" } else { "pop from" }
                    ),
                    receiver.span,
                    "a list of handles inside another value",
                )
                .with_help("keep the list in a variable, or replace the whole part"),
            );
            return self.error_expr(span);
        }
        let tmp = self.new_local("", list_ty, true, receiver.span);
        let mut stmts = vec![ir::Stmt::Let(tmp, list)];
        let result = if method.name == "push" {
            let value = self.check(&args[0], elem);
            let push = self.push_expr(ir::ExprKind::ListPush(Place::Local(tmp), value), Ty::Unit, span);
            stmts.push(ir::Stmt::Expr(push));
            None
        } else {
            let option = self.checker.interner.option(&mut self.checker.resolve, elem);
            let popped = self.new_local("", option, false, span);
            let pop = self.push_expr(ir::ExprKind::ListPop(Place::Local(tmp)), option, span);
            stmts.push(ir::Stmt::Let(popped, pop));
            Some(self.push_expr(ir::ExprKind::Local(popped), option, span))
        };
        let back = self.push_expr(ir::ExprKind::Local(tmp), list_ty, receiver.span);
        match self.assign_part_with(receiver, PartValue::Checked(back)) {
            Some(assign) => stmts.push(assign),
            None => return self.error_expr(span),
        }
        let ty =
            if result.is_some() { self.checker.interner.option(&mut self.checker.resolve, elem) } else { Ty::Unit };
        self.push_expr(ir::ExprKind::Seq(stmts, result), ty, span)
    }

    /// `string::name(args)`: the built-in functions on strings (today only
    /// `string::from-utf8(bytes: list<u8>) -> option<string>`).
    fn string_function(&mut self, name: &ast::Ident, args: &[ast::Expr], span: Span) -> ExprId {
        if name.name != "from-utf8" {
            for a in args {
                self.infer(a);
            }
            self.checker.diagnostics.push(
                Diagnostic::error(
                    "unknown-function",
                    format!("`string` has no function `{}`", name.name),
                    name.span,
                    "unknown function",
                )
                .with_note("the built-in string function is `string::from-utf8(bytes)`"),
            );
            return self.error_expr(span);
        }
        let bytes = self.checker.interner.list(&mut self.checker.resolve, Ty::U8);
        let result = self.checker.interner.option(&mut self.checker.resolve, Ty::String);
        let [arg] = args else {
            for a in args {
                self.infer(a);
            }
            self.checker.diagnostics.push(Diagnostic::error(
                "wrong-arity",
                format!("`string::from-utf8` takes 1 argument but {} were supplied", args.len()),
                span,
                "expected 1 argument",
            ));
            return self.push_expr(ir::ExprKind::Error, result, span);
        };
        let arg = self.check(arg, bytes);
        self.push_expr(ir::ExprKind::Builtin(ir::Builtin::StrFromUtf8, vec![arg]), result, span)
    }

    /// Is `ty` a `list<T>`?
    fn is_list(&self, ty: Ty) -> bool {
        matches!(ty.def(&self.checker.resolve), Some(TypeDefKind::List(_)))
    }

    /// Reports a literal whose type cannot be known from context.
    fn needs_annotation(&mut self, what: &str, span: Span) -> ExprId {
        self.checker.diagnostics.push(
            Diagnostic::error(
                "annotation-needed",
                format!("the type of this {what} cannot be inferred"),
                span,
                "type needed",
            )
            .with_help("give the variable a type: `let x: TYPE = ...;`"),
        );
        self.error_expr(span)
    }

    /// Reports a literal of the wrong shape for the expected type.
    fn wrong_literal(&mut self, what: &str, expected: Ty, span: Span) -> ExprId {
        let name = self.checker.ty_name(expected);
        self.checker.diagnostics.push(Diagnostic::error(
            "type-mismatch",
            format!("expected `{name}`, found a {what}"),
            span,
            format!("expected `{name}`"),
        ));
        self.error_expr(span)
    }

    /// `(a, b, ...)`
    fn tuple_literal(&mut self, items: &[ast::Expr], expected: Option<Ty>, span: Span) -> ExprId {
        let expected_types: Option<Vec<wit_parser::Type>> = match expected.and_then(|t| t.def(&self.checker.resolve)) {
            Some(TypeDefKind::Tuple(t)) if t.types.len() == items.len() => Some(t.types.clone()),
            _ => None,
        };
        let mut ids = Vec::new();
        let mut types = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let id = match &expected_types {
                Some(ts) => {
                    let t = self.checker.from_wit(&ts[i]);
                    self.check(item, t)
                }
                None => self.infer(item),
            };
            types.push(self.ty(id));
            ids.push(id);
        }
        if types.contains(&Ty::Error) {
            return self.error_expr(span);
        }
        if types.contains(&Ty::Unit) {
            return self.error_expr(span);
        }
        let ty = self.checker.interner.tuple(&mut self.checker.resolve, &types);
        self.push_expr(ir::ExprKind::Tuple(ids), ty, span)
    }

    /// `[a, b, ...]`
    fn list_literal(&mut self, items: &[ast::Expr], expected: Option<Ty>, span: Span) -> ExprId {
        let elem = match expected.and_then(|t| t.def(&self.checker.resolve)) {
            Some(TypeDefKind::List(t)) => {
                let t = *t;
                Some(self.checker.from_wit(&t))
            }
            _ => None,
        };
        let mut ids = Vec::new();
        let elem = match elem {
            Some(t) => t,
            None => {
                let Some(first) = items.first() else {
                    if expected == Some(Ty::Error) {
                        return self.error_expr(span);
                    }
                    return match expected {
                        Some(t) => self.wrong_literal("list", t, span),
                        None => self.needs_annotation("empty list", span),
                    };
                };
                if let Some(t) = expected
                    && t != Ty::Error
                {
                    for item in items {
                        self.infer(item);
                    }
                    return self.wrong_literal("list", t, span);
                }
                let id = self.infer(first);
                ids.push(id);
                self.ty(id)
            }
        };
        for item in &items[ids.len()..] {
            ids.push(self.check(item, elem));
        }
        if elem == Ty::Error || elem == Ty::Unit {
            return self.error_expr(span);
        }
        let ty = self.checker.interner.list(&mut self.checker.resolve, elem);
        self.push_expr(ir::ExprKind::List(ids), ty, span)
    }

    /// Checks the values of a braced literal that cannot be built, for their own errors.
    fn infer_values(&mut self, items: &[(ast::Ident, Option<ast::Expr>)]) {
        for v in items.iter().filter_map(|(_, v)| v.as_ref()) {
            self.infer(v);
        }
    }

    /// `{x: 1, y: 2}` (a record) or `{a, b}` (flags).
    fn braced_literal(
        &mut self,
        items: &[(ast::Ident, Option<ast::Expr>)],
        expected: Option<Ty>,
        span: Span,
    ) -> ExprId {
        let Some(ty) = expected else {
            self.infer_values(items);
            let what = if items.iter().all(|(_, v)| v.is_none()) { "flags value" } else { "record" };
            return self.needs_annotation(what, span);
        };
        if ty == Ty::Error {
            self.infer_values(items);
            return self.error_expr(span);
        }
        let type_name = self.checker.ty_name(ty);
        match ty.def(&self.checker.resolve).cloned() {
            Some(TypeDefKind::Record(record)) => {
                let mut values: Vec<Option<ExprId>> = vec![None; record.fields.len()];
                for (name, value) in items {
                    let Some(index) = record.fields.iter().position(|f| f.name == name.name) else {
                        if let Some(v) = value {
                            self.infer(v);
                        }
                        let names: Vec<&str> = record.fields.iter().map(|f| f.name.as_str()).collect();
                        let d = Diagnostic::error(
                            "unknown-field",
                            format!("record `{type_name}` has no field `{}`", name.name),
                            name.span,
                            "unknown field",
                        );
                        self.checker.diagnostics.push(suggest_or_list(d, &name.name, &names, "fields"));
                        continue;
                    };
                    let field_ty = self.checker.from_wit(&record.fields[index].ty);
                    let Some(value) = value else {
                        self.checker.diagnostics.push(
                            Diagnostic::error(
                                "missing-field-value",
                                format!("field `{}` needs a value", name.name),
                                name.span,
                                "no value",
                            )
                            .with_help(format!("write `{}: VALUE`", name.name)),
                        );
                        continue;
                    };
                    let id = self.check(value, field_ty);
                    if values[index].is_some() {
                        self.checker.diagnostics.push(Diagnostic::error(
                            "duplicate-field",
                            format!("field `{}` is given twice", name.name),
                            name.span,
                            "given again here",
                        ));
                    }
                    values[index] = Some(id);
                }
                let missing: Vec<&str> = record
                    .fields
                    .iter()
                    .zip(&values)
                    .filter(|(_, v)| v.is_none())
                    .map(|(f, _)| f.name.as_str())
                    .collect();
                if !missing.is_empty() {
                    let list = missing.iter().map(|m| format!("`{m}`")).collect::<Vec<_>>().join(", ");
                    self.checker.diagnostics.push(Diagnostic::error(
                        "missing-field",
                        format!(
                            "missing {} {list} in a `{type_name}` value",
                            if missing.len() == 1 { "field" } else { "fields" }
                        ),
                        span,
                        "incomplete record",
                    ));
                    return self.error_expr(span);
                }
                let ids = values.into_iter().flatten().collect();
                self.push_expr(ir::ExprKind::Record(ids), ty, span)
            }
            Some(TypeDefKind::Flags(flags)) => {
                let mut set = Vec::new();
                for (name, value) in items {
                    if let Some(v) = value {
                        self.infer(v);
                        self.checker.diagnostics.push(Diagnostic::error(
                            "type-mismatch",
                            format!("flags `{type_name}` are written as a set of names, like `{{{}}}`", name.name),
                            v.span,
                            "flags take no values",
                        ));
                        continue;
                    }
                    match flags.flags.iter().position(|f| f.name == name.name) {
                        Some(i) => set.push(i as u32),
                        None => {
                            let names: Vec<&str> = flags.flags.iter().map(|f| f.name.as_str()).collect();
                            self.checker.diagnostics.push(
                                Diagnostic::error(
                                    "unknown-flag",
                                    format!("flags `{type_name}` have no flag `{}`", name.name),
                                    name.span,
                                    "unknown flag",
                                )
                                .with_note(format!("its flags are: {}", names.join(", "))),
                            );
                        }
                    }
                }
                self.push_expr(ir::ExprKind::Flags(set), ty, span)
            }
            _ => {
                self.infer_values(items);
                let what = if items.iter().all(|(_, v)| v.is_none()) { "flags value" } else { "record" };
                self.wrong_literal(what, ty, span)
            }
        }
    }

    /// `some(x)`, `ok(x)`, `err(e)` and `ty::case(x)`: a case with a
    /// payload. `None` when the callee is not a case (it is a call).
    fn case_call(
        &mut self,
        callee: &ast::Expr,
        args: &[ast::Expr],
        expected: Option<Ty>,
        span: Span,
    ) -> Option<ExprId> {
        let callee = strip_parens(callee);
        let (ty, case_name, case_span) = match &callee.kind {
            A::Name(name)
                if matches!(name.name.as_str(), "some" | "ok" | "err")
                    && self.lookup_local(&name.name).is_none()
                    && !self.checker.names.contains_key(&name.name) =>
            {
                match expected {
                    Some(t) => (t, name.name.clone(), name.span),
                    None => {
                        for a in args {
                            self.infer(a);
                        }
                        let what = if name.name == "some" { "option" } else { "result" };
                        return Some(self.needs_annotation(what, span));
                    }
                }
            }
            A::Path(type_name, case) if type_name.name == "string" && self.checker.scoped_type("string").is_none() => {
                return Some(self.string_function(case, args, span));
            }
            A::Path(type_name, case) => {
                let ty = self.checker.type_for_path(type_name)?;
                if let Some((true, r)) = ty.handle(&self.checker.resolve) {
                    if self.checker.is_defined(r) {
                        return Some(self.defined_path_call(r, case, args, span));
                    }
                    return Some(self.resource_path_call(r, case, args, span));
                }
                (ty, case.name.clone(), case.span)
            }
            _ => return None,
        };
        if ty == Ty::Error {
            for a in args {
                self.infer(a);
            }
            return Some(self.error_expr(span));
        }
        let Some((index, payload)) = self.checker.case_of(ty, &case_name, case_span) else {
            for a in args {
                self.infer(a);
            }
            return Some(self.error_expr(span));
        };
        let type_name = self.checker.ty_name(ty);
        match (payload, args) {
            (Some(p), [arg]) => {
                let id = self.check(arg, p);
                Some(self.push_expr(ir::ExprKind::Case(index, Some(id)), ty, span))
            }
            (Some(_), _) => {
                for a in args {
                    self.infer(a);
                }
                self.checker.diagnostics.push(Diagnostic::error(
                    "wrong-case-payload",
                    format!("case `{case_name}` of `{type_name}` takes one payload value"),
                    span,
                    format!("{} given", args.len()),
                ));
                Some(self.error_expr(span))
            }
            (None, _) => {
                for a in args {
                    self.infer(a);
                }
                self.checker.diagnostics.push(
                    Diagnostic::error(
                        "wrong-case-payload",
                        format!("case `{case_name}` of `{type_name}` has no payload"),
                        span,
                        "no payload expected",
                    )
                    .with_help(format!("write `{case_name}` without parentheses")),
                );
                Some(self.error_expr(span))
            }
        }
    }

    /// `base.field` or `base.0`.
    fn field(&mut self, base: &ast::Expr, field: &ast::Ident, span: Span) -> ExprId {
        let base_id = self.lend_place(base);
        let base_ty = self.ty(base_id);
        if base_ty == Ty::Error {
            return self.error_expr(span);
        }
        if let Some((_, r)) = base_ty.handle(&self.checker.resolve)
            && self.checker.is_defined(r)
        {
            return self.defined_field(r, base_id, field, span);
        }
        let name = self.checker.ty_name(base_ty);
        match base_ty.def(&self.checker.resolve).cloned() {
            Some(TypeDefKind::Record(record)) => match record.fields.iter().position(|f| f.name == field.name) {
                Some(i) => {
                    let t = self.checker.from_wit(&record.fields[i].ty);
                    if !self.no_partial_move(t, span) {
                        return self.error_expr(span);
                    }
                    self.push_expr(ir::ExprKind::Field(base_id, i as u32), t, span)
                }
                None => {
                    let names: Vec<&str> = record.fields.iter().map(|f| f.name.as_str()).collect();
                    let suggestions = similar(&field.name, names.iter().copied());
                    let mut d = Diagnostic::error(
                        "unknown-field",
                        format!("record `{name}` has no field `{}`", field.name),
                        field.span,
                        "unknown field",
                    )
                    .with_label(base.span, format!("this is `{name}`"));
                    d = if suggestions.is_empty() {
                        d.with_note(format!("its fields are: {}", names.join(", ")))
                    } else {
                        d.with_help(format!("did you mean {}?", one_of(&suggestions)))
                    };
                    self.checker.diagnostics.push(d);
                    self.error_expr(span)
                }
            },
            Some(TypeDefKind::Tuple(tuple)) => match field.name.parse::<usize>() {
                Ok(i) if i < tuple.types.len() => {
                    let t = self.checker.from_wit(&tuple.types[i]);
                    if !self.no_partial_move(t, span) {
                        return self.error_expr(span);
                    }
                    self.push_expr(ir::ExprKind::Field(base_id, i as u32), t, span)
                }
                _ => {
                    self.checker.diagnostics.push(Diagnostic::error(
                        "unknown-field",
                        format!("`{name}` has no element `{}`", field.name),
                        field.span,
                        format!("elements are numbered 0 to {}", tuple.types.len() - 1),
                    ));
                    self.error_expr(span)
                }
            },
            _ => {
                self.checker.diagnostics.push(
                    Diagnostic::error("unknown-field", format!("`{name}` has no fields"), field.span, "no such field")
                        .with_label(base.span, format!("this is `{name}`")),
                );
                self.error_expr(span)
            }
        }
    }

    fn not_callable(&mut self, callee: &ast::Expr) {
        self.checker.diagnostics.push(Diagnostic::error(
            "not-callable",
            "this is not a function",
            callee.span,
            "cannot be called",
        ));
    }
}

impl Checker {
    /// Converts a WIT type met inside an already accepted type.
    fn from_wit(&mut self, ty: &wit_parser::Type) -> Ty {
        self.interner.from_wit(&mut self.resolve, ty).unwrap_or(Ty::Error)
    }

    /// The type named before `::` in `ty::case`.
    fn type_for_path(&mut self, type_name: &ast::Ident) -> Option<Ty> {
        if let Some(t) = self.scoped_type(&type_name.name) {
            return Some(t);
        }
        match self.names.get(&type_name.name).copied() {
            Some(Binding::Type(t)) => Some(t),
            // Let `value_path` report it.
            _ => {
                self.value_path(type_name, type_name);
                None
            }
        }
    }

    /// The index and payload type of case `name` of a variant, `option`
    /// or `result` type; reports an unknown case.
    fn case_of(&mut self, ty: Ty, name: &str, span: Span) -> Option<(u32, Option<Ty>)> {
        let type_name = self.ty_name(ty);
        let cases: Vec<(String, Option<wit_parser::Type>)> = match ty.def(&self.resolve) {
            Some(TypeDefKind::Variant(v)) => v.cases.iter().map(|c| (c.name.clone(), c.ty)).collect(),
            Some(TypeDefKind::Option(t)) => vec![("none".into(), None), ("some".into(), Some(*t))],
            Some(TypeDefKind::Result(r)) => vec![("ok".into(), r.ok), ("err".into(), r.err)],
            _ => {
                let kind = if matches!(name, "some" | "none") { "an option" } else { "a result" };
                let d = Diagnostic::error(
                    "type-mismatch",
                    format!("`{name}` makes {kind}, but `{type_name}` is expected"),
                    span,
                    format!("expected `{type_name}`"),
                );
                self.diagnostics.push(d);
                return None;
            }
        };
        match cases.iter().position(|(n, _)| n == name) {
            Some(i) => {
                let payload = cases[i].1.map(|t| self.from_wit(&t));
                Some((i as u32, payload))
            }
            None => {
                let names: Vec<&str> = cases.iter().map(|(n, _)| n.as_str()).collect();
                let d = Diagnostic::error(
                    "unknown-case",
                    format!("`{type_name}` has no case `{name}`"),
                    span,
                    "no such case",
                );
                self.diagnostics.push(suggest_or_list(d, name, &names, "cases"));
                None
            }
        }
    }

    /// Resolves `type::case` to an enum type and case index.
    fn value_path(&mut self, type_name: &ast::Ident, case: &ast::Ident) -> Option<(Ty, u32)> {
        let scoped = self.scoped_type(&type_name.name).map(Binding::Type);
        let ty = match scoped.or_else(|| self.names.get(&type_name.name).copied()) {
            Some(Binding::Type(t)) => t,
            Some(_) => {
                self.diagnostics.push(Diagnostic::error(
                    "not-a-type",
                    format!("`{}` is not a type", type_name.name),
                    type_name.span,
                    "expected an enum type",
                ));
                return None;
            }
            None => {
                let candidates: Vec<&str> =
                    self.names.iter().filter(|(_, b)| matches!(b, Binding::Type(_))).map(|(n, _)| n.as_str()).collect();
                let suggestions = similar(&type_name.name, candidates);
                let mut d = Diagnostic::error(
                    "unknown-type",
                    format!("unknown type `{}`", type_name.name),
                    type_name.span,
                    "not a known type",
                );
                if !suggestions.is_empty() {
                    d = d.with_help(format!("did you mean {}?", one_of(&suggestions)));
                } else {
                    d = d.with_help(format!("import it, e.g. `import {{ {} }} from ns:pkg/iface;`", type_name.name));
                }
                self.diagnostics.push(d);
                return None;
            }
        };
        if ty == Ty::Error {
            return None;
        }
        let cases = ty.enum_cases(&self.resolve);
        if !matches!(ty, Ty::Enum(_)) {
            self.diagnostics.push(Diagnostic::error(
                "not-an-enum",
                format!("`{}` is not an enum", type_name.name),
                type_name.span,
                "has no cases",
            ));
            return None;
        }
        match cases.iter().position(|c| *c == case.name) {
            Some(i) => Some((ty, i as u32)),
            None => {
                let suggestions = similar(&case.name, cases.iter().map(|s| s.as_str()));
                let mut d = Diagnostic::error(
                    "unknown-case",
                    format!("enum `{}` has no case `{}`", type_name.name, case.name),
                    case.span,
                    "no such case",
                );
                d = if suggestions.is_empty() {
                    d.with_note(format!("its cases are: {}", cases.join(", ")))
                } else {
                    d.with_help(format!("did you mean {}?", one_of(&suggestions)))
                };
                self.diagnostics.push(d);
                None
            }
        }
    }
}

/// Does a block contain a statement the parser could not read?
fn has_error_stmt(stmts: &[ast::Stmt]) -> bool {
    crate::stack::grow(|| {
        stmts.iter().any(|s| match &s.kind {
            StmtKind::Error => true,
            StmtKind::If(i) => if_has_error(i),
            StmtKind::While { body, .. }
            | StmtKind::Loop(body)
            | StmtKind::For { body, .. }
            | StmtKind::ForEach { body, .. } => has_error_stmt(&body.stmts),
            StmtKind::Match(m) => m.arms.iter().any(|a| has_error_stmt(&a.body.stmts)),
            _ => false,
        })
    })
}

fn if_has_error(i: &ast::IfStmt) -> bool {
    crate::stack::grow(|| {
        has_error_stmt(&i.then.stmts)
            || match &i.otherwise {
                Some(ast::Else::Block(b)) => has_error_stmt(&b.stmts),
                Some(ast::Else::If(inner, _)) => if_has_error(inner),
                None => false,
            }
    })
}

/// A numeric constant folded from literals, `-` and parentheses.
enum Folded {
    /// An integer and whether it is too large for any type.
    Int(i128, bool),
    /// A float.
    Float(f64),
}

/// Folds `expr` if it is a numeric literal, possibly negated (any number of
/// times) and parenthesised.
fn fold_number(expr: &ast::Expr) -> Option<Folded> {
    crate::stack::grow(|| match &expr.kind {
        A::Int(v) => Some(Folded::Int(literal_value(*v), *v > LITERAL_LIMIT)),
        A::Float(f) => Some(Folded::Float(*f)),
        A::Paren(inner) => fold_number(inner),
        A::Unary { op: UnaryOp::Neg, operand } => match fold_number(operand)? {
            Folded::Int(v, saturated) => Some(Folded::Int(-v, saturated)),
            Folded::Float(f) => Some(Folded::Float(-f)),
        },
        _ => None,
    })
}

/// The type a numeric literal has when nothing gives it one: `s32`, or the
/// first of `s64` and `u64` that holds it; `f64` for floats.
fn default_literal_type(folded: &Folded) -> Ty {
    match folded {
        Folded::Float(_) => Ty::F64,
        Folded::Int(v, _) if i32::try_from(*v).is_ok() => Ty::S32,
        Folded::Int(v, _) if i64::try_from(*v).is_ok() => Ty::S64,
        Folded::Int(..) => Ty::U64,
    }
}

/// Literals above this fit no Claw type even when negated (2^64 > `u64::MAX`
/// and `-2^64 < s64::MIN`); they are reported as out of range.
const LITERAL_LIMIT: u128 = 1 << 64;

/// A literal's value as an `i128`, clamped so that negating it cannot overflow.
fn literal_value(v: u128) -> i128 {
    v.min(LITERAL_LIMIT) as i128
}

fn strip_parens(expr: &ast::Expr) -> &ast::Expr {
    match &expr.kind {
        A::Paren(inner) => strip_parens(inner),
        _ => expr,
    }
}

fn is_comparison(op: BinaryOp) -> bool {
    matches!(op, BinaryOp::Eq | BinaryOp::Ne | BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge)
}

/// Can control reach the end of these statements (fall through)?
pub fn completes(stmts: &[ir::Stmt]) -> bool {
    !stmts.iter().any(diverges)
}

/// Does this statement never fall through to the next one?
fn diverges(stmt: &ir::Stmt) -> bool {
    crate::stack::grow(|| match stmt {
        ir::Stmt::Return(_) | ir::Stmt::Break | ir::Stmt::Continue => true,
        ir::Stmt::If { then, otherwise, .. } => !completes(then) && !completes(otherwise) && !otherwise.is_empty(),
        ir::Stmt::Loop(body) => !breaks(body),
        ir::Stmt::Block(body) => !completes(body),
        _ => false,
    })
}

/// Does a `break` in these statements leave the loop they belong to?
fn breaks(stmts: &[ir::Stmt]) -> bool {
    crate::stack::grow(|| {
        stmts.iter().any(|s| match s {
            ir::Stmt::Break => true,
            ir::Stmt::If { then, otherwise, .. } => breaks(then) || breaks(otherwise),
            ir::Stmt::Block(body) => breaks(body),
            _ => false,
        })
    })
}
