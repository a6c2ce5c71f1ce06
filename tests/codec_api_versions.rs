//! ApiVersions: proptest round trips for every version, agreement with the
//! independent `kafka-protocol` codec in both directions, hand-checked byte
//! vectors, truncation, the v0 fallback, and the refusals.
//!
//! No field of ApiVersions v0-4 is nullable or non-ignorable-and-absent, so
//! `NullNotAllowed` cannot arise; the only refusal is Java's rule against
//! tagged fields in a version without a tagged-field section.

mod common;

use bytes::{Bytes, BytesMut};
use common::{
    assert_encoding_prefixes_fail, assert_tags_refused, check_against_oracle, check_vector,
    in_any_version, one_unknown_tag, ours_encoded, roundtrip, sb, st, tags_from_oracle,
    tags_to_oracle, unknown_tags, unknown_tags_if, versions,
};
use kafka_protocol::messages as kp;
use kafka_protocol::messages::api_versions_response as kpr;
use kafka_sansio::protocol::api_versions::{
    ApiVersion, ApiVersionsRequest, ApiVersionsResponse, FinalizedFeatureKey, SupportedFeatureKey,
};
use kafka_sansio::protocol::{
    ApiKey, ApiMessage, Decode, DecodeError, Encode, EncodeError, ErrorCode, Reader,
    UnknownTaggedFields,
};
use proptest::prelude::*;

const NAME: &str = "[a-zA-Z0-9._é-]{0,16}";

fn request(version: i16) -> impl Strategy<Value = ApiVersionsRequest> {
    let flexible = ApiVersionsRequest::is_flexible(version);
    (NAME, NAME, unknown_tags_if(flexible, 0)).prop_map(move |(name, ver, unknown)| {
        ApiVersionsRequest {
            client_software_name: if flexible { name } else { String::new() },
            client_software_version: if flexible { ver } else { String::new() },
            unknown_tagged_fields: unknown,
        }
    })
}

fn api_version(flexible: bool) -> impl Strategy<Value = ApiVersion> {
    (
        any::<i16>(),
        any::<i16>(),
        any::<i16>(),
        unknown_tags_if(flexible, 0),
    )
        .prop_map(|(api_key, min_version, max_version, unknown)| ApiVersion {
            api_key,
            min_version,
            max_version,
            unknown_tagged_fields: unknown,
        })
}

fn supported_feature() -> impl Strategy<Value = SupportedFeatureKey> {
    (NAME, any::<i16>(), any::<i16>(), unknown_tags(0)).prop_map(
        |(name, min_version, max_version, unknown)| SupportedFeatureKey {
            name,
            min_version,
            max_version,
            unknown_tagged_fields: unknown,
        },
    )
}

fn finalized_feature() -> impl Strategy<Value = FinalizedFeatureKey> {
    (NAME, any::<i16>(), any::<i16>(), unknown_tags(0)).prop_map(
        |(name, max_version_level, min_version_level, unknown)| FinalizedFeatureKey {
            name,
            max_version_level,
            min_version_level,
            unknown_tagged_fields: unknown,
        },
    )
}

fn response(version: i16) -> impl Strategy<Value = ApiVersionsResponse> {
    let flexible = ApiVersionsResponse::is_flexible(version);
    let has_throttle = version >= 1;
    let tagged = (
        proptest::collection::vec(supported_feature(), 0..3),
        prop_oneof![Just(-1i64), any::<i64>()],
        proptest::collection::vec(finalized_feature(), 0..3),
        any::<bool>(),
        // Tags 0-3 are known: unknown ones start at 4.
        unknown_tags_if(flexible, 4),
    );
    (
        any::<i16>(),
        proptest::collection::vec(api_version(flexible), 0..5),
        any::<i32>(),
        tagged,
    )
        .prop_map(
            move |(code, api_keys, throttle, (supported, epoch, finalized, zk, unknown))| {
                let mut m = ApiVersionsResponse {
                    error_code: ErrorCode(code),
                    api_keys,
                    throttle_time_ms: if has_throttle { throttle } else { 0 },
                    unknown_tagged_fields: unknown,
                    ..ApiVersionsResponse::default()
                };
                if flexible {
                    m.supported_features = supported;
                    m.finalized_features_epoch = epoch;
                    m.finalized_features = finalized;
                    m.zk_migration_ready = zk;
                }
                m
            },
        )
}

fn request_to_oracle(m: &ApiVersionsRequest) -> kp::ApiVersionsRequest {
    kp::ApiVersionsRequest::default()
        .with_client_software_name(sb(&m.client_software_name))
        .with_client_software_version(sb(&m.client_software_version))
        .with_unknown_tagged_fields(tags_to_oracle(&m.unknown_tagged_fields))
}

fn request_from_oracle(t: &kp::ApiVersionsRequest) -> ApiVersionsRequest {
    ApiVersionsRequest {
        client_software_name: st(&t.client_software_name),
        client_software_version: st(&t.client_software_version),
        unknown_tagged_fields: tags_from_oracle(&t.unknown_tagged_fields),
    }
}

fn response_to_oracle(m: &ApiVersionsResponse) -> kp::ApiVersionsResponse {
    kp::ApiVersionsResponse::default()
        .with_error_code(m.error_code.0)
        .with_api_keys(
            m.api_keys
                .iter()
                .map(|k| {
                    kpr::ApiVersion::default()
                        .with_api_key(k.api_key)
                        .with_min_version(k.min_version)
                        .with_max_version(k.max_version)
                        .with_unknown_tagged_fields(tags_to_oracle(&k.unknown_tagged_fields))
                })
                .collect(),
        )
        .with_throttle_time_ms(m.throttle_time_ms)
        .with_supported_features(
            m.supported_features
                .iter()
                .map(|f| {
                    kpr::SupportedFeatureKey::default()
                        .with_name(sb(&f.name))
                        .with_min_version(f.min_version)
                        .with_max_version(f.max_version)
                        .with_unknown_tagged_fields(tags_to_oracle(&f.unknown_tagged_fields))
                })
                .collect(),
        )
        .with_finalized_features_epoch(m.finalized_features_epoch)
        .with_finalized_features(
            m.finalized_features
                .iter()
                .map(|f| {
                    kpr::FinalizedFeatureKey::default()
                        .with_name(sb(&f.name))
                        .with_max_version_level(f.max_version_level)
                        .with_min_version_level(f.min_version_level)
                        .with_unknown_tagged_fields(tags_to_oracle(&f.unknown_tagged_fields))
                })
                .collect(),
        )
        .with_zk_migration_ready(m.zk_migration_ready)
        .with_unknown_tagged_fields(tags_to_oracle(&m.unknown_tagged_fields))
}

fn response_from_oracle(t: &kp::ApiVersionsResponse) -> ApiVersionsResponse {
    ApiVersionsResponse {
        error_code: ErrorCode(t.error_code),
        api_keys: t
            .api_keys
            .iter()
            .map(|k| ApiVersion {
                api_key: k.api_key,
                min_version: k.min_version,
                max_version: k.max_version,
                unknown_tagged_fields: tags_from_oracle(&k.unknown_tagged_fields),
            })
            .collect(),
        throttle_time_ms: t.throttle_time_ms,
        supported_features: t
            .supported_features
            .iter()
            .map(|f| SupportedFeatureKey {
                name: st(&f.name),
                min_version: f.min_version,
                max_version: f.max_version,
                unknown_tagged_fields: tags_from_oracle(&f.unknown_tagged_fields),
            })
            .collect(),
        finalized_features_epoch: t.finalized_features_epoch,
        finalized_features: t
            .finalized_features
            .iter()
            .map(|f| FinalizedFeatureKey {
                name: st(&f.name),
                max_version_level: f.max_version_level,
                min_version_level: f.min_version_level,
                unknown_tagged_fields: tags_from_oracle(&f.unknown_tagged_fields),
            })
            .collect(),
        zk_migration_ready: t.zk_migration_ready,
        unknown_tagged_fields: tags_from_oracle(&t.unknown_tagged_fields),
    }
}

proptest! {
    #[test]
    fn request_round_trips((v, m) in in_any_version::<ApiVersionsRequest, _>(request)) {
        roundtrip(&m, v);
        check_against_oracle(&m, v, request_to_oracle, request_from_oracle);
    }

    #[test]
    fn response_round_trips((v, m) in in_any_version::<ApiVersionsResponse, _>(response)) {
        roundtrip(&m, v);
        check_against_oracle(&m, v, response_to_oracle, response_from_oracle);
    }

    #[test]
    fn truncated_responses_fail((v, m) in in_any_version::<ApiVersionsResponse, _>(response)) {
        assert_encoding_prefixes_fail(&m, v);
    }

    #[test]
    fn truncated_requests_fail((v, m) in in_any_version::<ApiVersionsRequest, _>(request)) {
        assert_encoding_prefixes_fail(&m, v);
    }

    /// A v0 body (what a broker sends when it does not speak the requested
    /// version) is read by the fallback whatever version was asked for.
    #[test]
    fn fallback_reads_any_v0_body(asked in versions::<ApiVersionsResponse>(), m in response(0)) {
        let (back, read_as) =
            ApiVersionsResponse::decode_with_fallback(ours_encoded(&m, 0), asked).unwrap();
        prop_assert_eq!(read_as, 0);
        prop_assert_eq!(back, m);
    }

    /// A body in the requested version is read in that version.
    #[test]
    fn fallback_keeps_a_good_body((v, m) in in_any_version::<ApiVersionsResponse, _>(response)) {
        let (back, read_as) =
            ApiVersionsResponse::decode_with_fallback(ours_encoded(&m, v), v).unwrap();
        prop_assert_eq!(read_as, v);
        prop_assert_eq!(back, m);
    }
}

fn full_response_v3() -> ApiVersionsResponse {
    ApiVersionsResponse {
        error_code: ErrorCode::NONE,
        api_keys: vec![ApiVersion {
            api_key: 0,
            min_version: 0,
            max_version: 11,
            ..ApiVersion::default()
        }],
        throttle_time_ms: 0x0102,
        supported_features: vec![SupportedFeatureKey {
            name: "x".into(),
            min_version: 0,
            max_version: 1,
            ..SupportedFeatureKey::default()
        }],
        finalized_features_epoch: 5,
        finalized_features: vec![FinalizedFeatureKey {
            name: "x".into(),
            max_version_level: 1,
            min_version_level: 2,
            ..FinalizedFeatureKey::default()
        }],
        zk_migration_ready: true,
        unknown_tagged_fields: UnknownTaggedFields::default(),
    }
}

#[rustfmt::skip]
const FULL_RESPONSE_V3: &[u8] = &[
    0x00, 0x00,                         // ErrorCode NONE
    0x02,                               // ApiKeys: compact array, 1 element
      0x00, 0x00, 0x00, 0x00, 0x00, 0x0b, // ApiKey 0, Min 0, Max 11
      0x00,                             // element's tagged fields: none
    0x00, 0x00, 0x01, 0x02,             // ThrottleTimeMs 258
    0x04,                               // 4 tagged fields
    0x00, 0x08,                         // tag 0 SupportedFeatures, 8 bytes
      0x02, 0x02, b'x', 0x00, 0x00, 0x00, 0x01, 0x00,
    0x01, 0x08,                         // tag 1 FinalizedFeaturesEpoch, 8 bytes
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05,
    0x02, 0x08,                         // tag 2 FinalizedFeatures: max 1 then min 2
      0x02, 0x02, b'x', 0x00, 0x01, 0x00, 0x02, 0x00,
    0x03, 0x01, 0x01,                   // tag 3 ZkMigrationReady true
];

#[test]
fn response_v3_bytes_by_hand() {
    check_vector(&full_response_v3(), 3, FULL_RESPONSE_V3);
}

#[rustfmt::skip]
const UNSUPPORTED_V0: &[u8] = &[
    0x00, 0x23,                         // ErrorCode 35 UNSUPPORTED_VERSION
    0x00, 0x00, 0x00, 0x01,             // ApiKeys: int32 count 1
      0x00, 0x12, 0x00, 0x00, 0x00, 0x03, // ApiVersions 0-3
];

fn unsupported_v0() -> ApiVersionsResponse {
    ApiVersionsResponse {
        error_code: ErrorCode::UNSUPPORTED_VERSION,
        api_keys: vec![ApiVersion {
            api_key: 18,
            min_version: 0,
            max_version: 3,
            ..ApiVersion::default()
        }],
        ..ApiVersionsResponse::default()
    }
}

#[test]
fn response_v0_bytes_by_hand() {
    assert_eq!(&ours_encoded(&unsupported_v0(), 0)[..], UNSUPPORTED_V0);
}

#[test]
fn response_v1_bytes_by_hand() {
    let m = ApiVersionsResponse {
        throttle_time_ms: -1,
        ..unsupported_v0()
    };
    let mut expected = UNSUPPORTED_V0.to_vec();
    expected.extend_from_slice(&[0xff, 0xff, 0xff, 0xff]);
    assert_eq!(&ours_encoded(&m, 1)[..], &expected[..]);
}

#[rustfmt::skip]
const REQUEST_V3: &[u8] = &[
    0x0d, b'k', b'a', b'f', b'k', b'a', b'-', b's', b'a', b'n', b's', b'i', b'o',
    0x06, b'0', b'.', b'1', b'.', b'0',
    0x00,                               // no tagged fields
];

#[test]
fn request_v3_bytes_by_hand() {
    let m = ApiVersionsRequest {
        client_software_name: "kafka-sansio".into(),
        client_software_version: "0.1.0".into(),
        ..ApiVersionsRequest::default()
    };
    assert_eq!(&ours_encoded(&m, 3)[..], REQUEST_V3);
    assert_eq!(&ours_encoded(&m, 4)[..], REQUEST_V3);
    // The software name is ignorable: v0-2 bodies are empty.
    for v in 0..=2 {
        assert!(ours_encoded(&m, v).is_empty(), "v{v}");
    }
}

#[test]
fn fallback_reads_hand_written_v0_body_at_every_version() {
    for asked in 0..=4 {
        let (m, read_as) =
            ApiVersionsResponse::decode_with_fallback(Bytes::from_static(UNSUPPORTED_V0), asked)
                .unwrap();
        assert_eq!((m, read_as), (unsupported_v0(), 0), "asked v{asked}");
    }
}

#[test]
fn fallback_reads_a_frame_with_v0_header() {
    let mut frame = vec![0x00, 0x00, 0x30, 0x39]; // correlation id 12345, header v0
    frame.extend_from_slice(UNSUPPORTED_V0);
    let (header, body, read_as) =
        ApiVersionsResponse::decode_frame_with_fallback(Bytes::from(frame), 4).unwrap();
    assert_eq!(header.correlation_id, 12345);
    assert_eq!((body, read_as), (unsupported_v0(), 0));
}

#[test]
fn fallback_reports_the_error_of_the_asked_version() {
    // Neither a v3 nor a v0 body: the error is v3's.
    let garbage = Bytes::from_static(&[0x00, 0x00, 0x05]);
    let err = ApiVersionsResponse::decode_with_fallback(garbage.clone(), 3).unwrap_err();
    let mut r = Reader::new(garbage);
    assert_eq!(Some(err), ApiVersionsResponse::decode(&mut r, 3).err());
    // Trailing bytes after a valid v0 body are not accepted either.
    let mut long = UNSUPPORTED_V0.to_vec();
    long.push(0);
    assert!(ApiVersionsResponse::decode_with_fallback(Bytes::from(long.clone()), 0).is_err());
    assert!(ApiVersionsResponse::decode_with_fallback(Bytes::from(long), 2).is_err());
}

#[test]
fn retry_version_follows_the_broker() {
    let m = unsupported_v0(); // broker speaks ApiVersions 0-3
    assert_eq!(m.retry_version(4), Some(3));
    // Never the version that was just refused, nor higher.
    assert_eq!(m.retry_version(3), Some(2));
    assert_eq!(m.retry_version(0), None);
    // A pre-2.4 broker lists nothing: fall back to v0, like Java.
    let old = ApiVersionsResponse {
        api_keys: vec![],
        ..unsupported_v0()
    };
    assert_eq!(old.retry_version(4), Some(0));
    // No error, no retry.
    let ok = ApiVersionsResponse::default();
    assert_eq!(ok.retry_version(4), None);
    assert_eq!(
        m.find(ApiKey::API_VERSIONS).map(ApiVersion::range),
        Some(kafka_sansio::protocol::VersionRange { min: 0, max: 3 })
    );
}

#[test]
fn ignorable_fields_are_dropped_before_their_version() {
    let m = full_response_v3();
    // v0-2 have no tagged fields and v0 no throttle time: all ignorable.
    let v0 = ours_encoded(&m, 0);
    let mut r = Reader::new(v0);
    let back = ApiVersionsResponse::decode(&mut r, 0).unwrap();
    assert_eq!(back.api_keys, m.api_keys);
    assert_eq!(back.throttle_time_ms, 0);
    assert_eq!(back.finalized_features_epoch, -1);
    assert!(back.supported_features.is_empty() && !back.zk_migration_ready);
    let v2 = ours_encoded(&m, 2);
    assert_eq!(v2.len(), 2 + 4 + 6 + 4);
}

#[test]
fn unknown_tagged_fields_are_refused_before_v3() {
    let tags = one_unknown_tag(9);
    let req = ApiVersionsRequest {
        unknown_tagged_fields: tags.clone(),
        ..ApiVersionsRequest::default()
    };
    let resp = ApiVersionsResponse {
        unknown_tagged_fields: tags.clone(),
        ..ApiVersionsResponse::default()
    };
    let nested = ApiVersionsResponse {
        api_keys: vec![ApiVersion {
            unknown_tagged_fields: tags,
            ..ApiVersion::default()
        }],
        ..ApiVersionsResponse::default()
    };
    for v in 0..=2 {
        assert_tags_refused(&req, v);
        assert_tags_refused(&resp, v);
        assert_tags_refused(&nested, v);
    }
    // From v3 they are written.
    roundtrip(&req, 3);
    roundtrip(&resp, 3);
    roundtrip(&nested, 4);
}

#[test]
fn unsupported_versions_are_refused() {
    let mut buf = BytesMut::new();
    for v in [-1, 5] {
        assert!(matches!(
            ApiVersionsRequest::default().encode(&mut buf, v),
            Err(EncodeError::UnsupportedVersion { .. })
        ));
        assert!(matches!(
            ApiVersionsResponse::default().encode(&mut buf, v),
            Err(EncodeError::UnsupportedVersion { .. })
        ));
        let mut r = Reader::new(Bytes::from_static(UNSUPPORTED_V0));
        assert!(matches!(
            ApiVersionsResponse::decode(&mut r, v),
            Err(DecodeError::UnsupportedVersion { .. })
        ));
    }
    assert!(buf.is_empty());
}

#[test]
fn known_tag_with_wrong_size_is_rejected() {
    // Tag 3 (ZkMigrationReady, a bool) declared as 2 bytes.
    let body = [
        0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x02, 0x01, 0x00,
    ];
    let mut r = Reader::new(Bytes::copy_from_slice(&body));
    assert!(matches!(
        ApiVersionsResponse::decode(&mut r, 3),
        Err(DecodeError::TagSize { tag: 3, .. })
    ));
}
