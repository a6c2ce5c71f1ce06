//! [`Receipt`]: a claim on one record's delivery report.

use std::fmt;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use kafka_sansio::producer::{DeliveryReport, RecordId, deadline_after};

use crate::shared::Shared;

/// Returned by [`Producer::send`](crate::Producer::send): wait on it for
/// the record's [`DeliveryReport`]. Every accepted record gets exactly one
/// report, by `delivery.timeout.ms` at the latest (or by the deadline of
/// [`close`](crate::Producer::close)), so [`wait`](Receipt::wait) returns.
///
/// Dropping a receipt is fine: the record is still delivered, and its
/// report is discarded.
///
/// ```no_run
/// use std::time::Duration;
/// use kafka_sansio_blocking::{Producer, ProducerRecord};
///
/// let producer = Producer::from_properties([("bootstrap.servers", "127.0.0.1:9092")])?;
/// let receipt = producer.send(ProducerRecord::new("orders", "hello"))?;
/// let report = match receipt.wait_timeout(Duration::from_secs(1)) {
///     Ok(report) => report,
///     Err(receipt) => {
///         eprintln!("record {:?} not acknowledged yet", receipt.id());
///         receipt.wait()
///     }
/// };
/// println!("{:?}", report.result);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Receipt {
    id: RecordId,
    shared: Arc<Shared>,
    /// The report was handed out: nothing to forget on drop.
    taken: bool,
}

impl Receipt {
    pub(crate) fn new(id: RecordId, shared: Arc<Shared>) -> Receipt {
        Receipt {
            id,
            shared,
            taken: false,
        }
    }

    /// The record's id, as in its report.
    pub fn id(&self) -> RecordId {
        self.id
    }

    /// Blocks until the report comes.
    pub fn wait(mut self) -> DeliveryReport {
        loop {
            if let Some(report) = self.take(None) {
                return report;
            }
        }
    }

    /// Blocks until the report comes or `timeout` passes; then the receipt
    /// comes back, to wait again.
    pub fn wait_timeout(mut self, timeout: Duration) -> Result<DeliveryReport, Receipt> {
        let deadline = deadline_after(Instant::now(), timeout);
        self.take(Some(deadline)).ok_or(self)
    }

    /// The report, once it has come; `None` when `deadline` passed first.
    /// The reporting side unparks this thread; parking may also end
    /// spuriously, so the tracker is asked again each time.
    fn take(&mut self, deadline: Option<Instant>) -> Option<DeliveryReport> {
        loop {
            let report = self.shared.lock().tracker.poll(self.id, thread::current);
            if report.is_some() {
                self.taken = true;
                return report;
            }
            match deadline {
                None => thread::park(),
                Some(at) => match at.checked_duration_since(Instant::now()) {
                    Some(left) if !left.is_zero() => thread::park_timeout(left),
                    _ => return None,
                },
            }
        }
    }
}

impl Drop for Receipt {
    fn drop(&mut self) {
        if !self.taken {
            self.shared.lock().tracker.forget(self.id);
        }
    }
}

impl fmt::Debug for Receipt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receipt")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}
