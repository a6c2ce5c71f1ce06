//! The chaos run's verdict: what the producer reported against what an
//! independent consumer read back, in the manner of Kafka's system tests
//! and Jepsen's Kafka checker (lost writes, duplicates, inconsistent
//! offsets, order, aborted reads).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use kafka_sansio::producer::{Certainty, DeliveryReport, RecordId};

/// What a record carries in its value: which run, partition and place in
/// that partition's sequence it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Stamp {
    /// The partition the record was sent to.
    pub partition: i32,
    /// Its place in the partition's send order, from 0.
    pub seq: u64,
}

impl Stamp {
    /// The record value: `<run>/<partition>/<seq>`.
    pub fn encode(&self, run: &str) -> String {
        format!("{run}/{}/{}", self.partition, self.seq)
    }

    /// The stamp of a value written by `run`; `None` for anything else.
    pub fn decode(run: &str, value: &[u8]) -> Option<Stamp> {
        let text = std::str::from_utf8(value).ok()?;
        let mut parts = text.strip_prefix(run)?.strip_prefix('/')?.split('/');
        let stamp = Stamp {
            partition: parts.next()?.parse().ok()?,
            seq: parts.next()?.parse().ok()?,
        };
        parts.next().is_none().then_some(stamp)
    }
}

/// Each partition's log as read back: `(offset, value)` from offset 0 to
/// the end.
pub type Logs = BTreeMap<i32, Vec<(i64, Option<Vec<u8>>)>>;

/// The counts of one run. Every field but the first six is a broken
/// promise and must be 0.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Records accepted by the producer.
    pub sent: usize,
    /// Reported delivered.
    pub acked: usize,
    /// Reported failed, certainly not written.
    pub not_sent: usize,
    /// Reported failed, maybe written.
    pub possibly_sent: usize,
    /// Of those, found in the log.
    pub possibly_sent_present: usize,
    /// Records of this run read back.
    pub found: usize,
    /// Extra copies of a record in the log.
    pub duplicates: usize,
    /// Acknowledged records absent from the log.
    pub lost: usize,
    /// Acknowledged records found, but not at the reported partition and
    /// offset (or found in a partition they were not sent to).
    pub misplaced: usize,
    /// Records read after a record sent later to the same partition.
    pub out_of_order: usize,
    /// Records reported `NotSent` yet found in the log.
    pub not_sent_present: usize,
    /// Records without a report.
    pub missing_reports: usize,
    /// Reports beyond the first for a record, or for no record sent.
    pub extra_reports: usize,
    /// Log entries that are not this run's records.
    pub foreign: usize,
    /// Records absent before an acknowledged one of their partition, all
    /// reported failed (an acknowledged or unreported one would be counted
    /// as lost or missing): allowed, but worth knowing.
    pub failed_gaps: usize,
    /// The first few broken promises, for the log.
    pub examples: Vec<String>,
}

impl Tally {
    /// No promise broken.
    pub fn is_clean(&self) -> bool {
        self.duplicates == 0
            && self.lost == 0
            && self.misplaced == 0
            && self.out_of_order == 0
            && self.not_sent_present == 0
            && self.missing_reports == 0
            && self.extra_reports == 0
            && self.foreign == 0
    }

    fn note(&mut self, example: impl FnOnce() -> String) {
        if self.examples.len() < 20 {
            self.examples.push(example());
        }
    }
}

impl fmt::Display for Tally {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "sent {}, acked {}, failed NotSent {}, failed PossiblySent {} ({} of them present), \
             found {}, duplicates {}, lost {}, out of order {}, misplaced {}, NotSent present {}, \
             missing reports {}, extra reports {}, foreign {}, failed gaps {}",
            self.sent,
            self.acked,
            self.not_sent,
            self.possibly_sent,
            self.possibly_sent_present,
            self.found,
            self.duplicates,
            self.lost,
            self.out_of_order,
            self.misplaced,
            self.not_sent_present,
            self.missing_reports,
            self.extra_reports,
            self.foreign,
            self.failed_gaps
        )
    }
}

/// Judges a run: `sent` is every accepted record's stamp, `reports` what
/// the producer reported (as it came, repeats included), `logs` each
/// partition's records as read from offset 0 to the end: `(offset, value)`.
pub fn check(
    run: &str,
    sent: &BTreeMap<RecordId, Stamp>,
    reports: &[DeliveryReport],
    logs: &Logs,
) -> Tally {
    let mut tally = Tally {
        sent: sent.len(),
        ..Tally::default()
    };

    // Where each stamp was read, in offset order.
    let mut read: BTreeMap<Stamp, Vec<i64>> = BTreeMap::new();
    for (&partition, records) in logs {
        let mut highest: Option<u64> = None;
        for (offset, value) in records {
            let Some(stamp) = value.as_deref().and_then(|v| Stamp::decode(run, v)) else {
                tally.foreign += 1;
                tally.note(|| format!("{partition}@{offset}: not a record of run {run}"));
                continue;
            };
            tally.found += 1;
            if stamp.partition != partition {
                tally.misplaced += 1;
                tally.note(|| format!("{stamp:?} read from partition {partition}@{offset}"));
            }
            let copies = read.entry(stamp).or_default();
            copies.push(*offset);
            if copies.len() > 1 {
                tally.duplicates += 1;
                tally.note(|| format!("{stamp:?} at offsets {copies:?}"));
                continue;
            }
            match highest {
                Some(h) if stamp.seq < h => {
                    tally.out_of_order += 1;
                    tally.note(|| format!("{stamp:?} at {partition}@{offset} after seq {h}"));
                }
                _ => highest = Some(stamp.seq),
            }
        }
    }

    let mut reported = BTreeSet::new();
    // The highest acknowledged sequence found in each partition: failed
    // records absent below it are gaps.
    let mut acked_top: BTreeMap<i32, u64> = BTreeMap::new();
    let mut failed = BTreeSet::new();
    for report in reports {
        let Some(stamp) = sent.get(&report.id) else {
            tally.extra_reports += 1;
            tally.note(|| format!("report for {:?}, which was not sent", report.id));
            continue;
        };
        if !reported.insert(report.id) {
            tally.extra_reports += 1;
            tally.note(|| format!("second report for {:?} {stamp:?}: {report:?}", report.id));
            continue;
        }
        let copies = read.get(stamp);
        match &report.result {
            Ok(delivered) => {
                tally.acked += 1;
                let Some(copies) = copies else {
                    tally.lost += 1;
                    tally
                        .note(|| format!("{stamp:?} acknowledged ({report:?}) but not in the log"));
                    continue;
                };
                let at_reported = report.partition == Some(stamp.partition)
                    && delivered.offset.is_some_and(|o| copies.contains(&o));
                if !at_reported {
                    tally.misplaced += 1;
                    tally.note(|| {
                        format!(
                            "{stamp:?} reported at {:?}@{:?}, read at {copies:?}",
                            report.partition, delivered.offset
                        )
                    });
                }
                let top = acked_top.entry(stamp.partition).or_default();
                *top = (*top).max(stamp.seq);
            }
            Err(failure) if failure.certainty == Certainty::NotSent => {
                failed.insert(report.id);
                tally.not_sent += 1;
                if copies.is_some() {
                    tally.not_sent_present += 1;
                    tally.note(|| format!("{stamp:?} reported NotSent ({failure}) but in the log"));
                }
            }
            Err(_) => {
                failed.insert(report.id);
                tally.possibly_sent += 1;
                tally.possibly_sent_present += usize::from(copies.is_some());
            }
        }
    }
    for (id, stamp) in sent {
        if !reported.contains(id) {
            tally.missing_reports += 1;
            tally.note(|| format!("no report for {id:?} {stamp:?}"));
        } else if failed.contains(id)
            && !read.contains_key(stamp)
            && acked_top
                .get(&stamp.partition)
                .is_some_and(|top| stamp.seq < *top)
        {
            tally.failed_gaps += 1;
        }
    }
    tally
}

#[cfg(test)]
mod tests {

    use kafka_sansio::producer::{Delivered, DeliveryFailure, ProduceError};
    use kafka_sansio::record::TimestampType;

    use super::*;

    const RUN: &str = "r1";

    /// Two partitions of three records each, all acknowledged at offsets
    /// 0, 1, 2 and read back there: the clean case each test then breaks.
    struct Run {
        sent: BTreeMap<RecordId, Stamp>,
        reports: Vec<DeliveryReport>,
        logs: Logs,
    }

    fn ok(id: RecordId, partition: i32, offset: i64) -> DeliveryReport {
        DeliveryReport {
            id,
            topic: "t".into(),
            partition: Some(partition),
            result: Ok(Delivered {
                offset: Some(offset),
                timestamp: 0,
                timestamp_type: TimestampType::CreateTime,
            }),
        }
    }

    fn failed(id: RecordId, partition: i32, certainty: Certainty) -> DeliveryReport {
        DeliveryReport {
            id,
            topic: "t".into(),
            partition: Some(partition),
            result: Err(DeliveryFailure {
                error: ProduceError::DeliveryTimeout {
                    after_ms: 1,
                    last_error: None,
                },
                certainty,
            }),
        }
    }

    fn value(partition: i32, seq: u64) -> Option<Vec<u8>> {
        Some(Stamp { partition, seq }.encode(RUN).into_bytes())
    }

    fn clean() -> Run {
        let mut run = Run {
            sent: BTreeMap::new(),
            reports: Vec::new(),
            logs: BTreeMap::new(),
        };
        for partition in 0..2 {
            for seq in 0..3 {
                let id = RecordId(partition as u64 * 10 + seq);
                run.sent.insert(id, Stamp { partition, seq });
                run.reports.push(ok(id, partition, seq as i64));
                let log = run.logs.entry(partition).or_default();
                log.push((seq as i64, value(partition, seq)));
            }
        }
        run
    }

    fn judge(run: &Run) -> Tally {
        check(RUN, &run.sent, &run.reports, &run.logs)
    }

    #[test]
    fn a_stamp_survives_the_round_trip_and_other_runs_do_not_parse() {
        let stamp = Stamp {
            partition: 5,
            seq: 1234,
        };
        assert_eq!(
            Stamp::decode(RUN, stamp.encode(RUN).as_bytes()),
            Some(stamp)
        );
        assert_eq!(Stamp::decode("r2", stamp.encode(RUN).as_bytes()), None);
        assert_eq!(Stamp::decode(RUN, b"r1/5/12/3"), None);
        assert_eq!(Stamp::decode(RUN, b"r1/5"), None);
    }

    #[test]
    fn the_clean_run_is_clean() {
        let tally = judge(&clean());
        assert!(tally.is_clean(), "{tally}");
        assert_eq!((tally.sent, tally.acked, tally.found), (6, 6, 6));
    }

    #[test]
    fn an_acknowledged_record_missing_from_the_log_is_lost() {
        let mut run = clean();
        run.logs.get_mut(&1).unwrap().remove(1);
        let tally = judge(&run);
        assert_eq!(tally.lost, 1, "{tally}");
        assert!(!tally.is_clean());
    }

    #[test]
    fn a_second_copy_is_a_duplicate() {
        let mut run = clean();
        run.logs.get_mut(&0).unwrap().push((3, value(0, 2)));
        let tally = judge(&run);
        assert_eq!(tally.duplicates, 1, "{tally}");
        assert_eq!(tally.out_of_order, 0, "a copy is not also a reorder");
        assert!(!tally.is_clean());
    }

    #[test]
    fn a_swap_in_the_log_is_out_of_order_and_misplaced() {
        let mut run = clean();
        let log = run.logs.get_mut(&0).unwrap();
        log[1].1 = value(0, 2);
        log[2].1 = value(0, 1);
        let tally = judge(&run);
        assert_eq!(tally.out_of_order, 1, "{tally}");
        assert_eq!(tally.misplaced, 2, "reported offsets disagree: {tally}");
    }

    #[test]
    fn a_not_sent_record_in_the_log_is_an_aborted_read() {
        let mut run = clean();
        run.reports[4] = failed(RecordId(11), 1, Certainty::NotSent);
        let tally = judge(&run);
        assert_eq!(tally.not_sent_present, 1, "{tally}");
        assert!(!tally.is_clean());
    }

    #[test]
    fn a_possibly_sent_record_may_be_there_or_not_and_a_failed_gap_is_allowed() {
        let mut run = clean();
        run.reports[4] = failed(RecordId(11), 1, Certainty::PossiblySent);
        run.reports[0] = failed(RecordId(0), 0, Certainty::NotSent);
        let log = run.logs.get_mut(&0).unwrap();
        log.remove(0);
        let tally = judge(&run);
        assert!(tally.is_clean(), "{tally}");
        assert_eq!((tally.possibly_sent, tally.possibly_sent_present), (1, 1));
        assert_eq!((tally.not_sent, tally.failed_gaps), (1, 1));
    }

    #[test]
    fn reports_must_be_one_per_record() {
        let mut run = clean();
        let again = run.reports[2].clone();
        run.reports.push(again);
        run.reports.remove(5);
        let tally = judge(&run);
        assert_eq!(
            (tally.extra_reports, tally.missing_reports),
            (1, 1),
            "{tally}"
        );
        assert!(!tally.is_clean());
    }

    #[test]
    fn records_of_another_run_are_foreign() {
        let mut run = clean();
        run.logs
            .get_mut(&1)
            .unwrap()
            .push((3, Some(b"r0/1/3".to_vec())));
        let tally = judge(&run);
        assert_eq!(tally.foreign, 1, "{tally}");
        assert!(!tally.is_clean());
    }
}
