//! [`Timing`]: per-record latency for a tool whose reports come to a
//! handler on another thread, with [`SendTimes`]: when each record still in
//! flight was sent.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use kafka_sansio::producer::{DeliveryReport, ProducerStats, RecordId};

use crate::Recorder;
use crate::clock::{self, Nanos};

/// Send times of the records in flight, by their number in send order (0,
/// 1, 2, ...), in a ring of at least `window` slots: the sending loop
/// stamps a record before handing it over, the report handler takes the
/// stamp when the record's report comes. Nothing is allocated per record,
/// and no lock is shared with the sender.
///
/// ```
/// use std::time::{Duration, Instant};
/// use kafka_sansio_perf::{SendTimes, clock};
///
/// clock::now(); // the epoch
/// let times = SendTimes::new(2);
/// let sent = Instant::now();
/// times.stamp(0, sent);
/// times.stamp(1, sent + Duration::from_millis(1));
/// assert_eq!(times.take(0), clock::nanos(sent));
/// times.stamp(2, sent + Duration::from_millis(2)); // slot 0 was freed
/// assert_eq!(times.take(2), clock::nanos(sent) + 2_000_000);
/// ```
#[derive(Debug)]
pub struct SendTimes {
    /// Per slot: 0 when free, else 1 + the send time of the record in it
    /// on the tools' [`clock`].
    slots: Box<[AtomicU64]>,
}

impl SendTimes {
    /// A ring for at least `window` records in flight (rounded up to a
    /// power of two, so that a record's slot is a mask, not a division).
    pub fn new(window: usize) -> SendTimes {
        SendTimes {
            slots: (0..window.max(1).next_power_of_two())
                .map(|_| AtomicU64::new(0))
                .collect(),
        }
    }

    /// Stamps record `n` as sent at `at`. While the record `window` before
    /// it is unreported (its slot taken), it waits: a stamp is never
    /// overwritten. The producer's own buffer bound normally keeps far
    /// fewer in flight.
    pub fn stamp(&self, n: u64, at: Instant) {
        let slot = self.slot(n);
        while slot.load(Ordering::Acquire) != 0 {
            thread::sleep(Duration::from_micros(50));
        }
        slot.store(clock::nanos(at) + 1, Ordering::Release);
    }

    /// The send time of record `n`, whose report came, on the tools'
    /// [`clock`]; frees its slot.
    pub fn take(&self, n: u64) -> Nanos {
        // A load and a store, not a swap: only the sender fills a slot, and
        // only while it is free, so nothing can change it in between.
        let slot = self.slot(n);
        let stamped = slot.load(Ordering::Acquire);
        slot.store(0, Ordering::Release);
        stamped.saturating_sub(1)
    }

    fn slot(&self, n: u64) -> &AtomicU64 {
        &self.slots[(n & (self.slots.len() as u64 - 1)) as usize]
    }
}

/// Per-record latency for a tool: the sending loop calls
/// [`sent`](Self::sent) before handing record `n` (its number in send
/// order, which is also the id a new producer gives it) to the producer;
/// the producer calls the [`handler`](Self::handler) with every report.
/// The handler owns the [`Recorder`] (the producer calls it from one
/// thread at a time), so a report takes no lock; once every record's
/// report has come it hands the recorder over for
/// [`finish`](Self::finish).
///
/// ```
/// use std::time::Instant;
/// use kafka_sansio::producer::{DeliveryReport, RecordId, ProduceError, DeliveryFailure, Certainty};
/// use kafka_sansio_perf::{Recorder, Timing};
///
/// let timing = Timing::new(16);
/// let mut handler = timing.handler(Recorder::new(1, 0, 100));
/// timing.sent(0, Instant::now());
/// handler(&DeliveryReport {
///     id: RecordId(0),
///     topic: "t".into(),
///     partition: None,
///     result: Err(DeliveryFailure { error: ProduceError::Closed, certainty: Certainty::NotSent }),
/// });
/// assert_eq!(timing.finish(None), Ok(1));
/// ```
#[derive(Debug)]
pub struct Timing {
    times: SendTimes,
    /// The recorder, once the handler has seen every report.
    done: Mutex<Option<Recorder>>,
}

impl Timing {
    /// Timing for up to `window` records in flight.
    pub fn new(window: usize) -> Arc<Timing> {
        Arc::new(Timing {
            times: SendTimes::new(window),
            done: Mutex::new(None),
        })
    }

    /// Record `n` is handed over now (`at`).
    pub fn sent(&self, n: u64, at: Instant) {
        self.times.stamp(n, at);
    }

    /// The producer's report handler: each report's latency goes to
    /// `recorder`, which is handed over when its last record is reported.
    pub fn handler(
        self: &Arc<Self>,
        recorder: Recorder,
    ) -> impl FnMut(&DeliveryReport) + Send + 'static {
        let timing = Arc::clone(self);
        let mut recorder = Some(recorder);
        move |report| {
            if let Some(r) = recorder.as_mut() {
                r.report(timing.times.take(report.id.0), report);
                if r.is_complete() {
                    *timing.done() = recorder.take();
                }
            }
        }
    }

    /// Prints the summary (and `metrics`) once every report came; returns
    /// the number of failed records, or an error when reports are missing.
    pub fn finish(&self, metrics: Option<&ProducerStats>) -> Result<u64, String> {
        let mut recorder = self
            .done()
            .take()
            .ok_or("the producer returned before every record was reported")?;
        recorder.finish(metrics);
        Ok(recorder.failures())
    }

    fn done(&self) -> MutexGuard<'_, Option<Recorder>> {
        self.done.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Checks that the producer numbered record `n` with `n`, as
/// [`Timing`] assumes of a new producer.
pub fn check_id(n: u64, id: RecordId) -> Result<(), String> {
    if id.0 == n {
        Ok(())
    } else {
        Err(format!(
            "record {n} got id {}: ids are not its number",
            id.0
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kafka_sansio::producer::{Delivered, RecordId};
    use kafka_sansio::record::TimestampType;

    fn delivered(id: u64) -> DeliveryReport {
        DeliveryReport {
            id: RecordId(id),
            topic: "t".into(),
            partition: Some(0),
            result: Ok(Delivered {
                offset: Some(id as i64),
                timestamp: 0,
                timestamp_type: TimestampType::CreateTime,
            }),
        }
    }

    #[test]
    fn the_recorder_is_handed_over_with_the_last_report_only() {
        let timing = Timing::new(4);
        let mut handler = timing.handler(Recorder::new(3, 0, 10));
        for n in 0..3 {
            timing.sent(n, Instant::now());
        }
        handler(&delivered(0));
        handler(&delivered(1));
        assert!(timing.finish(None).is_err(), "a report is missing");
        handler(&delivered(2));
        assert_eq!(timing.finish(None), Ok(0));
    }
}
