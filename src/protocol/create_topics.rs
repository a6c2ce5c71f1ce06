//! CreateTopics (API key 19), versions 2-7: asks the controller (through
//! any broker) to create topics.
//!
//! Versions 0-1 were removed in Kafka 4.0, so v2 is the baseline and
//! `ValidateOnly` (v1+), the per-topic `ErrorMessage` (v1+) and the
//! response's `ThrottleTimeMs` (v2+) are always present.
//!
//! - v3 and v4 change only broker behaviour (respond before throttling;
//!   v4 lets `NumPartitions`/`ReplicationFactor` be -1 without
//!   assignments, KIP-464).
//! - v5 is the first flexible version, and the response returns each
//!   topic's `NumPartitions`, `ReplicationFactor` and `Configs`, or the
//!   tagged `TopicConfigErrorCode` (tag 0) when it could not (KIP-525).
//! - v6 has v5's layout (may return `THROTTLING_QUOTA_EXCEEDED`, KIP-599).
//! - v7 adds the new topic's `TopicId` to the response.
//!
//! Every response field that older versions lack is ignorable, so a
//! response written in an older version silently drops it.

use bytes::{BufMut, BytesMut};

use super::wire::{
    TaggedFieldsWriter, put_array, put_bool, put_i32_array, put_nullable_array,
    put_nullable_string, put_string, put_struct_tags, put_unknown_tagged_fields, put_uuid,
    refuse_unknown_tags,
};
use super::{
    ApiKey, ApiMessage, Decode, DecodeError, Encode, EncodeError, ErrorCode, Reader, Request,
    UnknownTaggedFields, Uuid, VersionRange, check_decode_version, check_encode_version,
};

/// Request to create topics.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CreateTopicsRequest {
    /// The topics to create.
    pub topics: Vec<CreatableTopic>,
    /// How long to wait for the creation to finish, in ms.
    pub timeout_ms: i32,
    /// If true, only check that the topics could be created.
    pub validate_only: bool,
    /// Tagged fields this crate does not know (v5+).
    pub unknown_tagged_fields: UnknownTaggedFields,
}

impl Default for CreateTopicsRequest {
    fn default() -> Self {
        Self {
            topics: Vec::new(),
            timeout_ms: 60_000,
            validate_only: false,
            unknown_tagged_fields: UnknownTaggedFields::default(),
        }
    }
}

/// One topic to create.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CreatableTopic {
    /// The topic's name.
    pub name: String,
    /// Number of partitions, or -1 for a manual assignment or the broker's
    /// default.
    pub num_partitions: i32,
    /// Replicas per partition, or -1 for a manual assignment or the
    /// broker's default.
    pub replication_factor: i16,
    /// A manual partition assignment, or empty for an automatic one.
    pub assignments: Vec<CreatableReplicaAssignment>,
    /// Topic configurations to set.
    pub configs: Vec<CreatableTopicConfig>,
    /// Tagged fields this crate does not know (v5+).
    pub unknown_tagged_fields: UnknownTaggedFields,
}

/// The replicas of one partition in a manual assignment.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CreatableReplicaAssignment {
    /// The partition.
    pub partition_index: i32,
    /// The brokers to place its replicas on.
    pub broker_ids: Vec<i32>,
    /// Tagged fields this crate does not know (v5+).
    pub unknown_tagged_fields: UnknownTaggedFields,
}

/// One configuration to set on a new topic.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CreatableTopicConfig {
    /// The configuration's name.
    pub name: String,
    /// Its value, or `None` for null.
    pub value: Option<String>,
    /// Tagged fields this crate does not know (v5+).
    pub unknown_tagged_fields: UnknownTaggedFields,
}

impl ApiMessage for CreateTopicsRequest {
    const API_KEY: ApiKey = ApiKey::CREATE_TOPICS;
    const VERSIONS: VersionRange = VersionRange { min: 2, max: 7 };
    const FLEXIBLE_FROM: i16 = 5;
}

impl Request for CreateTopicsRequest {
    type Response = CreateTopicsResponse;
}

impl CreatableTopic {
    fn encode(&self, buf: &mut BytesMut, version: i16) -> Result<(), EncodeError> {
        let flexible = CreateTopicsRequest::is_flexible(version);
        put_string(buf, "topic name", &self.name, flexible)?;
        buf.put_i32(self.num_partitions);
        buf.put_i16(self.replication_factor);
        put_array(buf, "assignments", &self.assignments, flexible, |b, a| {
            a.encode(b, version)
        })?;
        put_array(buf, "configs", &self.configs, flexible, |b, c| {
            c.encode(b, version)
        })?;
        put_struct_tags(
            buf,
            &self.unknown_tagged_fields,
            flexible,
            version,
            "topic unknown tagged fields",
        )
    }

    fn decode(r: &mut Reader, version: i16) -> Result<Self, DecodeError> {
        let flexible = CreateTopicsRequest::is_flexible(version);
        Ok(Self {
            name: r.string("topic name", flexible)?,
            num_partitions: r.i32("num partitions")?,
            replication_factor: r.i16("replication factor")?,
            assignments: r.array("assignments", flexible, |r| {
                CreatableReplicaAssignment::decode(r, version)
            })?,
            configs: r.array("configs", flexible, |r| {
                CreatableTopicConfig::decode(r, version)
            })?,
            unknown_tagged_fields: r.struct_tags(flexible)?,
        })
    }
}

impl CreatableReplicaAssignment {
    fn encode(&self, buf: &mut BytesMut, version: i16) -> Result<(), EncodeError> {
        let flexible = CreateTopicsRequest::is_flexible(version);
        buf.put_i32(self.partition_index);
        put_i32_array(buf, "broker ids", &self.broker_ids, flexible)?;
        put_struct_tags(
            buf,
            &self.unknown_tagged_fields,
            flexible,
            version,
            "assignment unknown tagged fields",
        )
    }

    fn decode(r: &mut Reader, version: i16) -> Result<Self, DecodeError> {
        let flexible = CreateTopicsRequest::is_flexible(version);
        Ok(Self {
            partition_index: r.i32("assignment partition index")?,
            broker_ids: r.i32_array("broker ids", "broker id", flexible)?,
            unknown_tagged_fields: r.struct_tags(flexible)?,
        })
    }
}

impl CreatableTopicConfig {
    fn encode(&self, buf: &mut BytesMut, version: i16) -> Result<(), EncodeError> {
        let flexible = CreateTopicsRequest::is_flexible(version);
        put_string(buf, "config name", &self.name, flexible)?;
        put_nullable_string(buf, "config value", self.value.as_deref(), flexible)?;
        put_struct_tags(
            buf,
            &self.unknown_tagged_fields,
            flexible,
            version,
            "config unknown tagged fields",
        )
    }

    fn decode(r: &mut Reader, version: i16) -> Result<Self, DecodeError> {
        let flexible = CreateTopicsRequest::is_flexible(version);
        Ok(Self {
            name: r.string("config name", flexible)?,
            value: r.nullable_string("config value", flexible)?,
            unknown_tagged_fields: r.struct_tags(flexible)?,
        })
    }
}

impl Encode for CreateTopicsRequest {
    fn encode(&self, buf: &mut BytesMut, version: i16) -> Result<(), EncodeError> {
        check_encode_version::<Self>(version)?;
        let flexible = Self::is_flexible(version);
        put_array(buf, "topics", &self.topics, flexible, |b, t| {
            t.encode(b, version)
        })?;
        buf.put_i32(self.timeout_ms);
        put_bool(buf, self.validate_only);
        put_struct_tags(
            buf,
            &self.unknown_tagged_fields,
            flexible,
            version,
            "unknown tagged fields",
        )
    }
}

impl Decode for CreateTopicsRequest {
    fn decode(r: &mut Reader, version: i16) -> Result<Self, DecodeError> {
        check_decode_version::<Self>(version)?;
        let flexible = Self::is_flexible(version);
        Ok(Self {
            topics: r.array("topics", flexible, |r| CreatableTopic::decode(r, version))?,
            timeout_ms: r.i32("timeout")?,
            validate_only: r.bool("validate only")?,
            unknown_tagged_fields: r.struct_tags(flexible)?,
        })
    }
}

/// The result of creating topics.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CreateTopicsResponse {
    /// How long the request was throttled by a quota, in ms.
    pub throttle_time_ms: i32,
    /// One result per topic in the request.
    pub topics: Vec<CreatableTopicResult>,
    /// Tagged fields this crate does not know (v5+).
    pub unknown_tagged_fields: UnknownTaggedFields,
}

/// The result for one topic.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CreatableTopicResult {
    /// The topic's name.
    pub name: String,
    /// The new topic's id (v7+; zero before, and dropped silently when
    /// written in an older version).
    pub topic_id: Uuid,
    /// `NONE` when the topic was created.
    pub error_code: ErrorCode,
    /// A description of the error, or `None`.
    pub error_message: Option<String>,
    /// Why `configs` is missing, when it is (tag 0, v5+).
    pub topic_config_error_code: ErrorCode,
    /// The topic's partition count (v5+), -1 when not known.
    pub num_partitions: i32,
    /// The topic's replication factor (v5+), -1 when not known.
    pub replication_factor: i16,
    /// The topic's configuration (v5+), `None` when not returned.
    pub configs: Option<Vec<CreatableTopicConfigs>>,
    /// Tagged fields this crate does not know (v5+).
    pub unknown_tagged_fields: UnknownTaggedFields,
}

impl Default for CreatableTopicResult {
    fn default() -> Self {
        Self {
            name: String::new(),
            topic_id: Uuid::ZERO,
            error_code: ErrorCode::NONE,
            error_message: None,
            topic_config_error_code: ErrorCode::NONE,
            num_partitions: -1,
            replication_factor: -1,
            configs: None,
            unknown_tagged_fields: UnknownTaggedFields::default(),
        }
    }
}

/// One configuration of a new topic, as the broker reports it (v5+).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CreatableTopicConfigs {
    /// The configuration's name.
    pub name: String,
    /// Its value, or `None` (e.g. for a sensitive one).
    pub value: Option<String>,
    /// True if it cannot be changed.
    pub read_only: bool,
    /// Where the value comes from (a `ConfigSource` code), -1 if unknown.
    pub config_source: i8,
    /// True if the value is sensitive.
    pub is_sensitive: bool,
    /// Tagged fields this crate does not know.
    pub unknown_tagged_fields: UnknownTaggedFields,
}

impl Default for CreatableTopicConfigs {
    fn default() -> Self {
        Self {
            name: String::new(),
            value: None,
            read_only: false,
            config_source: -1,
            is_sensitive: false,
            unknown_tagged_fields: UnknownTaggedFields::default(),
        }
    }
}

impl ApiMessage for CreateTopicsResponse {
    const API_KEY: ApiKey = ApiKey::CREATE_TOPICS;
    const VERSIONS: VersionRange = CreateTopicsRequest::VERSIONS;
    const FLEXIBLE_FROM: i16 = CreateTopicsRequest::FLEXIBLE_FROM;
}

impl CreatableTopicResult {
    fn encode(&self, buf: &mut BytesMut, version: i16) -> Result<(), EncodeError> {
        let flexible = CreateTopicsResponse::is_flexible(version);
        put_string(buf, "topic name", &self.name, flexible)?;
        if version >= 7 {
            put_uuid(buf, &self.topic_id);
        }
        buf.put_i16(self.error_code.0);
        put_nullable_string(
            buf,
            "error message",
            self.error_message.as_deref(),
            flexible,
        )?;
        if !flexible {
            // NumPartitions, ReplicationFactor, Configs and the tagged
            // TopicConfigErrorCode are all v5+ and ignorable.
            return refuse_unknown_tags(
                &self.unknown_tagged_fields,
                version,
                "topic result unknown tagged fields",
            );
        }
        buf.put_i32(self.num_partitions);
        buf.put_i16(self.replication_factor);
        put_nullable_array(buf, "configs", self.configs.as_deref(), true, |b, c| {
            c.encode(b)
        })?;
        let mut tags = TaggedFieldsWriter::new();
        if self.topic_config_error_code != ErrorCode::NONE {
            tags.field(0, |b| {
                b.put_i16(self.topic_config_error_code.0);
                Ok(())
            })?;
        }
        tags.finish(buf, &self.unknown_tagged_fields)
    }

    fn decode(r: &mut Reader, version: i16) -> Result<Self, DecodeError> {
        let flexible = CreateTopicsResponse::is_flexible(version);
        let mut result = Self {
            name: r.string("topic name", flexible)?,
            ..Self::default()
        };
        if version >= 7 {
            result.topic_id = r.uuid("topic id")?;
        }
        result.error_code = ErrorCode(r.i16("error code")?);
        result.error_message = r.nullable_string("error message", flexible)?;
        if flexible {
            result.num_partitions = r.i32("num partitions")?;
            result.replication_factor = r.i16("replication factor")?;
            result.configs = r.nullable_array("configs", true, CreatableTopicConfigs::decode)?;
            let mut config_error = ErrorCode::NONE;
            result.unknown_tagged_fields = r.tagged_fields(|tag, r| {
                if tag == 0 {
                    config_error = ErrorCode(r.i16("topic config error code")?);
                    Ok(true)
                } else {
                    Ok(false)
                }
            })?;
            result.topic_config_error_code = config_error;
        }
        Ok(result)
    }
}

impl CreatableTopicConfigs {
    // Only present in flexible versions (v5+).
    fn encode(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        put_string(buf, "config name", &self.name, true)?;
        put_nullable_string(buf, "config value", self.value.as_deref(), true)?;
        put_bool(buf, self.read_only);
        buf.put_i8(self.config_source);
        put_bool(buf, self.is_sensitive);
        put_unknown_tagged_fields(buf, &self.unknown_tagged_fields)
    }

    fn decode(r: &mut Reader) -> Result<Self, DecodeError> {
        Ok(Self {
            name: r.string("config name", true)?,
            value: r.nullable_string("config value", true)?,
            read_only: r.bool("config read only")?,
            config_source: r.i8("config source")?,
            is_sensitive: r.bool("config is sensitive")?,
            unknown_tagged_fields: r.unknown_tagged_fields()?,
        })
    }
}

impl Encode for CreateTopicsResponse {
    fn encode(&self, buf: &mut BytesMut, version: i16) -> Result<(), EncodeError> {
        check_encode_version::<Self>(version)?;
        let flexible = Self::is_flexible(version);
        buf.put_i32(self.throttle_time_ms);
        put_array(buf, "topics", &self.topics, flexible, |b, t| {
            t.encode(b, version)
        })?;
        put_struct_tags(
            buf,
            &self.unknown_tagged_fields,
            flexible,
            version,
            "unknown tagged fields",
        )
    }
}

impl Decode for CreateTopicsResponse {
    fn decode(r: &mut Reader, version: i16) -> Result<Self, DecodeError> {
        check_decode_version::<Self>(version)?;
        let flexible = Self::is_flexible(version);
        Ok(Self {
            throttle_time_ms: r.i32("throttle time")?,
            topics: r.array("topics", flexible, |r| {
                CreatableTopicResult::decode(r, version)
            })?,
            unknown_tagged_fields: r.struct_tags(flexible)?,
        })
    }
}
