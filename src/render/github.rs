//! `--format github`: GitHub Actions workflow commands, one annotation per
//! diagnostic (errors first, then warnings, then notes), a summary line, and
//! the Markdown a workflow step appends to `$GITHUB_STEP_SUMMARY` (the CLI
//! writes it; nothing here touches a file).

use super::human::summary_line;
use super::json::locate;
use super::markup;
use super::sarif::{Failure, relative_path};
use crate::diagnostic::{Diagnostic, Severity, Summary};
use crate::source::SourceMap;
use std::fmt::Write as _;

/// Escapes the message of a workflow command; control characters are made
/// [`visible`](markup::visible), so none reaches the log raw.
pub fn escape_data(text: &str) -> String {
    markup::visible(text)
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value of a workflow command.
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

fn command(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "notice",
    }
}

/// One annotation: `::error file=...,line=...,col=...,endLine=...,endColumn=...,title=NAME::message`.
/// File names are relative to `base` (the working directory), as in SARIF.
pub fn annotation(sources: &SourceMap, diagnostic: &Diagnostic, base: Option<&str>) -> String {
    let mut properties = Vec::new();
    if sources.get(diagnostic.primary.span.file).is_some() {
        let (file, start, end) = locate(sources, diagnostic.primary.span);
        let file = relative_path(&file, base);
        properties.push(format!("file={}", escape_property(&file)));
        properties.push(format!("line={}", start.line));
        properties.push(format!("col={}", start.column));
        properties.push(format!("endLine={}", end.line));
        properties.push(format!("endColumn={}", end.column));
    }
    properties.push(format!(
        "title={}",
        escape_property(diagnostic.name.as_str())
    ));
    let mut message = diagnostic.message.clone();
    let primary = diagnostic.primary.text();
    if !primary.is_empty() {
        let _ = write!(message, "\n{primary}");
    }
    for label in &diagnostic.labels {
        let (file, start, _) = locate(sources, label.span);
        let file = relative_path(&file, base);
        let _ = write!(message, "\n{file}:{start}: {}", label.text());
    }
    for note in &diagnostic.notes {
        let _ = write!(message, "\nnote: {note}");
    }
    if let Some(help) = &diagnostic.help {
        let _ = write!(message, "\nhelp: {help}");
    }
    format!(
        "::{} {}::{}",
        command(diagnostic.severity),
        properties.join(","),
        escape_data(&message)
    )
}

/// Every annotation, errors first, then warnings, then notes (each group in
/// report order), then the summary line. File names are relative to `base`.
pub fn render(
    sources: &SourceMap,
    diagnostics: &[Diagnostic],
    failures: &[Failure],
    base: Option<&str>,
) -> String {
    let mut out = String::new();
    for failure in failures {
        let path = relative_path(&failure.path, base);
        let _ = writeln!(
            out,
            "::error file={},title=privet::{}",
            escape_property(&path),
            escape_data(&format!("cannot read `{path}`: {}", failure.message))
        );
    }
    for severity in [Severity::Error, Severity::Warning, Severity::Note] {
        for diagnostic in diagnostics.iter().filter(|d| d.severity == severity) {
            out.push_str(&annotation(sources, diagnostic, base));
            out.push('\n');
        }
    }
    if failures.is_empty() {
        out.push_str(&summary_line(Summary::of(diagnostics), sources.len()));
    } else {
        out.push_str("privet: the program could not be read");
    }
    out.push('\n');
    out
}

/// The Markdown for `$GITHUB_STEP_SUMMARY`: the counts, then a table of the
/// diagnostics. File names are relative to `base`. User text cannot mention
/// anyone or link anywhere ([`markup::markdown_inert`]), and the summary
/// stays under GitHub's size limit for a comment: rows that do not fit are
/// left out, whole, and counted on its last line.
pub fn step_summary(
    sources: &SourceMap,
    diagnostics: &[Diagnostic],
    failures: &[Failure],
    base: Option<&str>,
) -> String {
    let mut out = markup::BoundedMarkdown::new(
        markup::GITHUB_COMMENT_BUDGET,
        ("diagnostic", "diagnostics"),
        "every one is annotated in this step's log, and `privet check` gives the full report",
    );
    out.push("## privet check\n\n");
    out.section(
        "",
        failures.iter().map(|failure| {
            format!(
                "- cannot read {}: {}\n",
                markup::markdown_code(&relative_path(&failure.path, base)),
                markup::markdown_inert(&failure.message)
            )
        }),
        "\n",
    );
    let summary = Summary::of(diagnostics);
    let line = summary_line(summary, sources.len());
    out.push(&format!(
        "{}\n\n",
        markup::markdown(line.strip_prefix("privet: ").unwrap_or(&line))
    ));
    let rows = [Severity::Error, Severity::Warning, Severity::Note]
        .into_iter()
        .flat_map(|severity| diagnostics.iter().filter(move |d| d.severity == severity))
        .map(|diagnostic| {
            let (file, start, _) = locate(sources, diagnostic.primary.span);
            let file = relative_path(&file, base);
            // The sections of the notice at stake follow the message.
            let mut message = diagnostic.message.clone();
            for cite in diagnostic.cites() {
                let _ = write!(message, " (cite {})", crate::format::quote(cite));
            }
            format!(
                "| {} | {} | {} | {} |\n",
                diagnostic.severity.as_str(),
                markup::markdown_code(diagnostic.name.as_str()),
                markup::markdown_code(&format!("{file}:{start}")),
                markup::markdown_message_inert(&message)
            )
        });
    out.section(
        "| severity | diagnostic | where | message |\n|---|---|---|---|\n",
        rows,
        "",
    );
    out.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workflow_command_escaping() {
        assert_eq!(escape_data("50% a\r\nb: c,d"), "50%25 a%0D%0Ab: c,d");
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
        assert_eq!(
            escape_data("a\u{1b}]0;x\u{7}\u{202e}b\rc"),
            "a<U+001B>]0;x<U+0007><U+202E>b<U+000D>c"
        );
        assert_eq!(escape_property("f\u{1b}.privet"), "f<U+001B>.privet");
    }
}
