//! Drives a [`Producer`] against a [`Cluster`] on virtual time: every
//! output is carried out, every byte travels with a fixed latency, and time
//! jumps to the next deadline when nothing else is due. A scenario runs in
//! milliseconds and identically every time.
//!
//! ```
//! use std::time::{Duration, Instant};
//!
//! use kafka_sansio::producer::{ProducerConfig, ProducerRecord};
//! use kafka_sansio::sim::{Cluster, ClusterConfig, Harness};
//!
//! let mut cluster = Cluster::new(ClusterConfig::with_brokers(3));
//! cluster.create_topic("orders", 3, 3);
//! let config = ProducerConfig::builder()
//!     .bootstrap_servers(cluster.bootstrap_servers())
//!     .build()?;
//! let mut h = Harness::new(cluster, config, Instant::now())?;
//!
//! let id = h.send(ProducerRecord::new("orders", "hello").partition(0))?;
//! // Partition 0's leader dies before the record goes out.
//! let leader = h.cluster.leader("orders", 0).unwrap();
//! let now = h.now();
//! h.cluster.crash(leader, now);
//!
//! assert!(h.run_until_idle(Duration::from_secs(30)));
//! let report = h.reports().iter().find(|r| r.id == id).unwrap();
//! assert_eq!(report.result.as_ref().unwrap().offset, Some(0));
//! assert_eq!(h.cluster.log("orders", 0).len(), 1);
//! assert!(h.violations().is_empty());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use bytes::Bytes;

use crate::producer::{
    ConfigError, ConnId, DeliveryReport, Event, Input, Output, Producer, ProducerConfig, RecordId,
    SendError, Sendable,
};

use super::{Cluster, SimConnId, Transmit};

/// The wall-clock time the harness tells the producer it starts at
/// (2024-01-01T00:00:00Z), so record timestamps are reproducible.
pub const START_UNIX_MS: i64 = 1_704_067_200_000;

/// Something on its way between the producer and the cluster.
#[derive(Debug)]
enum Transit {
    Connected(ConnId),
    ConnectFailed(ConnId, String),
    ToProducer(ConnId, Bytes),
    ClosedToProducer(ConnId, String),
    ToCluster(SimConnId, Bytes),
}

/// What happened, with the virtual time since the start.
#[derive(Debug, Clone)]
pub enum Happening {
    /// A producer event.
    Event(Event),
    /// A delivery report.
    Delivery(DeliveryReport),
    /// The producer asked for a connection and the cluster answered.
    Connect {
        /// The producer's id for it.
        conn: ConnId,
        /// The address.
        addr: String,
        /// Whether the cluster accepted it.
        accepted: bool,
    },
}

/// A write the producer made, as [`Harness::take_writes`] gives it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Written {
    /// The connection it went to.
    pub conn: ConnId,
    /// Its bytes: a copy, since holding the producer's own would keep it
    /// from building into that buffer again.
    pub bytes: Vec<u8>,
    /// Where the producer's bytes were in memory.
    pub address: usize,
}

/// A producer wired to a simulated cluster on virtual time: every output
/// is carried out, bytes travel with a fixed latency, and time jumps to the
/// next deadline when nothing else is due.
#[derive(Debug)]
pub struct Harness {
    /// The cluster; inject faults and inspect logs through it.
    pub cluster: Cluster,
    /// The producer under test.
    pub producer: Producer,
    start: Instant,
    now: Instant,
    latency: Duration,
    links: BTreeMap<ConnId, SimConnId>,
    back: BTreeMap<SimConnId, ConnId>,
    transit: BTreeMap<(Instant, u64), Transit>,
    next_transit: u64,
    reports: Vec<DeliveryReport>,
    log: Vec<(Duration, Happening)>,
    keep_log: bool,
    /// Every write, once [`keep_writes`](Harness::keep_writes) is called.
    writes: Option<Vec<Written>>,
    violations: Vec<String>,
}

impl Harness {
    /// A producer built from `config`, connected to `cluster`, at virtual
    /// time `start` (any `Instant`; only differences matter). Bytes take
    /// 1 ms each way.
    pub fn new(
        cluster: Cluster,
        config: ProducerConfig,
        start: Instant,
    ) -> Result<Self, ConfigError> {
        let producer = Producer::new(config, start, START_UNIX_MS)?;
        let mut h = Harness {
            cluster,
            producer,
            start,
            now: start,
            latency: Duration::from_millis(1),
            links: BTreeMap::new(),
            back: BTreeMap::new(),
            transit: BTreeMap::new(),
            next_transit: 0,
            reports: Vec::new(),
            log: Vec::new(),
            keep_log: true,
            writes: None,
            violations: Vec::new(),
        };
        h.step();
        Ok(h)
    }

    /// Sets the one-way network latency (default 1 ms).
    pub fn set_latency(&mut self, latency: Duration) {
        self.latency = latency;
    }

    /// Stops (or resumes) recording the timeline of events, for long
    /// randomized runs where only reports matter.
    pub fn keep_timeline(&mut self, keep: bool) {
        self.keep_log = keep;
    }

    /// Starts keeping a copy of every write the producer makes, for
    /// [`take_writes`](Harness::take_writes).
    pub fn keep_writes(&mut self) {
        self.writes.get_or_insert_with(Vec::new);
    }

    /// The writes kept since the last call, in the order they were made.
    pub fn take_writes(&mut self) -> Vec<Written> {
        self.writes.as_mut().map(std::mem::take).unwrap_or_default()
    }

    /// The current virtual time.
    pub fn now(&self) -> Instant {
        self.now
    }

    /// Virtual time since the start.
    pub fn elapsed(&self) -> Duration {
        self.now - self.start
    }

    /// Hands a record to the producer at the current time.
    pub fn send<R: Sendable>(&mut self, record: R) -> Result<RecordId, SendError<R>> {
        let r = self.producer.send(record, self.now);
        self.check_buffer();
        self.step();
        self.check_settled("send");
        r
    }

    /// Calls `flush` on the producer.
    pub fn flush(&mut self) {
        self.producer.flush(self.now);
        self.step();
    }

    /// Calls `close` on the producer with a deadline `within` from now.
    pub fn close(&mut self, within: Duration) {
        self.producer.close(self.now, self.now + within);
        self.step();
    }

    /// Delivery reports received so far, taken.
    pub fn take_reports(&mut self) -> Vec<DeliveryReport> {
        std::mem::take(&mut self.reports)
    }

    /// Delivery reports received so far.
    pub fn reports(&self) -> &[DeliveryReport] {
        &self.reports
    }

    /// The timeline: events, reports and connects with their virtual time.
    pub fn timeline(&self) -> &[(Duration, Happening)] {
        &self.log
    }

    /// Broken rules seen so far: buffer over `buffer.memory`; a deadline
    /// in the past right after `handle_timeout` (a busy loop); work due now
    /// left undone after `send` or `handle_timeout` (a stall).
    pub fn violations(&self) -> &[String] {
        &self.violations
    }

    /// Runs everything due now, until nothing moves.
    pub fn step(&mut self) {
        loop {
            let mut moved = false;
            while let Some(out) = self.producer.poll_output() {
                moved = true;
                self.carry_out(out);
            }
            while let Some(tx) = self.cluster.poll_transmit(self.now) {
                moved = true;
                self.carry_transmit(tx);
            }
            while let Some(entry) = self.transit.first_entry() {
                if entry.key().0 > self.now {
                    break;
                }
                moved = true;
                let transit = entry.remove();
                self.deliver(transit);
            }
            if !moved {
                return;
            }
        }
    }

    /// The next moment anything is due: a producer timer, a held cluster
    /// response or bytes in transit.
    pub fn next_deadline(&self) -> Option<Instant> {
        [
            self.producer.poll_timeout().map(|t| t.at),
            self.cluster.poll_timeout(),
            self.transit.keys().next().map(|k| k.0),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// Advances virtual time, deadline by deadline, up to `until`.
    pub fn run_until(&mut self, until: Instant) {
        self.step();
        while let Some(next) = self.next_deadline() {
            if next > until {
                break;
            }
            self.jump_to(next);
        }
        if until > self.now {
            self.jump_to(until);
        }
    }

    /// Advances virtual time by `d`.
    pub fn run_for(&mut self, d: Duration) {
        let until = self.now + d;
        self.run_until(until);
    }

    /// Runs until the producer holds no records (every accepted record has
    /// its report) or `limit` of virtual time passes. Returns true when it
    /// went idle.
    pub fn run_until_idle(&mut self, limit: Duration) -> bool {
        let until = self.now + limit;
        self.step();
        loop {
            if self.producer.buffered_records() == 0 && self.transit.is_empty() {
                return true;
            }
            match self.next_deadline() {
                Some(next) if next <= until => self.jump_to(next),
                _ => {
                    if until > self.now {
                        self.jump_to(until);
                    }
                    return self.producer.buffered_records() == 0;
                }
            }
        }
    }

    fn jump_to(&mut self, t: Instant) {
        if t > self.now {
            self.now = t;
        }
        self.producer.handle_timeout(self.now);
        if let Some(timer) = self.producer.poll_timeout() {
            if timer.at <= self.now {
                self.violations.push(format!(
                    "after handle_timeout at {:?} the next deadline ({:?}) is not in the future",
                    self.elapsed(),
                    timer.reason
                ));
            }
        }
        self.step();
        self.check_settled("handle_timeout");
    }

    /// The producer must have done everything due at this instant: a second
    /// `handle_timeout` now may not find more to do. (Work left undone
    /// would wait for some later deadline: a stall the deadline check
    /// cannot see, since only future deadlines are returned.)
    fn check_settled(&mut self, after: &str) {
        self.producer.handle_timeout(self.now);
        let mut undone = 0;
        while let Some(out) = self.producer.poll_output() {
            undone += 1;
            self.carry_out(out);
        }
        if undone > 0 {
            self.violations.push(format!(
                "after {after} at {:?} the producer still had {undone} output(s) due",
                self.elapsed()
            ));
            self.step();
        }
    }

    fn schedule(&mut self, transit: Transit) {
        let key = (self.now + self.latency, self.next_transit);
        self.next_transit += 1;
        self.transit.insert(key, transit);
    }

    fn record(&mut self, h: Happening) {
        if self.keep_log {
            self.log.push((self.now - self.start, h));
        }
    }

    fn carry_out(&mut self, out: Output) {
        match out {
            Output::Connect { conn, addr, .. } => {
                let result = self.cluster.connect(&addr, self.now);
                self.record(Happening::Connect {
                    conn,
                    addr: addr.to_string(),
                    accepted: result.is_ok(),
                });
                match result {
                    Ok(sim) => {
                        self.links.insert(conn, sim);
                        self.back.insert(sim, conn);
                        self.schedule(Transit::Connected(conn));
                    }
                    Err(e) => self.schedule(Transit::ConnectFailed(conn, e.to_string())),
                }
            }
            Output::Write { conn, data } => {
                if let Some(writes) = &mut self.writes {
                    writes.push(Written {
                        conn,
                        bytes: data.to_vec(),
                        address: data.as_ptr() as usize,
                    });
                }
                if let Some(&sim) = self.links.get(&conn) {
                    self.schedule(Transit::ToCluster(sim, data));
                }
            }
            Output::Close { conn } => {
                if let Some(sim) = self.links.remove(&conn) {
                    self.back.remove(&sim);
                    self.cluster.client_closed(sim);
                }
            }
            Output::Delivery(report) => {
                self.record(Happening::Delivery(report.clone()));
                self.reports.push(report);
            }
            Output::Event(event) => self.record(Happening::Event(event)),
        }
    }

    fn carry_transmit(&mut self, tx: Transmit) {
        match tx {
            Transmit::Data { conn, data } => {
                if let Some(&c) = self.back.get(&conn) {
                    self.schedule(Transit::ToProducer(c, data));
                }
            }
            Transmit::Closed { conn, reason } => {
                if let Some(c) = self.back.remove(&conn) {
                    self.links.remove(&c);
                    self.schedule(Transit::ClosedToProducer(c, reason.to_string()));
                }
            }
        }
    }

    fn deliver(&mut self, transit: Transit) {
        let now = self.now;
        match transit {
            Transit::Connected(conn) => self.producer.handle_input(Input::Connected { conn }, now),
            Transit::ConnectFailed(conn, reason) => self
                .producer
                .handle_input(Input::ConnectFailed { conn, reason }, now),
            Transit::ToProducer(conn, data) => self
                .producer
                .handle_input(Input::Received { conn, data: &data }, now),
            Transit::ClosedToProducer(conn, reason) => self
                .producer
                .handle_input(Input::Closed { conn, reason }, now),
            Transit::ToCluster(sim, data) => self.cluster.receive(sim, &data, now),
        }
        self.check_buffer();
    }

    fn check_buffer(&mut self) {
        let buffered = self.producer.buffered_bytes();
        let limit = self.producer.config().buffer_memory;
        if buffered > limit {
            self.violations.push(format!(
                "buffered {buffered} bytes > buffer.memory {limit} at {:?}",
                self.elapsed()
            ));
        }
    }
}
