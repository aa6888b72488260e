//! How `privet doc` grows with the data map: a chain of systems with a
//! fan-out (every system also fed by the first, so most flows skip many
//! layers of the picture), at several sizes. Prints, per size, the time of
//! the document (built, written as Markdown, HTML and SVG) and of the
//! compile before it, the process's peak resident memory so far, and the
//! bytes of SVG; then the growth exponent k fitted to time ∝ systems^k
//! (least squares on the logarithms).
//!
//! `cargo bench --bench doc`; nothing is asserted.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

#[path = "../tests/support/chain.rs"]
mod chain;
mod common;

use common::measure;
use privet::render::doc;
use privet::source::SourceMap;
use std::time::Duration;

/// The process's peak resident memory so far, in MB (Linux), if known.
fn peak_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// The slope of log(y) against log(x), least squares.
fn exponent(points: &[(f64, f64)]) -> f64 {
    let logs: Vec<(f64, f64)> = points.iter().map(|(x, y)| (x.ln(), y.ln())).collect();
    let n = logs.len() as f64;
    let (sx, sy) = logs
        .iter()
        .fold((0.0, 0.0), |(a, b), (x, y)| (a + x, b + y));
    let (mx, my) = (sx / n, sy / n);
    let num: f64 = logs.iter().map(|(x, y)| (x - mx) * (y - my)).sum();
    let den: f64 = logs.iter().map(|(x, _)| (x - mx) * (x - mx)).sum();
    num / den
}

fn main() {
    println!("privet doc, chain with fan-out: {}", common::machine());
    let sizes: &[usize] = if common::smoke() {
        &[50, 100]
    } else {
        &[500, 1000, 2000, 4000]
    };
    let mut times = Vec::new();
    let mut svg_sizes = Vec::new();
    for &systems in sizes {
        let text = chain::chain_with_fan_out(systems, true);
        let mut sources = SourceMap::new();
        privet::pipeline::add_file(&mut sources, "chain.privet".into(), text.into_bytes());
        let compiled = measure(
            &format!("compile, {systems} systems"),
            sources.iter().map(|(_, f)| f.text().len()).sum(),
            3,
            10,
            Duration::from_secs(5),
            || privet::pipeline::compile(&sources),
        );
        let compilation = privet::pipeline::compile(&sources);
        assert!(!compilation.has_errors());
        let stats = measure(
            &format!("doc, {systems} systems"),
            0,
            3,
            10,
            Duration::from_secs(5),
            || {
                let document = doc::document(
                    &compilation.program,
                    &compilation.findings,
                    &compilation.diagnostics,
                );
                (
                    doc::markdown(&document, "data-map.svg"),
                    doc::html(&document),
                    document.picture_svg(),
                )
            },
        );
        let document = doc::document(
            &compilation.program,
            &compilation.findings,
            &compilation.diagnostics,
        );
        let svg = document.picture_svg().unwrap_or_default();
        let html = doc::html(&document);
        println!(
            "  {systems} systems, {} flows: compile {:.1} ms, doc {:.1} ms, SVG {} bytes, HTML {} bytes, peak resident so far {}",
            compilation.program.flows.len(),
            compiled.median().as_secs_f64() * 1e3,
            stats.median().as_secs_f64() * 1e3,
            svg.len(),
            html.len(),
            peak_mb().map_or("unknown".to_string(), |mb| format!("{mb:.0} MB")),
        );
        times.push((systems as f64, stats.median().as_secs_f64()));
        svg_sizes.push((systems as f64, svg.len() as f64));
    }
    println!(
        "growth exponent of doc time: {:.2}; of SVG bytes: {:.2}",
        exponent(&times),
        exponent(&svg_sizes)
    );

    // The layout alone, on the whole graph (as if no summary were drawn):
    // the person, the chain, and the first system's fan-out.
    let mut layout_times = Vec::new();
    let mut layout_points = Vec::new();
    for &systems in sizes {
        let nodes = systems + 1;
        let mut edges = vec![(0, 1)];
        for i in 2..nodes {
            edges.push((i - 1, i));
            edges.push((1, i));
        }
        let widths = vec![120.0; nodes];
        let stats = measure(
            &format!("layout alone, {systems} systems"),
            0,
            3,
            10,
            Duration::from_secs(5),
            || privet::render::layout::layout(&widths, &edges),
        );
        let drawn = privet::render::layout::layout(&widths, &edges);
        let points: usize = drawn.edges.iter().map(|e| e.points.len()).sum();
        println!(
            "  {systems} systems, {} edges: {points} points, picture {:.0} × {:.0}",
            edges.len(),
            drawn.width,
            drawn.height
        );
        layout_times.push((systems as f64, stats.median().as_secs_f64()));
        layout_points.push((systems as f64, points as f64));
    }
    println!(
        "growth exponent of layout time: {:.2}; of its points: {:.2}",
        exponent(&layout_times),
        exponent(&layout_points)
    );
}
