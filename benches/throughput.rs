//! Throughput of parse + resolve + check (`pipeline::compile`) on generated
//! programs of about 1 MB and 10 MB (seeded, so every run sees the same
//! text), and of the parser alone on the same text.
//!
//! `cargo bench --bench throughput`
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use common::{MB, measure, size};
use privet::generate::program_of_size;
use privet::source::{FileId, SourceMap};
use std::time::Duration;

fn main() {
    println!("throughput: {}", common::machine());
    let cases = [
        ("1 MB", MB, 5, 30, Duration::from_secs(20)),
        ("10 MB", 10 * MB, 3, 5, Duration::from_secs(60)),
    ];
    for (label, bytes, min_samples, max_samples, budget) in cases {
        let text = program_of_size(1, size(bytes));
        let mut sources = SourceMap::new();
        sources.add("generated.privet", text.clone());

        let compilation = privet::pipeline::compile(&sources);
        let items: usize = compilation.files.iter().map(|f| f.items.len()).sum();
        let errors = compilation
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .count();
        assert_eq!(errors, 0, "the generated program must be valid");
        println!(
            "{label}: {} bytes, {items} items, {} rules, {} flows, {} categories, {} warnings",
            text.len(),
            compilation.program.rules.len(),
            compilation.program.flows.len(),
            compilation.program.categories().len(),
            compilation.diagnostics.len()
        );
        drop(compilation);

        measure(
            &format!("parse only, {label}"),
            text.len(),
            min_samples,
            max_samples,
            budget,
            || privet::syntax::parse_file(FileId(0), &text),
        );
        measure(
            &format!("parse + resolve + check, {label}"),
            text.len(),
            min_samples,
            max_samples,
            budget,
            || privet::pipeline::compile(&sources),
        );
    }
}
