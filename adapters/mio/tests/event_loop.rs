//! The adapter in a real mio loop, against loopback peers: a simulated
//! cluster served over TCP, listeners that say nothing or hang up, and
//! ports where nothing listens. No broker needed.
// The peers run on threads, and the tests wait for them.
#![allow(clippy::disallowed_methods)]

#[path = "../../../tests/support/loopback.rs"]
mod loopback;
mod support;

use std::net::TcpStream as StdStream;
use std::time::{Duration, Instant};

use kafka_sansio_mio::mio::net::TcpListener;
use kafka_sansio_mio::mio::{Interest, Token};
use kafka_sansio_mio::{
    DeliveryReport, Error, Event, MioProducer, ProduceError, ProducerRecord, SendErrorReason,
    TokenRange,
};
use loopback::{LoopbackCluster, Style, dead_address, distinct_values, listener, quick_config};
use support::{Looper, PRODUCER_TOKENS};

fn keyed(topic: &str, i: usize) -> ProducerRecord {
    ProducerRecord::new(topic, format!("value-{i}"))
        .key(format!("key-{}", i % 37))
        .header("seq", Some(i.to_string().into()))
}

/// The record failed at `delivery.timeout.ms` (1500 in `quick_config`).
/// The core names a topic it never got metadata for, even when no broker
/// answered at all, so that counts as the delivery timeout too.
/// The record timed out; returns the last error the report names.
fn assert_timed_out(report: &DeliveryReport) -> Option<String> {
    let failure = report.result.as_ref().expect_err("failed");
    match &failure.error {
        ProduceError::DeliveryTimeout {
            after_ms: 1500,
            last_error,
        } => last_error.clone(),
        _ => panic!("{failure}"),
    }
}

fn delivered(looper: &Looper) -> usize {
    looper.reports.iter().filter(|r| r.result.is_ok()).count()
}

fn lost_reasons(looper: &Looper) -> Vec<String> {
    looper
        .events()
        .into_iter()
        .filter_map(|e| match e {
            Event::ConnectionLost { reason, .. } => Some(reason),
            _ => None,
        })
        .collect()
}

/// Polls for a while and returns the producer tokens that had events.
fn producer_events_after(looper: &mut Looper, d: Duration) -> Vec<Token> {
    let mut events = kafka_sansio_mio::mio::Events::with_capacity(16);
    let until = Instant::now() + d;
    let mut tokens = Vec::new();
    while Instant::now() < until {
        looper
            .poll
            .poll(&mut events, Some(Duration::from_millis(20)))
            .expect("poll");
        tokens.extend(
            events
                .iter()
                .map(|e| e.token())
                .filter(|t| PRODUCER_TOKENS.contains(*t)),
        );
    }
    tokens
}

#[test]
fn keyed_records_with_headers_reach_a_loopback_cluster_and_close_cleanly() {
    let cluster = LoopbackCluster::start(3, &[("orders", 6)], Style::Plain);
    let mut looper = Looper::new(quick_config(&cluster.bootstrap(), &[("linger.ms", "5")]));
    let n = 2_000;
    for i in 0..n {
        looper.send(keyed("orders", i));
    }
    let mark = looper.producer.flush();
    assert!(!looper.producer.is_flushed(mark));
    assert!(looper.run_until(Duration::from_secs(20), |l| l.producer.is_flushed(mark)));
    assert!(looper.run_until(Duration::from_secs(1), |l| l.reports.len() == n));
    assert_eq!(delivered(&looper), n, "{:?}", looper.reports.first());
    let stats = looper.producer.stats();
    assert_eq!(stats.records_delivered, n as u64);
    assert_eq!(looper.producer.buffered_records(), 0);
    assert_eq!(
        looper.producer.partitions("orders").map(|p| p.len()),
        Some(6)
    );

    // Every record is in the log it was reported in, with its headers.
    let mut stored = 0;
    for report in &looper.reports {
        let partition = report.partition.expect("partition");
        let offset = report.result.as_ref().unwrap().offset.expect("offset");
        let log = cluster.log("orders", partition);
        let record = log.iter().find(|r| r.offset == offset).expect("in the log");
        let i = report.id.0 as usize;
        assert_eq!(
            record.value.as_deref(),
            Some(format!("value-{i}").as_bytes())
        );
        assert_eq!(record.headers.len(), 1);
        stored += 1;
    }
    assert_eq!(stored, n);
    assert!(
        looper
            .events()
            .iter()
            .any(|e| matches!(e, Event::ConnectionReady { .. })),
        "the listener saw the connections"
    );

    looper.producer.close(Duration::from_secs(5));
    assert!(looper.run_until(Duration::from_secs(6), |l| l.producer.is_closed()));
    assert!(looper.events().contains(&Event::Closed));
    assert!(looper.send_refused());
    // Every socket is closed (the brokers see EOF) and none is still
    // registered.
    let until = Instant::now() + Duration::from_secs(5);
    while cluster.connections().0 != cluster.connections().1 && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(10));
    }
    let (accepted, closed) = cluster.connections();
    assert!(accepted >= 2, "a bootstrap and broker connections");
    assert_eq!(accepted, closed, "every connection was closed");
    assert_eq!(
        producer_events_after(&mut looper, Duration::from_millis(200)),
        []
    );
}

trait Refused {
    fn send_refused(&mut self) -> bool;
}

impl Refused for Looper {
    fn send_refused(&mut self) -> bool {
        let err = self.producer.send(keyed("orders", 0)).expect_err("closed");
        err.reason == SendErrorReason::Closed
    }
}

#[test]
fn responses_arriving_one_byte_at_a_time_are_understood() {
    let cluster = LoopbackCluster::start(1, &[("drip", 1)], Style::Dribble);
    let mut looper = Looper::new(quick_config(
        &cluster.bootstrap(),
        &[
            ("delivery.timeout.ms", "20000"),
            ("request.timeout.ms", "10000"),
        ],
    ));
    for i in 0..20 {
        looper.send(keyed("drip", i));
    }
    assert!(looper.run_until(Duration::from_secs(25), |l| l.reports.len() == 20));
    assert_eq!(delivered(&looper), 20, "{:?}", looper.reports[0]);
    assert!(
        looper
            .events()
            .iter()
            .any(|e| matches!(e, Event::ConnectionReady { broker: None, .. })),
        "ApiVersions, read byte by byte, made the bootstrap connection ready"
    );
    assert_eq!(cluster.log("drip", 0).len(), 20);
}

#[test]
fn a_large_request_to_a_slow_reader_arrives_whole() {
    let cluster = LoopbackCluster::start(1, &[("big", 1)], Style::SlowReader);
    let config = quick_config(
        &cluster.bootstrap(),
        &[
            ("batch.size", "4194304"),
            ("max.request.size", "8388608"),
            ("delivery.timeout.ms", "20000"),
            ("request.timeout.ms", "15000"),
        ],
    );
    let mut looper = Looper::new(config);
    let values = distinct_values(12, 256 * 1024);
    for value in &values {
        looper.send(ProducerRecord::new("big", value.clone()).partition(0));
    }
    assert!(looper.run_until(Duration::from_secs(25), |l| l.reports.len() == values.len()));
    assert_eq!(delivered(&looper), values.len(), "{:?}", looper.reports[0]);
    assert!(
        cluster.holds_values("big", 0, &values),
        "values arrived whole and in order"
    );
}

#[test]
fn nothing_listening_fails_records_at_the_delivery_timeout() {
    let addr = dead_address();
    let mut looper = Looper::new(quick_config(&addr, &[]));
    let start = Instant::now();
    for i in 0..3 {
        looper.send(keyed("nowhere", i));
    }
    assert!(looper.run_until(Duration::from_secs(6), |l| l.reports.len() == 3));
    let took = start.elapsed();
    assert!(
        took >= Duration::from_millis(1400) && took < Duration::from_secs(4),
        "{took:?}"
    );
    let prefix = format!("{addr}: cannot connect: ");
    for report in &looper.reports {
        let last = assert_timed_out(report).expect("a last error");
        assert!(last.starts_with(&prefix), "{last}");
    }
}

#[test]
fn a_silent_broker_fails_records_and_loses_the_connection() {
    let silent = listener(false);
    let mut looper = Looper::new(quick_config(&silent.bootstrap(), &[]));
    looper.send(keyed("quiet", 0));
    assert!(looper.run_until(Duration::from_secs(5), |l| l.reports.len() == 1));
    assert_timed_out(&looper.reports[0]);
    assert!(silent.connections().0 >= 1, "it connected");
    assert!(!lost_reasons(&looper).is_empty(), "the request timed out");
}

#[test]
fn a_broker_that_hangs_up_at_once_is_a_lost_connection() {
    let hangs_up = listener(true);
    let mut looper = Looper::new(quick_config(&hangs_up.bootstrap(), &[]));
    looper.send(keyed("hangup", 0));
    assert!(looper.run_until(Duration::from_secs(5), |l| l.reports.len() == 1));
    assert!(looper.reports[0].result.is_err());
    assert!(
        hangs_up.connections().0 >= 2,
        "it reconnected after each loss"
    );
    let reasons = lost_reasons(&looper);
    assert!(
        reasons
            .iter()
            .any(|r| r == "connection closed by the peer" || r.starts_with("read: ")),
        "{reasons:?}"
    );
}

#[test]
fn a_full_buffer_hands_the_record_back_until_reports_free_space() {
    let mut looper = Looper::new(quick_config(&dead_address(), &[("buffer.memory", "4096")]));
    let record = |i: usize| ProducerRecord::new("full", vec![i as u8; 1000]);
    let mut accepted = 0;
    let refused = loop {
        match looper.producer.send(record(accepted)) {
            Ok(_) => accepted += 1,
            Err(e) => break e,
        }
        assert!(accepted < 10, "buffer.memory must bite");
    };
    assert!(accepted >= 1);
    assert!(
        matches!(
            refused.reason,
            SendErrorReason::BufferFull { limit: 4096, .. }
        ),
        "{refused}"
    );
    assert_eq!(*refused.record, record(accepted), "the record comes back");
    assert!(looper.run_until(Duration::from_secs(5), |l| l.reports.len() == accepted));
    looper
        .producer
        .send(refused.into_record())
        .expect("room again");
}

#[test]
fn close_with_records_outstanding_reports_them_and_releases_every_socket() {
    let silent = listener(false);
    let mut looper = Looper::new(quick_config(
        &silent.bootstrap(),
        &[
            ("delivery.timeout.ms", "30000"),
            ("request.timeout.ms", "20000"),
        ],
    ));
    for i in 0..5 {
        looper.send(keyed("stuck", i));
    }
    assert!(looper.run_until(Duration::from_secs(2), |_| silent.connections().0 == 1));
    looper.producer.close(Duration::from_millis(300));
    assert!(looper.run_until(Duration::from_secs(3), |l| l.producer.is_closed()));
    assert_eq!(looper.reports.len(), 5);
    for report in &looper.reports {
        let failure = report.result.as_ref().expect_err("failed");
        assert_eq!(failure.error, ProduceError::Closed);
    }
    assert!(looper.run_until(Duration::from_secs(2), |_| silent.connections().1 == 1));
    assert_eq!(
        producer_events_after(&mut looper, Duration::from_millis(200)),
        []
    );
}

#[test]
fn dropping_the_producer_closes_its_sockets() {
    let silent = listener(false);
    let mut looper = Looper::new(quick_config(&silent.bootstrap(), &[]));
    looper.send(keyed("dropped", 0));
    assert!(looper.run_until(Duration::from_secs(2), |_| silent.connections().0 == 1));
    // Swap in an idle producer, dropping the busy one.
    let placeholder = MioProducer::new(
        quick_config("127.0.0.1:1", &[]),
        looper.poll.registry(),
        TokenRange::new(Token(500), 1),
    )
    .expect("producer");
    drop(std::mem::replace(&mut looper.producer, placeholder));
    let until = Instant::now() + Duration::from_secs(2);
    while silent.connections().1 == 0 && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(silent.connections().1, 1, "the peer saw the socket close");
    assert_eq!(
        producer_events_after(&mut looper, Duration::from_millis(200)),
        []
    );
}

#[test]
fn events_for_the_loops_own_tokens_are_not_claimed() {
    let mut looper = Looper::new(quick_config(&dead_address(), &[]));
    let mine = Token(1);
    let mut own = TcpListener::bind("127.0.0.1:0".parse().unwrap()).expect("bind");
    looper
        .poll
        .registry()
        .register(&mut own, mine, Interest::READABLE)
        .expect("register");
    assert!(!looper.producer.owns(mine));
    assert!(looper.producer.owns(Token(100)) && looper.producer.owns(Token(115)));
    assert!(!looper.producer.owns(Token(116)));
    looper.send(keyed("mixed", 0));
    let _client = StdStream::connect(own.local_addr().unwrap()).expect("connect");
    let mut foreign = Vec::new();
    let until = Instant::now() + Duration::from_secs(2);
    while foreign.is_empty() && Instant::now() < until {
        foreign = looper.turn(Duration::from_millis(50));
    }
    assert_eq!(foreign, [mine], "the loop got its own event back");
    assert!(own.accept().is_ok(), "the producer left the listener alone");
}

#[test]
fn every_token_in_use_is_a_failed_connect_with_the_reason() {
    let cluster = LoopbackCluster::start(1, &[("one", 1)], Style::Plain);
    let tokens = TokenRange::new(Token(100), 1);
    let mut looper = Looper::with_tokens(quick_config(&cluster.bootstrap(), &[]), tokens);
    looper.send(keyed("one", 0));
    assert!(looper.run_until(Duration::from_secs(5), |l| {
        lost_reasons(l)
            .iter()
            .any(|r| r.contains("no free mio token"))
    }));
    let reasons = lost_reasons(&looper);
    let reason = reasons
        .iter()
        .find(|r| r.contains("no free mio token"))
        .unwrap();
    assert!(reason.contains("Token(100)..Token(101)"), "{reason}");
}

#[test]
fn building_refuses_an_empty_token_range_and_a_bad_config() {
    let poll = kafka_sansio_mio::mio::Poll::new().unwrap();
    let config = quick_config("127.0.0.1:9092", &[]);
    let empty = TokenRange::new(Token(5), 0);
    let err = MioProducer::new(config.clone(), poll.registry(), empty).unwrap_err();
    assert!(matches!(err, Error::NoTokens), "{err}");
    let mut bad = config;
    bad.buffer_memory = 0;
    let err = MioProducer::new(bad, poll.registry(), PRODUCER_TOKENS).unwrap_err();
    assert!(
        matches!(&err, Error::Config(e) if e.key == "buffer.memory"),
        "{err}"
    );
}

#[test]
fn a_response_larger_than_the_read_buffer_arrives_in_many_reads() {
    // The Metadata response for 3000 partitions (about 80 KB) takes more
    // than one 64 KiB read. (That a single event is read until the socket
    // would block is checked in the crate's unit tests, with a smaller
    // buffer: over TCP, flow control tends to hide that mistake.)
    let cluster = LoopbackCluster::start(1, &[("wide", 3000)], Style::Plain);
    let mut looper = Looper::new(quick_config(&cluster.bootstrap(), &[]));
    looper.send(keyed("wide", 1).partition(2999));
    assert!(looper.run_until(Duration::from_secs(5), |l| l.reports.len() == 1));
    assert!(looper.reports[0].result.is_ok(), "{:?}", looper.reports[0]);
    assert_eq!(
        looper.producer.partitions("wide").map(|p| p.len()),
        Some(3000)
    );
}
