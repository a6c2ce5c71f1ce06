#![no_main]
//! The whole producer state machine against a simulated cluster and fake
//! brokers, driven by a sequence of operations (see
//! `kafka_sansio::fuzzing::ops`).

use std::sync::OnceLock;
use std::time::Instant;

/// One virtual epoch for the whole process: only differences matter, and
/// a fixed one keeps a run from depending on when it started.
static EPOCH: OnceLock<Instant> = OnceLock::new();

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let epoch = *EPOCH.get_or_init(Instant::now);
    kafka_sansio::fuzzing::producer(data, epoch);
});
