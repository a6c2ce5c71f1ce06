//! The producer without a broker: dead addresses, silent or closing
//! listeners, a full buffer, receipts, threads, close and drop.

mod support;

use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use kafka_sansio_blocking::{
    DeliveryReport, Error, Event, ProduceError, Producer, ProducerRecord, SendErrorReason,
};
use support::loopback::{dead_address, listener, quick_config};
use support::{lost_reasons, recording};

fn record(i: usize) -> ProducerRecord {
    ProducerRecord::new("offline", format!("value-{i}")).key(format!("key-{}", i % 7))
}

fn assert_timed_out(report: &DeliveryReport) {
    let failure = report
        .result
        .as_ref()
        .expect_err("no broker: the record fails");
    assert!(
        matches!(
            failure.error,
            ProduceError::DeliveryTimeout { .. } | ProduceError::UnknownTopic { .. }
        ),
        "{failure}"
    );
}

#[test]
fn records_to_a_dead_address_fail_at_the_delivery_timeout() {
    let (producer, events) = recording(&dead_address(), &[]);
    let start = Instant::now();
    let receipts: Vec<_> = (0..3).map(|i| producer.send(record(i)).unwrap()).collect();
    for receipt in receipts {
        let report = receipt.wait();
        println!("{:?}", report.result);
        assert_timed_out(&report);
    }
    let took = start.elapsed();
    assert!(
        took >= Duration::from_millis(1400),
        "failed early: {took:?}"
    );
    assert!(took < Duration::from_secs(5), "failed late: {took:?}");
    let reasons = lost_reasons(&events);
    println!("{reasons:?}");
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("Connection refused") || r.contains("refused")),
        "a clear reason: {reasons:?}"
    );
}

/// Sends one record to a "broker" at `addr`, which must fail it in time;
/// returns why connections were lost.
fn one_record_fails(addr: &str) -> Vec<String> {
    let (producer, events) = recording(addr, &[]);
    let start = Instant::now();
    assert_timed_out(&producer.send(record(0)).unwrap().wait());
    assert!(start.elapsed() < Duration::from_secs(5));
    let reasons = lost_reasons(&events);
    println!("{reasons:?}");
    reasons
}

#[test]
fn a_listener_that_says_nothing_times_the_requests_out() {
    let silent = listener(false);
    let reasons = one_record_fails(&silent.bootstrap());
    assert!(
        reasons.iter().any(|r| r.contains("timed out")),
        "the silent connection was given up: {reasons:?}"
    );
}

#[test]
fn a_listener_that_closes_at_once_is_reported_closed() {
    let hangs_up = listener(true);
    let reasons = one_record_fails(&hangs_up.bootstrap());
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("closed by the broker") || r.contains("reset")),
        "{reasons:?}"
    );
}

#[test]
fn send_waits_max_block_for_space_then_gives_the_record_back() {
    // Nothing expires during the test, so no space frees.
    let extra = [
        ("buffer.memory", "400"),
        ("max.block.ms", "800"),
        ("delivery.timeout.ms", "60000"),
    ];
    let (producer, _) = recording(&dead_address(), &extra);
    let mut held = Vec::new();
    let full = loop {
        match producer.try_send(record(held.len())) {
            Ok(receipt) => held.push(receipt),
            Err(e) => break e,
        }
    };
    assert!(
        matches!(full.reason, SendErrorReason::BufferFull { .. }),
        "{full}"
    );
    assert!(!held.is_empty(), "some records fit");

    let start = Instant::now();
    let refused = producer.try_send(record(100)).unwrap_err();
    assert!(
        start.elapsed() < Duration::from_millis(200),
        "try_send does not wait"
    );
    assert!(matches!(refused.reason, SendErrorReason::BufferFull { .. }));

    let start = Instant::now();
    let refused = producer.send(record(101)).unwrap_err();
    let waited = start.elapsed();
    assert!(
        matches!(refused.reason, SendErrorReason::BufferFull { .. }),
        "{refused}"
    );
    assert_eq!(
        refused.into_record(),
        record(101),
        "the same record comes back"
    );
    assert!(waited >= Duration::from_millis(800), "waited {waited:?}");
    assert!(waited < Duration::from_millis(2000), "waited {waited:?}");
    producer.close(Duration::ZERO);
}

#[test]
fn a_blocked_send_proceeds_when_reports_free_space() {
    let extra = [("buffer.memory", "400"), ("max.block.ms", "10000")];
    let (producer, _) = recording(&dead_address(), &extra);
    let mut held = Vec::new();
    while let Ok(receipt) = producer.try_send(record(held.len())) {
        held.push(receipt);
    }
    let start = Instant::now();
    let receipt = producer
        .send(record(100))
        .expect("space frees at the delivery timeout");
    let waited = start.elapsed();
    assert!(waited >= Duration::from_millis(1000), "waited {waited:?}");
    assert!(waited < Duration::from_secs(5), "waited {waited:?}");
    assert_timed_out(&receipt.wait());
}

#[test]
fn wait_timeout_gives_the_receipt_back_until_the_report_comes() {
    let (producer, _) = recording(&dead_address(), &[]);
    let receipt = producer.send(record(0)).unwrap();
    let id = receipt.id();
    let start = Instant::now();
    let receipt = receipt
        .wait_timeout(Duration::from_millis(200))
        .expect_err("no report yet");
    let waited = start.elapsed();
    assert!(waited >= Duration::from_millis(200), "waited {waited:?}");
    assert!(waited < Duration::from_millis(1000), "waited {waited:?}");
    assert_eq!(receipt.id(), id);
    let report = receipt
        .wait_timeout(Duration::from_secs(5))
        .expect("report by the timeout");
    assert_eq!(report.id, id);
    assert_timed_out(&report);
}

#[test]
fn threads_share_one_producer_and_every_record_resolves_once() {
    let (producer, _) = recording(&dead_address(), &[]);
    let reports: Vec<DeliveryReport> = thread::scope(|s| {
        let workers: Vec<_> = (0..4)
            .map(|t| {
                let producer = &producer;
                s.spawn(move || {
                    let receipts: Vec<_> = (0..50)
                        .map(|i| producer.send(record(t * 50 + i)).unwrap())
                        .collect();
                    receipts.into_iter().map(|r| r.wait()).collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap())
            .collect()
    });
    assert_eq!(reports.len(), 200);
    let mut ids: Vec<u64> = reports.iter().map(|r| r.id.0).collect();
    ids.sort_unstable();
    assert_eq!(ids, (0..200).collect::<Vec<_>>(), "each id once");
    reports.iter().for_each(assert_timed_out);
    let stats = producer.stats();
    assert_eq!(stats.records_accepted, 200);
    assert_eq!(stats.records_failed, 200);
    assert_eq!(producer.buffered_records(), 0);
}

#[test]
fn flush_returns_once_every_earlier_record_is_reported() {
    let (producer, _) = recording(&dead_address(), &[]);
    let receipts: Vec<_> = (0..5).map(|i| producer.send(record(i)).unwrap()).collect();
    let start = Instant::now();
    producer.flush();
    assert!(start.elapsed() >= Duration::from_millis(1000));
    for receipt in receipts {
        let report = receipt
            .wait_timeout(Duration::ZERO)
            .expect("reported before flush returned");
        assert_timed_out(&report);
    }
}

#[test]
fn drop_with_records_outstanding_returns_and_resolves_every_receipt() {
    let (producer, _) = recording(&dead_address(), &[]);
    let receipts: Vec<_> = (0..10).map(|i| producer.send(record(i)).unwrap()).collect();
    let start = Instant::now();
    drop(producer);
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "drop took {:?}",
        start.elapsed()
    );
    for receipt in receipts {
        let report = receipt
            .wait_timeout(Duration::ZERO)
            .expect("resolved by drop");
        assert!(report.result.is_err());
    }
}

#[test]
fn close_fails_what_is_left_and_then_refuses_records() {
    let extra = [("delivery.timeout.ms", "60000")];
    let (producer, events) = recording(&dead_address(), &extra);
    let receipts: Vec<_> = (0..3).map(|i| producer.send(record(i)).unwrap()).collect();
    let start = Instant::now();
    producer.close(Duration::from_millis(200));
    let took = start.elapsed();
    assert!(took >= Duration::from_millis(200), "closed early: {took:?}");
    assert!(took < Duration::from_secs(2), "closed late: {took:?}");
    for receipt in receipts {
        let report = receipt
            .wait_timeout(Duration::ZERO)
            .expect("resolved by close");
        let failure = report.result.unwrap_err();
        assert_eq!(failure.error, ProduceError::Closed, "{failure}");
    }
    assert!(events.lock().unwrap().contains(&Event::Closed));
    let refused = producer.send(record(9)).unwrap_err();
    assert!(
        matches!(refused.reason, SendErrorReason::Closed),
        "{refused}"
    );
    let start = Instant::now();
    producer.close(Duration::from_secs(10));
    drop(producer);
    assert!(
        start.elapsed() < Duration::from_millis(100),
        "closing again is immediate"
    );
}

#[test]
fn a_bad_config_names_the_key() {
    let err =
        Producer::from_properties([("bootstrap.servers", "127.0.0.1:1"), ("linger.ms", "soon")])
            .unwrap_err();
    let Error::Config(e) = err else {
        panic!("not a config error: {err}")
    };
    assert_eq!(e.key, "linger.ms");
}

#[test]
fn the_producer_is_shareable_and_receipts_can_move() {
    fn shareable<T: Send + Sync>() {}
    fn movable<T: Send>() {}
    shareable::<Producer>();
    movable::<kafka_sansio_blocking::Receipt>();
}

#[test]
fn a_panicking_listener_is_dropped_and_the_producer_carries_on() {
    let calls = Arc::new(Mutex::new(0));
    let counted = Arc::clone(&calls);
    let producer = Producer::builder(quick_config(&dead_address(), &[]))
        .on_event(move |_| {
            *counted.lock().unwrap() += 1;
            panic!("a listener bug");
        })
        .build()
        .unwrap();
    // The timer thread still fails the record at its delivery timeout.
    let report = producer
        .send(record(0))
        .unwrap()
        .wait_timeout(Duration::from_secs(5));
    assert_timed_out(&report.expect("reported"));
    assert_eq!(*calls.lock().unwrap(), 1, "called once, then dropped");
}
