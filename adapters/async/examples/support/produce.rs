//! What both examples do, on whichever runtime they pass in: send
//! `--count` keyed records with headers to `--topic`, await every report
//! and print a summary.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use kafka_sansio_async::{Bytes, Producer, ProducerConfig, ProducerRecord, Runtime};

/// The command line: `--bootstrap HOST:PORT[,...] --topic NAME [--count N]`.
pub struct Args {
    bootstrap: String,
    topic: String,
    count: usize,
}

impl Args {
    /// Reads the command line, or explains it.
    pub fn parse() -> Result<Args, String> {
        let mut args = std::env::args().skip(1);
        let (mut bootstrap, mut topic, mut count) = (None, None, 1000);
        while let Some(flag) = args.next() {
            let value = args.next().ok_or(format!("{flag} needs a value"))?;
            match flag.as_str() {
                "--bootstrap" => bootstrap = Some(value),
                "--topic" => topic = Some(value),
                "--count" => count = value.parse().map_err(|e| format!("--count: {e}"))?,
                _ => return Err(format!("unknown flag {flag}")),
            }
        }
        let usage = "usage: --bootstrap HOST:PORT[,...] --topic NAME [--count N]";
        Ok(Args {
            bootstrap: bootstrap.ok_or(usage)?,
            topic: topic.ok_or(usage)?,
            count,
        })
    }
}

/// Produces the records; fails if any is not delivered.
pub async fn run<R: Runtime>(runtime: R, args: Args) -> Result<(), Box<dyn std::error::Error>> {
    let config = ProducerConfig::from_properties([
        ("bootstrap.servers", args.bootstrap.as_str()),
        ("linger.ms", "5"),
    ])?;
    let producer = Producer::builder(config, runtime)
        .on_event(|event| eprintln!("event: {event:?}"))
        .build()?;
    let start = Instant::now();
    let mut reports = Vec::with_capacity(args.count);
    for i in 0..args.count {
        let record = ProducerRecord::new(args.topic.clone(), format!("value-{i}"))
            .key(format!("key-{i}"))
            .header("seq", Some(Bytes::from(i.to_string())))
            .header("origin", Some(Bytes::from_static(b"kafka-sansio-async")));
        reports.push(producer.enqueue(record).await?);
    }
    let mut per_partition = BTreeMap::new();
    let mut failed = 0;
    for report in reports {
        let report = report.await;
        match report.result {
            Ok(_) => *per_partition.entry(report.partition).or_insert(0) += 1,
            Err(e) => {
                failed += 1;
                eprintln!("record {:?} failed: {e}", report.id);
            }
        }
    }
    let elapsed = start.elapsed();
    producer.close(Duration::from_secs(10)).await;
    println!(
        "{} delivered, {failed} failed in {elapsed:.2?} ({:.0} records/s)",
        args.count - failed,
        args.count as f64 / elapsed.as_secs_f64()
    );
    println!("per partition: {per_partition:?}");
    println!("stats: {:?}", producer.stats());
    if failed > 0 {
        return Err(format!("{failed} records failed").into());
    }
    Ok(())
}
