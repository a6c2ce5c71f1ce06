//! CreateTopics: proptest round trips for every version, agreement with the
//! independent `kafka-protocol` codec in both directions, hand-checked byte
//! vectors, truncation, and the refusals.
//!
//! Every CreateTopics field absent from some supported version (v2-7) is
//! ignorable, and every nullable field is nullable in all the versions that
//! carry it, so `NullNotAllowed` and a `FieldNotInVersion` for a schema
//! field cannot arise; the tests check that such fields are dropped
//! silently, and that tagged fields are refused before v5 (Java's rule).

mod common;

use bytes::{Bytes, BytesMut};
use common::{
    assert_encoding_prefixes_fail, assert_tags_refused, check_against_oracle, check_vector,
    in_any_version, one_unknown_tag, ours_encoded, roundtrip, sb, st, tags_from_oracle,
    tags_to_oracle, unknown_tags, unknown_tags_if, uuid_from_oracle, uuid_to_oracle,
};
use kafka_protocol::messages as kp;
use kafka_protocol::messages::create_topics_request as kpq;
use kafka_protocol::messages::create_topics_response as kpr;
use kafka_sansio::protocol::create_topics::{
    CreatableReplicaAssignment, CreatableTopic, CreatableTopicConfig, CreatableTopicConfigs,
    CreatableTopicResult, CreateTopicsRequest, CreateTopicsResponse,
};
use kafka_sansio::protocol::{
    ApiMessage, Decode, DecodeError, Encode, EncodeError, ErrorCode, Reader, Uuid,
};
use proptest::prelude::*;

const NAME: &str = "[a-zA-Z0-9._é-]{0,16}";

fn flexible(version: i16) -> bool {
    CreateTopicsRequest::is_flexible(version)
}

fn request(version: i16) -> impl Strategy<Value = CreateTopicsRequest> {
    let flex = flexible(version);
    let assignment = (
        any::<i32>(),
        proptest::collection::vec(any::<i32>(), 0..4),
        unknown_tags_if(flex, 0),
    )
        .prop_map(
            |(partition_index, broker_ids, u)| CreatableReplicaAssignment {
                partition_index,
                broker_ids,
                unknown_tagged_fields: u,
            },
        );
    let config = (NAME, proptest::option::of(NAME), unknown_tags_if(flex, 0)).prop_map(
        |(name, value, u)| CreatableTopicConfig {
            name,
            value,
            unknown_tagged_fields: u,
        },
    );
    let topic = (
        NAME,
        any::<i32>(),
        any::<i16>(),
        proptest::collection::vec(assignment, 0..3),
        proptest::collection::vec(config, 0..3),
        unknown_tags_if(flex, 0),
    )
        .prop_map(
            |(name, num_partitions, replication_factor, assignments, configs, u)| CreatableTopic {
                name,
                num_partitions,
                replication_factor,
                assignments,
                configs,
                unknown_tagged_fields: u,
            },
        );
    (
        proptest::collection::vec(topic, 0..3),
        any::<i32>(),
        any::<bool>(),
        unknown_tags_if(flex, 0),
    )
        .prop_map(
            |(topics, timeout_ms, validate_only, u)| CreateTopicsRequest {
                topics,
                timeout_ms,
                validate_only,
                unknown_tagged_fields: u,
            },
        )
}

fn response(version: i16) -> impl Strategy<Value = CreateTopicsResponse> {
    let flex = flexible(version);
    let has_id = version >= 7;
    let config = (
        NAME,
        proptest::option::of(NAME),
        any::<bool>(),
        any::<i8>(),
        any::<bool>(),
        unknown_tags(0),
    )
        .prop_map(|(name, value, read_only, config_source, is_sensitive, u)| {
            CreatableTopicConfigs {
                name,
                value,
                read_only,
                config_source,
                is_sensitive,
                unknown_tagged_fields: u,
            }
        });
    let topic = (
        (
            NAME,
            any::<[u8; 16]>(),
            any::<i16>(),
            proptest::option::of(NAME),
        ),
        (
            prop_oneof![Just(0i16), any::<i16>()],
            any::<i32>(),
            any::<i16>(),
            proptest::option::of(proptest::collection::vec(config, 0..3)),
            // Tag 0 is known: unknown ones start at 1.
            unknown_tags_if(flex, 1),
        ),
    )
        .prop_map(
            move |((name, id, code, message), (config_error, parts, rf, configs, u))| {
                let mut t = CreatableTopicResult {
                    name,
                    topic_id: if has_id { Uuid(id) } else { Uuid::ZERO },
                    error_code: ErrorCode(code),
                    error_message: message,
                    unknown_tagged_fields: u,
                    ..CreatableTopicResult::default()
                };
                if flex {
                    t.topic_config_error_code = ErrorCode(config_error);
                    t.num_partitions = parts;
                    t.replication_factor = rf;
                    t.configs = configs;
                }
                t
            },
        );
    (
        any::<i32>(),
        proptest::collection::vec(topic, 0..3),
        unknown_tags_if(flex, 0),
    )
        .prop_map(|(throttle_time_ms, topics, u)| CreateTopicsResponse {
            throttle_time_ms,
            topics,
            unknown_tagged_fields: u,
        })
}

fn request_to_oracle(m: &CreateTopicsRequest) -> kp::CreateTopicsRequest {
    kp::CreateTopicsRequest::default()
        .with_topics(
            m.topics
                .iter()
                .map(|t| {
                    kpq::CreatableTopic::default()
                        .with_name(sb(&t.name).into())
                        .with_num_partitions(t.num_partitions)
                        .with_replication_factor(t.replication_factor)
                        .with_assignments(
                            t.assignments
                                .iter()
                                .map(|a| {
                                    kpq::CreatableReplicaAssignment::default()
                                        .with_partition_index(a.partition_index)
                                        .with_broker_ids(
                                            a.broker_ids.iter().map(|&b| b.into()).collect(),
                                        )
                                        .with_unknown_tagged_fields(tags_to_oracle(
                                            &a.unknown_tagged_fields,
                                        ))
                                })
                                .collect(),
                        )
                        .with_configs(
                            t.configs
                                .iter()
                                .map(|c| {
                                    kpq::CreatableTopicConfig::default()
                                        .with_name(sb(&c.name))
                                        .with_value(c.value.as_deref().map(sb))
                                        .with_unknown_tagged_fields(tags_to_oracle(
                                            &c.unknown_tagged_fields,
                                        ))
                                })
                                .collect(),
                        )
                        .with_unknown_tagged_fields(tags_to_oracle(&t.unknown_tagged_fields))
                })
                .collect(),
        )
        .with_timeout_ms(m.timeout_ms)
        .with_validate_only(m.validate_only)
        .with_unknown_tagged_fields(tags_to_oracle(&m.unknown_tagged_fields))
}

fn request_from_oracle(t: &kp::CreateTopicsRequest) -> CreateTopicsRequest {
    CreateTopicsRequest {
        topics: t
            .topics
            .iter()
            .map(|t| CreatableTopic {
                name: st(&t.name.0),
                num_partitions: t.num_partitions,
                replication_factor: t.replication_factor,
                assignments: t
                    .assignments
                    .iter()
                    .map(|a| CreatableReplicaAssignment {
                        partition_index: a.partition_index,
                        broker_ids: a.broker_ids.iter().map(|b| b.0).collect(),
                        unknown_tagged_fields: tags_from_oracle(&a.unknown_tagged_fields),
                    })
                    .collect(),
                configs: t
                    .configs
                    .iter()
                    .map(|c| CreatableTopicConfig {
                        name: st(&c.name),
                        value: c.value.as_ref().map(st),
                        unknown_tagged_fields: tags_from_oracle(&c.unknown_tagged_fields),
                    })
                    .collect(),
                unknown_tagged_fields: tags_from_oracle(&t.unknown_tagged_fields),
            })
            .collect(),
        timeout_ms: t.timeout_ms,
        validate_only: t.validate_only,
        unknown_tagged_fields: tags_from_oracle(&t.unknown_tagged_fields),
    }
}

fn response_to_oracle(m: &CreateTopicsResponse) -> kp::CreateTopicsResponse {
    kp::CreateTopicsResponse::default()
        .with_throttle_time_ms(m.throttle_time_ms)
        .with_topics(
            m.topics
                .iter()
                .map(|t| {
                    kpr::CreatableTopicResult::default()
                        .with_name(sb(&t.name).into())
                        .with_topic_id(uuid_to_oracle(&t.topic_id))
                        .with_error_code(t.error_code.0)
                        .with_error_message(t.error_message.as_deref().map(sb))
                        .with_topic_config_error_code(t.topic_config_error_code.0)
                        .with_num_partitions(t.num_partitions)
                        .with_replication_factor(t.replication_factor)
                        .with_configs(t.configs.as_ref().map(|cs| {
                            cs.iter()
                                .map(|c| {
                                    kpr::CreatableTopicConfigs::default()
                                        .with_name(sb(&c.name))
                                        .with_value(c.value.as_deref().map(sb))
                                        .with_read_only(c.read_only)
                                        .with_config_source(c.config_source)
                                        .with_is_sensitive(c.is_sensitive)
                                        .with_unknown_tagged_fields(tags_to_oracle(
                                            &c.unknown_tagged_fields,
                                        ))
                                })
                                .collect()
                        }))
                        .with_unknown_tagged_fields(tags_to_oracle(&t.unknown_tagged_fields))
                })
                .collect(),
        )
        .with_unknown_tagged_fields(tags_to_oracle(&m.unknown_tagged_fields))
}

/// The oracle fills an absent `Configs` (v2-4) with an empty list, as
/// Java does; this crate uses `None` ("not returned").
fn response_from_oracle(t: &kp::CreateTopicsResponse, version: i16) -> CreateTopicsResponse {
    CreateTopicsResponse {
        throttle_time_ms: t.throttle_time_ms,
        topics: t
            .topics
            .iter()
            .map(|t| CreatableTopicResult {
                name: st(&t.name.0),
                topic_id: uuid_from_oracle(&t.topic_id),
                error_code: ErrorCode(t.error_code),
                error_message: t.error_message.as_ref().map(st),
                topic_config_error_code: ErrorCode(t.topic_config_error_code),
                num_partitions: t.num_partitions,
                replication_factor: t.replication_factor,
                configs: if version < 5 {
                    None
                } else {
                    t.configs.as_ref().map(|cs| {
                        cs.iter()
                            .map(|c| CreatableTopicConfigs {
                                name: st(&c.name),
                                value: c.value.as_ref().map(st),
                                read_only: c.read_only,
                                config_source: c.config_source,
                                is_sensitive: c.is_sensitive,
                                unknown_tagged_fields: tags_from_oracle(&c.unknown_tagged_fields),
                            })
                            .collect()
                    })
                },
                unknown_tagged_fields: tags_from_oracle(&t.unknown_tagged_fields),
            })
            .collect(),
        unknown_tagged_fields: tags_from_oracle(&t.unknown_tagged_fields),
    }
}

proptest! {
    #[test]
    fn request_round_trips((v, m) in in_any_version::<CreateTopicsRequest, _>(request)) {
        roundtrip(&m, v);
        check_against_oracle(&m, v, request_to_oracle, request_from_oracle);
    }

    #[test]
    fn response_round_trips((v, m) in in_any_version::<CreateTopicsResponse, _>(response)) {
        roundtrip(&m, v);
        check_against_oracle(&m, v, response_to_oracle, |t| response_from_oracle(t, v));
    }

    #[test]
    fn truncated_requests_fail((v, m) in in_any_version::<CreateTopicsRequest, _>(request)) {
        assert_encoding_prefixes_fail(&m, v);
    }

    #[test]
    fn truncated_responses_fail((v, m) in in_any_version::<CreateTopicsResponse, _>(response)) {
        assert_encoding_prefixes_fail(&m, v);
    }
}

fn sample_request() -> CreateTopicsRequest {
    CreateTopicsRequest {
        topics: vec![CreatableTopic {
            name: "t".into(),
            num_partitions: -1,
            replication_factor: -1,
            assignments: vec![CreatableReplicaAssignment {
                partition_index: 0,
                broker_ids: vec![1, 2],
                ..CreatableReplicaAssignment::default()
            }],
            configs: vec![CreatableTopicConfig {
                name: "a".into(),
                value: None,
                ..CreatableTopicConfig::default()
            }],
            ..CreatableTopic::default()
        }],
        timeout_ms: 60_000,
        validate_only: true,
        ..CreateTopicsRequest::default()
    }
}

#[rustfmt::skip]
const REQUEST_V4: &[u8] = &[
    0x00, 0x00, 0x00, 0x01,             // Topics: int32 count 1
      0x00, 0x01, b't',                 // Name "t" (int16 length)
      0xff, 0xff, 0xff, 0xff,           // NumPartitions -1
      0xff, 0xff,                       // ReplicationFactor -1
      0x00, 0x00, 0x00, 0x01,           // Assignments: count 1
        0x00, 0x00, 0x00, 0x00,         // PartitionIndex 0
        0x00, 0x00, 0x00, 0x02,         // BrokerIds: count 2
          0x00, 0x00, 0x00, 0x01,
          0x00, 0x00, 0x00, 0x02,
      0x00, 0x00, 0x00, 0x01,           // Configs: count 1
        0x00, 0x01, b'a',               // Name "a"
        0xff, 0xff,                     // Value null
    0x00, 0x00, 0xea, 0x60,             // timeoutMs 60000
    0x01,                               // validateOnly true
];

#[rustfmt::skip]
const REQUEST_V5: &[u8] = &[
    0x02,                               // Topics: compact count 1
      0x02, b't',                       // Name "t" (varint length + 1)
      0xff, 0xff, 0xff, 0xff,           // NumPartitions -1
      0xff, 0xff,                       // ReplicationFactor -1
      0x02,                             // Assignments: 1
        0x00, 0x00, 0x00, 0x00,         // PartitionIndex 0
        0x03,                           // BrokerIds: 2
          0x00, 0x00, 0x00, 0x01,
          0x00, 0x00, 0x00, 0x02,
        0x00,                           // assignment tagged fields
      0x02,                             // Configs: 1
        0x02, b'a',                     // Name "a"
        0x00,                           // Value null
        0x00,                           // config tagged fields
      0x00,                             // topic tagged fields
    0x00, 0x00, 0xea, 0x60,             // timeoutMs 60000
    0x01,                               // validateOnly true
    0x00,                               // request tagged fields
];

#[test]
fn request_bytes_by_hand() {
    let m = sample_request();
    for v in 2..=4 {
        assert_eq!(&ours_encoded(&m, v)[..], REQUEST_V4, "v{v}");
    }
    for v in 5..=7 {
        check_vector(&m, v, REQUEST_V5);
    }
}

fn sample_response() -> CreateTopicsResponse {
    let mut id = [0u8; 16];
    id[0] = 0xab;
    id[15] = 0x01;
    CreateTopicsResponse {
        throttle_time_ms: 7,
        topics: vec![CreatableTopicResult {
            name: "t".into(),
            topic_id: Uuid(id),
            error_code: ErrorCode::NONE,
            error_message: None,
            topic_config_error_code: ErrorCode(29), // TOPIC_AUTHORIZATION_FAILED
            num_partitions: 3,
            replication_factor: 2,
            configs: None,
            ..CreatableTopicResult::default()
        }],
        ..CreateTopicsResponse::default()
    }
}

#[rustfmt::skip]
const RESPONSE_V7: &[u8] = &[
    0x00, 0x00, 0x00, 0x07,             // ThrottleTimeMs 7
    0x02,                               // Topics: 1
      0x02, b't',                       // Name "t"
      0xab, 0, 0, 0, 0, 0, 0, 0,        // TopicId
      0, 0, 0, 0, 0, 0, 0, 0x01,
      0x00, 0x00,                       // ErrorCode NONE
      0x00,                             // ErrorMessage null
      0x00, 0x00, 0x00, 0x03,           // NumPartitions 3
      0x00, 0x02,                       // ReplicationFactor 2
      0x00,                             // Configs null
      0x01, 0x00, 0x02, 0x00, 0x1d,     // 1 tag: 0 TopicConfigErrorCode, 2 bytes, 29
    0x00,                               // response tagged fields
];

#[rustfmt::skip]
const RESPONSE_V4: &[u8] = &[
    0x00, 0x00, 0x00, 0x07,             // ThrottleTimeMs 7
    0x00, 0x00, 0x00, 0x01,             // Topics: 1
      0x00, 0x01, b't',                 // Name "t"
      0x00, 0x00,                       // ErrorCode NONE
      0xff, 0xff,                       // ErrorMessage null
];

#[test]
fn response_bytes_by_hand() {
    let m = sample_response();
    check_vector(&m, 7, RESPONSE_V7);
    // TopicId, NumPartitions, ReplicationFactor, Configs and the tagged
    // TopicConfigErrorCode are ignorable: dropped silently before v5/v7.
    assert_eq!(&ours_encoded(&m, 4)[..], RESPONSE_V4);
    let mut r = Reader::new(Bytes::from_static(RESPONSE_V4));
    let back = CreateTopicsResponse::decode(&mut r, 4).unwrap();
    assert_eq!(
        back.topics[0],
        CreatableTopicResult {
            name: "t".into(),
            ..CreatableTopicResult::default()
        }
    );
    // v6 is v7 without the topic id.
    let v6 = ours_encoded(&m, 6);
    assert_eq!(&v6[..7], &RESPONSE_V7[..7]);
    assert_eq!(&v6[7..], &RESPONSE_V7[23..]);
}

#[rustfmt::skip]
const CONFIGS_V5: &[u8] = &[
    0x00, 0x00, 0x00, 0x00,             // ThrottleTimeMs 0
    0x02,                               // Topics: 1
      0x01,                             // Name ""
      0x00, 0x24,                       // ErrorCode 36 TOPIC_ALREADY_EXISTS
      0x04, b'd', b'u', b'p',           // ErrorMessage "dup"
      0xff, 0xff, 0xff, 0xff,           // NumPartitions -1
      0xff, 0xff,                       // ReplicationFactor -1
      0x02,                             // Configs: 1
        0x02, b'k',                     // Name "k"
        0x00,                           // Value null
        0x01,                           // ReadOnly true
        0x05,                           // ConfigSource 5
        0x00,                           // IsSensitive false
        0x00,                           // config tagged fields
      0x00,                             // topic tagged fields
    0x00,                               // response tagged fields
];

#[test]
fn response_configs_bytes_by_hand() {
    let m = CreateTopicsResponse {
        topics: vec![CreatableTopicResult {
            error_code: ErrorCode(36),
            error_message: Some("dup".into()),
            configs: Some(vec![CreatableTopicConfigs {
                name: "k".into(),
                value: None,
                read_only: true,
                config_source: 5,
                is_sensitive: false,
                ..CreatableTopicConfigs::default()
            }]),
            ..CreatableTopicResult::default()
        }],
        ..CreateTopicsResponse::default()
    };
    assert_eq!(&ours_encoded(&m, 5)[..], CONFIGS_V5);
}

#[test]
fn defaults_follow_the_schema() {
    assert_eq!(CreateTopicsRequest::default().timeout_ms, 60_000);
    let r = CreatableTopicResult::default();
    assert_eq!((r.num_partitions, r.replication_factor), (-1, -1));
    assert_eq!(CreatableTopicConfigs::default().config_source, -1);
}

#[test]
fn unknown_tagged_fields_are_refused_before_v5() {
    let tags = one_unknown_tag(3);
    let mut in_config = sample_request();
    in_config.topics[0].configs[0].unknown_tagged_fields = tags.clone();
    let mut in_assignment = sample_request();
    in_assignment.topics[0].assignments[0].unknown_tagged_fields = tags.clone();
    let mut in_topic = sample_request();
    in_topic.topics[0].unknown_tagged_fields = tags.clone();
    let mut in_request = sample_request();
    in_request.unknown_tagged_fields = tags.clone();
    let mut in_result = sample_response();
    in_result.topics[0].unknown_tagged_fields = tags.clone();
    let mut in_response = sample_response();
    in_response.unknown_tagged_fields = tags;
    for v in 2..=4 {
        for m in [&in_config, &in_assignment, &in_topic, &in_request] {
            assert_tags_refused(m, v);
        }
        for m in [&in_result, &in_response] {
            assert_tags_refused(m, v);
        }
    }
    for v in 5..=7 {
        for m in [&in_config, &in_assignment, &in_topic, &in_request] {
            roundtrip(m, v);
        }
    }
}

#[test]
fn unsupported_versions_are_refused() {
    let mut buf = BytesMut::new();
    for v in [0, 1, 8] {
        assert!(matches!(
            sample_request().encode(&mut buf, v),
            Err(EncodeError::UnsupportedVersion { .. })
        ));
        assert!(matches!(
            sample_response().encode(&mut buf, v),
            Err(EncodeError::UnsupportedVersion { .. })
        ));
        let mut r = Reader::new(Bytes::from_static(REQUEST_V4));
        assert!(matches!(
            CreateTopicsRequest::decode(&mut r, v),
            Err(DecodeError::UnsupportedVersion { .. })
        ));
    }
    assert!(buf.is_empty());
}

#[test]
fn hostile_counts_are_rejected_without_allocating() {
    // Topics claims 2^31-1 elements in a 4-byte body.
    let mut r = Reader::new(Bytes::from_static(&[0x7f, 0xff, 0xff, 0xff]));
    assert!(matches!(
        CreateTopicsRequest::decode(&mut r, 4),
        Err(DecodeError::InvalidLength { .. })
    ));
    // A negative broker-id count other than -1 (null), and null where the
    // schema allows none.
    let mut bad = REQUEST_V4.to_vec();
    bad[21..25].copy_from_slice(&(-2i32).to_be_bytes());
    assert!(CreateTopicsRequest::decode(&mut Reader::new(Bytes::from(bad.clone())), 4).is_err());
    bad[21..25].copy_from_slice(&(-1i32).to_be_bytes());
    assert!(matches!(
        CreateTopicsRequest::decode(&mut Reader::new(Bytes::from(bad)), 4),
        Err(DecodeError::UnexpectedNull { what: "broker ids" })
    ));
}
