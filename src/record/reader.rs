//! Reading record batches out of a `records` byte range: [`BatchReader`]
//! splits it into verified [`RawBatch`]es, and [`RawBatch::decode`] turns
//! one into a [`RecordBatch`] of [`Record`]s.
//!
//! Every length is checked against the bytes present before it is used,
//! every count before anything is reserved for it, and decompression is
//! capped, so malformed input yields a [`RecordError`], never a panic or a
//! huge allocation. Keys, values and header values are zero-copy slices of
//! the input (or of the decompressed buffer).

use bytes::Bytes;

use super::RecordError;
use super::compression::{self, CompressionType};
use super::header::{
    BATCH_HEADER_SIZE, BatchHeader, HEADER_SIZE_UP_TO_MAGIC, LENGTH_OFFSET, LOG_OVERHEAD, MAGIC,
    MAGIC_OFFSET, MIN_BATCH_LENGTH, TimestampType, compute_crc, get_i32, record_sequence,
};
use crate::protocol::{DecodeError, Reader};

/// The decompressed-size cap of [`ReadOptions::default`]: 64 MiB.
pub const DEFAULT_MAX_DECOMPRESSED_SIZE: usize = 64 << 20;

/// Smallest encoded record: length, attributes, timestamp delta, offset
/// delta, key length, value length and header count, one byte each.
const MIN_RECORD_SIZE: usize = 7;

/// How strictly to read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReadOptions {
    /// The most bytes the records of one compressed batch may decompress
    /// to. A batch over the cap fails with
    /// [`RecordError::DecompressedTooLarge`].
    pub max_decompressed_size: usize,
    /// When true, a last batch cut off by the end of the input (as in a
    /// Fetch response, record-batch-v2.md §6) ends the iteration quietly.
    /// When false (producers, a broker reading a Produce request) it is an
    /// error.
    pub allow_truncated_tail: bool,
    /// Check each batch's CRC-32C (on by default).
    pub verify_crc: bool,
}

impl Default for ReadOptions {
    /// Strict: no truncated tail, CRC verified, 64 MiB decompression cap.
    fn default() -> Self {
        Self {
            max_decompressed_size: DEFAULT_MAX_DECOMPRESSED_SIZE,
            allow_truncated_tail: false,
            verify_crc: true,
        }
    }
}

impl ReadOptions {
    /// Strict reading (the default).
    pub fn strict() -> Self {
        Self::default()
    }

    /// Reading a Fetch response: a cut-off last batch is skipped quietly.
    pub fn fetch() -> Self {
        Self {
            allow_truncated_tail: true,
            ..Self::default()
        }
    }

    /// The same options with another decompression cap.
    pub fn with_max_decompressed_size(self, max: usize) -> Self {
        Self {
            max_decompressed_size: max,
            ..self
        }
    }
}

/// Iterates the batches of a `records` field, zero-copy.
///
/// Each item is one batch whose length, magic and (unless disabled) CRC
/// have been checked. After the first error the iterator ends. The records
/// are not decoded until [`RawBatch::decode`] is called, so a broker can
/// validate and store batches without decompressing them.
///
/// With [`ReadOptions::allow_truncated_tail`], the iteration stops quietly
/// where Java's `ByteBufferLogInputStream` does: fewer than 12 bytes left,
/// fewer than 17 left, or a declared size larger than what is left.
/// [`BatchReader::truncated_tail`] then tells how many bytes were skipped.
#[derive(Clone, Debug)]
pub struct BatchReader {
    buf: Bytes,
    options: ReadOptions,
    done: bool,
    tail: usize,
}

impl BatchReader {
    /// A reader over `records` with `options`.
    pub fn new(records: Bytes, options: ReadOptions) -> Self {
        Self {
            buf: records,
            options,
            done: false,
            tail: 0,
        }
    }

    /// Bytes left at the end because the last batch was cut off (only
    /// with [`ReadOptions::allow_truncated_tail`]).
    pub fn truncated_tail(&self) -> usize {
        self.tail
    }

    fn cut_off(&mut self, needed: usize) -> Option<Result<RawBatch, RecordError>> {
        self.done = true;
        if self.options.allow_truncated_tail {
            self.tail = self.buf.len();
            None
        } else {
            Some(Err(DecodeError::Truncated {
                what: "record batch",
                needed,
                remaining: self.buf.len(),
            }
            .into()))
        }
    }

    fn next_batch(&mut self) -> Option<Result<RawBatch, RecordError>> {
        let remaining = self.buf.len();
        if remaining == 0 {
            self.done = true;
            return None;
        }
        if remaining < LOG_OVERHEAD {
            return self.cut_off(LOG_OVERHEAD);
        }
        let length = get_i32(&self.buf, LENGTH_OFFSET);
        if length < MIN_BATCH_LENGTH {
            return Some(Err(RecordError::InvalidBatchLength { length }));
        }
        if remaining < HEADER_SIZE_UP_TO_MAGIC {
            return self.cut_off(HEADER_SIZE_UP_TO_MAGIC);
        }
        let magic = self.buf[MAGIC_OFFSET] as i8;
        if magic != MAGIC {
            return Some(Err(RecordError::UnsupportedMagic { magic }));
        }
        let size = LOG_OVERHEAD + length as usize;
        if size > remaining {
            return self.cut_off(size);
        }
        let bytes = self.buf.split_to(size);
        Some(RawBatch::new(bytes, self.options.verify_crc))
    }
}

impl Iterator for BatchReader {
    type Item = Result<RawBatch, RecordError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let item = self.next_batch();
        if matches!(item, Some(Err(_)) | None) {
            self.done = true;
        }
        item
    }
}

impl std::iter::FusedIterator for BatchReader {}

/// One whole batch, as on the wire, with its header decoded and checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawBatch {
    header: BatchHeader,
    bytes: Bytes,
}

impl RawBatch {
    /// Checks that `bytes` is exactly one magic-2 batch (length, magic,
    /// codec id, records count and, if `verify_crc`, the CRC) and decodes
    /// its header.
    pub fn new(bytes: Bytes, verify_crc: bool) -> Result<Self, RecordError> {
        let header = BatchHeader::parse(&bytes)?;
        if header.size() != bytes.len() {
            return Err(RecordError::BatchSizeMismatch {
                declared: header.size() as i64,
                actual: bytes.len(),
            });
        }
        if verify_crc {
            let actual = compute_crc(&bytes);
            if actual != header.crc {
                return Err(RecordError::CrcMismatch {
                    expected: header.crc,
                    actual,
                });
            }
        }
        header.validate()?;
        Ok(Self { header, bytes })
    }

    /// The decoded header.
    pub fn header(&self) -> &BatchHeader {
        &self.header
    }

    /// The whole batch as on the wire.
    pub fn bytes(&self) -> &Bytes {
        &self.bytes
    }

    /// The batch bytes, given back.
    pub fn into_bytes(self) -> Bytes {
        self.bytes
    }

    /// The records region (after the 61-byte header), still compressed.
    pub fn records_region(&self) -> Bytes {
        self.bytes.slice(BATCH_HEADER_SIZE..)
    }

    /// The records region decompressed, capped at `max_decompressed_size`
    /// bytes. An uncompressed batch gives a zero-copy slice of its own
    /// bytes, which are already in memory, so the cap (a guard against
    /// decompression bombs) does not apply to it.
    pub fn decompressed_records(&self, max_decompressed_size: usize) -> Result<Bytes, RecordError> {
        let codec = self.header.compression()?;
        let region = self.records_region();
        if codec == CompressionType::None {
            Ok(region)
        } else {
            compression::decompress(codec, &region, max_decompressed_size)
        }
    }

    /// Decompresses the records and decodes every one of them. The batch
    /// must hold exactly `records_count` records and nothing after them.
    pub fn decode(&self, max_decompressed_size: usize) -> Result<RecordBatch, RecordError> {
        let data = self.decompressed_records(max_decompressed_size)?;
        let records = decode_records(&self.header, data)?;
        Ok(RecordBatch {
            header: self.header,
            records,
        })
    }
}

/// A batch with its records decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordBatch {
    /// The batch header.
    pub header: BatchHeader,
    /// The records, in offset order as stored.
    pub records: Vec<Record>,
}

/// One record, with the values the reader derives from its batch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    /// `baseOffset + offsetDelta`.
    pub offset: i64,
    /// `baseTimestamp + timestampDelta`, or the batch's `maxTimestamp`
    /// when the batch is LogAppendTime.
    pub timestamp: i64,
    /// `baseSequence + offsetDelta` (wrapping at `i32::MAX` to 0), or -1
    /// when the batch has no sequence.
    pub sequence: i32,
    /// The key (`None` = null).
    pub key: Option<Bytes>,
    /// The value (`None` = null, a tombstone).
    pub value: Option<Bytes>,
    /// The headers, in order; keys may repeat.
    pub headers: Vec<RecordHeader>,
}

/// A record header. The key is valid UTF-8 (checked when decoded).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordHeader {
    key: Bytes,
    /// The value (`None` = null).
    pub value: Option<Bytes>,
}

impl RecordHeader {
    /// A header; fails if `key` is not UTF-8.
    pub fn new(key: Bytes, value: Option<Bytes>) -> Result<Self, DecodeError> {
        std::str::from_utf8(&key).map_err(|_| DecodeError::InvalidUtf8 {
            what: "record header key",
        })?;
        Ok(Self { key, value })
    }

    /// The key.
    pub fn key(&self) -> &str {
        // Checked in `new`, the only constructor.
        std::str::from_utf8(&self.key).unwrap_or_default()
    }

    /// The key's bytes.
    pub fn key_bytes(&self) -> &Bytes {
        &self.key
    }
}

/// Reads a varint length and that many bytes; -1 is null.
fn nullable_varint_bytes(r: &mut Reader, what: &'static str) -> Result<Option<Bytes>, DecodeError> {
    let len = r.varint(what)?;
    if len == -1 {
        return Ok(None);
    }
    if len < -1 || len as usize > r.remaining() {
        return Err(DecodeError::InvalidLength {
            what,
            len: i64::from(len),
            remaining: r.remaining(),
        });
    }
    r.take(what, len as usize).map(Some)
}

/// Reads a non-negative varint count or length that must fit in the
/// remaining bytes (each counted item taking at least `min_size` bytes).
fn varint_count(r: &mut Reader, what: &'static str, min_size: usize) -> Result<usize, DecodeError> {
    let n = r.varint(what)?;
    if n < 0 || (n as usize).saturating_mul(min_size) > r.remaining() {
        return Err(DecodeError::InvalidLength {
            what,
            len: i64::from(n),
            remaining: r.remaining(),
        });
    }
    Ok(n as usize)
}

/// Decodes the `records_count` records in `data` (the decompressed records
/// region of the batch with header `h`).
pub(crate) fn decode_records(h: &BatchHeader, data: Bytes) -> Result<Vec<Record>, RecordError> {
    let count = h.records_count as usize;
    let mut r = Reader::new(data);
    let mut records = Vec::with_capacity(count.min(r.remaining() / MIN_RECORD_SIZE));
    let log_append = h.timestamp_type() == TimestampType::LogAppendTime;
    for read in 0..count {
        if r.is_empty() {
            return Err(RecordError::RecordCountMismatch {
                declared: h.records_count,
                found: read,
            });
        }
        let len = varint_count(&mut r, "record length", 1)?;
        let mut body = Reader::new(r.take("record", len)?);
        body.i8("record attributes")?;
        let timestamp_delta = body.varlong("record timestamp delta")?;
        let offset_delta = body.varint("record offset delta")?;
        let key = nullable_varint_bytes(&mut body, "record key")?;
        let value = nullable_varint_bytes(&mut body, "record value")?;
        // A header takes at least two bytes (key length and value length).
        let n_headers = varint_count(&mut body, "record header count", 2)?;
        let mut headers = Vec::with_capacity(n_headers.min(16));
        for _ in 0..n_headers {
            let key_len = varint_count(&mut body, "record header key", 1)?;
            let key = body.take("record header key", key_len)?;
            let value = nullable_varint_bytes(&mut body, "record header value")?;
            headers.push(RecordHeader::new(key, value)?);
        }
        body.finish("record")?;
        records.push(Record {
            offset: h.base_offset.wrapping_add(i64::from(offset_delta)),
            timestamp: if log_append {
                h.max_timestamp
            } else {
                h.base_timestamp.wrapping_add(timestamp_delta)
            },
            sequence: record_sequence(h.base_sequence, offset_delta),
            key,
            value,
            headers,
        });
    }
    r.finish("record batch records")?;
    Ok(records)
}

/// Reads and decodes every batch in `records`: the convenience form of
/// [`BatchReader`] plus [`RawBatch::decode`].
pub fn read_batches(
    records: Bytes,
    options: &ReadOptions,
) -> Result<Vec<RecordBatch>, RecordError> {
    BatchReader::new(records, *options)
        .map(|batch| batch?.decode(options.max_decompressed_size))
        .collect()
}

/// The type of a control record (transaction marker), from its key
/// (record-batch-v2.md §5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ControlRecordType {
    /// 0: the transaction was aborted.
    Abort,
    /// 1: the transaction was committed.
    Commit,
    /// Any other type (2-6 are KRaft-internal); consumers ignore these.
    Other(i16),
}

impl ControlRecordType {
    /// Parses a control record key: `version: int16` (0), `type: int16`.
    pub fn from_key(key: &[u8]) -> Result<Self, RecordError> {
        let mut r = Reader::new(Bytes::copy_from_slice(key));
        let _version = r.i16("control record version")?;
        Ok(match r.i16("control record type")? {
            0 => Self::Abort,
            1 => Self::Commit,
            other => Self::Other(other),
        })
    }
}
