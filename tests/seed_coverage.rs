#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! `docs/seed-coverage.md` refers to the One Touch encoding as
//! ``[FILE:N](../policies/one-touch/PATH#LN) `FIRST LINE` ``. Every such
//! reference must still point at its line: the file exists, and its line N,
//! trimmed, is the quoted text (or starts with it, when the quote ends in
//! `…`). A line number that drifts when the encoding is edited fails here.

use std::path::Path;

const LINK: &str = "](../policies/one-touch/";

/// Checks one reference whose link target starts at `at` in `line`; returns
/// what is wrong with it.
fn check(root: &Path, line: &str, at: usize) -> Result<(), String> {
    let before = &line[..at];
    let text = &before[before.rfind('[').ok_or("no link text")? + 1..];
    let after = &line[at + LINK.len()..];
    let close = after.find(')').ok_or("unclosed link")?;
    let target = &after[..close];
    let quote = after[close + 1..]
        .strip_prefix(" `")
        .and_then(|rest| rest.split('`').next())
        .ok_or("no quoted first line after the link")?;

    let (path, anchor) = target.split_once("#L").ok_or("no #L anchor")?;
    let (name, number) = text.split_once(':').ok_or("link text is not FILE:N")?;
    let file_name = path.rsplit('/').next().unwrap_or(path);
    if name != file_name || number != anchor {
        return Err(format!("link text `{text}` does not match `{target}`"));
    }
    let number: usize = anchor.parse().map_err(|_| "bad line number")?;
    let source = std::fs::read_to_string(root.join("policies/one-touch").join(path))
        .map_err(|error| format!("cannot read {path}: {error}"))?;
    let actual = source
        .lines()
        .nth(number.wrapping_sub(1))
        .ok_or_else(|| format!("{path} has no line {number}"))?
        .trim();
    let matches = match quote.strip_suffix('…') {
        Some(prefix) => actual.starts_with(prefix),
        None => actual == quote,
    };
    if matches {
        Ok(())
    } else {
        Err(format!("{path}:{number} is `{actual}`, not `{quote}`"))
    }
}

#[test]
fn references_point_at_their_lines() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let doc = std::fs::read_to_string(root.join("docs/seed-coverage.md")).unwrap();
    let mut checked = 0;
    let mut problems = Vec::new();
    for (index, line) in doc.lines().enumerate() {
        for (at, _) in line.match_indices(LINK) {
            if line[at + LINK.len()..].starts_with(')') {
                continue; // the link to the directory itself
            }
            checked += 1;
            if let Err(problem) = check(root, line, at) {
                problems.push(format!("seed-coverage.md:{}: {problem}", index + 1));
            }
        }
    }
    assert!(checked > 0, "no references found in seed-coverage.md");
    assert!(
        problems.is_empty(),
        "{} of {checked} references are stale:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// The clause tables' last column says how privet holds each clause:
/// `check`, `diff` or `text` (see the page's "How each clause is held").
/// Every row has one, and the page's count of each is the count of rows.
#[test]
fn every_clause_says_how_it_is_held_and_the_counts_add_up() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let doc = std::fs::read_to_string(root.join("docs/seed-coverage.md")).unwrap();
    let mut section = "";
    let mut counted = std::collections::BTreeMap::<&str, usize>::new();
    let mut stated = std::collections::BTreeMap::<String, usize>::new();
    let mut problems = Vec::new();
    for (index, line) in doc.lines().enumerate() {
        if let Some(title) = line.strip_prefix("## ") {
            section = title;
            continue;
        }
        if !line.starts_with("| ") || line.starts_with("|---") {
            continue;
        }
        // Cells may hold `|` inside code, but not the first or the last.
        let cells: Vec<&str> = line
            .trim()
            .trim_matches('|')
            .split('|')
            .map(str::trim)
            .collect();
        if section == "How each clause is held" {
            if let [mark, now, _before] = cells[..]
                && let Ok(now) = now.parse()
            {
                stated.insert(mark.trim_matches('*').to_string(), now);
            }
            continue;
        }
        if matches!(section, "Assumptions" | "Open questions") {
            continue;
        }
        let last = cells.last().copied().unwrap_or_default();
        if matches!(cells.first().copied(), Some("clause" | "item" | "section")) {
            if last != "held by" {
                problems.push(format!(
                    "line {}: the table has no `held by` column",
                    index + 1
                ));
            }
            continue;
        }
        match last {
            "check" | "diff" | "text" => *counted.entry(last).or_default() += 1,
            other => problems.push(format!("line {}: held by `{other}`", index + 1)),
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    let counted: std::collections::BTreeMap<String, usize> = counted
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    assert_eq!(stated, counted, "the counts stated on the page");
}
