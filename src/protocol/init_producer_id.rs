//! InitProducerId (API key 22), versions 0-5: asks a broker for a producer
//! id and epoch, which an idempotent producer stamps on every batch.
//!
//! Flexible from v2. v3 adds `ProducerId`/`ProducerEpoch` to the request so
//! a producer can bump its epoch (KIP-360).
//!
//! As in Java, unknown tagged fields set on a message are refused with
//! [`EncodeError::FieldNotInVersion`] in v0-v1, which have no tagged-field
//! section, rather than dropped.

use bytes::{BufMut, BytesMut};

use super::wire::{put_nullable_string, put_struct_tags};
use super::{
    ApiKey, ApiMessage, Decode, DecodeError, Encode, EncodeError, ErrorCode, Reader, Request,
    UnknownTaggedFields, VersionRange, check_decode_version, check_encode_version,
};

/// Request for a producer id and epoch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InitProducerIdRequest {
    /// The transactional id, or `None` for an idempotent-only producer.
    pub transactional_id: Option<String>,
    /// Transaction timeout; only meaningful with a transactional id.
    pub transaction_timeout_ms: i32,
    /// The current producer id when bumping the epoch (v3+), else -1.
    pub producer_id: i64,
    /// The current epoch when bumping it (v3+), else -1.
    pub producer_epoch: i16,
    /// Tagged fields this crate does not know (v2+).
    pub unknown_tagged_fields: UnknownTaggedFields,
}

impl Default for InitProducerIdRequest {
    fn default() -> Self {
        Self {
            transactional_id: None,
            transaction_timeout_ms: 0,
            producer_id: -1,
            producer_epoch: -1,
            unknown_tagged_fields: UnknownTaggedFields::default(),
        }
    }
}

impl ApiMessage for InitProducerIdRequest {
    const API_KEY: ApiKey = ApiKey::INIT_PRODUCER_ID;
    const VERSIONS: VersionRange = VersionRange { min: 0, max: 5 };
    const FLEXIBLE_FROM: i16 = 2;
}

impl Request for InitProducerIdRequest {
    type Response = InitProducerIdResponse;
}

impl Encode for InitProducerIdRequest {
    fn encode(&self, buf: &mut BytesMut, version: i16) -> Result<(), EncodeError> {
        check_encode_version::<Self>(version)?;
        let flexible = Self::is_flexible(version);
        put_nullable_string(
            buf,
            "transactional id",
            self.transactional_id.as_deref(),
            flexible,
        )?;
        buf.put_i32(self.transaction_timeout_ms);
        if version >= 3 {
            buf.put_i64(self.producer_id);
            buf.put_i16(self.producer_epoch);
        } else if self.producer_id != -1 || self.producer_epoch != -1 {
            return Err(EncodeError::FieldNotInVersion {
                field: "producer id/epoch",
                version,
            });
        }
        put_struct_tags(
            buf,
            &self.unknown_tagged_fields,
            flexible,
            version,
            "unknown tagged fields",
        )
    }
}

impl Decode for InitProducerIdRequest {
    fn decode(r: &mut Reader, version: i16) -> Result<Self, DecodeError> {
        check_decode_version::<Self>(version)?;
        let flexible = Self::is_flexible(version);
        let mut req = Self {
            transactional_id: r.nullable_string("transactional id", flexible)?,
            transaction_timeout_ms: r.i32("transaction timeout")?,
            ..Self::default()
        };
        if version >= 3 {
            req.producer_id = r.i64("producer id")?;
            req.producer_epoch = r.i16("producer epoch")?;
        }
        req.unknown_tagged_fields = r.struct_tags(flexible)?;
        Ok(req)
    }
}

/// The broker's answer: a producer id and epoch, or an error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InitProducerIdResponse {
    /// How long the request was throttled by a quota, in ms.
    pub throttle_time_ms: i32,
    /// `NONE` on success.
    pub error_code: ErrorCode,
    /// The producer id.
    pub producer_id: i64,
    /// The producer epoch.
    pub producer_epoch: i16,
    /// Tagged fields this crate does not know (v2+).
    pub unknown_tagged_fields: UnknownTaggedFields,
}

impl Default for InitProducerIdResponse {
    fn default() -> Self {
        Self {
            throttle_time_ms: 0,
            error_code: ErrorCode::NONE,
            producer_id: -1,
            producer_epoch: 0,
            unknown_tagged_fields: UnknownTaggedFields::default(),
        }
    }
}

impl ApiMessage for InitProducerIdResponse {
    const API_KEY: ApiKey = ApiKey::INIT_PRODUCER_ID;
    const VERSIONS: VersionRange = InitProducerIdRequest::VERSIONS;
    const FLEXIBLE_FROM: i16 = InitProducerIdRequest::FLEXIBLE_FROM;
}

impl Encode for InitProducerIdResponse {
    fn encode(&self, buf: &mut BytesMut, version: i16) -> Result<(), EncodeError> {
        check_encode_version::<Self>(version)?;
        buf.put_i32(self.throttle_time_ms);
        buf.put_i16(self.error_code.0);
        buf.put_i64(self.producer_id);
        buf.put_i16(self.producer_epoch);
        put_struct_tags(
            buf,
            &self.unknown_tagged_fields,
            Self::is_flexible(version),
            version,
            "unknown tagged fields",
        )
    }
}

impl Decode for InitProducerIdResponse {
    fn decode(r: &mut Reader, version: i16) -> Result<Self, DecodeError> {
        check_decode_version::<Self>(version)?;
        Ok(Self {
            throttle_time_ms: r.i32("throttle time")?,
            error_code: ErrorCode(r.i16("error code")?),
            producer_id: r.i64("producer id")?,
            producer_epoch: r.i16("producer epoch")?,
            unknown_tagged_fields: r.struct_tags(Self::is_flexible(version))?,
        })
    }
}
