//! [`ProducerConfig::from_properties`]: the Java client's property keys and
//! value syntax.

use std::collections::HashMap;
use std::num::IntErrorKind;
use std::time::Duration;

use crate::record::compression::{GZIP_LEVELS, ZSTD_LEVELS};
use crate::record::{Compression, CompressionType};

use super::{
    Acks, BrokerAddress, ConfigError, MetadataRecoveryStrategy, ProducerConfig,
    ProducerConfigBuilder, err, key,
};

/// The Java client's `compression.lz4.level` range (LZ4-HC levels).
const LZ4_LEVELS: (i32, i32) = (1, 17);
/// Java's `Deflater.DEFAULT_COMPRESSION`, accepted by
/// `compression.gzip.level` as "the default level".
const GZIP_DEFAULT: i32 = -1;

const INT: i128 = i32::MAX as i128;
const LONG: i128 = i64::MAX as i128;

impl ProducerConfig {
    /// A configuration from the Java client's properties, validated.
    ///
    /// Values are trimmed of surrounding whitespace, as the Java client
    /// does. A key given twice takes its last value (as
    /// `java.util.Properties`). Keys not given keep their
    /// [defaults](ProducerConfig::default), except `bootstrap.servers`,
    /// which is required. The explicit-versus-default rules of
    /// [`ProducerConfigBuilder`] apply: `enable.idempotence` left out is
    /// silently turned off by conflicting `acks`, `retries` or
    /// `max.in.flight.requests.per.connection`, and `delivery.timeout.ms`
    /// left out is raised to `linger.ms + request.timeout.ms`.
    ///
    /// | key | value |
    /// | --- | --- |
    /// | `bootstrap.servers` | comma-separated `host:port` / `[ipv6]:port`; empty entries are skipped, at least one is required |
    /// | `client.id` | a string |
    /// | `acks` | `0`, `1`, `-1` or `all` |
    /// | `enable.idempotence`, `partitioner.adaptive.partitioning.enable`, `partitioner.ignore.keys`, `allow.auto.create.topics` | `true` or `false`, any case |
    /// | `linger.ms`, `retry.backoff.ms`, `retry.backoff.max.ms`, `reconnect.backoff.ms`, `reconnect.backoff.max.ms`, `socket.connection.setup.timeout.ms`, `metadata.max.age.ms`, `max.block.ms`, `partitioner.availability.timeout.ms` | milliseconds, 0..=`i64::MAX` |
    /// | `request.timeout.ms`, `delivery.timeout.ms` | milliseconds, 0..=`i32::MAX` (then validated) |
    /// | `batch.size`, `max.request.size`, `retries` | 0..=`i32::MAX` |
    /// | `max.in.flight.requests.per.connection` | 1..=`i32::MAX` |
    /// | `buffer.memory` | bytes, 0..=`i64::MAX` (then validated) |
    /// | `compression.type` | `none`, `gzip`, `snappy`, `lz4` or `zstd` |
    /// | `compression.gzip.level` | 1..=9, or -1 for the default (6) |
    /// | `compression.zstd.level` | -131072..=22 |
    /// | `compression.lz4.level` | 1..=17, checked and then **ignored**: the `lz4_flex` backend has only the fast compressor, not LZ4-HC |
    /// | `compression.level` | a level for the chosen `compression.type`, with that codec's range; an error for `none` and `snappy`, and when it differs from the codec's own level key |
    /// | `metadata.recovery.strategy` | `none` or `rebootstrap`, any case |
    /// | `kafka-sansio.seed` | 0..=`u64::MAX` |
    /// | `kafka-sansio.max.response.size` | bytes (then validated) |
    ///
    /// The codec-specific level keys are checked even when another codec is
    /// chosen, and used only for their own codec, as in the Java client.
    ///
    /// Any other key is an error naming it: the Java client's keys that
    /// kafka-sansio leaves out on purpose (`transactional.id`,
    /// `key.serializer`, `value.serializer`, `partitioner.class`,
    /// `interceptor.classes`, `security.protocol`, `sasl.*`, `ssl.*`,
    /// metrics and socket options, ...) with the reason
    /// "not supported by kafka-sansio (...)", anything else as an unknown
    /// key.
    ///
    /// ```
    /// use std::time::Duration;
    /// use kafka_sansio::producer::{Acks, ProducerConfig};
    ///
    /// let config = ProducerConfig::from_properties([
    ///     ("bootstrap.servers", "kafka-1:9092,kafka-2:9092"),
    ///     ("acks", "1"),
    ///     ("linger.ms", "50"),
    /// ])?;
    /// assert_eq!(config.acks, Acks::Leader);
    /// assert!(!config.enable_idempotence); // turned off by acks=1
    /// assert_eq!(config.linger, Duration::from_millis(50));
    ///
    /// let err = ProducerConfig::from_properties([("transactional.id", "tx")]).unwrap_err();
    /// assert_eq!(err.key, "transactional.id");
    /// assert!(err.reason.starts_with("not supported by kafka-sansio"));
    /// # Ok::<(), kafka_sansio::producer::ConfigError>(())
    /// ```
    pub fn from_properties<I, K, V>(props: I) -> Result<ProducerConfig, ConfigError>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let mut builder = ProducerConfig::builder();
        let mut compression = CompressionSettings::default();
        for (key, value) in last_wins(props) {
            builder = apply(builder, &mut compression, &key, value.trim())?;
        }
        builder.compression(compression.resolve()?).build()
    }
}

/// The properties in first-seen order, each with its last value.
fn last_wins<I, K, V>(props: I) -> Vec<(String, String)>
where
    I: IntoIterator<Item = (K, V)>,
    K: AsRef<str>,
    V: AsRef<str>,
{
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut entries: Vec<(String, String)> = Vec::new();
    for (key, value) in props {
        let (key, value) = (key.as_ref(), value.as_ref().to_owned());
        match index.get(key) {
            Some(&i) => entries[i].1 = value,
            None => {
                index.insert(key.to_owned(), entries.len());
                entries.push((key.to_owned(), value));
            }
        }
    }
    entries
}

/// Sets one property on the builder (compression keys are gathered in
/// `compression`, as they depend on each other).
fn apply(
    b: ProducerConfigBuilder,
    compression: &mut CompressionSettings,
    k: &str,
    v: &str,
) -> Result<ProducerConfigBuilder, ConfigError> {
    Ok(match k {
        key::BOOTSTRAP_SERVERS => b.bootstrap_servers(servers(v)?),
        key::CLIENT_ID => b.client_id(v),
        key::ACKS => b.acks(acks(v)?),
        key::ENABLE_IDEMPOTENCE => b.enable_idempotence(boolean(k, v)?),
        key::LINGER_MS => b.linger(millis(k, v, LONG)?),
        key::BATCH_SIZE => b.batch_size(size(k, v, 0, INT)?),
        key::BUFFER_MEMORY => b.buffer_memory(size(k, v, 0, LONG)?),
        key::MAX_REQUEST_SIZE => b.max_request_size(size(k, v, 0, INT)?),
        key::MAX_IN_FLIGHT => b.max_in_flight_per_connection(size(k, v, 1, INT)?),
        key::RETRIES => b.retries(int(k, v, 0, INT)? as u32),
        key::RETRY_BACKOFF_MS => b.retry_backoff(millis(k, v, LONG)?),
        key::RETRY_BACKOFF_MAX_MS => b.retry_backoff_max(millis(k, v, LONG)?),
        key::RECONNECT_BACKOFF_MS => b.reconnect_backoff(millis(k, v, LONG)?),
        key::RECONNECT_BACKOFF_MAX_MS => b.reconnect_backoff_max(millis(k, v, LONG)?),
        key::CONNECTION_SETUP_TIMEOUT_MS => b.connection_setup_timeout(millis(k, v, LONG)?),
        key::REQUEST_TIMEOUT_MS => b.request_timeout(millis(k, v, INT)?),
        key::DELIVERY_TIMEOUT_MS => b.delivery_timeout(millis(k, v, INT)?),
        key::METADATA_MAX_AGE_MS => b.metadata_max_age(millis(k, v, LONG)?),
        key::MAX_BLOCK_MS => b.max_block(millis(k, v, LONG)?),
        key::COMPRESSION_TYPE => {
            compression.codec = Some(codec(v)?);
            b
        }
        key::COMPRESSION_LEVEL => {
            compression.level = Some(int(k, v, i32::MIN.into(), i32::MAX.into())? as i32);
            b
        }
        key::COMPRESSION_GZIP_LEVEL => {
            compression.gzip = Some(level(k, v, CompressionType::Gzip)?);
            b
        }
        key::COMPRESSION_ZSTD_LEVEL => {
            compression.zstd = Some(level(k, v, CompressionType::Zstd)?);
            b
        }
        key::COMPRESSION_LZ4_LEVEL => {
            compression.lz4 = Some(level(k, v, CompressionType::Lz4)?);
            b
        }
        key::PARTITIONER_ADAPTIVE => b.partitioner_adaptive(boolean(k, v)?),
        key::PARTITIONER_AVAILABILITY_TIMEOUT_MS => {
            b.partitioner_availability_timeout(millis(k, v, LONG)?)
        }
        key::PARTITIONER_IGNORE_KEYS => b.partitioner_ignore_keys(boolean(k, v)?),
        key::ALLOW_AUTO_CREATE_TOPICS => b.allow_auto_create_topics(boolean(k, v)?),
        key::METADATA_RECOVERY_STRATEGY => b.metadata_recovery_strategy(recovery(v)?),
        key::SEED => b.seed(int(k, v, 0, u64::MAX.into())? as u64),
        key::MAX_RESPONSE_SIZE => b.max_response_size(size(k, v, 0, usize::MAX as i128)?),
        _ => {
            return Err(match unsupported(k) {
                Some(why) => err(k, format!("not supported by kafka-sansio ({why})")),
                None => err(k, "unknown key"),
            });
        }
    })
}

/// Why a well-known Java client key is left out, or `None` for a key the
/// Java producer does not have either.
fn unsupported(k: &str) -> Option<&'static str> {
    Some(match k {
        "key.serializer" | "value.serializer" => {
            "keys and values are bytes; serialize before sending"
        }
        "partitioner.class" => {
            "only the built-in partitioner; set a record's partition to choose it yourself"
        }
        "interceptor.classes" => "no interceptors; wrap send and the delivery reports",
        "transactional.id" | "transaction.timeout.ms" | "transaction.two.phase.commit.enable" => {
            "transactions are not implemented"
        }
        "security.protocol" | "security.providers" => {
            "plaintext only: TLS belongs to the caller's transport and SASL is not implemented"
        }
        k if k.starts_with("sasl.") || k.starts_with("ssl.") => {
            "plaintext only: TLS belongs to the caller's transport and SASL is not implemented"
        }
        "send.buffer.bytes" | "receive.buffer.bytes" | "client.dns.lookup" => {
            "sockets and name resolution belong to the caller's I/O layer"
        }
        "metric.reporters"
        | "metrics.num.samples"
        | "metrics.sample.window.ms"
        | "metrics.recording.level"
        | "auto.include.jmx.reporter"
        | "enable.metrics.push" => "no metrics system; read Producer::stats and the events",
        "connections.max.idle.ms"
        | "metadata.max.idle.ms"
        | "metadata.recovery.rebootstrap.trigger.ms"
        | "socket.connection.setup.timeout.max.ms" => "not implemented",
        _ => return None,
    })
}

/// The compression keys, resolved together once all are read.
#[derive(Default)]
struct CompressionSettings {
    codec: Option<CompressionType>,
    /// `compression.level`, not yet checked against the codec.
    level: Option<i32>,
    gzip: Option<i32>,
    zstd: Option<i32>,
    lz4: Option<i32>,
}

impl CompressionSettings {
    fn resolve(self) -> Result<Compression, ConfigError> {
        let codec = self.codec.unwrap_or(CompressionType::None);
        let (own_key, own_level) = match codec {
            CompressionType::None | CompressionType::Snappy => {
                return match self.level {
                    Some(level) => Err(err(
                        key::COMPRESSION_LEVEL,
                        format!("{level}: compression.type={codec} has no levels"),
                    )),
                    None => Ok(Compression::from(codec)),
                };
            }
            CompressionType::Gzip => (key::COMPRESSION_GZIP_LEVEL, self.gzip),
            CompressionType::Zstd => (key::COMPRESSION_ZSTD_LEVEL, self.zstd),
            CompressionType::Lz4 => (key::COMPRESSION_LZ4_LEVEL, self.lz4),
        };
        let level = match (self.level, own_level) {
            (Some(level), Some(own)) if level != own => {
                return Err(err(
                    key::COMPRESSION_LEVEL,
                    format!("{level} conflicts with {own_key}={own}"),
                ));
            }
            (Some(level), _) => Some(check_level(key::COMPRESSION_LEVEL, codec, level.into())?),
            (None, own) => own,
        };
        Ok(match codec {
            CompressionType::Gzip => Compression::Gzip {
                level: level.filter(|&l| l != GZIP_DEFAULT),
            },
            CompressionType::Zstd => Compression::Zstd { level },
            _ => Compression::from(codec),
        })
    }
}

/// A level for `codec` from the string `v` of key `k`.
fn level(k: &str, v: &str, codec: CompressionType) -> Result<i32, ConfigError> {
    check_level(k, codec, int(k, v, i32::MIN.into(), i32::MAX.into())?)
}

/// `level` checked against `codec`'s range, as the Java client checks it.
fn check_level(k: &str, codec: CompressionType, level: i128) -> Result<i32, ConfigError> {
    let (min, max) = match codec {
        CompressionType::Gzip => GZIP_LEVELS,
        CompressionType::Zstd => ZSTD_LEVELS,
        _ => LZ4_LEVELS,
    };
    let ok = (i128::from(min)..=i128::from(max)).contains(&level)
        || (codec == CompressionType::Gzip && level == i128::from(GZIP_DEFAULT));
    if ok {
        Ok(level as i32)
    } else if codec == CompressionType::Gzip {
        Err(err(
            k,
            format!("{level}: a {codec} level is {min}..={max}, or {GZIP_DEFAULT} for the default"),
        ))
    } else {
        Err(err(k, format!("{level}: a {codec} level is {min}..={max}")))
    }
}

fn servers(v: &str) -> Result<Vec<BrokerAddress>, ConfigError> {
    let servers = v
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::parse)
        .collect::<Result<Vec<BrokerAddress>, ConfigError>>()?;
    if servers.is_empty() {
        return Err(err(
            key::BOOTSTRAP_SERVERS,
            format!("{v:?}: at least one host:port is required"),
        ));
    }
    Ok(servers)
}

fn acks(v: &str) -> Result<Acks, ConfigError> {
    match v {
        "0" => Ok(Acks::None),
        "1" => Ok(Acks::Leader),
        "-1" | "all" => Ok(Acks::All),
        _ => Err(err(key::ACKS, format!("{v:?} is not one of 0, 1, -1, all"))),
    }
}

fn codec(v: &str) -> Result<CompressionType, ConfigError> {
    [
        CompressionType::None,
        CompressionType::Gzip,
        CompressionType::Snappy,
        CompressionType::Lz4,
        CompressionType::Zstd,
    ]
    .into_iter()
    .find(|codec| codec.name() == v)
    .ok_or_else(|| {
        err(
            key::COMPRESSION_TYPE,
            format!("{v:?} is not one of none, gzip, snappy, lz4, zstd"),
        )
    })
}

fn recovery(v: &str) -> Result<MetadataRecoveryStrategy, ConfigError> {
    if v.eq_ignore_ascii_case("none") {
        Ok(MetadataRecoveryStrategy::None)
    } else if v.eq_ignore_ascii_case("rebootstrap") {
        Ok(MetadataRecoveryStrategy::Rebootstrap)
    } else {
        Err(err(
            key::METADATA_RECOVERY_STRATEGY,
            format!("{v:?} is not one of none, rebootstrap"),
        ))
    }
}

/// `true` or `false` in any case, as Java's `ConfigDef` parses booleans.
fn boolean(k: &str, v: &str) -> Result<bool, ConfigError> {
    if v.eq_ignore_ascii_case("true") {
        Ok(true)
    } else if v.eq_ignore_ascii_case("false") {
        Ok(false)
    } else {
        Err(err(k, format!("{v:?} is not true or false")))
    }
}

/// A decimal integer in `min..=max` (an optional sign, then digits).
fn int(k: &str, v: &str, min: i128, max: i128) -> Result<i128, ConfigError> {
    let out_of_range = || err(k, format!("{v}: must be in {min}..={max}"));
    match v.parse::<i128>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        Ok(_) => Err(out_of_range()),
        Err(e)
            if matches!(
                e.kind(),
                IntErrorKind::PosOverflow | IntErrorKind::NegOverflow
            ) =>
        {
            Err(out_of_range())
        }
        Err(_) => Err(err(k, format!("{v:?} is not an integer"))),
    }
}

/// A byte count or other size in `min..=max`, bounded by `usize`.
fn size(k: &str, v: &str, min: i128, max: i128) -> Result<usize, ConfigError> {
    Ok(int(k, v, min, max.min(usize::MAX as i128))? as usize)
}

/// Milliseconds in `0..=max`.
fn millis(k: &str, v: &str, max: i128) -> Result<Duration, ConfigError> {
    Ok(Duration::from_millis(int(k, v, 0, max)? as u64))
}
