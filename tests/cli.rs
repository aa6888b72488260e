//! The command line as users and CI see it: the real binary, its exit codes
//! (0 clean, 1 problems, 2 usage or I/O error), its output in both formats,
//! and `explain`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use serde_json::Value;
use std::path::Path;
use support::{check, privet, root, write};

/// An unknown name on line 3: one error, and no warning.
const WITH_ERROR: &str = "category a\npurpose p\nallow use of a, b for p\n";
/// Every name used except `unused`: one warning.
const WITH_WARNING: &str = "category a\ncategory unused\npurpose p\nallow use of a for p\n";

fn privet_files_under(path: &Path) -> usize {
    support::privet_files(path).len()
}

#[test]
fn the_one_touch_policy_checks_clean() {
    let run = privet(&["check", "policies/one-touch"]);
    let files = privet_files_under(&root().join("policies/one-touch"));
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(
        run.stdout,
        format!("privet: no problems found in {files} files\n")
    );
    assert_eq!(run.stderr, "");
}

#[test]
fn an_error_exits_1_and_is_shown_like_rustc() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "bad.privet", WITH_ERROR);
    let run = check(&file, "human", &[]);
    assert_eq!(run.code, 1);
    run.assert_shows(&[
        "error[unknown-name]: unknown category `b`",
        "bad.privet:3:17",
    ]);
    assert!(
        run.stdout
            .ends_with("privet: 1 error, 0 warnings in 1 file\n")
    );
    // NO_COLOR is set: no escape sequences.
    assert!(!run.stdout.contains('\u{1b}'));
}

#[test]
fn a_warning_exits_0_unless_warnings_are_denied() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "warn.privet", WITH_WARNING);
    let run = check(&file, "human", &[]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    run.assert_shows(&["warning[unused-declaration]"]);
    assert!(
        run.stdout
            .ends_with("privet: 0 errors, 1 warning in 1 file\n")
    );
    let denied = check(&file, "human", &["--deny-warnings"]);
    assert_eq!(denied.code, 1);
    assert_eq!(denied.stdout, run.stdout);
}

#[test]
fn a_missing_path_exits_2_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-policy");
    check(&missing, "human", &[])
        .assert_failure(&missing.display().to_string(), "no such file or directory");
}

#[test]
fn an_empty_directory_exits_2_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty-dir");
    std::fs::create_dir(&empty).unwrap();
    for format in ["human", "json"] {
        check(&empty, format, &[]).assert_failure_in(
            format,
            &empty.display().to_string(),
            "no `.privet` files",
        );
    }
}

fn assert_position(value: &Value) {
    for field in ["line", "column"] {
        let number = value[field]
            .as_u64()
            .unwrap_or_else(|| panic!("{field} in {value}"));
        assert!(number >= 1, "positions are 1-based: {value}");
    }
}

#[test]
fn json_output_has_the_documented_shape() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.privet", WITH_ERROR);
    // `b` is declared in another file, with a typo: an error with a label
    // and a help, and `b` itself is a warning.
    write(
        dir.path(),
        "b.privet",
        "category a.inner\nallow use of a.iner for p\n",
    );
    let run = check(dir.path(), "json", &[]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let report = run.json();
    assert_eq!(report["format_version"], 1);
    let diagnostics = report["diagnostics"].as_array().unwrap();
    assert!(diagnostics.len() >= 2, "{report:#}");
    for diagnostic in diagnostics {
        assert!(diagnostic["name"].as_str().is_some_and(|n| !n.is_empty()));
        assert!(matches!(
            diagnostic["severity"].as_str(),
            Some("error" | "warning" | "note")
        ));
        assert!(diagnostic["message"].as_str().is_some());
        assert!(
            diagnostic["file"]
                .as_str()
                .is_some_and(|f| f.ends_with(".privet"))
        );
        assert_position(&diagnostic["start"]);
        assert_position(&diagnostic["end"]);
        for label in diagnostic["labels"].as_array().unwrap() {
            assert!(label["file"].as_str().is_some());
            assert!(label["message"].as_str().is_some());
            assert_position(&label["start"]);
            assert_position(&label["end"]);
        }
        assert!(diagnostic["notes"].as_array().is_some());
    }
    // The unknown `b` of a.privet, where it is.
    let unknown = diagnostics
        .iter()
        .find(|d| d["name"] == "unknown-name" && d["file"].as_str().unwrap().ends_with("a.privet"))
        .expect("the unknown name");
    assert_eq!(unknown["severity"], "error");
    assert_eq!(unknown["message"], "unknown category `b`");
    assert_eq!(unknown["start"]["line"], 3);
    assert_eq!(unknown["start"]["column"], 17);
    assert_eq!(unknown["end"]["line"], 3);
    assert_eq!(unknown["end"]["column"], 18);
    // The misspelt `a.iner` points at the declaration it probably meant.
    let misspelt = diagnostics
        .iter()
        .find(|d| d["message"] == "unknown category `a.iner`")
        .expect("the misspelt name");
    let labels = misspelt["labels"].as_array().unwrap();
    assert!(
        labels.iter().any(|l| l["start"]["line"] == 1
            && l["start"]["column"] == 10
            && l["file"].as_str().unwrap().ends_with("b.privet")),
        "{misspelt:#}"
    );

    let summary = &report["summary"];
    let errors = diagnostics
        .iter()
        .filter(|d| d["severity"] == "error")
        .count();
    let warnings = diagnostics
        .iter()
        .filter(|d| d["severity"] == "warning")
        .count();
    assert_eq!(summary["errors"], errors);
    assert_eq!(summary["warnings"], warnings);
    assert_eq!(summary["files"], 2);
}

#[test]
fn a_clean_program_is_an_empty_json_report() {
    let run = check(&root().join("policies/one-touch"), "json", &[]);
    assert_eq!(run.code, 0);
    let report = run.json();
    assert_eq!(report["format_version"], 1);
    assert_eq!(report["diagnostics"], Value::Array(Vec::new()));
    assert_eq!(report["summary"]["errors"], 0);
    assert_eq!(report["summary"]["warnings"], 0);
    assert_eq!(
        report["summary"]["files"],
        privet_files_under(&root().join("policies/one-touch"))
    );
}

#[test]
fn the_exit_code_does_not_depend_on_the_format() {
    let dir = tempfile::tempdir().unwrap();
    let error = write(dir.path(), "error.privet", WITH_ERROR);
    let warning = write(dir.path(), "warning.privet", WITH_WARNING);
    let clean = root().join("policies/one-touch");
    let cases: [(&Path, &[&str], i32); 4] = [
        (&clean, &[], 0),
        (&warning, &[], 0),
        (&warning, &["--deny-warnings"], 1),
        (&error, &[], 1),
    ];
    for (path, extra, expected) in cases {
        for format in ["human", "json"] {
            let run = check(path, format, extra);
            assert_eq!(
                run.code,
                expected,
                "{} {extra:?} --format {format}",
                path.display()
            );
        }
    }
}

#[test]
fn explain_prints_the_page() {
    let run = privet(&["explain", "purpose-restricted"]);
    assert_eq!(run.code, 0);
    assert!(
        run.stdout.starts_with("# purpose-restricted\n"),
        "{}",
        run.stdout
    );
    assert_eq!(
        run.stdout,
        std::fs::read_to_string(root().join("docs/diagnostics/purpose-restricted.md")).unwrap()
    );
}

#[test]
fn explain_alone_lists_every_diagnostic() {
    let run = privet(&["explain"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let mut lines = run.stdout.lines();
    assert_eq!(
        lines.next(),
        Some("privet's diagnostics; `privet explain NAME` prints the page of one:")
    );
    assert_eq!(lines.next(), Some(""));
    let listed: Vec<&str> = lines
        .map(|line| line.split_whitespace().next().unwrap())
        .collect();
    let names: Vec<&str> = privet::diagnostic::Name::ALL
        .iter()
        .map(|name| name.as_str())
        .collect();
    assert_eq!(listed, names);
    // Aligned on the longest name, `technology-purpose-undeclared`.
    assert!(run.stdout.contains(&format!(
        "\n  {:29}  warning  a rule that can never decide anything\n",
        "dead-rule"
    )));
}

#[test]
fn explain_of_an_unknown_name_exits_2_with_a_suggestion() {
    let close = privet(&["explain", "purpose-restriced"]);
    assert_eq!(close.code, 2);
    assert_eq!(close.stdout, "");
    assert!(
        close.stderr.contains(
            "no diagnostic is named `purpose-restriced`; did you mean `purpose-restricted`?"
        ),
        "{}",
        close.stderr
    );
    let far = privet(&["explain", "no-such-name"]);
    assert_eq!(far.code, 2);
    assert!(far.stderr.contains("`no-such-name`"), "{}", far.stderr);
    assert!(!far.stderr.contains("did you mean"), "{}", far.stderr);
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &["frobnicate"][..],
        &["check", "--no-such-flag", "policies/one-touch"],
        &["check", "--format", "xml", "policies/one-touch"],
        // `query` answers for people or as JSON; it has no SARIF to give.
        &[
            "query",
            "policies/one-touch",
            "--action",
            "use",
            "--category",
            "user",
            "--purpose",
            "marketing",
            "--format",
            "sarif",
        ],
        &[],
    ] {
        let run = privet(args);
        assert_eq!(run.code, 2, "privet {args:?}: {}", run.stderr);
        assert_eq!(run.stdout, "", "privet {args:?}");
        assert!(!run.stderr.is_empty(), "privet {args:?}");
    }
}

#[test]
fn help_and_version_exit_0() {
    for args in [&["--help"][..], &["--version"], &["check", "--help"]] {
        let run = privet(args);
        assert_eq!(run.code, 0, "privet {args:?}");
        assert!(!run.stdout.is_empty(), "privet {args:?}");
    }
}
