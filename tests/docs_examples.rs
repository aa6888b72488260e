//! The examples in the documentation are true: the `privet` blocks of the
//! language reference form one program that checks clean, and each page of
//! `docs/diagnostics/` shows, under "Example", a program and the output
//! `privet check` really gives for it. Pages whose example is a program of
//! `policies/violations/` show its files as they are (a control character
//! as privet shows it, `<U+202E>`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use std::path::Path;
use support::root;

/// The fenced blocks of a Markdown text in a language, in order, each with
/// the line just before the fence that is not blank (where the pages name
/// the file a block is).
fn fenced<'a>(markdown: &'a str, language: &str) -> Vec<(&'a str, String)> {
    let mut blocks = Vec::new();
    let mut before = "";
    let mut lines = markdown.lines();
    while let Some(line) = lines.next() {
        if line.trim_start().starts_with("```") && line.trim_start()[3..].trim() == language {
            let mut body = String::new();
            for inner in lines.by_ref() {
                if inner.trim_start().starts_with("```") {
                    break;
                }
                body.push_str(inner);
                body.push('\n');
            }
            blocks.push((before, body));
        } else if line.trim_start().starts_with("```") {
            // Skip a block in another language, so its closing fence is not
            // taken for an opening one.
            for inner in lines.by_ref() {
                if inner.trim_start().starts_with("```") {
                    break;
                }
            }
        }
        if !line.trim().is_empty() {
            before = line;
        }
    }
    blocks
}

/// The text of a section, from its `## TITLE` heading to the next one.
fn section<'a>(markdown: &'a str, title: &str) -> Option<&'a str> {
    let start = markdown.find(&format!("\n## {title}\n"))? + 1;
    let rest = &markdown[start..];
    let end = rest[1..].find("\n## ").map_or(rest.len(), |i| i + 1);
    Some(&rest[..end])
}

/// What the binary prints for `privet check PATH` run in a directory,
/// without colour, each line without trailing blanks (Markdown files keep
/// none).
fn check_output(dir: &Path, path: &str) -> String {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_privet"))
        .args(["check", path])
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("GITHUB_STEP_SUMMARY")
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap()
    );
    let mut lines: Vec<&str> = text.trim().lines().map(str::trim_end).collect();
    lines.push("");
    lines.join("\n")
}

#[test]
fn the_language_reference_examples_form_one_clean_program() {
    let page = std::fs::read_to_string(root().join("docs/language.md")).unwrap();
    let blocks = fenced(&page, "privet");
    assert!(blocks.len() >= 20, "found {} examples", blocks.len());
    let program: String = blocks
        .iter()
        .map(|(_, body)| body.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    let (sources, compilation) = support::compile_text(&program);
    assert!(
        compilation.diagnostics.is_empty(),
        "{}",
        privet::render::human::render_all_plain(&sources, &compilation.diagnostics)
    );
}

#[test]
fn every_diagnostic_page_shows_the_output_of_its_example() {
    let mut pages: Vec<_> = std::fs::read_dir(root().join("docs/diagnostics"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    pages.sort();
    assert!(pages.len() >= 19);
    for page in pages {
        let name = page.file_stem().unwrap().to_string_lossy().to_string();
        let markdown = std::fs::read_to_string(&page).unwrap();
        let example =
            section(&markdown, "Example").unwrap_or_else(|| panic!("{name}: no Example section"));
        let programs = fenced(example, "privet");
        let (_, shown) = fenced(example, "text")
            .into_iter()
            .next()
            .unwrap_or_else(|| panic!("{name}: the example shows no output"));
        assert!(
            shown.contains(&format!("[{name}]")),
            "{name}: the example's output does not show `{name}`"
        );
        let marker = "This program is `";
        let actual = if let Some(at) = example.find(marker) {
            // A program of `policies/violations/`, one block per file.
            let rest = &example[at + marker.len()..];
            let directory = rest[..rest.find('`').unwrap()].trim_end_matches('/');
            let files = support::privet_files(&root().join(directory));
            assert_eq!(
                programs.len(),
                files.len(),
                "{name}: the page shows {} files of `{directory}`, which has {}",
                programs.len(),
                files.len()
            );
            for (label, body) in &programs {
                // The line before the block ends with "`FILE`:".
                let file = label
                    .trim_end()
                    .trim_end_matches(':')
                    .trim_end_matches('`')
                    .rsplit('`')
                    .next()
                    .unwrap();
                let on_disk = std::fs::read_to_string(root().join(directory).join(file))
                    .unwrap_or_else(|e| panic!("{name}: `{directory}/{file}`: {e}"));
                // A page shows a control character as privet shows it,
                // `<U+202E>`, not raw.
                let on_disk = privet::render::markup::visible(&on_disk);
                assert_eq!(
                    body, &on_disk,
                    "{name}: the page shows `{directory}/{file}` other than it is"
                );
            }
            check_output(root(), directory)
        } else {
            // One block, checked under the file name its output shows.
            let (_, program) = programs
                .first()
                .unwrap_or_else(|| panic!("{name}: the example has no program"));
            let path = shown
                .split("┌─ ")
                .nth(1)
                .and_then(|rest| rest.split(':').next())
                .unwrap_or_else(|| panic!("{name}: the output names no file"));
            let scratch = tempfile::tempdir().unwrap();
            let file = scratch.path().join(path);
            std::fs::create_dir_all(file.parent().unwrap()).unwrap();
            std::fs::write(&file, program).unwrap();
            check_output(scratch.path(), path)
        };
        assert_eq!(
            shown, actual,
            "{name}: the page shows an output `privet check` does not give"
        );
    }
}
