//! `textDocument/documentSymbol`: the outline of a file, from the syntax
//! tree alone (`claw_compiler::parser::parse`), so it works while the file
//! has type errors and shows every item the parser could read.
//!
//! Nesting: an exported interface, an inline interface and a mock contain
//! their functions (and resources); a resource contains its fields,
//! constructor, methods and static functions; a record its fields; a
//! variant, enum or flags type its cases; an `import { ... } from` its
//! names. The same tree gives the folding ranges.

use crate::line_index::LineIndex;
use claw_compiler::Span;
use claw_compiler::ast::{self, Item, MemberKind, TypeDefBody};
use lsp_types::{DocumentSymbol, FoldingRange, SymbolKind};

/// The outline of `text`: one symbol per top-level item, with children.
pub fn document_symbols(text: &str, index: &LineIndex) -> Vec<DocumentSymbol> {
    let parsed = claw_compiler::parser::parse(text);
    let builder = Builder { text, index };
    parsed.file.items.iter().filter_map(|item| builder.item(item)).collect()
}

/// `textDocument/foldingRange`: every symbol of the outline that spans
/// more than one line folds (items, interfaces, resources and their
/// functions, records and variants), in document order.
pub fn folding_ranges(symbols: &[DocumentSymbol]) -> Vec<FoldingRange> {
    fn walk(symbols: &[DocumentSymbol], out: &mut Vec<FoldingRange>) {
        for s in symbols {
            if s.range.end.line > s.range.start.line {
                out.push(FoldingRange {
                    start_line: s.range.start.line,
                    start_character: None,
                    end_line: s.range.end.line,
                    end_character: None,
                    kind: None,
                    collapsed_text: None,
                });
            }
            walk(s.children.as_deref().unwrap_or(&[]), out);
        }
    }
    let mut out = Vec::new();
    walk(symbols, &mut out);
    out.sort_by_key(|r| (r.start_line, std::cmp::Reverse(r.end_line)));
    out
}

struct Builder<'a> {
    text: &'a str,
    index: &'a LineIndex,
}

impl Builder<'_> {
    /// A symbol named `name` at `selection`, covering `span`.
    #[allow(deprecated)] // `DocumentSymbol::deprecated` must be written; `tags` replaces it.
    fn symbol(
        &self,
        name: &str,
        kind: SymbolKind,
        detail: Option<String>,
        span: Span,
        selection: Span,
        children: Vec<DocumentSymbol>,
    ) -> DocumentSymbol {
        // The range must contain the selection range (LSP 3.17 §DocumentSymbol).
        let span = span.to(selection);
        DocumentSymbol {
            // An empty name is invalid in VS Code; the parser can leave one after an error.
            name: if name.is_empty() { "?".to_string() } else { name.to_string() },
            detail,
            kind,
            tags: None,
            deprecated: None,
            range: self.index.range(self.text, span),
            selection_range: self.index.range(self.text, selection),
            children: (!children.is_empty()).then_some(children),
        }
    }

    /// The source text of `span`, on one line (for `detail`).
    fn snippet(&self, span: Span) -> Option<String> {
        let text = self.text.get(span.range())?;
        let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
        (!one_line.is_empty()).then_some(one_line)
    }

    fn item(&self, item: &Item) -> Option<DocumentSymbol> {
        Some(match item {
            Item::Import(i) => {
                let name = i.alias.as_ref().unwrap_or(&i.name);
                self.symbol(&name.name, SymbolKind::FUNCTION, self.snippet(i.sig.span), i.span, name.span, vec![])
            }
            Item::ImportFrom(i) => {
                let children = i
                    .names
                    .iter()
                    .map(|n| {
                        let local = n.alias.as_ref().unwrap_or(&n.name);
                        self.symbol(
                            &local.name,
                            SymbolKind::MODULE,
                            None,
                            n.name.span.to(local.span),
                            local.span,
                            vec![],
                        )
                    })
                    .collect();
                self.symbol(
                    &i.path.to_string(),
                    SymbolKind::NAMESPACE,
                    Some("import".into()),
                    i.span,
                    i.path.span,
                    children,
                )
            }
            Item::Global(g) => self.global(g),
            Item::Func(f) => self.func(f, SymbolKind::FUNCTION),
            Item::TypeDef(t) => self.type_def(t),
            Item::ExportInterface(e) => {
                let children = self.members(&e.funcs, &e.resources);
                self.symbol(
                    &e.path.to_string(),
                    SymbolKind::INTERFACE,
                    Some("export".into()),
                    e.span,
                    e.path.span,
                    children,
                )
            }
            Item::ExportInline(e) => {
                let children = self.members(&e.funcs, &e.resources);
                self.symbol(&e.name.name, SymbolKind::INTERFACE, Some("export".into()), e.span, e.name.span, children)
            }
            Item::Resource(r) => self.resource(r),
            Item::Test(t) => self.symbol(&t.name, SymbolKind::METHOD, Some("test".into()), t.span, t.name_span, vec![]),
            Item::Mock(m) => {
                let mut children: Vec<DocumentSymbol> = m.globals.iter().map(|g| self.global(g)).collect();
                children.extend(m.funcs.iter().map(|f| self.func(f, SymbolKind::FUNCTION)));
                self.symbol(&m.path.to_string(), SymbolKind::MODULE, Some("mock".into()), m.span, m.path.span, children)
            }
            Item::Component(c) => {
                self.symbol(&c.path, SymbolKind::FILE, Some("test component".into()), c.span, c.path_span, vec![])
            }
            Item::Error(_) => return None,
        })
    }

    fn global(&self, g: &ast::Global) -> DocumentSymbol {
        let kind = if g.mutable { SymbolKind::VARIABLE } else { SymbolKind::CONSTANT };
        let detail = g.ty.as_ref().and_then(|t| self.snippet(t.span));
        self.symbol(&g.name.name, kind, detail, g.span, g.name.span, vec![])
    }

    fn func(&self, f: &ast::FuncDef, kind: SymbolKind) -> DocumentSymbol {
        self.symbol(&f.name.name, kind, self.snippet(f.sig.span), f.span, f.name.span, vec![])
    }

    fn members(&self, funcs: &[ast::FuncDef], resources: &[ast::ResourceDef]) -> Vec<DocumentSymbol> {
        let mut children: Vec<DocumentSymbol> = resources.iter().map(|r| self.resource(r)).collect();
        children.extend(funcs.iter().map(|f| self.func(f, SymbolKind::FUNCTION)));
        children.sort_by_key(|s| (s.range.start.line, s.range.start.character));
        children
    }

    fn resource(&self, r: &ast::ResourceDef) -> DocumentSymbol {
        let mut children: Vec<DocumentSymbol> = r
            .fields
            .iter()
            .map(|(name, ty)| {
                self.symbol(
                    &name.name,
                    SymbolKind::FIELD,
                    self.snippet(ty.span),
                    name.span.to(ty.span),
                    name.span,
                    vec![],
                )
            })
            .collect();
        children.extend(r.funcs.iter().map(|m| {
            let kind = match m.kind {
                MemberKind::Constructor => SymbolKind::CONSTRUCTOR,
                MemberKind::Method | MemberKind::Destructor => SymbolKind::METHOD,
                MemberKind::Static => SymbolKind::FUNCTION,
            };
            self.func(&m.func, kind)
        }));
        self.symbol(&r.name.name, SymbolKind::CLASS, Some("resource".into()), r.span, r.name.span, children)
    }

    fn type_def(&self, t: &ast::TypeDef) -> DocumentSymbol {
        let case = |name: &ast::Ident, detail: Option<String>, span: Span| {
            self.symbol(&name.name, SymbolKind::ENUM_MEMBER, detail, span, name.span, vec![])
        };
        let (kind, detail, children) = match &t.body {
            TypeDefBody::Record(fields) => (
                SymbolKind::STRUCT,
                "record",
                fields
                    .iter()
                    .map(|(n, ty)| {
                        self.symbol(
                            &n.name,
                            SymbolKind::FIELD,
                            self.snippet(ty.span),
                            n.span.to(ty.span),
                            n.span,
                            vec![],
                        )
                    })
                    .collect(),
            ),
            TypeDefBody::Variant(cases) => (
                SymbolKind::ENUM,
                "variant",
                cases
                    .iter()
                    .map(|(n, ty)| match ty {
                        Some(ty) => case(n, self.snippet(ty.span), n.span.to(ty.span)),
                        None => case(n, None, n.span),
                    })
                    .collect(),
            ),
            TypeDefBody::Enum(cases) => {
                (SymbolKind::ENUM, "enum", cases.iter().map(|n| case(n, None, n.span)).collect())
            }
            TypeDefBody::Flags(flags) => {
                (SymbolKind::ENUM, "flags", flags.iter().map(|n| case(n, None, n.span)).collect())
            }
            TypeDefBody::Alias(_) => (SymbolKind::TYPE_PARAMETER, "type", Vec::new()),
        };
        let detail = match &t.body {
            TypeDefBody::Alias(ty) => self.snippet(ty.span).map(|s| format!("type = {s}")),
            _ => Some(detail.to_string()),
        };
        self.symbol(&t.name.name, kind, detail, t.span, t.name.span, children)
    }
}
