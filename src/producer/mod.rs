//! The sans-IO producer: a state machine that takes events (time, bytes,
//! connection outcomes, `send` calls) and emits actions (connect, write,
//! close, delivery reports, events).
//!
//! ```text
//! let mut p = Producer::new(config, now, unix_ms)?;
//! let id = p.send(record, now)?;
//! p.handle_input(Input::Received { conn, data }, now);
//! p.handle_timeout(now);
//! while let Some(out) = p.poll_output() { /* carry it out */ }
//! let wake_at = p.poll_timeout();
//! ```

mod config;
mod event;
mod io;
mod record;
mod report;

pub use config::{
    Acks, ConfigError, IntoBrokerAddress, MetadataRecoveryStrategy, ProducerConfig,
    ProducerConfigBuilder,
};
pub use event::{Event, LeaderSource, RefreshReason};
pub use io::{BrokerAddress, ConnId, Input, Output, Timer, TimerReason};
pub use record::{ProducerRecord, RecordId};
pub use report::{
    Certainty, Delivered, DeliveryFailure, DeliveryReport, FatalError, ProduceError, SendError,
    SendErrorReason,
};

use std::time::{Duration, Instant};

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
    /// Metadata requests sent so far.
    pub metadata_requests: u64,
    /// Age of the cluster map, `None` before the first one.
    pub metadata_age: Option<Duration>,
}

/// The producer state machine. See the [module docs](self).
#[derive(Debug)]
pub struct Producer {
    _todo: (),
}

impl Producer {
    /// A producer that knows nothing yet. `unix_ms` is the wall-clock time
    /// at `now`; record timestamps are extrapolated from it, so the core
    /// never reads a clock.
    pub fn new(config: ProducerConfig, now: Instant, unix_ms: i64) -> Result<Self, ConfigError> {
        let _ = (config, now, unix_ms);
        todo!()
    }

    /// Accepts a record for delivery, or hands it back with the reason.
    /// Never blocks.
    pub fn send(&mut self, record: ProducerRecord, now: Instant) -> Result<RecordId, SendError> {
        let _ = (record, now);
        todo!()
    }

    /// Feeds a network event.
    pub fn handle_input(&mut self, input: Input<'_>, now: Instant) {
        let _ = (input, now);
        todo!()
    }

    /// Lets time pass: linger, backoffs, timeouts.
    pub fn handle_timeout(&mut self, now: Instant) {
        let _ = now;
        todo!()
    }

    /// The next action or report, if any.
    pub fn poll_output(&mut self) -> Option<Output> {
        todo!()
    }

    /// When `handle_timeout` must next be called, and why.
    pub fn poll_timeout(&self) -> Option<Timer> {
        todo!()
    }

    /// Seals every open batch for immediate sending.
    pub fn flush(&mut self, now: Instant) {
        let _ = now;
        todo!()
    }

    /// Stops accepting records and drains; at `deadline` whatever is left
    /// fails with [`ProduceError::Closed`] and every connection is closed.
    pub fn close(&mut self, now: Instant, deadline: Instant) {
        let _ = (now, deadline);
        todo!()
    }

    /// True once `close` has finished: every record reported, every
    /// connection closed.
    pub fn is_closed(&self) -> bool {
        todo!()
    }

    /// A snapshot of the counters.
    pub fn stats(&self) -> ProducerStats {
        todo!()
    }
}
