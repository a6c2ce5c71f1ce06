//! How a simulated cluster is built: broker count, size limits, the API
//! versions it advertises and the names it answers with.

use crate::protocol::ApiKey;

/// The configuration of a [`Cluster`](super::Cluster).
///
/// ```
/// use kafka_sansio::protocol::ApiKey;
/// use kafka_sansio::sim::ClusterConfig;
///
/// // Three brokers that speak Produce up to v9 only (name-based produce).
/// let config = ClusterConfig {
///     max_versions: vec![(ApiKey::PRODUCE, 9)],
///     ..ClusterConfig::with_brokers(3)
/// };
/// assert_eq!(config.brokers, 3);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClusterConfig {
    /// How many brokers there are; their node ids are `1..=brokers`.
    pub brokers: u32,
    /// The largest record batch a partition accepts, in bytes (Kafka's
    /// `max.message.bytes`). A larger batch is answered with
    /// `MESSAGE_TOO_LARGE`. Default 1 MiB.
    pub max_message_bytes: usize,
    /// The largest request frame a broker reads, in bytes (Kafka's
    /// `socket.request.max.bytes`). A frame that declares more closes the
    /// connection. Default 100 MiB.
    pub max_request_bytes: usize,
    /// Caps on the versions the brokers advertise and accept, as
    /// `(api, highest version)`: e.g. `(ApiKey::PRODUCE, 9)` to make a
    /// client produce by topic name. An API capped below the lowest
    /// version the codec speaks is not advertised at all.
    pub max_versions: Vec<(ApiKey, i16)>,
    /// The cluster id given in Metadata responses.
    pub cluster_id: String,
    /// The port every broker listens on at first; hosts are `broker-<id>`.
    pub port: u16,
    /// Wall-clock time, in ms since the Unix epoch, at the first `now` the
    /// cluster is given. LogAppendTime timestamps count from it.
    pub start_unix_ms: i64,
}

impl Default for ClusterConfig {
    /// Three brokers, Kafka's default limits, every codec version.
    fn default() -> Self {
        Self {
            brokers: 3,
            max_message_bytes: 1 << 20,
            max_request_bytes: 100 << 20,
            max_versions: Vec::new(),
            cluster_id: "sim-cluster".to_owned(),
            port: 9092,
            start_unix_ms: 1_700_000_000_000,
        }
    }
}

impl ClusterConfig {
    /// The default configuration with `brokers` brokers.
    pub fn with_brokers(brokers: u32) -> Self {
        Self {
            brokers,
            ..Self::default()
        }
    }

    /// The lowest cap given for `api` in [`ClusterConfig::max_versions`].
    pub(super) fn version_cap(&self, api: ApiKey) -> Option<i16> {
        self.max_versions
            .iter()
            .filter(|(key, _)| *key == api)
            .map(|&(_, max)| max)
            .min()
    }
}
