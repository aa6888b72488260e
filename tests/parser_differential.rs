//! The hand-written parser against the grammar: every `.privet` file under
//! `policies/` and `tests/`, generated programs and the generator's hostile
//! inputs, and real items mutated token by token and character by
//! character, each parsed with both the hand parser and pest (with
//! lowering), which must give the same tree, or both leave the item (the
//! property of the `parser` fuzz target, compiled in by path).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "../fuzz/src/parser.rs"]
mod property;

use privet::generate::{self, SplitMix64};
use privet::syntax::split;
use property::Verdict;
use std::path::{Path, PathBuf};

/// Every `.privet` file under a directory, sorted.
fn privet_files(dir: &Path, found: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            privet_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "privet") {
            found.push(path);
        }
    }
}

/// The text of every `.privet` file of the repository's `policies/` and
/// `tests/`.
fn repository_files() -> Vec<(PathBuf, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut paths = Vec::new();
    privet_files(&root.join("policies"), &mut paths);
    privet_files(&root.join("tests"), &mut paths);
    assert!(paths.len() > 50, "the .privet files were not found");
    paths
        .into_iter()
        .map(|path| {
            let text = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
            (path, text)
        })
        .collect()
}

#[test]
fn every_item_of_every_privet_file_parses_the_same() {
    let (mut taken, mut accepted) = (0, 0);
    for (path, text) in repository_files() {
        eprintln!("{}", path.display());
        let (file_taken, file_accepted) = property::file(&text);
        taken += file_taken;
        accepted += file_accepted;
    }
    eprintln!("{taken} items taken by the hand parser, {accepted} accepted by pest");
    // The One Touch policy alone has hundreds of items.
    assert!(taken > 500, "only {taken} items taken");
}

#[test]
fn generated_programs_parse_the_same_and_wholly_by_hand() {
    for seed in 1..=6 {
        for items in [5, 60, 400] {
            let text = generate::program(seed, items);
            let (taken, accepted) = property::file(&text);
            let chunks = split::split(&text).len();
            // A generated program is valid: no item is left to pest.
            assert_eq!(
                (taken, accepted),
                (chunks, chunks),
                "seed {seed}, {items} items"
            );
        }
    }
}

#[test]
fn hostile_inputs_parse_the_same() {
    for (name, text) in generate::adversarial_inputs(32 * 1024) {
        eprintln!("{name}");
        property::file(&text);
    }
}

/// The tokens of a text, roughly: words (names, keywords, numbers, dates),
/// strings, comments, runs of blanks, and single other characters. Every
/// character belongs to exactly one token.
fn tokens(text: &str) -> Vec<&str> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(first) = rest.chars().next() {
        let len = if first.is_ascii_alphanumeric() || first == '_' {
            rest.find(|c: char| !(c.is_ascii_alphanumeric() || "_.-".contains(c)))
                .unwrap_or(rest.len())
        } else if first == '"' {
            rest[1..]
                .find(['"', '\n'])
                .map_or(rest.len(), |end| end + 2)
                .min(rest.len())
        } else if rest.starts_with("//") {
            rest.find('\n').unwrap_or(rest.len())
        } else if first == ' ' || first == '\t' || first == '\n' || first == '\r' {
            rest.find(|c: char| !matches!(c, ' ' | '\t' | '\n' | '\r'))
                .unwrap_or(rest.len())
        } else {
            first.len_utf8()
        };
        let (token, after) = rest.split_at(len.max(first.len_utf8()));
        found.push(token);
        rest = after;
    }
    found
}

/// What a mutation may insert: the grammar's keywords and punctuation,
/// literals, trivia, and characters near the edges of its tokens.
const INSERTS: &[&str] = &[
    "for",
    "commercial",
    "of",
    "to",
    "under",
    "with",
    "in",
    "about",
    "after",
    "while",
    "then",
    "keep",
    "archive",
    "encrypted",
    "isolated",
    "delete",
    "anonymize",
    "forever",
    "at",
    "least",
    "except",
    "allow",
    "deny",
    "cite",
    "sensitive",
    "identifier",
    "protected",
    "by",
    "backed",
    "table",
    "hold",
    "retain",
    "honours",
    "do",
    "not",
    "track",
    "opt",
    "out",
    "notified",
    "within",
    "before",
    "new",
    "purpose",
    "when",
    "is",
    "using",
    "carries",
    "anonymized",
    "without",
    "use",
    "stores",
    "flows",
    "updated",
    "compatible",
    "age",
    "x",
    "a.b",
    "a.",
    ".b",
    ",",
    "->",
    "-",
    "=",
    ".",
    "\"",
    "\"s\"",
    "\"a\\\"b\"",
    "\"\\q\"",
    "3 years",
    "3\tdays",
    "3",
    "2024-10-24",
    "1-2",
    " ",
    "\t",
    "\n",
    "\r\n",
    "// c\n",
    "/// d\n",
    "//// e\n",
    "//",
    "\\",
    "é",
    "\u{85}",
    "\u{3000}",
    "_",
];

/// One random edit of a text's tokens or characters.
fn mutate(text: &str, rng: &mut SplitMix64) -> String {
    let tokens = tokens(text);
    let at = rng.below(tokens.len() + 1);
    let insert = INSERTS[rng.below(INSERTS.len())];
    let mut out: Vec<&str> = tokens.clone();
    match rng.below(6) {
        // Delete a token.
        0 if at < out.len() => {
            out.remove(at);
        }
        // Duplicate a token, with a blank between or not.
        1 if at < out.len() => {
            let token = out[at];
            out.insert(at, if rng.chance(50) { " " } else { "" });
            out.insert(at, token);
        }
        // Insert a token, with blanks around it or not.
        2 => {
            if rng.chance(50) {
                out.insert(at.min(out.len()), " ");
            }
            out.insert(at.min(out.len()), insert);
            if rng.chance(50) {
                out.insert(at.min(out.len()), " ");
            }
        }
        // Swap two tokens.
        3 if out.len() > 1 => {
            let other = rng.below(out.len());
            let at = at.min(out.len() - 1);
            out.swap(at, other);
        }
        // Delete or insert a character.
        _ => {
            let mut chars: Vec<char> = text.chars().collect();
            let at = rng.below(chars.len() + 1);
            if rng.chance(50) && at < chars.len() {
                chars.remove(at);
            } else {
                for c in insert.chars().rev() {
                    chars.insert(at, c);
                }
            }
            return chars.into_iter().collect();
        }
    }
    out.concat()
}

#[test]
fn mutated_items_parse_the_same() {
    let mut items: Vec<String> = Vec::new();
    let mut texts: Vec<String> = repository_files().into_iter().map(|(_, t)| t).collect();
    texts.push(generate::program(7, 300));
    for text in &texts {
        for chunk in split::split(text) {
            items.push(text[chunk.start..chunk.end].to_string());
        }
    }
    let mut rng = SplitMix64::new(0x00dd_5eed);
    let mut verdicts = [0usize; 3];
    for _ in 0..40_000 {
        let mut item = items[rng.below(items.len())].clone();
        for _ in 0..rng.between(1, 3) {
            item = mutate(&item, &mut rng);
        }
        let verdict = property::item(&item);
        verdicts[verdict as usize] += 1;
    }
    eprintln!(
        "taken {}, left to pest {}, refused {}",
        verdicts[Verdict::Taken as usize],
        verdicts[Verdict::LeftToPest as usize],
        verdicts[Verdict::Refused as usize]
    );
    // Both sides of the property are exercised.
    assert!(verdicts[Verdict::Taken as usize] > 1_000);
    assert!(verdicts[Verdict::Refused as usize] > 1_000);
}

#[test]
fn the_property_sees_what_the_parsers_do() {
    assert_eq!(property::item("category a \"x\"\n"), Verdict::Taken);
    assert_eq!(
        property::item("allow use of a for b for c\n"),
        Verdict::LeftToPest
    );
    assert_eq!(property::item("category\n"), Verdict::Refused);
    // Bytes that are not UTF-8 are read with replacement characters.
    property::parser(b"category a \"\xff\"\n");
    // Spans reach over what pest's implicit whitespace took: the comment
    // after a name that ends a list is the list's, and so the flow
    // phase's and the item's.
    assert_eq!(
        property::item("flow a -> b carries c for d after e // note\n  // more\n"),
        Verdict::Taken
    );
}
