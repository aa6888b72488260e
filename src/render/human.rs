//! rustc-style terminal output through codespan-reporting.

use crate::diagnostic::{Diagnostic, Severity, Summary};
use crate::source::{FileId, SourceMap};
use codespan_reporting::diagnostic as cs;
use codespan_reporting::files::{Error as FilesError, Files};
use codespan_reporting::term;
use std::ops::Range;

impl<'a> Files<'a> for SourceMap {
    type FileId = FileId;
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, id: FileId) -> Result<&'a str, FilesError> {
        self.get(id)
            .map(|file| file.name())
            .ok_or(FilesError::FileMissing)
    }

    fn source(&'a self, id: FileId) -> Result<&'a str, FilesError> {
        self.get(id)
            .map(|file| file.text())
            .ok_or(FilesError::FileMissing)
    }

    fn line_index(&'a self, id: FileId, byte_index: usize) -> Result<usize, FilesError> {
        let file = self.get(id).ok_or(FilesError::FileMissing)?;
        Ok(file.line_index(crate::source::offset_u32(byte_index)))
    }

    /// The column the JSON output gives too: Unicode scalar values, a
    /// byte order mark not counted, found without scanning the line.
    fn column_number(
        &'a self,
        id: FileId,
        _line_index: usize,
        byte_index: usize,
    ) -> Result<usize, FilesError> {
        let file = self.get(id).ok_or(FilesError::FileMissing)?;
        Ok(file
            .line_column(crate::source::offset_u32(byte_index))
            .column as usize)
    }

    fn line_range(&'a self, id: FileId, line_index: usize) -> Result<Range<usize>, FilesError> {
        let file = self.get(id).ok_or(FilesError::FileMissing)?;
        match file.line_range(line_index) {
            Some(range) => {
                // codespan wants the range to include the line break.
                let end = file
                    .line_range(line_index + 1)
                    .map_or(file.text().len(), |next| next.start);
                Ok(range.start..end)
            }
            None if line_index == file.line_count() => Ok(file.text().len()..file.text().len()),
            None => Err(FilesError::LineTooLarge {
                given: line_index,
                max: file.line_count().saturating_sub(1),
            }),
        }
    }
}

fn to_codespan(diagnostic: &Diagnostic) -> cs::Diagnostic<FileId> {
    let severity = match diagnostic.severity {
        Severity::Error => cs::Severity::Error,
        Severity::Warning => cs::Severity::Warning,
        Severity::Note => cs::Severity::Note,
    };
    let primary = &diagnostic.primary;
    let mut labels = vec![
        cs::Label::primary(primary.span.file, primary.span.range())
            .with_message(primary.message.clone()),
    ];
    labels.extend(diagnostic.labels.iter().map(|label| {
        cs::Label::secondary(label.span.file, label.span.range())
            .with_message(label.message.clone())
    }));
    let mut notes: Vec<String> = diagnostic
        .notes
        .iter()
        .map(|note| format!("note: {note}"))
        .collect();
    if let Some(help) = &diagnostic.help {
        notes.push(format!("help: {help}"));
    }
    cs::Diagnostic::new(severity)
        .with_code(diagnostic.name.as_str())
        .with_message(diagnostic.message.clone())
        .with_labels(labels)
        .with_notes(notes)
}

fn config() -> term::Config {
    term::Config::default()
}

/// Renders one diagnostic without colour, as tests and snapshots see it.
pub fn render_plain(sources: &SourceMap, diagnostic: &Diagnostic) -> String {
    term::emit_into_string(&config(), sources, &to_codespan(diagnostic))
        .unwrap_or_else(|error| format!("{}: {}\n", diagnostic.name, error))
}

/// Renders every diagnostic, without colour, followed by a summary line.
pub fn render_all_plain(sources: &SourceMap, diagnostics: &[Diagnostic]) -> String {
    let mut out = String::new();
    for diagnostic in diagnostics {
        out.push_str(&render_plain(sources, diagnostic));
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
    for diagnostic in diagnostics {
        if term::emit_to_write_style(writer, &config, sources, &to_codespan(diagnostic)).is_err() {
            writeln!(writer, "{}: {}", diagnostic.name, diagnostic.message)?;
        }
        writeln!(writer)?;
    }
    writeln!(
        writer,
        "{}",
        summary_line(Summary::of(diagnostics), sources.len())
    )
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
