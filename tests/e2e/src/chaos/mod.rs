//! The chaos run: records stream at a steady rate to explicit partitions
//! of a replicated topic (6 partitions, RF 3, min.insync.replicas=2) with
//! acks=all and idempotence while the [`nemesis`] kills, bounces
//! and pauses nodes; after healing, an independent consumer (kcat) reads
//! every partition back and [`check`](check::check) holds the producer to
//! its promises (nothing acknowledged lost, nothing twice, order kept, one
//! report per record, nothing reported `NotSent` written).
//!
//! `CHAOS_SECONDS` (default 150) bounds the nemesis, `CHAOS_SEED` (default:
//! from the clock, printed) picks the schedule, `CHAOS_RATE` (default 300)
//! sets records per second.

pub mod check;
pub mod nemesis;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use kafka_sansio::producer::{Event, ProducerRecord, RecordId};

use crate::kafka_tools::{end_offsets, kcat_read, unique};
use crate::{Client, EventLog, config, replicated_topic};
use check::{Logs, Stamp, Tally};
use nemesis::{Healer, say};

const PARTITIONS: i32 = 6;

/// Long enough for records to wait out two nodes down and their restart.
const DELIVERY_TIMEOUT: Duration = Duration::from_secs(300);

/// How the run is sized.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Faults start while less than this has passed.
    pub nemesis_for: Duration,
    /// Seeds the schedule.
    pub seed: u64,
    /// Records per second, spread evenly over the partitions.
    pub rate: u32,
}

impl Settings {
    /// From `CHAOS_SECONDS`, `CHAOS_SEED` and `CHAOS_RATE`.
    pub fn from_env() -> Settings {
        let var = |name: &str| {
            std::env::var(name).ok().map(|v| {
                v.parse::<u64>()
                    .unwrap_or_else(|e| panic!("{name}={v}: {e}"))
            })
        };
        let clock = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("after 1970")
            .as_nanos() as u64;
        Settings {
            nemesis_for: Duration::from_secs(var("CHAOS_SECONDS").unwrap_or(150)),
            seed: var("CHAOS_SEED").unwrap_or(clock % 1_000_000),
            rate: var("CHAOS_RATE").map_or(300, |r| r as u32),
        }
    }
}

/// Sends records until `due(elapsed)` have gone, round-robin over the
/// partitions, each stamped with its partition and place in it.
struct Stream<'a, C: Client> {
    client: &'a mut C,
    topic: &'a str,
    run: &'a str,
    rate: f64,
    started: Instant,
    next_seq: [u64; PARTITIONS as usize],
    sent: BTreeMap<RecordId, Stamp>,
}

impl<C: Client> Stream<'_, C> {
    /// Keeps the rate for `span`.
    fn for_span(&mut self, span: Duration) {
        let until = Instant::now() + span;
        while Instant::now() < until {
            self.catch_up();
            self.client.idle(Duration::from_millis(20));
        }
    }

    fn catch_up(&mut self) {
        let due = (self.started.elapsed().as_secs_f64() * self.rate) as usize;
        while self.sent.len() < due {
            let partition = (self.sent.len() % PARTITIONS as usize) as i32;
            let seq = &mut self.next_seq[partition as usize];
            let stamp = Stamp {
                partition,
                seq: *seq,
            };
            *seq += 1;
            let record =
                ProducerRecord::new(self.topic, stamp.encode(self.run)).partition(partition);
            self.sent.insert(self.client.send(record), stamp);
        }
    }
}

/// Runs the chaos test through the adapter `C` and asserts that no promise
/// was broken; returns the counts.
pub fn run<C: Client>(settings: &Settings) -> Tally {
    let topic = replicated_topic("chaos");
    let run = unique("run");
    let config = config()
        .delivery_timeout(DELIVERY_TIMEOUT)
        .build()
        .expect("config");
    eprintln!(
        "chaos through {}: topic {topic}, run {run}, seed {}, nemesis for {:?}, {} records/s, \
         acks={:?}, idempotence={}, delivery.timeout={:?}, request.timeout={:?}",
        C::NAME,
        settings.seed,
        settings.nemesis_for,
        settings.rate,
        config.acks,
        config.enable_idempotence,
        config.delivery_timeout,
        config.request_timeout,
    );
    let _healer = Healer;
    let events = EventLog::default();
    let mut client = C::start(config, events.clone());
    let started = Instant::now();
    let nemesis = {
        let (topic, seed, budget) = (topic.clone(), settings.seed, settings.nemesis_for);
        std::thread::spawn(move || nemesis::run(&topic, seed, PARTITIONS, budget, started))
    };
    let mut stream = Stream {
        client: &mut client,
        topic: &topic,
        run: &run,
        rate: f64::from(settings.rate),
        started,
        next_seq: [0; PARTITIONS as usize],
        sent: BTreeMap::new(),
    };
    while !nemesis.is_finished() {
        stream.for_span(Duration::from_millis(200));
    }
    // Faults are over and undone; a few seconds more on the whole cluster.
    stream.for_span(Duration::from_secs(5));
    let sent = stream.sent;
    say(
        started,
        format_args!(
            "producing stopped: {} records sent; waiting for reports",
            sent.len()
        ),
    );
    let reports = client.finish(DELIVERY_TIMEOUT + Duration::from_secs(30));
    say(
        started,
        format_args!("producer closed: {} reports", reports.len()),
    );
    let nemesis = nemesis.join();
    let events_file = write_events(&events, started, &run);

    if let Err(e) = nemesis::heal() {
        eprintln!("healing: {e}");
    }
    if !nemesis::wait_whole(&topic, Duration::from_secs(120)) {
        say(
            started,
            "the cluster is not whole 120 s after healing; reading anyway",
        );
    }
    let ends = end_offsets(&topic, PARTITIONS).expect("end offsets");
    let logs: Logs = ends
        .iter()
        .map(|(&p, &end)| {
            let expected = usize::try_from(end).expect("an end offset");
            let read = kcat_read(&topic, p, expected);
            (p, read.into_iter().map(|(o, r)| (o, r.value)).collect())
        })
        .collect();
    let tally = check::check(&run, &sent, &reports, &logs);
    let read: usize = logs.values().map(Vec::len).sum();
    let end_total: i64 = ends.values().sum();
    say(
        started,
        format_args!("read back {read} records up to end offsets {ends:?} (total {end_total})"),
    );
    say(
        started,
        format_args!("event counts: {}", event_counts(&events)),
    );
    say(
        started,
        format_args!("events of the run: {}", events_file.display()),
    );
    let faults = match &nemesis {
        Ok(n) => format!("{n} faults"),
        Err(_) => "the nemesis failed (see its panic above)".to_owned(),
    };
    eprintln!(
        "CHAOS RESULT ({faults}, {:.0?}): {tally}",
        started.elapsed()
    );
    for example in &tally.examples {
        eprintln!("  {example}");
    }
    if let Err(panic) = nemesis {
        std::panic::resume_unwind(panic);
    }
    assert_eq!(
        read as i64, end_total,
        "kcat read every partition to its end offset"
    );
    assert!(tally.is_clean(), "broken promises: {tally}");
    assert!(tally.acked > 0, "something was acknowledged");
    tally
}

/// How many events of the kinds that tell a failover's story.
fn event_counts(events: &EventLog) -> String {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for (_, event) in events.snapshot() {
        let kind = match event {
            Event::BatchRetry { .. } => "batch retries",
            Event::LeaderChanged { .. } => "leader changes",
            Event::ConnectionLost { .. } => "connections lost",
            Event::EpochBumped { .. } => "epoch bumps",
            Event::Rebootstrap => "rebootstraps",
            Event::BatchSplit { .. } => "batch splits",
            Event::Fatal(_) => "fatal",
            _ => continue,
        };
        *counts.entry(kind).or_default() += 1;
    }
    format!("{counts:?}")
}

/// Writes the run's events with their times to `target/chaos-events-<run>.txt`
/// (for digging into a failure; the test output keeps only the counts).
fn write_events(events: &EventLog, started: Instant, run: &str) -> PathBuf {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join(format!("../../target/chaos-events-{run}.txt"));
    let mut text = Vec::new();
    for (at, event) in events.snapshot() {
        let _ = writeln!(
            text,
            "{:>12.3?} {event:?}",
            at.saturating_duration_since(started)
        );
    }
    if let Err(e) = std::fs::write(&path, text) {
        eprintln!("cannot write {}: {e}", path.display());
    }
    path
}
