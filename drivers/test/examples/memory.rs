//! Memory the test driver takes per domain, measured the way the benchmark loads it.
//!
//! Defines 10,000 domains with the benchmark's minimal XML and prints the live heap (counted
//! by a wrapping global allocator) and the process RSS (`VmRSS` of `/proc/self/status`)
//! before and after, with the size of the main per-domain structures.
//!
//! ```text
//! cargo run --release -p virtbus-test-driver --example memory [COUNT]
//! ```

use std::{
    alloc::{GlobalAlloc, Layout, System},
    sync::atomic::{AtomicUsize, Ordering},
};

use virtbus_core::{driver::DomainDriver, event, model::DomainDef};
use virtbus_test_driver::TestDriver;

/// The system allocator, counting the bytes currently allocated.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded unchanged to the system allocator; the counter is only
// bookkeeping.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
            LIVE.fetch_add(new_size, Ordering::Relaxed);
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// `VmRSS` in KiB, 0 if it cannot be read.
fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

/// The benchmark's definition of domain `index`.
fn domain_xml(index: usize) -> String {
    format!(
        "<domain type='test'><name>bench-{index}</name>\
         <uuid>b0000000-0000-4000-8000-{index:012x}</uuid>\
         <memory>1024</memory><os><type>hvm</type></os></domain>"
    )
}

fn main() {
    let count: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(10_000);
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a tokio runtime");
    // The receiver is dropped at once: events are not what is measured.
    let (tx, rx) = event::channel();
    drop(rx);
    let driver = TestDriver::new(tx);
    let (heap0, rss0) = (LIVE.load(Ordering::Relaxed), rss_kib());
    rt.block_on(async {
        for i in 0..count {
            if let Err(e) = driver.define_xml(&domain_xml(i), 0).await {
                eprintln!("defining bench-{i}: {e}");
                std::process::exit(1);
            }
        }
    });
    let (heap1, rss1) = (LIVE.load(Ordering::Relaxed), rss_kib());
    let heap = heap1.saturating_sub(heap0);
    let rss = rss1.saturating_sub(rss0);
    println!("domains defined: {count}");
    println!("size_of::<DomainDef>(): {} bytes", size_of::<DomainDef>());
    println!(
        "heap: +{:.1} MiB ({} bytes per domain)",
        heap as f64 / 1048576.0,
        heap / count.max(1)
    );
    println!(
        "RSS:  +{:.1} MiB ({} -> {} KiB)",
        rss as f64 / 1024.0,
        rss0,
        rss1
    );
    drop(driver);
}
