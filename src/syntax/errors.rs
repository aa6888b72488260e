//! Turning pest's errors into `syntax-error` diagnostics a person can act on:
//! what was found, what could stand there, and a "did you mean" for a
//! misspelt keyword.

use super::Rule;
use super::split::{Chunk, ITEM_KEYWORDS, comment_start, is_doc_comment};
use crate::diagnostic::{Diagnostic, Name, closest};
use crate::source::{FileId, Span, describe_control, is_control_character, offset_u32};
use std::collections::BTreeSet;

/// The diagnostic for an item too long to parse.
pub(super) fn too_large(file: FileId, chunk: Chunk, text: &str) -> Diagnostic {
    let keyword_end = text
        .find(|c: char| c.is_whitespace())
        .unwrap_or(text.len())
        .min(64);
    Diagnostic::new(
        Name::SyntaxError,
        span(file, chunk.start, chunk.start + keyword_end),
        format!(
            "this item is {} bytes long, more than privet parses in one item",
            text.len()
        ),
    )
    .primary_message("item starts here")
    .help(format!(
        "split it into several items; an item may be at most {} bytes",
        super::MAX_ITEM_BYTES
    ))
}

fn span(file: FileId, start: usize, end: usize) -> Span {
    Span::new(file, offset_u32(start), offset_u32(end))
}

/// The token found where the parser gave up, as a byte range of the chunk.
fn found_token(text: &str, at: usize) -> (usize, usize) {
    let rest = text.get(at..).unwrap_or("");
    let Some(first) = rest.chars().next() else {
        return (at, at);
    };
    let length = if is_doc_comment(rest) {
        rest.find('\n').unwrap_or(rest.len())
    } else if first == '"' {
        // A string, to its closing quote or the end of its line.
        string_length(rest)
    } else if first.is_ascii_alphanumeric() || first == '_' {
        rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
            .unwrap_or(rest.len())
    } else {
        first.len_utf8()
    };
    (at, at + length)
}

/// The position pest reports is sometimes before the whitespace and
/// comments it skipped; move it to the next token.
fn skip_trivia(text: &str, mut at: usize) -> usize {
    loop {
        let rest = text.get(at..).unwrap_or("");
        let trimmed = rest.trim_start_matches([' ', '\t', '\r', '\n']);
        at += rest.len() - trimmed.len();
        if trimmed.starts_with("//") && !is_doc_comment(trimmed) {
            at += trimmed.find('\n').unwrap_or(trimmed.len());
        } else {
            return at;
        }
    }
}

/// The end of the last token before `at`: trailing blanks, comment lines
/// and a comment at the end of the last line are left out.
fn content_end(text: &str, mut at: usize) -> usize {
    loop {
        let before = text.get(..at).unwrap_or("").trim_end();
        at = before.len();
        let line_start = before.rfind('\n').map_or(0, |index| index + 1);
        let line = before.get(line_start..).unwrap_or("");
        let Some(column) = comment_start(line) else {
            return at;
        };
        let code = line.get(..column).unwrap_or("");
        if !code.trim().is_empty() {
            return line_start + code.trim_end().len();
        }
        if is_doc_comment(line.trim_start()) {
            return at;
        }
        if line_start == 0 {
            return 0;
        }
        at = line_start;
    }
}

fn describe(rule: Rule) -> Vec<String> {
    match rule {
        Rule::bases => return vec!["`under`".to_string(), "`with`".to_string()],
        Rule::category_flag | Rule::category_filter => {
            return vec!["`sensitive`".to_string(), "`identifier`".to_string()];
        }
        _ => {}
    }
    describe_one(rule).into_iter().collect()
}

fn describe_one(rule: Rule) -> Option<String> {
    let text = match rule {
        Rule::name | Rule::name_list | Rule::action | Rule::actions => "a name",
        Rule::string | Rule::label | Rule::string_body => "a string",
        Rule::duration | Rule::duration_literal | Rule::number => "a duration",
        Rule::unit => "a unit of time",
        Rule::date => "a date",
        Rule::categories => "`of`",
        Rule::purposes | Rule::rule_purposes => "`for`",
        Rule::after_clause => "`after`",
        Rule::flow_phase => "`while` or `after`",
        Rule::purpose_flag | Rule::purpose_filter => "`commercial`",
        Rule::recipients => "`to`",
        Rule::regions => "`in`",
        Rule::audiences => "`about`",
        Rule::age_bound => "`under age`",
        Rule::age => "an age in years",
        Rule::subject_kinds => "`is`",
        Rule::cite => "`cite`",
        Rule::except_clause => "`except`",
        Rule::doc => "a doc comment",
        Rule::EOI => "the end of the item",
        Rule::end_action => "`delete`, `anonymize` or `archive`",
        Rule::transform => "`anonymized` or `pseudonymized`",
        Rule::protection => "`protected by`",
        Rule::backing => "`backed by`",
        Rule::honours_dnt => "`honours do not track`",
        Rule::opt_out => "`opt out by`",
        Rule::honours_opt_out => "`honours opt out`",
        Rule::notified => "`notified by`",
        Rule::after_notice => "`after notice`",
        Rule::stopped_purposes => "the purposes it stops",
        Rule::compatible => "`compatible with`",
        Rule::for_new_purpose => "`for new purpose`",
        Rule::kw_arrow => "`->`",
        other => {
            let name = format!("{other:?}");
            return name
                .strip_prefix("kw_")
                .map(|keyword| format!("`{keyword}`"));
        }
    };
    Some(text.to_string())
}

fn join_alternatives(items: &[String]) -> String {
    match items {
        [] => "something else".to_string(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {}", init.join(", "), last),
    }
}

/// Converts a pest error for one chunk into a diagnostic with absolute spans.
pub(super) fn from_pest(
    file: FileId,
    chunk: Chunk,
    text: &str,
    error: &pest::error::Error<Rule>,
) -> Diagnostic {
    let raw = match error.location {
        pest::error::InputLocation::Pos(at) => at,
        pest::error::InputLocation::Span((start, _)) => start,
    };
    let mut at = skip_trivia(text, raw);
    let (found_start, found_end) = if at >= text.len() {
        // The item ended too soon: point just after its last token, not at
        // the blank lines and comments before the next item.
        at = content_end(text, raw.min(text.len()));
        (at, at)
    } else {
        found_token(text, at)
    };
    let found = text.get(found_start..found_end).unwrap_or("");
    let primary = span(file, chunk.start + found_start, chunk.start + found_end);

    let item_start = skip_leading_docs(text);
    let keyword_end = item_start
        + text
            .get(item_start..)
            .and_then(|rest| rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')))
            .unwrap_or(0);
    let keyword = text.get(item_start..keyword_end).unwrap_or("");

    // Doc comments with no item after them (at the end of a file).
    if item_start >= text.len() {
        let first = skip_trivia(text, 0);
        let line_end = text
            .get(first..)
            .and_then(|rest| rest.find('\n'))
            .map_or(text.len(), |index| first + index);
        let line_end = first + text.get(first..line_end).unwrap_or("").trim_end().len();
        return Diagnostic::new(
            Name::SyntaxError,
            span(file, chunk.start + first, chunk.start + line_end),
            "doc comment documents nothing",
        )
        .primary_message("a doc comment must stand right before an item")
        .help("put it right before the item it documents, or use `//` for a plain comment");
    }

    // A chunk that does not begin with an item keyword.
    if at <= item_start && !super::split::starts_item(text.get(item_start..).unwrap_or("")) {
        let mut diagnostic = Diagnostic::new(
            Name::SyntaxError,
            primary,
            format!("expected an item, found {}", found_phrase(found)),
        )
        .primary_message("an item starts with a keyword such as `category` or `allow`");
        if invisible(found).is_some() {
            diagnostic = diagnostic.help(INVISIBLE_HELP);
        } else if let Some(suggestion) = closest(found, ITEM_KEYWORDS.iter().copied()) {
            diagnostic = diagnostic.did_you_mean(primary, suggestion);
        }
        return diagnostic;
    }

    let in_item = |diagnostic: Diagnostic| {
        if keyword.is_empty() || found_start == item_start {
            diagnostic
        } else {
            diagnostic.label(
                span(file, chunk.start + item_start, chunk.start + keyword_end),
                format!("in this `{keyword}` item"),
            )
        }
    };

    if found.starts_with('"') {
        match read_string(text, found_start) {
            StringEnd::Closed => {}
            StringEnd::Unterminated => {
                return in_item(
                    Diagnostic::new(Name::SyntaxError, primary, "unterminated string")
                        .primary_message("this string is not closed")
                        .help("a string ends on the line it starts on; close it with `\"`"),
                );
            }
            StringEnd::UnknownEscape(at, c) => {
                let escape = if c == '`' || c.is_whitespace() || is_control_character(c) {
                    format!("in a string: a backslash before `U+{:04X}`", u32::from(c))
                } else {
                    format!("`\\{c}` in a string")
                };
                let at = chunk.start + at;
                return in_item(
                    Diagnostic::new(
                        Name::SyntaxError,
                        span(file, at, at + 1 + c.len_utf8()),
                        format!("unknown escape {escape}"),
                    )
                    .primary_message("not an escape")
                    .help("the escapes are `\\\"`, `\\\\`, `\\n` (line break) and `\\t` (tab); write a backslash itself as `\\\\`"),
                );
            }
        }
    }
    if is_doc_comment(found) {
        let line_end = text
            .get(found_start..)
            .and_then(|rest| rest.find('\n'))
            .map_or(text.len(), |index| found_start + index);
        return in_item(
            Diagnostic::new(
                Name::SyntaxError,
                span(file, chunk.start + found_start, chunk.start + line_end),
                "doc comment documents nothing",
            )
            .primary_message("a doc comment must stand right before an item")
            .help("put it right before the item it documents, or use `//` for a plain comment"),
        );
    }

    // A letter outside ASCII inside a name (`user.émail`, `café`).
    let name_char = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '.';
    let letter_at = if found == "." { found_end } else { found_start };
    let previous = text
        .get(..letter_at)
        .and_then(|before| before.chars().next_back());
    if let Some(letter) = text.get(letter_at..).and_then(|rest| rest.chars().next())
        && !letter.is_ascii()
        && letter.is_alphanumeric()
        && previous.is_some_and(name_char)
    {
        let at = chunk.start + letter_at;
        return in_item(
                Diagnostic::new(
                    Name::SyntaxError,
                    span(file, at, at + letter.len_utf8()),
                    format!("`{letter}` cannot be part of a name"),
                )
                .primary_message("not an ASCII letter, digit or `_`")
                .help("names are written in ASCII letters, digits and `_`, joined by `.`; say the rest in the label string"),
            );
    }

    let expected: BTreeSet<String> = match &error.variant {
        pest::error::ErrorVariant::ParsingError { positives, .. } => {
            positives.iter().flat_map(|rule| describe(*rule)).collect()
        }
        pest::error::ErrorVariant::CustomError { message } => {
            return in_item(Diagnostic::new(Name::SyntaxError, primary, message.clone()));
        }
    };
    let expected: Vec<String> = expected.into_iter().collect();
    // The end of the item goes last in the list of what could stand here.
    let (mut expected, end): (Vec<String>, Vec<String>) = expected
        .into_iter()
        .partition(|e| !e.starts_with("the end"));
    expected.extend(end);
    let mut diagnostic = Diagnostic::new(
        Name::SyntaxError,
        primary,
        format!(
            "expected {}, found {}",
            join_alternatives(&expected),
            found_phrase(found)
        ),
    )
    .primary_message("unexpected here");
    if invisible(found).is_some() {
        diagnostic = diagnostic.help(INVISIBLE_HELP);
    }
    // A misspelt item keyword at the start of a line is read as part of the
    // item before it.
    let at_line_start = found_start == 0 || text.as_bytes().get(found_start - 1) == Some(&b'\n');
    if at_line_start && found.chars().all(|c| c.is_ascii_alphabetic()) && !found.is_empty() {
        if let Some(suggestion) = closest(found, ITEM_KEYWORDS.iter().copied()) {
            return in_item(
                diagnostic
                    .help(format!("did you mean `{suggestion}`? an item starts with its keyword at the start of a line"))
                    .suggest(primary, suggestion),
            );
        }
        diagnostic = diagnostic.note("a line that starts without indentation and without an item keyword continues the item above");
    }
    // Every keyword among the alternatives, also those listed together
    // ("`delete`, `anonymize` or `archive`").
    let keywords: Vec<&str> = expected
        .iter()
        .flat_map(|e| e.split('`').skip(1).step_by(2))
        .filter(|e| !e.is_empty() && e.chars().all(|c| c.is_ascii_alphabetic()))
        .collect();
    if found.chars().all(|c| c.is_ascii_alphabetic())
        && !found.is_empty()
        && let Some(suggestion) = closest(found, keywords.iter().copied())
    {
        diagnostic = diagnostic.did_you_mean(primary, suggestion);
    }
    in_item(diagnostic)
}

/// How the string starting at `start` (its opening quote) ends, read as the
/// grammar reads it.
enum StringEnd {
    Closed,
    Unterminated,
    /// The byte offset of the backslash, and the character after it.
    UnknownEscape(usize, char),
}

fn read_string(text: &str, start: usize) -> StringEnd {
    let Some(rest) = text.get(start + 1..) else {
        return StringEnd::Unterminated;
    };
    let at_line_end = |index: usize| {
        let after = rest.get(index..).unwrap_or("");
        after.is_empty() || after.starts_with('\n') || after.starts_with("\r\n")
    };
    let mut chars = rest.char_indices();
    while let Some((index, c)) = chars.next() {
        match c {
            '"' => return StringEnd::Closed,
            '\n' => return StringEnd::Unterminated,
            '\\' if at_line_end(index + 1) => return StringEnd::Unterminated,
            '\\' => match chars.next() {
                Some((_, '"' | '\\' | 'n' | 't')) | None => {}
                Some((_, other)) => return StringEnd::UnknownEscape(start + 1 + index, other),
            },
            _ => {}
        }
    }
    StringEnd::Unterminated
}

/// The length of the string at the start of `text`: to its closing quote,
/// or to the end of its line (without the line break) when it is not
/// closed. A backslash escapes the character after it.
fn string_length(text: &str) -> usize {
    let mut chars = text.char_indices().skip(1);
    while let Some((index, c)) = chars.next() {
        match c {
            '"' => return index + 1,
            '\n' => return text.get(..index).unwrap_or("").trim_end_matches('\r').len(),
            '\\' if text.get(index + 1..).is_some_and(|r| r.starts_with('\n')) => {}
            '\\' => {
                chars.next();
            }
            _ => {}
        }
    }
    text.len()
}

/// The found token when it is one character that would be invisible, or
/// act on a terminal, if it were shown as itself: a control character or a
/// space other than a plain one.
fn invisible(found: &str) -> Option<char> {
    let mut chars = found.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) if is_control_character(c) || c.is_whitespace() => Some(c),
        _ => None,
    }
}

/// The help for an invisible character where a token should be.
const INVISIBLE_HELP: &str =
    "remove it; only spaces, tabs and line breaks may stand between tokens";

fn found_phrase(found: &str) -> String {
    if found.is_empty() {
        "the end of the item".to_string()
    } else if found.starts_with('"') {
        "a string".to_string()
    } else if let Some(c) = invisible(found) {
        if is_control_character(c) {
            describe_control(c)
        } else {
            format!("`U+{:04X}`", u32::from(c))
        }
    } else {
        let shown: String = found.chars().take(40).collect();
        let shown = shown.replace('`', "'");
        if shown.len() < found.len() {
            format!("`{shown}…`")
        } else {
            format!("`{shown}`")
        }
    }
}

/// The offset of the item keyword, after the doc comments and trivia.
fn skip_leading_docs(text: &str) -> usize {
    let mut at = 0;
    loop {
        at = skip_trivia(text, at);
        let rest = text.get(at..).unwrap_or("");
        if is_doc_comment(rest) {
            at += rest.find('\n').unwrap_or(rest.len());
        } else {
            return at;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_read_with_their_escapes() {
        assert!(matches!(read_string(r#"x "a\"b" y"#, 2), StringEnd::Closed));
        assert!(matches!(read_string(r#""a\\" y"#, 0), StringEnd::Closed));
        assert!(matches!(
            read_string("\"a\\\"\n", 0),
            StringEnd::Unterminated
        ));
        assert!(matches!(
            read_string("\"a\\\r\n\"", 0),
            StringEnd::Unterminated
        ));
        assert!(matches!(read_string("\"a\\", 0), StringEnd::Unterminated));
        assert!(matches!(
            read_string(r#""a\tb\rc""#, 0),
            StringEnd::UnknownEscape(5, 'r')
        ));
        assert_eq!(string_length(r#""a\"b" c"#), 6);
        assert_eq!(string_length("\"a\\\" b\r\nc"), 6);
        assert_eq!(string_length("\"ab"), 3);
    }
}
