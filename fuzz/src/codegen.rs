//! Target `codegen`: the enforcement config of clean programs.
//!
//! The input seeds `privet::generate::program` (a valid program) and picks
//! hostile strings (quotes, comment markers, dollar-quote tags, line breaks,
//! controls: see [`text::HOSTILE`]) for some of its string literals: labels,
//! citations, table, column, bucket and topic names. Literals whose hostile
//! text the checker refuses are put back, a few rounds at most. On a program
//! that then checks clean:
//!
//! - `build` gives the same bytes twice, from two compilations;
//! - every JSON file parses, `bundle.tar.gz` holds exactly the bundle's
//!   files, the Kafka properties are comments and known keys;
//! - the Rego policy is comment lines and then the fixed policy text;
//! - every SQL file tokenises (PostgreSQL's rules) with words outside
//!   quotes and comments only from privet's own vocabulary, and its tokens
//!   outside literals and comments are the same as those of the program's
//!   *tame twin*, where each hostile string is replaced by one of the same
//!   shape (`x` for each character but `,`, `.` and whitespace, which the
//!   table and column settings split on): user text changes what is inside
//!   quotes and comments, never the SQL around it.

use super::text::{self, Bytes};
use privet::codegen::Output;
use std::collections::BTreeMap;
use std::io::Read;

/// The Rego rules `policy.rego` ends with, the same for every program.
const POLICY_BODY: &str = include_str!("../../src/codegen/policy.rego");

pub fn codegen(data: &[u8]) {
    let mut bytes = Bytes::new(data);
    let seed = bytes.u64();
    let items = 20 + bytes.below(100);
    let original = privet::generate::program(seed, items);
    let literals = text::string_literals(&original);
    let mut choices: Vec<Option<String>> = literals
        .iter()
        .map(|_| bytes.chance(50).then(|| text::hostile(&mut bytes)))
        .collect();
    for _round in 0..4 {
        let (hostile, placed) = rewrite(&original, &literals, &choices, str::to_string);
        let (sources, compilation) = super::compile_files(&[("policy.privet", hostile.as_bytes())]);
        let errors: Vec<_> = compilation
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .collect();
        if !errors.is_empty() {
            // Put back the literals the errors are about, and try again.
            let mut changed = false;
            for error in errors {
                let spans = std::iter::once(error.primary.span)
                    .chain(error.labels.iter().map(|label| label.span));
                for span in spans {
                    for (index, range) in placed.iter().enumerate() {
                        let overlaps = (span.start as usize) < range.end
                            && range.start < (span.end as usize).max(span.start as usize + 1);
                        if overlaps && choices[index].is_some() {
                            choices[index] = None;
                            changed = true;
                        }
                    }
                }
            }
            if !changed {
                // The generator's own program has errors, or they are not
                // about one literal: nothing to check.
                return;
            }
            continue;
        }
        let first = privet::codegen::build(&sources, &compilation)
            .unwrap_or_else(|errors| panic!("a clean program fails to build: {errors:?}"));
        let (sources_again, again) = super::compile_files(&[("policy.privet", hostile.as_bytes())]);
        let second = privet::codegen::build(&sources_again, &again).expect("built once");
        assert!(first == second, "two builds of one program differ");
        check_output(&first);

        let (tame, _) = rewrite(&original, &literals, &choices, tame);
        let (tame_sources, tame_compilation) =
            super::compile_files(&[("policy.privet", tame.as_bytes())]);
        if tame_compilation.has_errors() {
            return;
        }
        // The twin's retention jobs alone: its SQL is what is compared.
        let twin = privet::codegen::retention::jobs(&tame_sources, &tame_compilation.program);
        for (path, sql) in first
            .files
            .iter()
            .filter(|(path, _)| path.ends_with(".sql"))
        {
            let Some(tame_sql) = twin.files.get(path) else {
                panic!("`{path}` is not in the tame twin's build");
            };
            let shape = skeleton(&String::from_utf8_lossy(sql)).expect("checked above");
            let tame_shape = skeleton(&String::from_utf8_lossy(tame_sql))
                .unwrap_or_else(|why| panic!("the tame twin's `{path}`: {why}"));
            assert_eq!(
                shape,
                tame_shape,
                "user text changed the SQL of `{path}` outside quotes and comments:\n{}",
                String::from_utf8_lossy(sql)
            );
        }
        return;
    }
}

/// The program with the chosen literals replaced (by `shape` of the chosen
/// string, quoted as privet quotes), and where each literal ended up.
fn rewrite(
    original: &str,
    literals: &[std::ops::Range<usize>],
    choices: &[Option<String>],
    shape: impl Fn(&str) -> String,
) -> (String, Vec<std::ops::Range<usize>>) {
    let mut out = String::with_capacity(original.len() * 2);
    let mut placed = Vec::with_capacity(literals.len());
    let mut done = 0;
    for (range, choice) in literals.iter().zip(choices) {
        out.push_str(&original[done..range.start]);
        let start = out.len();
        match choice {
            Some(text) => out.push_str(&privet::format::quote(&shape(text))),
            None => out.push_str(&original[range.clone()]),
        }
        placed.push(start..out.len());
        done = range.end;
    }
    out.push_str(&original[done..]);
    (out, placed)
}

/// A string of the same shape for the settings privet splits: `x` for each
/// character but commas, dots and whitespace.
fn tame(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c == ',' || c == '.' || c.is_whitespace() {
                c
            } else {
                'x'
            }
        })
        .collect()
}

/// Checks every file of a build (see the module's comment).
pub fn check_output(output: &Output) {
    let mut bundle: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    for (path, bytes) in &output.files {
        let text =
            || String::from_utf8(bytes.clone()).unwrap_or_else(|_| panic!("`{path}` is not UTF-8"));
        if let Some(inside) = path.strip_prefix("bundle/") {
            bundle.insert(inside.to_string(), bytes.clone());
        }
        if path.ends_with(".json") || path.ends_with(".manifest") {
            super::json(&text());
        } else if path.ends_with(".sql") {
            if let Err(why) = skeleton(&text()) {
                panic!("`{path}`: {why}\n{}", text());
            }
        } else if path.ends_with(".rego") {
            rego(&text());
        } else if path.ends_with(".properties") {
            properties(&text());
        } else if path != "bundle.tar.gz" {
            panic!("an unexpected file `{path}`");
        }
    }
    let archive = output
        .files
        .get("bundle.tar.gz")
        .expect("bundle.tar.gz is built");
    let mut tar = Vec::new();
    flate2::read::GzDecoder::new(archive.as_slice())
        .read_to_end(&mut tar)
        .expect("bundle.tar.gz is gzip");
    let mut entries = BTreeMap::new();
    let mut archive = tar::Archive::new(tar.as_slice());
    for entry in archive.entries().expect("a tar archive") {
        let mut entry = entry.expect("a tar entry");
        let path = entry.path().expect("a path").to_string_lossy().into_owned();
        let mut content = Vec::new();
        entry.read_to_end(&mut content).expect("an entry's bytes");
        entries.insert(path, content);
    }
    assert!(
        entries == bundle,
        "bundle.tar.gz does not hold the bundle's files"
    );
}

/// The Rego policy: comment lines, then the fixed text.
fn rego(text: &str) {
    let Some(header) = text.strip_suffix(POLICY_BODY) else {
        panic!("the Rego policy does not end with the fixed policy text:\n{text}");
    };
    for line in header.split_inclusive('\n') {
        assert!(
            line.starts_with('#') && line.ends_with('\n'),
            "a header line of the Rego policy that is not a comment: {line:?}"
        );
        comment(&line[..line.len() - 1], "the Rego policy");
    }
}

/// Whether a character must not appear raw in a generated comment: a
/// control character (C0 or C1: a line break for some readers, a terminal
/// command for others), a line or paragraph separator, or a bidirectional
/// formatting character (which makes text display other than it reads).
/// Written here again, not taken from privet's codegen: the property is an
/// oracle of its own.
pub fn hidden(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}'
                | '\u{2029}'
                | '\u{61c}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
        )
}

/// A comment line (without its line break) holds nothing [`hidden`].
fn comment(line: &str, what: &str) {
    if let Some(c) = line.chars().find(|c| hidden(*c)) {
        panic!("{c:?} raw in a comment of {what}: {line:?}");
    }
}

/// A Kafka topic config: comments and the keys privet sets.
fn properties(text: &str) {
    for line in text.lines() {
        if line.starts_with('#') {
            comment(line, "a Kafka config");
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            panic!("a properties line that is neither a comment nor a setting: {line:?}");
        };
        match key {
            "cleanup.policy" => assert_eq!(value, "delete"),
            "retention.ms" => assert!(
                value.parse::<i64>().is_ok(),
                "retention.ms is not a number: {value:?}"
            ),
            other => panic!("an unknown setting {other:?}"),
        }
    }
}

/// The words privet writes in SQL outside quotes and comments.
const SQL_WORDS: &[&str] = &[
    "DELETE", "FROM", "WHERE", "IS", "NOT", "NULL", "AND", "OR", "UPDATE", "SET", "now",
    "interval", "SELECT", "cron", "schedule",
];

/// One SQL token, outside literals: what must not depend on user text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Token {
    Word(String),
    Number(String),
    Punctuation(char),
    /// A string literal, a quoted identifier or a comment: its content is
    /// free.
    Quoted(char),
    /// A dollar-quoted string, with the tokens of the SQL inside it.
    Dollar(Vec<Token>),
}

/// The tokens of SQL as PostgreSQL reads it, or why it does not tokenise
/// as privet's SQL must.
pub fn skeleton(sql: &str) -> Result<Vec<Token>, String> {
    let mut tokens = Vec::new();
    let mut rest = sql;
    while let Some(c) = rest.chars().next() {
        if c.is_whitespace() {
            rest = &rest[c.len_utf8()..];
        } else if let Some(comment) = rest.strip_prefix("--") {
            let end = comment.find('\n').map_or(comment.len(), |end| end + 1);
            if let Some(c) = comment[..end]
                .trim_end_matches('\n')
                .chars()
                .find(|c| hidden(*c))
            {
                return Err(format!("{c:?} in a comment"));
            }
            rest = &comment[end..];
            tokens.push(Token::Quoted('-'));
        } else if rest.starts_with("/*") {
            return Err("a block comment".to_string());
        } else if c == '\'' || c == '"' {
            rest = quoted(&rest[1..], c).ok_or(format!("an unclosed {c}"))?;
            tokens.push(Token::Quoted(c));
        } else if c == '$' {
            let close = rest[1..].find('$').ok_or("a lone $")? + 1;
            let tag = &rest[..=close];
            if !tag[1..tag.len() - 1]
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_')
            {
                return Err(format!("a bad dollar-quote tag {tag:?}"));
            }
            let body = &rest[tag.len()..];
            let end = body.find(tag).ok_or(format!("an unclosed {tag}"))?;
            tokens.push(Token::Dollar(skeleton(&body[..end])?));
            rest = &body[end + tag.len()..];
        } else if c.is_ascii_alphabetic() || c == '_' {
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            let word = &rest[..end];
            if !SQL_WORDS.contains(&word) {
                return Err(format!("the word {word:?} outside quotes"));
            }
            tokens.push(Token::Word(word.to_string()));
            rest = &rest[end..];
        } else if c.is_ascii_digit() {
            let end = rest
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(rest.len());
            tokens.push(Token::Number(rest[..end].to_string()));
            rest = &rest[end..];
        } else if "(),;=<>.*-+".contains(c) {
            tokens.push(Token::Punctuation(c));
            rest = &rest[1..];
        } else {
            return Err(format!("{c:?} outside quotes"));
        }
    }
    Ok(tokens)
}

/// The text after a literal opened by `quote` (already skipped), where a
/// doubled quote stands for one; `None` when it never closes.
fn quoted(text: &str, quote: char) -> Option<&str> {
    let mut rest = text;
    loop {
        let end = rest.find(quote)?;
        let after = &rest[end + 1..];
        if after.starts_with(quote) {
            rest = &after[1..];
        } else {
            return Some(after);
        }
    }
}
