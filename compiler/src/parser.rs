//! The parser: tokens to [`ast::File`], reporting every syntax error.
//!
//! The file is split into one chunk of tokens per item (`item_chunks`), each
//! parsed on its own, so a mistake inside an item stays inside it. The
//! grammar (`grammar.lalrpop`) recovers at item and statement level,
//! so a file with several independent mistakes yields one diagnostic for
//! each and a tree with `Error` nodes where the mistakes were. A large file
//! is lexed and parsed in two parts on two threads ([`parse`]), with the
//! same result as parsing it whole.

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
type Recovered<'a> = ErrorRecovery<u32, Token<'a>, SyntaxError>;

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
    errors: &mut Vec<Recovered<'_>>,
) -> ast::Expr {
    // Most operators (`a * b + c`, `x + 1`) go on top of the chain: build
    // that node straight from `lhs`, without a placeholder.
    let on_top = match &lhs.kind {
        ast::ExprKind::Binary { op: inner, .. } => {
            inner.precedence() > op.0.precedence() || (inner.precedence() == op.0.precedence() && !op.0.is_comparison())
        }
        _ => true,
    };
    if on_top {
        let span = Span::new(lhs.span.start, rhs.span.end);
        return ast::Expr {
            kind: ast::ExprKind::Binary { op: op.0, op_span: op.1, lhs: Box::new(lhs), rhs: Box::new(rhs) },
            span,
        };
    }
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
///
/// A large file is lexed and parsed in two parts on two threads, split
/// where a line starts a new item right after a `}` ([`split_point`]); the
/// result is the same as parsing it whole (if the first part shows that the
/// split was not between two items after all, the file is parsed whole).
pub fn parse(source: &str) -> Parsed {
    parse_with(source, true)
}

/// [`parse`], in two parts when `parallel` and the file is large.
fn parse_with(source: &str, parallel: bool) -> Parsed {
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
    let parts = split_point(source).filter(|_| parallel).and_then(|split| {
        let (first, second) = std::thread::scope(|scope| {
            let second = std::thread::Builder::new()
                .stack_size(PART_STACK)
                .spawn_scoped(scope, || parse_part(source, split.at..source.len(), Some(split.before), None))
                .ok()?;
            let first = parse_part(source, 0..split.at, None, Some(&split.first));
            // A panic in the second part is the parser's own; let it show.
            Some((first, second.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))))
        })?;
        // The parts are those of the whole file when the first ends with the
        // `}` the split was chosen after, and the second starts with the item
        // keyword it was chosen before (see `split_point`).
        let joins = first.last == Some(split.before) && second.first.as_ref() == Some(&split.first);
        joins.then_some([first, second])
    });
    let parts = match parts {
        Some(parts) => Vec::from(parts),
        None => vec![parse_part(source, 0..source.len(), None, None)],
    };
    // The same order as parsing the file whole: lexical errors, then syntax
    // errors item by item.
    let mut diagnostics = Vec::new();
    let (mut items, mut docs, mut comments, mut syntax) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for part in parts {
        diagnostics.extend(part.lex_diagnostics);
        syntax.extend(part.diagnostics);
        items.extend(part.items);
        docs.extend(part.docs);
        comments.extend(part.comments);
    }
    diagnostics.append(&mut syntax);
    let mut file = ast::File { items, recovered_names: Vec::new() };
    attach_docs(&mut file, &docs);
    file.recovered_names = recovered_names(&file, source);
    diagnostics.sort_by_key(|d| d.primary_span());
    // Recovery can report the same position twice (once for the error, once
    // for the token that ended the recovery); keep the first.
    diagnostics.dedup_by(|a, b| a.primary_span() == b.primary_span() && a.code == b.code);
    Parsed { file, diagnostics, comments }
}

/// Below this many bytes a file is parsed on one thread: starting a thread
/// costs about as much as parsing a few kilobytes.
const PARALLEL_MIN_BYTES: usize = 32 * 1024;

/// The stack of the thread that parses the second part, as large as the
/// one `clawc` works on: error recovery drops what it skips, and dropping a
/// deeply nested statement is recursive. Only the pages used are committed.
const PART_STACK: usize = 1 << 30;

/// Where [`parse`] splits a large file in two.
struct Split {
    /// The byte offset of the second part: the start of a line that starts
    /// with an item keyword.
    at: usize,
    /// The span of the `}` that ends the first part (only whitespace
    /// follows it before `at`).
    before: (u32, u32),
    /// The keyword token that starts the second part.
    first: (u32, Token<'static>, u32),
}

/// A line near the middle of `source` that starts with one of the item
/// keywords below after a line whose last non-blank character is `}`.
/// When that `}` is a token (not inside a string or comment, which the
/// first part's lexer shows), it closes the item before, and the lexer,
/// which keeps no state across a `}`, would read the second part exactly as
/// it does when lexing it on its own; `item_chunks` starts a chunk at that
/// keyword either way. `None` for small files or without such a line.
fn split_point(source: &str) -> Option<Split> {
    const KEYWORDS: &[(&str, Token<'static>)] = &[
        ("export ", Token::Export),
        ("func ", Token::Func),
        ("import ", Token::Import),
        ("record ", Token::Record),
        ("variant ", Token::Variant),
        ("enum ", Token::Enum),
        ("flags ", Token::Flags),
        ("type ", Token::Type),
        ("resource ", Token::Resource),
    ];
    if source.len() < PARALLEL_MIN_BYTES {
        return None;
    }
    let bytes = source.as_bytes();
    let mut search = source.len() / 2;
    while let Some(newline) = bytes[search..].iter().position(|b| *b == b'\n') {
        let at = search + newline + 1;
        search = at;
        let line = &source[at..];
        let Some((word, token)) = KEYWORDS.iter().find(|(word, _)| line.starts_with(word)) else { continue };
        let before = source[..at].trim_end_matches([' ', '\t', '\r', '\n', '\x0c']);
        if before.ends_with('}') {
            let brace = before.len() as u32 - 1;
            let end = (at + word.len() - 1) as u32;
            return Some(Split { at, before: (brace, brace + 1), first: (at as u32, token.clone(), end) });
        }
    }
    None
}

/// One part of a file, lexed and parsed.
struct Part<'a> {
    /// Its items.
    items: Vec<ast::Item>,
    /// Its lexical errors.
    lex_diagnostics: Vec<Diagnostic>,
    /// Its syntax errors, item by item.
    diagnostics: Vec<Diagnostic>,
    /// Its doc comments.
    docs: Vec<lexer::DocLine>,
    /// Its comments' spans.
    comments: Vec<Span>,
    /// The span of its first token, and the token.
    first: Option<(u32, Token<'a>, u32)>,
    /// The span of its last token when that is a `}`.
    last: Option<(u32, u32)>,
}

/// Lexes and parses `source[range]` (see [`lexer::lex_range`]). `before` is
/// the span of the token before the range, if any; `after`, the token after
/// it (the first of the next part), for errors at the end of the last item.
fn parse_part<'a>(
    source: &'a str,
    range: std::ops::Range<usize>,
    before: Option<(u32, u32)>,
    after: Option<&(u32, Token<'a>, u32)>,
) -> Part<'a> {
    let lexed = lexer::lex_range(source, range);
    let mut diagnostics = Vec::new();
    let mut recovered: Vec<Recovered<'a>> = Vec::new();
    // Only the tokens' positions are kept, for placing "expected `;`" labels.
    let positions: Vec<(u32, u32)> =
        before.into_iter().chain(lexed.tokens.iter().map(|(start, _, end)| (*start, *end))).collect();
    let first = lexed.tokens.first().cloned();
    let last = match lexed.tokens.last() {
        Some((l, Token::RBrace, r)) => Some((*l, *r)),
        _ => None,
    };
    let chunks = item_chunks(&lexed.tokens, source);
    // The first token of each chunk, for errors at the end of the one before.
    let firsts: Vec<(u32, Token<'a>, u32)> = chunks.iter().map(|c| lexed.tokens[c.start].clone()).collect();
    let parser = grammar::ChunkParser::new();
    let mut items = Vec::new();
    let mut tokens = lexed.tokens.into_iter();
    // `positions` starts with `before`'s, then those of the tokens.
    let offset = usize::from(before.is_some());
    for (k, chunk) in chunks.iter().enumerate() {
        let next = firsts.get(k + 1).or(after);
        let before = recovered.len();
        let span = match (
            positions.get(chunk.start + offset),
            chunk.end.checked_sub(1).and_then(|last| positions.get(last + offset)),
        ) {
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
    Part {
        items,
        lex_diagnostics: lexed.diagnostics,
        diagnostics,
        docs: lexed.docs,
        comments: lexed.comments,
        first,
        last,
    }
}

/// Splits the tokens into chunks of one item each. A chunk starts at a token
/// that starts an item (`func`, `let`, `import`, `export`, `record`, ...)
/// outside any brackets, or at one of those keywords other than `let` that
/// begins a line even inside brackets (an earlier item missing its `}`);
/// a `func` after `:` or `export` and anything after `export` belong to the
/// item they are in. Tokens before the first item form a chunk of their own.
fn item_chunks(tokens: &[(u32, Token<'_>, u32)], source: &str) -> Vec<std::ops::Range<usize>> {
    let mut chunks = Vec::new();
    let mut start = 0;
    let mut depth: u32 = 0;
    let mut previous: Option<&Token<'_>> = None;
    for (i, (offset, token, _)) in tokens.iter().enumerate() {
        // Whether the token starts a line is looked at only for an item keyword.
        let line_start =
            || source.get(..*offset as usize).is_some_and(|before| before.is_empty() || before.ends_with('\n'));
        if i > start && starts_item(previous, token) && (depth == 0 || (*token != Token::Let && line_start())) {
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
fn starts_item(previous: Option<&Token<'_>>, token: &Token<'_>) -> bool {
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
fn at_chunk_end<'a>(
    error: ParseError<u32, Token<'a>, SyntaxError>,
    next: Option<&(u32, Token<'a>, u32)>,
) -> ParseError<u32, Token<'a>, SyntaxError> {
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
        let inside: Vec<&Token<'_>> = relexed.tokens.iter().map(|(_, t, _)| t).collect();
        for window in inside.windows(3) {
            let name = match window {
                [Token::Let | Token::Func | Token::Import, Token::Ident(name), _] => name,
                [Token::Let, Token::Mut, Token::Ident(name)] => name,
                _ => continue,
            };
            names.push(name.to_string());
        }
        if let [.., Token::Let | Token::Func | Token::Import, Token::Ident(name)] = inside.as_slice() {
            names.push(name.to_string());
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

fn describe(token: &Token<'_>) -> String {
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
fn keyword(token: &Token<'_>) -> Option<&'static str> {
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
fn token_text(token: &Token<'_>) -> &'static str {
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
fn is_binary_operator(token: &Token<'_>) -> bool {
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

fn syntax_error(error: ParseError<u32, Token<'_>, SyntaxError>, source: &str, tokens: &[(u32, u32)]) -> Diagnostic {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs `f` on a thread with a stack as large as `clawc`'s: unoptimized,
    /// logos's lexer takes stack for every byte of a long string literal.
    fn with_big_stack(f: impl FnOnce() + Send + 'static) {
        let thread = std::thread::Builder::new().stack_size(PART_STACK).spawn(f).expect("thread");
        thread.join().expect("no panic");
    }

    /// Parses `source` in two parts and whole, and checks that both give the
    /// same tree, diagnostics and comments; returns whether it was split.
    fn same_either_way(source: &str) -> bool {
        let split = split_point(source).is_some();
        let parallel = parse_with(source, true);
        let whole = parse_with(source, false);
        assert_eq!(format!("{parallel:?}"), format!("{whole:?}"));
        split
    }

    /// Every `.claw` file under `dir` (recursively), in path order.
    fn claw_files(dir: &std::path::Path, out: &mut Vec<String>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir).into_iter().flatten().flatten().map(|e| e.path()).collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                claw_files(&path, out);
            } else if path.extension().is_some_and(|e| e == "claw") {
                out.push(std::fs::read_to_string(&path).unwrap_or_default());
            }
        }
    }

    #[test]
    fn two_parts_parse_like_the_whole_file() {
        with_big_stack(two_parts_parse_like_the_whole_file_inner);
    }

    fn two_parts_parse_like_the_whole_file_inner() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut files = Vec::new();
        for dir in ["tests/ui", "tests/run", "examples"] {
            claw_files(&root.join(dir), &mut files);
        }
        assert!(files.len() > 100, "found only {} .claw files", files.len());
        // All the files one after another (syntax errors and all), and each
        // file behind a large valid program so that it straddles the split.
        let all = files.join("\n");
        assert!(same_either_way(&all));
        let program: String = (0..300)
            .map(|i| {
                format!(
                    "/// Doc {i}.\nexport func f{i}(a: u64) -> u64 {{\n    let b = a * {i} + 1;\n    return b;\n}}\n\n"
                )
            })
            .collect();
        let mut split = 0;
        for file in &files {
            split += usize::from(same_either_way(&format!("{program}{file}\n{program}")));
        }
        assert!(split > 100);
    }

    #[test]
    fn a_split_inside_a_string_or_comment_parses_the_file_whole() {
        with_big_stack(a_split_inside_a_string_or_comment_parses_the_file_whole_inner);
    }

    fn a_split_inside_a_string_or_comment_parses_the_file_whole_inner() {
        let program: String =
            (0..600).map(|i| format!("export func f{i}(a: u64) -> u64 {{\n    return a + {i};\n}}\n\n")).collect();
        // Lines a split could be made before, each after a `}` line.
        let inner = "}\nexport func g() {}\n}\nfunc h() {}\n".repeat(4);
        for middle in [
            format!("export func s() -> string {{\n    return \"{inner}{inner}\";\n}}\n"),
            format!("/* {inner}{inner} */\n"),
            format!("export func s() -> string {{\n    return \"{inner}{inner}\n"),
            format!("/* {inner}{inner}\n"),
            "// }\nexport func s() { let x: list<list<u8>> = []; }\n".to_string(),
            "export func s() { let x = 1 }\nexport func t() { 1 + }\n}\n}\nexport func u() {}\n".to_string(),
        ] {
            let middle = middle.repeat(8);
            let source = format!("{program}{middle}{program}");
            // The split falls inside `middle`.
            let split = split_point(&source).map(|s| s.at);
            assert!(split.is_some_and(|at| at > program.len() && at < program.len() + middle.len()));
            same_either_way(&source);
        }
    }
}
