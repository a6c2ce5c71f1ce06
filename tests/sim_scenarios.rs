//! The producer's story, one scripted scenario per part, against the
//! simulated cluster on virtual time.
#![allow(clippy::disallowed_methods)] // Instant::now once, as the virtual epoch

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use bytes::Bytes;
use kafka_sansio::partitioner::partition_for_key;
use kafka_sansio::producer::{
    Acks, BorrowedRecord, BrokerAddress, Certainty, DeliveryReport, Event, LeaderSource,
    ProduceError, ProducerConfig, ProducerConfigBuilder, ProducerRecord, RecordId, RefreshReason,
    SendErrorReason,
};
use kafka_sansio::protocol::{ApiKey, ErrorCode};
use kafka_sansio::record::Compression;
use kafka_sansio::sim::{Cluster, ClusterConfig, Happening, Harness};

const TOPIC: &str = "orders";

fn cluster(brokers: u32, partitions: i32) -> Cluster {
    let mut c = Cluster::new(ClusterConfig::with_brokers(brokers));
    c.create_topic(TOPIC, partitions, brokers.min(3) as i32);
    c
}

fn config(cluster: &Cluster) -> ProducerConfigBuilder {
    ProducerConfig::builder()
        .bootstrap_servers([cluster.broker_address(1)])
        .seed(7)
}

fn harness(cluster: Cluster, config: ProducerConfig) -> Harness {
    Harness::new(cluster, config, Instant::now()).expect("valid config")
}

fn keyed(i: usize) -> ProducerRecord {
    ProducerRecord::new(TOPIC, format!("value-{i}")).key(format!("key-{}", i % 17))
}

fn events(h: &Harness) -> Vec<&Event> {
    h.timeline()
        .iter()
        .filter_map(|(_, x)| match x {
            Happening::Event(e) => Some(e),
            _ => None,
        })
        .collect()
}

/// Sends keyless values `v{i}` for each `i` in `range`, returning their ids
/// and values.
fn send_numbered(h: &mut Harness, range: std::ops::Range<usize>) -> Vec<(RecordId, String)> {
    range
        .map(|i| {
            let v = format!("v{i}");
            (h.send(ProducerRecord::new(TOPIC, v.clone())).unwrap(), v)
        })
        .collect()
}

/// Every report succeeded; returns them by id.
fn all_delivered(h: &Harness) -> BTreeMap<RecordId, DeliveryReport> {
    let mut by_id = BTreeMap::new();
    for r in h.reports() {
        assert!(r.result.is_ok(), "record {:?} failed: {:?}", r.id, r.result);
        assert!(
            by_id.insert(r.id, r.clone()).is_none(),
            "two reports for {:?}",
            r.id
        );
    }
    by_id
}

/// Each partition's log holds exactly the values sent to it, once each,
/// in send order.
fn logs_hold_exactly(h: &Harness, sent: &[(RecordId, String)], partitions: i32) {
    let by_id = all_delivered(h);
    assert_eq!(by_id.len(), sent.len(), "one report per record");
    for p in 0..partitions {
        let expected: Vec<&str> = sent
            .iter()
            .filter(|(id, _)| by_id[id].partition == Some(p))
            .map(|(_, v)| v.as_str())
            .collect();
        let log: Vec<String> = h
            .cluster
            .log(TOPIC, p)
            .iter()
            .map(|r| String::from_utf8_lossy(r.value.as_deref().unwrap_or_default()).into_owned())
            .collect();
        assert_eq!(log, expected, "partition {p}: log differs from send order");
        for (id, v) in sent {
            let r = &by_id[id];
            if r.partition == Some(p) {
                let offset = r
                    .result
                    .as_ref()
                    .unwrap()
                    .offset
                    .expect("acks=all gives offsets");
                assert_eq!(
                    log[offset as usize], *v,
                    "record {id:?} not at its reported offset"
                );
            }
        }
    }
    assert!(h.violations().is_empty(), "{:?}", h.violations());
}

#[test]
fn bootstrap_asks_a_bootstrap_server_for_the_map_then_uses_it() {
    let c = cluster(3, 6);
    let cfg = config(&c).build().unwrap();
    let mut h = harness(c, cfg);
    let id = h.send(keyed(1)).unwrap();
    assert!(h.run_until_idle(Duration::from_secs(10)));
    let ev = events(&h);
    let first_md = ev
        .iter()
        .find_map(|e| match e {
            Event::MetadataRequested { broker, .. } => Some(*broker),
            _ => None,
        })
        .expect("a metadata request");
    assert_eq!(
        first_md, None,
        "the first map comes from a bootstrap server"
    );
    assert!(ev.iter().any(|e| matches!(
        e,
        Event::MetadataRefreshScheduled {
            reason: RefreshReason::Bootstrap,
            ..
        }
    )));
    assert!(
        ev.iter()
            .any(|e| matches!(e, Event::MetadataUpdated { brokers: 3, .. }))
    );
    assert!(
        ev.iter()
            .any(|e| matches!(e, Event::ProducerIdAssigned { .. }))
    );
    let reports = all_delivered(&h);
    assert_eq!(reports[&id].result.as_ref().unwrap().offset, Some(0));
    for b in 1..=3 {
        assert!(h.cluster.requests_received(b, ApiKey::API_VERSIONS) <= 2);
    }
    assert!(h.cluster.requests_received(1, ApiKey::API_VERSIONS) >= 1);
}

#[test]
fn records_go_only_to_leaders_and_a_leaders_batches_travel_together() {
    let c = cluster(3, 6);
    let cfg = config(&c)
        .linger(Duration::from_millis(50))
        .build()
        .unwrap();
    let mut h = harness(c, cfg);
    // Learn the map first, so all records are partitioned at once.
    h.send(keyed(0)).unwrap();
    assert!(h.run_until_idle(Duration::from_secs(10)));
    let before = h.cluster.produce_requests().len();
    let mut sent = vec![];
    for i in 1..=300 {
        let r = keyed(i);
        let key = r.key.clone().unwrap();
        let id = h.send(r).unwrap();
        sent.push((id, key));
    }
    h.flush();
    assert!(h.run_until_idle(Duration::from_secs(10)));
    let reports = all_delivered(&h);
    for (id, key) in &sent {
        assert_eq!(
            reports[id].partition,
            Some(partition_for_key(key, 6)),
            "murmur2 partitioning"
        );
    }
    assert_eq!(
        h.cluster.misrouted_partitions(),
        0,
        "every batch went to its leader"
    );
    let requests = &h.cluster.produce_requests()[before..];
    // One request per leader carries all of that leader's partitions.
    let mut brokers: Vec<i32> = requests.iter().map(|r| r.broker).collect();
    brokers.sort();
    assert_eq!(brokers, vec![1, 2, 3], "{requests:#?}");
    for r in requests {
        assert_eq!(r.partitions.len(), 2, "6 partitions over 3 leaders: {r:?}");
    }
    // The request-shape counters agree with what the brokers received.
    let all = h.cluster.produce_requests();
    let stats = h.producer.stats();
    assert_eq!(stats.produce_requests, all.len() as u64);
    let batches: usize = all.iter().map(|r| r.partitions.len()).sum();
    assert_eq!(stats.produce_batches, batches as u64);
    assert!(
        (stats.produce_requests..=5 * stats.produce_requests)
            .contains(&stats.produce_in_flight_sum),
        "each request counts itself and at most four more: {stats:?}"
    );
}

#[test]
fn a_ready_leader_takes_the_batches_of_every_partition_it_leads() {
    // One broker leads both partitions. Partition 0 fills a batch while
    // partition 1 holds one record far from its linger: as in Java's
    // RecordAccumulator (readiness is per leader; the drain takes the
    // first batch of every partition the leader has), both ride in the
    // same request, rather than partition 1 waiting out linger.ms and
    // costing the broker a request of its own.
    let c = cluster(1, 2);
    let cfg = config(&c)
        .linger(Duration::from_secs(1))
        .batch_size(1024)
        .build()
        .unwrap();
    let mut h = harness(c, cfg);
    let to = |partition: i32, value: String| ProducerRecord {
        partition: Some(partition),
        ..ProducerRecord::new(TOPIC, value)
    };
    // Learn the map and the producer id first.
    h.send(to(0, "first".into())).unwrap();
    assert!(h.run_until_idle(Duration::from_secs(10)));
    let before = h.cluster.produce_requests().len();
    let lone = h.send(to(1, "lone".into())).unwrap();
    for i in 0..20 {
        h.send(to(0, format!("{i:0>100}"))).unwrap();
    }
    h.run_for(Duration::from_millis(100));
    let requests = &h.cluster.produce_requests()[before..];
    assert!(!requests.is_empty(), "the full batch went at once");
    let partitions: Vec<i32> = requests[0].partitions.iter().map(|p| p.partition).collect();
    assert!(
        partitions.contains(&0) && partitions.contains(&1),
        "the first request carries both partitions: {requests:#?}"
    );
    assert!(
        h.reports().iter().any(|r| r.id == lone && r.result.is_ok()),
        "the lone record is delivered long before its linger"
    );
}

#[test]
fn failover_refreshes_the_map_and_retries_to_the_new_leader_once_and_in_order() {
    let c = cluster(3, 3);
    let cfg = config(&c).build().unwrap();
    let mut h = harness(c, cfg);
    let mut sent = vec![];
    for i in 0..200 {
        if i == 90 {
            // Slow the leader down so requests are in flight when it dies.
            let leader = h.cluster.leader(TOPIC, 0).unwrap();
            h.cluster
                .set_response_delay(leader, Duration::from_millis(50));
        }
        if i == 100 {
            let leader = h.cluster.leader(TOPIC, 0).unwrap();
            let now = h.now();
            h.cluster.crash(leader, now);
        }
        let v = format!("v{i}");
        let id = h
            .send(ProducerRecord::new(TOPIC, v.clone()).partition(i % 3))
            .unwrap();
        sent.push((id, v));
        h.run_for(Duration::from_millis(3));
    }
    assert!(h.run_until_idle(Duration::from_secs(60)));
    logs_hold_exactly(&h, &sent, 3);
    let ev = events(&h);
    assert!(ev.iter().any(|e| matches!(e, Event::ConnectionLost { .. })));
    assert!(ev.iter().any(|e| matches!(
        e,
        Event::MetadataRefreshScheduled {
            reason: RefreshReason::LeaderUnreachable { .. },
            ..
        }
    )));
    assert!(ev.iter().any(|e| matches!(
        e,
        Event::LeaderChanged {
            partition: 0,
            source: LeaderSource::Metadata,
            ..
        }
    )));
    assert!(ev.iter().any(|e| matches!(e, Event::BatchRetry { .. })));
}

#[test]
fn a_leader_hint_redirects_the_retry_without_waiting_for_metadata() {
    let c = cluster(3, 3);
    let cfg = config(&c).build().unwrap();
    let mut h = harness(c, cfg);
    for p in 0..3 {
        h.send(ProducerRecord::new(TOPIC, "warm-up").partition(p))
            .unwrap();
    }
    assert!(h.run_until_idle(Duration::from_secs(10)));
    let old = h.cluster.leader(TOPIC, 0).unwrap();
    let new = h
        .cluster
        .replicas(TOPIC, 0)
        .unwrap()
        .iter()
        .copied()
        .find(|&b| b != old)
        .unwrap();
    assert!(h.cluster.move_leader(TOPIC, 0, new));
    let mark = h.timeline().len();
    let id = h
        .send(ProducerRecord::new(TOPIC, "after-move").partition(0))
        .unwrap();
    assert!(h.run_until_idle(Duration::from_secs(10)));
    let after = &h.timeline()[mark..];
    let pos = |f: &dyn Fn(&Happening) -> bool| after.iter().position(|(_, x)| f(x));
    let hint = pos(&|x| matches!(x, Happening::Event(Event::LeaderChanged { partition: 0, source: LeaderSource::ProduceHint, to: Some(t), .. }) if *t == new))
        .expect("the hint was applied");
    let resent = pos(
        &|x| matches!(x, Happening::Event(Event::ProduceSent { broker, .. }) if *broker == new),
    )
    .expect("the batch went to the new leader");
    let delivered = pos(&|x| matches!(x, Happening::Delivery(r) if r.id == id)).unwrap();
    let metadata = pos(&|x| matches!(x, Happening::Event(Event::MetadataUpdated { .. })));
    assert!(hint < resent && resent < delivered);
    assert!(
        metadata.is_none_or(|m| m > resent),
        "retried before any metadata answer"
    );
    let retry_backoff = after.iter().find_map(|(_, x)| match x {
        Happening::Event(Event::BatchRetry { backoff, .. }) => Some(*backoff),
        _ => None,
    });
    assert_eq!(
        retry_backoff,
        Some(Duration::ZERO),
        "no backoff after a leader change"
    );
    assert!(all_delivered(&h)[&id].result.is_ok());
}

/// A cluster behind a load-balancer address: the producer learns the
/// brokers' own addresses, delivers a record, then every broker moves to a
/// new host (the old addresses refuse) and one more record is sent.
/// Returns the harness, run until idle or `limit`, and that record's id.
fn brokers_move_to_new_hosts(
    strategy: kafka_sansio::producer::MetadataRecoveryStrategy,
    limit: Duration,
) -> (Harness, RecordId) {
    let mut c = cluster(3, 3);
    let lb = BrokerAddress::new("kafka-lb", 9092);
    c.add_bootstrap_alias(lb.clone());
    let cfg = ProducerConfig::builder()
        .bootstrap_servers([lb])
        .metadata_recovery_strategy(strategy)
        .delivery_timeout(Duration::from_secs(40))
        .seed(3)
        .build()
        .unwrap();
    let mut h = harness(c, cfg);
    h.send(ProducerRecord::new(TOPIC, "before")).unwrap();
    assert!(h.run_until_idle(Duration::from_secs(10)));
    for b in 1..=3 {
        h.cluster
            .set_broker_address(b, BrokerAddress::new(format!("new-host-{b}"), 9092));
        h.cluster.drop_connections(b);
    }
    let id = h.send(ProducerRecord::new(TOPIC, "after")).unwrap();
    assert!(h.run_until_idle(limit));
    (h, id)
}

#[test]
fn rebootstrap_when_every_known_broker_is_gone() {
    use kafka_sansio::producer::MetadataRecoveryStrategy;
    let (h, id) = brokers_move_to_new_hosts(
        MetadataRecoveryStrategy::Rebootstrap,
        Duration::from_secs(60),
    );
    assert!(events(&h).iter().any(|e| matches!(e, Event::Rebootstrap)));
    assert!(all_delivered(&h)[&id].result.is_ok());
}

#[test]
fn without_rebootstrap_records_time_out_when_every_known_broker_is_gone() {
    use kafka_sansio::producer::MetadataRecoveryStrategy;
    let (h, id) =
        brokers_move_to_new_hosts(MetadataRecoveryStrategy::None, Duration::from_secs(120));
    assert!(!events(&h).iter().any(|e| matches!(e, Event::Rebootstrap)));
    let r = h.reports().iter().find(|r| r.id == id).unwrap();
    let failure = r.result.as_ref().unwrap_err();
    assert!(
        matches!(failure.error, ProduceError::DeliveryTimeout { .. }),
        "{failure:?}"
    );
}

#[test]
fn a_full_buffer_hands_the_record_back_and_recovers() {
    let mut c = cluster(1, 1);
    c.refuse_connections(1, true);
    let cfg = config(&c).buffer_memory(4096).build().unwrap();
    let mut h = harness(c, cfg);
    let mut accepted = 0;
    let refused = loop {
        let record = ProducerRecord::new(TOPIC, vec![7u8; 300]).key("k");
        match h.send(record.clone()) {
            Ok(_) => accepted += 1,
            Err(e) => {
                assert!(
                    matches!(e.reason, SendErrorReason::BufferFull { limit: 4096, .. }),
                    "{e}"
                );
                assert_eq!(e.into_record(), record, "the record comes back unchanged");
                break true;
            }
        }
        assert!(accepted < 100, "the buffer never filled");
    };
    assert!(refused && accepted > 1);
    assert!(h.producer.buffered_bytes() <= 4096);
    h.cluster.refuse_connections(1, false);
    assert!(h.run_until_idle(Duration::from_secs(30)));
    assert_eq!(all_delivered(&h).len(), accepted);
    assert!(h.send(ProducerRecord::new(TOPIC, "again")).is_ok());
    assert!(h.violations().is_empty(), "{:?}", h.violations());
}

/// A borrowed record lands as the same owned one does (key, value,
/// headers, timestamp), whether it waited for its topic's metadata (copied
/// then) or joined a batch at once; the caller's buffer is reused after
/// every send. A refused one comes back as it was given.
#[test]
fn borrowed_records_land_like_owned_ones_and_come_back_when_refused() {
    let c = cluster(1, 1);
    let cfg = config(&c).build().unwrap();
    let mut h = harness(c, cfg);
    let mut buffer = Vec::new();
    let mut send_pair = |h: &mut Harness, i: usize| {
        let owned = ProducerRecord::new(TOPIC, format!("value-{i}"))
            .key(format!("key-{i}"))
            .header("n", Some(Bytes::from(i.to_string())))
            .header("empty", None)
            .timestamp(1_000 + i as i64);
        h.send(owned).unwrap();
        buffer.clear();
        buffer.extend_from_slice(format!("key-{i}value-{i}{i}").as_bytes());
        let (key, rest) = buffer.split_at(format!("key-{i}").len());
        let (value, n) = rest.split_at(format!("value-{i}").len());
        let headers = [("n", Some(n)), ("empty", None)];
        let borrowed = BorrowedRecord::new(TOPIC, value)
            .key(key)
            .headers(&headers)
            .timestamp(1_000 + i as i64);
        h.send(borrowed).unwrap();
    };
    // The first ones wait for the map; the later ones go to a batch at once.
    for i in 0..3 {
        send_pair(&mut h, i);
    }
    assert!(h.run_until_idle(Duration::from_secs(5)));
    for i in 3..6 {
        send_pair(&mut h, i);
    }
    assert!(h.run_until_idle(Duration::from_secs(5)));
    assert_eq!(all_delivered(&h).len(), 12);
    let log = h.cluster.log(TOPIC, 0);
    assert_eq!(log.len(), 12);
    for (i, pair) in log.chunks(2).enumerate() {
        let fields = |r: &kafka_sansio::sim::StoredRecord| {
            let headers: Vec<_> = r
                .headers
                .iter()
                .map(|h| (h.key().to_owned(), h.value.clone()))
                .collect();
            (r.timestamp, r.key.clone(), r.value.clone(), headers)
        };
        assert_eq!(fields(&pair[0]), fields(&pair[1]), "pair {i}");
        assert_eq!(
            pair[0].value.as_deref(),
            Some(format!("value-{i}").as_bytes())
        );
    }

    let value = b"v".to_vec();
    let refused = BorrowedRecord::new("not a topic!", &value);
    let e = h.send(refused).unwrap_err();
    assert!(matches!(e.reason, SendErrorReason::InvalidTopic(_)), "{e}");
    let back = e.into_record();
    assert_eq!(back, refused);
    assert!(std::ptr::eq(back.value.unwrap(), &value[..]), "not a copy");
    assert!(h.violations().is_empty(), "{:?}", h.violations());
}

#[test]
fn close_with_a_deadline_reports_what_is_left() {
    let mut c = cluster(1, 1);
    c.refuse_connections(1, true);
    let cfg = config(&c).build().unwrap();
    let mut h = harness(c, cfg);
    let ids: Vec<_> = (0..10).map(|i| h.send(keyed(i)).unwrap()).collect();
    h.close(Duration::from_secs(2));
    assert!(
        h.send(keyed(99))
            .is_err_and(|e| e.reason == SendErrorReason::Closed)
    );
    h.run_for(Duration::from_secs(3));
    assert!(h.producer.is_closed());
    assert_eq!(h.reports().len(), ids.len());
    for r in h.reports() {
        let f = r.result.as_ref().unwrap_err();
        assert_eq!(f.error, ProduceError::Closed);
        assert_eq!(f.certainty, Certainty::NotSent);
    }
    assert!(events(&h).iter().any(|e| matches!(e, Event::Closed)));
    assert_eq!(h.producer.poll_timeout(), None);
}

#[test]
fn close_drains_everything_before_the_deadline_on_a_healthy_cluster() {
    let c = cluster(3, 3);
    let cfg = config(&c).linger(Duration::from_secs(10)).build().unwrap();
    let mut h = harness(c, cfg);
    let sent: Vec<_> = (0..50)
        .map(|i| {
            let v = format!("value-{i}");
            (
                h.send(ProducerRecord::new(TOPIC, v.clone()).partition(i % 3))
                    .unwrap(),
                v,
            )
        })
        .collect();
    h.close(Duration::from_secs(30));
    h.run_for(Duration::from_secs(1));
    assert!(
        h.producer.is_closed(),
        "closed well before linger or the deadline"
    );
    logs_hold_exactly(&h, &sent, 3);
}

#[test]
fn flush_sends_at_once_records_that_were_waiting_for_the_map() {
    let c = cluster(3, 3);
    let cfg = config(&c).linger(Duration::from_secs(10)).build().unwrap();
    let mut h = harness(c, cfg);
    // Sent before the map is known: they wait for their topic, and their
    // batches are made only after the flush.
    let sent = send_numbered(&mut h, 0..30);
    h.flush();
    h.run_for(Duration::from_secs(1));
    assert_eq!(
        h.reports().len(),
        30,
        "flushed records do not wait out linger.ms"
    );
    logs_hold_exactly(&h, &sent, 3);
    // A record sent after the flush lingers as usual.
    h.send(ProducerRecord::new(TOPIC, "later")).unwrap();
    h.run_for(Duration::from_secs(1));
    assert_eq!(h.reports().len(), 30);
}

#[test]
fn a_lost_response_after_the_append_is_not_written_twice() {
    let c = cluster(1, 1);
    let cfg = config(&c).build().unwrap();
    let mut h = harness(c, cfg);
    h.send(ProducerRecord::new(TOPIC, "v0")).unwrap();
    assert!(h.run_until_idle(Duration::from_secs(10)));
    h.cluster.lose_responses_after_append(1, 1);
    let sent = send_numbered(&mut h, 1..20);
    assert!(h.run_until_idle(Duration::from_secs(30)));
    let mut all = vec![(RecordId(0), "v0".to_owned())];
    all.extend(sent);
    logs_hold_exactly(&h, &all, 1);
    assert!(
        events(&h)
            .iter()
            .any(|e| matches!(e, Event::BatchRetry { .. }))
    );
}

#[test]
fn retriable_errors_are_retried_with_backoff_and_appended_once() {
    for code in [
        ErrorCode::NOT_ENOUGH_REPLICAS,
        ErrorCode::NOT_ENOUGH_REPLICAS_AFTER_APPEND,
        ErrorCode::REQUEST_TIMED_OUT,
        ErrorCode::NOT_LEADER_OR_FOLLOWER,
    ] {
        let c = cluster(3, 1);
        let cfg = config(&c).build().unwrap();
        let mut h = harness(c, cfg);
        h.cluster.inject_error(TOPIC, 0, code, 3);
        let sent = send_numbered(&mut h, 0..5);
        assert!(h.run_until_idle(Duration::from_secs(30)), "{code:?}");
        logs_hold_exactly(&h, &sent, 1);
    }
}

/// One broker with one partition and a producer with a 1 s
/// `request.timeout.ms` (and what `tune` sets): "v0" is delivered, then
/// the broker answers each request only after `delay`.
fn answering_late_after_v0(
    tune: impl FnOnce(ProducerConfigBuilder) -> ProducerConfigBuilder,
    delay: Duration,
) -> Harness {
    let c = cluster(1, 1);
    let cfg = tune(config(&c).request_timeout(Duration::from_secs(1)))
        .build()
        .unwrap();
    let mut h = harness(c, cfg);
    h.send(ProducerRecord::new(TOPIC, "v0")).unwrap();
    assert!(h.run_until_idle(Duration::from_secs(10)));
    h.cluster.set_response_delay(1, delay);
    h
}

#[test]
fn a_request_that_times_out_closes_its_connection_and_is_retried() {
    let mut h = answering_late_after_v0(|c| c, Duration::from_secs(5));
    let id = h.send(ProducerRecord::new(TOPIC, "v1")).unwrap();
    h.run_for(Duration::from_millis(1500));
    h.cluster.set_response_delay(1, Duration::ZERO);
    assert!(h.run_until_idle(Duration::from_secs(30)));
    // The reason names the request and the setting that gave up on it.
    let lost = events(&h).iter().any(|e| {
        matches!(e, Event::ConnectionLost { reason, .. } if reason.starts_with("Produce v")
            && reason.contains("timed out: no answer within request.timeout.ms (1000 ms)"))
    });
    assert!(lost, "{:?}", events(&h));
    logs_hold_exactly(&h, &[(RecordId(0), "v0".into()), (id, "v1".into())], 1);
}

/// A batch that waits behind one being retried and never goes out says,
/// when its delivery timeout comes, why it waited: the lost connection to
/// its leader; the batch that went out is the one possibly written.
#[test]
fn a_batch_that_never_went_out_times_out_with_its_leaders_lost_connection() {
    let mut h = answering_late_after_v0(
        |c| {
            c.max_in_flight_per_connection(1)
                .delivery_timeout(Duration::from_secs(3))
        },
        Duration::from_secs(3600),
    );
    let written = h.send(ProducerRecord::new(TOPIC, "v1")).unwrap();
    h.run_for(Duration::from_millis(100));
    let waiting = h.send(ProducerRecord::new(TOPIC, "v2")).unwrap();
    assert!(h.run_until_idle(Duration::from_secs(30)));
    let failure = |id| {
        let r = h.reports().iter().find(|r| r.id == id).expect("reported");
        r.result.clone().expect_err("the leader never answers")
    };
    let (written, waiting) = (failure(written), failure(waiting));
    assert_eq!(written.certainty, Certainty::PossiblySent, "{written}");
    assert_eq!(waiting.certainty, Certainty::NotSent, "{waiting}");
    for f in [&written, &waiting] {
        let text = f.to_string();
        assert!(
            text.contains("delivery timed out after 3000 ms; last error: connection to")
                && text.contains("no answer within request.timeout.ms (1000 ms)"),
            "{text}"
        );
    }
}

#[test]
fn a_batch_too_large_for_the_broker_is_split() {
    let mut cc = ClusterConfig::with_brokers(1);
    cc.max_message_bytes = 3000;
    let mut c = Cluster::new(cc);
    c.create_topic(TOPIC, 1, 1);
    let cfg = config(&c)
        .batch_size(64 * 1024)
        .linger(Duration::from_millis(100))
        .build()
        .unwrap();
    let mut h = harness(c, cfg);
    let sent: Vec<_> = (0..40)
        .map(|i| {
            let v = format!("{i:04}-{}", "x".repeat(200));
            (h.send(ProducerRecord::new(TOPIC, v.clone())).unwrap(), v)
        })
        .collect();
    assert!(h.run_until_idle(Duration::from_secs(30)));
    assert!(
        events(&h)
            .iter()
            .any(|e| matches!(e, Event::BatchSplit { .. }))
    );
    logs_hold_exactly(&h, &sent, 1);
}

#[test]
fn unknown_producer_id_bumps_the_epoch_and_delivers() {
    let c = cluster(1, 1);
    let cfg = config(&c).build().unwrap();
    let mut h = harness(c, cfg);
    h.send(ProducerRecord::new(TOPIC, "v0")).unwrap();
    assert!(h.run_until_idle(Duration::from_secs(10)));
    h.cluster
        .inject_error(TOPIC, 0, ErrorCode::UNKNOWN_PRODUCER_ID, 1);
    let id = h.send(ProducerRecord::new(TOPIC, "v1")).unwrap();
    assert!(h.run_until_idle(Duration::from_secs(10)));
    assert!(
        events(&h)
            .iter()
            .any(|e| matches!(e, Event::EpochBumped { epoch: 1, .. }))
    );
    logs_hold_exactly(&h, &[(RecordId(0), "v0".into()), (id, "v1".into())], 1);
    assert_eq!(h.cluster.log(TOPIC, 0)[1].producer_epoch, 1);
}

#[test]
fn a_fenced_producer_fails_fatally_and_refuses_more() {
    let c = cluster(1, 1);
    let cfg = config(&c).build().unwrap();
    let mut h = harness(c, cfg);
    h.cluster
        .inject_error(TOPIC, 0, ErrorCode::PRODUCER_FENCED, 1);
    let ids: Vec<_> = (0..3).map(|i| h.send(keyed(i)).unwrap()).collect();
    assert!(h.run_until_idle(Duration::from_secs(10)));
    assert_eq!(h.reports().len(), ids.len());
    for r in h.reports() {
        assert!(matches!(
            r.result.as_ref().unwrap_err().error,
            ProduceError::Fatal(_)
        ));
    }
    assert!(h.producer.fatal_error().is_some());
    assert!(
        h.send(keyed(9))
            .is_err_and(|e| matches!(e.reason, SendErrorReason::Fatal(_)))
    );
}

#[test]
fn coordinator_loading_delays_the_producer_id_but_not_forever() {
    let mut c = cluster(1, 1);
    c.inject_init_producer_id_error(ErrorCode::COORDINATOR_LOAD_IN_PROGRESS, 3);
    let cfg = config(&c).build().unwrap();
    let mut h = harness(c, cfg);
    let id = h.send(keyed(0)).unwrap();
    assert!(h.run_until_idle(Duration::from_secs(10)));
    assert!(all_delivered(&h)[&id].result.is_ok());
    assert_eq!(h.cluster.requests_received(1, ApiKey::INIT_PRODUCER_ID), 4);
}

#[test]
fn an_unknown_topic_fails_at_the_delivery_timeout_with_a_clear_reason() {
    let c = cluster(1, 1);
    let cfg = config(&c)
        .delivery_timeout(Duration::from_secs(31))
        .build()
        .unwrap();
    let mut h = harness(c, cfg);
    let id = h.send(ProducerRecord::new("no-such-topic", "x")).unwrap();
    assert!(h.run_until_idle(Duration::from_secs(60)));
    let r = h.reports().iter().find(|r| r.id == id).unwrap();
    let f = r.result.as_ref().unwrap_err();
    assert!(
        matches!(&f.error, ProduceError::UnknownTopic { topic } if &**topic == "no-such-topic"),
        "{f:?}"
    );
    assert_eq!(f.certainty, Certainty::NotSent);
    assert!(h.elapsed() >= Duration::from_secs(31));
}

#[test]
fn acks_zero_reports_without_offsets() {
    let c = cluster(1, 1);
    let cfg = config(&c)
        .acks(Acks::None)
        .enable_idempotence(false)
        .build()
        .unwrap();
    let mut h = harness(c, cfg);
    for i in 0..10 {
        h.send(keyed(i)).unwrap();
    }
    assert!(h.run_until_idle(Duration::from_secs(10)));
    let reports = all_delivered(&h);
    assert_eq!(reports.len(), 10);
    assert!(
        reports
            .values()
            .all(|r| r.result.as_ref().unwrap().offset.is_none())
    );
    assert_eq!(h.cluster.log(TOPIC, 0).len(), 10);
}

#[test]
fn the_same_seed_gives_the_same_timeline() {
    let start = Instant::now();
    let run = || {
        let c = cluster(3, 6);
        let cfg = config(&c).build().unwrap();
        let mut h = Harness::new(c, cfg, start).unwrap();
        for i in 0..50 {
            h.send(ProducerRecord::new(TOPIC, format!("v{i}"))).unwrap();
            if i == 20 {
                let now = h.now();
                h.cluster.crash(2, now);
            }
            h.run_for(Duration::from_millis(2));
        }
        h.run_until_idle(Duration::from_secs(60));
        format!("{:?}", h.timeline())
    };
    assert_eq!(run(), run());
}

#[test]
fn records_with_headers_and_timestamps_arrive_intact() {
    let c = cluster(1, 1);
    let cfg = config(&c).build().unwrap();
    let mut h = harness(c, cfg);
    let record = ProducerRecord::new(TOPIC, "payload")
        .key("k")
        .header("trace", Some(Bytes::from_static(b"abc")))
        .header("empty", None)
        .timestamp(1_600_000_000_123);
    let id = h.send(record).unwrap();
    assert!(h.run_until_idle(Duration::from_secs(10)));
    let r = &all_delivered(&h)[&id];
    assert_eq!(r.result.as_ref().unwrap().timestamp, 1_600_000_000_123);
    let stored = &h.cluster.log(TOPIC, 0)[0];
    assert_eq!(stored.key.as_deref(), Some(&b"k"[..]));
    assert_eq!(stored.timestamp, 1_600_000_000_123);
    assert_eq!(stored.headers.len(), 2);
}

#[test]
fn a_partition_the_map_does_not_show_waits_for_a_fresh_map_then_fails_clearly() {
    let c = cluster(1, 3);
    let cfg = config(&c)
        .delivery_timeout(Duration::from_secs(31))
        .build()
        .unwrap();
    let mut h = harness(c, cfg);
    h.send(ProducerRecord::new(TOPIC, "known").partition(2))
        .unwrap();
    assert!(h.run_until_idle(Duration::from_secs(10)));
    let id = h
        .send(ProducerRecord::new(TOPIC, "beyond").partition(5))
        .unwrap();
    assert!(
        h.send(ProducerRecord::new(TOPIC, "negative").partition(-1))
            .is_err_and(|e| matches!(
                e.reason,
                SendErrorReason::InvalidPartition { partition: -1, .. }
            ))
    );
    assert!(h.run_until_idle(Duration::from_secs(60)));
    assert!(events(&h).iter().any(|e| matches!(
        e,
        Event::MetadataRefreshScheduled {
            reason: RefreshReason::UnknownPartition { partition: 5, .. },
            ..
        }
    )));
    let r = h.reports().iter().find(|r| r.id == id).unwrap();
    let f = r.result.as_ref().unwrap_err();
    assert!(
        matches!(
            f.error,
            ProduceError::InvalidPartition {
                partition: 5,
                count: 3,
                ..
            }
        ),
        "{f:?}"
    );
    assert_eq!(f.certainty, Certainty::NotSent);
}

#[test]
fn log_append_time_topics_report_the_brokers_time() {
    let mut c = cluster(1, 1);
    c.set_log_append_time(TOPIC, true);
    let cfg = config(&c).build().unwrap();
    let mut h = harness(c, cfg);
    let id = h
        .send(ProducerRecord::new(TOPIC, "x").timestamp(1))
        .unwrap();
    assert!(h.run_until_idle(Duration::from_secs(10)));
    let d = all_delivered(&h)[&id].result.clone().unwrap();
    assert_eq!(
        d.timestamp_type,
        kafka_sansio::record::TimestampType::LogAppendTime
    );
    assert_eq!(d.timestamp, h.cluster.log(TOPIC, 0)[0].timestamp);
    assert_ne!(d.timestamp, 1);
}

#[test]
fn keyless_records_stick_to_a_partition_for_a_batch_then_spread() {
    let c = cluster(3, 6);
    let cfg = config(&c)
        .batch_size(1024)
        .linger(Duration::from_millis(1))
        .build()
        .unwrap();
    let mut h = harness(c, cfg);
    let mut partitions = Vec::new();
    for i in 0..600 {
        h.send(ProducerRecord::new(TOPIC, format!("{i:0>40}")))
            .unwrap();
        if i % 20 == 0 {
            h.run_for(Duration::from_millis(2));
        }
    }
    assert!(h.run_until_idle(Duration::from_secs(10)));
    let reports = all_delivered(&h);
    for r in reports.values() {
        partitions.push(r.partition.unwrap());
    }
    let switches = partitions.windows(2).filter(|w| w[0] != w[1]).count();
    let mut counts = [0usize; 6];
    for p in &partitions {
        counts[*p as usize] += 1;
    }
    // ~70 bytes a record and 1 KiB batches: a switch every 15 to 30 records.
    assert!((15..=50).contains(&switches), "{switches} switches");
    assert!(
        counts.iter().all(|&c| c > 30),
        "every partition gets a share: {counts:?}"
    );
}

#[test]
fn a_throttled_connection_waits_out_the_brokers_pause() {
    let c = cluster(1, 1);
    let cfg = config(&c).linger(Duration::ZERO).build().unwrap();
    let mut h = harness(c, cfg);
    h.send(ProducerRecord::new(TOPIC, "warm-up")).unwrap();
    assert!(h.run_until_idle(Duration::from_secs(10)));
    h.cluster
        .set_produce_throttle(1, Duration::from_millis(500));
    h.send(ProducerRecord::new(TOPIC, "a")).unwrap();
    assert!(h.run_until_idle(Duration::from_secs(10)));
    let first = h.elapsed();
    h.send(ProducerRecord::new(TOPIC, "b")).unwrap();
    assert!(h.run_until_idle(Duration::from_secs(10)));
    let waited = h.elapsed() - first;
    assert!(
        waited >= Duration::from_millis(490),
        "sent again after {waited:?}"
    );
    assert_eq!(all_delivered(&h).len(), 3);
}

/// Keyless records sent while broker 2 stops answering: how many of the
/// last 1,000 went to partitions it leads.
fn records_to_a_stalled_leader(availability_timeout: Duration) -> usize {
    let c = cluster(3, 6);
    let cfg = config(&c)
        .batch_size(512)
        .partitioner_availability_timeout(availability_timeout)
        .build()
        .unwrap();
    let mut h = harness(c, cfg);
    h.send(ProducerRecord::new(TOPIC, "warm-up")).unwrap();
    assert!(h.run_until_idle(Duration::from_secs(10)));
    h.cluster.set_response_delay(2, Duration::from_secs(20));
    let slow: Vec<i32> = (0..6)
        .filter(|&p| h.cluster.leader(TOPIC, p) == Some(2))
        .collect();
    let mut late = Vec::new();
    for i in 0..2000 {
        let id = h
            .send(ProducerRecord::new(TOPIC, format!("{i:0>60}")))
            .unwrap();
        h.run_for(Duration::from_millis(1));
        if i >= 1000 {
            late.push(id);
        }
    }
    h.cluster.set_response_delay(2, Duration::ZERO);
    assert!(h.run_until_idle(Duration::from_secs(120)));
    let reports = all_delivered(&h);
    late.iter()
        .filter(|id| slow.contains(&reports[id].partition.unwrap()))
        .count()
}

#[test]
fn keyless_records_avoid_a_leader_that_stopped_draining() {
    // Queue-depth weights alone send fewer there than the uniform third...
    let adaptive_only = records_to_a_stalled_leader(Duration::ZERO);
    assert!((1..200).contains(&adaptive_only), "{adaptive_only}");
    // ...and partitioner.availability.timeout.ms leaves it out entirely.
    assert_eq!(records_to_a_stalled_leader(Duration::from_millis(100)), 0);
}

#[test]
fn an_error_that_lasts_a_while_is_retried_until_it_clears() {
    let c = cluster(3, 1);
    let cfg = config(&c).build().unwrap();
    let mut h = harness(c, cfg);
    h.send(ProducerRecord::new(TOPIC, "v0")).unwrap();
    assert!(h.run_until_idle(Duration::from_secs(10)));
    // Below min.insync.replicas for three seconds.
    let until = h.now() + Duration::from_secs(3);
    h.cluster
        .inject_error_until(TOPIC, 0, ErrorCode::NOT_ENOUGH_REPLICAS, until);
    let sent = send_numbered(&mut h, 1..10);
    assert!(h.run_until_idle(Duration::from_secs(30)));
    assert!(
        h.elapsed() >= Duration::from_secs(3),
        "nothing lands before the error clears"
    );
    let retries = events(&h)
        .iter()
        .filter(|e| matches!(e, Event::BatchRetry { .. }))
        .count();
    // Backoff grows 100 ms, 200, 400, 800, then 1 s: a handful of retries,
    // not hundreds.
    assert!((3..=8).contains(&retries), "{retries} retries");
    let mut all = vec![(RecordId(0), "v0".to_owned())];
    all.extend(sent);
    logs_hold_exactly(&h, &all, 1);
}

#[test]
fn the_producers_map_matches_the_cluster() {
    let c = cluster(3, 6);
    let cfg = config(&c).build().unwrap();
    let mut h = harness(c, cfg);
    assert_eq!(h.producer.partitions(TOPIC), None);
    h.send(keyed(0)).unwrap();
    assert!(h.run_until_idle(Duration::from_secs(10)));
    let map = h.producer.partitions(TOPIC).unwrap();
    assert_eq!(map.len(), 6);
    for p in &map {
        assert_eq!(p.leader, h.cluster.leader(TOPIC, p.partition));
        assert_eq!(
            Some(p.leader_epoch),
            h.cluster.leader_epoch(TOPIC, p.partition)
        );
    }
    let brokers: Vec<(i32, String)> = h
        .producer
        .brokers()
        .map(|(id, a)| (id, a.to_string()))
        .collect();
    let expected: Vec<(i32, String)> = (1..=3)
        .map(|b| (b, h.cluster.broker_address(b).to_string()))
        .collect();
    assert_eq!(brokers, expected);
}

/// Kafka answers a retried batch it already holds with the batch's stored
/// timestamp in the "log append time" field, whatever the topic's type;
/// for a CreateTime topic that is the batch's largest create time. Each
/// record must still report its own create time, and a LogAppendTime
/// topic the broker's time.
#[test]
fn a_duplicate_answer_keeps_each_records_timestamp_and_type() {
    use kafka_sansio::record::TimestampType;
    for log_append_time in [false, true] {
        let mut c = cluster(1, 1);
        c.set_log_append_time(TOPIC, log_append_time);
        let cfg = config(&c).linger(Duration::from_millis(5)).build().unwrap();
        let mut h = harness(c, cfg);
        h.send(ProducerRecord::new(TOPIC, "first").timestamp(1_000))
            .unwrap();
        assert!(h.run_until_idle(Duration::from_secs(10)));
        h.cluster.lose_responses_after_append(1, 1);
        let ids: Vec<RecordId> = (0..3)
            .map(|i| {
                let record = ProducerRecord::new(TOPIC, format!("v{i}")).timestamp(2_000 + i);
                h.send(record).unwrap()
            })
            .collect();
        assert!(h.run_until_idle(Duration::from_secs(30)));
        let retried = events(&h)
            .iter()
            .any(|e| matches!(e, Event::BatchRetry { .. }));
        assert!(retried, "the batch was retried and answered as a duplicate");
        let log = h.cluster.log(TOPIC, 0).to_vec();
        let delivered = all_delivered(&h);
        for (i, id) in ids.iter().enumerate() {
            let d = delivered[id].result.clone().unwrap();
            let stored = &log[i + 1];
            assert_eq!(d.timestamp, stored.timestamp, "{log_append_time}: {id:?}");
            let want = if log_append_time {
                TimestampType::LogAppendTime
            } else {
                assert_eq!(d.timestamp, 2_000 + i as i64);
                TimestampType::CreateTime
            };
            assert_eq!(d.timestamp_type, want);
        }
    }
}

/// A record without a timestamp gets the wall clock at its `send`: the
/// `unix_ms` given to `Producer::new` plus the whole milliseconds since
/// (none before), however many records share a millisecond and in
/// whatever order the `now`s come (senders on several threads read the
/// clock, then take turns at the producer).
#[test]
fn records_are_stamped_with_the_wall_clock_at_their_send() {
    use kafka_sansio::record::TimestampType;
    use kafka_sansio::sim::START_UNIX_MS;
    let c = cluster(1, 1);
    let cfg = config(&c).linger(Duration::from_millis(5)).build().unwrap();
    let mut h = harness(c, cfg);
    let start = h.now();
    let mut rng = fastrand::Rng::with_seed(11);
    // Nanoseconds from the start, around millisecond edges, forwards and
    // back, and before the start.
    let mut offsets: Vec<i64> = vec![
        0, 999_999, 1_000_000, 500_000, 2_500_000, 1_999_999, 2_000_000, 0, -1_500_000, 3_000_001,
        1_000_001,
    ];
    offsets.extend((0..300).map(|_| rng.i64(-2_000_000..9_000_000)));
    let mut want = BTreeMap::new();
    for &nanos in &offsets {
        let at = if nanos >= 0 {
            start + Duration::from_nanos(nanos as u64)
        } else {
            start - Duration::from_nanos(nanos.unsigned_abs())
        };
        let id = h
            .producer
            .send(BorrowedRecord::new(TOPIC, b"v"), at)
            .unwrap();
        want.insert(id, START_UNIX_MS + nanos.max(0) / 1_000_000);
    }
    h.flush();
    assert!(h.run_until_idle(Duration::from_secs(30)));
    let delivered = all_delivered(&h);
    assert_eq!(delivered.len(), want.len());
    for (id, timestamp) in want {
        let d = delivered[&id].result.clone().unwrap();
        assert_eq!(d.timestamp_type, TimestampType::CreateTime);
        assert_eq!(d.timestamp, timestamp, "{id:?}");
    }
}

/// An adapter's timer may fire late: its thread can lose the race for the
/// lock to a `send` that comes after a batch's linger has passed. That
/// `send` must do the work that became due (send the lingering batch), or
/// nothing would wake the producer for it: its deadline is already past,
/// and only future deadlines are returned. Found by the end-to-end
/// failover run: the last records of a stream timed out, never sent.
#[test]
fn a_send_after_a_missed_linger_deadline_sends_the_lingering_batch() {
    let cluster = cluster(1, 1);
    let config = config(&cluster)
        .linger(Duration::from_millis(5))
        .build()
        .unwrap();
    let mut h = harness(cluster, config);
    h.send(keyed(0).partition(0)).unwrap();
    assert!(
        h.run_until_idle(Duration::from_secs(5)),
        "warm-up delivered"
    );

    h.send(keyed(1).partition(0)).unwrap();
    // The caller's timer is late: its next call is a send 20 ms on, into
    // the batch whose linger ran out 15 ms ago.
    let late = h.now() + Duration::from_millis(20);
    h.producer.send(keyed(2).partition(0), late).unwrap();
    let wake = h.producer.poll_timeout().map(|t| t.at);
    assert!(
        wake.is_some_and(|at| at <= late + Duration::from_secs(1)),
        "the lingering batch is sent or due soon, not at the delivery timeout: {wake:?}"
    );
    assert!(h.run_until_idle(Duration::from_secs(5)));
    assert_eq!(all_delivered(&h).len(), 3);
}

/// A broker whose Metadata gives no topic ids (below v10) but which speaks
/// Produce v13 (topics by id): the producer names the topics in Produce
/// v12 instead of failing every record with INVALID_REQUEST. Found by the
/// `producer` fuzz target.
#[test]
fn without_topic_ids_from_metadata_produce_names_topics_in_v12() {
    let mut c = Cluster::new(ClusterConfig {
        max_versions: vec![(ApiKey::METADATA, 9)],
        ..ClusterConfig::with_brokers(3)
    });
    c.create_topic(TOPIC, 3, 3);
    let cfg = config(&c).build().unwrap();
    let mut h = harness(c, cfg);
    let sent = send_numbered(&mut h, 0..20);
    assert!(h.run_until_idle(Duration::from_secs(30)));
    logs_hold_exactly(&h, &sent, 3);
    assert!(
        h.cluster.produce_requests().iter().all(|r| r.version == 12),
        "every Produce request in v12"
    );
}

#[test]
fn a_batch_failed_by_the_epoch_bump_says_what_its_last_attempt_met() {
    // The broker stops answering: both batches' requests time out (and
    // are possibly written). The first batch then expires, which bumps
    // the epoch; the second, whose outcome is unknown, fails with it, and
    // its reason carries what its last attempt met.
    let c = cluster(1, 1);
    let cfg = config(&c)
        .request_timeout(Duration::from_secs(1))
        .delivery_timeout(Duration::from_millis(2500))
        .linger(Duration::ZERO)
        .build()
        .unwrap();
    let mut h = harness(c, cfg);
    h.send(ProducerRecord::new(TOPIC, "v0")).unwrap();
    assert!(h.run_until_idle(Duration::from_secs(10)));
    h.cluster.set_response_delay(1, Duration::from_secs(60));
    let first = h.send(ProducerRecord::new(TOPIC, "v1")).unwrap();
    h.run_for(Duration::from_millis(100));
    let second = h.send(ProducerRecord::new(TOPIC, "v2")).unwrap();
    h.run_for(Duration::from_secs(10));
    let failure = |id| {
        let report = h.reports().iter().find(|r| r.id == id).expect("reported");
        report
            .result
            .clone()
            .expect_err("not delivered")
            .to_string()
    };
    assert!(
        failure(first).contains("delivery timed out"),
        "{}",
        failure(first)
    );
    let bumped = failure(second);
    assert!(bumped.contains("epoch was bumped"), "{bumped}");
    assert!(
        bumped.contains("its last attempt: ") && bumped.contains("timed out"),
        "{bumped}"
    );
}

#[test]
fn queued_batches_past_the_delivery_timeout_all_fail_at_once() {
    let c = cluster(1, 1);
    let cfg = config(&c)
        .batch_size(256)
        .delivery_timeout(Duration::from_secs(31))
        .build()
        .unwrap();
    let mut h = harness(c, cfg);
    h.keep_timeline(true);
    let first = h.send(keyed(0)).unwrap();
    assert!(h.run_until_idle(Duration::from_secs(10)));
    assert!(all_delivered(&h)[&first].result.is_ok());
    // The leader is known but can no longer be reached: the records wait
    // in their partition's queue, a few to a batch.
    h.cluster.refuse_connections(1, true);
    h.cluster.drop_connections(1);
    let sent = send_numbered(&mut h, 0..40);
    let start = h.elapsed();
    assert!(h.run_until_idle(Duration::from_secs(120)));
    let failed: Vec<(Duration, &DeliveryReport)> = h
        .timeline()
        .iter()
        .filter_map(|(at, x)| match x {
            Happening::Delivery(r) if r.id != first => Some((*at, r)),
            _ => None,
        })
        .collect();
    assert_eq!(failed.len(), sent.len(), "one report per record");
    for (at, r) in &failed {
        let f = r.result.as_ref().unwrap_err();
        assert!(
            matches!(f.error, ProduceError::DeliveryTimeout { .. }),
            "{f:?}"
        );
        assert!(*at >= start + Duration::from_secs(31), "{at:?}");
        // Every batch was made at the same moment: one timer fails them all.
        assert_eq!(
            *at, failed[0].0,
            "{:?} failed later than {:?}",
            r.id, failed[0].1.id
        );
    }
    assert!(h.violations().is_empty(), "{:?}", h.violations());
}

/// Sends 20 records to each of partitions 0 and 1 (random bytes
/// to partition 0 when `random`, alike text otherwise; alike text always
/// to partition 1), then flushes: one batch per partition.
fn send_round(h: &mut Harness, rng: &mut fastrand::Rng, random: bool) {
    for i in 0..20 {
        let alike = format!("alike value {i} ").repeat(10).into_bytes();
        let first = if random {
            std::iter::repeat_with(|| rng.u8(..)).take(200).collect()
        } else {
            alike.clone()
        };
        h.send(ProducerRecord::new(TOPIC, first).partition(0))
            .unwrap();
        h.send(ProducerRecord::new(TOPIC, alike).partition(1))
            .unwrap();
    }
    h.flush();
    assert!(h.run_until_idle(Duration::from_secs(10)));
}

/// Whether each batch the brokers received for `partition` came
/// compressed, in arrival order.
fn compressed_batches(h: &Harness, partition: i32) -> Vec<bool> {
    h.cluster
        .produce_requests()
        .iter()
        .flat_map(|r| &r.partitions)
        .filter(|p| p.partition == partition)
        .map(|p| p.compressed)
        .collect()
}

/// With lz4, a partition of random values goes uncompressed and its
/// compression tries back off (after 1, 2, 4, ... up to 32 batches), while
/// a partition of alike values next to it is compressed batch after
/// batch. Once the first partition's values turn alike, its next try
/// compresses them, and every batch after that is compressed.
#[test]
fn compression_is_skipped_only_where_it_does_not_pay() {
    let c = cluster(1, 2);
    let cfg = config(&c).compression(Compression::Lz4).build().unwrap();
    let mut h = harness(c, cfg);
    let mut rng = fastrand::Rng::with_seed(5);
    for _ in 0..100 {
        send_round(&mut h, &mut rng, true);
    }
    let random = compressed_batches(&h, 0);
    assert_eq!(random.len(), 100);
    assert!(random.iter().all(|&c| !c), "{random:?}");
    let alike = compressed_batches(&h, 1);
    assert_eq!(alike.len(), 100);
    assert!(alike.iter().all(|&c| c), "{alike:?}");
    // Partition 0 tried batches 0, 2, 5, 10, 19, 36 and 69; partition 1
    // every batch.
    let stats = h.producer.stats();
    assert_eq!(
        (stats.compression_tries, stats.compression_skips),
        (107, 93),
        "{stats:?}"
    );

    for _ in 0..40 {
        send_round(&mut h, &mut rng, false);
    }
    let turned = &compressed_batches(&h, 0)[100..];
    // The next try was due at batch 102.
    assert_eq!(turned.iter().position(|&c| c), Some(2), "{turned:?}");
    assert!(turned[2..].iter().all(|&c| c), "{turned:?}");
    let alike = compressed_batches(&h, 1);
    assert_eq!(alike.len(), 140);
    assert!(alike.iter().all(|&c| c), "{alike:?}");
    assert!(h.violations().is_empty(), "{:?}", h.violations());
}
