//! The record a caller hands to `send`.

use std::sync::{Arc, LazyLock};

use bytes::Bytes;

/// The id `send` gives an accepted record; its delivery report carries it.
/// Ids increase by one per accepted record and are never reused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RecordId(pub u64);

/// A record to produce.
///
/// The topic is shared (`Arc<str>`): a caller sending many records to one
/// topic clones one `Arc` per record, with no allocation, where a `String`
/// would cost an allocation and a free per record.
///
/// ```
/// use std::sync::Arc;
/// use kafka_sansio::producer::ProducerRecord;
///
/// let orders: Arc<str> = Arc::from("orders");
/// let records: Vec<_> = (0..3)
///     .map(|i| ProducerRecord::new(orders.clone(), format!("order {i}")))
///     .collect();
/// assert!(records.iter().all(|r| Arc::ptr_eq(&r.topic, &orders)));
/// assert_eq!(&*ProducerRecord::new("logs", "x").topic, "logs");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProducerRecord {
    /// The topic.
    pub topic: Arc<str>,
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

/// The default record's topic, shared so that `..ProducerRecord::default()`
/// allocates nothing.
static NO_TOPIC: LazyLock<Arc<str>> = LazyLock::new(|| Arc::from(""));

impl Default for ProducerRecord {
    /// A record with an empty topic (which `send` refuses) and nothing
    /// else: a base for struct update syntax. Allocates nothing.
    fn default() -> Self {
        ProducerRecord {
            topic: Arc::clone(&NO_TOPIC),
            partition: None,
            key: None,
            value: None,
            headers: Vec::new(),
            timestamp: None,
        }
    }
}

impl ProducerRecord {
    /// A record for `topic` with this value and no key.
    pub fn new(topic: impl Into<Arc<str>>, value: impl Into<Bytes>) -> Self {
        ProducerRecord {
            topic: topic.into(),
            partition: None,
            key: None,
            value: Some(value.into()),
            headers: Vec::new(),
            timestamp: None,
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
