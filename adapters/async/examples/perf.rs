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
//! Records are enqueued without waiting for their reports; a task awaits
//! the delivery futures in send order (through a bounded channel) and
//! times each record from its enqueue to its report.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use kafka_sansio_async::{DeliveryFuture, Producer, ProducerConfig, TokioRuntime};
use kafka_sansio_perf::{self as perf, Args, Recorder, Throttler};
use tokio::sync::mpsc;

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
    let producer = Producer::new(config, runtime)?;
    let mut payloads = perf::Payloads::new(args.record_size);
    let (futures, mut pending) = mpsc::channel::<(Instant, DeliveryFuture)>(perf::window(args));
    let mut recorder = Recorder::new(args.num_records, args.warmup_records, args.record_size);
    let awaiter = tokio::spawn(async move {
        while let Some((sent, delivery)) = pending.recv().await {
            recorder.report(sent, &delivery.await);
        }
        recorder
    });
    let mut throttler = Throttler::new(args.throughput, Instant::now());
    for i in 0..args.num_records {
        let sent = Instant::now();
        let delivery = producer
            .enqueue(perf::record(&args.topic, payloads.next_payload()))
            .await?;
        futures
            .send((sent, delivery))
            .await
            .map_err(|_| "the awaiting task stopped")?;
        throttler.pace(i, sent);
    }
    drop(futures);
    if !args.print_metrics {
        producer.close(Duration::from_secs(60)).await;
    }
    let mut recorder = awaiter.await?;
    recorder.finish(args.print_metrics.then(|| producer.stats()).as_ref());
    producer.close(Duration::from_secs(60)).await;
    Ok(recorder.failures())
}
