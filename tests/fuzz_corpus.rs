//! Replays the committed fuzz corpora (`fuzz/corpus/<target>/`) through the
//! same entry points the cargo-fuzz targets call, so every seed and every
//! input that once crashed a target is checked by plain `cargo test`.
//!
//! `cargo test --test fuzz_corpus -- --ignored write_seed_corpora`
//! regenerates the seeds (valid messages of every version, batches of
//! every codec, framed streams, operation sequences for the whole
//! producer) after a codec or the operation format changes.
#![allow(clippy::disallowed_methods)] // Instant::now once per input, as the virtual epoch

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

use bytes::{Bytes, BytesMut};
use kafka_sansio::fuzzing;
use kafka_sansio::fuzzing::ops::{self, FakeReply, Fault, Op, Setup};
use kafka_sansio::protocol::api_versions::ApiVersion;
use kafka_sansio::protocol::frame::encode_request;
use kafka_sansio::protocol::{
    ApiMessage, ApiVersionsRequest, ApiVersionsResponse, CreateTopicsRequest, CreateTopicsResponse,
    ErrorCode, InitProducerIdRequest, InitProducerIdResponse, LeaderIdAndEpoch, MetadataRequest,
    MetadataResponse, MetadataResponseBroker, MetadataResponsePartition, MetadataResponseTopic,
    NodeEndpoint, PartitionProduceData, PartitionProduceResponse, ProduceRequest, ProduceResponse,
    TopicProduceData, TopicProduceResponse, Uuid,
};
use kafka_sansio::record::{BatchBuilder, Compression, CompressionType, ProducerFields};

/// A fuzz entry point: arbitrary bytes in, a panic on a broken property.
type Entry = fn(&[u8]);

/// Every fuzz target and the entry point it calls.
const TARGETS: &[(&str, Entry)] = &[
    ("frame_reader", fuzzing::frame_reader),
    ("api_versions", fuzzing::api_versions),
    ("metadata", fuzzing::metadata),
    ("produce", fuzzing::produce),
    ("init_producer_id", fuzzing::init_producer_id),
    ("create_topics", fuzzing::create_topics),
    ("record_batch", fuzzing::record_batch),
    ("producer", producer),
];

/// The state-machine target, with the virtual epoch it needs.
fn producer(data: &[u8]) {
    fuzzing::producer(data, Instant::now());
}

fn corpus_dir(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target)
}

#[test]
fn every_fuzz_target_has_a_committed_corpus_that_replays_cleanly() {
    let fuzz_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/fuzz_targets");
    let mut on_disk: Vec<String> = fs::read_dir(&fuzz_dir)
        .expect("fuzz/fuzz_targets")
        .map(|e| {
            e.unwrap()
                .path()
                .file_stem()
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    on_disk.sort();
    let mut listed: Vec<String> = TARGETS.iter().map(|(n, _)| (*n).to_owned()).collect();
    listed.sort();
    assert_eq!(on_disk, listed, "TARGETS must list every fuzz target");

    for (target, run) in TARGETS {
        let mut inputs = 0;
        for entry in fs::read_dir(corpus_dir(target)).unwrap_or_else(|e| {
            panic!("fuzz/corpus/{target}: {e} (regenerate with write_seed_corpora)")
        }) {
            let path = entry.unwrap().path();
            let data = fs::read(&path).unwrap();
            run(&data);
            inputs += 1;
        }
        assert!(inputs >= 3, "fuzz/corpus/{target} has only {inputs} inputs");
    }
}

/// The producer seeds go where their names say: a seed that stopped doing
/// its job (after a change to the operation format, say) would leave the
/// fuzzer without its head start.
#[test]
fn producer_seeds_tell_their_stories() {
    let run = |name: &str| {
        let data = fs::read(corpus_dir("producer").join(name)).unwrap();
        let summary = fuzzing::run_producer(&data, Instant::now()).expect("a valid setup");
        println!("{name}: {summary:?}");
        summary
    };
    let happy = run("happy-path");
    assert_eq!((happy.accepted, happy.delivered), (4, 4));
    let faults = run("cluster-faults");
    assert_eq!((faults.accepted, faults.delivered), (4, 4));
    let unknown = run("unknown-topic-and-oversize");
    assert!(unknown.failed >= 1 && unknown.delivered >= 1, "{unknown:?}");
    let fake = run("fake-broker");
    assert!(fake.connections >= 2, "{fake:?}");
    for name in [
        "byte-by-byte",
        "close-while-in-flight",
        "garbage-and-broken-frames",
        "acks-0-not-idempotent",
    ] {
        run(name);
    }
}

fn write(target: &str, name: &str, data: &[u8]) {
    let dir = corpus_dir(target);
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join(name), data).unwrap();
}

/// One seed per version of `M` in which `msg` can be written: the
/// version-selector byte the entry points read, then the body.
fn seed_versions<M: ApiMessage>(target: &str, label: &str, msg: &M) {
    for v in M::VERSIONS.min..=M::VERSIONS.max {
        let mut buf = BytesMut::new();
        buf.extend_from_slice(&[(v - M::VERSIONS.min) as u8]);
        if msg.encode(&mut buf, v).is_ok() {
            write(target, &format!("{label}-v{v}"), &buf);
        }
    }
}

fn batch(compression: Compression, records: usize, producer: ProducerFields) -> Bytes {
    let mut b = BatchBuilder::new(compression).unwrap();
    for i in 0..records {
        let key = format!("key-{i}");
        let value = vec![b'v'; i * 7];
        let headers = [("trace", Some(&b"abc"[..])), ("empty", None)];
        let n = i % 3;
        b.append(
            1_700_000_000_000 + i as i64,
            (i % 4 != 0).then_some(key.as_bytes()),
            Some(&value),
            headers[..n].iter().copied(),
        )
        .unwrap();
    }
    let mut out = BytesMut::new();
    b.finish(&producer, &mut out).unwrap();
    out.freeze()
}

#[test]
#[ignore = "writes fuzz/corpus/; run by hand after a codec changes"]
fn write_seed_corpora() {
    // Frames: control byte (cap and chunk size), then framed requests.
    let mut stream = BytesMut::new();
    encode_request(
        &mut stream,
        1,
        Some("seed"),
        3,
        &ApiVersionsRequest::default(),
    )
    .unwrap();
    encode_request(
        &mut stream,
        2,
        None,
        12,
        &MetadataRequest::for_topics(["orders"]),
    )
    .unwrap();
    for control in [0x3f_u8, 0x41, 0xff, 0x02] {
        let mut data = vec![control];
        data.extend_from_slice(&stream);
        write(
            "frame_reader",
            &format!("two-requests-{control:02x}"),
            &data,
        );
    }
    write(
        "frame_reader",
        "oversized",
        &[0x01, 0x7f, 0xff, 0xff, 0xff, 0],
    );

    let api_versions = ApiVersionsResponse {
        api_keys: [(0, 3, 13), (3, 0, 13), (18, 0, 4), (22, 0, 5)]
            .into_iter()
            .map(|(api_key, min_version, max_version)| ApiVersion {
                api_key,
                min_version,
                max_version,
                ..ApiVersion::default()
            })
            .collect(),
        throttle_time_ms: 5,
        ..ApiVersionsResponse::default()
    };
    seed_versions("api_versions", "response", &api_versions);
    seed_versions(
        "api_versions",
        "request",
        &ApiVersionsRequest {
            client_software_name: "kafka-sansio".into(),
            client_software_version: "0.1.0".into(),
            ..ApiVersionsRequest::default()
        },
    );

    let metadata = MetadataResponse {
        brokers: (1..=3)
            .map(|n| MetadataResponseBroker {
                node_id: n,
                host: "127.0.0.1".into(),
                port: n * 10000 + 9092,
                ..MetadataResponseBroker::default()
            })
            .collect(),
        cluster_id: Some("cluster".into()),
        controller_id: 1,
        topics: vec![MetadataResponseTopic {
            name: Some("orders".into()),
            topic_id: Uuid([7; 16]),
            partitions: (0..3)
                .map(|p| MetadataResponsePartition {
                    partition_index: p,
                    leader_id: p + 1,
                    leader_epoch: 4,
                    replica_nodes: vec![1, 2, 3],
                    isr_nodes: vec![1, 2, 3],
                    ..MetadataResponsePartition::default()
                })
                .collect(),
            ..MetadataResponseTopic::default()
        }],
        ..MetadataResponse::default()
    };
    seed_versions("metadata", "response", &metadata);
    seed_versions(
        "metadata",
        "request",
        &MetadataRequest::for_topics(["orders", "clicks"]),
    );

    let records = batch(Compression::None, 3, ProducerFields::idempotent(9, 0, 0));
    let produce = ProduceRequest {
        acks: -1,
        timeout_ms: 30_000,
        topic_data: vec![TopicProduceData {
            name: "orders".into(),
            topic_id: Uuid([7; 16]),
            partition_data: vec![PartitionProduceData {
                index: 0,
                records: Some(records),
                ..PartitionProduceData::default()
            }],
            ..TopicProduceData::default()
        }],
        ..ProduceRequest::default()
    };
    seed_versions("produce", "request", &produce);
    let produced = ProduceResponse {
        responses: vec![TopicProduceResponse {
            name: "orders".into(),
            topic_id: Uuid([7; 16]),
            partition_responses: vec![
                PartitionProduceResponse {
                    index: 0,
                    base_offset: 42,
                    ..PartitionProduceResponse::default()
                },
                PartitionProduceResponse {
                    index: 1,
                    error_code: ErrorCode::NOT_LEADER_OR_FOLLOWER,
                    current_leader: LeaderIdAndEpoch {
                        leader_id: 2,
                        leader_epoch: 5,
                        ..LeaderIdAndEpoch::default()
                    },
                    ..PartitionProduceResponse::default()
                },
            ],
            ..TopicProduceResponse::default()
        }],
        ..ProduceResponse::default()
    };
    seed_versions("produce", "response", &produced);
    let with_hints = ProduceResponse {
        node_endpoints: vec![NodeEndpoint {
            node_id: 2,
            host: "127.0.0.1".into(),
            port: 29092,
            ..NodeEndpoint::default()
        }],
        ..produced
    };
    seed_versions("produce", "response-hints", &with_hints);

    seed_versions(
        "init_producer_id",
        "response",
        &InitProducerIdResponse {
            producer_id: 1000,
            producer_epoch: 2,
            ..InitProducerIdResponse::default()
        },
    );
    seed_versions(
        "init_producer_id",
        "request",
        &InitProducerIdRequest::default(),
    );

    seed_versions("create_topics", "request", &CreateTopicsRequest::default());
    seed_versions(
        "create_topics",
        "response",
        &CreateTopicsResponse::default(),
    );

    write_producer_seeds();

    for codec in [
        CompressionType::None,
        CompressionType::Gzip,
        CompressionType::Snappy,
        CompressionType::Lz4,
        CompressionType::Zstd,
    ] {
        let one = batch(
            Compression::from(codec),
            5,
            ProducerFields::idempotent(9, 1, 10),
        );
        write("record_batch", &format!("{}-5", codec.name()), &one);
        let mut two = one.to_vec();
        two.extend_from_slice(&batch(
            Compression::from(codec),
            1,
            ProducerFields::default(),
        ));
        write(
            "record_batch",
            &format!("{}-two-batches", codec.name()),
            &two,
        );
    }
}

#[test]
#[ignore = "writes fuzz/corpus/producer; run by hand after the operation format changes"]
fn write_producer_seed_corpus() {
    write_producer_seeds();
}

/// Operation sequences for the whole producer, each a story: the happy
/// path, byte-by-byte delivery, hostile brokers, cluster faults, an early
/// close, unknown topics and oversize records.
fn write_producer_seeds() {
    // Idempotent, 1 in flight, linger 5 ms, batch 1000 B, buffer 100 kB,
    // request timeout 1 s, bootstrap broker 1, every API version.
    let setup = Setup {
        flags: 0,
        batching: 17,
        limits: 18,
        timing: 97,
        network: 0x80,
    };
    let send = |topic, partition, key, size| Op::Send {
        topic,
        partition,
        key,
        size,
    };
    // A fake broker's well-formed answer to the oldest open request.
    let answer = |error, a, b| Op::Fake {
        conn: 0,
        reply: FakeReply::Answer { error, a, b },
    };
    let seeds: Vec<(&str, Setup, Vec<Op>)> = vec![
        (
            "happy-path",
            setup,
            vec![
                send(0, 0, 0, 1),
                send(4, 0, 130, 2),
                send(0, 129, 0, 3),
                Op::RunFor { step: 8 },
                send(1, 0, 0, 4),
                Op::Flush,
                Op::RunFor { step: 7 },
                Op::Close { step: 8 },
            ],
        ),
        (
            "byte-by-byte",
            setup,
            vec![
                send(0, 0, 0, 1),
                Op::Accept { conn: 0, fake: 0 },
                Op::ToCluster { conn: 0, len: 1 },
                Op::ToCluster { conn: 0, len: 5 },
                Op::ToCluster { conn: 0, len: 0 },
                Op::ToProducer { conn: 0, len: 3 },
                Op::ToProducer { conn: 0, len: 0 },
                Op::Advance { step: 2 },
                Op::ToCluster { conn: 0, len: 7 },
                Op::Pump,
                Op::Advance { step: 3 },
                Op::Pump,
                Op::Advance { step: 3 },
                Op::Pump,
            ],
        ),
        (
            "fake-broker",
            setup,
            vec![
                send(0, 0, 0, 1),
                Op::Accept { conn: 0, fake: 1 },
                answer(0, 7, 0),
                answer(0, 3, 3),
                Op::Accept { conn: 0, fake: 1 },
                answer(0, 7, 0),
                answer(0, 9, 1),
                Op::Advance { step: 3 },
                answer(131, 0, 0),
                Op::Fake {
                    conn: 0,
                    reply: FakeReply::Frame {
                        skew: 1,
                        body: vec![0; 12],
                    },
                },
                Op::RunFor { step: 7 },
            ],
        ),
        (
            "garbage-and-broken-frames",
            setup,
            vec![
                send(4, 0, 0, 1),
                Op::Accept { conn: 0, fake: 1 },
                Op::Fake {
                    conn: 0,
                    reply: FakeReply::SizePrefix {
                        declared: 0x7fff_ffff,
                        body: vec![1, 2, 3],
                    },
                },
                Op::Accept { conn: 0, fake: 1 },
                Op::Fake {
                    conn: 0,
                    reply: FakeReply::SizePrefix {
                        declared: 40,
                        body: vec![0, 0, 0, 0, 9],
                    },
                },
                Op::Feed {
                    conn: 0,
                    data: b"garbage from nowhere".to_vec(),
                },
                Op::Drop { conn: 0 },
                Op::Feed {
                    conn: 1,
                    data: vec![0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0],
                },
                Op::RunFor { step: 8 },
            ],
        ),
        (
            "cluster-faults",
            setup,
            vec![
                send(0, 128, 0, 2),
                send(0, 129, 0, 2),
                Op::Fault(Fault::Inject {
                    topic: 0,
                    partition: 0,
                    code: 1,
                    times: 2,
                }),
                Op::Fault(Fault::LoseAfterAppend {
                    broker: 1,
                    count: 1,
                }),
                Op::RunFor { step: 5 },
                Op::Fault(Fault::Crash { broker: 1 }),
                send(0, 129, 0, 2),
                Op::RunFor { step: 7 },
                Op::Fault(Fault::Restart { broker: 1 }),
                Op::Fault(Fault::MoveLeader {
                    topic: 0,
                    partition: 0,
                    broker: 0,
                }),
                Op::Fault(Fault::Delay { broker: 1, step: 6 }),
                send(0, 128, 0, 2),
                Op::RunFor { step: 8 },
            ],
        ),
        (
            "close-while-in-flight",
            setup,
            vec![
                send(0, 0, 0, 3),
                send(0, 0, 0, 3),
                Op::Pump,
                Op::Pump,
                Op::Close { step: 2 },
                send(0, 0, 0, 1),
                Op::Pump,
            ],
        ),
        (
            "unknown-topic-and-oversize",
            Setup { limits: 1, ..setup },
            vec![
                send(6, 0, 0, 1),
                send(7, 0, 0, 1),
                send(0, 0, 0, 7),
                send(0, 0, 0, 4),
                send(0, 0, 0, 4),
                send(0, 133, 0, 1),
                Op::RunFor { step: 9 },
                Op::RunFor { step: 10 },
            ],
        ),
        (
            "acks-0-not-idempotent",
            Setup {
                flags: 0x11,
                ..setup
            },
            vec![
                send(0, 0, 0, 1),
                send(4, 0, 200, 1),
                Op::RunFor { step: 7 },
                Op::Close { step: 7 },
            ],
        ),
    ];
    for (name, setup, seed_ops) in seeds {
        write("producer", name, &ops::encode(&setup, &seed_ops));
    }
}
