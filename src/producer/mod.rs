//! The sans-IO producer: a state machine that takes events (time, bytes,
//! connection outcomes, `send` calls) and emits actions (connect, write,
//! close, delivery reports, events). It never reads a clock, opens a socket
//! or starts a thread; the caller does those and feeds back what happened.
//!
//! ```
//! use std::time::Instant;
//! use kafka_sansio::producer::{Input, Output, Producer, ProducerConfig, ProducerRecord};
//!
//! let config = ProducerConfig::from_properties([("bootstrap.servers", "localhost:9092")])?;
//! let now = Instant::now();
//! let mut producer = Producer::new(config, now, 1_700_000_000_000)?;
//! producer.send(ProducerRecord::new("orders", "hello").key("user-1"), now)?;
//!
//! // Knowing nothing yet, it asks for a connection to the bootstrap server.
//! let conn = loop {
//!     match producer.poll_output().expect("a connect") {
//!         Output::Connect { conn, addr, .. } => {
//!             assert_eq!(addr.to_string(), "localhost:9092");
//!             break conn;
//!         }
//!         _ => continue, // events: the refresh it scheduled
//!     }
//! };
//! producer.handle_input(Input::Connected { conn }, now);
//!
//! // Every connection starts with ApiVersions (API key 18).
//! let Some(Output::Write { data, .. }) = producer.poll_output() else { panic!() };
//! assert_eq!(&data[4..6], &18i16.to_be_bytes());
//!
//! // Bytes that arrive go to `handle_input(Input::Received { .. })`; the next
//! // deadline says when to call `handle_timeout`.
//! assert!(producer.poll_timeout().is_some());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod accumulator;
mod backoff;
mod batch;
mod compression_gate;
mod config;
mod connection;
mod control;
mod drain;
mod endings;
mod event;
mod handlers;
mod io;
mod metadata;
mod net;
mod output_queue;
mod pool;
mod record;
mod report;
mod settle;
mod sticky;
mod timers;
mod tracker;
mod wall_clock;
mod write_queue;

pub use config::{
    Acks, ConfigError, IntoBrokerAddress, MetadataRecoveryStrategy, ProducerConfig,
    ProducerConfigBuilder,
};
pub use event::{Event, LeaderSource, RefreshReason};
pub use handlers::Handlers;
pub use io::{BrokerAddress, ConnId, Input, Output, Timer, TimerReason, deadline_after};
pub use record::{
    BorrowedHeader, BorrowedRecord, Headers, OwnedHeader, ProducerRecord, RecordId, Sendable,
    SmolStr,
};
pub use report::{
    Certainty, Delivered, DeliveryFailure, DeliveryReport, FatalError, ProduceError, SendError,
    SendErrorReason,
};
pub use tracker::DeliveryTracker;
pub use write_queue::{MAX_SLICES, WriteQueue};

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use accumulator::{Accumulator, BATCH_OVERHEAD, PendingRecord, record_size_bound};
use backoff::{ExponentialBackoff, Rng};
use batch::RecordMeta;
use connection::{Conn, Node, NodeHealth};
use metadata::{ClusterMap, RefreshSchedule, TopicIdx};
use sticky::Candidate;

/// A snapshot of the producer's counters, from [`Producer::stats`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProducerStats {
    /// Bytes held for records not yet reported (counted against
    /// `buffer.memory`).
    pub buffered_bytes: usize,
    /// Records accepted and not yet reported.
    pub buffered_records: usize,
    /// Requests in flight per broker (`None`: a bootstrap server).
    pub in_flight: Vec<(Option<i32>, usize)>,
    /// Open connections.
    pub connections: usize,
    /// Records accepted by `send` so far.
    pub records_accepted: u64,
    /// Records reported delivered.
    pub records_delivered: u64,
    /// Records reported failed.
    pub records_failed: u64,
    /// Batch retries so far.
    pub batch_retries: u64,
    /// Produce requests sent so far.
    pub produce_requests: u64,
    /// Batches those Produce requests carried.
    pub produce_batches: u64,
    /// The sum, over Produce requests, of how many Produce requests were
    /// in flight on their connection once each was sent (itself
    /// included): divided by `produce_requests`, the average pipelining.
    pub produce_in_flight_sum: u64,
    /// Metadata requests sent so far.
    pub metadata_requests: u64,
    /// Batches the codec was run on (with `compression.type` other than
    /// `none`).
    pub compression_tries: u64,
    /// Batches sent uncompressed without a try, because the latest tries
    /// on their partition did not save enough (see
    /// [`pays_off`](crate::record::compression::pays_off)): after 1, 2, 4,
    /// ... up to 32 batches, the codec is tried again.
    pub compression_skips: u64,
    /// Age of the cluster map, `None` before the first one.
    pub metadata_age: Option<Duration>,
}

/// One partition as the producer's cluster map has it, from
/// [`Producer::partitions`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PartitionInfo {
    /// The partition.
    pub partition: i32,
    /// Its leader, if known and alive in the map.
    pub leader: Option<i32>,
    /// The leader epoch the map has.
    pub leader_epoch: i32,
}

/// The producer state machine. See the [module docs](self).
#[derive(Debug)]
pub struct Producer {
    config: ProducerConfig,
    rng: Rng,
    retry_backoff: ExponentialBackoff,
    reconnect_backoff: ExponentialBackoff,
    /// The wall clock, from its reading at `new`, to timestamp records.
    wall_clock: wall_clock::WallClock,
    /// The latest time seen; time never goes back.
    now: Instant,
    map: ClusterMap,
    refresh: RefreshSchedule,
    metadata_in_flight: Option<ConnId>,
    acc: Accumulator,
    conns: BTreeMap<ConnId, Conn>,
    node_conns: BTreeMap<Node, ConnId>,
    health: BTreeMap<Node, NodeHealth>,
    next_conn_id: u64,
    /// `bootstrap.servers` indices in the (seeded) order to try them.
    bootstrap_order: Vec<usize>,
    pid: control::ProducerIdState,
    outputs: output_queue::OutputQueue,
    /// Where requests are encoded, so that one allocation serves request
    /// after request (see [`net::FrameBuffer`]).
    frames: net::FrameBuffer,
    next_record_id: u64,
    /// Records with ids below this were flushed (or sent before `close`):
    /// their batches go without waiting out `linger.ms`, including those
    /// of records that were still waiting for their topic's metadata.
    flush_mark: u64,
    closing: Option<Instant>,
    closed: bool,
    fatal: Option<FatalError>,
    /// A needed node is in reconnect backoff until then.
    reconnect_wake: Option<Instant>,
    /// Per leader: when it last had data ready, and last drained it
    /// (`partitioner.availability.timeout.ms`).
    node_drain: BTreeMap<i32, (Instant, Instant)>,
    /// Rotates the first partition drained per request, for fairness.
    drain_rotation: usize,
    counters: Counters,
    /// The latest connection failure, `addr: reason`: the last error of a
    /// record that times out before the cluster ever answered about its
    /// topic.
    last_network_error: Option<String>,
    /// The earliest deadline after `now`, worked out after every change
    /// that can move one (see `timers.rs`), so that `poll_timeout`, which
    /// adapters call after every call, need not walk every partition.
    next_timer: Option<Timer>,
}

#[derive(Debug, Default, Clone, Copy)]
struct Counters {
    accepted: u64,
    delivered: u64,
    failed: u64,
    retries: u64,
    produce_requests: u64,
    produce_batches: u64,
    produce_in_flight_sum: u64,
    metadata_requests: u64,
}

impl Producer {
    /// A producer that knows nothing yet. `unix_ms` is the wall-clock time
    /// at `now`; record timestamps are extrapolated from it, so the core
    /// never reads a clock. Fails when the config is invalid, naming the
    /// key.
    pub fn new(config: ProducerConfig, now: Instant, unix_ms: i64) -> Result<Self, ConfigError> {
        config.validate()?;
        crate::record::BatchBuilder::new(config.compression).map_err(|e| ConfigError {
            key: "compression.type".to_owned(),
            reason: e.to_string(),
        })?;
        let mut rng = Rng::new(config.seed);
        let mut bootstrap_order: Vec<usize> = (0..config.bootstrap_servers.len()).collect();
        rng.shuffle(&mut bootstrap_order);
        let retry_backoff = ExponentialBackoff::new(config.retry_backoff, config.retry_backoff_max);
        let mut p = Producer {
            rng,
            retry_backoff,
            reconnect_backoff: ExponentialBackoff::new(
                config.reconnect_backoff,
                config.reconnect_backoff_max,
            ),
            wall_clock: wall_clock::WallClock::new(now, unix_ms),
            now,
            map: ClusterMap::default(),
            refresh: RefreshSchedule::new(retry_backoff, config.metadata_max_age),
            metadata_in_flight: None,
            acc: Accumulator::new(config.batch_size, config.compression, config.buffer_memory),
            conns: BTreeMap::new(),
            node_conns: BTreeMap::new(),
            health: BTreeMap::new(),
            next_conn_id: 0,
            bootstrap_order,
            pid: control::ProducerIdState::default(),
            outputs: output_queue::OutputQueue::default(),
            frames: net::FrameBuffer::default(),
            next_record_id: 0,
            flush_mark: 0,
            closing: None,
            closed: false,
            fatal: None,
            reconnect_wake: None,
            node_drain: BTreeMap::new(),
            drain_rotation: 0,
            counters: Counters::default(),
            last_network_error: None,
            next_timer: None,
            config,
        };
        p.request_refresh(RefreshReason::Bootstrap);
        p.drive();
        Ok(p)
    }

    /// Accepts a record for delivery, or hands it back with the reason.
    /// Never blocks: a full buffer is a [`SendErrorReason::BufferFull`].
    /// Takes a [`ProducerRecord`] or a [`BorrowedRecord`] (see
    /// [`Sendable`]): the record's bytes are copied into a batch here.
    #[inline]
    pub fn send<R: Sendable>(&mut self, record: R, now: Instant) -> Result<RecordId, SendError<R>> {
        // The generic part stays this thin: `send` is compiled in the
        // caller's crate, where the core's own helpers cannot be inlined,
        // so the work is in `accept`, compiled here once.
        match self.accept(&record.borrowed(), now) {
            Ok(Acceptance::Placed(id)) => Ok(id),
            Ok(Acceptance::Waits(waiting)) => {
                Ok(self.wait_for_metadata(waiting, record.into_owned()))
            }
            Err(reason) => Err(SendError {
                reason,
                record: Box::new(record),
            }),
        }
    }

    /// `send`'s checks and placement of `record`; a record whose topic or
    /// partition is not known yet is left for `wait_for_metadata`.
    fn accept(
        &mut self,
        record: &BorrowedRecord<'_>,
        now: Instant,
    ) -> Result<Acceptance, SendErrorReason> {
        self.advance(now);
        // An adapter's timer can fire late (its thread may lose the race
        // for the lock to a sender), and once `now` has passed a deadline,
        // `poll_timeout` no longer returns it: the work that fell due is
        // done here, or nothing would wake the producer for it.
        if !self.closed && self.next_timer.is_some_and(|t| self.now >= t.at) {
            self.drive();
        }
        if let Some(f) = &self.fatal {
            return Err(SendErrorReason::Fatal(f.clone()));
        }
        if self.closing.is_some() || self.closed {
            return Err(SendErrorReason::Closed);
        }
        // Only `send` adds topics, after this check: a known name is valid.
        let known_topic = self.map.find_topic(record.topic);
        if known_topic.is_none() && !crate::protocol::is_valid_topic_name(record.topic) {
            return Err(SendErrorReason::InvalidTopic(record.topic.to_string()));
        }
        let size = record_size_bound(record);
        if size + BATCH_OVERHEAD > self.config.max_request_size {
            return Err(SendErrorReason::RecordTooLarge {
                size: size + BATCH_OVERHEAD,
                limit: self.config.max_request_size,
                key: "max.request.size",
            });
        }
        if size > self.config.buffer_memory {
            return Err(SendErrorReason::RecordTooLarge {
                size,
                limit: self.config.buffer_memory,
                key: "buffer.memory",
            });
        }
        if self.acc.buffered_bytes + size > self.config.buffer_memory {
            return Err(SendErrorReason::BufferFull {
                buffered: self.acc.buffered_bytes,
                needed: size,
                limit: self.config.buffer_memory,
            });
        }
        let topic = match known_topic {
            Some(topic) => topic,
            None => self.map.add_topic(record.topic),
        };
        self.acc.ensure_topic(topic);
        let count = self.map.topics[topic].partitions.len();
        if let Some(p) = record.partition.filter(|&p| p < 0) {
            return Err(SendErrorReason::InvalidPartition {
                topic: record.topic.to_string(),
                partition: p,
                count: count as i32,
            });
        }
        let meta = RecordMeta {
            id: RecordId(self.next_record_id),
            timestamp: record
                .timestamp
                .unwrap_or_else(|| self.wall_clock.unix_ms(now)),
            accounted: size,
        };
        let unknown_partition = record
            .partition
            .filter(|&p| count > 0 && p as usize >= count);
        if count == 0 || unknown_partition.is_some() {
            return Ok(Acceptance::Waits(Waiting {
                topic,
                meta,
                unknown_partition,
            }));
        }
        let batches_before = self.acc.batches_created();
        let sealed = self
            .place(topic, meta, record)
            .map_err(|e| SendErrorReason::InvalidRecord(e.to_string()))?;
        self.count_accepted(&meta);
        // A sealed batch, or one with no linger, is ready now: no future
        // deadline would wake the caller for it.
        if sealed || self.config.linger.is_zero() {
            self.drive();
        } else if self.acc.batches_created() != batches_before {
            // A new batch brings its linger and delivery deadlines. A record
            // that joins an open batch moves no deadline: the common case
            // skips the walk.
            self.update_next_timer();
        }
        Ok(Acceptance::Placed(meta.id))
    }

    /// Counts `meta`'s record accepted: its id is taken, its bytes are
    /// buffered.
    fn count_accepted(&mut self, meta: &RecordMeta) {
        debug_assert_eq!(meta.id.0, self.next_record_id, "ids are consecutive");
        self.next_record_id += 1;
        self.counters.accepted += 1;
        self.acc.reserve(meta.accounted);
    }

    /// Accepts a record that waits for its topic's (or partition's)
    /// metadata, as an owned copy, and asks for that metadata.
    fn wait_for_metadata(&mut self, waiting: Waiting, record: ProducerRecord) -> RecordId {
        let Waiting {
            topic,
            meta,
            unknown_partition,
        } = waiting;
        self.count_accepted(&meta);
        let first = self.acc.topics[topic].pending.is_empty();
        self.acc.topics[topic].pending.push_back(PendingRecord {
            meta,
            record,
            created: self.now,
        });
        let name = self.map.topics[topic].name.clone();
        if let Some(partition) = unknown_partition {
            self.request_refresh(RefreshReason::UnknownPartition {
                topic: name,
                partition,
            });
            self.drive();
        } else if first {
            self.request_refresh(RefreshReason::NewTopic(name));
            self.drive();
        }
        meta.id
    }

    /// Partitions a record of a known topic and appends it. Returns true
    /// when a batch was sealed.
    #[inline]
    fn place(
        &mut self,
        topic: TopicIdx,
        meta: RecordMeta,
        record: &BorrowedRecord<'_>,
    ) -> Result<bool, crate::record::RecordError> {
        let count = self.map.topics[topic].partitions.len();
        self.acc.ensure_partitions(topic, count);
        let keyed = record.key.filter(|_| !self.config.partitioner_ignore_keys);
        let partition = match (record.partition, keyed) {
            (Some(p), _) => p,
            (None, Some(key)) => crate::partitioner::partition_for_key(key, count as i32),
            (None, None) => match self.acc.topics[topic].sticky.current(count) {
                Some(p) => p,
                // Candidates are built only when a new choice is due (about
                // once per batch), not for every record.
                None => {
                    let candidates = self.sticky_candidates(topic);
                    let adaptive = self.config.partitioner_adaptive;
                    self.acc.topics[topic]
                        .sticky
                        .partition(&candidates, adaptive, &mut self.rng)
                }
            },
        };
        let sealed = self.acc.append(topic, partition, meta, record, self.now)?;
        if record.partition.is_none() && keyed.is_none() {
            let batch_size = self.config.batch_size;
            let t = &mut self.acc.topics[topic];
            let full = t.partitions[partition as usize].last_batch_full();
            t.sticky
                .appended(partition, meta.accounted, batch_size, full);
        }
        Ok(sealed)
    }

    fn sticky_candidates(&self, topic: TopicIdx) -> Vec<Candidate> {
        let timeout = self.config.partitioner_availability_timeout;
        self.acc.topics[topic]
            .partitions
            .iter()
            .enumerate()
            .map(|(i, q)| {
                let leader = self.map.leader(topic, i as i32);
                let slow_leader = !timeout.is_zero()
                    && leader.and_then(|l| self.node_drain.get(&l)).is_some_and(
                        |(ready, drained)| ready.saturating_duration_since(*drained) > timeout,
                    );
                Candidate {
                    partition: i as i32,
                    available: leader.is_some(),
                    queued: q.batches.len(),
                    slow_leader,
                }
            })
            .collect()
    }

    /// Feeds a network event. Input for a connection the producer no
    /// longer knows is ignored.
    pub fn handle_input(&mut self, input: Input<'_>, now: Instant) {
        self.advance(now);
        if self.closed {
            return;
        }
        match input {
            Input::Connected { conn } => self.on_connected(conn),
            Input::ConnectFailed { conn, reason } | Input::Closed { conn, reason } => {
                self.close_conn(conn, &reason, false)
            }
            Input::Received { conn, data } => self.on_received(conn, data),
        }
        self.drive();
    }

    /// Lets time pass: linger, backoffs, timeouts.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.advance(now);
        if !self.closed {
            self.drive();
        }
    }

    /// True when [`poll_output`](Self::poll_output) has something to
    /// return. An adapter asks after every `send`: most sends only append
    /// to an open batch and queue nothing, and the check is cheaper than
    /// polling for nothing.
    ///
    /// ```
    /// # use std::time::Instant;
    /// # use kafka_sansio::producer::{Producer, ProducerConfig, ProducerRecord};
    /// let config = ProducerConfig::from_properties([("bootstrap.servers", "127.0.0.1:9092")])?;
    /// let now = Instant::now();
    /// let mut producer = Producer::new(config, now, 1_700_000_000_000)?;
    /// producer.send(ProducerRecord::new("orders", "hello"), now).unwrap();
    /// assert!(producer.has_output()); // the bootstrap connection to open
    /// while producer.has_output() {
    ///     assert!(producer.poll_output().is_some());
    /// }
    /// assert!(producer.poll_output().is_none());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[inline]
    pub fn has_output(&self) -> bool {
        !self.outputs.is_empty()
    }

    /// The next action or report, if any.
    pub fn poll_output(&mut self) -> Option<Output> {
        self.outputs.pop()
    }

    /// Like [`poll_output`](Self::poll_output), but the delivery reports
    /// queued before the next action go to `on_report`, in order, and only
    /// actions and events are returned. An acknowledged batch's reports are
    /// then made as one report rewritten for each record and lent to
    /// `on_report`: cheaper than an [`Output`] moved out per record, for an
    /// adapter that only looks at each report (and clones the few it keeps).
    ///
    /// ```
    /// # use std::time::Instant;
    /// # use kafka_sansio::producer::{Producer, ProducerConfig, ProducerRecord};
    /// let config = ProducerConfig::from_properties([("bootstrap.servers", "127.0.0.1:9092")])?;
    /// let now = Instant::now();
    /// let mut producer = Producer::new(config, now, 1_700_000_000_000)?;
    /// producer.send(ProducerRecord::new("orders", "hello"), now).unwrap();
    /// producer.close(now, now); // no time to deliver: the record fails
    /// let mut failed = 0;
    /// while let Some(action) = producer.poll_output_with(|report| {
    ///     failed += usize::from(report.result.is_err());
    /// }) {
    ///     // carry out `action` (connect, write, close) or note the event
    /// #   let _ = action;
    /// }
    /// assert_eq!(failed, 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn poll_output_with(
        &mut self,
        mut on_report: impl FnMut(&DeliveryReport),
    ) -> Option<Output> {
        self.outputs.pop_with(&mut on_report)
    }

    /// Makes every record accepted so far ready for immediate sending (no
    /// waiting out `linger.ms`), also those still waiting for their
    /// topic's metadata.
    pub fn flush(&mut self, now: Instant) {
        self.advance(now);
        self.flush_mark = self.next_record_id;
        self.drive();
    }

    /// Stops accepting records and drains what is buffered; at `deadline`
    /// whatever is left fails with [`ProduceError::Closed`] and every
    /// connection is closed. [`Event::Closed`] marks the end.
    pub fn close(&mut self, now: Instant, deadline: Instant) {
        self.advance(now);
        if self.closing.is_none() && !self.closed {
            self.closing = Some(deadline);
            self.flush_mark = self.next_record_id;
        }
        self.drive();
    }

    /// True once `close` has finished: every record reported, every
    /// connection closed.
    #[inline]
    pub fn is_closed(&self) -> bool {
        self.closed
    }

    /// The configuration the producer runs with.
    pub fn config(&self) -> &ProducerConfig {
        &self.config
    }

    /// The fatal error, once the producer has failed for good.
    pub fn fatal_error(&self) -> Option<&FatalError> {
        self.fatal.as_ref()
    }

    /// The partitions of `topic` as the cluster map has them, `None` when
    /// the topic is not known (yet).
    pub fn partitions(&self, topic: &str) -> Option<Vec<PartitionInfo>> {
        let idx = self.map.topic_idx(topic)?;
        let meta = &self.map.topics[idx];
        if !meta.is_known() {
            return None;
        }
        let info = (0..meta.partitions.len() as i32)
            .map(|p| PartitionInfo {
                partition: p,
                leader: self.map.leader(idx, p),
                leader_epoch: self.map.leader_epoch(idx, p),
            })
            .collect();
        Some(info)
    }

    /// The brokers the cluster map knows, by node id.
    pub fn brokers(&self) -> impl Iterator<Item = (i32, &BrokerAddress)> + '_ {
        self.map.brokers.iter().map(|(id, addr)| (*id, addr))
    }

    /// Bytes held for records not yet reported (counted against
    /// `buffer.memory`); cheaper than [`Producer::stats`].
    pub fn buffered_bytes(&self) -> usize {
        self.acc.buffered_bytes
    }

    /// Records accepted and not yet reported; cheaper than
    /// [`Producer::stats`].
    pub fn buffered_records(&self) -> usize {
        self.acc.buffered_records
    }

    /// A snapshot of the counters.
    pub fn stats(&self) -> ProducerStats {
        let mut in_flight: BTreeMap<Option<i32>, usize> = BTreeMap::new();
        for c in self.conns.values() {
            *in_flight.entry(c.node.broker()).or_default() += c.in_flight.len();
        }
        ProducerStats {
            buffered_bytes: self.acc.buffered_bytes,
            buffered_records: self.acc.buffered_records,
            in_flight: in_flight.into_iter().collect(),
            connections: self.conns.len(),
            records_accepted: self.counters.accepted,
            records_delivered: self.counters.delivered,
            records_failed: self.counters.failed,
            batch_retries: self.counters.retries,
            produce_requests: self.counters.produce_requests,
            produce_batches: self.counters.produce_batches,
            produce_in_flight_sum: self.counters.produce_in_flight_sum,
            metadata_requests: self.counters.metadata_requests,
            compression_tries: self.partition_queues().map(|q| q.compression.tries).sum(),
            compression_skips: self.partition_queues().map(|q| q.compression.skips).sum(),
            metadata_age: self
                .map
                .updated_at
                .map(|t| self.now.saturating_duration_since(t)),
        }
    }

    /// Every partition's queues.
    fn partition_queues(&self) -> impl Iterator<Item = &accumulator::PartitionQueue> {
        self.acc.topics.iter().flat_map(|t| &t.partitions)
    }

    /// Moves time forward (never back).
    fn advance(&mut self, now: Instant) {
        if now > self.now {
            self.now = now;
        }
    }

    fn emit(&mut self, event: Event) {
        self.outputs.push(Output::Event(event));
    }

    /// Runs every decision that may be due, then works out the next
    /// deadline. Called after every input.
    fn drive(&mut self) {
        self.run_due_work();
        self.update_next_timer();
    }

    /// Every decision that may be due: timeouts, expiry, metadata,
    /// producer id, sending, closing.
    fn run_due_work(&mut self) {
        self.reconnect_wake = None;
        self.check_connection_timeouts();
        self.expire();
        if self.close_deadline_reached() {
            return;
        }
        if self.fatal.is_none() {
            self.decide();
            // Sending can ask for what an earlier step does: a refresh due
            // at once (no retry backoff), or an epoch bump after a batch
            // failed on its way out. The next deadline counts only future
            // moments, so it must be done now, not left for a later call.
            if self.control_due_now() {
                self.decide();
            }
            self.close_idle_bootstrap_conns();
        }
        self.maybe_finish_close();
    }

    /// Metadata, producer id and sending, in the order they depend on
    /// each other.
    fn decide(&mut self) {
        self.maybe_refresh_by_age();
        self.maybe_bump_epoch();
        self.maybe_send_metadata();
        self.maybe_init_producer_id();
        self.send_ready_batches();
    }

    /// Whether a refresh or an epoch bump that `decide` would carry out
    /// is due now.
    fn control_due_now(&self) -> bool {
        let refresh_due = self.metadata_in_flight.is_none()
            && self
                .refresh
                .wanted
                .as_ref()
                .is_some_and(|(_, at)| *at <= self.now);
        let bump_due = self.pid.bump_required && !self.any_batch_in_flight();
        refresh_due || bump_due
    }

    /// Whether any partition has a batch awaiting its answer.
    fn any_batch_in_flight(&self) -> bool {
        self.acc
            .topics
            .iter()
            .any(|t| t.partitions.iter().any(|p| p.in_flight > 0))
    }
}

/// What `accept` made of a record.
enum Acceptance {
    /// In a batch.
    Placed(RecordId),
    /// Accepted, to wait for metadata.
    Waits(Waiting),
}

/// A record accepted to wait for its topic's or partition's metadata.
struct Waiting {
    topic: TopicIdx,
    meta: RecordMeta,
    unknown_partition: Option<i32>,
}
