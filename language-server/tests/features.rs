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
    spans.sort_by(|a, b| b.0.cmp(&a.0));
    let mut out = text.to_string();
    for (start, end, new) in spans {
        out.replace_range(start as usize..end as usize, new);
    }
    out
}
