//! Positions and addresses as the protocol has them: UTF-16 line and
//! character positions, and `file:` URIs.
//!
//! privet's spans are byte offsets; [`SourceFile`] knows where lines start.
//! A character position in the protocol counts UTF-16 code units (a letter
//! outside the Basic Multilingual Plane counts two). A [`Utf16Index`] knows
//! where a text's non-ASCII characters are, so both directions take a binary
//! search, not a walk along the line (lines may be very long).

use crate::source::{SourceFile, Span, offset_u32};
use lsp_types::{Position, Range, Uri};
use percent_encoding::{
    AsciiSet, CONTROLS, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode,
};
use std::path::{Path, PathBuf};

/// One character outside ASCII.
#[derive(Clone, Copy, Debug)]
struct Wide {
    start: u32,
    bytes: u32,
    units: u32,
    /// Bytes minus UTF-16 units of the text before it.
    extra_before: u32,
}

/// Where a text's characters outside ASCII are: empty for ASCII text.
#[derive(Clone, Debug, Default)]
pub struct Utf16Index {
    wide: Vec<Wide>,
}

impl Utf16Index {
    pub fn new(text: &str) -> Utf16Index {
        if text.is_ascii() {
            return Utf16Index::default();
        }
        let mut wide = Vec::new();
        let mut extra = 0u32;
        for (index, c) in text.char_indices() {
            if !c.is_ascii() {
                let (bytes, units) = (offset_u32(c.len_utf8()), offset_u32(c.len_utf16()));
                wide.push(Wide {
                    start: offset_u32(index),
                    bytes,
                    units,
                    extra_before: extra,
                });
                extra += bytes - units;
            }
        }
        Utf16Index { wide }
    }

    /// Bytes minus UTF-16 units of the text before a character boundary.
    fn extra(&self, offset: usize) -> usize {
        let before = self.wide.partition_point(|w| (w.start as usize) < offset);
        before
            .checked_sub(1)
            .and_then(|last| self.wide.get(last))
            .map_or(0, |w| (w.extra_before + w.bytes - w.units) as usize)
    }
}

/// A file with its [`Utf16Index`]: what position conversions need.
#[derive(Clone, Copy)]
pub struct Lines<'a> {
    pub file: &'a SourceFile,
    pub utf16: &'a Utf16Index,
}

/// The protocol position of a byte offset. An offset inside a character is
/// moved back to the character's start; one past the end is clamped.
pub fn position(lines: Lines<'_>, offset: u32) -> Position {
    let text = lines.file.text();
    let mut offset = (offset as usize).min(text.len());
    while offset > 0 && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let line = lines.file.line_index(offset_u32(offset));
    let start = lines.file.line_range(line).map_or(0, |range| range.start);
    let bytes = offset.saturating_sub(start);
    let extra = lines
        .utf16
        .extra(offset)
        .saturating_sub(lines.utf16.extra(start));
    Position {
        line: offset_u32(line),
        character: offset_u32(bytes.saturating_sub(extra)),
    }
}

/// The byte offset of a protocol position. A line past the end gives the end
/// of the text; a character past the end of its line gives the line's end;
/// a position inside a surrogate pair gives the start of its character.
pub fn offset(lines: Lines<'_>, position: Position) -> u32 {
    let text = lines.file.text();
    let Some(range) = lines.file.line_range(position.line as usize) else {
        return offset_u32(text.len());
    };
    let wanted = position.character as usize;
    let line_extra = lines.utf16.extra(range.start);
    let wide = &lines.utf16.wide;
    let first = wide.partition_point(|w| (w.start as usize) < range.start);
    let end = wide.partition_point(|w| (w.start as usize) < range.end);
    // The UTF-16 column where a wide character starts.
    let column =
        |w: &Wide| (w.start as usize - range.start) - (w.extra_before as usize - line_extra);
    let on_line = wide.get(first..end).unwrap_or(&[]);
    // The last wide character starting at or before the wanted column: the
    // text after it, up to the wanted column, is ASCII.
    let before = on_line.partition_point(|w| column(w) <= wanted);
    let found = match before.checked_sub(1).and_then(|last| on_line.get(last)) {
        None => range.start + wanted,
        Some(w) if wanted < column(w) + w.units as usize => w.start as usize,
        Some(w) => (w.start + w.bytes) as usize + (wanted - column(w) - w.units as usize),
    };
    offset_u32(found.min(range.end))
}

pub fn range(lines: Lines<'_>, span: Span) -> Range {
    Range {
        start: position(lines, span.start),
        end: position(lines, span.end),
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

/// What a path segment keeps unescaped under a client's folder URI: the
/// unreserved characters, as VS Code writes them.
const SEGMENT_ESCAPES: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The URI of a path inside a folder, spelled like the client spelled the
/// folder's URI: `file:///w%2Bs` and `a b.privet` give
/// `file:///w%2Bs/a%20b.privet`. `None` when the path is not inside it.
pub fn uri_under(folder_uri: &Uri, folder: &Path, path: &Path) -> Option<Uri> {
    let relative = path.strip_prefix(folder).ok()?;
    let mut text = folder_uri.as_str().trim_end_matches('/').to_string();
    for segment in relative.components() {
        let segment = segment.as_os_str().to_str()?;
        text.push('/');
        text.extend(utf8_percent_encode(segment, SEGMENT_ESCAPES));
    }
    text.parse().ok()
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
        let utf16 = Utf16Index::new(text);
        let file = Lines {
            file: map.get(id).unwrap(),
            utf16: &utf16,
        };
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

    /// The UTF-16 column of a byte offset, by walking the line.
    fn walked(text: &str, offset: usize) -> Position {
        let line_start = text.get(..offset).unwrap().rfind('\n').map_or(0, |i| i + 1);
        let line = text.get(..offset).unwrap().matches('\n').count();
        let units: usize = text
            .get(line_start..offset)
            .unwrap()
            .chars()
            .map(char::len_utf16)
            .sum();
        Position::new(line as u32, units as u32)
    }

    #[test]
    fn the_index_agrees_with_walking_the_line() {
        let texts = [
            "plain ascii\nsecond line\r\nthird",
            "é𝄞a\n\n𝄞𝄞 é x é\r\nzz𝄞",
            "ü\nü\nü",
            "a𝄞b𝄞c𝄞d\n",
        ];
        for text in texts {
            let mut map = SourceMap::new();
            let id = map.add("a.privet", text);
            let utf16 = Utf16Index::new(text);
            let lines = Lines {
                file: map.get(id).unwrap(),
                utf16: &utf16,
            };
            for (index, _) in text.char_indices().chain([(text.len(), ' ')]) {
                let expected = walked(text, index);
                assert_eq!(
                    position(lines, index as u32),
                    expected,
                    "{text:?} at {index}"
                );
                if !text.get(index..).unwrap().starts_with(['\r', '\n']) {
                    assert_eq!(offset(lines, expected), index as u32, "{text:?} at {index}");
                }
            }
        }
    }

    #[test]
    fn uris_under_a_client_folder_keep_its_spelling() {
        let folder: Uri = "file:///tmp/w%2Bs/".parse().unwrap();
        let uri = uri_under(
            &folder,
            Path::new("/tmp/w+s"),
            Path::new("/tmp/w+s/sub dir/a+b@c.privet"),
        )
        .unwrap();
        assert_eq!(uri.as_str(), "file:///tmp/w%2Bs/sub%20dir/a%2Bb%40c.privet");
        assert_eq!(
            uri_to_path(&uri).unwrap(),
            PathBuf::from("/tmp/w+s/sub dir/a+b@c.privet")
        );
        assert_eq!(
            uri_under(&folder, Path::new("/tmp/w+s"), Path::new("/x.privet")),
            None
        );
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
