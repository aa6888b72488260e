//! `control-character`: control characters and bidirectional controls in
//! strings and comments.
//!
//! The grammar takes any character inside a string or a comment, so these
//! are found by a scan of the text, not by pest: strings never span lines,
//! so each line is cut into its strings, its comment and the code between
//! them (the same reading as [`split::comment_start`](super::split)). A
//! control character in the code is a `syntax-error` already (only spaces,
//! tabs and line breaks separate tokens), except a carriage return, which
//! the grammar takes for a space; a lone one is reported here too.

use super::split::is_doc_comment;
use crate::diagnostic::{Diagnostic, Name};
use crate::source::{
    FileId, Span, control_characters, describe_control, is_bidi_control, offset_u32,
};

/// The characters of one string or comment that are marked with a label;
/// a note counts the rest.
const MAX_MARKED: usize = 16;

/// The characters of one string or comment named in the message; the rest
/// are counted.
const MAX_NAMED: usize = 3;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    String,
    Comment,
    DocComment,
    /// Between tokens: only a carriage return without a line feed is
    /// reported there.
    Code,
}

impl Kind {
    fn place(self) -> &'static str {
        match self {
            Kind::String => "in a string",
            Kind::Comment => "in a comment",
            Kind::DocComment => "in a doc comment",
            Kind::Code => "between tokens",
        }
    }
}

/// A string or comment of a line, as byte offsets into the line.
#[derive(Clone, Copy, Debug)]
struct Region {
    kind: Kind,
    start: usize,
    end: usize,
}

/// The strings and the comment of one line (without its line feed). A
/// string runs to its closing quote or to the end of the line; `\"` and
/// `\\` do not close it.
fn regions(line: &str) -> Vec<Region> {
    let bytes = line.as_bytes();
    let mut regions = Vec::new();
    let mut string_start: Option<usize> = None;
    let mut index = 0;
    while let Some(&byte) = bytes.get(index) {
        match (string_start, byte) {
            (Some(_), b'\\') if matches!(bytes.get(index + 1), Some(b'"' | b'\\')) => index += 1,
            (Some(start), b'"') => {
                regions.push(Region {
                    kind: Kind::String,
                    start,
                    end: index + 1,
                });
                string_start = None;
            }
            (None, b'"') => string_start = Some(index),
            (None, b'/') if bytes.get(index + 1) == Some(&b'/') => {
                let doc = line.get(index..).is_some_and(is_doc_comment);
                regions.push(Region {
                    kind: if doc { Kind::DocComment } else { Kind::Comment },
                    start: index,
                    end: line.len(),
                });
                return regions;
            }
            _ => {}
        }
        index += 1;
    }
    if let Some(start) = string_start {
        regions.push(Region {
            kind: Kind::String,
            start,
            end: line.len(),
        });
    }
    regions
}

/// The control characters of one string, comment or line of code, with the
/// byte range of that string or comment in the file.
struct Group {
    kind: Kind,
    start: usize,
    end: usize,
    found: Vec<(usize, char)>,
}

/// A `control-character` error for each string, comment and doc comment
/// holding control characters, and for each line with a carriage return
/// between tokens that no line feed follows.
pub(super) fn diagnostics(file: FileId, text: &str) -> Vec<Diagnostic> {
    let mut found = control_characters(text).peekable();
    if found.peek().is_none() {
        return Vec::new();
    }
    let mut groups: Vec<Group> = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let line_end = offset + line.len();
        if found.peek().is_some_and(|(at, _)| *at < line_end) {
            let regions = regions(line.trim_end_matches('\n'));
            while let Some((at, c)) = found.next_if(|(at, _)| *at < line_end) {
                let region = regions
                    .iter()
                    .find(|region| region.start + offset <= at && at < region.end + offset);
                let (kind, start, end) = match region {
                    Some(region) => (region.kind, offset + region.start, offset + region.end),
                    None if c == '\r' => (Kind::Code, offset, line_end),
                    // A `syntax-error` of the item says what it is.
                    None => continue,
                };
                match groups.last_mut() {
                    Some(group) if group.kind == kind && group.start == start => {
                        group.found.push((at, c));
                    }
                    _ => groups.push(Group {
                        kind,
                        start,
                        end,
                        found: vec![(at, c)],
                    }),
                }
            }
        }
        offset = line_end;
    }
    groups
        .iter()
        .filter_map(|group| diagnostic(file, text, group))
        .collect()
}

fn char_span(file: FileId, at: usize, c: char) -> Span {
    Span::new(file, offset_u32(at), offset_u32(at + c.len_utf8()))
}

fn diagnostic(file: FileId, text: &str, group: &Group) -> Option<Diagnostic> {
    let (&(first_at, first), rest) = group.found.split_first()?;
    let mut distinct: Vec<char> = Vec::new();
    for (_, c) in &group.found {
        if !distinct.contains(c) {
            distinct.push(*c);
        }
    }
    let mut named: Vec<String> = distinct
        .iter()
        .take(MAX_NAMED)
        .map(|c| describe_control(*c))
        .collect();
    let unnamed = distinct.len().saturating_sub(MAX_NAMED);
    if unnamed > 0 {
        named.push(format!(
            "{unnamed} other control character{}",
            if unnamed == 1 { "" } else { "s" }
        ));
    }
    let list = match named.split_last() {
        Some((last, init)) if !init.is_empty() => format!("{} and {last}", init.join(", ")),
        _ => named.concat(),
    };
    let message = if group.kind == Kind::Code {
        format!("{list} without a line feed")
    } else {
        format!("{list} {}", group.kind.place())
    };
    let bidi = distinct.iter().any(|c| is_bidi_control(*c));
    let other = distinct.iter().any(|c| !is_bidi_control(*c));
    let primary_message = if !rest.is_empty() {
        describe_control(first)
    } else if is_bidi_control(first) {
        "invisible, and changes the order in which the text around it is displayed".to_string()
    } else if first == '\r' {
        "a terminal goes back to the start of the line here".to_string()
    } else {
        "a terminal acts on this character instead of showing it".to_string()
    };
    let mut diagnostic = Diagnostic::new(
        Name::ControlCharacter,
        char_span(file, first_at, first),
        message,
    )
    .primary_message(primary_message);
    for (at, c) in rest.iter().take(MAX_MARKED - 1) {
        diagnostic = diagnostic.label(char_span(file, *at, *c), describe_control(*c));
    }
    if bidi {
        diagnostic = diagnostic.note(
            "a bidirectional control is invisible and reorders the text around it when it is displayed, so the text reads differently from what it holds",
        );
    }
    if other {
        diagnostic = diagnostic.note(
            "a terminal acts on a control character instead of showing it (an escape sequence can rewrite or clear the screen), and XML cannot hold most of them",
        );
    }
    let unmarked = group.found.len().saturating_sub(MAX_MARKED);
    if unmarked > 0 {
        diagnostic = diagnostic.note(format!("{unmarked} more are not marked"));
    }
    let pronoun = if group.found.len() == 1 { "it" } else { "them" };
    let help = match group.kind {
        Kind::String if bidi => format!(
            "remove {pronoun}; right-to-left text is displayed in its own order without them"
        ),
        Kind::String => {
            format!("remove {pronoun}; a string may hold a tab, and writes a line break as `\\n`")
        }
        Kind::Comment | Kind::DocComment => format!("remove {pronoun}"),
        Kind::Code => {
            "end each line with a line feed, or a carriage return and a line feed".to_string()
        }
    };
    diagnostic = diagnostic.help(help);
    // The quick fix: the string or comment without them; a lone carriage
    // return between tokens becomes a space.
    let suggestion = match group.kind {
        Kind::Code if rest.is_empty() => Some((char_span(file, first_at, first), " ".to_string())),
        Kind::Code => None,
        _ => text.get(group.start..group.end).map(|region| {
            let at = |offset: usize| group.found.iter().any(|(found, _)| *found == offset);
            let kept: String = region
                .char_indices()
                .filter(|(index, _)| !at(group.start + index))
                .map(|(_, c)| c)
                .collect();
            (
                Span::new(file, offset_u32(group.start), offset_u32(group.end)),
                kept,
            )
        }),
    };
    if let Some((span, replacement)) = suggestion {
        diagnostic = diagnostic.suggest(span, replacement);
    }
    Some(diagnostic)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn messages(text: &str) -> Vec<String> {
        diagnostics(FileId(0), text)
            .into_iter()
            .map(|d| d.message)
            .collect()
    }

    #[test]
    fn strings_and_comments_are_read_as_the_grammar_reads_them() {
        let line = r#"a "x\"y // z" b "\\" // c "d" /// e"#;
        let found: Vec<(Kind, &str)> = regions(line)
            .iter()
            .map(|r| (r.kind, &line[r.start..r.end]))
            .collect();
        assert_eq!(
            found,
            vec![
                (Kind::String, r#""x\"y // z""#),
                (Kind::String, r#""\\""#),
                (Kind::Comment, r#"// c "d" /// e"#),
            ]
        );
        let found: Vec<(Kind, &str)> = regions("  /// doc \"x")
            .iter()
            .map(|r| (r.kind, r.start))
            .map(|(kind, start)| (kind, &"  /// doc \"x"[start..]))
            .collect();
        assert_eq!(found, vec![(Kind::DocComment, "/// doc \"x")]);
        assert_eq!(regions("x \"open").len(), 1);
    }

    #[test]
    fn each_string_and_comment_gets_one_diagnostic() {
        assert_eq!(
            messages("category a \"x\u{1b}[2J\u{202e}y\u{1b}\" // z\u{7}\n"),
            vec![
                "`U+001B` (escape) and `U+202E` (right-to-left override) in a string",
                "`U+0007` (bell) in a comment",
            ]
        );
        assert_eq!(
            messages("/// \u{2066}doc\ncategory a\n"),
            vec!["`U+2066` (left-to-right isolate) in a doc comment"]
        );
        assert_eq!(
            messages("category a \"\u{1}\u{2}\u{3}\u{4}\u{5}\"\n"),
            vec![
                "`U+0001` (start of heading), `U+0002` (start of text), `U+0003` (end of text) and 2 other control characters in a string"
            ]
        );
    }

    #[test]
    fn line_ends_and_tabs_are_not_reported_but_a_lone_carriage_return_is() {
        assert!(messages("category a\t\"b\tc\" // d\r\ncategory e\r\n").is_empty());
        assert!(messages("").is_empty());
        let found = diagnostics(FileId(0), "category a\rcategory b\n");
        assert_eq!(
            found.iter().map(|d| d.message.as_str()).collect::<Vec<_>>(),
            vec!["`U+000D` (carriage return) without a line feed"]
        );
        assert_eq!(found[0].primary.span.range(), 10..11);
        assert_eq!(found[0].suggestion.as_ref().unwrap().replacement, " ");
        // Outside strings and comments other controls are syntax errors.
        assert!(messages("category a \u{1b} b\n").is_empty());
    }

    #[test]
    fn the_span_is_the_character_and_the_fix_removes_them() {
        let text = "category a \"x\u{202e}y\u{202c}\"\n";
        let found = diagnostics(FileId(0), text);
        assert_eq!(found.len(), 1);
        let diagnostic = &found[0];
        assert_eq!(&text[diagnostic.primary.span.range()], "\u{202e}");
        assert_eq!(diagnostic.labels.len(), 1);
        assert_eq!(&text[diagnostic.labels[0].span.range()], "\u{202c}");
        let suggestion = diagnostic.suggestion.as_ref().unwrap();
        assert_eq!(&text[suggestion.span.range()], "\"x\u{202e}y\u{202c}\"");
        assert_eq!(suggestion.replacement, "\"xy\"");
    }

    #[test]
    fn labels_are_bounded() {
        let text = format!("category a \"{}\"\n", "\u{1b}".repeat(100));
        let found = diagnostics(FileId(0), &text);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].labels.len(), MAX_MARKED - 1);
        assert!(
            found[0]
                .notes
                .contains(&"84 more are not marked".to_string())
        );
    }
}
