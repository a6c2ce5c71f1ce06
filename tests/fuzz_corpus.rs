//! Replays the committed fuzz corpora (`fuzz/corpus/<target>/`) through the
//! same entry points the cargo-fuzz targets call, so every seed and every
//! input that once crashed a target is checked by plain `cargo test`.
//!
//! `cargo test --test fuzz_corpus -- --ignored write_seed_corpora`
//! regenerates the seeds (valid messages of every version, batches of
//! every codec, framed streams) after a codec changes.

use std::fs;
use std::path::{Path, PathBuf};

use bytes::{Bytes, BytesMut};
use kafka_sansio::fuzzing;
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
];

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
