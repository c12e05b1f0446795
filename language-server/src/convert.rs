//! The analysis API's answers (`claw_compiler::analysis`) as LSP types.
//!
//! The analysis speaks UTF-8 byte offsets into one source text; these
//! functions turn them into LSP ranges and UTF-16 label offsets with the
//! document's [`LineIndex`], and its kinds into the LSP enumerations.

use crate::line_index::LineIndex;
use claw_compiler::analysis::{self, CompletionKind, HoverLanguage};
use lsp_types::{
    CompletionItem, CompletionItemKind, Documentation, Hover, HoverContents, InlayHint, InlayHintKind, InlayHintLabel,
    MarkupContent, MarkupKind, ParameterInformation, ParameterLabel, SignatureHelp, SignatureInformation,
};

/// A hover as Markdown: the code in a fenced block (`claw` or `wit`), then the docs.
pub fn hover(h: &analysis::Hover, text: &str, index: &LineIndex) -> Hover {
    let language = match h.language {
        HoverLanguage::Claw => "claw",
        HoverLanguage::Wit => "wit",
    };
    let mut value = format!("```{language}\n{}\n```", h.code);
    if !h.docs.is_empty() {
        value.push_str("\n\n");
        value.push_str(&h.docs);
    }
    Hover {
        contents: HoverContents::Markup(MarkupContent { kind: MarkupKind::Markdown, value }),
        range: Some(index.range(text, h.span)),
    }
}

/// A completion item.
pub fn completion(c: &analysis::Completion) -> CompletionItem {
    let kind = match c.kind {
        CompletionKind::Keyword => CompletionItemKind::KEYWORD,
        CompletionKind::Local => CompletionItemKind::VARIABLE,
        CompletionKind::Global => CompletionItemKind::VARIABLE,
        CompletionKind::Function => CompletionItemKind::FUNCTION,
        CompletionKind::Type => CompletionItemKind::STRUCT,
        CompletionKind::Field => CompletionItemKind::FIELD,
        CompletionKind::Case => CompletionItemKind::ENUM_MEMBER,
        CompletionKind::Method => CompletionItemKind::METHOD,
        CompletionKind::Resource => CompletionItemKind::CLASS,
        CompletionKind::Package => CompletionItemKind::MODULE,
        CompletionKind::Interface => CompletionItemKind::INTERFACE,
        CompletionKind::Module => CompletionItemKind::MODULE,
    };
    CompletionItem {
        label: c.label.clone(),
        kind: Some(kind),
        detail: c.detail.clone(),
        documentation: c
            .docs
            .as_ref()
            .filter(|d| !d.is_empty())
            .map(|d| Documentation::MarkupContent(MarkupContent { kind: MarkupKind::Markdown, value: d.clone() })),
        insert_text: c.insert_text.clone(),
        ..Default::default()
    }
}

/// Signature help with parameter labels as UTF-16 offsets into the label
/// (LSP 3.17 §"ParameterInformation": `[start, end]` in the label's UTF-16 units).
pub fn signature_help(s: &analysis::SignatureHelp) -> SignatureHelp {
    let utf16 = |byte: u32| -> u32 {
        let byte = (byte as usize).min(s.label.len());
        let mut cut = byte;
        while !s.label.is_char_boundary(cut) {
            cut -= 1;
        }
        s.label[..cut].chars().map(|c| c.len_utf16() as u32).sum()
    };
    let parameters = s
        .params
        .iter()
        .map(|&(start, end)| ParameterInformation {
            label: ParameterLabel::LabelOffsets([utf16(start), utf16(end)]),
            documentation: None,
        })
        .collect();
    let documentation = (!s.docs.is_empty())
        .then(|| Documentation::MarkupContent(MarkupContent { kind: MarkupKind::Markdown, value: s.docs.clone() }));
    SignatureHelp {
        signatures: vec![SignatureInformation {
            label: s.label.clone(),
            documentation,
            parameters: Some(parameters),
            active_parameter: Some(s.active_param),
        }],
        active_signature: Some(0),
        active_parameter: Some(s.active_param),
    }
}

/// An inlay hint showing a type after a binding.
pub fn inlay_hint(h: &analysis::InlayHint, text: &str, index: &LineIndex) -> InlayHint {
    InlayHint {
        position: index.position(text, h.offset),
        label: InlayHintLabel::String(h.label.clone()),
        kind: Some(InlayHintKind::TYPE),
        text_edits: None,
        tooltip: None,
        padding_left: None,
        padding_right: None,
        data: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_parameter_offsets_count_utf16_units() {
        // `é` is 2 bytes but 1 UTF-16 unit; `🦀` 4 bytes and 2 units.
        let label = "func é🦀(a: u32, b: u32)".to_string();
        let a = label.find("a:").expect("a") as u32;
        let b = label.find("b:").expect("b") as u32;
        let help = signature_help(&analysis::SignatureHelp {
            label,
            params: vec![(a, a + 6), (b, b + 6)],
            active_param: 1,
            docs: String::new(),
        });
        let params = help.signatures[0].parameters.clone().unwrap_or_default();
        assert_eq!(params[0].label, ParameterLabel::LabelOffsets([9, 15]));
        assert_eq!(params[1].label, ParameterLabel::LabelOffsets([17, 23]));
    }
}
