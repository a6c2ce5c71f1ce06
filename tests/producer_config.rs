//! Producer configuration through the public API: Java defaults, the typed
//! builder, every property key, the rejections (each naming its key), the
//! Java client's explicit-versus-default idempotence and delivery-timeout
//! rules, broker address parsing, and a property test that no key/value
//! pair panics or blames another key.

use std::time::Duration;

use kafka_sansio::producer::{
    Acks, BrokerAddress, ConfigError, MetadataRecoveryStrategy, ProducerConfig,
};
use kafka_sansio::record::Compression;
use proptest::prelude::*;

const BOOTSTRAP: (&str, &str) = ("bootstrap.servers", "localhost:9092");

/// Every key `from_properties` accepts.
const KEYS: [&str; 35] = [
    "bootstrap.servers",
    "client.id",
    "acks",
    "enable.idempotence",
    "linger.ms",
    "batch.size",
    "buffer.memory",
    "max.request.size",
    "max.in.flight.requests.per.connection",
    "retries",
    "retry.backoff.ms",
    "retry.backoff.max.ms",
    "reconnect.backoff.ms",
    "reconnect.backoff.max.ms",
    "socket.connection.setup.timeout.ms",
    "request.timeout.ms",
    "delivery.timeout.ms",
    "metadata.max.age.ms",
    "max.block.ms",
    "compression.type",
    "compression.level",
    "compression.gzip.level",
    "compression.zstd.level",
    "compression.lz4.level",
    "partitioner.adaptive.partitioning.enable",
    "partitioner.availability.timeout.ms",
    "partitioner.ignore.keys",
    "allow.auto.create.topics",
    "metadata.recovery.strategy",
    "kafka-sansio.seed",
    "kafka-sansio.max.response.size",
    // Repeated on purpose: the two most tangled keys get more cases.
    "enable.idempotence",
    "delivery.timeout.ms",
    "compression.type",
    "compression.level",
];

/// `bootstrap.servers=localhost:9092` plus `props`.
fn parse(props: &[(&str, &str)]) -> Result<ProducerConfig, ConfigError> {
    ProducerConfig::from_properties(std::iter::once(BOOTSTRAP).chain(props.iter().copied()))
}

/// The error for `props`, which must fail.
fn rejection(props: &[(&str, &str)]) -> ConfigError {
    match parse(props) {
        Ok(config) => panic!("{props:?} was accepted: {config:?}"),
        Err(e) => e,
    }
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn localhost() -> Vec<BrokerAddress> {
    vec![BrokerAddress::new("localhost", 9092)]
}

#[test]
fn defaults_are_the_java_clients() {
    let c = ProducerConfig::default();
    assert_eq!(c.acks, Acks::All);
    assert!(c.enable_idempotence);
    assert_eq!(c.linger, ms(5));
    assert_eq!(c.batch_size, 16_384);
    assert_eq!(c.buffer_memory, 33_554_432);
    assert_eq!(c.max_request_size, 1_048_576);
    assert_eq!(c.max_in_flight_per_connection, 5);
    assert_eq!(c.retries, 2_147_483_647);
    assert_eq!(c.retry_backoff, ms(100));
    assert_eq!(c.retry_backoff_max, ms(1_000));
    assert_eq!(c.reconnect_backoff, ms(50));
    assert_eq!(c.reconnect_backoff_max, ms(1_000));
    assert_eq!(c.connection_setup_timeout, ms(10_000));
    assert_eq!(c.request_timeout, ms(30_000));
    assert_eq!(c.delivery_timeout, ms(120_000));
    assert_eq!(c.metadata_max_age, ms(300_000));
    assert_eq!(c.max_block, ms(60_000));
    assert_eq!(c.compression, Compression::None);
    assert!(c.partitioner_adaptive);
    assert_eq!(c.partitioner_availability_timeout, Duration::ZERO);
    assert!(!c.partitioner_ignore_keys);
    assert!(c.allow_auto_create_topics);
    assert_eq!(
        c.metadata_recovery_strategy,
        MetadataRecoveryStrategy::Rebootstrap
    );
    assert_eq!(c.bootstrap_servers, localhost());
    assert_eq!(c.validate(), Ok(()));

    // Neither way in changes a default that was not asked for.
    assert_eq!(parse(&[]).unwrap(), c);
    let built = ProducerConfig::builder()
        .bootstrap_servers(["localhost:9092"])
        .build()
        .unwrap();
    assert_eq!(built, c);
}

/// A configuration with every field away from its default (and valid
/// with idempotence off).
fn everything_changed() -> ProducerConfig {
    let mut c = ProducerConfig::default();
    c.bootstrap_servers = vec![
        BrokerAddress::new("kafka-1.example", 9093),
        BrokerAddress::new("::1", 19092),
        BrokerAddress::new("10.0.0.7", 9094),
    ];
    c.client_id = "orders-app".to_owned();
    c.acks = Acks::Leader;
    c.enable_idempotence = false;
    c.linger = ms(25);
    c.batch_size = 65_536;
    c.buffer_memory = 1_000_000;
    c.max_request_size = 2_000_000;
    c.max_in_flight_per_connection = 3;
    c.retries = 7;
    c.retry_backoff = ms(200);
    c.retry_backoff_max = ms(5_000);
    c.reconnect_backoff = ms(75);
    c.reconnect_backoff_max = ms(8_000);
    c.connection_setup_timeout = ms(4_000);
    c.request_timeout = ms(15_000);
    c.delivery_timeout = ms(60_000);
    c.metadata_max_age = ms(60_000);
    c.max_block = ms(2_500);
    c.compression = Compression::Zstd { level: Some(9) };
    c.partitioner_adaptive = false;
    c.partitioner_availability_timeout = ms(3_000);
    c.partitioner_ignore_keys = true;
    c.allow_auto_create_topics = false;
    c.metadata_recovery_strategy = MetadataRecoveryStrategy::None;
    c.max_response_size = 4_194_304;
    c.seed = 18_446_744_073_709_551_615;
    c
}

#[test]
fn builder_sets_every_field() {
    let built = ProducerConfig::builder()
        .bootstrap_servers(["kafka-1.example:9093", "[::1]:19092", " 10.0.0.7:9094 "])
        .client_id("orders-app")
        .acks(Acks::Leader)
        .enable_idempotence(false)
        .linger(ms(25))
        .batch_size(65_536)
        .buffer_memory(1_000_000)
        .max_request_size(2_000_000)
        .max_in_flight_per_connection(3)
        .retries(7)
        .retry_backoff(ms(200))
        .retry_backoff_max(ms(5_000))
        .reconnect_backoff(ms(75))
        .reconnect_backoff_max(ms(8_000))
        .connection_setup_timeout(ms(4_000))
        .request_timeout(ms(15_000))
        .delivery_timeout(ms(60_000))
        .metadata_max_age(ms(60_000))
        .max_block(ms(2_500))
        .compression(Compression::Zstd { level: Some(9) })
        .partitioner_adaptive(false)
        .partitioner_availability_timeout(ms(3_000))
        .partitioner_ignore_keys(true)
        .allow_auto_create_topics(false)
        .metadata_recovery_strategy(MetadataRecoveryStrategy::None)
        .max_response_size(4_194_304)
        .seed(u64::MAX)
        .build()
        .unwrap();
    assert_eq!(built, everything_changed());
}

#[test]
fn builder_takes_addresses_as_values_or_strings() {
    let addrs = vec![BrokerAddress::new("a", 1), BrokerAddress::new("b", 2)];
    let by_ref = ProducerConfig::builder()
        .bootstrap_servers(&addrs)
        .build()
        .unwrap();
    let by_value = ProducerConfig::builder()
        .bootstrap_servers(addrs.clone())
        .build()
        .unwrap();
    let strings = vec!["a:1".to_owned(), "b:2".to_owned()];
    let by_string_ref = ProducerConfig::builder()
        .bootstrap_servers(&strings)
        .build()
        .unwrap();
    let by_string = ProducerConfig::builder()
        .bootstrap_servers(strings)
        .build()
        .unwrap();
    for c in [by_ref, by_value, by_string_ref, by_string] {
        assert_eq!(c.bootstrap_servers, addrs);
    }
}

#[test]
fn every_key_is_parsed() {
    let parsed = ProducerConfig::from_properties([
        (
            "bootstrap.servers",
            " kafka-1.example:9093 ,[::1]:19092,, 10.0.0.7:9094,",
        ),
        ("client.id", "orders-app"),
        ("acks", "1"),
        ("enable.idempotence", "FALSE"),
        ("linger.ms", "25"),
        ("batch.size", "65536"),
        ("buffer.memory", "1000000"),
        ("max.request.size", "2000000"),
        ("max.in.flight.requests.per.connection", "3"),
        ("retries", "7"),
        ("retry.backoff.ms", "200"),
        ("retry.backoff.max.ms", "5000"),
        ("reconnect.backoff.ms", "75"),
        ("reconnect.backoff.max.ms", "8000"),
        ("socket.connection.setup.timeout.ms", "4000"),
        ("request.timeout.ms", "15000"),
        ("delivery.timeout.ms", "60000"),
        ("metadata.max.age.ms", "60000"),
        ("max.block.ms", "2500"),
        ("compression.type", "zstd"),
        ("compression.zstd.level", "9"),
        ("compression.gzip.level", "2"),
        ("compression.lz4.level", "17"),
        ("partitioner.adaptive.partitioning.enable", "False"),
        ("partitioner.availability.timeout.ms", "3000"),
        ("partitioner.ignore.keys", "true"),
        ("allow.auto.create.topics", "false"),
        ("metadata.recovery.strategy", "NONE"),
        ("kafka-sansio.seed", "18446744073709551615"),
        ("kafka-sansio.max.response.size", "4194304"),
    ])
    .unwrap();
    assert_eq!(parsed, everything_changed());
}

#[test]
fn values_are_trimmed_and_the_last_of_a_repeated_key_wins() {
    let c = parse(&[
        ("linger.ms", "not a number"),
        ("acks", " all\t"),
        ("linger.ms", " 7 "),
        ("client.id", "  spaced  "),
        ("partitioner.ignore.keys", "\tTrUe "),
    ])
    .unwrap();
    assert_eq!(c.linger, ms(7));
    assert_eq!(c.acks, Acks::All);
    assert_eq!(c.client_id, "spaced");
    assert!(c.partitioner_ignore_keys);

    let e = rejection(&[("linger.ms", "7"), ("linger.ms", "-7")]);
    assert_eq!(e.key, "linger.ms");
    assert!(e.reason.contains("-7"), "{e}");
}

#[test]
fn acks_values() {
    for (text, acks) in [
        ("0", Acks::None),
        ("1", Acks::Leader),
        ("-1", Acks::All),
        ("all", Acks::All),
    ] {
        assert_eq!(parse(&[("acks", text)]).unwrap().acks, acks, "{text}");
    }
    assert_eq!(
        (Acks::None.wire(), Acks::Leader.wire(), Acks::All.wire()),
        (0, 1, -1)
    );
}

#[test]
fn compression_types_and_levels() {
    let cases: [(&[(&str, &str)], Compression); 13] = [
        (&[], Compression::None),
        (&[("compression.type", "none")], Compression::None),
        (&[("compression.type", "snappy")], Compression::Snappy),
        (&[("compression.type", "lz4")], Compression::Lz4),
        (&[("compression.type", "gzip")], Compression::GZIP),
        (&[("compression.type", "zstd")], Compression::ZSTD),
        (
            &[
                ("compression.type", "gzip"),
                ("compression.gzip.level", "9"),
            ],
            Compression::Gzip { level: Some(9) },
        ),
        // -1 is Java's Deflater.DEFAULT_COMPRESSION.
        (
            &[
                ("compression.type", "gzip"),
                ("compression.gzip.level", "-1"),
            ],
            Compression::GZIP,
        ),
        (
            &[
                ("compression.type", "zstd"),
                ("compression.zstd.level", "-5"),
            ],
            Compression::Zstd { level: Some(-5) },
        ),
        (
            &[("compression.level", "1"), ("compression.type", "gzip")],
            Compression::Gzip { level: Some(1) },
        ),
        (
            &[
                ("compression.type", "zstd"),
                ("compression.level", "22"),
                ("compression.zstd.level", "22"),
            ],
            Compression::Zstd { level: Some(22) },
        ),
        // The lz4 level is checked, then ignored: lz4_flex has no HC mode.
        (
            &[("compression.type", "lz4"), ("compression.lz4.level", "1")],
            Compression::Lz4,
        ),
        (
            &[("compression.type", "lz4"), ("compression.level", "12")],
            Compression::Lz4,
        ),
    ];
    for (props, expected) in cases {
        assert_eq!(parse(props).unwrap().compression, expected, "{props:?}");
    }
}

#[test]
fn compression_rejections_name_the_key() {
    let cases: [(&[(&str, &str)], &str); 12] = [
        (&[("compression.type", "GZIP")], "compression.type"),
        (&[("compression.type", "brotli")], "compression.type"),
        (&[("compression.gzip.level", "0")], "compression.gzip.level"),
        (
            &[("compression.gzip.level", "10")],
            "compression.gzip.level",
        ),
        (
            &[("compression.zstd.level", "23")],
            "compression.zstd.level",
        ),
        (
            &[("compression.zstd.level", "-131073")],
            "compression.zstd.level",
        ),
        (&[("compression.lz4.level", "0")], "compression.lz4.level"),
        (&[("compression.lz4.level", "18")], "compression.lz4.level"),
        (&[("compression.level", "3")], "compression.level"),
        (
            &[("compression.type", "snappy"), ("compression.level", "3")],
            "compression.level",
        ),
        (
            &[("compression.type", "gzip"), ("compression.level", "10")],
            "compression.level",
        ),
        (
            &[
                ("compression.type", "zstd"),
                ("compression.level", "4"),
                ("compression.zstd.level", "5"),
            ],
            "compression.level",
        ),
    ];
    for (props, key) in cases {
        assert_eq!(rejection(props).key, key, "{props:?}");
    }

    // Through the builder, a bad level names the codec's level key.
    let built = |compression| {
        ProducerConfig::builder()
            .bootstrap_servers(["a:1"])
            .compression(compression)
            .build()
            .unwrap_err()
            .key
    };
    assert_eq!(
        built(Compression::Gzip { level: Some(0) }),
        "compression.gzip.level"
    );
    assert_eq!(
        built(Compression::Zstd { level: Some(99) }),
        "compression.zstd.level"
    );
}

#[test]
fn bad_values_are_rejected_naming_key_and_value() {
    let cases = [
        ("acks", "2"),
        ("acks", "ALL"),
        ("enable.idempotence", "yes"),
        ("enable.idempotence", ""),
        ("linger.ms", "-1"),
        ("linger.ms", "5ms"),
        ("linger.ms", "1.5"),
        ("linger.ms", "9223372036854775808"),
        ("batch.size", "-1"),
        ("batch.size", "2147483648"),
        ("buffer.memory", "-1"),
        ("buffer.memory", "0"),
        ("max.request.size", "0"),
        ("max.request.size", "x"),
        ("max.in.flight.requests.per.connection", "0"),
        ("retries", "-1"),
        ("retries", "2147483648"),
        ("retry.backoff.ms", "-100"),
        ("retry.backoff.max.ms", "one"),
        ("reconnect.backoff.ms", "-50"),
        ("reconnect.backoff.max.ms", "-1"),
        ("socket.connection.setup.timeout.ms", "-1"),
        ("request.timeout.ms", "0"),
        ("request.timeout.ms", "-1"),
        ("request.timeout.ms", "2147483648"),
        ("delivery.timeout.ms", "-1"),
        ("metadata.max.age.ms", "-1"),
        ("partitioner.adaptive.partitioning.enable", "1"),
        ("partitioner.availability.timeout.ms", "-1"),
        ("partitioner.ignore.keys", "maybe"),
        ("metadata.recovery.strategy", "retry"),
        ("kafka-sansio.seed", "-1"),
        ("kafka-sansio.seed", "18446744073709551616"),
        ("kafka-sansio.max.response.size", "0"),
        ("kafka-sansio.max.response.size", "big"),
        ("client.id", "bad\nid"),
        ("bootstrap.servers", ""),
        ("bootstrap.servers", " , "),
        ("bootstrap.servers", "no-port"),
    ];
    for (key, value) in cases {
        let e = rejection(&[(key, value)]);
        assert_eq!(e.key, key, "{key}={value:?}: {e}");
        let shown = value.trim();
        assert!(
            e.reason.contains(shown) || e.reason.contains(&format!("{shown:?}")),
            "{key}={value:?}: reason does not show the value: {e}"
        );
    }
}

#[test]
fn bootstrap_servers_is_required() {
    let e = ProducerConfig::from_properties([("linger.ms", "1")]).unwrap_err();
    assert_eq!(e.key, "bootstrap.servers");
    let e = ProducerConfig::from_properties(Vec::<(&str, &str)>::new()).unwrap_err();
    assert_eq!(e.key, "bootstrap.servers");
    let e = ProducerConfig::builder().build().unwrap_err();
    assert_eq!(e.key, "bootstrap.servers");
    let e = ProducerConfig::builder()
        .bootstrap_servers(Vec::<BrokerAddress>::new())
        .build()
        .unwrap_err();
    assert_eq!(e.key, "bootstrap.servers");
    let e = ProducerConfig::builder()
        .bootstrap_servers(["good:1", "bad:port"])
        .build()
        .unwrap_err();
    assert_eq!(e.key, "bootstrap.servers");
    assert!(e.reason.contains("bad:port"), "{e}");
}

#[test]
fn unsupported_and_unknown_keys_are_told_apart() {
    for key in [
        "transactional.id",
        "transaction.timeout.ms",
        "key.serializer",
        "value.serializer",
        "partitioner.class",
        "interceptor.classes",
        "security.protocol",
        "sasl.mechanism",
        "sasl.jaas.config",
        "ssl.truststore.location",
        "send.buffer.bytes",
        "metric.reporters",
        "connections.max.idle.ms",
    ] {
        let e = rejection(&[(key, "x")]);
        assert_eq!(e.key, key);
        assert!(
            e.reason.starts_with("not supported by kafka-sansio ("),
            "{key}: {e}"
        );
    }
    for key in [
        "lingerms",
        "linger.ms ",
        "Linger.ms",
        "auto.offset.reset",
        "",
    ] {
        let e = rejection(&[(key, "1")]);
        assert_eq!(e.key, key);
        assert_eq!(e.reason, "unknown key");
    }
}

#[test]
fn idempotence_left_at_default_is_turned_off_by_conflicts() {
    for props in [
        [("acks", "1")],
        [("acks", "0")],
        [("retries", "0")],
        [("max.in.flight.requests.per.connection", "6")],
    ] {
        let c = parse(&props).unwrap();
        assert!(!c.enable_idempotence, "{props:?}");
        assert_eq!(c.validate(), Ok(()));
    }
    // Without a conflict it stays on; at the limit of 5 in flight too.
    assert!(parse(&[]).unwrap().enable_idempotence);
    let c = parse(&[("max.in.flight.requests.per.connection", "5")]).unwrap();
    assert!(c.enable_idempotence);

    let base = || ProducerConfig::builder().bootstrap_servers(["a:1"]);
    assert!(
        !base()
            .acks(Acks::Leader)
            .build()
            .unwrap()
            .enable_idempotence
    );
    assert!(!base().retries(0).build().unwrap().enable_idempotence);
    let c = base().max_in_flight_per_connection(10).build().unwrap();
    assert!(!c.enable_idempotence);
    assert!(base().build().unwrap().enable_idempotence);
}

#[test]
fn idempotence_set_explicitly_rejects_conflicts() {
    let cases = [
        (vec![("acks", "1")], "acks"),
        (vec![("acks", "0")], "acks"),
        (vec![("retries", "0")], "retries"),
        (
            vec![("max.in.flight.requests.per.connection", "6")],
            "max.in.flight.requests.per.connection",
        ),
        // Java checks retries first, then acks, then in-flight.
        (vec![("acks", "1"), ("retries", "0")], "retries"),
        (
            vec![
                ("acks", "1"),
                ("max.in.flight.requests.per.connection", "6"),
            ],
            "acks",
        ),
    ];
    for (mut props, key) in cases {
        props.push(("enable.idempotence", "true"));
        assert_eq!(rejection(&props).key, key, "{props:?}");
        // Explicitly false: no conflict.
        props.push(("enable.idempotence", "false"));
        assert!(!parse(&props).unwrap().enable_idempotence, "{props:?}");
    }

    let base = || {
        ProducerConfig::builder()
            .bootstrap_servers(["a:1"])
            .enable_idempotence(true)
    };
    assert_eq!(base().acks(Acks::None).build().unwrap_err().key, "acks");
    assert_eq!(base().retries(0).build().unwrap_err().key, "retries");
    assert_eq!(
        base()
            .max_in_flight_per_connection(6)
            .build()
            .unwrap_err()
            .key,
        "max.in.flight.requests.per.connection"
    );
    assert!(base().build().unwrap().enable_idempotence);
}

#[test]
fn validate_treats_idempotence_as_explicit() {
    let mut c = ProducerConfig::default();
    c.acks = Acks::Leader;
    assert_eq!(c.validate().unwrap_err().key, "acks");
    c.enable_idempotence = false;
    assert_eq!(c.validate(), Ok(()));

    let mut c = ProducerConfig::default();
    c.retries = 0;
    assert_eq!(c.validate().unwrap_err().key, "retries");

    let mut c = ProducerConfig::default();
    c.max_in_flight_per_connection = 6;
    assert_eq!(
        c.validate().unwrap_err().key,
        "max.in.flight.requests.per.connection"
    );
}

#[test]
fn delivery_timeout_must_cover_linger_and_request_timeout() {
    // Explicit and too small: an error naming delivery.timeout.ms.
    let e = rejection(&[
        ("linger.ms", "1000"),
        ("request.timeout.ms", "30000"),
        ("delivery.timeout.ms", "30999"),
    ]);
    assert_eq!(e.key, "delivery.timeout.ms");
    assert!(e.reason.contains("30999"), "{e}");
    let c = parse(&[
        ("linger.ms", "1000"),
        ("request.timeout.ms", "30000"),
        ("delivery.timeout.ms", "31000"),
    ])
    .unwrap();
    assert_eq!(c.delivery_timeout, ms(31_000));

    // Left at its default: raised to the sum, as the Java client does.
    let c = parse(&[("linger.ms", "100000"), ("request.timeout.ms", "60000")]).unwrap();
    assert_eq!(c.delivery_timeout, ms(160_000));
    // The sum is capped at i32::MAX ms.
    let c = parse(&[("linger.ms", "9223372036854775807")]).unwrap();
    assert_eq!(c.delivery_timeout, ms(i32::MAX as u64));

    let base = || ProducerConfig::builder().bootstrap_servers(["a:1"]);
    let c = base().request_timeout(ms(200_000)).build().unwrap();
    assert_eq!(c.delivery_timeout, ms(200_005));
    let e = base()
        .request_timeout(ms(200_000))
        .delivery_timeout(ms(120_000))
        .build()
        .unwrap_err();
    assert_eq!(e.key, "delivery.timeout.ms");

    let mut c = ProducerConfig::default();
    c.linger = ms(100_000);
    assert_eq!(c.validate().unwrap_err().key, "delivery.timeout.ms");
}

#[test]
fn validate_rules_name_the_key() {
    type Change = fn(&mut ProducerConfig);
    let cases: [(Change, &str); 13] = [
        (|c| c.bootstrap_servers.clear(), "bootstrap.servers"),
        (
            |c| c.bootstrap_servers = vec![BrokerAddress::new("a", 0)],
            "bootstrap.servers",
        ),
        (
            |c| c.bootstrap_servers = vec![BrokerAddress::new("", 1)],
            "bootstrap.servers",
        ),
        (
            |c| c.bootstrap_servers = vec![BrokerAddress::new("a b", 1)],
            "bootstrap.servers",
        ),
        (
            |c| c.bootstrap_servers = vec![BrokerAddress::new("1::2::3", 1)],
            "bootstrap.servers",
        ),
        (|c| c.client_id = "tab\there".to_owned(), "client.id"),
        (|c| c.client_id = "x".repeat(32_768), "client.id"),
        (|c| c.max_request_size = 0, "max.request.size"),
        (|c| c.buffer_memory = 0, "buffer.memory"),
        (
            |c| c.max_in_flight_per_connection = 0,
            "max.in.flight.requests.per.connection",
        ),
        (|c| c.request_timeout = Duration::ZERO, "request.timeout.ms"),
        (|c| c.batch_size = i32::MAX as usize + 1, "batch.size"),
        (
            |c| c.max_response_size = 0,
            "kafka-sansio.max.response.size",
        ),
    ];
    for (change, key) in cases {
        let mut c = ProducerConfig::default();
        change(&mut c);
        assert_eq!(c.validate().map_err(|e| e.key), Err(key.to_owned()));
    }

    // Allowed edge values.
    let mut c = ProducerConfig::default();
    c.batch_size = 0;
    c.client_id = String::new();
    c.retry_backoff = Duration::ZERO;
    c.retry_backoff_max = Duration::ZERO;
    c.reconnect_backoff = ms(5_000);
    c.reconnect_backoff_max = ms(1);
    c.bootstrap_servers = vec![
        BrokerAddress::new("fe80::1%eth0", 65_535),
        BrokerAddress::new("under_score.example", 1),
    ];
    assert_eq!(c.validate(), Ok(()));
}

#[test]
fn broker_addresses() {
    let good = [
        ("localhost:9092", "localhost", 9092),
        ("  kafka-1.example.com:1  ", "kafka-1.example.com", 1),
        ("10.0.0.1:65535", "10.0.0.1", 65535),
        ("[::1]:9092", "::1", 9092),
        ("[2001:db8::17]:19092", "2001:db8::17", 19092),
        ("[fe80::1%eth0]:9092", "fe80::1%eth0", 9092),
        ("[::ffff:10.0.0.1]:9092", "::ffff:10.0.0.1", 9092),
        ("host:09092", "host", 9092),
    ];
    for (text, host, port) in good {
        let addr: BrokerAddress = text.parse().unwrap();
        assert_eq!(addr, BrokerAddress::new(host, port), "{text}");
        // Display gives back a string that parses to the same address.
        assert_eq!(addr.to_string().parse::<BrokerAddress>().unwrap(), addr);
    }

    let bad = [
        "",
        "localhost",
        "localhost:",
        ":9092",
        "localhost:0",
        "localhost:65536",
        "localhost:99999999999",
        "localhost:-1",
        "localhost:+1",
        "localhost:90 92",
        "local host:9092",
        "local/host:9092",
        "::1:9092",
        "::1",
        "[::1]",
        "[::1]9092",
        "[::1:9092",
        "[]:9092",
        "[zz::1]:9092",
        "[fe80::1%]:9092",
        "[::1]:0",
        "[::1]:65536",
        "http://localhost:9092",
    ];
    for text in bad {
        let e = text.parse::<BrokerAddress>().unwrap_err();
        assert_eq!(e.key, "bootstrap.servers", "{text}");
        assert!(e.reason.contains(&format!("{:?}", text.trim())), "{e}");
        // Same through properties, as one of a list.
        let list = format!("ok:1,{text}");
        if !text.trim().is_empty() {
            let e = ProducerConfig::from_properties([("bootstrap.servers", list.as_str())])
                .unwrap_err();
            assert_eq!(e.key, "bootstrap.servers", "{text}");
        }
    }
}

#[test]
fn errors_display_key_and_reason() {
    let e = rejection(&[("linger.ms", "soon")]);
    assert_eq!(
        e.to_string(),
        "invalid producer config `linger.ms`: \"soon\" is not an integer"
    );
}

/// Values worth trying for any key: noise, and values some key accepts.
fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[ -~]{0,12}",
        any::<i64>().prop_map(|n| n.to_string()),
        any::<u64>().prop_map(|n| n.to_string()),
        (-200_000i64..200_000).prop_map(|n| n.to_string()),
        (-3i32..30).prop_map(|n| n.to_string()),
        prop::sample::select(vec![
            "true",
            "FALSE",
            "all",
            "-1",
            "0",
            "1",
            "none",
            "gzip",
            "snappy",
            "lz4",
            "zstd",
            "rebootstrap",
            "",
            " ",
            "a:1",
            "[::1]:9092",
            "a:1,b:2",
        ])
        .prop_map(str::to_owned),
    ]
}

proptest! {
    #[test]
    fn any_value_parses_or_names_its_key(key in prop::sample::select(KEYS.to_vec()), value in value()) {
        match parse(&[(key, value.as_str())]) {
            Ok(config) => prop_assert_eq!(config.validate(), Ok(())),
            Err(e) => prop_assert_eq!(e.key, key, "{}={:?}: {}", key, value, e.reason),
        }
    }

    #[test]
    fn any_pair_of_values_never_panics(
        a in prop::sample::select(KEYS.to_vec()),
        va in value(),
        b in prop::sample::select(KEYS.to_vec()),
        vb in value(),
    ) {
        match parse(&[(a, va.as_str()), (b, vb.as_str())]) {
            Ok(config) => prop_assert_eq!(config.validate(), Ok(())),
            Err(e) => prop_assert!(!e.reason.is_empty()),
        }
    }

    #[test]
    fn addresses_round_trip_through_display(
        host in prop_oneof![
            "[a-z0-9][a-z0-9._-]{0,20}",
            any::<std::net::Ipv6Addr>().prop_map(|ip| ip.to_string()),
            any::<std::net::Ipv4Addr>().prop_map(|ip| ip.to_string()),
        ],
        port in 1u16..,
    ) {
        let addr = BrokerAddress::new(host, port);
        prop_assert_eq!(addr.to_string().parse::<BrokerAddress>(), Ok(addr));
    }

    #[test]
    fn address_parsing_never_panics(text in "\\PC{0,30}") {
        if let Ok(addr) = text.parse::<BrokerAddress>() {
            prop_assert!(addr.port != 0);
            prop_assert!(!addr.host.is_empty());
        }
    }
}
