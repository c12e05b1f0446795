//! Resources imported from WIT interfaces: calls of their constructors
//! (`R::new(...)`), static functions (`R::name(...)`) and methods
//! (`handle.name(...)`), each an import of the interface's function
//! `[constructor]R`, `[static]R.name` or `[method]R.name` (the canonical
//! ABI's names), and the `[resource-drop]R` intrinsic that ends an owned
//! handle.

use super::{BodyChecker, Checker, Signature};
use crate::ast;
use crate::diagnostic::Diagnostic;
use crate::ir::{self, Callee, ExprId, ImportId};
use crate::span::Span;
use crate::suggest::{suggest_or_list, suggest_or_note};
use crate::types::Ty;
use wit_parser::{InterfaceId, TypeId, TypeOwner};

impl Checker {
    /// The import of function `wit_name` of `interface` (created once).
    /// Reports, at `span`, a signature that uses types Claw cannot pass.
    pub(super) fn import_function(&mut self, interface: InterfaceId, wit_name: &str, span: Span) -> Option<ImportId> {
        if let Some(id) = self.imported.get(&(interface, wit_name.to_string())) {
            return Some(*id);
        }
        let func = self.resolve.interfaces[interface].functions.get(wit_name)?.clone();
        let mut params = Vec::new();
        let mut unsupported = None;
        for param in &func.params {
            match self.interner.from_wit(&mut self.resolve, &param.ty) {
                Ok(t) => params.push((param.name.clone(), t)),
                Err(kind) => unsupported = Some(kind),
            }
        }
        let result = match &func.result {
            None => None,
            Some(t) => match self.interner.from_wit(&mut self.resolve, t) {
                Ok(t) => Some(t),
                Err(kind) => {
                    unsupported = Some(kind);
                    None
                }
            },
        };
        if let Some(kind) = unsupported {
            let iface_name = super::iface_display(&self.resolve, interface);
            self.diagnostics.push(
                Diagnostic::error(
                    "unsupported-type",
                    format!("`{wit_name}` from `{iface_name}` uses a {kind} type, which Claw cannot pass yet"),
                    span,
                    "used here",
                )
                .with_note(
                    "this version of Claw passes every WIT value type and resource handle, but not futures or streams",
                ),
            );
            return None;
        }
        if !self.module.interfaces.contains(&interface) {
            self.module.interfaces.push(interface);
        }
        let id = ImportId(self.module.imports.len() as u32);
        self.module.imports.push(ir::ImportFunc {
            name: wit_name.to_string(),
            interface: Some(interface),
            params: params.clone(),
            result,
            docs: String::new(),
            of_export: None,
        });
        self.import_signatures.push(Signature { params, result, span });
        self.imported.insert((interface, wit_name.to_string()), id);
        Some(id)
    }

    /// The `resource.drop` intrinsic of resource `r` (core import `R_drop`
    /// from the resource's interface), which ends an owned handle.
    pub(super) fn resource_drop(&mut self, r: TypeId) -> Option<ImportId> {
        let own = self.interner.handle(&mut self.resolve, true, r);
        self.resource_intrinsic(r, "drop", vec![("self".into(), own)], None)
    }

    /// The canonical ABI intrinsic `R_<suffix>` of resource `r` (imported
    /// once), from `cm32p2|<interface>` for an imported resource and
    /// `cm32p2|_ex_<interface>` for one the file defines.
    pub(super) fn resource_intrinsic(
        &mut self,
        r: TypeId,
        suffix: &str,
        params: Vec<(String, Ty)>,
        result: Option<Ty>,
    ) -> Option<ImportId> {
        // The standard core name of the intrinsic.
        let name = format!("{}_{suffix}", self.resolve.types[r].name.clone()?);
        let owner = match self.resolve.types[r].owner {
            TypeOwner::Interface(i) => Some(i),
            _ => None,
        };
        let of_export = self.defined_core_interface(r);
        let module = match (&of_export, owner) {
            (Some(core), _) => format!("_ex_{core}"),
            (None, Some(interface)) => {
                if !self.module.interfaces.contains(&interface) {
                    self.module.interfaces.push(interface);
                }
                self.resolve.canonicalized_id_of(interface).unwrap_or_default()
            }
            (None, None) => return None,
        };
        if let Some(id) = self.intrinsics.get(&(module.clone(), name.clone())) {
            return Some(*id);
        }
        let id = ImportId(self.module.imports.len() as u32);
        self.module.imports.push(ir::ImportFunc {
            name: name.clone(),
            interface: owner,
            params: params.clone(),
            result,
            docs: String::new(),
            of_export,
        });
        self.import_signatures.push(Signature { params, result, span: Span::default() });
        self.intrinsics.insert((module, name), id);
        Some(id)
    }

    /// The interface that defines resource `r` and the resource's name.
    fn resource_home(&self, r: TypeId) -> Option<(InterfaceId, String)> {
        match self.resolve.types[r].owner {
            TypeOwner::Interface(i) => Some((i, self.resolve.types[r].name.clone()?)),
            _ => None,
        }
    }

    /// The functions of resource `r` with `prefix` (`[method]R.`), by their
    /// names after it, for suggestions.
    fn resource_functions(&self, r: TypeId, prefix: &str) -> Vec<String> {
        let Some((interface, _)) = self.resource_home(r) else { return Vec::new() };
        self.resolve.interfaces[interface]
            .functions
            .keys()
            .filter_map(|k| k.strip_prefix(prefix).map(str::to_string))
            .collect()
    }
}

impl BodyChecker<'_> {
    /// `R::new(args)` or `R::name(args)` where `R` is an imported resource.
    pub(super) fn resource_path_call(
        &mut self,
        r: TypeId,
        name: &ast::Ident,
        args: &[ast::Expr],
        span: Span,
    ) -> ExprId {
        let Some((interface, resource)) = self.checker.resource_home(r) else {
            return self.error_args(args, span);
        };
        let (wit_name, what, prefix) = if name.name == "new" {
            (format!("[constructor]{resource}"), "constructor", String::new())
        } else {
            (format!("[static]{resource}.{}", name.name), "static function", format!("[static]{resource}."))
        };
        if !self.checker.resolve.interfaces[interface].functions.contains_key(&wit_name) {
            let mut names = self.checker.resource_functions(r, &format!("[static]{resource}."));
            if self.checker.resolve.interfaces[interface].functions.contains_key(&format!("[constructor]{resource}")) {
                names.push("new".into());
            }
            let _ = prefix;
            let refs: Vec<&str> = names.iter().map(|s| s.as_str()).collect();
            let d = Diagnostic::error(
                "unknown-function",
                format!("resource `{resource}` has no {what} `{}`", name.name),
                name.span,
                "not defined by the resource",
            );
            let d = suggest_or_note(
                d,
                &name.name,
                &refs,
                "constructor and static functions",
                format!("`{resource}` has no constructor or static functions"),
            );
            self.checker.diagnostics.push(d);
            return self.error_args(args, span);
        }
        match self.checker.import_function(interface, &wit_name, name.span) {
            Some(import) => self.member_call(Callee::Import(import), &wit_name, None, args, span),
            None => self.error_args(args, span),
        }
    }

    /// `handle.name(args)`: a method of the resource `handle` refers to.
    pub(super) fn resource_method_call(
        &mut self,
        r: TypeId,
        receiver: ExprId,
        method: &ast::Ident,
        args: &[ast::Expr],
        span: Span,
    ) -> ExprId {
        let Some((interface, resource)) = self.checker.resource_home(r) else {
            return self.error_args(args, span);
        };
        let wit_name = format!("[method]{resource}.{}", method.name);
        if !self.checker.resolve.interfaces[interface].functions.contains_key(&wit_name) {
            let names = self.checker.resource_functions(r, &format!("[method]{resource}."));
            let refs: Vec<&str> = names.iter().map(|s| s.as_str()).collect();
            let d = Diagnostic::error(
                "unknown-method",
                format!("resource `{resource}` has no method `{}`", method.name),
                method.span,
                "unknown method",
            );
            self.checker.diagnostics.push(suggest_or_list(d, &method.name, &refs, "methods"));
            return self.error_args(args, span);
        }
        match self.checker.import_function(interface, &wit_name, method.span) {
            Some(import) => self.member_call(Callee::Import(import), &wit_name, Some(receiver), args, span),
            None => self.error_args(args, span),
        }
    }

    /// Checks `args` against the parameters of a resource function
    /// (an import, or a function of a resource defined here), after the
    /// receiver when there is one, lending to `borrow<R>` parameters, and
    /// builds the call. `wit_name` names the function in errors.
    pub(super) fn member_call(
        &mut self,
        callee: Callee,
        wit_name: &str,
        receiver: Option<ExprId>,
        args: &[ast::Expr],
        span: Span,
    ) -> ExprId {
        let sig = match callee {
            Callee::Import(i) => &self.checker.import_signatures[i.index()],
            Callee::Func(f) => &self.checker.signatures[f.index()],
        };
        let params: Vec<(String, Ty)> = sig.params.iter().skip(receiver.is_some() as usize).cloned().collect();
        let result = sig.result.unwrap_or(Ty::Unit);
        if params.len() != args.len() {
            let list: Vec<String> = params.iter().map(|(n, t)| format!("{n}: {}", self.checker.ty_name(*t))).collect();
            let shown = wit_name.rsplit(['.', ']']).next().unwrap_or(wit_name);
            self.checker.diagnostics.push(Diagnostic::error(
                "wrong-arity",
                format!("`{shown}` takes {} argument(s) but {} were supplied", params.len(), args.len()),
                span,
                format!("expected `({})`", list.join(", ")),
            ));
            return self.error_args(args, span);
        }
        let mut ids: Vec<ExprId> = receiver.into_iter().collect();
        for (arg, (_, ty)) in args.iter().zip(&params) {
            match ty.handle(&self.checker.resolve) {
                Some((false, _)) => ids.push(self.lend(arg, *ty)),
                _ => ids.push(self.check(arg, *ty)),
            }
        }
        self.push_expr(ir::ExprKind::Call(callee, ids), result, span)
    }

    /// Checks the arguments of a call that failed, for their own errors.
    pub(super) fn error_args(&mut self, args: &[ast::Expr], span: Span) -> ExprId {
        for a in args {
            self.infer(a);
        }
        self.error_expr(span)
    }
}
