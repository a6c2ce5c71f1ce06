//! Metadata (API key 3), versions 0-13: which brokers exist, and for each
//! topic which partitions it has and who leads them. The producer builds its
//! routing map from the response.
//!
//! Flexible from v9. What changed across versions:
//!
//! | version | request | response |
//! |---------|---------|----------|
//! | 0  | `Topics`; an empty array means "all topics" | brokers, topics, partitions |
//! | 1  | `Topics` nullable: null means "all topics", empty means "none" | `Rack`, `ControllerId`, `IsInternal` |
//! | 2  | same as 1 | `ClusterId` |
//! | 3  | same as 1 | `ThrottleTimeMs` |
//! | 4  | `AllowAutoTopicCreation` | same as 3 |
//! | 5  | same as 4 | `OfflineReplicas` |
//! | 6  | same as 4 | same as 5 (brokers answer before throttling) |
//! | 7  | same as 4 | `LeaderEpoch` |
//! | 8  | `Include{Cluster,Topic}AuthorizedOperations` | `{Topic,Cluster}AuthorizedOperations` |
//! | 9  | flexible encodings, tagged fields | flexible encodings, tagged fields |
//! | 10 | `TopicId`; `Name` nullable | `TopicId` |
//! | 11 | drops `IncludeClusterAuthorizedOperations` (KIP-700) | drops `ClusterAuthorizedOperations` |
//! | 12 | brokers honour topic ids and null names | topic `Name` nullable |
//! | 13 | same as 12 | top-level `ErrorCode` (KIP-1102 rebootstrap signal) |
//!
//! Versions 10 and 11 can carry topic ids and null names on the wire, but
//! brokers only act on them from v12; the Java client refuses them below
//! v12. The codec follows the schema and leaves that choice to the caller.
//!
//! Fields the schema marks ignorable (`ThrottleTimeMs`, `Rack`,
//! `ClusterId`, `ControllerId`, `IsInternal`, both `TopicId`s,
//! `LeaderEpoch`, `OfflineReplicas`, the v13 `ErrorCode`) are dropped
//! silently in versions that lack them; the others refuse a non-default
//! value with [`EncodeError::FieldNotInVersion`]. So do unknown tagged
//! fields in v0-v8, which have no tagged-field section (Java's rule).
//!
//! ```rust
//! use kafka_sansio::protocol::{Decode, MetadataResponse, Reader};
//!
//! // A v12 response: one broker, one topic "t" with one partition led by
//! // broker 1 at epoch 5.
//! let bytes: &[u8] = &[
//!     0, 0, 0, 0,           // throttle_time_ms
//!     2,                    // brokers: 1 element (compact: N+1)
//!     0, 0, 0, 1,           //   node_id 1
//!     3, b'b', b'1',        //   host "b1"
//!     0, 0, 0x23, 0x84,     //   port 9092
//!     0,                    //   rack null
//!     0,                    //   no tagged fields
//!     0,                    // cluster_id null
//!     0, 0, 0, 1,           // controller_id 1
//!     2,                    // topics: 1 element
//!     0, 0,                 //   error_code NONE
//!     2, b't',              //   name "t"
//!     0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7, // topic_id
//!     0,                    //   is_internal false
//!     2,                    //   partitions: 1 element
//!     0, 0,                 //     error_code NONE
//!     0, 0, 0, 0,           //     partition_index 0
//!     0, 0, 0, 1,           //     leader_id 1
//!     0, 0, 0, 5,           //     leader_epoch 5
//!     2, 0, 0, 0, 1,        //     replica_nodes [1]
//!     2, 0, 0, 0, 1,        //     isr_nodes [1]
//!     1,                    //     offline_replicas []
//!     0,                    //     no tagged fields
//!     0x80, 0, 0, 0,        //   topic_authorized_operations omitted
//!     0,                    //   no tagged fields
//!     0,                    // no tagged fields
//! ];
//! let mut r = Reader::new(bytes.to_vec());
//! let response = MetadataResponse::decode(&mut r, 12).unwrap();
//! assert!(r.is_empty());
//!
//! let partition = response.topic("t").and_then(|t| t.partition(0)).unwrap();
//! let leader = response.leader("t", 0).unwrap();
//! println!(
//!     "t-0 is led by broker {} at {}:{} (epoch {})",
//!     leader.node_id, leader.host, leader.port, partition.leader_epoch
//! );
//! assert_eq!((leader.host.as_str(), leader.port), ("b1", 9092));
//! ```

use bytes::{BufMut, BytesMut};

use super::wire::{
    put_array, put_bool, put_i32_array, put_nullable_array, put_nullable_string, put_string,
    put_struct_tags, put_uuid,
};
use super::{
    ApiKey, ApiMessage, Decode, DecodeError, Encode, EncodeError, ErrorCode, Reader, Request,
    UnknownTaggedFields, Uuid, VersionRange, check_decode_version, check_encode_version,
};

/// The value of an authorized-operations bitfield that was not asked for
/// (Java's `AUTHORIZED_OPERATIONS_OMITTED`), and the schema default.
pub const AUTHORIZED_OPERATIONS_OMITTED: i32 = i32::MIN;

/// Asks for the brokers of the cluster and the layout of some or all topics.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MetadataRequest {
    /// The topics to describe. From v1, `None` means every topic and an
    /// empty list means none (a cheap way to learn the brokers). In v0 the
    /// array cannot be null and an empty one means every topic; see
    /// [`MetadataRequest::all_topics`].
    pub topics: Option<Vec<MetadataRequestTopic>>,
    /// Whether the broker may create requested topics that do not exist,
    /// if it is configured to (v4+; before v4 brokers behave as if true).
    pub allow_auto_topic_creation: bool,
    /// Whether to return the cluster's authorized operations (v8-v10).
    pub include_cluster_authorized_operations: bool,
    /// Whether to return each topic's authorized operations (v8+).
    pub include_topic_authorized_operations: bool,
    /// Tagged fields this crate does not know (v9+).
    pub unknown_tagged_fields: UnknownTaggedFields,
}

impl Default for MetadataRequest {
    fn default() -> Self {
        Self {
            topics: Some(Vec::new()),
            allow_auto_topic_creation: true,
            include_cluster_authorized_operations: false,
            include_topic_authorized_operations: false,
            unknown_tagged_fields: UnknownTaggedFields::default(),
        }
    }
}

impl MetadataRequest {
    /// A request for every topic, in the form `version` spells it: an
    /// empty array in v0, a null array from v1.
    pub fn all_topics(version: i16) -> Self {
        Self {
            topics: if version == 0 { Some(Vec::new()) } else { None },
            ..Self::default()
        }
    }

    /// A request for the named topics, without auto-creation.
    pub fn for_topics<S: Into<String>>(names: impl IntoIterator<Item = S>) -> Self {
        Self {
            topics: Some(names.into_iter().map(MetadataRequestTopic::named).collect()),
            allow_auto_topic_creation: false,
            ..Self::default()
        }
    }

    /// True when this request, read in `version`, asks for every topic.
    pub fn wants_all_topics(&self, version: i16) -> bool {
        match &self.topics {
            None => true,
            Some(topics) => version == 0 && topics.is_empty(),
        }
    }
}

/// One topic a [`MetadataRequest`] asks about, by name or (v10+) by id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MetadataRequestTopic {
    /// The topic id (v10+), or [`Uuid::ZERO`] to ask by name.
    pub topic_id: Uuid,
    /// The topic name; may be `None` from v10 when asking by id.
    pub name: Option<String>,
    /// Tagged fields this crate does not know (v9+).
    pub unknown_tagged_fields: UnknownTaggedFields,
}

impl Default for MetadataRequestTopic {
    fn default() -> Self {
        Self {
            topic_id: Uuid::ZERO,
            // The schema gives no default, so Java's applies: "".
            name: Some(String::new()),
            unknown_tagged_fields: UnknownTaggedFields::default(),
        }
    }
}

impl MetadataRequestTopic {
    /// A topic asked for by name.
    pub fn named(name: impl Into<String>) -> Self {
        Self {
            name: Some(name.into()),
            ..Self::default()
        }
    }

    /// A topic asked for by id (needs v10+; brokers honour it from v12).
    pub fn with_id(topic_id: Uuid) -> Self {
        Self {
            topic_id,
            name: None,
            ..Self::default()
        }
    }

    fn encode(&self, buf: &mut BytesMut, version: i16) -> Result<(), EncodeError> {
        let flexible = MetadataRequest::is_flexible(version);
        // TopicId is ignorable, so an id sent below v10 is dropped, as in Java.
        if version >= 10 {
            put_uuid(buf, &self.topic_id);
        }
        if self.name.is_none() && version < 10 {
            return Err(EncodeError::NullNotAllowed {
                what: "topic name",
                version,
            });
        }
        put_nullable_string(buf, "topic name", self.name.as_deref(), flexible)?;
        put_struct_tags(
            buf,
            &self.unknown_tagged_fields,
            flexible,
            version,
            "request topic unknown tagged fields",
        )
    }

    fn decode(r: &mut Reader, version: i16) -> Result<Self, DecodeError> {
        let flexible = MetadataRequest::is_flexible(version);
        let topic_id = if version >= 10 {
            r.uuid("topic id")?
        } else {
            Uuid::ZERO
        };
        let name = if version >= 10 {
            r.nullable_string("topic name", flexible)?
        } else {
            Some(r.string("topic name", flexible)?)
        };
        Ok(Self {
            topic_id,
            name,
            unknown_tagged_fields: r.struct_tags(flexible)?,
        })
    }
}

impl ApiMessage for MetadataRequest {
    const API_KEY: ApiKey = ApiKey::METADATA;
    const VERSIONS: VersionRange = VersionRange { min: 0, max: 13 };
    const FLEXIBLE_FROM: i16 = 9;
}

impl Request for MetadataRequest {
    type Response = MetadataResponse;
}

impl Encode for MetadataRequest {
    fn encode(&self, buf: &mut BytesMut, version: i16) -> Result<(), EncodeError> {
        check_encode_version::<Self>(version)?;
        let flexible = Self::is_flexible(version);
        if self.topics.is_none() && version < 1 {
            return Err(EncodeError::NullNotAllowed {
                what: "topics",
                version,
            });
        }
        put_nullable_array(buf, "topics", self.topics.as_deref(), flexible, |b, t| {
            t.encode(b, version)
        })?;
        if version >= 4 {
            put_bool(buf, self.allow_auto_topic_creation);
        } else if !self.allow_auto_topic_creation {
            return Err(EncodeError::FieldNotInVersion {
                field: "allow auto topic creation",
                version,
            });
        }
        if (8..=10).contains(&version) {
            put_bool(buf, self.include_cluster_authorized_operations);
        } else if self.include_cluster_authorized_operations {
            return Err(EncodeError::FieldNotInVersion {
                field: "include cluster authorized operations",
                version,
            });
        }
        if version >= 8 {
            put_bool(buf, self.include_topic_authorized_operations);
        } else if self.include_topic_authorized_operations {
            return Err(EncodeError::FieldNotInVersion {
                field: "include topic authorized operations",
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

impl Decode for MetadataRequest {
    fn decode(r: &mut Reader, version: i16) -> Result<Self, DecodeError> {
        check_decode_version::<Self>(version)?;
        let flexible = Self::is_flexible(version);
        let element = |r: &mut Reader| MetadataRequestTopic::decode(r, version);
        let topics = if version >= 1 {
            r.nullable_array("topics", flexible, element)?
        } else {
            Some(r.array("topics", flexible, element)?)
        };
        let mut req = Self {
            topics,
            ..Self::default()
        };
        if version >= 4 {
            req.allow_auto_topic_creation = r.bool("allow auto topic creation")?;
        }
        if (8..=10).contains(&version) {
            req.include_cluster_authorized_operations =
                r.bool("include cluster authorized operations")?;
        }
        if version >= 8 {
            req.include_topic_authorized_operations =
                r.bool("include topic authorized operations")?;
        }
        req.unknown_tagged_fields = r.struct_tags(flexible)?;
        Ok(req)
    }
}

/// The brokers of the cluster and the layout of the topics asked about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MetadataResponse {
    /// How long the request was throttled by a quota, in ms (v3+).
    pub throttle_time_ms: i32,
    /// The brokers in the cluster.
    pub brokers: Vec<MetadataResponseBroker>,
    /// The cluster id (v2+), if the broker knows it.
    pub cluster_id: Option<String>,
    /// The node id of the controller (v1+), or -1.
    pub controller_id: i32,
    /// One entry per topic described.
    pub topics: Vec<MetadataResponseTopic>,
    /// The cluster's authorized operations bitfield (v8-v10), or
    /// [`AUTHORIZED_OPERATIONS_OMITTED`].
    pub cluster_authorized_operations: i32,
    /// A top-level error (v13+): `REBOOTSTRAP_REQUIRED` (129) tells the
    /// client to rediscover the cluster from its bootstrap servers
    /// (KIP-1102).
    pub error_code: ErrorCode,
    /// Tagged fields this crate does not know (v9+).
    pub unknown_tagged_fields: UnknownTaggedFields,
}

impl Default for MetadataResponse {
    fn default() -> Self {
        Self {
            throttle_time_ms: 0,
            brokers: Vec::new(),
            cluster_id: None,
            controller_id: -1,
            topics: Vec::new(),
            cluster_authorized_operations: AUTHORIZED_OPERATIONS_OMITTED,
            error_code: ErrorCode::NONE,
            unknown_tagged_fields: UnknownTaggedFields::default(),
        }
    }
}

impl MetadataResponse {
    /// The broker with id `node_id`, if listed.
    pub fn broker(&self, node_id: i32) -> Option<&MetadataResponseBroker> {
        self.brokers.iter().find(|b| b.node_id == node_id)
    }

    /// The controller, if it is known and listed among the brokers.
    pub fn controller(&self) -> Option<&MetadataResponseBroker> {
        if self.controller_id < 0 {
            return None;
        }
        self.broker(self.controller_id)
    }

    /// The topic named `name`, if described.
    pub fn topic(&self, name: &str) -> Option<&MetadataResponseTopic> {
        self.topics.iter().find(|t| t.name.as_deref() == Some(name))
    }

    /// The topic with id `topic_id`, if described. The zero id matches
    /// nothing: it means "no id".
    pub fn topic_by_id(&self, topic_id: Uuid) -> Option<&MetadataResponseTopic> {
        if topic_id.is_zero() {
            return None;
        }
        self.topics.iter().find(|t| t.topic_id == topic_id)
    }

    /// The broker leading partition `partition` of topic `topic`, if the
    /// partition is described, has a leader, and that leader is listed.
    pub fn leader(&self, topic: &str, partition: i32) -> Option<&MetadataResponseBroker> {
        let leader = self.topic(topic)?.partition(partition)?.leader()?;
        self.broker(leader)
    }
}

/// A broker as listed in a [`MetadataResponse`]. Every field defaults to
/// zero, empty or null, as in the schema.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MetadataResponseBroker {
    /// The broker id (the key of the schema's broker collection).
    pub node_id: i32,
    /// The host name clients connect to.
    pub host: String,
    /// The port clients connect to.
    pub port: i32,
    /// The broker's rack (v1+), or `None` if unassigned.
    pub rack: Option<String>,
    /// Tagged fields this crate does not know (v9+).
    pub unknown_tagged_fields: UnknownTaggedFields,
}

impl MetadataResponseBroker {
    fn encode(&self, buf: &mut BytesMut, version: i16) -> Result<(), EncodeError> {
        let flexible = MetadataResponse::is_flexible(version);
        buf.put_i32(self.node_id);
        put_string(buf, "broker host", &self.host, flexible)?;
        buf.put_i32(self.port);
        if version >= 1 {
            put_nullable_string(buf, "broker rack", self.rack.as_deref(), flexible)?;
        }
        put_struct_tags(
            buf,
            &self.unknown_tagged_fields,
            flexible,
            version,
            "broker unknown tagged fields",
        )
    }

    fn decode(r: &mut Reader, version: i16) -> Result<Self, DecodeError> {
        let flexible = MetadataResponse::is_flexible(version);
        let node_id = r.i32("broker node id")?;
        let host = r.string("broker host", flexible)?;
        let port = r.i32("broker port")?;
        let rack = if version >= 1 {
            r.nullable_string("broker rack", flexible)?
        } else {
            None
        };
        Ok(Self {
            node_id,
            host,
            port,
            rack,
            unknown_tagged_fields: r.struct_tags(flexible)?,
        })
    }
}

/// A topic as described in a [`MetadataResponse`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MetadataResponseTopic {
    /// The topic's error, `NONE` on success.
    pub error_code: ErrorCode,
    /// The topic name; `None` (v12+) for an unknown topic asked for by id.
    pub name: Option<String>,
    /// The topic id (v10+); zero for an unknown topic asked for by name.
    pub topic_id: Uuid,
    /// True for internal topics such as `__consumer_offsets` (v1+).
    pub is_internal: bool,
    /// The topic's partitions.
    pub partitions: Vec<MetadataResponsePartition>,
    /// The topic's authorized operations bitfield (v8+), or
    /// [`AUTHORIZED_OPERATIONS_OMITTED`].
    pub topic_authorized_operations: i32,
    /// Tagged fields this crate does not know (v9+).
    pub unknown_tagged_fields: UnknownTaggedFields,
}

impl Default for MetadataResponseTopic {
    fn default() -> Self {
        Self {
            error_code: ErrorCode::NONE,
            // The schema gives no default, so Java's applies: "".
            name: Some(String::new()),
            topic_id: Uuid::ZERO,
            is_internal: false,
            partitions: Vec::new(),
            topic_authorized_operations: AUTHORIZED_OPERATIONS_OMITTED,
            unknown_tagged_fields: UnknownTaggedFields::default(),
        }
    }
}

impl MetadataResponseTopic {
    /// The partition with index `index`, if described.
    pub fn partition(&self, index: i32) -> Option<&MetadataResponsePartition> {
        self.partitions.iter().find(|p| p.partition_index == index)
    }

    fn encode(&self, buf: &mut BytesMut, version: i16) -> Result<(), EncodeError> {
        let flexible = MetadataResponse::is_flexible(version);
        buf.put_i16(self.error_code.0);
        if self.name.is_none() && version < 12 {
            return Err(EncodeError::NullNotAllowed {
                what: "topic name",
                version,
            });
        }
        put_nullable_string(buf, "topic name", self.name.as_deref(), flexible)?;
        if version >= 10 {
            put_uuid(buf, &self.topic_id);
        }
        if version >= 1 {
            put_bool(buf, self.is_internal);
        }
        put_array(buf, "partitions", &self.partitions, flexible, |b, p| {
            p.encode(b, version)
        })?;
        if version >= 8 {
            buf.put_i32(self.topic_authorized_operations);
        } else if self.topic_authorized_operations != AUTHORIZED_OPERATIONS_OMITTED {
            return Err(EncodeError::FieldNotInVersion {
                field: "topic authorized operations",
                version,
            });
        }
        put_struct_tags(
            buf,
            &self.unknown_tagged_fields,
            flexible,
            version,
            "topic unknown tagged fields",
        )
    }

    fn decode(r: &mut Reader, version: i16) -> Result<Self, DecodeError> {
        let flexible = MetadataResponse::is_flexible(version);
        let mut topic = Self {
            error_code: ErrorCode(r.i16("topic error code")?),
            name: if version >= 12 {
                r.nullable_string("topic name", flexible)?
            } else {
                Some(r.string("topic name", flexible)?)
            },
            ..Self::default()
        };
        if version >= 10 {
            topic.topic_id = r.uuid("topic id")?;
        }
        if version >= 1 {
            topic.is_internal = r.bool("topic is internal")?;
        }
        topic.partitions = r.array("partitions", flexible, |r| {
            MetadataResponsePartition::decode(r, version)
        })?;
        if version >= 8 {
            topic.topic_authorized_operations = r.i32("topic authorized operations")?;
        }
        topic.unknown_tagged_fields = r.struct_tags(flexible)?;
        Ok(topic)
    }
}

/// A partition as described in a [`MetadataResponseTopic`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MetadataResponsePartition {
    /// The partition's error, `NONE` on success.
    pub error_code: ErrorCode,
    /// The partition index.
    pub partition_index: i32,
    /// The leader's node id, or -1 when there is none.
    pub leader_id: i32,
    /// The leader epoch (v7+), or -1 when unknown.
    pub leader_epoch: i32,
    /// Every broker that hosts a replica.
    pub replica_nodes: Vec<i32>,
    /// The replicas in sync with the leader.
    pub isr_nodes: Vec<i32>,
    /// The replicas that are offline (v5+).
    pub offline_replicas: Vec<i32>,
    /// Tagged fields this crate does not know (v9+).
    pub unknown_tagged_fields: UnknownTaggedFields,
}

impl Default for MetadataResponsePartition {
    fn default() -> Self {
        Self {
            error_code: ErrorCode::NONE,
            partition_index: 0,
            leader_id: 0,
            leader_epoch: -1,
            replica_nodes: Vec::new(),
            isr_nodes: Vec::new(),
            offline_replicas: Vec::new(),
            unknown_tagged_fields: UnknownTaggedFields::default(),
        }
    }
}

impl MetadataResponsePartition {
    /// The leader's node id, or `None` when the partition has no leader
    /// (Kafka says so with a negative id).
    pub fn leader(&self) -> Option<i32> {
        (self.leader_id >= 0).then_some(self.leader_id)
    }

    fn encode(&self, buf: &mut BytesMut, version: i16) -> Result<(), EncodeError> {
        let flexible = MetadataResponse::is_flexible(version);
        buf.put_i16(self.error_code.0);
        buf.put_i32(self.partition_index);
        buf.put_i32(self.leader_id);
        if version >= 7 {
            buf.put_i32(self.leader_epoch);
        }
        put_i32_array(buf, "replica nodes", &self.replica_nodes, flexible)?;
        put_i32_array(buf, "isr nodes", &self.isr_nodes, flexible)?;
        if version >= 5 {
            put_i32_array(buf, "offline replicas", &self.offline_replicas, flexible)?;
        }
        put_struct_tags(
            buf,
            &self.unknown_tagged_fields,
            flexible,
            version,
            "partition unknown tagged fields",
        )
    }

    fn decode(r: &mut Reader, version: i16) -> Result<Self, DecodeError> {
        let flexible = MetadataResponse::is_flexible(version);
        let mut partition = Self {
            error_code: ErrorCode(r.i16("partition error code")?),
            partition_index: r.i32("partition index")?,
            leader_id: r.i32("leader id")?,
            ..Self::default()
        };
        if version >= 7 {
            partition.leader_epoch = r.i32("leader epoch")?;
        }
        partition.replica_nodes = r.i32_array("replica nodes", "replica node", flexible)?;
        partition.isr_nodes = r.i32_array("isr nodes", "isr node", flexible)?;
        if version >= 5 {
            partition.offline_replicas =
                r.i32_array("offline replicas", "offline replica", flexible)?;
        }
        partition.unknown_tagged_fields = r.struct_tags(flexible)?;
        Ok(partition)
    }
}

impl ApiMessage for MetadataResponse {
    const API_KEY: ApiKey = ApiKey::METADATA;
    const VERSIONS: VersionRange = MetadataRequest::VERSIONS;
    const FLEXIBLE_FROM: i16 = MetadataRequest::FLEXIBLE_FROM;
}

impl Encode for MetadataResponse {
    fn encode(&self, buf: &mut BytesMut, version: i16) -> Result<(), EncodeError> {
        check_encode_version::<Self>(version)?;
        let flexible = Self::is_flexible(version);
        if version >= 3 {
            buf.put_i32(self.throttle_time_ms);
        }
        put_array(buf, "brokers", &self.brokers, flexible, |b, broker| {
            broker.encode(b, version)
        })?;
        if version >= 2 {
            put_nullable_string(buf, "cluster id", self.cluster_id.as_deref(), flexible)?;
        }
        if version >= 1 {
            buf.put_i32(self.controller_id);
        }
        put_array(buf, "topics", &self.topics, flexible, |b, t| {
            t.encode(b, version)
        })?;
        if (8..=10).contains(&version) {
            buf.put_i32(self.cluster_authorized_operations);
        } else if self.cluster_authorized_operations != AUTHORIZED_OPERATIONS_OMITTED {
            return Err(EncodeError::FieldNotInVersion {
                field: "cluster authorized operations",
                version,
            });
        }
        if version >= 13 {
            buf.put_i16(self.error_code.0);
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

impl Decode for MetadataResponse {
    fn decode(r: &mut Reader, version: i16) -> Result<Self, DecodeError> {
        check_decode_version::<Self>(version)?;
        let flexible = Self::is_flexible(version);
        let mut resp = Self::default();
        if version >= 3 {
            resp.throttle_time_ms = r.i32("throttle time")?;
        }
        resp.brokers = r.array("brokers", flexible, |r| {
            MetadataResponseBroker::decode(r, version)
        })?;
        if version >= 2 {
            resp.cluster_id = r.nullable_string("cluster id", flexible)?;
        }
        if version >= 1 {
            resp.controller_id = r.i32("controller id")?;
        }
        resp.topics = r.array("topics", flexible, |r| {
            MetadataResponseTopic::decode(r, version)
        })?;
        if (8..=10).contains(&version) {
            resp.cluster_authorized_operations = r.i32("cluster authorized operations")?;
        }
        if version >= 13 {
            resp.error_code = ErrorCode(r.i16("error code")?);
        }
        resp.unknown_tagged_fields = r.struct_tags(flexible)?;
        Ok(resp)
    }
}
