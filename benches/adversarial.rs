//! The inputs that break naive parsers: deep nesting, long runs sharing a
//! prefix with valid text, unterminated strings, thousands of broken items
//! (see `privet::generate::adversarial_inputs`). Each is compiled at three
//! sizes; the growth exponent (time ∝ size^k, fitted between the smallest
//! and the largest size) shows whether the work is linear (k ≈ 1) or blows
//! up (pest does not memoise, so a grammar with long shared prefixes would
//! show k ≥ 2, or worse). The largest size stays under
//! `privet::syntax::MAX_ITEM_BYTES`: most of these inputs are one item, and
//! a longer item is refused without being parsed.
//!
//! `cargo bench --bench adversarial`
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use common::{MB, measure, size};
use privet::generate::adversarial_inputs;
use privet::source::SourceMap;
use std::time::Duration;

const SIZES: [usize; 3] = [MB / 4, MB, 4 * MB];

fn main() {
    println!("adversarial inputs: {}", common::machine());
    let mut by_name: Vec<(&'static str, Vec<(usize, f64)>)> = Vec::new();
    for bytes in SIZES {
        for (name, text) in adversarial_inputs(size(bytes)) {
            let mut sources = SourceMap::new();
            sources.add("adversarial.privet", text.clone());
            let stats = measure(
                &format!("{name}, {} KB", text.len() / 1024),
                text.len(),
                3,
                10,
                Duration::from_secs(5),
                || privet::pipeline::compile(&sources),
            );
            let seconds = stats.median().as_secs_f64();
            match by_name.iter_mut().find(|(n, _)| *n == name) {
                Some((_, points)) => points.push((text.len(), seconds)),
                None => by_name.push((name, vec![(text.len(), seconds)])),
            }
        }
    }
    println!();
    println!("growth exponent k (time ∝ size^k) from the smallest to the largest size:");
    for (name, points) in by_name {
        let (first, last) = (points[0], points[points.len() - 1]);
        if last.0 <= first.0 {
            continue; // a smoke run: one size only
        }
        let k = (last.1 / first.1).ln() / (last.0 as f64 / first.0 as f64).ln();
        println!(
            "{name:<32} k = {k:.2}   {:.1} MB/s at {} MB",
            last.0 as f64 / MB as f64 / last.1,
            last.0 / MB
        );
    }
}
