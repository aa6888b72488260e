//! The fuzz targets' properties in the ordinary test suite: every input a
//! target once failed on, saved under `tests/fuzz-regressions/TARGET/`, runs
//! through the same property (the fuzz crate's `fuzz/src/lib.rs`, compiled
//! in by path), and each target's property holds on a few fixed inputs, so
//! the harness cannot rot between fuzzing runs. `docs/reliability.md` says
//! what each target checks.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "../fuzz/src/lib.rs"]
mod fuzz;

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-regressions")
}

fn sorted(dir: &Path) -> Vec<PathBuf> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    entries.sort();
    entries
}

#[test]
fn every_saved_input_keeps_its_property() {
    for dir in sorted(&root()).into_iter().filter(|path| path.is_dir()) {
        let target = dir.file_name().unwrap().to_string_lossy().into_owned();
        for input in sorted(&dir) {
            let data = std::fs::read(&input).unwrap();
            eprintln!("{}", input.display());
            assert!(
                fuzz::run(&target, &data),
                "`{}` is not the name of a fuzz target",
                dir.display()
            );
        }
    }
}

/// The One Touch privacy policy's files, joined as one input of the
/// pipeline targets (0xff between files).
fn one_touch() -> Vec<u8> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("policies/one-touch");
    let files: Vec<Vec<u8>> = sorted(&dir)
        .into_iter()
        .filter(|path| path.extension().is_some_and(|e| e == "privet"))
        .map(|path| std::fs::read(path).unwrap())
        .collect();
    files.join(&[fuzz::SEPARATOR][..])
}

#[test]
fn the_properties_hold_on_fixed_inputs() {
    let policy = one_touch();
    assert!(fuzz::split(&policy).len() > 1);
    for (target, _) in fuzz::TARGETS {
        for data in [&b""[..], b"\xff\xfe\x00", b"category a \"x\"\n", &policy] {
            assert!(fuzz::run(target, data));
        }
    }
}

#[test]
fn the_properties_catch_what_they_are_for() {
    // SQL with user text outside its quotes does not pass.
    assert!(fuzz::codegen::skeleton("DELETE FROM \"a\"\"b\" WHERE \"t\" IS NULL;").is_ok());
    assert!(fuzz::codegen::skeleton("DELETE FROM \"a\"b\" WHERE x;").is_err());
    assert!(fuzz::codegen::skeleton("SELECT $privet$ DELETE FROM \"t\"; $privet$;").is_ok());
    assert!(fuzz::codegen::skeleton("SELECT $privet$ DROP TABLE t; $privet$;").is_err());
    assert!(fuzz::codegen::skeleton("-- a comment\nDELETE FROM 'x").is_err());
    // Markup that is not well-formed does not pass.
    let xml = |text: &str, html: bool| std::panic::catch_unwind(|| fuzz::xml(text, html)).is_ok();
    assert!(xml("<a b=\"1 &amp; 2\"><c/>text &#x41;</a>", false));
    assert!(!xml("<a>1 < 2</a>", false));
    assert!(!xml("<a><b></a></b>", false));
    assert!(!xml("<a title=\"x\" onload=y></a>", false));
    assert!(!xml("<a>&bogus;</a>", false));
    assert!(xml(
        "<!DOCTYPE html>\n<html><meta charset=\"utf-8\"><p>x</p></html>",
        true
    ));
}
