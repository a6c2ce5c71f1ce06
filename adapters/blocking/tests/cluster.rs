//! Against a real Kafka cluster (ignored by default):
//!
//! ```sh
//! KAFKA_TOPIC=my-topic [KAFKA_BOOTSTRAP=host:port,...] \
//!     cargo test -p kafka-sansio-blocking --test cluster -- --ignored --nocapture
//! ```
//!
//! The topic must exist. Read it back with
//! `kcat -C -b HOST:PORT -t TOPIC -e -f '%p %o %k %s %h\n'`.

use std::collections::BTreeMap;
use std::env;
use std::thread;
use std::time::{Duration, Instant};

use kafka_sansio_blocking::{Producer, ProducerRecord};

const THREADS: usize = 4;
const PER_THREAD: usize = 1250;

#[test]
#[ignore = "needs a Kafka cluster: KAFKA_TOPIC (and KAFKA_BOOTSTRAP)"]
fn keyed_records_with_headers_from_several_threads_reach_a_real_cluster() {
    let bootstrap = env::var("KAFKA_BOOTSTRAP")
        .unwrap_or_else(|_| "127.0.0.1:19092,127.0.0.1:29092,127.0.0.1:39092".to_owned());
    let topic = env::var("KAFKA_TOPIC").expect("KAFKA_TOPIC names an existing topic");
    let producer = Producer::from_properties([
        ("bootstrap.servers", bootstrap.as_str()),
        ("linger.ms", "5"),
    ])
    .unwrap();
    let start = Instant::now();
    // Per key (each thread has its own keys): the offsets, in send order.
    let per_key: BTreeMap<String, Vec<(i32, i64)>> = thread::scope(|s| {
        let workers: Vec<_> = (0..THREADS)
            .map(|t| {
                let (producer, topic) = (&producer, topic.as_str());
                s.spawn(move || {
                    let receipts: Vec<_> = (0..PER_THREAD)
                        .map(|i| {
                            let key = format!("t{t}-k{}", i % 25);
                            let record = ProducerRecord::new(topic, format!("t{t}-v{i}"))
                                .key(key.clone())
                                .header("seq", Some(i.to_string().into()))
                                .header("adapter", Some("blocking".into()));
                            (key, producer.send(record).unwrap())
                        })
                        .collect();
                    receipts
                        .into_iter()
                        .map(|(key, receipt)| {
                            let report = receipt.wait();
                            let delivered = report.result.expect("delivered");
                            (key, (report.partition.unwrap(), delivered.offset.unwrap()))
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let mut per_key: BTreeMap<String, Vec<(i32, i64)>> = BTreeMap::new();
        for worker in workers {
            for (key, at) in worker.join().unwrap() {
                per_key.entry(key).or_default().push(at);
            }
        }
        per_key
    });
    let took = start.elapsed();
    for (key, at) in &per_key {
        assert!(
            at.iter().all(|(p, _)| *p == at[0].0),
            "{key}: one partition"
        );
        assert!(
            at.windows(2).all(|w| w[0].1 < w[1].1),
            "{key}: in send order"
        );
    }
    let stats = producer.stats();
    assert_eq!(stats.records_delivered, (THREADS * PER_THREAD) as u64);
    let partitions = producer.partitions(&topic).expect("topic known");
    assert!(partitions.iter().all(|p| p.leader.is_some()));
    println!(
        "{} records from {THREADS} threads to {topic} ({} partitions) in {took:?}; {} produce requests",
        stats.records_delivered,
        partitions.len(),
        stats.produce_requests
    );
    producer.close(Duration::from_secs(10));
}
