//! ProducerPerformance on the blocking adapter: the Java tool's flags and
//! output (see the `kafka-sansio-perf` crate, shared with the async tool).
//!
//! ```sh
//! cargo run --release -p kafka-sansio-blocking --example perf -- --topic T \
//!     --num-records 1000000 --record-size 100 --throughput -1 \
//!     --producer-props bootstrap.servers=127.0.0.1:9092 acks=all linger.ms=5
//! ```
//!
//! Records go with `send_detached`, each payload generated into one reused
//! buffer and sent as a `BorrowedRecord` (copied at `send`); the producer's
//! report handler times each one from its send to its report (as the Java
//! tool's callback does), so nothing is kept per record but its send time.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use kafka_sansio_blocking::{BorrowedRecord, Producer, ProducerConfig, SendError};
use kafka_sansio_perf::{self as perf, Args, Recorder, Throttler, Timing};

fn main() -> ExitCode {
    perf::main(run)
}

/// Runs the test; returns the number of failed records.
fn run(args: &Args) -> Result<u64, Box<dyn std::error::Error>> {
    let config = ProducerConfig::from_properties(args.properties.iter().cloned())?;
    let recorder = Recorder::new(args.num_records, args.warmup_records, args.record_size);
    let timing = Timing::new(perf::window(args));
    let producer = Producer::builder(config)
        .on_report(timing.handler(recorder))
        .build()?;
    let topic = args.topic.as_str();
    let mut payloads = perf::Payloads::new(args.record_size);
    let mut throttler = Throttler::new(args.throughput, Instant::now());
    for i in 0..args.num_records {
        let sent = Instant::now();
        timing.sent(i, sent);
        let record = BorrowedRecord::new(topic, payloads.next_payload());
        let id = producer
            .send_detached(record)
            .map_err(SendError::into_owned)?;
        perf::check_id(i, id)?;
        throttler.pace(i, sent);
    }
    // Every report has come once these return.
    if args.print_metrics {
        producer.flush();
    } else {
        producer.close(Duration::from_secs(60));
    }
    let failures = timing.finish(args.print_metrics.then(|| producer.stats()).as_ref())?;
    producer.close(Duration::from_secs(60));
    Ok(failures)
}
