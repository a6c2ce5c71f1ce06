//! The producer against a simulated broker on loopback TCP: the real
//! protocol, responses arriving in small pieces.

#[path = "../../../tests/support/loopback.rs"]
mod loopback;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use kafka_sansio_blocking::{Event, Producer, ProducerRecord};
use loopback::{LoopbackCluster, Style, distinct_values, quick_config};

#[test]
fn keyed_records_with_headers_arrive_once_in_order_per_key() {
    // 7-byte pieces: every response frame is read in several chunks.
    let broker = LoopbackCluster::start(1, &[("orders", 3)], Style::Chunked(7));
    let events = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&events);
    let producer = Producer::builder(quick_config(&broker.bootstrap(), &[("linger.ms", "5")]))
        .on_event(move |e| seen.lock().unwrap().push(e.clone()))
        .build()
        .unwrap();
    let receipts: Vec<_> = (0..1000)
        .map(|i| {
            let record = ProducerRecord::new("orders", format!("{i}"))
                .key(format!("k{}", i % 10))
                .header("n", Some(format!("{i}").into()));
            producer.send(record).unwrap()
        })
        .collect();
    let mut offsets: BTreeMap<i32, Vec<i64>> = BTreeMap::new();
    for receipt in receipts {
        let report = receipt.wait();
        let delivered = report.result.expect("delivered");
        let partition = report.partition.expect("a partition");
        offsets
            .entry(partition)
            .or_default()
            .push(delivered.offset.expect("acks=all"));
    }
    for (partition, offsets) in &offsets {
        let expected: Vec<i64> = (0..offsets.len() as i64).collect();
        assert_eq!(
            offsets, &expected,
            "partition {partition}: consecutive, in send order"
        );
    }
    let mut per_key: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    let mut total = 0;
    for partition in 0..3 {
        for stored in broker.log("orders", partition) {
            let key = String::from_utf8(stored.key.unwrap().to_vec()).unwrap();
            let value: usize = std::str::from_utf8(&stored.value.unwrap())
                .unwrap()
                .parse()
                .unwrap();
            assert_eq!(stored.headers.len(), 1);
            per_key.entry(key).or_default().push(value);
            total += 1;
        }
    }
    assert_eq!(total, 1000, "each record once");
    for (key, values) in per_key {
        assert!(values.windows(2).all(|w| w[0] < w[1]), "{key} in order");
        assert_eq!(values.len(), 100);
    }
    let stats = producer.stats();
    assert_eq!(stats.records_delivered, 1000);
    assert_eq!(producer.partitions("orders").map(|p| p.len()), Some(3));
    let ready = events
        .lock()
        .unwrap()
        .iter()
        .filter(|e| matches!(e, Event::ConnectionReady { .. }))
        .count();
    assert!(ready >= 1);
}

#[test]
fn flush_and_close_with_a_live_broker_deliver_everything() {
    let broker = LoopbackCluster::start(1, &[("logs", 2)], Style::Plain);
    // A long linger: only flush makes the records go now.
    let config = quick_config(
        &broker.bootstrap(),
        &[("linger.ms", "60000"), ("delivery.timeout.ms", "120000")],
    );
    let producer = Producer::new(config).unwrap();
    let receipts: Vec<_> = (0..20)
        .map(|i| {
            producer
                .send(ProducerRecord::new("logs", format!("{i}")))
                .unwrap()
        })
        .collect();
    producer.flush();
    assert_eq!(producer.buffered_records(), 0);
    for receipt in receipts {
        let report = receipt
            .wait_timeout(std::time::Duration::ZERO)
            .expect("flushed");
        assert!(report.result.is_ok(), "{report:?}");
    }
    let late = producer.send(ProducerRecord::new("logs", "late")).unwrap();
    producer.close(std::time::Duration::from_secs(10));
    assert!(
        late.wait().result.is_ok(),
        "close delivers what is buffered"
    );
    assert_eq!(
        broker.log("logs", 0).len() + broker.log("logs", 1).len(),
        21
    );
}

#[test]
fn the_report_handler_sees_every_record_once_detached_or_with_a_receipt() {
    let broker = LoopbackCluster::start(1, &[("logs", 3)], Style::Chunked(5));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let handler_seen = Arc::clone(&seen);
    let producer = Producer::builder(quick_config(&broker.bootstrap(), &[("linger.ms", "2")]))
        .on_report(move |report| {
            let ok = report.result.is_ok();
            handler_seen.lock().unwrap().push((report.id, ok));
        })
        .build()
        .unwrap();
    let mut detached = Vec::new();
    let mut receipts = Vec::new();
    for i in 0..600 {
        let record = ProducerRecord::new("logs", format!("{i}"));
        if i % 3 == 0 {
            receipts.push(producer.send(record).unwrap());
        } else {
            detached.push(producer.send_detached(record).unwrap());
        }
    }
    producer.flush();
    // A receipt still gets its report when the handler has seen it.
    let with_receipt: Vec<_> = receipts.into_iter().map(|r| r.wait()).collect();
    assert!(with_receipt.iter().all(|r| r.result.is_ok()));
    let mut seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 600, "one report per record");
    assert!(seen.iter().all(|(_, ok)| *ok));
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 600, "no record reported twice");
    let mut expected: Vec<_> = detached
        .into_iter()
        .chain(with_receipt.iter().map(|r| r.id))
        .collect();
    expected.sort();
    assert_eq!(
        seen.into_iter().map(|(id, _)| id).collect::<Vec<_>>(),
        expected
    );
    let stored: usize = (0..3).map(|p| broker.log("logs", p).len()).sum();
    assert_eq!(stored, 600);
}

#[test]
fn a_panicking_report_handler_is_dropped_and_delivery_goes_on() {
    let broker = LoopbackCluster::start(1, &[("logs", 1)], Style::Plain);
    let calls = Arc::new(Mutex::new(0));
    let counted = Arc::clone(&calls);
    let producer = Producer::builder(quick_config(&broker.bootstrap(), &[("linger.ms", "0")]))
        .on_report(move |_| {
            *counted.lock().unwrap() += 1;
            panic!("a handler bug");
        })
        .build()
        .unwrap();
    let first = producer.send(ProducerRecord::new("logs", "a")).unwrap();
    assert!(first.wait().result.is_ok());
    let second = producer.send(ProducerRecord::new("logs", "b")).unwrap();
    assert!(second.wait().result.is_ok(), "the producer carries on");
    assert_eq!(*calls.lock().unwrap(), 1, "dropped after its panic");
    assert_eq!(broker.log("logs", 0).len(), 2);
}

#[test]
fn requests_larger_than_the_socket_takes_at_once_arrive_whole_and_in_order() {
    // The broker reads slowly, so the socket fills: each request after the
    // first follows a response (one in flight), and the reader thread
    // writes what the socket takes of it without blocking, leaving the
    // rest to the writer thread.
    let broker = LoopbackCluster::start(1, &[("big", 1)], Style::SlowReader);
    let config = quick_config(
        &broker.bootstrap(),
        &[
            ("max.in.flight.requests.per.connection", "1"),
            ("batch.size", "8388608"),
            ("max.request.size", "16777216"),
            ("delivery.timeout.ms", "30000"),
            ("request.timeout.ms", "20000"),
        ],
    );
    let producer = Producer::new(config).unwrap();
    // 6 MiB each, one to a batch and a request: more than the socket
    // buffers take at once (4 MiB at most to send, by default on Linux).
    let values = distinct_values(5, 6 << 20);
    let receipts: Vec<_> = values
        .iter()
        .map(|value| {
            let record = ProducerRecord::new("big", value.clone()).partition(0);
            producer.send(record).unwrap()
        })
        .collect();
    for receipt in receipts {
        let report = receipt.wait();
        assert!(report.result.is_ok(), "{report:?}");
    }
    let requests = producer.stats().produce_requests;
    assert_eq!(requests, values.len() as u64, "a request per value");
    assert!(
        broker.holds_values("big", 0, &values),
        "values arrived whole and in order"
    );
}
