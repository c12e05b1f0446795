//! A running instance ([`Session`]) and how export names are resolved.
//!
//! A function is named by its export path: a root-level function export is
//! just its name (`run`); a function in an exported interface is the
//! interface's export name, `#`, and the function name
//! (`example:semver/versions@0.1.0#parse`). Shorter spellings are accepted
//! when they pick out exactly one function: the interface without its version
//! (`example:semver/versions#parse`), the interface's own name
//! (`versions#parse`), wit-parser's item syntax
//! (`example:semver/versions.parse@0.1.0`), or the bare function name
//! (`parse`). A root-level export always wins for a bare name.

use std::sync::Arc;

use wasmtime::Store;
use wasmtime::component::types::ComponentItem;
use wasmtime::component::{Component, ComponentExportIndex, Func, Instance, Type, Val};

use crate::host::LogRecord;
use crate::wave::{check_val, split_call, to_wave, type_name};
use crate::{Host, RunError};

/// One exported function, found from the component's type at load time.
#[derive(Debug, Clone)]
pub(crate) struct ExportFn {
    /// Path of export names: `[func]` or `[interface, func]` (deeper for
    /// nested instances).
    path: Vec<String>,
    /// The canonical name, `path` joined with `#`.
    name: String,
    index: ComponentExportIndex,
}

impl ExportFn {
    /// Whether `query` names this function in one of the accepted
    /// shorthand spellings (the exact name is checked separately).
    fn answers_to(&self, query: &str) -> bool {
        let Some((func, parents)) = self.path.split_last() else {
            return false;
        };
        if query == func {
            return true;
        }
        let Some(iface) = parents.last() else {
            return false;
        };
        let prefix = parents[..parents.len() - 1].iter().map(|p| format!("{p}#")).collect::<String>();
        let unversioned = iface.split_once('@').map_or(iface.as_str(), |(n, _)| n);
        let short = unversioned.rsplit_once('/').map_or(unversioned, |(_, s)| s);
        let mut spellings = vec![
            format!("{prefix}{unversioned}#{func}"),
            format!("{prefix}{short}#{func}"),
            format!("{prefix}{unversioned}.{func}"),
        ];
        if let Some((_, version)) = iface.split_once('@') {
            spellings.push(format!("{prefix}{unversioned}.{func}@{version}"));
        }
        spellings.iter().any(|s| s == query)
    }
}

/// Lists the component's exported functions, in export order.
pub(crate) fn collect_exports(component: &Component) -> Vec<ExportFn> {
    fn walk(
        component: &Component,
        engine: &wasmtime::Engine,
        item: &ComponentItem,
        parent: Option<&ComponentExportIndex>,
        path: Vec<String>,
        out: &mut Vec<ExportFn>,
    ) {
        let Some(name) = path.last() else { return };
        let Some(index) = component.get_export_index(parent, name) else {
            return;
        };
        match item {
            ComponentItem::ComponentFunc(_) => out.push(ExportFn { name: path.join("#"), path, index }),
            ComponentItem::ComponentInstance(inst) => {
                for (child, ext) in inst.exports(engine) {
                    let mut child_path = path.clone();
                    child_path.push(child.to_string());
                    walk(component, engine, &ext.ty, Some(&index), child_path, out);
                }
            }
            _ => {}
        }
    }
    let engine = component.engine();
    let ty = component.component_type();
    let mut out = Vec::new();
    for (name, ext) in ty.exports(engine) {
        walk(component, engine, &ext.ty, None, vec![name.to_string()], &mut out);
    }
    out
}

/// An instantiated component with its own `Store<Host>`.
///
/// # Naming functions
///
/// A root-level function export is named by its export name (`run`); a
/// function in an exported interface by the interface's export name, `#`,
/// and the function name (`example:semver/versions@0.1.0#parse`). Shorter
/// spellings are accepted when they pick out exactly one function: without
/// the version (`example:semver/versions#parse`), the interface's own name
/// (`versions#parse`), wit-parser's item syntax
/// (`example:semver/versions.parse@0.1.0`), or the bare function name
/// (`parse`). The exact canonical name always wins. Resource functions use
/// their component-model names (`[constructor]cache`, `[method]cache.get`).
///
/// Calls run synchronously on the current thread. After a trap the instance
/// may refuse further calls (wasmtime poisons it); create a new session.
pub struct Session {
    store: Store<Host>,
    instance: Instance,
    exports: Arc<Vec<ExportFn>>,
}

impl Session {
    pub(crate) fn new(store: Store<Host>, instance: Instance, exports: Arc<Vec<ExportFn>>) -> Self {
        Session { store, instance, exports }
    }

    /// Parses `name(arg, ...)` (WAVE call syntax; the name as described
    /// [above](Session#naming-functions)), parses the arguments as WAVE against the
    /// function's parameter types, calls it, and returns the result as WAVE
    /// text: `None` when the function has no result; several results (legacy
    /// multi-value functions) are rendered as a WAVE tuple.
    ///
    /// # Errors
    ///
    /// [`RunError::Usage`] for call text that is not `name(args)`, arguments
    /// that are not valid WAVE for the parameter types or are too many / too
    /// few (trailing `option` parameters may be omitted), or an unknown or
    /// ambiguous name (the message lists the available functions).
    /// [`RunError::Trap`] when the guest fails. [`RunError::Other`] when the
    /// result cannot be written as WAVE (e.g. a resource).
    pub fn invoke(&mut self, call: &str) -> Result<Option<String>, RunError> {
        let parsed = split_call(call)?;
        let export = resolve(&self.exports, parsed.name)?.clone();
        let func = self.func(&export)?;
        let (params, results) = self.signature(&func);
        let signature = signature_text(&func.ty(&self.store));
        let args = parsed.args(&params, &signature)?;
        let values = self.call_func(&export, func, &args, results.len())?;
        match values.as_slice() {
            [] => Ok(None),
            [one] => to_wave(one).map(Some),
            many => {
                let parts = many.iter().map(to_wave).collect::<Result<Vec<_>, _>>()?;
                Ok(Some(format!("({})", parts.join(", "))))
            }
        }
    }

    /// Calls the exported function `name` (same naming as
    /// [`invoke`](Self::invoke)) with already-built values and returns its
    /// result values (empty when it has no result).
    ///
    /// # Errors
    ///
    /// [`RunError::Usage`] for an unknown name or arguments of the wrong
    /// number or types (checked before the call); [`RunError::Trap`] when the
    /// guest fails.
    pub fn call(&mut self, name: &str, args: &[Val]) -> Result<Vec<Val>, RunError> {
        let export = resolve(&self.exports, name)?.clone();
        let func = self.func(&export)?;
        let (params, results) = self.signature(&func);
        if params.len() != args.len() {
            return Err(RunError::Usage(format!(
                "`{}{}` takes {} argument(s), {} given",
                export.name,
                signature_text(&func.ty(&self.store)),
                params.len(),
                args.len()
            )));
        }
        for (i, (ty, arg)) in params.iter().zip(args).enumerate() {
            check_val(ty, arg, &format!("argument {}", i + 1))
                .map_err(|msg| RunError::Usage(format!("wrong argument for `{}`: {msg}", export.name)))?;
        }
        self.call_func(&export, func, args, results.len())
    }

    /// The parameter and result types of the exported function `name` (same
    /// naming as [`invoke`](Self::invoke)), e.g. to parse expected values
    /// with [`from_wave`](crate::from_wave).
    ///
    /// # Errors
    ///
    /// [`RunError::Usage`] for an unknown or ambiguous name.
    pub fn func_type(&mut self, name: &str) -> Result<(Vec<Type>, Vec<Type>), RunError> {
        let export = resolve(&self.exports, name)?.clone();
        let func = self.func(&export)?;
        Ok(self.signature(&func))
    }

    /// The canonical names of all exported functions, in export order
    /// (`run`, `example:semver/versions@0.1.0#parse`, ...).
    pub fn exports(&self) -> Vec<String> {
        Self::export_names(&self.exports)
    }

    pub(crate) fn export_names(exports: &[ExportFn]) -> Vec<String> {
        exports.iter().map(|e| e.name.clone()).collect()
    }

    /// Every `wasi:logging` call the guest has made, oldest first.
    pub fn logs(&self) -> &[LogRecord] {
        self.store.data().logs()
    }

    /// What the guest wrote to stdout so far, or `None` when stdout is
    /// inherited ([`RunOptions::inherit_stdout`](crate::RunOptions)).
    pub fn captured_stdout(&self) -> Option<String> {
        self.store.data().captured_stdout()
    }

    /// What the guest (and the logging host) wrote to stderr so far, or
    /// `None` when stderr is inherited.
    pub fn captured_stderr(&self) -> Option<String> {
        self.store.data().captured_stderr()
    }

    /// The largest size, in bytes, that any linear memory of the session
    /// has grown to (0 if none ever grew past its initial size).
    pub fn peak_memory_bytes(&self) -> usize {
        self.store.data().memory.peak_bytes
    }

    /// The underlying store, for direct wasmtime use.
    pub fn store(&self) -> &Store<Host> {
        &self.store
    }

    /// The underlying store, mutably.
    pub fn store_mut(&mut self) -> &mut Store<Host> {
        &mut self.store
    }

    /// The underlying instance.
    pub fn instance(&self) -> Instance {
        self.instance
    }

    fn func(&mut self, export: &ExportFn) -> Result<Func, RunError> {
        self.instance
            .get_func(&mut self.store, export.index)
            .ok_or_else(|| RunError::Other(format!("export `{}` is not a function", export.name)))
    }

    fn signature(&self, func: &Func) -> (Vec<Type>, Vec<Type>) {
        let ty = func.ty(&self.store);
        (ty.params().map(|(_, t)| t).collect(), ty.results().collect())
    }

    fn call_func(
        &mut self,
        export: &ExportFn,
        func: Func,
        args: &[Val],
        n_results: usize,
    ) -> Result<Vec<Val>, RunError> {
        let mut results = vec![Val::Bool(false); n_results];
        func.call(&mut self.store, args, &mut results).map_err(|e| match RunError::from_execution(&e) {
            RunError::Trap { message, backtrace } => {
                RunError::Trap { message: format!("{message} (in `{}`)", export.name), backtrace }
            }
            other => other,
        })?;
        Ok(results)
    }
}

/// `(name: type, ...) -> type` for messages.
fn signature_text(ty: &wasmtime::component::types::ComponentFunc) -> String {
    let params: Vec<String> = ty.params().map(|(n, t)| format!("{n}: {}", type_name(&t))).collect();
    let results: Vec<String> = ty.results().map(|t| type_name(&t)).collect();
    match results.as_slice() {
        [] => format!("({})", params.join(", ")),
        [one] => format!("({}) -> {one}", params.join(", ")),
        many => format!("({}) -> ({})", params.join(", "), many.join(", ")),
    }
}

/// Finds the function `name` names: the exact canonical name, else the one
/// function a shorthand spelling picks out.
fn resolve<'a>(exports: &'a [ExportFn], name: &str) -> Result<&'a ExportFn, RunError> {
    if let Some(e) = exports.iter().find(|e| e.name == name) {
        return Ok(e);
    }
    let candidates: Vec<&ExportFn> = exports.iter().filter(|e| e.answers_to(name)).collect();
    match candidates.as_slice() {
        [one] => Ok(one),
        [] => Err(RunError::Usage(format!("no exported function `{name}`; {}", available(exports)))),
        many => Err(RunError::Usage(format!(
            "`{name}` is ambiguous: it could be {}",
            many.iter().map(|e| format!("`{}`", e.name)).collect::<Vec<_>>().join(", ")
        ))),
    }
}

fn available(exports: &[ExportFn]) -> String {
    if exports.is_empty() {
        "the component exports no functions".to_string()
    } else {
        format!("available: {}", exports.iter().map(|e| format!("`{}`", e.name)).collect::<Vec<_>>().join(", "))
    }
}
