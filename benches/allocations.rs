//! Heap allocations per record on the core path in steady state, counted
//! by a global allocator that counts while the producer works (not while
//! the bench builds records or acknowledges requests).
//! `cargo bench --bench allocations`.

mod support;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use kafka_sansio::producer::ProducerRecord;
use support::{CorePath, RECORD_SIZES, TOPIC, payload};

/// Counts allocations (and their bytes) made while this thread counts.
struct Counting;

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    static IN_BROKER: Cell<bool> = const { Cell::new(false) };
    static ALLOCS: Cell<u64> = const { Cell::new(0) };
    static BYTES: Cell<u64> = const { Cell::new(0) };
}

fn count(size: usize) {
    // `try_with`: the allocator also runs while thread locals are torn down.
    let _ = COUNTING.try_with(|on| {
        if on.get() && !IN_BROKER.with(Cell::get) {
            ALLOCS.with(|a| a.set(a.get() + 1));
            BYTES.with(|b| b.set(b.get() + size as u64));
        }
    });
}

// SAFETY: every call is forwarded to the system allocator unchanged.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count(layout.size());
        // SAFETY: the caller's contract is passed on as is.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count(new_size);
        // SAFETY: as above.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Runs `f` with counting on; returns (allocations, bytes) it made.
fn counted(f: impl FnOnce()) -> (u64, u64) {
    let before = (ALLOCS.with(Cell::get), BYTES.with(Cell::get));
    COUNTING.with(|on| on.set(true));
    f();
    COUNTING.with(|on| on.set(false));
    (
        ALLOCS.with(Cell::get) - before.0,
        BYTES.with(Cell::get) - before.1,
    )
}

/// Records sent before counting (buffers grow to their steady size) and
/// while counting.
const WARM_UP: usize = 50_000;
const MEASURED: usize = 200_000;

fn main() {
    // `cargo bench` passes `--bench`; anything else is a filter nobody needs.
    println!("heap allocations per record on the core path, steady state ({MEASURED} records)");
    println!(
        "{:>7} {:>10} {:>14} {:>14}",
        "size", "partitions", "allocs/record", "bytes/record"
    );
    for size in RECORD_SIZES {
        let value = payload(size);
        for partitions in [1, 6] {
            let mut path = CorePath::new(partitions, &[]);
            // The bench's broker answers on the caller's thread: leave it out.
            path.broker_hook = |in_broker| IN_BROKER.with(|b| b.set(in_broker));
            let record = ProducerRecord::new(TOPIC, value.clone());
            for _ in 0..WARM_UP {
                path.send(record.clone());
            }
            let (mut allocs, mut bytes) = (0, 0);
            for _ in 0..MEASURED {
                // The caller's record is not the core's doing: build it
                // outside the count.
                let record = record.clone();
                let (a, b) = counted(|| path.send(record));
                allocs += a;
                bytes += b;
            }
            println!(
                "{size:>6}B {partitions:>10} {:>14.3} {:>14.1}",
                allocs as f64 / MEASURED as f64,
                bytes as f64 / MEASURED as f64
            );
        }
    }
}
