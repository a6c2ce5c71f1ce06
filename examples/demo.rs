//! The producer's story, told as a timeline.
//!
//! With no argument it runs against a simulated 3-broker cluster on
//! virtual time:
//!
//! 1. it asks a bootstrap broker for the map (brokers, partitions, leaders);
//! 2. it routes keyed records to their partitions' leaders, one request per
//!    broker;
//! 3. a broker crashes with requests in flight; the producer notices,
//!    refreshes the map, finds the new leaders and retries there;
//! 4. every record is in the log exactly once, in order.
//!
//! Given brokers (`cargo run --example demo -- host:port[,host:port] [topic]`)
//! it tells parts 1, 2 and 4 against a real cluster, over a small blocking
//! driver; the topic (default `orders`) must exist.
#![allow(clippy::disallowed_types, clippy::disallowed_methods)] // the real-cluster driver does I/O

#[path = "support/core_driver.rs"]
mod core_driver;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use kafka_sansio::partitioner::partition_for_key;
use kafka_sansio::producer::{
    Event, LeaderSource, Producer, ProducerConfig, ProducerRecord, RecordId,
};
use kafka_sansio::sim::{Cluster, ClusterConfig, Happening, Harness};

const PARTITIONS: i32 = 6;
const USERS: usize = 12;

/// Where the story runs: the simulator or a real cluster.
trait Stage {
    fn send(&mut self, record: ProducerRecord) -> RecordId;
    fn run_for(&mut self, d: Duration);
    fn run_until_idle(&mut self, limit: Duration) -> bool;
    fn timeline(&self) -> &[(Duration, Happening)];
    fn producer(&self) -> &Producer;
}

impl Stage for Harness {
    fn send(&mut self, record: ProducerRecord) -> RecordId {
        Harness::send(self, record).expect("the buffer has room")
    }
    fn run_for(&mut self, d: Duration) {
        Harness::run_for(self, d);
    }
    fn run_until_idle(&mut self, limit: Duration) -> bool {
        Harness::run_until_idle(self, limit)
    }
    fn timeline(&self) -> &[(Duration, Happening)] {
        Harness::timeline(self)
    }
    fn producer(&self) -> &Producer {
        &self.producer
    }
}

impl Stage for core_driver::Driver {
    fn send(&mut self, record: ProducerRecord) -> RecordId {
        core_driver::Driver::send(self, record)
    }
    fn run_for(&mut self, d: Duration) {
        core_driver::Driver::run_for(self, d);
    }
    fn run_until_idle(&mut self, limit: Duration) -> bool {
        core_driver::Driver::run_until_idle(self, limit)
    }
    fn timeline(&self) -> &[(Duration, Happening)] {
        core_driver::Driver::timeline(self)
    }
    fn producer(&self) -> &Producer {
        core_driver::Driver::producer(self)
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    match args.next() {
        None => simulated(),
        Some(bootstrap) => real(&bootstrap, &args.next().unwrap_or_else(|| "orders".into())),
    }
}

fn simulated() {
    let topic = "orders";
    let mut cluster = Cluster::new(ClusterConfig::with_brokers(3));
    cluster.create_topic(topic, PARTITIONS, 3);
    let bootstrap = cluster.broker_address(1);
    let config = ProducerConfig::builder()
        .bootstrap_servers([bootstrap.clone()])
        .seed(2024)
        .build()
        .expect("a valid config");
    let mut h = Harness::new(cluster, config, Instant::now()).expect("a valid config");
    h.set_latency(Duration::from_millis(2));
    let mut story = Story::new(topic);
    println!("A simulated 3-broker cluster; the producer knows one address: {bootstrap}.");

    story.ask_the_way(&mut h);
    story.navigate(&mut h);

    chapter("3. Correct itself when the map is stale");
    let victim = h.cluster.leader(topic, 0).expect("a leader");
    // Slow the victim down so it dies with requests in flight.
    h.cluster
        .set_response_delay(victim, Duration::from_millis(50));
    story.send_round(&mut h);
    h.run_for(Duration::from_millis(10));
    story.tell(&h);
    println!("{:>10}  !! broker {victim} crashes", ms(h.elapsed()));
    let now = h.now();
    h.cluster.crash(victim, now);
    story.send_round(&mut h);
    assert!(
        h.run_until_idle(Duration::from_secs(30)),
        "everything is delivered"
    );
    story.tell(&h);

    chapter("4. Nothing lost, nothing twice");
    let problems = story.check_reports(&h, |p, offset, value| {
        let log = h.cluster.log(topic, p);
        let copies = log
            .iter()
            .filter(|r| r.value.as_deref() == Some(value))
            .count();
        let at = offset.and_then(|o| log.get(o as usize));
        copies == 1 && at.is_some_and(|r| r.value.as_deref() == Some(value))
    });
    finish(
        problems,
        "in its key's partition exactly once, at the offset its report gave",
    );
}

fn real(bootstrap: &str, topic: &str) {
    let config = ProducerConfig::from_properties([
        ("bootstrap.servers", bootstrap),
        ("delivery.timeout.ms", "60000"),
    ])
    .unwrap_or_else(|e| {
        eprintln!("{e}");
        std::process::exit(2)
    });
    println!("A real cluster at {bootstrap}; topic {topic:?}.");
    let mut d = core_driver::Driver::new(config);
    let mut story = Story::new(topic);
    story.ask_the_way(&mut d);
    story.navigate(&mut d);
    assert!(
        d.run_until_idle(Duration::from_secs(60)),
        "every record has its report"
    );
    story.tell(&d);
    chapter("3. Correct itself when the map is stale");
    println!("(Killing brokers is for the simulated run, `cargo run --example demo`,");
    println!(" and tests/real_kafka.rs, which SIGKILLs a leader mid-stream.)");
    chapter("4. Nothing lost, nothing twice");
    // Offsets within a partition must be distinct: one record each.
    let mut seen = BTreeMap::new();
    let problems = story.check_reports(&d, |p, offset, _| {
        offset.is_some_and(|o| seen.insert((p, o), ()).is_none())
    });
    finish(
        problems,
        "in its key's partition, at an offset no other record has",
    );
}

fn finish(problems: usize, claim: &str) {
    if problems == 0 {
        println!("Every record is {claim}.");
    } else {
        println!("{problems} record(s) are not where their report says.");
        std::process::exit(1);
    }
}

fn chapter(title: &str) {
    println!("\n== {title} ==");
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// The records sent, and how much of the timeline has been told.
struct Story {
    topic: String,
    sent: Vec<(RecordId, String, String)>,
    rounds: usize,
    told: usize,
}

impl Story {
    fn new(topic: &str) -> Self {
        Story {
            topic: topic.to_owned(),
            sent: Vec::new(),
            rounds: 0,
            told: 0,
        }
    }

    /// One keyed record per user.
    fn send_round(&mut self, stage: &mut impl Stage) {
        for u in 0..USERS {
            let key = format!("user-{u}");
            let value = format!("order-{}-{u}", self.rounds);
            let id =
                stage.send(ProducerRecord::new(self.topic.clone(), value.clone()).key(key.clone()));
            self.sent.push((id, key, value));
        }
        self.rounds += 1;
    }

    fn ask_the_way(&mut self, stage: &mut impl Stage) {
        chapter("1. Ask the way");
        self.send_round(stage);
        stage.run_until_idle(Duration::from_secs(30));
        self.tell(stage);
    }

    fn navigate(&mut self, stage: &mut impl Stage) {
        chapter("2. Navigate precisely");
        let Some(map) = stage.producer().partitions(&self.topic) else {
            println!("The topic is not in the map: does {:?} exist?", self.topic);
            return;
        };
        let count = map.len() as i32;
        println!("Keyed records go to murmur2(key) % {count}, then to that partition's leader:");
        for u in 0..4 {
            let key = format!("user-{u}");
            let p = partition_for_key(key.as_bytes(), count);
            let leader = map[p as usize]
                .leader
                .map_or("none".into(), |b| format!("broker {b}"));
            println!("  {key:<8} -> partition {p} -> {leader}");
        }
        self.send_round(stage);
        stage.run_for(Duration::from_millis(30));
        self.tell(stage);
    }

    /// Prints the timeline entries not printed yet, one readable line each;
    /// consecutive deliveries share a line.
    fn tell(&mut self, stage: &impl Stage) {
        let timeline = &stage.timeline()[self.told..];
        self.told = stage.timeline().len();
        let mut deliveries: Vec<(Duration, String)> = Vec::new();
        let flush = |deliveries: &mut Vec<(Duration, String)>| {
            if let Some((t, _)) = deliveries.first() {
                let list: Vec<&str> = deliveries.iter().map(|(_, s)| s.as_str()).collect();
                println!("{:>10}  <- delivered: {}", ms(*t), list.join(", "));
                deliveries.clear();
            }
        };
        for (t, x) in timeline {
            let line = match x {
                Happening::Delivery(r) => {
                    let at = match &r.result {
                        Ok(d) => format!(
                            "p{}@{}",
                            r.partition.unwrap_or(-1),
                            d.offset.map_or("?".into(), |o| o.to_string())
                        ),
                        Err(e) => format!("FAILED {e}"),
                    };
                    deliveries.push((*t, at));
                    continue;
                }
                Happening::Connect {
                    addr,
                    accepted: true,
                    ..
                } => format!("-> connect to {addr}"),
                Happening::Connect { addr, .. } => format!("-> connect to {addr}: refused"),
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

    /// Checks each record's report: delivered, to its key's partition, and
    /// `placed(partition, offset, value)`. Prints a per-partition summary
    /// and returns the number of records that fail.
    fn check_reports(
        &self,
        stage: &impl Stage,
        mut placed: impl FnMut(i32, Option<i64>, &[u8]) -> bool,
    ) -> usize {
        let reports: BTreeMap<RecordId, _> = stage
            .timeline()
            .iter()
            .filter_map(|(_, x)| match x {
                Happening::Delivery(r) => Some((r.id, r)),
                _ => None,
            })
            .collect();
        let count = stage
            .producer()
            .partitions(&self.topic)
            .map_or(PARTITIONS, |m| m.len() as i32);
        let mut per_partition: BTreeMap<i32, usize> = BTreeMap::new();
        let mut problems = 0;
        for (id, key, value) in &self.sent {
            let Some(report) = reports.get(id) else {
                problems += 1;
                println!("  {key}: {value} has no report");
                continue;
            };
            let (Ok(delivered), Some(p)) = (&report.result, report.partition) else {
                problems += 1;
                println!("  {key}: {value} failed: {:?}", report.result);
                continue;
            };
            if p != partition_for_key(key.as_bytes(), count)
                || !placed(p, delivered.offset, value.as_bytes())
            {
                problems += 1;
                println!("  {key}: {value} is not where its report says (partition {p})");
            }
            *per_partition.entry(p).or_default() += 1;
        }
        let map = stage.producer().partitions(&self.topic).unwrap_or_default();
        for (p, n) in &per_partition {
            let leader = map
                .get(*p as usize)
                .and_then(|i| i.leader)
                .map_or("none".into(), |b| b.to_string());
            println!("  partition {p}: {n:>3} records, now led by broker {leader}");
        }
        let stats = stage.producer().stats();
        println!(
            "{} records sent, {} delivered, {} failed; {} produce requests, {} retries, {} metadata requests.",
            self.sent.len(),
            stats.records_delivered,
            stats.records_failed,
            stats.produce_requests,
            stats.batch_retries,
            stats.metadata_requests
        );
        problems
    }
}

/// One line per event worth telling; `None` for the rest.
fn describe(e: &Event) -> Option<String> {
    let broker =
        |b: &Option<i32>| b.map_or("bootstrap server".to_string(), |b| format!("broker {b}"));
    Some(match e {
        Event::MetadataRefreshScheduled { reason, .. } => {
            format!("map refresh scheduled: {reason:?}")
        }
        Event::MetadataRequested {
            broker: b, topics, ..
        } => {
            format!("-> Metadata request ({topics} topics) to {}", broker(b))
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
        Event::ConnectionReady {
            broker: b, addr, ..
        } => {
            format!("   connected to {} at {addr}, versions agreed", broker(b))
        }
        Event::ConnectionLost {
            broker: b,
            reason,
            in_flight,
            ..
        } => format!(
            "!! connection to {} lost ({reason}) with {in_flight} request(s) in flight",
            broker(b)
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
