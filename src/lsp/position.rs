//! Positions and addresses as the protocol has them: UTF-16 line and
//! character positions, and `file:` URIs.
//!
//! privet's spans are byte offsets; [`SourceFile`] knows where lines start.
//! A character position in the protocol counts UTF-16 code units (a letter
//! outside the Basic Multilingual Plane counts two), so both directions walk
//! the characters of one line.

use crate::source::{SourceFile, Span, offset_u32};
use lsp_types::{Position, Range, Uri};
use percent_encoding::{AsciiSet, CONTROLS, percent_decode_str, utf8_percent_encode};
use std::path::{Path, PathBuf};

/// The protocol position of a byte offset. An offset inside a character is
/// moved back to the character's start; one past the end is clamped.
pub fn position(file: &SourceFile, offset: u32) -> Position {
    let text = file.text();
    let mut offset = (offset as usize).min(text.len());
    while offset > 0 && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let line = file.line_index(offset_u32(offset));
    let start = file.line_range(line).map_or(0, |range| range.start);
    let character: usize = text
        .get(start..offset)
        .unwrap_or("")
        .chars()
        .map(char::len_utf16)
        .sum();
    Position {
        line: offset_u32(line),
        character: offset_u32(character),
    }
}

/// The byte offset of a protocol position. A line past the end gives the end
/// of the text; a character past the end of its line gives the line's end;
/// a position inside a surrogate pair gives the start of its character.
pub fn offset(file: &SourceFile, position: Position) -> u32 {
    let text = file.text();
    let Some(range) = file.line_range(position.line as usize) else {
        return offset_u32(text.len());
    };
    let line = text.get(range.clone()).unwrap_or("");
    let mut units = 0usize;
    for (index, c) in line.char_indices() {
        let next = units + c.len_utf16();
        if next > position.character as usize {
            return offset_u32(range.start + index);
        }
        units = next;
    }
    offset_u32(range.end)
}

pub fn range(file: &SourceFile, span: Span) -> Range {
    Range {
        start: position(file, span.start),
        end: position(file, span.end),
    }
}

/// The characters a path keeps unescaped in a `file:` URI.
const PATH_ESCAPES: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'[')
    .add(b']')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

/// The `file:` URI of an absolute path.
pub fn path_to_uri(path: &Path) -> Option<Uri> {
    let text = path.to_string_lossy().replace('\\', "/");
    let text = if text.starts_with('/') {
        text
    } else {
        // A Windows path: `C:/x` becomes `/C:/x`.
        format!("/{text}")
    };
    let encoded = utf8_percent_encode(&text, PATH_ESCAPES).to_string();
    format!("file://{encoded}").parse().ok()
}

/// The path of a `file:` URI; `None` for other schemes.
pub fn uri_to_path(uri: &Uri) -> Option<PathBuf> {
    let rest = uri.as_str().strip_prefix("file://")?;
    // Skip the authority (`localhost`, or nothing).
    let path = rest.get(rest.find('/')?..)?;
    let path = path.split(['?', '#']).next().unwrap_or(path);
    let decoded = percent_decode_str(path).decode_utf8().ok()?.into_owned();
    // `/C:/x` is the Windows path `C:/x`.
    let bytes = decoded.as_bytes();
    let windows = bytes.len() >= 3
        && bytes.first() == Some(&b'/')
        && bytes.get(1).is_some_and(u8::is_ascii_alphabetic)
        && bytes.get(2) == Some(&b':');
    if windows {
        decoded.get(1..).map(PathBuf::from)
    } else {
        Some(PathBuf::from(decoded))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceMap;

    #[test]
    fn utf16_positions_round_trip_through_offsets() {
        let mut map = SourceMap::new();
        // `é` is one UTF-16 unit in two bytes, `𝄞` two units in four bytes.
        let text = "ab\né𝄞x\n\nlast";
        let id = map.add("a.privet", text);
        let file = map.get(id).unwrap();
        let x = text.find('x').unwrap() as u32;
        assert_eq!(position(file, x), Position::new(1, 3));
        assert_eq!(offset(file, Position::new(1, 3)), x);
        // Inside the surrogate pair: the start of `𝄞`.
        assert_eq!(offset(file, Position::new(1, 2)), x - 4);
        // Past the end of a line, and past the last line.
        assert_eq!(offset(file, Position::new(0, 99)), 2);
        assert_eq!(offset(file, Position::new(99, 0)), text.len() as u32);
        // Inside a multi-byte character: its start.
        assert_eq!(position(file, 4), Position::new(1, 0));
        for (index, _) in text.char_indices() {
            let index = index as u32;
            assert_eq!(offset(file, position(file, index)), index);
        }
    }

    #[test]
    fn file_uris_and_paths() {
        let path = Path::new("/work/my policies/ä#1.privet");
        let uri = path_to_uri(path).unwrap();
        assert_eq!(uri.as_str(), "file:///work/my%20policies/%C3%A4%231.privet");
        assert_eq!(uri_to_path(&uri).unwrap(), path);
        let vscode: Uri = "file:///c%3A/Users/x.privet".parse().unwrap();
        assert_eq!(
            uri_to_path(&vscode).unwrap(),
            PathBuf::from("c:/Users/x.privet")
        );
        let host: Uri = "file://localhost/etc/a.privet".parse().unwrap();
        assert_eq!(uri_to_path(&host).unwrap(), PathBuf::from("/etc/a.privet"));
        let untitled: Uri = "untitled:Untitled-1".parse().unwrap();
        assert_eq!(uri_to_path(&untitled), None);
    }
}
