//! The parser: tokens to [`ast::File`], reporting every syntax error.
//!
//! The file is split into one chunk of tokens per item (`item_chunks`), each
//! parsed on its own, so a mistake inside an item stays inside it. The
//! grammar (`grammar.lalrpop`) recovers at item and statement level,
//! so a file with several independent mistakes yields one diagnostic for
//! each and a tree with `Error` nodes where the mistakes were.

use crate::ast;
use crate::diagnostic::Diagnostic;
use crate::lexer::{self, Token};
use crate::span::Span;
use lalrpop_util::{ErrorRecovery, ParseError};

lalrpop_util::lalrpop_mod!(
    #[allow(clippy::all, clippy::unwrap_used, missing_docs, unused_qualifications, unreachable_pub)]
    grammar
);

/// A syntax error that the grammar's actions find (lalrpop's own errors
/// are about tokens).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SyntaxError {
    /// `a < b < c` or `a == b == c`: comparisons of one tier do not chain.
    /// The spans are the two operators.
    ChainedComparison {
        /// The first comparison operator.
        first: Span,
        /// The second one.
        second: Span,
    },
}

/// One syntax error with what the parser skipped to recover from it.
type Recovered = ErrorRecovery<u32, Token, SyntaxError>;

/// Adds `op rhs` to `lhs`, an operator chain parsed so far (the grammar
/// reads `a + b * c` left to right as operands and operators). `rhs` goes
/// as far down the chain's right edge as the operators there bind more
/// loosely than `op`, which gives the precedence and left associativity of
/// the language brief's table ([`ast::BinaryOp::precedence`]); each step
/// down is to a tighter tier, so this takes at most one step per tier.
/// A comparison that would chain with another of its tier (`a < b < c`) is
/// reported in `errors` and left out of the tree (with its operand).
pub(crate) fn chain(
    mut lhs: ast::Expr,
    op: (ast::BinaryOp, Span),
    rhs: ast::Expr,
    errors: &mut Vec<Recovered>,
) -> ast::Expr {
    if let Err(first) = insert_operator(&mut lhs, op, rhs) {
        errors.push(ErrorRecovery {
            error: ParseError::User { error: SyntaxError::ChainedComparison { first, second: op.1 } },
            dropped_tokens: Vec::new(),
        });
    }
    lhs
}

/// [`chain`]'s step: inserts `op rhs` into `node`, or returns the span of
/// the comparison `op` would chain with (leaving `node` as it was).
fn insert_operator(node: &mut ast::Expr, op: (ast::BinaryOp, Span), rhs: ast::Expr) -> Result<(), Span> {
    if let ast::ExprKind::Binary { op: inner, op_span, rhs: right, .. } = &mut node.kind {
        if inner.precedence() < op.0.precedence() {
            let end = rhs.span.end;
            insert_operator(right, op, rhs)?;
            node.span.end = end;
            return Ok(());
        }
        if inner.precedence() == op.0.precedence() && op.0.is_comparison() {
            return Err(*op_span);
        }
    }
    let lhs = std::mem::replace(node, ast::Expr { kind: ast::ExprKind::Bool(false), span: Span::default() });
    let span = Span::new(lhs.span.start, rhs.span.end);
    *node = ast::Expr {
        kind: ast::ExprKind::Binary { op: op.0, op_span: op.1, lhs: Box::new(lhs), rhs: Box::new(rhs) },
        span,
    };
    Ok(())
}

/// The result of parsing one file: a tree (possibly with `Error` nodes) and
/// every lexical and syntax error found.
#[derive(Debug)]
pub struct Parsed {
    /// The syntax tree.
    pub file: ast::File,
    /// Lexical and syntax errors, in source order.
    pub diagnostics: Vec<Diagnostic>,
    /// The span of every comment, in source order (see [`lexer::Lexed::comments`]).
    pub comments: Vec<Span>,
}

/// Parses `source`. Never panics and never gives up: the worst input gives
/// an empty tree and diagnostics.
pub fn parse(source: &str) -> Parsed {
    if source.len() >= u32::MAX as usize {
        return Parsed {
            file: ast::File::default(),
            diagnostics: vec![Diagnostic::error(
                "file-too-large",
                "source files must be smaller than 4 GiB",
                Span::default(),
                "",
            )],
            comments: Vec::new(),
        };
    }
    let lexed = lexer::lex(source);
    let mut diagnostics = lexed.diagnostics;
    let mut recovered: Vec<Recovered> = Vec::new();
    // Only the tokens' positions are kept, for placing "expected `;`" labels.
    let positions: Vec<(u32, u32)> = lexed.tokens.iter().map(|(start, _, end)| (*start, *end)).collect();
    let chunks = item_chunks(&lexed.tokens, source);
    // The first token of each chunk, for errors at the end of the one before.
    let firsts: Vec<(u32, Token, u32)> = chunks.iter().map(|c| lexed.tokens[c.start].clone()).collect();
    let parser = grammar::ChunkParser::new();
    let mut items = Vec::new();
    let mut tokens = lexed.tokens.into_iter();
    for (k, chunk) in chunks.iter().enumerate() {
        let next = firsts.get(k + 1);
        let before = recovered.len();
        let span = match (positions.get(chunk.start), chunk.end.checked_sub(1).and_then(|last| positions.get(last))) {
            (Some(first), Some(last)) if !chunk.is_empty() => Span::new(first.0, last.1),
            _ => continue,
        };
        // The chunk's tokens move straight from the lexer's vector into the
        // parser; what a failed parse leaves of them is skipped below.
        let mut chunk_tokens = tokens.by_ref().take(chunk.len());
        let result = parser.parse(&mut recovered, (&mut chunk_tokens).map(Ok));
        chunk_tokens.for_each(drop);
        match result {
            Ok((item, rest)) => {
                if let Some(rest) = rest
                    && recovered.len() == before
                {
                    diagnostics.push(trailing_tokens(rest, item.span(), source, &positions));
                }
                items.push(item);
            }
            Err(error) => {
                diagnostics.push(syntax_error(at_chunk_end(error, next), source, &positions));
                items.push(ast::Item::Error(span));
            }
        }
        for error in recovered.drain(before..).collect::<Vec<_>>() {
            diagnostics.push(syntax_error(at_chunk_end(error.error, next), source, &positions));
        }
    }
    let file = ast::File { items, recovered_names: Vec::new() };
    let mut file = file;
    attach_docs(&mut file, &lexed.docs);
    file.recovered_names = recovered_names(&file, source);
    diagnostics.sort_by_key(|d| d.primary_span());
    // Recovery can report the same position twice (once for the error, once
    // for the token that ended the recovery); keep the first.
    diagnostics.dedup_by(|a, b| a.primary_span() == b.primary_span() && a.code == b.code);
    Parsed { file, diagnostics, comments: lexed.comments }
}

/// Splits the tokens into chunks of one item each. A chunk starts at a token
/// that starts an item (`func`, `let`, `import`, `export`, `record`, ...)
/// outside any brackets, or at one of those keywords other than `let` that
/// begins a line even inside brackets (an earlier item missing its `}`);
/// a `func` after `:` or `export` and anything after `export` belong to the
/// item they are in. Tokens before the first item form a chunk of their own.
fn item_chunks(tokens: &[(u32, Token, u32)], source: &str) -> Vec<std::ops::Range<usize>> {
    let mut chunks = Vec::new();
    let mut start = 0;
    let mut depth: u32 = 0;
    let mut previous: Option<&Token> = None;
    for (i, (offset, token, _)) in tokens.iter().enumerate() {
        let item_start = starts_item(previous, token);
        let line_start =
            source.get(..*offset as usize).is_some_and(|before| before.is_empty() || before.ends_with('\n'));
        if i > start && item_start && (depth == 0 || (line_start && *token != Token::Let)) {
            chunks.push(start..i);
            start = i;
            depth = 0;
        }
        match token {
            Token::LBrace | Token::LParen | Token::LBracket => depth += 1,
            Token::RBrace | Token::RParen | Token::RBracket => depth = depth.saturating_sub(1),
            _ => {}
        }
        previous = Some(token);
    }
    if start < tokens.len() {
        chunks.push(start..tokens.len());
    }
    chunks
}

/// Does `token`, after `previous`, start an item?
fn starts_item(previous: Option<&Token>, token: &Token) -> bool {
    if matches!(previous, Some(Token::Export)) {
        return false;
    }
    match token {
        Token::Import
        | Token::Export
        | Token::Let
        | Token::Record
        | Token::Variant
        | Token::Enum
        | Token::Flags
        | Token::Type
        | Token::Resource
        | Token::Test
        | Token::Mock => true,
        Token::Func => !matches!(previous, Some(Token::Colon)),
        _ => false,
    }
}

/// An error at the end of a chunk that is not the end of the file is one at
/// the first token of the next chunk: "expected `}`, found keyword `func`".
fn at_chunk_end(
    error: ParseError<u32, Token, SyntaxError>,
    next: Option<&(u32, Token, u32)>,
) -> ParseError<u32, Token, SyntaxError> {
    match (error, next) {
        (ParseError::UnrecognizedEof { expected, .. }, Some(token)) => {
            ParseError::UnrecognizedToken { token: token.clone(), expected }
        }
        (error, _) => error,
    }
}

/// Tokens after the end of an item that no item can start with (a stray
/// `}`, say): one error for all of them.
fn trailing_tokens(rest: Span, item: Span, source: &str, tokens: &[(u32, u32)]) -> Diagnostic {
    let index = tokens.partition_point(|(start, _)| *start < rest.start);
    let first = tokens.get(index).copied().unwrap_or((rest.start, rest.end));
    let text = source.get(first.0 as usize..first.1 as usize).unwrap_or("");
    Diagnostic::error(
        "syntax-error",
        format!("unexpected `{text}` after the end of this item"),
        Span::new(first.0, first.1),
        "not part of any item",
    )
    .with_label(item, "this item ends here")
}

/// The names that unreadable items seem to declare: the identifier after
/// `let`, `let mut`, `func` or `import` among an error item's tokens.
/// Error items are rare, so their text is simply lexed again.
fn recovered_names(file: &ast::File, source: &str) -> Vec<String> {
    let mut names = Vec::new();
    for item in &file.items {
        let ast::Item::Error(span) = item else { continue };
        let Some(text) = source.get(span.range()) else { continue };
        let relexed = lexer::lex(text);
        let inside: Vec<&Token> = relexed.tokens.iter().map(|(_, t, _)| t).collect();
        for window in inside.windows(3) {
            let name = match window {
                [Token::Let | Token::Func | Token::Import, Token::Ident(name), _] => name,
                [Token::Let, Token::Mut, Token::Ident(name)] => name,
                _ => continue,
            };
            names.push(name.clone());
        }
        if let [.., Token::Let | Token::Func | Token::Import, Token::Ident(name)] = inside.as_slice() {
            names.push(name.clone());
        }
    }
    names
}

/// Attaches each run of `///` lines to the item that follows it.
fn attach_docs(file: &mut ast::File, docs: &[lexer::DocLine]) {
    let mut next_doc = 0;
    let mut previous_end = 0;
    for item in &mut file.items {
        let span = item.span();
        let mut lines = Vec::new();
        while next_doc < docs.len() && docs[next_doc].span.start < span.start {
            if docs[next_doc].span.start >= previous_end {
                lines.push(docs[next_doc].text.clone());
            }
            next_doc += 1;
        }
        if !lines.is_empty() {
            item.set_docs(lines.join("\n"));
        }
        previous_end = span.end;
    }
}

fn describe(token: &Token) -> String {
    match token {
        Token::Ident(name) => format!("identifier `{name}`"),
        _ if keyword(token).is_some() => format!("keyword `{}`", token_text(token)),
        Token::Int(_) => "integer literal".into(),
        Token::Float(_) => "float literal".into(),
        Token::Str(_) | Token::RawStr(_) => "string literal".into(),
        Token::InterpText(_) => "string text".into(),
        Token::Char(_) | Token::RawChar(_) => "char literal".into(),
        Token::Version(v) => format!("version `@{v}`"),
        other => format!("`{}`", token_text(other)),
    }
}

/// The text of a keyword that a `%` turns into an identifier.
fn keyword(token: &Token) -> Option<&'static str> {
    match token {
        Token::Match
        | Token::Record
        | Token::Variant
        | Token::Enum
        | Token::Flags
        | Token::Type
        | Token::Interface
        | Token::Resource
        | Token::Constructor
        | Token::Static
        | Token::SelfValue
        | Token::Assert => Some(token_text(token)),
        _ => None,
    }
}

/// The source text of a fixed token.
fn token_text(token: &Token) -> &'static str {
    match token {
        Token::Func => "func",
        Token::Let => "let",
        Token::Mut => "mut",
        Token::If => "if",
        Token::Else => "else",
        Token::While => "while",
        Token::Loop => "loop",
        Token::For => "for",
        Token::In => "in",
        Token::Break => "break",
        Token::Continue => "continue",
        Token::Return => "return",
        Token::Import => "import",
        Token::Export => "export",
        Token::From => "from",
        Token::As => "as",
        Token::True => "true",
        Token::False => "false",
        Token::And => "and",
        Token::Or => "or",
        Token::Not => "not",
        Token::Match => "match",
        Token::Record => "record",
        Token::Variant => "variant",
        Token::Enum => "enum",
        Token::Flags => "flags",
        Token::Type => "type",
        Token::Underscore => "_",
        Token::Interface => "interface",
        Token::Resource => "resource",
        Token::Constructor => "constructor",
        Token::Static => "static",
        Token::SelfValue => "self",
        Token::Test => "test",
        Token::Assert => "assert",
        Token::Mock => "mock",
        Token::CheckBang => "check!",
        Token::InterpOpen => "\\{",
        Token::InterpClose => "}",
        Token::InterpStart | Token::InterpEnd => "\"",
        Token::LParen => "(",
        Token::RParen => ")",
        Token::LBrace => "{",
        Token::RBrace => "}",
        Token::LBracket => "[",
        Token::RBracket => "]",
        Token::Comma => ",",
        Token::Semi => ";",
        Token::Colon => ":",
        Token::ColonColon => "::",
        Token::Dot => ".",
        Token::DotDot => "..",
        Token::Arrow => "->",
        Token::FatArrow => "=>",
        Token::Question => "?",
        Token::Bang => "!",
        Token::Eq => "=",
        Token::EqEq => "==",
        Token::NotEq => "!=",
        Token::Lt => "<",
        Token::LtEq => "<=",
        Token::Gt => ">",
        Token::GtEq => ">=",
        Token::Plus => "+",
        Token::Minus => "-",
        Token::Star => "*",
        Token::Slash => "/",
        Token::Percent => "%",
        Token::Amp => "&",
        Token::Pipe => "|",
        Token::Caret => "^",
        Token::Shl => "<<",
        Token::Shr => ">>",
        Token::ShrU => ">>>",
        Token::PlusEq => "+=",
        Token::MinusEq => "-=",
        Token::StarEq => "*=",
        Token::SlashEq => "/=",
        Token::PercentEq => "%=",
        Token::AmpEq => "&=",
        Token::PipeEq => "|=",
        Token::CaretEq => "^=",
        Token::ShlEq => "<<=",
        Token::ShrEq => ">>=",
        Token::At => "@",
        _ => "token",
    }
}

/// Tokens that can only continue an expression (none starts one).
fn is_binary_operator(token: &Token) -> bool {
    matches!(
        token,
        Token::Or
            | Token::And
            | Token::Pipe
            | Token::Caret
            | Token::Amp
            | Token::EqEq
            | Token::NotEq
            | Token::Lt
            | Token::LtEq
            | Token::Gt
            | Token::GtEq
            | Token::Shl
            | Token::Shr
            | Token::ShrU
            | Token::Plus
            | Token::Star
            | Token::Slash
            | Token::Percent
            | Token::As
            | Token::Dot
            | Token::Question
    )
}

/// Operators and postfix tokens, which may follow any expression.
const CONTINUES_EXPRESSION: &[&str] = &[
    "or", "and", "|", "^", "&", "==", "!=", "<", "<=", ">", ">=", "<<", ">>", ">>>", "+", "-", "*", "/", "%", "as",
    ".", "?", "(", "[",
];

/// Renders lalrpop's expected-token list (`"\"ident\""`, `"\";\""`) for humans.
fn expected_list(expected: &[String]) -> String {
    // Tokens that would continue an expression (`or`, `+`, `.`, ...) are
    // noise next to the token that would end it (`{`, `;`).
    let ends: Vec<&String> = expected.iter().filter(|e| !CONTINUES_EXPRESSION.contains(&e.trim_matches('"'))).collect();
    let expected: Vec<&String> = if ends.is_empty() { expected.iter().collect() } else { ends };
    let mut names: Vec<String> = expected
        .iter()
        .map(|e| {
            let bare = e.trim_matches('"');
            match bare {
                "ident" => "an identifier".to_string(),
                "int" => "an integer".to_string(),
                "float" => "a float".to_string(),
                "string" => "a string".to_string(),
                "char" => "a char".to_string(),
                "version" => "a version".to_string(),
                "reserved" => "a keyword".to_string(),
                "interp_start" | "interp_end" => "`\"`".to_string(),
                "interp_open" => "`\\{`".to_string(),
                "interp_close" => "`}`".to_string(),
                "interp_text" => "text".to_string(),
                other => format!("`{other}`"),
            }
        })
        .collect();
    names.sort();
    names.dedup();
    if names.len() > 8 {
        // A long list helps nobody; the common cases are short.
        return String::new();
    }
    match names.len() {
        0 => String::new(),
        1 => names.remove(0),
        _ => {
            let last = names.pop().unwrap_or_default();
            format!("{} or {}", names.join(", "), last)
        }
    }
}

/// The end of the last token before offset `at` (for "expected `;`" labels).
fn previous_token_end(tokens: &[(u32, u32)], at: u32) -> Option<u32> {
    let index = tokens.partition_point(|(start, _)| *start < at);
    index.checked_sub(1).map(|i| tokens[i].1)
}

fn syntax_error(error: ParseError<u32, Token, SyntaxError>, source: &str, tokens: &[(u32, u32)]) -> Diagnostic {
    match error {
        ParseError::InvalidToken { location } => {
            Diagnostic::error("syntax-error", "invalid token", Span::new(location, location), "here")
        }
        ParseError::UnrecognizedEof { location, expected } => {
            let end = source.len() as u32;
            let location = location.min(end);
            let list = expected_list(&expected);
            let mut d = Diagnostic::error(
                "unexpected-eof",
                "unexpected end of file",
                Span::new(location, location),
                if list.is_empty() { "the file ends here".to_string() } else { format!("expected {list}") },
            );
            if expected.iter().any(|e| e == "\"}\"") {
                d = d.with_help("a block is missing its closing `}`");
            }
            d
        }
        ParseError::UnrecognizedToken { token: (l, token, r), expected }
            if expected.iter().any(|e| e == "\";\"") && previous_token_end(tokens, l).is_some_and(|end| end < l) =>
        {
            // A missing `;` is best shown right after the previous token.
            let end = previous_token_end(tokens, l).unwrap_or(l);
            Diagnostic::error(
                "syntax-error",
                format!("expected `;`, found {}", describe(&token)),
                Span::new(end, end),
                "expected `;` here",
            )
            .with_label(Span::new(l, r), "unexpected token")
            .with_help("statements end with `;`")
        }
        ParseError::UnrecognizedToken { token: (l, token, r), expected } => {
            let mut list = expected_list(&expected);
            if list.is_empty() && expected.iter().any(|e| e == "\"int\"") && expected.iter().any(|e| e == "\"ident\"") {
                list = "an expression".to_string();
            }
            let found = describe(&token);
            let mut d = Diagnostic::error(
                "syntax-error",
                if list.is_empty() { format!("unexpected {found}") } else { format!("expected {list}, found {found}") },
                Span::new(l, r),
                if list.is_empty() { "unexpected here".to_string() } else { format!("expected {list}") },
            );
            let after_brace = previous_token_end(tokens, l)
                .and_then(|end| source.get(end.saturating_sub(1) as usize..end as usize))
                .is_some_and(|text| text == "}");
            if let Some(word) = keyword(&token) {
                d = d.with_help(format!("`{word}` is a keyword; write `%{word}` to use it as a name"));
            } else if after_brace && is_binary_operator(&token) {
                d = d.with_help(
                    "an `if`, `match` or block that starts a statement is a statement; to use its value in an expression, put it in parentheses",
                );
            } else if expected.iter().any(|e| e == "\";\"") && list.contains("`;`") {
                d = d.with_help("statements end with `;`");
            }
            d
        }
        ParseError::ExtraToken { token: (l, token, r) } => Diagnostic::error(
            "syntax-error",
            format!("unexpected {}", describe(&token)),
            Span::new(l, r),
            "unexpected here",
        ),
        ParseError::User { error: SyntaxError::ChainedComparison { first, second } } => {
            Diagnostic::error("syntax-error", "comparisons do not chain", second, "a second comparison")
                .with_label(first, "after this one")
                .with_help("compare twice and join the results with `and`, as in `a < b and b < c`")
        }
    }
}
