//! Source text to syntax tree: the item splitter, the pest parser (one item
//! at a time) and the lowering of pest pairs into the owned [`ast`](crate::ast).
//!
//! This stage never looks a name up and never judges a value; it reports
//! `syntax-error` only. A broken item costs exactly one diagnostic and the
//! items around it are still lowered.

pub mod cache;
mod controls;
mod errors;
mod lower;
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
    let mut items = Vec::new();
    let mut diagnostics = Vec::new();
    for chunk in split::split(text) {
        let Some(chunk_text) = text.get(chunk.start..chunk.end) else {
            continue;
        };
        let (item, found) = parse_item(file, chunk, chunk_text);
        items.extend(item);
        diagnostics.extend(found);
    }
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

/// Parses the text of one chunk, which starts at `chunk.start` of `file`.
fn parse_item(
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
