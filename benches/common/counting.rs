//! A counting global allocator for the benches that report peak heap: it
//! wraps the system allocator; every allocation adds its size to a running
//! total, every free subtracts it, and the highest total is the peak.
//! Included by path (`#[path = "common/counting.rs"]`) only by the benches
//! that measure memory, so the others allocate without the counting.
// The allocator implements `GlobalAlloc`, an unsafe trait; the bench
// binaries that include this file are the only places in the crate that
// allow `unsafe`.
#![allow(unsafe_code, dead_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
static TOTAL: AtomicUsize = AtomicUsize::new(0);

pub struct Counting;

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

/// The heap counted around one piece of work.
pub struct Heap {
    /// The highest live total during the work, above what was live before.
    pub peak: usize,
    /// What the work's result still holds.
    pub kept: usize,
    /// Everything allocated during the work.
    pub total: usize,
}

/// Runs `work`, counting the heap it uses; its result is returned with the
/// counts, and dropped by the caller.
pub fn counted<T>(work: impl FnOnce() -> T) -> (T, Heap) {
    let baseline = CURRENT.load(Ordering::Relaxed);
    PEAK.store(baseline, Ordering::Relaxed);
    let total_before = TOTAL.load(Ordering::Relaxed);
    let result = work();
    let heap = Heap {
        peak: PEAK.load(Ordering::Relaxed) - baseline,
        kept: CURRENT.load(Ordering::Relaxed).saturating_sub(baseline),
        total: TOTAL.load(Ordering::Relaxed) - total_before,
    };
    (result, heap)
}
