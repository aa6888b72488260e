//! Every program under `policies/` is parsed and checked: the One Touch
//! policy checks clean, and each example under `policies/violations/NAME`
//! fails with exactly the diagnostic it is named after.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

fn violation_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root().join("policies/violations"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_dir())
        .collect();
    dirs.sort();
    dirs
}

#[test]
fn one_touch_checks_clean() {
    let files = support::privet_files(&root().join("policies/one-touch"));
    assert!(files.len() >= 5, "the One Touch policy spans several files");
    let (sources, compilation) = support::compile_files(&files);
    assert!(
        compilation.diagnostics.is_empty(),
        "{}",
        privet::render::human::render_all_plain(&sources, &compilation.diagnostics)
    );
    // The data map is really there, and really checked.
    assert!(compilation.program.flows.len() >= 20);
    assert!(compilation.program.rules.len() >= 20);
}

#[test]
fn every_policy_file_parses() {
    for file in support::privet_files(&root().join("policies")) {
        let (sources, compilation) = support::compile_files(std::slice::from_ref(&file));
        let syntax: Vec<_> = compilation
            .diagnostics
            .iter()
            .filter(|d| d.name.as_str() == "syntax-error")
            .collect();
        assert!(
            syntax.is_empty(),
            "{}",
            privet::render::human::render_all_plain(&sources, &compilation.diagnostics)
        );
    }
}

#[test]
fn each_violation_example_reports_exactly_its_name() {
    let dirs = violation_dirs();
    assert!(dirs.len() >= 10);
    for dir in dirs {
        let expected = dir.file_name().unwrap().to_string_lossy().to_string();
        assert!(
            privet::diagnostic::Name::from_name(&expected).is_some(),
            "{expected} is not a diagnostic name"
        );
        let (sources, compilation) = support::compile_files(&support::privet_files(&dir));
        let names = support::names(&compilation);
        assert!(
            !names.is_empty() && names.iter().all(|name| *name == expected),
            "{expected}: got {names:?}\n{}",
            privet::render::human::render_all_plain(&sources, &compilation.diagnostics)
        );
        insta::assert_snapshot!(
            format!("violation_{expected}"),
            support::source_and_diagnostics(&sources, &compilation)
        );
    }
}

#[test]
fn each_violation_example_exits_1() {
    for dir in violation_dirs() {
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        let output = Command::new(env!("CARGO_BIN_EXE_privet"))
            .args(["check", "--deny-warnings", "--format", "json"])
            .arg(&dir)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(1), "{name}");
        let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        let names: Vec<&str> = report["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["name"].as_str().unwrap())
            .collect();
        assert!(names.contains(&name.as_str()), "{name}: {names:?}");
    }
}
