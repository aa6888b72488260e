//! rustc-style terminal output through codespan-reporting.

use super::markup::visible;
use crate::diagnostic::{Diagnostic, Name, Severity, Summary};
use crate::source::{FileId, SourceFile, SourceMap, Span, control_characters, offset_u32};
use codespan_reporting::diagnostic as cs;
use codespan_reporting::files::{Error as FilesError, Files};
use codespan_reporting::term;
use std::borrow::Cow;
use std::cell::OnceCell;
use std::collections::BTreeSet;
use std::ops::Range;

/// The files as a terminal is shown them: names and text with every
/// control character made [`visible`] (`<U+001B>` for an escape), so no
/// source line can act on the terminal or reorder itself when shown. Spans
/// are moved to the shown text; lines and columns stay those of the file.
struct Shown<'a> {
    sources: &'a SourceMap,
    /// Each file, made when first needed.
    files: Vec<OnceCell<ShownFile<'a>>>,
}

struct ShownFile<'a> {
    name: Cow<'a, str>,
    text: Cow<'a, str>,
    /// Each character replaced: its byte range in the file and that of its
    /// replacement in the shown text, in order.
    edits: Vec<Edit>,
}

#[derive(Clone, Copy)]
struct Edit {
    start: usize,
    end: usize,
    shown_start: usize,
    shown_end: usize,
}

impl ShownFile<'_> {
    /// The shown offset of an offset of the file.
    fn shown(&self, offset: usize) -> usize {
        let before = self.edits.partition_point(|edit| edit.end <= offset);
        match before
            .checked_sub(1)
            .and_then(|index| self.edits.get(index))
        {
            Some(edit) => (offset + edit.shown_end).saturating_sub(edit.end),
            None => offset,
        }
    }

    /// The offset in the file of a shown offset; one inside a replacement
    /// is its character's start.
    fn original(&self, shown: usize) -> usize {
        let before = self.edits.partition_point(|edit| edit.shown_end <= shown);
        let offset = match before
            .checked_sub(1)
            .and_then(|index| self.edits.get(index))
        {
            Some(edit) => (shown + edit.end).saturating_sub(edit.shown_end),
            None => shown,
        };
        match self.edits.get(before) {
            Some(edit) if edit.shown_start < shown => edit.start,
            _ => offset,
        }
    }
}

impl<'a> Shown<'a> {
    fn new(sources: &'a SourceMap) -> Self {
        Shown {
            sources,
            files: (0..sources.len()).map(|_| OnceCell::new()).collect(),
        }
    }

    fn file(&self, id: FileId) -> Result<(&SourceFile, &ShownFile<'a>), FilesError> {
        let file = self.sources.get(id).ok_or(FilesError::FileMissing)?;
        let cell = self
            .files
            .get(id.0 as usize)
            .ok_or(FilesError::FileMissing)?;
        let shown = cell.get_or_init(|| {
            let text = file.text();
            let mut edits = Vec::new();
            let mut growth = 0;
            for (at, c) in control_characters(text) {
                let end = at + c.len_utf8();
                let shown_length = visible(text.get(at..end).unwrap_or("")).len();
                edits.push(Edit {
                    start: at,
                    end,
                    shown_start: at + growth,
                    shown_end: at + growth + shown_length,
                });
                growth += shown_length - c.len_utf8();
            }
            ShownFile {
                name: visible(file.name()),
                text: visible(text),
                edits,
            }
        });
        Ok((file, shown))
    }

    /// A span of a file as a range of its shown text.
    fn range(&self, span: Span) -> Range<usize> {
        match self.file(span.file) {
            Ok((_, shown)) => shown.shown(span.start as usize)..shown.shown(span.end as usize),
            Err(_) => span.range(),
        }
    }
}

impl<'a> Files<'a> for Shown<'_> {
    type FileId = FileId;
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, id: FileId) -> Result<&'a str, FilesError> {
        Ok(&self.file(id)?.1.name)
    }

    fn source(&'a self, id: FileId) -> Result<&'a str, FilesError> {
        Ok(&self.file(id)?.1.text)
    }

    fn line_index(&'a self, id: FileId, byte_index: usize) -> Result<usize, FilesError> {
        let (file, shown) = self.file(id)?;
        Ok(file.line_index(offset_u32(shown.original(byte_index))))
    }

    /// The column the JSON output gives too: Unicode scalar values of the
    /// file, a byte order mark not counted, found without scanning the line.
    fn column_number(
        &'a self,
        id: FileId,
        _line_index: usize,
        byte_index: usize,
    ) -> Result<usize, FilesError> {
        let (file, shown) = self.file(id)?;
        Ok(file
            .line_column(offset_u32(shown.original(byte_index)))
            .column as usize)
    }

    fn line_range(&'a self, id: FileId, line_index: usize) -> Result<Range<usize>, FilesError> {
        let (file, shown) = self.file(id)?;
        let range = match file.line_range(line_index) {
            Some(range) => {
                // codespan wants the range to include the line break.
                let end = file
                    .line_range(line_index + 1)
                    .map_or(file.text().len(), |next| next.start);
                range.start..end
            }
            None if line_index == file.line_count() => file.text().len()..file.text().len(),
            None => {
                return Err(FilesError::LineTooLarge {
                    given: line_index,
                    max: file.line_count().saturating_sub(1),
                });
            }
        };
        Ok(shown.shown(range.start)..shown.shown(range.end))
    }
}

fn to_codespan(shown: &Shown, diagnostic: &Diagnostic) -> cs::Diagnostic<FileId> {
    let severity = match diagnostic.severity {
        Severity::Error => cs::Severity::Error,
        Severity::Warning => cs::Severity::Warning,
        Severity::Note => cs::Severity::Note,
    };
    let primary = &diagnostic.primary;
    let mut labels = vec![
        cs::Label::primary(primary.span.file, shown.range(primary.span))
            .with_message(visible(&primary.text())),
    ];
    labels.extend(diagnostic.labels.iter().map(|label| {
        cs::Label::secondary(label.span.file, shown.range(label.span))
            .with_message(visible(&label.text()))
    }));
    let mut notes: Vec<String> = diagnostic
        .notes
        .iter()
        .map(|note| format!("note: {}", visible(note)))
        .collect();
    if let Some(help) = &diagnostic.help {
        notes.push(format!("help: {}", visible(help)));
    }
    cs::Diagnostic::new(severity)
        .with_code(diagnostic.name.as_str())
        .with_message(visible(&diagnostic.message))
        .with_labels(labels)
        .with_notes(notes)
}

fn config() -> term::Config {
    term::Config::default()
}

/// Renders one diagnostic without colour, as tests and snapshots see it.
pub fn render_plain(sources: &SourceMap, diagnostic: &Diagnostic) -> String {
    plain(&Shown::new(sources), diagnostic)
}

fn plain(shown: &Shown, diagnostic: &Diagnostic) -> String {
    term::emit_into_string(&config(), shown, &to_codespan(shown, diagnostic))
        .unwrap_or_else(|error| format!("{}: {}\n", diagnostic.name, error))
}

/// Renders every diagnostic, without colour, followed by a summary line.
pub fn render_all_plain(sources: &SourceMap, diagnostics: &[Diagnostic]) -> String {
    let shown = Shown::new(sources);
    let mut out = String::new();
    for diagnostic in diagnostics {
        out.push_str(&plain(&shown, diagnostic));
    }
    if let Some(line) = explain_line(diagnostics) {
        out.push_str(&line);
        out.push('\n');
    }
    out.push_str(&summary_line(Summary::of(diagnostics), sources.len()));
    out.push('\n');
    out
}

/// Writes every diagnostic to a colour-capable writer, then a summary line.
pub fn emit(
    writer: &mut dyn term::termcolor::WriteColor,
    sources: &SourceMap,
    diagnostics: &[Diagnostic],
) -> std::io::Result<()> {
    let config = config();
    let shown = Shown::new(sources);
    for diagnostic in diagnostics {
        let converted = to_codespan(&shown, diagnostic);
        if term::emit_to_write_style(writer, &config, &shown, &converted).is_err() {
            writeln!(
                writer,
                "{}: {}",
                diagnostic.name,
                visible(&diagnostic.message)
            )?;
        }
    }
    if let Some(line) = explain_line(diagnostics) {
        writeln!(writer, "{line}")?;
    }
    writeln!(
        writer,
        "{}",
        summary_line(Summary::of(diagnostics), sources.len())
    )
}

/// Where to read more, as rustc ends with `rustc --explain`: the page of
/// the one diagnostic shown, or the names of those shown.
fn explain_line(diagnostics: &[Diagnostic]) -> Option<String> {
    let names: BTreeSet<Name> = diagnostics.iter().map(|d| d.name).collect();
    let mut names = names.iter();
    let first = names.next()?;
    let rest: Vec<String> = names.map(|name| format!("`{name}`")).collect();
    Some(if rest.is_empty() {
        format!("for more information, try `privet explain {first}`")
    } else {
        format!(
            "for more information, try `privet explain NAME` with one of `{first}`, {}",
            rest.join(", ")
        )
    })
}

/// `privet: 2 errors, 1 warning in 3 files`
pub fn summary_line(summary: Summary, files: usize) -> String {
    let plural = |n: usize, word: &str| {
        if n == 1 {
            format!("{n} {word}")
        } else {
            format!("{n} {word}s")
        }
    };
    if summary.errors == 0 && summary.warnings == 0 {
        format!("privet: no problems found in {}", plural(files, "file"))
    } else {
        format!(
            "privet: {}, {} in {}",
            plural(summary.errors, "error"),
            plural(summary.warnings, "warning"),
            plural(files, "file")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_shown_visibly_and_spans_follow() {
        let mut sources = SourceMap::new();
        let text = "category a \"x\u{1b}]0;owned\u{7}\u{202e}y\" // z\r\ncategory b\u{9b}2J\r\n";
        let file = sources.add("a\u{1b}[2J.privet", text);
        let at = text.find('\u{202e}').unwrap() as u32;
        let diagnostic = Diagnostic::new(
            Name::UnknownName,
            Span::new(file, at, at + 3),
            "message \u{1b}[2J",
        )
        .primary_message("primary \u{202e}")
        .label(Span::new(file, 9, 10), "label \u{7}")
        .note("note \u{1b}")
        .help("help \u{202e}");
        let shown = render_plain(&sources, &diagnostic);
        assert!(
            !shown.chars().any(crate::source::is_control_character),
            "{shown:?}"
        );
        assert!(shown.contains("a<U+001B>[2J.privet:1:24"), "{shown}");
        assert!(
            shown.contains("1 │ category a \"x<U+001B>]0;owned<U+0007><U+202E>y\" // z\n"),
            "{shown}"
        );
        // The carets are under the replacement, the label under `a`.
        assert!(
            shown.contains("  │          -                           ^^^^^^^^ primary <U+202E>"),
            "{shown}"
        );
        for text in [
            "message <U+001B>[2J",
            "label <U+0007>",
            "note <U+001B>",
            "help <U+202E>",
        ] {
            assert!(shown.contains(text), "{text}: {shown}");
        }
        // A span after the replacements, on the next line, is still placed.
        let at = text.find('\u{9b}').unwrap() as u32;
        let later = Diagnostic::new(Name::SyntaxError, Span::new(file, at, at + 2), "m");
        let shown = render_plain(&sources, &later);
        assert!(shown.contains(":2:11"), "{shown}");
        assert!(
            shown.contains("2 │ category b<U+009B>2J\n  │           ^^^^^^^^"),
            "{shown}"
        );
    }

    #[test]
    fn shown_offsets_map_both_ways() {
        let mut sources = SourceMap::new();
        let text = "ab\u{1b}c\u{202e}d";
        let file = sources.add("a.privet", text);
        let shown = Shown::new(&sources);
        let (_, mapped) = shown.file(file).unwrap();
        assert_eq!(mapped.text, "ab<U+001B>c<U+202E>d");
        // a b ESC c RLO d: offsets 0 1 2 3 4 7 (end 8).
        let forward: Vec<usize> = [0, 1, 2, 3, 4, 7, 8].map(|o| mapped.shown(o)).to_vec();
        assert_eq!(forward, vec![0, 1, 2, 10, 11, 19, 20]);
        for (original, shown_at) in [0, 1, 2, 3, 4, 7, 8].iter().zip(&forward) {
            assert_eq!(mapped.original(*shown_at), *original);
        }
        // Inside a replacement: its character's start.
        assert_eq!(mapped.original(5), 2);
        assert_eq!(mapped.original(15), 4);
    }
}
