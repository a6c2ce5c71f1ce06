//! InitProducerId: proptest round trips for every version, agreement with
//! the independent `kafka-protocol` codec in both directions, and the
//! refusals.

mod common;

use common::{
    assert_tags_refused, check_against_oracle, in_any_version, one_unknown_tag, roundtrip, sb, st,
    tags_from_oracle, tags_to_oracle, unknown_tags_if,
};
use kafka_protocol::messages as kp;
use kafka_sansio::protocol::{
    ApiMessage, ErrorCode, InitProducerIdRequest, InitProducerIdResponse,
};
use proptest::prelude::*;

fn request(version: i16) -> impl Strategy<Value = InitProducerIdRequest> {
    let has_epoch = version >= 3;
    (
        proptest::option::of("[a-zA-Z0-9._-]{0,24}"),
        any::<i32>(),
        any::<i64>(),
        any::<i16>(),
        unknown_tags_if(InitProducerIdRequest::is_flexible(version), 0),
    )
        .prop_map(move |(transactional_id, timeout, id, epoch, unknown)| {
            InitProducerIdRequest {
                transactional_id,
                transaction_timeout_ms: timeout,
                producer_id: if has_epoch { id } else { -1 },
                producer_epoch: if has_epoch { epoch } else { -1 },
                unknown_tagged_fields: unknown,
            }
        })
}

fn response(version: i16) -> impl Strategy<Value = InitProducerIdResponse> {
    (
        any::<i32>(),
        any::<i16>(),
        any::<i64>(),
        any::<i16>(),
        unknown_tags_if(InitProducerIdResponse::is_flexible(version), 0),
    )
        .prop_map(
            |(throttle, code, id, epoch, unknown)| InitProducerIdResponse {
                throttle_time_ms: throttle,
                error_code: ErrorCode(code),
                producer_id: id,
                producer_epoch: epoch,
                unknown_tagged_fields: unknown,
            },
        )
}

fn request_to_oracle(m: &InitProducerIdRequest) -> kp::InitProducerIdRequest {
    kp::InitProducerIdRequest::default()
        .with_transactional_id(m.transactional_id.as_deref().map(|s| sb(s).into()))
        .with_transaction_timeout_ms(m.transaction_timeout_ms)
        .with_producer_id(m.producer_id.into())
        .with_producer_epoch(m.producer_epoch)
        .with_unknown_tagged_fields(tags_to_oracle(&m.unknown_tagged_fields))
}

fn request_from_oracle(t: &kp::InitProducerIdRequest) -> InitProducerIdRequest {
    InitProducerIdRequest {
        transactional_id: t.transactional_id.as_ref().map(|s| st(s)),
        transaction_timeout_ms: t.transaction_timeout_ms,
        producer_id: t.producer_id.0,
        producer_epoch: t.producer_epoch,
        unknown_tagged_fields: tags_from_oracle(&t.unknown_tagged_fields),
    }
}

fn response_to_oracle(m: &InitProducerIdResponse) -> kp::InitProducerIdResponse {
    kp::InitProducerIdResponse::default()
        .with_throttle_time_ms(m.throttle_time_ms)
        .with_error_code(m.error_code.0)
        .with_producer_id(m.producer_id.into())
        .with_producer_epoch(m.producer_epoch)
        .with_unknown_tagged_fields(tags_to_oracle(&m.unknown_tagged_fields))
}

fn response_from_oracle(t: &kp::InitProducerIdResponse) -> InitProducerIdResponse {
    InitProducerIdResponse {
        throttle_time_ms: t.throttle_time_ms,
        error_code: ErrorCode(t.error_code),
        producer_id: t.producer_id.0,
        producer_epoch: t.producer_epoch,
        unknown_tagged_fields: tags_from_oracle(&t.unknown_tagged_fields),
    }
}

proptest! {
    #[test]
    fn request_round_trips((v, m) in in_any_version::<InitProducerIdRequest, _>(request)) {
        roundtrip(&m, v);
        check_against_oracle(&m, v, request_to_oracle, request_from_oracle);
    }

    #[test]
    fn response_round_trips((v, m) in in_any_version::<InitProducerIdResponse, _>(response)) {
        roundtrip(&m, v);
        check_against_oracle(&m, v, response_to_oracle, response_from_oracle);
    }
}

#[test]
fn epoch_fields_are_refused_before_v3() {
    let m = InitProducerIdRequest {
        producer_id: 7,
        producer_epoch: 1,
        ..InitProducerIdRequest::default()
    };
    let mut buf = bytes::BytesMut::new();
    let err = kafka_sansio::protocol::Encode::encode(&m, &mut buf, 2).unwrap_err();
    assert!(err.to_string().contains("producer id"), "{err}");
}

#[test]
fn unknown_tagged_fields_are_refused_before_v2() {
    let req = InitProducerIdRequest {
        unknown_tagged_fields: one_unknown_tag(4),
        ..InitProducerIdRequest::default()
    };
    let resp = InitProducerIdResponse {
        unknown_tagged_fields: one_unknown_tag(4),
        ..InitProducerIdResponse::default()
    };
    for v in 0..2 {
        assert_tags_refused(&req, v);
        assert_tags_refused(&resp, v);
    }
    // From v2 they are written.
    for v in 2..=5 {
        roundtrip(&req, v);
        roundtrip(&resp, v);
    }
}
