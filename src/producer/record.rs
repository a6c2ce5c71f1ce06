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
    pub headers: Vec<(String, Option<Bytes>)>,
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
