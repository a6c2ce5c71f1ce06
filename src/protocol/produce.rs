//! Produce (API key 0), versions 3-13: sends record batches to partition
//! leaders and reports, per partition, the offset they were written at.
//!
//! Records travel as already-encoded record batches (message format v2,
//! built by [`crate::record`]): this codec never parses them. Encoding
//! copies them into the output buffer as they are; decoding hands them out
//! as slices of the received frame's [`Bytes`], without copying.
//!
//! Encoding a request allocates nothing besides growing the output buffer
//! (reserve enough up front and it allocates nothing at all), because the
//! producer builds one on its hot path. Only unknown tagged fields, which a
//! producer never sets, take a slower path.
//!
//! What changed across versions (3 is the oldest that Kafka 4 accepts):
//! - v3 adds `TransactionalId` and message format v2; v4-v7 change nothing
//!   on the wire (new error codes, zstd).
//! - Response v5 adds `LogStartOffset`; v8 adds `RecordErrors` and
//!   `ErrorMessage` (KIP-467).
//! - v9 is the first flexible version (compact encodings, tagged fields).
//! - Response v10 adds the tagged leader hints of KIP-951: `CurrentLeader`
//!   per partition (tag 0) and `NodeEndpoints` (tag 0 of the response),
//!   so a producer told `NOT_LEADER_OR_FOLLOWER` learns the new leader
//!   without waiting for a metadata refresh.
//! - v11 and v12 change nothing on the wire (KIP-890 error codes and
//!   transactions V2).
//! - v13 identifies topics by `TopicId` instead of `Name` (KIP-516), in the
//!   request and in the response alike.
//!
//! `Name` and `TopicId` are both "ignorable", so the one the chosen version
//! lacks is skipped: a producer may fill in both and let the negotiated
//! version pick. Encoding fails, though, when the skipped one is the only
//! one set, since the topic would reach the broker unidentified.
//! `LogStartOffset`, `RecordErrors` and `ErrorMessage` are ignorable too;
//! the leader hints are not, and are refused before v10. Unknown tagged
//! fields are refused in v3-v8, which have no tagged-field section (Java's
//! rule).
//!
//! Decoding a v9 response keeps a tag 0 as an unknown tagged field, since
//! the leader hints only take that tag from v10 (the Java client throws
//! instead); it is written back unchanged.
//!
//! With `acks = 0` the broker sends no response at all.

use bytes::{BufMut, Bytes, BytesMut};

use super::wire::{
    TaggedFieldsWriter, put_array, put_nullable_bulk, put_nullable_string, put_string,
    put_struct_tags, put_unknown_tagged_fields, put_uuid, refuse_unknown_tags,
};
use super::{
    ApiKey, ApiMessage, Decode, DecodeError, Encode, EncodeError, ErrorCode, Reader, Request,
    Splices, UnknownTaggedFields, Uuid, VersionRange, check_decode_version, check_encode_version,
};

/// First version whose response carries `LogStartOffset`.
const LOG_START_OFFSET_FROM: i16 = 5;
/// First version whose response carries `RecordErrors` and `ErrorMessage`.
const RECORD_ERRORS_FROM: i16 = 8;
/// First version with the KIP-951 leader hints.
const LEADER_HINTS_FROM: i16 = 10;
/// First version that names topics by id rather than by name.
const TOPIC_ID_FROM: i16 = 13;
/// Tag of `CurrentLeader` in a partition response and of `NodeEndpoints`
/// in the response.
const LEADER_HINT_TAG: u32 = 0;

/// Writes the topic's identity as `version` carries it: `Name` before v13,
/// `TopicId` from v13.
fn put_topic(
    buf: &mut BytesMut,
    name: &str,
    topic_id: &Uuid,
    version: i16,
    flexible: bool,
) -> Result<(), EncodeError> {
    if version >= TOPIC_ID_FROM {
        // Skipping a name is harmless only when the id still says which topic.
        if topic_id.is_zero() && !name.is_empty() {
            return Err(EncodeError::FieldNotInVersion {
                field: "topic name",
                version,
            });
        }
        put_uuid(buf, topic_id);
    } else {
        if name.is_empty() && !topic_id.is_zero() {
            return Err(EncodeError::FieldNotInVersion {
                field: "topic id",
                version,
            });
        }
        put_string(buf, "topic name", name, flexible)?;
    }
    Ok(())
}

/// Reads the topic's identity; the field `version` lacks keeps its default.
fn read_topic(r: &mut Reader, version: i16, flexible: bool) -> Result<(String, Uuid), DecodeError> {
    if version >= TOPIC_ID_FROM {
        Ok((String::new(), r.uuid("topic id")?))
    } else {
        Ok((r.string("topic name", flexible)?, Uuid::ZERO))
    }
}

/// Reads the tagged-field section of a response struct whose tag 0 is a
/// KIP-951 leader hint (read by `hint`): returns the hint and the unknown
/// fields. The hint keeps its default when absent, and always in a classic
/// version, which has no section. Tag 0 means nothing in v9, so there it is
/// kept as an unknown field rather than parsed.
fn read_leader_hint_tags<T: Default>(
    r: &mut Reader,
    version: i16,
    flexible: bool,
    mut hint: impl FnMut(&mut Reader) -> Result<T, DecodeError>,
) -> Result<(T, UnknownTaggedFields), DecodeError> {
    let mut value = T::default();
    if !flexible {
        return Ok((value, UnknownTaggedFields::default()));
    }
    let unknown = r.tagged_fields(|tag, r| {
        if tag == LEADER_HINT_TAG && version >= LEADER_HINTS_FROM {
            value = hint(r)?;
            Ok(true)
        } else {
            Ok(false)
        }
    })?;
    Ok((value, unknown))
}

/// Records to append to the partitions of several topics.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProduceRequest {
    /// The transactional id, or `None` if the producer is not
    /// transactional.
    pub transactional_id: Option<String>,
    /// Acknowledgments the leader waits for before answering: 0 (none, and
    /// no response is sent), 1 (the leader only) or -1 (the full ISR).
    pub acks: i16,
    /// How long the broker may wait for the acknowledgments, in ms.
    pub timeout_ms: i32,
    /// Each topic to produce to.
    pub topic_data: Vec<TopicProduceData>,
    /// Tagged fields this crate does not know (v9+).
    pub unknown_tagged_fields: UnknownTaggedFields,
}

impl ProduceRequest {
    /// The version to send this request in, given the newest one both
    /// sides speak: that one, unless it names topics by id and some topic's
    /// id is unknown (a broker whose Metadata gives no ids), in which case
    /// the newest version that names topics by name (v12), as the Java
    /// client does for Fetch.
    ///
    /// ```
    /// use kafka_sansio::protocol::{ProduceRequest, TopicProduceData, Uuid};
    ///
    /// let mut request = ProduceRequest {
    ///     topic_data: vec![TopicProduceData { name: "orders".into(), ..Default::default() }],
    ///     ..Default::default()
    /// };
    /// assert_eq!(request.version_for(13), 12);
    /// request.topic_data[0].topic_id = Uuid([7; 16]);
    /// assert_eq!(request.version_for(13), 13);
    /// assert_eq!(request.version_for(9), 9);
    /// ```
    pub fn version_for(&self, negotiated: i16) -> i16 {
        if negotiated >= TOPIC_ID_FROM && self.topic_data.iter().any(|t| t.topic_id.is_zero()) {
            TOPIC_ID_FROM - 1
        } else {
            negotiated
        }
    }
}

/// The partitions of one topic in a [`ProduceRequest`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TopicProduceData {
    /// The topic name (v3-12).
    pub name: String,
    /// The topic id (v13+).
    pub topic_id: Uuid,
    /// Each partition to produce to.
    pub partition_data: Vec<PartitionProduceData>,
    /// Tagged fields this crate does not know (v9+).
    pub unknown_tagged_fields: UnknownTaggedFields,
}

/// The records for one partition in a [`ProduceRequest`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PartitionProduceData {
    /// The partition index.
    pub index: i32,
    /// Already-encoded record batches, passed through untouched; `None` is
    /// the protocol's null.
    pub records: Option<Bytes>,
    /// Tagged fields this crate does not know (v9+).
    pub unknown_tagged_fields: UnknownTaggedFields,
}

impl ApiMessage for ProduceRequest {
    const API_KEY: ApiKey = ApiKey::PRODUCE;
    const VERSIONS: VersionRange = VersionRange { min: 3, max: 13 };
    const FLEXIBLE_FROM: i16 = 9;
}

impl Request for ProduceRequest {
    type Response = ProduceResponse;
}

impl ProduceRequest {
    /// The body in `version`; the record batches copied into `buf`, or
    /// noted in `splices` when given.
    fn encode_parts(
        &self,
        buf: &mut BytesMut,
        version: i16,
        mut splices: Option<&mut Splices>,
    ) -> Result<(), EncodeError> {
        check_encode_version::<Self>(version)?;
        let flexible = Self::is_flexible(version);
        put_nullable_string(
            buf,
            "transactional id",
            self.transactional_id.as_deref(),
            flexible,
        )?;
        buf.put_i16(self.acks);
        buf.put_i32(self.timeout_ms);
        put_array(buf, "topic data", &self.topic_data, flexible, |buf, t| {
            t.encode(buf, version, flexible, splices.as_deref_mut())
        })?;
        put_struct_tags(
            buf,
            &self.unknown_tagged_fields,
            flexible,
            version,
            "unknown tagged fields",
        )
    }

    /// The bytes around the record batches, about.
    fn overhead_hint(&self) -> usize {
        const PER_TOPIC: usize = 64;
        const PER_PARTITION: usize = 16;
        self.topic_data
            .iter()
            .map(|t| PER_TOPIC + t.name.len() + PER_PARTITION * t.partition_data.len())
            .sum::<usize>()
            + PER_TOPIC
    }
}

impl Encode for ProduceRequest {
    fn encode(&self, buf: &mut BytesMut, version: i16) -> Result<(), EncodeError> {
        self.encode_parts(buf, version, None)
    }

    /// The record batches are left out of `buf`, one piece per partition.
    fn encode_spliced(
        &self,
        buf: &mut BytesMut,
        version: i16,
        splices: &mut Splices,
    ) -> Result<(), EncodeError> {
        self.encode_parts(buf, version, Some(splices))
    }

    fn spliced_size_hint(&self) -> usize {
        self.overhead_hint()
    }

    /// The record batches, plus room for the names and fields around them.
    fn size_hint(&self) -> usize {
        let records = self.topic_data.iter().flat_map(|t| &t.partition_data);
        self.overhead_hint()
            + records
                .map(|p| p.records.as_ref().map_or(0, Bytes::len))
                .sum::<usize>()
    }
}

impl Decode for ProduceRequest {
    fn decode(r: &mut Reader, version: i16) -> Result<Self, DecodeError> {
        check_decode_version::<Self>(version)?;
        let flexible = Self::is_flexible(version);
        Ok(Self {
            transactional_id: r.nullable_string("transactional id", flexible)?,
            acks: r.i16("acks")?,
            timeout_ms: r.i32("timeout")?,
            topic_data: r.array("topic data", flexible, |r| {
                TopicProduceData::decode(r, version, flexible)
            })?,
            unknown_tagged_fields: r.struct_tags(flexible)?,
        })
    }
}

impl TopicProduceData {
    fn encode(
        &self,
        buf: &mut BytesMut,
        version: i16,
        flexible: bool,
        mut splices: Option<&mut Splices>,
    ) -> Result<(), EncodeError> {
        put_topic(buf, &self.name, &self.topic_id, version, flexible)?;
        put_array(
            buf,
            "partition data",
            &self.partition_data,
            flexible,
            |buf, p| p.encode(buf, version, flexible, splices.as_deref_mut()),
        )?;
        put_struct_tags(
            buf,
            &self.unknown_tagged_fields,
            flexible,
            version,
            "topic data unknown tagged fields",
        )
    }

    fn decode(r: &mut Reader, version: i16, flexible: bool) -> Result<Self, DecodeError> {
        let (name, topic_id) = read_topic(r, version, flexible)?;
        Ok(Self {
            name,
            topic_id,
            partition_data: r.array("partition data", flexible, |r| {
                PartitionProduceData::decode(r, flexible)
            })?,
            unknown_tagged_fields: r.struct_tags(flexible)?,
        })
    }
}

impl PartitionProduceData {
    fn encode(
        &self,
        buf: &mut BytesMut,
        version: i16,
        flexible: bool,
        splices: Option<&mut Splices>,
    ) -> Result<(), EncodeError> {
        buf.put_i32(self.index);
        put_nullable_bulk(buf, "records", self.records.as_ref(), flexible, splices)?;
        put_struct_tags(
            buf,
            &self.unknown_tagged_fields,
            flexible,
            version,
            "partition data unknown tagged fields",
        )
    }

    fn decode(r: &mut Reader, flexible: bool) -> Result<Self, DecodeError> {
        Ok(Self {
            index: r.i32("partition index")?,
            records: r.nullable_bytes("records", flexible)?,
            unknown_tagged_fields: r.struct_tags(flexible)?,
        })
    }
}

/// The broker's answer to a [`ProduceRequest`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProduceResponse {
    /// One entry per topic of the request.
    pub responses: Vec<TopicProduceResponse>,
    /// How long the request was throttled by a quota, in ms.
    pub throttle_time_ms: i32,
    /// Tagged (v10+): how to reach the leaders named in the partitions'
    /// `current_leader` hints (given with `NOT_LEADER_OR_FOLLOWER`).
    pub node_endpoints: Vec<NodeEndpoint>,
    /// Tagged fields this crate does not know (v9+).
    pub unknown_tagged_fields: UnknownTaggedFields,
}

impl ProduceResponse {
    /// An answer to `request` shaped like it: every topic under its name
    /// and id, every partition it carried answered by `answer`.
    pub fn answering(
        request: &ProduceRequest,
        mut answer: impl FnMut(&PartitionProduceData) -> PartitionProduceResponse,
    ) -> Self {
        let responses = request
            .topic_data
            .iter()
            .map(|t| TopicProduceResponse {
                name: t.name.clone(),
                topic_id: t.topic_id,
                partition_responses: t.partition_data.iter().map(&mut answer).collect(),
                ..TopicProduceResponse::default()
            })
            .collect();
        ProduceResponse {
            responses,
            ..ProduceResponse::default()
        }
    }
}

/// The results for the partitions of one topic.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TopicProduceResponse {
    /// The topic name (v3-12).
    pub name: String,
    /// The topic id (v13+).
    pub topic_id: Uuid,
    /// One entry per partition produced to.
    pub partition_responses: Vec<PartitionProduceResponse>,
    /// Tagged fields this crate does not know (v9+).
    pub unknown_tagged_fields: UnknownTaggedFields,
}

/// The result for one partition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartitionProduceResponse {
    /// The partition index.
    pub index: i32,
    /// `NONE` on success.
    pub error_code: ErrorCode,
    /// The offset of the first record written.
    pub base_offset: i64,
    /// The broker's append time when the topic uses `LogAppendTime`, else
    /// -1.
    pub log_append_time_ms: i64,
    /// The partition's log start offset (v5+), else -1.
    pub log_start_offset: i64,
    /// The records that made the broker drop the whole batch (v8+).
    pub record_errors: Vec<BatchIndexAndErrorMessage>,
    /// What those records have in common (v8+).
    pub error_message: Option<String>,
    /// Tagged (v10+): the leader to send this partition's batches to from
    /// now on; both fields -1 when the broker gives no hint.
    pub current_leader: LeaderIdAndEpoch,
    /// Tagged fields this crate does not know (v9+).
    pub unknown_tagged_fields: UnknownTaggedFields,
}

impl Default for PartitionProduceResponse {
    fn default() -> Self {
        Self {
            index: 0,
            error_code: ErrorCode::NONE,
            base_offset: 0,
            log_append_time_ms: -1,
            log_start_offset: -1,
            record_errors: Vec::new(),
            error_message: None,
            current_leader: LeaderIdAndEpoch::default(),
            unknown_tagged_fields: UnknownTaggedFields::default(),
        }
    }
}

/// One record that made the broker drop its batch (KIP-467).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BatchIndexAndErrorMessage {
    /// The record's index within the batch.
    pub batch_index: i32,
    /// Why it was refused, if the broker says.
    pub batch_index_error_message: Option<String>,
    /// Tagged fields this crate does not know (v9+).
    pub unknown_tagged_fields: UnknownTaggedFields,
}

/// A partition's current leader as the broker knows it (KIP-951).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeaderIdAndEpoch {
    /// The leader's broker id, or -1 if unknown.
    pub leader_id: i32,
    /// The leader epoch, or -1 if unknown.
    pub leader_epoch: i32,
    /// Tagged fields this crate does not know.
    pub unknown_tagged_fields: UnknownTaggedFields,
}

impl Default for LeaderIdAndEpoch {
    fn default() -> Self {
        Self {
            leader_id: -1,
            leader_epoch: -1,
            unknown_tagged_fields: UnknownTaggedFields::default(),
        }
    }
}

/// Where to reach a broker named as a leader (KIP-951).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NodeEndpoint {
    /// The broker id.
    pub node_id: i32,
    /// Its host name.
    pub host: String,
    /// Its port.
    pub port: i32,
    /// Its rack, or `None` if it has none.
    pub rack: Option<String>,
    /// Tagged fields this crate does not know.
    pub unknown_tagged_fields: UnknownTaggedFields,
}

impl ApiMessage for ProduceResponse {
    const API_KEY: ApiKey = ApiKey::PRODUCE;
    const VERSIONS: VersionRange = ProduceRequest::VERSIONS;
    const FLEXIBLE_FROM: i16 = ProduceRequest::FLEXIBLE_FROM;
}

impl Encode for ProduceResponse {
    fn encode(&self, buf: &mut BytesMut, version: i16) -> Result<(), EncodeError> {
        check_encode_version::<Self>(version)?;
        if version < LEADER_HINTS_FROM && !self.node_endpoints.is_empty() {
            return Err(EncodeError::FieldNotInVersion {
                field: "node endpoints",
                version,
            });
        }
        let flexible = Self::is_flexible(version);
        put_array(buf, "responses", &self.responses, flexible, |buf, t| {
            t.encode(buf, version, flexible)
        })?;
        buf.put_i32(self.throttle_time_ms);
        if !flexible {
            return refuse_unknown_tags(
                &self.unknown_tagged_fields,
                version,
                "unknown tagged fields",
            );
        }
        let mut tagged = TaggedFieldsWriter::new();
        if !self.node_endpoints.is_empty() {
            tagged.field(LEADER_HINT_TAG, |b| {
                put_array(b, "node endpoints", &self.node_endpoints, true, |b, n| {
                    n.encode(b)
                })
            })?;
        }
        tagged.finish(buf, &self.unknown_tagged_fields)
    }
}

impl Decode for ProduceResponse {
    fn decode(r: &mut Reader, version: i16) -> Result<Self, DecodeError> {
        check_decode_version::<Self>(version)?;
        let flexible = Self::is_flexible(version);
        let mut resp = Self {
            responses: r.array("responses", flexible, |r| {
                TopicProduceResponse::decode(r, version, flexible)
            })?,
            throttle_time_ms: r.i32("throttle time")?,
            ..Self::default()
        };
        (resp.node_endpoints, resp.unknown_tagged_fields) =
            read_leader_hint_tags(r, version, flexible, |r| {
                r.array("node endpoints", true, NodeEndpoint::decode)
            })?;
        Ok(resp)
    }
}

impl TopicProduceResponse {
    fn encode(&self, buf: &mut BytesMut, version: i16, flexible: bool) -> Result<(), EncodeError> {
        put_topic(buf, &self.name, &self.topic_id, version, flexible)?;
        put_array(
            buf,
            "partition responses",
            &self.partition_responses,
            flexible,
            |buf, p| p.encode(buf, version, flexible),
        )?;
        put_struct_tags(
            buf,
            &self.unknown_tagged_fields,
            flexible,
            version,
            "topic response unknown tagged fields",
        )
    }

    fn decode(r: &mut Reader, version: i16, flexible: bool) -> Result<Self, DecodeError> {
        let (name, topic_id) = read_topic(r, version, flexible)?;
        Ok(Self {
            name,
            topic_id,
            partition_responses: r.array("partition responses", flexible, |r| {
                PartitionProduceResponse::decode(r, version, flexible)
            })?,
            unknown_tagged_fields: r.struct_tags(flexible)?,
        })
    }
}

impl PartitionProduceResponse {
    fn encode(&self, buf: &mut BytesMut, version: i16, flexible: bool) -> Result<(), EncodeError> {
        let has_leader_hint = self.current_leader != LeaderIdAndEpoch::default();
        if version < LEADER_HINTS_FROM && has_leader_hint {
            return Err(EncodeError::FieldNotInVersion {
                field: "current leader",
                version,
            });
        }
        buf.put_i32(self.index);
        buf.put_i16(self.error_code.0);
        buf.put_i64(self.base_offset);
        buf.put_i64(self.log_append_time_ms);
        if version >= LOG_START_OFFSET_FROM {
            buf.put_i64(self.log_start_offset);
        }
        if version >= RECORD_ERRORS_FROM {
            put_array(
                buf,
                "record errors",
                &self.record_errors,
                flexible,
                |buf, e| e.encode(buf, version, flexible),
            )?;
            put_nullable_string(
                buf,
                "error message",
                self.error_message.as_deref(),
                flexible,
            )?;
        }
        if !flexible {
            return refuse_unknown_tags(
                &self.unknown_tagged_fields,
                version,
                "partition response unknown tagged fields",
            );
        }
        let mut tagged = TaggedFieldsWriter::new();
        if has_leader_hint {
            tagged.field(LEADER_HINT_TAG, |b| self.current_leader.encode(b))?;
        }
        tagged.finish(buf, &self.unknown_tagged_fields)
    }

    fn decode(r: &mut Reader, version: i16, flexible: bool) -> Result<Self, DecodeError> {
        let mut p = Self {
            index: r.i32("partition index")?,
            error_code: ErrorCode(r.i16("error code")?),
            base_offset: r.i64("base offset")?,
            log_append_time_ms: r.i64("log append time")?,
            ..Self::default()
        };
        if version >= LOG_START_OFFSET_FROM {
            p.log_start_offset = r.i64("log start offset")?;
        }
        if version >= RECORD_ERRORS_FROM {
            p.record_errors = r.array("record errors", flexible, |r| {
                BatchIndexAndErrorMessage::decode(r, flexible)
            })?;
            p.error_message = r.nullable_string("error message", flexible)?;
        }
        (p.current_leader, p.unknown_tagged_fields) =
            read_leader_hint_tags(r, version, flexible, LeaderIdAndEpoch::decode)?;
        Ok(p)
    }
}

impl BatchIndexAndErrorMessage {
    fn encode(&self, buf: &mut BytesMut, version: i16, flexible: bool) -> Result<(), EncodeError> {
        buf.put_i32(self.batch_index);
        put_nullable_string(
            buf,
            "batch index error message",
            self.batch_index_error_message.as_deref(),
            flexible,
        )?;
        put_struct_tags(
            buf,
            &self.unknown_tagged_fields,
            flexible,
            version,
            "record error unknown tagged fields",
        )
    }

    fn decode(r: &mut Reader, flexible: bool) -> Result<Self, DecodeError> {
        Ok(Self {
            batch_index: r.i32("batch index")?,
            batch_index_error_message: r.nullable_string("batch index error message", flexible)?,
            unknown_tagged_fields: r.struct_tags(flexible)?,
        })
    }
}

// LeaderIdAndEpoch and NodeEndpoint exist only in flexible versions (they
// are tagged fields of v10+), so they are always written compactly.

impl LeaderIdAndEpoch {
    fn encode(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        buf.put_i32(self.leader_id);
        buf.put_i32(self.leader_epoch);
        put_unknown_tagged_fields(buf, &self.unknown_tagged_fields)
    }

    fn decode(r: &mut Reader) -> Result<Self, DecodeError> {
        Ok(Self {
            leader_id: r.i32("leader id")?,
            leader_epoch: r.i32("leader epoch")?,
            unknown_tagged_fields: r.unknown_tagged_fields()?,
        })
    }
}

impl NodeEndpoint {
    fn encode(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        buf.put_i32(self.node_id);
        put_string(buf, "node host", &self.host, true)?;
        buf.put_i32(self.port);
        put_nullable_string(buf, "node rack", self.rack.as_deref(), true)?;
        put_unknown_tagged_fields(buf, &self.unknown_tagged_fields)
    }

    fn decode(r: &mut Reader) -> Result<Self, DecodeError> {
        Ok(Self {
            node_id: r.i32("node id")?,
            host: r.string("node host", true)?,
            port: r.i32("node port")?,
            rack: r.nullable_string("node rack", true)?,
            unknown_tagged_fields: r.unknown_tagged_fields()?,
        })
    }
}
