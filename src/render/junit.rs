//! `--format junit`: JUnit XML, one test case per file.
//!
//! Each error is a `<failure>` of the file's test case (its `type` is the
//! diagnostic name). Warnings are failures too under `--deny-warnings`,
//! since they then fail the run; otherwise they and notes go to the test
//! case's `<system-out>`. A file privet could not read is an `<error>`.

use super::json::locate;
use super::markup::xml;
use super::sarif::Failure;
use crate::diagnostic::{Diagnostic, Severity};
use crate::source::SourceMap;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// The name of the test case for diagnostics whose file is unknown.
const PROGRAM_CASE: &str = "(program)";

fn describe(sources: &SourceMap, diagnostic: &Diagnostic) -> String {
    let (file, start, _) = locate(sources, diagnostic.primary.span);
    let mut text = format!(
        "{file}:{start}: {}[{}]: {}",
        diagnostic.severity.as_str(),
        diagnostic.name,
        diagnostic.message
    );
    for label in &diagnostic.labels {
        let (file, start, _) = locate(sources, label.span);
        let _ = write!(text, "\n  {file}:{start}: {}", label.text());
    }
    for note in &diagnostic.notes {
        let _ = write!(text, "\n  note: {note}");
    }
    if let Some(help) = &diagnostic.help {
        let _ = write!(text, "\n  help: {help}");
    }
    text
}

#[derive(Default)]
struct Case {
    failures: Vec<String>,
    output: Vec<String>,
    errors: Vec<String>,
}

/// The report as JUnit XML.
pub fn render(
    sources: &SourceMap,
    diagnostics: &[Diagnostic],
    failures: &[Failure],
    deny_warnings: bool,
) -> String {
    let mut cases: BTreeMap<String, Case> = BTreeMap::new();
    // Every file is a test case, in the order files were read.
    let mut order: Vec<String> = Vec::new();
    for (_, file) in sources.iter() {
        if cases
            .insert(file.name().to_string(), Case::default())
            .is_none()
        {
            order.push(file.name().to_string());
        }
    }
    for failure in failures {
        let case = cases.entry(failure.path.clone()).or_insert_with(|| {
            order.push(failure.path.clone());
            Case::default()
        });
        case.errors.push(format!(
            "<error type=\"io\" message=\"{}\"/>",
            xml(&format!(
                "cannot read `{}`: {}",
                failure.path, failure.message
            ))
        ));
    }
    for diagnostic in diagnostics {
        let name = sources
            .get(diagnostic.primary.span.file)
            .map_or(PROGRAM_CASE.to_string(), |file| file.name().to_string());
        let case = cases.entry(name.clone()).or_insert_with(|| {
            order.push(name);
            Case::default()
        });
        let fails = diagnostic.severity == Severity::Error
            || (deny_warnings && diagnostic.severity == Severity::Warning);
        if fails {
            case.failures.push(format!(
                "<failure type=\"{}\" message=\"{}\">{}</failure>",
                xml(diagnostic.name.as_str()),
                xml(&diagnostic.message),
                xml(&describe(sources, diagnostic))
            ));
        } else {
            case.output.push(describe(sources, diagnostic));
        }
    }

    let tests = order.len();
    let failed = cases
        .values()
        .filter(|case| !case.failures.is_empty())
        .count();
    let errored = cases
        .values()
        .filter(|case| !case.errors.is_empty())
        .count();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"privet\" tests=\"{tests}\" failures=\"{failed}\" errors=\"{errored}\">"
    );
    let _ = writeln!(
        out,
        "  <testsuite name=\"privet check\" tests=\"{tests}\" failures=\"{failed}\" errors=\"{errored}\" skipped=\"0\">"
    );
    for name in &order {
        let Some(case) = cases.get(name) else {
            continue;
        };
        let open = format!("    <testcase classname=\"privet\" name=\"{}\"", xml(name));
        if case.failures.is_empty() && case.output.is_empty() && case.errors.is_empty() {
            let _ = writeln!(out, "{open}/>");
            continue;
        }
        let _ = writeln!(out, "{open}>");
        for element in case.errors.iter().chain(&case.failures) {
            let _ = writeln!(out, "      {element}");
        }
        if !case.output.is_empty() {
            let _ = writeln!(
                out,
                "      <system-out>{}</system-out>",
                xml(&case.output.join("\n"))
            );
        }
        out.push_str("    </testcase>\n");
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}
