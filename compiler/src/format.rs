//! The formatter: one canonical layout for Claw source (`clawc fmt`, and the
//! language server's formatting).
//!
//! [`format`] parses the file, refuses it if it has syntax errors, and
//! prints the syntax tree again with the layout rules of the book's
//! "Formatting" section. The tree does not hold comments, so the lexer keeps
//! every comment's span as trivia ([`crate::lexer::Lexed::comments`]) and the
//! printer puts each one back where it was: before the item, statement, arm,
//! field or element that follows it, or after the one it trails on the same
//! line. Leaves (names, literals, types) are copied from the source, so
//! `0x2a`, `1_000`, `%type` and string escapes are kept as written; only
//! whitespace, commas at the end of lists and arms, and the layout change.
//!
//! Layout is Wadler-style: the printer builds a document of text, line
//! breaks and groups with the `pretty` crate, which puts a group on one line
//! when it fits in [`WIDTH`] columns and breaks every line of the group
//! otherwise. The files here decide the layout: `format/items.rs` (items),
//! `format/stmts.rs` (blocks and statements) and `format/exprs.rs`
//! (expressions, types and patterns).

mod exprs;
mod items;
mod stmts;

use crate::diagnostic::{Diagnostic, Severity};
use crate::parser;
use crate::span::Span;
use pretty::{Arena, DocAllocator, DocBuilder};

/// The line width the formatter fits lines into, in columns (chars).
pub const WIDTH: usize = 100;

/// Spaces per indentation level.
const INDENT: isize = 4;

/// Formats `source` in the canonical layout.
///
/// The result always ends in exactly one newline, has no trailing
/// whitespace, and parses to the same program (formatting changes only
/// whitespace and optional commas). Formatting it again gives the same text.
///
/// # Errors
/// The file's lexical and syntax errors when it has any: a file that does
/// not parse is not formatted.
pub fn format(source: &str) -> Result<String, Vec<Diagnostic>> {
    let parsed = parser::parse(source);
    if parsed.diagnostics.iter().any(|d| d.severity == Severity::Error) {
        return Err(parsed.diagnostics);
    }
    let arena = Arena::new();
    let mut printer = Printer { arena: &arena, src: source, comments: parsed.comments, next: 0 };
    let doc = printer.file(&parsed.file);
    let mut out = Writer::default();
    if doc.1.render_raw(WIDTH, &mut out).is_err() {
        // The documents built here contain no `fail`, so this cannot happen;
        // returning the source unchanged keeps even a bug harmless.
        return Ok(source.to_string());
    }
    Ok(out.finish())
}

/// A document under construction.
type Doc<'a> = DocBuilder<'a, Arena<'a>>;

/// Builds the document for one file. Comments are handed out in source
/// order: `next` is the first one not yet printed.
struct Printer<'a> {
    arena: &'a Arena<'a>,
    src: &'a str,
    comments: Vec<Span>,
    next: usize,
}

/// A run of entities laid out one per line (items, statements, members,
/// arms, fields): the docs so far and where the last printed thing ended.
struct Lines<'a> {
    docs: Vec<(bool, Doc<'a>)>,
    /// The source offset where the last entity or comment ended.
    last_end: u32,
}

impl<'a> Printer<'a> {
    fn nil(&self) -> Doc<'a> {
        self.arena.nil()
    }

    fn text(&self, s: &'static str) -> Doc<'a> {
        self.arena.text(s)
    }

    fn hardline(&self) -> Doc<'a> {
        self.arena.hardline()
    }

    /// Concatenates `docs` as a balanced tree, so that long sequences do not
    /// make deep documents.
    fn concat(&self, mut docs: Vec<Doc<'a>>) -> Doc<'a> {
        match docs.len() {
            0 => self.nil(),
            1 => docs.pop().unwrap_or_else(|| self.nil()),
            n => {
                let right = docs.split_off(n / 2);
                let left = self.concat(docs);
                left.append(self.concat(right))
            }
        }
    }

    /// The number of line breaks in the source between `from` and `to`.
    fn newlines(&self, from: u32, to: u32) -> usize {
        self.src.get(from as usize..to as usize).map_or(0, |s| s.bytes().filter(|b| *b == b'\n').count())
    }

    /// A comment's text: a line comment without trailing whitespace, a block
    /// comment with none at the end of its lines.
    fn comment_text(&self, span: Span) -> Doc<'a> {
        let text = &self.src[span.range()];
        if text.contains('\n') {
            let lines: Vec<&str> = text.lines().map(str::trim_end).collect();
            self.arena.text(lines.join("\n"))
        } else {
            self.arena.text(text.trim_end())
        }
    }

    fn is_line_comment(&self, span: Span) -> bool {
        self.src[span.range()].starts_with("//")
    }

    /// The next comment if it starts before `pos`.
    fn comment_before(&self, pos: u32) -> Option<Span> {
        self.comments.get(self.next).copied().filter(|c| c.start < pos)
    }

    /// A leaf copied from the source, after any comments that come before it
    /// (comments inside an expression stay inline: a block comment followed by
    /// a space, a line comment followed by a line break).
    fn tok(&mut self, span: Span) -> Doc<'a> {
        let before = self.inline_comments(span.start);
        before.append(self.arena.text(&self.src[span.range()]))
    }

    /// The comments before `pos` that are not yet printed, inline.
    fn inline_comments(&mut self, pos: u32) -> Doc<'a> {
        let mut docs = Vec::new();
        while let Some(c) = self.comment_before(pos) {
            self.next += 1;
            docs.push(self.comment_text(c));
            docs.push(if self.is_line_comment(c) { self.hardline() } else { self.text(" ") });
        }
        self.concat(docs)
    }

    /// Starts a run of lines after the opening bracket that ends at `open_end`.
    fn lines(&self, open_end: u32) -> Lines<'a> {
        Lines { docs: Vec::new(), last_end: open_end }
    }

    /// Prints the comments before `pos` as lines of their own, then notes
    /// whether a blank line separates the entity at `pos` from what came
    /// before it. Returns that flag.
    fn before_entity(&mut self, lines: &mut Lines<'a>, pos: u32) -> bool {
        while let Some(c) = self.comment_before(pos) {
            self.next += 1;
            let blank = !lines.docs.is_empty() && self.newlines(lines.last_end, c.start) >= 2;
            let doc = self.comment_text(c);
            lines.docs.push((blank, doc));
            lines.last_end = c.end;
        }
        !lines.docs.is_empty() && self.newlines(lines.last_end, pos) >= 2
    }

    /// Adds an entity that ends at `end`, with `blank` from
    /// [`Printer::before_entity`]: first any comment left inside it (after its
    /// last leaf), then the comments that trail it on its last line.
    fn push_entity(&mut self, lines: &mut Lines<'a>, blank: bool, doc: Doc<'a>, end: u32) {
        let mut doc = doc;
        if self.comment_before(end).is_some() {
            let inner = self.trailing_inline(end);
            doc = doc.append(inner);
        }
        let (trailing, last) = self.trailing(end);
        lines.docs.push((blank, doc.append(trailing)));
        lines.last_end = last;
    }

    /// Comments before `end` that are left over inside an entity, printed
    /// after it on its line.
    fn trailing_inline(&mut self, end: u32) -> Doc<'a> {
        let mut docs = Vec::new();
        while let Some(c) = self.comment_before(end) {
            self.next += 1;
            docs.push(self.text(" "));
            docs.push(self.comment_text(c));
        }
        self.concat(docs)
    }

    /// `end`, moved past the `,` or `;` that follows it, if one does (over
    /// whitespace only): where an entity's line really ends.
    fn after_separator(&self, end: u32) -> u32 {
        let rest = &self.src[end as usize..];
        let trimmed = rest.trim_start();
        if trimmed.starts_with([',', ';']) {
            let skipped = rest.len() - trimmed.len() + 1;
            let stop = end + skipped as u32;
            // Never past a comment that starts before the separator.
            if self.comments.get(self.next).is_none_or(|c| c.start >= stop) {
                return stop;
            }
        }
        end
    }

    /// The comments that start on the same line as `end`, after it (and after
    /// the `,` or `;` that follows it), printed after a space; and where the
    /// last ended.
    fn trailing(&mut self, end: u32) -> (Doc<'a>, u32) {
        let mut docs = Vec::new();
        let mut last = self.after_separator(end);
        while let Some(c) = self.comments.get(self.next).copied() {
            if c.start < last {
                break;
            }
            let gap = &self.src[last as usize..c.start as usize];
            if gap.contains('\n') || !gap.trim().is_empty() {
                break;
            }
            self.next += 1;
            docs.push(self.text(" "));
            docs.push(self.comment_text(c));
            last = c.end;
        }
        (self.concat(docs), last)
    }

    /// Ends a run of lines before the closing bracket at `close`: the
    /// comments left before it become lines of their own. The lines are
    /// joined with line breaks (two where the source had a blank line).
    fn finish_lines(&mut self, mut lines: Lines<'a>, close: u32) -> Doc<'a> {
        self.before_entity(&mut lines, close);
        let mut docs = Vec::with_capacity(lines.docs.len() * 2);
        for (i, (blank, doc)) in lines.docs.into_iter().enumerate() {
            if i > 0 {
                docs.push(self.hardline());
                if blank {
                    docs.push(self.hardline());
                }
            }
            docs.push(doc);
        }
        self.concat(docs)
    }

    /// `open`, the lines indented on their own, and `close` on a line of its
    /// own; `open` and `close` together (`{}`) when there are no lines.
    fn braced_lines(&self, open: &'static str, body: Doc<'a>, empty: bool, close: &'static str) -> Doc<'a> {
        if empty {
            return self.text(open).append(self.text(close));
        }
        self.text(open)
            .append(self.hardline().append(body).nest(INDENT))
            .append(self.hardline())
            .append(self.text(close))
    }

    /// A comma-separated list between `open` and `close` (whose position is
    /// `close_pos`): on one line when it fits (`spaced` puts spaces inside the
    /// brackets), else one element per line with a trailing comma. Comments
    /// among the elements put them one per line. `min_comma` keeps the comma
    /// after a single element on one line (a one-element tuple, `(a,)`).
    #[allow(clippy::too_many_arguments)]
    fn list<T>(
        &mut self,
        open: &'static str,
        items: &[T],
        span_of: impl Fn(&T) -> Span,
        mut build: impl FnMut(&mut Self, &T) -> Doc<'a>,
        close: &'static str,
        close_pos: u32,
        spaced: bool,
        min_comma: bool,
    ) -> Doc<'a> {
        let start = self.next;
        let mut elements = Vec::with_capacity(items.len());
        let mut forced = false;
        let mut leadings = Vec::with_capacity(items.len());
        for item in items {
            let span = span_of(item);
            // Comments before an element go on lines of their own, but a
            // block comment on the element's line stays before it.
            let mut before = Vec::new();
            while let Some(c) = self.comment_before(span.start) {
                self.next += 1;
                before.push(c);
            }
            let inline_from = before
                .iter()
                .rposition(|c| self.is_line_comment(*c) || self.src[c.end as usize..span.start as usize].contains('\n'))
                .map_or(0, |i| i + 1);
            forced |= inline_from > 0;
            let leading: Vec<Doc<'a>> = before[..inline_from].iter().map(|c| self.comment_text(*c)).collect();
            let mut inline = Vec::new();
            for c in &before[inline_from..] {
                inline.push(self.comment_text(*c));
                inline.push(self.text(" "));
            }
            leadings.push(leading);
            let mut doc = self.concat(inline).append(build(self, item));
            if self.comment_before(span.end).is_some() {
                doc = doc.append(self.trailing_inline(span.end));
                forced = true;
            }
            let (trailing, _) = self.trailing(span.end);
            elements.push((doc, trailing));
        }
        let mut closing = Vec::new();
        while let Some(c) = self.comment_before(close_pos) {
            self.next += 1;
            closing.push(self.comment_text(c));
            forced = true;
        }
        forced |= self.has_line_comment(start);
        if elements.is_empty() && closing.is_empty() {
            return self.text(open).append(self.text(close));
        }
        let (line, soft) = if forced {
            (self.hardline(), self.hardline())
        } else if spaced {
            (self.arena.line(), self.arena.line())
        } else {
            (self.arena.line(), self.arena.line_())
        };
        let count = elements.len();
        let mut body = Vec::new();
        for (i, ((doc, trailing), leading)) in elements.into_iter().zip(leadings).enumerate() {
            if i > 0 {
                body.push(line.clone());
            }
            for comment in leading {
                body.push(comment);
                body.push(self.hardline());
            }
            body.push(doc);
            let last = i + 1 == count;
            if !last || (min_comma && count == 1) {
                body.push(self.text(","));
            } else {
                body.push(self.text(",").flat_alt(self.nil()));
            }
            body.push(trailing);
        }
        for comment in closing {
            if !body.is_empty() {
                body.push(self.hardline());
            }
            body.push(comment);
        }
        let inner = self.concat(body);
        self.text(open).append(soft.clone().append(inner).nest(INDENT)).append(soft).append(self.text(close)).group()
    }

    /// Whether a line comment was printed since comment `start`: it ends its
    /// line, so the list around it cannot be on one line.
    fn has_line_comment(&self, start: usize) -> bool {
        self.comments[start..self.next].iter().any(|c| self.is_line_comment(*c))
    }

    /// Prints `doc` on one line (for the expressions inside `\{...}`).
    fn flat(&self, doc: Doc<'a>) -> String {
        let mut out = Writer::default();
        match doc.1.render_raw(usize::MAX, &mut out) {
            Ok(()) => out.text,
            Err(()) => String::new(),
        }
    }
}

/// The output: drops the spaces the printer writes before a line break
/// (indentation of blank lines, a separator at the end of a line), so no
/// line ends in whitespace.
#[derive(Default)]
struct Writer {
    text: String,
    pending_spaces: usize,
}

impl Writer {
    /// The text with one final newline.
    fn finish(mut self) -> String {
        let trimmed = self.text.trim_end_matches(['\n', ' ']).len();
        self.text.truncate(trimmed);
        if !self.text.is_empty() {
            self.text.push('\n');
        }
        self.text
    }
}

impl pretty::Render for Writer {
    type Error = ();

    fn write_str(&mut self, s: &str) -> Result<usize, ()> {
        if !s.is_empty() && s.bytes().all(|b| b == b' ') {
            self.pending_spaces += s.len();
        } else if s == "\n" {
            self.pending_spaces = 0;
            self.text.push('\n');
        } else {
            self.text.extend(std::iter::repeat_n(' ', self.pending_spaces));
            self.pending_spaces = 0;
            self.text.push_str(s);
        }
        Ok(s.len())
    }

    fn fail_doc(&self) {}
}

impl pretty::RenderAnnotated<'_, ()> for Writer {
    fn push_annotation(&mut self, _: &()) -> Result<(), ()> {
        Ok(())
    }

    fn pop_annotation(&mut self) -> Result<(), ()> {
        Ok(())
    }
}
