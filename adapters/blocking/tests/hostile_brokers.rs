//! Hostile and broken brokers: one broker of three mangles its answers
//! (garbage, truncated frames, absurd size prefixes, a wrong correlation
//! id, another API's or version's answer, silence, a trickle), or a
//! bootstrap server does. Each time the producer must close that
//! connection with a reason that says what was wrong, retry or fail the
//! affected records with the right certainty, keep its memory bounded,
//! not panic, and deliver everything routed to the healthy brokers.

mod support;

use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use kafka_sansio::protocol::ApiKey;
use kafka_sansio_blocking::{Certainty, DeliveryReport, Producer, ProducerRecord};
use support::loopback::{Hostile, Hostility, LoopbackCluster, Style};
use support::{Events, losses, recording};

/// The global allocator, keeping the size of the largest single
/// allocation this test binary made: a decoder that trusted a size prefix
/// would show here. Allocations of a panicking thread are left out: a
/// failing test's backtrace takes megabytes, and would fail every test
/// after it.
struct Largest;

fn note_size(size: usize) {
    if !std::thread::panicking() {
        LARGEST.fetch_max(size, Ordering::Relaxed);
    }
}

static LARGEST: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is passed unchanged to `System`.
unsafe impl GlobalAlloc for Largest {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note_size(layout.size());
        // SAFETY: the caller's contract is `System`'s.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's contract is `System`'s.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note_size(layout.size());
        // SAFETY: the caller's contract is `System`'s.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note_size(new_size);
        // SAFETY: the caller's contract is `System`'s.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Largest = Largest;

/// More than any test here needs at once (the read buffers are 64 KiB),
/// far less than the size prefixes the hostile brokers announce.
const ALLOCATION_BOUND: usize = 1 << 20;

const TOPIC: &str = "hostile";
const PARTITIONS: i32 = 3;
const BROKERS: u32 = 3;
/// Records sent to each partition.
const PER_PARTITION: usize = 20;
/// The broker that mangles its answers.
const HOSTILE: i32 = 1;

/// Three brokers; broker [`HOSTILE`] mangles its answers to `api` by `act`.
fn cluster(api: ApiKey, act: Hostility) -> LoopbackCluster {
    let hostile = Hostile {
        broker: HOSTILE,
        api,
        act,
    };
    LoopbackCluster::with_hostile(BROKERS, &[(TOPIC, PARTITIONS)], hostile)
}

/// What the producer did against a cluster with one hostile broker.
struct Outcome {
    /// The reports, by partition, in send order.
    reports: BTreeMap<i32, Vec<DeliveryReport>>,
    /// Connections lost to the hostile broker, and why.
    hostile_losses: Vec<String>,
    /// Connections lost to the healthy brokers, and why.
    healthy_losses: Vec<String>,
    /// The partitions the hostile broker led at the start.
    hostile_partitions: Vec<i32>,
}

impl Outcome {
    fn print(&self) {
        println!("lost to the hostile broker: {:?}", self.hostile_losses);
        for (partition, reports) in &self.reports {
            let failed: Vec<String> = reports
                .iter()
                .filter_map(|r| r.result.as_ref().err().map(ToString::to_string))
                .collect();
            println!(
                "partition {partition}: {} delivered, {} failed, first failure: {:?}",
                reports.len() - failed.len(),
                failed.len(),
                failed.first()
            );
        }
    }

    fn healthy_partitions(&self) -> impl Iterator<Item = i32> + '_ {
        (0..PARTITIONS).filter(|p| !self.hostile_partitions.contains(p))
    }
}

/// Sends [`PER_PARTITION`] records to each partition of [`TOPIC`] and
/// waits for every report. With `move_away`, once the producer has lost a
/// connection to the hostile broker, the leadership of its partitions
/// moves to a healthy broker.
fn produce(cluster: &LoopbackCluster, extra: &[(&str, &str)], move_away: bool) -> Outcome {
    let hostile_partitions: Vec<i32> = (0..PARTITIONS)
        .filter(|&p| cluster.leader(TOPIC, p) == Some(HOSTILE))
        .collect();
    assert!(!hostile_partitions.is_empty(), "the hostile broker leads");
    let (producer, events) = recording(&cluster.bootstrap(), extra);
    let receipts: Vec<_> = (0..PER_PARTITION)
        .flat_map(|i| (0..PARTITIONS).map(move |p| (i, p)))
        .map(|(i, p)| {
            let record = ProducerRecord::new(TOPIC, format!("p{p}-{i}")).partition(p);
            (p, producer.send(record).expect("accepted"))
        })
        .collect();
    if move_away {
        wait_for_hostile_loss(cluster, &events);
        let healthy = HOSTILE % BROKERS as i32 + 1;
        for &p in &hostile_partitions {
            assert!(cluster.move_leader(TOPIC, p, healthy));
        }
    }
    let mut reports: BTreeMap<i32, Vec<DeliveryReport>> = BTreeMap::new();
    for (p, receipt) in receipts {
        reports.entry(p).or_default().push(receipt.wait());
    }
    producer.close(Duration::from_secs(5));
    let hostile_addr = cluster.address(index_of(HOSTILE));
    let (hostile_losses, healthy_losses) = losses(&events)
        .into_iter()
        .partition::<Vec<_>, _>(|(addr, _)| addr.to_string() == hostile_addr);
    let outcome = Outcome {
        reports,
        hostile_losses: hostile_losses.into_iter().map(|(_, r)| r).collect(),
        healthy_losses: healthy_losses.into_iter().map(|(_, r)| r).collect(),
        hostile_partitions,
    };
    outcome.print();
    outcome
}

/// The index of broker `id` among the cluster's addresses (ids count
/// from 1).
fn index_of(id: i32) -> usize {
    usize::try_from(id - 1).expect("ids count from 1")
}

/// Waits (a bounded while) until the producer has lost a connection to
/// the hostile broker.
fn wait_for_hostile_loss(cluster: &LoopbackCluster, events: &Events) {
    let hostile_addr = cluster.address(index_of(HOSTILE));
    let give_up = Instant::now() + Duration::from_secs(10);
    while !losses(events)
        .iter()
        .any(|(addr, _)| addr.to_string() == hostile_addr)
    {
        assert!(
            Instant::now() < give_up,
            "no connection to the hostile broker was lost"
        );
        thread::sleep(Duration::from_millis(5));
    }
}

/// Every record routed to a healthy broker was delivered, in send order
/// at consecutive offsets, and is in the log once; no connection to a
/// healthy broker was lost.
fn assert_healthy_unaffected(cluster: &LoopbackCluster, outcome: &Outcome) {
    for p in outcome.healthy_partitions() {
        let offsets: Vec<i64> = outcome.reports[&p]
            .iter()
            .map(|r| {
                let delivered = r.result.as_ref().expect("a healthy partition delivers");
                delivered.offset.expect("acks=all")
            })
            .collect();
        let expected: Vec<i64> = (0..PER_PARTITION as i64).collect();
        assert_eq!(offsets, expected, "partition {p}: in order, consecutive");
        assert_eq!(
            values(cluster, p),
            sent_values(p),
            "partition {p}: each record once"
        );
    }
    assert!(
        outcome.healthy_losses.is_empty(),
        "healthy connections lost: {:?}",
        outcome.healthy_losses
    );
}

/// The values in partition `p`'s log, in offset order.
fn values(cluster: &LoopbackCluster, p: i32) -> Vec<String> {
    cluster
        .log(TOPIC, p)
        .into_iter()
        .map(|r| String::from_utf8(r.value.expect("a value").to_vec()).expect("UTF-8"))
        .collect()
}

/// The values sent to partition `p`, in order.
fn sent_values(p: i32) -> Vec<String> {
    (0..PER_PARTITION).map(|i| format!("p{p}-{i}")).collect()
}

/// Every connection lost to the hostile broker was lost for a reason
/// containing `why`, and at least one was.
fn assert_closed_because(outcome: &Outcome, why: &str) {
    assert!(
        !outcome.hostile_losses.is_empty(),
        "the hostile connection was closed"
    );
    for reason in &outcome.hostile_losses {
        assert!(reason.contains(why), "{reason:?} does not say {why:?}");
    }
}

/// Every record of the hostile broker's partitions failed with a reason
/// containing `why`. The first record's batch was written and never
/// properly answered: possibly written. When the records went out in more
/// than one batch (the topic's metadata came while they were being sent),
/// a later batch waits behind the first, which is retried while one
/// request is in flight, and may never be written: not sent, its reason
/// the hostile connection's loss.
fn assert_hostile_records_failed(outcome: &Outcome, why: &str) {
    for p in &outcome.hostile_partitions {
        for (i, report) in outcome.reports[p].iter().enumerate() {
            let failure = report
                .result
                .as_ref()
                .expect_err("the hostile broker fails it");
            if i == 0 {
                assert_eq!(failure.certainty, Certainty::PossiblySent, "{failure}");
            }
            let text = failure.to_string();
            assert!(text.contains(why), "{text:?} does not say {why:?}");
        }
    }
}

/// Every record of the hostile broker's partitions was delivered after
/// the leader moved, in send order, once.
fn assert_hostile_records_delivered(cluster: &LoopbackCluster, outcome: &Outcome) {
    for &p in &outcome.hostile_partitions {
        for report in &outcome.reports[&p] {
            assert!(report.result.is_ok(), "{report:?}");
        }
        assert_eq!(
            values(cluster, p),
            sent_values(p),
            "partition {p}: each record once"
        );
    }
}

/// A hostile Produce answer: the records of the hostile broker's
/// partitions fail with `why`, the others are delivered; then, with the
/// leadership moved away once the hostile broker misbehaved, everything
/// is delivered once.
///
/// One request in flight per connection: the hostile answer is the only
/// one the connection waits for, so it alone decides why the connection is
/// lost. When the records went out in more than one request (the topic's
/// metadata came while they were being sent, as on a loaded machine), a
/// second request in flight made the reason depend on timing: its write
/// failing on the closed socket ("broken pipe"), or its 16 bytes read
/// as more of the first answer's 50 MiB body.
fn hostile_produce_answers(act: Hostility, why: &str) {
    const ONE_IN_FLIGHT: (&str, &str) = ("max.in.flight.requests.per.connection", "1");
    let cluster = cluster(ApiKey::PRODUCE, act);
    let outcome = produce(&cluster, &[ONE_IN_FLIGHT], false);
    assert_closed_because(&outcome, why);
    assert_hostile_records_failed(&outcome, why);
    assert_healthy_unaffected(&cluster, &outcome);

    let cluster = self::cluster(ApiKey::PRODUCE, act);
    let extra = [ONE_IN_FLIGHT, ("delivery.timeout.ms", "10000")];
    let outcome = produce(&cluster, &extra, true);
    assert_closed_because(&outcome, why);
    assert_hostile_records_delivered(&cluster, &outcome);
    assert_healthy_unaffected(&cluster, &outcome);
    assert_memory_bounded();
}

/// No allocation so far (in any test of this binary) came near what a
/// hostile size prefix announces.
fn assert_memory_bounded() {
    let largest = LARGEST.load(Ordering::Relaxed);
    println!("largest allocation: {largest} bytes");
    assert!(
        largest < ALLOCATION_BOUND,
        "{largest} bytes allocated at once"
    );
}

#[test]
fn garbage_in_place_of_a_produce_answer() {
    hostile_produce_answers(Hostility::Garbage, "\"HTTP\"");
}

#[test]
fn a_truncated_produce_answer() {
    hostile_produce_answers(Hostility::Truncated, "mid-response");
}

#[test]
fn a_two_gib_size_prefix_allocates_nothing() {
    hostile_produce_answers(Hostility::SizePrefix(i32::MAX), "2147483647 bytes exceeds");
}

#[test]
fn a_negative_size_prefix() {
    hostile_produce_answers(Hostility::SizePrefix(-2), "negative frame size -2");
}

#[test]
fn a_size_prefix_under_the_cap_with_no_body_allocates_only_what_arrived() {
    // 50 MiB announced (under the 100 MiB cap), 16 bytes sent.
    hostile_produce_answers(Hostility::SizePrefix(50 << 20), "16 of the 52428804 bytes");
}

#[test]
fn a_produce_answer_with_a_wrong_correlation_id() {
    hostile_produce_answers(Hostility::WrongCorrelationId, "correlation id");
}

#[test]
fn a_metadata_answer_in_place_of_a_produce_answer() {
    hostile_produce_answers(Hostility::OtherApi, "malformed Produce");
}

#[test]
fn a_produce_answer_in_another_version() {
    hostile_produce_answers(Hostility::OtherVersion, "malformed Produce");
}

#[test]
fn a_broker_that_never_answers_produce_requests() {
    hostile_produce_answers(Hostility::Silence, "no answer within request.timeout.ms");
}

#[test]
fn a_produce_answer_trickling_slower_than_the_request_timeout() {
    // request.timeout.ms is 1 s.
    hostile_produce_answers(Hostility::Trickle(Duration::from_secs(3)), "timed out");
}

#[test]
fn a_produce_answer_trickling_within_the_request_timeout_succeeds() {
    let cluster = cluster(
        ApiKey::PRODUCE,
        Hostility::Trickle(Duration::from_millis(200)),
    );
    // One request at a time, each answered within its timeout even when
    // waiting behind another's trickle.
    let extra = [
        ("request.timeout.ms", "3000"),
        ("delivery.timeout.ms", "20000"),
        ("linger.ms", "50"),
    ];
    let outcome = produce(&cluster, &extra, false);
    assert!(
        outcome.hostile_losses.is_empty(),
        "{:?}",
        outcome.hostile_losses
    );
    assert_hostile_records_delivered(&cluster, &outcome);
    assert_healthy_unaffected(&cluster, &outcome);
}

/// A producer whose bootstrap servers are a server answering `api` the
/// `act` way and a healthy broker, in both orders (the producer shuffles
/// them with its seed, so one order puts the hostile one first): the
/// record is delivered, the hostile server was tried, and every
/// connection lost was to it, for a reason containing `why`.
fn hostile_bootstrap_server(api: ApiKey, act: Hostility, why: &str) {
    let hostile = hostile_server(api, act);
    for hostile_first in [true, false] {
        let healthy = LoopbackCluster::start(1, &[(TOPIC, 1)], Style::Plain);
        let servers = if hostile_first {
            format!("{},{}", hostile.bootstrap(), healthy.bootstrap())
        } else {
            format!("{},{}", healthy.bootstrap(), hostile.bootstrap())
        };
        let (producer, events) = recording(&servers, &[("delivery.timeout.ms", "10000")]);
        let report = producer
            .send(ProducerRecord::new(TOPIC, "x"))
            .unwrap()
            .wait();
        assert!(report.result.is_ok(), "{report:?}");
        producer.close(Duration::from_secs(5));
        let lost = losses(&events);
        println!("{lost:?}");
        for (addr, reason) in lost {
            assert_eq!(addr.to_string(), hostile.bootstrap(), "{reason}");
            assert!(reason.contains(why), "{reason:?} does not say {why:?}");
        }
    }
    assert!(hostile.connections().0 > 0, "the hostile server was tried");
    assert_memory_bounded();
}

/// A bootstrap server that answers `api` the `act` way.
fn hostile_server(api: ApiKey, act: Hostility) -> LoopbackCluster {
    let hostile = Hostile {
        broker: 1,
        api,
        act,
    };
    LoopbackCluster::with_hostile(1, &[(TOPIC, 1)], hostile)
}

#[test]
fn garbage_in_answer_to_api_versions_moves_to_another_bootstrap_server() {
    hostile_bootstrap_server(ApiKey::API_VERSIONS, Hostility::Garbage, "\"HTTP\"");
}

#[test]
fn a_truncated_metadata_answer_moves_to_another_bootstrap_server() {
    hostile_bootstrap_server(ApiKey::METADATA, Hostility::Truncated, "mid-response");
}

#[test]
fn another_api_in_answer_to_metadata_moves_to_another_bootstrap_server() {
    hostile_bootstrap_server(ApiKey::METADATA, Hostility::OtherApi, "Metadata");
}

#[test]
fn a_silent_answer_to_api_versions_moves_to_another_bootstrap_server() {
    hostile_bootstrap_server(ApiKey::API_VERSIONS, Hostility::Silence, "timed out");
}

#[test]
fn records_fail_not_sent_when_the_only_bootstrap_server_answers_garbage() {
    let hostile = hostile_server(ApiKey::API_VERSIONS, Hostility::Garbage);
    let (producer, events) = recording(&hostile.bootstrap(), &[]);
    let report = producer
        .send(ProducerRecord::new(TOPIC, "x"))
        .unwrap()
        .wait();
    let failure = report.result.expect_err("no usable broker");
    println!("{failure}");
    assert_eq!(failure.certainty, Certainty::NotSent);
    assert!(failure.to_string().contains("\"HTTP\""), "{failure}");
    let lost = losses(&events);
    assert!(!lost.is_empty());
    assert!(
        lost.iter().all(|(_, reason)| reason.contains("\"HTTP\"")),
        "{lost:?}"
    );
    drop::<Producer>(producer);
}

#[test]
fn garbage_in_answer_to_init_producer_id_does_not_wedge_the_producer() {
    // The seed picks the broker asked for the producer id; over a few
    // seeds the hostile one is asked. A garbage answer only sends the
    // producer to ask again, maybe elsewhere, and every record arrives.
    let mut asked_the_hostile_broker = false;
    for seed in ["0", "1", "2", "3"] {
        let cluster = cluster(ApiKey::INIT_PRODUCER_ID, Hostility::Garbage);
        let extra = [
            ("delivery.timeout.ms", "10000"),
            ("kafka-sansio.seed", seed),
        ];
        let outcome = produce(&cluster, &extra, false);
        for reason in &outcome.hostile_losses {
            assert!(reason.contains("malformed response frame"), "{reason:?}");
            asked_the_hostile_broker = true;
        }
        assert_hostile_records_delivered(&cluster, &outcome);
        assert_healthy_unaffected(&cluster, &outcome);
    }
    assert!(asked_the_hostile_broker);
}
