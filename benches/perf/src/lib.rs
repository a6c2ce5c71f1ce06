//! What the adapters' `perf` examples share, so that the blocking and the
//! async tool take the same flags and print the same lines as Apache
//! Kafka's `org.apache.kafka.tools.ProducerPerformance`:
//!
//! - [`Args`]: `--topic`, `--num-records`, `--record-size`, `--throughput`,
//!   `--producer-props k=v ...`, `--producer.config FILE`,
//!   `--print-metrics`, `--warmup-records`;
//! - [`Payloads`]: random uppercase letters, fresh for each record;
//! - [`Throttler`]: the Java tool's `ThroughputThrottler`;
//! - [`Timing`]: send times of the records in flight ([`SendTimes`]) and
//!   the [`Recorder`], for the producer's report handler;
//! - [`Recorder`]: per-record latency (send to delivery report), a
//!   progress line every 5 s and the final summary line(s);
//! - [`resource_line`]: the client's own CPU time and peak RSS.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod args;
pub mod clock;
mod resources;
mod send_times;
mod stats;
mod throttle;

pub use args::{Args, USAGE};
pub use resources::{Resources, resource_line};
pub use send_times::{SendTimes, Timing, check_id};
pub use stats::Recorder;
pub use throttle::Throttler;

use std::process::ExitCode;

use kafka_sansio::producer::ProducerStats;

/// Records between the sending loop and whatever awaits their reports, at
/// most: twice as many as `buffer.memory` can hold at `--record-size`
/// (that many at least 100 000, at most 1 000 000), so that, as in the
/// Java tool, the producer's buffer and not this window bounds what waits
/// for the brokers, while memory stays bounded whatever `--num-records`
/// is.
///
/// Twice, because the window spans from the oldest record without a
/// report, and reports come out of order: a batch that waits for a later
/// request while newer ones are acknowledged holds the window's start.
/// With a window of just the buffer's records, the sending loop waited on
/// it (in 50 µs sleeps) 691 to 17 971 times per 5 M records of 100 B on
/// one node, in five runs; with twice that, not once in four.
///
/// ```
/// let args = kafka_sansio_perf::Args::parse(
///     "--topic t --num-records 10 --record-size 100 --throughput -1 \
///      --producer-props bootstrap.servers=x:9092"
///         .split_whitespace()
///         .map(String::from),
/// )
/// .unwrap();
/// // Java's default buffer.memory (32 MiB) holds more than 100 000 such records.
/// assert!(kafka_sansio_perf::window(&args) > 200_000);
/// ```
pub fn window(args: &Args) -> usize {
    /// A record's framing in the producer's buffer accounting, at most
    /// (length, attributes, timestamp and offset deltas, key, value and
    /// header count varints).
    const FRAMING: usize = 36;
    const JAVA_DEFAULT_BUFFER_MEMORY: usize = 32 * 1024 * 1024;
    let memory = args
        .properties
        .iter()
        .rev()
        .find(|(k, _)| k == "buffer.memory")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(JAVA_DEFAULT_BUFFER_MEMORY);
    2 * (memory / (args.record_size + FRAMING)).clamp(100_000, 1_000_000)
}

/// A tool's `main`: reads the command line (usage and exit code 2 when it
/// is wrong), runs `run`, which returns how many records failed, and
/// exits with 0 when none did, 1 when some did, 2 on an error.
pub fn main(run: impl FnOnce(&Args) -> Result<u64, Box<dyn std::error::Error>>) -> ExitCode {
    // Before any send time is taken: earlier instants would all read 0.
    clock::now();
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

/// Payloads as ProducerPerformance draws them: `size` random uppercase
/// letters ('A'..='Z'), fresh for every record, so compression and the
/// client's CPU see what they see with the Java tool. Seeded.
///
/// Each payload is written over the last one in a buffer the generator
/// keeps, and sent as a
/// [`BorrowedRecord`](kafka_sansio::producer::BorrowedRecord): the producer
/// copies it into its batch at `send`, as librdkafka does with
/// `RD_KAFKA_MSG_F_COPY`, so a payload costs no allocation and no shared
/// count.
///
/// ```
/// let mut payloads = kafka_sansio_perf::Payloads::new(100);
/// let a = payloads.next_payload().to_vec();
/// let b = payloads.next_payload();
/// assert_eq!(a.len(), 100);
/// assert!(a.iter().all(u8::is_ascii_uppercase));
/// assert_ne!(&a[..], b);
/// ```
pub struct Payloads {
    state: u64,
    buffer: Vec<u8>,
}

impl Payloads {
    /// Payloads of `size` bytes.
    pub fn new(size: usize) -> Self {
        Payloads {
            state: 0x9E37_79B9_7F4A_7C15,
            buffer: vec![0; size],
        }
    }

    /// The next record's payload, valid until the next call.
    pub fn next_payload(&mut self) -> &[u8] {
        let mut words = self.buffer.chunks_exact_mut(8);
        for word in &mut words {
            word.copy_from_slice(&eight_letters(&mut self.state));
        }
        let tail = words.into_remainder();
        if !tail.is_empty() {
            let letters = eight_letters(&mut self.state);
            tail.copy_from_slice(&letters[..tail.len()]);
        }
        &self.buffer
    }
}

/// Eight random letters 'A'..='Z' from one step of the generator, the same
/// in the C and Go peers' tools (benches/compare), so every tool spends the
/// same on its payloads, and little: the Java tool's per-byte draw was
/// half of this tool's CPU time at 1 KiB.
///
/// The step is wyrand's (a Weyl sequence, mixed by one 64×64→128-bit
/// multiply). Each of its eight bytes `b` becomes the letter
/// `'A' + b * 26 / 256`, all eight at once: even and odd bytes are scaled
/// in separate 16-bit lanes, where a product cannot carry into its
/// neighbour. A letter comes from 9 or 10 of the 256 byte values, near
/// enough to uniform for what compressors see.
///
/// ```
/// let mut state = 0x9E37_79B9_7F4A_7C15;
/// let letters = kafka_sansio_perf::eight_letters(&mut state);
/// assert!(letters.iter().all(u8::is_ascii_uppercase));
/// assert_ne!(letters, kafka_sansio_perf::eight_letters(&mut state));
/// ```
pub fn eight_letters(state: &mut u64) -> [u8; 8] {
    const EVEN: u64 = 0x00FF_00FF_00FF_00FF;
    *state = state.wrapping_add(0xA076_1D64_78BD_642F);
    let wide = u128::from(*state) * u128::from(*state ^ 0xE703_7ED1_A0B4_28DB);
    let bits = (wide >> 64) as u64 ^ wide as u64;
    let even = (((bits & EVEN) * 26) >> 8) & EVEN;
    let odd = (((bits >> 8) & EVEN) * 26) & !EVEN;
    (even | odd)
        .wrapping_add(u64::from_le_bytes([b'A'; 8]))
        .to_le_bytes()
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
        let requests = stats.produce_requests as f64;
        let batches = stats.produce_batches as f64 / requests;
        println!("{:<40} : {batches:.2}", "batches-per-request-avg");
        let in_flight = stats.produce_in_flight_sum as f64 / requests;
        println!("{:<40} : {in_flight:.2}", "in-flight-at-write-avg");
        if stats.produce_batches > 0 {
            let per_batch = stats.records_delivered as f64 / stats.produce_batches as f64;
            println!("{:<40} : {per_batch:.1}", "records-per-batch-avg");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The letters the C and Go tools draw too: this vector was computed
    /// apart from this code (with Python's big integers, byte by byte), and
    /// checks the lane arithmetic and the byte order.
    #[test]
    fn payloads_follow_the_shared_generator() {
        let mut payloads = Payloads::new(20);
        assert_eq!(payloads.next_payload(), b"SVPHMZZILZSSKDUDWSRK");
    }

    #[test]
    fn every_letter_is_drawn_about_as_often() {
        let mut payloads = Payloads::new(1000);
        let mut counts = [0u32; 26];
        for _ in 0..1000 {
            for letter in payloads.next_payload() {
                counts[usize::from(letter - b'A')] += 1;
            }
        }
        // 1 M letters: 38 462 each if uniform; 9 or 10 byte values per
        // letter puts them at 35 156 or 39 063, give or take the draw.
        for (letter, count) in counts.iter().enumerate() {
            assert!((34_000..40_500).contains(count), "letter {letter}: {count}");
        }
    }
}
