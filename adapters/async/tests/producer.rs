//! The producer against peers on loopback (the workspace's
//! `tests/support/loopback.rs`), each test on every runtime. No real
//! Kafka needed.

#![cfg(any(feature = "tokio", feature = "smol"))]

#[path = "../../../tests/support/loopback.rs"]
mod loopback;
mod support;

use std::collections::HashSet;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kafka_sansio_async::{
    Bytes, DeliveryFuture, DeliveryReport, Event, ProduceError, Producer, ProducerConfig,
    ProducerRecord, ProducerStats, Runtime, SendErrorReason,
};

use loopback::{LoopbackCluster, Style, dead_address, listener, quick_config};
use support::{poll_once, sleep, within};

runtime_tests!(
    unreachable_broker_fails_at_the_delivery_timeout,
    silent_broker_times_out_and_its_connection_is_closed,
    broker_hanging_up_is_reconnected,
    try_enqueue_hands_back_the_record_when_the_buffer_is_full,
    send_waits_max_block_then_fails_with_the_same_record,
    max_block_counts_from_the_call_not_the_first_poll,
    waiting_send_gets_space_when_reports_free_it,
    dropped_sends_never_lose_or_double_a_record,
    dropped_sends_never_corrupt_a_connection,
    close_resolves_every_delivery_future,
    dropping_the_producer_closes_in_the_background,
    delivers_keyed_records_with_headers,
    records_are_accepted_at_the_call_in_call_order,
    many_concurrent_tasks_send,
    flush_sends_without_waiting_for_linger,
    the_report_handler_sees_every_record_once_detached_or_with_a_future,
    a_panicking_report_handler_is_dropped_and_delivery_goes_on,
);

fn record(i: usize) -> ProducerRecord {
    ProducerRecord::new("t", format!("value-{i}")).key(format!("key-{i}"))
}

/// Whether the record failed for want of a broker at its delivery
/// timeout: the core says `UnknownTopic` when no broker ever told it about
/// the topic, `DeliveryTimeout` otherwise.
fn expired(report: &DeliveryReport) -> bool {
    matches!(&report.result, Err(f) if matches!(f.error,
        ProduceError::DeliveryTimeout { .. } | ProduceError::UnknownTopic { .. }))
}

/// A producer on `rt` that records every event.
fn recording<R: Runtime>(config: ProducerConfig, rt: R) -> (Producer<R>, Arc<Mutex<Vec<Event>>>) {
    let events = Arc::new(Mutex::new(Vec::new()));
    let seen = events.clone();
    let producer = Producer::builder(config, rt)
        .on_event(move |e| seen.lock().unwrap().push(e.clone()))
        .build()
        .unwrap();
    (producer, events)
}

/// Whether a connection was lost for a reason that `matches`.
fn lost_connection(events: &Mutex<Vec<Event>>, matches: impl Fn(&str) -> bool) -> bool {
    let events = events.lock().unwrap();
    events
        .iter()
        .any(|e| matches!(e, Event::ConnectionLost { reason, .. } if matches(reason)))
}

/// Calls `call` and awaits its future, checking that the two took
/// `min_ms` to `max_ms`. The clock starts before the call: the producer's
/// own deadlines count from the call, so a clock started after it could
/// see a deadline met early (299.5 ms for 300, once, on a loaded machine).
async fn takes<T, F: Future<Output = T>>(min_ms: u64, max_ms: u64, call: impl FnOnce() -> F) -> T {
    let start = Instant::now();
    let out = call().await;
    let took = start.elapsed();
    let range = Duration::from_millis(min_ms)..Duration::from_millis(max_ms);
    assert!(range.contains(&took), "took {took:?}, not {range:?}");
    out
}

/// Every accepted record reported exactly once, nothing left.
fn assert_all_reported(stats: &ProducerStats) {
    assert_eq!(
        stats.records_accepted,
        stats.records_delivered + stats.records_failed,
        "{stats:?}"
    );
    assert_eq!(stats.buffered_records, 0, "{stats:?}");
}

async fn unreachable_broker_fails_at_the_delivery_timeout<R: Runtime>(rt: R) {
    let (producer, events) = recording(quick_config(&dead_address(), &[]), rt);
    let report = takes(1400, 4000, || producer.send(record(0)))
        .await
        .unwrap();
    assert!(expired(&report), "{report:?}");
    let refused = |r: &str| r.starts_with("cannot connect: ") && r.contains("refused");
    assert!(lost_connection(&events, refused), "{events:?}");
}

async fn silent_broker_times_out_and_its_connection_is_closed<R: Runtime>(rt: R) {
    let silent = listener(false);
    let producer = Producer::new(quick_config(&silent.bootstrap(), &[]), rt.clone()).unwrap();
    let report = producer.send(record(0)).await.unwrap();
    assert!(expired(&report), "{report:?}");
    assert!(silent.received() > 0, "no request was written");
    // request.timeout.ms (1 s) made the core close the first connection;
    // the socket went with it.
    let (_, closed) = silent.connections();
    assert!(closed >= 1, "no connection closed");
    producer.close(Duration::ZERO).await;
    assert_all_reported(&producer.stats());
    // Closed means every socket is gone: the peer sees each one end.
    for _ in 0..50 {
        let (accepted, closed) = silent.connections();
        if closed == accepted {
            break;
        }
        sleep(&rt, Duration::from_millis(20)).await;
    }
    let (accepted, closed) = silent.connections();
    assert_eq!(closed, accepted);
}

async fn broker_hanging_up_is_reconnected<R: Runtime>(rt: R) {
    let hangs_up = listener(true);
    let (producer, events) = recording(quick_config(&hangs_up.bootstrap(), &[]), rt);
    let report = producer.send(record(0)).await.unwrap();
    assert!(expired(&report), "{report:?}");
    // A close while the client's first request is still unread is a
    // reset, not an end of stream: both are the broker hanging up.
    let hung_up =
        |r: &str| r == "connection closed by the broker" || r.contains("Connection reset by peer");
    assert!(lost_connection(&events, hung_up), "{events:?}");
    let (accepted, _) = hangs_up.connections();
    assert!(accepted >= 2, "accepted {accepted}");
}

/// A producer whose buffer (`buffer.memory` 4 KiB) is full of records
/// that cannot be delivered before `delivery_ms`, and `max.block.ms` =
/// `max_block_ms`.
fn full_producer<R: Runtime>(
    rt: R,
    delivery_ms: &str,
    max_block_ms: &str,
) -> (Producer<R>, Vec<DeliveryFuture>) {
    let extra = [
        ("buffer.memory", "4096"),
        ("delivery.timeout.ms", delivery_ms),
        ("max.block.ms", max_block_ms),
    ];
    let producer = Producer::new(quick_config(&dead_address(), &extra), rt).unwrap();
    let mut accepted = Vec::new();
    for i in 0.. {
        match producer.try_enqueue(big_record(i)) {
            Ok(report) => accepted.push(report),
            Err(e) => {
                assert!(
                    matches!(e.reason, SendErrorReason::BufferFull { .. }),
                    "{e}"
                );
                assert_eq!(e.into_record(), big_record(i));
                break;
            }
        }
    }
    assert!(accepted.len() >= 2, "{} accepted", accepted.len());
    (producer, accepted)
}

fn big_record(i: usize) -> ProducerRecord {
    record(i).header("pad", Some(Bytes::from(vec![b'x'; 1000])))
}

async fn try_enqueue_hands_back_the_record_when_the_buffer_is_full<R: Runtime>(rt: R) {
    let (producer, accepted) = full_producer(rt, "1500", "60000");
    let refused = producer.try_enqueue(big_record(99)).unwrap_err();
    assert!(matches!(
        refused.reason,
        SendErrorReason::BufferFull { limit: 4096, .. }
    ));
    assert_eq!(*refused.record, big_record(99));
    assert_eq!(producer.stats().records_accepted, accepted.len() as u64);
}

async fn send_waits_max_block_then_fails_with_the_same_record<R: Runtime>(rt: R) {
    let (producer, _accepted) = full_producer(rt, "10000", "300");
    // The first records only fail at 10 s: nothing frees space before.
    let refused = takes(300, 5000, || producer.send(big_record(99))).await;
    let refused = refused.unwrap_err();
    assert!(
        matches!(refused.reason, SendErrorReason::BufferFull { .. }),
        "{refused}"
    );
    assert_eq!(refused.into_record(), big_record(99));
}

async fn max_block_counts_from_the_call_not_the_first_poll<R: Runtime>(rt: R) {
    let (producer, _accepted) = full_producer(rt.clone(), "10000", "300");
    let send = producer.send(big_record(99));
    sleep(&rt, Duration::from_millis(400)).await;
    // Its 300 ms have passed: the first poll tries once more and fails.
    let refused = takes(0, 100, || send).await.unwrap_err();
    assert!(
        matches!(refused.reason, SendErrorReason::BufferFull { .. }),
        "{refused}"
    );
}

async fn waiting_send_gets_space_when_reports_free_it<R: Runtime>(rt: R) {
    let (producer, accepted) = full_producer(rt, "1500", "10000");
    // Accepted when the first records time out (1.5 s), not before.
    let report = takes(1300, 5000, || producer.enqueue(big_record(99))).await;
    let report = report.unwrap();
    assert!(expired(&report.await));
    for report in accepted {
        assert!(expired(&report.await));
    }
}

/// Sends 200 records and drops the futures at varied points: before the
/// first poll (the record was accepted at the call, or was waiting for
/// space), after one poll, racing a short sleep, once accepted. Returns
/// the reports of the records kept to the end.
async fn send_and_drop<R: Runtime>(rt: &R, producer: &Producer<R>) -> Vec<DeliveryReport> {
    let mut kept = Vec::new();
    let mut rng = fastrand::Rng::with_seed(7);
    for i in 0..200 {
        match rng.u8(0..5) {
            0 => drop(producer.send(record(i))),
            1 => poll_once(producer.send(record(i))).await,
            2 => {
                let wait = Duration::from_millis(rng.u64(0..3));
                drop(within(rt, wait, producer.send(record(i))).await)
            }
            3 => drop(producer.enqueue(record(i)).await.unwrap()),
            _ => kept.push(producer.enqueue(record(i)).await.unwrap()),
        }
    }
    let mut reports = Vec::new();
    for report in kept {
        reports.push(report.await);
    }
    reports
}

async fn dropped_sends_never_lose_or_double_a_record<R: Runtime>(rt: R) {
    // A small buffer, so that some sends are waiting for space when dropped.
    let extra = [("buffer.memory", "2048"), ("max.block.ms", "5000")];
    let producer = Producer::new(quick_config(&dead_address(), &extra), rt.clone()).unwrap();
    let reports = send_and_drop(&rt, &producer).await;
    assert!(reports.iter().all(expired));
    producer.close(Duration::from_millis(100)).await;
    let stats = producer.stats();
    assert_all_reported(&stats);
    assert!(stats.records_accepted >= reports.len() as u64, "{stats:?}");
    assert_eq!(stats.records_delivered, 0);
}

async fn dropped_sends_never_corrupt_a_connection<R: Runtime>(rt: R) {
    let broker = LoopbackCluster::start(3, &[("t", 6)], Style::Plain);
    let extra = [("buffer.memory", "4096"), ("linger.ms", "1")];
    let producer = Producer::new(quick_config(&broker.bootstrap(), &extra), rt.clone()).unwrap();
    let reports = send_and_drop(&rt, &producer).await;
    assert!(reports.iter().all(|r| r.result.is_ok()), "{reports:?}");
    producer.close(Duration::from_secs(5)).await;
    let stats = producer.stats();
    assert_all_reported(&stats);
    assert_eq!(stats.records_failed, 0, "{stats:?}");
    // What landed is exactly what was accepted, each record once.
    let stored = broker.records("t");
    assert_eq!(stored.len() as u64, stats.records_accepted);
    let values: HashSet<_> = stored.iter().map(|r| r.value.clone()).collect();
    assert_eq!(values.len(), stored.len(), "a record landed twice");
    assert_eq!(
        broker.closes(),
        Vec::<String>::new(),
        "a broker refused a request"
    );
}

async fn close_resolves_every_delivery_future<R: Runtime>(rt: R) {
    let producer = Producer::new(quick_config(&dead_address(), &[]), rt).unwrap();
    let mut pending = Vec::new();
    for i in 0..50 {
        pending.push(producer.try_enqueue(record(i)).unwrap());
    }
    takes(200, 3000, || producer.close(Duration::from_millis(200))).await;
    for report in pending {
        let report = report.await;
        assert!(
            matches!(&report.result, Err(f) if f.error == ProduceError::Closed),
            "{report:?}"
        );
    }
    assert_all_reported(&producer.stats());
    let refused = producer.try_enqueue(record(99)).unwrap_err();
    assert_eq!(refused.reason, SendErrorReason::Closed);
    assert_eq!(*refused.record, record(99));
}

async fn dropping_the_producer_closes_in_the_background<R: Runtime>(rt: R) {
    let closed = Arc::new(AtomicUsize::new(0));
    let seen = closed.clone();
    let producer = Producer::builder(quick_config(&dead_address(), &[]), rt.clone())
        .on_event(move |e| {
            if *e == Event::Closed {
                seen.fetch_add(1, Ordering::SeqCst);
            }
        })
        .build()
        .unwrap();
    let pending: Vec<_> = (0..10)
        .map(|i| producer.try_enqueue(record(i)).unwrap())
        .collect();
    drop(producer);
    for report in pending {
        assert!(report.await.result.is_err());
    }
    // The tasks finish the close on their own.
    for _ in 0..100 {
        if closed.load(Ordering::SeqCst) > 0 {
            break;
        }
        sleep(&rt, Duration::from_millis(20)).await;
    }
    assert_eq!(closed.load(Ordering::SeqCst), 1);
}

async fn delivers_keyed_records_with_headers<R: Runtime>(rt: R) {
    let broker = LoopbackCluster::start(3, &[("t", 6)], Style::Plain);
    let producer = Producer::new(quick_config(&broker.bootstrap(), &[]), rt).unwrap();
    let mut pending = Vec::new();
    for i in 0..300 {
        let record = record(i).header("seq", Some(Bytes::from(i.to_string())));
        pending.push(producer.enqueue(record).await.unwrap());
    }
    for report in pending {
        let report = report.await;
        assert!(report.result.is_ok(), "{report:?}");
    }
    let partitions = producer.partitions("t").expect("the map has the topic");
    assert_eq!(partitions.len(), 6);
    let stored = broker.records("t");
    assert_eq!(stored.len(), 300);
    assert!(
        stored
            .iter()
            .all(|r| r.headers.len() == 1 && r.key.is_some())
    );
    producer.close(Duration::from_secs(5)).await;
    assert_all_reported(&producer.stats());
}

async fn records_are_accepted_at_the_call_in_call_order<R: Runtime>(rt: R) {
    let broker = LoopbackCluster::start(1, &[("t", 1)], Style::Plain);
    let producer = Producer::new(quick_config(&broker.bootstrap(), &[]), rt).unwrap();
    // Once the topic is known, a record is accepted when send is called.
    producer.send(record(0)).await.unwrap();
    let first = producer.send(record(1));
    let second = producer.enqueue(record(2));
    let third = producer.send_detached(record(3));
    let accepted = producer.stats().records_accepted;
    assert_eq!(accepted, 4, "accepted before any poll");
    // Polled in the reverse order, they still land in the order of the calls.
    let third = third.await.unwrap();
    let second = second.await.unwrap();
    assert_eq!(third.0, second.id().0 + 1);
    let first = first.await.unwrap();
    let second = second.await;
    let offset = |r: &DeliveryReport| r.result.as_ref().unwrap().offset;
    assert!(offset(&first) < offset(&second), "{first:?} {second:?}");
    producer.close(Duration::from_secs(5)).await;
    let values: Vec<_> = broker.records("t").into_iter().map(|r| r.value).collect();
    let expected: Vec<_> = (0..4)
        .map(|i| Some(Bytes::from(format!("value-{i}"))))
        .collect();
    assert_eq!(values, expected);
}

async fn many_concurrent_tasks_send<R: Runtime>(rt: R) {
    const TASKS: usize = 20;
    const EACH: usize = 50;
    let broker = LoopbackCluster::start(3, &[("t", 6)], Style::Plain);
    let extra = [("linger.ms", "2")];
    let (producer, events) = recording(quick_config(&broker.bootstrap(), &extra), rt.clone());
    let delivered = Arc::new(AtomicUsize::new(0));
    for task in 0..TASKS {
        let (producer, delivered) = (producer.clone(), delivered.clone());
        rt.spawn(async move {
            for i in 0..EACH {
                let report = producer.send(record(task * EACH + i)).await.unwrap();
                if report.result.is_ok() {
                    delivered.fetch_add(1, Ordering::SeqCst);
                }
            }
        });
    }
    for _ in 0..500 {
        if delivered.load(Ordering::SeqCst) == TASKS * EACH {
            break;
        }
        sleep(&rt, Duration::from_millis(20)).await;
    }
    assert_eq!(delivered.load(Ordering::SeqCst), TASKS * EACH);
    // Once seen in CI (1003 records stored for 1000): what went in twice,
    // and the producer's story, to tell how.
    let twice = broker.duplicates("t");
    assert!(
        twice.is_empty(),
        "stored more than once: {twice:#?}\nthe producer's events: {:#?}",
        events.lock().unwrap()
    );
    assert_eq!(broker.records("t").len(), TASKS * EACH);
    producer.close(Duration::from_secs(5)).await;
    assert_all_reported(&producer.stats());
}

async fn flush_sends_without_waiting_for_linger<R: Runtime>(rt: R) {
    let broker = LoopbackCluster::start(1, &[("t", 2)], Style::Plain);
    let extra = [("linger.ms", "30000"), ("delivery.timeout.ms", "60000")];
    let producer = Producer::new(quick_config(&broker.bootstrap(), &extra), rt.clone()).unwrap();
    // Records for a topic the core has not looked up yet wait outside any
    // batch, and its flush marks batches only: learn the topic first.
    drop(producer.try_enqueue(record(0)).unwrap());
    while producer.partitions("t").is_none() {
        sleep(&rt, Duration::from_millis(5)).await;
    }
    let pending: Vec<_> = (1..10)
        .map(|i| producer.try_enqueue(record(i)).unwrap())
        .collect();
    let flushed = within(&rt, Duration::from_secs(5), producer.flush()).await;
    assert!(flushed.is_some(), "flush waited for linger.ms");
    assert_eq!(producer.buffered_records(), 0);
    for report in pending {
        assert!(report.await.result.is_ok());
    }
}

async fn the_report_handler_sees_every_record_once_detached_or_with_a_future<R: Runtime>(rt: R) {
    let broker = LoopbackCluster::start(1, &[("t", 3)], Style::Chunked(5));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let handler_seen = seen.clone();
    let config = quick_config(&broker.bootstrap(), &[("linger.ms", "2")]);
    let producer = Producer::builder(config, rt)
        .on_report(move |report| {
            let ok = report.result.is_ok();
            handler_seen.lock().unwrap().push((report.id, ok));
        })
        .build()
        .unwrap();
    let mut ids = Vec::new();
    let mut futures = Vec::new();
    for i in 0..600 {
        if i % 3 == 0 {
            let future = producer.enqueue(record(i)).await.unwrap();
            ids.push(future.id());
            futures.push(future);
        } else {
            ids.push(producer.send_detached(record(i)).await.unwrap());
        }
    }
    producer.flush().await;
    // A future still gets its report when the handler has seen it.
    for future in futures {
        assert!(future.await.result.is_ok());
    }
    let mut seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 600, "one report per record");
    assert!(seen.iter().all(|(_, ok)| *ok));
    seen.sort();
    ids.sort();
    assert_eq!(seen.into_iter().map(|(id, _)| id).collect::<Vec<_>>(), ids);
    let stored: usize = (0..3).map(|p| broker.log("t", p).len()).sum();
    assert_eq!(stored, 600);
    assert_all_reported(&producer.stats());
}

async fn a_panicking_report_handler_is_dropped_and_delivery_goes_on<R: Runtime>(rt: R) {
    let broker = LoopbackCluster::start(1, &[("t", 1)], Style::Plain);
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = calls.clone();
    let config = quick_config(&broker.bootstrap(), &[("linger.ms", "0")]);
    let producer = Producer::builder(config, rt.clone())
        .on_report(move |_| {
            counted.fetch_add(1, Ordering::SeqCst);
            panic!("a handler bug");
        })
        .build()
        .unwrap();
    let limit = Duration::from_secs(10);
    for i in 0..2 {
        let future = producer.enqueue(record(i)).await.unwrap();
        let report = within(&rt, limit, future).await;
        let report = report.expect("the record's report still comes");
        assert!(report.result.is_ok(), "the producer carries on");
    }
    assert_eq!(calls.load(Ordering::SeqCst), 1, "dropped after its panic");
    assert_eq!(broker.log("t", 0).len(), 2);
}

/// Handles and futures go anywhere: across threads and into spawned tasks.
#[test]
fn handles_are_send_and_sync() {
    fn check<T: Send + Sync + 'static>() {}
    fn for_runtime<R: Runtime>() {
        check::<Producer<R>>();
        check::<DeliveryFuture>();
    }
    #[cfg(feature = "tokio")]
    for_runtime::<kafka_sansio_async::TokioRuntime>();
    #[cfg(feature = "smol")]
    for_runtime::<kafka_sansio_async::SmolRuntime>();
}
