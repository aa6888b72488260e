//! A small benchmark harness shared by the bench targets: run a closure
//! several times, print the median, the 95th percentile and the throughput.
//! No dependency; the figures go to `docs/performance.md`.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use std::time::{Duration, Instant};

pub const MB: usize = 1024 * 1024;

/// The timings of one benchmark.
pub struct Stats {
    pub samples: Vec<Duration>,
    pub bytes: usize,
}

impl Stats {
    fn sorted(&self) -> Vec<Duration> {
        let mut sorted = self.samples.clone();
        sorted.sort();
        sorted
    }

    pub fn median(&self) -> Duration {
        let sorted = self.sorted();
        sorted[sorted.len() / 2]
    }

    /// The 95th percentile (nearest rank): with few samples, the slowest.
    pub fn p95(&self) -> Duration {
        let sorted = self.sorted();
        let rank = (sorted.len() * 95).div_ceil(100);
        sorted[rank.saturating_sub(1)]
    }

    /// Mebibytes per second at the median.
    pub fn throughput(&self) -> f64 {
        self.bytes as f64 / MB as f64 / self.median().as_secs_f64()
    }
}

/// Runs `work` once to warm up, then until it has `min_samples` samples
/// and has run for `budget` (or has `max_samples`), and prints a line.
pub fn measure<T>(
    name: &str,
    bytes: usize,
    min_samples: usize,
    max_samples: usize,
    budget: Duration,
    mut work: impl FnMut() -> T,
) -> Stats {
    std::hint::black_box(work());
    let (min_samples, max_samples) = if smoke() {
        (1, 1)
    } else {
        (min_samples, max_samples)
    };
    let started = Instant::now();
    let mut samples = Vec::new();
    while samples.len() < min_samples || (samples.len() < max_samples && started.elapsed() < budget)
    {
        let start = Instant::now();
        std::hint::black_box(work());
        samples.push(start.elapsed());
    }
    let stats = Stats { samples, bytes };
    println!(
        "{name:<44} {:>9.2} MB  median {:>10.3} ms  p95 {:>10.3} ms  {:>8.2} MB/s  ({} samples)",
        bytes as f64 / MB as f64,
        stats.median().as_secs_f64() * 1e3,
        stats.p95().as_secs_f64() * 1e3,
        stats.throughput(),
        stats.samples.len()
    );
    stats
}

/// Whether this is a smoke run rather than a measurement: `cargo bench`
/// passes `--bench`, while `cargo test --all-targets` runs bench binaries
/// without it. A smoke run uses small inputs and one sample, so that the
/// bench code is exercised without the cost of measuring.
pub fn smoke() -> bool {
    !std::env::args().any(|arg| arg == "--bench")
}

/// `bytes`, or 64 KiB in a smoke run.
pub fn size(bytes: usize) -> usize {
    if smoke() { bytes.min(64 * 1024) } else { bytes }
}

/// The machine the figures come from.
pub fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    format!(
        "{cores} cores, {} {}, {} build{}",
        std::env::consts::OS,
        std::env::consts::ARCH,
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        },
        if smoke() {
            "; a smoke run on small inputs, not a measurement (use `cargo bench`)"
        } else {
            ""
        }
    )
}
