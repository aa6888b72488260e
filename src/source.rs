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
    /// False for a file that could not be decoded: its text is only what
    /// could be shown, and the parser skips it.
    parsable: bool,
}

impl SourceFile {
    fn new(name: String, text: String) -> Self {
        let mut line_starts = vec![0];
        for (index, byte) in text.bytes().enumerate() {
            if byte == b'\n' {
                line_starts.push(offset_u32(index + 1));
            }
        }
        SourceFile {
            name,
            text,
            line_starts,
            parsable: true,
        }
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
    /// multi-byte character or past the end are clamped.
    pub fn line_column(&self, offset: u32) -> LineColumn {
        let offset = (offset as usize).min(self.text.len());
        let line = self.line_index(offset_u32(offset));
        let line_start = self.line_starts.get(line).copied().unwrap_or(0) as usize;
        let column = self
            .text
            .get(line_start..)
            .map(|rest| {
                rest.char_indices()
                    .take_while(|(index, _)| line_start + index < offset)
                    .count()
            })
            .unwrap_or(0);
        LineColumn {
            line: offset_u32(line + 1),
            column: offset_u32(column + 1),
        }
    }
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
    fn strip_spans_forgets_positions_only() {
        let a = format!("{:?}", (Span::new(FileId(0), 1, 2), "x"));
        let b = format!("{:?}", (Span::new(FileId(3), 40, 50), "x"));
        let c = format!("{:?}", (Span::new(FileId(0), 1, 2), "y"));
        assert_eq!(strip_spans(&a), strip_spans(&b));
        assert_eq!(strip_spans(&a), "(Span, \"x\")");
        assert_ne!(strip_spans(&a), strip_spans(&c));
    }
}
