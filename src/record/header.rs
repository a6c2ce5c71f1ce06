//! The 61-byte record batch header (message format v2): its layout, the
//! decoded form, and the in-place rewrites a producer or broker applies to
//! a finished batch.

use bytes::Bytes;

use super::RecordError;
use super::compression::CompressionType;
use crate::protocol::{DecodeError, Reader};

/// The magic byte (format version) of the batches this module reads and
/// writes.
pub const MAGIC: i8 = 2;

/// Size of the fixed batch header; the records start at this offset.
pub const BATCH_HEADER_SIZE: usize = 61;

/// Bytes before the batch length is known: `baseOffset` (8) and
/// `batchLength` (4). A batch occupies `LOG_OVERHEAD + batchLength` bytes.
pub const LOG_OVERHEAD: usize = 12;

/// Bytes up to and including the magic byte.
pub(crate) const HEADER_SIZE_UP_TO_MAGIC: usize = 17;

/// The smallest legal `batchLength`: a header with no records.
pub const MIN_BATCH_LENGTH: i32 = (BATCH_HEADER_SIZE - LOG_OVERHEAD) as i32;

/// `producerId` of a producer that is neither idempotent nor transactional.
pub const NO_PRODUCER_ID: i64 = -1;
/// `producerEpoch` when there is no producer id.
pub const NO_PRODUCER_EPOCH: i16 = -1;
/// `baseSequence` when there is no producer id.
pub const NO_SEQUENCE: i32 = -1;
/// `partitionLeaderEpoch` as a producer writes it.
pub const NO_PARTITION_LEADER_EPOCH: i32 = -1;
/// A timestamp that is not set (the timestamps of an empty batch).
pub const NO_TIMESTAMP: i64 = -1;

// Field offsets from the start of the batch (record-batch-v2.md §3).
pub(crate) const BASE_OFFSET_OFFSET: usize = 0;
pub(crate) const LENGTH_OFFSET: usize = 8;
pub(crate) const PARTITION_LEADER_EPOCH_OFFSET: usize = 12;
pub(crate) const MAGIC_OFFSET: usize = 16;
pub(crate) const CRC_OFFSET: usize = 17;
pub(crate) const ATTRIBUTES_OFFSET: usize = 21;
pub(crate) const LAST_OFFSET_DELTA_OFFSET: usize = 23;
pub(crate) const BASE_TIMESTAMP_OFFSET: usize = 27;
pub(crate) const MAX_TIMESTAMP_OFFSET: usize = 35;
pub(crate) const PRODUCER_ID_OFFSET: usize = 43;
pub(crate) const PRODUCER_EPOCH_OFFSET: usize = 51;
pub(crate) const BASE_SEQUENCE_OFFSET: usize = 53;
pub(crate) const RECORDS_COUNT_OFFSET: usize = 57;

/// Attribute bits 0-2: the compression codec id.
pub const ATTR_COMPRESSION_MASK: i16 = 0x07;
/// Attribute bit 3: the timestamps are LogAppendTime.
pub const ATTR_LOG_APPEND_TIME: i16 = 0x08;
/// Attribute bit 4: the batch belongs to a transaction.
pub const ATTR_TRANSACTIONAL: i16 = 0x10;
/// Attribute bit 5: the batch holds a control record (transaction marker).
pub const ATTR_CONTROL: i16 = 0x20;
/// Attribute bit 6: `baseTimestamp` holds the compaction delete horizon.
pub const ATTR_DELETE_HORIZON: i16 = 0x40;

/// What a batch's timestamps mean (attribute bit 3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TimestampType {
    /// Set by the producer when the record was created (bit clear).
    CreateTime,
    /// Set by the broker when it appended the batch (bit set); every
    /// record then has the batch's `maxTimestamp`.
    LogAppendTime,
}

/// The idempotence and transaction fields of a batch header, which a
/// producer fixes only when it sends (or re-sends) the batch.
///
/// [`ProducerFields::NONE`] is what a producer that is neither idempotent
/// nor transactional writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ProducerFields {
    /// The producer id, or [`NO_PRODUCER_ID`].
    pub producer_id: i64,
    /// The producer epoch, or [`NO_PRODUCER_EPOCH`].
    pub producer_epoch: i16,
    /// The sequence number of the batch's first record, or [`NO_SEQUENCE`].
    pub base_sequence: i32,
    /// Whether the batch is part of a transaction (attribute bit 4).
    pub transactional: bool,
}

impl ProducerFields {
    /// No producer id: the fields of a plain (non-idempotent) producer.
    pub const NONE: ProducerFields = ProducerFields {
        producer_id: NO_PRODUCER_ID,
        producer_epoch: NO_PRODUCER_EPOCH,
        base_sequence: NO_SEQUENCE,
        transactional: false,
    };

    /// The fields of an idempotent, non-transactional producer.
    pub fn idempotent(producer_id: i64, producer_epoch: i16, base_sequence: i32) -> Self {
        Self {
            producer_id,
            producer_epoch,
            base_sequence,
            transactional: false,
        }
    }
}

impl Default for ProducerFields {
    fn default() -> Self {
        Self::NONE
    }
}

/// A decoded 61-byte batch header, exactly as on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BatchHeader {
    /// Offset of the first record (0 from a producer; the broker assigns it).
    pub base_offset: i64,
    /// Bytes after the `batchLength` field: the batch size minus 12.
    pub batch_length: i32,
    /// The leader epoch the broker stamped in (-1 from a producer).
    pub partition_leader_epoch: i32,
    /// The format version; always [`MAGIC`] once decoded.
    pub magic: i8,
    /// The CRC-32C stored in the header.
    pub crc: u32,
    /// The raw attribute bits (see the `ATTR_*` constants).
    pub attributes: i16,
    /// `offsetDelta` of the last record.
    pub last_offset_delta: i32,
    /// Timestamp of the first record (or the delete horizon, see
    /// [`BatchHeader::has_delete_horizon`]).
    pub base_timestamp: i64,
    /// Largest record timestamp, or the append time for LogAppendTime.
    pub max_timestamp: i64,
    /// Producer id, or [`NO_PRODUCER_ID`].
    pub producer_id: i64,
    /// Producer epoch, or [`NO_PRODUCER_EPOCH`].
    pub producer_epoch: i16,
    /// Sequence of the first record, or [`NO_SEQUENCE`].
    pub base_sequence: i32,
    /// Number of records the batch declares.
    pub records_count: i32,
}

impl BatchHeader {
    /// Decodes the header at the start of `batch`, checking only the magic
    /// and the batch length (not the CRC, codec or records count).
    pub(crate) fn parse(batch: &Bytes) -> Result<Self, RecordError> {
        let mut r = Reader::new(batch.slice(..BATCH_HEADER_SIZE.min(batch.len())));
        let what = "record batch header";
        let base_offset = r.i64(what)?;
        let batch_length = r.i32(what)?;
        let partition_leader_epoch = r.i32(what)?;
        let magic = r.i8(what)?;
        if magic != MAGIC {
            return Err(RecordError::UnsupportedMagic { magic });
        }
        if batch_length < MIN_BATCH_LENGTH {
            return Err(RecordError::InvalidBatchLength {
                length: batch_length,
            });
        }
        let crc = r.u32(what)?;
        let attributes = r.i16(what)?;
        let header = BatchHeader {
            base_offset,
            batch_length,
            partition_leader_epoch,
            magic,
            crc,
            attributes,
            last_offset_delta: r.i32(what)?,
            base_timestamp: r.i64(what)?,
            max_timestamp: r.i64(what)?,
            producer_id: r.i64(what)?,
            producer_epoch: r.i16(what)?,
            base_sequence: r.i32(what)?,
            records_count: r.i32(what)?,
        };
        Ok(header)
    }

    /// Checks the fields whose meaning the reader relies on: a known codec
    /// id and a non-negative records count. Run after the CRC check, so a
    /// flipped bit shows up as a CRC mismatch first.
    pub(crate) fn validate(&self) -> Result<(), RecordError> {
        if self.records_count < 0 {
            return Err(DecodeError::InvalidLength {
                what: "record batch records count",
                len: i64::from(self.records_count),
                remaining: self.size().saturating_sub(BATCH_HEADER_SIZE),
            }
            .into());
        }
        self.compression()?;
        Ok(())
    }

    /// Total size of the batch in bytes (`12 + batchLength`).
    pub fn size(&self) -> usize {
        LOG_OVERHEAD + self.batch_length.max(0) as usize
    }

    /// The compression codec named by attribute bits 0-2.
    pub fn compression(&self) -> Result<CompressionType, RecordError> {
        let id = (self.attributes & ATTR_COMPRESSION_MASK) as u8;
        CompressionType::from_id(id).ok_or(RecordError::UnknownCompression { id })
    }

    /// CreateTime or LogAppendTime (attribute bit 3).
    pub fn timestamp_type(&self) -> TimestampType {
        if self.attributes & ATTR_LOG_APPEND_TIME != 0 {
            TimestampType::LogAppendTime
        } else {
            TimestampType::CreateTime
        }
    }

    /// Attribute bit 4.
    pub fn is_transactional(&self) -> bool {
        self.attributes & ATTR_TRANSACTIONAL != 0
    }

    /// Attribute bit 5.
    pub fn is_control(&self) -> bool {
        self.attributes & ATTR_CONTROL != 0
    }

    /// Attribute bit 6: `base_timestamp` holds the delete horizon.
    pub fn has_delete_horizon(&self) -> bool {
        self.attributes & ATTR_DELETE_HORIZON != 0
    }

    /// The producer fields of the header.
    pub fn producer_fields(&self) -> ProducerFields {
        ProducerFields {
            producer_id: self.producer_id,
            producer_epoch: self.producer_epoch,
            base_sequence: self.base_sequence,
            transactional: self.is_transactional(),
        }
    }

    /// Offset of the batch's last record: `base_offset + last_offset_delta`.
    pub fn last_offset(&self) -> i64 {
        self.base_offset
            .wrapping_add(i64::from(self.last_offset_delta))
    }

    /// Where a fetch continues after this batch: `last_offset() + 1`
    /// (record-batch-v2.md §6).
    pub fn next_offset(&self) -> i64 {
        self.last_offset().wrapping_add(1)
    }

    /// Sequence of the last record, or [`NO_SEQUENCE`] when the batch has
    /// no producer sequence.
    pub fn last_sequence(&self) -> i32 {
        record_sequence(self.base_sequence, self.last_offset_delta)
    }
}

/// The sequence of the record at `offset_delta` in a batch whose first
/// sequence is `base_sequence`: [`NO_SEQUENCE`] when the base is negative,
/// otherwise the sum wrapping from `i32::MAX` to 0 as the Java client's
/// `DefaultRecordBatch.incrementSequence` does.
pub fn record_sequence(base_sequence: i32, offset_delta: i32) -> i32 {
    if base_sequence < 0 {
        return NO_SEQUENCE;
    }
    let (seq, inc) = (i64::from(base_sequence), i64::from(offset_delta));
    let max = i64::from(i32::MAX);
    let next = if seq > max - inc {
        inc - (max - seq) - 1
    } else {
        seq + inc
    };
    next as i32
}

/// The attributes of a batch at least 23 bytes long.
fn attributes(batch: &[u8]) -> i16 {
    i16::from_be_bytes([batch[ATTRIBUTES_OFFSET], batch[ATTRIBUTES_OFFSET + 1]])
}

/// True when a finished batch's records are compressed: its attributes
/// name a codec other than `none`. Input too short to hold the
/// attributes reads as uncompressed.
pub fn is_compressed(batch: &[u8]) -> bool {
    batch.len() > ATTRIBUTES_OFFSET + 1 && attributes(batch) & ATTR_COMPRESSION_MASK != 0
}

/// The CRC-32C a batch should carry: over its bytes from the attributes
/// (offset 21) to the end. `batch` must be at least 21 bytes long.
pub fn compute_crc(batch: &[u8]) -> u32 {
    crc32c::crc32c(batch.get(ATTRIBUTES_OFFSET..).unwrap_or_default())
}

/// Checks that `batch` is exactly one magic-2 batch: at least 61 bytes,
/// magic 2, and a `batchLength` that matches its length.
fn check_whole_batch(batch: &[u8]) -> Result<(), RecordError> {
    if batch.len() < BATCH_HEADER_SIZE {
        return Err(DecodeError::Truncated {
            what: "record batch",
            needed: BATCH_HEADER_SIZE,
            remaining: batch.len(),
        }
        .into());
    }
    let magic = batch[MAGIC_OFFSET] as i8;
    if magic != MAGIC {
        return Err(RecordError::UnsupportedMagic { magic });
    }
    let length = get_i32(batch, LENGTH_OFFSET);
    if length < MIN_BATCH_LENGTH || LOG_OVERHEAD + length as usize != batch.len() {
        return Err(RecordError::BatchSizeMismatch {
            declared: i64::from(length) + LOG_OVERHEAD as i64,
            actual: batch.len(),
        });
    }
    Ok(())
}

pub(crate) fn get_i32(buf: &[u8], at: usize) -> i32 {
    i32::from_be_bytes([buf[at], buf[at + 1], buf[at + 2], buf[at + 3]])
}

pub(crate) fn put_at(buf: &mut [u8], at: usize, bytes: &[u8]) {
    buf[at..at + bytes.len()].copy_from_slice(bytes);
}

/// Rewrites bytes 21..61 (the CRC-covered part of the header) with
/// `edit`, then updates the CRC incrementally.
///
/// CRC-32C is linear: for two covered regions that differ only in their
/// first 40 bytes, `crc(new) = crc(old) ^ shift(crc(h_old) ^ crc(h_new))`,
/// where `shift` appends as many zero bytes as the rest of the batch has
/// (`crc32c_combine` with an all-zero second CRC). The update therefore
/// costs O(log n) instead of a pass over the records, and, unlike a full
/// recomputation, it keeps a batch whose stored CRC was already wrong
/// wrong, so a rewrite never hides corruption.
fn rewrite_covered_header(batch: &mut [u8], edit: impl FnOnce(&mut [u8])) {
    let old_crc = u32::from_be_bytes([
        batch[CRC_OFFSET],
        batch[CRC_OFFSET + 1],
        batch[CRC_OFFSET + 2],
        batch[CRC_OFFSET + 3],
    ]);
    let before = crc32c::crc32c(&batch[ATTRIBUTES_OFFSET..BATCH_HEADER_SIZE]);
    edit(batch);
    let after = crc32c::crc32c(&batch[ATTRIBUTES_OFFSET..BATCH_HEADER_SIZE]);
    let tail_len = batch.len() - BATCH_HEADER_SIZE;
    let new_crc = old_crc ^ crc32c::crc32c_combine(before ^ after, 0, tail_len);
    put_at(batch, CRC_OFFSET, &new_crc.to_be_bytes());
}

/// Rewrites the producer id, producer epoch, base sequence and
/// transactional bit of a finished batch in place and updates its CRC,
/// without touching (or re-compressing) the records.
///
/// An idempotent producer calls this when it drains a batch (to assign
/// the sequence) and again before a retry under a bumped epoch. `batch`
/// must be exactly one magic-2 batch. The CRC is updated incrementally
/// (see the module notes): a batch that was valid stays valid, and one
/// whose CRC was already wrong stays detectably wrong.
pub fn set_producer_fields(batch: &mut [u8], fields: &ProducerFields) -> Result<(), RecordError> {
    check_whole_batch(batch)?;
    rewrite_covered_header(batch, |b| {
        let mut attributes = attributes(b);
        if fields.transactional {
            attributes |= ATTR_TRANSACTIONAL;
        } else {
            attributes &= !ATTR_TRANSACTIONAL;
        }
        put_at(b, ATTRIBUTES_OFFSET, &attributes.to_be_bytes());
        put_at(b, PRODUCER_ID_OFFSET, &fields.producer_id.to_be_bytes());
        put_at(
            b,
            PRODUCER_EPOCH_OFFSET,
            &fields.producer_epoch.to_be_bytes(),
        );
        put_at(b, BASE_SEQUENCE_OFFSET, &fields.base_sequence.to_be_bytes());
    });
    Ok(())
}

/// Marks a finished batch as LogAppendTime with the broker's append time
/// `timestamp` (attribute bit 3 and `maxTimestamp`) and updates the CRC,
/// as a broker does for a topic with `message.timestamp.type=LogAppendTime`.
pub fn set_log_append_time(batch: &mut [u8], timestamp: i64) -> Result<(), RecordError> {
    check_whole_batch(batch)?;
    rewrite_covered_header(batch, |b| {
        let attributes = attributes(b) | ATTR_LOG_APPEND_TIME;
        put_at(b, ATTRIBUTES_OFFSET, &attributes.to_be_bytes());
        put_at(b, MAX_TIMESTAMP_OFFSET, &timestamp.to_be_bytes());
    });
    Ok(())
}

/// Sets the base offset of a finished batch in place, as a broker does
/// when it appends the batch. The base offset is outside the CRC.
pub fn set_base_offset(batch: &mut [u8], base_offset: i64) -> Result<(), RecordError> {
    check_whole_batch(batch)?;
    put_at(batch, BASE_OFFSET_OFFSET, &base_offset.to_be_bytes());
    Ok(())
}

/// Sets the partition leader epoch of a finished batch in place, as the
/// leader does when it appends the batch. The field is outside the CRC.
pub fn set_partition_leader_epoch(batch: &mut [u8], epoch: i32) -> Result<(), RecordError> {
    check_whole_batch(batch)?;
    put_at(batch, PARTITION_LEADER_EPOCH_OFFSET, &epoch.to_be_bytes());
    Ok(())
}

/// Writes every header field of `h` except the CRC into the first 61
/// bytes of `batch`.
pub(crate) fn write_header_fields(batch: &mut [u8], h: &BatchHeader) {
    put_at(batch, BASE_OFFSET_OFFSET, &h.base_offset.to_be_bytes());
    put_at(batch, LENGTH_OFFSET, &h.batch_length.to_be_bytes());
    put_at(
        batch,
        PARTITION_LEADER_EPOCH_OFFSET,
        &h.partition_leader_epoch.to_be_bytes(),
    );
    batch[MAGIC_OFFSET] = h.magic as u8;
    put_at(batch, ATTRIBUTES_OFFSET, &h.attributes.to_be_bytes());
    put_at(
        batch,
        LAST_OFFSET_DELTA_OFFSET,
        &h.last_offset_delta.to_be_bytes(),
    );
    put_at(
        batch,
        BASE_TIMESTAMP_OFFSET,
        &h.base_timestamp.to_be_bytes(),
    );
    put_at(batch, MAX_TIMESTAMP_OFFSET, &h.max_timestamp.to_be_bytes());
    put_at(batch, PRODUCER_ID_OFFSET, &h.producer_id.to_be_bytes());
    put_at(
        batch,
        PRODUCER_EPOCH_OFFSET,
        &h.producer_epoch.to_be_bytes(),
    );
    put_at(batch, BASE_SEQUENCE_OFFSET, &h.base_sequence.to_be_bytes());
    put_at(batch, RECORDS_COUNT_OFFSET, &h.records_count.to_be_bytes());
}

/// Computes and stores the CRC of a batch whose other bytes are final.
pub(crate) fn seal_crc(batch: &mut [u8]) -> u32 {
    let crc = compute_crc(batch);
    put_at(batch, CRC_OFFSET, &crc.to_be_bytes());
    crc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32c_golden_vector() {
        assert_eq!(crc32c::crc32c(b"Some String"), 608_512_271);
    }

    #[test]
    fn sequence_wraps_like_java() {
        assert_eq!(record_sequence(-1, 5), NO_SEQUENCE);
        assert_eq!(record_sequence(10, 5), 15);
        assert_eq!(record_sequence(i32::MAX, 1), 0);
        assert_eq!(record_sequence(i32::MAX - 1, 3), 1);
        assert_eq!(record_sequence(i32::MAX, 0), i32::MAX);
    }

    #[test]
    fn incremental_crc_matches_full_recompute() {
        let mut batch = vec![0u8; 200];
        for (i, b) in batch.iter_mut().enumerate() {
            *b = (i * 31 + 7) as u8;
        }
        batch[MAGIC_OFFSET] = MAGIC as u8;
        put_at(&mut batch, LENGTH_OFFSET, &(200 - 12i32).to_be_bytes());
        seal_crc(&mut batch);
        set_producer_fields(&mut batch, &ProducerFields::idempotent(77, 3, 1000)).unwrap();
        assert_eq!(
            u32::from_be_bytes(batch[CRC_OFFSET..CRC_OFFSET + 4].try_into().unwrap()),
            compute_crc(&batch)
        );
        set_log_append_time(&mut batch, 1234).unwrap();
        assert_eq!(
            u32::from_be_bytes(batch[CRC_OFFSET..CRC_OFFSET + 4].try_into().unwrap()),
            compute_crc(&batch)
        );
    }
}
