//! ProducerPerformance on the blocking adapter: the Java tool's flags and
//! output (see the `kafka-sansio-perf` crate, shared with the async tool).
//!
//! ```sh
//! cargo run --release -p kafka-sansio-blocking --example perf -- --topic T \
//!     --num-records 1000000 --record-size 100 --throughput -1 \
//!     --producer-props bootstrap.servers=127.0.0.1:9092 acks=all linger.ms=5
//! ```
//!
//! `send` returns a receipt at once; a second thread waits on the receipts
//! in send order and times each record from its send to its report.

use std::process::ExitCode;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use kafka_sansio_blocking::{Producer, ProducerConfig, Receipt};
use kafka_sansio_perf::{self as perf, Args, Recorder, Throttler};

fn main() -> ExitCode {
    perf::main(run)
}

/// Runs the test; returns the number of failed records.
fn run(args: &Args) -> Result<u64, Box<dyn std::error::Error>> {
    let config = ProducerConfig::from_properties(args.properties.iter().cloned())?;
    let producer = Producer::new(config)?;
    let mut payloads = perf::Payloads::new(args.record_size);
    let (receipts, waiting) = mpsc::sync_channel::<(Instant, Receipt)>(perf::window(args));
    let mut recorder = Recorder::new(args.num_records, args.warmup_records, args.record_size);
    let waiter = thread::spawn(move || {
        for (sent, receipt) in waiting {
            recorder.report(sent, &receipt.wait());
        }
        recorder
    });
    let mut throttler = Throttler::new(args.throughput, Instant::now());
    for i in 0..args.num_records {
        let sent = Instant::now();
        let receipt = producer.send(perf::record(&args.topic, payloads.next_payload()))?;
        receipts
            .send((sent, receipt))
            .map_err(|_| "the waiting thread stopped")?;
        throttler.pace(i, sent);
    }
    drop(receipts);
    if !args.print_metrics {
        producer.close(Duration::from_secs(60));
    }
    let mut recorder = waiter.join().map_err(|_| "the waiting thread panicked")?;
    recorder.finish(args.print_metrics.then(|| producer.stats()).as_ref());
    producer.close(Duration::from_secs(60));
    Ok(recorder.failures())
}
