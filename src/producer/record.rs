//! The record a caller hands to `send`.

use bytes::Bytes;
pub use smol_str::SmolStr;

/// The id `send` gives an accepted record; its delivery report carries it.
/// Ids increase by one per accepted record and are never reused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RecordId(pub u64);

/// A record to produce.
///
/// The topic is a [`SmolStr`]: a name of up to 23 bytes (most are) is kept
/// inline, so making a record from a `&str` allocates nothing for it, and
/// cloning one copies it without touching a shared count. A longer name is
/// shared by count, like an `Arc<str>`.
///
/// ```
/// use kafka_sansio::producer::{ProducerRecord, SmolStr};
///
/// let orders = SmolStr::new_static("orders");
/// let records: Vec<_> = (0..3)
///     .map(|i| ProducerRecord::new(orders.clone(), format!("order {i}")))
///     .collect();
/// assert!(records.iter().all(|r| r.topic == "orders"));
/// assert!(!ProducerRecord::new("logs", "x").topic.is_heap_allocated());
/// ```
///
/// `ProducerRecord::default()` (an empty topic, which `send` refuses, and
/// nothing else) is a base for struct update syntax and allocates nothing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProducerRecord {
    /// The topic.
    pub topic: SmolStr,
    /// An explicit partition; wins over the key.
    pub partition: Option<i32>,
    /// The key; keyed records go to `murmur2(key) % partitions`.
    pub key: Option<Bytes>,
    /// The value (`None` is a tombstone).
    pub value: Option<Bytes>,
    /// Headers, in order.
    pub headers: Vec<OwnedHeader>,
    /// Create time in Unix milliseconds; the producer's clock when `None`.
    pub timestamp: Option<i64>,
}

impl ProducerRecord {
    /// A record for `topic` with this value and no key.
    pub fn new(topic: impl Into<SmolStr>, value: impl Into<Bytes>) -> Self {
        ProducerRecord {
            topic: topic.into(),
            value: Some(value.into()),
            ..ProducerRecord::default()
        }
    }

    /// Sets the key.
    pub fn key(mut self, key: impl Into<Bytes>) -> Self {
        self.key = Some(key.into());
        self
    }

    /// Sets an explicit partition.
    pub fn partition(mut self, partition: i32) -> Self {
        self.partition = Some(partition);
        self
    }

    /// Adds a header.
    pub fn header(mut self, key: impl Into<String>, value: Option<Bytes>) -> Self {
        self.headers.push((key.into(), value));
        self
    }

    /// Sets the create timestamp (Unix milliseconds).
    pub fn timestamp(mut self, unix_ms: i64) -> Self {
        self.timestamp = Some(unix_ms);
        self
    }
}

/// A record whose topic, key, value and headers are borrowed: `send`
/// copies them into a batch at once, so nothing is allocated or shared by
/// count for them (like librdkafka's `RD_KAFKA_MSG_F_COPY`). For a caller
/// that serializes into a buffer it reuses.
///
/// Only a record that must wait for its topic's metadata is copied into an
/// owned [`ProducerRecord`] (once per record, until the topic is known).
/// A refused one comes back in the [`SendError`](super::SendError) as it
/// was given.
///
/// ```
/// use std::time::Instant;
/// use kafka_sansio::producer::{BorrowedRecord, Producer, ProducerConfig, SendError};
///
/// let config = ProducerConfig::from_properties([("bootstrap.servers", "127.0.0.1:9092")])?;
/// let mut producer = Producer::new(config, Instant::now(), 1_700_000_000_000)?;
/// let mut buffer = Vec::new();
/// for i in 0..3 {
///     buffer.clear();
///     buffer.extend_from_slice(format!("order {i}").as_bytes());
///     let record = BorrowedRecord::new("orders", &buffer).key(b"customer-7");
///     // A refusal hands the borrowed record back; `into_owned` makes the
///     // error outlive the buffer.
///     producer
///         .send(record, Instant::now())
///         .map_err(SendError::into_owned)?;
/// }
/// assert_eq!(producer.buffered_records(), 3);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BorrowedRecord<'a> {
    /// The topic.
    pub topic: &'a str,
    /// An explicit partition; wins over the key.
    pub partition: Option<i32>,
    /// The key; keyed records go to `murmur2(key) % partitions`.
    pub key: Option<&'a [u8]>,
    /// The value (`None` is a tombstone).
    pub value: Option<&'a [u8]>,
    /// Headers, in order.
    pub headers: Headers<'a>,
    /// Create time in Unix milliseconds; the producer's clock when `None`.
    pub timestamp: Option<i64>,
}

impl<'a> BorrowedRecord<'a> {
    /// A record for `topic` with this value and no key.
    pub fn new(topic: &'a str, value: &'a [u8]) -> Self {
        BorrowedRecord {
            topic,
            value: Some(value),
            ..BorrowedRecord::default()
        }
    }

    /// Sets the key.
    pub fn key(self, key: &'a [u8]) -> Self {
        BorrowedRecord {
            key: Some(key),
            ..self
        }
    }

    /// Sets an explicit partition.
    pub fn partition(self, partition: i32) -> Self {
        BorrowedRecord {
            partition: Some(partition),
            ..self
        }
    }

    /// Sets the headers.
    pub fn headers(self, headers: &'a [BorrowedHeader<'a>]) -> Self {
        BorrowedRecord {
            headers: Headers::Borrowed(headers),
            ..self
        }
    }

    /// Sets the create timestamp (Unix milliseconds).
    pub fn timestamp(self, unix_ms: i64) -> Self {
        BorrowedRecord {
            timestamp: Some(unix_ms),
            ..self
        }
    }

    /// An owned copy.
    pub fn to_owned_record(&self) -> ProducerRecord {
        let bytes = |b: Option<&[u8]>| b.map(Bytes::copy_from_slice);
        ProducerRecord {
            topic: SmolStr::new(self.topic),
            partition: self.partition,
            key: bytes(self.key),
            value: bytes(self.value),
            headers: self
                .headers
                .iter()
                .map(|(k, v)| (k.to_owned(), bytes(v)))
                .collect(),
            timestamp: self.timestamp,
        }
    }
}

/// A header as a [`ProducerRecord`] holds it: name and value (`None` =
/// null).
pub type OwnedHeader = (String, Option<Bytes>);

/// A header as slices: name and value (`None` = null).
pub type BorrowedHeader<'a> = (&'a str, Option<&'a [u8]>);

/// A record's headers, as a [`BorrowedRecord`] holds them: borrowed from a
/// [`ProducerRecord`] or given as slices.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Headers<'a> {
    /// A [`ProducerRecord`]'s own.
    Owned(&'a [OwnedHeader]),
    /// Names and values as slices.
    Borrowed(&'a [BorrowedHeader<'a>]),
}

impl Default for Headers<'_> {
    fn default() -> Self {
        Headers::Borrowed(&[])
    }
}

impl<'a> Headers<'a> {
    /// Each header's name and value, in order.
    pub fn iter(self) -> impl Iterator<Item = BorrowedHeader<'a>> + Clone {
        // One of the two slices is empty: chaining them walks the other
        // without an iterator per variant.
        let (owned, borrowed): (&[OwnedHeader], &[BorrowedHeader<'_>]) = match self {
            Headers::Owned(h) => (h, &[]),
            Headers::Borrowed(h) => (&[], h),
        };
        owned
            .iter()
            .map(borrow_header)
            .chain(borrowed.iter().copied())
    }
}

/// An owned header as slices.
pub(crate) fn borrow_header((name, value): &OwnedHeader) -> BorrowedHeader<'_> {
    (name.as_str(), value.as_deref())
}

/// What `send` takes: a [`ProducerRecord`] (owned, handed back whole when
/// refused) or a [`BorrowedRecord`] (copied into a batch at `send`).
pub trait Sendable: sealed::Sealed {
    /// The record's fields, borrowed.
    fn borrowed(&self) -> BorrowedRecord<'_>;
    /// The record as an owned [`ProducerRecord`] (a copy for a borrowed
    /// one).
    fn into_owned(self) -> ProducerRecord;
}

impl Sendable for ProducerRecord {
    fn borrowed(&self) -> BorrowedRecord<'_> {
        BorrowedRecord {
            topic: &self.topic,
            partition: self.partition,
            key: self.key.as_deref(),
            value: self.value.as_deref(),
            headers: Headers::Owned(&self.headers),
            timestamp: self.timestamp,
        }
    }

    fn into_owned(self) -> ProducerRecord {
        self
    }
}

impl Sendable for BorrowedRecord<'_> {
    fn borrowed(&self) -> BorrowedRecord<'_> {
        *self
    }

    fn into_owned(self) -> ProducerRecord {
        self.to_owned_record()
    }
}

mod sealed {
    /// Only the producer's own record types are `Sendable`: the core
    /// relies on `borrowed` being cheap and side-effect free.
    pub trait Sealed {}
    impl Sealed for super::ProducerRecord {}
    impl Sealed for super::BorrowedRecord<'_> {}
}
