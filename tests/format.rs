//! `privet fmt`: the layout of tricky inputs (snapshots), and on every file
//! of `policies/` and on generated programs, that formatting is idempotent,
//! keeps every comment and never changes the program's meaning.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use privet::format::{FormatError, format_text};
use privet::pipeline::{Compilation, compile};
use privet::source::{SourceMap, strip_spans};
use proptest::prelude::*;
use std::path::Path;

/// The model and the diagnostics of a compilation, without positions: two
/// programs that mean the same give the same fingerprint. References (and
/// suggestions) are recorded in the order clauses are read, which the
/// formatter may change, so they are sorted.
fn fingerprint(compilation: &Compilation) -> String {
    let mut program = compilation.program.clone();
    for reference in &mut program.references {
        reference.span = Default::default();
    }
    program.references.sort();
    program.suggested.sort();
    let mut diagnostics: Vec<String> = compilation
        .diagnostics
        .iter()
        .map(|d| {
            strip_spans(&format!(
                "{} {} {:?} {:?} {:?}",
                d.name, d.message, d.notes, d.help, d.labels
            ))
        })
        .collect();
    diagnostics.sort();
    // `FixedBitSet`'s Debug shows a pointer: compare the bits themselves.
    let leaves: Vec<String> = program
        .rules
        .iter()
        .map(|rule| {
            format!(
                "{:?} {:?}",
                rule.categories.leaves.ones().collect::<Vec<_>>(),
                rule.purposes
                    .as_ref()
                    .map(|p| p.leaves.ones().collect::<Vec<_>>())
            )
        })
        .chain(
            program
                .retentions
                .iter()
                .map(|r| format!("{:?}", r.categories.leaves.ones().collect::<Vec<_>>())),
        )
        .chain(
            program
                .requirements
                .iter()
                .map(|r| format!("{:?}", r.categories.leaves.ones().collect::<Vec<_>>())),
        )
        .collect();
    let debug = strip_spans(&format!("{program:?}\n{diagnostics:#?}\n{leaves:?}"));
    without_pointers(&debug)
}

/// `data: 0x7f..` to `data`.
fn without_pointers(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("data: 0x") {
        out.push_str(&rest[..at + 4]);
        rest = rest[at + 8..].trim_start_matches(|c: char| c.is_ascii_hexdigit());
    }
    out.push_str(rest);
    out
}

fn compile_texts(texts: &[(String, String)]) -> Compilation {
    let mut sources = SourceMap::new();
    for (name, text) in texts {
        sources.add(name.clone(), text.clone());
    }
    compile(&sources)
}

/// The comments of a text, sorted: what formatting must keep.
fn comments(text: &str) -> Vec<String> {
    let mut found: Vec<String> = privet::syntax::split::comments(Default::default(), text)
        .into_iter()
        .map(|c| c.text.trim_end().to_string())
        .collect();
    found.sort();
    found
}

fn doc_lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|line| line.starts_with("///"))
        .map(|line| line.trim_end().to_string())
        .collect()
}

/// Formats once and twice and checks the properties every input must have.
fn check_round_trip(name: &str, text: &str) -> String {
    let once = format_text(text).unwrap_or_else(|e| panic!("{name}: {e}\n{e:?}\n{text}"));
    let twice =
        format_text(&once).unwrap_or_else(|e| panic!("{name} (second time): {e}\n{e:?}\n{once}"));
    assert_eq!(once, twice, "{name}: formatting twice changed the text");
    assert_eq!(comments(text), comments(&once), "{name}: comments changed");
    assert_eq!(
        doc_lines(text).len(),
        doc_lines(&once).len(),
        "{name}: doc lines"
    );
    // The line endings of the input are kept: CRLF when its first line
    // ends in CRLF, LF otherwise.
    let crlf = text
        .split('\n')
        .next()
        .is_some_and(|line| line.ends_with('\r'))
        && text.contains('\n');
    for line in once.split_inclusive('\n') {
        let body = line.trim_end_matches('\n');
        let body = if crlf {
            body.strip_suffix('\r')
                .unwrap_or_else(|| panic!("{name}: an LF line in a CRLF file"))
        } else {
            body
        };
        assert!(!body.contains('\r'), "{name}: carriage return in a line");
        assert_eq!(body, body.trim_end(), "{name}: trailing whitespace");
    }
    assert_eq!(
        text.starts_with('\u{feff}'),
        once.starts_with('\u{feff}'),
        "{name}: byte order mark"
    );
    once
}

#[test]
fn layout_cases() {
    insta::glob!("format/*.privet", |path| {
        let text = std::fs::read_to_string(path).unwrap();
        let formatted = check_round_trip(&path.display().to_string(), &text);
        let before = compile_texts(&[("case.privet".into(), text.clone())]);
        let after = compile_texts(&[("case.privet".into(), formatted.clone())]);
        assert_eq!(fingerprint(&before), fingerprint(&after));
        // Carriage returns and the byte order mark made visible.
        let visible = |text: &str| text.replace('\r', "\u{240d}").replace('\u{feff}', "[BOM]");
        insta::assert_snapshot!(format!(
            "----- INPUT\n{}\n----- FORMATTED\n{}",
            visible(&text),
            visible(&formatted)
        ));
    });
}

#[test]
fn every_policy_file_round_trips_and_keeps_its_meaning() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("policies");
    let mut programs: Vec<_> = vec![root.join("one-touch")];
    let mut violations: Vec<_> = std::fs::read_dir(root.join("violations"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    violations.sort();
    programs.extend(violations);
    let mut files = 0;
    for program in programs {
        let mut original = Vec::new();
        let mut formatted = Vec::new();
        for path in support::privet_files(&program) {
            let name = support::relative(&path);
            let text = std::fs::read_to_string(&path).unwrap();
            formatted.push((name.clone(), check_round_trip(&name, &text)));
            original.push((name, text));
            files += 1;
        }
        assert_eq!(
            fingerprint(&compile_texts(&original)),
            fingerprint(&compile_texts(&formatted)),
            "formatting {} changed its meaning",
            program.display()
        );
    }
    assert!(files >= 30, "only {files} files under policies/");
}

#[test]
fn shipped_policies_are_formatted() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("policies");
    let unformatted: Vec<String> = support::privet_files(&root)
        .into_iter()
        .filter(|path| {
            let text = std::fs::read_to_string(path).unwrap();
            format_text(&text).unwrap() != text
        })
        .map(|path| support::relative(&path))
        .collect();
    assert!(unformatted.is_empty(), "not formatted: {unformatted:?}");
}

#[test]
fn syntax_errors_are_not_formatted() {
    let text = "category a\ncategroy b\nallow use of\n";
    match format_text(text) {
        Err(FormatError::Syntax(diagnostics)) => {
            assert_eq!(diagnostics.len(), 2);
            assert!(
                diagnostics
                    .iter()
                    .all(|d| d.name.as_str() == "syntax-error")
            );
        }
        other => panic!("expected syntax errors, got {other:?}"),
    }
}

#[test]
fn empty_and_comment_only_files() {
    assert_eq!(format_text("").unwrap(), "");
    assert_eq!(format_text("\n\n\n").unwrap(), "");
    assert_eq!(
        format_text("  // one\n\n\n// two  \n").unwrap(),
        "// one\n\n// two\n"
    );
}

#[test]
fn control_characters_are_kept_where_they_are() {
    // A file with `control-character` errors in its strings and comments is
    // formatted all the same: the characters stay where they are.
    let text =
        "category  a \"x\u{1b}[2J\u{202e}\" // c\u{7}\n\n/// d\u{2066}\ncategory b \"label\"\n";
    let formatted = check_round_trip("controls", text);
    assert_eq!(
        formatted,
        "category a \"x\u{1b}[2J\u{202e}\" // c\u{7}\n\n/// d\u{2066}\ncategory b \"label\"\n"
    );
    // A carriage return between tokens is taken for a space by the grammar:
    // the layout would drop it and its error with it, so such a file is
    // left as it is, its error reported (the fuzzer's `fmt` target found
    // the layout changing the diagnostics).
    let lone = "category b\r\"label\"\n";
    match format_text(lone) {
        Err(privet::format::FormatError::Syntax(diagnostics)) => {
            let names: Vec<&str> = diagnostics.iter().map(|d| d.name.as_str()).collect();
            assert_eq!(names, ["control-character"]);
        }
        other => panic!("a lone carriage return was formatted: {other:?}"),
    }
}

// ------------------------------------------------------------ generated programs

const CATEGORIES: &[&str] = &[
    "user",
    "user.contact.email",
    "user.contact.phone_number_for_verification",
    "user.device.imei",
    "log",
];
const PURPOSES: &[&str] = &["service", "service.login", "marketing.mailing_list"];
const BASES: &[&str] = &["consent", "consent.explicit", "legal_requirement"];
const REGIONS: &[&str] = &["site", "site.backup"];
const PARTIES: &[&str] = &["processor", "third_party", "public"];
const ACTIONS: &[&str] = &["collect", "use", "store", "share", "process"];
const AUDIENCES: &[&str] = &["customer", "customer.child", "staff"];
const LABELS: &[&str] = &[
    "\"a label\"",
    "\"with \\\"quotes\\\" and \\\\ and \\t\"",
    "\"ünïcödé, 名前 and a label long enough to push the item past eighty columns\"",
];

fn names(from: &'static [&'static str]) -> impl Strategy<Value = String> {
    proptest::sample::subsequence(from, 1..=from.len()).prop_map(|names| names.join(", "))
}

fn label() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        proptest::sample::select(LABELS).prop_map(|l| format!(" {l}"))
    ]
}

fn cite() -> impl Strategy<Value = String> {
    prop_oneof![Just(String::new()), Just(" cite \"1(2) a\"".to_string())]
}

/// Optional clauses in a random order.
fn clauses(options: Vec<BoxedStrategy<String>>) -> impl Strategy<Value = String> {
    options.prop_shuffle().prop_map(|parts| {
        parts
            .into_iter()
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    })
}

fn optional(word: &'static str, from: &'static [&'static str]) -> BoxedStrategy<String> {
    prop_oneof![
        Just(String::new()),
        names(from).prop_map(move |n| format!("{word} {n}"))
    ]
    .boxed()
}

/// The events of `after` clauses.
const EVENTS: &[&str] = &["closed", "deleted", "stopped"];

/// A rule's `for` clause: purposes, `commercial`, or both, or none.
fn rule_purposes() -> BoxedStrategy<String> {
    prop_oneof![
        optional("for", PURPOSES),
        Just("for commercial".to_string()),
        names(PURPOSES).prop_map(|p| format!("for commercial {p}")),
    ]
    .boxed()
}

fn exceptions() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        (
            prop_oneof![Just("under"), Just("with")],
            names(BASES),
            cite(),
        ),
        0..3,
    )
    .prop_map(|list| {
        list.into_iter()
            .map(|(word, bases, cite)| format!(" except {word} {bases}{cite}"))
            .collect()
    })
}

fn lifecycle() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("forever".to_string()),
        Just("while active then delete".to_string()),
        Just("while active then after closed keep for legal_minimum without commercial use then anonymize".to_string()),
        Just("after closed archive isolated encrypted for 20~years then archive encrypted".to_string()),
        Just("keep for 30~days then delete".to_string()),
        Just("at least while active".to_string()),
        Just("at least while active then after closed keep for legal_minimum".to_string()),
        Just("at least after closed archive encrypted isolated for 20~years".to_string()),
        Just("at least keep for 30~days".to_string()),
    ]
}

/// One item, its tokens separated by single spaces.
fn item() -> impl Strategy<Value = String> {
    prop_oneof![
        (proptest::sample::select(CATEGORIES), label(), cite(), any::<bool>()).prop_map(
            |(name, label, cite, flag)| {
                let flag = if flag { " sensitive identifier" } else { "" };
                format!("category {name}{label}{flag}{cite}")
            }
        ),
        (names(ACTIONS), names(CATEGORIES), clauses(vec![
            rule_purposes(),
            optional("to", PARTIES),
            prop_oneof![Just(String::new()), names(BASES).prop_map(|b| format!("under {b}")), names(BASES).prop_map(|b| format!("with {b}"))].boxed(),
            optional("in", REGIONS),
            optional("about", AUDIENCES),
            optional("after", EVENTS),
        ]), cite())
            .prop_map(|(a, c, rest, cite)| format!("allow {a} of {c} {rest}{cite}")),
        (names(ACTIONS), names(CATEGORIES), clauses(vec![
            rule_purposes(),
            optional("to", PARTIES),
            optional("in", REGIONS),
            optional("about", AUDIENCES),
            optional("after", EVENTS),
        ]), cite(), exceptions())
            .prop_map(|(a, c, rest, cite, ex)| format!("deny {a} of sensitive {c} {rest}{cite}{ex}")),
        (names(CATEGORIES), names(PURPOSES), cite(), exceptions())
            .prop_map(|(c, p, cite, ex)| format!("restrict {c} to {p}{cite}{ex}")),
        (names(CATEGORIES), lifecycle(), cite())
            .prop_map(|(c, l, cite)| format!("retain {c} {l}{cite}")),
        (names(CATEGORIES), optional("for", PURPOSES), cite())
            .prop_map(|(c, p, cite)| format!("hold {c} {p} while active{cite}")),
        (label(), clauses(vec![
            optional("in", REGIONS),
            Just("protected by encryption.at_rest, isolation".to_string()).boxed(),
            Just("backed by postgres table \"orders\" timestamp \"closed_at\" columns \"a, b, c, d, e, f, g\" hold \"held\"".to_string()).boxed(),
            names(CATEGORIES).prop_map(|c| format!("retain {c} keep for 1~year then delete")).boxed(),
        ]), cite())
            .prop_map(|(label, rest, cite)| format!("store db{label} {rest}{cite}")),
        (names(CATEGORIES), names(PURPOSES), clauses(vec![
            optional("under", BASES),
            optional("protected by", &["tls", "encryption.in_transit"]),
            prop_oneof![Just(String::new()), Just("honours do not track".to_string())].boxed(),
            prop_oneof![Just(String::new()), Just("while active".to_string()), names(EVENTS).prop_map(|e| format!("after {e}"))].boxed(),
        ]), cite())
            .prop_map(|(c, p, rest, cite)| format!("flow customer -> db carries {c} for {p} {rest}{cite}")),
        (label(), cite()).prop_map(|(label, cite)| format!("obligation notify{}{cite} ", if label.is_empty() { " \"x\"".to_string() } else { label })),
        (proptest::sample::select(AUDIENCES), label(), proptest::option::of(1u32..100), cite()).prop_map(
            |(name, label, age, cite)| {
                let age = age.map(|age| format!(" under age {age}")).unwrap_or_default();
                format!("audience {name}{label}{age}{cite}")
            }
        ),
        (label(), optional("is", AUDIENCES), cite())
            .prop_map(|(label, kinds, cite)| format!("subject shopper{label} {kinds}{cite}")),
        (proptest::sample::select(PURPOSES), label(), any::<bool>(), optional("compatible with", PURPOSES), cite())
            .prop_map(|(name, label, commercial, compatible, cite)| format!("purpose {name}{label}{} {compatible}{cite}", if commercial { " commercial" } else { "" })),
        (proptest::sample::select(BASES), label(), any::<bool>(), cite())
            .prop_map(|(name, label, new, cite)| format!("basis {name}{label}{}{cite}", if new { " for new purpose" } else { "" })),
    ]
}

/// How two tokens of an item are separated.
#[derive(Clone, Debug)]
enum Gap {
    Space,
    Spaces,
    Break,
    Trailing,
    OwnLine,
}

fn gap() -> impl Strategy<Value = Gap> {
    prop_oneof![
        6 => Just(Gap::Space),
        1 => Just(Gap::Spaces),
        2 => Just(Gap::Break),
        1 => Just(Gap::Trailing),
        1 => Just(Gap::OwnLine),
    ]
}

/// An item with its spaces replaced by random gaps, comments among them.
/// Strings are kept whole.
fn messy_item() -> impl Strategy<Value = (String, Vec<Gap>)> {
    item().prop_flat_map(|text| {
        let count = text.matches(' ').count();
        (Just(text), proptest::collection::vec(gap(), count))
    })
}

fn apply_gaps(text: &str, gaps: &[Gap], comment: &mut usize) -> String {
    let mut out = String::new();
    let mut in_string = false;
    let mut gaps = gaps.iter();
    let mut previous = '\0';
    for c in text.chars() {
        if c == '"' && previous != '\\' {
            in_string = !in_string;
        }
        previous = if previous == '\\' && c == '\\' {
            '\0'
        } else {
            c
        };
        if c == ' ' && !in_string {
            match gaps.next().unwrap_or(&Gap::Space) {
                Gap::Space => out.push(' '),
                Gap::Spaces => out.push_str("   "),
                Gap::Break => out.push_str("\n  "),
                Gap::Trailing => {
                    *comment += 1;
                    out.push_str(&format!(" // c{comment}\n    "));
                }
                Gap::OwnLine => {
                    *comment += 1;
                    out.push_str(&format!("\n        // c{comment}\n  "));
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn program() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        (messy_item(), 0..3usize, any::<bool>(), any::<bool>()),
        1..8,
    )
    .prop_map(|items| {
        let mut out = String::new();
        let mut comment = 0;
        let mut after_store = false;
        for ((text, gaps), blank, doc, top_comment) in items {
            // A `retain` rule right after a store needs a blank line before
            // it: without one it is a `syntax-error` (a store's clause whose
            // indent was forgotten, as privet reads it).
            let blank = if after_store && text.starts_with("retain") {
                blank.max(1)
            } else {
                blank
            };
            after_store = text.starts_with("store");
            out.push_str(&"\n".repeat(blank));
            if top_comment {
                comment += 1;
                out.push_str(&format!("// top {comment}\n"));
            }
            if doc {
                out.push_str("/// A doc comment.\n///\n///   indented  \n");
            }
            // `~` is the space inside a duration, which must stay a space.
            out.push_str(&apply_gaps(&text, &gaps, &mut comment).replace('~', " "));
            out.push('\n');
        }
        out
    })
}

fn vocabulary() -> String {
    let mut out = String::new();
    for c in CATEGORIES {
        out.push_str(&format!("category {c}\n"));
    }
    for p in PURPOSES {
        out.push_str(&format!("purpose {p}\n"));
    }
    for b in BASES {
        out.push_str(&format!("basis {b}\n"));
    }
    for r in REGIONS {
        out.push_str(&format!("region {r}\n"));
    }
    out.push_str(
        "safeguard tls\nsafeguard encryption\nsafeguard isolation\nstate active\nevent closed\nevent deleted\nevent stopped\n",
    );
    out.push_str("duration legal_minimum = 3 years\nsubject customer\n");
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn generated_programs_round_trip(text in program()) {
        let formatted = check_round_trip("generated", &text);
        let vocabulary = ("vocabulary.privet".to_string(), vocabulary());
        let before = compile_texts(&[vocabulary.clone(), ("case.privet".into(), text.clone())]);
        let after = compile_texts(&[vocabulary, ("case.privet".into(), formatted.clone())]);
        prop_assert!(
            !before.diagnostics.iter().any(|d| d.name.as_str() == "syntax-error"),
            "the generator made a syntax error:\n{text}"
        );
        prop_assert_eq!(fingerprint(&before), fingerprint(&after), "input:\n{}\nformatted:\n{}", text, formatted);
    }
}

// ------------------------------------------------------------ the command

fn privet(args: &[&str], dir: &Path) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_privet"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

/// `fmt` leaves no temporary file (a hidden one) in `dir`.
fn assert_no_temporary_files(dir: &Path) {
    let leftovers: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
}

#[test]
fn fmt_command_checks_rewrites_and_leaves_broken_files_alone() {
    let dir = tempfile::tempdir().unwrap();
    let messy = "category a   \"A\"\n\n\n\ncategory b cite \"x\"\n";
    let tidy = "category a \"A\"\n\ncategory b\n    cite \"x\"\n";
    let broken = "category a\ncategroy b\n";
    std::fs::write(dir.path().join("messy.privet"), messy).unwrap();
    std::fs::write(dir.path().join("tidy.privet"), tidy).unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    std::fs::write(dir.path().join("sub/broken.privet"), broken).unwrap();

    // --check lists the files that would change and writes nothing.
    let check = privet(&["fmt", "--check", "."], dir.path());
    assert_eq!(check.status.code(), Some(1));
    let stdout = String::from_utf8(check.stdout).unwrap();
    assert_eq!(stdout, "messy.privet\n");
    let stderr = String::from_utf8(check.stderr).unwrap();
    assert!(stderr.contains("error[syntax-error]"), "{stderr}");
    assert!(stderr.contains("sub/broken.privet"), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("messy.privet")).unwrap(),
        messy
    );

    // Formatting rewrites the messy file only; the broken one is left alone
    // and makes the exit code 1.
    let format = privet(&["fmt"], dir.path());
    assert_eq!(format.status.code(), Some(1));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("messy.privet")).unwrap(),
        tidy
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("tidy.privet")).unwrap(),
        tidy
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("sub/broken.privet")).unwrap(),
        broken
    );
    assert_no_temporary_files(dir.path());

    // Without the broken file, everything is formatted: exit 0.
    std::fs::remove_file(dir.path().join("sub/broken.privet")).unwrap();
    std::fs::write(dir.path().join("sub/fine.privet"), tidy).unwrap();
    let again = privet(&["fmt", "--check"], dir.path());
    assert_eq!(again.status.code(), Some(0), "{again:?}");
    assert!(again.stdout.is_empty());

    // A missing path is an I/O error.
    let missing = privet(&["fmt", "no-such-dir"], dir.path());
    assert_eq!(missing.status.code(), Some(2));
}

#[test]
fn crlf_line_endings_and_a_byte_order_mark_are_kept() {
    let messy = "category a   \"A\"\n\n\n\ncategory b cite \"x\"\n// end\n";
    let tidy = format_text(messy).unwrap();
    assert!(!tidy.contains('\r'));
    let crlf = |text: &str| text.replace('\n', "\r\n");
    let bom = |text: &str| format!("\u{feff}{text}");
    for (input, expected) in [
        (crlf(messy), crlf(&tidy)),
        (bom(messy), bom(&tidy)),
        (bom(&crlf(messy)), bom(&crlf(&tidy))),
    ] {
        let formatted = format_text(&input).unwrap();
        assert_eq!(formatted, expected, "input: {input:?}");
        // Idempotent: a formatted file stays as it is.
        assert_eq!(format_text(&formatted).unwrap(), formatted);
    }

    // `fmt --check` judges the layout, not the line endings: a formatted
    // CRLF file is formatted, and `fmt` leaves it (and its BOM) alone.
    let dir = tempfile::tempdir().unwrap();
    let windows = bom(&crlf(&tidy));
    std::fs::write(dir.path().join("windows.privet"), &windows).unwrap();
    std::fs::write(dir.path().join("messy.privet"), crlf(messy)).unwrap();
    let check = privet(&["fmt", "--check"], dir.path());
    assert_eq!(String::from_utf8(check.stdout).unwrap(), "messy.privet\n");
    assert_eq!(privet(&["fmt"], dir.path()).status.code(), Some(0));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("messy.privet")).unwrap(),
        crlf(&tidy)
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("windows.privet")).unwrap(),
        windows
    );
    assert_eq!(
        privet(&["fmt", "--check"], dir.path()).status.code(),
        Some(0)
    );
}

#[cfg(unix)]
#[test]
fn fmt_follows_a_symbolic_link_and_keeps_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("real")).unwrap();
    let target = dir.path().join("real/policy.privet");
    std::fs::write(&target, "category a   \"A\"\n").unwrap();
    std::fs::create_dir(dir.path().join("linked")).unwrap();
    let link = dir.path().join("linked/policy.privet");
    std::os::unix::fs::symlink(&target, &link).unwrap();

    let format = privet(&["fmt", "linked"], dir.path());
    assert_eq!(format.status.code(), Some(0), "{format:?}");
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink(),
        "the link was replaced by a file"
    );
    assert_eq!(
        std::fs::read_to_string(&target).unwrap(),
        "category a \"A\"\n"
    );
}

/// Whether the tests run as root (as they do here and in CI).
#[cfg(unix)]
fn is_root() -> bool {
    std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
}

/// Says loudly that part of a test could not run; under CI it fails.
#[cfg(unix)]
fn not_tried(why: &str) {
    support::tool_missing(why);
}

const MESSY: &str = "category a   \"A\"\n";
const TIDY: &str = "category a \"A\"\n";

#[cfg(unix)]
#[test]
fn fmt_refuses_a_read_only_file_even_as_root() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("locked.privet");
    std::fs::write(&file, MESSY).unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o444)).unwrap();
    std::fs::write(dir.path().join("open.privet"), MESSY).unwrap();

    let format = privet(&["fmt"], dir.path());
    assert_eq!(format.status.code(), Some(2), "{format:?}");
    let stderr = String::from_utf8(format.stderr).unwrap();
    assert!(
        stderr.contains("privet: error: cannot write `locked.privet`: the file is read-only"),
        "{stderr}"
    );
    assert!(!stderr.contains("os error"), "{stderr}");
    // The read-only file is as it was; the other one is formatted.
    assert_eq!(std::fs::read_to_string(&file).unwrap(), MESSY);
    let mode = std::fs::metadata(&file).unwrap().permissions().mode();
    assert_eq!(mode & 0o7777, 0o444);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("open.privet")).unwrap(),
        TIDY
    );
}

#[cfg(unix)]
#[test]
fn fmt_keeps_hard_links_mode_and_owner() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("policy")).unwrap();

    // A file with a second hard link outside the formatted directory: both
    // names still show one file, formatted.
    let linked = dir.path().join("policy/linked.privet");
    std::fs::write(&linked, MESSY).unwrap();
    let other_name = dir.path().join("elsewhere.txt");
    std::fs::hard_link(&linked, &other_name).unwrap();
    let inode = std::fs::metadata(&linked).unwrap().ino();

    // A file of another owner and group, with an unusual mode.
    let owned = dir.path().join("policy/owned.privet");
    std::fs::write(&owned, MESSY).unwrap();
    std::fs::set_permissions(&owned, std::fs::Permissions::from_mode(0o640)).unwrap();
    let root = is_root();
    if root {
        std::os::unix::fs::chown(&owned, Some(4321), Some(8765)).unwrap();
    } else {
        not_tried("not root: a file of another owner was not formatted");
    }

    let format = privet(&["fmt", "policy"], dir.path());
    assert_eq!(format.status.code(), Some(0), "{format:?}");

    assert_eq!(std::fs::read_to_string(&linked).unwrap(), TIDY);
    assert_eq!(std::fs::read_to_string(&other_name).unwrap(), TIDY);
    let metadata = std::fs::metadata(&linked).unwrap();
    assert_eq!(metadata.ino(), inode, "the hard link was broken");
    assert_eq!(metadata.nlink(), 2);

    assert_eq!(std::fs::read_to_string(&owned).unwrap(), TIDY);
    let metadata = std::fs::metadata(&owned).unwrap();
    assert_eq!(metadata.permissions().mode() & 0o7777, 0o640);
    if root {
        assert_eq!((metadata.uid(), metadata.gid()), (4321, 8765));
    }
    assert_no_temporary_files(&dir.path().join("policy"));
}

/// A user who may write a file but not give a new one its owner, or not
/// write its directory, gets it formatted in place: it stays the owner's.
#[cfg(unix)]
#[test]
fn fmt_by_another_user_writes_in_place() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    if !is_root() {
        not_tried("not root: privet was not run as another user");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    // A copy of the binary the other user can run.
    let binary = dir.path().join("privet");
    std::fs::copy(env!("CARGO_BIN_EXE_privet"), &binary).unwrap();
    // A directory the other user may write, and one they may not.
    let open = dir.path().join("open");
    let closed = dir.path().join("closed");
    for (directory, mode) in [(&open, 0o777), (&closed, 0o755)] {
        std::fs::create_dir(directory).unwrap();
        std::fs::set_permissions(directory, std::fs::Permissions::from_mode(mode)).unwrap();
        let file = directory.join("shared.privet");
        std::fs::write(&file, MESSY).unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o666)).unwrap();
    }
    let format = std::process::Command::new("runuser")
        .args(["-u", "nobody", "--"])
        .arg(&binary)
        .args(["fmt", "open", "closed"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(format.status.code(), Some(0), "{format:?}");
    for directory in [&open, &closed] {
        let file = directory.join("shared.privet");
        assert_eq!(std::fs::read_to_string(&file).unwrap(), TIDY);
        let metadata = std::fs::metadata(&file).unwrap();
        assert_eq!(
            (metadata.uid(), metadata.gid()),
            (0, 0),
            "{}",
            file.display()
        );
        assert_eq!(metadata.permissions().mode() & 0o7777, 0o666);
        assert_eq!(std::fs::read_dir(directory).unwrap().count(), 1);
    }
}

#[cfg(target_os = "linux")]
#[test]
fn fmt_check_reports_a_list_it_cannot_write() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("messy.privet"), MESSY).unwrap();
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let check = std::process::Command::new(env!("CARGO_BIN_EXE_privet"))
        .args(["fmt", "--check"])
        .current_dir(dir.path())
        .stdout(full)
        .output()
        .unwrap();
    assert_eq!(check.status.code(), Some(2), "{check:?}");
    let stderr = String::from_utf8(check.stderr).unwrap();
    assert!(
        stderr.contains("privet: error: cannot write") && stderr.contains("standard output"),
        "{stderr}"
    );
    assert!(!stderr.contains("os error"), "{stderr}");
}

#[test]
fn banners_of_slashes_are_kept_as_written() {
    let text = "//////////////\ncategory a \"A\"\n\n/// Documented.\n/// ////\ncategory b \"B\"\n\n////////\n";
    assert_eq!(format_text(text).unwrap(), text);
    // Four or more slashes make a plain comment, as in Rust: `a` has no
    // doc comment, and the banner at the end documents nothing.
    let (_, compilation) = support::compile_text(text);
    assert!(
        compilation
            .diagnostics
            .iter()
            .all(|d| d.name.as_str() != "syntax-error"),
        "{:?}",
        compilation.diagnostics
    );
    let categories = compilation.program.categories();
    let doc = |name: &str| {
        let id = categories.lookup(name).unwrap();
        categories
            .get(id)
            .unwrap()
            .meta()
            .and_then(|m| m.doc.clone())
    };
    assert_eq!(doc("a"), None);
    assert_eq!(doc("b").as_deref(), Some("Documented.\n////"));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// The programs of `privet::generate` hold every kind of item and clause.
    #[test]
    fn programs_of_the_generator_round_trip(seed in any::<u64>()) {
        let text = privet::generate::program(seed, 80);
        let formatted = check_round_trip("generated by privet::generate", &text);
        let before = compile_texts(&[("case.privet".into(), text.clone())]);
        let after = compile_texts(&[("case.privet".into(), formatted.clone())]);
        prop_assert_eq!(fingerprint(&before), fingerprint(&after), "input:\n{}\nformatted:\n{}", text, formatted);
    }
}

/// A `fmt` killed between writing its temporary file and the rename leaves
/// `.NAME.PID.tmp` behind; the next `fmt` of that file removes it, and only
/// it: a temporary of a running process, or a file of another name, stays.
#[test]
fn fmt_removes_the_temporaries_of_killed_runs() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("policy.privet"), MESSY).unwrap();
    // Above the kernel's largest process id: no such process runs.
    let gone = dir.path().join(".policy.privet.4194321.tmp");
    std::fs::write(&gone, TIDY).unwrap();
    let running = dir
        .path()
        .join(format!(".policy.privet.{}.tmp", std::process::id()));
    std::fs::write(&running, TIDY).unwrap();
    let other = dir.path().join(".notes.4194321.tmp");
    std::fs::write(&other, "mine").unwrap();

    let check = privet(&["fmt", "--check"], dir.path());
    assert_eq!(check.status.code(), Some(1), "{check:?}");
    assert!(gone.exists(), "--check changes nothing");
    let format = privet(&["fmt"], dir.path());
    assert_eq!(format.status.code(), Some(0), "{format:?}");
    assert!(!gone.exists());
    assert!(running.exists());
    assert!(other.exists());
}
