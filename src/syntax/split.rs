//! Cutting a file into items before pest sees it.
//!
//! An item starts at the beginning of a line with one of the item keywords;
//! the `///` doc comments right above it belong to it. Everything up to the
//! next item's start is the item's text. Because strings never span lines, a
//! keyword at the start of a line is always an item start, so this needs no
//! knowledge of the grammar beyond the keyword list, and it runs in one pass.

use crate::ast::Comment;
use crate::source::{FileId, Span, offset_u32};

/// The keywords that start a top-level item. Keep in step with `item_body`
/// in `grammar/privet.pest`.
pub const ITEM_KEYWORDS: &[&str] = &[
    "policy",
    "category",
    "purpose",
    "basis",
    "exemption",
    "region",
    "safeguard",
    "duration",
    "state",
    "event",
    "technology",
    "opt",
    "principle",
    "right",
    "audience",
    "obligation",
    "allow",
    "deny",
    "restrict",
    "confine",
    "retain",
    "hold",
    "require",
    "honour",
    "subject",
    "system",
    "store",
    "vendor",
    "authority",
    "tracker",
    "flow",
    "section",
];

/// A byte range of the file holding one item (or, for the first chunk, the
/// text before the first item).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Chunk {
    pub start: usize,
    pub end: usize,
}

/// The UTF-8 byte order mark, which some editors put at the start of a file.
const BOM: &str = "\u{feff}";

/// Where the item text of a file begins: after a byte order mark, if any.
pub fn content_start(text: &str) -> usize {
    if text.starts_with(BOM) { BOM.len() } else { 0 }
}

/// Whether a line begins with an item keyword (followed by a non-name byte).
pub fn starts_item(line: &str) -> bool {
    // Most lines (indented clauses, comments, blank lines) fail on their
    // first byte, and most keywords too: no comparison of the rest.
    let Some(first) = line.as_bytes().first() else {
        return false;
    };
    if !first.is_ascii_lowercase() {
        return false;
    }
    ITEM_KEYWORDS.iter().any(|keyword| {
        keyword.as_bytes().first() == Some(first)
            && line.strip_prefix(keyword).is_some_and(|rest| {
                !rest
                    .bytes()
                    .next()
                    .is_some_and(|byte| byte.is_ascii_alphanumeric() || byte == b'_')
            })
    })
}

fn is_doc_line(line: &str) -> bool {
    is_doc_comment(line.trim_start())
}

/// Whether text starts with a doc comment: `///`, but not four or more
/// slashes (a banner, which is a plain comment, as in Rust).
pub fn is_doc_comment(text: &str) -> bool {
    text.starts_with("///") && !text.starts_with("////")
}

fn is_blank(line: &str) -> bool {
    line.trim().is_empty()
}

/// Splits a file into chunks. Chunks are contiguous, in order, and cover the
/// file from [`content_start`] to its end; a leading chunk of only blank
/// lines and comments is left out.
pub fn split(text: &str) -> Vec<Chunk> {
    let start = content_start(text);
    let body = text.get(start..).unwrap_or("");

    // (offset, line) for every line, the line without its `\n`.
    let mut lines: Vec<(usize, &str)> = Vec::new();
    let mut offset = start;
    for line in body.split_inclusive('\n') {
        lines.push((offset, line.trim_end_matches('\n')));
        offset += line.len();
    }

    let mut boundaries: Vec<usize> = Vec::new();
    for (index, (line_offset, line)) in lines.iter().enumerate() {
        if !starts_item(line) {
            continue;
        }
        // Walk back over the doc comments (and blank lines between them)
        // that document this item.
        let mut item_start = *line_offset;
        let mut back = index;
        while back > 0 {
            back -= 1;
            let Some((offset, previous)) = lines.get(back) else {
                break;
            };
            if is_doc_line(previous) {
                item_start = *offset;
            } else if !is_blank(previous) {
                break;
            }
        }
        // A doc block can't reach back past the previous item's start.
        if boundaries.last().is_none_or(|last| item_start > *last) {
            boundaries.push(item_start);
        } else {
            boundaries.push(*line_offset);
        }
    }

    let mut chunks = Vec::new();
    let first_boundary = boundaries.first().copied().unwrap_or(text.len());
    if first_boundary > start {
        let preamble = text.get(start..first_boundary).unwrap_or("");
        if !is_trivia(preamble) {
            chunks.push(Chunk {
                start,
                end: first_boundary,
            });
        }
    }
    for (index, boundary) in boundaries.iter().enumerate() {
        let end = boundaries.get(index + 1).copied().unwrap_or(text.len());
        chunks.push(Chunk {
            start: *boundary,
            end,
        });
    }
    chunks
}

/// Whether text holds only blank lines and `//` comments.
fn is_trivia(text: &str) -> bool {
    text.lines().all(|line| {
        let line = line.trim();
        line.is_empty() || (line.starts_with("//") && !is_doc_comment(line))
    })
}

/// The `//` comments of a file (not `///` doc comments), found by a scan
/// that skips string literals.
pub fn comments(file: FileId, text: &str) -> Vec<Comment> {
    let mut found = Vec::new();
    let mut offset = content_start(text);
    let body = text.get(offset..).unwrap_or("");
    for line in body.split_inclusive('\n') {
        // Only the line's end is cut: a carriage return no line feed follows
        // is the comment's own text (a `control-character` error).
        let content = match line.strip_suffix('\n') {
            Some(content) => content.strip_suffix('\r').unwrap_or(content),
            None => line,
        };
        if let Some(column) = comment_start(content) {
            let is_doc = content.get(column..).is_some_and(is_doc_comment)
                && content
                    .get(..column)
                    .is_some_and(|before| before.trim().is_empty());
            if !is_doc {
                let comment_text = content.get(column + 2..).unwrap_or("");
                found.push(Comment {
                    text: comment_text.to_string(),
                    span: Span::new(
                        file,
                        offset_u32(offset + column),
                        offset_u32(offset + content.len()),
                    ),
                });
            }
        }
        offset += line.len();
    }
    found
}

/// Where an item's text really ends: the end of its last token. The span
/// pest gives an item can run on over the blank lines and comments after it
/// (the grammar's implicit whitespace), up to the next item.
pub fn content_end(text: &str, start: usize, end: usize) -> usize {
    let mut end = end.min(text.len());
    loop {
        let Some(slice) = text.get(start..end) else {
            return end;
        };
        let trimmed = slice.trim_end();
        end = start + trimmed.len();
        let line_start = trimmed.rfind('\n').map_or(0, |index| index + 1);
        let line = trimmed.get(line_start..).unwrap_or("");
        match comment_start(line) {
            Some(column) => end = start + line_start + column,
            None => return end,
        }
    }
}

/// The byte column where a `//` comment starts on a line, outside strings.
pub(crate) fn comment_start(line: &str) -> Option<usize> {
    let bytes = line.as_bytes();
    let mut in_string = false;
    let mut index = 0;
    while let Some(&byte) = bytes.get(index) {
        match byte {
            b'\\' if in_string => index += 1,
            b'"' => in_string = !in_string,
            b'/' if !in_string && bytes.get(index + 1) == Some(&b'/') => return Some(index),
            _ => {}
        }
        index += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(text: &str) -> Vec<&str> {
        split(text)
            .into_iter()
            .map(|chunk| &text[chunk.start..chunk.end])
            .collect()
    }

    #[test]
    fn items_start_at_keywords_at_line_start() {
        let text = "category a\n  cite \"x\"\n\n/// doc\ncategory b\nallow use\n  of a\n";
        assert_eq!(
            texts(text),
            vec![
                "category a\n  cite \"x\"\n\n",
                "/// doc\ncategory b\n",
                "allow use\n  of a\n"
            ]
        );
    }

    #[test]
    fn keyword_prefixes_do_not_start_items() {
        assert!(starts_item("category x"));
        assert!(starts_item("flow\r"));
        assert!(!starts_item("categoryx"));
        assert!(!starts_item(" category x"));
        assert!(!starts_item("flows"));
    }

    #[test]
    fn preamble_garbage_is_its_own_chunk_and_trivia_is_not() {
        assert_eq!(texts("// hello\n\ncategory a\n"), vec!["category a\n"]);
        assert_eq!(texts("junk\ncategory a\n"), vec!["junk\n", "category a\n"]);
        assert_eq!(texts(""), Vec::<&str>::new());
    }

    #[test]
    fn byte_order_mark_is_skipped() {
        let text = "\u{feff}category a\n";
        assert_eq!(texts(text), vec!["category a\n"]);
    }

    #[test]
    fn content_ends_before_trailing_blank_lines_and_comments() {
        let text = "category a \"x // y\" // real\n  // own line\n\n";
        let end = content_end(text, 0, text.len());
        assert_eq!(&text[..end], "category a \"x // y\"");
        assert_eq!(content_end("", 0, 0), 0);
    }

    #[test]
    fn comments_skip_strings_and_doc_comments() {
        let text = "/// doc\ncategory a \"x // y\" // real\n// own line\n";
        let found = comments(FileId(0), text);
        let bodies: Vec<&str> = found.iter().map(|c| c.text.as_str()).collect();
        assert_eq!(bodies, vec![" real", " own line"]);
        assert_eq!(&text[found[0].span.range()], "// real");
    }
}
