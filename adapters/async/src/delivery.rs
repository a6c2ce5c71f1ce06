//! [`DeliveryFuture`]: the report of one accepted record, to await.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use kafka_sansio::producer::{DeliveryReport, RecordId};

use crate::driver::Shared;

/// Completes with the delivery report of one record the producer accepted.
///
/// Dropping it only forgets the report: the record stays in the producer,
/// is sent, and is reported there exactly once (counted in
/// [`ProducerStats`](crate::ProducerStats)).
#[must_use = "dropping a DeliveryFuture forgets the report; the record is still sent"]
pub struct DeliveryFuture {
    shared: Arc<Shared>,
    id: RecordId,
    done: bool,
}

impl DeliveryFuture {
    pub(crate) fn new(shared: Arc<Shared>, id: RecordId) -> Self {
        DeliveryFuture {
            shared,
            id,
            done: false,
        }
    }

    /// The record's id, as in its report.
    pub fn id(&self) -> RecordId {
        self.id
    }
}

impl Future for DeliveryFuture {
    type Output = DeliveryReport;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<DeliveryReport> {
        let this = self.get_mut();
        let report = (this.shared.lock().tracker).poll(this.id, || cx.waker().clone());
        match report {
            Some(report) => {
                this.done = true;
                Poll::Ready(report)
            }
            None => Poll::Pending,
        }
    }
}

impl Drop for DeliveryFuture {
    fn drop(&mut self) {
        if !self.done {
            self.shared.lock().tracker.forget(self.id);
        }
    }
}

impl fmt::Debug for DeliveryFuture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeliveryFuture")
            .field("id", &self.id)
            .field("done", &self.done)
            .finish()
    }
}
