//! ApiVersions (API key 18), versions 0-4: asks a broker which versions of
//! each API it speaks. A client sends it first on every connection.
//!
//! - v0-v2 have an empty request. v1 adds `ThrottleTimeMs` to the response;
//!   v2 changes only broker behaviour (respond before throttling).
//! - v3 is the first flexible version. The request gains
//!   `ClientSoftwareName`/`ClientSoftwareVersion` (KIP-511); the response
//!   gains the tagged fields `SupportedFeatures` (0),
//!   `FinalizedFeaturesEpoch` (1), `FinalizedFeatures` (2) and
//!   `ZkMigrationReady` (3).
//! - v4 has the same layout as v3 (it lets `SupportedFeatures.MinVersion`
//!   be 0, KAFKA-17011).
//!
//! Kafka 4.4 also defines v5 (KIP-1242), which this crate does not speak:
//! its request adds two regular (untagged) fields, `ClusterId` and
//! `NodeId`, so its layout differs from v4; its response layout is v4's.
//! Negotiation picks v4 against a 4.4 broker.
//!
//! Two rules set ApiVersions apart. Its response header is always v0 (see
//! [`super::header::response_header_version`]), and a broker that does not
//! speak the requested version answers with a **v0** body carrying
//! `UNSUPPORTED_VERSION` and, since Kafka 2.4, its own ApiVersions range.
//! [`ApiVersionsResponse::decode_with_fallback`] reads such a body the way
//! the Java client does, and [`ApiVersionsResponse::retry_version`] says
//! which version to retry with.

use bytes::{BufMut, Bytes, BytesMut};

use super::wire::{
    TaggedFieldsWriter, put_array, put_bool, put_string, put_struct_tags,
    put_unknown_tagged_fields, refuse_unknown_tags,
};
use super::{
    ApiKey, ApiMessage, Decode, DecodeError, Encode, EncodeError, ErrorCode, Reader, Request,
    ResponseHeader, UnknownTaggedFields, VersionRange, check_decode_version, check_encode_version,
};

/// Request for the versions a broker speaks.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ApiVersionsRequest {
    /// The client's name, for broker metrics (v3+; dropped silently
    /// before, as the schema marks it ignorable).
    pub client_software_name: String,
    /// The client's version, for broker metrics (v3+; ignorable).
    pub client_software_version: String,
    /// Tagged fields this crate does not know (v3+).
    pub unknown_tagged_fields: UnknownTaggedFields,
}

impl ApiMessage for ApiVersionsRequest {
    const API_KEY: ApiKey = ApiKey::API_VERSIONS;
    const VERSIONS: VersionRange = VersionRange { min: 0, max: 4 };
    const FLEXIBLE_FROM: i16 = 3;
}

impl Request for ApiVersionsRequest {
    type Response = ApiVersionsResponse;
}

impl Encode for ApiVersionsRequest {
    fn encode(&self, buf: &mut BytesMut, version: i16) -> Result<(), EncodeError> {
        check_encode_version::<Self>(version)?;
        let flexible = Self::is_flexible(version);
        if flexible {
            put_string(
                buf,
                "client software name",
                &self.client_software_name,
                true,
            )?;
            put_string(
                buf,
                "client software version",
                &self.client_software_version,
                true,
            )?;
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

impl Decode for ApiVersionsRequest {
    fn decode(r: &mut Reader, version: i16) -> Result<Self, DecodeError> {
        check_decode_version::<Self>(version)?;
        if !Self::is_flexible(version) {
            return Ok(Self::default());
        }
        Ok(Self {
            client_software_name: r.string("client software name", true)?,
            client_software_version: r.string("client software version", true)?,
            unknown_tagged_fields: r.unknown_tagged_fields()?,
        })
    }
}

/// One API the broker speaks and its range of versions.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ApiVersion {
    /// The API key.
    pub api_key: i16,
    /// Lowest version the broker speaks, inclusive.
    pub min_version: i16,
    /// Highest version the broker speaks, inclusive.
    pub max_version: i16,
    /// Tagged fields this crate does not know (v3+).
    pub unknown_tagged_fields: UnknownTaggedFields,
}

impl ApiVersion {
    /// The API as an [`ApiKey`].
    pub fn key(&self) -> ApiKey {
        ApiKey(self.api_key)
    }

    /// The broker's versions as a [`VersionRange`].
    pub fn range(&self) -> VersionRange {
        VersionRange {
            min: self.min_version,
            max: self.max_version,
        }
    }

    fn encode(&self, buf: &mut BytesMut, version: i16) -> Result<(), EncodeError> {
        buf.put_i16(self.api_key);
        buf.put_i16(self.min_version);
        buf.put_i16(self.max_version);
        put_struct_tags(
            buf,
            &self.unknown_tagged_fields,
            ApiVersionsResponse::is_flexible(version),
            version,
            "api key unknown tagged fields",
        )
    }

    fn decode(r: &mut Reader, version: i16) -> Result<Self, DecodeError> {
        Ok(Self {
            api_key: r.i16("api key")?,
            min_version: r.i16("api min version")?,
            max_version: r.i16("api max version")?,
            unknown_tagged_fields: r.struct_tags(ApiVersionsResponse::is_flexible(version))?,
        })
    }
}

/// A feature the broker supports (tagged field 0, v3+).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SupportedFeatureKey {
    /// The feature's name.
    pub name: String,
    /// Lowest supported version of the feature.
    pub min_version: i16,
    /// Highest supported version of the feature.
    pub max_version: i16,
    /// Tagged fields this crate does not know.
    pub unknown_tagged_fields: UnknownTaggedFields,
}

impl SupportedFeatureKey {
    // Only ever written inside a tagged field, so always flexible.
    fn encode(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        put_string(buf, "supported feature name", &self.name, true)?;
        buf.put_i16(self.min_version);
        buf.put_i16(self.max_version);
        put_unknown_tagged_fields(buf, &self.unknown_tagged_fields)
    }

    fn decode(r: &mut Reader) -> Result<Self, DecodeError> {
        Ok(Self {
            name: r.string("supported feature name", true)?,
            min_version: r.i16("supported feature min version")?,
            max_version: r.i16("supported feature max version")?,
            unknown_tagged_fields: r.unknown_tagged_fields()?,
        })
    }
}

/// A cluster-wide finalized feature level (tagged field 2, v3+).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FinalizedFeatureKey {
    /// The feature's name.
    pub name: String,
    /// The finalized maximum version level. Note the schema puts the max
    /// before the min on the wire.
    pub max_version_level: i16,
    /// The finalized minimum version level.
    pub min_version_level: i16,
    /// Tagged fields this crate does not know.
    pub unknown_tagged_fields: UnknownTaggedFields,
}

impl FinalizedFeatureKey {
    // Only ever written inside a tagged field, so always flexible.
    fn encode(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        put_string(buf, "finalized feature name", &self.name, true)?;
        buf.put_i16(self.max_version_level);
        buf.put_i16(self.min_version_level);
        put_unknown_tagged_fields(buf, &self.unknown_tagged_fields)
    }

    fn decode(r: &mut Reader) -> Result<Self, DecodeError> {
        Ok(Self {
            name: r.string("finalized feature name", true)?,
            max_version_level: r.i16("finalized feature max version level")?,
            min_version_level: r.i16("finalized feature min version level")?,
            unknown_tagged_fields: r.unknown_tagged_fields()?,
        })
    }
}

/// The broker's answer: the APIs and versions it speaks, plus (v3+) the
/// features it supports and has finalized.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiVersionsResponse {
    /// `NONE`, or `UNSUPPORTED_VERSION` when the broker did not speak the
    /// request's version (the body is then in v0).
    pub error_code: ErrorCode,
    /// The APIs the broker speaks.
    pub api_keys: Vec<ApiVersion>,
    /// How long the request was throttled by a quota, in ms (v1+;
    /// ignorable, so dropped silently in v0).
    pub throttle_time_ms: i32,
    /// Features the broker supports (tag 0, v3+).
    pub supported_features: Vec<SupportedFeatureKey>,
    /// Epoch of the finalized features, -1 when unknown (tag 1, v3+).
    pub finalized_features_epoch: i64,
    /// Cluster-wide finalized features, valid only when
    /// `finalized_features_epoch >= 0` (tag 2, v3+).
    pub finalized_features: Vec<FinalizedFeatureKey>,
    /// Set by a KRaft controller ready for ZK migration (tag 3, v3+).
    pub zk_migration_ready: bool,
    /// Tagged fields this crate does not know (v3+).
    pub unknown_tagged_fields: UnknownTaggedFields,
}

impl Default for ApiVersionsResponse {
    fn default() -> Self {
        Self {
            error_code: ErrorCode::NONE,
            api_keys: Vec::new(),
            throttle_time_ms: 0,
            supported_features: Vec::new(),
            finalized_features_epoch: -1,
            finalized_features: Vec::new(),
            zk_migration_ready: false,
            unknown_tagged_fields: UnknownTaggedFields::default(),
        }
    }
}

impl ApiMessage for ApiVersionsResponse {
    const API_KEY: ApiKey = ApiKey::API_VERSIONS;
    const VERSIONS: VersionRange = ApiVersionsRequest::VERSIONS;
    const FLEXIBLE_FROM: i16 = ApiVersionsRequest::FLEXIBLE_FROM;
}

impl Encode for ApiVersionsResponse {
    fn encode(&self, buf: &mut BytesMut, version: i16) -> Result<(), EncodeError> {
        check_encode_version::<Self>(version)?;
        let flexible = Self::is_flexible(version);
        buf.put_i16(self.error_code.0);
        put_array(buf, "api keys", &self.api_keys, flexible, |b, k| {
            k.encode(b, version)
        })?;
        if version >= 1 {
            buf.put_i32(self.throttle_time_ms);
        }
        if !flexible {
            // The known tagged fields are ignorable: dropped silently.
            return refuse_unknown_tags(
                &self.unknown_tagged_fields,
                version,
                "unknown tagged fields",
            );
        }
        let mut tags = TaggedFieldsWriter::new();
        if !self.supported_features.is_empty() {
            tags.field(0, |b| {
                put_array(
                    b,
                    "supported features",
                    &self.supported_features,
                    true,
                    |b, f| f.encode(b),
                )
            })?;
        }
        if self.finalized_features_epoch != -1 {
            tags.field(1, |b| {
                b.put_i64(self.finalized_features_epoch);
                Ok(())
            })?;
        }
        if !self.finalized_features.is_empty() {
            tags.field(2, |b| {
                put_array(
                    b,
                    "finalized features",
                    &self.finalized_features,
                    true,
                    |b, f| f.encode(b),
                )
            })?;
        }
        if self.zk_migration_ready {
            tags.field(3, |b| {
                put_bool(b, true);
                Ok(())
            })?;
        }
        tags.finish(buf, &self.unknown_tagged_fields)
    }
}

impl Decode for ApiVersionsResponse {
    fn decode(r: &mut Reader, version: i16) -> Result<Self, DecodeError> {
        check_decode_version::<Self>(version)?;
        let flexible = Self::is_flexible(version);
        let mut resp = Self {
            error_code: ErrorCode(r.i16("error code")?),
            api_keys: r.array("api keys", flexible, |r| ApiVersion::decode(r, version))?,
            ..Self::default()
        };
        if version >= 1 {
            resp.throttle_time_ms = r.i32("throttle time")?;
        }
        if flexible {
            let mut supported = Vec::new();
            let mut epoch = -1;
            let mut finalized = Vec::new();
            let mut zk_ready = false;
            resp.unknown_tagged_fields = r.tagged_fields(|tag, r| {
                match tag {
                    0 => {
                        supported =
                            r.array("supported features", true, SupportedFeatureKey::decode)?
                    }
                    1 => epoch = r.i64("finalized features epoch")?,
                    2 => {
                        finalized =
                            r.array("finalized features", true, FinalizedFeatureKey::decode)?
                    }
                    3 => zk_ready = r.bool("zk migration ready")?,
                    _ => return Ok(false),
                }
                Ok(true)
            })?;
            resp.supported_features = supported;
            resp.finalized_features_epoch = epoch;
            resp.finalized_features = finalized;
            resp.zk_migration_ready = zk_ready;
        }
        Ok(resp)
    }
}

impl ApiVersionsResponse {
    /// The broker's entry for `api`, if it lists one.
    pub fn find(&self, api: ApiKey) -> Option<&ApiVersion> {
        self.api_keys.iter().find(|k| k.api_key == api.0)
    }

    /// Decodes a complete response body sent in reply to a request of
    /// `version`, requiring every byte to be used. If that fails and
    /// `version` is not 0, decodes it again as v0, because a broker that
    /// does not speak `version` answers in v0 (as the Java client's
    /// `ApiVersionsResponse.parse` does). Returns the response and the
    /// version it was read in. When both attempts fail, the error is the
    /// one from `version`, the likelier intent of the bytes.
    ///
    /// A v0 body cannot be misread as a later version: v1 and v2 need four
    /// more bytes (the throttle time), and in v3+ the first byte of the v0
    /// int32 array count (0 for fewer than 2^24 entries) reads as a null
    /// compact array, which `ApiKeys` does not allow.
    pub fn decode_with_fallback(body: Bytes, version: i16) -> Result<(Self, i16), DecodeError> {
        let attempt = |v: i16| -> Result<Self, DecodeError> {
            let mut r = Reader::new(body.clone());
            let resp = Self::decode(&mut r, v)?;
            r.finish("ApiVersions response")?;
            Ok(resp)
        };
        match attempt(version) {
            Ok(resp) => Ok((resp, version)),
            Err(e) if version != 0 => attempt(0).map(|resp| (resp, 0)).map_err(|_| e),
            Err(e) => Err(e),
        }
    }

    /// Like [`super::frame::decode_response`] for ApiVersions, but with the
    /// v0 fallback of [`Self::decode_with_fallback`]. `frame` is the
    /// response without its size prefix; the header is read as v0, which
    /// ApiVersions always uses. Returns the header, the body and the
    /// version the body was read in.
    pub fn decode_frame_with_fallback(
        frame: Bytes,
        version: i16,
    ) -> Result<(ResponseHeader, Self, i16), DecodeError> {
        check_decode_version::<Self>(version)?;
        let mut r = Reader::new(frame);
        let header = ResponseHeader::decode(&mut r, 0)?;
        let (body, read_as) = Self::decode_with_fallback(r.take_rest(), version)?;
        Ok((header, body, read_as))
    }

    /// The version to retry ApiVersions with after this response answered a
    /// request of `sent_version`, or `None` when a retry would not help
    /// (no `UNSUPPORTED_VERSION` error, or `sent_version` was already 0).
    ///
    /// As in the Java client, this is the broker's own ApiVersions maximum
    /// when it lists one (Kafka 2.4+), else 0. It is kept below
    /// `sent_version` so a broker that lists a version it then refuses
    /// cannot make the client loop.
    pub fn retry_version(&self, sent_version: i16) -> Option<i16> {
        if self.error_code != ErrorCode::UNSUPPORTED_VERSION || sent_version <= 0 {
            return None;
        }
        let broker_max = self.find(ApiKey::API_VERSIONS).map_or(0, |k| k.max_version);
        Some(broker_max.clamp(0, sent_version - 1))
    }
}
