//! What the producer does with the memory of the bytes it sends: a Produce
//! request hands its record batches over as they are (no copy into the
//! request), and a finished batch's buffer is built into again.
//!
//! Run on the simulated cluster, whose harness keeps every `Write` the
//! producer emits to be looked at.
#![allow(clippy::disallowed_methods)] // Instant::now once, as the virtual epoch

use std::time::{Duration, Instant};

use kafka_sansio::producer::{ProducerConfig, ProducerRecord};
use kafka_sansio::sim::{Cluster, ClusterConfig, Harness, Written};

/// A producer with these properties and one simulated broker, keeping its
/// writes.
fn harness(properties: &[(&str, &str)]) -> Harness {
    let mut cluster = Cluster::new(ClusterConfig::with_brokers(1));
    cluster.create_topic("t", 1, 1);
    let bootstrap = cluster.bootstrap_servers()[0].to_string();
    let mut props = vec![("bootstrap.servers", bootstrap.as_str())];
    props.extend_from_slice(properties);
    let config = ProducerConfig::from_properties(props).expect("config");
    let mut h = Harness::new(cluster, config, Instant::now()).expect("producer");
    h.keep_writes();
    assert!(h.run_until_idle(Duration::from_secs(5)), "metadata");
    h
}

/// Sends `count` records of `size` bytes, flushes and waits for all
/// reports; returns the writes made meanwhile.
fn round(h: &mut Harness, count: usize, size: usize) -> Vec<Written> {
    h.take_writes();
    let before = h.reports().len();
    for i in 0..count {
        let value = vec![b'a' + (i % 26) as u8; size];
        h.send(ProducerRecord::new("t", value)).expect("accepted");
    }
    h.flush();
    assert!(
        h.run_until_idle(Duration::from_secs(5)),
        "every record reported"
    );
    let reports = &h.reports()[before..];
    assert_eq!(reports.len(), count, "every record reported");
    assert!(reports.iter().all(|r| r.result.is_ok()), "{reports:?}");
    h.take_writes()
}

/// The write that carries the batch (the largest), and its place.
fn batch_write(writes: &[Written]) -> (usize, &[u8], usize) {
    let (at, w) = writes
        .iter()
        .enumerate()
        .max_by_key(|(_, w)| w.bytes.len())
        .expect("writes");
    (at, &w.bytes, w.address)
}

#[test]
fn a_produce_request_hands_its_batch_over_uncopied() {
    let mut h = harness(&[("linger.ms", "0")]);
    let writes = round(&mut h, 50, 100);
    let (at, batch, _) = batch_write(&writes);
    // The batch part is a whole record batch (magic 2 at byte 16), not a
    // request with a batch copied into it.
    assert!(batch.len() > 50 * 100, "{} bytes", batch.len());
    assert_eq!(batch[16], 2, "a record batch starts the part");
    let batch_length = i32::from_be_bytes(batch[8..12].try_into().unwrap());
    assert_eq!(batch.len(), 12 + batch_length as usize);
    // The part before starts the request, whose size prefix counts the
    // batch and the part after it.
    let (head, tail) = (&writes[at - 1].bytes, &writes[at + 1].bytes);
    let size = u32::from_be_bytes(head[..4].try_into().unwrap()) as usize;
    assert_eq!(head.len() + batch.len() + tail.len(), 4 + size);
}

/// The second batch is built in the first one's buffer, handed back when
/// the broker acknowledged it. Meanwhile the test takes an allocation of
/// the same size: had the first buffer been freed, the allocator would
/// hand that one out here, and the second batch would land elsewhere.
#[test]
fn a_finished_batch_buffer_is_built_into_again() {
    // One record per batch, larger than `batch.size`: its batch's buffer
    // is sized for it once and never grows.
    let mut h = harness(&[("linger.ms", "0"), ("batch.size", "1000")]);
    let writes = round(&mut h, 1, 5000);
    let (_, batch, first) = batch_write(&writes);
    let squatter = vec![1u8; batch.len()];
    let (_, _, second) = batch_write(&round(&mut h, 1, 5000));
    assert_eq!(second, first);
    assert_ne!(squatter.as_ptr() as usize, first);
}
