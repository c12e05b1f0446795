//! The lexer: source text to tokens, with `logos`.
//!
//! Lexing never fails: characters that start no token, bad escapes and
//! unterminated literals become [`Diagnostic`]s and are left out of the token
//! stream, so the parser still sees the rest of the file. Comments are not
//! tokens: every comment's span is kept as trivia in [`Lexed::comments`]
//! (for the formatter), and `///` doc comments are also kept aside in
//! [`Lexed::docs`] so the parser can attach them to the next item.

use crate::diagnostic::Diagnostic;
use crate::span::Span;
use logos::Logos;

/// The tokens of Claw. Keywords follow the language brief; identifiers are
/// WIT identifiers (kebab-case words, each starting with a letter, with an
/// optional leading `%` that escapes a keyword).
///
/// Tokens borrow their text from the source (`'a`): only string and char
/// literals, which need unescaping, own theirs. A token is 24 bytes; the
/// parser moves every token on its stack.
#[derive(Logos, Clone, Debug, PartialEq)]
#[logos(skip r"[ \t\r\n\f]+")]
pub enum Token<'a> {
    /// `func`
    #[token("func")]
    Func,
    /// `let`
    #[token("let")]
    Let,
    /// `mut`
    #[token("mut")]
    Mut,
    /// `if`
    #[token("if")]
    If,
    /// `else`
    #[token("else")]
    Else,
    /// `while`
    #[token("while")]
    While,
    /// `loop`
    #[token("loop")]
    Loop,
    /// `for`
    #[token("for")]
    For,
    /// `in`
    #[token("in")]
    In,
    /// `break`
    #[token("break")]
    Break,
    /// `continue`
    #[token("continue")]
    Continue,
    /// `return`
    #[token("return")]
    Return,
    /// `import`
    #[token("import")]
    Import,
    /// `export`
    #[token("export")]
    Export,
    /// `from`
    #[token("from")]
    From,
    /// `as`
    #[token("as")]
    As,
    /// `true`
    #[token("true")]
    True,
    /// `false`
    #[token("false")]
    False,
    /// `and`
    #[token("and")]
    And,
    /// `or`
    #[token("or")]
    Or,
    /// `check!`, the testing built-in.
    #[token("check!")]
    CheckBang,
    /// `not`
    #[token("not")]
    Not,
    /// `match`
    #[token("match")]
    Match,
    /// `record`
    #[token("record")]
    Record,
    /// `variant`
    #[token("variant")]
    Variant,
    /// `enum`
    #[token("enum")]
    Enum,
    /// `flags`
    #[token("flags")]
    Flags,
    /// `type`
    #[token("type")]
    Type,
    /// `interface`
    #[token("interface")]
    Interface,
    /// `_`: the wildcard pattern and the empty half of `result<_, E>`.
    #[token("_")]
    Underscore,
    /// `resource`
    #[token("resource")]
    Resource,
    /// `constructor`, inside a resource.
    #[token("constructor")]
    Constructor,
    /// `static`, inside a resource.
    #[token("static")]
    Static,
    /// `self`: the resource a method or constructor works on.
    #[token("self")]
    SelfValue,
    /// `test`: a test block (compiled only by `clawc test`); a keyword only
    /// before a string or `component` (see `contextual_keywords`).
    #[token("test")]
    Test,
    /// `assert`: a test's assertion statement.
    #[token("assert")]
    Assert,
    /// `mock`: an implementation of an interface for the component under
    /// test; a keyword only before a name (see `contextual_keywords`).
    #[token("mock")]
    Mock,
    /// An identifier, without its escaping `%`.
    #[regex(r"%?[a-zA-Z][a-zA-Z0-9]*(-[a-zA-Z][a-zA-Z0-9]*)*", |lex| lex.slice().trim_start_matches('%'))]
    Ident(&'a str),
    /// An integer literal as written (`12`, `0x_ff`, `0b101`); [`int_value`]
    /// gives its value.
    #[regex(r"[0-9][0-9_]*", |lex| lex.slice())]
    #[regex(r"0x[0-9a-fA-F_]+", |lex| lex.slice())]
    #[regex(r"0b[01_]+", |lex| lex.slice())]
    Int(&'a str),
    /// A float literal.
    #[regex(r"[0-9][0-9_]*\.[0-9][0-9_]*([eE][+-]?[0-9_]+)?", |lex| lex.slice().replace('_', "").parse::<f64>().ok())]
    #[regex(r"[0-9][0-9_]*[eE][+-]?[0-9_]+", |lex| lex.slice().replace('_', "").parse::<f64>().ok())]
    Float(f64),
    /// A string literal, raw (quotes included); unescaped by [`lex`].
    #[regex(r#""([^"\\]|\\(.|\n))*""#, |lex| lex.slice())]
    RawStr(&'a str),
    /// A string literal after unescaping.
    Str(Box<str>),
    /// Starts an interpolated string `"text \{expr} text"`, which the lexer
    /// turns into `InterpStart`, then `InterpText` pieces and each
    /// expression's own tokens between `InterpOpen` and `InterpClose`, then
    /// `InterpEnd`.
    InterpStart,
    /// A literal piece of an interpolated string, unescaped.
    InterpText(Box<str>),
    /// `\{` in an interpolated string.
    InterpOpen,
    /// The `}` that closes an interpolated expression.
    InterpClose,
    /// The closing `"` of an interpolated string.
    InterpEnd,
    /// An unterminated string literal (runs to the end of the file).
    #[regex(r#""([^"\\]|\\(.|\n))*"#)]
    UnterminatedStr,
    /// A char literal, raw (quotes included).
    #[regex(r"'([^'\\\n]|\\[^\n])*'", |lex| lex.slice())]
    RawChar(&'a str),
    /// A char literal after unescaping.
    Char(char),
    /// A package version after `@`, without the `@` (`0.2.0`, `0.1.0-draft`).
    #[regex(r"@[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?", |lex| &lex.slice()[1..])]
    Version(&'a str),
    /// A `///` doc comment line, without the slashes.
    #[regex(r"///[^\n]*", |lex| &lex.slice()[3..])]
    DocComment(&'a str),
    /// A `//` comment.
    #[regex(r"//[^\n]*")]
    LineComment,
    /// A `/* */` comment (nested); `false` when unterminated.
    #[token("/*", block_comment)]
    BlockComment(bool),
    /// `(`
    #[token("(")]
    LParen,
    /// `)`
    #[token(")")]
    RParen,
    /// `{`
    #[token("{")]
    LBrace,
    /// `}`
    #[token("}")]
    RBrace,
    /// `[`
    #[token("[")]
    LBracket,
    /// `]`
    #[token("]")]
    RBracket,
    /// `,`
    #[token(",")]
    Comma,
    /// `;`
    #[token(";")]
    Semi,
    /// `:`
    #[token(":")]
    Colon,
    /// `::`
    #[token("::")]
    ColonColon,
    /// `.`
    #[token(".")]
    Dot,
    /// `..`
    #[token("..")]
    DotDot,
    /// `->`
    #[token("->")]
    Arrow,
    /// `=>`
    #[token("=>")]
    FatArrow,
    /// `?`
    #[token("?")]
    Question,
    /// `!`
    #[token("!")]
    Bang,
    /// `=`
    #[token("=")]
    Eq,
    /// `==`
    #[token("==")]
    EqEq,
    /// `!=`
    #[token("!=")]
    NotEq,
    /// `<`
    #[token("<")]
    Lt,
    /// `<=`
    #[token("<=")]
    LtEq,
    /// `>`
    #[token(">")]
    Gt,
    /// `>=`
    #[token(">=")]
    GtEq,
    /// `+`
    #[token("+")]
    Plus,
    /// `-`
    #[token("-")]
    Minus,
    /// `*`
    #[token("*")]
    Star,
    /// `/`
    #[token("/")]
    Slash,
    /// `%`
    #[token("%")]
    Percent,
    /// `&`
    #[token("&")]
    Amp,
    /// `|`
    #[token("|")]
    Pipe,
    /// `^`
    #[token("^")]
    Caret,
    /// `<<`
    #[token("<<")]
    Shl,
    /// `>>`
    #[token(">>")]
    Shr,
    /// `>>>`
    #[token(">>>")]
    ShrU,
    /// `+=`
    #[token("+=")]
    PlusEq,
    /// `-=`
    #[token("-=")]
    MinusEq,
    /// `*=`
    #[token("*=")]
    StarEq,
    /// `/=`
    #[token("/=")]
    SlashEq,
    /// `%=`
    #[token("%=")]
    PercentEq,
    /// `&=`
    #[token("&=")]
    AmpEq,
    /// `|=`
    #[token("|=")]
    PipeEq,
    /// `^=`
    #[token("^=")]
    CaretEq,
    /// `<<=`
    #[token("<<=")]
    ShlEq,
    /// `>>=`
    #[token(">>=")]
    ShrEq,
    /// `@`
    #[token("@")]
    At,
}

/// The value of an integer literal's text (an [`Token::Int`]), saturated at
/// `u128::MAX` (then no type holds it).
pub fn int_value(text: &str) -> u128 {
    if let Some(hex) = text.strip_prefix("0x") {
        parse_int(hex, 16)
    } else if let Some(binary) = text.strip_prefix("0b") {
        parse_int(binary, 2)
    } else {
        parse_int(text, 10)
    }
}

fn parse_int(digits: &str, radix: u32) -> u128 {
    let mut value: u128 = 0;
    for c in digits.chars().filter(|c| *c != '_') {
        let digit = c.to_digit(radix).unwrap_or(0) as u128;
        value = match value.checked_mul(radix as u128).and_then(|v| v.checked_add(digit)) {
            Some(v) => v,
            None => return u128::MAX,
        };
    }
    value
}

fn block_comment<'a>(lex: &mut logos::Lexer<'a, Token<'a>>) -> bool {
    let rest = lex.remainder().as_bytes();
    let mut depth = 1usize;
    let mut i = 0;
    while i < rest.len() {
        if rest[i..].starts_with(b"/*") {
            depth += 1;
            i += 2;
        } else if rest[i..].starts_with(b"*/") {
            depth -= 1;
            i += 2;
            if depth == 0 {
                lex.bump(i);
                return true;
            }
        } else {
            i += 1;
        }
    }
    lex.bump(rest.len());
    false
}

/// A `///` doc comment line and where it is.
#[derive(Clone, Debug)]
pub struct DocLine {
    /// The span of the whole comment.
    pub span: Span,
    /// The text after `///`, with one leading space removed.
    pub text: String,
}

/// The result of lexing one file (`'a` is the source's lifetime).
#[derive(Debug, Default)]
pub struct Lexed<'a> {
    /// Tokens with their byte spans, comments removed.
    pub tokens: Vec<(u32, Token<'a>, u32)>,
    /// Doc comments in source order.
    pub docs: Vec<DocLine>,
    /// Every comment (`//`, `/* */` and `///`), as spans in source order:
    /// the trivia the formatter puts back. Comments inside a string's
    /// `\{...}` are not included.
    pub comments: Vec<Span>,
    /// Lexical errors (bad characters, bad escapes, unterminated literals).
    pub diagnostics: Vec<Diagnostic>,
}

/// Lexes `source`. The source must be shorter than 4 GiB (the caller checks).
pub fn lex(source: &str) -> Lexed<'_> {
    lex_range(source, 0..source.len())
}

/// Lexes `source[range]` as if it were all of the source, with spans into
/// `source`: the result is the part of [`lex`]'s that falls in `range` when
/// the lexer is between tokens, with no pending `<` of a type, at both ends
/// of the range (the parser checks that before using it).
pub(crate) fn lex_range(source: &str, range: std::ops::Range<usize>) -> Lexed<'_> {
    // Code has at most about one token per three bytes; reserving that much
    // spares the copies of growing the vector token by token.
    let mut out = Lexed { tokens: Vec::with_capacity(range.len() / 3 + 16), ..Lexed::default() };
    let mut lexer = Token::lexer(&source[..range.end]);
    lexer.bump(range.start);
    let mut generic_depth = 0u32;
    let mut after_type_constructor = false;
    // Whether a `test` or `mock` was read (see `contextual_keywords`).
    let mut contextual = false;
    while let Some(token) = lexer.next() {
        let range = lexer.span();
        let span = Span::new(range.start as u32, range.end as u32);
        let token = match token {
            Ok(token) => token,
            Err(()) => {
                let text = &source[range.clone()];
                let message = match text.chars().next() {
                    Some('\'') => "invalid char literal".to_string(),
                    Some(c) => format!("unexpected character `{}`", c.escape_debug()),
                    None => "unexpected end of input".to_string(),
                };
                out.diagnostics.push(Diagnostic::error("invalid-token", message, span, "not valid here"));
                continue;
            }
        };
        let token = match token {
            Token::LineComment | Token::BlockComment(true) => {
                out.comments.push(span);
                continue;
            }
            Token::BlockComment(false) => {
                out.diagnostics.push(Diagnostic::error(
                    "unterminated-comment",
                    "unterminated block comment",
                    Span::new(span.start, span.start + 2),
                    "this `/*` has no matching `*/`",
                ));
                continue;
            }
            Token::DocComment(text) => {
                out.comments.push(span);
                if let Some(d) = check_doc_text(text.trim_end(), span.start + 3) {
                    out.diagnostics.push(d);
                    continue;
                }
                let text = text.strip_prefix(' ').unwrap_or(text).trim_end().to_string();
                out.docs.push(DocLine { span, text });
                continue;
            }
            Token::UnterminatedStr => {
                out.diagnostics.push(
                    Diagnostic::error(
                        "unterminated-string",
                        "unterminated string literal",
                        Span::new(span.start, span.start + 1),
                        "this string is never closed",
                    )
                    .with_help("add a closing `\"`"),
                );
                continue;
            }
            Token::RawStr(raw) => {
                let inner = &raw[1..raw.len() - 1];
                if let Some(pieces) = interpolation(inner) {
                    lex_interpolated(inner, span, &pieces, &mut out);
                    continue;
                }
                Token::Str(unescape(inner, span.start + 1, &mut out.diagnostics).into_boxed_str())
            }
            Token::RawChar(raw) => {
                let inner = &raw[1..raw.len() - 1];
                let text = unescape(inner, span.start + 1, &mut out.diagnostics);
                let mut chars = text.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) => Token::Char(c),
                    _ => {
                        out.diagnostics.push(
                            Diagnostic::error(
                                "invalid-char",
                                "a char literal holds exactly one character",
                                span,
                                "not one character",
                            )
                            .with_help("use a string literal (\"...\") for text"),
                        );
                        Token::Char('\u{FFFD}')
                    }
                }
            }
            // `t.0.1` is two tuple indices, which the float pattern reads as `0.1`.
            Token::Float(_)
                if matches!(out.tokens.last(), Some((_, Token::Dot, _)))
                    && source[range.clone()].split_once('.').is_some_and(|(a, b)| {
                        !a.is_empty() && !b.is_empty() && (a.bytes().chain(b.bytes())).all(|c| c.is_ascii_digit())
                    }) =>
            {
                let text = &source[range.clone()];
                let dot = text.find('.').unwrap_or(0) as u32;
                let (a, b) = text.split_at(dot as usize);
                out.tokens.push((span.start, Token::Int(a), span.start + dot));
                out.tokens.push((span.start + dot, Token::Dot, span.start + dot + 1));
                out.tokens.push((span.start + dot + 1, Token::Int(&b[1..]), span.end));
                after_type_constructor = false;
                continue;
            }
            Token::Float(f) if !f.is_finite() => {
                out.diagnostics.push(Diagnostic::error(
                    "literal-out-of-range",
                    "float literal is too large",
                    span,
                    "this is infinite as an f64",
                ));
                Token::Float(0.0)
            }
            Token::Ident(name) => {
                if let Some(d) = check_identifier(name, span) {
                    out.diagnostics.push(d);
                }
                Token::Ident(name)
            }
            other => other,
        };
        // `>>` and `>>>` that close nested type arguments (`list<list<u8>>`)
        // are split into single `>`s.
        match &token {
            Token::Lt if after_type_constructor => generic_depth += 1,
            Token::Gt => generic_depth = generic_depth.saturating_sub(1),
            Token::Shr | Token::ShrU if generic_depth > 0 => {
                let count = if token == Token::Shr { 2 } else { 3 };
                for i in 0..count {
                    out.tokens.push((span.start + i, Token::Gt, span.start + i + 1));
                }
                generic_depth = generic_depth.saturating_sub(count);
                after_type_constructor = false;
                continue;
            }
            Token::Semi | Token::LBrace | Token::RBrace => generic_depth = 0,
            Token::Test | Token::Mock => contextual = true,
            _ => {}
        }
        after_type_constructor = matches!(&token, Token::Ident(name) if is_type_constructor(name));
        out.tokens.push((span.start, token, span.end));
    }
    if contextual {
        contextual_keywords(&mut out.tokens);
    }
    out
}

/// `test` and `mock` are keywords only where they start an item: `test`
/// before a string (a test) or before `component`, `mock` before a name (an
/// interface path). Anywhere else they are ordinary names (`let test = 1;`).
fn contextual_keywords(tokens: &mut [(u32, Token<'_>, u32)]) {
    for i in 0..tokens.len() {
        let next = tokens.get(i + 1).map(|t| &t.1);
        let keeps = match &tokens[i].1 {
            Token::Test => {
                matches!(next, Some(Token::Str(_) | Token::RawStr(_) | Token::InterpStart))
                    || matches!(next, Some(Token::Ident("component")))
            }
            Token::Mock => matches!(next, Some(Token::Ident(_))),
            _ => true,
        };
        if !keeps {
            let name = if tokens[i].1 == Token::Test { "test" } else { "mock" };
            tokens[i].1 = Token::Ident(name);
        }
    }
}

/// Is `name` a WIT type constructor that takes `<...>` arguments? (A
/// `match`, which compiles to a test of the length first: this runs on every
/// identifier.)
fn is_type_constructor(name: &str) -> bool {
    matches!(name, "list" | "option" | "result" | "tuple" | "borrow" | "own" | "future" | "stream")
}

/// Doc comments are copied into the component's WIT, which forbids control
/// characters (other than tab), bidirectional overrides (CVE-2021-42574) and
/// code points Unicode deprecates. `base` is the offset of `text`.
fn check_doc_text(text: &str, base: u32) -> Option<Diagnostic> {
    let (offset, c) = text.char_indices().find(|(_, c)| {
        (c.is_control() && *c != '\t')
            || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
            || matches!(
                c,
                '\u{149}' | '\u{673}' | '\u{f77}' | '\u{f79}' | '\u{17a3}' | '\u{17a4}' | '\u{17b4}' | '\u{17b5}'
            )
    })?;
    let start = base + offset as u32;
    Some(
        Diagnostic::error(
            "invalid-doc-character",
            format!("doc comments cannot contain {}", c.escape_unicode()),
            Span::new(start, start + c.len_utf8() as u32),
            "this character",
        )
        .with_note("doc comments become WIT documentation, which forbids control characters, bidirectional overrides and deprecated code points")
        .with_help("remove the character, or use a `//` comment"),
    )
}

/// WIT identifiers are kebab-case: each word is all lowercase or all
/// uppercase (letters and digits). Returns a diagnostic for a word that
/// mixes cases, suggesting the kebab-case spelling.
fn check_identifier(name: &str, span: Span) -> Option<Diagnostic> {
    // One pass over the bytes: this runs on every identifier.
    let (mut lower, mut upper) = (false, false);
    for byte in name.bytes() {
        match byte {
            b'-' => (lower, upper) = (false, false),
            b'a'..=b'z' => lower = true,
            b'A'..=b'Z' => upper = true,
            _ => {}
        }
        if lower && upper {
            break;
        }
    }
    if !(lower && upper) {
        return None;
    }
    let mut kebab = String::new();
    let mut previous_lower = false;
    for c in name.chars() {
        if c.is_ascii_uppercase() && previous_lower {
            kebab.push('-');
        }
        previous_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        kebab.push(c.to_ascii_lowercase());
    }
    Some(
        Diagnostic::error(
            "invalid-identifier",
            format!("`{name}` is not a valid identifier"),
            span,
            "a word mixes upper- and lowercase letters",
        )
        .with_help(format!("identifiers are WIT identifiers, written in kebab-case: `{kebab}`"))
        .with_note("each hyphen-separated word is all lowercase or all uppercase, like `get-HTTP-status`"),
    )
}

/// A piece of an interpolated string's inside: literal text or the code
/// of an expression, as byte ranges of the inside.
enum Piece {
    Text(std::ops::Range<usize>),
    Code(std::ops::Range<usize>),
    /// `\{` without its closing `}`: the range of `\{`.
    Unclosed(std::ops::Range<usize>),
}

/// Splits the inside of a string literal at its `\{expr}`s; `None` when
/// it has none (escapes such as `\\{` are skipped, and braces nest).
fn interpolation(inner: &str) -> Option<Vec<Piece>> {
    let bytes = inner.as_bytes();
    let mut pieces = Vec::new();
    let (mut i, mut text_start) = (0, 0);
    while i < bytes.len() {
        if bytes[i] != b'\\' {
            i += 1;
            continue;
        }
        if bytes.get(i + 1) != Some(&b'{') {
            i += 2;
            continue;
        }
        pieces.push(Piece::Text(text_start..i));
        let code_start = i + 2;
        let mut depth = 1;
        let mut j = code_start;
        while j < bytes.len() && depth > 0 {
            match bytes[j] {
                b'{' => depth += 1,
                b'}' => depth -= 1,
                _ => {}
            }
            j += 1;
        }
        if depth > 0 {
            pieces.push(Piece::Unclosed(i..i + 2));
            return Some(pieces);
        }
        pieces.push(Piece::Code(code_start..j - 1));
        i = j;
        text_start = j;
    }
    if pieces.is_empty() {
        return None;
    }
    pieces.push(Piece::Text(text_start..bytes.len()));
    Some(pieces)
}

/// Emits the tokens of an interpolated string whose inside `inner` starts
/// one byte after `span.start`: each expression is lexed on its own, with
/// spans into the file.
fn lex_interpolated<'a>(inner: &'a str, span: Span, pieces: &[Piece], out: &mut Lexed<'a>) {
    let base = span.start + 1;
    out.tokens.push((span.start, Token::InterpStart, base));
    for piece in pieces {
        match piece {
            Piece::Text(range) => {
                let text = unescape(&inner[range.clone()], base + range.start as u32, &mut out.diagnostics);
                if !text.is_empty() {
                    let at = Span::new(base + range.start as u32, base + range.end as u32);
                    out.tokens.push((at.start, Token::InterpText(text.into_boxed_str()), at.end));
                }
            }
            Piece::Code(range) => {
                let open = base + range.start as u32 - 2;
                out.tokens.push((open, Token::InterpOpen, open + 2));
                let code = lex(&inner[range.clone()]);
                let shift = base + range.start as u32;
                out.tokens.extend(code.tokens.into_iter().map(|(a, t, b)| (a + shift, t, b + shift)));
                for mut d in code.diagnostics {
                    for label in &mut d.labels {
                        label.span = Span::new(label.span.start + shift, label.span.end + shift);
                    }
                    out.diagnostics.push(d);
                }
                let close = base + range.end as u32;
                out.tokens.push((close, Token::InterpClose, close + 1));
            }
            Piece::Unclosed(range) => {
                out.diagnostics.push(
                    Diagnostic::error(
                        "invalid-escape",
                        "unclosed `\\{` in a string",
                        Span::new(base + range.start as u32, base + range.end as u32),
                        "this interpolation has no closing `}`",
                    )
                    .with_help("close it with `}`, or write `\\\\{` for a backslash followed by `{`")
                    .with_note("string literals and the chars `'\"'`, `'{'` and `'}'` cannot appear inside `\\{...}`: bind them to a variable first"),
                );
            }
        }
    }
    out.tokens.push((span.end - 1, Token::InterpEnd, span.end));
}

/// Unescapes the inside of a string or char literal that starts at byte
/// offset `base`, reporting bad escapes (and replacing them with U+FFFD).
fn unescape(inner: &str, base: u32, diagnostics: &mut Vec<Diagnostic>) -> String {
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let escape_start = base + i as u32;
        let Some((j, e)) = chars.next() else { break };
        let simple = match e {
            'n' => Some('\n'),
            't' => Some('\t'),
            'r' => Some('\r'),
            '\\' => Some('\\'),
            '"' => Some('"'),
            '\'' => Some('\''),
            '0' => Some('\0'),
            _ => None,
        };
        if let Some(s) = simple {
            out.push(s);
            continue;
        }
        let after_escape = base + (j + e.len_utf8()) as u32;
        if e == 'u' {
            if chars.peek().map(|(_, c)| *c) == Some('{') {
                chars.next();
                let mut hex = String::new();
                let mut end = after_escape + 1;
                let mut closed = false;
                for (k, h) in chars.by_ref() {
                    end = base + (k + h.len_utf8()) as u32;
                    if h == '}' {
                        closed = true;
                        break;
                    }
                    hex.push(h);
                }
                let span = Span::new(escape_start, end);
                let digits = hex.replace('_', "");
                let value = if (1..=6).contains(&digits.len()) {
                    u32::from_str_radix(&digits, 16).ok().and_then(char::from_u32)
                } else {
                    None
                };
                match (closed, value) {
                    (true, Some(c)) => out.push(c),
                    _ => {
                        diagnostics.push(Diagnostic::error(
                            "invalid-escape",
                            "invalid unicode escape",
                            span,
                            "not a Unicode scalar value",
                        ).with_help("write `\\u{...}` with 1 to 6 hex digits naming a Unicode scalar value, like `\\u{1F600}`"));
                        out.push('\u{FFFD}');
                    }
                }
                continue;
            }
            diagnostics.push(
                Diagnostic::error(
                    "invalid-escape",
                    "invalid unicode escape",
                    Span::new(escape_start, after_escape),
                    "expected `{` after `\\u`",
                )
                .with_help("write unicode escapes like `\\u{1F600}`"),
            );
            out.push('\u{FFFD}');
            continue;
        }
        let (message, help) =
            ("unknown escape sequence", "the escapes are \\n \\t \\r \\\\ \\\" \\' \\0, \\u{...} and \\{expr}");
        diagnostics.push(
            Diagnostic::error("invalid-escape", message, Span::new(escape_start, after_escape), "here").with_help(help),
        );
        out.push('\u{FFFD}');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_literals_keep_their_text_and_int_value_reads_it() {
        let lexed = lex("0x_ff 0b1_01 1_000 340282366920938463463374607431768211456");
        let texts: Vec<&str> = lexed
            .tokens
            .iter()
            .map(|(_, t, _)| match t {
                Token::Int(text) => *text,
                other => panic!("not an integer: {other:?}"),
            })
            .collect();
        assert_eq!(texts, ["0x_ff", "0b1_01", "1_000", "340282366920938463463374607431768211456"]);
        let values: Vec<u128> = texts.iter().map(|t| int_value(t)).collect();
        // One past u128::MAX saturates.
        assert_eq!(values, [255, 5, 1000, u128::MAX]);
    }

    #[test]
    fn tokens_borrow_names_and_own_unescaped_strings() {
        let source = "%match t.0.1 \"a\\tb\"";
        let lexed = lex(source);
        let tokens: Vec<&Token<'_>> = lexed.tokens.iter().map(|(_, t, _)| t).collect();
        assert_eq!(
            tokens,
            [
                &Token::Ident("match"),
                &Token::Ident("t"),
                &Token::Dot,
                &Token::Int("0"),
                &Token::Dot,
                &Token::Int("1"),
                &Token::Str("a\tb".into()),
            ]
        );
        // The name is a slice of the source, not a copy.
        let Token::Ident(name) = &lexed.tokens[0].1 else { panic!("not a name") };
        assert_eq!(name.as_ptr(), source[1..].as_ptr());
    }
}
