//! Request and response headers.
//!
//! A request header is v1 for non-flexible request versions and v2 (with a
//! tagged-field section) for flexible ones; `ClientId` is a classic int16
//! string in both. A response header is v0 (correlation id only), or v1
//! (plus tagged fields) for flexible versions, except ApiVersions, whose
//! response header is always v0 so that a client that does not yet know
//! the broker's versions can read it.

use bytes::BufMut;
use bytes::BytesMut;

use super::wire::{put_nullable_string, put_unknown_tagged_fields};
use super::{ApiKey, ApiMessage, DecodeError, EncodeError, Reader, UnknownTaggedFields};

/// The header in front of every request body.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RequestHeader {
    /// Which API the body belongs to.
    pub api_key: i16,
    /// Which version of that API the body is written in.
    pub api_version: i16,
    /// Echoed by the broker so the client can match the response.
    pub correlation_id: i32,
    /// The client's id, for broker logs and quotas.
    pub client_id: Option<String>,
    /// Tagged fields this crate does not know (flexible versions only).
    pub unknown_tagged_fields: UnknownTaggedFields,
}

impl RequestHeader {
    /// Writes the header: v2 when `flexible`, else v1.
    pub fn encode(&self, buf: &mut BytesMut, flexible: bool) -> Result<(), EncodeError> {
        buf.put_i16(self.api_key);
        buf.put_i16(self.api_version);
        buf.put_i32(self.correlation_id);
        // ClientId keeps the classic int16 length even in header v2.
        put_nullable_string(buf, "client id", self.client_id.as_deref(), false)?;
        if flexible {
            put_unknown_tagged_fields(buf, &self.unknown_tagged_fields)?;
        }
        Ok(())
    }

    /// Reads a header: v2 when `flexible`, else v1.
    pub fn decode(r: &mut Reader, flexible: bool) -> Result<Self, DecodeError> {
        let api_key = r.i16("api key")?;
        let api_version = r.i16("api version")?;
        let correlation_id = r.i32("correlation id")?;
        let client_id = r.nullable_string("client id", false)?;
        let unknown_tagged_fields = if flexible {
            r.unknown_tagged_fields()?
        } else {
            UnknownTaggedFields::default()
        };
        Ok(Self {
            api_key,
            api_version,
            correlation_id,
            client_id,
            unknown_tagged_fields,
        })
    }

    /// The API key and version at the front of a request frame, read
    /// without consuming it, so a server can pick the body's decoder (and
    /// the header's version) before decoding the header.
    pub fn peek_api(frame: &[u8]) -> Option<(ApiKey, i16)> {
        let key = i16::from_be_bytes(frame.get(0..2)?.try_into().ok()?);
        let version = i16::from_be_bytes(frame.get(2..4)?.try_into().ok()?);
        Some((ApiKey(key), version))
    }
}

/// The header in front of every response body.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ResponseHeader {
    /// The request's correlation id.
    pub correlation_id: i32,
    /// Tagged fields this crate does not know (header v1 only).
    pub unknown_tagged_fields: UnknownTaggedFields,
}

impl ResponseHeader {
    /// Writes the header in `header_version` (0 or 1).
    pub fn encode(&self, buf: &mut BytesMut, header_version: i16) -> Result<(), EncodeError> {
        buf.put_i32(self.correlation_id);
        if header_version >= 1 {
            put_unknown_tagged_fields(buf, &self.unknown_tagged_fields)?;
        }
        Ok(())
    }

    /// Reads a header in `header_version` (0 or 1).
    pub fn decode(r: &mut Reader, header_version: i16) -> Result<Self, DecodeError> {
        let correlation_id = r.i32("correlation id")?;
        let unknown_tagged_fields = if header_version >= 1 {
            r.unknown_tagged_fields()?
        } else {
            UnknownTaggedFields::default()
        };
        Ok(Self {
            correlation_id,
            unknown_tagged_fields,
        })
    }
}

/// The response header version that goes with version `version` of `M`.
pub fn response_header_version<M: ApiMessage>(version: i16) -> i16 {
    if M::API_KEY == ApiKey::API_VERSIONS || !M::is_flexible(version) {
        0
    } else {
        1
    }
}
