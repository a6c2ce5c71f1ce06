//! [`MioProducer`]: the core producer driven from the user's mio loop.

use std::collections::VecDeque;
use std::fmt;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use kafka_sansio::producer::{
    DeliveryReport, DeliveryTracker, Event, FatalError, Input, Output, PartitionInfo, Producer,
    ProducerConfig, ProducerStats, RecordId, SendError, Sendable, deadline_after,
};
use mio::event::Event as MioEvent;
use mio::{Registry, Token};

use crate::Error;
use crate::sockets::{Happening, Sockets};
use crate::tokens::TokenRange;

/// What one read takes from a socket; reused for every read.
const READ_BUFFER: usize = 64 * 1024;

type Listener = Box<dyn FnMut(&Event) + Send + 'static>;

/// A Kafka producer living inside the user's mio event loop. It owns no
/// thread: everything happens in the calls the loop makes. See the
/// [crate docs](crate) for the loop.
pub struct MioProducer {
    core: Producer,
    sockets: Sockets,
    /// Which accepted records are reported, for [`MioProducer::is_flushed`].
    tracker: DeliveryTracker<()>,
    reports: VecDeque<DeliveryReport>,
    on_event: Option<Listener>,
    buf: Box<[u8]>,
}

/// Builds a [`MioProducer`] with an event listener.
pub struct MioProducerBuilder {
    config: ProducerConfig,
    on_event: Option<Listener>,
}

/// A point in the stream of sends, from [`MioProducer::flush`]: every
/// record accepted before it has its report once
/// [`MioProducer::is_flushed`] says so.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct FlushMark(u64);

impl MioProducerBuilder {
    /// Calls `f` for every event of the core (connections, metadata,
    /// retries, ...), inside the producer's calls, in the loop's thread.
    /// It must not block: it holds up the whole loop.
    pub fn on_event(mut self, f: impl FnMut(&Event) + Send + 'static) -> Self {
        self.on_event = Some(Box::new(f));
        self
    }

    /// The producer, registering its sockets with `registry` (a clone of
    /// it is kept) under the tokens of `tokens`, which the loop must not
    /// use for anything else. Fails on an invalid config or an empty
    /// token range.
    pub fn build(self, registry: &Registry, tokens: TokenRange) -> Result<MioProducer, Error> {
        if tokens.is_empty() {
            return Err(Error::NoTokens);
        }
        let registry = registry.try_clone().map_err(Error::Registry)?;
        let now = Instant::now();
        let core = Producer::new(self.config, now, unix_ms())?;
        let mut producer = MioProducer {
            core,
            sockets: Sockets::new(registry, tokens),
            tracker: DeliveryTracker::new(),
            reports: VecDeque::new(),
            on_event: self.on_event,
            buf: vec![0; READ_BUFFER].into_boxed_slice(),
        };
        producer.carry_out(now);
        Ok(producer)
    }
}

impl MioProducer {
    /// A producer without an event listener; see
    /// [`MioProducerBuilder::build`].
    pub fn new(
        config: ProducerConfig,
        registry: &Registry,
        tokens: TokenRange,
    ) -> Result<Self, Error> {
        Self::builder(config).build(registry, tokens)
    }

    /// A builder, to set an event listener.
    pub fn builder(config: ProducerConfig) -> MioProducerBuilder {
        MioProducerBuilder {
            config,
            on_event: None,
        }
    }

    /// Whether `token` is one of the producer's.
    pub fn owns(&self, token: Token) -> bool {
        self.sockets.range().contains(token)
    }

    /// Handles one event from the loop's `poll`. Returns `false`, doing
    /// nothing, when the token is not the producer's, so the loop can
    /// hand the event to its own code.
    pub fn handle_event(&mut self, event: &MioEvent) -> bool {
        if !self.owns(event.token()) {
            return false;
        }
        let now = Instant::now();
        let open = self.sockets.on_event(event);
        // A finished handshake reaches the core before any byte does.
        self.carry_out(now);
        if let Some(conn) = open {
            // Edge-triggered: read until the socket would block.
            while let Some(n) = self.sockets.read(conn, &mut self.buf) {
                let data = &self.buf[..n];
                self.core.handle_input(Input::Received { conn, data }, now);
                self.carry_out(now);
            }
            self.sockets.flush(conn);
            self.carry_out(now);
        }
        true
    }

    /// How long the loop may sleep before [`handle_timeout`] is due:
    /// pass it (or the least of it and the loop's own timeouts) to
    /// `Poll::poll`. `None` when nothing is scheduled, which is always
    /// the case once closed: check [`is_closed`](MioProducer::is_closed)
    /// before polling on this alone. `Some(ZERO)` when something is due
    /// now.
    ///
    /// [`handle_timeout`]: MioProducer::handle_timeout
    pub fn timeout(&self) -> Option<Duration> {
        let timer = self.core.poll_timeout()?;
        Some(timer.at.saturating_duration_since(Instant::now()))
    }

    /// Lets time pass: linger, retries, timeouts. Call it once per loop
    /// iteration, after the events; it does nothing unless something is
    /// due.
    pub fn handle_timeout(&mut self) {
        let now = Instant::now();
        if self.core.poll_timeout().is_some_and(|t| t.at <= now) {
            self.core.handle_timeout(now);
            self.carry_out(now);
        }
    }

    /// Accepts a record; its report comes from [`poll_report`]. Never
    /// blocks: when `buffer.memory` is used up the record comes back at
    /// once with [`SendErrorReason::BufferFull`]; keep it and send it
    /// again after reports have freed space. Takes a
    /// [`ProducerRecord`](crate::ProducerRecord) or a
    /// [`BorrowedRecord`](crate::BorrowedRecord)
    /// (copied into a batch before this returns).
    ///
    /// [`poll_report`]: MioProducer::poll_report
    /// [`SendErrorReason::BufferFull`]: crate::SendErrorReason::BufferFull
    pub fn send<R: Sendable>(&mut self, record: R) -> Result<RecordId, SendError<R>> {
        let now = Instant::now();
        let id = self.core.send(record, now)?;
        self.tracker.accepted(id, false);
        self.carry_out(now);
        Ok(id)
    }

    /// Sends what is buffered without waiting out `linger.ms`. Returns a
    /// mark for [`is_flushed`](MioProducer::is_flushed); keep running the
    /// loop until it says so.
    pub fn flush(&mut self) -> FlushMark {
        let mark = FlushMark(self.tracker.flush_target());
        let now = Instant::now();
        self.core.flush(now);
        self.carry_out(now);
        mark
    }

    /// Whether every record accepted before `mark` was taken has its
    /// report (queued for [`poll_report`](MioProducer::poll_report) or
    /// taken).
    pub fn is_flushed(&self, mark: FlushMark) -> bool {
        self.tracker.is_flushed(mark.0)
    }

    /// Stops accepting records and sends what is buffered; what is not
    /// acknowledged within `timeout` fails with
    /// [`ProduceError::Closed`](crate::ProduceError::Closed). Keep running
    /// the loop until [`is_closed`](MioProducer::is_closed); by then every
    /// record has its report and every socket is deregistered and closed.
    pub fn close(&mut self, timeout: Duration) {
        let now = Instant::now();
        self.core.close(now, deadline_after(now, timeout));
        self.carry_out(now);
    }

    /// Whether [`close`](MioProducer::close) has finished.
    pub fn is_closed(&self) -> bool {
        self.core.is_closed()
    }

    /// The next delivery report, oldest first. Exactly one comes for each
    /// record `send` accepted; take them every loop iteration, since they
    /// are held until taken.
    pub fn poll_report(&mut self) -> Option<DeliveryReport> {
        self.reports.pop_front()
    }

    /// A snapshot of the producer's counters.
    pub fn stats(&self) -> ProducerStats {
        self.core.stats()
    }

    /// The partitions of `topic` as the producer's cluster map has them,
    /// `None` while the topic is not known.
    pub fn partitions(&self, topic: &str) -> Option<Vec<PartitionInfo>> {
        self.core.partitions(topic)
    }

    /// Records accepted and not yet reported.
    pub fn buffered_records(&self) -> usize {
        self.core.buffered_records()
    }

    /// Bytes held for records not yet reported (counted against
    /// `buffer.memory`).
    pub fn buffered_bytes(&self) -> usize {
        self.core.buffered_bytes()
    }

    /// The fatal error, once the producer has failed for good.
    pub fn fatal_error(&self) -> Option<&FatalError> {
        self.core.fatal_error()
    }

    /// The core state machine, to inspect (its config, brokers, ...).
    pub fn core(&self) -> &Producer {
        &self.core
    }

    /// Carries out every output of the core, feeding back what the
    /// sockets did meanwhile (failed connects, write errors), until both
    /// are quiet.
    fn carry_out(&mut self, now: Instant) {
        loop {
            while let Some(output) = self.core.poll_output() {
                match output {
                    Output::Connect { conn, addr, .. } => self.sockets.connect(conn, addr),
                    Output::Write { conn, data } => self.sockets.write(conn, data),
                    Output::Close { conn } => self.sockets.close(conn),
                    Output::Delivery(report) => {
                        self.tracker.reported(report.id);
                        self.reports.push_back(report);
                    }
                    Output::Event(event) => self.notify(&event),
                }
            }
            // A request's parts go out in one vectored write.
            self.sockets.flush_written();
            let input = match self.sockets.take_happening() {
                None => break,
                Some(Happening::Connected(conn)) => Input::Connected { conn },
                Some(Happening::ConnectFailed(conn, reason)) => {
                    Input::ConnectFailed { conn, reason }
                }
                Some(Happening::Closed(conn, reason)) => Input::Closed { conn, reason },
            };
            self.core.handle_input(input, now);
        }
        // The core closes every connection as it finishes; this makes
        // sure no registration outlives it.
        if self.core.is_closed() && !self.sockets.is_empty() {
            self.sockets.close_all();
        }
    }

    fn notify(&mut self, event: &Event) {
        #[cfg(feature = "tracing")]
        event.trace();
        if let Some(listener) = self.on_event.as_mut() {
            listener(event);
        }
    }
}

impl fmt::Debug for MioProducer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MioProducer")
            .field("tokens", &self.sockets.range())
            .field("buffered_records", &self.core.buffered_records())
            .field("reports", &self.reports.len())
            .field("closed", &self.core.is_closed())
            .finish_non_exhaustive()
    }
}

/// The wall clock now, in Unix milliseconds (0 before 1970).
fn unix_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests;
