//! One producer batch: records for one partition, built while open, encoded
//! once when first sent, re-stamped (never rebuilt) for retries.

use std::time::Instant;

use bytes::{Bytes, BytesMut};

use crate::record::{
    BatchBuilder, Compression, CompressionType, HeaderRef, ProducerFields, RawBatch, RecordError,
    is_compressed, set_producer_fields,
};

use super::compression_gate::CompressionGate;
use super::metadata::TopicIdx;
use super::pool::BufferPool;
use super::record::RecordId;

/// What the producer remembers of each record in a batch, for its report.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RecordMeta {
    pub id: RecordId,
    /// Create time (Unix ms).
    pub timestamp: i64,
    /// Bytes counted against `buffer.memory` for this record.
    pub accounted: usize,
}

/// Where a batch sits in its partition's send order: creation order, then
/// the path of splits that made it (left-aligned bits: a first half keeps
/// its parent's path, a second half sets the next bit), so halves sort
/// between their parent's neighbours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct SendOrder {
    pub created: u64,
    pub split_path: u64,
    pub split_depth: u8,
}

/// A batch for one partition.
#[derive(Debug)]
pub(crate) struct ProducerBatch {
    pub order: SendOrder,
    pub topic: TopicIdx,
    pub partition: i32,
    builder: Option<BatchBuilder>,
    /// The encoded batch and the producer fields stamped in it.
    encoded: Option<(Bytes, ProducerFields)>,
    pub records: Vec<RecordMeta>,
    pub created: Instant,
    /// No more records may join (it is full, or a newer batch exists).
    pub sealed: bool,
    /// Times the batch has been sent.
    pub attempts: u32,
    /// A retry waits until then.
    pub retry_at: Option<Instant>,
    /// `(producer id, epoch, base sequence)` once assigned (idempotence).
    pub sequence: Option<(i64, i16, i32)>,
    /// Some attempt may have been written: its outcome was never learned,
    /// or the broker appended without enough replicas.
    pub possibly_sent: bool,
    /// The last error seen, for the final report.
    pub last_error: Option<String>,
    /// The partition's leader epoch when the batch was last sent (KIP-951:
    /// a retry skips the backoff once it has moved on).
    pub sent_leader_epoch: i32,
    /// Bytes counted against `buffer.memory`.
    pub accounted: usize,
}

impl ProducerBatch {
    pub(crate) fn new(
        topic: TopicIdx,
        partition: i32,
        order: u64,
        compression: Compression,
        buffer: BytesMut,
        expected_records: usize,
        now: Instant,
    ) -> Result<Self, RecordError> {
        Ok(ProducerBatch {
            order: SendOrder {
                created: order,
                split_path: 0,
                split_depth: 0,
            },
            topic,
            partition,
            builder: Some(BatchBuilder::with_buffer(compression, buffer)?),
            encoded: None,
            records: Vec::with_capacity(expected_records),
            created: now,
            sealed: false,
            attempts: 0,
            retry_at: None,
            sequence: None,
            possibly_sent: false,
            last_error: None,
            sent_leader_epoch: -1,
            accounted: 0,
        })
    }

    pub(crate) fn record_count(&self) -> usize {
        self.records.len()
    }

    /// The size the batch will have on the wire (estimated while open).
    pub(crate) fn size(&self) -> usize {
        match (&self.encoded, &self.builder) {
            (Some((bytes, _)), _) => bytes.len(),
            (None, Some(b)) => b.estimated_size(),
            (None, None) => 0,
        }
    }

    /// Whether a record of `record_size` bytes fits under `batch_size`.
    /// An empty batch takes any record: a record larger than `batch.size`
    /// gets a batch of its own.
    pub(crate) fn fits(&self, record_size: usize, batch_size: usize) -> bool {
        !self.sealed
            && self.builder.is_some()
            && (self.records.is_empty() || self.size() + record_size <= batch_size)
    }

    /// Appends a record to the open batch.
    pub(crate) fn append<'h, H>(
        &mut self,
        meta: RecordMeta,
        key: Option<&[u8]>,
        value: Option<&[u8]>,
        headers: H,
    ) -> Result<(), RecordError>
    where
        H: IntoIterator<Item = HeaderRef<'h>>,
        H::IntoIter: Clone,
    {
        let builder = self.builder.as_mut().ok_or(RecordError::TooManyRecords)?;
        builder.append(meta.timestamp, key, value, headers)?;
        self.accounted += meta.accounted;
        self.records.push(meta);
        Ok(())
    }

    /// The batch's bytes stamped with `fields`: encoded on first use
    /// (compressed when `gate`, its partition's, says a try is worth it), then
    /// only re-stamped (with an incremental CRC update) when the fields
    /// change, as after an epoch bump.
    pub(crate) fn encode(
        &mut self,
        fields: ProducerFields,
        pool: &mut BufferPool,
        gate: &mut CompressionGate,
    ) -> Result<Bytes, RecordError> {
        if let Some((bytes, stamped)) = &self.encoded {
            if *stamped == fields {
                return Ok(bytes.clone());
            }
            let mut copy = BytesMut::from(&bytes[..]);
            set_producer_fields(&mut copy, &fields)?;
            let bytes = copy.freeze();
            self.encoded = Some((bytes.clone(), fields));
            return Ok(bytes);
        }
        let builder = self.builder.take().ok_or(RecordError::TooManyRecords)?;
        let batch = if builder.compression().codec() == CompressionType::None || !gate.should_try()
        {
            builder.into_uncompressed_batch(&fields)?
        } else {
            // Uncompressed, the builder's own buffer becomes the batch;
            // compressed, it goes back to the pool.
            let (batch, spare) = builder.into_batch_with(&fields, |room| pool.take(room))?;
            if let Some(spare) = spare {
                pool.give(spare);
            }
            gate.tried(is_compressed(&batch));
            batch
        };
        let bytes = batch.freeze();
        self.encoded = Some((bytes.clone(), fields));
        self.sealed = true;
        Ok(bytes)
    }

    /// Hands the batch's buffer to `pool` (the batch is done).
    pub(crate) fn recycle(self, pool: &mut BufferPool) {
        if let Some((bytes, _)) = self.encoded {
            pool.give_bytes(bytes);
        } else if let Some(builder) = self.builder {
            pool.give(builder.into_buffer());
        }
    }

    /// Splits a batch the broker found too large into two halves that keep
    /// its place, attempts and sequence range (the first half starts at the
    /// base sequence, the second right after it). A batch that cannot be
    /// split (one record, or its bytes do not decode) is handed back.
    pub(crate) fn split(
        self,
        compression: Compression,
        max_decompressed: usize,
    ) -> Result<(ProducerBatch, ProducerBatch), Box<ProducerBatch>> {
        match self.halves(compression, max_decompressed) {
            Ok(Some(halves)) => Ok(halves),
            // Boxed: the rare path should not make every result large.
            Ok(None) | Err(_) => Err(Box::new(self)),
        }
    }

    /// The two halves of [`split`](Self::split), built from a copy of the
    /// records; `None` when the batch cannot be split.
    fn halves(
        &self,
        compression: Compression,
        max_decompressed: usize,
    ) -> Result<Option<(ProducerBatch, ProducerBatch)>, RecordError> {
        let n = self.records.len();
        if n < 2 || self.order.split_depth >= 63 {
            return Ok(None);
        }
        let records = match (&self.encoded, &self.builder) {
            (Some((bytes, _)), _) => {
                RawBatch::new(bytes.clone(), false)?
                    .decode(max_decompressed)?
                    .records
            }
            (None, Some(b)) => {
                let mut out = BytesMut::new();
                b.finish(&ProducerFields::NONE, &mut out)?;
                RawBatch::new(out.freeze(), false)?
                    .decode(max_decompressed)?
                    .records
            }
            (None, None) => return Ok(None),
        };
        if records.len() != n {
            return Ok(None);
        }
        let half = n / 2;
        let depth = self.order.split_depth + 1;
        let make =
            |range: std::ops::Range<usize>, second: bool| -> Result<ProducerBatch, RecordError> {
                let mut b = ProducerBatch::new(
                    self.topic,
                    self.partition,
                    0,
                    compression,
                    BytesMut::new(),
                    0,
                    self.created,
                )?;
                b.order = SendOrder {
                    created: self.order.created,
                    split_path: if second {
                        self.order.split_path | (1u64 << (64 - u32::from(depth)))
                    } else {
                        self.order.split_path
                    },
                    split_depth: depth,
                };
                for i in range.clone() {
                    let r = &records[i];
                    let headers: Vec<HeaderRef<'_>> = r
                        .headers
                        .iter()
                        .map(|h| (h.key(), h.value.as_deref()))
                        .collect();
                    b.append(
                        self.records[i],
                        r.key.as_deref(),
                        r.value.as_deref(),
                        headers,
                    )?;
                }
                b.sealed = true;
                b.attempts = self.attempts;
                b.possibly_sent = self.possibly_sent;
                b.last_error = self.last_error.clone();
                b.sent_leader_epoch = self.sent_leader_epoch;
                b.sequence = self.sequence.map(|(pid, epoch, base)| {
                    let offset = if second { half as i32 } else { 0 };
                    (pid, epoch, crate::record::record_sequence(base, offset))
                });
                Ok(b)
            };
        let first = make(0..half, false)?;
        let second = make(half..n, true)?;
        Ok(Some((first, second)))
    }
}
