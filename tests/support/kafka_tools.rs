//! Tools for tests against the real cluster of `tests/kafka/cluster.sh`,
//! shared by the core's `tests/real_kafka.rs` and the adapters' end-to-end
//! tests (`tests/e2e`): the cluster's address, unique topic names, the
//! cluster script, kcat read-back, and the exactly-once, in-order check.
#![allow(clippy::disallowed_types, clippy::disallowed_methods)] // the I/O side
#![allow(dead_code)] // each user takes what it needs

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use kafka_sansio::producer::{Delivered, DeliveryReport, ProducerRecord, RecordId};

/// Why the real-cluster tests are ignored by plain `cargo test`.
pub const SKIP_REASON: &str =
    "needs a real Kafka cluster: tests/kafka/cluster.sh up 3, then set KAFKA_BOOTSTRAP";

/// `tests/kafka/cluster.sh` of this repository, found from the crate that
/// includes this file (the root crate or one below it).
fn cluster_script() -> PathBuf {
    let mut dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    loop {
        let script = dir.join("tests/kafka/cluster.sh");
        if script.exists() {
            return script;
        }
        assert!(
            dir.pop(),
            "tests/kafka/cluster.sh not found above the crate"
        );
    }
}

pub fn bootstrap() -> String {
    std::env::var("KAFKA_BOOTSTRAP")
        .unwrap_or_else(|_| panic!("KAFKA_BOOTSTRAP is not set: {SKIP_REASON}"))
}

/// A topic name no earlier run used.
pub fn unique(prefix: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{prefix}-{}-{nanos}", std::process::id())
}

/// A record as a test writes it and expects to read it back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TestRecord {
    pub key: Option<Vec<u8>>,
    pub value: Option<Vec<u8>>,
    pub headers: Vec<(String, Vec<u8>)>,
    pub timestamp: i64,
}

/// Reads `topic`/`partition` from the start to its end with kcat and parses
/// each record. The format puts lengths before the raw key and value, so
/// any bytes survive: `offset|timestamp|keylen|valuelen|<key><value>|headers\n`.
///
/// kcat learns the partition's end from whichever broker it asks first, and
/// a broker that has not yet applied the newest metadata reports an empty
/// partition; so read again, for a bounded time, until `expected` records
/// are there. Missing records still fail the caller's comparison.
pub fn kcat_read(topic: &str, partition: i32, expected: usize) -> Vec<(i64, TestRecord)> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let out = Command::new("kcat")
            .args(["-C", "-b", &bootstrap(), "-t", topic])
            .args(["-p", &partition.to_string(), "-o", "beginning", "-e", "-q"])
            .args(["-f", "%o|%T|%K|%S|%k%s|%h\n"])
            .output()
            .expect("kcat is installed (apt-get install kcat)");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "kcat failed: {stderr}");
        let records = parse_kcat(&out.stdout);
        if records.len() >= expected || Instant::now() >= deadline {
            return records;
        }
        eprintln!(
            "kcat read {} of {expected} records of {topic}/{partition}; reading again ({})",
            records.len(),
            stderr.trim()
        );
        std::thread::sleep(Duration::from_millis(300));
    }
}

pub fn parse_kcat(mut rest: &[u8]) -> Vec<(i64, TestRecord)> {
    fn field<'a>(rest: &mut &'a [u8], end: u8) -> &'a [u8] {
        let at = rest.iter().position(|b| *b == end).expect("field end");
        let f = &rest[..at];
        *rest = &rest[at + 1..];
        f
    }
    fn number(rest: &mut &[u8]) -> i64 {
        std::str::from_utf8(field(rest, b'|'))
            .unwrap()
            .parse()
            .unwrap()
    }
    fn bytes_of(rest: &mut &[u8], len: i64) -> Option<Vec<u8>> {
        let n = usize::try_from(len).ok()?;
        let b = rest[..n].to_vec();
        *rest = &rest[n..];
        Some(b)
    }
    let mut records = Vec::new();
    while !rest.is_empty() {
        let offset = number(&mut rest);
        let timestamp = number(&mut rest);
        let key_len = number(&mut rest);
        let value_len = number(&mut rest);
        let key = bytes_of(&mut rest, key_len);
        let value = bytes_of(&mut rest, value_len);
        assert_eq!(rest.first(), Some(&b'|'), "kcat output out of step");
        rest = &rest[1..];
        let headers_text = std::str::from_utf8(field(&mut rest, b'\n')).unwrap();
        let headers = headers_text
            .split(',')
            .filter(|h| !h.is_empty())
            .map(|h| {
                let (k, v) = h.split_once('=').expect("header k=v");
                (k.to_owned(), v.as_bytes().to_vec())
            })
            .collect();
        records.push((
            offset,
            TestRecord {
                key,
                value,
                headers,
                timestamp,
            },
        ));
    }
    records
}

/// Runs `tests/kafka/cluster.sh` and returns its stdout.
pub fn cluster_sh(args: &[&str]) -> Result<String, String> {
    let out = Command::new(cluster_script())
        .args(args)
        .output()
        .map_err(|e| format!("cluster.sh {args:?}: {e}"))?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        return Err(format!("cluster.sh {args:?} failed: {stderr}"));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// A killed broker, started again when this is dropped (also when the test
/// fails), so the tests after it find three nodes.
pub struct Killed(Option<String>);

impl Killed {
    pub fn kill(node: &str) -> Killed {
        cluster_sh(&["kill", node]).unwrap();
        Killed(Some(node.to_owned()))
    }

    pub fn restart(&mut self) {
        if let Some(node) = self.0.take() {
            cluster_sh(&["start", &node]).unwrap();
        }
    }
}

impl Drop for Killed {
    fn drop(&mut self) {
        if let Some(node) = self.0.take() {
            eprintln!("restarting broker {node} after a failure");
            if let Err(e) = cluster_sh(&["start", &node]) {
                eprintln!("{e}");
            }
        }
    }
}

/// What kcat must read back for `record`, delivered as `delivered`.
pub fn expected_read(record: &ProducerRecord, delivered: &Delivered) -> TestRecord {
    if let Some(ts) = record.timestamp {
        assert_eq!(delivered.timestamp, ts, "the report keeps the timestamp");
    }
    TestRecord {
        key: record.key.as_ref().map(|k| k.to_vec()),
        value: record.value.as_ref().map(|v| v.to_vec()),
        headers: record
            .headers
            .iter()
            .map(|(k, v)| (k.clone(), v.as_ref().expect("no null header").to_vec()))
            .collect(),
        timestamp: delivered.timestamp,
    }
}

/// Checks that every record of `sent` has exactly one success report, that
/// each partition's offsets run 0, 1, 2, ... in send order, and that kcat
/// reads exactly those records at exactly those offsets, nothing else.
/// Returns the partition each record went to.
pub fn assert_exactly_once_in_order(
    topic: &str,
    partitions: i32,
    sent: &BTreeMap<RecordId, ProducerRecord>,
    reports: &[DeliveryReport],
) -> BTreeMap<RecordId, i32> {
    let mut seen = BTreeSet::new();
    let mut landed = BTreeMap::new();
    let mut by_partition: BTreeMap<i32, Vec<(RecordId, i64, TestRecord)>> = BTreeMap::new();
    for r in reports {
        assert!(seen.insert(r.id), "two reports for {:?}", r.id);
        let record = sent.get(&r.id).expect("a report for a record we sent");
        assert_eq!(&*r.topic, topic);
        let delivered = match &r.result {
            Ok(d) => d,
            Err(e) => panic!("{:?} (partition {:?}) failed: {e}", r.id, r.partition),
        };
        let partition = r.partition.expect("a delivered record has a partition");
        if let Some(p) = record.partition {
            assert_eq!(partition, p, "{:?}: the explicit partition wins", r.id);
        }
        let offset = delivered.offset.expect("acks=all reports the offset");
        landed.insert(r.id, partition);
        let want = expected_read(record, delivered);
        by_partition
            .entry(partition)
            .or_default()
            .push((r.id, offset, want));
    }
    assert_eq!(seen.len(), sent.len(), "one report per record sent");
    for p in 0..partitions {
        let mut want = by_partition.remove(&p).unwrap_or_default();
        want.sort_by_key(|(id, ..)| *id);
        let offsets: Vec<i64> = want.iter().map(|(_, o, _)| *o).collect();
        let dense: Vec<i64> = (0..want.len() as i64).collect();
        assert_eq!(
            offsets, dense,
            "{topic}/{p}: offsets in send order, no gaps"
        );
        let read = kcat_read(topic, p, want.len());
        assert_eq!(read.len(), want.len(), "{topic}/{p}: records in the log");
        for ((offset, got), (id, want_offset, want)) in read.iter().zip(&want) {
            assert_eq!((offset, got), (want_offset, want), "{topic}/{p}: {id:?}");
        }
    }
    assert!(
        by_partition.is_empty(),
        "partitions out of range: {by_partition:?}"
    );
    landed
}

/// A partition as the cluster's metadata shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartitionState {
    pub partition: i32,
    /// -1 while the partition has no leader.
    pub leader: i32,
    pub isr: Vec<i32>,
}

/// The running (not paused, not stopped) nodes' client addresses: a paused
/// node accepts connections and never answers, so tools are not sent there.
pub fn running_bootstrap() -> Result<String, String> {
    cluster_sh(&["bootstrap"])
}

/// Runs kcat with `args` against the running nodes, bounded by `-m`
/// (metadata and query timeout, seconds), and returns its stdout.
fn kcat(args: &[&str]) -> Result<String, String> {
    let brokers = running_bootstrap()?;
    let out = Command::new("kcat")
        .args(["-b", &brokers, "-m", "5"])
        .args(args)
        .output()
        .map_err(|e| format!("kcat {args:?}: {e} (apt-get install kcat)"))?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        return Err(format!("kcat {args:?} failed: {}", stderr.trim()));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Leader and in-sync replicas of each partition of `topic`, from a
/// Metadata request (`kcat -L`) to whichever running node answers first.
pub fn partition_states(topic: &str) -> Result<Vec<PartitionState>, String> {
    let out = kcat(&["-L", "-t", topic])?;
    // "    partition 0, leader 1, replicas: 1,2,3, isrs: 1,2,3"
    let ids =
        |s: &str| -> Vec<i32> { s.split(',').filter_map(|n| n.trim().parse().ok()).collect() };
    let states: Vec<PartitionState> = out
        .lines()
        .filter_map(|line| {
            let rest = line.trim().strip_prefix("partition ")?;
            let (partition, rest) = rest.split_once(", leader ")?;
            let (leader, rest) = rest.split_once(", replicas: ")?;
            let (_, isr) = rest.split_once(", isrs: ")?;
            Some(PartitionState {
                partition: partition.parse().ok()?,
                leader: leader.parse().ok()?,
                isr: ids(isr),
            })
        })
        .collect();
    if states.is_empty() {
        return Err(format!("no partitions of {topic} in kcat -L: {out}"));
    }
    Ok(states)
}

/// Each partition's end offset (the offset the next record would get),
/// asked with a ListOffsets request (`kcat -Q`, timestamp -1 = latest).
pub fn end_offsets(topic: &str, partitions: i32) -> Result<BTreeMap<i32, i64>, String> {
    let specs: Vec<String> = (0..partitions).map(|p| format!("{topic}:{p}:-1")).collect();
    let mut args = vec!["-Q"];
    for spec in &specs {
        args.extend(["-t", spec.as_str()]);
    }
    let out = kcat(&args)?;
    // "<topic> [<partition>] offset <n>"
    let ends: BTreeMap<i32, i64> = out
        .lines()
        .filter_map(|line| {
            let (_, rest) = line.split_once(" [")?;
            let (partition, rest) = rest.split_once("] offset ")?;
            Some((partition.parse().ok()?, rest.trim().parse().ok()?))
        })
        .collect();
    if ends.len() != partitions as usize {
        return Err(format!(
            "end offsets of {topic}: expected {partitions}, kcat said: {out}"
        ));
    }
    Ok(ends)
}
