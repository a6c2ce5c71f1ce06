//! End-to-end scenarios for every adapter against the real 3-node Apache
//! Kafka cluster of `tests/kafka/cluster.sh`, written once and run for each
//! adapter through the small [`Client`] trait (one test file per adapter in
//! `tests/`).
//!
//! The scenarios need the cluster, so plain `cargo test` skips them. Run:
//! ```sh
//! tests/kafka/cluster.sh up 3
//! KAFKA_BOOTSTRAP=$(tests/kafka/cluster.sh bootstrap) \
//!     cargo test -p kafka-sansio-e2e -- --ignored --test-threads=1
//! ```
//! (`tests/run-all.sh` does all of that.)
#![allow(clippy::disallowed_types, clippy::disallowed_methods)] // the I/O side

#[path = "../../support/kafka_tools.rs"]
pub mod kafka_tools;
#[path = "../../support/loopback.rs"]
mod loopback;

pub mod chaos;
pub mod mio_client;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kafka_sansio::partitioner::partition_for_key;
use kafka_sansio::producer::{
    Acks, Certainty, DeliveryReport, Event, PartitionInfo, ProduceError, ProducerConfig,
    ProducerConfigBuilder, ProducerRecord, RecordId,
};
use kafka_tools::{Killed, assert_exactly_once_in_order, bootstrap, cluster_sh, unique};
use loopback::dead_addresses;

/// One adapter, seen the same way by every scenario.
pub trait Client: Sized {
    /// The adapter's name, for the figures.
    const NAME: &'static str;
    /// Starts a producer with `config`, its events going to `events`.
    fn start(config: ProducerConfig, events: EventLog) -> Self;
    /// Hands the record over, waiting for buffer space; panics if the
    /// producer refuses it.
    fn send(&mut self, record: ProducerRecord) -> RecordId;
    /// Lets `d` pass while the producer does its I/O (an adapter without
    /// threads of its own runs its loop meanwhile).
    fn idle(&mut self, d: Duration);
    /// The producer's map of `topic`.
    fn partitions(&self, topic: &str) -> Option<Vec<PartitionInfo>>;
    /// Waits for every record's report (at most `limit`), closes the
    /// producer and returns the reports.
    fn finish(self, limit: Duration) -> Vec<DeliveryReport>;
}

/// The events of one producer, with when they came (`ProduceSent` left out:
/// there are many and no scenario reads them).
#[derive(Clone, Default)]
pub struct EventLog(Arc<Mutex<Vec<(Instant, Event)>>>);

impl EventLog {
    /// A listener to give an adapter's `on_event`.
    pub fn listener(&self) -> impl FnMut(&Event) + Send + 'static {
        let log = self.0.clone();
        move |event: &Event| {
            if !matches!(event, Event::ProduceSent { .. }) {
                log.lock()
                    .expect("event log")
                    .push((Instant::now(), event.clone()));
            }
        }
    }

    /// The events so far.
    pub fn snapshot(&self) -> Vec<(Instant, Event)> {
        self.0.lock().expect("event log").clone()
    }

    fn print(&self, since: Instant) {
        for (at, e) in self.snapshot() {
            eprintln!("{:>12.3?} {e:?}", at.saturating_duration_since(since));
        }
    }
}

/// Prints a scenario's figure and appends it to `target/e2e-figures.txt`,
/// which `tests/run-all.sh` shows after the suite (the test harness hides
/// a passing test's output).
fn figure<C: Client>(line: String) {
    let line = format!("{:<9} {line}", C::NAME);
    eprintln!("{line}");
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/e2e-figures.txt");
    let appended = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .and_then(|mut f| std::io::Write::write_all(&mut f, format!("{line}\n").as_bytes()));
    if let Err(e) = appended {
        eprintln!("cannot append to {}: {e}", path.display());
    }
}

/// The cluster's producer config: acks=all with idempotence (the defaults).
fn config() -> ProducerConfigBuilder {
    ProducerConfig::builder().bootstrap_servers(bootstrap().split(','))
}

/// A new 6-partition topic with replication factor 3 and
/// min.insync.replicas=2, its leaders elected.
fn replicated_topic(prefix: &str) -> String {
    let topic = unique(prefix);
    cluster_sh(&["create-topic", &topic, "6", "3", "min.insync.replicas=2"]).expect("topic");
    topic
}

/// Record `i` of a run: one of 1,000 keys, a value of varying length and
/// two headers.
fn keyed_record(topic: &str, i: usize) -> ProducerRecord {
    let padding = "x".repeat(i * 7 % 150);
    ProducerRecord::new(topic, format!("value {i} {padding}"))
        .key(format!("key-{}", i % 1000))
        .header("seq", Some(i.to_string().into()))
        .header("origin", Some("kafka-sansio-e2e".into()))
}

/// Every record present exactly once with its content, keyed records in
/// `partition_for_key(key, 6)`, each partition in send order.
fn check_delivery(
    topic: &str,
    sent: &BTreeMap<RecordId, ProducerRecord>,
    reports: &[DeliveryReport],
) {
    let landed = assert_exactly_once_in_order(topic, 6, sent, reports);
    for (id, record) in sent {
        if let Some(key) = &record.key {
            assert_eq!(
                landed[id],
                partition_for_key(key, 6),
                "{id:?}: a keyed record goes to murmur2(key) % 6"
            );
        }
    }
}

/// 100,000 keyed records with headers, acks=all and idempotence, read back
/// with kcat: each exactly once, unchanged, in its key's partition, and in
/// send order per partition.
pub fn keyed_records_exactly_once<C: Client>(records: usize) {
    let topic = replicated_topic("e2e-keyed");
    let config = config().build().expect("config");
    assert!(config.enable_idempotence && config.acks == Acks::All);
    let events = EventLog::default();
    let mut client = C::start(config, events.clone());
    let started = Instant::now();
    let mut sent = BTreeMap::new();
    for i in 0..records {
        let record = keyed_record(&topic, i);
        sent.insert(client.send(record.clone()), record);
    }
    let reports = client.finish(Duration::from_secs(180));
    let took = started.elapsed();
    figure::<C>(format!(
        "{records} keyed records delivered in {took:.2?} ({:.0} records/s, debug build)",
        records as f64 / took.as_secs_f64()
    ));
    check_delivery(&topic, &sent, &reports);
    assert!(
        !events
            .snapshot()
            .iter()
            .any(|(_, e)| matches!(e, Event::Fatal(_))),
        "no fatal error"
    );
}

/// While records stream in, the leader of partition 0 is killed with
/// SIGKILL and later restarted. Every record must still land exactly once
/// and in order, and the producer must have refreshed its map and moved
/// partition 0 to a new leader.
pub fn leader_failover_keeps_every_record_once_in_order<C: Client>() {
    const RATE_PER_MS: usize = 2;
    let topic = replicated_topic("e2e-failover");
    let victim = cluster_sh(&["leader", &topic, "0"]).expect("leader");
    let victim_id: i32 = victim.parse().expect("a node id");
    let config = config().build().expect("config");
    let events = EventLog::default();
    let mut client = C::start(config, events.clone());
    let started = Instant::now();
    let mut sent = BTreeMap::new();
    let mut next = 0;
    let mut stream = |client: &mut C, for_: Duration| {
        let until = Instant::now() + for_;
        while Instant::now() < until {
            for _ in 0..RATE_PER_MS * 10 {
                let record = keyed_record(&topic, next);
                sent.insert(client.send(record.clone()), record);
                next += 1;
            }
            client.idle(Duration::from_millis(10));
        }
    };
    stream(&mut client, Duration::from_secs(3));
    let before = client.partitions(&topic).expect("topic in the map");
    assert_eq!(
        before[0].leader,
        Some(victim_id),
        "the map knows the leader"
    );

    // cluster.sh blocks while it kills and restarts; the producer keeps
    // producing meanwhile on this thread.
    let nemesis = std::thread::spawn(move || {
        let mut killed = Killed::kill(&victim);
        let at = Instant::now();
        std::thread::sleep(Duration::from_secs(6));
        killed.restart();
        at
    });
    while !nemesis.is_finished() {
        stream(&mut client, Duration::from_millis(200));
    }
    let killed_at = nemesis.join().expect("nemesis");
    stream(&mut client, Duration::from_secs(3));
    let reports = client.finish(Duration::from_secs(180));
    let (count, took) = (sent.len(), started.elapsed());
    let killed_after = killed_at - started;
    let moved = events.snapshot().into_iter().find(|(_, e)| {
        matches!(e, Event::LeaderChanged { topic: t, partition: 0, from: Some(from), to: Some(to), .. }
            if **t == *topic && *from == victim_id && *to != victim_id)
    });
    if moved.is_none() {
        events.print(started);
    }
    let (moved_at, moved) = moved.expect("the producer moved partition 0 off the killed leader");
    figure::<C>(format!(
        "failover: {count} records in {took:.1?}, broker {victim_id} killed {killed_after:.1?} in; \
         partition 0 moved to {:?} {:.1?} after the kill",
        match moved {
            Event::LeaderChanged { to, .. } => to,
            _ => None,
        },
        moved_at.saturating_duration_since(killed_at)
    ));
    let refreshed = events
        .snapshot()
        .iter()
        .any(|(at, e)| *at > killed_at && matches!(e, Event::MetadataUpdated { .. }));
    assert!(refreshed, "the producer refreshed its map after the kill");
    if reports.iter().any(|r| r.result.is_err()) {
        events.print(started);
    }
    check_delivery(&topic, &sent, &reports);
}

/// A bootstrap list with a dead address next to a live one works, with
/// every bootstrap order (seeds 0..4 shuffle it both ways).
pub fn a_dead_bootstrap_address_is_skipped<C: Client>() {
    let topic = replicated_topic("e2e-bootstrap");
    let dead = dead_addresses(1).remove(0);
    let live = bootstrap().split(',').next().expect("a broker").to_owned();
    let mut dead_tried = 0;
    for seed in 0..4 {
        let config = ProducerConfig::builder()
            .bootstrap_servers([dead.as_str(), live.as_str()])
            .seed(seed)
            .build()
            .expect("config");
        let events = EventLog::default();
        let mut client = C::start(config, events.clone());
        let mut sent = BTreeMap::new();
        for i in 0..200 {
            let record = keyed_record(&topic, i).partition(seed as i32);
            sent.insert(client.send(record.clone()), record);
        }
        let reports = client.finish(Duration::from_secs(60));
        assert_eq!(
            reports.len(),
            sent.len(),
            "seed {seed}: one report per record"
        );
        for r in &reports {
            assert!(r.result.is_ok(), "seed {seed}: {r:?}");
        }
        dead_tried += events
            .snapshot()
            .iter()
            .filter(|(_, e)| matches!(e, Event::ConnectionLost { addr, .. } if addr.to_string() == dead))
            .count();
    }
    assert!(dead_tried > 0, "some bootstrap order tried {dead} first");
}

/// With only dead addresses, every record fails with a delivery timeout
/// naming the connection error, soon after `delivery.timeout.ms`, and
/// closing does not hang.
pub fn only_dead_bootstrap_addresses_fail_after_the_delivery_timeout<C: Client>() {
    let dead = dead_addresses(2);
    let config = ProducerConfig::builder()
        .bootstrap_servers(&dead)
        .linger(Duration::ZERO)
        .request_timeout(Duration::from_millis(1_000))
        .delivery_timeout(Duration::from_millis(3_000))
        .build()
        .expect("config");
    let events = EventLog::default();
    let started = Instant::now();
    let mut client = C::start(config, events);
    for i in 0..20 {
        client.send(keyed_record("e2e-unreachable", i));
    }
    let reports = client.finish(Duration::from_secs(30));
    let took = started.elapsed();
    assert_eq!(reports.len(), 20, "one report per record");
    for r in &reports {
        let failure = r.result.as_ref().expect_err("nothing can be delivered");
        assert_eq!(failure.certainty, Certainty::NotSent, "{r:?}");
        match &failure.error {
            ProduceError::DeliveryTimeout {
                after_ms: 3_000,
                last_error: Some(e),
            } => assert!(dead.iter().any(|a| e.contains(a)), "names an address: {e}"),
            other => panic!("expected a delivery timeout naming the connection error: {other}"),
        }
    }
    figure::<C>(format!(
        "only dead addresses: failed after {took:.1?}: {}",
        reports[0].result.as_ref().unwrap_err()
    ));
    assert!(
        took >= Duration::from_millis(3_000) && took < Duration::from_secs(10),
        "failed after {took:?}, expected soon after delivery.timeout.ms = 3 s"
    );
}

/// The four scenarios as `#[test]`s for one adapter's [`Client`], ignored
/// unless the cluster is there (`-- --ignored`).
#[macro_export]
macro_rules! scenarios {
    ($client:ty) => {
        #[test]
        #[ignore = "needs a real Kafka cluster: tests/kafka/cluster.sh up 3, then set KAFKA_BOOTSTRAP"]
        fn keyed_records_exactly_once() {
            $crate::keyed_records_exactly_once::<$client>(100_000);
        }

        #[test]
        #[ignore = "needs a real Kafka cluster: tests/kafka/cluster.sh up 3, then set KAFKA_BOOTSTRAP"]
        fn leader_failover_keeps_every_record_once_in_order() {
            $crate::leader_failover_keeps_every_record_once_in_order::<$client>();
        }

        #[test]
        #[ignore = "needs a real Kafka cluster: tests/kafka/cluster.sh up 3, then set KAFKA_BOOTSTRAP"]
        fn a_dead_bootstrap_address_is_skipped() {
            $crate::a_dead_bootstrap_address_is_skipped::<$client>();
        }

        #[test]
        #[ignore = "needs a real Kafka cluster: tests/kafka/cluster.sh up 3, then set KAFKA_BOOTSTRAP"]
        fn only_dead_bootstrap_addresses_fail_after_the_delivery_timeout() {
            $crate::only_dead_bootstrap_addresses_fail_after_the_delivery_timeout::<$client>();
        }
    };
}

/// The async adapter as a [`Client`], on the executor `X`.
pub mod async_client {
    use std::future::Future;
    use std::time::Duration;

    use kafka_sansio::producer::{
        DeliveryReport, PartitionInfo, ProducerConfig, ProducerRecord, RecordId,
    };
    use kafka_sansio_async::{DeliveryFuture, Producer, Runtime};

    use super::{Client, EventLog};

    /// A runtime the test thread can block on.
    pub trait Exec: Sized {
        /// The runtime's name, for the figures.
        const NAME: &'static str;
        /// The adapter's runtime for it.
        type Runtime: Runtime;
        /// A new executor.
        fn new() -> Self;
        /// The adapter's handle to it.
        fn runtime(&self) -> Self::Runtime;
        /// Runs `f` to completion on it.
        fn block_on<F: Future>(&self, f: F) -> F::Output;
    }

    /// Records enqueued (waiting for space as `send` does), their
    /// [`DeliveryFuture`]s awaited at the end.
    pub struct AsyncClient<X: Exec> {
        exec: X,
        producer: Producer<X::Runtime>,
        pending: Vec<DeliveryFuture>,
    }

    impl<X: Exec> Client for AsyncClient<X> {
        const NAME: &'static str = X::NAME;

        fn start(config: ProducerConfig, events: EventLog) -> Self {
            let exec = X::new();
            let producer = Producer::builder(config, exec.runtime())
                .on_event(events.listener())
                .build()
                .expect("producer");
            AsyncClient {
                exec,
                producer,
                pending: Vec::new(),
            }
        }

        fn send(&mut self, record: ProducerRecord) -> RecordId {
            let future = self
                .exec
                .block_on(self.producer.enqueue(record))
                .expect("accepted");
            let id = future.id();
            self.pending.push(future);
            id
        }

        fn idle(&mut self, d: Duration) {
            std::thread::sleep(d);
        }

        fn partitions(&self, topic: &str) -> Option<Vec<PartitionInfo>> {
            self.producer.partitions(topic)
        }

        fn finish(self, limit: Duration) -> Vec<DeliveryReport> {
            let AsyncClient {
                exec,
                producer,
                pending,
            } = self;
            exec.block_on(async move {
                let mut reports = Vec::with_capacity(pending.len());
                for future in pending {
                    reports.push(future.await);
                }
                producer.close(limit).await;
                reports
            })
        }
    }
}
