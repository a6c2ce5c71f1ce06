//! How fast records go through the core: a healthy simulated 3-broker
//! cluster acknowledges at once, so the time is the producer's (partition,
//! batch, encode, settle, report) plus the simulator's (decode, append).
//!
//! `cargo run --release --example sim_throughput -- [records] [value bytes]`
#![allow(clippy::disallowed_methods)] // the wall clock measures the run

use std::time::{Duration, Instant};

use bytes::Bytes;
use kafka_sansio::producer::{ProducerConfig, ProducerRecord};
use kafka_sansio::sim::{Cluster, ClusterConfig, Harness};

fn main() {
    let mut args = std::env::args().skip(1);
    let records: usize = args
        .next()
        .map_or(1_000_000, |s| s.parse().expect("a record count"));
    let size: usize = args
        .next()
        .map_or(100, |s| s.parse().expect("a value size"));
    let mut cluster = Cluster::new(ClusterConfig::with_brokers(3));
    cluster.create_topic("bench", 6, 3);
    let config = ProducerConfig::builder()
        .bootstrap_servers([cluster.broker_address(1)])
        .build()
        .expect("a valid config");
    let start = Instant::now();
    let mut h = Harness::new(cluster, config, start).expect("a valid config");
    h.keep_timeline(false);
    h.set_latency(Duration::ZERO);
    let value = Bytes::from(vec![b'A'; size]);
    let wall = Instant::now();
    let mut sent = 0;
    while sent < records {
        for _ in 0..1000.min(records - sent) {
            let record = ProducerRecord {
                topic: "bench".into(),
                value: Some(value.clone()),
                ..ProducerRecord::default()
            };
            h.producer.send(record, h.now()).expect("buffer room");
            sent += 1;
        }
        h.run_for(Duration::from_millis(1));
        h.take_reports();
    }
    assert!(h.run_until_idle(Duration::from_secs(60)));
    let secs = wall.elapsed().as_secs_f64();
    let delivered = h.producer.stats().records_delivered;
    assert_eq!(delivered as usize, records, "every record delivered");
    println!(
        "{records} records of {size} bytes through producer + simulated cluster in {secs:.2} s: \
         {:.0} records/s, {:.1} MiB/s of values",
        records as f64 / secs,
        (records * size) as f64 / secs / (1024.0 * 1024.0)
    );
}
