//! `--format json`: the stable machine-readable shape. Fields may be added
//! in later versions, never renamed; `format_version` says which shape.

use super::sarif::Failure;
use crate::diagnostic::{Diagnostic, Label, Severity, Summary};
use crate::source::{LineColumn, SourceMap, Span, is_control_character};
use serde::Serialize;
use serde_json::ser::{Formatter, PrettyFormatter};
use std::io;

pub const FORMAT_VERSION: u32 = 1;

/// A value as pretty-printed JSON, ending with a line feed: what every
/// JSON output of privet is written with. serde_json escapes the C0
/// controls; DEL, the C1 controls and the bidirectional controls are
/// escaped too (`\u202e`), so a JSON reader gets the same text while a
/// terminal or a CI log showing the output sees nothing it would act on or
/// that would reorder what it shows.
pub fn text<T: Serialize + ?Sized>(value: &T) -> String {
    let mut bytes = Vec::new();
    let mut serializer =
        serde_json::Serializer::with_formatter(&mut bytes, Escaping(PrettyFormatter::new()));
    if value.serialize(&mut serializer).is_err() {
        return "{}\n".to_string();
    }
    let mut text = String::from_utf8(bytes).unwrap_or_else(|_| "{}".to_string());
    text.push('\n');
    text
}

/// serde_json's pretty printer, escaping every control character.
struct Escaping<'a>(PrettyFormatter<'a>);

impl Formatter for Escaping<'_> {
    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let mut copied = 0;
        for (at, c) in fragment
            .char_indices()
            .filter(|(_, c)| is_control_character(*c))
        {
            writer.write_all(fragment.get(copied..at).unwrap_or("").as_bytes())?;
            write!(writer, "\\u{:04x}", u32::from(c))?;
            copied = at + c.len_utf8();
        }
        writer.write_all(fragment.get(copied..).unwrap_or("").as_bytes())
    }

    fn begin_array<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.begin_array(writer)
    }

    fn end_array<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_array(writer)
    }

    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_array_value(writer, first)
    }

    fn end_array_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_array_value(writer)
    }

    fn begin_object<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.begin_object(writer)
    }

    fn end_object<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_object(writer)
    }

    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_object_key(writer, first)
    }

    fn begin_object_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.begin_object_value(writer)
    }

    fn end_object_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_object_value(writer)
    }
}

#[derive(Serialize)]
struct Position {
    line: u32,
    column: u32,
}

impl From<LineColumn> for Position {
    fn from(position: LineColumn) -> Self {
        Position {
            line: position.line,
            column: position.column,
        }
    }
}

#[derive(Serialize)]
struct JsonLabel {
    file: String,
    start: Position,
    end: Position,
    message: String,
    /// The citation of the rule the label points at (added in
    /// `format_version` 1; absent when it cites nothing).
    #[serde(skip_serializing_if = "Option::is_none")]
    cite: Option<String>,
}

#[derive(Serialize)]
struct JsonDiagnostic {
    name: &'static str,
    severity: Severity,
    message: String,
    file: String,
    start: Position,
    end: Position,
    labels: Vec<JsonLabel>,
    notes: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    help: Option<String>,
    /// The citations of the rules the diagnostic points at, its primary
    /// span's first, each once (added in `format_version` 1; absent when
    /// there are none).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    cites: Vec<String>,
}

#[derive(Serialize)]
struct JsonSummary {
    errors: usize,
    warnings: usize,
    files: usize,
}

/// A path that could not be read: the run checked nothing.
#[derive(Serialize)]
struct JsonError {
    path: String,
    message: String,
}

#[derive(Serialize)]
struct JsonReport {
    format_version: u32,
    diagnostics: Vec<JsonDiagnostic>,
    summary: JsonSummary,
    /// Present only when a path could not be read (exit code 2).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    errors: Vec<JsonError>,
}

/// The file name and start and end positions of a span.
pub fn locate(sources: &SourceMap, span: Span) -> (String, LineColumn, LineColumn) {
    match sources.get(span.file) {
        Some(file) => (
            file.name().to_string(),
            file.line_column(span.start),
            file.line_column(span.end),
        ),
        None => {
            let origin = LineColumn { line: 1, column: 1 };
            (String::new(), origin, origin)
        }
    }
}

fn label(sources: &SourceMap, label: &Label) -> JsonLabel {
    let (file, start, end) = locate(sources, label.span);
    JsonLabel {
        file,
        start: start.into(),
        end: end.into(),
        message: label.message.clone(),
        cite: label.cite.clone(),
    }
}

/// `privet query --format json`: the answer, and under `diagnostics` (in
/// the shape of `privet check --format json`, absent when there are none)
/// the errors of a program whose policy loads but whose data map breaks it.
pub fn answer_with_errors(
    sources: &SourceMap,
    answer: &crate::query::Answer,
    errors: &[Diagnostic],
) -> String {
    #[derive(Serialize)]
    struct AnswerWithErrors<'a> {
        #[serde(flatten)]
        answer: &'a crate::query::Answer,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        diagnostics: Vec<JsonDiagnostic>,
    }
    text(&AnswerWithErrors {
        answer,
        diagnostics: errors.iter().map(|d| json_diagnostic(sources, d)).collect(),
    })
}

/// The whole report as pretty-printed JSON.
pub fn render(sources: &SourceMap, diagnostics: &[Diagnostic]) -> String {
    render_with_failures(sources, diagnostics, &[])
}

/// [`render`], with the paths that could not be read listed under `errors`.
pub fn render_with_failures(
    sources: &SourceMap,
    diagnostics: &[Diagnostic],
    failures: &[Failure],
) -> String {
    let summary = Summary::of(diagnostics);
    let report = JsonReport {
        format_version: FORMAT_VERSION,
        diagnostics: diagnostics
            .iter()
            .map(|diagnostic| json_diagnostic(sources, diagnostic))
            .collect(),
        summary: JsonSummary {
            errors: summary.errors,
            warnings: summary.warnings,
            files: sources.len(),
        },
        errors: failures
            .iter()
            .map(|failure| JsonError {
                path: failure.path.clone(),
                message: failure.message.clone(),
            })
            .collect(),
    };
    text(&report)
}

fn json_diagnostic(sources: &SourceMap, diagnostic: &Diagnostic) -> JsonDiagnostic {
    let (file, start, end) = locate(sources, diagnostic.primary.span);
    JsonDiagnostic {
        name: diagnostic.name.as_str(),
        severity: diagnostic.severity,
        message: diagnostic.message.clone(),
        file,
        start: start.into(),
        end: end.into(),
        labels: diagnostic
            .labels
            .iter()
            .map(|l| label(sources, l))
            .collect(),
        notes: diagnostic.notes.clone(),
        help: diagnostic.help.clone(),
        cites: diagnostic.cites().into_iter().map(str::to_string).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_text_escapes_every_control_character_and_means_the_same() {
        let hostile = "a\u{1b}[2J\u{7f}\u{9b}\u{202e}b\u{2069}é\r\n\t";
        let value = serde_json::json!({ "key\u{202e}": [hostile, 1] });
        let written = text(&value);
        assert!(!written.chars().any(is_control_character), "{written:?}");
        assert!(written.contains("\\u001b[2J\\u007f\\u009b\\u202eb\\u2069é\\r\\n\\t"));
        let read: serde_json::Value = serde_json::from_str(&written).unwrap();
        assert_eq!(read, value);
        // Pretty-printed exactly as serde_json's own pretty printer does.
        let plain = serde_json::json!({ "a": [1, { "b": [] }], "c": {} });
        assert_eq!(
            text(&plain),
            format!("{}\n", serde_json::to_string_pretty(&plain).unwrap())
        );
    }
}
