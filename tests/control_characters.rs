//! Control characters and bidirectional controls in a program: `check`
//! reports them as `control-character` (exit 1), and no output of privet
//! passes one on raw. Each renderer is run on a program whose labels, doc
//! comments, citations and comments hold terminal escape sequences and
//! U+202E (right-to-left override); each output must show them visibly
//! (`<U+202E>`, or `\u202e` in JSON) and hold none of them.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

#[path = "support/lsp.rs"]
mod client;

use privet::source::is_control_character;
use std::process::Command;

const HOSTILE: &str = "/// Used only \u{1b}[2J to answer you \u{202e}.
category user.email \"e-mail \u{1b}]0;owned\u{7} \u{202e}sserdda\" identifier
    cite \"1(1) \u{1b}[7m\u{202e}\"
purpose support \"help \u{1b}[31myou\u{1b}[0m\" // a comment \u{202e}
basis consent \"your \u{9b}2Jconsent\"

allow collect, use of user.email for support under consent

subject person \"a \u{202e}nosrep\"
system app \"the \u{1b}[8mapp\"
system backend \"the backend\"

flow person -> app carries user.email for support under consent
flow app -> backend carries user.email for support under consent
";

/// The same program without a control character anywhere.
const PLAIN: &str = "category user.email \"e-mail address\" identifier
purpose support \"help you\"
basis consent \"your consent\"

allow collect, use of user.email for support under consent

subject person \"a person\"
system app \"the app\"
system backend \"the backend\"

flow person -> app carries user.email for support under consent
flow app -> backend carries user.email for support under consent
";

/// Asserts that an output holds no control character (a tab, a line feed
/// and the carriage return of a CRLF are line layout, not one) and shows
/// the escape and the override some way.
fn assert_visible(what: &str, text: &str) {
    let raw: Vec<char> = privet::source::control_characters(text)
        .map(|(_, c)| c)
        .collect();
    assert!(raw.is_empty(), "{what}: raw {raw:?} in:\n{text}");
    let lower = text.to_lowercase();
    for shown in ["202e", "001b"] {
        assert!(
            lower.contains(shown),
            "{what}: no U+{shown} shown in:\n{text}"
        );
    }
}

fn scratch(text: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = support::write(dir.path(), "policy.privet", text);
    (dir, path)
}

#[test]
fn check_reports_control_character_and_exits_1() {
    let (dir, path) = scratch(HOSTILE);
    let report = support::check(&path, "json", &[]);
    assert_eq!(report.code, 1, "{}", report.stdout);
    let names: Vec<String> = report.json()["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap().to_string())
        .collect();
    // The doc comment, the label, the citation, the purpose's label, the
    // comment, the basis's label, and two labels of the data map.
    assert_eq!(names, vec!["control-character"; 8], "{}", report.stdout);
    // The program loads: only these errors, no syntax error.
    let human = support::check(&path, "human", &[]);
    assert_eq!(human.code, 1);
    assert!(
        human.stdout.contains(
            "error[control-character]: `U+001B` (escape), `U+0007` (bell) and `U+202E` (right-to-left override) in a string"
        ),
        "{}",
        human.stdout
    );
    drop(dir);
}

#[test]
fn every_check_format_shows_them_visibly() {
    let (dir, path) = scratch(HOSTILE);
    let summary = dir.path().join("summary.md");
    for format in ["human", "json", "sarif", "github", "junit"] {
        let output = Command::new(env!("CARGO_BIN_EXE_privet"))
            .args(["check", "--format", format])
            .arg(&path)
            .env("NO_COLOR", "1")
            .env("GITHUB_STEP_SUMMARY", &summary)
            .output()
            .unwrap();
        let run: support::Run = output.into();
        assert_eq!(run.code, 1, "{format}");
        assert_visible(&format!("check --format {format}"), &run.stdout);
        assert!(
            !run.stderr.chars().any(is_control_character),
            "{format}: {}",
            run.stderr
        );
        if format == "junit" {
            // XML 1.0 holds no C0 control but tab, line feed and carriage
            // return.
            assert!(
                !run.stdout
                    .chars()
                    .any(|c| (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r')),
                "{}",
                run.stdout
            );
        }
    }
    let summary = std::fs::read_to_string(&summary).unwrap();
    assert_visible("step summary", &summary);
}

#[test]
fn the_document_shows_them_visibly() {
    let (dir, path) = scratch(HOSTILE);
    let out = dir.path().join("doc");
    let run = support::privet(&[
        "doc".as_ref(),
        path.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    for file in ["policy.md", "policy.html"] {
        let text = std::fs::read_to_string(out.join(file)).unwrap();
        assert_visible(file, &text);
        assert!(text.contains("U+202E"), "{file}");
    }
    // The picture holds the labels of the data map.
    let svg = std::fs::read_to_string(out.join("data-map.svg")).unwrap();
    assert!(!svg.chars().any(is_control_character), "{svg}");
    assert!(svg.contains("U+202E") && svg.contains("U+001B"), "{svg}");
}

#[test]
fn graphs_show_them_visibly() {
    let (_dir, path) = scratch(HOSTILE);
    for format in ["dot", "mermaid", "json"] {
        let run = support::privet(&[
            "graph".as_ref(),
            "--format".as_ref(),
            format.as_ref(),
            path.as_os_str(),
        ]);
        assert_eq!(run.code, 1, "{format}: {}", run.stderr);
        assert!(
            !run.stdout.chars().any(is_control_character),
            "graph --format {format}: {}",
            run.stdout
        );
        // The node labels, `a <U+202E>nosrep` and `the <U+001B>[8mapp`
        // (Mermaid shows names only).
        let lower = run.stdout.to_lowercase();
        assert!(
            format == "mermaid" || (lower.contains("202e") && lower.contains("001b")),
            "{format}: {}",
            run.stdout
        );
    }
}

#[test]
fn diffs_show_them_visibly() {
    let (dir, new) = scratch(HOSTILE);
    let old = support::write(dir.path(), "old/policy.privet", PLAIN);
    for format in ["human", "json", "markdown", "github"] {
        let run = support::privet(&[
            "diff".as_ref(),
            old.as_os_str(),
            new.as_os_str(),
            "--format".as_ref(),
            format.as_ref(),
        ]);
        assert_eq!(run.code, 0, "{format}: {}", run.stderr);
        assert_visible(&format!("diff --format {format}"), &run.stdout);
        if format == "json" {
            // The same text to a JSON reader: escaped, not replaced.
            let value: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
            let details: Vec<&str> = value["changes"]
                .as_array()
                .unwrap()
                .iter()
                .flat_map(|change| change["details"].as_array().unwrap())
                .map(|detail| detail.as_str().unwrap())
                .collect();
            assert!(
                details.contains(&"label \"the app\" -> \"the \u{1b}[8mapp\"")
                    && details.contains(&"label \"a person\" -> \"a \u{202e}nosrep\""),
                "{details:?}"
            );
        }
    }
}

#[test]
fn a_query_echoes_a_hostile_argument_visibly() {
    let (_dir, path) = scratch(PLAIN);
    let run = support::privet(&[
        "query".as_ref(),
        path.as_os_str(),
        "--action".as_ref(),
        "use".as_ref(),
        "--category".as_ref(),
        "user.\u{1b}]0;owned\u{7}\u{202e}".as_ref(),
        "--purpose".as_ref(),
        "support".as_ref(),
    ]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert_visible("query error", &run.stderr);
}

#[test]
fn the_language_server_shows_them_visibly() {
    const URI: &str = "file:///workspace/policy.privet";
    let mut client = client::Client::start(None);
    client.open(URI, HOSTILE);
    let published = client.diagnostics_for(URI);
    let diagnostics = published["diagnostics"].as_array().unwrap();
    assert!(
        diagnostics.iter().any(|d| d["code"] == "control-character"),
        "{published}"
    );
    assert!(!published.to_string().chars().any(is_control_character));
    // `user.email` in its declaration (line 1), with its doc comment,
    // label and citation.
    let hover = client.request("textDocument/hover", client::at(URI, 1, 12));
    let value = hover["contents"]["value"].as_str().unwrap();
    assert_visible("hover", value);
    // The quick fix offers the string without them.
    let fixes = client.request(
        "textDocument/codeAction",
        serde_json::json!({
            "textDocument": { "uri": URI },
            "range": { "start": { "line": 1, "character": 28 }, "end": { "line": 1, "character": 29 } },
            "context": { "diagnostics": [] }
        }),
    );
    let edit = &fixes[0]["edit"]["changes"][URI][0];
    assert_eq!(edit["newText"], "\"e-mail ]0;owned sserdda\"", "{fixes}");
    assert_eq!(client.shutdown(), Ok(true));
}

#[test]
fn file_names_are_shown_visibly() {
    let dir = tempfile::tempdir().unwrap();
    support::write(
        dir.path(),
        "a\u{1b}]0;owned\u{7}\u{202e}.privet",
        "category  a \"x\u{1b}\"\n",
    );
    let unformatted =
        support::privet(&["fmt".as_ref(), "--check".as_ref(), dir.path().as_os_str()]);
    assert_eq!(unformatted.code, 1, "{}", unformatted.stderr);
    assert!(
        unformatted
            .stdout
            .contains("a<U+001B>]0;owned<U+0007><U+202E>.privet")
    );
    assert_visible("fmt --check", &unformatted.stdout);
    let checked = support::check(dir.path(), "human", &[]);
    assert_eq!(checked.code, 1);
    assert_visible("check", &checked.stdout);
    assert!(
        checked
            .stdout
            .contains("a<U+001B>]0;owned<U+0007><U+202E>.privet:1:15")
    );
}
