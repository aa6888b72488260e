//! Writes one of the generator's programs to a file, for measuring the
//! release binary on it (`privet check FILE` under `/usr/bin/time -v`):
//!
//! `cargo run --release --example generate -- flows THOUSANDS OUT`
//! `cargo run --release --example generate -- vocabulary MEGABYTES OUT`
//!
//! The same programs as the `flows` and `vocabulary` series of
//! `benches/scale.rs` (seed 1).
#![allow(clippy::unwrap_used, clippy::expect_used)]

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [series, size, out] = args.as_slice() else {
        eprintln!("usage: generate flows|vocabulary SIZE OUT");
        std::process::exit(2);
    };
    let size: usize = size.parse().expect("SIZE is a number");
    let text = match series.as_str() {
        "flows" => privet::generate::flow_heavy(1, size * 1_000),
        "vocabulary" => privet::generate::program_of_size(1, (size * 1024 * 1024).max(64 * 1024)),
        other => {
            eprintln!("unknown series `{other}`: flows or vocabulary");
            std::process::exit(2);
        }
    };
    std::fs::write(out, text).expect("the output file is writable");
}
