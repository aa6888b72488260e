//! The tokens of `grammar/privet.pest`, matched on demand at a byte offset
//! of one item's text, exactly as pest matches them.
//!
//! The grammar is scannerless: which token is read depends on where the
//! parser is (`for` is a keyword after `allow use of x`, a name after
//! `category`; `3 years` is a duration only where one is expected), so this
//! lexer does not cut the text into a token stream ahead of the parser; it
//! answers "is there a name here, and where does it end?" for the parser.
//! Every function takes a byte offset and returns the offset after the
//! token, or `None`; none of them allocates.

/// The text of one item, with the matchers of the grammar's tokens.
#[derive(Clone, Copy)]
pub(super) struct Lexer<'a> {
    text: &'a str,
    bytes: &'a [u8],
}

/// `ident_char`: what may follow a keyword's last letter for it to be a
/// keyword still (`for` in `for.x` is, in `form` it is not).
fn is_ident_char(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_'
}

/// `ident_start`
fn is_ident_start(byte: u8) -> bool {
    byte.is_ascii_alphabetic() || byte == b'_'
}

/// `WHITESPACE`
fn is_whitespace(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\r' | b'\n')
}

impl<'a> Lexer<'a> {
    pub(super) fn new(text: &'a str) -> Self {
        Lexer {
            text,
            bytes: text.as_bytes(),
        }
    }

    pub(super) fn len(&self) -> usize {
        self.bytes.len()
    }

    fn byte(&self, at: usize) -> Option<u8> {
        self.bytes.get(at).copied()
    }

    /// The text between two offsets (empty when they are not boundaries).
    pub(super) fn slice(&self, start: usize, end: usize) -> &'a str {
        self.text.get(start..end).unwrap_or("")
    }

    /// pest's implicit `skip` between two elements of a sequence:
    /// `WHITESPACE* ~ (COMMENT ~ WHITESPACE*)*`. A `///` doc comment is not
    /// a comment (it belongs before an item), but `////` and more is.
    pub(super) fn skip(&self, mut at: usize) -> usize {
        loop {
            while self.byte(at).is_some_and(is_whitespace) {
                at += 1;
            }
            if self.byte(at) != Some(b'/') || self.byte(at + 1) != Some(b'/') {
                return at;
            }
            if self.is_doc(at) {
                return at;
            }
            // A comment runs to the end of its line, the line feed excluded.
            at = match self.bytes.get(at..).and_then(|rest| memchr(b'\n', rest)) {
                Some(newline) => at + newline,
                None => self.bytes.len(),
            };
        }
    }

    /// Whether a `///` doc comment (not four slashes) starts here.
    fn is_doc(&self, at: usize) -> bool {
        self.bytes
            .get(at..)
            .is_some_and(|rest| rest.starts_with(b"///") && !rest.starts_with(b"////"))
    }

    /// `doc`: a `///` line, to the end of its line (line feed excluded).
    pub(super) fn doc(&self, at: usize) -> Option<usize> {
        if !self.is_doc(at) {
            return None;
        }
        Some(
            match self.bytes.get(at..).and_then(|rest| memchr(b'\n', rest)) {
                Some(newline) => at + newline,
                None => self.bytes.len(),
            },
        )
    }

    /// The run of `ident_char`s starting here: a keyword matches here
    /// exactly when this run is the keyword (keywords are `@{ "kw" ~
    /// !ident_char }` and made of `ident_char`s).
    pub(super) fn word(&self, at: usize) -> &'a str {
        let mut end = at;
        while self.byte(end).is_some_and(is_ident_char) {
            end += 1;
        }
        self.slice(at, end)
    }

    /// The keyword `keyword` here: the offset after it.
    pub(super) fn keyword(&self, at: usize, keyword: &str) -> Option<usize> {
        let rest = self.bytes.get(at..)?;
        if !rest.starts_with(keyword.as_bytes()) {
            return None;
        }
        let end = at + keyword.len();
        if self.byte(end).is_some_and(is_ident_char) {
            return None;
        }
        Some(end)
    }

    /// A literal of punctuation, such as `->`, `,` or `=`.
    pub(super) fn punct(&self, at: usize, punct: &str) -> Option<usize> {
        self.bytes
            .get(at..)?
            .starts_with(punct.as_bytes())
            .then_some(at + punct.len())
    }

    /// The end of a run of `ident_char`s from `at` (`at` when there is none).
    fn ident_chars(&self, mut at: usize) -> usize {
        while self.byte(at).is_some_and(is_ident_char) {
            at += 1;
        }
        at
    }

    /// `name`: `ident_start ~ ident_char* ~ ("." ~ ident_start ~ ident_char*)*`.
    pub(super) fn name(&self, at: usize) -> Option<usize> {
        if !self.byte(at).is_some_and(is_ident_start) {
            return None;
        }
        let mut end = self.ident_chars(at + 1);
        while self.byte(end) == Some(b'.') && self.byte(end + 1).is_some_and(is_ident_start) {
            end = self.ident_chars(end + 2);
        }
        Some(end)
    }

    /// The end of a run of ASCII digits from `at` (`at` when there is none).
    fn digits(&self, mut at: usize) -> usize {
        while self.byte(at).is_some_and(|byte| byte.is_ascii_digit()) {
            at += 1;
        }
        at
    }

    /// `number` and `age`: `ASCII_DIGIT+`.
    pub(super) fn number(&self, at: usize) -> Option<usize> {
        let end = self.digits(at);
        (end > at).then_some(end)
    }

    /// `date`: `ASCII_DIGIT+ ~ "-" ~ ASCII_DIGIT+ ~ "-" ~ ASCII_DIGIT+`.
    pub(super) fn date(&self, at: usize) -> Option<usize> {
        let mut end = self.number(at)?;
        for _ in 0..2 {
            end = self.punct(end, "-")?;
            end = self.number(end)?;
        }
        Some(end)
    }

    /// `duration_literal`: `number ~ (" " | "\t")+ ~ unit`, the unit
    /// `ASCII_ALPHA+`. The offsets after the number, where the unit starts,
    /// and after the unit.
    pub(super) fn duration_literal(&self, at: usize) -> Option<(usize, usize, usize)> {
        let number_end = self.number(at)?;
        let mut unit_start = number_end;
        while matches!(self.byte(unit_start), Some(b' ' | b'\t')) {
            unit_start += 1;
        }
        if unit_start == number_end {
            return None;
        }
        let mut unit_end = unit_start;
        while self
            .byte(unit_end)
            .is_some_and(|byte| byte.is_ascii_alphabetic())
        {
            unit_end += 1;
        }
        (unit_end > unit_start).then_some((number_end, unit_start, unit_end))
    }

    /// `string`: `"` ~ `string_body` ~ `"`, the body any characters but a
    /// quote, a backslash or a line feed, or the escapes `\"`, `\\`, `\n`,
    /// `\t`. The offset after the closing quote, and whether the body holds
    /// an escape.
    pub(super) fn string(&self, at: usize) -> Option<(usize, bool)> {
        if self.byte(at) != Some(b'"') {
            return None;
        }
        let mut index = at + 1;
        let mut escaped = false;
        loop {
            match self.byte(index)? {
                b'"' => return Some((index + 1, escaped)),
                b'\\' => match self.byte(index + 1)? {
                    b'"' | b'\\' | b'n' | b't' => {
                        escaped = true;
                        index += 2;
                    }
                    _ => return None,
                },
                b'\n' => return None,
                _ => index += 1,
            }
        }
    }
}

/// The first `needle` in `haystack` (a line feed, in practice).
fn memchr(needle: u8, haystack: &[u8]) -> Option<usize> {
    haystack.iter().position(|byte| *byte == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skip_takes_whitespace_and_comments_but_not_doc_comments() {
        let lexer = Lexer::new("  // a\n\t//// b\r\n/// doc\n");
        assert_eq!(lexer.skip(0), 16);
        assert_eq!(lexer.doc(16), Some(23));
        assert_eq!(Lexer::new("// end").skip(0), 6);
        assert_eq!(Lexer::new("///").doc(0), Some(3));
    }

    #[test]
    fn keywords_need_a_non_name_character_after_them() {
        let lexer = Lexer::new("for.x form for");
        assert_eq!(lexer.keyword(0, "for"), Some(3));
        assert_eq!(lexer.keyword(6, "for"), None);
        assert_eq!(lexer.keyword(11, "for"), Some(14));
        assert_eq!(lexer.word(6), "form");
    }

    #[test]
    fn names_dates_durations_and_strings() {
        assert_eq!(Lexer::new("a.b_1.c. x").name(0), Some(7));
        assert_eq!(Lexer::new("a.1").name(0), Some(1));
        assert_eq!(Lexer::new("1a").name(0), None);
        assert_eq!(Lexer::new("2024-10-24x").date(0), Some(10));
        assert_eq!(
            Lexer::new("3 \tyears1").duration_literal(0),
            Some((1, 3, 8))
        );
        assert_eq!(Lexer::new("3years").duration_literal(0), None);
        assert_eq!(Lexer::new(r#""a\"b" x"#).string(0), Some((6, true)));
        assert_eq!(Lexer::new(r#""a\xb""#).string(0), None);
        assert_eq!(Lexer::new("\"a\nb\"").string(0), None);
    }
}
