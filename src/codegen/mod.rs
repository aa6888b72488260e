//! The enforcement config `privet build` writes: an OPA bundle (directory
//! and `bundle.tar.gz`), retention jobs for the stores, and `privet.json`.
//!
//! Code generators translate; they never decide. The Rego policy is the
//! decision function of `check::decision` transcribed rule for rule; the
//! retention jobs enforce the lifecycles the checker has already held to
//! the policy. Everything is computed in memory as a map from relative path
//! to bytes, the same bytes for the same program on every run and machine;
//! the CLI writes it.

pub mod archive;
pub mod opa;
pub mod retention;
mod summary;

use crate::diagnostic::Diagnostic;
use crate::model::Program;
use crate::pipeline::Compilation;
use crate::query::RuleInfo;
use crate::source::{SourceMap, Span};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// The files of a build, by path relative to the output directory
/// (forward slashes).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Output {
    pub files: BTreeMap<String, Vec<u8>>,
}

/// Generates the enforcement config of a program that has no errors; fails
/// with the errors otherwise (a store's retention its technology cannot
/// carry out is one: `retention-unenforceable`).
pub fn build(sources: &SourceMap, compilation: &Compilation) -> Result<Output, Vec<Diagnostic>> {
    if compilation.has_errors() {
        return Err(compilation
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .cloned()
            .collect());
    }
    let program = &compilation.program;
    let (bundle, revision) = bundle(sources, program);

    let jobs = retention::jobs(sources, program);

    let mut files = BTreeMap::new();
    files.insert("bundle.tar.gz".to_string(), archive::tar_gz(&bundle));
    for (path, bytes) in &bundle {
        files.insert(format!("bundle/{path}"), bytes.clone());
    }
    files.insert(
        "privet.json".to_string(),
        summary::privet_json(sources, compilation, &revision, &jobs.records),
    );
    files.extend(jobs.files);
    Ok(Output { files })
}

/// The OPA bundle's files (`.manifest`, `data.json`, the policy), by path
/// inside the bundle, and its revision.
pub fn bundle(sources: &SourceMap, program: &Program) -> (BTreeMap<String, Vec<u8>>, String) {
    let infos = RuleInfo::all(sources, program);
    let mut bundle: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    bundle.insert("data.json".to_string(), opa::data_json(program, &infos));
    bundle.insert(opa::POLICY_PATH.to_string(), opa::policy_rego(program));
    let revision = opa::revision(&bundle);
    bundle.insert(".manifest".to_string(), opa::manifest(program, &revision));
    (bundle, revision)
}

/// Pretty JSON with a final newline. Serializing plain structs and
/// `BTreeMap`s cannot fail; an empty document stands for the impossible.
pub(crate) fn json_bytes<T: Serialize>(value: &T) -> Vec<u8> {
    let mut bytes = serde_json::to_vec_pretty(value).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}

/// Whether a character is written escaped in a generated comment: a
/// control character (C0 or C1: a line break for some readers, a terminal
/// command for others), a line or paragraph separator, or a bidirectional
/// formatting character (which makes text display in another order than it
/// reads, so a comment could seem to say what it does not).
fn hidden(c: char) -> bool {
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

/// User-written text for a comment in generated code (Rego, SQL,
/// properties): as a JSON string, so quotes, backslashes, line breaks and
/// other control characters are escaped and the comment cannot end early;
/// what JSON leaves alone but is [`hidden`] (C1 controls, separators,
/// bidirectional formatting) is escaped as `\uXXXX` too.
pub(crate) fn comment_text(text: &str) -> String {
    let quoted = serde_json::to_string(text).unwrap_or_default();
    // All of them are in the Basic Multilingual Plane: four hex digits.
    escape_hidden(&quoted, |code| format!("\\u{code:04x}"))
}

/// Source text on one line for a comment: whitespace runs (line breaks
/// included) become one space, and any other [`hidden`] character is
/// written as `\u{..}`.
pub(crate) fn one_line(text: &str) -> String {
    let joined = text.split_whitespace().collect::<Vec<_>>().join(" ");
    escape_hidden(&joined, |code| format!("\\u{{{code:04x}}}"))
}

/// `text` with each [`hidden`] character written by `escape` (given its
/// code point).
fn escape_hidden(text: &str, escape: impl Fn(u32) -> String) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if hidden(c) {
            out.push_str(&escape(u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out
}

/// `FILE:LINE` of a span.
pub(crate) fn location(sources: &SourceMap, span: Span) -> String {
    match sources.get(span.file) {
        Some(file) => format!("{}:{}", file.name(), file.line_column(span.start).line),
        None => String::new(),
    }
}

/// A name usable as a file name: itself when it is made of letters,
/// digits, `.`, `_` and `-` and does not start with `.` or `-`; otherwise
/// those characters kept, the rest replaced by `_`, and a hash of the name
/// appended so that different names stay different.
pub(crate) fn safe_file_name(name: &str) -> String {
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
    let plain = !name.is_empty()
        && name.len() <= 200
        && name.chars().all(allowed)
        && !name.starts_with(['.', '-']);
    if plain {
        return name.to_string();
    }
    let kept: String = name
        .chars()
        .take(100)
        .map(|c| if allowed(c) { c } else { '_' })
        .collect();
    format!("_{kept}-{}", short_hash(name, 6))
}

/// The first `bytes` bytes of the SHA-256 of `text`, in hexadecimal: what
/// tells apart two names shortened alike.
pub(crate) fn short_hash(text: &str, bytes: usize) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .take(bytes)
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_cannot_be_broken_out_of() {
        let text = comment_text("a \"b\" \\ c\nd\re\u{2028}");
        assert!(!text.contains('\n') && !text.contains('\r') && !text.contains('\u{2028}'));
        assert_eq!(text, "\"a \\\"b\\\" \\\\ c\\nd\\re\\u2028\"");
    }

    #[test]
    fn c1_controls_and_bidirectional_formatting_are_escaped_in_comments() {
        // Found by the `codegen` fuzz target: U+0085 (NEL) was written raw
        // into the Rego policy's header comment.
        let text = comment_text("a\u{85}b\u{9b}2J\u{202e}c\u{2066}");
        assert_eq!(text, "\"a\\u0085b\\u009b2J\\u202ec\\u2066\"");
        let decoded: String = serde_json::from_str(&text).unwrap_or_default();
        assert_eq!(decoded, "a\u{85}b\u{9b}2J\u{202e}c\u{2066}");
        assert_eq!(one_line("a\u{9b}b\u{202e}"), "a\\u{009b}b\\u{202e}");
    }

    #[test]
    fn one_line_keeps_no_line_break() {
        assert_eq!(
            one_line("retain  a\n    then\r\ndelete"),
            "retain a then delete"
        );
        assert_eq!(one_line("a\u{1b}b"), "a\\u{001b}b");
    }

    #[test]
    fn file_names_are_safe_and_distinct() {
        assert_eq!(safe_file_name("tracking-events"), "tracking-events");
        let odd = safe_file_name("../etc/passwd");
        assert!(odd.starts_with("_.._etc_passwd-"), "{odd}");
        assert!(!odd.contains('/'));
        assert_ne!(safe_file_name("a/b"), safe_file_name("a?b"));
        assert_ne!(safe_file_name(""), "");
    }
}
