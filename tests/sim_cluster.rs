//! The simulated cluster driven directly, with requests built by the
//! crate's codec and record batches built by `record::BatchBuilder`:
//! ApiVersions (KIP-511), Metadata, Produce with idempotence, routing and
//! KIP-951 hints, faults, framing, and determinism.
//!
//! Time is virtual: one real instant is taken as the origin and every
//! other instant is that origin plus a chosen offset.

use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use kafka_sansio::producer::BrokerAddress;
use kafka_sansio::protocol::api_versions::ApiVersion;
use kafka_sansio::protocol::create_topics::{CreatableTopic, CreatableTopicConfig};
use kafka_sansio::protocol::frame::{decode_response, encode_request};
use kafka_sansio::protocol::{
    ApiKey, ApiVersionsRequest, ApiVersionsResponse, CreateTopicsRequest, ErrorCode, FrameReader,
    InitProducerIdRequest, InitProducerIdResponse, MetadataRequest, MetadataRequestTopic,
    MetadataResponse, PartitionProduceData, PartitionProduceResponse, ProduceRequest,
    ProduceResponse, Request, TopicProduceData, Uuid,
};
use kafka_sansio::record::{BatchBuilder, Compression, NO_HEADERS, ProducerFields, TimestampType};
use kafka_sansio::sim::{CloseReason, Cluster, ClusterConfig, ConnectRefused, SimConnId, Transmit};

// ------------------------------------------------------------------ helpers

/// The origin of virtual time.
#[allow(clippy::disallowed_methods)] // the one real instant; all others are offsets
fn t0() -> Instant {
    Instant::now()
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// A cluster of `brokers` brokers with topic "t" of 3 partitions,
/// replication factor 2: leaders 1, 2, 3 (with 3 brokers).
fn cluster_with_topic(brokers: u32) -> Cluster {
    let mut cluster = Cluster::new(ClusterConfig::with_brokers(brokers));
    cluster.create_topic("t", 3, 2);
    cluster
}

/// [`cluster_with_topic`] with 3 brokers, a connection to broker 1 and
/// the time.
fn connected_to_broker_1() -> (Cluster, SimConnId, Instant) {
    let now = t0();
    let mut cluster = cluster_with_topic(3);
    let conn = connect(&mut cluster, 1, now);
    (cluster, conn, now)
}

fn connect(cluster: &mut Cluster, broker: i32, now: Instant) -> SimConnId {
    cluster
        .connect(&cluster.broker_address(broker), now)
        .expect("broker accepts connections")
}

/// Encodes one request frame.
fn frame<R: Request>(correlation_id: i32, version: i16, body: &R) -> BytesMut {
    let mut buf = BytesMut::new();
    encode_request(&mut buf, correlation_id, Some("sim-test"), version, body).unwrap();
    buf
}

fn send<R: Request>(cluster: &mut Cluster, conn: SimConnId, version: i16, body: &R, now: Instant) {
    cluster.receive(conn, &frame(42, version, body), now);
}

/// Strips the size prefix of a transmitted response, checking that it is
/// exactly one frame.
fn unframe(data: &[u8]) -> Bytes {
    let mut reader = FrameReader::new(64 << 20);
    reader.push(data);
    let body = reader.next_frame().unwrap().expect("a whole frame");
    assert_eq!(reader.buffered(), 0, "one transmit is one frame");
    body
}

/// The next transmit, which must be data on `conn`.
fn next_data(cluster: &mut Cluster, conn: SimConnId, now: Instant) -> Bytes {
    match cluster.poll_transmit(now) {
        Some(Transmit::Data { conn: c, data }) if c == conn => unframe(&data),
        other => panic!("expected data on {conn}, got {other:?}"),
    }
}

/// Sends `body` and decodes the response, which must come at once.
fn call<R: Request>(
    cluster: &mut Cluster,
    conn: SimConnId,
    version: i16,
    body: &R,
    now: Instant,
) -> R::Response {
    send(cluster, conn, version, body, now);
    let (header, response) = decode_response::<R::Response>(next_data(cluster, conn, now), version)
        .expect("the response decodes");
    assert_eq!(header.correlation_id, 42);
    response
}

/// The next transmit, which must close `conn`; returns the reason.
fn next_close(cluster: &mut Cluster, conn: SimConnId, now: Instant) -> CloseReason {
    match cluster.poll_transmit(now) {
        Some(Transmit::Closed { conn: c, reason }) if c == conn => reason,
        other => panic!("expected {conn} to close, got {other:?}"),
    }
}

/// A batch of `n` records "k<i>"/"v<i>" with timestamps 1000 + i.
fn batch(n: usize, fields: ProducerFields) -> Bytes {
    let mut builder = BatchBuilder::new(Compression::None).unwrap();
    for i in 0..n {
        let (key, value) = (format!("k{i}"), format!("v{i}"));
        builder
            .append(
                1000 + i as i64,
                Some(key.as_bytes()),
                Some(value.as_bytes()),
                NO_HEADERS,
            )
            .unwrap();
    }
    let mut out = BytesMut::new();
    builder.finish(&fields, &mut out).unwrap();
    out.freeze()
}

fn idempotent(pid: i64, epoch: i16, n: usize, first_seq: i32) -> Bytes {
    batch(n, ProducerFields::idempotent(pid, epoch, first_seq))
}

/// A Produce request with one batch per `(topic, partition, records)`.
fn produce(acks: i16, parts: &[(&str, i32, Bytes)]) -> ProduceRequest {
    let mut topic_data: Vec<TopicProduceData> = Vec::new();
    for (topic, partition, records) in parts {
        let data = PartitionProduceData {
            index: *partition,
            records: Some(records.clone()),
            ..PartitionProduceData::default()
        };
        match topic_data.iter_mut().find(|t| t.name == *topic) {
            Some(t) => t.partition_data.push(data),
            None => topic_data.push(TopicProduceData {
                name: topic.to_string(),
                partition_data: vec![data],
                ..TopicProduceData::default()
            }),
        }
    }
    ProduceRequest {
        acks,
        timeout_ms: 30_000,
        topic_data,
        ..ProduceRequest::default()
    }
}

/// Produces one batch to "t"-`partition` at `conn` and returns the
/// partition's response.
fn produce_one(
    cluster: &mut Cluster,
    conn: SimConnId,
    partition: i32,
    records: Bytes,
    now: Instant,
) -> PartitionProduceResponse {
    let response = call(
        cluster,
        conn,
        12,
        &produce(-1, &[("t", partition, records)]),
        now,
    );
    only_partition(&response)
}

fn init_producer_id(
    cluster: &mut Cluster,
    conn: SimConnId,
    version: i16,
    now: Instant,
) -> InitProducerIdResponse {
    call(
        cluster,
        conn,
        version,
        &InitProducerIdRequest::default(),
        now,
    )
}

/// Asks for the layout of topic "t" (v12) and returns the answer.
fn metadata(cluster: &mut Cluster, conn: SimConnId, now: Instant) -> MetadataResponse {
    call(cluster, conn, 12, &metadata_request(), now)
}

fn metadata_request() -> MetadataRequest {
    MetadataRequest::for_topics(["t"])
}

/// A batch of `n` records from a plain (non-idempotent) producer.
fn plain(n: usize) -> Bytes {
    batch(n, ProducerFields::NONE)
}

fn only_partition(response: &ProduceResponse) -> PartitionProduceResponse {
    assert_eq!(response.responses.len(), 1);
    assert_eq!(response.responses[0].partition_responses.len(), 1);
    response.responses[0].partition_responses[0].clone()
}

fn api_versions_request() -> ApiVersionsRequest {
    ApiVersionsRequest {
        client_software_name: "kafka-sansio".into(),
        client_software_version: "0.1.0".into(),
        ..ApiVersionsRequest::default()
    }
}

fn range(response: &ApiVersionsResponse, api: ApiKey) -> Option<(i16, i16)> {
    response.find(api).map(|k| (k.min_version, k.max_version))
}

// -------------------------------------------------------------- ApiVersions

#[test]
fn api_versions_advertises_the_codec_ranges() {
    let now = t0();
    let mut cluster = Cluster::new(ClusterConfig::default());
    let conn = connect(&mut cluster, 1, now);
    for version in 0..=4 {
        let response = call(&mut cluster, conn, version, &api_versions_request(), now);
        assert_eq!(response.error_code, ErrorCode::NONE, "v{version}");
        assert_eq!(range(&response, ApiKey::API_VERSIONS), Some((0, 4)));
        assert_eq!(range(&response, ApiKey::METADATA), Some((0, 13)));
        assert_eq!(range(&response, ApiKey::PRODUCE), Some((3, 13)));
        assert_eq!(range(&response, ApiKey::INIT_PRODUCER_ID), Some((0, 5)));
        assert_eq!(range(&response, ApiKey::CREATE_TOPICS), Some((2, 7)));
        assert_eq!(response.api_keys.len(), 5);
    }
    assert_eq!(cluster.requests_received(1, ApiKey::API_VERSIONS), 5);
    assert_eq!(cluster.requests_received(2, ApiKey::API_VERSIONS), 0);
}

#[test]
fn max_versions_caps_what_is_advertised_and_accepted() {
    let now = t0();
    let mut cluster = Cluster::new(ClusterConfig {
        max_versions: vec![(ApiKey::PRODUCE, 9)],
        ..ClusterConfig::with_brokers(1)
    });
    cluster.create_topic("t", 1, 1);
    let conn = connect(&mut cluster, 1, now);
    let response = call(&mut cluster, conn, 4, &api_versions_request(), now);
    assert_eq!(range(&response, ApiKey::PRODUCE), Some((3, 9)));

    // Name-based produce at v9 works.
    let response = call(
        &mut cluster,
        conn,
        9,
        &produce(-1, &[("t", 0, plain(1))]),
        now,
    );
    assert_eq!(only_partition(&response).error_code, ErrorCode::NONE);

    // A version above the cap is not spoken: the connection closes.
    send(
        &mut cluster,
        conn,
        10,
        &produce(-1, &[("t", 0, plain(1))]),
        now,
    );
    assert!(matches!(
        next_close(&mut cluster, conn, now),
        CloseReason::InvalidRequest(_)
    ));
    assert_eq!(cluster.log("t", 0).len(), 1);
}

#[test]
fn unsupported_api_versions_version_gets_a_v0_answer_with_the_range() {
    let now = t0();
    let mut cluster = Cluster::new(ClusterConfig {
        max_versions: vec![(ApiKey::API_VERSIONS, 2)],
        ..ClusterConfig::with_brokers(1)
    });
    let conn = connect(&mut cluster, 1, now);
    send(&mut cluster, conn, 3, &api_versions_request(), now);
    let body = next_data(&mut cluster, conn, now);
    let (header, response, read_as) =
        ApiVersionsResponse::decode_frame_with_fallback(body, 3).unwrap();
    assert_eq!(header.correlation_id, 42);
    assert_eq!(read_as, 0, "the body is v0");
    assert_eq!(response.error_code, ErrorCode::UNSUPPORTED_VERSION);
    assert_eq!(
        response.api_keys,
        vec![ApiVersion {
            api_key: 18,
            min_version: 0,
            max_version: 2,
            ..ApiVersion::default()
        }]
    );
    assert_eq!(response.retry_version(3), Some(2));
    // The connection stays usable: retry with v2.
    let response = call(&mut cluster, conn, 2, &ApiVersionsRequest::default(), now);
    assert_eq!(response.error_code, ErrorCode::NONE);
}

#[test]
fn a_future_api_versions_version_is_answered_not_closed() {
    let now = t0();
    let mut cluster = Cluster::new(ClusterConfig::with_brokers(1));
    let conn = connect(&mut cluster, 1, now);
    // A v4 request relabelled v5 (the only bytes edited by hand): the
    // broker cannot read its body and must not need to.
    let mut request = frame(9, 4, &api_versions_request());
    request[6..8].copy_from_slice(&5i16.to_be_bytes());
    cluster.receive(conn, &request, now);
    let body = next_data(&mut cluster, conn, now);
    let (header, response, read_as) =
        ApiVersionsResponse::decode_frame_with_fallback(body, 4).unwrap();
    assert_eq!((header.correlation_id, read_as), (9, 0));
    assert_eq!(response.error_code, ErrorCode::UNSUPPORTED_VERSION);
    assert_eq!(range(&response, ApiKey::API_VERSIONS), Some((0, 4)));
}

#[test]
fn api_versions_checks_the_client_software_name() {
    let now = t0();
    let mut cluster = Cluster::new(ClusterConfig::with_brokers(1));
    let conn = connect(&mut cluster, 1, now);
    let response = call(&mut cluster, conn, 3, &ApiVersionsRequest::default(), now);
    assert_eq!(response.error_code, ErrorCode::INVALID_REQUEST);
    assert!(response.api_keys.is_empty());
    // Before v3 there is no name to check.
    let response = call(&mut cluster, conn, 2, &ApiVersionsRequest::default(), now);
    assert_eq!(response.error_code, ErrorCode::NONE);
}

// ----------------------------------------------------------------- Metadata

#[test]
fn metadata_gives_brokers_leaders_epochs_and_replicas() {
    let now = t0();
    let mut cluster = cluster_with_topic(3);
    let id = cluster.topic_id("t").unwrap();
    let conn = connect(&mut cluster, 3, now);
    let response = call(
        &mut cluster,
        conn,
        12,
        &MetadataRequest::for_topics(["t", "missing"]),
        now,
    );

    let brokers: Vec<_> = response
        .brokers
        .iter()
        .map(|b| (b.node_id, b.host.as_str(), b.port))
        .collect();
    assert_eq!(
        brokers,
        [
            (1, "broker-1", 9092),
            (2, "broker-2", 9092),
            (3, "broker-3", 9092)
        ]
    );
    assert_eq!(response.cluster_id.as_deref(), Some("sim-cluster"));
    assert_eq!(response.controller_id, 1);

    let topic = response.topic("t").unwrap();
    assert_eq!((topic.error_code, topic.topic_id), (ErrorCode::NONE, id));
    let layout: Vec<_> = topic
        .partitions
        .iter()
        .map(|p| {
            (
                p.partition_index,
                p.leader_id,
                p.leader_epoch,
                p.replica_nodes.clone(),
                p.isr_nodes.clone(),
            )
        })
        .collect();
    assert_eq!(
        layout,
        [
            (0, 1, 0, vec![1, 2], vec![1, 2]),
            (1, 2, 0, vec![2, 3], vec![2, 3]),
            (2, 3, 0, vec![3, 1], vec![3, 1]),
        ]
    );

    let missing = response.topic("missing").unwrap();
    assert_eq!(missing.error_code, ErrorCode::UNKNOWN_TOPIC_OR_PARTITION);
    assert!(missing.partitions.is_empty());
    assert_eq!(cluster.topic_id("missing"), None, "no auto-creation");
}

#[test]
fn metadata_after_a_crash_shows_new_leaders_and_offline_replicas() {
    let now = t0();
    let mut cluster = cluster_with_topic(3);
    cluster.create_topic("solo", 2, 1); // partition 1 only on broker 2
    cluster.crash(2, now);
    let conn = connect(&mut cluster, 1, now);
    let response = call(
        &mut cluster,
        conn,
        13,
        &MetadataRequest::all_topics(13),
        now,
    );

    let ids: Vec<_> = response.brokers.iter().map(|b| b.node_id).collect();
    assert_eq!(ids, [1, 3], "only live brokers");
    let names: Vec<_> = response
        .topics
        .iter()
        .map(|t| t.name.clone().unwrap())
        .collect();
    assert_eq!(names, ["solo", "t"], "all topics, by name");

    let p1 = response.topic("t").unwrap().partition(1).unwrap();
    assert_eq!((p1.leader_id, p1.leader_epoch), (3, 1));
    assert_eq!(
        (p1.isr_nodes.clone(), p1.offline_replicas.clone()),
        (vec![3], vec![2])
    );

    let solo = response.topic("solo").unwrap().partition(1).unwrap();
    assert_eq!(solo.error_code, ErrorCode::LEADER_NOT_AVAILABLE);
    assert_eq!((solo.leader_id, solo.leader_epoch), (-1, 1));
}

#[test]
fn metadata_by_topic_id() {
    let now = t0();
    let mut cluster = cluster_with_topic(3);
    let id = cluster.topic_id("t").unwrap();
    let conn = connect(&mut cluster, 1, now);
    let unknown = Uuid([9; 16]);
    let request = MetadataRequest {
        topics: Some(vec![
            MetadataRequestTopic::with_id(id),
            MetadataRequestTopic::with_id(unknown),
        ]),
        allow_auto_topic_creation: false,
        ..MetadataRequest::default()
    };
    let response = call(&mut cluster, conn, 12, &request, now);
    let found = response.topic_by_id(id).unwrap();
    assert_eq!(found.name.as_deref(), Some("t"));
    let missing = response.topic_by_id(unknown).unwrap();
    assert_eq!(missing.error_code, ErrorCode::UNKNOWN_TOPIC_ID);
    assert_eq!(missing.name, None);
}

// ------------------------------------------------------------------ Produce

#[test]
fn produce_appends_with_offsets() {
    let (mut cluster, conn, now) = connected_to_broker_1();
    let first = produce_one(&mut cluster, conn, 0, plain(3), now);
    assert_eq!(
        (
            first.error_code,
            first.base_offset,
            first.log_append_time_ms,
            first.log_start_offset
        ),
        (ErrorCode::NONE, 0, -1, 0)
    );
    let second = produce_one(&mut cluster, conn, 0, plain(2), now);
    assert_eq!(second.base_offset, 3);

    let log = cluster.log("t", 0);
    let offsets: Vec<_> = log.iter().map(|r| r.offset).collect();
    assert_eq!(offsets, [0, 1, 2, 3, 4]);
    assert_eq!(log[1].key.as_deref(), Some(&b"k1"[..]));
    assert_eq!(log[4].value.as_deref(), Some(&b"v1"[..]));
    assert_eq!(log[2].timestamp, 1002);
    assert_eq!(log[2].timestamp_type, TimestampType::CreateTime);
    assert_eq!((log[0].producer_id, log[0].sequence), (-1, -1));
    assert!(cluster.log("t", 1).is_empty());
}

#[test]
fn produce_by_topic_id_at_v13() {
    let now = t0();
    let mut cluster = cluster_with_topic(3);
    let id = cluster.topic_id("t").unwrap();
    let conn = connect(&mut cluster, 1, now);
    let mut request = produce(-1, &[("", 0, plain(1))]);
    request.topic_data[0].topic_id = id;
    let unknown = Uuid([7; 16]);
    request.topic_data.push(TopicProduceData {
        topic_id: unknown,
        ..request.topic_data[0].clone()
    });
    let response = call(&mut cluster, conn, 13, &request, now);
    assert_eq!(response.responses[0].topic_id, id);
    assert_eq!(
        response.responses[0].partition_responses[0].error_code,
        ErrorCode::NONE
    );
    assert_eq!(response.responses[1].topic_id, unknown);
    assert_eq!(
        response.responses[1].partition_responses[0].error_code,
        ErrorCode::UNKNOWN_TOPIC_ID
    );
    assert_eq!(cluster.log("t", 0).len(), 1);
    assert_eq!(cluster.produce_requests()[0].partitions[0].topic, "t");
}

#[test]
fn idempotent_duplicate_returns_the_original_offset() {
    let (mut cluster, conn, now) = connected_to_broker_1();
    let init = init_producer_id(&mut cluster, conn, 4, now);
    assert_eq!(
        (init.error_code, init.producer_id, init.producer_epoch),
        (ErrorCode::NONE, 1000, 0)
    );
    let pid = init.producer_id;

    assert_eq!(
        produce_one(&mut cluster, conn, 0, idempotent(pid, 0, 3, 0), now).base_offset,
        0
    );
    assert_eq!(
        produce_one(&mut cluster, conn, 0, idempotent(pid, 0, 2, 3), now).base_offset,
        3
    );
    // A retry of the first batch: success, original offset, nothing appended.
    let retry = produce_one(&mut cluster, conn, 0, idempotent(pid, 0, 3, 0), now);
    assert_eq!((retry.error_code, retry.base_offset), (ErrorCode::NONE, 0));
    let log = cluster.log("t", 0);
    assert_eq!(log.len(), 5);
    let stamps: Vec<_> = log
        .iter()
        .map(|r| (r.producer_id, r.producer_epoch, r.sequence))
        .collect();
    assert_eq!(
        stamps,
        [
            (pid, 0, 0),
            (pid, 0, 1),
            (pid, 0, 2),
            (pid, 0, 3),
            (pid, 0, 4)
        ]
    );
    // The next batch continues.
    assert_eq!(
        produce_one(&mut cluster, conn, 0, idempotent(pid, 0, 1, 5), now).base_offset,
        5
    );
    // A second producer gets the next id.
    let init = init_producer_id(&mut cluster, conn, 0, now);
    assert_eq!(init.producer_id, 1001);
}

#[test]
fn sequence_and_epoch_rules() {
    let (mut cluster, conn, now) = connected_to_broker_1();
    const OUT_OF_ORDER: ErrorCode = ErrorCode::OUT_OF_ORDER_SEQUENCE_NUMBER;
    const FENCED: ErrorCode = ErrorCode::INVALID_PRODUCER_EPOCH;
    // (epoch, records, first sequence, expected answer) for producer 5.
    #[rustfmt::skip]
    let steps = [
        (0, 1, 3, ErrorCode::UNKNOWN_PRODUCER_ID, "unknown producer, not at 0"),
        (0, 2, 0, ErrorCode::NONE, "first batch"),
        (0, 1, 3, OUT_OF_ORDER, "a gap"),
        (0, 1, 1, OUT_OF_ORDER, "overlaps, not equal"),
        (1, 1, 2, OUT_OF_ORDER, "new epoch, not at 0"),
        (1, 1, 0, ErrorCode::NONE, "new epoch at 0"),
        (0, 1, 2, FENCED, "old epoch"),
        (0, 2, 0, FENCED, "old epoch, once a duplicate"),
        (1, 1, 1, ErrorCode::NONE, "continues"),
    ];
    for (epoch, n, first_seq, expected, what) in steps {
        let records = idempotent(5, epoch, n, first_seq);
        let answer = produce_one(&mut cluster, conn, 0, records, now);
        assert_eq!(answer.error_code, expected, "{what}");
    }
    assert_eq!(cluster.log("t", 0).len(), 4);

    // State is per partition: partition 1 (led by 2) knows nothing of 5.
    let conn2 = connect(&mut cluster, 2, now);
    let other = produce_one(&mut cluster, conn2, 1, idempotent(5, 1, 1, 2), now);
    assert_eq!(other.error_code, ErrorCode::UNKNOWN_PRODUCER_ID);
    assert_eq!(other.base_offset, -1);
}

#[test]
fn producer_state_survives_a_leader_move() {
    let (mut cluster, conn, now) = connected_to_broker_1();
    assert_eq!(
        produce_one(&mut cluster, conn, 0, idempotent(9, 0, 2, 0), now).base_offset,
        0
    );
    assert!(cluster.move_leader("t", 0, 2));
    let conn2 = connect(&mut cluster, 2, now);
    let retry = produce_one(&mut cluster, conn2, 0, idempotent(9, 0, 2, 0), now);
    assert_eq!((retry.error_code, retry.base_offset), (ErrorCode::NONE, 0));
    let next = produce_one(&mut cluster, conn2, 0, idempotent(9, 0, 1, 2), now);
    assert_eq!(next.base_offset, 2);
    let epochs: Vec<_> = cluster.log("t", 0).iter().map(|r| r.leader_epoch).collect();
    assert_eq!(epochs, [0, 0, 1]);
}

#[test]
fn not_leader_carries_the_kip_951_hint_and_endpoint() {
    let now = t0();
    let mut cluster = cluster_with_topic(3);
    cluster.set_broker_address(2, BrokerAddress::new("moved-2", 19092));
    let conn = connect(&mut cluster, 1, now);
    let request = produce(
        -1,
        &[("t", 0, plain(1)), ("t", 1, plain(2)), ("t", 2, plain(3))],
    );
    let response = call(&mut cluster, conn, 10, &request, now);
    let parts = &response.responses[0].partition_responses;
    assert_eq!(parts[0].error_code, ErrorCode::NONE);
    for (p, leader) in [(1, 2), (2, 3)] {
        assert_eq!(parts[p].error_code, ErrorCode::NOT_LEADER_OR_FOLLOWER);
        assert_eq!(
            (
                parts[p].current_leader.leader_id,
                parts[p].current_leader.leader_epoch
            ),
            (leader, 0)
        );
    }
    let endpoints: Vec<_> = response
        .node_endpoints
        .iter()
        .map(|e| (e.node_id, e.host.as_str(), e.port))
        .collect();
    assert_eq!(endpoints, [(2, "moved-2", 19092), (3, "broker-3", 9092)]);
    assert_eq!(cluster.misrouted_partitions(), 2);

    // Before v10 there is no hint.
    let response = call(
        &mut cluster,
        conn,
        9,
        &produce(-1, &[("t", 1, plain(1))]),
        now,
    );
    let p = only_partition(&response);
    assert_eq!(p.error_code, ErrorCode::NOT_LEADER_OR_FOLLOWER);
    assert_eq!(p.current_leader.leader_id, -1);
    assert!(response.node_endpoints.is_empty());
    assert_eq!(cluster.misrouted_partitions(), 3);

    let log = &cluster.produce_requests()[0];
    assert_eq!(
        (log.broker, log.conn, log.version, log.acks),
        (1, conn, 10, -1)
    );
    let seen: Vec<_> = log
        .partitions
        .iter()
        .map(|p| {
            (
                p.topic.as_str(),
                p.partition,
                p.leader,
                p.records,
                p.error_code,
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("t", 0, true, 1, ErrorCode::NONE),
            ("t", 1, false, 2, ErrorCode::NOT_LEADER_OR_FOLLOWER),
            ("t", 2, false, 3, ErrorCode::NOT_LEADER_OR_FOLLOWER),
        ]
    );
    assert!(cluster.log("t", 1).is_empty());
}

#[test]
fn unknown_topics_and_partitions_are_not_misrouted() {
    let (mut cluster, conn, now) = connected_to_broker_1();
    let request = produce(-1, &[("nope", 0, plain(1)), ("t", 7, plain(1))]);
    let response = call(&mut cluster, conn, 12, &request, now);
    for topic in &response.responses {
        assert_eq!(
            topic.partition_responses[0].error_code,
            ErrorCode::UNKNOWN_TOPIC_OR_PARTITION
        );
    }
    assert_eq!(cluster.misrouted_partitions(), 0);
}

#[test]
fn batches_are_validated() {
    let now = t0();
    let mut cluster = Cluster::new(ClusterConfig {
        max_message_bytes: 200,
        ..ClusterConfig::with_brokers(1)
    });
    cluster.create_topic("t", 1, 1);
    let conn = connect(&mut cluster, 1, now);
    let code =
        |cluster: &mut Cluster, records| produce_one(cluster, conn, 0, records, now).error_code;

    assert_eq!(code(&mut cluster, plain(20)), ErrorCode::MESSAGE_TOO_LARGE);
    // A flipped bit in a record: the CRC no longer matches.
    let mut corrupt = BytesMut::from(&plain(1)[..]);
    let last = corrupt.len() - 1;
    corrupt[last] ^= 1;
    assert_eq!(
        code(&mut cluster, corrupt.freeze()),
        ErrorCode::CORRUPT_MESSAGE
    );
    // Not a batch at all.
    assert_eq!(
        code(&mut cluster, Bytes::from_static(b"garbage")),
        ErrorCode::CORRUPT_MESSAGE
    );
    // Two batches, or none.
    let mut two = BytesMut::from(&plain(1)[..]);
    two.extend_from_slice(&plain(1));
    assert_eq!(code(&mut cluster, two.freeze()), ErrorCode::INVALID_RECORD);
    assert_eq!(code(&mut cluster, Bytes::new()), ErrorCode::INVALID_RECORD);
    // Transactions are not simulated.
    let txn = ProducerFields {
        transactional: true,
        ..ProducerFields::idempotent(1, 0, 0)
    };
    assert_eq!(
        code(&mut cluster, batch(1, txn)),
        ErrorCode::INVALID_TXN_STATE
    );
    assert!(cluster.log("t", 0).is_empty());
    assert_eq!(code(&mut cluster, plain(1)), ErrorCode::NONE);
}

#[test]
fn invalid_acks_are_refused() {
    let (mut cluster, conn, now) = connected_to_broker_1();
    let response = call(
        &mut cluster,
        conn,
        12,
        &produce(2, &[("t", 0, plain(1))]),
        now,
    );
    assert_eq!(
        only_partition(&response).error_code,
        ErrorCode::INVALID_REQUIRED_ACKS
    );
    assert!(cluster.log("t", 0).is_empty());
}

#[test]
fn acks_zero_gets_no_response_and_an_error_closes() {
    let (mut cluster, conn, now) = connected_to_broker_1();
    send(
        &mut cluster,
        conn,
        12,
        &produce(0, &[("t", 0, plain(2))]),
        now,
    );
    assert_eq!(cluster.poll_transmit(now + ms(1000)), None);
    assert_eq!(cluster.log("t", 0).len(), 2, "still appended");
    // A misrouted acks=0 batch cannot be answered: the broker closes.
    send(
        &mut cluster,
        conn,
        12,
        &produce(0, &[("t", 1, plain(1))]),
        now,
    );
    assert_eq!(
        next_close(&mut cluster, conn, now),
        CloseReason::ErrorWithAcksZero
    );
}

#[test]
fn log_append_time_topics_stamp_the_broker_time() {
    let now = t0();
    let mut cluster = cluster_with_topic(3);
    cluster.set_log_append_time("t", true);
    let conn = connect(&mut cluster, 1, now);
    let later = now + ms(1500);
    let p = produce_one(&mut cluster, conn, 0, plain(2), later);
    let expected = ClusterConfig::default().start_unix_ms + 1500;
    assert_eq!(p.log_append_time_ms, expected);
    for record in cluster.log("t", 0) {
        assert_eq!(
            (record.timestamp, record.timestamp_type),
            (expected, TimestampType::LogAppendTime)
        );
    }
}

// ------------------------------------------------------------ other APIs

#[test]
fn init_producer_id_errors_come_first() {
    let now = t0();
    let mut cluster = Cluster::new(ClusterConfig::with_brokers(1));
    cluster.inject_init_producer_id_error(ErrorCode::COORDINATOR_LOAD_IN_PROGRESS, 2);
    let conn = connect(&mut cluster, 1, now);
    for _ in 0..2 {
        let r = init_producer_id(&mut cluster, conn, 5, now);
        assert_eq!(
            (r.error_code, r.producer_id),
            (ErrorCode::COORDINATOR_LOAD_IN_PROGRESS, -1)
        );
    }
    let r = init_producer_id(&mut cluster, conn, 5, now);
    assert_eq!(
        (r.error_code, r.producer_id, r.producer_epoch),
        (ErrorCode::NONE, 1000, 0)
    );
    assert_eq!(cluster.requests_received(1, ApiKey::INIT_PRODUCER_ID), 3);
}

#[test]
fn create_topics_over_the_wire() {
    let now = t0();
    let mut cluster = Cluster::new(ClusterConfig::with_brokers(3));
    let conn = connect(&mut cluster, 2, now);
    let topic = |name: &str, partitions, rf| CreatableTopic {
        name: name.into(),
        num_partitions: partitions,
        replication_factor: rf,
        ..CreatableTopic::default()
    };
    let mut lat = topic("stamped", 1, 1);
    lat.configs.push(CreatableTopicConfig {
        name: "message.timestamp.type".into(),
        value: Some("LogAppendTime".into()),
        ..CreatableTopicConfig::default()
    });
    let request = CreateTopicsRequest {
        topics: vec![
            topic("new", 4, 3),
            topic("bad name", 1, 1),
            topic("big", 1, 4),
            lat,
        ],
        ..CreateTopicsRequest::default()
    };
    let response = call(&mut cluster, conn, 7, &request, now);
    let codes: Vec<_> = response.topics.iter().map(|t| t.error_code).collect();
    assert_eq!(
        codes,
        [
            ErrorCode::NONE,
            ErrorCode::INVALID_TOPIC_EXCEPTION,
            ErrorCode::INVALID_REPLICATION_FACTOR,
            ErrorCode::NONE
        ]
    );
    assert_eq!(
        response.topics[0].topic_id,
        cluster.topic_id("new").unwrap()
    );
    assert_eq!(
        (
            response.topics[0].num_partitions,
            response.topics[0].replication_factor
        ),
        (4, 3)
    );
    assert_eq!(cluster.leader("new", 3), Some(1));
    assert_eq!(cluster.replicas("new", 3), Some(&[1, 2, 3][..]));

    let again = call(
        &mut cluster,
        conn,
        7,
        &CreateTopicsRequest {
            topics: vec![topic("new", 1, 1)],
            ..CreateTopicsRequest::default()
        },
        now,
    );
    assert_eq!(again.topics[0].error_code, ErrorCode::TOPIC_ALREADY_EXISTS);

    let conn1 = connect(&mut cluster, 1, now);
    let request = produce(-1, &[("stamped", 0, plain(1))]);
    let p = only_partition(&call(&mut cluster, conn1, 12, &request, now));
    assert_ne!(p.log_append_time_ms, -1);
}

// ------------------------------------------------------------------- faults

#[test]
fn crash_moves_leadership_and_closes_connections() {
    let now = t0();
    let mut cluster = cluster_with_topic(3);
    cluster.set_response_delay(1, ms(50));
    let conn = connect(&mut cluster, 1, now);
    let other = connect(&mut cluster, 2, now);
    send(&mut cluster, conn, 12, &metadata_request(), now);
    assert_eq!(cluster.poll_timeout(), Some(now + ms(50)));

    cluster.crash(1, now + ms(10));
    // The held response is dropped; the close comes at once.
    assert_eq!(
        next_close(&mut cluster, conn, now + ms(10)),
        CloseReason::BrokerCrashed
    );
    assert_eq!(cluster.poll_transmit(now + ms(100)), None);
    assert_eq!(cluster.poll_timeout(), None);
    // Partition 0 (replicas 1, 2) moves to 2 with epoch 1; partition 2
    // (replicas 3, 1) keeps leader 3.
    assert_eq!(
        (cluster.leader("t", 0), cluster.leader_epoch("t", 0)),
        (Some(2), Some(1))
    );
    assert_eq!(
        (cluster.leader("t", 2), cluster.leader_epoch("t", 2)),
        (Some(3), Some(0))
    );
    assert_eq!(
        cluster.connect(&cluster.broker_address(1), now),
        Err(ConnectRefused::BrokerDown(1))
    );
    // Other brokers' connections are untouched.
    let p = produce_one(&mut cluster, other, 0, plain(1), now);
    assert_eq!(p.error_code, ErrorCode::NONE);
    // Bytes for the dead connection are ignored.
    send(&mut cluster, conn, 12, &metadata_request(), now);
    assert_eq!(cluster.poll_transmit(now + ms(100)), None);

    cluster.restart(1);
    assert!(cluster.is_up(1));
    assert_eq!(
        cluster.leader("t", 0),
        Some(2),
        "leadership is not given back"
    );
    connect(&mut cluster, 1, now);
}

#[test]
fn a_partition_without_live_replicas_has_no_leader_until_restart() {
    let now = t0();
    let mut cluster = Cluster::new(ClusterConfig::with_brokers(2));
    cluster.create_topic("solo", 2, 1);
    cluster.crash(2, now);
    assert_eq!(
        (cluster.leader("solo", 1), cluster.leader_epoch("solo", 1)),
        (None, Some(1))
    );
    let conn = connect(&mut cluster, 1, now);
    let response = call(
        &mut cluster,
        conn,
        12,
        &produce(-1, &[("solo", 1, plain(1))]),
        now,
    );
    let p = only_partition(&response);
    assert_eq!(p.error_code, ErrorCode::NOT_LEADER_OR_FOLLOWER);
    assert_eq!(p.current_leader.leader_id, -1);
    cluster.restart(2);
    assert_eq!(
        (cluster.leader("solo", 1), cluster.leader_epoch("solo", 1)),
        (Some(2), Some(2))
    );
}

#[test]
fn move_leader_bumps_the_epoch_and_redirects() {
    let now = t0();
    let mut cluster = cluster_with_topic(3);
    assert!(
        cluster.move_leader("t", 0, 3),
        "3 is not a replica yet: it becomes one"
    );
    assert_eq!(cluster.replicas("t", 0), Some(&[1, 2, 3][..]));
    assert_eq!(
        (cluster.leader("t", 0), cluster.leader_epoch("t", 0)),
        (Some(3), Some(1))
    );
    cluster.crash(2, now);
    assert!(!cluster.move_leader("t", 0, 2), "not to a dead broker");
    assert!(
        !cluster.move_leader("t", 9, 1),
        "not for an unknown partition"
    );
    let conn = connect(&mut cluster, 1, now);
    let p = produce_one(&mut cluster, conn, 0, plain(1), now);
    assert_eq!(p.error_code, ErrorCode::NOT_LEADER_OR_FOLLOWER);
    assert_eq!(
        (p.current_leader.leader_id, p.current_leader.leader_epoch),
        (3, 1)
    );
}

#[test]
fn refused_connections() {
    let now = t0();
    let mut cluster = cluster_with_topic(3);
    let nowhere = BrokerAddress::new("nowhere", 9092);
    assert_eq!(
        cluster.connect(&nowhere, now),
        Err(ConnectRefused::UnknownAddress(nowhere))
    );

    let open = connect(&mut cluster, 2, now);
    cluster.refuse_connections(2, true);
    assert_eq!(
        cluster.connect(&cluster.broker_address(2), now),
        Err(ConnectRefused::Refusing(2))
    );
    // The open connection still works.
    let r = metadata(&mut cluster, open, now);
    assert_eq!(r.brokers.len(), 3);
    cluster.refuse_connections(2, false);
    connect(&mut cluster, 2, now);
}

#[test]
fn re_advertised_addresses_and_aliases() {
    let now = t0();
    let mut cluster = cluster_with_topic(3);
    let old = cluster.broker_address(3);
    let new = BrokerAddress::new("b3.example", 29092);
    cluster.set_broker_address(3, new.clone());
    assert_eq!(
        cluster.connect(&old, now),
        Err(ConnectRefused::UnknownAddress(old))
    );
    assert!(cluster.bootstrap_servers().contains(&new));
    let conn = cluster.connect(&new, now).unwrap();
    let r = metadata(&mut cluster, conn, now);
    let b3 = r.broker(3).unwrap();
    assert_eq!((b3.host.as_str(), b3.port), ("b3.example", 29092));

    let lb = BrokerAddress::new("kafka.lb", 9092);
    cluster.add_bootstrap_alias(lb.clone());
    let via_lb = cluster.connect(&lb, now).unwrap();
    metadata(&mut cluster, via_lb, now);
    assert_eq!(
        cluster.requests_received(1, ApiKey::METADATA),
        1,
        "the alias reaches broker 1"
    );
    cluster.crash(1, now);
    assert_eq!(
        next_close(&mut cluster, via_lb, now),
        CloseReason::BrokerCrashed
    );
    let via_lb = cluster.connect(&lb, now).unwrap();
    metadata(&mut cluster, via_lb, now);
    assert_eq!(
        cluster.requests_received(2, ApiKey::METADATA),
        1,
        "then broker 2"
    );
    cluster.crash(2, now);
    cluster.crash(3, now);
    assert_eq!(
        cluster.connect(&lb, now),
        Err(ConnectRefused::NoLiveBroker(lb))
    );
}

#[test]
fn delayed_responses_are_held_until_due_in_order() {
    let now = t0();
    let mut cluster = cluster_with_topic(3);
    cluster.set_response_delay(1, ms(100));
    let conn = connect(&mut cluster, 1, now);
    let mut first = frame(1, 12, &MetadataRequest::for_topics(["t"]));
    cluster.receive(conn, &first, now);
    // The delay shrinks, but the second response may not overtake the first.
    cluster.set_response_delay(1, Duration::ZERO);
    first = frame(2, 12, &MetadataRequest::for_topics(["t"]));
    cluster.receive(conn, &first, now + ms(10));

    assert_eq!(cluster.poll_transmit(now + ms(99)), None);
    assert_eq!(cluster.poll_timeout(), Some(now + ms(100)));
    let correlation = |cluster: &mut Cluster| {
        let body = next_data(cluster, conn, now + ms(100));
        decode_response::<MetadataResponse>(body, 12)
            .unwrap()
            .0
            .correlation_id
    };
    assert_eq!(correlation(&mut cluster), 1);
    assert_eq!(correlation(&mut cluster), 2);
    assert_eq!(cluster.poll_timeout(), None);
}

#[test]
fn an_endless_delay_makes_a_black_hole() {
    let (mut cluster, conn, now) = connected_to_broker_1();
    cluster.set_response_delay(1, Duration::MAX);
    send(
        &mut cluster,
        conn,
        12,
        &produce(-1, &[("t", 0, plain(2))]),
        now,
    );
    cluster.set_response_delay(1, Duration::ZERO);
    send(&mut cluster, conn, 12, &metadata_request(), now);
    assert_eq!(cluster.poll_timeout(), None);
    assert_eq!(cluster.poll_transmit(now + Duration::from_secs(3600)), None);
    assert_eq!(cluster.log("t", 0).len(), 2, "requests are still applied");
    // A new connection is answered; a crash still closes the stuck one.
    let fresh = connect(&mut cluster, 1, now);
    metadata(&mut cluster, fresh, now);
    cluster.crash(1, now);
    let mut closed: Vec<_> = std::iter::from_fn(|| cluster.poll_transmit(now)).collect();
    closed.sort_by_key(Transmit::conn);
    assert_eq!(
        closed,
        [conn, fresh].map(|conn| Transmit::Closed {
            conn,
            reason: CloseReason::BrokerCrashed
        })
    );
}

#[test]
fn client_close_drops_held_responses() {
    let now = t0();
    let mut cluster = cluster_with_topic(3);
    cluster.set_response_delay(1, ms(100));
    let conn = connect(&mut cluster, 1, now);
    send(
        &mut cluster,
        conn,
        12,
        &produce(-1, &[("t", 0, plain(1))]),
        now,
    );
    cluster.client_closed(conn);
    assert_eq!(cluster.poll_timeout(), None);
    assert_eq!(cluster.poll_transmit(now + ms(200)), None);
    assert_eq!(cluster.log("t", 0).len(), 1, "the request was applied");
}

#[test]
fn lost_response_after_append_then_retry_is_a_duplicate() {
    let now = t0();
    let mut cluster = cluster_with_topic(3);
    cluster.lose_responses_after_append(1, 1);
    let conn = connect(&mut cluster, 1, now);
    send(
        &mut cluster,
        conn,
        12,
        &produce(-1, &[("t", 0, idempotent(1000, 0, 3, 0))]),
        now,
    );
    assert_eq!(
        next_close(&mut cluster, conn, now),
        CloseReason::ResponseLost
    );
    assert_eq!(cluster.log("t", 0).len(), 3, "applied before the close");

    let conn = connect(&mut cluster, 1, now);
    let retry = produce_one(&mut cluster, conn, 0, idempotent(1000, 0, 3, 0), now);
    assert_eq!((retry.error_code, retry.base_offset), (ErrorCode::NONE, 0));
    assert_eq!(cluster.log("t", 0).len(), 3);
}

#[test]
fn drop_connections_resets_but_the_broker_stays_up() {
    let now = t0();
    let mut cluster = cluster_with_topic(3);
    cluster.set_response_delay(2, ms(20));
    let a = connect(&mut cluster, 2, now);
    let b = connect(&mut cluster, 2, now);
    let keep = connect(&mut cluster, 3, now);
    send(&mut cluster, a, 12, &metadata_request(), now);
    cluster.drop_connections(2);
    let mut closed = vec![
        cluster.poll_transmit(now).unwrap(),
        cluster.poll_transmit(now).unwrap(),
    ];
    closed.sort_by_key(Transmit::conn);
    assert_eq!(
        closed,
        [
            Transmit::Closed {
                conn: a,
                reason: CloseReason::Reset
            },
            Transmit::Closed {
                conn: b,
                reason: CloseReason::Reset
            },
        ]
    );
    assert_eq!(cluster.poll_transmit(now + ms(100)), None);
    assert!(cluster.is_up(2));
    connect(&mut cluster, 2, now);
    metadata(&mut cluster, keep, now);
}

#[test]
fn injected_produce_errors() {
    let now = t0();
    let mut cluster = cluster_with_topic(3);
    cluster.inject_error("t", 0, ErrorCode::NOT_ENOUGH_REPLICAS, 1);
    cluster.inject_error("t", 0, ErrorCode::NOT_ENOUGH_REPLICAS_AFTER_APPEND, 1);
    cluster.inject_error("t", 0, ErrorCode::REQUEST_TIMED_OUT, 1);
    // A misrouted attempt does not use up an injected error.
    let conn2 = connect(&mut cluster, 2, now);
    let p = produce_one(&mut cluster, conn2, 0, plain(1), now);
    assert_eq!(p.error_code, ErrorCode::NOT_LEADER_OR_FOLLOWER);

    let conn = connect(&mut cluster, 1, now);
    let mut attempt = |seq| produce_one(&mut cluster, conn, 0, idempotent(1000, 0, 2, seq), now);
    let r = attempt(0);
    assert_eq!(
        (r.error_code, r.base_offset),
        (ErrorCode::NOT_ENOUGH_REPLICAS, -1)
    );
    let r = attempt(0);
    assert_eq!(r.error_code, ErrorCode::NOT_ENOUGH_REPLICAS_AFTER_APPEND);
    let r = attempt(2);
    assert_eq!(r.error_code, ErrorCode::REQUEST_TIMED_OUT);
    // Both "after append" batches were written; retrying them finds them.
    let r = attempt(0);
    assert_eq!((r.error_code, r.base_offset), (ErrorCode::NONE, 0));
    let r = attempt(2);
    assert_eq!((r.error_code, r.base_offset), (ErrorCode::NONE, 2));
    assert_eq!(cluster.log("t", 0).len(), 4);
}

// ----------------------------------------------------------------- framing

#[test]
fn requests_may_arrive_one_byte_at_a_time() {
    let (mut cluster, conn, now) = connected_to_broker_1();
    let mut bytes = frame(1, 3, &api_versions_request());
    bytes.extend_from_slice(&frame(2, 12, &produce(-1, &[("t", 0, plain(4))])));
    for byte in bytes.iter() {
        cluster.receive(conn, std::slice::from_ref(byte), now);
    }
    let (header, versions) =
        decode_response::<ApiVersionsResponse>(next_data(&mut cluster, conn, now), 3).unwrap();
    assert_eq!(
        (header.correlation_id, versions.error_code),
        (1, ErrorCode::NONE)
    );
    let (header, produced) =
        decode_response::<ProduceResponse>(next_data(&mut cluster, conn, now), 12).unwrap();
    assert_eq!(header.correlation_id, 2);
    assert_eq!(only_partition(&produced).base_offset, 0);
    assert_eq!(cluster.log("t", 0).len(), 4);
}

#[test]
fn malformed_input_closes_the_connection() {
    let now = t0();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("negative size", vec![0xff, 0xff, 0xff, 0xfe]),
        (
            "over the request cap",
            (200u32 << 20).to_be_bytes().to_vec(),
        ),
        ("too short for a header", vec![0, 0, 0, 2, 0, 3]),
        // Metadata v12 header, then a body cut short.
        (
            "truncated body",
            vec![0, 0, 0, 9, 0, 3, 0, 12, 0, 0, 0, 1, 0],
        ),
        // An API key the brokers do not speak (Fetch, 1).
        (
            "unknown api",
            vec![0, 0, 0, 10, 0, 1, 0, 4, 0, 0, 0, 1, 0xff, 0xff],
        ),
        // Produce v2, removed in Kafka 4.
        (
            "produce v2",
            vec![0, 0, 0, 10, 0, 0, 0, 2, 0, 0, 0, 1, 0xff, 0xff],
        ),
    ];
    for (what, bytes) in cases {
        let mut cluster = cluster_with_topic(3);
        let conn = connect(&mut cluster, 1, now);
        cluster.receive(conn, &bytes, now);
        match next_close(&mut cluster, conn, now) {
            CloseReason::InvalidRequest(_) => {}
            other => panic!("{what}: {other:?}"),
        }
        // Nothing more is read from it.
        send(&mut cluster, conn, 12, &metadata_request(), now);
        assert_eq!(cluster.poll_transmit(now), None, "{what}");
    }
}

#[test]
fn a_close_after_a_bad_frame_follows_the_responses_before_it() {
    let now = t0();
    let mut cluster = cluster_with_topic(3);
    cluster.set_response_delay(1, ms(30));
    let conn = connect(&mut cluster, 1, now);
    let mut bytes = frame(1, 12, &MetadataRequest::for_topics(["t"]));
    bytes.extend_from_slice(&[0x80, 0, 0, 0]);
    cluster.receive(conn, &bytes, now);
    assert_eq!(cluster.poll_transmit(now), None);
    next_data(&mut cluster, conn, now + ms(30));
    assert!(matches!(
        next_close(&mut cluster, conn, now + ms(30)),
        CloseReason::InvalidRequest(_)
    ));
    assert_eq!(cluster.requests_received(1, ApiKey::METADATA), 1);
}

// ------------------------------------------------------------ determinism

/// Runs a scenario with faults and returns every transmit with its time.
fn scenario() -> Vec<(u64, Transmit)> {
    let start = t0();
    let at = |n: u64| start + ms(n);
    let mut cluster = cluster_with_topic(3);
    cluster.set_response_delay(2, ms(7));
    let conns: Vec<_> = (1..=3).map(|b| connect(&mut cluster, b, at(0))).collect();
    let mut out = Vec::new();
    for step in 0..60u64 {
        let now = at(step * 3);
        let conn = conns[(step % 3) as usize];
        let partition = (step % 3) as i32;
        let records = idempotent(1000, 0, 1, (step / 3) as i32);
        send(
            &mut cluster,
            conn,
            12,
            &produce(-1, &[("t", partition, records)]),
            now,
        );
        if step == 30 {
            cluster.crash(3, now);
        }
        while let Some(t) = cluster.poll_transmit(now) {
            out.push((step, t));
        }
    }
    out
}

#[test]
fn the_same_calls_give_the_same_transmits() {
    let first = scenario();
    assert!(
        first
            .iter()
            .any(|(_, t)| matches!(t, Transmit::Closed { .. }))
    );
    assert!(first.len() > 40);
    assert_eq!(first, scenario());
}
