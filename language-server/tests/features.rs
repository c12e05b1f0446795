//! In-process tests of every feature of the language server, driven over
//! `Connection::memory()` as an editor drives `clawc lsp`: one small
//! fixture per case, the cursor marked with `$0`, results as insta
//! snapshots in `tests/snapshots/` (accept new output with
//! `INSTA_UPDATE=always cargo test -p claw-language-server` and review the
//! diff).

mod support;

use claw_language_server::Exit;
use insta::assert_snapshot;
use lsp_types::request as req;
use lsp_types::{
    CodeActionContext, CodeActionOrCommand, CodeActionParams, DocumentSymbolParams, DocumentSymbolResponse, Position,
    Range, SemanticTokensParams, SemanticTokensResult, TextDocumentIdentifier,
};
use serde_json::json;
use support::{Client, cursor, render_diagnostics, uri};

fn client() -> Client {
    Client::start(json!({ "debounceMs": 10 }))
}

fn doc_id(name: &str) -> TextDocumentIdentifier {
    TextDocumentIdentifier::new(uri(name))
}

#[test]
fn diagnostics_on_open_have_codes_related_labels_and_help() {
    let mut client = client();
    let text = "func helper(x: u32) -> u32 {\n    return x + 1;\n}\n\nfunc helper(x: u32) -> u32 {\n    return x + 2;\n}\n\nexport func run(x: u32) -> u32 {\n    return helpr(x);\n}\n";
    client.open(&uri("a.claw"), text);
    let published = client.diagnostics(&uri("a.claw"), Some(1));
    assert_snapshot!(
        "diagnostics_on_open_have_codes_related_labels_and_help",
        render_diagnostics(&published.diagnostics)
    );
    assert_eq!(client.shutdown(), Exit::Clean);
}

#[test]
fn diagnostics_follow_incremental_changes_with_non_ascii_text() {
    let mut client = client();
    let u = uri("b.claw");
    // `é` and `🦀` in a comment before the error move its UTF-16 column.
    let text = "// é🦀\nexport func f() -> u32 { return 1; }\n";
    client.open(&u, text);
    assert!(client.diagnostics(&u, Some(1)).diagnostics.is_empty());
    // Replace `1` (line 1, UTF-16 column 32) with a string: a type error.
    client.notify_raw(
        "textDocument/didChange",
        json!({
            "textDocument": { "uri": u, "version": 2 },
            "contentChanges": [{ "range": { "start": { "line": 1, "character": 32 }, "end": { "line": 1, "character": 33 } }, "text": "\"é🦀\"" }]
        }),
    );
    let published = client.diagnostics(&u, Some(2));
    assert_snapshot!(
        "diagnostics_follow_incremental_changes_with_non_ascii_text",
        render_diagnostics(&published.diagnostics)
    );
    // An edit on the first line (before the error) moves nothing but the version.
    client.notify_raw(
        "textDocument/didChange",
        json!({
            "textDocument": { "uri": u, "version": 3 },
            "contentChanges": [{ "range": { "start": { "line": 0, "character": 5 }, "end": { "line": 0, "character": 5 } }, "text": "ü" }]
        }),
    );
    let published = client.diagnostics(&u, Some(3));
    assert_eq!(published.diagnostics.len(), 1);
    assert_eq!(published.diagnostics[0].range.start, Position::new(1, 32));
    assert_eq!(client.shutdown(), Exit::Clean);
}

#[test]
fn diagnostics_are_debounced_over_a_burst_of_changes() {
    let mut client = Client::start(json!({ "debounceMs": 300 }));
    let u = uri("c.claw");
    client.open(&u, "export func f() -> u32 { return 1; }\n");
    client.diagnostics(&u, Some(1));
    for version in 2..=20 {
        client.notify_raw(
            "textDocument/didChange",
            json!({
                "textDocument": { "uri": u, "version": version },
                "contentChanges": [{ "text": format!("export func f() -> u32 {{ return {version}; }}\n") }]
            }),
        );
    }
    // Only the last version is analysed and published.
    let published = client.diagnostics(&u, None);
    assert_eq!(published.version, Some(20));
    assert_eq!(client.shutdown(), Exit::Clean);
}

#[test]
fn closing_a_document_clears_its_diagnostics() {
    let mut client = client();
    let u = uri("d.claw");
    client.open(&u, "export func f() -> u32 { return nope; }\n");
    assert_eq!(client.diagnostics(&u, Some(1)).diagnostics.len(), 1);
    client.notify_raw("textDocument/didClose", json!({ "textDocument": { "uri": u } }));
    let cleared = client.diagnostics(&u, None);
    assert!(cleared.diagnostics.is_empty(), "{cleared:?}");
    assert_eq!(client.shutdown(), Exit::Clean);
}

#[test]
fn exit_without_shutdown_is_unexpected() {
    let mut client = client();
    client.notify_raw("exit", serde_json::Value::Null);
    assert_eq!(client.join(), Exit::Unexpected);
}

#[test]
fn requests_after_shutdown_are_refused() {
    let mut client = client();
    client.request_raw("shutdown", serde_json::Value::Null);
    let id = client.send_request("textDocument/documentSymbol", json!({ "textDocument": { "uri": uri("x.claw") } }));
    let response = client.response(id);
    assert_eq!(response.error.map(|e| e.code), Some(lsp_server::ErrorCode::InvalidRequest as i32));
    client.notify_raw("exit", serde_json::Value::Null);
    assert_eq!(client.join(), Exit::Clean);
}

#[test]
fn unknown_requests_get_method_not_found() {
    let mut client = client();
    let id = client.send_request("claw/nope", json!({}));
    let response = client.response(id);
    assert_eq!(response.error.map(|e| e.code), Some(lsp_server::ErrorCode::MethodNotFound as i32));
    assert_eq!(client.shutdown(), Exit::Clean);
}

#[test]
fn document_symbols_nest_members() {
    let mut client = client();
    let u = uri("symbols.claw");
    let text = r#"import { now } from wasi:clocks/monotonic-clock;

/// A point.
record point { x: s32, y: s32 }

variant shape { circle(u32), square }

let mut count: u32 = 0;

export func area(s: shape) -> u32 { return 0; }

export api: interface {
    resource counter {
        value: u32,
        constructor() { }
        func get() -> u32 { return self.value; }
    }
    func make() -> u32 { return 1; }
}
"#;
    client.open(&u, text);
    let symbols = client.request::<req::DocumentSymbolRequest>(DocumentSymbolParams {
        text_document: doc_id("symbols.claw"),
        work_done_progress_params: Default::default(),
        partial_result_params: Default::default(),
    });
    let Some(DocumentSymbolResponse::Nested(symbols)) = symbols else { panic!("nested symbols: {symbols:?}") };
    fn render(out: &mut String, symbols: &[lsp_types::DocumentSymbol], depth: usize) {
        for s in symbols {
            out.push_str(&format!(
                "{}{} {:?} {} @{}:{}\n",
                "  ".repeat(depth),
                s.name,
                s.kind,
                s.detail.as_deref().unwrap_or("-"),
                s.selection_range.start.line,
                s.selection_range.start.character
            ));
            render(out, s.children.as_deref().unwrap_or(&[]), depth + 1);
        }
    }
    let mut out = String::new();
    render(&mut out, &symbols, 0);
    assert_snapshot!("document_symbols_nest_members", out);
    assert_eq!(client.shutdown(), Exit::Clean);
}

#[test]
fn semantic_tokens_classify_from_the_lexer() {
    let mut client = client();
    let u = uri("tokens.claw");
    let text = "import { now } from wasi:clocks/monotonic-clock@0.2.12;\n/// Docs é.\nexport func f(p: point) -> u32 {\n    let n = p.x + now();\n    return \"🦀\".len() + shape::circle;\n}\n";
    client.open(&u, text);
    let tokens = client.request::<req::SemanticTokensFullRequest>(SemanticTokensParams {
        text_document: doc_id("tokens.claw"),
        work_done_progress_params: Default::default(),
        partial_result_params: Default::default(),
    });
    let Some(SemanticTokensResult::Tokens(tokens)) = tokens else { panic!("tokens: {tokens:?}") };
    // Decode the deltas back into (line, column, length, type[+modifiers], text).
    let legend = &client.capabilities["semanticTokensProvider"]["legend"];
    let lines: Vec<&str> = text.lines().collect();
    let (mut line, mut column) = (0u32, 0u32);
    let mut out = String::new();
    for t in &tokens.data {
        if t.delta_line > 0 {
            line += t.delta_line;
            column = t.delta_start;
        } else {
            column += t.delta_start;
        }
        let units: Vec<u16> = lines[line as usize].encode_utf16().collect();
        let piece = String::from_utf16_lossy(&units[column as usize..(column + t.length) as usize]);
        let mut class = legend["tokenTypes"][t.token_type as usize].as_str().unwrap_or("?").to_string();
        for (bit, name) in legend["tokenModifiers"].as_array().into_iter().flatten().enumerate() {
            if t.token_modifiers_bitset & (1 << bit) != 0 {
                class.push('.');
                class.push_str(name.as_str().unwrap_or("?"));
            }
        }
        out.push_str(&format!("{line}:{column} {class} {piece}\n"));
    }
    assert_snapshot!("semantic_tokens_classify_from_the_lexer", out);
    assert_eq!(client.shutdown(), Exit::Clean);
}

#[test]
fn code_actions_apply_a_diagnostics_suggestion() {
    let mut client = client();
    let u = uri("fix.claw");
    let (text, position) = cursor("let count: u32 = 0;\nexport func f() -> u32 { return co$0nut; }\n");
    client.open(&u, &text);
    client.diagnostics(&u, Some(1));
    let actions = client.request::<req::CodeActionRequest>(CodeActionParams {
        text_document: doc_id("fix.claw"),
        range: Range::new(position, position),
        context: CodeActionContext::default(),
        work_done_progress_params: Default::default(),
        partial_result_params: Default::default(),
    });
    let mut out = String::new();
    for action in actions.into_iter().flatten() {
        let CodeActionOrCommand::CodeAction(action) = action else { continue };
        let edits = action.edit.and_then(|e| e.changes).and_then(|mut c| c.remove(&u)).unwrap_or_default();
        out.push_str(&format!("{} ({:?})\n", action.title, action.kind.map(|k| k.as_str().to_string())));
        let applied = apply_edits(&text, &edits);
        out.push_str(&applied);
    }
    assert_snapshot!("code_actions_apply_a_diagnostics_suggestion", out);
    assert_eq!(client.shutdown(), Exit::Clean);
}

/// `text` after `edits` (non-overlapping, any order).
fn apply_edits(text: &str, edits: &[lsp_types::TextEdit]) -> String {
    let index = claw_language_server::line_index::LineIndex::new(text);
    let mut spans: Vec<(u32, u32, &str)> = edits
        .iter()
        .map(|e| (index.offset(text, e.range.start), index.offset(text, e.range.end), e.new_text.as_str()))
        .collect();
    spans.sort_by_key(|s| std::cmp::Reverse(s.0));
    let mut out = text.to_string();
    for (start, end, new) in spans {
        out.replace_range(start as usize..end as usize, new);
    }
    out
}

/// Opens `fixture` (with its `$0` marker removed) as `name`, waits for its
/// first diagnostics, and returns the client, the URI, the text and the cursor.
fn open_at(client: &mut Client, name: &str, fixture: &str) -> (lsp_types::Url, String, Position) {
    let (text, position) = cursor(fixture);
    let u = uri(name);
    client.open(&u, &text);
    client.diagnostics(&u, Some(1));
    (u, text, position)
}

fn position_params(u: &lsp_types::Url, position: Position) -> lsp_types::TextDocumentPositionParams {
    lsp_types::TextDocumentPositionParams::new(TextDocumentIdentifier::new(u.clone()), position)
}

/// A hover rendered as its range marked in the text, then its Markdown.
fn hover_at(fixture: &str) -> String {
    let mut client = client();
    let (u, text, position) = open_at(&mut client, "hover.claw", fixture);
    let hover = client.request::<req::HoverRequest>(lsp_types::HoverParams {
        text_document_position_params: position_params(&u, position),
        work_done_progress_params: Default::default(),
    });
    assert_eq!(client.shutdown(), Exit::Clean);
    let Some(hover) = hover else { return "no hover".to_string() };
    let lsp_types::HoverContents::Markup(markup) = hover.contents else { panic!("markup hover: {hover:?}") };
    format!("{}\n----\n{}", support::mark(&text, &hover.range.into_iter().collect::<Vec<_>>()), markup.value)
}

#[test]
fn hover_function_with_docs() {
    assert_snapshot!(
        "hover_function_with_docs",
        hover_at(
            "/// Adds one.\nfunc inc(x: u32) -> u32 { return x + 1; }\nexport func f() -> u32 { return in$0c(1); }\n"
        )
    );
}

#[test]
fn hover_local_after_non_ascii_text() {
    // The cursor's UTF-16 column differs from its byte column on this line.
    assert_snapshot!(
        "hover_local_after_non_ascii_text",
        hover_at("export func f() -> u32 {\n    let s = \"é🦀\"; let n = s.len(); return n$0;\n}\n")
    );
}

#[test]
fn hover_std_wit_function_shows_wit() {
    assert_snapshot!(
        "hover_std_wit_function_shows_wit",
        hover_at("import { now } from wasi:clocks/monotonic-clock;\nexport func f() -> u64 { return no$0w(); }\n")
    );
}

#[test]
fn hover_keeps_working_while_the_file_has_errors_elsewhere() {
    assert_snapshot!(
        "hover_keeps_working_while_the_file_has_errors_elsewhere",
        hover_at(
            "export func broken() -> u32 { let = ; return \"no\"; }\n/// Doubles.\nfunc double(x: u32) -> u32 { return x * 2; }\nexport func f() -> u32 { return dou$0ble(undefined-name); }\n"
        )
    );
}

/// The definition at the cursor as a location: the URI and the marked text there.
fn definition_at(client: &mut Client, name: &str, fixture: &str) -> (lsp_types::Url, String) {
    let (u, _, position) = open_at(client, name, fixture);
    let response = client.request::<req::GotoDefinition>(lsp_types::GotoDefinitionParams {
        text_document_position_params: position_params(&u, position),
        work_done_progress_params: Default::default(),
        partial_result_params: Default::default(),
    });
    let Some(lsp_types::GotoDefinitionResponse::Scalar(location)) = response else {
        panic!("one location: {response:?}")
    };
    let path = location.uri.to_file_path().expect("a file URI");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    // Only the lines of the range, to keep WIT snapshots short.
    let marked = support::mark(&text, &[location.range]);
    let lines: Vec<&str> = marked.lines().collect();
    let (first, last) = (location.range.start.line as usize, location.range.end.line as usize);
    (location.uri, lines[first..=last].join("\n"))
}

#[test]
fn definition_in_the_same_file() {
    let mut client = client();
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("def.claw");
    let fixture = "record point { x: s32, y: s32 }\nexport func f(p: point) -> s32 {\n    let total = p.x;\n    return tot$0al + p.y;\n}\n";
    std::fs::write(&file, cursor(fixture).0).expect("write");
    let u = lsp_types::Url::from_file_path(&file).expect("uri");
    let (text, position) = cursor(fixture);
    client.open(&u, &text);
    client.diagnostics(&u, Some(1));
    let response = client.request::<req::GotoDefinition>(lsp_types::GotoDefinitionParams {
        text_document_position_params: position_params(&u, position),
        work_done_progress_params: Default::default(),
        partial_result_params: Default::default(),
    });
    let Some(lsp_types::GotoDefinitionResponse::Scalar(location)) = response else { panic!("{response:?}") };
    assert_eq!(location.uri, u);
    assert_snapshot!("definition_in_the_same_file", support::mark(&text, &[location.range]));
    assert_eq!(client.shutdown(), Exit::Clean);
}

#[test]
fn definition_of_a_std_wit_item_opens_a_read_only_bundled_file() {
    let mut client = client();
    let (location, lines) = definition_at(
        &mut client,
        "wasi.claw",
        "import { now } from wasi:clocks/monotonic-clock;\nexport func f() -> u64 { return no$0w(); }\n",
    );
    let path = location.to_file_path().expect("file");
    assert!(path.starts_with(client.std_wit_dir.path()), "{}", path.display());
    assert!(path.ends_with("wasi-0.2/clocks.wit"), "{}", path.display());
    assert!(std::fs::metadata(&path).expect("exists").permissions().readonly());
    assert_snapshot!("definition_of_a_std_wit_item", lines);
    assert_eq!(client.shutdown(), Exit::Clean);
}

#[test]
fn definition_of_an_item_from_a_wit_directory_opens_its_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let wit = dir.path().join("wit");
    std::fs::create_dir(&wit).expect("mkdir");
    std::fs::write(
        wit.join("geometry.wit"),
        "package test:shapes@0.1.0;\n\ninterface geometry {\n    /// A point.\n    record point { x: s32, y: s32 }\n    distance: func(a: point, b: point) -> u32;\n}\n",
    )
    .expect("write wit");
    let mut client = Client::start(json!({ "debounceMs": 10, "wit": [wit] }));
    let (location, lines) = definition_at(
        &mut client,
        "geo.claw",
        "import { distance, point } from test:shapes/geometry;\nexport func f(a: point) -> u32 { return dist$0ance(a, a); }\n",
    );
    assert_eq!(location.to_file_path().ok(), Some(wit.join("geometry.wit")));
    assert_snapshot!("definition_of_an_item_from_a_wit_directory", lines);
    assert_eq!(client.shutdown(), Exit::Clean);
}

#[test]
fn references_include_the_declaration_when_asked() {
    let mut client = client();
    let (u, text, position) = open_at(
        &mut client,
        "refs.claw",
        "func helper(x: u32) -> u32 { return x; }\nexport func f() -> u32 { return help$0er(1) + helper(2); }\n",
    );
    let mut marked = String::new();
    for include_declaration in [true, false] {
        let locations = client.request::<req::References>(lsp_types::ReferenceParams {
            text_document_position: position_params(&u, position),
            context: lsp_types::ReferenceContext { include_declaration },
            work_done_progress_params: Default::default(),
            partial_result_params: Default::default(),
        });
        let ranges: Vec<Range> = locations.into_iter().flatten().map(|l| l.range).collect();
        marked.push_str(&format!("include_declaration: {include_declaration}\n{}", support::mark(&text, &ranges)));
    }
    assert_snapshot!("references_include_the_declaration_when_asked", marked);
    assert_eq!(client.shutdown(), Exit::Clean);
}

#[test]
fn rename_a_local_with_prepare_rename() {
    let mut client = client();
    let (u, text, position) = open_at(
        &mut client,
        "rename.claw",
        "export func f(n: u32) -> u32 {\n    let co$0unt = n + 1;\n    return count * count;\n}\n",
    );
    let prepared = client.request::<req::PrepareRenameRequest>(position_params(&u, position));
    let Some(lsp_types::PrepareRenameResponse::Range(range)) = prepared else { panic!("{prepared:?}") };
    let edit = client.request::<req::Rename>(lsp_types::RenameParams {
        text_document_position: position_params(&u, position),
        new_name: "total".to_string(),
        work_done_progress_params: Default::default(),
    });
    let edits = edit.and_then(|e| e.changes).and_then(|mut c| c.remove(&u)).unwrap_or_default();
    assert_snapshot!(
        "rename_a_local_with_prepare_rename",
        format!("{}\n----\n{}", support::mark(&text, &[range]), apply_edits(&text, &edits))
    );
    assert_eq!(client.shutdown(), Exit::Clean);
}

#[test]
fn rename_refuses_a_wit_imported_name_with_a_message() {
    let mut client = client();
    let (u, _, position) = open_at(
        &mut client,
        "rename-wit.claw",
        "import { now } from wasi:clocks/monotonic-clock;\nexport func f() -> u64 { return no$0w(); }\n",
    );
    let id = client
        .send_request("textDocument/prepareRename", serde_json::to_value(position_params(&u, position)).expect("json"));
    let error = client.response(id).error.expect("an error");
    assert_eq!(error.code, lsp_server::ErrorCode::RequestFailed as i32);
    assert_snapshot!("rename_refuses_a_wit_imported_name_with_a_message", error.message);
    assert_eq!(client.shutdown(), Exit::Clean);
}

/// The completion labels at the cursor (keywords left out), one per line with kind and detail.
fn completions_at(fixture: &str) -> String {
    let mut client = client();
    let (u, _, position) = open_at(&mut client, "complete.claw", fixture);
    let response = client.request::<req::Completion>(lsp_types::CompletionParams {
        text_document_position: position_params(&u, position),
        work_done_progress_params: Default::default(),
        partial_result_params: Default::default(),
        context: None,
    });
    assert_eq!(client.shutdown(), Exit::Clean);
    let items = match response {
        Some(lsp_types::CompletionResponse::Array(items)) => items,
        Some(lsp_types::CompletionResponse::List(list)) => list.items,
        None => Vec::new(),
    };
    items
        .iter()
        .filter(|i| i.kind != Some(lsp_types::CompletionItemKind::KEYWORD))
        .map(|i| format!("{} {:?} {}\n", i.label, i.kind, i.detail.as_deref().unwrap_or("-")))
        .collect()
}

#[test]
fn completion_of_record_fields_after_a_dot() {
    assert_snapshot!(
        "completion_of_record_fields_after_a_dot",
        completions_at("record point { x: s32, y: s32 }\nexport func f(p: point) -> s32 {\n    return p.$0\n}\n")
    );
}

#[test]
fn completion_of_interfaces_after_a_package() {
    assert_snapshot!(
        "completion_of_interfaces_after_a_package",
        completions_at("import { now } from wasi:clocks/$0;\n")
    );
}

#[test]
fn completion_inside_an_import_list() {
    assert_snapshot!(
        "completion_inside_an_import_list",
        completions_at("import { $0 } from wasi:clocks/monotonic-clock;\n")
    );
}

#[test]
fn completion_of_names_in_scope_with_errors_elsewhere() {
    assert_snapshot!(
        "completion_of_names_in_scope_with_errors_elsewhere",
        completions_at(
            "let limit: u32 = 10;\nexport func broken() -> u32 { return \"no\"; }\nexport func f(count: u32) -> u32 {\n    return c$0\n}\n"
        )
    );
}

#[test]
fn signature_help_marks_the_active_parameter() {
    let mut client = client();
    let (u, _, position) = open_at(
        &mut client,
        "sig.claw",
        "/// Adds.\nfunc add(a: u32, b: u32) -> u32 { return a + b; }\nexport func f() -> u32 {\n    return add(1, $0);\n}\n",
    );
    let help = client.request::<req::SignatureHelpRequest>(lsp_types::SignatureHelpParams {
        context: None,
        text_document_position_params: position_params(&u, position),
        work_done_progress_params: Default::default(),
    });
    let help = help.expect("signature help");
    let signature = &help.signatures[0];
    let mut out = format!("{}\nactive: {:?}\n", signature.label, help.active_parameter);
    let units: Vec<u16> = signature.label.encode_utf16().collect();
    for p in signature.parameters.iter().flatten() {
        let lsp_types::ParameterLabel::LabelOffsets([start, end]) = p.label else { panic!("offsets") };
        out.push_str(&format!("param: {}\n", String::from_utf16_lossy(&units[start as usize..end as usize])));
    }
    if let Some(lsp_types::Documentation::MarkupContent(docs)) = &signature.documentation {
        out.push_str(&format!("docs: {}\n", docs.value));
    }
    assert_snapshot!("signature_help_marks_the_active_parameter", out);
    assert_eq!(client.shutdown(), Exit::Clean);
}

#[test]
fn inlay_hints_show_inferred_let_types() {
    let mut client = client();
    let (u, text, _) = open_at(
        &mut client,
        "inlay.claw",
        "$0record point { x: s32, y: s32 }\nexport func f(p: point) -> s32 {\n    let a = p.x;\n    let b: s32 = 2;\n    let s = \"é🦀\";\n    let n = s.len();\n    return a + b;\n}\n",
    );
    let hints = client.request::<req::InlayHintRequest>(lsp_types::InlayHintParams {
        text_document: TextDocumentIdentifier::new(u.clone()),
        range: Range::new(Position::new(0, 0), Position::new(100, 0)),
        work_done_progress_params: Default::default(),
    });
    // Insert each label at its position, as an editor shows it.
    let index = claw_language_server::line_index::LineIndex::new(&text);
    let mut shown = text.clone();
    let mut hints = hints.unwrap_or_default();
    hints.sort_by_key(|h| std::cmp::Reverse((h.position.line, h.position.character)));
    for h in hints {
        let lsp_types::InlayHintLabel::String(label) = h.label else { panic!("string label") };
        shown.insert_str(index.offset(&text, h.position) as usize, &format!("⟨{label}⟩"));
    }
    assert_snapshot!("inlay_hints_show_inferred_let_types", shown);
    assert_eq!(client.shutdown(), Exit::Clean);
}

#[test]
fn code_action_adds_the_missing_match_arms() {
    let mut client = client();
    let (u, text, position) = open_at(
        &mut client,
        "arms.claw",
        "variant shape { circle(f64), square(f64), dot }\nexport func f(s: shape) -> f64 {\n    match s$0 {\n        dot => 0.0,\n    }\n}\n",
    );
    let actions = client.request::<req::CodeActionRequest>(CodeActionParams {
        text_document: TextDocumentIdentifier::new(u.clone()),
        range: Range::new(position, position),
        context: CodeActionContext::default(),
        work_done_progress_params: Default::default(),
        partial_result_params: Default::default(),
    });
    let mut out = String::new();
    for action in actions.into_iter().flatten() {
        let CodeActionOrCommand::CodeAction(action) = action else { continue };
        let edits = action.edit.and_then(|e| e.changes).and_then(|mut c| c.remove(&u)).unwrap_or_default();
        out.push_str(&format!("{}\n{}", action.title, apply_edits(&text, &edits)));
    }
    assert_snapshot!("code_action_adds_the_missing_match_arms", out);
    assert_eq!(client.shutdown(), Exit::Clean);
}

fn formatting_params(u: &lsp_types::Url) -> lsp_types::DocumentFormattingParams {
    lsp_types::DocumentFormattingParams {
        text_document: TextDocumentIdentifier::new(u.clone()),
        options: lsp_types::FormattingOptions { tab_size: 4, insert_spaces: true, ..Default::default() },
        work_done_progress_params: Default::default(),
    }
}

#[test]
fn formatting_applies_clawc_fmt() {
    let mut client = client();
    let (u, text, _) = open_at(
        &mut client,
        "fmt.claw",
        "$0// é🦀 kept\nexport   func f(a:u32,b:u32)->u32{\nlet c=a+b;   return c;}\n",
    );
    let edits = client.request::<req::Formatting>(formatting_params(&u)).unwrap_or_default();
    let formatted = apply_edits(&text, &edits);
    assert_eq!(claw_compiler::format(&text).ok().as_deref(), Some(formatted.as_str()));
    assert_snapshot!("formatting_applies_clawc_fmt", formatted);
    // Formatting formatted text changes nothing.
    client.notify_raw(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": u, "version": 2 }, "contentChanges": [{ "text": formatted }] }),
    );
    assert_eq!(client.request::<req::Formatting>(formatting_params(&u)), Some(vec![]));
    assert_eq!(client.shutdown(), Exit::Clean);
}

#[test]
fn formatting_refuses_a_file_with_syntax_errors() {
    let mut client = client();
    let (u, _, _) = open_at(&mut client, "fmt-bad.claw", "$0export func f( -> u32 { return 1; }\n");
    let id = client.send_request("textDocument/formatting", serde_json::to_value(formatting_params(&u)).expect("json"));
    let error = client.response(id).error.expect("an error");
    assert_eq!(error.code, lsp_server::ErrorCode::RequestFailed as i32);
    assert_snapshot!("formatting_refuses_a_file_with_syntax_errors", error.message);
    assert_eq!(client.shutdown(), Exit::Clean);
}

#[test]
fn changed_wit_files_are_reloaded() {
    let dir = tempfile::tempdir().expect("temp dir");
    let wit = dir.path().join("wit");
    std::fs::create_dir(&wit).expect("mkdir");
    let file = wit.join("math.wit");
    std::fs::write(&file, "package test:math@0.1.0;\n\ninterface ops {\n    add: func(a: u32, b: u32) -> u32;\n}\n")
        .expect("write wit");
    let capabilities = json!({ "workspace": { "didChangeWatchedFiles": { "dynamicRegistration": true } } });
    let mut client = Client::start_full(
        claw_language_server::Options::default(),
        json!({ "debounceMs": 10, "wit": [wit] }),
        capabilities,
    );
    let u = uri("watch.claw");
    client.open(&u, "import { add, mul } from test:math/ops;\nexport func f() -> u32 { return mul(add(1, 2), 3); }\n");
    let before = client.diagnostics(&u, Some(1));
    assert_eq!(before.diagnostics.len(), 1, "{before:?}");
    // The server asked to be told about .wit and claw.toml changes.
    let registration = client.server_requests.iter().find(|r| r.method == "client/registerCapability");
    let registration = registration.expect("a registration").params.to_string();
    assert!(registration.contains("**/*.wit") && registration.contains("**/claw.toml"), "{registration}");
    // `mul` is added to the WIT file; the client reports the change.
    std::fs::write(
        &file,
        "package test:math@0.1.0;\n\ninterface ops {\n    add: func(a: u32, b: u32) -> u32;\n    mul: func(a: u32, b: u32) -> u32;\n}\n",
    )
    .expect("rewrite wit");
    client.notify_raw(
        "workspace/didChangeWatchedFiles",
        json!({ "changes": [{ "uri": lsp_types::Url::from_file_path(&file).expect("uri"), "type": 2 }] }),
    );
    let after = client.diagnostics(&u, Some(1));
    assert!(after.diagnostics.is_empty(), "{after:?}");
    assert_eq!(client.shutdown(), Exit::Clean);
}

#[test]
fn unreadable_client_capabilities_do_not_stop_the_server() {
    // `contentFormat` must be a list of strings; a client sending something
    // else still gets a working server (and its initializationOptions are read).
    let mut client = Client::start_full(
        claw_language_server::Options::default(),
        json!({ "debounceMs": 10 }),
        json!({ "textDocument": { "hover": { "contentFormat": 5 } } }),
    );
    let u = uri("caps.claw");
    client.open(&u, "export func f() -> u32 { return nope; }\n");
    assert_eq!(client.diagnostics(&u, Some(1)).diagnostics.len(), 1);
    assert_eq!(client.shutdown(), Exit::Clean);
}

/// A test file in the repository's examples, with its real component.
fn semver_test_file() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/testing/semver.test.claw")
}

#[test]
fn test_files_know_the_wit_of_their_components() {
    let path = semver_test_file().canonicalize().expect("the example exists");
    let text = std::fs::read_to_string(&path).expect("readable");
    let u = lsp_types::Url::from_file_path(&path).expect("uri");
    let mut client = client();
    client.open(&u, &text);
    let published = client.diagnostics(&u, Some(1));
    assert!(published.diagnostics.is_empty(), "{}", render_diagnostics(&published.diagnostics));
    // The component's exports hover with their WIT.
    let (line, column) = text
        .lines()
        .enumerate()
        .find_map(|(i, l)| l.find("parse(text)").map(|c| (i as u32, c as u32 + 1)))
        .expect("a call of parse");
    let hover = client.request::<req::HoverRequest>(lsp_types::HoverParams {
        text_document_position_params: position_params(&u, Position::new(line, column)),
        work_done_progress_params: Default::default(),
    });
    let Some(lsp_types::Hover { contents: lsp_types::HoverContents::Markup(markup), .. }) = hover else {
        panic!("a hover: {hover:?}")
    };
    assert!(markup.value.contains("```wit") && markup.value.contains("example:semver/versions"), "{}", markup.value);
    assert_eq!(client.shutdown(), Exit::Clean);
}

#[test]
fn a_missing_component_is_a_diagnostic_on_its_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("lib.test.claw");
    let u = lsp_types::Url::from_file_path(&path).expect("uri");
    let mut client = client();
    client.open(&u, "test component \"missing.wasm\";\n\ntest \"one\" {\n    assert 1 == 1;\n}\n");
    let published = client.diagnostics(&u, Some(1));
    let rendered = render_diagnostics(&published.diagnostics).replace(&dir.path().display().to_string(), "$DIR");
    assert_snapshot!("a_missing_component_is_a_diagnostic_on_its_line", rendered);
    assert_eq!(client.shutdown(), Exit::Clean);
}

/// A project in a temporary directory: `claw.toml` with `toml`, and
/// `wit/geometry.wit` defining `test:shapes/geometry`.
fn project(toml: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir(dir.path().join("wit")).expect("mkdir");
    std::fs::write(
        dir.path().join("wit/geometry.wit"),
        "package test:shapes@0.1.0;\n\ninterface geometry {\n    distance: func(a: u32, b: u32) -> u32;\n}\n",
    )
    .expect("write wit");
    std::fs::write(dir.path().join("claw.toml"), toml).expect("write claw.toml");
    std::fs::create_dir(dir.path().join("src")).expect("mkdir");
    dir
}

const USES_GEOMETRY: &str =
    "import { distance } from test:shapes/geometry;\nexport func f() -> u32 { return distance(1, 2); }\n";

#[test]
fn documents_of_a_project_know_its_wit() {
    let dir = project("wit = [\"wit\"]\n");
    let file = dir.path().join("src/main.claw");
    std::fs::write(&file, USES_GEOMETRY).expect("write");
    let u = lsp_types::Url::from_file_path(&file).expect("uri");
    let mut client = client();
    client.open(&u, USES_GEOMETRY);
    let published = client.diagnostics(&u, Some(1));
    assert!(published.diagnostics.is_empty(), "{}", render_diagnostics(&published.diagnostics));
    // A file outside the project does not see it.
    let outside = tempfile::tempdir().expect("temp dir");
    let other = lsp_types::Url::from_file_path(outside.path().join("other.claw")).expect("uri");
    client.open(&other, USES_GEOMETRY);
    let published = client.diagnostics(&other, Some(1));
    assert_eq!(published.diagnostics.len(), 1, "{}", render_diagnostics(&published.diagnostics));
    assert_eq!(client.shutdown(), Exit::Clean);
}

#[test]
fn a_bad_project_file_is_reported_in_it_and_editing_goes_on() {
    let dir = project("wit = [\"wit\"]\nwrld = \"x\"\n");
    let file = dir.path().join("src/main.claw");
    let u = lsp_types::Url::from_file_path(&file).expect("uri");
    let toml =
        lsp_types::Url::from_file_path(dir.path().canonicalize().expect("canonical").join("claw.toml")).expect("uri");
    let mut client = client();
    client.open(&u, "export func f() -> u32 { return nope; }\n");
    let in_toml = client.diagnostics(&toml, None);
    assert_snapshot!("a_bad_project_file_is_reported_in_it", render_diagnostics(&in_toml.diagnostics));
    let published = client.diagnostics(&u, Some(1));
    assert_eq!(published.diagnostics.len(), 1, "{}", render_diagnostics(&published.diagnostics));
    // Fixing the file (and the client saying so) clears its diagnostics and loads its WIT.
    std::fs::write(dir.path().join("claw.toml"), "wit = [\"wit\"]\n").expect("rewrite");
    client.notify_raw("workspace/didChangeWatchedFiles", json!({ "changes": [{ "uri": toml, "type": 2 }] }));
    client.notify_raw(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": u, "version": 2 }, "contentChanges": [{ "text": USES_GEOMETRY }] }),
    );
    let published = client.diagnostics(&u, Some(2));
    assert!(published.diagnostics.is_empty(), "{}", render_diagnostics(&published.diagnostics));
    let in_toml = client.diagnostics(&toml, None);
    assert!(in_toml.diagnostics.is_empty(), "{in_toml:?}");
    assert_eq!(client.shutdown(), Exit::Clean);
}

#[test]
fn files_of_a_project_with_a_world_are_checked_against_it() {
    let dir = project("wit = [\"wit\"]\nworld = \"test:shapes/app\"\n");
    std::fs::write(
        dir.path().join("wit/geometry.wit"),
        "package test:shapes@0.1.0;\n\ninterface geometry {\n    distance: func(a: u32, b: u32) -> u32;\n}\n\nworld app {\n    import geometry;\n    export area: func() -> u32;\n}\n",
    )
    .expect("write wit");
    let u = lsp_types::Url::from_file_path(dir.path().join("src/main.claw")).expect("uri");
    let mut client = client();
    client.open(&u, USES_GEOMETRY);
    let published = client.diagnostics(&u, Some(1));
    assert_snapshot!(
        "files_of_a_project_with_a_world_are_checked_against_it",
        render_diagnostics(&published.diagnostics)
    );
    let fitting =
        format!("{}export func area() -> u32 {{ return f(); }}\n", USES_GEOMETRY.replace("export func f", "func f"));
    client.notify_raw(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": u, "version": 2 }, "contentChanges": [{ "text": fitting }] }),
    );
    let published = client.diagnostics(&u, Some(2));
    assert!(published.diagnostics.is_empty(), "{}", render_diagnostics(&published.diagnostics));
    assert_eq!(client.shutdown(), Exit::Clean);
}

#[test]
fn an_unknown_world_is_reported_in_the_project_file() {
    let dir = project("wit = [\"wit\"]\nworld = \"test:shapes/nope\"\n");
    let u = lsp_types::Url::from_file_path(dir.path().join("src/main.claw")).expect("uri");
    let toml =
        lsp_types::Url::from_file_path(dir.path().canonicalize().expect("canonical").join("claw.toml")).expect("uri");
    let mut client = client();
    client.open(&u, USES_GEOMETRY);
    let in_toml = client.diagnostics(&toml, None);
    assert_snapshot!("an_unknown_world_is_reported_in_the_project_file", render_diagnostics(&in_toml.diagnostics));
    let published = client.diagnostics(&u, Some(1));
    assert!(published.diagnostics.is_empty(), "{}", render_diagnostics(&published.diagnostics));
    assert_eq!(client.shutdown(), Exit::Clean);
}

#[test]
fn bad_initialization_options_are_shown_and_ignored() {
    let mut client = Client::start(json!({ "wit": 3 }));
    let shown = client.wait_notification("window/showMessage", |_| true);
    assert_snapshot!("bad_initialization_options_are_shown_and_ignored", shown["message"].as_str().unwrap_or("?"));
    let u = uri("ok.claw");
    client.open(&u, "export func f() -> u32 { return 1; }\n");
    assert!(client.diagnostics(&u, Some(1)).diagnostics.is_empty());
    assert_eq!(client.shutdown(), Exit::Clean);
}

#[test]
fn completion_in_a_test_file_offers_the_components_exports() {
    let component = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../examples/testing/components/semver.wasm")
        .canonicalize()
        .expect("the example component exists");
    let dir = tempfile::tempdir().expect("temp dir");
    let u = lsp_types::Url::from_file_path(dir.path().join("semver.test.claw")).expect("uri");
    let (text, position) = cursor(&format!("test component \"{}\";\n$0\n", component.display()));
    let mut client = client();
    client.open(&u, &text);
    let published = client.diagnostics(&u, Some(1));
    assert!(published.diagnostics.is_empty(), "{}", render_diagnostics(&published.diagnostics));
    let response = client.request::<req::Completion>(lsp_types::CompletionParams {
        text_document_position: position_params(&u, position),
        work_done_progress_params: Default::default(),
        partial_result_params: Default::default(),
        context: None,
    });
    let Some(lsp_types::CompletionResponse::Array(items)) = response else { panic!("{response:?}") };
    let imports: Vec<String> = items
        .iter()
        .filter(|i| i.kind != Some(lsp_types::CompletionItemKind::KEYWORD))
        .map(|i| format!("{} -> {}\n", i.label, i.insert_text.as_deref().unwrap_or("-")))
        .collect();
    assert_snapshot!("completion_in_a_test_file_offers_the_components_exports", imports.concat());
    assert_eq!(client.shutdown(), Exit::Clean);
}

#[test]
fn document_highlight_marks_every_occurrence() {
    let mut client = client();
    let (u, text, position) = open_at(
        &mut client,
        "highlight.claw",
        "export func f(n: u32) -> u32 {\n    let total = n + 1;\n    return tot$0al * total;\n}\n",
    );
    let highlights = client.request::<req::DocumentHighlightRequest>(lsp_types::DocumentHighlightParams {
        text_document_position_params: position_params(&u, position),
        work_done_progress_params: Default::default(),
        partial_result_params: Default::default(),
    });
    let ranges: Vec<Range> = highlights.into_iter().flatten().map(|h| h.range).collect();
    assert_snapshot!("document_highlight_marks_every_occurrence", support::mark(&text, &ranges));
    assert_eq!(client.shutdown(), Exit::Clean);
}

#[test]
fn folding_ranges_follow_the_outline() {
    let mut client = client();
    let (u, _, _) = open_at(
        &mut client,
        "fold.claw",
        "$0record point {\n    x: s32,\n    y: s32,\n}\n\nexport api: interface {\n    func a() -> u32 {\n        return 1;\n    }\n}\n",
    );
    let ranges = client.request::<req::FoldingRangeRequest>(lsp_types::FoldingRangeParams {
        text_document: TextDocumentIdentifier::new(u.clone()),
        work_done_progress_params: Default::default(),
        partial_result_params: Default::default(),
    });
    let lines: Vec<(u32, u32)> = ranges.into_iter().flatten().map(|r| (r.start_line, r.end_line)).collect();
    assert_eq!(lines, [(0, 3), (5, 9), (6, 8)]);
    assert_eq!(client.shutdown(), Exit::Clean);
}

/// Every code action at the cursor, each as its title and the text after its edits.
fn actions_at(fixture: &str) -> String {
    let mut client = client();
    let (u, text, position) = open_at(&mut client, "actions.claw", fixture);
    let actions = client.request::<req::CodeActionRequest>(CodeActionParams {
        text_document: TextDocumentIdentifier::new(u.clone()),
        range: Range::new(position, position),
        context: CodeActionContext::default(),
        work_done_progress_params: Default::default(),
        partial_result_params: Default::default(),
    });
    assert_eq!(client.shutdown(), Exit::Clean);
    let mut out = String::new();
    for action in actions.into_iter().flatten() {
        let CodeActionOrCommand::CodeAction(action) = action else { continue };
        let edits = action.edit.and_then(|e| e.changes).and_then(|mut c| c.remove(&u)).unwrap_or_default();
        out.push_str(&format!("{}\n{}", action.title, apply_edits(&text, &edits)));
    }
    out
}

#[test]
fn code_action_declares_a_local_mutable() {
    assert_snapshot!(
        "code_action_declares_a_local_mutable",
        actions_at("export func f() -> u32 {\n    let total = 1;\n    to$0tal = 2;\n    return total;\n}\n")
    );
}

#[test]
fn code_action_inserts_a_missing_semicolon() {
    assert_snapshot!(
        "code_action_inserts_a_missing_semicolon",
        actions_at("export func f() -> u32 {\n    let a = 1$0\n    return a;\n}\n")
    );
}

#[test]
fn code_action_imports_an_unknown_name_from_the_wit_that_has_it() {
    assert_snapshot!(
        "code_action_imports_an_unknown_name_from_the_wit_that_has_it",
        actions_at("export func f() -> u64 {\n    return resol$0ution();\n}\n")
    );
}

#[test]
fn documents_that_are_not_claw_are_left_alone() {
    let mut client = client();
    let wit = uri("geometry.wit");
    client.notify_raw(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": wit, "languageId": "wit", "version": 1, "text": "package a:b;\n" } }),
    );
    // A Claw file opened after it gets its diagnostics; the WIT file gets none.
    let u = uri("after.claw");
    client.open(&u, "export func f() -> u32 { return nope; }\n");
    client.diagnostics(&u, Some(1));
    let hover = client.request_raw(
        "textDocument/hover",
        json!({ "textDocument": { "uri": wit }, "position": { "line": 0, "character": 1 } }),
    );
    assert_eq!(hover, serde_json::Value::Null);
    let for_wit = client.pending().filter(|n| n.params["uri"] == wit.as_str()).count();
    assert_eq!(for_wit, 0, "nothing is published for the WIT file");
    assert_eq!(client.shutdown(), Exit::Clean);
}

/// Completion labels at the cursor when triggered by typing `trigger`.
fn triggered_completions(fixture: &str, trigger: &str) -> Vec<String> {
    let mut client = client();
    let (u, _, position) = open_at(&mut client, "trigger.claw", fixture);
    let response = client.request::<req::Completion>(lsp_types::CompletionParams {
        text_document_position: position_params(&u, position),
        work_done_progress_params: Default::default(),
        partial_result_params: Default::default(),
        context: Some(lsp_types::CompletionContext {
            trigger_kind: lsp_types::CompletionTriggerKind::TRIGGER_CHARACTER,
            trigger_character: Some(trigger.to_string()),
        }),
    });
    assert_eq!(client.shutdown(), Exit::Clean);
    match response {
        Some(lsp_types::CompletionResponse::Array(items)) => items.into_iter().map(|i| i.label).collect(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn brace_and_slash_trigger_completion_only_in_wit_paths_and_import_lists() {
    let in_import = triggered_completions("import {$0 } from wasi:clocks/monotonic-clock;\n", "{");
    assert!(in_import.contains(&"now".to_string()), "{in_import:?}");
    let in_path = triggered_completions("import { now } from wasi:clocks/$0;\n", "/");
    assert!(in_path.contains(&"monotonic-clock".to_string()), "{in_path:?}");
    let block = triggered_completions("export func f() -> u32 {$0\n", "{");
    assert!(block.is_empty(), "{block:?}");
    let division = triggered_completions("export func f(a: u32) -> u32 {\n    return a /$0\n}\n", "/");
    assert!(division.is_empty(), "{division:?}");
}

/// Types a program one character at a time (incremental changes, UTF-16
/// positions) and asks the position-based questions after every keystroke,
/// as an editor does while the user types: every answer must be a result
/// (never an error), and at the end the diagnostics are those of the whole
/// text opened at once.
#[test]
fn typing_a_program_character_by_character() {
    let program = "import { now } from wasi:clocks/monotonic-clock;\n\n/// A point, é🦀.\nrecord point { x: s32, y: s32 }\n\nexport func f(p: point) -> s32 {\n    let s = \"🦀é\";\n    let t = now();\n    match p.x {\n        0 => p.y,\n        _ => p.x + s.len() as s32,\n    }\n}\n";
    let mut client = client();
    let u = uri("typing.claw");
    client.open(&u, "");
    let mut typed = String::new();
    let mut version = 1;
    let (mut line, mut column) = (0u32, 0u32);
    for c in program.chars() {
        // Diagnostics of earlier versions are not waited for.
        client.clear_pending();
        version += 1;
        let at = json!({ "line": line, "character": column });
        client.notify_raw(
            "textDocument/didChange",
            json!({
                "textDocument": { "uri": u, "version": version },
                "contentChanges": [{ "range": { "start": at, "end": at }, "text": c.to_string() }]
            }),
        );
        typed.push(c);
        if c == '\n' {
            (line, column) = (line + 1, 0);
        } else {
            column += c.len_utf16() as u32;
        }
        let position = json!({ "textDocument": { "uri": u }, "position": { "line": line, "character": column } });
        for method in ["textDocument/hover", "textDocument/completion", "textDocument/signatureHelp"] {
            let id = client.send_request(method, position.clone());
            let response = client.response(id);
            assert!(response.error.is_none(), "{method} after {typed:?}: {:?}", response.error);
        }
        let document = json!({ "textDocument": { "uri": u } });
        for method in ["textDocument/semanticTokens/full", "textDocument/documentSymbol", "textDocument/foldingRange"] {
            let id = client.send_request(method, document.clone());
            let response = client.response(id);
            assert!(response.error.is_none(), "{method} after {typed:?}: {:?}", response.error);
        }
    }
    assert_eq!(typed, program);
    let hints = client.request_raw(
        "textDocument/inlayHint",
        json!({ "textDocument": { "uri": u }, "range": { "start": { "line": 0, "character": 0 }, "end": { "line": 99, "character": 0 } } }),
    );
    assert_eq!(hints.as_array().map(Vec::len), Some(2), "{hints}");
    let typed_diagnostics = client.diagnostics(&u, Some(version));
    let whole = uri("whole.claw");
    client.open(&whole, program);
    let whole_diagnostics = client.diagnostics(&whole, Some(1));
    assert_eq!(typed_diagnostics.diagnostics, whole_diagnostics.diagnostics);
    // The server's text is the program: same tokens, same outline.
    for method in ["textDocument/semanticTokens/full", "textDocument/documentSymbol"] {
        let typed = client.request_raw(method, json!({ "textDocument": { "uri": u } }));
        let opened = client.request_raw(method, json!({ "textDocument": { "uri": whole } }));
        assert_eq!(typed, opened, "{method}");
    }
    assert_eq!(client.shutdown(), Exit::Clean);
}

/// A request cancelled while still queued is answered `RequestCancelled`
/// without being worked on. Every message is sent before the server starts,
/// so they are all queued when it reads them (deterministic).
#[test]
fn a_queued_request_cancelled_by_the_client_is_not_answered_with_a_result() {
    use lsp_server::{Connection, Message, Notification, Request, RequestId};
    let (server_side, client_side) = Connection::memory();
    let send = |m: Message| client_side.sender.send(m).expect("channel open");
    let request = |id: i32, method: &str, params: serde_json::Value| {
        Message::Request(Request::new(RequestId::from(id), method.to_string(), params))
    };
    let notification =
        |method: &str, params: serde_json::Value| Message::Notification(Notification::new(method.to_string(), params));
    let u = uri("cancel.claw");
    let position = json!({ "textDocument": { "uri": u }, "position": { "line": 0, "character": 12 } });
    send(request(1, "initialize", json!({ "capabilities": {} })));
    send(notification("initialized", json!({})));
    send(notification(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": u, "languageId": "claw", "version": 1, "text": "export func f() -> u32 { return 1; }\n" } }),
    ));
    send(request(2, "textDocument/hover", position.clone()));
    send(request(3, "textDocument/hover", position));
    send(notification("$/cancelRequest", json!({ "id": 2 })));
    send(request(4, "shutdown", serde_json::Value::Null));
    send(notification("exit", serde_json::Value::Null));
    let options = claw_language_server::Options {
        std_wit_dir: Some(std::env::temp_dir().join("claw-lsp-cancel-test")),
        ..Default::default()
    };
    let server = std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(move || claw_language_server::run(&server_side, options))
        .expect("server thread");
    let exit = server.join().expect("no panic").expect("no protocol error");
    assert_eq!(exit, Exit::Clean);
    let responses: Vec<lsp_server::Response> = client_side
        .receiver
        .try_iter()
        .filter_map(|m| match m {
            Message::Response(r) => Some(r),
            _ => None,
        })
        .collect();
    let by_id = |id: i32| responses.iter().find(|r| r.id == RequestId::from(id)).expect("a response");
    assert_eq!(by_id(2).error.as_ref().map(|e| e.code), Some(lsp_server::ErrorCode::RequestCanceled as i32));
    assert!(by_id(3).error.is_none() && by_id(3).result.as_ref().is_some_and(|r| !r.is_null()), "{:?}", by_id(3));
    assert!(by_id(4).error.is_none());
}
