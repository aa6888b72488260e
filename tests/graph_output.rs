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

/// The SVG Graphviz's `dot` renders from `dot_text`, failing the test when
/// `dot` refuses it. Without Graphviz, `None` and SKIPPED on standard
/// error, except under `CI=true`, where the test fails: `.ci/run` installs
/// Graphviz, so there a missing `dot` is a broken machine, not a skip.
fn graphviz(dot_text: &str) -> Option<String> {
    let Ok(mut child) = Command::new("dot")
        .arg("-Tsvg")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
    else {
        support::tool_missing(
            "Graphviz `dot` is not installed, so the DOT output was not rendered; `.ci/run` installs it",
        );
        return None;
    };
    use std::io::Write;
    let mut stdin = child.stdin.take().unwrap();
    let text = dot_text.to_string();
    // Written from a thread: `dot` may write before it has read everything.
    let writer = std::thread::spawn(move || stdin.write_all(text.as_bytes()));
    let rendered = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(
        rendered.status.success(),
        "dot rejected the output: {}",
        String::from_utf8_lossy(&rendered.stderr)
    );
    Some(String::from_utf8(rendered.stdout).unwrap())
}

#[test]
fn one_touch_graph_is_clean_and_renders_with_graphviz() {
    let output = privet(&["graph", "policies/one-touch"]);
    assert_eq!(output.status.code(), Some(0));
    let dot_text = String::from_utf8(output.stdout).unwrap();
    assert!(!dot_text.contains("color=red"));
    let Some(svg) = graphviz(&dot_text) else {
        return;
    };
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

/// A program whose subject has a label of 100 kB and whose flow carries
/// 3,000 categories: quoted strings Graphviz would refuse if written whole.
fn huge_labels() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("purpose q\nallow collect, use of data for q\n");
    let mut carried = Vec::new();
    for index in 0..3_000 {
        text.push_str(&format!("category data.c{index:04}\n"));
        carried.push(format!("data.c{index:04}"));
    }
    // Plain letters with a few two-byte ones: no escape breaks the run.
    let label = "abcdéfgh".repeat(100_000 / 9);
    text.push_str(&format!("subject person \"{label}\"\nsystem app\n"));
    text.push_str(&format!(
        "flow person -> app carries {} for q\n",
        carried.join(", ")
    ));
    std::fs::write(dir.path().join("a.privet"), text).unwrap();
    dir
}

/// The quoted strings of DOT text, as written (escapes included).
fn dot_strings(dot: &str) -> Vec<&str> {
    let mut strings = Vec::new();
    let mut rest = dot;
    while let Some(start) = rest.find('"') {
        let after = &rest[start + 1..];
        let mut escaped = false;
        let end = after
            .char_indices()
            .find(|&(_, c)| {
                let closes = c == '"' && !escaped;
                escaped = c == '\\' && !escaped;
                closes
            })
            .map(|(index, _)| index)
            .unwrap();
        strings.push(&after[..end]);
        rest = &after[end + 1..];
    }
    strings
}

#[test]
fn huge_labels_are_abbreviated_so_graphviz_renders_them() {
    let dir = huge_labels();
    let path = dir.path().to_string_lossy().to_string();
    let output = privet(&["graph", &path]);
    let dot = String::from_utf8(output.stdout).unwrap();
    assert!(dot.len() < 20_000, "{} bytes of DOT", dot.len());
    let longest = dot_strings(&dot).into_iter().map(str::len).max().unwrap();
    assert!(longest < 16_000, "a quoted string of {longest} bytes");
    // The label is abbreviated on the node and kept longer in its tooltip;
    // the flow's categories likewise.
    let node = dot
        .lines()
        .find(|line| line.contains("\"person\" ["))
        .unwrap();
    assert!(node.contains("label=\"person\\nabcdéfgh"), "{node}");
    assert!(
        node.contains("\u{2026}\", shape=ellipse, tooltip=\"person\\nabcdéfgh"),
        "{node}"
    );
    let flow = dot.lines().find(|line| line.contains("->")).unwrap();
    assert!(flow.contains("data.c0000, data.c0001"), "{flow}");
    assert!(flow.contains("\u{2026}\\nfor q\", "), "{flow}");
    // The tooltip: as much of the label as fits, then the violations.
    assert!(flow.contains("tooltip=\"data.c0000, "), "{flow}");
    assert!(
        flow.contains("\u{2026}\\nunnecessary-collection\"]"),
        "{flow}"
    );
    if let Some(svg) = graphviz(&dot) {
        assert!(svg.contains("abcdéfgh"));
    }

    // Mermaid: every line bounded, the arrow's label abbreviated.
    let mermaid =
        String::from_utf8(privet(&["graph", "--format", "mermaid", &path]).stdout).unwrap();
    assert!(mermaid.len() < 2_000, "{mermaid}");
    assert!(mermaid.contains("data.c0000, data.c0001"), "{mermaid}");

    // The data map of `privet doc`: names and tooltips bounded.
    let (_, compilation) = support::compile_files(&[dir.path().join("a.privet")]);
    let program = &compilation.program;
    let document =
        privet::render::doc::document(program, &compilation.findings, &compilation.diagnostics);
    let svg = document.picture_svg().unwrap();
    assert!(svg.len() < 20_000, "{} bytes of SVG", svg.len());
    assert!(svg.contains("<title>abcdéfgh"), "{svg}");
}

#[test]
fn a_long_label_is_shown_abbreviated() {
    let dir = tempfile::tempdir().unwrap();
    let label = "a label that runs on and on ".repeat(5);
    std::fs::write(
        dir.path().join("a.privet"),
        format!(
            "category a\npurpose q\nallow collect, use of a for q\nsubject person \"{label}\"\n\
             system app\nflow person -> app carries a for q\n"
        ),
    )
    .unwrap();
    let path = dir.path().to_string_lossy().to_string();
    let dot = String::from_utf8(privet(&["graph", &path]).stdout).unwrap();
    let dot = dot.replace(&path, "DIR");
    insta::assert_snapshot!("graph_dot_long_label", dot);
}
