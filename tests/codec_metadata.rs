//! Metadata (API key 3): proptest round trips and agreement with the
//! independent `kafka-protocol` codec in both directions for every version
//! 0-13, hand-written byte vectors, truncation, and refusals.

mod common;

use bytes::{Bytes, BytesMut};
use common::{
    assert_encoding_prefixes_fail, assert_tags_refused, check_against_oracle, check_vector,
    decoded, encoded, one_unknown_tag, roundtrip, sb, st, tags_from_oracle, tags_to_oracle,
    unknown_tags_if, uuid_from_oracle, uuid_to_oracle,
};
use kafka_protocol::messages as kp;
use kafka_sansio::protocol::metadata::AUTHORIZED_OPERATIONS_OMITTED;
use kafka_sansio::protocol::{
    ApiMessage, Decode, DecodeError, EncodeError, ErrorCode, MetadataRequest, MetadataRequestTopic,
    MetadataResponse, MetadataResponseBroker, MetadataResponsePartition, MetadataResponseTopic,
    Reader, UnknownTaggedFields, Uuid,
};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

const VERSIONS: std::ops::RangeInclusive<i16> =
    MetadataRequest::VERSIONS.min..=MetadataRequest::VERSIONS.max;

// ---------------------------------------------------------------- strategies

fn flexible(version: i16) -> bool {
    MetadataRequest::is_flexible(version)
}

/// Unknown tagged fields, only where the version can carry them.
fn tagged(version: i16) -> BoxedStrategy<UnknownTaggedFields> {
    unknown_tags_if(flexible(version), 0)
}

fn uuid_in(present: bool) -> BoxedStrategy<Uuid> {
    if present {
        any::<[u8; 16]>().prop_map(Uuid).boxed()
    } else {
        Just(Uuid::ZERO).boxed()
    }
}

fn name() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9._-]{0,12}"
}

/// A string that may be null when `nullable`, else always present.
fn maybe_null_name(nullable: bool) -> BoxedStrategy<Option<String>> {
    if nullable {
        proptest::option::of(name()).boxed()
    } else {
        name().prop_map(Some).boxed()
    }
}

/// `value` where the field exists in this version, else its default.
fn in_version<T: Clone + std::fmt::Debug + 'static>(
    present: bool,
    value: impl Strategy<Value = T> + 'static,
    default: T,
) -> BoxedStrategy<T> {
    if present {
        value.boxed()
    } else {
        Just(default).boxed()
    }
}

fn request_topic(v: i16) -> impl Strategy<Value = MetadataRequestTopic> {
    (uuid_in(v >= 10), maybe_null_name(v >= 10), tagged(v)).prop_map(
        |(topic_id, name, unknown_tagged_fields)| MetadataRequestTopic {
            topic_id,
            name,
            unknown_tagged_fields,
        },
    )
}

fn request(v: i16) -> impl Strategy<Value = MetadataRequest> {
    let topics = proptest::collection::vec(request_topic(v), 0..4);
    let topics = if v >= 1 {
        proptest::option::of(topics).boxed()
    } else {
        topics.prop_map(Some).boxed()
    };
    (
        topics,
        in_version(v >= 4, any::<bool>(), true),
        in_version((8..=10).contains(&v), any::<bool>(), false),
        in_version(v >= 8, any::<bool>(), false),
        tagged(v),
    )
        .prop_map(|(topics, auto, cluster, topic, unknown)| MetadataRequest {
            topics,
            allow_auto_topic_creation: auto,
            include_cluster_authorized_operations: cluster,
            include_topic_authorized_operations: topic,
            unknown_tagged_fields: unknown,
        })
}

fn broker(v: i16) -> impl Strategy<Value = MetadataResponseBroker> {
    (
        any::<i32>(),
        name(),
        any::<i32>(),
        in_version(v >= 1, proptest::option::of(name()), None),
        tagged(v),
    )
        .prop_map(
            |(node_id, host, port, rack, unknown)| MetadataResponseBroker {
                node_id,
                host,
                port,
                rack,
                unknown_tagged_fields: unknown,
            },
        )
}

fn node_ids() -> impl Strategy<Value = Vec<i32>> {
    proptest::collection::vec(any::<i32>(), 0..5)
}

fn partition(v: i16) -> impl Strategy<Value = MetadataResponsePartition> {
    (
        any::<i16>(),
        any::<i32>(),
        any::<i32>(),
        in_version(v >= 7, any::<i32>(), -1),
        node_ids(),
        node_ids(),
        in_version(v >= 5, node_ids(), Vec::new()),
        tagged(v),
    )
        .prop_map(
            |(code, index, leader, epoch, replicas, isr, offline, unknown)| {
                MetadataResponsePartition {
                    error_code: ErrorCode(code),
                    partition_index: index,
                    leader_id: leader,
                    leader_epoch: epoch,
                    replica_nodes: replicas,
                    isr_nodes: isr,
                    offline_replicas: offline,
                    unknown_tagged_fields: unknown,
                }
            },
        )
}

fn response_topic(v: i16) -> impl Strategy<Value = MetadataResponseTopic> {
    (
        any::<i16>(),
        maybe_null_name(v >= 12),
        uuid_in(v >= 10),
        in_version(v >= 1, any::<bool>(), false),
        proptest::collection::vec(partition(v), 0..4),
        in_version(v >= 8, any::<i32>(), AUTHORIZED_OPERATIONS_OMITTED),
        tagged(v),
    )
        .prop_map(
            |(code, name, topic_id, internal, partitions, ops, unknown)| MetadataResponseTopic {
                error_code: ErrorCode(code),
                name,
                topic_id,
                is_internal: internal,
                partitions,
                topic_authorized_operations: ops,
                unknown_tagged_fields: unknown,
            },
        )
}

fn response(v: i16) -> impl Strategy<Value = MetadataResponse> {
    (
        in_version(v >= 3, any::<i32>(), 0),
        proptest::collection::vec(broker(v), 0..4),
        in_version(v >= 2, proptest::option::of(name()), None),
        in_version(v >= 1, any::<i32>(), -1),
        proptest::collection::vec(response_topic(v), 0..4),
        in_version(
            (8..=10).contains(&v),
            any::<i32>(),
            AUTHORIZED_OPERATIONS_OMITTED,
        ),
        in_version(v >= 13, any::<i16>(), 0),
        tagged(v),
    )
        .prop_map(
            |(throttle, brokers, cluster_id, controller, topics, cluster_ops, code, unknown)| {
                MetadataResponse {
                    throttle_time_ms: throttle,
                    brokers,
                    cluster_id,
                    controller_id: controller,
                    topics,
                    cluster_authorized_operations: cluster_ops,
                    error_code: ErrorCode(code),
                    unknown_tagged_fields: unknown,
                }
            },
        )
}

// ------------------------------------------------------------ oracle bridge

fn ids_to_oracle(ids: &[i32]) -> Vec<kp::BrokerId> {
    ids.iter().map(|&i| kp::BrokerId(i)).collect()
}

fn ids_from_oracle(ids: &[kp::BrokerId]) -> Vec<i32> {
    ids.iter().map(|i| i.0).collect()
}

fn request_to_oracle(m: &MetadataRequest) -> kp::MetadataRequest {
    kp::MetadataRequest::default()
        .with_topics(m.topics.as_ref().map(|ts| {
            ts.iter()
                .map(|t| {
                    kp::metadata_request::MetadataRequestTopic::default()
                        .with_topic_id(uuid_to_oracle(&t.topic_id))
                        .with_name(t.name.as_deref().map(|n| sb(n).into()))
                        .with_unknown_tagged_fields(tags_to_oracle(&t.unknown_tagged_fields))
                })
                .collect()
        }))
        .with_allow_auto_topic_creation(m.allow_auto_topic_creation)
        .with_include_cluster_authorized_operations(m.include_cluster_authorized_operations)
        .with_include_topic_authorized_operations(m.include_topic_authorized_operations)
        .with_unknown_tagged_fields(tags_to_oracle(&m.unknown_tagged_fields))
}

fn request_from_oracle(t: &kp::MetadataRequest) -> MetadataRequest {
    MetadataRequest {
        topics: t.topics.as_ref().map(|ts| {
            ts.iter()
                .map(|t| MetadataRequestTopic {
                    topic_id: uuid_from_oracle(&t.topic_id),
                    name: t.name.as_ref().map(|n| st(n)),
                    unknown_tagged_fields: tags_from_oracle(&t.unknown_tagged_fields),
                })
                .collect()
        }),
        allow_auto_topic_creation: t.allow_auto_topic_creation,
        include_cluster_authorized_operations: t.include_cluster_authorized_operations,
        include_topic_authorized_operations: t.include_topic_authorized_operations,
        unknown_tagged_fields: tags_from_oracle(&t.unknown_tagged_fields),
    }
}

fn response_to_oracle(m: &MetadataResponse) -> kp::MetadataResponse {
    let brokers = m
        .brokers
        .iter()
        .map(|b| {
            kp::metadata_response::MetadataResponseBroker::default()
                .with_node_id(kp::BrokerId(b.node_id))
                .with_host(sb(&b.host))
                .with_port(b.port)
                .with_rack(b.rack.as_deref().map(sb))
                .with_unknown_tagged_fields(tags_to_oracle(&b.unknown_tagged_fields))
        })
        .collect();
    let topics = m
        .topics
        .iter()
        .map(|t| {
            let partitions = t
                .partitions
                .iter()
                .map(|p| {
                    kp::metadata_response::MetadataResponsePartition::default()
                        .with_error_code(p.error_code.0)
                        .with_partition_index(p.partition_index)
                        .with_leader_id(kp::BrokerId(p.leader_id))
                        .with_leader_epoch(p.leader_epoch)
                        .with_replica_nodes(ids_to_oracle(&p.replica_nodes))
                        .with_isr_nodes(ids_to_oracle(&p.isr_nodes))
                        .with_offline_replicas(ids_to_oracle(&p.offline_replicas))
                        .with_unknown_tagged_fields(tags_to_oracle(&p.unknown_tagged_fields))
                })
                .collect();
            kp::metadata_response::MetadataResponseTopic::default()
                .with_error_code(t.error_code.0)
                .with_name(t.name.as_deref().map(|n| sb(n).into()))
                .with_topic_id(uuid_to_oracle(&t.topic_id))
                .with_is_internal(t.is_internal)
                .with_partitions(partitions)
                .with_topic_authorized_operations(t.topic_authorized_operations)
                .with_unknown_tagged_fields(tags_to_oracle(&t.unknown_tagged_fields))
        })
        .collect();
    kp::MetadataResponse::default()
        .with_throttle_time_ms(m.throttle_time_ms)
        .with_brokers(brokers)
        .with_cluster_id(m.cluster_id.as_deref().map(sb))
        .with_controller_id(kp::BrokerId(m.controller_id))
        .with_topics(topics)
        .with_cluster_authorized_operations(m.cluster_authorized_operations)
        .with_error_code(m.error_code.0)
        .with_unknown_tagged_fields(tags_to_oracle(&m.unknown_tagged_fields))
}

fn response_from_oracle(t: &kp::MetadataResponse) -> MetadataResponse {
    MetadataResponse {
        throttle_time_ms: t.throttle_time_ms,
        brokers: t
            .brokers
            .iter()
            .map(|b| MetadataResponseBroker {
                node_id: b.node_id.0,
                host: st(&b.host),
                port: b.port,
                rack: b.rack.as_ref().map(st),
                unknown_tagged_fields: tags_from_oracle(&b.unknown_tagged_fields),
            })
            .collect(),
        cluster_id: t.cluster_id.as_ref().map(st),
        controller_id: t.controller_id.0,
        topics: t
            .topics
            .iter()
            .map(|t| MetadataResponseTopic {
                error_code: ErrorCode(t.error_code),
                name: t.name.as_ref().map(|n| st(n)),
                topic_id: uuid_from_oracle(&t.topic_id),
                is_internal: t.is_internal,
                partitions: t
                    .partitions
                    .iter()
                    .map(|p| MetadataResponsePartition {
                        error_code: ErrorCode(p.error_code),
                        partition_index: p.partition_index,
                        leader_id: p.leader_id.0,
                        leader_epoch: p.leader_epoch,
                        replica_nodes: ids_from_oracle(&p.replica_nodes),
                        isr_nodes: ids_from_oracle(&p.isr_nodes),
                        offline_replicas: ids_from_oracle(&p.offline_replicas),
                        unknown_tagged_fields: tags_from_oracle(&p.unknown_tagged_fields),
                    })
                    .collect(),
                topic_authorized_operations: t.topic_authorized_operations,
                unknown_tagged_fields: tags_from_oracle(&t.unknown_tagged_fields),
            })
            .collect(),
        cluster_authorized_operations: t.cluster_authorized_operations,
        error_code: ErrorCode(t.error_code),
        unknown_tagged_fields: tags_from_oracle(&t.unknown_tagged_fields),
    }
}

// ------------------------------------------------- round trips and oracle

/// Runs `check` on `cases` values of `strategy(v)` for every version, so
/// each version is covered rather than sampled.
fn for_every_version<S: Strategy>(
    cases: u32,
    strategy: impl Fn(i16) -> S,
    check: impl Fn(&S::Value, i16),
) {
    for v in VERSIONS {
        let mut runner = TestRunner::new(Config::with_cases(cases));
        runner
            .run(&strategy(v), |m| {
                check(&m, v);
                Ok(())
            })
            .unwrap_or_else(|e| panic!("v{v}: {e}"));
    }
}

#[test]
fn request_round_trips_in_every_version() {
    for_every_version(64, request, roundtrip);
}

#[test]
fn request_agrees_with_oracle_in_every_version() {
    for_every_version(64, request, |m, v| {
        check_against_oracle(m, v, request_to_oracle, request_from_oracle)
    });
}

#[test]
fn response_round_trips_in_every_version() {
    for_every_version(64, response, roundtrip);
}

#[test]
fn response_agrees_with_oracle_in_every_version() {
    for_every_version(64, response, |m, v| {
        check_against_oracle(m, v, response_to_oracle, response_from_oracle)
    });
}

#[test]
fn truncated_encodings_are_errors_in_every_version() {
    for_every_version(8, request, assert_encoding_prefixes_fail);
    for_every_version(8, response, assert_encoding_prefixes_fail);
}

proptest! {
    /// Arbitrary bytes never panic the decoders, in any version.
    #[test]
    fn garbage_never_panics(v in VERSIONS, bytes in proptest::collection::vec(any::<u8>(), 0..96)) {
        let b = Bytes::from(bytes);
        let _ = MetadataRequest::decode(&mut Reader::new(b.clone()), v);
        let _ = MetadataResponse::decode(&mut Reader::new(b), v);
    }
}

// ------------------------------------------------------------ byte vectors

const UUID_7: Uuid = Uuid([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7]);
const UUID_9: Uuid = Uuid([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9]);

#[test]
fn request_v0_vector_empty_means_all_topics() {
    let m = MetadataRequest::all_topics(0);
    check_vector(&m, 0, &[0, 0, 0, 0]);
    assert!(m.wants_all_topics(0));
    assert!(
        !m.wants_all_topics(1),
        "from v1 an empty array asks for none"
    );
}

#[test]
fn request_v1_vectors() {
    let m = MetadataRequest {
        topics: Some(vec![
            MetadataRequestTopic::named("ab"),
            MetadataRequestTopic::named("c"),
        ]),
        ..MetadataRequest::default()
    };
    #[rustfmt::skip]
    check_vector(&m, 1, &[
        0, 0, 0, 2,             // topics: int32 count 2
        0, 2, b'a', b'b',       //   name: int16 length + bytes
        0, 1, b'c',             //   name
    ]);

    let all = MetadataRequest::all_topics(1);
    assert_eq!(all.topics, None);
    check_vector(&all, 1, &[0xff, 0xff, 0xff, 0xff]);
    assert!(all.wants_all_topics(1));
}

#[test]
fn request_v12_vector() {
    let id = Uuid([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);
    let m = MetadataRequest {
        topics: Some(vec![
            MetadataRequestTopic::with_id(id),
            MetadataRequestTopic::named("ab"),
        ]),
        allow_auto_topic_creation: false,
        include_cluster_authorized_operations: false,
        include_topic_authorized_operations: true,
        unknown_tagged_fields: UnknownTaggedFields(vec![(5, Bytes::from_static(&[0xaa]))]),
    };
    #[rustfmt::skip]
    check_vector(&m, 12, &[
        3,                                          // topics: compact count 2+1
        1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, // topic id
        0,                                          //   name: null
        0,                                          //   no tagged fields
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,     // topic id: zero
        3, b'a', b'b',                              //   name: compact length 2+1
        0,                                          //   no tagged fields
        0,                                          // allow auto topic creation: false
        1,                                          // include topic authorized operations
        1, 5, 1, 0xaa,                              // 1 tagged field: tag 5, 1 byte
    ]);
}

#[test]
fn response_v1_vector() {
    let m = MetadataResponse {
        brokers: vec![
            MetadataResponseBroker {
                node_id: 1,
                host: "h".into(),
                port: 9092,
                rack: Some("r".into()),
                ..Default::default()
            },
            MetadataResponseBroker {
                node_id: 2,
                host: "h2".into(),
                port: 9093,
                rack: None,
                ..Default::default()
            },
        ],
        controller_id: 2,
        topics: vec![
            MetadataResponseTopic {
                name: Some("t".into()),
                is_internal: true,
                partitions: vec![MetadataResponsePartition {
                    partition_index: 0,
                    leader_id: 1,
                    replica_nodes: vec![1, 2],
                    isr_nodes: vec![1],
                    ..Default::default()
                }],
                ..Default::default()
            },
            MetadataResponseTopic {
                error_code: ErrorCode::UNKNOWN_TOPIC_OR_PARTITION,
                name: Some("x".into()),
                ..Default::default()
            },
        ],
        ..MetadataResponse::default()
    };
    #[rustfmt::skip]
    check_vector(&m, 1, &[
        0, 0, 0, 2,                 // brokers: count 2
        0, 0, 0, 1,                 //   node id 1
        0, 1, b'h',                 //   host "h"
        0, 0, 0x23, 0x84,           //   port 9092
        0, 1, b'r',                 //   rack "r"
        0, 0, 0, 2,                 //   node id 2
        0, 2, b'h', b'2',           //   host "h2"
        0, 0, 0x23, 0x85,           //   port 9093
        0xff, 0xff,                 //   rack null
        0, 0, 0, 2,                 // controller id 2
        0, 0, 0, 2,                 // topics: count 2
        0, 0,                       //   error code NONE
        0, 1, b't',                 //   name "t"
        1,                          //   is internal
        0, 0, 0, 1,                 //   partitions: count 1
        0, 0,                       //     error code NONE
        0, 0, 0, 0,                 //     partition index 0
        0, 0, 0, 1,                 //     leader 1
        0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2, // replicas [1, 2]
        0, 0, 0, 1, 0, 0, 0, 1,     //     isr [1]
        0, 3,                       //   error code UNKNOWN_TOPIC_OR_PARTITION
        0, 1, b'x',                 //   name "x"
        0,                          //   not internal
        0, 0, 0, 0,                 //   partitions: none
    ]);
    assert_eq!(m.leader("t", 0).map(|b| b.host.as_str()), Some("h"));
    assert_eq!(m.controller().map(|b| b.port), Some(9093));
}

fn response_v12() -> MetadataResponse {
    MetadataResponse {
        throttle_time_ms: 100,
        brokers: vec![MetadataResponseBroker {
            node_id: 1,
            host: "b1".into(),
            port: 9092,
            rack: Some("r1".into()),
            ..Default::default()
        }],
        cluster_id: Some("c".into()),
        controller_id: 1,
        topics: vec![
            MetadataResponseTopic {
                name: Some("t".into()),
                topic_id: UUID_7,
                partitions: vec![MetadataResponsePartition {
                    partition_index: 1,
                    leader_id: 1,
                    leader_epoch: 5,
                    replica_nodes: vec![1],
                    isr_nodes: vec![1],
                    offline_replicas: vec![2],
                    ..Default::default()
                }],
                topic_authorized_operations: 8,
                ..Default::default()
            },
            MetadataResponseTopic {
                error_code: ErrorCode(100), // UNKNOWN_TOPIC_ID
                name: None,
                topic_id: UUID_9,
                ..Default::default()
            },
        ],
        ..MetadataResponse::default()
    }
}

#[test]
fn response_v12_vector() {
    let m = response_v12();
    #[rustfmt::skip]
    check_vector(&m, 12, &[
        0, 0, 0, 100,                       // throttle 100 ms
        2,                                  // brokers: compact count 1+1
        0, 0, 0, 1,                         //   node id 1
        3, b'b', b'1',                      //   host "b1"
        0, 0, 0x23, 0x84,                   //   port 9092
        3, b'r', b'1',                      //   rack "r1"
        0,                                  //   no tagged fields
        2, b'c',                            // cluster id "c"
        0, 0, 0, 1,                         // controller id 1
        3,                                  // topics: compact count 2+1
        0, 0,                               //   error code NONE
        2, b't',                            //   name "t"
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7, // topic id
        0,                                  //   not internal
        2,                                  //   partitions: 1+1
        0, 0,                               //     error code NONE
        0, 0, 0, 1,                         //     partition index 1
        0, 0, 0, 1,                         //     leader 1
        0, 0, 0, 5,                         //     leader epoch 5
        2, 0, 0, 0, 1,                      //     replicas [1]
        2, 0, 0, 0, 1,                      //     isr [1]
        2, 0, 0, 0, 2,                      //     offline [2]
        0,                                  //     no tagged fields
        0, 0, 0, 8,                         //   topic authorized operations
        0,                                  //   no tagged fields
        0, 100,                             //   error code 100
        0,                                  //   name null
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9, // topic id
        0,                                  //   not internal
        1,                                  //   partitions: none
        0x80, 0, 0, 0,                      //   topic authorized operations omitted
        0,                                  //   no tagged fields
        0,                                  // no tagged fields
    ]);
    assert_eq!(
        m.topic_by_id(UUID_9).map(|t| t.error_code),
        Some(ErrorCode(100))
    );
    assert_eq!(m.topic_by_id(Uuid::ZERO), None);
    assert_eq!(m.leader("t", 1).map(|b| b.node_id), Some(1));
}

#[test]
fn response_v13_vector_carries_top_level_error() {
    let m = MetadataResponse {
        error_code: ErrorCode(129), // REBOOTSTRAP_REQUIRED
        ..MetadataResponse::default()
    };
    #[rustfmt::skip]
    check_vector(&m, 13, &[
        0, 0, 0, 0,             // throttle 0
        1,                      // brokers: none
        0,                      // cluster id null
        0xff, 0xff, 0xff, 0xff, // controller id -1
        1,                      // topics: none
        0, 129,                 // error code 129
        0,                      // no tagged fields
    ]);
}

#[test]
fn response_v8_vector_has_cluster_authorized_operations() {
    let m = MetadataResponse {
        cluster_id: Some("k".into()),
        controller_id: 3,
        cluster_authorized_operations: 0x0102,
        ..MetadataResponse::default()
    };
    #[rustfmt::skip]
    check_vector(&m, 8, &[
        0, 0, 0, 0,             // throttle 0
        0, 0, 0, 0,             // brokers: none
        0, 1, b'k',             // cluster id "k"
        0, 0, 0, 3,             // controller id 3
        0, 0, 0, 0,             // topics: none
        0, 0, 1, 2,             // cluster authorized operations
    ]);
}

// ---------------------------------------------------------------- refusals

#[test]
fn null_topics_are_refused_in_v0() {
    let m = MetadataRequest::all_topics(1);
    assert_eq!(
        encoded(&m, 0),
        Err(EncodeError::NullNotAllowed {
            what: "topics",
            version: 0
        })
    );
    assert!(matches!(
        decoded::<MetadataRequest>(&[0xff, 0xff, 0xff, 0xff], 0),
        Err(DecodeError::UnexpectedNull { what: "topics" })
    ));
}

#[test]
fn null_topic_names_are_refused_before_v10() {
    let m = MetadataRequest {
        topics: Some(vec![MetadataRequestTopic::with_id(UUID_7)]),
        ..MetadataRequest::default()
    };
    for v in 0..10 {
        assert_eq!(
            encoded(&m, v),
            Err(EncodeError::NullNotAllowed {
                what: "topic name",
                version: v
            }),
            "v{v}"
        );
    }
    // v9: compact array of one topic whose name is null, then the rest.
    assert!(matches!(
        decoded::<MetadataRequest>(&[2, 0, 0, 1, 0, 0], 9),
        Err(DecodeError::UnexpectedNull { what: "topic name" })
    ));
    assert!(encoded(&m, 10).is_ok());
}

#[test]
fn topic_id_is_dropped_before_v10_because_it_is_ignorable() {
    // The schema marks the request's TopicId ignorable, so Java's rule
    // drops it silently (the topic is still asked for by name).
    let m = MetadataRequest {
        topics: Some(vec![MetadataRequestTopic {
            topic_id: UUID_7,
            ..MetadataRequestTopic::named("t")
        }]),
        ..MetadataRequest::default()
    };
    let bytes = encoded(&m, 9).unwrap();
    assert_eq!(bytes.as_ref(), &[2, 2, b't', 0, 1, 0, 0, 0]);
    let back: MetadataRequest = decoded(&bytes, 9).unwrap();
    assert_eq!(back.topics.unwrap()[0].topic_id, Uuid::ZERO);
}

#[test]
fn request_fields_absent_in_a_version_are_refused() {
    let no_auto = MetadataRequest {
        allow_auto_topic_creation: false,
        ..MetadataRequest::default()
    };
    assert_eq!(
        encoded(&no_auto, 3),
        Err(EncodeError::FieldNotInVersion {
            field: "allow auto topic creation",
            version: 3
        })
    );
    let cluster_ops = MetadataRequest {
        include_cluster_authorized_operations: true,
        ..MetadataRequest::default()
    };
    for v in [7, 11, 12, 13] {
        assert_eq!(
            encoded(&cluster_ops, v),
            Err(EncodeError::FieldNotInVersion {
                field: "include cluster authorized operations",
                version: v
            })
        );
    }
    let topic_ops = MetadataRequest {
        include_topic_authorized_operations: true,
        ..MetadataRequest::default()
    };
    assert_eq!(
        encoded(&topic_ops, 7),
        Err(EncodeError::FieldNotInVersion {
            field: "include topic authorized operations",
            version: 7
        })
    );
}

#[test]
fn response_fields_absent_in_a_version_are_refused() {
    let cluster_ops = MetadataResponse {
        cluster_authorized_operations: 0,
        ..MetadataResponse::default()
    };
    for v in [7, 11, 13] {
        assert_eq!(
            encoded(&cluster_ops, v),
            Err(EncodeError::FieldNotInVersion {
                field: "cluster authorized operations",
                version: v
            })
        );
    }
    let topic_ops = MetadataResponse {
        topics: vec![MetadataResponseTopic {
            topic_authorized_operations: 0,
            ..Default::default()
        }],
        ..MetadataResponse::default()
    };
    assert_eq!(
        encoded(&topic_ops, 7),
        Err(EncodeError::FieldNotInVersion {
            field: "topic authorized operations",
            version: 7
        })
    );
}

#[test]
fn null_response_topic_names_are_refused_before_v12() {
    let m = MetadataResponse {
        topics: vec![MetadataResponseTopic {
            name: None,
            topic_id: UUID_9,
            ..Default::default()
        }],
        ..MetadataResponse::default()
    };
    assert_eq!(
        encoded(&m, 11),
        Err(EncodeError::NullNotAllowed {
            what: "topic name",
            version: 11
        })
    );
    // v11: throttle, no brokers, null cluster id, controller, one topic
    // whose name is null.
    #[rustfmt::skip]
    let bytes = [0, 0, 0, 0, 1, 0, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0];
    assert!(matches!(
        decoded::<MetadataResponse>(&bytes, 11),
        Err(DecodeError::UnexpectedNull { what: "topic name" })
    ));
}

#[test]
fn ignorable_response_fields_are_dropped_silently() {
    // Every ignorable field set; v0 has none of them.
    let mut m = response_v12();
    m.error_code = ErrorCode(129);
    m.topics[1].name = Some("u".into());
    m.topics[0].topic_authorized_operations = AUTHORIZED_OPERATIONS_OMITTED;
    m.topics[0].is_internal = true;
    let back: MetadataResponse = decoded(&encoded(&m, 0).unwrap(), 0).unwrap();
    assert_eq!(back.throttle_time_ms, 0);
    assert_eq!(back.brokers[0].rack, None);
    assert_eq!(back.cluster_id, None);
    assert_eq!(back.controller_id, -1);
    assert_eq!(back.topics[0].topic_id, Uuid::ZERO);
    assert!(!back.topics[0].is_internal);
    assert_eq!(back.topics[0].partitions[0].leader_epoch, -1);
    assert!(back.topics[0].partitions[0].offline_replicas.is_empty());
    assert_eq!(back.error_code, ErrorCode::NONE);
    // What v0 does carry survives.
    assert_eq!(back.topics[0].partitions[0].leader_id, 1);
    assert_eq!(back.brokers[0].host, "b1");
}

#[test]
fn unknown_tagged_fields_are_refused_before_v9() {
    let tags = one_unknown_tag(7);
    let mut in_request = MetadataRequest::for_topics(["t"]);
    in_request.allow_auto_topic_creation = true;
    let mut in_request_topic = in_request.clone();
    in_request.unknown_tagged_fields = tags.clone();
    in_request_topic.topics.as_mut().unwrap()[0].unknown_tagged_fields = tags.clone();
    let mut base = response_v12();
    base.topics.truncate(1);
    base.topics[0].topic_authorized_operations = AUTHORIZED_OPERATIONS_OMITTED;
    base.topics[0].topic_id = Uuid::ZERO;
    let mut in_response = base.clone();
    in_response.unknown_tagged_fields = tags.clone();
    let mut in_broker = base.clone();
    in_broker.brokers[0].unknown_tagged_fields = tags.clone();
    let mut in_topic = base.clone();
    in_topic.topics[0].unknown_tagged_fields = tags.clone();
    let mut in_partition = base;
    in_partition.topics[0].partitions[0].unknown_tagged_fields = tags;
    for v in 0..9 {
        assert_tags_refused(&in_request, v);
        assert_tags_refused(&in_request_topic, v);
        for m in [&in_response, &in_broker, &in_topic, &in_partition] {
            assert_tags_refused(m, v);
        }
    }
    // From v9 they are written.
    for v in 9..=13 {
        roundtrip(&in_request, v);
        roundtrip(&in_request_topic, v);
        for m in [&in_response, &in_broker, &in_topic, &in_partition] {
            roundtrip(m, v);
        }
    }
}

#[test]
fn versions_outside_0_to_13_are_refused() {
    for v in [-1, 14] {
        assert!(matches!(
            encoded(&MetadataRequest::default(), v),
            Err(EncodeError::UnsupportedVersion { .. })
        ));
        assert!(matches!(
            encoded(&MetadataResponse::default(), v),
            Err(EncodeError::UnsupportedVersion { .. })
        ));
        assert!(matches!(
            decoded::<MetadataRequest>(&[1, 1, 0], v),
            Err(DecodeError::UnsupportedVersion { .. })
        ));
        assert!(matches!(
            decoded::<MetadataResponse>(&[0; 16], v),
            Err(DecodeError::UnsupportedVersion { .. })
        ));
    }
}

// ---------------------------------------------------------------- accessors

#[test]
fn accessors_find_what_is_listed_and_nothing_else() {
    let mut m = response_v12();
    assert_eq!(m.broker(1).map(|b| b.host.as_str()), Some("b1"));
    assert!(m.broker(2).is_none());
    assert_eq!(m.controller().map(|b| b.node_id), Some(1));
    assert!(m.topic("t").is_some());
    assert!(m.topic("missing").is_none());
    assert!(m.topic("t").unwrap().partition(0).is_none());
    assert!(m.leader("t", 0).is_none());

    // A partition without a leader (-1) has none, even if broker -1 existed.
    m.topics[0].partitions[0].leader_id = -1;
    m.brokers.push(MetadataResponseBroker {
        node_id: -1,
        ..Default::default()
    });
    assert_eq!(m.topics[0].partitions[0].leader(), None);
    assert!(m.leader("t", 1).is_none());
    m.controller_id = -1;
    assert!(m.controller().is_none());
}

#[test]
fn for_topics_asks_by_name_without_auto_creation() {
    let m = MetadataRequest::for_topics(["a", "b"]);
    let names: Vec<_> = m
        .topics
        .iter()
        .flatten()
        .map(|t| t.name.as_deref())
        .collect();
    assert_eq!(names, [Some("a"), Some("b")]);
    assert!(!m.allow_auto_topic_creation);
    assert!(!m.wants_all_topics(0));
}

#[test]
fn frames_round_trip_with_the_right_headers() {
    use kafka_sansio::protocol::frame::{
        decode_request, decode_response, encode_request, encode_response,
    };
    for v in [0, 8, 9, 12, 13] {
        let req = MetadataRequest::for_topics(["t"]);
        let req = MetadataRequest {
            allow_auto_topic_creation: v < 4,
            ..req
        };
        let mut buf = BytesMut::new();
        encode_request(&mut buf, 7, Some("client"), v, &req).unwrap();
        let frame = buf.freeze().slice(4..);
        let (header, back) = decode_request::<MetadataRequest>(frame).unwrap();
        assert_eq!((header.correlation_id, back), (7, req));

        let mut resp = response_v12();
        if v < 12 {
            resp.topics[1].name = Some("u".into());
        }
        if v < 8 {
            resp.topics[0].topic_authorized_operations = AUTHORIZED_OPERATIONS_OMITTED;
        }
        let mut buf = BytesMut::new();
        encode_response(&mut buf, 7, v, &resp).unwrap();
        let (header, back) =
            decode_response::<MetadataResponse>(buf.freeze().slice(4..), v).unwrap();
        assert_eq!(header.correlation_id, 7);
        assert_eq!(back.leader("t", 1).map(|b| b.port), Some(9092), "v{v}");
    }
}
