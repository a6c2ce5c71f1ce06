//! [`Producer`]: the user's handle.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use kafka_sansio::producer::{
    ConfigError, DeliveryReport, Event, Handlers, PartitionInfo, Producer as Core, ProducerConfig,
    ProducerStats, RecordId, SendError, SendErrorReason, Sendable, deadline_after,
};

use crate::delivery::DeliveryFuture;
use crate::driver::{self, Shared, State};
use crate::runtime::Runtime;
use crate::tasks::first;

/// An async Kafka producer. Cheap to clone; every clone is the same
/// producer, usable from any task or thread.
///
/// # Cancellation
///
/// Every future it returns may be dropped at any point:
///
/// - A record is accepted when [`send`](Producer::send),
///   [`enqueue`](Producer::enqueue) or
///   [`send_detached`](Producer::send_detached) is called, if the buffer
///   has room: like Java's `send` and librdkafka's `produce`, not at the
///   future's first poll. Records that find room keep the order of the
///   calls, however their futures are polled.
/// - A record that found the buffer full waits in its future; dropped
///   while waiting, the future drops the record, which was never
///   accepted: no report will come for it.
/// - Once accepted, a record is the producer's: it is sent and reported
///   exactly once inside the producer, whether or not anyone awaits the
///   report.
/// - Writes are made by the connection's own task, never by a caller's
///   future, so no request is ever half-written by a dropped future.
/// - A dropped [`flush`](Producer::flush) or [`close`](Producer::close)
///   still flushes or closes; only the waiting stops.
///
/// # Dropping the last handle
///
/// Dropping the last clone starts a [`close`](Producer::close) with
/// `delivery.timeout.ms` as the deadline and returns at once: the tasks
/// go on sending what is buffered, report every record (delivered, or
/// failed with [`ProduceError::Closed`](crate::ProduceError::Closed) at the
/// deadline), then end. That needs the runtime to keep running; await
/// [`close`](Producer::close) before a runtime shuts down, or buffered
/// records go down with it.
pub struct Producer<R: Runtime> {
    handle: Arc<Handle<R>>,
}

/// The last clone's drop starts the close.
struct Handle<R: Runtime> {
    rt: R,
    shared: Arc<Shared>,
}

impl<R: Runtime> Drop for Handle<R> {
    fn drop(&mut self) {
        self.shared.call(&self.rt, |state, now| {
            let deadline = deadline_after(now, state.core.config().delivery_timeout);
            state.core.close(now, deadline);
        });
    }
}

impl<R: Runtime> Clone for Producer<R> {
    fn clone(&self) -> Self {
        Producer {
            handle: self.handle.clone(),
        }
    }
}

/// Builds a [`Producer`] with callbacks for events and reports.
#[must_use]
pub struct ProducerBuilder<R: Runtime> {
    config: ProducerConfig,
    runtime: R,
    handlers: Handlers,
}

impl<R: Runtime> ProducerBuilder<R> {
    /// Calls `listener` with every event of the core (connections,
    /// metadata, retries, ...), in order, from inside the producer: it
    /// must be quick, must not block and must not call the producer
    /// (which is locked while it runs). A listener that panics is dropped
    /// (the producer carries on without it).
    pub fn on_event(mut self, listener: impl FnMut(&Event) + Send + 'static) -> Self {
        self.handlers.set_event(listener);
        self
    }

    /// Calls `handler` with every record's report, once per record, in the
    /// order the core reports them: what librdkafka calls a delivery
    /// report callback. It sees the reports of records sent with
    /// [`Producer::send_detached`] (which have no future) and of records
    /// with a future, which still gets its report too. Like the event
    /// listener it runs inside the producer: it must be quick, must not
    /// block and must not call the producer. A handler that panics is
    /// dropped; the record's future still gets its report.
    pub fn on_report(mut self, handler: impl FnMut(&DeliveryReport) + Send + 'static) -> Self {
        self.handlers.set_report(handler);
        self
    }

    /// Starts the producer: its timer task and the first connection.
    /// Fails when the config is invalid, naming the key.
    pub fn build(self) -> Result<Producer<R>, ConfigError> {
        let core = Core::new(self.config, driver::now(), driver::unix_ms())?;
        let shared = Shared::start(&self.runtime, core, self.handlers);
        let handle = Handle {
            rt: self.runtime,
            shared,
        };
        Ok(Producer {
            handle: Arc::new(handle),
        })
    }
}

impl<R: Runtime> Producer<R> {
    /// Starts a producer on `runtime`; see [`Producer::builder`] to listen
    /// to events. Fails when the config is invalid, naming the key.
    pub fn new(config: ProducerConfig, runtime: R) -> Result<Self, ConfigError> {
        Self::builder(config, runtime).build()
    }

    /// A builder, to add an event listener or a report handler.
    pub fn builder(config: ProducerConfig, runtime: R) -> ProducerBuilder<R> {
        ProducerBuilder {
            config,
            runtime,
            handlers: Handlers::default(),
        }
    }

    /// Sends `record` and completes with its delivery report. The record
    /// is accepted at the call when the buffer has room; otherwise the
    /// future waits up to `max.block.ms` for space, then fails with
    /// [`SendErrorReason::BufferFull`] and the record. Other refusals
    /// (closed, invalid topic, too large, ...) fail the future at once,
    /// with the record.
    pub fn send<Rec: Sendable + Send>(
        &self,
        record: Rec,
    ) -> impl Future<Output = Result<DeliveryReport, SendError<Rec>>> + Send + use<R, Rec> {
        let enqueue = self.enqueue(record);
        async move { Ok(enqueue.await?.await) }
    }

    /// Hands `record` to the producer at the call, or waits up to
    /// `max.block.ms` for buffer space like [`send`](Producer::send), and
    /// completes once it is accepted, with a future for its report.
    pub fn enqueue<Rec: Sendable + Send>(
        &self,
        record: Rec,
    ) -> impl Future<Output = Result<DeliveryFuture, SendError<Rec>>> + Send + use<R, Rec> {
        let shared = self.handle.shared.clone();
        let accepted = self.accept(record, true);
        async move { Ok(DeliveryFuture::new(shared, accepted.await?)) }
    }

    /// Like [`enqueue`](Self::enqueue), without a future: the record's
    /// report goes only to the builder's
    /// [`on_report`](ProducerBuilder::on_report) handler, with the id this
    /// completes with (without a handler it is only counted).
    /// [`flush`](Self::flush) and [`close`](Self::close) still wait for
    /// it. This is the cheap way to send many records: nothing is kept per
    /// record for a waiter.
    #[inline]
    pub fn send_detached<Rec: Sendable + Send>(
        &self,
        record: Rec,
    ) -> impl Future<Output = Result<RecordId, SendError<Rec>>> + Send + use<R, Rec> {
        self.accept(record, false)
    }

    /// Hands `record` over, waiting up to `max.block.ms` for buffer space;
    /// `watched` when a future will ask for the report.
    ///
    /// The first try is made at the call, not at the first poll: a record
    /// that finds room is accepted in the order of the calls, and its
    /// future is its id, holding no handle (the handle's `Arc` count, taken
    /// and dropped per record, was a tenth of the send path's cost).
    #[inline]
    fn accept<Rec: Sendable + Send>(
        &self,
        record: Rec,
        watched: bool,
    ) -> impl Future<Output = Result<RecordId, SendError<Rec>>> + Send + use<R, Rec> {
        match self.try_accept(record, watched) {
            Ok(id) => Accepting::Accepted(id),
            Err(refused) => {
                // `max.block.ms` counts from the call, however late the
                // future is first polled.
                let max_block = self.handle.shared.lock().core.config().max_block;
                let deadline = deadline_after(driver::now(), max_block);
                Accepting::Later(Box::pin(self.clone().retry(refused, deadline, watched)))
            }
        }
    }

    /// A record refused at the call: fails with `refused` at once, unless
    /// the buffer was full; then tries the record again each time reports
    /// free space, until it is accepted or refused, or `deadline` passes.
    async fn retry<Rec: Sendable>(
        self,
        refused: SendError<Rec>,
        deadline: Instant,
        watched: bool,
    ) -> Result<RecordId, SendError<Rec>> {
        if !matches!(refused.reason, SendErrorReason::BufferFull { .. }) {
            return Err(refused);
        }
        let (rt, shared) = (&self.handle.rt, &self.handle.shared);
        let mut error = refused;
        loop {
            // Listen, then try again before waiting, so that a report
            // freeing space between the two is not missed.
            let progress = shared.next_progress();
            error = match self.try_accept(error.into_record(), watched) {
                Err(e) if matches!(e.reason, SendErrorReason::BufferFull { .. }) => e,
                accepted_or_refused => return accepted_or_refused,
            };
            // Reports may keep coming and space keep going to others: the
            // deadline holds regardless.
            if driver::now() >= deadline {
                return Err(error);
            }
            let progress = async {
                progress.await;
                true
            };
            let timeout = async {
                rt.sleep_until(deadline).await;
                false
            };
            if !first(progress, timeout).await {
                return Err(error);
            }
        }
    }

    /// Hands `record` to the producer without waiting: a full buffer is a
    /// [`SendErrorReason::BufferFull`] at once, with the record.
    pub fn try_enqueue<Rec: Sendable>(
        &self,
        record: Rec,
    ) -> Result<DeliveryFuture, SendError<Rec>> {
        let id = self.try_accept(record, true)?;
        Ok(DeliveryFuture::new(self.handle.shared.clone(), id))
    }

    /// Hands `record` over without waiting; `watched` as in `accept`.
    #[inline]
    fn try_accept<Rec: Sendable>(
        &self,
        record: Rec,
        watched: bool,
    ) -> Result<RecordId, SendError<Rec>> {
        self.handle.shared.call(&self.handle.rt, |state, now| {
            let id = state.core.send(record, now)?;
            state.tracker.accepted(id, watched);
            Ok(id)
        })
    }

    /// Sends every buffered record now (without waiting out `linger.ms`)
    /// and completes once every record accepted before this call has its
    /// report.
    pub fn flush(&self) -> impl Future<Output = ()> + Send + use<R> {
        let shared = self.handle.shared.clone();
        let target = shared.call(&self.handle.rt, |state, now| {
            state.core.flush(now);
            state.tracker.flush_target()
        });
        async move {
            shared
                .wait_for(|state| state.tracker.is_flushed(target))
                .await
        }
    }

    /// Stops accepting records and sends what is buffered; records not
    /// acknowledged within `timeout` fail with
    /// [`ProduceError::Closed`](crate::ProduceError::Closed). Completes
    /// once every record is reported and every task has ended. The close
    /// starts with this call; a second call keeps the first deadline.
    pub fn close(&self, timeout: Duration) -> impl Future<Output = ()> + Send + use<R> {
        let shared = self.handle.shared.clone();
        shared.call(&self.handle.rt, |state, now| {
            state.core.close(now, deadline_after(now, timeout));
        });
        async move { shared.wait_for(State::is_stopped).await }
    }

    /// A snapshot of the producer's counters.
    pub fn stats(&self) -> ProducerStats {
        self.handle.shared.lock().core.stats()
    }

    /// The partitions of `topic` as the producer's cluster map has them,
    /// `None` while the topic is not known.
    pub fn partitions(&self, topic: &str) -> Option<Vec<PartitionInfo>> {
        self.handle.shared.lock().core.partitions(topic)
    }

    /// Records accepted and not yet reported.
    pub fn buffered_records(&self) -> usize {
        self.handle.shared.lock().core.buffered_records()
    }
}

impl<R: Runtime> fmt::Debug for Producer<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Producer")
            .field("buffered_records", &self.buffered_records())
            .finish_non_exhaustive()
    }
}

/// The future of a send's acceptance: accepted at the call, or refused
/// then, and either failing or waiting for buffer space. It is small while
/// records find room; a refusal or a wait is boxed (a wait lasts until a
/// report frees space, and many records go in between).
enum Accepting<W> {
    Accepted(RecordId),
    Later(Pin<Box<W>>),
}

impl<W, E> Future for Accepting<W>
where
    W: Future<Output = Result<RecordId, E>>,
{
    type Output = Result<RecordId, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.get_mut() {
            Accepting::Accepted(id) => Poll::Ready(Ok(*id)),
            Accepting::Later(later) => later.as_mut().poll(cx),
        }
    }
}
