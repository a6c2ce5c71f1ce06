//! Request and response headers: proptest round trips in every header
//! version and agreement with the independent `kafka-protocol` codec.

mod common;

use bytes::BytesMut;
use common::{
    oracle_decoded, oracle_encoded, sb, st, tags_from_oracle, tags_to_oracle, unknown_tags,
};
use kafka_protocol::messages as kp;
use kafka_sansio::protocol::{Reader, RequestHeader, ResponseHeader, UnknownTaggedFields};
use proptest::prelude::*;

fn request_header(flexible: bool) -> impl Strategy<Value = RequestHeader> {
    (
        any::<i16>(),
        any::<i16>(),
        any::<i32>(),
        proptest::option::of("[a-zA-Z0-9._-]{0,30}"),
        unknown_tags(0),
    )
        .prop_map(
            move |(api_key, api_version, correlation_id, client_id, tags)| RequestHeader {
                api_key,
                api_version,
                correlation_id,
                client_id,
                unknown_tagged_fields: if flexible {
                    tags
                } else {
                    UnknownTaggedFields::default()
                },
            },
        )
}

fn response_header(flexible: bool) -> impl Strategy<Value = ResponseHeader> {
    (any::<i32>(), unknown_tags(0)).prop_map(move |(correlation_id, tags)| ResponseHeader {
        correlation_id,
        unknown_tagged_fields: if flexible {
            tags
        } else {
            UnknownTaggedFields::default()
        },
    })
}

proptest! {
    #[test]
    fn request_headers_round_trip_and_match_the_oracle(
        (flexible, h) in any::<bool>().prop_flat_map(|f| (Just(f), request_header(f)))
    ) {
        let version = if flexible { 2 } else { 1 };
        let mut buf = BytesMut::new();
        h.encode(&mut buf, flexible).unwrap();
        let bytes = buf.freeze();
        let mut r = Reader::new(bytes.clone());
        prop_assert_eq!(&RequestHeader::decode(&mut r, flexible).unwrap(), &h);
        prop_assert!(r.is_empty());

        let theirs: kp::RequestHeader = oracle_decoded(bytes, version);
        prop_assert_eq!(theirs.request_api_key, h.api_key);
        prop_assert_eq!(theirs.request_api_version, h.api_version);
        prop_assert_eq!(theirs.correlation_id, h.correlation_id);
        prop_assert_eq!(theirs.client_id.as_ref().map(st), h.client_id.clone());
        prop_assert_eq!(tags_from_oracle(&theirs.unknown_tagged_fields), h.unknown_tagged_fields.clone());

        let oracle = kp::RequestHeader::default()
            .with_request_api_key(h.api_key)
            .with_request_api_version(h.api_version)
            .with_correlation_id(h.correlation_id)
            .with_client_id(h.client_id.as_deref().map(sb))
            .with_unknown_tagged_fields(tags_to_oracle(&h.unknown_tagged_fields));
        let mut r = Reader::new(oracle_encoded(&oracle, version));
        prop_assert_eq!(&RequestHeader::decode(&mut r, flexible).unwrap(), &h);
        prop_assert!(r.is_empty());
    }

    #[test]
    fn response_headers_round_trip_and_match_the_oracle(
        (version, h) in (0i16..=1).prop_flat_map(|v| (Just(v), response_header(v == 1)))
    ) {
        let mut buf = BytesMut::new();
        h.encode(&mut buf, version).unwrap();
        let bytes = buf.freeze();
        let mut r = Reader::new(bytes.clone());
        prop_assert_eq!(&ResponseHeader::decode(&mut r, version).unwrap(), &h);
        prop_assert!(r.is_empty());

        let theirs: kp::ResponseHeader = oracle_decoded(bytes, version);
        prop_assert_eq!(theirs.correlation_id, h.correlation_id);
        prop_assert_eq!(tags_from_oracle(&theirs.unknown_tagged_fields), h.unknown_tagged_fields.clone());
        let oracle = kp::ResponseHeader::default()
            .with_correlation_id(h.correlation_id)
            .with_unknown_tagged_fields(tags_to_oracle(&h.unknown_tagged_fields));
        let mut r = Reader::new(oracle_encoded(&oracle, version));
        prop_assert_eq!(&ResponseHeader::decode(&mut r, version).unwrap(), &h);
        prop_assert!(r.is_empty());
    }
}

#[test]
fn client_id_keeps_its_classic_length_in_header_v2() {
    // api key 3, version 12, correlation 7, client id "ab" as int16 length
    // (not compact), then an empty tagged-field section.
    let h = RequestHeader {
        api_key: 3,
        api_version: 12,
        correlation_id: 7,
        client_id: Some("ab".into()),
        ..RequestHeader::default()
    };
    let mut buf = BytesMut::new();
    h.encode(&mut buf, true).unwrap();
    assert_eq!(&buf[..], &[0, 3, 0, 12, 0, 0, 0, 7, 0, 2, b'a', b'b', 0]);
}
