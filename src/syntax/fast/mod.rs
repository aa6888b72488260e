//! The hand-written parser of one item: the fast path of
//! [`parse_file`](super::parse_file), with pest as its fallback.
//!
//! It builds exactly the syntax tree pest and [`lower`](super::lower) build
//! (same values, same spans, same doc comments) for the items it accepts,
//! and says `None` ("not mine") for everything else: an item pest refuses, an
//! item whose lowering reports something (a clause written twice), or
//! anything it was not written for. `None` costs only time: the caller
//! parses the item again with pest, which gives the syntax errors and their
//! diagnostics as always. So it must never accept what pest refuses, nor
//! build a different tree: `tests/parser_differential.rs` and the `parser`
//! fuzz target hold it to that.
//!
//! It follows `grammar/privet.pest` rule for rule, as a PEG: alternatives in
//! order, repetitions greedy, no backtracking into an optional that
//! matched. The spans are pest's, including its one quirk: pest's implicit
//! whitespace (and comments) between two elements of a sequence is part of
//! the rule when what follows it matched nothing, so a rule that ends with
//! an absent optional part ends after the blank and the comments that
//! follow it. [`Parser::span`] trims trailing whitespace as
//! [`lower`](super::lower) does, so a comment stays in, as with pest.
//!
//! The grammar has no recursive rule, and neither has this parser: its depth
//! is bounded by the grammar's, whatever the input. Offsets are checked
//! (`get`), never indexed.

mod clauses;
mod items;
mod lexer;

use crate::ast::{Ident, Item, Text};
use crate::source::{FileId, Span, offset_u32};
use lexer::Lexer;

/// A parsed element and the offset where pest's match of it ends.
type Parsed<T> = Option<(T, usize)>;

/// Parses one item's text (a chunk of a file, starting at `base`) with the
/// hand parser; `None` when pest must have the last word.
pub(super) fn parse_item(file: FileId, base: usize, text: &str) -> Option<Item> {
    Parser {
        lexer: Lexer::new(text),
        file,
        base,
    }
    .item()
}

struct Parser<'a> {
    lexer: Lexer<'a>,
    file: FileId,
    /// Where the item's text starts in its file.
    base: usize,
}

impl Parser<'_> {
    /// pest's implicit whitespace and comments.
    fn skip(&self, at: usize) -> usize {
        self.lexer.skip(at)
    }

    /// The span of a token, which never ends in whitespace.
    fn exact(&self, start: usize, end: usize) -> Span {
        Span::new(
            self.file,
            offset_u32(self.base + start),
            offset_u32(self.base + end),
        )
    }

    /// The span of a rule that ends at `end` as pest matched it: trailing
    /// whitespace trimmed off, as [`lower`](super::lower) does.
    fn span(&self, start: usize, end: usize) -> Span {
        let text = self.lexer.slice(start, end);
        self.exact(start, start + text.trim_end().len())
    }

    /// The first line of a rule, without a trailing comment: what
    /// [`lower`](super::lower) calls its head.
    fn head(&self, start: usize, end: usize) -> Span {
        let text = self.lexer.slice(start, end);
        let first_line = text.split('\n').next().unwrap_or(text);
        let first_line = match super::split::comment_start(first_line) {
            Some(comment) => first_line.get(..comment).unwrap_or(first_line),
            None => first_line,
        };
        self.exact(start, start + first_line.trim_end().len())
    }

    /// A keyword: the offset after it.
    fn keyword(&self, at: usize, keyword: &str) -> Option<usize> {
        self.lexer.keyword(at, keyword)
    }

    /// Keywords one after another, with pest's whitespace between them.
    fn keywords(&self, at: usize, keywords: &[&str]) -> Option<usize> {
        let mut end = at;
        for (index, keyword) in keywords.iter().enumerate() {
            let start = if index == 0 { end } else { self.skip(end) };
            end = self.keyword(start, keyword)?;
        }
        Some(end)
    }

    /// `e?` at `at`: the value, or nothing and `at`.
    fn opt<T>(&self, at: usize, parsed: Parsed<T>) -> (Option<T>, usize) {
        match parsed {
            Some((value, end)) => (Some(value), end),
            None => (None, at),
        }
    }

    /// `e*` at `at`: pest's whitespace before every repetition but the
    /// first, and none after the last. `None` if an element matched empty
    /// text (pest would loop forever; no rule of the grammar does).
    fn rep<T>(&self, at: usize, mut element: impl FnMut(usize) -> Parsed<T>) -> Parsed<Vec<T>> {
        let mut found = Vec::new();
        let Some((first, mut end)) = element(at) else {
            return Some((found, at));
        };
        if end <= at {
            return None;
        }
        found.push(first);
        loop {
            let start = self.skip(end);
            match element(start) {
                Some((next, next_end)) => {
                    if next_end <= start {
                        return None;
                    }
                    found.push(next);
                    end = next_end;
                }
                None => return Some((found, end)),
            }
        }
    }

    /// `name`
    fn name(&self, at: usize) -> Parsed<Ident> {
        let end = self.lexer.name(at)?;
        Some((
            Ident {
                text: self.lexer.slice(at, end).to_string(),
                span: self.exact(at, end),
            },
            end,
        ))
    }

    /// `string`, its escapes undone.
    fn string(&self, at: usize) -> Parsed<Text> {
        let (end, escaped) = self.lexer.string(at)?;
        let body = self.lexer.slice(at + 1, end - 1);
        let value = if escaped {
            super::lower::unescape(body)
        } else {
            body.to_string()
        };
        Some((
            Text {
                value,
                span: self.exact(at, end),
            },
            end,
        ))
    }

    /// A token taken as text: a date, an age, a number or a unit.
    fn token_text(&self, start: usize, end: usize) -> Text {
        Text {
            value: self.lexer.slice(start, end).to_string(),
            span: self.exact(start, end),
        }
    }

    /// `item = { SOI ~ doc* ~ item_body ~ EOI }`
    fn item(&self) -> Option<Item> {
        let (docs, end) = self.rep(self.skip(0), |at| self.doc(at))?;
        let start = self.skip(end);
        let (kind, keyword_end, end) = self.item_body(start)?;
        if self.skip(end) != self.lexer.len() {
            return None;
        }
        Some(Item {
            docs,
            kind,
            span: self.span(start, end),
            keyword: self.exact(start, keyword_end),
            head: self.head(start, end),
            recovered: false,
        })
    }

    /// `doc`, its text as [`lower`](super::lower) keeps it: after the
    /// slashes, without one leading space or a trailing carriage return.
    fn doc(&self, at: usize) -> Parsed<Text> {
        let end = self.lexer.doc(at)?;
        let text = self.lexer.slice(at, end);
        let text = text.get(3..).unwrap_or("");
        let text = text.strip_suffix('\r').unwrap_or(text);
        Some((
            Text {
                value: text.strip_prefix(' ').unwrap_or(text).to_string(),
                span: self.span(at, end),
            },
            end,
        ))
    }
}
