//! The editor query API: what a language server asks about one Claw file.
//!
//! [`analyze`] lexes, parses and checks a source text with the same checker
//! as [`crate::check()`], then indexes the result: the definition each name
//! occurrence resolves to, the type of each checked expression (from the
//! IR's expression arenas and their span side tables), the local bindings
//! and where each is visible. The queries on [`Analysis`] answer from that
//! index, so they work while the file has errors elsewhere: the parser
//! recovers at item and statement level and the checker keeps going with an
//! error type. Completion and signature help also read the text before the
//! cursor, because the code being typed there (`p.`, `from wasi:`, `f(1, `)
//! does not parse yet.
//!
//! Everything here is pure: offsets are UTF-8 byte offsets into the source
//! (`u32`, like [`Span`]); converting to LSP positions (UTF-16) and to JSON is
//! the server's job. The names follow the Language Server Protocol's
//! (hover, definition, completion item, signature help, inlay hint, code
//! action) so the server's mapping is one to one.

use crate::ast;
use crate::diagnostic::{Diagnostic, Severity};
use crate::ir;
use crate::span::Span;
use wit_parser::Resolve;

mod actions;
mod completion;
mod index;
mod queries;
mod wit;

/// Everything the editor asks about one file. Built even when the file has
/// errors (see [`analyze`]).
pub struct Analysis {
    /// The source text analysed.
    source: String,
    /// Every diagnostic, as [`crate::check()`] reports them.
    diagnostics: Vec<Diagnostic>,
    /// The checked module (its `resolve` holds the WIT and every type the
    /// file uses).
    module: ir::Module,
    /// Names, types and scopes.
    index: index::Index,
}

/// Lexes, parses and checks `source` with the same checker as
/// [`crate::check()`], keeping what the editor needs. Never fails and never
/// panics.
///
/// `resolve`: the WIT packages known (usually [`crate::std_wit::resolve`]
/// plus the project's WIT directories).
pub fn analyze(source: &str, resolve: &Resolve) -> Analysis {
    let checked = crate::check_parts(source, resolve);
    // The parser attaches `///` docs to top-level items only; the index
    // finds those of resource members and interface functions itself.
    let docs = if source.len() < u32::MAX as usize { crate::lexer::lex(source).docs } else { Vec::new() };
    let has_tests = checked.file.items.iter().any(|i| matches!(i, ast::Item::Test(_)));
    if !has_tests {
        let index = index::build(
            &checked.file,
            checked.prelude_items,
            checked.prelude_funcs,
            &checked.module,
            source,
            &docs,
            false,
        );
        return Analysis {
            source: source.to_string(),
            diagnostics: checked.diagnostics,
            module: checked.module,
            index,
        };
    }
    // `check` skips test bodies (only `clawc test` compiles them): check the
    // file again as the test script, each test a function, for their types.
    // The diagnostics stay those of `check`.
    let (script, context, prelude_funcs) =
        test_script(&checked.file.items[checked.prelude_items.min(checked.file.items.len())..]);
    let (module, _) = crate::check::check_source_with(&script, source, resolve, context);
    let index = index::build(&checked.file, checked.prelude_items, prelude_funcs, &module, source, &docs, true);
    Analysis { source: source.to_string(), diagnostics: checked.diagnostics, module, index }
}

/// A test file's items as the script `clawc test` checks: the prelude, then
/// the items with each `test` turned into a function returning
/// `result<_, string>` (mocks and component paths left out). Also the
/// checker's test context and the number of the prelude's functions.
fn test_script(items: &[ast::Item]) -> (ast::File, crate::check::TestContext, usize) {
    use crate::ast::{FuncDef, FuncSig, Ident, Item, TypeExpr, TypeKind};
    let prelude = crate::parser::parse(crate::check::PRELUDE).file;
    let prelude_funcs = prelude.funcs().count();
    let mut context = crate::check::TestContext { is_test_file: true, ..Default::default() };
    let mut script = prelude.items;
    for item in items {
        match item {
            Item::Test(t) => {
                let name = format!("{}{}", crate::testing::TEST_EXPORT_PREFIX, context.tests.len());
                context.tests.insert(name.clone());
                let span = t.name_span;
                let string = TypeExpr { kind: TypeKind::Named("string".into()), span };
                let result = TypeExpr {
                    kind: TypeKind::Generic(Ident { name: "result".into(), span }, vec![None, Some(string)]),
                    span,
                };
                script.push(Item::Func(Box::new(FuncDef {
                    docs: String::new(),
                    exported: true,
                    name: Ident { name, span },
                    sig: FuncSig { params: t.params.clone(), result: Some(result), span },
                    body: t.body.clone(),
                    span: t.span,
                })));
            }
            Item::Mock(_) | Item::Component(_) => {}
            other => script.push(other.clone()),
        }
    }
    (ast::File { items: script, recovered_names: Vec::new() }, context, prelude_funcs)
}

/// The text shown on hover (LSP `textDocument/hover`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hover {
    /// The range hovered (the name or expression the answer is about).
    pub span: Span,
    /// A signature or type, to show as a code block in [`Hover::language`].
    pub code: String,
    /// The language `code` is written in.
    pub language: HoverLanguage,
    /// Documentation (`///` comments or WIT docs), Markdown; may be empty.
    pub docs: String,
}

/// The language of a [`Hover`]'s code block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HoverLanguage {
    /// Claw syntax (`func add(a: u32) -> u32`, `let x: string`).
    Claw,
    /// WIT syntax (`now: func() -> instant;`), for imported WIT items.
    Wit,
}

/// Where a name is defined (LSP `textDocument/definition`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Definition {
    /// In the analysed file: the span of the defining name.
    Source(Span),
    /// In a WIT file: `path` as wit-parser's source map names it (for the
    /// bundled packages, the path in [`crate::std_wit::PACKAGES`]) and a byte
    /// range `(start, end)` into that file's text.
    Wit {
        /// The WIT file's path.
        path: String,
        /// Byte range `(start, end)` of the definition in that file.
        span: (u32, u32),
    },
}

/// One completion item (LSP `CompletionItem`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Completion {
    /// The text shown in the list (and inserted when `insert_text` is `None`).
    pub label: String,
    /// What the item is.
    pub kind: CompletionKind,
    /// A one-line type or signature.
    pub detail: Option<String>,
    /// Documentation, Markdown.
    pub docs: Option<String>,
    /// What to insert instead of `label` (for example `len()`), if different.
    pub insert_text: Option<String>,
}

/// What a [`Completion`] names (mapped to LSP `CompletionItemKind`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompletionKind {
    /// A keyword (`let`, `func`, ...).
    Keyword,
    /// A local variable or parameter.
    Local,
    /// A global (`let` at the top level).
    Global,
    /// A function (defined here or imported).
    Function,
    /// A named type.
    Type,
    /// A record field.
    Field,
    /// An enum, variant or flags case.
    Case,
    /// A method (built-in, or of a resource).
    Method,
    /// A resource type.
    Resource,
    /// A WIT package (`wasi:clocks`).
    Package,
    /// A WIT interface.
    Interface,
    /// Anything else.
    Module,
}

/// Signature help inside a call's parentheses (LSP `SignatureHelp`, one
/// signature).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignatureHelp {
    /// The signature, `func name(a: u32, b: string) -> u32`.
    pub label: String,
    /// Each parameter's byte range `(start, end)` in `label`.
    pub params: Vec<(u32, u32)>,
    /// The index of the parameter the cursor is in.
    pub active_param: u32,
    /// The function's documentation, Markdown; may be empty.
    pub docs: String,
}

/// An inlay hint (LSP `InlayHint`): text shown at `offset` that is not in
/// the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InlayHint {
    /// Where the hint goes (just after a `let` binding's name).
    pub offset: u32,
    /// The text shown, `": u32"`.
    pub label: String,
}

/// A code action (LSP `CodeAction` with a `WorkspaceEdit` on this file).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodeAction {
    /// What the action does, shown in the menu.
    pub title: String,
    /// Text edits: replace each span with the string. Spans do not overlap.
    pub edits: Vec<(Span, String)>,
}

impl Analysis {
    /// The source text analysed.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Every diagnostic, exactly what [`crate::check()`] reports for the same
    /// source and `Resolve` (sorted by primary span). For a test file, that is
    /// what `check` says (test bodies are checked by `clawc test`), though the
    /// queries do see the types inside test bodies.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }

    /// Does the file have errors (not just warnings)?
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(|d| d.severity == Severity::Error)
    }

    /// What is at `offset` (or just before it, the cursor after a name).
    ///
    /// On a name: a local or parameter (`let x: u32`, `x: u32`), a global, a
    /// function's signature and `///` docs, a resource's function (inside
    /// `resource R { }`), a type's definition, a field (`point.x: s32`), a
    /// case (`shape::circle(f64)`); an item of a WIT interface (imported, a
    /// resource method reached through `.`, a type in scope in
    /// `export ns:pkg/iface { }`, an interface path) in WIT syntax with its
    /// WIT docs ([`HoverLanguage::Wit`]). Elsewhere: the type of the
    /// innermost checked expression (an operator shows its expression's
    /// type). `None` when there is nothing there.
    pub fn hover(&self, offset: u32) -> Option<Hover> {
        queries::hover(self, offset)
    }

    /// Where the name at `offset` is defined: [`Definition::Source`] for
    /// locals, parameters, globals, functions, types, fields, cases,
    /// resources and their functions defined in the file (and names imported
    /// with `import name: func`); [`Definition::Wit`] for WIT functions,
    /// types, fields, cases, resource methods and interface paths (the
    /// defining name in the WIT file). `None` on anything else (`self`,
    /// built-in methods, keywords).
    pub fn definition(&self, offset: u32) -> Option<Definition> {
        queries::definition(self, offset)
    }

    /// Every occurrence in this file of the definition the name at `offset`
    /// resolves to, in source order; the defining name itself too when
    /// `include_declaration`. `None` when `offset` is not on a name.
    pub fn references(&self, offset: u32, include_declaration: bool) -> Option<Vec<Span>> {
        queries::references(self, offset, include_declaration)
    }

    /// The span of the name that a rename at `offset` would change.
    ///
    /// # Errors
    /// Why it cannot be renamed: not on a name; a name WIT gives (an imported
    /// function or type without `as`, its fields and cases, an interface, a
    /// function or resource of an exported WIT interface); a world import
    /// (`import name: func`); a built-in (`self`).
    pub fn prepare_rename(&self, offset: u32) -> Result<Span, String> {
        queries::prepare_rename(self, offset).map(|(span, _)| span)
    }

    /// The edits that rename the name at `offset` (every occurrence, its
    /// definition included) to `new_name`.
    ///
    /// # Errors
    /// As [`Analysis::prepare_rename`], and when `new_name` is not a WIT
    /// identifier (kebab-case words, each starting with a letter; a leading
    /// `%` for a keyword).
    pub fn rename(&self, offset: u32, new_name: &str) -> Result<Vec<(Span, String)>, String> {
        queries::rename(self, offset, new_name)
    }

    /// The completion items at `offset`, in the order to show them. Each
    /// item replaces the identifier before `offset` (letters, digits, `-`,
    /// `%`), so after `from wasi:` the item `clocks/wall-clock` completes
    /// the path.
    ///
    /// Contexts, read from the text before the cursor: after `from `
    /// (and `export `/`mock ` before a `:`) the WIT packages, after `ns:` a
    /// namespace's `pkg/iface` paths, after `ns:pkg/` its interfaces; inside
    /// `import { | } from ns:pkg/iface` the interface's functions, types and
    /// resources not yet listed; after `value.` the fields of a record or
    /// tuple, the built-in methods of strings and lists, the fields and
    /// methods of a resource; after `T::` the cases of an enum, variant or
    /// flags type, a resource's constructor (`new`) and static functions,
    /// `string::from-utf8`; at the start of a `match` arm the patterns of the
    /// matched type; in a type position the types; elsewhere the locals in
    /// scope (innermost first), the file's globals, functions and types, and
    /// keywords. At the top level of a test file, also an import of each
    /// export of the worlds the `Resolve` holds outside WASI (the components
    /// under test, whose WIT `clawc test` adds), as `insert_text`. Nothing
    /// inside comments and string literals.
    pub fn completions(&self, offset: u32) -> Vec<Completion> {
        completion::completions(self, offset)
    }

    /// Signature help when `offset` is inside a call's parentheses (found in
    /// the text, so `f(1, ` without a closing parenthesis works): functions
    /// of the file, plain and WIT imports, methods of WIT and Claw resources,
    /// constructors and static functions (`R::new(`), built-in string and
    /// list methods, variant cases with a payload. The active parameter is
    /// the number of commas before the cursor at the call's depth.
    pub fn signature_help(&self, offset: u32) -> Option<SignatureHelp> {
        actions::signature_help(self, offset)
    }

    /// Inlay hints in `range`: the type of each `let` binding written
    /// without one.
    pub fn inlay_hints(&self, range: Span) -> Vec<InlayHint> {
        actions::inlay_hints(self, range)
    }

    /// Code actions for `range`: add the missing arms of a `match`; import
    /// an unknown name from the WIT interface that has it.
    pub fn code_actions(&self, range: Span) -> Vec<CodeAction> {
        actions::code_actions(self, range)
    }
}
