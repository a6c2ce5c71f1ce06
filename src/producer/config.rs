//! Producer configuration: a typed builder, the Java client's property keys,
//! and validation that names the offending key.

use std::time::Duration;

use crate::record::Compression;

use super::io::BrokerAddress;

/// Which acknowledgement the producer waits for (`acks`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Acks {
    /// `acks=0`: no response is awaited; reports carry no offset.
    None,
    /// `acks=1`: the leader has written the records.
    Leader,
    /// `acks=all` (`-1`): every in-sync replica has them.
    All,
}

impl Acks {
    /// The value sent in ProduceRequest.
    pub fn wire(self) -> i16 {
        match self {
            Acks::None => 0,
            Acks::Leader => 1,
            Acks::All => -1,
        }
    }
}

/// What to do when every known broker is unreachable
/// (`metadata.recovery.strategy`, KIP-899).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MetadataRecoveryStrategy {
    /// Keep trying the known brokers.
    None,
    /// Forget them and start again from `bootstrap.servers`.
    Rebootstrap,
}

/// The producer's configuration. Build it with [`ProducerConfig::builder`]
/// or [`ProducerConfig::from_properties`]; both validate. The fields are
/// public for reading; [`Producer::new`](super::Producer::new) validates
/// again.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct ProducerConfig {
    /// `bootstrap.servers`.
    pub bootstrap_servers: Vec<BrokerAddress>,
    /// `client.id`.
    pub client_id: String,
    /// `acks`.
    pub acks: Acks,
    /// `enable.idempotence`.
    pub enable_idempotence: bool,
    /// `linger.ms`.
    pub linger: Duration,
    /// `batch.size` in bytes.
    pub batch_size: usize,
    /// `buffer.memory` in bytes.
    pub buffer_memory: usize,
    /// `max.request.size` in bytes.
    pub max_request_size: usize,
    /// `max.in.flight.requests.per.connection`.
    pub max_in_flight_per_connection: usize,
    /// `retries`.
    pub retries: u32,
    /// `retry.backoff.ms`.
    pub retry_backoff: Duration,
    /// `retry.backoff.max.ms`.
    pub retry_backoff_max: Duration,
    /// `reconnect.backoff.ms`.
    pub reconnect_backoff: Duration,
    /// `reconnect.backoff.max.ms`.
    pub reconnect_backoff_max: Duration,
    /// `socket.connection.setup.timeout.ms`.
    pub connection_setup_timeout: Duration,
    /// `request.timeout.ms`.
    pub request_timeout: Duration,
    /// `delivery.timeout.ms`.
    pub delivery_timeout: Duration,
    /// `metadata.max.age.ms`.
    pub metadata_max_age: Duration,
    /// `compression.type` with its level.
    pub compression: Compression,
    /// `partitioner.adaptive.partitioning.enable`.
    pub partitioner_adaptive: bool,
    /// `partitioner.availability.timeout.ms` (zero: off).
    pub partitioner_availability_timeout: Duration,
    /// `partitioner.ignore.keys`.
    pub partitioner_ignore_keys: bool,
    /// `metadata.recovery.strategy`.
    pub metadata_recovery_strategy: MetadataRecoveryStrategy,
    /// Largest response frame accepted from a broker, in bytes.
    pub max_response_size: usize,
    /// Seed of the random generator (jitter, sticky partition choice,
    /// bootstrap order): the same seed and inputs give the same outputs.
    pub seed: u64,
}

impl Default for ProducerConfig {
    /// The Java client's defaults, with `localhost:9092` as the bootstrap
    /// server.
    fn default() -> Self {
        ProducerConfig {
            bootstrap_servers: vec![BrokerAddress::new("localhost", 9092)],
            client_id: "kafka-sansio".to_owned(),
            acks: Acks::All,
            enable_idempotence: true,
            linger: Duration::from_millis(5),
            batch_size: 16 * 1024,
            buffer_memory: 32 * 1024 * 1024,
            max_request_size: 1024 * 1024,
            max_in_flight_per_connection: 5,
            retries: i32::MAX as u32,
            retry_backoff: Duration::from_millis(100),
            retry_backoff_max: Duration::from_millis(1000),
            reconnect_backoff: Duration::from_millis(50),
            reconnect_backoff_max: Duration::from_millis(1000),
            connection_setup_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            delivery_timeout: Duration::from_secs(120),
            metadata_max_age: Duration::from_secs(300),
            compression: Compression::None,
            partitioner_adaptive: true,
            partitioner_availability_timeout: Duration::ZERO,
            partitioner_ignore_keys: false,
            metadata_recovery_strategy: MetadataRecoveryStrategy::Rebootstrap,
            max_response_size: 100 * 1024 * 1024,
            seed: 0,
        }
    }
}

impl ProducerConfig {
    /// Checks the configuration; the error names the offending key.
    pub fn validate(&self) -> Result<(), ConfigError> {
        // Filled in with the builder and properties parser.
        Ok(())
    }
}

/// A configuration the producer refuses, naming the key at fault.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid producer config `{key}`: {reason}")]
pub struct ConfigError {
    /// The key (Java property name) at fault.
    pub key: String,
    /// What is wrong with it.
    pub reason: String,
}
