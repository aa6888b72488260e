//! `privet graph`: golden DOT, Mermaid and JSON for a violation example, and
//! the DOT of the One Touch data map rendered by Graphviz when it is
//! installed.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use std::process::Command;

fn privet(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_privet"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn graph_formats_are_stable() {
    for format in ["dot", "mermaid", "json"] {
        let output = privet(&[
            "graph",
            "--format",
            format,
            "policies/violations/sharing-without-basis",
        ]);
        // The example has an error, so the exit code says so.
        assert_eq!(output.status.code(), Some(1));
        let text = String::from_utf8(output.stdout).unwrap();
        insta::assert_snapshot!(format!("graph_{format}"), text);
    }
}

#[test]
fn violating_flows_are_marked() {
    let output = privet(&[
        "graph",
        "--format",
        "json",
        "policies/violations/sharing-without-basis",
    ]);
    let graph: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let flows = graph["flows"].as_array().unwrap();
    let marked: Vec<(&str, &str)> = flows
        .iter()
        .filter(|flow| !flow["violations"].as_array().unwrap().is_empty())
        .map(|flow| (flow["from"].as_str().unwrap(), flow["to"].as_str().unwrap()))
        .collect();
    assert_eq!(marked, vec![("exporter", "ad_network")]);
}

#[test]
fn one_touch_graph_is_clean_and_renders_with_graphviz() {
    let output = privet(&["graph", "policies/one-touch"]);
    assert_eq!(output.status.code(), Some(0));
    let dot_text = String::from_utf8(output.stdout).unwrap();
    assert!(!dot_text.contains("color=red"));
    let Ok(mut child) = Command::new("dot")
        .arg("-Tsvg")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
    else {
        eprintln!(
            "SKIPPED: Graphviz `dot` is not installed, so the DOT output was not rendered; \
             `.ci/run` installs it"
        );
        return;
    };
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(dot_text.as_bytes())
        .unwrap();
    let rendered = child.wait_with_output().unwrap();
    assert!(
        rendered.status.success(),
        "dot rejected the output: {}",
        String::from_utf8_lossy(&rendered.stderr)
    );
    let svg = String::from_utf8(rendered.stdout).unwrap();
    assert!(svg.contains("<svg"));
    assert!(svg.contains("accounts_db"));
}

#[test]
fn names_with_quotes_cannot_break_the_dot_or_mermaid() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("a.privet"),
        "category a\npurpose q\nallow collect, use of a for q\nsubject person \"a \\\"quoted\\\" person\"\n\
         system app \"back\\\\slash | pipe # hash <b>\"\nflow person -> app carries a for q\n",
    )
    .unwrap();
    let path = dir.path().to_string_lossy().to_string();
    let dot = String::from_utf8(privet(&["graph", &path]).stdout).unwrap();
    assert!(
        dot.contains(r#"label="person\na \"quoted\" person""#),
        "{dot}"
    );
    assert!(dot.contains(r#"back\\slash"#), "{dot}");
    let mermaid =
        String::from_utf8(privet(&["graph", "--format", "mermaid", &path]).stdout).unwrap();
    assert!(!mermaid.contains("<b>"));
}
