//! A partition's log: the records appended so far, with the offsets the
//! leader gave them, and the idempotent producer state that guards the
//! appends.
//!
//! The log is one copy shared by every replica: the simulation models a
//! fully replicated partition, so whatever was appended survives a leader
//! change (no unclean election, no truncation).

use bytes::{Bytes, BytesMut};

use super::producer_state::{BatchMeta, ProducerStates, SequenceCheck};
use crate::protocol::ErrorCode;
use crate::record::{
    RawBatch, RecordHeader, TimestampType, set_base_offset, set_log_append_time,
    set_partition_leader_epoch,
};

/// One record as stored in a partition's log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredRecord {
    /// Its offset in the partition.
    pub offset: i64,
    /// Its timestamp: the producer's (CreateTime) or the broker's append
    /// time (LogAppendTime).
    pub timestamp: i64,
    /// What the timestamp means.
    pub timestamp_type: TimestampType,
    /// The key (`None` = null).
    pub key: Option<Bytes>,
    /// The value (`None` = null).
    pub value: Option<Bytes>,
    /// The headers, in order.
    pub headers: Vec<RecordHeader>,
    /// The batch's producer id (-1 when not idempotent).
    pub producer_id: i64,
    /// The batch's producer epoch (-1 when not idempotent).
    pub producer_epoch: i16,
    /// The record's sequence number (-1 when not idempotent).
    pub sequence: i32,
    /// The leader epoch the batch was appended under.
    pub leader_epoch: i32,
}

/// What became of a batch offered to the log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum AppendOutcome {
    /// Written at `base_offset`.
    Appended {
        /// Offset of the first record.
        base_offset: i64,
        /// The append time for a LogAppendTime topic, else -1.
        log_append_time: i64,
    },
    /// A retry of a batch already written: nothing appended, answered with
    /// the original offset.
    Duplicate {
        /// Offset the batch was first written at.
        base_offset: i64,
        /// What Kafka puts in the answer's "log append time" for a
        /// duplicate: the batch's stored timestamp (the append time for a
        /// LogAppendTime topic, the largest create time otherwise).
        log_append_time: i64,
    },
    /// Refused.
    Rejected(ErrorCode, String),
}

/// A partition's records and producer state.
#[derive(Debug, Default)]
pub(super) struct PartitionLog {
    records: Vec<StoredRecord>,
    next_offset: i64,
    producers: ProducerStates,
}

impl PartitionLog {
    /// Every record, in offset order.
    pub(super) fn records(&self) -> &[StoredRecord] {
        &self.records
    }

    /// Appends `batch` (one whole, CRC-checked batch) under `leader_epoch`,
    /// stamping it with `log_append_time` if the topic uses LogAppendTime,
    /// unless the producer state refuses it or it is a duplicate.
    pub(super) fn append(
        &mut self,
        batch: &RawBatch,
        leader_epoch: i32,
        log_append_time: Option<i64>,
        max_decompressed_size: usize,
    ) -> AppendOutcome {
        let header = *batch.header();
        let base_offset = self.next_offset;
        let stored = match self.assign(
            batch,
            base_offset,
            leader_epoch,
            log_append_time,
            max_decompressed_size,
        ) {
            Ok(stored) => stored,
            Err(reject) => return reject,
        };
        let append_time = log_append_time.unwrap_or(-1);
        let idempotent = header.producer_id >= 0;
        if idempotent {
            let check = self.producers.check(
                header.producer_id,
                header.producer_epoch,
                header.base_sequence,
                header.last_sequence(),
            );
            match check {
                SequenceCheck::Append => {}
                SequenceCheck::Duplicate(meta) => {
                    return AppendOutcome::Duplicate {
                        base_offset: meta.base_offset,
                        log_append_time: meta.timestamp,
                    };
                }
                SequenceCheck::Reject(code, message) => {
                    return AppendOutcome::Rejected(code, message);
                }
            }
            self.producers.record(
                header.producer_id,
                header.producer_epoch,
                BatchMeta {
                    first_seq: header.base_sequence,
                    last_seq: header.last_sequence(),
                    base_offset,
                    timestamp: log_append_time.unwrap_or(header.max_timestamp),
                },
            );
        }
        self.next_offset = base_offset + i64::from(header.last_offset_delta) + 1;
        self.records.extend(stored);
        AppendOutcome::Appended {
            base_offset,
            log_append_time: append_time,
        }
    }

    /// Gives the batch its offsets (and epoch and append time) in a copy,
    /// then decodes its records as they will be stored. Refuses a batch
    /// whose records do not decode (`CORRUPT_MESSAGE`) or whose offset
    /// deltas are not `0..count` (`INVALID_RECORD`).
    fn assign(
        &self,
        batch: &RawBatch,
        base_offset: i64,
        leader_epoch: i32,
        log_append_time: Option<i64>,
        max_decompressed_size: usize,
    ) -> Result<Vec<StoredRecord>, AppendOutcome> {
        let corrupt = |e: crate::record::RecordError| {
            AppendOutcome::Rejected(ErrorCode::CORRUPT_MESSAGE, e.to_string())
        };
        let mut bytes = BytesMut::from(batch.bytes().as_ref());
        set_base_offset(&mut bytes, base_offset).map_err(corrupt)?;
        set_partition_leader_epoch(&mut bytes, leader_epoch).map_err(corrupt)?;
        if let Some(time) = log_append_time {
            set_log_append_time(&mut bytes, time).map_err(corrupt)?;
        }
        let decoded = RawBatch::new(bytes.freeze(), false)
            .and_then(|b| b.decode(max_decompressed_size))
            .map_err(corrupt)?;
        let header = decoded.header;
        let in_order = decoded
            .records
            .iter()
            .zip(base_offset..)
            .all(|(r, expected)| r.offset == expected);
        let count = decoded.records.len();
        if count == 0 || !in_order || i64::from(header.last_offset_delta) + 1 != count as i64 {
            return Err(AppendOutcome::Rejected(
                ErrorCode::INVALID_RECORD,
                "a batch's records must have offset deltas 0, 1, 2, ... and at least one record"
                    .to_owned(),
            ));
        }
        let timestamp_type = header.timestamp_type();
        Ok(decoded
            .records
            .into_iter()
            .map(|r| StoredRecord {
                offset: r.offset,
                timestamp: r.timestamp,
                timestamp_type,
                key: r.key,
                value: r.value,
                headers: r.headers,
                producer_id: header.producer_id,
                producer_epoch: header.producer_epoch,
                sequence: r.sequence,
                leader_epoch,
            })
            .collect())
    }
}
