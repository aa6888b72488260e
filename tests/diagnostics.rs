//! One snapshot per diagnostic case: the source and the rendered
//! diagnostics together. The cases are the files of `tests/diagnostics/`;
//! each file's name starts with the diagnostic it shows.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use std::path::Path;

#[test]
fn diagnostic_cases() {
    insta::glob!("diagnostics/*.privet", |path| {
        let (sources, compilation) = support::compile_files(&[path.to_path_buf()]);
        let file_name = path.file_stem().unwrap().to_string_lossy().to_string();
        // The case's name says which diagnostic it is about; it must be
        // among those reported, so a case cannot silently drift.
        let shown = support::names(&compilation);
        let expected = privet::diagnostic::Name::ALL
            .iter()
            .map(|name| name.as_str())
            .filter(|name| {
                file_name.starts_with(name) || file_name.starts_with(&name.replace("-error", ""))
            })
            .max_by_key(|name| name.len())
            .unwrap_or_else(|| {
                panic!("{file_name}: the file name must start with a diagnostic name")
            });
        assert!(
            shown.contains(&expected),
            "{file_name}: expected a `{expected}` diagnostic, got {shown:?}"
        );
        insta::assert_snapshot!(support::source_and_diagnostics(&sources, &compilation));
    });
}

/// Issue: one syntax error brought four `unused-declaration` warnings for
/// the names the broken item used. Only the warning for a name no item
/// mentions is left.
#[test]
fn a_broken_item_brings_no_cascade_of_warnings() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/diagnostics/syntax-error-without-a-cascade.privet");
    let (sources, compilation) = support::compile_files(&[path]);
    let found: Vec<(&str, String)> = compilation
        .diagnostics
        .iter()
        .map(|d| (d.name.as_str(), sources.snippet(d.primary.span).to_string()))
        .collect();
    assert_eq!(
        found,
        [
            ("unused-declaration", "unused".to_string()),
            ("syntax-error", String::new()),
        ]
    );
}

#[test]
fn three_broken_items_give_three_syntax_errors() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/diagnostics/syntax-three-broken-items.privet");
    let (_, compilation) = support::compile_files(&[path]);
    let syntax = support::names(&compilation)
        .into_iter()
        .filter(|name| *name == "syntax-error")
        .count();
    assert_eq!(syntax, 3);
    // The intact items between them were still read and checked.
    assert!(support::names(&compilation).contains(&"unused-declaration"));
}

#[test]
fn misspelt_category_suggests_the_declared_name() {
    let (_, compilation) = support::compile_text(
        "category user.contact.email \"e-mail\"\npurpose marketing\nallow use of user.contact.emial for marketing\n",
    );
    let unknown = compilation
        .diagnostics
        .iter()
        .find(|d| d.name.as_str() == "unknown-name")
        .expect("an unknown-name diagnostic");
    assert_eq!(
        unknown.help.as_deref(),
        Some("did you mean `user.contact.email`?")
    );
}
