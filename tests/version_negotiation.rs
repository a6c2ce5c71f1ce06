//! Version negotiation against a broker's ApiVersions response: overlap,
//! no overlap, a missing API, exact edges, and a response with an error.

use kafka_sansio::protocol::api_versions::{ApiVersion, ApiVersionsRequest, ApiVersionsResponse};
use kafka_sansio::protocol::create_topics::CreateTopicsRequest;
use kafka_sansio::protocol::versions::{VersionError, negotiate, supported};
use kafka_sansio::protocol::{ApiKey, ApiMessage, ErrorCode, InitProducerIdRequest, VersionRange};

fn range(min: i16, max: i16) -> VersionRange {
    VersionRange { min, max }
}

fn broker(apis: &[(i16, i16, i16)]) -> ApiVersionsResponse {
    ApiVersionsResponse {
        api_keys: apis
            .iter()
            .map(|&(api_key, min_version, max_version)| ApiVersion {
                api_key,
                min_version,
                max_version,
                ..ApiVersion::default()
            })
            .collect(),
        ..ApiVersionsResponse::default()
    }
}

/// Our ranges against broker ranges for one API: the chosen version.
fn pick(ours: VersionRange, theirs: (i16, i16)) -> Result<i16, VersionError> {
    let b = broker(&[(0, theirs.0, theirs.1)]);
    negotiate(&b, &[(ApiKey::PRODUCE, ours)]).map(|n| n.get(ApiKey::PRODUCE).unwrap())
}

#[test]
fn picks_the_highest_common_version() {
    // Broker newer than us: our max.
    assert_eq!(pick(range(3, 9), (0, 12)), Ok(9));
    // Broker older than us: its max.
    assert_eq!(pick(range(3, 12), (0, 9)), Ok(9));
    // Broker range inside ours and ours inside the broker's.
    assert_eq!(pick(range(0, 12), (4, 6)), Ok(6));
    assert_eq!(pick(range(4, 6), (0, 12)), Ok(6));
    // Same ranges.
    assert_eq!(pick(range(2, 7), (2, 7)), Ok(7));
}

#[test]
fn exact_edges_overlap_by_one_version() {
    // Our min is the broker's max.
    assert_eq!(pick(range(5, 9), (0, 5)), Ok(5));
    // Our max is the broker's min.
    assert_eq!(pick(range(0, 5), (5, 9)), Ok(5));
    // Single-version ranges that meet.
    assert_eq!(pick(range(3, 3), (3, 3)), Ok(3));
}

#[test]
fn disjoint_ranges_name_the_api_and_both_ranges() {
    // One version apart, either side.
    let err = pick(range(6, 9), (0, 5)).unwrap_err();
    assert_eq!(
        err,
        VersionError::NoOverlap {
            api: ApiKey::PRODUCE,
            ours: range(6, 9),
            broker: range(0, 5),
        }
    );
    let msg = err.to_string();
    assert!(msg.contains("Produce(0)"), "{msg}");
    assert!(msg.contains("6-9") && msg.contains("0-5"), "{msg}");
    assert!(matches!(
        pick(range(0, 4), (5, 9)),
        Err(VersionError::NoOverlap { .. })
    ));
    // A malformed broker range (min > max) overlaps nothing.
    assert!(matches!(
        pick(range(0, 12), (7, 3)),
        Err(VersionError::NoOverlap { .. })
    ));
}

#[test]
fn missing_api_names_the_api_and_our_range() {
    let b = broker(&[(0, 0, 12), (18, 0, 4)]);
    let err = negotiate(
        &b,
        &[
            (ApiKey::PRODUCE, range(3, 12)),
            (ApiKey::METADATA, range(0, 12)),
        ],
    )
    .unwrap_err();
    assert_eq!(
        err,
        VersionError::Missing {
            api: ApiKey::METADATA,
            ours: range(0, 12),
        }
    );
    let msg = err.to_string();
    assert!(msg.contains("Metadata(3)") && msg.contains("0-12"), "{msg}");
}

#[test]
fn negotiates_every_wanted_api_and_only_those() {
    let b = broker(&[
        (0, 0, 11),
        (3, 0, 13),
        (18, 0, 5),
        (19, 2, 7),
        (22, 0, 6),
        (60, 0, 1),
    ]);
    let wanted = [
        supported::<ApiVersionsRequest>(),
        supported::<CreateTopicsRequest>(),
        supported::<InitProducerIdRequest>(),
        (ApiKey::PRODUCE, range(3, 12)),
        (ApiKey::METADATA, range(0, 12)),
    ];
    let n = negotiate(&b, &wanted).unwrap();
    assert_eq!(n.get(ApiKey::API_VERSIONS), Some(4)); // ours 0-4, broker 0-5
    assert_eq!(n.get(ApiKey::CREATE_TOPICS), Some(7));
    assert_eq!(n.get(ApiKey::INIT_PRODUCER_ID), Some(5)); // ours 0-5, broker 0-6
    assert_eq!(n.get(ApiKey::PRODUCE), Some(11));
    assert_eq!(n.get(ApiKey::METADATA), Some(12));
    assert_eq!(n.get(ApiKey(60)), None); // listed by the broker, not wanted
    assert_eq!(n.iter().count(), wanted.len());
    // Nothing wanted: nothing to fail on.
    assert_eq!(negotiate(&b, &[]).unwrap().iter().count(), 0);
}

#[test]
fn supported_reads_the_message_type() {
    const ROW: (ApiKey, VersionRange) = supported::<CreateTopicsRequest>();
    assert_eq!(ROW, (ApiKey::CREATE_TOPICS, CreateTopicsRequest::VERSIONS));
    assert_eq!(ROW.1, range(2, 7));
}

#[test]
fn first_entry_wins_when_the_broker_repeats_an_api() {
    let b = broker(&[(0, 0, 5), (0, 0, 11)]);
    let n = negotiate(&b, &[(ApiKey::PRODUCE, range(0, 12))]).unwrap();
    assert_eq!(n.get(ApiKey::PRODUCE), Some(5));
}

#[test]
fn an_error_response_is_not_negotiated() {
    let b = ApiVersionsResponse {
        error_code: ErrorCode::UNSUPPORTED_VERSION,
        ..broker(&[(18, 0, 3)])
    };
    let err = negotiate(&b, &[supported::<ApiVersionsRequest>()]).unwrap_err();
    assert_eq!(
        err,
        VersionError::BrokerError {
            error_code: ErrorCode::UNSUPPORTED_VERSION
        }
    );
    assert!(err.to_string().contains("UNSUPPORTED_VERSION"), "{err}");
}
