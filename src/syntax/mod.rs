//! Source text to syntax tree: the item splitter, then for each item the
//! hand-written parser ([`fast`]) and, for every item it does not take, the
//! pest parser and the lowering of pest pairs into the owned
//! [`ast`](crate::ast). The grammar (`grammar/privet.pest`) is the
//! specification; the hand parser builds the same tree as pest and lowering
//! for the items it takes, and leaves every other item, each syntax error
//! included, to pest.
//!
//! This stage never looks a name up and never judges a value; it reports
//! `syntax-error` only. A broken item costs exactly one diagnostic and the
//! items around it are still lowered.

pub mod cache;
mod controls;
mod errors;
mod fast;
mod layout;
mod lower;
pub(crate) mod mentions;
mod recover;
pub mod split;

use crate::ast;
use crate::diagnostic::Diagnostic;
use crate::source::FileId;
use pest::Parser;

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/privet.pest"]
pub(crate) struct PrivetParser;

/// Items longer than this are refused without parsing: pest's parse tree
/// costs about fifteen bytes per input byte, and no real item is this long.
pub const MAX_ITEM_BYTES: usize = 8 * 1024 * 1024;

/// Parses one file into its items and comments, with a `syntax-error` for
/// each item that does not parse and a `control-character` for each string
/// or comment holding control characters.
pub fn parse_file(file: FileId, text: &str) -> (ast::File, Vec<Diagnostic>) {
    parse_file_with(file, text, parse_item)
}

/// [`parse_file`] with pest alone, the hand parser left out: what the
/// differential test and the benchmarks compare it with.
#[doc(hidden)]
pub fn parse_file_with_pest(file: FileId, text: &str) -> (ast::File, Vec<Diagnostic>) {
    parse_file_with(file, text, parse_item_with_pest_at)
}

/// The hand parser on the text of one item, alone in file 0: the item, or
/// `None` when it leaves the item to pest. For the differential test and
/// the `parser` fuzz target.
#[doc(hidden)]
pub fn parse_item_fast(text: &str) -> Option<ast::Item> {
    fast::parse_item(FileId(0), 0, text)
}

/// pest and lowering on the text of one item, alone in file 0, as
/// [`parse_file`] parses an item the hand parser leaves to pest.
#[doc(hidden)]
pub fn parse_item_with_pest(text: &str) -> (Option<ast::Item>, Vec<Diagnostic>) {
    let chunk = split::Chunk {
        start: 0,
        end: text.len(),
    };
    parse_item_with_pest_at(FileId(0), chunk, text)
}

type ItemParser = fn(FileId, split::Chunk, &str) -> (Option<ast::Item>, Vec<Diagnostic>);

fn parse_file_with(
    file: FileId,
    text: &str,
    parse_item: ItemParser,
) -> (ast::File, Vec<Diagnostic>) {
    let chunks = split::split(text);
    let (items, diagnostics) = parse_chunks(file, text, &chunks, parse_item);
    finish_file(file, text, items, diagnostics)
}

/// The items and diagnostics of `chunks`, in order; the list of items is
/// made as long as the chunks at once, not grown (doubling would leave up to
/// half of it unused for as long as the tree lives).
fn parse_chunks(
    file: FileId,
    text: &str,
    chunks: &[split::Chunk],
    parse_item: ItemParser,
) -> (Vec<ast::Item>, Vec<Diagnostic>) {
    let mut items = Vec::with_capacity(chunks.len());
    let mut diagnostics = Vec::new();
    let mut previous = None;
    for chunk in chunks {
        let Some(chunk_text) = text.get(chunk.start..chunk.end) else {
            continue;
        };
        let (item, found) = parse_item(file, *chunk, chunk_text);
        items.extend(item);
        diagnostics.extend(found);
        diagnostics.extend(layout::retain_after_store(file, text, previous, *chunk));
        previous = Some(*chunk);
    }
    (items, diagnostics)
}

/// A file's tree from its items, with its comments and the diagnostics of
/// its control characters.
fn finish_file(
    file: FileId,
    text: &str,
    items: Vec<ast::Item>,
    mut diagnostics: Vec<Diagnostic>,
) -> (ast::File, Vec<Diagnostic>) {
    diagnostics.extend(controls::diagnostics(file, text));
    let comments = split::comments(file, text);
    (
        ast::File {
            id: file,
            items,
            comments,
        },
        diagnostics,
    )
}

/// Parses the text of one chunk, which starts at `chunk.start` of `file`:
/// with the hand parser, or with pest when the hand parser leaves it.
fn parse_item(
    file: FileId,
    chunk: split::Chunk,
    chunk_text: &str,
) -> (Option<ast::Item>, Vec<Diagnostic>) {
    if chunk_text.len() > MAX_ITEM_BYTES {
        return (None, vec![errors::too_large(file, chunk, chunk_text)]);
    }
    match fast::parse_item(file, chunk.start, chunk_text) {
        Some(item) => (Some(item), Vec::new()),
        None => parse_item_with_pest_at(file, chunk, chunk_text),
    }
}

/// Parses the text of one chunk with pest and lowers it.
fn parse_item_with_pest_at(
    file: FileId,
    chunk: split::Chunk,
    chunk_text: &str,
) -> (Option<ast::Item>, Vec<Diagnostic>) {
    if chunk_text.len() > MAX_ITEM_BYTES {
        return (None, vec![errors::too_large(file, chunk, chunk_text)]);
    }
    match PrivetParser::parse(Rule::item, chunk_text) {
        Ok(mut pairs) => match pairs.next() {
            Some(pair) => {
                let lowerer = lower::Lowerer::new(file, chunk.start);
                let diagnostics = lowerer.repeated_clauses(&pair);
                (lowerer.item(pair), diagnostics)
            }
            None => (None, Vec::new()),
        },
        // A declaration whose name is readable is kept despite the error,
        // so that its uses elsewhere do not turn into more errors.
        Err(error) => (
            recover::declaration(file, chunk.start, chunk_text),
            vec![errors::from_pest(file, chunk, chunk_text, &error)],
        ),
    }
}
