//! The layout of items: the file as a run of items, imports, globals,
//! functions and their signatures, type definitions, exported interfaces,
//! resources, tests and mocks.

use super::{Doc, Printer};
use crate::ast::*;
use crate::span::Span;

impl<'a> Printer<'a> {
    /// The whole file: its items one after another, blank lines kept.
    pub(super) fn file(&mut self, file: &File) -> Doc<'a> {
        let mut lines = self.lines(0);
        for item in &file.items {
            let span = item.span();
            let blank = self.before_entity(&mut lines, span.start);
            let doc = self.item(item);
            self.push_entity(&mut lines, blank, doc, span.end);
        }
        self.finish_lines(lines, self.src.len() as u32)
    }

    fn item(&mut self, item: &Item) -> Doc<'a> {
        match item {
            Item::Import(i) => {
                let mut doc = self.text("import ").append(self.tok(i.name.span));
                if let Some(alias) = &i.alias {
                    doc = doc.append(self.text(" as ")).append(self.tok(alias.span));
                }
                let sig = self.sig(&i.sig);
                doc.append(self.text(": func")).append(sig).append(self.text(";"))
            }
            Item::ImportFrom(i) => {
                let names = self.list(
                    "{",
                    &i.names,
                    |n| n.alias.as_ref().map_or(n.name.span, |a| n.name.span.to(a.span)),
                    |p, n| p.import_name(n),
                    "}",
                    i.path.span.start,
                    true,
                    false,
                );
                let path = self.wit_path(&i.path);
                self.text("import ").append(names).append(self.text(" from ")).append(path).append(self.text(";"))
            }
            Item::Global(g) => self.global(g),
            Item::Func(f) => self.func(f),
            Item::TypeDef(t) => self.type_def(t),
            Item::ExportInterface(e) => {
                let path = self.wit_path(&e.path);
                let body = self.members(&e.funcs, &e.resources, e.span);
                self.text("export ").append(path).append(self.text(" ")).append(body)
            }
            Item::ExportInline(e) => {
                let name = self.tok(e.name.span);
                let body = self.members(&e.funcs, &e.resources, e.span);
                self.text("export ").append(name).append(self.text(": interface ")).append(body)
            }
            Item::Resource(r) => self.resource(r),
            Item::Test(t) => {
                let mut doc = self.text("test ").append(self.tok(t.name_span));
                if !t.params.is_empty() {
                    let close = t.traps.as_ref().map_or(t.body.span.start, |w| w.span.start);
                    let params = self.params(&t.params, close);
                    doc = doc.append(self.text(" ")).append(params);
                }
                if let Some(traps) = &t.traps {
                    doc = doc.append(self.text(" ")).append(self.tok(traps.span));
                }
                let body = self.block(&t.body);
                doc.append(self.text(" ")).append(body)
            }
            Item::Mock(m) => {
                let path = self.wit_path(&m.path);
                let mut members: Vec<(Span, Member)> = m.globals.iter().map(|g| (g.span, Member::Global(g))).collect();
                members.extend(m.funcs.iter().map(|f| (f.span, Member::Func(f))));
                let body = self.member_lines(members, m.span);
                self.text("mock ").append(path).append(self.text(" ")).append(body)
            }
            Item::Component(c) => self
                .text("test ")
                .append(self.tok(c.keyword.span))
                .append(self.text(" "))
                .append(self.tok(c.path_span))
                .append(self.text(";")),
            // Files with syntax errors are not formatted.
            Item::Error(span) => self.tok(*span),
        }
    }

    fn import_name(&mut self, n: &ImportName) -> Doc<'a> {
        let doc = self.tok(n.name.span);
        match &n.alias {
            Some(alias) => doc.append(self.text(" as ")).append(self.tok(alias.span)),
            None => doc,
        }
    }

    /// `ns:pkg/iface@version`.
    pub(super) fn wit_path(&mut self, path: &WitPath) -> Doc<'a> {
        let mut doc = self
            .tok(path.namespace.span)
            .append(self.text(":"))
            .append(self.tok(path.package.span))
            .append(self.text("/"))
            .append(self.tok(path.interface.span));
        if let Some((_, span)) = &path.version {
            doc = doc.append(self.tok(*span));
        }
        doc
    }

    fn global(&mut self, g: &Global) -> Doc<'a> {
        let mut doc = self.text(if g.mutable { "let mut " } else { "let " }).append(self.tok(g.name.span));
        if let Some(ty) = &g.ty {
            doc = doc.append(self.text(": ")).append(self.ty(ty));
        }
        let init = self.expr(&g.init);
        doc.append(self.text(" = ")).append(init).append(self.text(";"))
    }

    /// `[export] func name(params) -> T { body }`.
    fn func(&mut self, f: &FuncDef) -> Doc<'a> {
        let head = self.text(if f.exported { "export func " } else { "func " }).append(self.tok(f.name.span));
        let sig = self.sig(&f.sig);
        let body = self.block(&f.body);
        head.append(sig).append(self.text(" ")).append(body)
    }

    /// `func name(params) -> T { body }` inside an interface or a mock
    /// (exported by being there: no `export`).
    fn member_func(&mut self, f: &FuncDef) -> Doc<'a> {
        let head = self.text("func ").append(self.tok(f.name.span));
        let sig = self.sig(&f.sig);
        let body = self.block(&f.body);
        head.append(sig).append(self.text(" ")).append(body)
    }

    /// `(a: T, ...) -> R`: the parameters on one line, or one per line.
    fn sig(&mut self, sig: &FuncSig) -> Doc<'a> {
        let close = sig.result.as_ref().map_or(sig.span.end, |r| r.span.start);
        let params = self.params(&sig.params, close);
        match &sig.result {
            Some(result) => params.append(self.text(" -> ")).append(self.ty(result)),
            None => params,
        }
    }

    /// `(a: T, ...)`; `close` is a position just after the `)`.
    fn params(&mut self, params: &[Param], close: u32) -> Doc<'a> {
        self.list(
            "(",
            params,
            |p| p.name.span.to(p.ty.span),
            |printer, p| printer.tok(p.name.span).append(printer.text(": ")).append(printer.ty(&p.ty)),
            ")",
            close,
            false,
            false,
        )
    }

    fn type_def(&mut self, t: &TypeDef) -> Doc<'a> {
        let end = t.span.end;
        match &t.body {
            TypeDefBody::Record(fields) => {
                let head = self.text("record ").append(self.tok(t.name.span)).append(self.text(" "));
                let body = self.list(
                    "{",
                    fields,
                    |(n, ty)| n.span.to(ty.span),
                    |p, (n, ty)| p.tok(n.span).append(p.text(": ")).append(p.ty(ty)),
                    "}",
                    end,
                    true,
                    false,
                );
                head.append(body)
            }
            TypeDefBody::Variant(cases) => {
                let head = self.text("variant ").append(self.tok(t.name.span)).append(self.text(" "));
                let body = self.list(
                    "{",
                    cases,
                    |(n, ty)| ty.as_ref().map_or(n.span, |ty| n.span.to(ty.span)),
                    |p, (n, ty)| {
                        let doc = p.tok(n.span);
                        match ty {
                            Some(ty) => doc.append(p.text("(")).append(p.ty(ty)).append(p.text(")")),
                            None => doc,
                        }
                    },
                    "}",
                    end,
                    true,
                    false,
                );
                head.append(body)
            }
            TypeDefBody::Enum(cases) | TypeDefBody::Flags(cases) => {
                let keyword = if matches!(t.body, TypeDefBody::Enum(_)) { "enum " } else { "flags " };
                let head = self.text(keyword).append(self.tok(t.name.span)).append(self.text(" "));
                let body = self.list("{", cases, |n| n.span, |p, n| p.tok(n.span), "}", end, true, false);
                head.append(body)
            }
            TypeDefBody::Alias(ty) => self
                .text("type ")
                .append(self.tok(t.name.span))
                .append(self.text(" = "))
                .append(self.ty(ty))
                .append(self.text(";")),
        }
    }

    /// The `{ ... }` of an exported interface: its functions and resources in
    /// source order.
    fn members(&mut self, funcs: &[FuncDef], resources: &[ResourceDef], span: Span) -> Doc<'a> {
        let mut members: Vec<(Span, Member)> = funcs.iter().map(|f| (f.span, Member::Func(f))).collect();
        members.extend(resources.iter().map(|r| (r.span, Member::Resource(r))));
        self.member_lines(members, span)
    }

    /// Members one per line in source order, inside braces that end where
    /// `span` ends.
    fn member_lines(&mut self, mut members: Vec<(Span, Member)>, span: Span) -> Doc<'a> {
        members.sort_by_key(|(s, _)| s.start);
        let open = members.first().map_or(span.end, |(s, _)| s.start);
        let open_end = self.src[..open as usize].rfind('{').map_or(open, |i| i as u32 + 1);
        let mut lines = self.lines(open_end);
        let empty = members.is_empty();
        for (member_span, member) in members {
            let blank = self.before_entity(&mut lines, member_span.start);
            let doc = match member {
                Member::Func(f) => self.member_func(f),
                Member::Global(g) => self.global(g),
                Member::Resource(r) => self.resource(r),
                Member::Field(name, ty) => {
                    self.tok(name.span).append(self.text(": ")).append(self.ty(ty)).append(self.text(","))
                }
                Member::ResourceFunc(f) => self.resource_func(f),
            };
            self.push_entity(&mut lines, blank, doc, member_span.end);
        }
        let close = span.end.saturating_sub(1);
        let has_comments = self.comment_before(close).is_some();
        let body = self.finish_lines(lines, close);
        self.braced_lines("{", body, empty && !has_comments, "}")
    }

    fn resource(&mut self, r: &ResourceDef) -> Doc<'a> {
        let head = self.text("resource ").append(self.tok(r.name.span)).append(self.text(" "));
        let mut members: Vec<(Span, Member)> =
            r.fields.iter().map(|(n, ty)| (n.span.to(ty.span), Member::Field(n, ty))).collect();
        members.extend(r.funcs.iter().map(|f| (f.func.span, Member::ResourceFunc(f))));
        let body = self.member_lines(members, r.span);
        head.append(body)
    }

    fn resource_func(&mut self, f: &ResourceFunc) -> Doc<'a> {
        let func = &f.func;
        match f.kind {
            MemberKind::Constructor => {
                let head = self.tok(func.name.span);
                let sig = self.sig(&func.sig);
                let body = self.block(&func.body);
                head.append(sig).append(self.text(" ")).append(body)
            }
            MemberKind::Destructor => {
                let head = self.tok(func.name.span);
                let body = self.block(&func.body);
                head.append(self.text(" ")).append(body)
            }
            MemberKind::Method | MemberKind::Static => {
                let keyword = if f.kind == MemberKind::Static { "static func " } else { "func " };
                let head = self.text(keyword).append(self.tok(func.name.span));
                let sig = self.sig(&func.sig);
                let body = self.block(&func.body);
                head.append(sig).append(self.text(" ")).append(body)
            }
        }
    }
}

/// Something inside an interface, resource or mock, printed on lines of its own.
enum Member<'t> {
    Func(&'t FuncDef),
    Global(&'t Global),
    Resource(&'t ResourceDef),
    Field(&'t Ident, &'t TypeExpr),
    ResourceFunc(&'t ResourceFunc),
}
