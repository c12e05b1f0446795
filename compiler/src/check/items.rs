//! Collecting a file's items before any body is checked: functions,
//! exported interfaces (compared with their WIT), globals and their constant
//! initializers, literal range checks; then checking every body.

use super::*;

impl Checker {
    pub(super) fn define(&mut self, name: &ast::Ident, binding: Binding) -> bool {
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

    /// First pass: imports, globals and function signatures, so that items
    /// may be used before they are defined.
    pub(super) fn collect(&mut self, file: &ast::File) {
        // Most items are one function or global each: room for them up front
        // spares growing (and rehashing) these tables item by item.
        let items = file.items.len();
        self.names.reserve(items);
        self.name_spans.reserve(items);
        self.module.funcs.reserve(items);
        self.signatures.reserve(items);
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
        let mut external_names: HashMap<&str, Span> = HashMap::default();
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
                // Private to the component (see `defined::Home::Private`).
                ast::Item::Resource(def) => self.define_resources(
                    std::slice::from_ref(&**def),
                    &defined::Home::Private,
                    &mut HashMap::default(),
                ),
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
    pub(super) fn add_func(
        &mut self,
        func: &ast::FuncDef,
        sig: Signature,
        interface: Option<InterfaceId>,
        inline_interface: Option<String>,
    ) {
        let in_interface = interface.is_some() || inline_interface.is_some();
        self.add_func_scoped(func, sig, interface, inline_interface, !in_interface);
    }

    /// [`Checker::add_func`]; `scoped`: the name is bound in the file's
    /// scope (not for functions of interfaces and resources, whose names
    /// belong to them).
    pub(super) fn add_func_scoped(
        &mut self,
        func: &ast::FuncDef,
        sig: Signature,
        interface: Option<InterfaceId>,
        inline_interface: Option<String>,
        scoped: bool,
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
        if scoped {
            self.define(&func.name, Binding::Func(id));
        }
    }

    /// `export ns:pkg/iface { ... }`: every function of the interface, with
    /// its exact signature, and nothing else.
    pub(super) fn export_interface(&mut self, export: &ast::ExportInterface) {
        let interface = self.find_interface(&export.path);
        if interface.is_none() {
            self.poisoned.push(export.span);
        }
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
        let mut seen: HashMap<String, Span> = HashMap::default();
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
    pub(super) fn export_inline(&mut self, export: &ast::ExportInline) {
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
        self.define_resources(&export.resources, &defined::Home::Inline(name.clone()), &mut HashMap::default());
        let mut seen: HashMap<&str, Span> = HashMap::default();
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
    pub(super) fn check_inline_types(&mut self, sig: &Signature, span: Span) {
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
    pub(super) fn wit_signature(&mut self, f: &wit_parser::Function) -> String {
        let params: Vec<String> =
            f.params.iter().map(|p| format!("{}: {}", p.name, display_wit(&self.resolve, &p.ty))).collect();
        match &f.result {
            Some(r) => format!("({}) -> {}", params.join(", "), display_wit(&self.resolve, r)),
            None => format!("({})", params.join(", ")),
        }
    }

    /// The WIT function's parameter and result types, when `sig` differs
    /// from them (and has no error type, which was reported already).
    pub(super) fn signature_differs(
        &mut self,
        wit_func: &wit_parser::Function,
        sig: &Signature,
    ) -> Option<(Vec<Ty>, Option<Ty>)> {
        let wit_params: Vec<Ty> = wit_func.params.iter().map(|p| self.from_wit(&p.ty)).collect();
        let wit_result = wit_func.result.map(|t| self.from_wit(&t));
        let mine: Vec<Ty> = sig.params.iter().map(|(_, t)| *t).collect();
        let has_error = mine.iter().chain(sig.result.iter()).any(|t| *t == Ty::Error);
        (!has_error && (mine != wit_params || sig.result != wit_result)).then_some((wit_params, wit_result))
    }

    /// Reports a function of an exported interface whose signature differs
    /// from the WIT one (parameter names may differ).
    pub(super) fn compare_signature(
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

    pub(super) fn global(&mut self, global: &ast::Global) {
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
    pub(super) fn constant(&mut self, expr: &ast::Expr, ty: Ty) -> Const {
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

    pub(super) fn int_literal(&mut self, value: i128, saturated: bool, ty: Ty, span: Span) -> Option<Const> {
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

    pub(super) fn float_literal(&mut self, value: f64, ty: Ty, span: Span) -> Option<Const> {
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

    pub(super) fn mismatch(&mut self, expected: Ty, found: Ty, span: Span, cause: Option<(Span, String)>) {
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

    pub(super) fn check_bodies(&mut self, file: &ast::File, source: &str) {
        for (index, func) in file.funcs().enumerate() {
            self.check_body(index, func, source);
        }
        self.check_inits(file, source);
        self.finish_retire();
    }

    /// Checks the body of `func`, the file's `index`-th function (see
    /// [`ast::File::funcs`]), into its entry of the module.
    pub(super) fn check_body(&mut self, index: usize, func: &ast::FuncDef, source: &str) {
        let id = FuncId(index as u32);
        // Resource functions are named by WIT (`[method]R.m`), and a
        // constructor may be private. Nothing reads a function's
        // entry while bodies are checked: it is rebuilt here.
        let collected = std::mem::take(&mut self.module.funcs[id.index()]);
        let interface = collected.interface;
        self.type_scope = interface;
        let body_checker = BodyChecker::new(
            self,
            source,
            id,
            ir::Function {
                name: collected.name,
                exported: collected.exported,
                interface,
                inline_interface: collected.inline_interface,
                docs: func.docs.clone(),
                ..Default::default()
            },
            has_error_stmt(&func.body.stmts),
        );
        let function = body_checker.check_function(func);
        self.module.funcs[id.index()] = function;
        self.type_scope = None;
    }

    /// Checks the initializers of compound globals (constant expressions:
    /// literals, compound literals and cases) into [`ir::Module::init`].
    pub(super) fn check_inits(&mut self, file: &ast::File, source: &str) {
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
        let mut body_checker = BodyChecker::new(
            self,
            source,
            // Never read: constant expressions contain no `return` or `?`.
            FuncId(u32::MAX),
            ir::Function { name: "global initializers".into(), ..Default::default() },
            false,
        );
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
        let init = body_checker.finish();
        self.module.init = Some(init);
    }
}
