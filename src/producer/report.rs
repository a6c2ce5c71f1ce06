//! Delivery reports: exactly one per record accepted by `send`.

use super::record::SmolStr;

use thiserror::Error;

use crate::protocol::ErrorCode;
use crate::record::TimestampType;

use super::record::{ProducerRecord, RecordId, Sendable};

/// The final outcome of one record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeliveryReport {
    /// The id `send` returned for the record.
    pub id: RecordId,
    /// The record's topic.
    pub topic: SmolStr,
    /// The partition the record went to, or `None` if it never got one
    /// (for example its topic was never found).
    pub partition: Option<i32>,
    /// Delivered, or failed with a reason.
    pub result: Result<Delivered, DeliveryFailure>,
}

/// Where a delivered record landed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Delivered {
    /// The record's offset in the partition; `None` with `acks=0`, and when
    /// the broker confirmed an earlier write as a duplicate without saying
    /// where it landed.
    pub offset: Option<i64>,
    /// The record's timestamp in Unix milliseconds: the broker's append
    /// time when the topic uses `LogAppendTime`, else the create time.
    pub timestamp: i64,
    /// Which of the two `timestamp` is.
    pub timestamp_type: TimestampType,
}

/// Whether a failed record may nevertheless be in the log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Certainty {
    /// The record was certainly not written: it never left the producer,
    /// or every attempt was answered with an error.
    NotSent,
    /// The record may have been written: an attempt's outcome was never
    /// learned (connection lost, request timed out, lost response) or the
    /// broker said it appended it without enough replicas.
    PossiblySent,
}

/// Why a record failed, and whether it may have been written anyway.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[error("{error} ({certainty:?})")]
pub struct DeliveryFailure {
    /// The reason.
    pub error: ProduceError,
    /// Whether the record may be in the log.
    pub certainty: Certainty,
}

/// Why a record could not be delivered.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum ProduceError {
    /// The broker answered with an error that is not retried (or retries
    /// ran out).
    #[error("broker error {code:?} ({name}){}", message.as_deref().map(|m| format!(": {m}")).unwrap_or_default())]
    Broker {
        /// The error code.
        code: ErrorCode,
        /// Its name.
        name: &'static str,
        /// The broker's message, if any.
        message: Option<String>,
    },
    /// `delivery.timeout.ms` passed before the record was acknowledged.
    #[error("delivery timed out after {after_ms} ms{}", last_error.as_deref().map(|e| format!("; last error: {e}")).unwrap_or_default())]
    DeliveryTimeout {
        /// The configured delivery timeout.
        after_ms: u64,
        /// The last error seen for the record, if any.
        last_error: Option<String>,
    },
    /// The topic was not found in the cluster's metadata before the
    /// delivery timeout.
    #[error("topic {topic:?} not found in the cluster metadata")]
    UnknownTopic {
        /// The topic.
        topic: SmolStr,
    },
    /// The record named a partition the topic does not have.
    #[error("partition {partition} is not in topic {topic:?}, which has {count} partitions")]
    InvalidPartition {
        /// The topic.
        topic: SmolStr,
        /// The partition asked for.
        partition: i32,
        /// How many partitions the topic has.
        count: i32,
    },
    /// The producer failed fatally (for example it was fenced).
    #[error("producer failed fatally: {0}")]
    Fatal(FatalError),
    /// `close` reached its deadline before the record was acknowledged.
    #[error("producer closed before the record was acknowledged")]
    Closed,
}

impl ProduceError {
    /// The error for a broker error code, with the broker's message.
    pub fn broker(code: ErrorCode, message: Option<String>) -> Self {
        ProduceError::Broker {
            code,
            name: code.name(),
            message,
        }
    }
}

/// Why the producer stopped for good. Sticky: once fatal, every buffered
/// record fails with it and `send` refuses.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[error("{name} ({code:?}){}", message.as_deref().map(|m| format!(": {m}")).unwrap_or_default())]
pub struct FatalError {
    /// The broker error code that caused it.
    pub code: ErrorCode,
    /// Its name.
    pub name: &'static str,
    /// The broker's message, if any.
    pub message: Option<String>,
}

/// Why `send` refused a record; the record is handed back unchanged, as
/// the type it was given as (a [`ProducerRecord`] unless said otherwise).
#[derive(Debug, Error)]
#[error("{reason}")]
pub struct SendError<R = ProducerRecord> {
    /// Why.
    pub reason: SendErrorReason,
    /// The record, returned to the caller (boxed to keep `Result` small).
    pub record: Box<R>,
}

impl<R> SendError<R> {
    /// The refused record, to retry or drop.
    pub fn into_record(self) -> R {
        *self.record
    }
}

impl<R: Sendable> SendError<R> {
    /// The same error with the record owned (a copy of a borrowed one), to
    /// keep past the borrow or to pass on as a `'static` error.
    pub fn into_owned(self) -> SendError {
        SendError {
            reason: self.reason,
            record: Box::new(self.record.into_owned()),
        }
    }
}

/// Why `send` refused a record.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum SendErrorReason {
    /// Accepting the record would exceed `buffer.memory`; try again after
    /// some deliveries.
    #[error(
        "buffer full: {buffered} bytes buffered, the record needs {needed} more, buffer.memory is {limit}"
    )]
    BufferFull {
        /// Bytes buffered now.
        buffered: usize,
        /// Bytes the record would add.
        needed: usize,
        /// `buffer.memory`.
        limit: usize,
    },
    /// The record is larger than `max.request.size` (or `buffer.memory`).
    #[error("record of {size} bytes exceeds {key} = {limit}")]
    RecordTooLarge {
        /// Its serialized size.
        size: usize,
        /// The limit it exceeds.
        limit: usize,
        /// The config key of the limit.
        key: &'static str,
    },
    /// The record named a negative partition. (A partition beyond those
    /// the map shows waits for a fresh map and fails at the delivery
    /// timeout with [`ProduceError::InvalidPartition`] if it never shows.)
    #[error("partition {partition} is not in topic {topic:?}, which has {count} partitions")]
    InvalidPartition {
        /// The topic.
        topic: String,
        /// The partition asked for.
        partition: i32,
        /// How many partitions the topic has.
        count: i32,
    },
    /// The topic name is empty, longer than 249 bytes, or has characters
    /// other than ASCII letters, digits, `.`, `_` and `-`.
    #[error("invalid topic name {0:?}")]
    InvalidTopic(String),
    /// The record cannot be encoded (for example more headers than a
    /// batch can count).
    #[error("record cannot be encoded: {0}")]
    InvalidRecord(String),
    /// `close` was called.
    #[error("producer is closing or closed")]
    Closed,
    /// The producer failed fatally.
    #[error("producer failed fatally: {0}")]
    Fatal(FatalError),
}
