//! What the adapters' `perf` examples share, so that the blocking and the
//! async tool take the same flags and print the same lines as Apache
//! Kafka's `org.apache.kafka.tools.ProducerPerformance`:
//!
//! - [`Args`]: `--topic`, `--num-records`, `--record-size`, `--throughput`,
//!   `--producer-props k=v ...`, `--producer.config FILE`,
//!   `--print-metrics`, `--warmup-records`;
//! - [`payload`]: random uppercase letters, made once;
//! - [`Throttler`]: the Java tool's `ThroughputThrottler`;
//! - [`Recorder`]: per-record latency (send to delivery report), a
//!   progress line every 5 s and the final summary line(s);
//! - [`resource_line`]: the client's own CPU time and peak RSS.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod args;
mod resources;
mod stats;
mod throttle;

pub use args::{Args, USAGE};
pub use resources::{Resources, resource_line};
pub use stats::Recorder;
pub use throttle::Throttler;

use std::process::ExitCode;

use kafka_sansio::producer::{ProducerRecord, ProducerStats};

/// Records between the sending loop and whatever awaits their reports, at
/// most: memory stays bounded whatever `--num-records` is
/// (`buffer.memory` bounds the rest).
pub const WINDOW: usize = 100_000;

/// A tool's `main`: reads the command line (usage and exit code 2 when it
/// is wrong), runs `run`, which returns how many records failed, and
/// exits with 0 when none did, 1 when some did, 2 on an error.
pub fn main(run: impl FnOnce(&Args) -> Result<u64, Box<dyn std::error::Error>>) -> ExitCode {
    let args = match Args::from_env() {
        Ok(args) => args,
        Err(e) => {
            eprintln!("{e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(&args) {
        Ok(0) => ExitCode::SUCCESS,
        Ok(_) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("perf: {e}");
            ExitCode::from(2)
        }
    }
}

/// `size` random uppercase letters ('A'..='Z'), seeded: the payload
/// ProducerPerformance sends, made once and shared by every record.
///
/// ```
/// let p = kafka_sansio_perf::payload(100);
/// assert_eq!(p.len(), 100);
/// assert!(p.iter().all(u8::is_ascii_uppercase));
/// ```
pub fn payload(size: usize) -> Vec<u8> {
    // xorshift64*: any seeded generator does; the letters only need to be
    // as compressible as the Java tool's.
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..size)
        .map(|_| {
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            let r = state.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 32;
            b'A' + (r % 26) as u8
        })
        .collect()
}

/// A record as the tool sends it: no key, the shared payload.
pub fn record(topic: &str, payload: &bytes::Bytes) -> ProducerRecord {
    ProducerRecord {
        topic: topic.to_owned(),
        value: Some(payload.clone()),
        ..ProducerRecord::default()
    }
}

/// `--print-metrics`: the producer's counters, one `name : value` a line
/// like the Java tool's metric dump.
pub fn print_metrics(stats: &ProducerStats) {
    println!("{:<40} : {}", "buffered-bytes", stats.buffered_bytes);
    println!("{:<40} : {}", "buffered-records", stats.buffered_records);
    println!("{:<40} : {}", "connections", stats.connections);
    println!("{:<40} : {}", "records-accepted", stats.records_accepted);
    println!("{:<40} : {}", "records-delivered", stats.records_delivered);
    println!("{:<40} : {}", "records-failed", stats.records_failed);
    println!("{:<40} : {}", "batch-retries", stats.batch_retries);
    println!("{:<40} : {}", "produce-requests", stats.produce_requests);
    println!("{:<40} : {}", "metadata-requests", stats.metadata_requests);
    if stats.produce_requests > 0 {
        let per_request = stats.records_delivered as f64 / stats.produce_requests as f64;
        println!("{:<40} : {per_request:.1}", "records-per-request-avg");
    }
}
