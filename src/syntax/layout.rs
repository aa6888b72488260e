//! Layout that changes meaning: a `retain` written at the start of a line
//! right after a `store` is a retention rule of the whole policy, not the
//! store's clause its author most likely meant (a store's clauses are
//! indented). privet refuses to read it either way without a word.

use super::recover::head;
use super::split::{self, Chunk};
use crate::diagnostic::{Diagnostic, Name};
use crate::source::{FileId, Span, offset_u32};

/// The `syntax-error` of a `retain` item that follows a `store` item with
/// no blank line between them.
pub(super) fn retain_after_store(
    file: FileId,
    text: &str,
    previous: Option<Chunk>,
    chunk: Chunk,
) -> Option<Diagnostic> {
    let previous = previous?;
    let previous_text = text.get(previous.start..previous.end)?;
    let chunk_text = text.get(chunk.start..chunk.end)?;
    let retain = head(chunk_text).filter(|head| head.keyword == "retain")?;
    let store = head(previous_text).filter(|head| head.keyword == "store")?;
    if blank_line_at_end(previous_text) {
        return None;
    }
    let retain_at = retain.keyword_at;
    let at = |offset: usize| offset_u32(chunk.start + offset);
    let retain = Span::new(file, at(retain_at), at(retain_at + "retain".len()));
    let mut diagnostic = Diagnostic::new(
        Name::SyntaxError,
        retain,
        "a `retain` at the start of a line, right after a store, is a rule of the whole policy",
    )
    .primary_message("this begins a new item: a retention rule for every store")
    .note("a store's clauses are indented; at the start of a line, `retain` begins an item of its own")
    .help("indent it to make it the store's retention; to write a rule of the policy, leave a blank line before it");
    if !store.name.is_empty() {
        let start = offset_u32(previous.start + store.name_at);
        diagnostic = diagnostic.label(
            Span::new(file, start, start + offset_u32(store.name.len())),
            format!("store `{}` above", store.name),
        );
    }
    Some(diagnostic)
}

/// Whether a blank line separates the chunk's last token from what follows
/// (comments after the item do not count as a separation).
fn blank_line_at_end(chunk_text: &str) -> bool {
    // The chunk ends with the line feed of its last line: the line after it
    // is the next chunk's.
    let body = chunk_text.strip_suffix('\n').unwrap_or(chunk_text);
    for line in body.rsplit('\n') {
        let trimmed = line.trim();
        if trimmed.is_empty() {
            return true;
        }
        if !trimmed.starts_with("//") || split::is_doc_comment(trimmed) {
            return false;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str) -> Vec<String> {
        let chunks = split::split(text);
        let mut previous = None;
        let mut out = Vec::new();
        for chunk in chunks {
            if let Some(d) = retain_after_store(FileId(0), text, previous, chunk) {
                let labels: Vec<&str> = d.labels.iter().map(|l| l.message.as_str()).collect();
                out.push(format!(
                    "{}|{}",
                    &text[d.primary.span.range()],
                    labels.join(",")
                ));
            }
            previous = Some(chunk);
        }
        out
    }

    #[test]
    fn a_retain_at_column_one_right_after_a_store_is_reported() {
        let text =
            "store db \"a db\" in site\n    protected by audit\nretain user keep for 1 year\n";
        assert_eq!(found(text), ["retain|store `db` above"]);
        // A comment between them does not separate them.
        let text = "store db\n// the db's retention\nretain user keep for 1 year\n";
        assert_eq!(found(text), ["retain|store `db` above"]);
        // Nor does a doc comment of the retain.
        let text = "store db\n/// kept a year\nretain user keep for 1 year\n";
        assert_eq!(found(text), ["retain|store `db` above"]);
    }

    #[test]
    fn a_blank_line_an_indent_or_another_item_makes_it_clear() {
        for text in [
            "store db\n\nretain user keep for 1 year\n",
            "store db\n    retain user keep for 1 year\n",
            "store db\n  // note\n\n/// kept\nretain user keep for 1 year\n",
            "system app\nretain user keep for 1 year\n",
            "store db\nflow a -> db carries user for p\n",
        ] {
            assert_eq!(found(text), Vec::<String>::new(), "{text:?}");
        }
    }
}
