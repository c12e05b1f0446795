//! The index of one analysed file: every definition, every occurrence of a
//! name with the definition it resolves to, the local bindings with the range
//! where each is visible, and the type of every checked expression.
//!
//! Types come from the checker's IR (each function's expression arena with
//! its span side table, and its locals); names are resolved by walking the
//! syntax tree with the checker's scoping rules (a block, a `for` body and a
//! `match` arm open a scope; a `let` binding is visible after its statement)
//! against the same top-level names the checker binds. Nothing here runs on
//! the `check`/`compile` path.

use crate::ast::{self, ExprKind as A, Item, PatternKind, StmtKind, TypeDefBody, TypeKind};
use crate::ir;
use crate::span::Span;
use crate::types::{Ty, resource_of};
use std::collections::HashMap;
use wit_parser::{InterfaceId, PackageId, Resolve, TypeDefKind, TypeId};

/// An index into [`Index::defs`].
pub(crate) type DefId = usize;

/// What a definition is.
#[derive(Clone, Debug)]
pub(crate) enum DefKind {
    /// A local variable or parameter.
    Local { ty: Ty, mutable: bool, param: bool },
    /// A global.
    Global { ty: Ty, mutable: bool },
    /// A function defined in the file (`resource`: the resource it belongs to).
    Func { member: Option<(String, ast::MemberKind)> },
    /// `import name: func(...)`.
    PlainImport,
    /// A function of a WIT interface, imported with `import { f } from ...`
    /// or reached as a method of an imported resource.
    WitFunc { interface: InterfaceId, name: String },
    /// A type: defined in the file (`wit` is `None`) or a WIT type.
    Type { ty: Ty, wit: Option<TypeId> },
    /// A field of a record or resource (`owner`: the type's name).
    Field { owner: String, ty: Option<Ty>, wit: Option<(TypeId, usize)> },
    /// A case of an enum, variant or flags (`owner`: the type's name).
    Case { owner: String, payload: Option<String>, wit: Option<(TypeId, usize)> },
    /// A built-in method of strings or lists (`owner`: `string` or `list`).
    Builtin { owner: String },
    /// A WIT interface named by `import ... from`, `export` or `mock`.
    Interface { id: InterfaceId },
    /// An item the parser or checker could not make sense of.
    Unknown,
}

/// One definition.
#[derive(Clone, Debug)]
pub(crate) struct Def {
    /// Its name as written (without `%`).
    pub(crate) name: String,
    /// What it is.
    pub(crate) kind: DefKind,
    /// The defining name in this file, if it is defined here.
    pub(crate) span: Option<Span>,
    /// `///` documentation written in this file.
    pub(crate) docs: String,
    /// The signature of a function defined here (`func f(a: u32) -> u32`).
    pub(crate) sig: Option<Sig>,
}

/// A function signature in parts, for hover and signature help.
#[derive(Clone, Debug, Default)]
pub(crate) struct Sig {
    /// Up to the parameters: `func add`, `import log: func`, `constructor`.
    pub(crate) prefix: String,
    /// `name: type` of each parameter.
    pub(crate) params: Vec<String>,
    /// The result type, if any.
    pub(crate) result: Option<String>,
}

impl Sig {
    /// The signature as one line, and the byte range of each parameter in it.
    pub(crate) fn render(&self) -> (String, Vec<(u32, u32)>) {
        let mut out = format!("{}(", self.prefix);
        let mut ranges = Vec::new();
        for (i, p) in self.params.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            let start = out.len() as u32;
            out.push_str(p);
            ranges.push((start, out.len() as u32));
        }
        out.push(')');
        if let Some(r) = &self.result {
            out.push_str(" -> ");
            out.push_str(r);
        }
        (out, ranges)
    }

    /// The signature of a function as written in Claw.
    pub(crate) fn of_ast(prefix: String, sig: &ast::FuncSig) -> Sig {
        Sig {
            prefix,
            params: sig.params.iter().map(|p| format!("{}: {}", p.name.name, type_text(&p.ty))).collect(),
            result: sig.result.as_ref().map(type_text),
        }
    }
}

/// One occurrence of a name.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Occurrence {
    /// The name's span.
    pub(crate) span: Span,
    /// What it refers to.
    pub(crate) def: DefId,
    /// Is it the defining occurrence?
    pub(crate) decl: bool,
}

/// A local binding and where it is visible.
#[derive(Clone, Debug)]
pub(crate) struct ScopeEntry {
    pub(crate) name: String,
    pub(crate) def: DefId,
    /// From the end of its declaration to the end of its scope.
    pub(crate) visible: Span,
}

/// A `let` written without a type, for inlay hints.
#[derive(Clone, Debug)]
pub(crate) struct LetHint {
    pub(crate) name_end: u32,
    pub(crate) def: DefId,
}

/// Everything the queries read.
#[derive(Default)]
pub(crate) struct Index {
    pub(crate) defs: Vec<Def>,
    /// Sorted by span start.
    pub(crate) occurrences: Vec<Occurrence>,
    pub(crate) scopes: Vec<ScopeEntry>,
    /// `(span, type)` of every checked expression (the last pushed for a span wins).
    pub(crate) exprs: Vec<(Span, Ty)>,
    pub(crate) top: HashMap<String, DefId>,
    pub(crate) lets: Vec<LetHint>,
    /// Members (fields, cases, methods) of each type, by the type's WIT id.
    pub(crate) members: HashMap<(TypeId, String), DefId>,
    /// Definitions whose names WIT fixes (functions and resources of an
    /// exported WIT interface), with why they cannot be renamed.
    pub(crate) fixed: HashMap<DefId, String>,
    /// Imports renamed with `as`: the span of the imported (WIT) name,
    /// which a rename of the local name leaves alone.
    pub(crate) aliased: HashMap<DefId, Span>,
    /// `let {x} = p;`: the span of `x`, which names both a field and a new
    /// local, with `(field, local)`; renaming either writes `field: local`.
    pub(crate) shorthands: HashMap<Span, (DefId, DefId)>,
    /// Every `match`, for the "add missing arms" code action.
    pub(crate) matches: Vec<MatchSite>,
    /// Every `import { ... } from ...`, for the "import" code action.
    pub(crate) imports: Vec<ImportSite>,
    /// Where each plain `import name: func(...);` ends.
    pub(crate) plain_imports: Vec<u32>,
}

/// An `import { ... } from ...` item.
#[derive(Clone, Debug)]
pub(crate) struct ImportSite {
    /// The interface it names, if known.
    pub(crate) interface: Option<InterfaceId>,
    /// The whole item.
    pub(crate) span: Span,
    /// Where the last imported name (or its alias) ends.
    pub(crate) last_name_end: Option<u32>,
}

/// A `match` statement or expression.
#[derive(Clone, Debug)]
pub(crate) struct MatchSite {
    /// The scrutinee's span (where a non-exhaustive-match error points).
    pub(crate) scrutinee: Span,
    /// The whole `match`, up to its closing brace.
    pub(crate) span: Span,
    /// The start of the first arm's pattern, if any.
    pub(crate) first_arm: Option<Span>,
}

/// Builds the index of `file` (its items after `skip_items`, the prelude's)
/// from the checked `module`; `prelude_funcs` functions come first in it.
///
/// `source` and its `docs` give the `///` comments of the functions and
/// resources inside `resource` and `export` blocks, which the parser attaches
/// only to top-level items.
pub(crate) fn build(
    file: &ast::File,
    skip_items: usize,
    prelude_funcs: usize,
    module: &ir::Module,
    source: &str,
    docs: &[crate::lexer::DocLine],
    tests_checked: bool,
) -> Index {
    let mut builder = Builder {
        source,
        docs,
        index: Index::default(),
        module,
        resolve: &module.resolve,
        scopes: Vec::new(),
        func: None,
        local_types: HashMap::new(),
        claw_types: HashMap::new(),
        expr_by_span: HashMap::new(),
        type_scope: None,
        wit_types: HashMap::new(),
        tests_checked: false,
    };
    let items = file.items.get(skip_items..).unwrap_or_default();
    builder.collect(items);
    // The file's functions follow the prelude's, in `ast::File::funcs`
    // order (with the tests among them when they were checked as functions).
    let tests = if tests_checked { items.iter().filter(|i| matches!(i, Item::Test(_))).count() } else { 0 };
    let own_funcs = items.iter().map(item_funcs).sum::<usize>() + tests;
    builder.tests_checked = tests_checked;
    builder.expr_types(prelude_funcs..prelude_funcs + own_funcs);
    let mut func_index = prelude_funcs;
    for item in items {
        crate::stack::grow(|| builder.item(item, &mut func_index));
    }
    builder.index.occurrences.sort_by_key(|o| (o.span.start, o.span.end));
    builder.index
}

struct Builder<'m> {
    source: &'m str,
    docs: &'m [crate::lexer::DocLine],
    index: Index,
    module: &'m ir::Module,
    resolve: &'m Resolve,
    /// The open local scopes: `(name, def)` in declaration order.
    scopes: Vec<HashMap<String, DefId>>,
    /// The checked function whose body is being walked.
    func: Option<&'m ir::Function>,
    /// Its locals' types, by declaration span and name.
    local_types: HashMap<(Span, &'m str), Ty>,
    /// Types the file defines, by WIT id.
    claw_types: HashMap<TypeId, DefId>,
    /// The type of the outermost checked expression at each span.
    expr_by_span: HashMap<Span, Ty>,
    /// Inside `export ns:pkg/iface { ... }`: that interface, whose types are in scope.
    type_scope: Option<InterfaceId>,
    /// The definitions made for the WIT types of `type_scope`, by type.
    wit_types: HashMap<TypeId, DefId>,
    /// The module has a function for each `test` (see `analyze`).
    tests_checked: bool,
}

/// How many functions an item adds to the module (as `ast::File::funcs`).
fn item_funcs(item: &Item) -> usize {
    let members = |rs: &[ast::ResourceDef]| rs.iter().map(|r| r.funcs.len()).sum::<usize>();
    match item {
        Item::Func(_) => 1,
        Item::ExportInterface(e) => members(&e.resources) + e.funcs.len(),
        Item::ExportInline(e) => members(&e.resources) + e.funcs.len(),
        Item::Resource(r) => r.funcs.len(),
        _ => 0,
    }
}

impl<'m> Builder<'m> {
    fn def(&mut self, def: Def) -> DefId {
        self.index.defs.push(def);
        self.index.defs.len() - 1
    }

    fn occurrence(&mut self, span: Span, def: DefId, decl: bool) {
        if span.end > span.start {
            self.index.occurrences.push(Occurrence { span, def, decl });
        }
    }

    /// Defines `name` and records its defining occurrence.
    fn declare(&mut self, name: &ast::Ident, kind: DefKind, docs: &str, sig: Option<Sig>) -> DefId {
        let id = self.def(Def { name: name.name.clone(), kind, span: Some(name.span), docs: docs.to_string(), sig });
        self.occurrence(name.span, id, true);
        id
    }

    fn top(&mut self, name: &ast::Ident, def: DefId) {
        self.index.top.entry(name.name.clone()).or_insert(def);
    }

    /// The type a type name has in the checked module.
    fn claw_type(&self, name: &str) -> Option<Ty> {
        self.module.types.iter().find(|t| t.name == name).map(|t| t.ty)
    }

    /// First pass: the names the file binds at the top level.
    fn collect(&mut self, items: &[Item]) {
        for item in items {
            match item {
                Item::Import(i) => {
                    self.index.plain_imports.push(i.span.end);
                    let sig = Sig::of_ast(format!("import {}: func", i.name.name), &i.sig);
                    let id = self.declare(&i.name, DefKind::PlainImport, &i.docs, Some(sig));
                    match &i.alias {
                        Some(alias) => {
                            self.occurrence(alias.span, id, true);
                            self.top(alias, id);
                        }
                        None => self.top(&i.name, id),
                    }
                }
                Item::ImportFrom(i) => self.import_from(i),
                Item::Global(g) => {
                    let ty =
                        self.module.globals.iter().find(|x| x.name == g.name.name).map(|x| x.ty).unwrap_or(Ty::Error);
                    let id = self.declare(&g.name, DefKind::Global { ty, mutable: g.mutable }, &g.docs, None);
                    self.top(&g.name, id);
                }
                Item::Func(f) => {
                    let id = self.func_def(f, None);
                    self.top(&f.name, id);
                }
                Item::TypeDef(t) => self.type_def(t),
                Item::Resource(r) => self.resource(r),
                Item::ExportInterface(e) => {
                    for r in &e.resources {
                        let before = self.index.defs.len();
                        self.resource(r);
                        let why = format!(
                            "`{}` is a resource of WIT interface `{}`: its name comes from the WIT",
                            r.name.name, e.path
                        );
                        self.index.fixed.insert(before, why);
                        // Its functions are the interface's too.
                        for id in before + 1..self.index.defs.len() {
                            if matches!(self.index.defs[id].kind, DefKind::Func { .. }) {
                                let why = format!(
                                    "`{}` is a function of resource `{}` of WIT interface `{}`: its name comes from the WIT",
                                    self.index.defs[id].name, r.name.name, e.path
                                );
                                self.index.fixed.insert(id, why);
                            }
                        }
                    }
                }
                Item::ExportInline(e) => {
                    for r in &e.resources {
                        self.resource(r);
                    }
                }
                Item::Test(_) | Item::Mock(_) | Item::Component(_) | Item::Error(_) => {}
            }
        }
    }

    /// The `///` lines just before `start` (with only whitespace and the
    /// keywords `static` and `export` between them and it), joined.
    fn docs_before(&self, start: u32) -> String {
        let gap_ok = |from: u32, to: u32| {
            self.source
                .get(from as usize..to as usize)
                .is_some_and(|gap| gap.split_whitespace().all(|w| matches!(w, "static" | "export")))
        };
        let end = self.docs.partition_point(|d| d.span.end <= start);
        let mut lines = Vec::new();
        let mut next = start;
        for doc in self.docs[..end].iter().rev() {
            if !gap_ok(doc.span.end, next) {
                break;
            }
            lines.push(doc.text.as_str());
            next = doc.span.start;
        }
        lines.reverse();
        lines.join("\n")
    }

    fn func_def(&mut self, f: &ast::FuncDef, member: Option<(String, ast::MemberKind)>) -> DefId {
        let keyword = match &member {
            Some((_, ast::MemberKind::Static)) => "static func",
            Some((_, ast::MemberKind::Constructor)) => "constructor",
            _ => "func",
        };
        let mut prefix = if matches!(member, Some((_, ast::MemberKind::Constructor))) {
            keyword.to_string()
        } else {
            format!("{keyword} {}", f.name.name)
        };
        if f.exported && member.is_none() {
            prefix = format!("export {prefix}");
        }
        let sig = Sig::of_ast(prefix, &f.sig);
        let docs = if f.docs.is_empty() { self.docs_before(f.span.start) } else { f.docs.clone() };
        self.declare(&f.name, DefKind::Func { member }, &docs, Some(sig))
    }

    fn import_from(&mut self, import: &ast::ImportFrom) {
        let interface = find_interface(self.resolve, &import.path);
        self.wit_path(&import.path, interface);
        self.index.imports.push(ImportSite {
            interface,
            span: import.span,
            last_name_end: import.names.last().map(|n| n.alias.as_ref().unwrap_or(&n.name).span.end),
        });
        for name in &import.names {
            let local = name.alias.as_ref().unwrap_or(&name.name);
            let kind = match interface {
                Some(i) if self.resolve.interfaces[i].functions.contains_key(&name.name.name) => {
                    DefKind::WitFunc { interface: i, name: name.name.name.clone() }
                }
                Some(i) => match self.resolve.interfaces[i].types.get(&name.name.name) {
                    Some(&t) => DefKind::Type { ty: ty_of_wit(self.resolve, t), wit: Some(t) },
                    None => DefKind::Unknown,
                },
                None => DefKind::Unknown,
            };
            let id = self.def(Def {
                name: local.name.clone(),
                kind,
                span: Some(local.span),
                docs: String::new(),
                sig: None,
            });
            self.occurrence(name.name.span, id, true);
            if let Some(alias) = &name.alias {
                self.occurrence(alias.span, id, true);
                self.index.aliased.insert(id, name.name.span);
            }
            self.top(local, id);
        }
    }

    /// Records a WIT path (`wasi:clocks/monotonic-clock`) as an occurrence of its interface.
    fn wit_path(&mut self, path: &ast::WitPath, interface: Option<InterfaceId>) {
        let Some(id) = interface else { return };
        let def = self.def(Def {
            name: path.to_string(),
            kind: DefKind::Interface { id },
            span: None,
            docs: String::new(),
            sig: None,
        });
        self.occurrence(path.span, def, false);
    }

    fn type_def(&mut self, t: &ast::TypeDef) {
        let ty = self.claw_type(&t.name.name).unwrap_or(Ty::Error);
        let id = self.declare(&t.name, DefKind::Type { ty, wit: None }, &t.docs, None);
        self.top(&t.name, id);
        let type_id = match ty {
            Ty::Enum(i) | Ty::Def(i) if !matches!(t.body, TypeDefBody::Alias(_)) => Some(i),
            _ => None,
        };
        if let Some(i) = type_id {
            self.claw_types.insert(i, id);
        }
        let owner = t.name.name.clone();
        let member = |this: &mut Self, name: &ast::Ident, kind: DefKind| {
            let m = this.declare(name, kind, "", None);
            if let Some(i) = type_id {
                this.index.members.insert((i, name.name.clone()), m);
            }
        };
        match &t.body {
            TypeDefBody::Record(fields) => {
                for (name, _) in fields {
                    let field_ty = type_id.and_then(|i| match &self.resolve.types[i].kind {
                        TypeDefKind::Record(r) => r.fields.iter().find(|f| f.name == name.name).map(|f| f.ty),
                        _ => None,
                    });
                    let field_ty = field_ty.map(|f| ty_of_wit_type(self.resolve, &f));
                    member(self, name, DefKind::Field { owner: owner.clone(), ty: field_ty, wit: None });
                }
            }
            TypeDefBody::Variant(cases) => {
                for (name, payload) in cases {
                    let payload = payload.as_ref().map(type_text);
                    member(self, name, DefKind::Case { owner: owner.clone(), payload, wit: None });
                }
            }
            TypeDefBody::Enum(cases) | TypeDefBody::Flags(cases) => {
                for name in cases {
                    member(self, name, DefKind::Case { owner: owner.clone(), payload: None, wit: None });
                }
            }
            TypeDefBody::Alias(_) => {}
        }
    }

    fn resource(&mut self, r: &ast::ResourceDef) {
        let resource = self.module.resources.iter().find(|x| x.name == r.name.name);
        let wit = resource.map(|x| x.ty);
        let ty = self
            .claw_type(&r.name.name)
            .or_else(|| {
                // The handle type: `own<R>` interned by the checker.
                let rid = wit?;
                self.resolve.types.iter().find_map(|(id, t)| match t.kind {
                    TypeDefKind::Handle(wit_parser::Handle::Own(x)) if x == rid => Some(Ty::Def(id)),
                    _ => None,
                })
            })
            .unwrap_or(Ty::Error);
        let docs = if r.docs.is_empty() { self.docs_before(r.span.start) } else { r.docs.clone() };
        let id = self.declare(&r.name, DefKind::Type { ty, wit: None }, &docs, None);
        self.top(&r.name, id);
        if let Some(rid) = wit {
            self.claw_types.insert(rid, id);
        }
        for (name, _) in &r.fields {
            let field_ty = resource.and_then(|x| x.fields.iter().find(|(n, _)| *n == name.name).map(|(_, t)| *t));
            let m =
                self.declare(name, DefKind::Field { owner: r.name.name.clone(), ty: field_ty, wit: None }, "", None);
            if let Some(rid) = wit {
                self.index.members.insert((rid, name.name.clone()), m);
            }
        }
        for f in &r.funcs {
            if f.kind == ast::MemberKind::Destructor {
                continue;
            }
            let m = self.func_def(&f.func, Some((r.name.name.clone(), f.kind)));
            let key = if f.kind == ast::MemberKind::Constructor { "new".to_string() } else { f.func.name.name.clone() };
            if let Some(rid) = wit {
                self.index.members.insert((rid, key), m);
            }
        }
    }

    /// The types of the checked expressions of the file's own functions.
    /// `funcs`: the module's functions that the file defines (after the
    /// prelude's, before the ones the checker synthesizes).
    fn expr_types(&mut self, funcs: std::ops::Range<usize>) {
        let funcs = self.module.funcs.get(funcs).unwrap_or_default();
        for f in funcs.iter().chain(self.module.init.iter()) {
            for (i, span) in f.expr_spans.iter().enumerate() {
                if let Some(e) = f.exprs.get(i) {
                    self.index.exprs.push((*span, e.ty));
                    // The last pushed for a span is the outermost expression there.
                    self.expr_by_span.insert(*span, e.ty);
                }
            }
        }
    }

    fn item(&mut self, item: &Item, func_index: &mut usize) {
        match item {
            Item::Func(f) => self.body(f, func_index, None),
            Item::ExportInterface(e) => {
                let interface = find_interface(self.resolve, &e.path);
                self.wit_path(&e.path, interface);
                self.type_scope = interface;
                for r in &e.resources {
                    self.resource_bodies(r, func_index);
                }
                for f in &e.funcs {
                    let id = self.func_def(f, None);
                    let why = format!(
                        "`{}` implements a function of WIT interface `{}`: its name comes from the WIT",
                        f.name.name, e.path
                    );
                    self.index.fixed.insert(id, why);
                    self.body(f, func_index, None);
                }
                self.type_scope = None;
            }
            Item::ExportInline(e) => {
                for r in &e.resources {
                    self.resource_bodies(r, func_index);
                }
                for f in &e.funcs {
                    self.func_def(f, None);
                    self.body(f, func_index, None);
                }
            }
            Item::Resource(r) => self.resource_bodies(r, func_index),
            Item::Global(g) => {
                if let Some(t) = &g.ty {
                    self.type_expr(t);
                }
                self.set_func(self.module.init.as_ref());
                self.expr(&g.init);
                self.set_func(None);
            }
            Item::Import(i) => self.sig(&i.sig),
            Item::TypeDef(t) => match &t.body {
                TypeDefBody::Record(fields) => fields.iter().for_each(|(_, t)| self.type_expr(t)),
                TypeDefBody::Variant(cases) => {
                    cases.iter().filter_map(|(_, t)| t.as_ref()).for_each(|t| self.type_expr(t))
                }
                TypeDefBody::Alias(t) => self.type_expr(t),
                TypeDefBody::Enum(_) | TypeDefBody::Flags(_) => {}
            },
            Item::Test(t) => {
                self.set_func(None);
                if self.tests_checked {
                    self.set_func(self.module.funcs.get(*func_index));
                    *func_index += 1;
                }
                self.scopes.push(HashMap::new());
                for p in &t.params {
                    self.type_expr(&p.ty);
                    let ty = self.local_ty(p.name.span, &p.name.name);
                    let id = self.declare(&p.name, DefKind::Local { ty, mutable: false, param: true }, "", None);
                    self.bind(&p.name, id, t.body.span.end);
                }
                self.block(&t.body);
                self.scopes.pop();
            }
            Item::Mock(m) => {
                self.wit_path(&m.path, find_interface(self.resolve, &m.path));
                for f in &m.funcs {
                    self.set_func(None);
                    self.sig(&f.sig);
                    self.scopes.push(HashMap::new());
                    for p in &f.sig.params {
                        let id = self.declare(
                            &p.name,
                            DefKind::Local { ty: Ty::Error, mutable: false, param: true },
                            "",
                            None,
                        );
                        self.bind(&p.name, id, f.body.span.end);
                    }
                    self.block(&f.body);
                    self.scopes.pop();
                }
            }
            Item::ImportFrom(_) | Item::Component(_) | Item::Error(_) => {}
        }
    }

    fn resource_bodies(&mut self, r: &ast::ResourceDef, func_index: &mut usize) {
        for (_, t) in &r.fields {
            self.type_expr(t);
        }
        for f in &r.funcs {
            self.body(&f.func, func_index, Some(f.kind));
        }
    }

    fn sig(&mut self, sig: &ast::FuncSig) {
        for p in &sig.params {
            self.type_expr(&p.ty);
        }
        if let Some(r) = &sig.result {
            self.type_expr(r);
        }
    }

    /// Walks a function body; `func_index` is its id in the module.
    fn body(&mut self, f: &ast::FuncDef, func_index: &mut usize, member: Option<ast::MemberKind>) {
        let checked = self.module.funcs.get(*func_index);
        *func_index += 1;
        self.set_func(checked);
        self.sig(&f.sig);
        self.scopes.push(HashMap::new());
        let end = f.body.span.end;
        if matches!(member, Some(ast::MemberKind::Method | ast::MemberKind::Destructor | ast::MemberKind::Constructor))
        {
            let ty =
                checked.and_then(|c| c.locals.iter().find(|l| l.name == "self")).map(|l| l.ty).unwrap_or(Ty::Error);
            let id = self.def(Def {
                name: "self".into(),
                kind: DefKind::Local { ty, mutable: false, param: true },
                span: None,
                docs: String::new(),
                sig: None,
            });
            self.index.scopes.push(ScopeEntry {
                name: "self".into(),
                def: id,
                visible: Span::new(f.body.span.start, end),
            });
            if let Some(scope) = self.scopes.last_mut() {
                scope.insert("self".into(), id);
            }
        }
        for p in &f.sig.params {
            let ty = self.local_ty(p.name.span, &p.name.name);
            let id = self.declare(&p.name, DefKind::Local { ty, mutable: false, param: true }, "", None);
            self.index.scopes.push(ScopeEntry {
                name: p.name.name.clone(),
                def: id,
                visible: Span::new(f.body.span.start, end),
            });
            if let Some(scope) = self.scopes.last_mut() {
                scope.insert(p.name.name.clone(), id);
            }
        }
        self.block(&f.body);
        self.scopes.pop();
        self.set_func(None);
    }

    /// The checked type of the local declared at `span`.
    fn local_ty(&self, span: Span, name: &str) -> Ty {
        self.local_types.get(&(span, name)).copied().unwrap_or(Ty::Error)
    }

    /// Starts walking the body checked as `func`: indexes its locals by
    /// declaration span and name (the last declared wins, as in the checker).
    fn set_func(&mut self, func: Option<&'m ir::Function>) {
        self.func = func;
        self.local_types.clear();
        for l in func.map(|f| f.locals.as_slice()).unwrap_or_default() {
            self.local_types.insert((l.span, l.name.as_str()), l.ty);
        }
    }

    fn is_local_at(&self, span: Span, name: &str) -> bool {
        self.local_types.contains_key(&(span, name))
    }

    /// Declares a local visible from `from` to `end`.
    fn local(&mut self, name: &ast::Ident, mutable: bool, from: u32, end: u32) -> DefId {
        let ty = self.local_ty(name.span, &name.name);
        let id = self.declare(name, DefKind::Local { ty, mutable, param: false }, "", None);
        self.index.scopes.push(ScopeEntry {
            name: name.name.clone(),
            def: id,
            visible: Span::new(from, end.max(from)),
        });
        if let Some(scope) = self.scopes.last_mut() {
            scope.insert(name.name.clone(), id);
        }
        id
    }

    fn bind(&mut self, name: &ast::Ident, def: DefId, end: u32) {
        self.index.scopes.push(ScopeEntry { name: name.name.clone(), def, visible: Span::new(name.span.end, end) });
        if let Some(scope) = self.scopes.last_mut() {
            scope.insert(name.name.clone(), def);
        }
    }

    fn lookup(&self, name: &str) -> Option<DefId> {
        // A later binding in the same scope replaced the earlier one (shadowing).
        self.scopes
            .iter()
            .rev()
            .find_map(|scope| scope.get(name).copied())
            .or_else(|| self.index.top.get(name).copied())
    }

    fn use_name(&mut self, name: &ast::Ident) -> Option<DefId> {
        let def = self.lookup(&name.name).or_else(|| self.scoped_type(&name.name))?;
        self.occurrence(name.span, def, false);
        Some(def)
    }

    /// Inside `export ns:pkg/iface { ... }`, a type of that interface (as the
    /// checker's `type_scope`).
    fn scoped_type(&mut self, name: &str) -> Option<DefId> {
        let interface = self.type_scope?;
        let &id = self.resolve.interfaces[interface].types.get(name)?;
        if let Some(&def) = self.wit_types.get(&id) {
            return Some(def);
        }
        let def = self.def(Def {
            name: name.to_string(),
            kind: DefKind::Type { ty: ty_of_wit(self.resolve, id), wit: Some(id) },
            span: None,
            docs: String::new(),
            sig: None,
        });
        self.wit_types.insert(id, def);
        Some(def)
    }

    fn type_expr(&mut self, t: &ast::TypeExpr) {
        match &t.kind {
            TypeKind::Named(name) => {
                let def = match self.index.top.get(name.as_str()) {
                    Some(&def) => Some(def),
                    None => self.scoped_type(name),
                };
                if let Some(def) = def
                    && matches!(self.index.defs[def].kind, DefKind::Type { .. })
                {
                    self.occurrence(t.span, def, false);
                }
            }
            TypeKind::Generic(_, args) => {
                for a in args.iter().flatten() {
                    self.type_expr(a);
                }
            }
        }
    }

    fn block(&mut self, block: &ast::Block) {
        crate::stack::grow(|| {
            self.scopes.push(HashMap::new());
            for stmt in &block.stmts {
                self.stmt(stmt, block.span.end);
            }
            if let Some(tail) = &block.tail {
                self.expr(tail);
            }
            self.scopes.pop();
        });
    }

    fn stmt(&mut self, stmt: &ast::Stmt, block_end: u32) {
        match &stmt.kind {
            StmtKind::Let { mutable, name, ty, value } => {
                if let Some(t) = ty {
                    self.type_expr(t);
                }
                self.expr(value);
                let id = self.local(name, *mutable, stmt.span.end, block_end);
                if ty.is_none() {
                    self.index.lets.push(LetHint { name_end: name.span.end, def: id });
                }
            }
            StmtKind::LetTuple { mutable, names, value } => {
                self.expr(value);
                for name in names.iter().flatten() {
                    let id = self.local(name, *mutable, stmt.span.end, block_end);
                    self.index.lets.push(LetHint { name_end: name.span.end, def: id });
                }
            }
            StmtKind::LetRecord { mutable, fields, value } => {
                self.expr(value);
                let record = self.type_at(value.span);
                for (field, binding) in fields {
                    let field_def = record.and_then(|r| self.member(r, &field.name));
                    if let Some(def) = field_def {
                        self.occurrence(field.span, def, false);
                    }
                    if binding.span != field.span {
                        let id = self.local(binding, *mutable, stmt.span.end, block_end);
                        self.index.lets.push(LetHint { name_end: binding.span.end, def: id });
                    } else {
                        // `let {x} = p;`: one identifier is both the field and the binding.
                        let ty = self.local_ty(binding.span, &binding.name);
                        let id = self.def(Def {
                            name: binding.name.clone(),
                            kind: DefKind::Local { ty, mutable: *mutable, param: false },
                            span: Some(binding.span),
                            docs: String::new(),
                            sig: None,
                        });
                        self.index.scopes.push(ScopeEntry {
                            name: binding.name.clone(),
                            def: id,
                            visible: Span::new(stmt.span.end, block_end.max(stmt.span.end)),
                        });
                        if let Some(scope) = self.scopes.last_mut() {
                            scope.insert(binding.name.clone(), id);
                        }
                        self.index.lets.push(LetHint { name_end: binding.span.end, def: id });
                        self.occurrence(binding.span, id, true);
                        if let Some(field_def) = field_def {
                            self.index.shorthands.insert(binding.span, (field_def, id));
                        }
                    }
                }
            }
            StmtKind::LetDiscard { ty, value } => {
                if let Some(t) = ty {
                    self.type_expr(t);
                }
                self.expr(value);
            }
            StmtKind::Assign { target, value, .. } => {
                self.expr(target);
                self.expr(value);
            }
            StmtKind::Expr(e) => self.expr(e),
            StmtKind::Assert { cond, message } => {
                self.expr(cond);
                if let Some(m) = message {
                    self.expr(m);
                }
            }
            StmtKind::If(i) => self.if_stmt(i),
            StmtKind::While { cond, body } => {
                self.expr(cond);
                self.block(body);
            }
            StmtKind::Loop(body) | StmtKind::Block(body) => self.block(body),
            StmtKind::For { var, start, end, body } => {
                self.expr(start);
                self.expr(end);
                self.scopes.push(HashMap::new());
                self.local(var, false, body.span.start, body.span.end);
                self.block(body);
                self.scopes.pop();
            }
            StmtKind::ForEach { var, list, body } => {
                self.expr(list);
                self.scopes.push(HashMap::new());
                self.local(var, false, body.span.start, body.span.end);
                self.block(body);
                self.scopes.pop();
            }
            StmtKind::Return(Some(e)) => self.expr(e),
            StmtKind::Match(m) => self.match_stmt(m, stmt.span),
            StmtKind::Return(None) | StmtKind::Break | StmtKind::Continue | StmtKind::Error => {}
        }
    }

    fn if_stmt(&mut self, i: &ast::IfStmt) {
        crate::stack::grow(|| {
            self.expr(&i.cond);
            self.block(&i.then);
            match &i.otherwise {
                Some(ast::Else::Block(b)) => self.block(b),
                Some(ast::Else::If(inner, _)) => self.if_stmt(inner),
                None => {}
            }
        });
    }

    fn match_stmt(&mut self, m: &ast::MatchStmt, span: Span) {
        self.index.matches.push(MatchSite {
            scrutinee: m.scrutinee.span,
            span,
            first_arm: m.arms.first().map(|a| a.pattern.span),
        });
        self.expr(&m.scrutinee);
        let scrutinee = self.type_at(m.scrutinee.span);
        for arm in &m.arms {
            self.scopes.push(HashMap::new());
            self.pattern(&arm.pattern, scrutinee, arm.body.span.end);
            self.block(&arm.body);
            self.scopes.pop();
        }
    }

    fn pattern(&mut self, p: &ast::Pattern, ty: Option<Ty>, end: u32) {
        crate::stack::grow(|| match &p.kind {
            PatternKind::Wildcard => {}
            PatternKind::Name(name) => {
                if self.is_local_at(name.span, &name.name) {
                    self.local(name, false, name.span.end, end);
                } else if let Some(def) = ty.and_then(|t| self.member(t, &name.name)) {
                    self.occurrence(name.span, def, false);
                }
            }
            PatternKind::Path(type_name, case) => {
                let def = self.use_name(type_name);
                let t = def.and_then(|d| match self.index.defs[d].kind {
                    DefKind::Type { ty, .. } => Some(ty),
                    _ => None,
                });
                if let Some(m) = t.or(ty).and_then(|t| self.member(t, &case.name)) {
                    self.occurrence(case.span, m, false);
                }
            }
            PatternKind::Case(type_name, case, inner) => {
                if let Some(type_name) = type_name {
                    self.use_name(type_name);
                }
                if let Some(m) = ty.and_then(|t| self.member(t, &case.name)) {
                    self.occurrence(case.span, m, false);
                }
                let payload = ty.and_then(|t| self.payload(t, &case.name));
                self.pattern(inner, payload, end);
            }
            PatternKind::Tuple(items) => {
                let types: Vec<Option<Ty>> = match ty.and_then(|t| t.def(self.resolve)) {
                    Some(TypeDefKind::Tuple(t)) => {
                        t.types.iter().map(|t| Some(ty_of_wit_type(self.resolve, t))).collect()
                    }
                    _ => Vec::new(),
                };
                for (i, item) in items.iter().enumerate() {
                    self.pattern(item, types.get(i).copied().flatten(), end);
                }
            }
            PatternKind::Literal(e) => self.expr(e),
        });
    }

    /// The payload type of case `name` of `ty`.
    fn payload(&self, ty: Ty, name: &str) -> Option<Ty> {
        let t = match ty.def(self.resolve)? {
            TypeDefKind::Variant(v) => v.cases.iter().find(|c| c.name == name)?.ty?,
            TypeDefKind::Option(t) if name == "some" => *t,
            TypeDefKind::Result(r) if name == "ok" => r.ok?,
            TypeDefKind::Result(r) if name == "err" => r.err?,
            _ => return None,
        };
        Some(ty_of_wit_type(self.resolve, &t))
    }

    /// The checked type of the expression at `span`.
    fn type_at(&self, span: Span) -> Option<Ty> {
        self.expr_by_span.get(&span).copied().filter(|t| *t != Ty::Error)
    }

    /// The definition of member `name` (field, case, method) of `ty`.
    fn member(&mut self, ty: Ty, name: &str) -> Option<DefId> {
        let id = match ty {
            Ty::Enum(i) | Ty::Def(i) => i,
            _ => return None,
        };
        let id = match &self.resolve.types[id].kind {
            TypeDefKind::Handle(wit_parser::Handle::Own(r) | wit_parser::Handle::Borrow(r)) => {
                resource_of(self.resolve, *r)
            }
            _ => resource_of(self.resolve, id),
        };
        if let Some(&def) = self.index.members.get(&(id, name.to_string())) {
            return Some(def);
        }
        if self.claw_types.contains_key(&id) {
            return None;
        }
        let def = self.resolve.types.get(id)?;
        let owner = def.name.clone()?;
        let kind = match &def.kind {
            TypeDefKind::Record(r) => {
                let i = r.fields.iter().position(|f| f.name == name)?;
                DefKind::Field { owner, ty: Some(ty_of_wit_type(self.resolve, &r.fields[i].ty)), wit: Some((id, i)) }
            }
            TypeDefKind::Variant(v) => {
                let i = v.cases.iter().position(|c| c.name == name)?;
                let payload = v.cases[i].ty.map(|t| crate::types::display_wit(self.resolve, &t));
                DefKind::Case { owner, payload, wit: Some((id, i)) }
            }
            TypeDefKind::Enum(e) => {
                let i = e.cases.iter().position(|c| c.name == name)?;
                DefKind::Case { owner, payload: None, wit: Some((id, i)) }
            }
            TypeDefKind::Flags(f) => {
                let i = f.flags.iter().position(|c| c.name == name)?;
                DefKind::Case { owner, payload: None, wit: Some((id, i)) }
            }
            TypeDefKind::Resource => {
                let interface = match def.owner {
                    wit_parser::TypeOwner::Interface(i) => i,
                    _ => return None,
                };
                let funcs = &self.resolve.interfaces[interface].functions;
                let wit_name = [
                    format!("[method]{owner}.{name}"),
                    format!("[static]{owner}.{name}"),
                    if name == "new" { format!("[constructor]{owner}") } else { String::new() },
                ]
                .into_iter()
                .find(|n| funcs.contains_key(n))?;
                DefKind::WitFunc { interface, name: wit_name }
            }
            _ => return None,
        };
        let def = self.def(Def { name: name.to_string(), kind, span: None, docs: String::new(), sig: None });
        self.index.members.insert((id, name.to_string()), def);
        Some(def)
    }

    fn expr(&mut self, e: &ast::Expr) {
        crate::stack::grow(|| self.expr_inner(e));
    }

    /// A name in an expression (or called) whose value has the type at
    /// `span`: a binding in scope, else a bare case of that type (`none`,
    /// `ok`, `red`).
    fn name_or_case(&mut self, name: &ast::Ident, span: Span) {
        if self.use_name(name).is_none()
            && let Some(ty) = self.type_at(span)
            && let Some(def) = self.member(ty, &name.name)
        {
            self.occurrence(name.span, def, false);
        }
    }

    fn expr_inner(&mut self, e: &ast::Expr) {
        match &e.kind {
            A::If(i) => self.if_stmt(i),
            A::Match(m) => self.match_stmt(m, e.span),
            A::Int(_) | A::Float(_) | A::Str(_) | A::Char(_) | A::Bool(_) => {}
            A::Name(name) => self.name_or_case(name, e.span),
            A::Path(type_name, case) => {
                self.path(type_name, case);
            }
            A::Call { callee, args } => {
                match &callee.kind {
                    A::Name(name) => self.name_or_case(name, e.span),
                    A::Path(type_name, case) => {
                        self.path(type_name, case);
                    }
                    _ => self.expr(callee),
                }
                for a in args {
                    self.expr(a);
                }
            }
            A::Binary { lhs, rhs, .. } => {
                self.expr(lhs);
                self.expr(rhs);
            }
            A::Unary { operand, .. } => self.expr(operand),
            A::MethodCall { receiver, method, args } => {
                self.expr(receiver);
                if let Some(ty) = self.type_at(receiver.span) {
                    let def = self.member(ty, &method.name).or_else(|| {
                        // A built-in method: hover shows its signature; it has no definition.
                        let sig = builtin_method(self.resolve, ty, &method.name)?;
                        let owner = if ty == Ty::String { "string" } else { "list" };
                        Some(self.def(Def {
                            name: method.name.clone(),
                            kind: DefKind::Builtin { owner: owner.into() },
                            span: None,
                            docs: String::new(),
                            sig: Some(sig),
                        }))
                    });
                    if let Some(def) = def {
                        self.occurrence(method.span, def, false);
                    }
                }
                for a in args {
                    self.expr(a);
                }
            }
            A::Cast { expr, ty } => {
                self.expr(expr);
                self.type_expr(ty);
            }
            A::Paren(inner) | A::Try(inner) | A::Check(inner) => self.expr(inner),
            A::Field { base, field } => {
                self.expr(base);
                if let Some(ty) = self.type_at(base.span)
                    && let Some(def) = self.member(ty, &field.name)
                {
                    self.occurrence(field.span, def, false);
                }
            }
            A::Index { base, index } => {
                self.expr(base);
                self.expr(index);
            }
            A::Slice { base, start, end } => {
                self.expr(base);
                self.expr(start);
                self.expr(end);
            }
            A::List(items) | A::Tuple(items) => {
                for i in items {
                    self.expr(i);
                }
            }
            A::Braced(items) => {
                let ty = self.type_at(e.span);
                for (name, value) in items {
                    if let Some(def) = ty.and_then(|t| self.member(t, &name.name)) {
                        self.occurrence(name.span, def, false);
                    }
                    // Without a value, `name` is a flag.
                    if let Some(v) = value {
                        self.expr(v);
                    }
                }
            }
            A::Interp(parts) => {
                for p in parts {
                    if let ast::InterpPart::Expr(e) = p {
                        self.expr(e);
                    }
                }
            }
        }
    }

    /// `type::case` (or `resource::function`): records both names and
    /// returns the member's definition.
    fn path(&mut self, type_name: &ast::Ident, case: &ast::Ident) -> Option<DefId> {
        let def = self.use_name(type_name)?;
        let DefKind::Type { ty, .. } = self.index.defs[def].kind else { return None };
        let member = self.member(ty, &case.name)?;
        self.occurrence(case.span, member, false);
        Some(member)
    }
}

/// The signature of built-in method `name` of a string or list.
pub(crate) fn builtin_method(resolve: &Resolve, ty: Ty, name: &str) -> Option<Sig> {
    let sig = |params: &[&str], result: Option<String>| {
        Some(Sig { prefix: name.to_string(), params: params.iter().map(|p| p.to_string()).collect(), result })
    };
    if ty == Ty::String {
        return match name {
            "len" => sig(&[], Some("u32".into())),
            "is-empty" => sig(&[], Some("bool".into())),
            "contains" | "starts-with" | "ends-with" => sig(&["value: string"], Some("bool".into())),
            "split" => sig(&["separator: string"], Some("list<string>".into())),
            "trim" => sig(&[], Some("string".into())),
            "bytes" => sig(&[], Some("list<u8>".into())),
            _ => None,
        };
    }
    let Some(TypeDefKind::List(elem)) = ty.def(resolve) else { return None };
    let elem = crate::types::display_wit(resolve, elem);
    match name {
        "len" => sig(&[], Some("u32".into())),
        "is-empty" => sig(&[], Some("bool".into())),
        "get" => sig(&["index: u32"], Some(format!("option<{elem}>"))),
        "contains" => sig(&[&format!("value: {elem}")], Some("bool".into())),
        "push" => sig(&[&format!("value: {elem}")], None),
        "pop" => sig(&[], Some(format!("option<{elem}>"))),
        _ => None,
    }
}

/// A written type as Claw text.
pub(crate) fn type_text(t: &ast::TypeExpr) -> String {
    match &t.kind {
        TypeKind::Named(n) => n.clone(),
        TypeKind::Generic(ctor, args) => {
            let args: Vec<String> =
                args.iter().map(|a| a.as_ref().map(type_text).unwrap_or_else(|| "_".into())).collect();
            format!("{}<{}>", ctor.name, args.join(", "))
        }
    }
}

/// The Claw type of a WIT type definition.
pub(crate) fn ty_of_wit(resolve: &Resolve, id: TypeId) -> Ty {
    match resolve.types.get(id).map(|t| &t.kind) {
        Some(TypeDefKind::Enum(_)) => Ty::Enum(id),
        Some(_) => Ty::Def(id),
        None => Ty::Error,
    }
}

/// The Claw type of a WIT type (display only: anonymous types are not interned).
pub(crate) fn ty_of_wit_type(resolve: &Resolve, t: &wit_parser::Type) -> Ty {
    use wit_parser::Type as W;
    match t {
        W::Bool => Ty::Bool,
        W::U8 => Ty::U8,
        W::U16 => Ty::U16,
        W::U32 => Ty::U32,
        W::U64 => Ty::U64,
        W::S8 => Ty::S8,
        W::S16 => Ty::S16,
        W::S32 => Ty::S32,
        W::S64 => Ty::S64,
        W::F32 => Ty::F32,
        W::F64 => Ty::F64,
        W::Char => Ty::Char,
        W::String => Ty::String,
        W::ErrorContext => Ty::Error,
        W::Id(id) => match resolve.types.get(*id).map(|t| &t.kind) {
            Some(TypeDefKind::Type(inner)) => ty_of_wit_type(resolve, inner),
            _ => ty_of_wit(resolve, *id),
        },
    }
}

/// The packages a WIT path may name, by namespace and name.
pub(crate) fn find_package(resolve: &Resolve, path: &ast::WitPath) -> Option<PackageId> {
    let mut candidates: Vec<PackageId> = resolve
        .packages
        .iter()
        .filter(|(_, p)| p.name.namespace == path.namespace.name && p.name.name == path.package.name)
        .map(|(id, _)| id)
        .collect();
    if let Some((version, _)) = &path.version {
        candidates.retain(|id| resolve.packages[*id].name.version.as_ref().is_some_and(|v| v.to_string() == *version));
    }
    candidates.into_iter().max_by_key(|id| resolve.packages[*id].name.version.clone())
}

/// The interface a WIT path names (the newest version when none is written).
pub(crate) fn find_interface(resolve: &Resolve, path: &ast::WitPath) -> Option<InterfaceId> {
    let package = find_package(resolve, path)?;
    resolve.packages[package].interfaces.get(&path.interface.name).copied()
}
