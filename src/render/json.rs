//! `--format json`: the stable machine-readable shape. Fields may be added
//! in later versions, never renamed; `format_version` says which shape.

use super::sarif::Failure;
use crate::diagnostic::{Diagnostic, Severity, Summary};
use crate::source::{LineColumn, SourceMap, Span};
use serde::Serialize;

pub const FORMAT_VERSION: u32 = 1;

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

fn label(sources: &SourceMap, span: Span, message: &str) -> JsonLabel {
    let (file, start, end) = locate(sources, span);
    JsonLabel {
        file,
        start: start.into(),
        end: end.into(),
        message: message.to_string(),
    }
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
            .map(|diagnostic| {
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
                        .map(|l| label(sources, l.span, &l.message))
                        .collect(),
                    notes: diagnostic.notes.clone(),
                    help: diagnostic.help.clone(),
                }
            })
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
    let mut text = serde_json::to_string_pretty(&report).unwrap_or_else(|_| "{}".to_string());
    text.push('\n');
    text
}
