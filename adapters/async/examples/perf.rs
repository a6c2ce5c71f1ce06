//! ProducerPerformance on the async adapter (tokio): the Java tool's flags
//! and output (see the `kafka-sansio-perf` crate, shared with the blocking
//! tool).
//!
//! ```sh
//! cargo run --release -p kafka-sansio-async --example perf -- --topic T \
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

use kafka_sansio_async::{BorrowedRecord, Producer, ProducerConfig, SendError, TokioRuntime};
use kafka_sansio_perf::{self as perf, Args, Recorder, Throttler, Timing};

fn main() -> ExitCode {
    perf::main(|args| {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()?;
        let handle = TokioRuntime::from(runtime.handle().clone());
        // The sending loop runs on this thread (not a worker), so the
        // throttle's sleeps never hold up the runtime.
        runtime.block_on(run(args, handle))
    })
}

/// Runs the test; returns the number of failed records.
async fn run(args: &Args, runtime: TokioRuntime) -> Result<u64, Box<dyn std::error::Error>> {
    let config = ProducerConfig::from_properties(args.properties.iter().cloned())?;
    let recorder = Recorder::new(args.num_records, args.warmup_records, args.record_size);
    let timing = Timing::new(perf::window(args));
    let producer = Producer::builder(config, runtime)
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
            .await
            .map_err(SendError::into_owned)?;
        perf::check_id(i, id)?;
        throttler.pace(i, sent);
    }
    // Every report has come once these complete.
    if args.print_metrics {
        producer.flush().await;
    } else {
        producer.close(Duration::from_secs(60)).await;
    }
    let failures = timing.finish(args.print_metrics.then(|| producer.stats()).as_ref())?;
    producer.close(Duration::from_secs(60)).await;
    Ok(failures)
}
