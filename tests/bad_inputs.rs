//! Hostile and unusual input: every case gives diagnostics (or, for a path
//! that cannot be read as a program, an I/O error naming it), and none
//! panics, overflows the stack or hangs.
//!
//! Each heavy case runs under [`support::within_limit`], which fails the test
//! if the case has not finished in a generous time: a guard against hangs
//! and exponential blow-ups, not a speed claim. The benchmarks measure
//! speed (`docs/performance.md`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use privet::generate::{SplitMix64, adversarial_inputs, program};
use privet::source::SourceMap;
use support::{check, compile_text, names, root, within_limit, write};

const MB: usize = 1024 * 1024;

/// Compiles `text` under the hang guard and returns the diagnostic names.
fn compile_guarded(what: &'static str, text: String) -> Vec<&'static str> {
    within_limit(what, move || {
        let (_, compilation) = compile_text(&text);
        names(&compilation)
    })
}

#[test]
fn an_empty_file_is_an_empty_program() {
    let (_, compilation) = compile_text("");
    assert_eq!(names(&compilation), Vec::<&str>::new());
    let (_, compilation) = compile_text("\n\n   \n// only a comment\n");
    assert_eq!(names(&compilation), Vec::<&str>::new());

    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "empty.privet", "");
    let run = check(&file, "human", &[]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(run.stdout, "privet: no problems found in 1 file\n");
}

#[test]
fn random_bytes_are_not_utf8_text() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = SplitMix64::new(2024);
    let mut bytes = b"category a\n".to_vec();
    // 0xff never occurs in UTF-8; the random bytes after it are shown
    // nowhere.
    bytes.push(0xff);
    bytes.extend(rng.bytes(64 * 1024));
    let file = write(dir.path(), "random.privet", &bytes);
    for format in ["human", "json"] {
        let file = file.clone();
        let run = within_limit("random bytes", move || check(&file, format, &[]));
        assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
        if format == "json" {
            let report = run.json();
            let diagnostics = report["diagnostics"].as_array().unwrap();
            assert_eq!(diagnostics.len(), 1, "{report:#}");
            let diagnostic = &diagnostics[0];
            assert_eq!(diagnostic["name"], "syntax-error");
            assert_eq!(diagnostic["message"], "this file is not valid UTF-8 text");
            assert_eq!(diagnostic["start"]["line"], 2);
            assert_eq!(diagnostic["start"]["column"], 1);
        } else {
            run.assert_shows(&[
                "error[syntax-error]: this file is not valid UTF-8 text",
                "random.privet:2:1",
            ]);
        }
    }
}

#[test]
fn random_bytes_from_the_first_byte_and_their_lossy_text() {
    let dir = tempfile::tempdir().unwrap();
    for seed in 0..4 {
        let mut bytes = SplitMix64::new(seed).bytes(256 * 1024);
        bytes[0] = 0xc3; // a lead byte followed by a non-continuation byte
        bytes[1] = b'(';
        let file = write(dir.path(), &format!("random{seed}.privet"), &bytes);
        let run = within_limit("random bytes", move || check(&file, "json", &[]));
        assert_eq!(run.code, 1);
        run.assert_shows(&["not valid UTF-8"]);

        // The same bytes as text (through the library): syntax errors,
        // nothing worse.
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let found = compile_guarded("random text", text);
        assert!(found.contains(&"syntax-error"), "{found:?}");
    }
}

/// About `bytes` of valid text: a generated program with every kind of
/// item, then category declarations in a hierarchy, with doc comments and
/// citations. The bulk is declarations because the checks that compare rule
/// with rule and flow with rule grow faster than linearly (the benchmarks
/// measure them on generated programs of 1 and 10 MB); this case is about
/// reading a large file.
fn large_valid_program(bytes: usize) -> String {
    let mut text = program(10, 5_000);
    let mut index = 0;
    while text.len() < bytes {
        text.push_str(&format!(
            "/// Entry {index} of the bulk.\ncategory bulk.group{}.entry{index} \"bulk entry {index}\" sensitive\n    cite \"{} {index}\"\n\n",
            index / 100,
            // An item of a part the generated outline declares and does
            // not divide (2 to 9).
            2 + index % 8
        ));
        index += 1;
    }
    text
}

#[test]
fn ten_megabytes_of_valid_items_compile_without_errors() {
    let text = large_valid_program(10 * MB);
    // Every item ends with a blank line.
    let expected = text.matches("\n\n").count();
    assert!(expected > 90_000);
    let (items, errors) = within_limit("10 MB program", move || {
        let (_, compilation) = compile_text(&text);
        let items: usize = compilation.files.iter().map(|f| f.items.len()).sum();
        let errors: Vec<String> = compilation
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .map(|d| format!("{}: {}", d.name, d.message))
            .collect();
        (items, errors)
    });
    assert_eq!(items, expected);
    // Warnings (unused declarations, dead rules, ...) are allowed.
    assert_eq!(errors, Vec::<String>::new());
}

#[test]
fn ten_megabytes_of_garbage_give_syntax_errors() {
    for (name, text) in adversarial_inputs(10 * MB) {
        if !matches!(name, "garbage" | "broken-items") {
            continue;
        }
        let length = text.len();
        let found = compile_guarded(name, text);
        assert!(!found.is_empty(), "{name}");
        assert!(
            found.iter().all(|n| *n == "syntax-error"),
            "{name}: {found:?}"
        );
        if name == "broken-items" {
            // One error per broken item: recovery goes on to the next line.
            let items = length / "category c0 \"label\" sensitive { ( [ ;\n".len();
            assert!(found.len() >= items / 2, "{} errors", found.len());
        }
    }
}

#[test]
fn deep_nesting_is_a_syntax_error() {
    let depth = 100_000;
    for (what, text) in [
        ("parentheses", "(".repeat(depth)),
        ("brackets", "[".repeat(depth)),
        (
            "brackets in an item",
            format!("category a {}", "[".repeat(depth)),
        ),
        (
            "braces after a rule",
            format!("allow use of a for p {}", "{".repeat(depth)),
        ),
    ] {
        let found = compile_guarded(what, text);
        assert!(found.contains(&"syntax-error"), "{what}: {found:?}");
    }
}

#[test]
fn a_name_of_100000_segments_is_refused_not_expanded() {
    let deep = vec!["a"; 100_000].join(".");
    let (_, compilation) = within_limit("deep declaration", {
        let text = format!("category {deep}\n");
        move || compile_text(&text)
    });
    let invalid: Vec<_> = compilation
        .diagnostics
        .iter()
        .filter(|d| d.name.as_str() == "invalid-value")
        .collect();
    assert_eq!(invalid.len(), 1, "{:?}", names(&compilation));
    assert_eq!(
        invalid[0].message,
        "this category name has 100000 dotted segments; a name may have at most 64"
    );
    // The name is left out, not half declared.
    assert!(compilation.program.categories().is_empty());

    // At the limit, the name and its ancestors are declared.
    let at_limit = vec!["a"; privet::model::MAX_NAME_DEPTH].join(".");
    let (_, compilation) = compile_text(&format!("category {at_limit}\n"));
    assert!(!compilation.has_errors(), "{:?}", names(&compilation));
    assert_eq!(
        compilation.program.categories().len(),
        privet::model::MAX_NAME_DEPTH
    );

    // A reference that deep is an unknown name.
    let found = compile_guarded(
        "deep reference",
        format!("category a\npurpose p\nallow use of {deep} for p\n"),
    );
    assert!(found.contains(&"unknown-name"), "{found:?}");
}

#[test]
fn a_one_megabyte_line_is_read() {
    // A 1 MB label.
    let label = "x".repeat(MB);
    let (_, compilation) = within_limit("1 MB label", {
        let text = format!("category a \"{label}\"\npurpose p\nallow use of a for p\n");
        move || compile_text(&text)
    });
    assert_eq!(names(&compilation), Vec::<&str>::new());
    let entry = compilation.program.categories().lookup("a").unwrap();
    let label_read = compilation.program.categories().get(entry).unwrap().label();
    assert_eq!(label_read.map(str::len), Some(MB));

    // A 1 MB list of declared names.
    let list = vec!["a"; MB / 3].join(", ");
    let found = compile_guarded(
        "1 MB list of names",
        format!("category a\npurpose p\nallow use of {list} for p\n"),
    );
    assert_eq!(found, Vec::<&str>::new());
}

#[test]
fn a_one_megabyte_line_of_unknown_names_is_reported_in_linear_time() {
    // 100,000 diagnostics on one 1 MB line: each one's column must not
    // cost a scan of the line (that was 10^11 steps, a hang).
    let list: Vec<String> = (0..100_000).map(|i| format!("b{i:06}")).collect();
    let text = format!(
        "category a\npurpose p\nallow use of a, {} for p\n",
        list.join(", ")
    );
    let (json, errors) = within_limit("1 MB line of unknown names", move || {
        let (sources, compilation) = compile_text(&text);
        let errors = compilation
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .count();
        (
            privet::render::json::render(&sources, &compilation.diagnostics),
            errors,
        )
    });
    assert_eq!(errors, 100_000);
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    let last = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .rfind(|d| d["name"] == "unknown-name")
        .unwrap();
    assert_eq!(last["message"], "unknown category `b099999`");
    assert_eq!(last["start"]["line"], 3);
    // `allow use of a, ` then 99,999 names of 7 characters and `, `.
    assert_eq!(last["start"]["column"], 17 + 99_999 * 9);
}

#[test]
fn an_unterminated_string_ends_at_its_line() {
    let (sources, compilation) = compile_text(
        "category a \"never closed\ncategory b \"fine\"\npurpose p\nallow use of b for p\n",
    );
    assert_eq!(names(&compilation), vec!["syntax-error"]);
    let diagnostic = &compilation.diagnostics[0];
    assert_eq!(diagnostic.message, "unterminated string");
    let file = sources.get(diagnostic.primary.span.file).unwrap();
    let start = file.line_column(diagnostic.primary.span.start);
    assert_eq!((start.line, start.column), (1, 12));
    // The next item was read.
    assert!(compilation.program.categories().lookup("b").is_some());

    // At the very end of the file, and a long one.
    let found = compile_guarded(
        "unterminated string at the end",
        format!("category a \"{}", "y".repeat(MB)),
    );
    assert_eq!(found, vec!["syntax-error"]);
}

/// The One Touch policy with its line breaks and start changed.
fn one_touch_as(transform: impl Fn(&str) -> String) -> SourceMap {
    let files = support::privet_files(&root().join("policies/one-touch"));
    let mut sources = SourceMap::new();
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        sources.add(path.display().to_string(), transform(&text));
    }
    sources
}

#[test]
fn crlf_line_endings_check_clean_with_the_right_positions() {
    let sources = one_touch_as(|text| text.replace('\n', "\r\n"));
    let compilation = privet::pipeline::compile(&sources);
    assert_eq!(names(&compilation), Vec::<&str>::new());

    // Doc comments lose their `\r`.
    let imei = compilation
        .program
        .categories()
        .lookup("user.device.imei")
        .unwrap();
    let doc = compilation
        .program
        .categories()
        .get(imei)
        .unwrap()
        .meta()
        .unwrap()
        .doc
        .clone();
    assert!(doc.is_some_and(|d| !d.contains('\r')));

    // An error on line 3 is on line 3 at the same column as with `\n`,
    // and its span does not take in the `\r`.
    let crlf = "category a\r\npurpose p\r\nallow use of a, nope for p\r\n";
    let (sources, compilation) = compile_text(crlf);
    assert_eq!(names(&compilation), vec!["unknown-name"]);
    let span = compilation.diagnostics[0].primary.span;
    let file = sources.get(span.file).unwrap();
    let (start, end) = (file.line_column(span.start), file.line_column(span.end));
    assert_eq!((start.line, start.column), (3, 17));
    assert_eq!((end.line, end.column), (3, 21));
    assert_eq!(sources.snippet(span), "nope");
}

#[test]
fn a_byte_order_mark_checks_clean_and_takes_no_column() {
    let sources = one_touch_as(|text| format!("\u{feff}{text}"));
    let compilation = privet::pipeline::compile(&sources);
    assert_eq!(names(&compilation), Vec::<&str>::new());

    // Through the binary too.
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "bom.privet",
        "\u{feff}category a\npurpose p\nallow use of a for p\n",
    );
    let run = check(&file, "human", &[]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(run.stdout, "privet: no problems found in 1 file\n");

    // Editors do not count the mark: `nope` starts at column 1 of line 1
    // in JSON and in the human output alike.
    let file = write(dir.path(), "bom-error.privet", "\u{feff}nope\n");
    let run = check(&file, "json", &[]);
    assert_eq!(run.code, 1);
    let report = run.json();
    let diagnostic = &report["diagnostics"][0];
    assert_eq!(diagnostic["name"], "syntax-error", "{report:#}");
    assert_eq!(diagnostic["start"]["line"], 1);
    assert_eq!(diagnostic["start"]["column"], 1);
    assert_eq!(diagnostic["end"]["column"], 5);
    let run = check(&file, "human", &[]);
    run.assert_shows(&["bom-error.privet:1:1"]);
}

#[test]
fn a_directory_without_privet_files_is_an_io_error() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("project");
    write(&project, "notes.txt", "category a\n");
    write(&project, "policy.privet.bak", "category a\n");
    // Hidden entries are skipped.
    write(&project, ".hidden.privet", "category a\n");
    write(&project, ".git/config.privet", "category a\n");
    std::fs::create_dir_all(project.join("empty/nested")).unwrap();
    for format in ["human", "json"] {
        check(&project, format, &[]).assert_failure_in(
            format,
            &project.display().to_string(),
            "no `.privet` files",
        );
    }
}

#[test]
fn adversarial_inputs_for_the_parser_finish() {
    for (name, text) in adversarial_inputs(MB) {
        let found = compile_guarded(name, text);
        assert!(found.contains(&"syntax-error"), "{name}: {found:?}");
    }
}

/// An outline of many long section ids, alike but for their ends, and many
/// citations naming none: each is reported, and the "did you mean" of all
/// of them together stays within `outline::SUGGESTION_BUDGET` (without it,
/// comparing every citation with every id would take hours).
#[test]
fn many_citations_naming_no_section_of_a_long_outline_are_reported_in_time() {
    let words = vec!["a"; 115].join(" ");
    let mut text = String::new();
    for index in 0..8_000 {
        text.push_str(&format!(
            "section \"{words} {index:05}\" \"part {index}\"\n"
        ));
    }
    for index in 0..2_000 {
        text.push_str(&format!(
            "principle p{index} \"a principle\"\n    cite \"{words} x{index:05}\"\n"
        ));
    }
    let reported = within_limit("a long outline", move || {
        let (_, compilation) = compile_text(&text);
        names(&compilation)
            .into_iter()
            .filter(|name| *name == "unknown-section")
            .count()
    });
    assert_eq!(reported, 2_000);
}
