//! The accumulator: records waiting for their topic's metadata, and one
//! queue of batches per partition, all counted against `buffer.memory`.

use std::collections::VecDeque;
use std::time::Instant;

use crate::record::{Compression, RecordError};

use super::batch::{ProducerBatch, RecordMeta};
use super::compression_gate::CompressionGate;
use super::metadata::TopicIdx;
use super::pool::BufferPool;
use super::record::{BorrowedHeader, BorrowedRecord, Headers, ProducerRecord, borrow_header};
use super::sticky::StickyPartitioner;

/// Batch header bytes (record batch v2).
pub(crate) const BATCH_OVERHEAD: usize = 61;

/// The most bytes a varint takes.
const VARINT: usize = 5;
/// The most bytes a varlong takes.
const VARLONG: usize = 10;

/// An upper bound of a record's encoded size, used for `buffer.memory`
/// accounting and the `max.request.size` check at `send`: the payload plus
/// the largest varints the record format can use.
pub(crate) fn record_size_bound(r: &BorrowedRecord<'_>) -> usize {
    // Each variant's own slice iterator: `Headers::iter` chains both, which
    // costs every record a few branches even with no headers.
    let headers = match r.headers {
        Headers::Owned(h) => headers_size_bound(h.iter().map(borrow_header)),
        Headers::Borrowed(h) => headers_size_bound(h.iter().copied()),
    };
    VARINT // length
        + 1 // attributes
        + VARLONG // timestamp delta
        + VARINT // offset delta
        + field_size_bound(r.key)
        + field_size_bound(r.value)
        + VARINT // header count
        + headers
}

/// A nullable field's size at most: its length varint and its bytes.
fn field_size_bound(bytes: Option<&[u8]>) -> usize {
    VARINT + bytes.map_or(0, <[u8]>::len)
}

/// The headers' sizes at most: each name and value as nullable fields.
fn headers_size_bound<'h>(headers: impl Iterator<Item = BorrowedHeader<'h>>) -> usize {
    headers
        .map(|(k, v)| field_size_bound(Some(k.as_bytes())) + field_size_bound(v))
        .sum()
}

/// A record whose topic's metadata is not known yet.
#[derive(Debug)]
pub(crate) struct PendingRecord {
    /// Its id, timestamp and buffer share, as a batch will keep them.
    pub meta: RecordMeta,
    pub record: ProducerRecord,
    pub created: Instant,
}

/// One partition's queue. Batches are kept in send order; in-flight
/// batches live with their request and come back here to be retried.
#[derive(Debug, Default)]
pub(crate) struct PartitionQueue {
    pub batches: VecDeque<ProducerBatch>,
    /// Batches of this partition in flight.
    pub in_flight: u32,
    /// Next sequence number to assign (idempotence).
    pub next_sequence: i32,
    /// The last sequence the broker acknowledged, -1 if none.
    pub last_acked: i32,
    /// Whether the partition's next batch is worth a compression try.
    pub compression: CompressionGate,
    /// The size the partition's latest batch reached: a new batch starts
    /// with that much room, so a busy partition's batches do not regrow
    /// (and copy) their buffer from small every time.
    last_batch_size: usize,
    /// The records the partition's latest batch reached, for the same
    /// reason: a batch's record list sized from `buffer.memory`'s upper
    /// bounds alone came up about a fifth short for small records, and
    /// was copied into a list twice the size once per batch.
    last_batch_records: usize,
}

impl PartitionQueue {
    fn new() -> Self {
        PartitionQueue {
            last_acked: -1,
            ..PartitionQueue::default()
        }
    }

    /// Puts a batch back in its place in send order.
    pub(crate) fn requeue(&mut self, batch: ProducerBatch) {
        let pos = self.batches.partition_point(|b| b.order < batch.order);
        self.batches.insert(pos, batch);
    }

    /// True when the last batch cannot take more records (or there is
    /// none): the sticky partitioner's cue to move on.
    pub(crate) fn last_batch_full(&self) -> bool {
        self.batches.back().is_none_or(|b| b.sealed)
    }
}

/// Per-topic queues.
#[derive(Debug, Default)]
pub(crate) struct TopicQueues {
    pub pending: VecDeque<PendingRecord>,
    pub partitions: Vec<PartitionQueue>,
    pub sticky: StickyPartitioner,
}

/// All queues, with the memory accounting.
#[derive(Debug)]
pub(crate) struct Accumulator {
    pub topics: Vec<TopicQueues>,
    pub buffered_bytes: usize,
    pub buffered_records: usize,
    /// Buffers of finished batches, for new ones.
    pub pool: BufferPool,
    next_order: u64,
    batch_size: usize,
    compression: Compression,
}

impl Accumulator {
    pub(crate) fn new(batch_size: usize, compression: Compression, buffer_memory: usize) -> Self {
        Accumulator {
            topics: Vec::new(),
            buffered_bytes: 0,
            buffered_records: 0,
            // A quarter of `buffer.memory` covers the buffers that come
            // back with one answer until new batches take them; it is
            // also what an idle producer keeps.
            pool: BufferPool::new(buffer_memory / 4),
            next_order: 0,
            batch_size,
            compression,
        }
    }

    /// Batches started so far: a change tells that a batch (and its
    /// deadlines) was added.
    pub(crate) fn batches_created(&self) -> u64 {
        self.next_order
    }

    pub(crate) fn compression(&self) -> Compression {
        self.compression
    }

    /// Makes room for a topic index (indices come from the cluster map).
    pub(crate) fn ensure_topic(&mut self, topic: TopicIdx) {
        while self.topics.len() <= topic {
            self.topics.push(TopicQueues::default());
        }
    }

    /// Makes room for `count` partitions (partitions can only be added).
    pub(crate) fn ensure_partitions(&mut self, topic: TopicIdx, count: usize) {
        let parts = &mut self.topics[topic].partitions;
        while parts.len() < count {
            parts.push(PartitionQueue::new());
        }
    }

    pub(crate) fn partition(&mut self, topic: TopicIdx, partition: i32) -> &mut PartitionQueue {
        &mut self.topics[topic].partitions[partition as usize]
    }

    /// Counts a record against the buffer (the caller has checked room).
    pub(crate) fn reserve(&mut self, bytes: usize) {
        self.buffered_bytes += bytes;
        self.buffered_records += 1;
    }

    /// Releases the buffer of records that got their report.
    pub(crate) fn release(&mut self, bytes: usize, records: usize) {
        self.buffered_bytes -= bytes;
        self.buffered_records -= records;
    }

    /// Appends a record to its partition's open batch, starting a new batch
    /// when it does not fit. Returns true when a batch was sealed (it is
    /// ready to send without waiting out `linger.ms`).
    #[inline]
    pub(crate) fn append(
        &mut self,
        topic: TopicIdx,
        partition: i32,
        meta: RecordMeta,
        record: &BorrowedRecord<'_>,
        now: Instant,
    ) -> Result<bool, RecordError> {
        let batch_size = self.batch_size;
        let compression = self.compression;
        let queue = &mut self.topics[topic].partitions[partition as usize];
        let mut sealed = false;
        let fits = queue
            .batches
            .back()
            .is_some_and(|b| b.attempts == 0 && b.fits(meta.accounted, batch_size));
        if !fits {
            if let Some(last) = queue.batches.back_mut() {
                sealed |= !last.sealed;
                last.sealed = true;
            }
            // Start as large as the partition's previous batch got, and
            // let the buffer grow from there (amortized doubling): a
            // partition that gets one small record does not hold a whole
            // `batch.size` of memory beyond what `buffer.memory` counts.
            let capacity = meta
                .accounted
                .max(queue.last_batch_size)
                .clamp(256, batch_size.max(256));
            let order = self.next_order;
            self.next_order += 1;
            queue.batches.push_back(ProducerBatch::new(
                topic,
                partition,
                order,
                compression,
                self.pool.take(BATCH_OVERHEAD + capacity),
                // Room for the records' metadata too: as many as the
                // last batch took, or as many upper bounds as fit.
                queue
                    .last_batch_records
                    .max(capacity / meta.accounted.max(1)),
                now,
            )?);
        }
        let batch = queue.batches.back_mut().expect("a batch was just ensured");
        let (key, value) = (record.key, record.value);
        let appended = match record.headers {
            Headers::Owned(h) => batch.append(meta, key, value, h.iter().map(borrow_header)),
            Headers::Borrowed(h) => batch.append(meta, key, value, h.iter().copied()),
        };
        if let Err(e) = appended {
            // Leave no empty batch behind for a record that could not join.
            if batch.records.is_empty() {
                queue.batches.pop_back();
            }
            return Err(e);
        }
        let size = batch.size();
        if size >= batch_size {
            batch.sealed = true;
            sealed = true;
        }
        queue.last_batch_size = size;
        queue.last_batch_records = batch.records.len();
        Ok(sealed)
    }
}
