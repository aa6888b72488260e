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
    message_with(text, markdown)
}

/// A privet message as Markdown with its prose written by `prose`.
fn message_with(text: &str, prose: fn(&str) -> String) -> String {
    let parts: Vec<&str> = text.split('`').collect();
    if parts.len().is_multiple_of(2) {
        return prose(text);
    }
    parts
        .iter()
        .enumerate()
        .map(|(index, part)| {
            if index % 2 == 1 {
                markdown_code(part)
            } else {
                prose(part)
            }
        })
        .collect()
}

/// Prose for a page GitHub renders (a pull-request comment, a step
/// summary): as [`markdown`], except that a word GitHub would turn into a
/// mention (`@user`, `@org/team`), a link (`https://...`, `www....`, an
/// e-mail address, `mailto:`) or a reference to an issue (`#12`, `GH-12`,
/// `owner/repo#12`) is written as a code span.
///
/// Why a code span: GitHub finds mentions and references in the text of the
/// rendered page and skips code, and its autolinker does not look inside a
/// code span, so the word can neither ping anyone nor link anywhere, and it
/// still reads exactly as written. A backslash does not help (`\@user`
/// renders as the text `@user`, which GitHub then links), and a zero-width
/// joiner would hide in what a reader copies and depend on GitHub's patterns
/// staying as they are.
pub fn markdown_inert(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(first) = rest.chars().next() {
        let space = first.is_whitespace();
        let end = rest
            .char_indices()
            .find(|(_, c)| c.is_whitespace() != space)
            .map_or(rest.len(), |(index, _)| index);
        let (run, tail) = rest.split_at(end);
        if !space && github_would_link(run) {
            out.push_str(&markdown_code(run));
        } else {
            out.push_str(&markdown(run));
        }
        rest = tail;
    }
    out
}

/// A privet message for a page GitHub renders: as [`markdown_message`], with
/// its prose written by [`markdown_inert`].
pub fn markdown_message_inert(text: &str) -> String {
    message_with(text, markdown_inert)
}

/// Whether GitHub could make a mention, a link or an issue reference of
/// something in `word` (a run of text without white space).
fn github_would_link(word: &str) -> bool {
    let lower = word.to_lowercase();
    let digit_after = |separator: &str| {
        lower
            .split(separator)
            .skip(1)
            .any(|after| after.starts_with(|c: char| c.is_ascii_digit()))
    };
    ['@', '\u{ff20}'].iter().any(|&at| lower.contains(at))
        || ["://", "www.", "mailto:", "xmpp:"]
            .iter()
            .any(|pattern| lower.contains(pattern))
        || digit_after("#")
        || digit_after("gh-")
}

/// `text` cut to at most `max` characters (Unicode scalar values) at a
/// character boundary, an ellipsis standing for what was cut and counting as
/// one of them; shorter text is returned as it is.
pub fn abbreviate(text: &str, max: usize) -> std::borrow::Cow<'_, str> {
    if text.char_indices().nth(max).is_none() {
        return std::borrow::Cow::Borrowed(text);
    }
    let end = text
        .char_indices()
        .nth(max.saturating_sub(1))
        .map_or(text.len(), |(index, _)| index);
    std::borrow::Cow::Owned(format!("{}\u{2026}", text.get(..end).unwrap_or_default()))
}

/// GitHub refuses a comment (and an issue or pull-request body) longer than
/// this many characters.
pub const GITHUB_COMMENT_LIMIT: usize = 65_536;

/// How long, by [`github_length`], privet lets the Markdown of a comment or
/// a step summary be: under [`GITHUB_COMMENT_LIMIT`], with room left for
/// what a workflow adds around it (a sticky comment's marker, a heading).
pub const GITHUB_COMMENT_BUDGET: usize = 60_000;

/// A length of `text` never less than GitHub's count of its characters:
/// its UTF-8 bytes (at least one per character, whether characters are
/// counted as Unicode scalars or as UTF-16 units), a line feed counted twice
/// in case it travels as `\r\n`.
pub fn github_length(text: &str) -> usize {
    text.len() + text.bytes().filter(|&byte| byte == b'\n').count()
}

/// Markdown for a page GitHub shows, kept within a budget by leaving out
/// whole items (a list item, a table row, never part of one) from the first
/// that does not fit on; the last line then says how many were left out and
/// where the full output is. A section's heading is written only with its
/// first item, and its closing (such as `</details>`) always with it.
pub struct BoundedMarkdown {
    out: String,
    length: usize,
    budget: usize,
    /// The length kept free for the last line.
    reserve: usize,
    left_out: usize,
    noun: (&'static str, &'static str),
    full_output: &'static str,
}

impl BoundedMarkdown {
    /// A page of at most `budget` by [`github_length`], whose last line,
    /// when items are left out, counts them with `noun` (singular, plural)
    /// and says where they are with `full_output` (Markdown).
    pub fn new(
        budget: usize,
        noun: (&'static str, &'static str),
        full_output: &'static str,
    ) -> Self {
        let mut page = BoundedMarkdown {
            out: String::new(),
            length: 0,
            budget,
            reserve: 0,
            left_out: 0,
            noun,
            full_output,
        };
        page.reserve = github_length(&page.last_line(usize::MAX));
        page
    }

    /// Text always written (a title, the counts): privet's own words, short.
    pub fn push(&mut self, text: &str) {
        self.out.push_str(text);
        self.length += github_length(text);
    }

    /// A section: `opening`, the `items` that fit, then `closing`; nothing
    /// when its first item does not fit. Once an item has not fitted, no
    /// later one is written, here or in a later section, so what is shown
    /// is a beginning of the whole.
    pub fn section(
        &mut self,
        opening: &str,
        items: impl IntoIterator<Item = String>,
        closing: &str,
    ) {
        let mut opened = false;
        for item in items {
            if self.left_out > 0 {
                self.left_out += 1;
                continue;
            }
            let head = if opened { 0 } else { github_length(opening) };
            let needed =
                self.length + head + github_length(&item) + github_length(closing) + self.reserve;
            if needed > self.budget {
                self.left_out += 1;
                continue;
            }
            if !opened {
                self.push(opening);
                opened = true;
            }
            self.push(&item);
        }
        if opened {
            self.push(closing);
        }
    }

    fn last_line(&self, left_out: usize) -> String {
        let (one, many) = self.noun;
        format!(
            "\n**{left_out} more {} not shown** to keep this under GitHub's limit of 65,536 characters: {}.\n",
            if left_out == 1 { one } else { many },
            self.full_output
        )
    }

    /// The page, with the last line when something was left out.
    pub fn finish(mut self) -> String {
        if self.left_out > 0 {
            let line = self.last_line(self.left_out);
            self.out.push_str(&line);
        }
        self.out
    }
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
    fn inert_markdown_cannot_mention_or_link() {
        assert_eq!(
            markdown_inert("ask @octocat or @github/security"),
            "ask `@octocat` or `@github/security`"
        );
        assert_eq!(
            markdown_inert("see https://evil.example/a_b, WWW.evil.example or a@b.example"),
            "see `https://evil.example/a_b,` `WWW.evil.example` or `a@b.example`"
        );
        assert_eq!(
            markdown_inert("fixes #12, GH-3 and o/r#4 but not # 5 or gh-x"),
            "fixes `#12,` `GH-3` and `o/r#4` but not \\# 5 or gh-x"
        );
        assert_eq!(markdown_inert("mailto:x xmpp:y"), "`mailto:x` `xmpp:y`");
        // Line breaks still become spaces; a backtick in the word is fenced.
        assert_eq!(markdown_inert("a\n`@b` *c*"), "a `` `@b` `` \\*c\\*");
        assert_eq!(markdown_message_inert("`a.b` is @c's"), "`a.b` is `@c's`");
        // A backtick of the user's that breaks the pairing leaves the
        // message as prose, still inert.
        assert_eq!(
            markdown_message_inert("`x` said \"`@d\""),
            "\\`x\\` said ``\"`@d\"``"
        );
    }

    #[test]
    fn abbreviate_cuts_at_a_character_boundary() {
        assert_eq!(abbreviate("short", 5), "short");
        assert_eq!(abbreviate("longer", 5), "long\u{2026}");
        assert_eq!(
            abbreviate("\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}", 3),
            "\u{e9}\u{e9}\u{2026}"
        );
        assert!(matches!(
            abbreviate("same", 4),
            std::borrow::Cow::Borrowed(_)
        ));
    }

    #[test]
    fn github_length_is_never_less_than_githubs_count() {
        let text = "a\u{e9}\u{1f600}\n\u{ff20}\n";
        // However GitHub counts, and if line feeds arrive as `\r\n`.
        let sent = text.replace('\n', "\r\n");
        assert!(github_length(text) >= sent.chars().count());
        assert!(github_length(text) >= sent.encode_utf16().count());
    }

    #[test]
    fn bounded_markdown_leaves_out_whole_items_and_says_so() {
        let items = |prefix: &str| {
            (0..10)
                .map(|index| format!("- {prefix} {index}\n"))
                .collect::<Vec<_>>()
        };
        // Room for everything: nothing is said.
        let mut page = BoundedMarkdown::new(10_000, ("item", "items"), "see the log");
        page.push("# title\n");
        page.section("\n## one\n\n", items("a"), "");
        page.section("<details>\n", items("b"), "</details>\n");
        let whole = page.finish();
        assert!(!whole.contains("not shown"));
        assert_eq!(whole.matches("\n- ").count(), 20);
        // A budget that holds the first section and three items of the
        // second: the second is closed, the rest counted.
        let shown: String = ["# title\n", "\n## one\n\n"]
            .into_iter()
            .map(str::to_string)
            .chain(items("a"))
            .chain(["<details>\n".to_string()])
            .chain(items("b").into_iter().take(3))
            .collect();
        let reserve = BoundedMarkdown::new(0, ("item", "items"), "see the log").reserve;
        let budget = github_length(&shown) + github_length("</details>\n") + reserve;
        let mut page = BoundedMarkdown::new(budget, ("item", "items"), "see the log");
        page.push("# title\n");
        page.section("\n## one\n\n", items("a"), "");
        page.section("<details>\n", items("b"), "</details>\n");
        page.section("\n## three\n\n", items("c"), "");
        let cut = page.finish();
        assert!(github_length(&cut) <= budget, "{cut}");
        assert!(cut.starts_with(&format!("{shown}</details>\n")), "{cut}");
        assert!(!cut.contains("- b 3") && !cut.contains("three"), "{cut}");
        assert!(
            cut.ends_with("\n**17 more items not shown** to keep this under GitHub's limit of 65,536 characters: see the log.\n"),
            "{cut}"
        );
        // Not even the first item fits: no heading without an item.
        let mut page = BoundedMarkdown::new(0, ("item", "items"), "see the log");
        page.section("## one\n", items("a"), "");
        assert_eq!(
            page.finish(),
            "\n**10 more items not shown** to keep this under GitHub's limit of 65,536 characters: see the log.\n"
        );
    }

    #[test]
    fn stable_hash_separates_parts() {
        assert_ne!(stable_hash(&["ab", "c"]), stable_hash(&["a", "bc"]));
        // The FNV-1a value is fixed forever: fingerprints depend on it.
        assert_eq!(stable_hash(&[]), 0xcbf2_9ce4_8422_2325);
        assert_eq!(stable_hash(&["a"]), stable_hash(&["a"]));
    }
}
