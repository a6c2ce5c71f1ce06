//! The outputs waiting for [`Producer::poll_output`](super::Producer::poll_output),
//! in order. A delivered batch waits as one entry and its records' reports
//! are made one at a time as they are polled.
//!
//! Made all at once, a 256 KiB batch of 100-byte records was some 2,400
//! reports of 104 bytes each: a quarter of a megabyte written out of cache
//! when the acknowledgment came and read back when the adapter polled.

use std::collections::VecDeque;

use crate::record::TimestampType;

use super::batch::RecordMeta;
use super::io::Output;
use super::record::{RecordId, SmolStr};
use super::report::{Delivered, DeliveryReport};

/// The producer's outputs in the order they were made.
#[derive(Debug, Default)]
pub(crate) struct OutputQueue {
    queue: VecDeque<Queued>,
}

#[derive(Debug)]
enum Queued {
    One(Output),
    /// A delivered batch; the report of `run.records[next]` comes next.
    Delivered {
        run: DeliveredRun,
        next: usize,
    },
}

/// The records of one acknowledged batch, and what their reports say.
#[derive(Debug)]
pub(crate) struct DeliveredRun {
    pub topic: SmolStr,
    pub partition: i32,
    /// The first record's offset (`None` when the broker did not say).
    pub base_offset: Option<i64>,
    /// The broker's append time when the topic uses `LogAppendTime`.
    pub append_time: Option<i64>,
    pub records: Vec<RecordMeta>,
}

impl DeliveredRun {
    /// The report of `records[i]`.
    fn report(&self, i: usize) -> DeliveryReport {
        let (id, delivered) = self.delivered(i);
        DeliveryReport {
            id,
            topic: self.topic.clone(),
            partition: Some(self.partition),
            result: Ok(delivered),
        }
    }

    /// Makes `report`, one of this run's, the report of `records[i]`: only
    /// the id, offset and timestamp differ from one record to the next.
    fn fill(&self, report: &mut DeliveryReport, i: usize) {
        let (id, delivered) = self.delivered(i);
        report.id = id;
        report.result = Ok(delivered);
    }

    /// What the report of `records[i]` says of it.
    #[inline]
    fn delivered(&self, i: usize) -> (RecordId, Delivered) {
        let r = &self.records[i];
        let (timestamp, timestamp_type) = match self.append_time {
            Some(at) => (at, TimestampType::LogAppendTime),
            None => (r.timestamp, TimestampType::CreateTime),
        };
        let delivered = Delivered {
            offset: self.base_offset.map(|b| b + i as i64),
            timestamp,
            timestamp_type,
        };
        (r.id, delivered)
    }
}

impl OutputQueue {
    /// True when nothing is queued.
    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    /// Queues one output.
    pub(crate) fn push(&mut self, output: Output) {
        self.queue.push_back(Queued::One(output));
    }

    /// Queues the reports of a delivered batch, one per record, in order.
    pub(crate) fn push_delivered(&mut self, run: DeliveredRun) {
        if !run.records.is_empty() {
            self.queue.push_back(Queued::Delivered { run, next: 0 });
        }
    }

    /// The next output.
    pub(crate) fn pop(&mut self) -> Option<Output> {
        let Some(Queued::Delivered { run, next }) = self.queue.front_mut() else {
            return match self.queue.pop_front()? {
                Queued::One(output) => Some(output),
                // Not reached: the front is not a run here.
                Queued::Delivered { .. } => None,
            };
        };
        let report = run.report(*next);
        *next += 1;
        if *next == run.records.len() {
            self.queue.pop_front();
        }
        Some(Output::Delivery(report))
    }

    /// The next output that is not a delivery report; the reports queued
    /// before it go to `on_report`, in order. A delivered batch's reports
    /// are one report rewritten record by record, lent rather than moved
    /// out one by one.
    pub(crate) fn pop_with(
        &mut self,
        on_report: &mut impl FnMut(&DeliveryReport),
    ) -> Option<Output> {
        loop {
            match self.queue.pop_front()? {
                Queued::One(Output::Delivery(report)) => on_report(&report),
                Queued::One(output) => return Some(output),
                Queued::Delivered { run, next } => {
                    let mut report = run.report(next);
                    on_report(&report);
                    for i in next + 1..run.records.len() {
                        run.fill(&mut report, i);
                        on_report(&report);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::producer::{ConnId, RecordId};

    fn run(ids: std::ops::Range<u64>, base_offset: Option<i64>) -> DeliveredRun {
        DeliveredRun {
            topic: "t".into(),
            partition: 3,
            base_offset,
            append_time: None,
            records: ids
                .map(|id| RecordMeta {
                    id: RecordId(id),
                    timestamp: 1_000 + id as i64,
                    accounted: 10,
                })
                .collect(),
        }
    }

    #[test]
    fn reports_come_one_per_record_in_order_among_other_outputs() {
        let mut q = OutputQueue::default();
        q.push(Output::Close { conn: ConnId(1) });
        q.push_delivered(run(5..8, Some(40)));
        q.push_delivered(run(9..9, Some(0))); // no records: nothing queued
        q.push(Output::Close { conn: ConnId(2) });
        assert!(matches!(q.pop(), Some(Output::Close { conn: ConnId(1) })));
        for (i, id) in (5..8).enumerate() {
            let Some(Output::Delivery(report)) = q.pop() else {
                panic!("a report for record {id}");
            };
            assert_eq!(report.id, RecordId(id));
            assert_eq!(report.partition, Some(3));
            let delivered = report.result.expect("delivered");
            assert_eq!(delivered.offset, Some(40 + i as i64));
            assert_eq!(delivered.timestamp, 1_000 + id as i64);
            assert_eq!(delivered.timestamp_type, TimestampType::CreateTime);
        }
        assert!(matches!(q.pop(), Some(Output::Close { conn: ConnId(2) })));
        assert!(q.pop().is_none());
    }

    #[test]
    fn log_append_time_replaces_every_create_time() {
        let mut q = OutputQueue::default();
        let mut r = run(0..2, None);
        r.append_time = Some(77);
        q.push_delivered(r);
        for _ in 0..2 {
            let Some(Output::Delivery(report)) = q.pop() else {
                panic!("a report");
            };
            let delivered = report.result.expect("delivered");
            assert_eq!(delivered.offset, None);
            assert_eq!(
                (delivered.timestamp, delivered.timestamp_type),
                (77, TimestampType::LogAppendTime)
            );
        }
        assert!(q.pop().is_none());
    }

    #[test]
    fn pop_with_lends_every_report_in_order_and_returns_only_the_rest() {
        let mut q = OutputQueue::default();
        q.push(Output::Close { conn: ConnId(1) });
        q.push_delivered(run(5..8, Some(40)));
        let failed = DeliveryReport {
            id: RecordId(8),
            topic: "t".into(),
            partition: None,
            result: Err(crate::producer::DeliveryFailure {
                error: crate::producer::ProduceError::Closed,
                certainty: crate::producer::Certainty::NotSent,
            }),
        };
        q.push(Output::Delivery(failed.clone()));
        q.push(Output::Close { conn: ConnId(2) });
        q.push_delivered(run(9..11, None));
        let mut seen = Vec::new();
        let mut take = |r: &DeliveryReport| seen.push(r.clone());
        assert!(matches!(
            q.pop_with(&mut take),
            Some(Output::Close { conn: ConnId(1) })
        ));
        assert!(matches!(
            q.pop_with(&mut take),
            Some(Output::Close { conn: ConnId(2) })
        ));
        assert!(q.pop_with(&mut take).is_none());
        // The same reports `pop` makes, in the same order.
        let mut expected = Vec::new();
        let mut again = OutputQueue::default();
        again.push_delivered(run(5..8, Some(40)));
        again.push(Output::Delivery(failed));
        again.push_delivered(run(9..11, None));
        while let Some(Output::Delivery(report)) = again.pop() {
            expected.push(report);
        }
        assert_eq!(expected.len(), 6);
        assert_eq!(seen, expected);
        assert_eq!(seen[2].result.as_ref().map(|d| d.offset), Ok(Some(42)));
    }
}
