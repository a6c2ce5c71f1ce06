//! The producer's story, told as a timeline, against a simulated 3-broker
//! cluster on virtual time:
//!
//! 1. it asks a bootstrap broker for the map (brokers, partitions, leaders);
//! 2. it routes keyed records to their partitions' leaders, one request per
//!    broker;
//! 3. a broker crashes with requests in flight; the producer notices,
//!    refreshes the map, finds the new leaders and retries there;
//! 4. every record is in the log exactly once, in order.
//!
//! Run with `cargo run --example demo`.
#![allow(clippy::disallowed_methods)] // Instant::now once, as the virtual epoch

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use kafka_sansio::partitioner::partition_for_key;
use kafka_sansio::producer::{Event, LeaderSource, ProducerConfig, ProducerRecord, RecordId};
use kafka_sansio::sim::{Cluster, ClusterConfig, Happening, Harness};

const TOPIC: &str = "orders";
const PARTITIONS: i32 = 6;
const USERS: usize = 12;

fn main() {
    let mut cluster = Cluster::new(ClusterConfig::with_brokers(3));
    cluster.create_topic(TOPIC, PARTITIONS, 3);
    let bootstrap = cluster.broker_address(1);
    let config = ProducerConfig::builder()
        .bootstrap_servers([bootstrap.clone()])
        .linger(Duration::from_millis(5))
        .seed(2024)
        .build()
        .expect("a valid config");
    let mut h = Harness::new(cluster, config, Instant::now()).expect("a valid config");
    h.set_latency(Duration::from_millis(2));
    let mut story = Story::default();

    chapter("1. Ask the way");
    println!("The producer knows one address: {bootstrap}.");
    let mut sent: Vec<(RecordId, String, String)> = Vec::new();
    let mut send = |h: &mut Harness, round: usize| {
        for u in 0..USERS {
            let key = format!("user-{u}");
            let value = format!("order-{round}-{u}");
            let record = ProducerRecord::new(TOPIC, value.clone()).key(key.clone());
            let id = h.send(record).expect("the buffer has room");
            sent.push((id, key, value));
        }
    };
    send(&mut h, 0);
    h.run_for(Duration::from_millis(30));
    story.tell(&h);

    chapter("2. Navigate precisely");
    println!("Keyed records go to murmur2(key) % {PARTITIONS}, then to that partition's leader:");
    for u in 0..4 {
        let key = format!("user-{u}");
        let p = partition_for_key(key.as_bytes(), PARTITIONS);
        let leader = h.cluster.leader(TOPIC, p).expect("a leader");
        println!("  {key:<8} -> partition {p} -> broker {leader}");
    }
    send(&mut h, 1);
    h.run_for(Duration::from_millis(30));
    story.tell(&h);

    chapter("3. Correct itself when the map is stale");
    let victim = h.cluster.leader(TOPIC, 0).expect("a leader");
    // Slow the victim down so it dies with requests in flight.
    h.cluster
        .set_response_delay(victim, Duration::from_millis(50));
    send(&mut h, 2);
    h.run_for(Duration::from_millis(10));
    story.tell(&h);
    println!("{:>10}  !! broker {victim} crashes", ms(h.elapsed()));
    let now = h.now();
    h.cluster.crash(victim, now);
    send(&mut h, 3);
    assert!(
        h.run_until_idle(Duration::from_secs(30)),
        "everything is delivered"
    );
    story.tell(&h);

    chapter("4. Nothing lost, nothing twice");
    summarize(&h, &sent);
}

fn chapter(title: &str) {
    println!("\n== {title} ==");
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// Prints the timeline entries not printed yet, one readable line each.
#[derive(Default)]
struct Story {
    told: usize,
    delivered: usize,
}

impl Story {
    fn tell(&mut self, h: &Harness) {
        let timeline = &h.timeline()[self.told..];
        self.told = h.timeline().len();
        let mut deliveries: Vec<(Duration, String)> = Vec::new();
        let flush = |deliveries: &mut Vec<(Duration, String)>| {
            if let Some((t, _)) = deliveries.first() {
                println!(
                    "{:>10}  <- delivered: {}",
                    ms(*t),
                    deliveries
                        .iter()
                        .map(|(_, s)| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                );
                deliveries.clear();
            }
        };
        for (t, x) in timeline {
            let line = match x {
                Happening::Delivery(r) => {
                    self.delivered += 1;
                    let where_ = match &r.result {
                        Ok(d) => format!(
                            "p{}@{}",
                            r.partition.unwrap_or(-1),
                            d.offset.map_or("?".into(), |o| o.to_string())
                        ),
                        Err(e) => format!("FAILED {e}"),
                    };
                    deliveries.push((*t, where_));
                    continue;
                }
                Happening::Connect { addr, accepted, .. } => {
                    if *accepted {
                        format!("-> connect to {addr}")
                    } else {
                        format!("-> connect to {addr}: refused")
                    }
                }
                Happening::Event(e) => match describe(e) {
                    Some(s) => s,
                    None => continue,
                },
            };
            flush(&mut deliveries);
            println!("{:>10}  {line}", ms(*t));
        }
        flush(&mut deliveries);
    }
}

/// One line per event worth telling; `None` for the rest.
fn describe(e: &Event) -> Option<String> {
    Some(match e {
        Event::MetadataRefreshScheduled { reason, .. } => {
            format!("map refresh scheduled: {reason:?}")
        }
        Event::MetadataRequested {
            broker: None,
            topics,
            ..
        } => {
            format!("-> Metadata request ({topics} topics) to a bootstrap server")
        }
        Event::MetadataRequested {
            broker: Some(b),
            topics,
            ..
        } => {
            format!("-> Metadata request ({topics} topics) to broker {b}")
        }
        Event::MetadataUpdated { brokers, topics } => {
            format!("<- the map: {brokers} brokers, {topics} topics")
        }
        Event::LeaderChanged {
            topic,
            partition,
            from,
            to,
            epoch,
            source,
        } => {
            let via = match source {
                LeaderSource::Metadata => "metadata",
                LeaderSource::ProduceHint => "leader hint",
            };
            let name = |b: &Option<i32>| b.map_or("none".to_string(), |b| format!("broker {b}"));
            if from.is_none() {
                format!(
                    "   {topic}/{partition}: leader {} (epoch {epoch})",
                    name(to)
                )
            } else {
                format!(
                    "   {topic}/{partition}: leader {} -> {} (epoch {epoch}, from {via})",
                    name(from),
                    name(to)
                )
            }
        }
        Event::ConnectionReady { broker, addr, .. } => match broker {
            Some(b) => format!("   connected to broker {b} at {addr}, versions agreed"),
            None => format!("   connected to bootstrap server {addr}, versions agreed"),
        },
        Event::ConnectionLost {
            broker,
            reason,
            in_flight,
            ..
        } => format!(
            "!! connection to {} lost ({reason}) with {in_flight} request(s) in flight",
            broker.map_or("bootstrap server".to_string(), |b| format!("broker {b}"))
        ),
        Event::ProducerIdAssigned { producer_id, epoch } => {
            format!("   idempotent producer id {producer_id}, epoch {epoch}")
        }
        Event::ProduceSent {
            broker,
            batches,
            records,
            ..
        } => {
            format!(
                "-> Produce to broker {broker}: {batches} partition batch(es), {records} record(s)"
            )
        }
        Event::BatchRetry {
            topic,
            partition,
            records,
            backoff,
            reason,
            ..
        } => format!(
            "   retry {topic}/{partition} ({records} records) in {}: {reason}",
            ms(*backoff)
        ),
        Event::EpochBumped { epoch, .. } => format!("   epoch bumped to {epoch}"),
        Event::Rebootstrap => "   every broker unreachable: back to the bootstrap servers".into(),
        _ => return None,
    })
}

fn summarize(h: &Harness, sent: &[(RecordId, String, String)]) {
    let reports: BTreeMap<RecordId, _> = h.reports().iter().map(|r| (r.id, r)).collect();
    let mut per_partition: BTreeMap<i32, usize> = BTreeMap::new();
    let mut problems = 0;
    for (id, key, value) in sent {
        let report = reports.get(id).expect("every record has a report");
        let Ok(delivered) = &report.result else {
            problems += 1;
            println!("  {key}: {value} FAILED");
            continue;
        };
        let p = report
            .partition
            .expect("a delivered record has a partition");
        let log = h.cluster.log(TOPIC, p);
        let copies = log
            .iter()
            .filter(|r| r.value.as_deref() == Some(value.as_bytes()))
            .count();
        let at_offset = delivered
            .offset
            .and_then(|o| log.get(o as usize))
            .is_some_and(|r| r.value.as_deref() == Some(value.as_bytes()));
        if copies != 1 || !at_offset || p != partition_for_key(key.as_bytes(), PARTITIONS) {
            problems += 1;
            println!(
                "  {key}: {value} is in partition {p} {copies} time(s), at its offset: {at_offset}"
            );
        }
        *per_partition.entry(p).or_default() += 1;
    }
    for (p, n) in &per_partition {
        let leader = h
            .cluster
            .leader(TOPIC, *p)
            .map_or("none".into(), |b| b.to_string());
        println!("  partition {p}: {n:>3} records, now led by broker {leader}");
    }
    let stats = h.producer.stats();
    println!(
        "{} records sent, {} delivered, {} failed; {} produce requests, {} retries, {} metadata requests.",
        sent.len(),
        stats.records_delivered,
        stats.records_failed,
        stats.produce_requests,
        stats.batch_retries,
        stats.metadata_requests
    );
    if problems == 0 {
        println!(
            "Every record is in its key's partition exactly once, at the offset its report gave."
        );
    } else {
        println!("{problems} record(s) are not where their report says.");
        std::process::exit(1);
    }
}
