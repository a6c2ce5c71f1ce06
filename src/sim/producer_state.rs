//! Idempotent producer state, kept per partition like Kafka's
//! `ProducerStateManager`: for each producer id, its epoch and the
//! metadata of its last five batches, which decide whether a new batch is
//! appended, recognised as a duplicate, or refused.
//!
//! The state belongs to the partition, not to a broker, so it survives
//! leader changes as Kafka's replicated state does.

use std::collections::{BTreeMap, VecDeque};

use crate::protocol::ErrorCode;

/// How many batches per producer are remembered for duplicate detection
/// (Kafka's `ProducerStateEntry.NUM_BATCHES_TO_RETAIN`, which is also why
/// a producer keeps at most five requests in flight).
pub(super) const BATCHES_RETAINED: usize = 5;

/// What the log remembers of an appended idempotent batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct BatchMeta {
    /// Sequence of the first record.
    pub(super) first_seq: i32,
    /// Sequence of the last record.
    pub(super) last_seq: i32,
    /// Offset the batch was written at.
    pub(super) base_offset: i64,
    /// The batch's timestamp as Kafka keeps it: the append time for a
    /// LogAppendTime topic, else the batch's largest create time. Kafka
    /// answers a duplicate with it as the "log append time" either way.
    pub(super) timestamp: i64,
}

/// The verdict on an idempotent batch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum SequenceCheck {
    /// In sequence: append it.
    Append,
    /// One of the last batches again: answer as before, append nothing.
    Duplicate(BatchMeta),
    /// Refused with this error.
    Reject(ErrorCode, String),
}

#[derive(Debug)]
struct ProducerEntry {
    epoch: i16,
    batches: VecDeque<BatchMeta>,
}

/// The idempotent producers of one partition.
#[derive(Debug, Default)]
pub(super) struct ProducerStates {
    entries: BTreeMap<i64, ProducerEntry>,
}

/// Kafka's `inSequence`: `next` follows `last`, wrapping at `i32::MAX`.
fn in_sequence(last: i32, next: i32) -> bool {
    next == last.wrapping_add(1) || (next == 0 && last == i32::MAX)
}

impl ProducerStates {
    /// Decides what to do with a batch of producer `pid` at `epoch` holding
    /// sequences `first_seq..=last_seq`:
    ///
    /// - an unknown producer must start at sequence 0, else
    ///   `UNKNOWN_PRODUCER_ID`;
    /// - a batch equal (same epoch, first and last sequence) to one of the
    ///   last [`BATCHES_RETAINED`] is a duplicate;
    /// - an epoch below the known one is `INVALID_PRODUCER_EPOCH`;
    /// - a higher epoch must start at sequence 0, and the same epoch must
    ///   continue the last sequence, else `OUT_OF_ORDER_SEQUENCE_NUMBER`.
    pub(super) fn check(
        &self,
        pid: i64,
        epoch: i16,
        first_seq: i32,
        last_seq: i32,
    ) -> SequenceCheck {
        let Some(entry) = self.entries.get(&pid) else {
            return if first_seq == 0 {
                SequenceCheck::Append
            } else {
                SequenceCheck::Reject(
                    ErrorCode::UNKNOWN_PRODUCER_ID,
                    format!(
                        "no state for producer {pid}; its first batch has sequence {first_seq}"
                    ),
                )
            };
        };
        if epoch == entry.epoch {
            let duplicate = entry
                .batches
                .iter()
                .find(|b| b.first_seq == first_seq && b.last_seq == last_seq);
            if let Some(meta) = duplicate {
                return SequenceCheck::Duplicate(*meta);
            }
        }
        if epoch < entry.epoch {
            return SequenceCheck::Reject(
                ErrorCode::INVALID_PRODUCER_EPOCH,
                format!(
                    "epoch {epoch} of producer {pid} is older than {}",
                    entry.epoch
                ),
            );
        }
        if epoch > entry.epoch {
            return if first_seq == 0 {
                SequenceCheck::Append
            } else {
                SequenceCheck::Reject(
                    ErrorCode::OUT_OF_ORDER_SEQUENCE_NUMBER,
                    format!(
                        "new epoch {epoch} of producer {pid} starts at sequence {first_seq}, not 0"
                    ),
                )
            };
        }
        let last = entry.batches.back().map_or(-1, |b| b.last_seq);
        if in_sequence(last, first_seq) {
            SequenceCheck::Append
        } else {
            SequenceCheck::Reject(
                ErrorCode::OUT_OF_ORDER_SEQUENCE_NUMBER,
                format!("producer {pid} sent sequence {first_seq} after {last}"),
            )
        }
    }

    /// Records an appended batch; a new epoch forgets the old batches.
    pub(super) fn record(&mut self, pid: i64, epoch: i16, meta: BatchMeta) {
        let entry = self.entries.entry(pid).or_insert(ProducerEntry {
            epoch,
            batches: VecDeque::with_capacity(BATCHES_RETAINED),
        });
        if entry.epoch != epoch {
            entry.epoch = epoch;
            entry.batches.clear();
        }
        if entry.batches.len() == BATCHES_RETAINED {
            entry.batches.pop_front();
        }
        entry.batches.push_back(meta);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(first_seq: i32, last_seq: i32, base_offset: i64) -> BatchMeta {
        BatchMeta {
            first_seq,
            last_seq,
            base_offset,
            timestamp: -1,
        }
    }

    #[test]
    fn sequences_follow_on_and_wrap() {
        let mut s = ProducerStates::default();
        assert_eq!(s.check(7, 0, 0, 4), SequenceCheck::Append);
        s.record(7, 0, meta(0, 4, 0));
        assert_eq!(s.check(7, 0, 5, 5), SequenceCheck::Append);
        assert!(matches!(
            s.check(7, 0, 6, 6),
            SequenceCheck::Reject(ErrorCode::OUT_OF_ORDER_SEQUENCE_NUMBER, _)
        ));
        assert!(in_sequence(i32::MAX, 0));
        assert!(!in_sequence(i32::MAX, 1));
    }

    #[test]
    fn only_the_last_five_batches_are_duplicates() {
        let mut s = ProducerStates::default();
        for i in 0..6 {
            s.record(1, 0, meta(i, i, i64::from(i)));
        }
        assert!(matches!(
            s.check(1, 0, 0, 0),
            SequenceCheck::Reject(ErrorCode::OUT_OF_ORDER_SEQUENCE_NUMBER, _)
        ));
        assert_eq!(s.check(1, 0, 1, 1), SequenceCheck::Duplicate(meta(1, 1, 1)));
        // Same first sequence, different last: not a duplicate.
        assert!(matches!(s.check(1, 0, 1, 2), SequenceCheck::Reject(..)));
    }

    #[test]
    fn a_new_epoch_forgets_old_batches() {
        let mut s = ProducerStates::default();
        s.record(1, 0, meta(0, 9, 0));
        s.record(1, 1, meta(0, 0, 10));
        assert!(matches!(
            s.check(1, 0, 0, 9),
            SequenceCheck::Reject(ErrorCode::INVALID_PRODUCER_EPOCH, _)
        ));
        assert_eq!(s.check(1, 1, 1, 1), SequenceCheck::Append);
    }
}
