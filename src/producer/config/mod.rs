//! Producer configuration: a typed builder, the Java client's property keys,
//! and validation that names the offending key.
//!
//! There are two ways to make a [`ProducerConfig`], and both validate:
//!
//! - [`ProducerConfig::builder`]: typed setters, then
//!   [`build`](ProducerConfigBuilder::build).
//! - [`ProducerConfig::from_properties`]: the Java client's `key=value`
//!   settings (`bootstrap.servers`, `acks`, `linger.ms`, ...), so a
//!   properties file can be shared with Java producers.
//!
//! Where the Java client has a rule, both follow it:
//!
//! - `bootstrap.servers` is required and must name at least one
//!   `host:port` (IPv6 literals in brackets: `[::1]:9092`).
//! - **Idempotence** (`ProducerConfig.postProcessAndValidateIdempotenceConfigs`):
//!   it needs `acks=all`, `retries > 0` and at most 5 requests in flight
//!   per connection. If `enable.idempotence` was set *explicitly* to true, a
//!   conflict is an error naming the conflicting key (`retries`, `acks`,
//!   `max.in.flight.requests.per.connection`, checked in that order). If it
//!   was left at its default, a conflict silently turns idempotence off.
//! - **Delivery timeout** (`KafkaProducer.configureDeliveryTimeout`):
//!   `delivery.timeout.ms` must be at least `linger.ms + request.timeout.ms`
//!   (capped at `i32::MAX` ms). If it was set explicitly, a smaller value is
//!   an error; if it was left at its default, it is raised to that sum.
//!
//! [`ProducerConfig::validate`] cannot know what was explicit, so it treats
//! every value as explicit; it is what
//! [`Producer::new`](super::Producer::new) calls.
//!
//! # Example
//!
//! ```
//! use std::time::Duration;
//!
//! use kafka_sansio::producer::{Acks, BrokerAddress, ProducerConfig};
//! use kafka_sansio::record::Compression;
//!
//! // Typed:
//! let config = ProducerConfig::builder()
//!     .bootstrap_servers(["kafka-1:9092", "[::1]:9093"])
//!     .acks(Acks::Leader) // idempotence was not set: it is turned off
//!     .linger(Duration::from_millis(20))
//!     .compression(Compression::Zstd { level: Some(6) })
//!     .seed(42)
//!     .build()?;
//! assert_eq!(config.bootstrap_servers[1], BrokerAddress::new("::1", 9093));
//! assert!(!config.enable_idempotence);
//!
//! // From the Java client's properties:
//! let config = ProducerConfig::from_properties([
//!     ("bootstrap.servers", "kafka-1:9092, kafka-2:9092"),
//!     ("linger.ms", "20"),
//!     ("compression.type", "zstd"),
//!     ("compression.zstd.level", "6"),
//!     ("kafka-sansio.seed", "42"),
//! ])?;
//! assert_eq!(config.bootstrap_servers.len(), 2);
//! assert_eq!(config.linger, Duration::from_millis(20));
//! assert_eq!(config.compression, Compression::Zstd { level: Some(6) });
//! assert!(config.enable_idempotence);
//!
//! // Errors name the key:
//! let err = ProducerConfig::from_properties([
//!     ("bootstrap.servers", "kafka-1:9092"),
//!     ("enable.idempotence", "true"),
//!     ("acks", "1"),
//! ])
//! .unwrap_err();
//! assert_eq!(err.key, "acks");
//! # Ok::<(), kafka_sansio::producer::ConfigError>(())
//! ```

mod address;
mod properties;

use std::time::Duration;

use crate::record::{Compression, CompressionType, RecordError};

use super::io::BrokerAddress;

pub use address::IntoBrokerAddress;
use address::{check_host, check_port};

/// The Java property names, shared by validation and the properties parser.
mod key {
    pub const BOOTSTRAP_SERVERS: &str = "bootstrap.servers";
    pub const CLIENT_ID: &str = "client.id";
    pub const ACKS: &str = "acks";
    pub const ENABLE_IDEMPOTENCE: &str = "enable.idempotence";
    pub const LINGER_MS: &str = "linger.ms";
    pub const BATCH_SIZE: &str = "batch.size";
    pub const BUFFER_MEMORY: &str = "buffer.memory";
    pub const MAX_REQUEST_SIZE: &str = "max.request.size";
    pub const MAX_IN_FLIGHT: &str = "max.in.flight.requests.per.connection";
    pub const RETRIES: &str = "retries";
    pub const RETRY_BACKOFF_MS: &str = "retry.backoff.ms";
    pub const RETRY_BACKOFF_MAX_MS: &str = "retry.backoff.max.ms";
    pub const RECONNECT_BACKOFF_MS: &str = "reconnect.backoff.ms";
    pub const RECONNECT_BACKOFF_MAX_MS: &str = "reconnect.backoff.max.ms";
    pub const CONNECTION_SETUP_TIMEOUT_MS: &str = "socket.connection.setup.timeout.ms";
    pub const REQUEST_TIMEOUT_MS: &str = "request.timeout.ms";
    pub const DELIVERY_TIMEOUT_MS: &str = "delivery.timeout.ms";
    pub const METADATA_MAX_AGE_MS: &str = "metadata.max.age.ms";
    pub const MAX_BLOCK_MS: &str = "max.block.ms";
    pub const COMPRESSION_TYPE: &str = "compression.type";
    pub const COMPRESSION_LEVEL: &str = "compression.level";
    pub const COMPRESSION_GZIP_LEVEL: &str = "compression.gzip.level";
    pub const COMPRESSION_ZSTD_LEVEL: &str = "compression.zstd.level";
    pub const COMPRESSION_LZ4_LEVEL: &str = "compression.lz4.level";
    pub const PARTITIONER_ADAPTIVE: &str = "partitioner.adaptive.partitioning.enable";
    pub const PARTITIONER_AVAILABILITY_TIMEOUT_MS: &str = "partitioner.availability.timeout.ms";
    pub const PARTITIONER_IGNORE_KEYS: &str = "partitioner.ignore.keys";
    pub const METADATA_RECOVERY_STRATEGY: &str = "metadata.recovery.strategy";
    pub const ALLOW_AUTO_CREATE_TOPICS: &str = "allow.auto.create.topics";
    pub const SEED: &str = "kafka-sansio.seed";
    pub const MAX_RESPONSE_SIZE: &str = "kafka-sansio.max.response.size";
}

/// Largest value of a Java `INT` setting.
const INT_MAX: usize = i32::MAX as usize;
/// Largest duration of a Java `INT` milliseconds setting.
const INT_MAX_MS: Duration = Duration::from_millis(i32::MAX as u64);
/// Largest duration of a Java `LONG` milliseconds setting.
const LONG_MAX_MS: Duration = Duration::from_millis(i64::MAX as u64);
/// Most requests in flight per connection an idempotent producer allows.
const MAX_IN_FLIGHT_FOR_IDEMPOTENCE: usize = 5;
/// Longest client id the request header's `STRING` can carry, in bytes.
const MAX_CLIENT_ID_LEN: usize = i16::MAX as usize;

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
/// or [`ProducerConfig::from_properties`]; both validate (see the rules in
/// [`ProducerConfigBuilder`]). The fields are public for reading;
/// [`Producer::new`](super::Producer::new) validates again with
/// [`ProducerConfig::validate`].
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
    /// `max.block.ms`: how long an adapter's blocking or awaiting `send`
    /// waits for buffer space before it gives up with
    /// [`SendErrorReason::BufferFull`](super::SendErrorReason::BufferFull).
    /// The core's own [`Producer::send`](super::Producer::send) never
    /// waits: it refuses at once and the adapter decides.
    pub max_block: Duration,
    /// `compression.type` with its level. A batch that the codec does not
    /// make smaller by more than 1/64
    /// ([`pays_off`](crate::record::compression::pays_off)) is sent
    /// uncompressed (librdkafka and franz-go do so for a batch that does
    /// not shrink): the broker and consumers then skip decompressing it.
    /// After such a batch, the partition's next 1, 2, 4, ... up to 32
    /// batches are sent uncompressed without a try, and one try that pays
    /// compresses every batch again; [`ProducerStats`](super::ProducerStats)
    /// counts the tries and skips. (A topic whose own `compression.type`
    /// names a codec has the broker compress it.)
    pub compression: Compression,
    /// `partitioner.adaptive.partitioning.enable`.
    pub partitioner_adaptive: bool,
    /// `partitioner.availability.timeout.ms` (zero: off).
    pub partitioner_availability_timeout: Duration,
    /// `partitioner.ignore.keys`.
    pub partitioner_ignore_keys: bool,
    /// `allow.auto.create.topics`: Metadata requests let the broker create
    /// a missing topic (when its `auto.create.topics.enable` allows).
    pub allow_auto_create_topics: bool,
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
            max_block: Duration::from_secs(60),
            compression: Compression::None,
            partitioner_adaptive: true,
            partitioner_availability_timeout: Duration::ZERO,
            partitioner_ignore_keys: false,
            allow_auto_create_topics: true,
            metadata_recovery_strategy: MetadataRecoveryStrategy::Rebootstrap,
            max_response_size: 100 * 1024 * 1024,
            seed: 0,
        }
    }
}

impl ProducerConfig {
    /// A builder starting from the [defaults](ProducerConfig::default),
    /// except that `bootstrap.servers` must be given.
    ///
    /// ```
    /// use std::time::Duration;
    /// use kafka_sansio::producer::{Acks, ProducerConfig};
    ///
    /// let config = ProducerConfig::builder()
    ///     .bootstrap_servers(["localhost:9092"])
    ///     .acks(Acks::All)
    ///     .linger(Duration::from_millis(10))
    ///     .build()?;
    /// assert!(config.enable_idempotence);
    /// # Ok::<(), kafka_sansio::producer::ConfigError>(())
    /// ```
    pub fn builder() -> ProducerConfigBuilder {
        ProducerConfigBuilder {
            config: ProducerConfig::default(),
            bootstrap_servers: None,
            idempotence_explicit: false,
            delivery_timeout_explicit: false,
        }
    }

    /// Checks the configuration; the error names the offending key (the
    /// Java property name).
    ///
    /// Every value counts as set explicitly: `enable_idempotence == true`
    /// with `acks`, `retries` or `max_in_flight_per_connection` in conflict
    /// is an error, and so is a `delivery_timeout` below
    /// `linger + request_timeout`. The rules:
    ///
    /// - `bootstrap.servers`: at least one address; hosts are names
    ///   (`A-Z a-z 0-9 . - _`) or IPv6 literals, ports are 1..=65535.
    /// - `client.id`: at most 32767 bytes (the request header's `STRING`)
    ///   and no control characters. The Java client does not check it; a
    ///   control character would only corrupt broker logs.
    /// - `compression.type` and its level: the codec's cargo feature is on
    ///   and the level is in range (see [`Compression`]).
    /// - Java `INT` settings (`batch.size`, `max.request.size`,
    ///   `max.in.flight.requests.per.connection`, `retries`,
    ///   `request.timeout.ms`, `delivery.timeout.ms`) are at most
    ///   `i32::MAX`; Java `LONG` milliseconds at most `i64::MAX`.
    /// - `batch.size` may be 0 (no batching beyond one record).
    /// - `buffer.memory`, `max.request.size`, `request.timeout.ms` and
    ///   `kafka-sansio.max.response.size` are above 0.
    /// - `max.in.flight.requests.per.connection` is at least 1.
    /// - Backoffs may be anything from 0; as in the Java client, a maximum
    ///   below its base backoff means a fixed backoff of the base.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.bootstrap_servers.is_empty() {
            return Err(err(
                key::BOOTSTRAP_SERVERS,
                "at least one host:port is required",
            ));
        }
        for addr in &self.bootstrap_servers {
            check_host(&addr.host)
                .and_then(|()| check_port(addr.port))
                .map_err(|why| err(key::BOOTSTRAP_SERVERS, format!("bad address {addr}: {why}")))?;
        }
        check_client_id(&self.client_id)?;
        self.compression.validate().map_err(compression_error)?;

        check_count(key::BATCH_SIZE, self.batch_size, 0, INT_MAX)?;
        check_count(key::BUFFER_MEMORY, self.buffer_memory, 1, usize::MAX)?;
        check_count(key::MAX_REQUEST_SIZE, self.max_request_size, 1, INT_MAX)?;
        check_count(
            key::MAX_IN_FLIGHT,
            self.max_in_flight_per_connection,
            1,
            INT_MAX,
        )?;
        check_count(key::RETRIES, self.retries as usize, 0, INT_MAX)?;
        check_count(
            key::MAX_RESPONSE_SIZE,
            self.max_response_size,
            1,
            usize::MAX,
        )?;

        for (key, duration, max) in [
            (key::LINGER_MS, self.linger, LONG_MAX_MS),
            (key::RETRY_BACKOFF_MS, self.retry_backoff, LONG_MAX_MS),
            (
                key::RETRY_BACKOFF_MAX_MS,
                self.retry_backoff_max,
                LONG_MAX_MS,
            ),
            (
                key::RECONNECT_BACKOFF_MS,
                self.reconnect_backoff,
                LONG_MAX_MS,
            ),
            (
                key::RECONNECT_BACKOFF_MAX_MS,
                self.reconnect_backoff_max,
                LONG_MAX_MS,
            ),
            (
                key::CONNECTION_SETUP_TIMEOUT_MS,
                self.connection_setup_timeout,
                LONG_MAX_MS,
            ),
            (key::REQUEST_TIMEOUT_MS, self.request_timeout, INT_MAX_MS),
            (key::DELIVERY_TIMEOUT_MS, self.delivery_timeout, INT_MAX_MS),
            (key::METADATA_MAX_AGE_MS, self.metadata_max_age, LONG_MAX_MS),
            (key::MAX_BLOCK_MS, self.max_block, LONG_MAX_MS),
            (
                key::PARTITIONER_AVAILABILITY_TIMEOUT_MS,
                self.partitioner_availability_timeout,
                LONG_MAX_MS,
            ),
        ] {
            if duration > max {
                return Err(err(
                    key,
                    format!(
                        "{} ms is above {} ms",
                        duration.as_millis(),
                        max.as_millis()
                    ),
                ));
            }
        }
        if self.request_timeout.is_zero() {
            return Err(err(key::REQUEST_TIMEOUT_MS, "0 ms: must be above 0"));
        }

        if self.enable_idempotence {
            self.check_idempotence()?;
        }
        let min_delivery = self.min_delivery_timeout();
        if self.delivery_timeout < min_delivery {
            return Err(err(
                key::DELIVERY_TIMEOUT_MS,
                format!(
                    "{} ms is below linger.ms + request.timeout.ms = {} ms",
                    self.delivery_timeout.as_millis(),
                    min_delivery.as_millis()
                ),
            ));
        }
        Ok(())
    }

    /// The settings an idempotent producer needs, checked in the Java
    /// client's order.
    fn check_idempotence(&self) -> Result<(), ConfigError> {
        const WHY: &str = "when enable.idempotence=true";
        if self.retries == 0 {
            return Err(err(
                key::RETRIES,
                format!("0: must be above 0 {WHY} (or set enable.idempotence=false)"),
            ));
        }
        if self.acks != Acks::All {
            return Err(err(
                key::ACKS,
                format!(
                    "{}: must be all (-1) {WHY} (or set enable.idempotence=false)",
                    self.acks.wire()
                ),
            ));
        }
        if self.max_in_flight_per_connection > MAX_IN_FLIGHT_FOR_IDEMPOTENCE {
            return Err(err(
                key::MAX_IN_FLIGHT,
                format!(
                    "{}: must be at most {MAX_IN_FLIGHT_FOR_IDEMPOTENCE} {WHY} \
                     (or set enable.idempotence=false)",
                    self.max_in_flight_per_connection
                ),
            ));
        }
        Ok(())
    }

    /// `linger.ms + request.timeout.ms`, capped at `i32::MAX` ms as the
    /// Java client does.
    fn min_delivery_timeout(&self) -> Duration {
        self.linger
            .saturating_add(self.request_timeout)
            .min(INT_MAX_MS)
    }
}

/// A builder for [`ProducerConfig`], from [`ProducerConfig::builder`].
///
/// Every setter stores its value; [`build`](Self::build) checks them all.
/// `bootstrap_servers` is required. Java client behaviour kept here:
///
/// - If [`enable_idempotence`](Self::enable_idempotence) is never called,
///   idempotence is on unless `acks`, `retries` or
///   `max_in_flight_per_connection` conflict with it, in which case it is
///   silently turned off. If it is called with `true`, such a conflict is an
///   error naming the conflicting key.
/// - If [`delivery_timeout`](Self::delivery_timeout) is never called and
///   its default is below `linger + request_timeout`, it is raised to that
///   sum; if it is called, a smaller value is an error.
#[derive(Clone, Debug)]
#[must_use = "a builder does nothing until `build` is called"]
pub struct ProducerConfigBuilder {
    config: ProducerConfig,
    /// `None` until `bootstrap_servers` is called; the first bad address.
    bootstrap_servers: Option<Result<Vec<BrokerAddress>, ConfigError>>,
    idempotence_explicit: bool,
    delivery_timeout_explicit: bool,
}

/// Setters that store their argument in the field of the same name.
macro_rules! setters {
    ($($(#[doc = $doc:expr])* $field:ident: $ty:ty;)*) => {$(
        $(#[doc = $doc])*
        pub fn $field(mut self, value: $ty) -> Self {
            self.config.$field = value;
            self
        }
    )*};
}

impl ProducerConfigBuilder {
    /// `bootstrap.servers` (required): where to fetch the first cluster map.
    /// Takes [`BrokerAddress`] values or `host:port` strings (IPv6 literals
    /// in brackets, `[::1]:9092`); a bad string is reported by
    /// [`build`](Self::build).
    pub fn bootstrap_servers<I>(mut self, servers: I) -> Self
    where
        I: IntoIterator,
        I::Item: IntoBrokerAddress,
    {
        let servers = servers
            .into_iter()
            .map(IntoBrokerAddress::into_broker_address)
            .collect();
        self.bootstrap_servers = Some(servers);
        self
    }

    /// `client.id` (default `kafka-sansio`): sent in every request header.
    pub fn client_id(mut self, client_id: impl Into<String>) -> Self {
        self.config.client_id = client_id.into();
        self
    }

    /// `enable.idempotence` (default true), set explicitly: with `true`,
    /// settings that conflict with idempotence are errors instead of
    /// turning it off.
    pub fn enable_idempotence(mut self, enable: bool) -> Self {
        self.config.enable_idempotence = enable;
        self.idempotence_explicit = true;
        self
    }

    /// `delivery.timeout.ms` (default 120 s), set explicitly: it must be at
    /// least `linger + request_timeout`.
    pub fn delivery_timeout(mut self, timeout: Duration) -> Self {
        self.config.delivery_timeout = timeout;
        self.delivery_timeout_explicit = true;
        self
    }

    setters! {
        /// `acks` (default [`Acks::All`]).
        acks: Acks;
        /// `linger.ms` (default 5 ms): how long a batch waits for more
        /// records.
        linger: Duration;
        /// `batch.size` (default 16384 bytes; 0 means one record a batch).
        batch_size: usize;
        /// `buffer.memory` (default 32 MiB): bytes held for unsent records.
        buffer_memory: usize;
        /// `max.request.size` (default 1 MiB).
        max_request_size: usize;
        /// `max.in.flight.requests.per.connection` (default 5).
        max_in_flight_per_connection: usize;
        /// `retries` (default `i32::MAX`).
        retries: u32;
        /// `retry.backoff.ms` (default 100 ms).
        retry_backoff: Duration;
        /// `retry.backoff.max.ms` (default 1 s).
        retry_backoff_max: Duration;
        /// `reconnect.backoff.ms` (default 50 ms).
        reconnect_backoff: Duration;
        /// `reconnect.backoff.max.ms` (default 1 s).
        reconnect_backoff_max: Duration;
        /// `socket.connection.setup.timeout.ms` (default 10 s).
        connection_setup_timeout: Duration;
        /// `request.timeout.ms` (default 30 s).
        request_timeout: Duration;
        /// `metadata.max.age.ms` (default 5 min).
        metadata_max_age: Duration;
        /// `max.block.ms` (default 60 s): how long an adapter's blocking
        /// `send` waits for buffer space.
        max_block: Duration;
        /// `compression.type` and its level (default [`Compression::None`]).
        compression: Compression;
        /// `partitioner.adaptive.partitioning.enable` (default true).
        partitioner_adaptive: bool;
        /// `partitioner.availability.timeout.ms` (default 0: off).
        partitioner_availability_timeout: Duration;
        /// `partitioner.ignore.keys` (default false).
        partitioner_ignore_keys: bool;
        /// `allow.auto.create.topics` (default true, as in Java).
        allow_auto_create_topics: bool;
        /// `metadata.recovery.strategy` (default
        /// [`MetadataRecoveryStrategy::Rebootstrap`]).
        metadata_recovery_strategy: MetadataRecoveryStrategy;
        /// `kafka-sansio.max.response.size` (default 100 MiB): the largest
        /// response frame accepted from a broker.
        max_response_size: usize;
        /// `kafka-sansio.seed` (default 0): seeds jitter, sticky partition
        /// choice and bootstrap order.
        seed: u64;
    }

    /// The configuration, after the implicit adjustments described on
    /// [`ProducerConfigBuilder`] and [`ProducerConfig::validate`].
    pub fn build(self) -> Result<ProducerConfig, ConfigError> {
        let mut config = self.config;
        config.bootstrap_servers = match self.bootstrap_servers {
            None => {
                return Err(err(
                    key::BOOTSTRAP_SERVERS,
                    "required: no bootstrap servers were given",
                ));
            }
            Some(servers) => servers?,
        };
        if !self.idempotence_explicit
            && config.enable_idempotence
            && config.check_idempotence().is_err()
        {
            config.enable_idempotence = false;
        }
        if !self.delivery_timeout_explicit {
            config.delivery_timeout = config.delivery_timeout.max(config.min_delivery_timeout());
        }
        config.validate()?;
        Ok(config)
    }
}

fn check_client_id(client_id: &str) -> Result<(), ConfigError> {
    if client_id.len() > MAX_CLIENT_ID_LEN {
        return Err(err(
            key::CLIENT_ID,
            format!(
                "{} bytes is longer than {MAX_CLIENT_ID_LEN}",
                client_id.len()
            ),
        ));
    }
    match client_id.chars().find(|c| c.is_control()) {
        Some(c) => Err(err(
            key::CLIENT_ID,
            format!("{client_id:?} contains the control character {c:?}"),
        )),
        None => Ok(()),
    }
}

/// `value` in `min..=max`, or an error naming `key`.
fn check_count(key: &str, value: usize, min: usize, max: usize) -> Result<(), ConfigError> {
    if value < min {
        Err(err(key, format!("{value}: must be at least {min}")))
    } else if value > max {
        Err(err(key, format!("{value}: must be at most {max}")))
    } else {
        Ok(())
    }
}

/// A [`Compression::validate`] failure, named after the key at fault.
fn compression_error(error: RecordError) -> ConfigError {
    let key = match error {
        RecordError::InvalidLevel {
            codec: CompressionType::Gzip,
            ..
        } => key::COMPRESSION_GZIP_LEVEL,
        RecordError::InvalidLevel {
            codec: CompressionType::Zstd,
            ..
        } => key::COMPRESSION_ZSTD_LEVEL,
        _ => key::COMPRESSION_TYPE,
    };
    err(key, error.to_string())
}

fn err(key: &str, reason: impl Into<String>) -> ConfigError {
    ConfigError {
        key: key.to_owned(),
        reason: reason.into(),
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
