//! Endings: records that reach `delivery.timeout.ms`, everything failing
//! at once (fatal error, close deadline), and finishing `close`.

use crate::protocol::ErrorCode;

use super::Producer;
use super::connection::RequestKind;
use super::event::Event;
use super::io::ConnId;
use super::report::{Certainty, ProduceError};

impl Producer {
    /// Fails records and queued batches that reached `delivery.timeout.ms`.
    /// In-flight batches are settled by their answer or their request
    /// timeout first (the config guarantees that fits in the delivery
    /// timeout plus one request timeout).
    pub(super) fn expire(&mut self) {
        let timeout = self.config.delivery_timeout;
        let after_ms = timeout.as_millis() as u64;
        let now = self.now;
        for topic in 0..self.acc.topics.len() {
            while let Some(p) = self.acc.topics[topic].pending.front() {
                if now < p.created + timeout {
                    break;
                }
                let p = self.acc.topics[topic]
                    .pending
                    .pop_front()
                    .expect("front exists");
                let meta = &self.map.topics[topic];
                let count = meta.partitions.len() as i32;
                let error = match meta.error {
                    _ if meta.is_known() && p.record.partition.is_some_and(|n| n >= count) => {
                        ProduceError::InvalidPartition {
                            topic: meta.name.clone(),
                            partition: p.record.partition.unwrap_or_default(),
                            count,
                        }
                    }
                    Some(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION) if !meta.is_known() => {
                        ProduceError::UnknownTopic {
                            topic: meta.name.clone(),
                        }
                    }
                    // No broker ever answered about the topic: say why the
                    // cluster could not be reached rather than call the
                    // topic missing.
                    None if !meta.is_known() => ProduceError::DeliveryTimeout {
                        after_ms,
                        last_error: self.last_network_error.clone(),
                    },
                    _ => ProduceError::DeliveryTimeout {
                        after_ms,
                        last_error: meta.error.map(|c| c.name().to_owned()),
                    },
                };
                self.report_failed(
                    meta.name.clone(),
                    p.record.partition,
                    &[p.meta],
                    error,
                    Certainty::NotSent,
                );
            }
            for partition in 0..self.acc.topics[topic].partitions.len() {
                let q = &self.acc.topics[topic].partitions[partition];
                // A queue is in send order, which is creation order (a split
                // half keeps its parent's time and place), so the front is
                // the oldest: only it can have expired first. Scanning the
                // whole queue cost an `Instant` sum per buffered batch on
                // every call into the core: 2 048 sums with 16 KiB batches
                // in a 32 MiB buffer.
                debug_assert!(
                    q.batches
                        .iter()
                        .zip(q.batches.iter().skip(1))
                        .all(|(a, b)| a.created <= b.created),
                    "a partition's batches are in creation order"
                );
                loop {
                    let q = &mut self.acc.topics[topic].partitions[partition];
                    if q.batches.front().is_none_or(|b| now < b.created + timeout) {
                        break;
                    }
                    let batch = q.batches.pop_front().expect("front exists");
                    let error = ProduceError::DeliveryTimeout {
                        after_ms,
                        last_error: None,
                    };
                    self.fail_batch(batch, error, true);
                }
            }
        }
    }

    /// Fails every record still held (queued, waiting for metadata, or in
    /// flight) with `error` and closes every connection.
    pub(super) fn fail_everything(&mut self, error: ProduceError) {
        let conns: Vec<ConnId> = self.conns.keys().copied().collect();
        for id in conns {
            let in_flight: Vec<_> = self
                .conns
                .get_mut(&id)
                .map(|c| c.in_flight.drain(..).collect())
                .unwrap_or_default();
            for request in in_flight {
                if let RequestKind::Produce { batches, .. } = request.kind {
                    for mut batch in batches {
                        self.acc.partition(batch.topic, batch.partition).in_flight -= 1;
                        batch.possibly_sent = true;
                        self.fail_batch(batch, error.clone(), false);
                    }
                }
            }
        }
        self.close_all_conns();
        self.pid.requesting = None;
        for topic in 0..self.acc.topics.len() {
            let name = self.map.topics[topic].name.clone();
            let pending: Vec<_> = self.acc.topics[topic].pending.drain(..).collect();
            for p in pending {
                self.report_failed(
                    name.clone(),
                    p.record.partition,
                    &[p.meta],
                    error.clone(),
                    Certainty::NotSent,
                );
            }
            for partition in 0..self.acc.topics[topic].partitions.len() {
                let batches: Vec<_> = self.acc.topics[topic].partitions[partition]
                    .batches
                    .drain(..)
                    .collect();
                for batch in batches {
                    self.fail_batch(batch, error.clone(), false);
                }
            }
        }
    }

    /// At the close deadline, whatever is left fails and the producer ends.
    pub(super) fn close_deadline_reached(&mut self) -> bool {
        match self.closing {
            Some(deadline) if self.now >= deadline && !self.closed => {
                self.fail_everything(ProduceError::Closed);
                self.finish_close();
                true
            }
            _ => self.closed,
        }
    }

    /// Closing and nothing left: close the connections and end.
    pub(super) fn maybe_finish_close(&mut self) {
        if self.closing.is_some() && !self.closed && self.acc.buffered_records == 0 {
            self.close_all_conns();
            self.finish_close();
        }
    }

    fn finish_close(&mut self) {
        self.closed = true;
        self.emit(Event::Closed);
    }
}
