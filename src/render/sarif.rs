//! `--format sarif`: SARIF 2.1.0, as GitHub code scanning reads it.
//!
//! One run of the tool `privet`, with a rule for every diagnostic name (its
//! descriptions come from `docs/diagnostics/` through
//! [`crate::explain::page`], the whole page only for the rules with
//! results) and a result for every diagnostic. Columns count
//! Unicode scalar values, as privet's do, so the run says
//! `"columnKind": "unicodeCodePoints"`; `endColumn` is the column after the
//! last character, as SARIF wants. Locations are relative to the working
//! directory. A file privet could not read is a tool execution
//! notification, and the log stays valid.
//!
//! `partialFingerprints` hash the rule, the file, the text of the primary
//! line with its spacing normalised, and the message, so the fingerprint of
//! a finding survives edits elsewhere in the file.

use super::json::locate;
use super::markup::{stable_hash, visible};
use crate::diagnostic::{Diagnostic, Name, Severity};
use crate::explain;
use crate::source::{SourceMap, Span};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// The key of privet's fingerprint in `partialFingerprints`.
pub const FINGERPRINT_KEY: &str = "privet/v1";

/// Where SARIF's own schema lives, for the `$schema` of the log.
const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// A path privet could not read, with the reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    pub path: String,
    pub message: String,
}

/// The level SARIF uses for a severity.
fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

/// Whether a paragraph is only the severity line of a page: pages spell it
/// `**Severity:** error` or `Severity: error.`.
fn is_severity_line(paragraph: &str) -> bool {
    paragraph
        .trim_start_matches("**")
        .to_ascii_lowercase()
        .starts_with("severity:")
}

/// The first prose paragraph of a page after its title and severity line,
/// or `None` when the page has none worth showing.
fn first_paragraph(page: &str) -> Option<String> {
    let mut lines = Vec::new();
    let mut in_code = false;
    for line in page.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with("```") {
            in_code = !in_code;
            if !lines.is_empty() {
                break;
            }
            continue;
        }
        if in_code || trimmed.starts_with('#') {
            if !lines.is_empty() {
                break;
            }
            continue;
        }
        if trimmed.is_empty() {
            if !lines.is_empty() {
                break;
            }
            continue;
        }
        if lines.is_empty() && is_severity_line(trimmed) {
            continue;
        }
        lines.push(trimmed);
    }
    let text = lines.join(" ");
    (!text.is_empty() && text != "TODO").then_some(text)
}

/// A rule of the log. Every rule says what it reports; the whole page (an
/// example, the fix) is carried only by the rules that have results, so a
/// log of one finding is a few kilobytes, not every page privet has. A
/// reader of the others runs `privet explain NAME`.
fn rule(name: Name, with_page: bool) -> Value {
    let page = explain::page(name);
    let (full, help) = if with_page {
        let full = first_paragraph(page).unwrap_or_else(|| name.summary().to_string());
        (Some(full), page.to_string())
    } else {
        let help = format!("`privet explain {name}` prints the page of this rule");
        (None, help)
    };
    let mut rule = json!({
        "id": name.as_str(),
        "name": name.as_str(),
        "shortDescription": { "text": name.summary() },
        "help": { "text": help, "markdown": help },
        "defaultConfiguration": { "level": level(name.severity()) },
    });
    if let (Some(full), Some(fields)) = (full, rule.as_object_mut()) {
        fields.insert("fullDescription".to_string(), json!({ "text": full }));
    }
    rule
}

const URI_KEEP: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'/');

/// A file name relative to `base` (the working directory): forward
/// slashes, `base` stripped from absolute names, no leading `./`. SARIF and
/// GitHub annotations name files this way.
pub fn relative_path(name: &str, base: Option<&str>) -> String {
    let name = name.replace('\\', "/");
    let mut relative = name.as_str();
    if let Some(base) = base {
        let base = base.replace('\\', "/");
        let base = base.trim_end_matches('/');
        if let Some(rest) = relative.strip_prefix(base)
            && let Some(rest) = rest.strip_prefix('/')
        {
            relative = rest;
        }
    }
    relative.strip_prefix("./").unwrap_or(relative).to_string()
}

/// A file name as a URI reference relative to `base`: [`relative_path`]
/// with every character but the unreserved ones and `/` percent-encoded.
pub fn relative_uri(name: &str, base: Option<&str>) -> String {
    percent_encoding::utf8_percent_encode(&relative_path(name, base), URI_KEEP).to_string()
}

/// An `artifactLocation`: relative to the source root when the file is
/// under the working directory, else an absolute `file` URI.
fn artifact_location(name: &str, base: Option<&str>) -> Value {
    let uri = relative_uri(name, base);
    if uri.starts_with('/') {
        json!({ "uri": format!("file://{uri}") })
    } else {
        json!({ "uri": uri, "uriBaseId": "%SRCROOT%" })
    }
}

fn region(sources: &SourceMap, span: Span) -> Value {
    let (_, start, end) = locate(sources, span);
    json!({
        "startLine": start.line,
        "startColumn": start.column,
        "endLine": end.line,
        "endColumn": end.column,
    })
}

fn physical(sources: &SourceMap, span: Span, base: Option<&str>) -> Option<Value> {
    let file = sources.get(span.file)?;
    Some(json!({
        "artifactLocation": artifact_location(file.name(), base),
        "region": region(sources, span),
    }))
}

/// The text of the line a span starts on, with runs of spacing made one
/// space: what the fingerprint hashes instead of an offset.
fn normalized_line(sources: &SourceMap, span: Span) -> String {
    let Some(file) = sources.get(span.file) else {
        return String::new();
    };
    let line = file.line_index(span.start);
    let text = file
        .line_range(line)
        .and_then(|range| file.text().get(range))
        .unwrap_or("");
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The message of a result: the diagnostic's message, then its notes and
/// help, one a line, control characters made visible (code scanning shows
/// it in a web page).
fn message_text(diagnostic: &Diagnostic) -> String {
    visible(&message_lines(diagnostic)).into_owned()
}

fn message_lines(diagnostic: &Diagnostic) -> String {
    let mut text = diagnostic.message.clone();
    for note in &diagnostic.notes {
        text.push_str("\nnote: ");
        text.push_str(note);
    }
    if let Some(help) = &diagnostic.help {
        text.push_str("\nhelp: ");
        text.push_str(help);
    }
    text
}

/// The whole log as pretty-printed JSON. `base` is the working directory,
/// used to make absolute file names relative.
pub fn render(
    sources: &SourceMap,
    diagnostics: &[Diagnostic],
    failures: &[Failure],
    base: Option<&str>,
) -> String {
    let reported: std::collections::BTreeSet<Name> = diagnostics
        .iter()
        .map(|diagnostic| diagnostic.name)
        .collect();
    let rules: Vec<Value> = Name::ALL
        .iter()
        .map(|name| rule(*name, reported.contains(name)))
        .collect();
    let mut seen: BTreeMap<u64, usize> = BTreeMap::new();
    let results: Vec<Value> = diagnostics
        .iter()
        .map(|diagnostic| {
            let span = diagnostic.primary.span;
            let file = sources
                .get(span.file)
                .map(|file| relative_uri(file.name(), base))
                .unwrap_or_default();
            let hash = stable_hash(&[
                diagnostic.name.as_str(),
                &file,
                &normalized_line(sources, span),
                &diagnostic.message,
            ]);
            // Identical findings on identical lines are told apart by their
            // order, as GitHub does for its own line hashes.
            let occurrence = seen.entry(hash).or_insert(0);
            *occurrence += 1;
            let fingerprint = format!("{hash:016x}:{occurrence}");

            let mut location = physical(sources, span, base).map(|physical| {
                let mut location = json!({ "physicalLocation": physical });
                let primary = diagnostic.primary.text();
                if let (false, Some(object)) = (primary.is_empty(), location.as_object_mut()) {
                    object.insert("message".to_string(), json!({ "text": visible(&primary) }));
                }
                location
            });
            let related: Vec<Value> = diagnostic
                .labels
                .iter()
                .filter_map(|label| {
                    let physical = physical(sources, label.span, base)?;
                    Some((physical, label))
                })
                .enumerate()
                .map(|(index, (physical, label))| {
                    json!({
                        "id": index + 1,
                        "physicalLocation": physical,
                        "message": { "text": visible(&label.text()) },
                    })
                })
                .collect();
            let rule_index = Name::ALL
                .iter()
                .position(|name| *name == diagnostic.name)
                .unwrap_or(0);
            let mut result = json!({
                "ruleId": diagnostic.name.as_str(),
                "ruleIndex": rule_index,
                "level": level(diagnostic.severity),
                "message": { "text": message_text(diagnostic) },
                "locations": location.take().into_iter().collect::<Vec<_>>(),
                "partialFingerprints": { FINGERPRINT_KEY: fingerprint },
            });
            if let (false, Some(object)) = (related.is_empty(), result.as_object_mut()) {
                object.insert("relatedLocations".to_string(), Value::Array(related));
            }
            // The sections of the notice at stake, for tools that read them.
            let cites = diagnostic.cites();
            if let (false, Some(object)) = (cites.is_empty(), result.as_object_mut()) {
                let cites: Vec<String> = cites
                    .iter()
                    .map(|cite| visible(cite).into_owned())
                    .collect();
                object.insert("properties".to_string(), json!({ "cites": cites }));
            }
            result
        })
        .collect();
    let notifications: Vec<Value> = failures
        .iter()
        .map(|failure| {
            json!({
                "level": "error",
                "message": { "text": visible(&format!("cannot read `{}`: {}", failure.path, failure.message)) },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": artifact_location(&failure.path, base)
                    }
                }],
            })
        })
        .collect();
    let mut invocation = json!({ "executionSuccessful": failures.is_empty() });
    if let (false, Some(object)) = (notifications.is_empty(), invocation.as_object_mut()) {
        object.insert(
            "toolExecutionNotifications".to_string(),
            Value::Array(notifications),
        );
    }
    let log = json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "privet",
                    "version": env!("CARGO_PKG_VERSION"),
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "rules": rules,
                }
            },
            "columnKind": "unicodeCodePoints",
            "invocations": [invocation],
            "results": results,
        }],
    });
    super::json::text(&log)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_relative_and_percent_encoded() {
        assert_eq!(
            relative_uri("policies/a b.privet", None),
            "policies/a%20b.privet"
        );
        assert_eq!(
            relative_uri("/home/u/repo/p/x.privet", Some("/home/u/repo")),
            "p/x.privet"
        );
        assert_eq!(
            artifact_location("/elsewhere/x.privet", Some("/home/u/repo")),
            json!({ "uri": "file:///elsewhere/x.privet" })
        );
        assert_eq!(
            artifact_location("p/x.privet", Some("/home/u/repo")),
            json!({ "uri": "p/x.privet", "uriBaseId": "%SRCROOT%" })
        );
        assert_eq!(relative_uri("p\\é#.privet", None), "p/%C3%A9%23.privet");
        assert_eq!(relative_uri("./p.privet", None), "p.privet");
    }

    #[test]
    fn first_paragraph_skips_title_and_placeholders() {
        assert_eq!(
            first_paragraph("# name\n\nOne line\nand two.\n\nMore.\n"),
            Some("One line and two.".to_string())
        );
        assert_eq!(first_paragraph("# name\n\nTODO\n"), None);
    }

    #[test]
    fn first_paragraph_skips_the_severity_line_in_either_spelling() {
        for severity in ["**Severity:** error", "Severity: error."] {
            let page = format!("# name\n\n{severity}\n\nThe prose\nof it.\n\nMore.\n");
            assert_eq!(first_paragraph(&page), Some("The prose of it.".to_string()));
        }
        // Every page of the book has prose after its severity.
        for name in Name::ALL {
            let full = first_paragraph(explain::page(*name)).unwrap_or_default();
            assert!(!is_severity_line(&full), "{}: {full}", name.as_str());
            assert!(full.contains(name.as_str()) || full.len() > 40, "{full}");
        }
    }
}
