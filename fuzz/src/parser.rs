//! Target `parser`: the hand-written parser (`syntax::fast`) against the
//! grammar, pest and lowering being its specification.
//!
//! On any text, taken as one item and cut into items as a file is: when the
//! hand parser takes an item, pest accepts it without a diagnostic and
//! lowering builds the same tree (values, spans, doc comments); when pest
//! accepts an item without a diagnostic, the hand parser takes it too. And
//! `parse_file` (the hand parser, pest for what it leaves) gives what pest
//! alone gives, diagnostics included.
//!
//! This file depends on the main crate alone: `tests/parser_differential.rs`
//! compiles it in by path, and `fuzz/src/lib.rs` makes it a target.

use privet::source::FileId;
use privet::syntax;

/// The hand parser and pest on arbitrary bytes (text that is not UTF-8 is
/// read with its bad bytes replaced, so it still tests something).
pub fn parser(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    file(&text);
}

/// [`item`] on the whole text and on each of its items, and the file parsed
/// both ways; how many of its items the hand parser took, and how many
/// items pest accepted.
pub fn file(text: &str) -> (usize, usize) {
    item(text);
    let mut taken = 0;
    let mut accepted = 0;
    for chunk in syntax::split::split(text) {
        let chunk_text = &text[chunk.start..chunk.end];
        let verdict = item(chunk_text);
        taken += usize::from(verdict == Verdict::Taken);
        accepted += usize::from(verdict != Verdict::Refused);
    }
    let fast = syntax::parse_file(FileId(3), text);
    let pest = syntax::parse_file_with_pest(FileId(3), text);
    assert!(
        fast == pest,
        "parse_file differs from pest alone\n--- text\n{text}\n--- with the hand parser\n{fast:#?}\n--- pest\n{pest:#?}"
    );
    (taken, accepted)
}

/// What became of one item.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The hand parser took it (and pest agrees).
    Taken,
    /// pest accepts it with a diagnostic (a clause written twice): the hand
    /// parser leaves it to pest.
    LeftToPest,
    /// pest refuses it, and so does the hand parser.
    Refused,
}

/// The property on the text of one item.
pub fn item(text: &str) -> Verdict {
    if text.len() > syntax::MAX_ITEM_BYTES {
        return Verdict::Refused;
    }
    let fast = syntax::parse_item_fast(text);
    let (pest, diagnostics) = syntax::parse_item_with_pest(text);
    match fast {
        Some(fast) => {
            assert!(
                diagnostics.is_empty(),
                "the hand parser takes an item pest reports on\n--- text\n{text}\n--- pest says\n{diagnostics:#?}\n--- the hand parser's tree\n{fast:#?}"
            );
            assert!(
                pest.as_ref() == Some(&fast),
                "the hand parser builds another tree\n--- text\n{text}\n--- the hand parser's\n{fast:#?}\n--- pest's\n{pest:#?}"
            );
            Verdict::Taken
        }
        None => {
            assert!(
                !(diagnostics.is_empty() && pest.is_some()),
                "the hand parser leaves an item pest accepts\n--- text\n{text}\n--- pest's tree\n{pest:#?}"
            );
            if pest.as_ref().is_some_and(|item| !item.recovered) {
                Verdict::LeftToPest
            } else {
                Verdict::Refused
            }
        }
    }
}
