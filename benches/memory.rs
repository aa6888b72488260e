//! Peak heap memory of compiling generated programs of about 1 MB and
//! 10 MB (and 10 MB of broken items), counted by a global allocator that
//! wraps the system one: every allocation adds its size to a running total,
//! every free subtracts it, and the highest total is the peak.
//!
//! `cargo bench --bench memory`
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;
#[path = "common/counting.rs"]
mod counting;

use common::{MB, size};
use privet::generate::{adversarial_inputs, program_of_size};
use privet::source::SourceMap;

fn mb(bytes: usize) -> f64 {
    bytes as f64 / MB as f64
}

/// Compiles `text` and prints the peak heap above what was live before
/// (the source text itself included), what the compilation keeps, and
/// everything allocated on the way.
fn profile(name: &str, text: String) {
    let input = text.len();
    let ((sources, compilation), heap) = counting::counted(|| {
        let mut sources = SourceMap::new();
        sources.add("memory.privet", text);
        let compilation = privet::pipeline::compile(&sources);
        (sources, compilation)
    });
    let (peak, kept, total) = (heap.peak, heap.kept, heap.total);
    let diagnostics = compilation.diagnostics.len();
    drop(compilation);
    drop(sources);

    println!(
        "{name:<32} input {:>7.2} MB  peak {:>8.2} MB ({:>5.1} × input)  kept {:>8.2} MB  allocated in all {:>9.2} MB  ({diagnostics} diagnostics)",
        mb(input),
        mb(peak),
        peak as f64 / input as f64,
        mb(kept),
        mb(total),
    );
}

fn main() {
    println!("peak heap of compiling: {}", common::machine());
    profile("generated program, 1 MB", program_of_size(1, size(MB)));
    profile(
        "generated program, 10 MB",
        program_of_size(1, size(10 * MB)),
    );
    for (name, text) in adversarial_inputs(size(10 * MB)) {
        if name == "broken-items" {
            profile("broken items, 10 MB", text);
        }
    }
}
