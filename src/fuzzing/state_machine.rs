//! The whole producer under fuzzing: a [`Producer`] wired to a simulated
//! [`Cluster`] and to fake brokers through a network the input controls
//! byte by byte (see [`ops`](super::ops) for the format), with the
//! producer's promises checked after every step:
//!
//! - no panic;
//! - exactly one delivery report per accepted record, none for an id
//!   `send` never returned;
//! - buffered bytes never above `buffer.memory`;
//! - no busy loop: after `handle_timeout(now)` the next deadline is in the
//!   future, work due now is never left for a later deadline, and one call
//!   emits a bounded number of outputs;
//! - writes only on connections the producer was told are connected;
//! - after `close` and its deadline, every record has its report, nothing
//!   is buffered and the producer is closed;
//! - a record reported `NotSent` is in no partition's log.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};

use super::fake_broker::{Requests, error_code};
use super::ops::{self, FakeReply, Fault, Op, Setup};
use crate::producer::{
    Acks, BrokerAddress, Certainty, ConnId, DeliveryReport, Input, MetadataRecoveryStrategy,
    Output, Producer, ProducerConfig, ProducerRecord, RecordId,
};
use crate::protocol::ApiKey;
use crate::record::Compression;
use crate::sim::{Cluster, ClusterConfig, START_UNIX_MS, SimConnId, Transmit};

/// The topics that exist, with their partition counts, then one that does
/// not and one whose name is invalid.
const TOPICS: [(&str, i32); 2] = [("alpha", 3), ("beta", 1)];
const UNKNOWN_TOPIC: &str = "ghost";
const INVALID_TOPIC: &str = "no spaces allowed";
const BROKERS: u8 = 3;

/// Time steps, in milliseconds, picked by a byte; the last is "forever".
const STEPS_MS: [u64; 12] = [
    0, 1, 3, 10, 50, 100, 500, 1_000, 5_000, 30_000, 120_000, 600_000,
];

/// Value sizes a `send` picks from: empty to beyond `max.request.size`.
const SIZES: [usize; 8] = [0, 8, 40, 300, 1_500, 9_000, 40_000, 2_000_000];

/// The most outputs one call may emit beyond a few per accepted record.
const OUTPUTS_PER_CALL: usize = 256;
/// Bounds for the network pump and the deadline-jumping run.
const PUMP_ROUNDS: usize = 64;
const RUN_STEPS: usize = 256;
/// How many connection attempts in a run the pump answers.
const PUMPED_CONNECTS: usize = 2_000;
/// How many of the latest connections stay pickable for input on stale
/// ones (a producer with no reconnect backoff asks for thousands).
const STALE_KEPT: usize = 64;

fn step(byte: u8) -> Duration {
    Duration::from_millis(STEPS_MS[usize::from(byte) % STEPS_MS.len()])
}

/// Runs one input. Panics when the producer breaks a promise. `start` is
/// the virtual epoch (any instant; only differences matter).
pub fn producer(data: &[u8], start: Instant) {
    run_producer(data, start);
}

/// What one input did, for tests that check a seed goes where it should.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Records `send` accepted.
    pub accepted: usize,
    /// Records reported delivered.
    pub delivered: usize,
    /// Records reported failed.
    pub failed: usize,
    /// Connections the producer asked for.
    pub connections: usize,
}

/// [`producer`], returning what happened; `None` when the setup bytes
/// give an invalid configuration.
pub fn run_producer(data: &[u8], start: Instant) -> Option<Summary> {
    let (setup, ops) = ops::decode(data);
    let mut run = Run::new(&setup, start)?;
    for op in &ops {
        run.apply(op);
        run.check();
    }
    Some(run.finish())
}

/// One end of a connection the producer asked for.
#[derive(Debug)]
struct Link {
    /// The cluster's end, or `None` for a fake broker.
    sim: Option<SimConnId>,
    /// Bytes the producer wrote that the cluster has not received yet.
    to_cluster: BytesMut,
    /// Bytes the cluster sent that the producer has not received yet.
    to_producer: BytesMut,
    /// The cluster closed its end; the producer learns it once
    /// `to_producer` is delivered.
    closed_by_cluster: Option<String>,
    /// The requests written on it, for fake replies.
    requests: Requests,
}

#[derive(Debug)]
struct Run {
    producer: Producer,
    cluster: Cluster,
    now: Instant,
    buffer_memory: usize,
    /// Connections asked for and not yet answered.
    connecting: BTreeMap<ConnId, BrokerAddress>,
    links: BTreeMap<ConnId, Link>,
    /// The latest connections asked for, for input on stale ones.
    ever: VecDeque<ConnId>,
    /// How many connections the producer asked for.
    connects: usize,
    /// Accepted records and their values.
    accepted: BTreeMap<RecordId, Bytes>,
    reports: BTreeMap<RecordId, DeliveryReport>,
    sends: u64,
    close_deadline: Option<Instant>,
    /// Fake metadata lists these brokers: the cluster's, and one that does
    /// not exist.
    fake_brokers: Vec<(i32, String, u16)>,
}

impl Run {
    fn new(setup: &Setup, start: Instant) -> Option<Run> {
        let cluster_config = ClusterConfig {
            max_versions: match setup.network >> 6 {
                0 => vec![(ApiKey::PRODUCE, 9)],
                1 => vec![(ApiKey::METADATA, 9)],
                _ => Vec::new(),
            },
            ..ClusterConfig::with_brokers(u32::from(BROKERS))
        };
        let mut cluster = Cluster::new(cluster_config);
        for (name, partitions) in TOPICS {
            cluster.create_topic(name, partitions, 2);
        }
        let config = producer_config(setup, &cluster)?;
        let buffer_memory = config.buffer_memory;
        let producer = Producer::new(config, start, START_UNIX_MS).ok()?;
        let mut fake_brokers: Vec<(i32, String, u16)> = (1..=i32::from(BROKERS))
            .map(|b| {
                let a = cluster.broker_address(b);
                (b, a.host, a.port)
            })
            .collect();
        fake_brokers.push((4, "nowhere".to_owned(), 9092));
        let mut run = Run {
            producer,
            cluster,
            now: start,
            buffer_memory,
            connecting: BTreeMap::new(),
            links: BTreeMap::new(),
            ever: VecDeque::new(),
            connects: 0,
            accepted: BTreeMap::new(),
            reports: BTreeMap::new(),
            sends: 0,
            close_deadline: None,
            fake_brokers,
        };
        run.outputs();
        Some(run)
    }

    fn apply(&mut self, op: &Op) {
        match op {
            Op::Send {
                topic,
                partition,
                key,
                size,
            } => self.send(*topic, *partition, *key, *size),
            Op::Advance { step: s } => {
                self.now += step(*s);
                self.producer.handle_timeout(self.now);
                self.outputs();
            }
            Op::Pump => self.pump(),
            Op::RunFor { step: s } => self.run_for(step(*s)),
            Op::Accept { conn, fake } => {
                if let Some(id) = pick(self.connecting.keys(), *conn) {
                    self.accept(id, fake % 2 == 1);
                }
            }
            Op::FailConnect { conn } => {
                if let Some(id) = pick(self.connecting.keys(), *conn) {
                    self.connecting.remove(&id);
                    let reason = "connection refused (fuzz)".to_owned();
                    self.producer
                        .handle_input(Input::ConnectFailed { conn: id, reason }, self.now);
                    self.outputs();
                }
            }
            Op::ToCluster { conn, len } => {
                if let Some(id) = pick(self.links.keys(), *conn) {
                    self.deliver_to_cluster(id, usize::from(*len));
                }
            }
            Op::ToProducer { conn, len } => {
                if let Some(id) = pick(self.links.keys(), *conn) {
                    self.deliver_to_producer(id, usize::from(*len));
                }
            }
            Op::Fake { conn, reply } => {
                if let Some(id) = pick(self.links.keys(), *conn) {
                    self.fake(id, reply);
                }
            }
            Op::Feed { conn, data } => {
                if let Some(id) = pick(self.ever.iter(), *conn) {
                    self.receive(id, data);
                }
            }
            Op::Drop { conn } => {
                if let Some(id) = pick(self.links.keys(), *conn) {
                    let link = self.links.remove(&id).expect("picked");
                    if let Some(sim) = link.sim {
                        self.cluster.client_closed(sim);
                    }
                    let reason = "connection reset (fuzz)".to_owned();
                    self.producer
                        .handle_input(Input::Closed { conn: id, reason }, self.now);
                    self.outputs();
                }
            }
            Op::Fault(fault) => {
                self.fault(fault);
                self.transmits();
            }
            Op::Flush => {
                self.producer.flush(self.now);
                self.outputs();
            }
            Op::Close { step: s } => {
                let deadline = self.now + step(*s);
                self.close_deadline.get_or_insert(deadline);
                self.producer.close(self.now, deadline);
                self.outputs();
            }
        }
    }

    fn send(&mut self, topic: u8, partition: u8, key: u8, size: u8) {
        let topic = match topic % 8 {
            0..=3 => TOPICS[0].0,
            4 | 5 => TOPICS[1].0,
            6 => UNKNOWN_TOPIC,
            _ => INVALID_TOPIC,
        };
        // A value unique to this send, padded to the size asked for.
        let mut value = format!("send-{}.", self.sends).into_bytes();
        self.sends += 1;
        value.resize(
            value.len().max(SIZES[usize::from(size) % SIZES.len()]),
            b'x',
        );
        let value = Bytes::from(value);
        let mut record = ProducerRecord::new(topic, value.clone());
        if partition >= 128 {
            // -1 to 4: negative, valid, and beyond the partition count.
            record = record.partition(i32::from(partition % 6) - 1);
        }
        if key >= 128 {
            record = record.key(format!("key-{}", key % 16));
        }
        if let Ok(id) = self.producer.send(record, self.now) {
            assert!(
                self.accepted.insert(id, value).is_none(),
                "send returned {id:?} twice"
            );
        }
        self.outputs();
    }

    fn accept(&mut self, id: ConnId, fake: bool) {
        let Some(addr) = self.connecting.remove(&id) else {
            return;
        };
        let sim = if fake {
            None
        } else {
            match self.cluster.connect(&addr, self.now) {
                Ok(sim) => Some(sim),
                Err(e) => {
                    let reason = e.to_string();
                    self.producer
                        .handle_input(Input::ConnectFailed { conn: id, reason }, self.now);
                    self.outputs();
                    return;
                }
            }
        };
        self.links.insert(
            id,
            Link {
                sim,
                to_cluster: BytesMut::new(),
                to_producer: BytesMut::new(),
                closed_by_cluster: None,
                requests: Requests::default(),
            },
        );
        self.producer
            .handle_input(Input::Connected { conn: id }, self.now);
        self.outputs();
    }

    /// Delivers up to `len` bytes (0: all) written on `id` to the cluster.
    fn deliver_to_cluster(&mut self, id: ConnId, len: usize) {
        let Some(link) = self.links.get_mut(&id) else {
            return;
        };
        let data = take_front(&mut link.to_cluster, len);
        if let (Some(sim), false) = (link.sim, data.is_empty()) {
            self.cluster.receive(sim, &data, self.now);
            self.transmits();
        }
    }

    /// Delivers up to `len` bytes (0: all) the cluster sent on `id`, or its
    /// close once they are all delivered.
    fn deliver_to_producer(&mut self, id: ConnId, len: usize) {
        let Some(link) = self.links.get_mut(&id) else {
            return;
        };
        if link.to_producer.is_empty() {
            if let Some(reason) = link.closed_by_cluster.take() {
                self.links.remove(&id);
                self.producer
                    .handle_input(Input::Closed { conn: id, reason }, self.now);
                self.outputs();
            }
            return;
        }
        let data = take_front(&mut link.to_producer, len);
        self.receive(id, &data);
    }

    /// Bytes arrive on `id`.
    fn receive(&mut self, id: ConnId, data: &[u8]) {
        self.producer
            .handle_input(Input::Received { conn: id, data }, self.now);
        self.outputs();
    }

    fn fake(&mut self, id: ConnId, reply: &FakeReply) {
        let Some(link) = self.links.get_mut(&id) else {
            return;
        };
        let data = link.requests.reply(reply, &self.fake_brokers);
        if !data.is_empty() {
            self.receive(id, &data);
        }
    }

    fn fault(&mut self, fault: &Fault) {
        let broker = |b: u8| i32::from(b % (BROKERS + 1)) + 1; // 4 does not exist
        let topic = |t: u8| match t % 3 {
            0 => TOPICS[0].0,
            1 => TOPICS[1].0,
            _ => UNKNOWN_TOPIC,
        };
        let partition = |p: u8| i32::from(p % 4);
        let c = &mut self.cluster;
        match *fault {
            Fault::Crash { broker: b } => c.crash(broker(b), self.now),
            Fault::Restart { broker: b } => c.restart(broker(b)),
            Fault::MoveLeader {
                topic: t,
                partition: p,
                broker: b,
            } => {
                c.move_leader(topic(t), partition(p), broker(b));
            }
            Fault::DropConnections { broker: b } => c.drop_connections(broker(b)),
            Fault::Refuse { broker: b, on } => c.refuse_connections(broker(b), on % 2 == 1),
            Fault::Delay { broker: b, step: s } => {
                let delay = if usize::from(s) % STEPS_MS.len() == STEPS_MS.len() - 1 {
                    Duration::MAX
                } else {
                    step(s)
                };
                c.set_response_delay(broker(b), delay);
            }
            Fault::LoseAfterAppend { broker: b, count } => {
                c.lose_responses_after_append(broker(b), u32::from(count % 4))
            }
            Fault::Inject {
                topic: t,
                partition: p,
                code,
                times,
            } => c.inject_error(
                topic(t),
                partition(p),
                error_code(code | 0x80),
                u32::from(times % 8),
            ),
            Fault::InjectInitProducerId { code, times } => {
                c.inject_init_producer_id_error(error_code(code | 0x80), u32::from(times % 8))
            }
            Fault::Throttle { broker: b, step: s } => c.set_produce_throttle(broker(b), step(s)),
        }
    }

    /// Moves what the cluster has due now onto the links.
    fn transmits(&mut self) {
        while let Some(tx) = self.cluster.poll_transmit(self.now) {
            let conn = tx.conn();
            let Some(link) = self.links.values_mut().find(|l| l.sim == Some(conn)) else {
                continue;
            };
            match tx {
                Transmit::Data { data, .. } => link.to_producer.extend_from_slice(&data),
                Transmit::Closed { reason, .. } => {
                    link.closed_by_cluster = Some(reason.to_string());
                }
            }
        }
    }

    /// Carries out everything pending now: connection attempts go to the
    /// cluster, bytes and closes are delivered both ways.
    fn pump(&mut self) {
        for _ in 0..PUMP_ROUNDS {
            let mut moved = false;
            // Only the attempts made before this round: a producer that
            // reconnects at once (no backoff) asks again within the round.
            // Past a budget they are left pending (to time out), so a
            // producer that reconnects at once to a refusing address does
            // not make the run slow.
            let attempts: Vec<ConnId> = self.connecting.keys().copied().collect();
            for id in attempts {
                if self.connects > PUMPED_CONNECTS {
                    break;
                }
                moved = true;
                self.accept(id, false);
            }
            let ids: Vec<ConnId> = self.links.keys().copied().collect();
            for id in ids {
                let Some(link) = self.links.get(&id) else {
                    continue;
                };
                let (outgoing, incoming) = (!link.to_cluster.is_empty(), link.pending_input());
                if outgoing {
                    moved = true;
                    self.deliver_to_cluster(id, 0);
                }
                if incoming {
                    moved = true;
                    self.deliver_to_producer(id, 0);
                }
            }
            self.transmits();
            if !moved {
                return;
            }
        }
    }

    /// Runs for `d` of virtual time as a network would: pump, then jump
    /// to the next deadline (the producer's or the cluster's).
    fn run_for(&mut self, d: Duration) {
        let until = self.now + d;
        for _ in 0..RUN_STEPS {
            self.pump();
            let next = [
                self.producer.poll_timeout().map(|t| t.at),
                self.cluster.poll_timeout(),
            ]
            .into_iter()
            .flatten()
            .min();
            match next {
                Some(at) if at <= until => {
                    self.now = self.now.max(at);
                    self.producer.handle_timeout(self.now);
                    self.outputs();
                    self.transmits();
                    self.check();
                }
                _ => break,
            }
        }
        self.now = self.now.max(until);
        self.producer.handle_timeout(self.now);
        self.outputs();
        self.transmits();
    }

    /// Takes every output of the last call and carries it out; panics when
    /// one call emitted too many.
    fn outputs(&mut self) {
        let limit = OUTPUTS_PER_CALL + 8 * self.accepted.len();
        let mut n = 0;
        while let Some(out) = self.producer.poll_output() {
            n += 1;
            assert!(n <= limit, "one call emitted more than {limit} outputs");
            self.carry_out(out);
        }
    }

    fn carry_out(&mut self, out: Output) {
        match out {
            Output::Connect { conn, addr, .. } => {
                // Ids are never reused: each is above the last.
                if let Some(&last) = self.ever.back() {
                    assert!(conn > last, "connection id {conn} after {last}");
                }
                if self.ever.len() == STALE_KEPT {
                    self.ever.pop_front();
                }
                self.ever.push_back(conn);
                self.connects += 1;
                self.connecting.insert(conn, addr);
            }
            Output::Write { conn, data } => {
                let link = self
                    .links
                    .get_mut(&conn)
                    .unwrap_or_else(|| panic!("write on {conn}, which is not connected"));
                link.requests.written(&data);
                if link.sim.is_some() {
                    link.to_cluster.extend_from_slice(&data);
                }
            }
            Output::Close { conn } => {
                self.connecting.remove(&conn);
                if let Some(Link { sim: Some(sim), .. }) = self.links.remove(&conn) {
                    self.cluster.client_closed(sim);
                }
            }
            Output::Delivery(report) => {
                assert!(
                    self.accepted.contains_key(&report.id),
                    "report for {:?}, which send never returned",
                    report.id
                );
                let id = report.id;
                assert!(
                    self.reports.insert(id, report).is_none(),
                    "two reports for {id:?}"
                );
            }
            Output::Event(_) => {}
        }
    }

    /// The invariants that hold between any two steps.
    fn check(&mut self) {
        let buffered = self.producer.buffered_bytes();
        assert!(
            buffered <= self.buffer_memory,
            "buffered {buffered} bytes > buffer.memory {}",
            self.buffer_memory
        );
        // Work due now is either done or announced by a deadline that is
        // due: an adapter waiting for the deadline must not stall.
        let due = self
            .producer
            .poll_timeout()
            .is_some_and(|t| t.at <= self.now);
        self.producer.handle_timeout(self.now);
        let mut late = Vec::new();
        let limit = OUTPUTS_PER_CALL + 8 * self.accepted.len();
        while let Some(out) = self.producer.poll_output() {
            assert!(
                late.len() < limit,
                "handle_timeout emitted more than {limit} outputs"
            );
            late.push(format!("{out:?}"));
            self.carry_out(out);
        }
        assert!(
            due || late.is_empty(),
            "work was due now but the next deadline was in the future: {late:?}"
        );
        if let Some(timer) = self.producer.poll_timeout() {
            assert!(
                timer.at > self.now,
                "after handle_timeout the next deadline ({:?}) is not in the future",
                timer.reason
            );
        }
    }

    /// Closes the producer, lets the network run until the close deadline
    /// passes, and checks every record's fate.
    fn finish(mut self) -> Summary {
        let deadline = *self
            .close_deadline
            .get_or_insert(self.now + Duration::from_secs(5));
        self.producer.close(self.now, deadline);
        self.outputs();
        self.check();
        if deadline >= self.now {
            self.run_for(deadline - self.now + Duration::from_millis(1));
        } else {
            self.run_for(Duration::from_millis(1));
        }
        self.check();

        let missing: Vec<&RecordId> = self
            .accepted
            .keys()
            .filter(|id| !self.reports.contains_key(id))
            .collect();
        assert!(
            missing.is_empty(),
            "after the close deadline {} record(s) have no report: {missing:?}",
            missing.len()
        );
        assert!(self.producer.is_closed(), "not closed after its deadline");
        assert_eq!(self.producer.buffered_records(), 0);
        assert_eq!(self.producer.buffered_bytes(), 0);
        assert_eq!(self.producer.poll_timeout(), None, "closed but wants time");

        // Nothing reported as certainly not sent may be in a log.
        let mut logged = BTreeSet::new();
        for (topic, partitions) in TOPICS {
            for p in 0..partitions {
                for r in self.cluster.log(topic, p) {
                    logged.insert(r.value.clone().unwrap_or_default());
                }
            }
        }
        for (id, report) in &self.reports {
            if let Err(f) = &report.result {
                assert!(
                    f.certainty != Certainty::NotSent || !logged.contains(&self.accepted[id]),
                    "{id:?} reported NotSent ({}) but is in the log",
                    f.error
                );
            }
        }
        let delivered = self.reports.values().filter(|r| r.result.is_ok()).count();
        Summary {
            accepted: self.accepted.len(),
            delivered,
            failed: self.reports.len() - delivered,
            connections: self.connects,
        }
    }
}

impl Link {
    fn pending_input(&self) -> bool {
        !self.to_producer.is_empty() || self.closed_by_cluster.is_some()
    }
}

/// The first `len` bytes of `buf` (0: all of them), taken.
fn take_front(buf: &mut BytesMut, len: usize) -> BytesMut {
    let n = if len == 0 {
        buf.len()
    } else {
        len.min(buf.len())
    };
    buf.split_to(n)
}

/// The `byte`-th item (modulo their number), if there is any.
fn pick<'a, T: Copy + 'a>(items: impl ExactSizeIterator<Item = &'a T>, byte: u8) -> Option<T> {
    let len = items.len();
    if len == 0 {
        return None;
    }
    items.copied().nth(usize::from(byte) % len)
}

/// The producer's settings from the setup bytes. `None` when they do not
/// form a valid configuration (not a finding: the producer refuses it).
fn producer_config(setup: &Setup, cluster: &Cluster) -> Option<ProducerConfig> {
    let f = setup.flags;
    let idempotent = f & 1 == 0;
    let mut bootstrap = vec![cluster.broker_address(i32::from(setup.network % 3) + 1)];
    if setup.network & 4 != 0 {
        bootstrap.insert(0, BrokerAddress::new("nowhere", 9092));
    }
    let linger = Duration::from_millis([0, 1, 5, 20, 100][usize::from(setup.batching % 5)]);
    let request_timeout =
        Duration::from_millis([100, 1_000, 30_000][usize::from(setup.timing % 3)]);
    let mut b = ProducerConfig::builder()
        .bootstrap_servers(bootstrap)
        .seed(u64::from(setup.timing))
        .enable_idempotence(idempotent)
        .linger(linger)
        .batch_size([0, 64, 200, 1_000, 16_384][usize::from(setup.batching / 5 % 5)])
        .buffer_memory([300, 2_000, 10_000, 100_000, 32 << 20][usize::from(setup.limits % 5)])
        .max_request_size([200, 1_000, 10_000, 1 << 20][usize::from(setup.limits / 5 % 4)])
        .max_in_flight_per_connection(usize::from(f >> 1 & 3) + 1)
        .request_timeout(request_timeout)
        .delivery_timeout(
            linger
                + request_timeout
                + Duration::from_millis([0, 2_000, 120_000][usize::from(setup.timing / 3 % 3)]),
        )
        .retry_backoff(Duration::from_millis(
            [0, 10, 100][usize::from(setup.timing / 9 % 3)],
        ))
        .reconnect_backoff(Duration::from_millis(
            [0, 50][usize::from(setup.timing / 27 % 2)],
        ))
        .connection_setup_timeout(Duration::from_millis(
            [100, 10_000][usize::from(setup.timing / 54 % 2)],
        ))
        .metadata_max_age(Duration::from_millis(
            [1_000, 300_000][usize::from(setup.batching / 25 % 2)],
        ))
        .partitioner_ignore_keys(f & 0x08 != 0)
        .partitioner_availability_timeout(Duration::from_millis([0, 100][usize::from(f >> 4 & 1)]))
        .metadata_recovery_strategy(if f & 0x20 != 0 {
            MetadataRecoveryStrategy::None
        } else {
            MetadataRecoveryStrategy::Rebootstrap
        })
        .max_response_size([100 << 20, 100, 2_000][usize::from(setup.network >> 3 & 3) % 3])
        .compression(if f & 0x40 != 0 {
            Compression::Lz4
        } else {
            Compression::None
        });
    if !idempotent {
        b = b
            .acks([Acks::All, Acks::Leader, Acks::None][usize::from(f >> 3 & 3) % 3])
            .retries([0, 1, 3, i32::MAX as u32][usize::from(f >> 1 & 3)]);
    }
    b.build().ok()
}
