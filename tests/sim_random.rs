//! Randomized fault schedules against the simulated cluster, with an
//! invariant checker. `SIM_SCHEDULES=N` runs N schedules (seeds 0..N,
//! default 1000), `SIM_SEED=S` replays one (`SIM_TRACE=1` prints its
//! timeline when it fails). The run ends by printing its throughput.
//!
//! The long mode, 100,000 schedules in release:
//!
//! ```sh
//! SIM_SCHEDULES=100000 cargo test --release --features sim --test sim_random -- --nocapture
//! ```
#![allow(clippy::disallowed_methods)] // Instant::now once, as the virtual epoch

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use kafka_sansio::producer::{Acks, Certainty, ProducerConfig, ProducerRecord, RecordId};
use kafka_sansio::protocol::ErrorCode;
use kafka_sansio::record::Compression;
use kafka_sansio::sim::{Cluster, ClusterConfig, Harness};

/// SplitMix64: the schedule's own randomness, from the seed.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    fn ms(&mut self, max: u64) -> Duration {
        Duration::from_millis(self.below(max))
    }
}

const TOPICS: [&str; 2] = ["alpha", "beta"];
const BROKERS: i32 = 3;

#[derive(Debug)]
enum Fault {
    Crash(i32, Duration),
    MoveLeader(usize, i32, i32),
    Drop(i32),
    Refuse(i32, Duration),
    Delay(i32, Duration, Duration),
    LoseAfterAppend(i32, u32),
    Inject(usize, i32, ErrorCode, u32),
    InjectFor(usize, i32, ErrorCode, Duration),
}

/// Errors that leave the producer able to deliver everything once the
/// fault is over.
const HEALABLE: [ErrorCode; 6] = [
    ErrorCode::NOT_LEADER_OR_FOLLOWER,
    ErrorCode::NOT_ENOUGH_REPLICAS,
    ErrorCode::NOT_ENOUGH_REPLICAS_AFTER_APPEND,
    ErrorCode::REQUEST_TIMED_OUT,
    ErrorCode::KAFKA_STORAGE_ERROR,
    ErrorCode::UNKNOWN_TOPIC_OR_PARTITION,
];
/// Errors that force an epoch bump, after which possibly-written batches
/// fail rather than risk a duplicate.
const SEQUENCE_BREAKING: [ErrorCode; 2] = [
    ErrorCode::UNKNOWN_PRODUCER_ID,
    ErrorCode::OUT_OF_ORDER_SEQUENCE_NUMBER,
];

/// A fault's end, applied at its time.
type Repair = Box<dyn FnOnce(&mut Cluster)>;

struct Outcome {
    schedules: u64,
    records: u64,
}

fn run_schedule(seed: u64) -> Result<u64, String> {
    let mut d = Dice(seed);
    let partitions = [1 + d.below(4) as i32, 1 + d.below(6) as i32];
    let mut cluster = Cluster::new(ClusterConfig::with_brokers(BROKERS as u32));
    for (t, &p) in TOPICS.iter().zip(&partitions) {
        cluster.create_topic(t, p, 3);
    }
    let idempotent = !d.chance(15);
    let in_flight = 1 + d.below(5) as usize;
    let mut cfg = ProducerConfig::builder()
        .bootstrap_servers([cluster.broker_address(1 + d.below(3) as i32)])
        .seed(seed)
        .linger(d.ms(20))
        .batch_size(200 + d.below(4000) as usize)
        .request_timeout(Duration::from_secs(2 + d.below(5)))
        .delivery_timeout(Duration::from_secs(600))
        .retry_backoff(Duration::from_millis(20 + d.below(200)))
        .max_in_flight_per_connection(in_flight)
        .compression(match d.below(6) {
            0 => Compression::GZIP,
            1 => Compression::Snappy,
            2 => Compression::Lz4,
            3 => Compression::ZSTD,
            _ => Compression::None,
        });
    if !idempotent {
        cfg = cfg.enable_idempotence(false).acks(if d.chance(50) {
            Acks::Leader
        } else {
            Acks::All
        });
    }
    let cfg = cfg.build().map_err(|e| e.to_string())?;
    let mut h = Harness::new(cluster, cfg, Instant::now()).map_err(|e| e.to_string())?;
    h.set_latency(Duration::from_micros(100 + d.below(5000)));
    let trace = std::env::var("SIM_TRACE").is_ok();
    h.keep_timeline(trace);

    // The plan: records and faults at random moments in the first 5 s.
    let horizon = 5_000u64;
    let n_records = 20 + d.below(200);
    let mut plan: BTreeMap<(u64, u64), Option<Fault>> = BTreeMap::new();
    for i in 0..n_records {
        plan.insert((d.below(horizon), i), None);
    }
    let mut breaking = false;
    for i in 0..d.below(8) {
        let b = 1 + d.below(BROKERS as u64) as i32;
        let t = d.below(6) as usize % 2;
        let p = d.below(partitions[t] as u64) as i32;
        let fault = match d.below(8) {
            0 => Fault::Crash(b, d.ms(3000)),
            1 => Fault::MoveLeader(t, p, b),
            2 => Fault::Drop(b),
            3 => Fault::Refuse(b, d.ms(3000)),
            4 => Fault::Delay(b, d.ms(8000), d.ms(3000)),
            5 => Fault::LoseAfterAppend(b, 1 + d.below(3) as u32),
            6 => Fault::InjectFor(t, p, HEALABLE[d.below(4) as usize], d.ms(3000)),
            _ => {
                let code = if d.chance(10) {
                    breaking = true;
                    SEQUENCE_BREAKING[d.below(2) as usize]
                } else {
                    HEALABLE[d.below(HEALABLE.len() as u64) as usize]
                };
                Fault::Inject(t, p, code, 1 + d.below(4) as u32)
            }
        };
        plan.insert((d.below(horizon), n_records + i), Some(fault));
    }

    let start = h.now();
    let mut heal: BTreeMap<u64, Vec<Repair>> = BTreeMap::new();
    let mut sent: BTreeMap<RecordId, (usize, String)> = BTreeMap::new();
    let mut send_order: BTreeMap<String, u64> = BTreeMap::new();
    let mut n = 0u64;
    for ((at, _), fault) in plan {
        // Heal what is due first.
        let due: Vec<u64> = heal.range(..=at).map(|(k, _)| *k).collect();
        for k in due {
            h.run_until(start + Duration::from_millis(k));
            for f in heal.remove(&k).unwrap() {
                f(&mut h.cluster);
            }
        }
        h.run_until(start + Duration::from_millis(at));
        let now = h.now();
        match fault {
            None => {
                let t = d.below(2) as usize;
                let value = format!("{seed}-{n}");
                n += 1;
                let mut r = ProducerRecord::new(TOPICS[t], value.clone());
                match d.below(3) {
                    0 => r = r.key(format!("k{}", d.below(50))),
                    1 => r = r.partition(d.below(partitions[t] as u64) as i32),
                    _ => {}
                }
                let id = h.send(r).map_err(|e| format!("send refused: {e}"))?;
                send_order.insert(value.clone(), n);
                sent.insert(id, (t, value));
            }
            Some(Fault::Crash(b, down)) => {
                h.cluster.crash(b, now);
                let back = at + down.as_millis() as u64;
                heal.entry(back)
                    .or_default()
                    .push(Box::new(move |c| c.restart(b)));
            }
            Some(Fault::MoveLeader(t, p, b)) => {
                h.cluster.move_leader(TOPICS[t], p, b);
            }
            Some(Fault::Drop(b)) => h.cluster.drop_connections(b),
            Some(Fault::Refuse(b, dur)) => {
                h.cluster.refuse_connections(b, true);
                heal.entry(at + dur.as_millis() as u64)
                    .or_default()
                    .push(Box::new(move |c| c.refuse_connections(b, false)));
            }
            Some(Fault::Delay(b, delay, dur)) => {
                h.cluster.set_response_delay(b, delay);
                heal.entry(at + dur.as_millis() as u64)
                    .or_default()
                    .push(Box::new(move |c| c.set_response_delay(b, Duration::ZERO)));
            }
            Some(Fault::LoseAfterAppend(b, count)) => {
                h.cluster.lose_responses_after_append(b, count)
            }
            Some(Fault::InjectFor(t, p, code, dur)) => {
                h.cluster.inject_error_until(TOPICS[t], p, code, now + dur)
            }
            Some(Fault::Inject(t, p, code, times)) => {
                h.cluster.inject_error(TOPICS[t], p, code, times)
            }
        }
    }
    for (k, fs) in std::mem::take(&mut heal) {
        h.run_until(start + Duration::from_millis(k));
        for f in fs {
            f(&mut h.cluster);
        }
    }
    // Every broker back up, every fault over.
    for b in 1..=BROKERS {
        h.cluster.restart(b);
        h.cluster.refuse_connections(b, false);
        h.cluster.set_response_delay(b, Duration::ZERO);
    }
    // Half the runs end with `close`, which must drain everything first.
    let closing = d.chance(50);
    if closing {
        h.close(Duration::from_secs(900));
    }
    if !h.run_until_idle(Duration::from_secs(900)) {
        return Err(format!(
            "not idle: {} records still buffered",
            h.producer.buffered_records()
        ));
    }
    if closing {
        h.run_for(Duration::from_millis(10));
        if !h.producer.is_closed() {
            return Err("close drained everything but did not finish".into());
        }
    }
    let ordered = idempotent || in_flight == 1;
    let result = check(
        &h,
        &sent,
        &send_order,
        &partitions,
        idempotent,
        ordered,
        breaking,
    );
    if trace && result.is_err() {
        for (t, x) in h.timeline() {
            println!("{t:?} {x:?}");
        }
        for r in h.cluster.produce_requests() {
            println!("{r:?}");
        }
    }
    result?;
    Ok(sent.len() as u64)
}

fn check(
    h: &Harness,
    sent: &BTreeMap<RecordId, (usize, String)>,
    send_order: &BTreeMap<String, u64>,
    partitions: &[i32; 2],
    idempotent: bool,
    ordered: bool,
    breaking: bool,
) -> Result<(), String> {
    if let Some(v) = h.violations().first() {
        return Err(v.clone());
    }
    // Exactly one report per accepted record.
    let mut reports = BTreeMap::new();
    for r in h.reports() {
        if !sent.contains_key(&r.id) {
            return Err(format!("report for unknown record {:?}", r.id));
        }
        if reports.insert(r.id, r).is_some() {
            return Err(format!("two reports for {:?}", r.id));
        }
    }
    if reports.len() != sent.len() {
        return Err(format!("{} records, {} reports", sent.len(), reports.len()));
    }
    // Where each value is in the logs.
    let mut found: BTreeMap<&str, Vec<(usize, i32, i64)>> = BTreeMap::new();
    let logs: Vec<Vec<Vec<String>>> = TOPICS
        .iter()
        .zip(partitions)
        .map(|(t, &n)| {
            (0..n)
                .map(|p| {
                    h.cluster
                        .log(t, p)
                        .iter()
                        .map(|r| {
                            String::from_utf8_lossy(r.value.as_deref().unwrap_or_default())
                                .into_owned()
                        })
                        .collect()
                })
                .collect()
        })
        .collect();
    for (t, parts) in logs.iter().enumerate() {
        for (p, log) in parts.iter().enumerate() {
            for (offset, v) in log.iter().enumerate() {
                found
                    .entry(v.as_str())
                    .or_default()
                    .push((t, p as i32, offset as i64));
            }
        }
    }
    for (id, (t, value)) in sent {
        let r = reports[id];
        let places = found
            .get(value.as_str())
            .map(Vec::as_slice)
            .unwrap_or_default();
        match &r.result {
            Ok(ok) => {
                if idempotent && places.len() != 1 {
                    return Err(format!(
                        "{value} delivered but in the log {} times",
                        places.len()
                    ));
                }
                if places.is_empty() {
                    return Err(format!("{value} reported delivered but is not in the log"));
                }
                if let (true, Some(off)) = (idempotent, ok.offset) {
                    let (lt, lp, lo) = places[0];
                    if (lt, Some(lp), lo) != (*t, r.partition, off) {
                        return Err(format!(
                            "{value} reported at {:?}/{off}, is at {lp}/{lo}",
                            r.partition
                        ));
                    }
                }
            }
            Err(f) => {
                if f.certainty == Certainty::NotSent && !places.is_empty() {
                    return Err(format!(
                        "{value} reported NotSent ({}) but is in the log",
                        f.error
                    ));
                }
                if idempotent && !breaking {
                    return Err(format!(
                        "{value} failed though every fault healed: {}",
                        f.error
                    ));
                }
            }
        }
    }
    for parts in &logs {
        for log in parts {
            // Per partition, records are in send order: with idempotence
            // exactly; without it, with one request in flight, by first
            // appearance (a retry may write a record again, but a newer
            // record never overtakes an older one).
            let mut seen = BTreeSet::new();
            let order: Vec<u64> = log
                .iter()
                .filter(|v| seen.insert(v.as_str()))
                .filter_map(|v| send_order.get(v).copied())
                .collect();
            if ordered && order.windows(2).any(|w| w[0] >= w[1]) {
                return Err(format!("log out of send order: {order:?}"));
            }
            if idempotent && seen.len() != log.len() {
                return Err("a record is in a log twice".into());
            }
        }
    }
    Ok(())
}

#[test]
fn randomized_fault_schedules_keep_every_invariant() {
    let seeds: Vec<u64> = match std::env::var("SIM_SEED") {
        Ok(s) => vec![s.parse().expect("SIM_SEED is a number")],
        Err(_) => {
            let n = std::env::var("SIM_SCHEDULES")
                .ok()
                .and_then(|s| s.parse().ok())
                .unwrap_or(1000);
            (0..n).collect()
        }
    };
    let started = std::time::Instant::now();
    let mut outcome = Outcome {
        schedules: 0,
        records: 0,
    };
    let mut failures = Vec::new();
    for seed in seeds {
        match run_schedule(seed) {
            Ok(records) => {
                outcome.schedules += 1;
                outcome.records += records;
            }
            Err(e) => failures.push(format!("seed {seed}: {e}\n  replay: SIM_SEED={seed} cargo test --features sim --test sim_random")),
        }
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{} schedules, {} records in {secs:.2} s: {:.0} schedules/s, {:.0} records/s",
        outcome.schedules,
        outcome.records,
        outcome.schedules as f64 / secs,
        outcome.records as f64 / secs
    );
    assert!(
        failures.is_empty(),
        "{} failing schedules:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
