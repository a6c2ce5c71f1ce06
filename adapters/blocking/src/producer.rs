//! [`Producer`]: the user's handle, and its builder.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use kafka_sansio::producer::{
    self as core, DeliveryReport, Event, Handlers, PartitionInfo, ProducerConfig, ProducerStats,
    RecordId, SendError, SendErrorReason, Sendable, deadline_after,
};

use crate::error::Error;
use crate::receipt::Receipt;
use crate::shared::{Shared, spawn};

/// A blocking Kafka producer; see the [crate docs](crate).
///
/// `Send + Sync` with `&self` methods: share it between threads with an
/// `Arc` or scoped threads. Dropping it closes it, waiting up to
/// `delivery.timeout.ms` for what is buffered (every record is resolved by
/// then anyway).
pub struct Producer {
    shared: Arc<Shared>,
}

/// Builds a [`Producer`] with callbacks for events and reports; from
/// [`Producer::builder`].
pub struct ProducerBuilder {
    config: ProducerConfig,
    handlers: Handlers,
}

impl ProducerBuilder {
    /// Calls `listener` for every event of the core (connections, metadata,
    /// retries, ...). It runs on the producer's I/O threads with the
    /// producer locked: it must return quickly and must not call the
    /// producer or wait on a receipt. A listener that panics is dropped
    /// (the producer carries on without it).
    pub fn on_event(mut self, listener: impl FnMut(&Event) + Send + 'static) -> Self {
        self.handlers.set_event(listener);
        self
    }

    /// Calls `handler` with every record's report, once per record, in the
    /// order the core reports them: what librdkafka calls a delivery
    /// report callback. It sees the reports of records sent with
    /// [`Producer::send_detached`] (which have no receipt) and of records
    /// with a receipt, which still gets its report too.
    ///
    /// Like [`on_event`](Self::on_event)'s listener it runs on the
    /// producer's threads with the producer locked: it must return quickly
    /// and must not call the producer or wait on a receipt. A handler that
    /// panics is dropped.
    ///
    /// ```
    /// use std::sync::atomic::{AtomicU64, Ordering};
    /// use std::sync::Arc;
    /// use std::time::Duration;
    /// use kafka_sansio_blocking::{ProduceError, Producer, ProducerConfig, ProducerRecord};
    ///
    /// // Nothing listens on port 1: closing at once fails the record.
    /// let config = ProducerConfig::from_properties([("bootstrap.servers", "127.0.0.1:1")])?;
    /// let failed = Arc::new(AtomicU64::new(0));
    /// let seen = Arc::clone(&failed);
    /// let producer = Producer::builder(config)
    ///     .on_report(move |report| {
    ///         if report.result.is_err() {
    ///             seen.fetch_add(1, Ordering::Relaxed);
    ///         }
    ///     })
    ///     .build()?;
    /// producer.send_detached(ProducerRecord::new("orders", "hello"))?;
    /// producer.close(Duration::ZERO);
    /// assert_eq!(failed.load(Ordering::Relaxed), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn on_report(mut self, handler: impl FnMut(&DeliveryReport) + Send + 'static) -> Self {
        self.handlers.set_report(handler);
        self
    }

    /// Starts the producer: the core, then the timer thread, then the
    /// first connection.
    pub fn build(self) -> Result<Producer, Error> {
        let now = Instant::now();
        // Before 1970 is not a clock worth extrapolating from: use 0.
        let unix_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
        let core = core::Producer::new(self.config, now, unix_ms)?;
        let shared = Shared::new(core, self.handlers);
        let sh = Arc::clone(&shared);
        let timer = spawn("kafka-sansio-timer".to_owned(), move || {
            crate::timer::run(&sh)
        })
        .map_err(Error::Spawn)?;
        let mut st = shared.lock();
        st.set_timer_thread(timer);
        st.carry_out(&shared);
        drop(st);
        Ok(Producer { shared })
    }
}

impl Producer {
    /// A producer for `config`, started.
    ///
    /// ```no_run
    /// use kafka_sansio_blocking::{Producer, ProducerConfig};
    ///
    /// let config = ProducerConfig::builder().bootstrap_servers(["127.0.0.1:9092"]).build()?;
    /// let producer = Producer::new(config)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(config: ProducerConfig) -> Result<Producer, Error> {
        Producer::builder(config).build()
    }

    /// A producer from the Java client's properties (see
    /// [`ProducerConfig::from_properties`]), started.
    pub fn from_properties<I, K, V>(props: I) -> Result<Producer, Error>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        Producer::new(ProducerConfig::from_properties(props)?)
    }

    /// A builder, to set an event listener or a report handler.
    ///
    /// ```no_run
    /// use kafka_sansio_blocking::{Event, Producer, ProducerConfig};
    ///
    /// let config = ProducerConfig::from_properties([("bootstrap.servers", "127.0.0.1:9092")])?;
    /// let producer = Producer::builder(config)
    ///     .on_event(|event| {
    ///         if let Event::ConnectionLost { addr, reason, .. } = event {
    ///             eprintln!("lost {addr}: {reason}");
    ///         }
    ///     })
    ///     .build()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn builder(config: ProducerConfig) -> ProducerBuilder {
        ProducerBuilder {
            config,
            handlers: Handlers::default(),
        }
    }

    /// Hands a record over for delivery. When `buffer.memory` is full it
    /// waits up to `max.block.ms` for space, then gives the record back
    /// with [`SendErrorReason::BufferFull`]. Other refusals (record too
    /// large, invalid topic, closed, fatal) come at once, also with the
    /// record.
    ///
    /// Takes a [`ProducerRecord`](crate::ProducerRecord) or a
    /// [`BorrowedRecord`](crate::BorrowedRecord), whose bytes are
    /// copied into a batch before this returns (nothing is allocated or
    /// shared by count for them):
    ///
    /// ```
    /// use kafka_sansio_blocking::{BorrowedRecord, Producer, SendError};
    ///
    /// let producer = Producer::from_properties([("bootstrap.servers", "127.0.0.1:1")])?;
    /// let mut line = String::new();
    /// for i in 0..3 {
    ///     line.clear();
    ///     line.push_str(&format!("reading {i}"));
    ///     let record = BorrowedRecord::new("sensors", line.as_bytes());
    ///     producer
    ///         .send_detached(record)
    ///         .map_err(SendError::into_owned)?;
    /// }
    /// assert_eq!(producer.buffered_records(), 3);
    /// # producer.close(std::time::Duration::ZERO);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn send<R: Sendable>(&self, record: R) -> Result<Receipt, SendError<R>> {
        let id = self.send_within(record, None, true)?;
        Ok(Receipt::new(id, Arc::clone(&self.shared)))
    }

    /// Like [`send`](Self::send), but never waits: a full buffer gives the
    /// record back at once.
    pub fn try_send<R: Sendable>(&self, record: R) -> Result<Receipt, SendError<R>> {
        let id = self.send_within(record, Some(Duration::ZERO), true)?;
        Ok(Receipt::new(id, Arc::clone(&self.shared)))
    }

    /// Like [`send`](Self::send), without a receipt: the record's report
    /// goes only to the builder's [`on_report`](ProducerBuilder::on_report)
    /// handler, with the id returned here (without a handler it is only
    /// counted). [`flush`](Self::flush) and [`close`](Self::close) still
    /// wait for it. This is the cheap way to send many records: nothing is
    /// kept per record for a waiter.
    #[inline]
    pub fn send_detached<R: Sendable>(&self, record: R) -> Result<RecordId, SendError<R>> {
        self.send_within(record, None, false)
    }

    /// Sends, waiting for buffer space up to `wait` (`None`: `max.block.ms`);
    /// `watched` when a receipt will ask for the report.
    #[inline]
    fn send_within<R: Sendable>(
        &self,
        mut record: R,
        wait: Option<Duration>,
        watched: bool,
    ) -> Result<RecordId, SendError<R>> {
        let mut st = self.shared.lock();
        let wait = wait.unwrap_or(st.core.config().max_block);
        // One clock read per send while there is room; the deadline is
        // worked out only once the buffer is full.
        let start = Instant::now();
        let mut now = start;
        let mut deadline = None;
        loop {
            let result = st.core.send(record, now);
            if let Ok(id) = result {
                st.tracker.accepted(id, watched);
            }
            st.carry_out(&self.shared);
            let e = match result {
                Ok(id) => return Ok(id),
                Err(e) if matches!(e.reason, SendErrorReason::BufferFull { .. }) => e,
                Err(e) => return Err(e),
            };
            let deadline = *deadline.get_or_insert_with(|| deadline_after(start, wait));
            if now >= deadline {
                return Err(e);
            }
            record = e.into_record();
            st = self.shared.wait_progress(st, Some(deadline));
            now = Instant::now();
        }
    }

    /// Sends whatever is buffered at once (no waiting out `linger.ms`) and
    /// blocks until every record sent before the call has its report.
    pub fn flush(&self) {
        let mut st = self.shared.lock();
        st.core.flush(Instant::now());
        st.carry_out(&self.shared);
        let target = st.tracker.flush_target();
        while !st.tracker.is_flushed(target) {
            st = self.shared.wait_progress(st, None);
        }
    }

    /// Stops accepting records, delivers what is buffered for up to
    /// `timeout` (records still unacknowledged then fail with
    /// [`ProduceError::Closed`](crate::ProduceError::Closed)), closes every
    /// connection and stops the background threads. Idempotent; afterwards
    /// `send` refuses with [`SendErrorReason::Closed`].
    ///
    /// ```
    /// use std::time::Duration;
    /// use kafka_sansio_blocking::{ProduceError, Producer, ProducerRecord, SendErrorReason};
    ///
    /// // Nothing listens on port 1: the record cannot be delivered.
    /// let producer = Producer::from_properties([("bootstrap.servers", "127.0.0.1:1")])?;
    /// let receipt = producer.send(ProducerRecord::new("orders", "hello"))?;
    /// producer.close(Duration::ZERO);
    /// assert_eq!(receipt.wait().result.unwrap_err().error, ProduceError::Closed);
    /// let refused = producer.send(ProducerRecord::new("orders", "late")).unwrap_err();
    /// assert!(matches!(refused.reason, SendErrorReason::Closed));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn close(&self, timeout: Duration) {
        let mut st = self.shared.lock();
        let now = Instant::now();
        st.core.close(now, deadline_after(now, timeout));
        st.carry_out(&self.shared);
        while !st.core.is_closed() {
            st = self.shared.wait_progress(st, None);
        }
        let threads = st.stop();
        self.shared.timer.notify_one();
        drop(st);
        for thread in threads {
            // A thread that panicked has nothing left to clean up.
            let _ = thread.join();
        }
    }

    /// A snapshot of the core's counters.
    pub fn stats(&self) -> ProducerStats {
        self.shared.lock().core.stats()
    }

    /// The partitions of `topic` as the producer's cluster map has them;
    /// `None` until the topic is known.
    pub fn partitions(&self, topic: &str) -> Option<Vec<PartitionInfo>> {
        self.shared.lock().core.partitions(topic)
    }

    /// Records accepted and not yet reported.
    pub fn buffered_records(&self) -> usize {
        self.shared.lock().core.buffered_records()
    }
}

impl Drop for Producer {
    fn drop(&mut self) {
        let timeout = self.shared.lock().core.config().delivery_timeout;
        self.close(timeout);
    }
}

impl fmt::Debug for Producer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Producer").finish_non_exhaustive()
    }
}

impl fmt::Debug for ProducerBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProducerBuilder")
            .field("config", &self.config)
            .field("on_event", &self.handlers.has_event())
            .field("on_report", &self.handlers.has_report())
            .finish()
    }
}
