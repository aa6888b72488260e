//! Peak heap memory of compiling generated programs of about 1 MB and
//! 10 MB (and 10 MB of broken items), counted by a global allocator that
//! wraps the system one: every allocation adds its size to a running total,
//! every free subtracts it, and the highest total is the peak.
//!
//! `cargo bench --bench memory`
// The counting allocator implements `GlobalAlloc`, an unsafe trait; this
// bench binary is the only place in the crate that allows `unsafe`.
#![allow(unsafe_code)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use common::{MB, size};
use privet::generate::{adversarial_inputs, program_of_size};
use privet::source::SourceMap;
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
static TOTAL: AtomicUsize = AtomicUsize::new(0);

struct Counting;

fn allocated(size: usize) {
    let now = CURRENT.fetch_add(size, Ordering::Relaxed) + size;
    PEAK.fetch_max(now, Ordering::Relaxed);
    TOTAL.fetch_add(size, Ordering::Relaxed);
}

fn freed(size: usize) {
    CURRENT.fetch_sub(size, Ordering::Relaxed);
}

// SAFETY: every method forwards to `System` with the caller's arguments
// unchanged, so `System`'s guarantees hold; the counting touches only
// atomics and never allocates.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as is; see above.
        let pointer = unsafe { System.alloc(layout) };
        if !pointer.is_null() {
            allocated(layout.size());
        }
        pointer
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as is; see above.
        let pointer = unsafe { System.alloc_zeroed(layout) };
        if !pointer.is_null() {
            allocated(layout.size());
        }
        pointer
    }

    unsafe fn dealloc(&self, pointer: *mut u8, layout: Layout) {
        // SAFETY: forwarded as is; see above.
        unsafe { System.dealloc(pointer, layout) };
        freed(layout.size());
    }

    unsafe fn realloc(&self, pointer: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded as is; see above.
        let moved = unsafe { System.realloc(pointer, layout, new_size) };
        if !moved.is_null() {
            freed(layout.size());
            allocated(new_size);
        }
        moved
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn mb(bytes: usize) -> f64 {
    bytes as f64 / MB as f64
}

/// Compiles `text` and prints the peak heap above what was live before
/// (the source text itself included), what the compilation keeps, and
/// everything allocated on the way.
fn profile(name: &str, text: String) {
    let input = text.len();
    let baseline = CURRENT.load(Ordering::Relaxed);
    PEAK.store(baseline, Ordering::Relaxed);
    let total_before = TOTAL.load(Ordering::Relaxed);

    let mut sources = SourceMap::new();
    sources.add("memory.privet", text);
    let compilation = privet::pipeline::compile(&sources);
    let kept = CURRENT.load(Ordering::Relaxed) - baseline;
    let peak = PEAK.load(Ordering::Relaxed) - baseline;
    let total = TOTAL.load(Ordering::Relaxed) - total_before;
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
