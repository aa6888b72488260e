//! Escaping of user text for the markup languages privet writes: XML (JUnit,
//! SVG) and HTML, Markdown, and a stable content hash. Every renderer that
//! puts a user's string into markup goes through here. [`visible`] writes
//! control characters and bidirectional controls as `<U+XXXX>`, for every
//! output a person reads; the escapes below apply it first.

use crate::source::control_characters;
use std::borrow::Cow;
use std::fmt::Write as _;

/// Text with each control character and bidirectional control (see
/// [`crate::source::is_control_character`]) written as `<U+XXXX>`, so that
/// it can neither act on a terminal (an escape sequence retitling or
/// clearing it) nor reorder the text around it when displayed (Trojan
/// Source). Tabs, line feeds and the carriage return of a CRLF line end are
/// kept. Text without any is returned as it is.
pub fn visible(text: &str) -> Cow<'_, str> {
    let mut found = control_characters(text).peekable();
    if found.peek().is_none() {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut copied = 0;
    for (at, c) in found {
        out.push_str(text.get(copied..at).unwrap_or(""));
        let _ = write!(out, "<U+{:04X}>", u32::from(c));
        copied = at + c.len_utf8();
    }
    out.push_str(text.get(copied..).unwrap_or(""));
    Cow::Owned(out)
}

/// Text made safe inside XML or HTML, as element content or as a quoted
/// attribute value. Control characters are made [`visible`] (XML 1.0 cannot
/// hold most of them); the noncharacters U+FFFE and U+FFFF, which it cannot
/// hold either, become U+FFFD; the carriage return of a CRLF line end is
/// kept as a character reference.
pub fn xml(text: &str) -> String {
    let text = visible(text);
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // A parser would turn a raw carriage return into a line feed.
            '\r' => out.push_str("&#13;"),
            '\t' | '\n' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{7f}' || c == '\u{fffe}' || c == '\u{ffff}' => {
                out.push('\u{fffd}');
            }
            c => out.push(c),
        }
    }
    out
}

/// Text made safe as Markdown prose: characters that would start markup
/// are backslash-escaped, so a label can neither format the page nor
/// inject HTML. Line breaks become spaces; control characters are made
/// [`visible`].
pub fn markdown(text: &str) -> String {
    let text = visible(text);
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '|' | '!' | '~' | '&' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A Markdown code span holding `text` verbatim: fenced by more backticks
/// than the text contains in a row, padded when it starts or ends with one.
/// Inside a table cell a `|` still ends the cell, so it is written `\|`.
/// Control characters are made [`visible`].
pub fn markdown_code(text: &str) -> String {
    let text: String = visible(text)
        .chars()
        .map(|c| if c == '\n' || c == '\r' { ' ' } else { c })
        .collect();
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        if c == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    let fence = "`".repeat(longest + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') || text.is_empty() {
        " "
    } else {
        ""
    };
    let body = text.replace('|', "\\|");
    format!("{fence}{pad}{body}{pad}{fence}")
}

/// A privet message as Markdown: its backticked names become code spans,
/// everything else is escaped prose. Unbalanced backticks are escaped.
pub fn markdown_message(text: &str) -> String {
    let parts: Vec<&str> = text.split('`').collect();
    if parts.len().is_multiple_of(2) {
        return markdown(text);
    }
    parts
        .iter()
        .enumerate()
        .map(|(index, part)| {
            if index % 2 == 1 {
                markdown_code(part)
            } else {
                markdown(part)
            }
        })
        .collect()
}

/// A 64-bit FNV-1a hash of the parts, separated so that ("ab", "c") and
/// ("a", "bc") differ. Stable across runs, platforms and Rust versions,
/// unlike the standard library's hasher.
pub fn stable_hash(parts: &[&str]) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut hash = OFFSET;
    for part in parts {
        for byte in part.bytes().chain(std::iter::once(0xff)) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(PRIME);
        }
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_escapes_markup_and_control_characters() {
        assert_eq!(
            xml("<script>alert('x') & \"y\"</script>"),
            "&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;"
        );
        assert_eq!(xml("a\u{1}b\tc\u{ffff}"), "a&lt;U+0001&gt;b\tc\u{fffd}");
        assert_eq!(xml("a\r\nb\rc"), "a&#13;\nb&lt;U+000D&gt;c");
    }

    #[test]
    fn control_characters_are_made_visible_everywhere() {
        let hostile = "x\u{1b}]0;owned\u{7}\u{1b}[2J \u{202e}gnitekram on\u{202c} \u{9b}1m";
        let shown = "x<U+001B>]0;owned<U+0007><U+001B>[2J <U+202E>gnitekram on<U+202C> <U+009B>1m";
        assert_eq!(visible(hostile), shown);
        assert!(matches!(visible("plain\ttext\r\n"), Cow::Borrowed(_)));
        for escaped in [
            xml(hostile),
            markdown(hostile),
            markdown_code(hostile),
            markdown_message(&format!("`{hostile}` and {hostile}")),
        ] {
            assert!(
                !escaped.chars().any(crate::source::is_control_character),
                "{escaped:?}"
            );
            assert!(escaped.contains("U+202E") && escaped.contains("U+001B"));
        }
        assert_eq!(markdown_code("a\u{202e}b"), "`a<U+202E>b`");
    }

    #[test]
    fn markdown_escapes_what_would_format() {
        assert_eq!(markdown("*a* <b> | `c`"), "\\*a\\* \\<b\\> \\| \\`c\\`");
        assert_eq!(markdown_code("a.b"), "`a.b`");
        assert_eq!(markdown_code("a`b"), "``a`b``");
        assert_eq!(markdown_code("`x"), "`` `x ``");
        assert_eq!(markdown_code("a|b"), "`a\\|b`");
        assert_eq!(markdown_message("`a.b` is <i> `c`"), "`a.b` is \\<i\\> `c`");
        assert_eq!(markdown_message("odd ` tick"), "odd \\` tick");
    }

    #[test]
    fn stable_hash_separates_parts() {
        assert_ne!(stable_hash(&["ab", "c"]), stable_hash(&["a", "bc"]));
        // The FNV-1a value is fixed forever: fingerprints depend on it.
        assert_eq!(stable_hash(&[]), 0xcbf2_9ce4_8422_2325);
        assert_eq!(stable_hash(&["a"]), stable_hash(&["a"]));
    }
}
