//! The language server's incremental compilation against a full one: random
//! edit sequences (text inserted, deleted or replaced inside an item and
//! across items, whole items added, removed or moved, syntax errors made and
//! fixed) on generated programs and on the One Touch privacy policy. After
//! every edit, `pipeline::compile_cached` (with the previous compilation's
//! files moved back into it) must give the same trees, diagnostics and
//! findings as `pipeline::compile` of the same text; and a server that saw
//! every edit must have published what a fresh server publishes for the
//! final texts.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "support/lsp.rs"]
mod client;
mod support;

use client::Client;
use privet::pipeline::{Compilation, compile, compile_cached};
use privet::source::SourceMap;
use privet::syntax::cache::ParseCache;
use serde_json::Value;
use std::collections::BTreeMap;

/// A small seeded generator (xorshift), so that a failure replays.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

/// Bits of text an edit puts in: words of the language, names declared or
/// not, broken syntax, line breaks and doc comments.
const SNIPPETS: &[&str] = &[
    "x",
    " ",
    "\n",
    "\n\n",
    "\"",
    "]]",
    "{",
    ",",
    " for ",
    " under consent",
    "\nflow a -> b carries c for d\n",
    "\ncategory user.extra \"extra\"\n",
    "\npurpose extra \"extra\"\n",
    "\n/// a doc comment\n",
    "\n// a comment\n",
    "\nallow use of user for extra\n",
    "\ndeny share of user\n",
    "\nsystem extra \"extra\"\n",
    "categroy",
    "cite \"1(1)\"",
    "é",
    "\u{7}",
];

/// The nearest char boundary at or before `at`.
fn boundary(text: &str, mut at: usize) -> usize {
    at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// The starts of the lines that begin an item.
fn item_starts(text: &str) -> Vec<usize> {
    let mut starts = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if privet::syntax::split::starts_item(line) {
            starts.push(offset);
        }
        offset += line.len();
    }
    starts
}

/// One random edit of a text.
fn edit(rng: &mut Rng, text: &str) -> String {
    let mut out = text.to_string();
    let starts = item_starts(text);
    let item = |rng: &mut Rng| -> (usize, usize) {
        if starts.is_empty() {
            return (0, text.len());
        }
        let index = rng.below(starts.len());
        let end = starts.get(index + 1).copied().unwrap_or(text.len());
        (starts[index], end)
    };
    match rng.below(8) {
        // Insert inside an item.
        0 | 1 => {
            let (start, end) = item(rng);
            let at = boundary(text, start + rng.below(end - start + 1));
            out.insert_str(at, SNIPPETS[rng.below(SNIPPETS.len())]);
        }
        // Delete a few bytes inside an item.
        2 => {
            let (start, end) = item(rng);
            let from = boundary(text, start + rng.below(end - start + 1));
            let to = boundary(text, from + rng.below(12)).max(from);
            out.replace_range(from..to, "");
        }
        // Replace a range that may run across items.
        3 => {
            let from = boundary(text, rng.below(text.len() + 1));
            let to = boundary(text, from + rng.below(400)).max(from);
            out.replace_range(from..to, SNIPPETS[rng.below(SNIPPETS.len())]);
        }
        // Remove a whole item.
        4 => {
            let (start, end) = item(rng);
            out.replace_range(start..end, "");
        }
        // Copy a whole item to the start of another (a duplicate, or an
        // item moved when followed by its removal).
        5 => {
            let (start, end) = item(rng);
            let copied = text[start..end].to_string();
            let (to, _) = item(rng);
            out.insert_str(to, &copied);
        }
        // Change one character of a name or a label.
        6 => {
            let (start, end) = item(rng);
            let at = boundary(text, start + rng.below(end - start + 1));
            let to = boundary(text, at + 1).max(at);
            let to = if to == at && at < text.len() {
                boundary(text, at + 4)
            } else {
                to
            };
            out.replace_range(at..to, ["q", "_", "1", "."][rng.below(4)]);
        }
        // An edit at the top of the file: every item moves.
        _ => out.insert_str(0, ["\n", "// top\n", "  "][rng.below(3)]),
    }
    out
}

fn assert_same(cached: &Compilation, full: &Compilation, what: &str) {
    assert_eq!(cached.files, full.files, "trees differ {what}");
    assert_eq!(
        cached.diagnostics, full.diagnostics,
        "diagnostics differ {what}"
    );
    assert_eq!(cached.findings, full.findings, "findings differ {what}");
}

fn source_map(files: &[(String, String)]) -> SourceMap {
    let mut sources = SourceMap::new();
    for (name, text) in files {
        sources.add(name.clone(), text.clone());
    }
    sources
}

/// Random edits of random files of a program, each followed by both
/// compilations; now and then an edit is undone (a syntax error fixed), and
/// now and then the files are given in another order (their ids change).
fn differential(mut files: Vec<(String, String)>, seed: u64, edits: usize) {
    let mut rng = Rng(seed | 1);
    let mut cache = ParseCache::new();
    let mut previous = compile_cached(&source_map(&files), &mut cache, Vec::new());
    assert_same(&previous, &compile(&source_map(&files)), "at the start");
    let mut undo: Option<(usize, String)> = None;
    for round in 0..edits {
        let which = rng.below(files.len());
        match undo.take() {
            Some((index, text)) if rng.below(2) == 0 => files[index].1 = text,
            _ => {
                let before = files[which].1.clone();
                files[which].1 = edit(&mut rng, &before);
                undo = Some((which, before));
            }
        }
        if rng.below(25) == 0 && files.len() > 1 {
            files.rotate_left(1);
            undo = None;
        }
        let sources = source_map(&files);
        let cached = compile_cached(&sources, &mut cache, std::mem::take(&mut previous.files));
        let full = compile(&sources);
        assert_same(&cached, &full, &format!("after edit {round} (seed {seed})"));
        previous = cached;
    }
}

fn one_touch() -> Vec<(String, String)> {
    support::privet_files(std::path::Path::new("policies/one-touch"))
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).unwrap();
            (path.to_string_lossy().into_owned(), text)
        })
        .collect()
}

#[test]
fn incremental_equals_full_on_generated_programs() {
    for seed in 1..=6 {
        let text = privet::generate::program(seed, 40 + 20 * seed as usize);
        differential(vec![("program.privet".to_string(), text)], seed, 60);
    }
}

#[test]
fn incremental_equals_full_on_generated_programs_in_several_files() {
    for seed in 11..=13 {
        let files = (0..3)
            .map(|part| {
                (
                    format!("part{part}.privet"),
                    privet::generate::program(seed * 10 + part, 30),
                )
            })
            .collect();
        differential(files, seed, 60);
    }
}

#[test]
fn incremental_equals_full_on_the_one_touch_policy() {
    let files = one_touch();
    assert!(files.len() > 5);
    for seed in 21..=24 {
        differential(files.clone(), seed, 80);
    }
}

/// The diagnostics of each URI as a client holds them after reading the
/// publications (the last one for each URI wins).
fn hold(held: &mut BTreeMap<String, Value>, publications: Vec<Value>) {
    for publication in publications {
        held.insert(
            publication["uri"].as_str().unwrap().to_string(),
            publication["diagnostics"].clone(),
        );
    }
}

#[test]
fn a_server_that_saw_every_edit_publishes_what_a_fresh_one_does() {
    let mut files: Vec<(String, String)> = one_touch()
        .into_iter()
        .map(|(path, text)| (format!("file:///{path}"), text))
        .collect();
    let mut client = Client::start(None);
    for (uri, text) in &files {
        client.open(uri, text);
    }
    let mut held = BTreeMap::new();
    hold(&mut held, client.drain_publications());
    let mut rng = Rng(31);
    for round in 0..40 {
        let which = rng.below(files.len());
        files[which].1 = edit(&mut rng, &files[which].1);
        client.change(&files[which].0, round + 2, &files[which].1);
        hold(&mut held, client.drain_publications());

        let mut fresh = Client::start(None);
        for (uri, text) in &files {
            fresh.open(uri, text);
        }
        let mut expected = BTreeMap::new();
        hold(&mut expected, fresh.drain_publications());
        assert_eq!(fresh.shutdown(), Ok(true));
        for (uri, _) in &files {
            assert_eq!(
                held.get(uri).unwrap_or(&Value::Null),
                expected.get(uri).unwrap_or(&Value::Null),
                "{uri} after edit {round}"
            );
        }
    }
    assert_eq!(client.shutdown(), Ok(true));
}
