//! How `check` and `build` grow with the program: for each size, the time
//! and the peak heap, then the growth exponent k of each, fitted by least
//! squares on log(size) against log(time) (or log(peak)): k = 1 is linear.
//!
//! `cargo bench --bench scale -- SERIES [SIZE...]`, one series per run:
//!
//! - `flows`: `check` (parse, resolve, check: `pipeline::compile`) of a
//!   flow-heavy data map (`privet::generate::flow_heavy`: the policy of a
//!   thousand-item program, the nodes and flows growing); sizes in
//!   thousands of flows, 10, 100 and 1,000 by default.
//! - `vocabulary`: `check` of generated programs whose vocabulary and rules
//!   grow with the data map (`privet::generate::program_of_size`); sizes in
//!   MB, 1, 10 and 30 by default.
//! - `build`: `check`, the enforcement config (`codegen::build`) and
//!   writing it into a directory as `privet build --out` does, twice, and
//!   whether the two outputs are byte-identical; programs as for
//!   `vocabulary`, 1 and 10 MB by default.
//!
//! Without a series every one runs at its default sizes. Each size is timed
//! `PRIVET_BENCH_SAMPLES` times (default 1; the median is shown), after one
//! run that counts the heap. Speed is measured here, never asserted in
//! tests.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;
#[path = "common/counting.rs"]
mod counting;

use common::{MB, smoke};
use privet::source::SourceMap;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// One size of a series.
struct Point {
    label: String,
    bytes: usize,
    time: Duration,
    peak: usize,
}

/// The slope of the least-squares line through (ln x, ln y).
fn exponent(points: &[(f64, f64)]) -> Option<f64> {
    if points.len() < 2 {
        return None;
    }
    let logs: Vec<(f64, f64)> = points.iter().map(|(x, y)| (x.ln(), y.ln())).collect();
    let n = logs.len() as f64;
    let mean_x = logs.iter().map(|(x, _)| x).sum::<f64>() / n;
    let mean_y = logs.iter().map(|(_, y)| y).sum::<f64>() / n;
    let covariance: f64 = logs.iter().map(|(x, y)| (x - mean_x) * (y - mean_y)).sum();
    let variance: f64 = logs.iter().map(|(x, _)| (x - mean_x).powi(2)).sum();
    (variance > 0.0).then(|| covariance / variance)
}

fn samples() -> usize {
    std::env::var("PRIVET_BENCH_SAMPLES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1)
        .max(1)
}

/// Counts the heap of one run of `work`, then times it `samples()` times.
fn measure<T>(mut work: impl FnMut() -> T) -> (Duration, usize) {
    let (result, heap) = counting::counted(&mut work);
    drop(result);
    let mut times: Vec<Duration> = (0..samples())
        .map(|_| {
            let start = Instant::now();
            let result = work();
            let elapsed = start.elapsed();
            drop(result);
            elapsed
        })
        .collect();
    times.sort();
    (times[times.len() / 2], heap.peak)
}

fn mb(bytes: usize) -> f64 {
    bytes as f64 / MB as f64
}

fn report(series: &str, points: &[Point]) {
    for point in points {
        println!(
            "{series:<11} {:<14} input {:>8.2} MB  time {:>9.3} s  ({:>6.2} MB/s)  peak heap {:>9.2} MB ({:>5.1} × input)",
            point.label,
            mb(point.bytes),
            point.time.as_secs_f64(),
            mb(point.bytes) / point.time.as_secs_f64(),
            mb(point.peak),
            point.peak as f64 / point.bytes as f64
        );
    }
    let fit = |value: &dyn Fn(&Point) -> f64| {
        let pairs: Vec<(f64, f64)> = points
            .iter()
            .map(|point| (point.bytes as f64, value(point)))
            .collect();
        exponent(&pairs).map_or("-".to_string(), |k| format!("{k:.2}"))
    };
    println!(
        "{series:<11} growth exponent: time k = {}, peak heap k = {}",
        fit(&|point| point.time.as_secs_f64()),
        fit(&|point| point.peak as f64)
    );
}

fn sources(text: String) -> SourceMap {
    let mut sources = SourceMap::new();
    sources.add("generated.privet", text);
    sources
}

/// `check` of one program: parse, resolve, check.
fn check_point(label: String, text: String) -> Point {
    let bytes = text.len();
    let sources = sources(text);
    let compilation = privet::pipeline::compile(&sources);
    assert!(
        !compilation.has_errors(),
        "the generated program must be valid"
    );
    println!(
        "  {label}: {bytes} bytes, {} rules, {} flows, {} nodes, {} categories",
        compilation.program.rules.len(),
        compilation.program.flows.len(),
        compilation.program.nodes.len(),
        compilation.program.categories().len(),
    );
    drop(compilation);
    let (time, peak) = measure(|| privet::pipeline::compile(&sources));
    Point {
        label,
        bytes,
        time,
        peak,
    }
}

/// Every file under `dir`, relative, with its bytes.
fn read_tree(dir: &std::path::Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(path) = pending.pop() {
        for entry in std::fs::read_dir(&path).unwrap() {
            let entry = entry.unwrap();
            if entry.file_type().unwrap().is_dir() {
                pending.push(entry.path());
            } else {
                let relative = entry.path().strip_prefix(dir).unwrap().to_path_buf();
                files.insert(
                    relative.to_string_lossy().into_owned(),
                    std::fs::read(entry.path()).unwrap(),
                );
            }
        }
    }
    files
}

/// `build` of one program into a directory, as `privet build --out` does.
fn build_point(label: String, text: String) -> Point {
    let bytes = text.len();
    let sources = sources(text);
    let scratch = tempfile::tempdir().unwrap();
    let mut runs = 0;
    let mut build = || {
        runs += 1;
        let out = scratch.path().join(format!("out{}", runs % 2));
        let compilation = privet::pipeline::compile(&sources);
        let output = privet::codegen::build(&sources, &compilation)
            .expect("the generated program must build");
        privet::cli::write::replace_dir(&out, "privet build", &output.files).unwrap();
        (compilation, output)
    };
    // At least two runs (one counted, one timed): the last two wrote
    // `out0` and `out1`.
    let (time, peak) = measure(&mut build);
    let first = read_tree(&scratch.path().join("out0"));
    let second = read_tree(&scratch.path().join("out1"));
    let written: usize = first.values().map(Vec::len).sum();
    println!(
        "  {label}: {bytes} bytes in; {} files, {written} bytes out; two runs byte-identical: {}",
        first.len(),
        if first == second { "yes" } else { "NO" }
    );
    assert_eq!(first, second, "two builds of one program differ");
    Point {
        label,
        bytes,
        time,
        peak,
    }
}

/// The sizes given after the series name, or the defaults (a small size
/// in a smoke run).
fn sizes(given: &[usize], defaults: &[usize], smoke_size: usize) -> Vec<usize> {
    if smoke() {
        vec![smoke_size]
    } else if given.is_empty() {
        defaults.to_vec()
    } else {
        given.to_vec()
    }
}

fn main() {
    println!("scale: {}", common::machine());
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|arg| !arg.starts_with("--"))
        .collect();
    let series: Vec<&str> = args
        .iter()
        .map(String::as_str)
        .filter(|arg| arg.parse::<usize>().is_err())
        .collect();
    let given: Vec<usize> = args.iter().filter_map(|arg| arg.parse().ok()).collect();
    let wants = |name: &str| series.is_empty() || series.contains(&name);

    if wants("flows") {
        let points: Vec<Point> = sizes(&given, &[10, 100, 1_000], 1)
            .into_iter()
            .map(|thousands| {
                let text = privet::generate::flow_heavy(1, thousands * 1_000);
                check_point(format!("{thousands}k flows"), text)
            })
            .collect();
        report("flows", &points);
    }
    if wants("vocabulary") {
        let points: Vec<Point> = sizes(&given, &[1, 10, 30], 0)
            .into_iter()
            .map(|megabytes| {
                let bytes = (megabytes * MB).max(64 * 1024);
                let text = privet::generate::program_of_size(1, bytes);
                check_point(format!("{megabytes} MB"), text)
            })
            .collect();
        report("vocabulary", &points);
    }
    if wants("build") {
        let points: Vec<Point> = sizes(&given, &[1, 10], 0)
            .into_iter()
            .map(|megabytes| {
                let bytes = (megabytes * MB).max(64 * 1024);
                let text = privet::generate::program_of_size(1, bytes);
                build_point(format!("{megabytes} MB"), text)
            })
            .collect();
        report("build", &points);
    }
}
