//! Writing record batches: [`BatchBuilder`] appends records (uncompressed)
//! into a buffer it owns, then [`BatchBuilder::finish`] writes the whole
//! batch, compressed and with its CRC, into the caller's buffer, or
//! [`BatchBuilder::into_batch`] turns the builder itself into the batch.

use bytes::{BufMut, BytesMut};

use super::RecordError;
use super::compression::{self, Compression, CompressionType};
use super::header::{
    self, BATCH_HEADER_SIZE, BatchHeader, LOG_OVERHEAD, MAGIC, NO_PARTITION_LEADER_EPOCH,
    NO_TIMESTAMP, ProducerFields,
};
use crate::protocol::wire::{put_varint, put_varlong, varint_len, varlong_len};

/// The largest `batchLength` (an int32), so the largest batch is this plus 12.
const MAX_BATCH_LENGTH: usize = i32::MAX as usize;

/// A record header as [`BatchBuilder::append`] takes it: a UTF-8 key and
/// a nullable value.
pub type HeaderRef<'a> = (&'a str, Option<&'a [u8]>);

/// No record headers, for [`BatchBuilder::append`].
pub const NO_HEADERS: [HeaderRef<'static>; 0] = [];

/// Builds one magic-2 record batch.
///
/// Records are encoded as they are appended, straight into a buffer the
/// builder owns, behind room left for the 61-byte batch header:
/// appending a record copies its bytes once and allocates nothing beyond
/// (amortised) growth of that buffer, and an uncompressed batch is
/// finished in place by [`BatchBuilder::into_batch`], without a copy. [`BatchBuilder::clear`]
/// empties the builder and keeps the buffer for the next batch.
///
/// A batch whose records the codec does not make smaller by more than
/// 1/64 ([`pays_off`](super::compression::pays_off)) is written
/// uncompressed (codec `none` in its attributes), as librdkafka and
/// franz-go send a batch that does not shrink: it is larger by at most
/// 1/64 plus 2 bytes, and the broker, which decompresses every compressed
/// batch to validate it, and every consumer then read it without a
/// decompression pass.
///
/// The codec is fixed when the builder is made, because it drives
/// [`BatchBuilder::estimated_size`]. The producer fields (id, epoch, base
/// sequence, transactional) are given to [`BatchBuilder::finish`], and can
/// be rewritten later without re-compressing with
/// [`set_producer_fields`](super::set_producer_fields).
///
/// Following the Java producer, offset deltas are 0, 1, 2, ... in append
/// order, `baseTimestamp` is the first record's timestamp, `maxTimestamp`
/// the largest, and the timestamp type is CreateTime.
#[derive(Clone, Debug)]
pub struct BatchBuilder {
    compression: Compression,
    /// Room for the batch header (its contents are meaningless until the
    /// batch is finished), then the encoded records.
    records: BytesMut,
    count: i32,
    base_timestamp: i64,
    max_timestamp: i64,
    /// The ratio estimate in fixed point, units of 2^-32: integer
    /// arithmetic for [`BatchBuilder::estimated_size`], which runs twice
    /// per appended record (converting to and from `f64` there took about
    /// 3 % of the producer's samples in a profile of 100-byte lz4 records).
    ratio_estimate: u64,
}

/// 1.0 in [`BatchBuilder`]'s fixed-point ratio.
const RATIO_ONE: u64 = 1 << 32;

impl BatchBuilder {
    /// An empty builder for batches compressed with `compression`. Fails if
    /// the codec is not compiled in or its level is out of range.
    pub fn new(compression: Compression) -> Result<Self, RecordError> {
        Self::with_capacity(compression, 0)
    }

    /// Like [`BatchBuilder::new`], with room for `capacity` bytes of
    /// encoded records before the buffer grows.
    pub fn with_capacity(compression: Compression, capacity: usize) -> Result<Self, RecordError> {
        Self::with_buffer(
            compression,
            BytesMut::with_capacity(BATCH_HEADER_SIZE + capacity),
        )
    }

    /// Like [`BatchBuilder::new`], building in `buffer` (emptied first),
    /// whose allocation a finished batch can hand back: see
    /// [`BatchBuilder::into_batch_with`].
    pub fn with_buffer(compression: Compression, buffer: BytesMut) -> Result<Self, RecordError> {
        compression.validate()?;
        let mut records = buffer;
        records.clear();
        records.put_bytes(0, BATCH_HEADER_SIZE);
        Ok(Self {
            compression,
            records,
            count: 0,
            base_timestamp: NO_TIMESTAMP,
            max_timestamp: NO_TIMESTAMP,
            ratio_estimate: RATIO_ONE,
        })
    }

    /// The codec the batch will be compressed with.
    pub fn compression(&self) -> Compression {
        self.compression
    }

    /// Number of records appended.
    pub fn len(&self) -> usize {
        self.count as usize
    }

    /// True when no record has been appended.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The first record's timestamp, if any.
    pub fn base_timestamp(&self) -> Option<i64> {
        (!self.is_empty()).then_some(self.base_timestamp)
    }

    /// The largest record timestamp, if any.
    pub fn max_timestamp(&self) -> Option<i64> {
        (!self.is_empty()).then_some(self.max_timestamp)
    }

    /// Exact size of the batch if it were finished uncompressed: the
    /// 61-byte header plus the encoded records.
    pub fn uncompressed_size(&self) -> usize {
        self.records.len()
    }

    /// The encoded (uncompressed) records so far.
    pub fn records_bytes(&self) -> &[u8] {
        &self.records[BATCH_HEADER_SIZE..]
    }

    /// Sets the ratio (compressed / uncompressed) that
    /// [`BatchBuilder::estimated_size`] assumes for a compressed batch.
    /// It starts at 1.0, the Java client's initial estimate, which never
    /// under-estimates for compressible data. A producer can feed back the
    /// ratios of batches it finished, as the Java client does per topic.
    /// Values that are not finite and positive are ignored. The ratio is
    /// kept to 2^-32, rounded up (exact for ratios of 2^-8 and more), and
    /// at most 2^32.
    pub fn set_compression_ratio_estimate(&mut self, ratio: f32) {
        if ratio.is_finite() && ratio > 0.0 {
            // `as` saturates: the cap is u64::MAX units, just under 2^32.
            self.ratio_estimate = (f64::from(ratio) * RATIO_ONE as f64).ceil() as u64;
        }
    }

    /// The size the finished batch is expected to have, for deciding when
    /// a batch is full against `batch.size`. Exact without compression;
    /// with compression, the header plus the records scaled by the ratio
    /// estimate (see [`BatchBuilder::set_compression_ratio_estimate`]).
    pub fn estimated_size(&self) -> usize {
        if self.compression == Compression::None {
            return self.uncompressed_size();
        }
        let records = self.records_bytes().len() as u128;
        // Rounded up; a 64 x 64-bit product cannot overflow 128 bits.
        let scaled = (records * u128::from(self.ratio_estimate)).div_ceil(u128::from(RATIO_ONE));
        BATCH_HEADER_SIZE.saturating_add(usize::try_from(scaled).unwrap_or(usize::MAX))
    }

    /// Room for a compressed batch: the estimate, plus what a codec adds
    /// to data it cannot shrink (lz4 stores such blocks as they are, with
    /// 4 bytes per 64 KiB block and a frame header and end mark), plus the
    /// room the codec works in. Without the margin, random data outgrew
    /// the estimate by a few bytes, and the whole compressed batch was
    /// copied into a buffer twice the size.
    fn output_capacity(&self) -> usize {
        let estimate = self.estimated_size();
        estimate + estimate / 128 + 64 + compression::working_room(&self.compression, estimate)
    }

    /// Exact number of bytes [`BatchBuilder::append`] would add to
    /// [`BatchBuilder::uncompressed_size`] for this record (its length
    /// varint plus its body). Fails like `append` for a record that cannot
    /// be encoded.
    pub fn record_size<'h, H>(
        &self,
        timestamp: i64,
        key: Option<&[u8]>,
        value: Option<&[u8]>,
        headers: H,
    ) -> Result<usize, RecordError>
    where
        H: IntoIterator<Item = HeaderRef<'h>>,
    {
        let (body, _) = self.body_size(timestamp, key, value, headers)?;
        Ok(varint_len(body as i32) + body)
    }

    fn timestamp_delta(&self, timestamp: i64) -> i64 {
        if self.is_empty() {
            0
        } else {
            timestamp.wrapping_sub(self.base_timestamp)
        }
    }

    /// Size of a record body (everything after its length varint) and its
    /// number of headers.
    fn body_size<'h, H>(
        &self,
        timestamp: i64,
        key: Option<&[u8]>,
        value: Option<&[u8]>,
        headers: H,
    ) -> Result<(usize, i32), RecordError>
    where
        H: IntoIterator<Item = HeaderRef<'h>>,
    {
        fn field(what: &'static str, b: Option<&[u8]>) -> Result<u64, RecordError> {
            match b {
                None => Ok(varint_len(-1) as u64),
                Some(b) => Ok((varint_len(len_i32(what, b.len())?) + b.len()) as u64),
            }
        }
        let mut size = 1 // attributes
            + varlong_len(self.timestamp_delta(timestamp)) as u64
            + varint_len(self.count) as u64
            + field("record key", key)?
            + field("record value", value)?;
        let mut n_headers = 0usize;
        for (k, v) in headers {
            n_headers += 1;
            size += field("record header key", Some(k.as_bytes()))?;
            size += field("record header value", v)?;
        }
        let n_headers = len_i32("record header count", n_headers)?;
        size += varint_len(n_headers) as u64;
        let size = usize::try_from(size).unwrap_or(usize::MAX);
        len_i32("record", size)?;
        Ok((size, n_headers))
    }

    /// Appends one record. `headers` yields `(key, value)` pairs and is
    /// walked twice (once to size the record, once to write it), hence the
    /// `Clone` bound; pass [`NO_HEADERS`], an array, or
    /// `slice.iter().copied()`.
    ///
    /// Fails, leaving the builder unchanged, if a length does not fit the
    /// format (key, value, header or record over `i32::MAX` bytes), if the
    /// batch would exceed `i32::MAX` bytes, or if it already holds
    /// `i32::MAX` records.
    pub fn append<'h, H>(
        &mut self,
        timestamp: i64,
        key: Option<&[u8]>,
        value: Option<&[u8]>,
        headers: H,
    ) -> Result<(), RecordError>
    where
        H: IntoIterator<Item = HeaderRef<'h>>,
        H::IntoIter: Clone,
    {
        if self.count == i32::MAX {
            return Err(RecordError::TooManyRecords);
        }
        let headers = headers.into_iter();
        let (body, n_headers) = self.body_size(timestamp, key, value, headers.clone())?;
        let total = varint_len(body as i32) + body;
        let new_len = self.uncompressed_size() + total - LOG_OVERHEAD;
        if new_len > MAX_BATCH_LENGTH {
            return Err(RecordError::TooLarge {
                what: "record batch",
                len: new_len + LOG_OVERHEAD,
                limit: MAX_BATCH_LENGTH + LOG_OVERHEAD,
            });
        }
        let delta = self.timestamp_delta(timestamp);
        // The size is known: reserve once, so each (inlined) varint byte
        // below is a store behind a capacity check that always passes.
        let r = &mut self.records;
        r.reserve(total);
        put_varint(r, body as i32);
        r.put_i8(0); // attributes
        put_varlong(r, delta);
        put_varint(r, self.count);
        put_nullable(r, key);
        put_nullable(r, value);
        put_varint(r, n_headers);
        for (k, v) in headers {
            put_nullable(r, Some(k.as_bytes()));
            put_nullable(r, v);
        }
        if self.count == 0 {
            self.base_timestamp = timestamp;
            self.max_timestamp = timestamp;
        } else {
            self.max_timestamp = self.max_timestamp.max(timestamp);
        }
        self.count += 1;
        Ok(())
    }

    /// Writes the finished batch to the end of `out`: the 61-byte header
    /// (base offset 0, partition leader epoch -1, magic 2, CreateTime, the
    /// given producer fields), the records compressed with the builder's
    /// codec (or uncompressed when that does not pay; see
    /// [`BatchBuilder`]), and the CRC-32C over attributes..end.
    /// Returns the batch size.
    ///
    /// The builder is left as it was (call [`BatchBuilder::clear`] to reuse
    /// it for the next batch). On error nothing is appended to `out`.
    pub fn finish(
        &self,
        producer: &ProducerFields,
        out: &mut BytesMut,
    ) -> Result<usize, RecordError> {
        let start = out.len();
        let result = self.write_batch(producer, out, start);
        if result.is_err() {
            out.truncate(start);
        }
        result
    }

    /// The finished batch, made of the builder itself: uncompressed (no
    /// codec, or one that does not pay), the header
    /// is written into the room kept for it at the front of the builder's
    /// buffer, so the records are not copied; a compressed batch is
    /// written to a new buffer as by [`BatchBuilder::finish`]. The bytes
    /// equal what `finish` writes.
    pub fn into_batch(self, producer: &ProducerFields) -> Result<BytesMut, RecordError> {
        let (batch, _) = self.into_batch_with(producer, BytesMut::with_capacity)?;
        Ok(batch)
    }

    /// [`BatchBuilder::into_batch`], with the buffer for a compressed
    /// batch from `buffer` (called with the room wanted), and the buffer
    /// that is not the batch handed back, emptied, to build the next batch
    /// in: the builder's own when the batch is compressed, the one from
    /// `buffer` when compressing did not pay.
    pub fn into_batch_with(
        self,
        producer: &ProducerFields,
        buffer: impl FnOnce(usize) -> BytesMut,
    ) -> Result<(BytesMut, Option<BytesMut>), RecordError> {
        let codec = self.compression.codec();
        let mut spare = None;
        if codec != CompressionType::None {
            let mut out = buffer(self.output_capacity());
            out.clear();
            if self.put_compressed(&mut out)? {
                self.seal(producer, &mut out, codec)?;
                return Ok((out, Some(self.into_buffer())));
            }
            spare = Some(out);
        }
        Ok((self.into_uncompressed_batch(producer)?, spare))
    }

    /// The finished batch without its codec (`none` in its attributes),
    /// made of the builder itself as [`BatchBuilder::into_batch`] makes an
    /// uncompressed batch: for a caller that has learned these records do
    /// not compress, and skips the try.
    pub fn into_uncompressed_batch(
        mut self,
        producer: &ProducerFields,
    ) -> Result<BytesMut, RecordError> {
        let mut batch = std::mem::take(&mut self.records);
        self.seal(producer, &mut batch, CompressionType::None)?;
        Ok(batch)
    }

    fn write_batch(
        &self,
        producer: &ProducerFields,
        out: &mut BytesMut,
        start: usize,
    ) -> Result<usize, RecordError> {
        let codec = self.compression.codec();
        let codec = if codec != CompressionType::None && self.put_compressed(out)? {
            codec
        } else {
            // The header room is overwritten by `seal`.
            out.extend_from_slice(&self.records);
            CompressionType::None
        };
        self.seal(producer, &mut out[start..], codec)
    }

    /// Appends the header room and the records compressed with the
    /// builder's codec to `out` and returns true, or, when compressing
    /// does not pay, leaves `out` as it was and returns false: the batch
    /// is then written uncompressed.
    fn put_compressed(&self, out: &mut BytesMut) -> Result<bool, RecordError> {
        let start = out.len();
        out.reserve(self.output_capacity());
        out.put_bytes(0, BATCH_HEADER_SIZE);
        compression::compress(&self.compression, self.records_bytes(), out)?;
        let pays = compression::pays_off(out.len() - start, self.records.len());
        if !pays {
            out.truncate(start);
        }
        Ok(pays)
    }

    /// Writes the header of `batch` (the header room followed by the
    /// records, compressed with `codec` or not) and its CRC. Returns the
    /// batch size.
    fn seal(
        &self,
        producer: &ProducerFields,
        batch: &mut [u8],
        codec: CompressionType,
    ) -> Result<usize, RecordError> {
        let size = batch.len();
        if size - LOG_OVERHEAD > MAX_BATCH_LENGTH {
            return Err(RecordError::TooLarge {
                what: "record batch",
                len: size,
                limit: MAX_BATCH_LENGTH + LOG_OVERHEAD,
            });
        }
        let mut attributes = i16::from(codec.id());
        if producer.transactional {
            attributes |= header::ATTR_TRANSACTIONAL;
        }
        let h = BatchHeader {
            base_offset: 0,
            batch_length: (size - LOG_OVERHEAD) as i32,
            partition_leader_epoch: NO_PARTITION_LEADER_EPOCH,
            magic: MAGIC,
            crc: 0,
            attributes,
            last_offset_delta: self.count - 1,
            base_timestamp: self.base_timestamp,
            max_timestamp: self.max_timestamp,
            producer_id: producer.producer_id,
            producer_epoch: producer.producer_epoch,
            base_sequence: producer.base_sequence,
            records_count: self.count,
        };
        header::write_header_fields(batch, &h);
        header::seal_crc(batch);
        Ok(size)
    }

    /// The builder's buffer, emptied, to build another batch in.
    pub fn into_buffer(mut self) -> BytesMut {
        let mut buffer = std::mem::take(&mut self.records);
        buffer.clear();
        buffer
    }

    /// Removes every record, keeping the buffer and the codec.
    pub fn clear(&mut self) {
        self.records.truncate(BATCH_HEADER_SIZE);
        self.count = 0;
        self.base_timestamp = NO_TIMESTAMP;
        self.max_timestamp = NO_TIMESTAMP;
    }
}

fn len_i32(what: &'static str, len: usize) -> Result<i32, RecordError> {
    i32::try_from(len).map_err(|_| RecordError::TooLarge {
        what,
        len,
        limit: i32::MAX as usize,
    })
}

/// Writes a varint length (-1 for null) and the bytes.
#[inline]
fn put_nullable(buf: &mut impl BufMut, b: Option<&[u8]>) {
    match b {
        None => put_varint(buf, -1),
        Some(b) => {
            put_varint(buf, b.len() as i32);
            buf.put_slice(b);
        }
    }
}
