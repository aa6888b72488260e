//! Source files and spans: the one place that knows how byte offsets map to
//! lines and columns.
//!
//! Spans are `u32` byte offsets into a file held by a [`SourceMap`]. Columns
//! count Unicode scalar values and are 1-based, as the JSON output promises;
//! the language server converts to UTF-16 itself.

use std::fmt;

/// Index of a file in a [`SourceMap`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct FileId(pub u32);

/// A byte range in one file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Span {
    pub file: FileId,
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(file: FileId, start: u32, end: u32) -> Self {
        Span { file, start, end }
    }

    /// The smallest span covering both; both must be in the same file.
    pub fn to(self, other: Span) -> Span {
        Span {
            file: self.file,
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// A 1-based line and column (Unicode scalar values).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct LineColumn {
    pub line: u32,
    pub column: u32,
}

/// One loaded file: its display name (the path as the user gave it, or a
/// name chosen by the caller) and its text.
#[derive(Clone, Debug)]
pub struct SourceFile {
    name: String,
    text: String,
    line_starts: Vec<u32>,
    /// The number of UTF-8 continuation bytes before each multiple of
    /// [`COLUMN_BLOCK`] bytes, so that a column costs at most one block's
    /// scan however long its line (a 1 MB line with 100,000 diagnostics
    /// would otherwise cost 10^11 steps).
    continuations: Vec<u32>,
    /// False for a file that could not be decoded: its text is only what
    /// could be shown, and the parser skips it.
    parsable: bool,
}

impl SourceFile {
    fn new(name: String, text: String) -> Self {
        let mut line_starts = vec![0];
        let mut continuations = Vec::with_capacity(text.len() / COLUMN_BLOCK + 1);
        let mut continued: u32 = 0;
        for (index, byte) in text.bytes().enumerate() {
            if index % COLUMN_BLOCK == 0 {
                continuations.push(continued);
            }
            if byte == b'\n' {
                line_starts.push(offset_u32(index + 1));
            } else if is_continuation(byte) {
                continued += 1;
            }
        }
        if text.len().is_multiple_of(COLUMN_BLOCK) {
            continuations.push(continued);
        }
        SourceFile {
            name,
            text,
            line_starts,
            continuations,
            parsable: true,
        }
    }

    /// The number of continuation bytes in `text[..offset]`.
    fn continuations_before(&self, offset: usize) -> usize {
        let block = offset / COLUMN_BLOCK;
        let counted = self.continuations.get(block).copied().unwrap_or(0) as usize;
        let rest = self
            .text
            .as_bytes()
            .get(block * COLUMN_BLOCK..offset)
            .unwrap_or(&[]);
        counted + rest.iter().filter(|byte| is_continuation(**byte)).count()
    }

    pub fn is_parsable(&self) -> bool {
        self.parsable
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// The 0-based line holding the byte offset.
    pub fn line_index(&self, offset: u32) -> usize {
        match self.line_starts.binary_search(&offset) {
            Ok(line) => line,
            Err(next) => next.saturating_sub(1),
        }
    }

    /// The byte range of a 0-based line, without its line break.
    pub fn line_range(&self, line: usize) -> Option<std::ops::Range<usize>> {
        let start = *self.line_starts.get(line)? as usize;
        let end = match self.line_starts.get(line + 1) {
            Some(next) => *next as usize,
            None => self.text.len(),
        };
        let body = self.text.get(start..end)?;
        let trimmed = body.trim_end_matches('\n').trim_end_matches('\r');
        Some(start..start + trimmed.len())
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// The 1-based line and column of a byte offset. Offsets inside a
    /// multi-byte character or past the end are clamped. A byte order mark
    /// takes no column, as in editors.
    pub fn line_column(&self, offset: u32) -> LineColumn {
        let offset = (offset as usize).min(self.text.len());
        let line = self.line_index(offset_u32(offset));
        let mut line_start = self.line_starts.get(line).copied().unwrap_or(0) as usize;
        if line == 0 && self.text.starts_with(BYTE_ORDER_MARK) {
            line_start = BYTE_ORDER_MARK.len_utf8();
        }
        let offset = offset.max(line_start);
        // The characters that start before `offset`: its bytes less the
        // continuation bytes among them.
        let column = (offset - line_start)
            - (self.continuations_before(offset) - self.continuations_before(line_start));
        LineColumn {
            line: offset_u32(line + 1),
            column: offset_u32(column + 1),
        }
    }
}

/// The byte order mark some editors put at the start of a UTF-8 file.
const BYTE_ORDER_MARK: char = '\u{feff}';

/// The stride of [`SourceFile`]'s column index, in bytes.
const COLUMN_BLOCK: usize = 256;

/// Whether a byte continues a UTF-8 sequence (`10xxxxxx`).
fn is_continuation(byte: u8) -> bool {
    byte & 0xc0 == 0x80
}

/// Every file of one program, addressed by [`FileId`].
#[derive(Clone, Debug, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    pub fn new() -> Self {
        SourceMap::default()
    }

    /// Adds a file. Text longer than `u32::MAX` bytes cannot be addressed by
    /// a span; callers reject it first (see [`MAX_FILE_BYTES`]).
    pub fn add(&mut self, name: impl Into<String>, text: impl Into<String>) -> FileId {
        let id = FileId(offset_u32(self.files.len()));
        self.files.push(SourceFile::new(name.into(), text.into()));
        id
    }

    /// Adds a file that could not be decoded, with the text to show in
    /// diagnostics about it. The parser skips it.
    pub fn add_unparsable(&mut self, name: impl Into<String>, shown: impl Into<String>) -> FileId {
        let id = self.add(name, shown);
        if let Some(file) = self.files.last_mut() {
            file.parsable = false;
        }
        id
    }

    pub fn get(&self, id: FileId) -> Option<&SourceFile> {
        self.files.get(id.0 as usize)
    }

    pub fn iter(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .map(|(index, file)| (FileId(offset_u32(index)), file))
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// The text a span covers, or "" when the span is out of range.
    pub fn snippet(&self, span: Span) -> &str {
        self.get(span.file)
            .and_then(|file| file.text.get(span.range()))
            .unwrap_or("")
    }
}

/// Whether a character must not stand raw in a program's text or reach a
/// reader raw: a control character (C0 other than tab and line feed, DEL,
/// C1), which a terminal acts on instead of showing it, or a bidirectional
/// control (Unicode's `Bidi_Control` property), which reorders the text
/// around it when it is displayed. A carriage return counts, except where it
/// ends a line before a line feed (see [`control_characters`]).
pub fn is_control_character(c: char) -> bool {
    (c.is_control() && c != '\t' && c != '\n') || is_bidi_control(c)
}

/// Whether a character is a bidirectional control: the embeddings,
/// overrides and isolates, and the implicit direction marks.
pub fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
    )
}

/// The control characters of a text (see [`is_control_character`]) with
/// their byte offsets, in order. A carriage return right before a line feed
/// is a CRLF line end, not one of them.
pub fn control_characters(text: &str) -> impl Iterator<Item = (usize, char)> + '_ {
    let bytes = text.as_bytes();
    bytes
        .iter()
        .enumerate()
        // Every such character starts with one of these bytes (C1 controls
        // with 0xc2, U+061C with 0xd8, the others with 0xe2), each of which
        // starts a character, so only they need decoding.
        .filter(|(_, byte)| matches!(**byte, 0x00..=0x1f | 0x7f | 0xc2 | 0xd8 | 0xe2))
        .filter_map(|(index, _)| Some((index, text.get(index..)?.chars().next()?)))
        .filter(move |(index, c)| {
            is_control_character(*c) && !(*c == '\r' && bytes.get(index + 1) == Some(&b'\n'))
        })
}

/// `U+202E (right-to-left override)`, in backticks as messages quote: the
/// code point and the Unicode name of a control character, in lowercase.
pub fn describe_control(c: char) -> String {
    format!("`U+{:04X}` ({})", u32::from(c), control_name(c))
}

/// The Unicode name (or, for the C0 and C1 controls, the ISO 6429 name) of
/// a control character, in lowercase; "control character" for any other.
pub fn control_name(c: char) -> &'static str {
    const C0: [&str; 32] = [
        "null",
        "start of heading",
        "start of text",
        "end of text",
        "end of transmission",
        "enquiry",
        "acknowledge",
        "bell",
        "backspace",
        "character tabulation",
        "line feed",
        "line tabulation",
        "form feed",
        "carriage return",
        "shift out",
        "shift in",
        "data link escape",
        "device control one",
        "device control two",
        "device control three",
        "device control four",
        "negative acknowledge",
        "synchronous idle",
        "end of transmission block",
        "cancel",
        "end of medium",
        "substitute",
        "escape",
        "file separator",
        "group separator",
        "record separator",
        "unit separator",
    ];
    const C1: [&str; 32] = [
        "padding character",
        "high octet preset",
        "break permitted here",
        "no break here",
        "index",
        "next line",
        "start of selected area",
        "end of selected area",
        "character tabulation set",
        "character tabulation with justification",
        "line tabulation set",
        "partial line forward",
        "partial line backward",
        "reverse line feed",
        "single shift two",
        "single shift three",
        "device control string",
        "private use one",
        "private use two",
        "set transmit state",
        "cancel character",
        "message waiting",
        "start of guarded area",
        "end of guarded area",
        "start of string",
        "single graphic character introducer",
        "single character introducer",
        "control sequence introducer",
        "string terminator",
        "operating system command",
        "privacy message",
        "application program command",
    ];
    let code = u32::from(c) as usize;
    match c {
        '\u{0}'..='\u{1f}' => C0.get(code).copied().unwrap_or("control character"),
        '\u{7f}' => "delete",
        '\u{80}'..='\u{9f}' => C1.get(code - 0x80).copied().unwrap_or("control character"),
        '\u{061c}' => "arabic letter mark",
        '\u{200e}' => "left-to-right mark",
        '\u{200f}' => "right-to-left mark",
        '\u{202a}' => "left-to-right embedding",
        '\u{202b}' => "right-to-left embedding",
        '\u{202c}' => "pop directional formatting",
        '\u{202d}' => "left-to-right override",
        '\u{202e}' => "right-to-left override",
        '\u{2066}' => "left-to-right isolate",
        '\u{2067}' => "right-to-left isolate",
        '\u{2068}' => "first strong isolate",
        '\u{2069}' => "pop directional isolate",
        _ => "control character",
    }
}

/// The largest file privet reads: spans are `u32` byte offsets.
pub const MAX_FILE_BYTES: u64 = u32::MAX as u64;

/// Converts an in-range offset to `u32`, saturating on (already rejected)
/// oversized input rather than panicking.
pub fn offset_u32(offset: usize) -> u32 {
    u32::try_from(offset).unwrap_or(u32::MAX)
}

/// `Debug` text with every [`Span`] written as just `Span`: what two syntax
/// trees or models that differ only in positions have in common. Used by the
/// formatter's self-check and by the tests that hold `fmt` to meaning.
pub fn strip_spans(debug: &str) -> String {
    const OPEN: &str = "Span { file: FileId(";
    let mut out = String::with_capacity(debug.len());
    let mut rest = debug;
    while let Some(start) = rest.find(OPEN) {
        out.push_str(rest.get(..start).unwrap_or(""));
        out.push_str("Span");
        let after = rest.get(start..).unwrap_or("");
        match after.find('}') {
            Some(close) => rest = after.get(close + 1..).unwrap_or(""),
            None => {
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

impl fmt::Display for LineColumn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_scalar_values() {
        let mut map = SourceMap::new();
        let id = map.add("a.privet", "ab\ncé x\r\nz");
        let file = map.get(id).unwrap();
        assert_eq!(file.line_column(0), LineColumn { line: 1, column: 1 });
        assert_eq!(file.line_column(3), LineColumn { line: 2, column: 1 });
        // `x` follows the two-byte `é` and a space.
        assert_eq!(file.line_column(7), LineColumn { line: 2, column: 4 });
        assert_eq!(file.line_column(10), LineColumn { line: 3, column: 1 });
        assert_eq!(file.line_range(1), Some(3..8));
        assert_eq!(file.line_column(1000), LineColumn { line: 3, column: 2 });
    }

    #[test]
    fn control_characters_are_found_and_named() {
        let text = "a\tb\r\nc\u{1b}[2J\rd\u{202e}e\u{85}\u{7f}\u{2069}\u{2070}\u{a0}é\n";
        let found: Vec<(usize, char)> = control_characters(text).collect();
        assert_eq!(
            found,
            vec![
                (6, '\u{1b}'),
                (10, '\r'),
                (12, '\u{202e}'),
                (16, '\u{85}'),
                (18, '\u{7f}'),
                (19, '\u{2069}')
            ]
        );
        // Every character the byte filter lets through is decoded where it
        // starts: the same as a plain scan over the characters.
        let all: String = (0..0x3000u32).filter_map(char::from_u32).collect();
        let plain: Vec<(usize, char)> = all
            .char_indices()
            .filter(|(_, c)| is_control_character(*c))
            .collect();
        assert_eq!(control_characters(&all).collect::<Vec<_>>(), plain);
        // C0 less tab and line feed, DEL, C1, the bidirectional controls.
        assert_eq!(plain.len(), 30 + 1 + 32 + 12);
        assert_eq!(describe_control('\u{1b}'), "`U+001B` (escape)");
        assert_eq!(
            describe_control('\u{202e}'),
            "`U+202E` (right-to-left override)"
        );
        assert_eq!(control_name('\u{9b}'), "control sequence introducer");
        assert_eq!(control_name('\u{9f}'), "application program command");
        assert_eq!(control_name('\u{0}'), "null");
        assert_eq!(control_name('\u{1f}'), "unit separator");
        assert!(!is_control_character('\t') && !is_control_character('\n'));
        assert!(!is_control_character('\u{200b}') && !is_control_character('\u{feff}'));
    }

    #[test]
    fn strip_spans_forgets_positions_only() {
        let a = format!("{:?}", (Span::new(FileId(0), 1, 2), "x"));
        let b = format!("{:?}", (Span::new(FileId(3), 40, 50), "x"));
        let c = format!("{:?}", (Span::new(FileId(0), 1, 2), "y"));
        assert_eq!(strip_spans(&a), strip_spans(&b));
        assert_eq!(strip_spans(&a), "(Span, \"x\")");
        assert_ne!(strip_spans(&a), strip_spans(&c));
    }

    /// The (line, column) of each offset of a file holding `text`.
    fn line_columns(text: &str, offsets: impl IntoIterator<Item = usize>) -> Vec<(u32, u32)> {
        let mut map = SourceMap::new();
        let id = map.add("a.privet", text);
        let file = map.get(id).unwrap();
        offsets
            .into_iter()
            .map(|offset| {
                let position = file.line_column(offset_u32(offset));
                (position.line, position.column)
            })
            .collect()
    }

    #[test]
    fn a_byte_order_mark_takes_no_column() {
        assert_eq!(
            line_columns("\u{feff}ab\ncd", [0, 3, 4, 6]),
            vec![(1, 1), (1, 1), (1, 2), (2, 1)]
        );
    }

    /// The column by its definition: the characters of the line that start
    /// before the offset.
    fn naive_column(text: &str, offset: usize) -> u32 {
        let offset = offset.min(text.len());
        let line_start = text.as_bytes()[..offset]
            .iter()
            .rposition(|byte| *byte == b'\n')
            .map_or(0, |i| i + 1);
        let count = text[line_start..]
            .char_indices()
            .take_while(|(index, _)| line_start + index < offset)
            .count();
        offset_u32(count + 1)
    }

    #[test]
    fn columns_are_right_across_index_blocks() {
        // Long lines of mixed one- to four-byte characters, crossing many
        // blocks of the column index, with offsets inside characters too.
        let mut text = String::new();
        for index in 0..3000 {
            text.push(['a', 'é', '中', '🦀', ' '][index % 5]);
            if index % 997 == 0 {
                text.push('\n');
            }
        }
        for length in [0, 1, 255, 256, 257, 512] {
            let line = "x".repeat(length);
            assert_eq!(
                line_columns(&line, [length]),
                vec![(1, naive_column(&line, length))]
            );
        }
        let offsets: Vec<usize> = (0..=text.len() + 3).step_by(7).collect();
        let columns: Vec<u32> = line_columns(&text, offsets.iter().copied())
            .into_iter()
            .map(|(_, column)| column)
            .collect();
        let expected: Vec<u32> = offsets.iter().map(|o| naive_column(&text, *o)).collect();
        assert_eq!(columns, expected);
    }
}
