//! `textDocument/semanticTokens/full`: token classes from the lexer
//! (`claw_compiler::lexer::lex`), so colouring follows the compiler's own
//! reading of the text (keywords only where the lexer says so, `%`-escaped
//! names as names, interpolation pieces as strings) and works on files with
//! errors.
//!
//! Identifiers are classified from their neighbours: a name before `(` is a
//! function (a method after `.`), after `.` a property, after `::` an enum
//! member, before `::` or after `:`/`->`/`<` a type, after `func` a function
//! declaration, after `let` a variable declaration, the parts of a WIT path
//! after `from`/`export`/`mock` a namespace, and the built-in type names
//! (`u32`, `string`, `list`, ...) types from the default library. Comments
//! other than `///` docs are dropped by the lexer and left to the client's
//! grammar.
//!
//! Encoding follows LSP 3.17 §"Semantic Tokens": five integers per token,
//! positions relative to the previous token, lengths in UTF-16 units, one
//! line per token (multi-line strings are split at line ends).

use crate::line_index::LineIndex;
use claw_compiler::Span;
use claw_compiler::lexer::{self, Token};
use lsp_types::{SemanticToken, SemanticTokenModifier, SemanticTokenType, SemanticTokensLegend};

/// The token types, in legend order (a token's `token_type` indexes this).
pub const TYPES: &[SemanticTokenType] = &[
    SemanticTokenType::KEYWORD,
    SemanticTokenType::VARIABLE,
    SemanticTokenType::FUNCTION,
    SemanticTokenType::METHOD,
    SemanticTokenType::TYPE,
    SemanticTokenType::PROPERTY,
    SemanticTokenType::ENUM_MEMBER,
    SemanticTokenType::NAMESPACE,
    SemanticTokenType::STRING,
    SemanticTokenType::NUMBER,
    SemanticTokenType::OPERATOR,
    SemanticTokenType::COMMENT,
    SemanticTokenType::MACRO,
    SemanticTokenType::PARAMETER,
];

/// The token modifiers, in legend order (bit `i` of `token_modifiers_bitset`).
pub const MODIFIERS: &[SemanticTokenModifier] =
    &[SemanticTokenModifier::DECLARATION, SemanticTokenModifier::DOCUMENTATION, SemanticTokenModifier::DEFAULT_LIBRARY];

const KEYWORD: u32 = 0;
const VARIABLE: u32 = 1;
const FUNCTION: u32 = 2;
const METHOD: u32 = 3;
const TYPE: u32 = 4;
const PROPERTY: u32 = 5;
const ENUM_MEMBER: u32 = 6;
const NAMESPACE: u32 = 7;
const STRING: u32 = 8;
const NUMBER: u32 = 9;
const OPERATOR: u32 = 10;
const COMMENT: u32 = 11;
const MACRO: u32 = 12;
const PARAMETER: u32 = 13;

const DECLARATION: u32 = 1 << 0;
const DOCUMENTATION: u32 = 1 << 1;
const DEFAULT_LIBRARY: u32 = 1 << 2;

/// The legend the server announces in its capabilities.
pub fn legend() -> SemanticTokensLegend {
    SemanticTokensLegend { token_types: TYPES.to_vec(), token_modifiers: MODIFIERS.to_vec() }
}

/// The built-in type names of Claw (WIT's primitive and generic types).
const BUILTIN_TYPES: &[&str] = &[
    "u8", "u16", "u32", "u64", "s8", "s16", "s32", "s64", "f32", "f64", "bool", "char", "string", "list", "option",
    "result", "tuple", "borrow", "own",
];

/// One classified token before delta encoding: a byte span, a type and modifiers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Classified {
    /// Where the token is.
    pub span: Span,
    /// Index into [`TYPES`].
    pub token_type: u32,
    /// Bits over [`MODIFIERS`].
    pub modifiers: u32,
}

/// Every token of `text` with its class, in source order.
pub fn classify(text: &str) -> Vec<Classified> {
    let lexed = lexer::lex(text);
    let tokens = &lexed.tokens;
    let mut out = Vec::with_capacity(tokens.len() + lexed.docs.len());
    // Inside a WIT path after `from`, `export` or `mock`, until `;` or `{`.
    let mut in_path = false;
    // For each open `(`: whether it starts a function's parameter list.
    let mut parens: Vec<bool> = Vec::new();
    // The parameter names of the function being read (until the next `func`).
    let mut params: Vec<&str> = Vec::new();
    for (i, (start, token, end)) in tokens.iter().enumerate() {
        let span = Span::new(*start, *end);
        let prev = i.checked_sub(1).map(|p| &tokens[p].1);
        let next = tokens.get(i + 1).map(|t| &t.1);
        let class = match token {
            Token::From | Token::Mock => {
                in_path = true;
                Some((KEYWORD, 0))
            }
            Token::Export => {
                // `export ns:pkg/iface {`, not `export func` or `export name: interface {`.
                let third = tokens.get(i + 3).map(|t| &t.1);
                in_path = matches!(next, Some(Token::Ident(_)))
                    && matches!(tokens.get(i + 2).map(|t| &t.1), Some(Token::Colon))
                    && matches!(third, Some(Token::Ident(_)));
                Some((KEYWORD, 0))
            }
            Token::Semi | Token::LBrace => {
                in_path = false;
                None
            }
            Token::Func | Token::Constructor => {
                params.clear();
                Some((KEYWORD, 0))
            }
            Token::LParen => {
                let before = i.checked_sub(2).map(|p| &tokens[p].1);
                let signature = matches!(prev, Some(Token::Constructor))
                    || matches!((before, prev), (Some(Token::Func), Some(Token::Ident(_))));
                parens.push(signature);
                None
            }
            Token::RParen => {
                parens.pop();
                None
            }
            Token::Ident(_) if in_path => Some((NAMESPACE, 0)),
            Token::Ident(name) if parens.last() == Some(&true) && matches!(next, Some(Token::Colon)) => {
                params.push(name);
                Some((PARAMETER, DECLARATION))
            }
            Token::Ident(name) => Some(match ident_class(name, prev, next) {
                (VARIABLE, 0) if params.contains(name) => (PARAMETER, 0),
                class => class,
            }),
            Token::Version(_) => Some((NUMBER, 0)),
            Token::Slash if in_path => Some((NAMESPACE, 0)),
            Token::Int(_) | Token::Float(_) => Some((NUMBER, 0)),
            Token::Str(_) | Token::RawStr(_) | Token::Char(_) | Token::RawChar(_) | Token::UnterminatedStr => {
                Some((STRING, 0))
            }
            Token::InterpStart | Token::InterpText(_) | Token::InterpEnd => Some((STRING, 0)),
            Token::CheckBang => Some((MACRO, 0)),
            Token::True | Token::False => Some((KEYWORD, 0)),
            t if is_keyword(t) => Some((KEYWORD, 0)),
            t if is_operator(t) => Some((OPERATOR, 0)),
            _ => None,
        };
        if let Some((token_type, modifiers)) = class {
            out.push(Classified { span, token_type, modifiers });
        }
    }
    out.extend(lexed.docs.iter().map(|d| Classified { span: d.span, token_type: COMMENT, modifiers: DOCUMENTATION }));
    out.sort_by_key(|c| c.span.start);
    out
}

/// The class of an identifier from the tokens around it.
fn ident_class(name: &str, prev: Option<&Token>, next: Option<&Token>) -> (u32, u32) {
    match (prev, next) {
        (Some(Token::Func), _) => (FUNCTION, DECLARATION),
        (Some(Token::Import), Some(Token::Colon | Token::As)) => (FUNCTION, DECLARATION),
        (Some(Token::Dot), Some(Token::LParen)) => (METHOD, 0),
        (Some(Token::Dot), _) => (PROPERTY, 0),
        (Some(Token::ColonColon), _) => (ENUM_MEMBER, 0),
        (Some(Token::Let | Token::Mut), _) => (VARIABLE, DECLARATION),
        (Some(Token::Record | Token::Variant | Token::Enum | Token::Flags | Token::Type | Token::Resource), _) => {
            (TYPE, DECLARATION)
        }
        _ if BUILTIN_TYPES.contains(&name) => (TYPE, DEFAULT_LIBRARY),
        (_, Some(Token::LParen)) => (FUNCTION, 0),
        (_, Some(Token::ColonColon)) => (TYPE, 0),
        (Some(Token::Colon | Token::Arrow | Token::Lt | Token::As), _) => (TYPE, 0),
        _ => (VARIABLE, 0),
    }
}

fn is_keyword(token: &Token) -> bool {
    use Token::*;
    matches!(
        token,
        Func | Let
            | Mut
            | If
            | Else
            | While
            | Loop
            | For
            | In
            | Break
            | Continue
            | Return
            | Import
            | Export
            | From
            | As
            | And
            | Or
            | Not
            | Match
            | Record
            | Variant
            | Enum
            | Flags
            | Type
            | Interface
            | Underscore
            | Resource
            | Constructor
            | Static
            | SelfValue
            | Test
            | Assert
            | Mock
    )
}

fn is_operator(token: &Token) -> bool {
    use Token::*;
    matches!(
        token,
        Arrow
            | FatArrow
            | Question
            | Bang
            | Eq
            | EqEq
            | NotEq
            | Lt
            | LtEq
            | Gt
            | GtEq
            | Plus
            | Minus
            | Star
            | Slash
            | Percent
            | Amp
            | Pipe
            | Caret
            | Shl
            | Shr
            | ShrU
            | PlusEq
            | MinusEq
            | StarEq
            | SlashEq
            | PercentEq
            | AmpEq
            | PipeEq
            | CaretEq
            | ShlEq
            | ShrEq
            | DotDot
    )
}

/// The delta-encoded tokens of `text` for `semanticTokens/full`.
pub fn semantic_tokens(text: &str, index: &LineIndex) -> Vec<SemanticToken> {
    let mut out = Vec::new();
    let (mut last_line, mut last_start) = (0u32, 0u32);
    // Tokens must not overlap (LSP 3.17); one that would is left out.
    let mut last_end = 0u32;
    for c in classify(text) {
        for piece in split_lines(text, c.span) {
            if piece.start < last_end {
                continue;
            }
            let start = index.position(text, piece.start);
            let end = index.position(text, piece.end);
            let length = end.character.saturating_sub(start.character);
            if length == 0 {
                continue;
            }
            let delta_line = start.line - last_line;
            let delta_start = if delta_line == 0 { start.character - last_start } else { start.character };
            out.push(SemanticToken {
                delta_line,
                delta_start,
                length,
                token_type: c.token_type,
                token_modifiers_bitset: c.modifiers,
            });
            (last_line, last_start) = (start.line, start.character);
            last_end = piece.end;
        }
    }
    out
}

/// `span` cut at line ends (line terminators left out).
fn split_lines(text: &str, span: Span) -> Vec<Span> {
    let Some(slice) = text.get(span.range()) else { return Vec::new() };
    let mut pieces = Vec::new();
    let mut start = span.start;
    for line in slice.split_inclusive('\n') {
        let content = line.trim_end_matches(['\n', '\r']);
        pieces.push(Span::new(start, start + content.len() as u32));
        start += line.len() as u32;
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multi_line_strings_are_split_per_line() {
        let text = "let s = \"a\nbc\";";
        let index = LineIndex::new(text);
        let tokens = semantic_tokens(text, &index);
        let strings: Vec<(u32, u32, u32)> =
            tokens.iter().filter(|t| t.token_type == STRING).map(|t| (t.delta_line, t.delta_start, t.length)).collect();
        assert_eq!(strings, [(0, 2, 2), (1, 0, 3)]);
    }
}
