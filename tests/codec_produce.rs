//! Produce: proptest round trips for every version 3-13, agreement with the
//! independent `kafka-protocol` codec in both directions, hand-written byte
//! vectors (including the KIP-951 leader hints), truncation, refusals and
//! the allocation-free request encoding.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use bytes::{Bytes, BytesMut};
use common::{
    assert_prefixes_fail, assert_tags_refused, check_against_oracle, check_vector, decoded,
    encoded, one_unknown_tag, oracle_decoded, roundtrip, sb, st, tags_from_oracle, tags_if,
    tags_to_oracle, unknown_tags, uuid_from_oracle, uuid_to_oracle, versions,
};
use kafka_protocol::messages as kp;
use kafka_protocol::messages::produce_request as kpq;
use kafka_protocol::messages::produce_response as kps;
use kafka_sansio::protocol::frame::{encode_request, encode_request_spliced};
use kafka_sansio::protocol::{
    ApiMessage, BatchIndexAndErrorMessage, Decode, DecodeError, Encode, EncodeError, ErrorCode,
    LeaderIdAndEpoch, NodeEndpoint, PartitionProduceData, PartitionProduceResponse, ProduceRequest,
    ProduceResponse, Reader, Splices, TopicProduceData, TopicProduceResponse, UnknownTaggedFields,
    Uuid,
};
use proptest::prelude::*;

// ---------------------------------------------------------------------------
// Allocation counting, so that "encoding a request allocates nothing" is
// checked rather than claimed. Counts are per thread because the test
// harness runs tests in parallel.

struct CountingAlloc;

thread_local! {
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

fn count_allocation() {
    let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
}

fn allocations() -> u64 {
    ALLOCATIONS.with(Cell::get)
}

// SAFETY: every call is forwarded unchanged to the system allocator; the
// wrapper only bumps a thread-local counter, which itself never allocates.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count_allocation();
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count_allocation();
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count_allocation();
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: CountingAlloc = CountingAlloc;

// ---------------------------------------------------------------------------
// Strategies. Each generates a message with every field of every version
// set at random; `*_for(version)` then resets what `version` cannot carry to
// its default, so each proptest case is checked in all eleven versions.

const VERSIONS: std::ops::RangeInclusive<i16> = versions::<ProduceRequest>();

fn opt_string() -> impl Strategy<Value = Option<String>> {
    proptest::option::of("[ -~]{0,20}")
}

fn topic_name() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9._-]{1,24}"
}

fn topic_id() -> impl Strategy<Value = Uuid> {
    any::<[u8; 16]>().prop_map(|mut b| {
        // v13 needs a real id; the zero id means "none".
        b[15] |= 1;
        Uuid(b)
    })
}

fn records() -> impl Strategy<Value = Option<Bytes>> {
    proptest::option::of(prop::collection::vec(any::<u8>(), 0..64).prop_map(Bytes::from))
}

fn partition_data() -> impl Strategy<Value = PartitionProduceData> {
    (any::<i32>(), records(), unknown_tags(0)).prop_map(
        |(index, records, unknown_tagged_fields)| PartitionProduceData {
            index,
            records,
            unknown_tagged_fields,
        },
    )
}

fn topic_data() -> impl Strategy<Value = TopicProduceData> {
    (
        topic_name(),
        topic_id(),
        prop::collection::vec(partition_data(), 0..4),
        unknown_tags(0),
    )
        .prop_map(
            |(name, topic_id, partition_data, unknown_tagged_fields)| TopicProduceData {
                name,
                topic_id,
                partition_data,
                unknown_tagged_fields,
            },
        )
}

fn full_request() -> impl Strategy<Value = ProduceRequest> {
    (
        proptest::option::of("[a-zA-Z0-9._-]{0,24}"),
        any::<i16>(),
        any::<i32>(),
        prop::collection::vec(topic_data(), 0..4),
        unknown_tags(0),
    )
        .prop_map(
            |(transactional_id, acks, timeout_ms, topic_data, unknown_tagged_fields)| {
                ProduceRequest {
                    transactional_id,
                    acks,
                    timeout_ms,
                    topic_data,
                    unknown_tagged_fields,
                }
            },
        )
}

/// The topic identity `version` carries: the name before v13, the id from
/// v13; the other one is left at its default.
fn identity_for(name: &str, topic_id: Uuid, version: i16) -> (String, Uuid) {
    if version >= 13 {
        (String::new(), topic_id)
    } else {
        (name.to_owned(), Uuid::ZERO)
    }
}

fn request_for(m: &ProduceRequest, version: i16) -> ProduceRequest {
    let flexible = ProduceRequest::is_flexible(version);
    let tags = |t: &UnknownTaggedFields| tags_if(flexible, t);
    ProduceRequest {
        topic_data: m
            .topic_data
            .iter()
            .map(|t| {
                let (name, topic_id) = identity_for(&t.name, t.topic_id, version);
                TopicProduceData {
                    name,
                    topic_id,
                    partition_data: t
                        .partition_data
                        .iter()
                        .map(|p| PartitionProduceData {
                            unknown_tagged_fields: tags(&p.unknown_tagged_fields),
                            ..p.clone()
                        })
                        .collect(),
                    unknown_tagged_fields: tags(&t.unknown_tagged_fields),
                }
            })
            .collect(),
        unknown_tagged_fields: tags(&m.unknown_tagged_fields),
        ..m.clone()
    }
}

fn leader() -> impl Strategy<Value = LeaderIdAndEpoch> {
    prop_oneof![
        Just(LeaderIdAndEpoch::default()),
        (any::<i32>(), any::<i32>(), unknown_tags(0)).prop_map(
            |(leader_id, leader_epoch, unknown_tagged_fields)| LeaderIdAndEpoch {
                leader_id,
                leader_epoch,
                unknown_tagged_fields,
            }
        ),
    ]
}

fn record_error() -> impl Strategy<Value = BatchIndexAndErrorMessage> {
    (any::<i32>(), opt_string(), unknown_tags(0)).prop_map(
        |(batch_index, batch_index_error_message, unknown_tagged_fields)| {
            BatchIndexAndErrorMessage {
                batch_index,
                batch_index_error_message,
                unknown_tagged_fields,
            }
        },
    )
}

fn partition_response() -> impl Strategy<Value = PartitionProduceResponse> {
    (
        (
            any::<i32>(),
            any::<i16>(),
            any::<i64>(),
            any::<i64>(),
            any::<i64>(),
        ),
        prop::collection::vec(record_error(), 0..3),
        opt_string(),
        leader(),
        // Tag 0 is CurrentLeader from v10.
        unknown_tags(1),
    )
        .prop_map(
            |(
                (index, code, base_offset, log_append_time_ms, log_start_offset),
                record_errors,
                error_message,
                current_leader,
                unknown_tagged_fields,
            )| PartitionProduceResponse {
                index,
                error_code: ErrorCode(code),
                base_offset,
                log_append_time_ms,
                log_start_offset,
                record_errors,
                error_message,
                current_leader,
                unknown_tagged_fields,
            },
        )
}

fn topic_response() -> impl Strategy<Value = TopicProduceResponse> {
    (
        topic_name(),
        topic_id(),
        prop::collection::vec(partition_response(), 0..4),
        unknown_tags(0),
    )
        .prop_map(
            |(name, topic_id, partition_responses, unknown_tagged_fields)| TopicProduceResponse {
                name,
                topic_id,
                partition_responses,
                unknown_tagged_fields,
            },
        )
}

fn node_endpoint() -> impl Strategy<Value = NodeEndpoint> {
    (
        any::<i32>(),
        "[a-z0-9.-]{0,20}",
        any::<i32>(),
        opt_string(),
        unknown_tags(0),
    )
        .prop_map(
            |(node_id, host, port, rack, unknown_tagged_fields)| NodeEndpoint {
                node_id,
                host,
                port,
                rack,
                unknown_tagged_fields,
            },
        )
}

fn full_response() -> impl Strategy<Value = ProduceResponse> {
    (
        prop::collection::vec(topic_response(), 0..4),
        any::<i32>(),
        prop::collection::vec(node_endpoint(), 0..3),
        // Tag 0 is NodeEndpoints from v10.
        unknown_tags(1),
    )
        .prop_map(
            |(responses, throttle_time_ms, node_endpoints, unknown_tagged_fields)| {
                ProduceResponse {
                    responses,
                    throttle_time_ms,
                    node_endpoints,
                    unknown_tagged_fields,
                }
            },
        )
}

fn response_for(m: &ProduceResponse, version: i16) -> ProduceResponse {
    let flexible = ProduceResponse::is_flexible(version);
    let tags = |t: &UnknownTaggedFields| tags_if(flexible, t);
    let partition = |p: &PartitionProduceResponse| PartitionProduceResponse {
        log_start_offset: if version >= 5 { p.log_start_offset } else { -1 },
        record_errors: if version >= 8 {
            p.record_errors
                .iter()
                .map(|e| BatchIndexAndErrorMessage {
                    unknown_tagged_fields: tags(&e.unknown_tagged_fields),
                    ..e.clone()
                })
                .collect()
        } else {
            Vec::new()
        },
        error_message: if version >= 8 {
            p.error_message.clone()
        } else {
            None
        },
        current_leader: if version >= 10 {
            p.current_leader.clone()
        } else {
            LeaderIdAndEpoch::default()
        },
        unknown_tagged_fields: tags(&p.unknown_tagged_fields),
        ..p.clone()
    };
    ProduceResponse {
        responses: m
            .responses
            .iter()
            .map(|t| {
                let (name, topic_id) = identity_for(&t.name, t.topic_id, version);
                TopicProduceResponse {
                    name,
                    topic_id,
                    partition_responses: t.partition_responses.iter().map(partition).collect(),
                    unknown_tagged_fields: tags(&t.unknown_tagged_fields),
                }
            })
            .collect(),
        throttle_time_ms: m.throttle_time_ms,
        node_endpoints: if version >= 10 {
            m.node_endpoints.clone()
        } else {
            Vec::new()
        },
        unknown_tagged_fields: tags(&m.unknown_tagged_fields),
    }
}

// ---------------------------------------------------------------------------
// Field-by-field bridge to the oracle.

fn request_to_oracle(m: &ProduceRequest) -> kp::ProduceRequest {
    kp::ProduceRequest::default()
        .with_transactional_id(m.transactional_id.as_deref().map(|s| sb(s).into()))
        .with_acks(m.acks)
        .with_timeout_ms(m.timeout_ms)
        .with_topic_data(
            m.topic_data
                .iter()
                .map(|t| {
                    kpq::TopicProduceData::default()
                        .with_name(sb(&t.name).into())
                        .with_topic_id(uuid_to_oracle(&t.topic_id))
                        .with_partition_data(
                            t.partition_data
                                .iter()
                                .map(|p| {
                                    kpq::PartitionProduceData::default()
                                        .with_index(p.index)
                                        .with_records(p.records.clone())
                                        .with_unknown_tagged_fields(tags_to_oracle(
                                            &p.unknown_tagged_fields,
                                        ))
                                })
                                .collect(),
                        )
                        .with_unknown_tagged_fields(tags_to_oracle(&t.unknown_tagged_fields))
                })
                .collect(),
        )
        .with_unknown_tagged_fields(tags_to_oracle(&m.unknown_tagged_fields))
}

fn request_from_oracle(t: &kp::ProduceRequest) -> ProduceRequest {
    ProduceRequest {
        transactional_id: t.transactional_id.as_ref().map(|s| st(s)),
        acks: t.acks,
        timeout_ms: t.timeout_ms,
        topic_data: t
            .topic_data
            .iter()
            .map(|t| TopicProduceData {
                name: st(&t.name),
                topic_id: uuid_from_oracle(&t.topic_id),
                partition_data: t
                    .partition_data
                    .iter()
                    .map(|p| PartitionProduceData {
                        index: p.index,
                        records: p.records.clone(),
                        unknown_tagged_fields: tags_from_oracle(&p.unknown_tagged_fields),
                    })
                    .collect(),
                unknown_tagged_fields: tags_from_oracle(&t.unknown_tagged_fields),
            })
            .collect(),
        unknown_tagged_fields: tags_from_oracle(&t.unknown_tagged_fields),
    }
}

fn partition_response_to_oracle(p: &PartitionProduceResponse) -> kps::PartitionProduceResponse {
    kps::PartitionProduceResponse::default()
        .with_index(p.index)
        .with_error_code(p.error_code.0)
        .with_base_offset(p.base_offset)
        .with_log_append_time_ms(p.log_append_time_ms)
        .with_log_start_offset(p.log_start_offset)
        .with_record_errors(
            p.record_errors
                .iter()
                .map(|e| {
                    kps::BatchIndexAndErrorMessage::default()
                        .with_batch_index(e.batch_index)
                        .with_batch_index_error_message(
                            e.batch_index_error_message.as_deref().map(sb),
                        )
                        .with_unknown_tagged_fields(tags_to_oracle(&e.unknown_tagged_fields))
                })
                .collect(),
        )
        .with_error_message(p.error_message.as_deref().map(sb))
        .with_current_leader(
            kps::LeaderIdAndEpoch::default()
                .with_leader_id(p.current_leader.leader_id.into())
                .with_leader_epoch(p.current_leader.leader_epoch)
                .with_unknown_tagged_fields(tags_to_oracle(
                    &p.current_leader.unknown_tagged_fields,
                )),
        )
        .with_unknown_tagged_fields(tags_to_oracle(&p.unknown_tagged_fields))
}

fn partition_response_from_oracle(p: &kps::PartitionProduceResponse) -> PartitionProduceResponse {
    PartitionProduceResponse {
        index: p.index,
        error_code: ErrorCode(p.error_code),
        base_offset: p.base_offset,
        log_append_time_ms: p.log_append_time_ms,
        log_start_offset: p.log_start_offset,
        record_errors: p
            .record_errors
            .iter()
            .map(|e| BatchIndexAndErrorMessage {
                batch_index: e.batch_index,
                batch_index_error_message: e.batch_index_error_message.as_ref().map(st),
                unknown_tagged_fields: tags_from_oracle(&e.unknown_tagged_fields),
            })
            .collect(),
        error_message: p.error_message.as_ref().map(st),
        current_leader: LeaderIdAndEpoch {
            leader_id: p.current_leader.leader_id.0,
            leader_epoch: p.current_leader.leader_epoch,
            unknown_tagged_fields: tags_from_oracle(&p.current_leader.unknown_tagged_fields),
        },
        unknown_tagged_fields: tags_from_oracle(&p.unknown_tagged_fields),
    }
}

fn response_to_oracle(m: &ProduceResponse) -> kp::ProduceResponse {
    kp::ProduceResponse::default()
        .with_responses(
            m.responses
                .iter()
                .map(|t| {
                    kps::TopicProduceResponse::default()
                        .with_name(sb(&t.name).into())
                        .with_topic_id(uuid_to_oracle(&t.topic_id))
                        .with_partition_responses(
                            t.partition_responses
                                .iter()
                                .map(partition_response_to_oracle)
                                .collect(),
                        )
                        .with_unknown_tagged_fields(tags_to_oracle(&t.unknown_tagged_fields))
                })
                .collect(),
        )
        .with_throttle_time_ms(m.throttle_time_ms)
        .with_node_endpoints(
            m.node_endpoints
                .iter()
                .map(|n| {
                    kps::NodeEndpoint::default()
                        .with_node_id(n.node_id.into())
                        .with_host(sb(&n.host))
                        .with_port(n.port)
                        .with_rack(n.rack.as_deref().map(sb))
                        .with_unknown_tagged_fields(tags_to_oracle(&n.unknown_tagged_fields))
                })
                .collect(),
        )
        .with_unknown_tagged_fields(tags_to_oracle(&m.unknown_tagged_fields))
}

fn response_from_oracle(t: &kp::ProduceResponse) -> ProduceResponse {
    ProduceResponse {
        responses: t
            .responses
            .iter()
            .map(|t| TopicProduceResponse {
                name: st(&t.name),
                topic_id: uuid_from_oracle(&t.topic_id),
                partition_responses: t
                    .partition_responses
                    .iter()
                    .map(partition_response_from_oracle)
                    .collect(),
                unknown_tagged_fields: tags_from_oracle(&t.unknown_tagged_fields),
            })
            .collect(),
        throttle_time_ms: t.throttle_time_ms,
        node_endpoints: t
            .node_endpoints
            .iter()
            .map(|n| NodeEndpoint {
                node_id: n.node_id.0,
                host: st(&n.host),
                port: n.port,
                rack: n.rack.as_ref().map(st),
                unknown_tagged_fields: tags_from_oracle(&n.unknown_tagged_fields),
            })
            .collect(),
        unknown_tagged_fields: tags_from_oracle(&t.unknown_tagged_fields),
    }
}

// ---------------------------------------------------------------------------
// Helpers.

fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

const MINUS_ONE_I64: &[u8] = &[0xff; 8];

// ---------------------------------------------------------------------------
// Property tests.

proptest! {
    #[test]
    fn request_round_trips_and_matches_oracle(m in full_request()) {
        for v in VERSIONS {
            let m = request_for(&m, v);
            roundtrip(&m, v);
            check_against_oracle(&m, v, request_to_oracle, request_from_oracle);
        }
    }

    #[test]
    fn response_round_trips_and_matches_oracle(m in full_response()) {
        for v in VERSIONS {
            let m = response_for(&m, v);
            roundtrip(&m, v);
            check_against_oracle(&m, v, response_to_oracle, response_from_oracle);
        }
    }
}

proptest! {
    /// A frame encoded with its batches spliced out reads, once the parts
    /// are put together in the order `interleave` gives them, exactly as
    /// the frame with the batches copied in; and each batch part is the
    /// batch itself (the same bytes in memory), not a copy.
    #[test]
    fn spliced_request_frames_equal_copied_ones(m in full_request()) {
        for v in VERSIONS {
            let m = request_for(&m, v);
            let mut copied = BytesMut::new();
            encode_request(&mut copied, 7, Some("client"), v, &m).unwrap();
            let mut buf = BytesMut::new();
            let mut splices = Splices::default();
            encode_request_spliced(&mut buf, 7, Some("client"), v, &m, &mut splices).unwrap();
            let batches: Vec<Bytes> = m
                .topic_data
                .iter()
                .flat_map(|t| &t.partition_data)
                .filter_map(|p| p.records.clone())
                .filter(|r| !r.is_empty())
                .collect();
            let mut parts = Vec::new();
            splices.interleave(buf.freeze(), |part| parts.push(part));
            prop_assert!(splices.is_empty());
            prop_assert_eq!(parts.concat(), copied.to_vec());
            let mut spliced = parts.iter().filter(|part| {
                batches.iter().any(|b| b.as_ptr() == part.as_ptr())
            });
            prop_assert_eq!(spliced.clone().count(), batches.len());
            prop_assert!(spliced.all(|part| !part.is_empty()));
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn truncated_requests_fail(m in full_request()) {
        for v in VERSIONS {
            let bytes = encoded(&request_for(&m, v), v).unwrap();
            assert_prefixes_fail::<ProduceRequest>(&bytes, v);
        }
    }

    #[test]
    fn truncated_responses_fail(m in full_response()) {
        for v in VERSIONS {
            let bytes = encoded(&response_for(&m, v), v).unwrap();
            assert_prefixes_fail::<ProduceResponse>(&bytes, v);
        }
    }

    #[test]
    fn garbage_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        for v in VERSIONS {
            let _ = decoded::<ProduceRequest>(&bytes, v);
            let _ = decoded::<ProduceResponse>(&bytes, v);
        }
    }
}

// ---------------------------------------------------------------------------
// Hand-written byte vectors, derived from the schema, not from our encoder.

/// [`check_vector`], and the oracle reads `bytes` the same way.
fn check_vector_and_oracle<M, T>(m: &M, bytes: &[u8], version: i16, from_oracle: impl Fn(&T) -> M)
where
    M: Encode + Decode + PartialEq + std::fmt::Debug,
    T: kafka_protocol::protocol::Decodable,
{
    check_vector(m, version, bytes);
    let theirs: T = oracle_decoded(Bytes::copy_from_slice(bytes), version);
    assert_eq!(from_oracle(&theirs), *m, "oracle decode");
}

#[test]
fn v3_request_vector() {
    let bytes = cat(&[
        &[0x00, 0x02, b't', b'x'], // transactional id "tx" (int16 length)
        &[0xff, 0xff],             // acks -1
        &[0x00, 0x00, 0x75, 0x30], // timeout 30000 ms
        &[0x00, 0x00, 0x00, 0x01], // 1 topic (int32 count)
        &[0x00, 0x05, b't', b'o', b'p', b'i', b'c'],
        &[0x00, 0x00, 0x00, 0x02],          // 2 partitions
        &[0x00, 0x00, 0x00, 0x00],          // partition 0
        &[0x00, 0x00, 0x00, 0x03, 1, 2, 3], // records: int32 length 3
        &[0x00, 0x00, 0x00, 0x01],          // partition 1
        &[0xff, 0xff, 0xff, 0xff],          // records: null
    ]);
    let m = ProduceRequest {
        transactional_id: Some("tx".into()),
        acks: -1,
        timeout_ms: 30_000,
        topic_data: vec![TopicProduceData {
            name: "topic".into(),
            partition_data: vec![
                PartitionProduceData {
                    index: 0,
                    records: Some(Bytes::from_static(&[1, 2, 3])),
                    ..Default::default()
                },
                PartitionProduceData {
                    index: 1,
                    records: None,
                    ..Default::default()
                },
            ],
            ..Default::default()
        }],
        ..Default::default()
    };
    check_vector_and_oracle(&m, &bytes, 3, request_from_oracle);
}

#[test]
fn v9_flexible_request_vector() {
    let bytes = cat(&[
        &[0x00],                   // transactional id: null (compact: 0)
        &[0x00, 0x01],             // acks 1
        &[0x00, 0x00, 0x03, 0xe8], // timeout 1000 ms
        &[0x02],                   // 1 topic (compact: N+1)
        &[0x06, b't', b'o', b'p', b'i', b'c'],
        &[0x02],                         // 1 partition
        &[0x00, 0x00, 0x00, 0x07],       // partition 7
        &[0x04, 0xaa, 0xbb, 0xcc],       // records: compact length 3+1
        &[0x00],                         // partition: no tagged fields
        &[0x00],                         // topic: no tagged fields
        &[0x01, 0x05, 0x02, 0xde, 0xad], // 1 tagged field: tag 5, 2 bytes
    ]);
    let m = ProduceRequest {
        transactional_id: None,
        acks: 1,
        timeout_ms: 1000,
        topic_data: vec![TopicProduceData {
            name: "topic".into(),
            partition_data: vec![PartitionProduceData {
                index: 7,
                records: Some(Bytes::from_static(&[0xaa, 0xbb, 0xcc])),
                ..Default::default()
            }],
            ..Default::default()
        }],
        unknown_tagged_fields: UnknownTaggedFields(vec![(5, Bytes::from_static(&[0xde, 0xad]))]),
    };
    check_vector_and_oracle(&m, &bytes, 9, request_from_oracle);
}

const ID: [u8; 16] = [
    0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff,
];

#[test]
fn v13_request_vector_names_topics_by_id() {
    let bytes = cat(&[
        &[0x00],                   // transactional id: null
        &[0xff, 0xff],             // acks -1
        &[0x00, 0x00, 0x13, 0x88], // timeout 5000 ms
        &[0x02],                   // 1 topic
        &ID,                       // topic id, no name
        &[0x02],                   // 1 partition
        &[0x00, 0x00, 0x00, 0x00], // partition 0
        &[0x01],                   // records: empty but not null (0+1)
        &[0x00, 0x00, 0x00],       // partition, topic, request: no tags
    ]);
    let m = ProduceRequest {
        acks: -1,
        timeout_ms: 5000,
        topic_data: vec![TopicProduceData {
            topic_id: Uuid(ID),
            partition_data: vec![PartitionProduceData {
                index: 0,
                records: Some(Bytes::new()),
                ..Default::default()
            }],
            ..Default::default()
        }],
        ..Default::default()
    };
    check_vector_and_oracle(&m, &bytes, 13, request_from_oracle);
}

/// KIP-951: the broker names the new leader of a partition it no longer
/// leads, and says where that leader listens.
#[test]
fn v10_response_vector_with_leader_hints() {
    let bytes = cat(&[
        &[0x02], // 1 topic
        &[0x06, b't', b'o', b'p', b'i', b'c'],
        &[0x03], // 2 partitions
        // partition 0: NOT_LEADER_OR_FOLLOWER, with a CurrentLeader hint
        &[0x00, 0x00, 0x00, 0x00], // index 0
        &[0x00, 0x06],             // error 6
        MINUS_ONE_I64,             // base offset -1
        MINUS_ONE_I64,             // log append time -1
        MINUS_ONE_I64,             // log start offset -1
        &[0x01],                   // record errors: empty
        &[0x00],                   // error message: null
        &[0x01],                   // 1 tagged field
        &[0x00, 0x09],             // tag 0 (CurrentLeader), 9 bytes
        &[0x00, 0x00, 0x00, 0x02], //   leader id 2
        &[0x00, 0x00, 0x00, 0x05], //   leader epoch 5
        &[0x00],                   //   its own tagged fields: none
        // partition 1: success at offset 42, no hint
        &[0x00, 0x00, 0x00, 0x01],
        &[0x00, 0x00],
        &[0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2a],
        MINUS_ONE_I64,
        &[0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00], // log start offset 0
        &[0x01, 0x00, 0x00],       // no record errors, null message, no tags
        &[0x00],                   // topic: no tagged fields
        &[0x00, 0x00, 0x00, 0x00], // throttle time 0
        &[0x01],                   // 1 tagged field
        &[0x00, 0x0e],             // tag 0 (NodeEndpoints), 14 bytes
        &[0x02],                   //   1 endpoint
        &[0x00, 0x00, 0x00, 0x02], //   node id 2
        &[0x03, b'b', b'2'],       //   host "b2"
        &[0x00, 0x00, 0x23, 0x84], //   port 9092
        &[0x00],                   //   rack: null
        &[0x00],                   //   its own tagged fields: none
    ]);
    let m = ProduceResponse {
        responses: vec![TopicProduceResponse {
            name: "topic".into(),
            partition_responses: vec![
                PartitionProduceResponse {
                    index: 0,
                    error_code: ErrorCode::NOT_LEADER_OR_FOLLOWER,
                    base_offset: -1,
                    current_leader: LeaderIdAndEpoch {
                        leader_id: 2,
                        leader_epoch: 5,
                        ..Default::default()
                    },
                    ..Default::default()
                },
                PartitionProduceResponse {
                    index: 1,
                    base_offset: 42,
                    log_start_offset: 0,
                    ..Default::default()
                },
            ],
            ..Default::default()
        }],
        throttle_time_ms: 0,
        node_endpoints: vec![NodeEndpoint {
            node_id: 2,
            host: "b2".into(),
            port: 9092,
            rack: None,
            ..Default::default()
        }],
        ..Default::default()
    };
    check_vector_and_oracle(&m, &bytes, 10, response_from_oracle);
}

#[test]
fn v8_response_vector_with_record_errors() {
    let bytes = cat(&[
        &[0x00, 0x00, 0x00, 0x01], // 1 topic
        &[0x00, 0x01, b't'],
        &[0x00, 0x00, 0x00, 0x01], // 1 partition
        &[0x00, 0x00, 0x00, 0x03], // index 3
        &[0x00, 0x57],             // error 87 (INVALID_RECORD)
        MINUS_ONE_I64,
        MINUS_ONE_I64,
        MINUS_ONE_I64,
        &[0x00, 0x00, 0x00, 0x01], // 1 record error
        &[0x00, 0x00, 0x00, 0x04], //   batch index 4
        &[0x00, 0x03, b'b', b'a', b'd'],
        &[0x00, 0x04, b'o', b'o', b'p', b's'], // error message
        &[0x00, 0x00, 0x00, 0x0a],             // throttle time 10
    ]);
    let m = ProduceResponse {
        responses: vec![TopicProduceResponse {
            name: "t".into(),
            partition_responses: vec![PartitionProduceResponse {
                index: 3,
                error_code: ErrorCode(87),
                base_offset: -1,
                record_errors: vec![BatchIndexAndErrorMessage {
                    batch_index: 4,
                    batch_index_error_message: Some("bad".into()),
                    ..Default::default()
                }],
                error_message: Some("oops".into()),
                ..Default::default()
            }],
            ..Default::default()
        }],
        throttle_time_ms: 10,
        ..Default::default()
    };
    check_vector_and_oracle(&m, &bytes, 8, response_from_oracle);
}

// ---------------------------------------------------------------------------
// Zero copy and allocation-free encoding.

#[test]
fn decoded_records_share_the_frame() {
    let m = ProduceRequest {
        topic_data: vec![TopicProduceData {
            name: "t".into(),
            partition_data: vec![PartitionProduceData {
                index: 0,
                records: Some(Bytes::from(vec![7u8; 100])),
                ..Default::default()
            }],
            ..Default::default()
        }],
        ..Default::default()
    };
    for v in VERSIONS {
        let m = request_for(&m, v);
        let frame = encoded(&m, v).unwrap();
        let back = ProduceRequest::decode(&mut Reader::new(frame.clone()), v).unwrap();
        let records = back.topic_data[0].partition_data[0]
            .records
            .clone()
            .unwrap();
        let start = frame.as_ptr() as usize;
        let at = records.as_ptr() as usize;
        assert!(
            at >= start && at + records.len() <= start + frame.len(),
            "v{v}: records were copied out of the frame"
        );
    }
}

#[test]
fn request_encoding_allocates_nothing_but_the_buffer() {
    let topic = |name: &str, id: u8| TopicProduceData {
        name: name.into(),
        topic_id: Uuid([id; 16]),
        partition_data: (0..4)
            .map(|i| PartitionProduceData {
                index: i,
                records: Some(Bytes::from(vec![i as u8; 1000])),
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    };
    let m = ProduceRequest {
        transactional_id: Some("tx".into()),
        acks: -1,
        timeout_ms: 30_000,
        topic_data: vec![topic("a", 1), topic("b", 2), topic("c", 3)],
        ..Default::default()
    };
    for v in VERSIONS {
        let mut buf = BytesMut::with_capacity(64 * 1024);
        let before = allocations();
        m.encode(&mut buf, v).unwrap();
        let after = allocations();
        assert_eq!(after - before, 0, "v{v}: encoding allocated");
        assert!(buf.len() > 12_000);
    }
}

// ---------------------------------------------------------------------------
// Version rules and refusals.

fn one_topic_request(name: &str, topic_id: Uuid) -> ProduceRequest {
    ProduceRequest {
        acks: 1,
        topic_data: vec![TopicProduceData {
            name: name.into(),
            topic_id,
            partition_data: vec![PartitionProduceData {
                index: 0,
                records: Some(Bytes::from_static(b"batch")),
                ..Default::default()
            }],
            ..Default::default()
        }],
        ..Default::default()
    }
}

#[test]
fn topic_given_only_by_id_is_refused_before_v13() {
    let m = one_topic_request("", Uuid(ID));
    for v in 3..13 {
        assert_eq!(
            encoded(&m, v),
            Err(EncodeError::FieldNotInVersion {
                field: "topic id",
                version: v
            })
        );
    }
    assert!(encoded(&m, 13).is_ok());
}

#[test]
fn topic_given_only_by_name_is_refused_in_v13() {
    let m = one_topic_request("t", Uuid::ZERO);
    assert_eq!(
        encoded(&m, 13),
        Err(EncodeError::FieldNotInVersion {
            field: "topic name",
            version: 13
        })
    );
    for v in 3..13 {
        assert!(encoded(&m, v).is_ok());
    }
}

#[test]
fn response_topic_identity_follows_the_same_rules() {
    let by_id = ProduceResponse {
        responses: vec![TopicProduceResponse {
            topic_id: Uuid(ID),
            ..Default::default()
        }],
        ..Default::default()
    };
    assert_eq!(
        encoded(&by_id, 12),
        Err(EncodeError::FieldNotInVersion {
            field: "topic id",
            version: 12
        })
    );
    let by_name = ProduceResponse {
        responses: vec![TopicProduceResponse {
            name: "t".into(),
            ..Default::default()
        }],
        ..Default::default()
    };
    assert_eq!(
        encoded(&by_name, 13),
        Err(EncodeError::FieldNotInVersion {
            field: "topic name",
            version: 13
        })
    );
}

/// Both identities are ignorable: with both set, each version sends the
/// one it has, so a producer need not know the version in advance.
#[test]
fn topic_with_name_and_id_sends_what_the_version_has() {
    let both = one_topic_request("t", Uuid(ID));
    for v in 3..13 {
        let name_only = one_topic_request("t", Uuid::ZERO);
        assert_eq!(encoded(&both, v), encoded(&name_only, v), "v{v}");
    }
    let id_only = one_topic_request("", Uuid(ID));
    assert_eq!(encoded(&both, 13), encoded(&id_only, 13));
}

#[test]
fn leader_hints_are_refused_before_v10() {
    let with_leader = ProduceResponse {
        responses: vec![TopicProduceResponse {
            name: "t".into(),
            topic_id: Uuid(ID),
            partition_responses: vec![PartitionProduceResponse {
                current_leader: LeaderIdAndEpoch {
                    leader_id: 1,
                    leader_epoch: 2,
                    ..Default::default()
                },
                ..Default::default()
            }],
            ..Default::default()
        }],
        ..Default::default()
    };
    let with_endpoints = ProduceResponse {
        node_endpoints: vec![NodeEndpoint {
            node_id: 1,
            host: "h".into(),
            port: 9092,
            ..Default::default()
        }],
        ..Default::default()
    };
    for v in 3..10 {
        assert_eq!(
            encoded(&with_leader, v),
            Err(EncodeError::FieldNotInVersion {
                field: "current leader",
                version: v
            })
        );
        assert_eq!(
            encoded(&with_endpoints, v),
            Err(EncodeError::FieldNotInVersion {
                field: "node endpoints",
                version: v
            })
        );
    }
    for v in 10..=13 {
        assert!(encoded(&with_leader, v).is_ok());
        assert!(encoded(&with_endpoints, v).is_ok());
    }
}

#[test]
fn ignorable_response_fields_are_dropped_silently() {
    let m = ProduceResponse {
        responses: vec![TopicProduceResponse {
            name: "t".into(),
            partition_responses: vec![PartitionProduceResponse {
                log_start_offset: 100,
                record_errors: vec![BatchIndexAndErrorMessage::default()],
                error_message: Some("x".into()),
                ..Default::default()
            }],
            ..Default::default()
        }],
        ..Default::default()
    };
    let back: ProduceResponse = decoded(&encoded(&m, 4).unwrap(), 4).unwrap();
    let p = &back.responses[0].partition_responses[0];
    assert_eq!(
        (p.log_start_offset, p.record_errors.len(), &p.error_message),
        (-1, 0, &None)
    );
    let back: ProduceResponse = decoded(&encoded(&m, 7).unwrap(), 7).unwrap();
    let p = &back.responses[0].partition_responses[0];
    assert_eq!(
        (p.log_start_offset, p.record_errors.len(), &p.error_message),
        (100, 0, &None)
    );
}

#[test]
fn unknown_tagged_fields_are_refused_before_v9() {
    let tags = one_unknown_tag(7);
    let mut in_request = one_topic_request("t", Uuid::ZERO);
    in_request.unknown_tagged_fields = tags.clone();
    let mut in_topic = one_topic_request("t", Uuid::ZERO);
    in_topic.topic_data[0].unknown_tagged_fields = tags.clone();
    let mut in_partition = one_topic_request("t", Uuid::ZERO);
    in_partition.topic_data[0].partition_data[0].unknown_tagged_fields = tags.clone();
    let response = ProduceResponse {
        responses: vec![TopicProduceResponse {
            name: "t".into(),
            partition_responses: vec![PartitionProduceResponse {
                record_errors: vec![BatchIndexAndErrorMessage::default()],
                ..Default::default()
            }],
            ..Default::default()
        }],
        ..Default::default()
    };
    let mut in_response = response.clone();
    in_response.unknown_tagged_fields = tags.clone();
    let mut in_topic_response = response.clone();
    in_topic_response.responses[0].unknown_tagged_fields = tags.clone();
    let mut in_partition_response = response.clone();
    in_partition_response.responses[0].partition_responses[0].unknown_tagged_fields = tags.clone();
    let mut in_record_error = response;
    in_record_error.responses[0].partition_responses[0].record_errors[0].unknown_tagged_fields =
        tags;
    for v in 3..9 {
        assert_tags_refused(&in_request, v);
        assert_tags_refused(&in_topic, v);
        assert_tags_refused(&in_partition, v);
        for m in [&in_response, &in_topic_response, &in_partition_response] {
            assert_tags_refused(m, v);
        }
    }
    // Record errors are ignorable and dropped whole before v8, tags and all.
    assert_tags_refused(&in_record_error, 8);
    for v in 3..8 {
        assert!(encoded(&in_record_error, v).is_ok(), "v{v}");
    }
    // From v9 they are written.
    for v in 9..=12 {
        roundtrip(&in_request, v);
        roundtrip(&in_topic, v);
        roundtrip(&in_partition, v);
        for m in [
            &in_response,
            &in_topic_response,
            &in_partition_response,
            &in_record_error,
        ] {
            roundtrip(m, v);
        }
    }
}

#[test]
fn unsupported_versions_are_refused() {
    for v in [-1, 0, 1, 2, 14] {
        assert!(matches!(
            encoded(&ProduceRequest::default(), v),
            Err(EncodeError::UnsupportedVersion { version, .. }) if version == v
        ));
        assert!(matches!(
            encoded(&ProduceResponse::default(), v),
            Err(EncodeError::UnsupportedVersion { version, .. }) if version == v
        ));
        let bytes = encoded(&ProduceRequest::default(), 3).unwrap();
        assert!(matches!(
            decoded::<ProduceRequest>(&bytes, v),
            Err(DecodeError::UnsupportedVersion { version, .. }) if version == v
        ));
        assert!(matches!(
            decoded::<ProduceResponse>(&bytes, v),
            Err(DecodeError::UnsupportedVersion { version, .. }) if version == v
        ));
    }
}

/// Tag 0 means nothing in a v9 partition response (CurrentLeader arrives in
/// v10), so it is kept as an unknown tagged field rather than parsed.
#[test]
fn tag_zero_is_unknown_in_v9() {
    let partition = cat(&[
        &[0x00, 0x00, 0x00, 0x00],
        &[0x00, 0x00],
        &[0; 8],
        MINUS_ONE_I64,
        MINUS_ONE_I64,
        &[0x01, 0x00],
        &[0x01, 0x00, 0x02, 0xab, 0xcd], // tag 0, 2 bytes
    ]);
    let bytes = cat(&[
        &[0x02, 0x02, b't', 0x02],
        &partition,
        &[0x00],
        &[0x00, 0x00, 0x00, 0x00],
        &[0x01, 0x00, 0x01, 0x01], // top level: tag 0, 1 byte (an empty array)
    ]);
    let m: ProduceResponse = decoded(&bytes, 9).unwrap();
    let p = &m.responses[0].partition_responses[0];
    assert_eq!(p.current_leader, LeaderIdAndEpoch::default());
    assert_eq!(
        p.unknown_tagged_fields,
        UnknownTaggedFields(vec![(0, Bytes::from_static(&[0xab, 0xcd]))])
    );
    assert!(m.node_endpoints.is_empty());
    assert_eq!(m.unknown_tagged_fields.0.len(), 1);
    assert_eq!(&encoded(&m, 9).unwrap()[..], &bytes[..]);
}

#[test]
fn leader_hint_with_wrong_size_is_refused() {
    let bytes = cat(&[
        &[0x02, 0x02, b't', 0x02],
        &[0x00, 0x00, 0x00, 0x00],
        &[0x00, 0x06],
        MINUS_ONE_I64,
        MINUS_ONE_I64,
        MINUS_ONE_I64,
        &[0x01, 0x00],
        // tag 0 declares 10 bytes but a LeaderIdAndEpoch uses 9
        &[0x01, 0x00, 0x0a, 0, 0, 0, 2, 0, 0, 0, 5, 0, 0xff],
        &[0x00],
        &[0x00, 0x00, 0x00, 0x00],
        &[0x00],
    ]);
    assert!(matches!(
        decoded::<ProduceResponse>(&bytes, 10),
        Err(DecodeError::TagSize { tag: 0, .. })
    ));
}

#[test]
fn leader_hint_and_unknown_tag_zero_collide() {
    let m = ProduceResponse {
        responses: vec![TopicProduceResponse {
            name: "t".into(),
            partition_responses: vec![PartitionProduceResponse {
                current_leader: LeaderIdAndEpoch {
                    leader_id: 1,
                    leader_epoch: 1,
                    ..Default::default()
                },
                unknown_tagged_fields: UnknownTaggedFields(vec![(0, Bytes::new())]),
                ..Default::default()
            }],
            ..Default::default()
        }],
        ..Default::default()
    };
    assert_eq!(encoded(&m, 10), Err(EncodeError::DuplicateTag { tag: 0 }));
}

#[test]
fn decode_errors_name_the_field() {
    // v3 request cut inside the first topic's partition count.
    let bytes = cat(&[
        &[0xff, 0xff, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00],
        &[0x00, 0x00, 0x00, 0x01, 0x00, 0x01, b't', 0x00],
    ]);
    let err = decoded::<ProduceRequest>(&bytes, 3).unwrap_err();
    assert!(err.to_string().contains("partition data"), "{err}");
    // A records length larger than what follows.
    let bytes = cat(&[
        &[0xff, 0xff, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00],
        &[0x00, 0x00, 0x00, 0x01, 0x00, 0x01, b't'],
        &[0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00],
        &[0x7f, 0xff, 0xff, 0xff, 0x01],
    ]);
    let err = decoded::<ProduceRequest>(&bytes, 3).unwrap_err();
    assert!(
        matches!(
            err,
            DecodeError::InvalidLength {
                what: "records",
                ..
            }
        ),
        "{err}"
    );
}
