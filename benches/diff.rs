//! How long `privet diff` takes on the One Touch policy, and how that
//! compares with deciding every act of its domain one by one; and how it
//! grows with the program: a series of generated programs, each compared
//! with itself and with a small edit of itself (one rule added, one
//! removed, one flow changed), with the fitted growth exponent.
//!
//! `cargo bench --bench diff` prints the figures; nothing is asserted.
//! `PRIVET_DIFF_SIZES` (kilobytes, comma-separated) chooses the sizes;
//! `PRIVET_DIFF_EXHAUSTIVE=1` also times the exhaustive reference (every
//! act of the union domain decided), which grows as the fourth power.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::measure;
use privet::check::decision::{Act, decide};
use privet::model::{Action, NameId, PartyKind, Program};
use privet::pipeline::{Compilation, diff};
use std::path::PathBuf;
use std::time::{Duration, Instant};

fn one_touch() -> Compilation {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("policies/one-touch");
    let (_, compilation) = privet::cli::load_and_compile(&[path]).unwrap();
    assert!(!compilation.has_errors());
    compilation
}

/// Every act of the domain, decided directly: what the diff's tables save.
fn brute_force(program: &Program) -> usize {
    let mut bases: Vec<Option<NameId>> = vec![None];
    bases.extend(program.bases().ids().map(Some));
    let mut regions: Vec<Option<NameId>> = vec![None];
    regions.extend(program.regions().ids().map(Some));
    let mut allowed = 0;
    for action in Action::ALL {
        for recipient in PartyKind::ALL {
            for basis in &bases {
                for region in &regions {
                    for do_not_track in [false, true] {
                        for category in program.categories().leaf_ids() {
                            for purpose in program.purposes().leaf_ids() {
                                let act = Act {
                                    action,
                                    category,
                                    purpose,
                                    recipient,
                                    bases: basis.iter().copied().collect(),
                                    region: *region,
                                    do_not_track,
                                    audiences: Vec::new(),
                                    phases: program.phase_set(privet::model::LIVE_PHASE),
                                    opt_outs: Vec::new(),
                                    notified: Vec::new(),
                                };
                                if decide(program, &act).allowed {
                                    allowed += 1;
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    allowed
}

fn main() {
    println!("privet diff: {}", common::machine());
    let program = one_touch();
    let report = diff(&program, &program);
    println!(
        "One Touch against itself: {} acts decided per version, {} distinct tables",
        report.acts, report.tables
    );
    measure(
        "diff, One Touch against itself",
        0,
        10,
        200,
        Duration::from_secs(3),
        || diff(&program, &program),
    );
    series();
    if common::smoke() {
        return;
    }
    measure(
        "every act of the domain decided directly",
        0,
        3,
        10,
        Duration::from_secs(5),
        || brute_force(&program.program),
    );
}

/// A generated program compiled; it must load.
fn compiled(text: &str) -> Compilation {
    let mut sources = privet::source::SourceMap::default();
    sources.add("generated.privet".to_string(), text.to_string());
    let compilation = privet::pipeline::compile(&sources);
    assert_eq!(compilation.loading_errors(), 0);
    compilation
}

/// The name an item declares, for the first item beginning with `head`.
fn declared(text: &str, head: &str) -> String {
    text.lines()
        .find(|line| line.starts_with(head))
        .and_then(|line| line.split_whitespace().nth(1))
        .unwrap()
        .to_string()
}

/// A small edit of a generated program: one rule added, one `allow`
/// removed, one flow changed (it now honours Do Not Track).
fn edited(text: &str) -> String {
    let category = declared(text, "category pc");
    let purpose = declared(text, "purpose gp");
    let mut items: Vec<String> = text.split("\n\n").map(str::to_string).collect();
    let allows: Vec<usize> = (0..items.len())
        .filter(|i| items[*i].starts_with("allow ") && !items[*i].contains("process"))
        .collect();
    let removed = allows[allows.len() / 2];
    items[removed] = String::new();
    let flows: Vec<usize> = (0..items.len())
        .filter(|i| items[*i].starts_with("flow ") && !items[*i].contains("do not track"))
        .collect();
    let changed = flows[flows.len() / 2];
    // The clause goes before the flow's `cite`, which ends an item.
    items[changed] = match items[changed].find("\n    cite ") {
        Some(at) => format!(
            "{}\n    honours do not track{}",
            &items[changed][..at],
            &items[changed][at..]
        ),
        None => format!("{}\n    honours do not track", items[changed]),
    };
    items.push(format!("allow use of {category}\n    for {purpose}\n"));
    items.join("\n\n")
}

/// The growth exponent k of time ∝ size^k, by least squares on logs.
fn exponent(points: &[(f64, f64)]) -> f64 {
    let logs: Vec<(f64, f64)> = points.iter().map(|(x, y)| (x.ln(), y.ln())).collect();
    let n = logs.len() as f64;
    let mean_x = logs.iter().map(|p| p.0).sum::<f64>() / n;
    let mean_y = logs.iter().map(|p| p.1).sum::<f64>() / n;
    let covariance: f64 = logs.iter().map(|p| (p.0 - mean_x) * (p.1 - mean_y)).sum();
    let variance: f64 = logs.iter().map(|p| (p.0 - mean_x).powi(2)).sum();
    covariance / variance
}

fn timed<T>(work: impl FnOnce() -> T) -> (T, f64) {
    let start = Instant::now();
    let value = work();
    (value, start.elapsed().as_secs_f64())
}

/// `privet diff` on generated programs of growing size.
fn series() {
    let sizes: Vec<usize> = match std::env::var("PRIVET_DIFF_SIZES") {
        Ok(list) => list
            .split(',')
            .map(|kb| kb.trim().parse::<usize>().unwrap() * 1024)
            .collect(),
        Err(_) if common::smoke() => vec![20 * 1024, 40 * 1024],
        Err(_) => vec![50 * 1024, 100 * 1024, 200 * 1024, 1024 * 1024],
    };
    let exhaustive = std::env::var("PRIVET_DIFF_EXHAUSTIVE").is_ok_and(|v| v == "1");
    let mut same = Vec::new();
    let mut edit = Vec::new();
    let mut reference = Vec::new();
    for &bytes in &sizes {
        let text = privet::generate::program_of_size(11, bytes);
        let edit_text = edited(&text);
        // `PRIVET_DIFF_WRITE=DIR`: the two versions written as files, for
        // timing the command itself (`privet diff DIR/old-N DIR/new-N`).
        if let Ok(dir) = std::env::var("PRIVET_DIFF_WRITE") {
            for (version, body) in [("old", &text), ("new", &edit_text)] {
                let folder = PathBuf::from(&dir).join(format!("{version}-{}", bytes / 1024));
                std::fs::create_dir_all(&folder).unwrap();
                std::fs::write(folder.join("program.privet"), body).unwrap();
            }
        }
        let old = compiled(&text);
        let new = compiled(&edit_text);
        let (report, itself) = timed(|| diff(&old, &old));
        assert!(report.is_semantically_empty());
        let (report, changed) = timed(|| diff(&old, &new));
        println!(
            "diff of {:>8} bytes: against itself {itself:>9.3} s, against an edit {changed:>9.3} s \
             ({} changes, {} permission groups, {} tables)",
            text.len(),
            report.changes.len(),
            report.permissions.len(),
            report.tables
        );
        same.push((text.len() as f64, itself));
        edit.push((text.len() as f64, changed));
        if exhaustive {
            let (_, full) = timed(|| privet::pipeline::diff_exhaustive(&old, &new));
            println!("  the exhaustive reference on the edit: {full:>9.3} s");
            reference.push((text.len() as f64, full));
        }
    }
    if sizes.len() > 1 {
        println!(
            "growth exponent k (time ∝ size^k): against itself {:.2}, against an edit {:.2}",
            exponent(&same),
            exponent(&edit)
        );
        if exhaustive {
            println!("  the exhaustive reference: {:.2}", exponent(&reference));
        }
    }
}
