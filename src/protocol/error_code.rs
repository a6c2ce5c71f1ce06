//! Kafka error codes with the flags the producer's recovery logic needs.
//!
//! The table is derived from the Java client's `Errors.java` (codes up to
//! 133, Kafka 4.1+): `retriable`
//! means the exception class extends `RetriableException`, and
//! `invalid_metadata` that it extends `InvalidMetadataException`, meaning
//! the client's map of leaders is stale and must be refreshed.

/// A Kafka error code as carried on the wire (int16).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct ErrorCode(pub i16);

struct Info {
    code: i16,
    name: &'static str,
    retriable: bool,
    invalid_metadata: bool,
}

const fn info(code: i16, name: &'static str, retriable: bool, invalid_metadata: bool) -> Info {
    Info {
        code,
        name,
        retriable,
        invalid_metadata,
    }
}

impl ErrorCode {
    /// Broker hit an unexpected internal error while handling the request.
    pub const UNKNOWN_SERVER_ERROR: ErrorCode = ErrorCode(-1);
    /// Success; no error.
    pub const NONE: ErrorCode = ErrorCode(0);
    /// Requested offset lies outside the offsets the broker currently holds for the partition.
    pub const OFFSET_OUT_OF_RANGE: ErrorCode = ErrorCode(1);
    /// Record batch failed CRC / size / key validation or is otherwise malformed.
    pub const CORRUPT_MESSAGE: ErrorCode = ErrorCode(2);
    /// Broker does not host this topic-partition (topic missing or no Describe access).
    pub const UNKNOWN_TOPIC_OR_PARTITION: ErrorCode = ErrorCode(3);
    /// Fetch request carried an invalid fetch size.
    pub const INVALID_FETCH_SIZE: ErrorCode = ErrorCode(4);
    /// Partition currently has no leader (e.g. election in progress).
    pub const LEADER_NOT_AVAILABLE: ErrorCode = ErrorCode(5);
    /// Broker is not the leader (for leader-only requests) or not a replica (for replica requests) of the partition.
    pub const NOT_LEADER_OR_FOLLOWER: ErrorCode = ErrorCode(6);
    /// Request did not complete within its timeout.
    pub const REQUEST_TIMED_OUT: ErrorCode = ErrorCode(7);
    /// Target broker is not available.
    pub const BROKER_NOT_AVAILABLE: ErrorCode = ErrorCode(8);
    /// Replica is not available for the requested partition.
    pub const REPLICA_NOT_AVAILABLE: ErrorCode = ErrorCode(9);
    /// A record/batch exceeds the largest message size the broker accepts.
    pub const MESSAGE_TOO_LARGE: ErrorCode = ErrorCode(10);
    /// Controller epoch is stale; controller has moved.
    pub const STALE_CONTROLLER_EPOCH: ErrorCode = ErrorCode(11);
    /// Offset commit metadata string is too large.
    pub const OFFSET_METADATA_TOO_LARGE: ErrorCode = ErrorCode(12);
    /// Connection closed before a response arrived.
    pub const NETWORK_EXCEPTION: ErrorCode = ErrorCode(13);
    /// Coordinator is still loading its state.
    pub const COORDINATOR_LOAD_IN_PROGRESS: ErrorCode = ErrorCode(14);
    /// Coordinator is not available.
    pub const COORDINATOR_NOT_AVAILABLE: ErrorCode = ErrorCode(15);
    /// Broker contacted is not the coordinator for this group/transactional id.
    pub const NOT_COORDINATOR: ErrorCode = ErrorCode(16);
    /// Operation targeted an invalid topic (e.g. name too long or with illegal characters).
    pub const INVALID_TOPIC_EXCEPTION: ErrorCode = ErrorCode(17);
    /// Batch is larger than the broker's configured log segment size.
    pub const RECORD_LIST_TOO_LARGE: ErrorCode = ErrorCode(18);
    /// Write rejected: fewer in-sync replicas than required (min.insync.replicas).
    pub const NOT_ENOUGH_REPLICAS: ErrorCode = ErrorCode(19);
    /// Records were written to the log, but to fewer in-sync replicas than required.
    pub const NOT_ENOUGH_REPLICAS_AFTER_APPEND: ErrorCode = ErrorCode(20);
    /// Produce request used an acks value the broker does not allow.
    pub const INVALID_REQUIRED_ACKS: ErrorCode = ErrorCode(21);
    /// Consumer group generation id is not valid.
    pub const ILLEGAL_GENERATION: ErrorCode = ErrorCode(22);
    /// Member's group protocols are incompatible with the group, or protocol type/list is empty.
    pub const INCONSISTENT_GROUP_PROTOCOL: ErrorCode = ErrorCode(23);
    /// Group id is invalid.
    pub const INVALID_GROUP_ID: ErrorCode = ErrorCode(24);
    /// Group coordinator does not know this member id.
    pub const UNKNOWN_MEMBER_ID: ErrorCode = ErrorCode(25);
    /// Session timeout outside broker's allowed group min/max session timeout range.
    pub const INVALID_SESSION_TIMEOUT: ErrorCode = ErrorCode(26);
    /// Group is rebalancing; member must rejoin.
    pub const REBALANCE_IN_PROGRESS: ErrorCode = ErrorCode(27);
    /// Offset commit data size is invalid.
    pub const INVALID_COMMIT_OFFSET_SIZE: ErrorCode = ErrorCode(28);
    /// Principal is not authorized for the topic.
    pub const TOPIC_AUTHORIZATION_FAILED: ErrorCode = ErrorCode(29);
    /// Principal is not authorized for the group.
    pub const GROUP_AUTHORIZATION_FAILED: ErrorCode = ErrorCode(30);
    /// Principal is not authorized for the cluster-level operation.
    pub const CLUSTER_AUTHORIZATION_FAILED: ErrorCode = ErrorCode(31);
    /// Record timestamp is outside the acceptable range.
    pub const INVALID_TIMESTAMP: ErrorCode = ErrorCode(32);
    /// Broker does not support the requested SASL mechanism.
    pub const UNSUPPORTED_SASL_MECHANISM: ErrorCode = ErrorCode(33);
    /// Request is not allowed in the current SASL authentication state.
    pub const ILLEGAL_SASL_STATE: ErrorCode = ErrorCode(34);
    /// Broker does not support the requested API version.
    pub const UNSUPPORTED_VERSION: ErrorCode = ErrorCode(35);
    /// A topic with this name already exists.
    pub const TOPIC_ALREADY_EXISTS: ErrorCode = ErrorCode(36);
    /// Requested partition count is invalid (below 1).
    pub const INVALID_PARTITIONS: ErrorCode = ErrorCode(37);
    /// Replication factor is invalid (below 1 or more than available brokers).
    pub const INVALID_REPLICATION_FACTOR: ErrorCode = ErrorCode(38);
    /// Explicit replica assignment is invalid.
    pub const INVALID_REPLICA_ASSIGNMENT: ErrorCode = ErrorCode(39);
    /// Supplied configuration is invalid.
    pub const INVALID_CONFIG: ErrorCode = ErrorCode(40);
    /// Broker contacted is not the active controller.
    pub const NOT_CONTROLLER: ErrorCode = ErrorCode(41);
    /// Request is malformed or incompatible with this broker.
    pub const INVALID_REQUEST: ErrorCode = ErrorCode(42);
    /// Broker's message format version does not support this request.
    pub const UNSUPPORTED_FOR_MESSAGE_FORMAT: ErrorCode = ErrorCode(43);
    /// Request violates a configured broker policy.
    pub const POLICY_VIOLATION: ErrorCode = ErrorCode(44);
    /// Broker saw an unexpected (out of order) producer sequence number.
    pub const OUT_OF_ORDER_SEQUENCE_NUMBER: ErrorCode = ErrorCode(45);
    /// Broker saw a producer sequence number it has already written (duplicate).
    pub const DUPLICATE_SEQUENCE_NUMBER: ErrorCode = ErrorCode(46);
    /// Producer used an epoch older than the current one.
    pub const INVALID_PRODUCER_EPOCH: ErrorCode = ErrorCode(47);
    /// Transactional operation attempted in an invalid transaction state.
    pub const INVALID_TXN_STATE: ErrorCode = ErrorCode(48);
    /// Producer id is not currently mapped to this transactional id.
    pub const INVALID_PRODUCER_ID_MAPPING: ErrorCode = ErrorCode(49);
    /// Transaction timeout exceeds broker's transaction.max.timeout.ms.
    pub const INVALID_TRANSACTION_TIMEOUT: ErrorCode = ErrorCode(50);
    /// Another operation on the same transaction is still in progress.
    pub const CONCURRENT_TRANSACTIONS: ErrorCode = ErrorCode(51);
    /// Transaction coordinator sending WriteTxnMarkers is no longer current for the producer.
    pub const TRANSACTION_COORDINATOR_FENCED: ErrorCode = ErrorCode(52);
    /// Principal is not authorized for the transactional id.
    pub const TRANSACTIONAL_ID_AUTHORIZATION_FAILED: ErrorCode = ErrorCode(53);
    /// Security features are disabled on the broker.
    pub const SECURITY_DISABLED: ErrorCode = ErrorCode(54);
    /// Broker skipped this operation (e.g. another item in a batched request failed).
    pub const OPERATION_NOT_ATTEMPTED: ErrorCode = ErrorCode(55);
    /// Broker hit a disk/log-directory error accessing the log.
    pub const KAFKA_STORAGE_ERROR: ErrorCode = ErrorCode(56);
    /// Requested log directory is not in the broker configuration.
    pub const LOG_DIR_NOT_FOUND: ErrorCode = ErrorCode(57);
    /// SASL authentication failed.
    pub const SASL_AUTHENTICATION_FAILED: ErrorCode = ErrorCode(58);
    /// Broker has no state for the producer id (e.g. its records were removed by retention).
    pub const UNKNOWN_PRODUCER_ID: ErrorCode = ErrorCode(59);
    /// A partition reassignment is in progress.
    pub const REASSIGNMENT_IN_PROGRESS: ErrorCode = ErrorCode(60);
    /// Delegation token support is not enabled.
    pub const DELEGATION_TOKEN_AUTH_DISABLED: ErrorCode = ErrorCode(61);
    /// Delegation token not found on the server.
    pub const DELEGATION_TOKEN_NOT_FOUND: ErrorCode = ErrorCode(62);
    /// Principal is not a valid owner/renewer of the delegation token.
    pub const DELEGATION_TOKEN_OWNER_MISMATCH: ErrorCode = ErrorCode(63);
    /// Delegation token requests are not allowed on this channel/authentication type.
    pub const DELEGATION_TOKEN_REQUEST_NOT_ALLOWED: ErrorCode = ErrorCode(64);
    /// Not authorized for the delegation token operation.
    pub const DELEGATION_TOKEN_AUTHORIZATION_FAILED: ErrorCode = ErrorCode(65);
    /// Delegation token has expired.
    pub const DELEGATION_TOKEN_EXPIRED: ErrorCode = ErrorCode(66);
    /// Supplied principal type is not supported.
    pub const INVALID_PRINCIPAL_TYPE: ErrorCode = ErrorCode(67);
    /// Group is not empty.
    pub const NON_EMPTY_GROUP: ErrorCode = ErrorCode(68);
    /// Group id does not exist.
    pub const GROUP_ID_NOT_FOUND: ErrorCode = ErrorCode(69);
    /// Fetch session id was not found on the broker.
    pub const FETCH_SESSION_ID_NOT_FOUND: ErrorCode = ErrorCode(70);
    /// Fetch session epoch is invalid.
    pub const INVALID_FETCH_SESSION_EPOCH: ErrorCode = ErrorCode(71);
    /// Leader has no listener matching the listener the metadata request arrived on.
    pub const LISTENER_NOT_FOUND: ErrorCode = ErrorCode(72);
    /// Topic deletion is disabled on the broker.
    pub const TOPIC_DELETION_DISABLED: ErrorCode = ErrorCode(73);
    /// Leader epoch in the request is older than the broker's.
    pub const FENCED_LEADER_EPOCH: ErrorCode = ErrorCode(74);
    /// Leader epoch in the request is newer than the broker's.
    pub const UNKNOWN_LEADER_EPOCH: ErrorCode = ErrorCode(75);
    /// Client does not support the partition's compression type.
    pub const UNSUPPORTED_COMPRESSION_TYPE: ErrorCode = ErrorCode(76);
    /// Broker epoch has changed (stale).
    pub const STALE_BROKER_EPOCH: ErrorCode = ErrorCode(77);
    /// Leader high watermark not caught up after election; offsets not yet available.
    pub const OFFSET_NOT_AVAILABLE: ErrorCode = ErrorCode(78);
    /// Group member must first obtain a member id before joining.
    pub const MEMBER_ID_REQUIRED: ErrorCode = ErrorCode(79);
    /// Preferred leader is not available.
    pub const PREFERRED_LEADER_NOT_AVAILABLE: ErrorCode = ErrorCode(80);
    /// Consumer group has reached its maximum size.
    pub const GROUP_MAX_SIZE_REACHED: ErrorCode = ErrorCode(81);
    /// Static member fenced: another member registered the same group.instance.id.
    pub const FENCED_INSTANCE_ID: ErrorCode = ErrorCode(82);
    /// No eligible leader available for the partition.
    pub const ELIGIBLE_LEADERS_NOT_AVAILABLE: ErrorCode = ErrorCode(83);
    /// Leader election is not needed for the partition.
    pub const ELECTION_NOT_NEEDED: ErrorCode = ErrorCode(84);
    /// No partition reassignment is in progress.
    pub const NO_REASSIGNMENT_IN_PROGRESS: ErrorCode = ErrorCode(85);
    /// Cannot delete offsets of a topic the group is actively subscribed to.
    pub const GROUP_SUBSCRIBED_TO_TOPIC: ErrorCode = ErrorCode(86);
    /// Record failed broker-side validation and was rejected.
    pub const INVALID_RECORD: ErrorCode = ErrorCode(87);
    /// Requested partitions have unstable (not yet settled) offsets; retry later.
    pub const UNSTABLE_OFFSET_COMMIT: ErrorCode = ErrorCode(88);
    /// Operation on a resource exceeded its throttling quota.
    pub const THROTTLING_QUOTA_EXCEEDED: ErrorCode = ErrorCode(89);
    /// A newer producer with the same transactional id has fenced this one.
    pub const PRODUCER_FENCED: ErrorCode = ErrorCode(90);
    /// Request referenced a resource that does not exist.
    pub const RESOURCE_NOT_FOUND: ErrorCode = ErrorCode(91);
    /// Request referenced the same resource more than once.
    pub const DUPLICATE_RESOURCE: ErrorCode = ErrorCode(92);
    /// Requested credential does not meet acceptability criteria.
    pub const UNACCEPTABLE_CREDENTIAL: ErrorCode = ErrorCode(93);
    /// Sender or receiver of a voter-only (KRaft) request is not an expected voter.
    pub const INCONSISTENT_VOTER_SET: ErrorCode = ErrorCode(94);
    /// Supplied update version is invalid.
    pub const INVALID_UPDATE_VERSION: ErrorCode = ErrorCode(95);
    /// Finalized feature update failed due to an unexpected server error.
    pub const FEATURE_UPDATE_FAILED: ErrorCode = ErrorCode(96);
    /// Broker failed to deserialize the request principal during forwarding.
    pub const PRINCIPAL_DESERIALIZATION_FAILURE: ErrorCode = ErrorCode(97);
    /// Requested (KRaft) snapshot was not found.
    pub const SNAPSHOT_NOT_FOUND: ErrorCode = ErrorCode(98);
    /// Requested snapshot position is out of range.
    pub const POSITION_OUT_OF_RANGE: ErrorCode = ErrorCode(99);
    /// Broker does not host the given topic id.
    pub const UNKNOWN_TOPIC_ID: ErrorCode = ErrorCode(100);
    /// Broker id is already registered/in use.
    pub const DUPLICATE_BROKER_REGISTRATION: ErrorCode = ErrorCode(101);
    /// Broker id was not registered.
    pub const BROKER_ID_NOT_REGISTERED: ErrorCode = ErrorCode(102);
    /// Topic id in the request does not match the log's topic id.
    pub const INCONSISTENT_TOPIC_ID: ErrorCode = ErrorCode(103);
    /// Cluster id in the request does not match the server's.
    pub const INCONSISTENT_CLUSTER_ID: ErrorCode = ErrorCode(104);
    /// Transactional id could not be found.
    pub const TRANSACTIONAL_ID_NOT_FOUND: ErrorCode = ErrorCode(105);
    /// Fetch session saw inconsistent topic id usage.
    pub const FETCH_SESSION_TOPIC_ID_ERROR: ErrorCode = ErrorCode(106);
    /// Proposed ISR contains an ineligible replica.
    pub const INELIGIBLE_REPLICA: ErrorCode = ErrorCode(107);
    /// AlterPartition applied but the partition leader has changed.
    pub const NEW_LEADER_ELECTED: ErrorCode = ErrorCode(108);
    /// Requested offset has been moved to tiered storage.
    pub const OFFSET_MOVED_TO_TIERED_STORAGE: ErrorCode = ErrorCode(109);
    /// Member epoch fenced by group coordinator; member must give up partitions and rejoin.
    pub const FENCED_MEMBER_EPOCH: ErrorCode = ErrorCode(110);
    /// Instance id still in use by another group member that must leave first.
    pub const UNRELEASED_INSTANCE_ID: ErrorCode = ErrorCode(111);
    /// Group does not support the requested assignor or its version range.
    pub const UNSUPPORTED_ASSIGNOR: ErrorCode = ErrorCode(112);
    /// Member epoch is stale; retry after receiving updated epoch via ConsumerGroupHeartbeat.
    pub const STALE_MEMBER_EPOCH: ErrorCode = ErrorCode(113);
    /// Request was sent to an endpoint of the wrong type.
    pub const MISMATCHED_ENDPOINT_TYPE: ErrorCode = ErrorCode(114);
    /// Endpoint type is not supported yet.
    pub const UNSUPPORTED_ENDPOINT_TYPE: ErrorCode = ErrorCode(115);
    /// Controller id is not known.
    pub const UNKNOWN_CONTROLLER_ID: ErrorCode = ErrorCode(116);
    /// PushTelemetry used an invalid or outdated subscription id.
    pub const UNKNOWN_SUBSCRIPTION_ID: ErrorCode = ErrorCode(117);
    /// PushTelemetry payload exceeds the broker's size limit.
    pub const TELEMETRY_TOO_LARGE: ErrorCode = ErrorCode(118);
    /// Controller considers the broker registration invalid.
    pub const INVALID_REGISTRATION: ErrorCode = ErrorCode(119);
    /// Transaction hit an error; the client may abort it and keep using the transactional id.
    pub const TRANSACTION_ABORTABLE: ErrorCode = ErrorCode(120);
    /// Share-group record state is invalid; acknowledgement could not be completed.
    pub const INVALID_RECORD_STATE: ErrorCode = ErrorCode(121);
    /// Share session was not found.
    pub const SHARE_SESSION_NOT_FOUND: ErrorCode = ErrorCode(122);
    /// Share session epoch is invalid.
    pub const INVALID_SHARE_SESSION_EPOCH: ErrorCode = ErrorCode(123);
    /// Share-group state epoch mismatch; share coordinator rejected the request.
    pub const FENCED_STATE_EPOCH: ErrorCode = ErrorCode(124);
    /// Voter key does not match the receiving replica's key.
    pub const INVALID_VOTER_KEY: ErrorCode = ErrorCode(125);
    /// Voter is already in the voter set.
    pub const DUPLICATE_VOTER: ErrorCode = ErrorCode(126);
    /// Voter is not in the voter set.
    pub const VOTER_NOT_FOUND: ErrorCode = ErrorCode(127);
    /// Regular expression is not valid.
    pub const INVALID_REGULAR_EXPRESSION: ErrorCode = ErrorCode(128);
    /// Client metadata is stale and the client should rebootstrap (KIP-1102).
    pub const REBOOTSTRAP_REQUIRED: ErrorCode = ErrorCode(129);
    /// The supplied Streams topology is invalid.
    pub const STREAMS_INVALID_TOPOLOGY: ErrorCode = ErrorCode(130);
    /// The supplied Streams topology epoch is invalid.
    pub const STREAMS_INVALID_TOPOLOGY_EPOCH: ErrorCode = ErrorCode(131);
    /// The supplied Streams topology epoch is outdated.
    pub const STREAMS_TOPOLOGY_FENCED: ErrorCode = ErrorCode(132);
    /// The limit of share sessions has been reached.
    pub const SHARE_SESSION_LIMIT_REACHED: ErrorCode = ErrorCode(133);

    fn info(self) -> Option<&'static Info> {
        TABLE
            .get(usize::try_from(i32::from(self.0) + 1).ok()?)
            .filter(|i| i.code == self.0)
    }

    /// The Java enum name, e.g. `NOT_LEADER_OR_FOLLOWER`, or `UNKNOWN` for a
    /// code this table does not list.
    pub fn name(self) -> &'static str {
        self.info().map_or("UNKNOWN", |i| i.name)
    }

    /// True for `NONE` (0).
    pub fn is_ok(self) -> bool {
        self.0 == 0
    }

    /// True when the Java client may retry a request that failed with it.
    pub fn is_retriable(self) -> bool {
        self.info().is_some_and(|i| i.retriable)
    }

    /// True when the error means the client's metadata is stale.
    pub fn is_invalid_metadata(self) -> bool {
        self.info().is_some_and(|i| i.invalid_metadata)
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.name(), self.0)
    }
}

/// Indexed by `code + 1`; codes run from -1 without gaps.
const TABLE: &[Info] = &[
    info(-1, "UNKNOWN_SERVER_ERROR", false, false),
    info(0, "NONE", false, false),
    info(1, "OFFSET_OUT_OF_RANGE", false, false),
    info(2, "CORRUPT_MESSAGE", true, false),
    info(3, "UNKNOWN_TOPIC_OR_PARTITION", true, true),
    info(4, "INVALID_FETCH_SIZE", false, false),
    info(5, "LEADER_NOT_AVAILABLE", true, true),
    info(6, "NOT_LEADER_OR_FOLLOWER", true, true),
    info(7, "REQUEST_TIMED_OUT", true, false),
    info(8, "BROKER_NOT_AVAILABLE", false, false),
    info(9, "REPLICA_NOT_AVAILABLE", true, true),
    info(10, "MESSAGE_TOO_LARGE", false, false),
    info(11, "STALE_CONTROLLER_EPOCH", false, false),
    info(12, "OFFSET_METADATA_TOO_LARGE", false, false),
    info(13, "NETWORK_EXCEPTION", true, true),
    info(14, "COORDINATOR_LOAD_IN_PROGRESS", true, false),
    info(15, "COORDINATOR_NOT_AVAILABLE", true, false),
    info(16, "NOT_COORDINATOR", true, false),
    info(17, "INVALID_TOPIC_EXCEPTION", false, false),
    info(18, "RECORD_LIST_TOO_LARGE", false, false),
    info(19, "NOT_ENOUGH_REPLICAS", true, false),
    info(20, "NOT_ENOUGH_REPLICAS_AFTER_APPEND", true, false),
    info(21, "INVALID_REQUIRED_ACKS", false, false),
    info(22, "ILLEGAL_GENERATION", false, false),
    info(23, "INCONSISTENT_GROUP_PROTOCOL", false, false),
    info(24, "INVALID_GROUP_ID", false, false),
    info(25, "UNKNOWN_MEMBER_ID", false, false),
    info(26, "INVALID_SESSION_TIMEOUT", false, false),
    info(27, "REBALANCE_IN_PROGRESS", false, false),
    info(28, "INVALID_COMMIT_OFFSET_SIZE", false, false),
    info(29, "TOPIC_AUTHORIZATION_FAILED", false, false),
    info(30, "GROUP_AUTHORIZATION_FAILED", false, false),
    info(31, "CLUSTER_AUTHORIZATION_FAILED", false, false),
    info(32, "INVALID_TIMESTAMP", false, false),
    info(33, "UNSUPPORTED_SASL_MECHANISM", false, false),
    info(34, "ILLEGAL_SASL_STATE", false, false),
    info(35, "UNSUPPORTED_VERSION", false, false),
    info(36, "TOPIC_ALREADY_EXISTS", false, false),
    info(37, "INVALID_PARTITIONS", false, false),
    info(38, "INVALID_REPLICATION_FACTOR", false, false),
    info(39, "INVALID_REPLICA_ASSIGNMENT", false, false),
    info(40, "INVALID_CONFIG", false, false),
    info(41, "NOT_CONTROLLER", true, false),
    info(42, "INVALID_REQUEST", false, false),
    info(43, "UNSUPPORTED_FOR_MESSAGE_FORMAT", false, false),
    info(44, "POLICY_VIOLATION", false, false),
    info(45, "OUT_OF_ORDER_SEQUENCE_NUMBER", false, false),
    info(46, "DUPLICATE_SEQUENCE_NUMBER", false, false),
    info(47, "INVALID_PRODUCER_EPOCH", false, false),
    info(48, "INVALID_TXN_STATE", false, false),
    info(49, "INVALID_PRODUCER_ID_MAPPING", false, false),
    info(50, "INVALID_TRANSACTION_TIMEOUT", false, false),
    info(51, "CONCURRENT_TRANSACTIONS", true, false),
    info(52, "TRANSACTION_COORDINATOR_FENCED", false, false),
    info(53, "TRANSACTIONAL_ID_AUTHORIZATION_FAILED", false, false),
    info(54, "SECURITY_DISABLED", false, false),
    info(55, "OPERATION_NOT_ATTEMPTED", false, false),
    info(56, "KAFKA_STORAGE_ERROR", true, true),
    info(57, "LOG_DIR_NOT_FOUND", false, false),
    info(58, "SASL_AUTHENTICATION_FAILED", false, false),
    info(59, "UNKNOWN_PRODUCER_ID", false, false),
    info(60, "REASSIGNMENT_IN_PROGRESS", false, false),
    info(61, "DELEGATION_TOKEN_AUTH_DISABLED", false, false),
    info(62, "DELEGATION_TOKEN_NOT_FOUND", false, false),
    info(63, "DELEGATION_TOKEN_OWNER_MISMATCH", false, false),
    info(64, "DELEGATION_TOKEN_REQUEST_NOT_ALLOWED", false, false),
    info(65, "DELEGATION_TOKEN_AUTHORIZATION_FAILED", false, false),
    info(66, "DELEGATION_TOKEN_EXPIRED", false, false),
    info(67, "INVALID_PRINCIPAL_TYPE", false, false),
    info(68, "NON_EMPTY_GROUP", false, false),
    info(69, "GROUP_ID_NOT_FOUND", false, false),
    info(70, "FETCH_SESSION_ID_NOT_FOUND", true, false),
    info(71, "INVALID_FETCH_SESSION_EPOCH", true, false),
    info(72, "LISTENER_NOT_FOUND", true, true),
    info(73, "TOPIC_DELETION_DISABLED", false, false),
    info(74, "FENCED_LEADER_EPOCH", true, true),
    info(75, "UNKNOWN_LEADER_EPOCH", true, false),
    info(76, "UNSUPPORTED_COMPRESSION_TYPE", false, false),
    info(77, "STALE_BROKER_EPOCH", false, false),
    info(78, "OFFSET_NOT_AVAILABLE", true, false),
    info(79, "MEMBER_ID_REQUIRED", false, false),
    info(80, "PREFERRED_LEADER_NOT_AVAILABLE", true, true),
    info(81, "GROUP_MAX_SIZE_REACHED", false, false),
    info(82, "FENCED_INSTANCE_ID", false, false),
    info(83, "ELIGIBLE_LEADERS_NOT_AVAILABLE", true, true),
    info(84, "ELECTION_NOT_NEEDED", true, true),
    info(85, "NO_REASSIGNMENT_IN_PROGRESS", false, false),
    info(86, "GROUP_SUBSCRIBED_TO_TOPIC", false, false),
    info(87, "INVALID_RECORD", false, false),
    info(88, "UNSTABLE_OFFSET_COMMIT", true, false),
    info(89, "THROTTLING_QUOTA_EXCEEDED", true, false),
    info(90, "PRODUCER_FENCED", false, false),
    info(91, "RESOURCE_NOT_FOUND", false, false),
    info(92, "DUPLICATE_RESOURCE", false, false),
    info(93, "UNACCEPTABLE_CREDENTIAL", false, false),
    info(94, "INCONSISTENT_VOTER_SET", false, false),
    info(95, "INVALID_UPDATE_VERSION", false, false),
    info(96, "FEATURE_UPDATE_FAILED", false, false),
    info(97, "PRINCIPAL_DESERIALIZATION_FAILURE", false, false),
    info(98, "SNAPSHOT_NOT_FOUND", false, false),
    info(99, "POSITION_OUT_OF_RANGE", false, false),
    info(100, "UNKNOWN_TOPIC_ID", true, true),
    info(101, "DUPLICATE_BROKER_REGISTRATION", false, false),
    info(102, "BROKER_ID_NOT_REGISTERED", false, false),
    info(103, "INCONSISTENT_TOPIC_ID", true, true),
    info(104, "INCONSISTENT_CLUSTER_ID", false, false),
    info(105, "TRANSACTIONAL_ID_NOT_FOUND", false, false),
    info(106, "FETCH_SESSION_TOPIC_ID_ERROR", true, false),
    info(107, "INELIGIBLE_REPLICA", false, false),
    info(108, "NEW_LEADER_ELECTED", false, false),
    info(109, "OFFSET_MOVED_TO_TIERED_STORAGE", false, false),
    info(110, "FENCED_MEMBER_EPOCH", false, false),
    info(111, "UNRELEASED_INSTANCE_ID", false, false),
    info(112, "UNSUPPORTED_ASSIGNOR", false, false),
    info(113, "STALE_MEMBER_EPOCH", false, false),
    info(114, "MISMATCHED_ENDPOINT_TYPE", false, false),
    info(115, "UNSUPPORTED_ENDPOINT_TYPE", false, false),
    info(116, "UNKNOWN_CONTROLLER_ID", false, false),
    info(117, "UNKNOWN_SUBSCRIPTION_ID", false, false),
    info(118, "TELEMETRY_TOO_LARGE", false, false),
    info(119, "INVALID_REGISTRATION", false, false),
    info(120, "TRANSACTION_ABORTABLE", false, false),
    info(121, "INVALID_RECORD_STATE", false, false),
    info(122, "SHARE_SESSION_NOT_FOUND", true, false),
    info(123, "INVALID_SHARE_SESSION_EPOCH", true, false),
    info(124, "FENCED_STATE_EPOCH", false, false),
    info(125, "INVALID_VOTER_KEY", false, false),
    info(126, "DUPLICATE_VOTER", false, false),
    info(127, "VOTER_NOT_FOUND", false, false),
    info(128, "INVALID_REGULAR_EXPRESSION", false, false),
    info(129, "REBOOTSTRAP_REQUIRED", false, false),
    info(130, "STREAMS_INVALID_TOPOLOGY", false, false),
    info(131, "STREAMS_INVALID_TOPOLOGY_EPOCH", false, false),
    info(132, "STREAMS_TOPOLOGY_FENCED", false, false),
    info(133, "SHARE_SESSION_LIMIT_REACHED", true, false),
];
