//! Record batches (message format v2, magic 2).
//!
//! - Writing: [`BatchBuilder`] appends records into a buffer it owns and
//!   [`BatchBuilder::finish`] writes the batch (61-byte header, records
//!   compressed with a [`Compression`], CRC-32C) into the caller's
//!   [`BytesMut`](bytes::BytesMut). [`set_producer_fields`] rewrites the
//!   producer id, epoch, base sequence and transactional bit of a finished
//!   batch in place, without re-compressing, and keeps its CRC valid.
//! - Reading: [`BatchReader`] iterates the batches of a `records` byte
//!   range zero-copy, checking length, magic and CRC; [`RawBatch::decode`]
//!   decompresses (with a size cap) and decodes the [`Record`]s.
//!   [`ReadOptions::fetch`] tolerates a cut-off last batch as in a Fetch
//!   response; [`ReadOptions::strict`] does not.
//! - Compression framing follows the Java client exactly; see
//!   [`compression`].
//!
//! Layouts are in `record-batch-v2.md` §3-6 of the project's spec notes.
//!
//! # Example
//!
//! ```
//! use bytes::{Bytes, BytesMut};
//! use kafka_sansio::record::{
//!     BatchBuilder, BatchReader, Compression, NO_HEADERS, ProducerFields, ReadOptions,
//!     set_producer_fields,
//! };
//!
//! let mut builder = BatchBuilder::new(Compression::Lz4)?;
//! builder.append(1_700_000_000_000, Some(b"key"), Some(b"hello"), NO_HEADERS)?;
//! builder.append(
//!     1_700_000_000_005,
//!     None,
//!     Some(b"world"),
//!     [("trace-id", Some(&b"abc"[..])), ("flag", None)],
//! )?;
//!
//! let mut buf = BytesMut::new();
//! builder.finish(&ProducerFields::NONE, &mut buf)?;
//! // Later, when the batch is drained by an idempotent producer:
//! set_producer_fields(&mut buf, &ProducerFields::idempotent(42, 0, 100))?;
//!
//! let options = ReadOptions::strict();
//! let mut batches = BatchReader::new(buf.freeze(), options);
//! let batch = batches.next().unwrap()?.decode(options.max_decompressed_size)?;
//! assert!(batches.next().is_none());
//!
//! assert_eq!(batch.header.producer_id, 42);
//! assert_eq!(batch.records.len(), 2);
//! let second = &batch.records[1];
//! assert_eq!((second.offset, second.sequence), (1, 101));
//! assert_eq!(second.timestamp, 1_700_000_000_005);
//! assert_eq!(second.key, None);
//! assert_eq!(second.value, Some(Bytes::from_static(b"world")));
//! assert_eq!(second.headers[0].key(), "trace-id");
//! assert_eq!(second.headers[1].value, None);
//! # Ok::<(), kafka_sansio::record::RecordError>(())
//! ```

mod batch;
pub mod compression;
mod header;
mod reader;
#[cfg(feature = "snappy")]
mod xerial;

pub use batch::{BatchBuilder, HeaderRef, NO_HEADERS};
pub use compression::{Compression, CompressionType};
pub use header::{
    ATTR_COMPRESSION_MASK, ATTR_CONTROL, ATTR_DELETE_HORIZON, ATTR_LOG_APPEND_TIME,
    ATTR_TRANSACTIONAL, BATCH_HEADER_SIZE, BatchHeader, LOG_OVERHEAD, MAGIC, MIN_BATCH_LENGTH,
    NO_PARTITION_LEADER_EPOCH, NO_PRODUCER_EPOCH, NO_PRODUCER_ID, NO_SEQUENCE, NO_TIMESTAMP,
    ProducerFields, TimestampType, compute_crc, is_compressed, record_sequence, set_base_offset,
    set_log_append_time, set_partition_leader_epoch, set_producer_fields,
};
pub use reader::{
    BatchReader, ControlRecordType, DEFAULT_MAX_DECOMPRESSED_SIZE, RawBatch, ReadOptions, Record,
    RecordBatch, RecordHeader, read_batches,
};

use thiserror::Error;

use crate::protocol::DecodeError;

/// Why a record batch could not be written, read or rewritten.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum RecordError {
    /// A field is truncated, or a length, count or varint is invalid.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// The batch is not message format v2.
    #[error("unsupported record batch magic {magic} (only magic 2 is supported)")]
    UnsupportedMagic {
        /// The magic byte found.
        magic: i8,
    },
    /// `batchLength` is smaller than a header with no records.
    #[error("invalid record batch length {length} (at least 49 is needed)")]
    InvalidBatchLength {
        /// The length declared.
        length: i32,
    },
    /// A buffer handed over as one batch is not exactly one batch long.
    #[error("record batch declares {declared} bytes but {actual} were given")]
    BatchSizeMismatch {
        /// `12 + batchLength`.
        declared: i64,
        /// The buffer's length.
        actual: usize,
    },
    /// The stored CRC-32C does not match the batch's bytes.
    #[error("record batch CRC mismatch: header has {expected:#010x}, bytes give {actual:#010x}")]
    CrcMismatch {
        /// The CRC stored in the header.
        expected: u32,
        /// The CRC computed over attributes..end.
        actual: u32,
    },
    /// The attributes name a codec id Kafka does not define (5..=7).
    #[error("unknown compression codec id {id}")]
    UnknownCompression {
        /// The codec id.
        id: u8,
    },
    /// The codec's cargo feature is not enabled in this build.
    #[error("{codec} compression is not enabled in this build (cargo feature `{codec}`)")]
    CodecDisabled {
        /// The codec.
        codec: CompressionType,
    },
    /// A compression level outside the codec's range.
    #[error("{codec} compression level {level} is outside {min}..={max}")]
    InvalidLevel {
        /// The codec.
        codec: CompressionType,
        /// The level given.
        level: i32,
        /// Lowest level.
        min: i32,
        /// Highest level.
        max: i32,
    },
    /// The compressor failed.
    #[error("{codec} compression failed: {detail}")]
    Compress {
        /// The codec.
        codec: CompressionType,
        /// The codec's message.
        detail: String,
    },
    /// The compressed records are corrupt or wrongly framed.
    #[error("corrupt {codec} data: {detail}")]
    Decompress {
        /// The codec.
        codec: CompressionType,
        /// What is wrong.
        detail: String,
    },
    /// The compressed records would decompress to more than the cap.
    #[error("{codec} records decompress to more than the {limit}-byte limit")]
    DecompressedTooLarge {
        /// The codec.
        codec: CompressionType,
        /// The cap.
        limit: usize,
    },
    /// The records region ended before `records_count` records were read.
    #[error("record batch declares {declared} records but holds only {found}")]
    RecordCountMismatch {
        /// `recordsCount` from the header.
        declared: i32,
        /// Records actually present.
        found: usize,
    },
    /// A record, field or batch is too large for the format's int32 sizes.
    #[error("{what} is {len} bytes, more than the limit of {limit}")]
    TooLarge {
        /// What is too large.
        what: &'static str,
        /// Its size.
        len: usize,
        /// The limit.
        limit: usize,
    },
    /// A batch already holds `i32::MAX` records.
    #[error("a record batch holds at most 2147483647 records")]
    TooManyRecords,
}
