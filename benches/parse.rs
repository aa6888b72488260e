//! Parse-only throughput: `syntax::parse_file` (item splitter, the hand
//! parser with pest as its fallback, the syntax tree) on generated programs
//! of 1 and 10 MB, seeded so every run parses the same text, with the growth
//! exponent between the two sizes.
//!
//! `cargo bench --bench parse`
//!
//! `cargo bench --bench parse -- --bench once 10` generates the 10 MB program
//! and parses it once: the run to count instructions of under callgrind
//! (`valgrind --tool=callgrind --toggle-collect='*parse_file*' ...`), which
//! are repeatable on a loaded machine where wall times are not.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use common::{MB, measure, size};
use privet::generate::program_of_size;
use privet::source::FileId;
use std::time::Duration;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(at) = args.iter().position(|arg| arg == "once") {
        let megabytes: usize = args.get(at + 1).and_then(|n| n.parse().ok()).unwrap_or(10);
        let text = program_of_size(1, megabytes * MB);
        let (file, diagnostics) = privet::syntax::parse_file(FileId(0), &text);
        println!(
            "parsed {} bytes once: {} items, {} diagnostics",
            text.len(),
            file.items.len(),
            diagnostics.len()
        );
        return;
    }

    println!("parse: {}", common::machine());
    let cases = [
        ("1 MB", MB, 5, 30, Duration::from_secs(20)),
        ("10 MB", 10 * MB, 3, 8, Duration::from_secs(40)),
    ];
    let mut points = Vec::new();
    for (label, bytes, min_samples, max_samples, budget) in cases {
        let text = program_of_size(1, size(bytes));
        let (file, diagnostics) = privet::syntax::parse_file(FileId(0), &text);
        assert!(diagnostics.is_empty(), "the generated program must parse");
        println!("{label}: {} bytes, {} items", text.len(), file.items.len());
        drop(file);
        let stats = measure(
            &format!("parse only, {label}"),
            text.len(),
            min_samples,
            max_samples,
            budget,
            || privet::syntax::parse_file(FileId(0), &text),
        );
        points.push((text.len() as f64, stats.median().as_secs_f64()));
    }
    if let [(small, t_small), (large, t_large)] = points[..] {
        println!(
            "growth exponent k (time ∝ size^k): {:.2}",
            (t_large / t_small).ln() / (large / small).ln()
        );
    }
}
