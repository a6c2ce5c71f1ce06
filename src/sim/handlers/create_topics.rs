//! CreateTopics: creates topics with round-robin placement or an explicit
//! replica assignment, validating names, counts and brokers as Kafka
//! does. The only topic config applied is `message.timestamp.type`; any
//! other is accepted and ignored.

use crate::protocol::create_topics::{CreatableTopic, CreatableTopicResult};
use crate::protocol::{CreateTopicsRequest, CreateTopicsResponse, ErrorCode, is_valid_topic_name};
use crate::record::TimestampType;
use crate::sim::state::ClusterState;

/// The most partitions the simulator creates for one topic, so a request
/// cannot make it allocate without bound.
const MAX_PARTITIONS: i32 = 10_000;

/// Answers a CreateTopics request.
pub(super) fn handle(
    state: &mut ClusterState,
    request: CreateTopicsRequest,
) -> CreateTopicsResponse {
    let topics = request
        .topics
        .iter()
        .map(|t| match create(state, t, request.validate_only) {
            Ok(result) => result,
            Err((error_code, message)) => CreatableTopicResult {
                name: t.name.clone(),
                error_code,
                error_message: Some(message),
                ..CreatableTopicResult::default()
            },
        })
        .collect();
    CreateTopicsResponse {
        topics,
        ..CreateTopicsResponse::default()
    }
}

type Refusal = (ErrorCode, String);

fn create(
    state: &mut ClusterState,
    t: &CreatableTopic,
    validate_only: bool,
) -> Result<CreatableTopicResult, Refusal> {
    if state.topics.contains_key(&t.name) {
        return Err((
            ErrorCode::TOPIC_ALREADY_EXISTS,
            format!("topic '{}' already exists", t.name),
        ));
    }
    if !is_valid_topic_name(&t.name) {
        return Err((
            ErrorCode::INVALID_TOPIC_EXCEPTION,
            format!("invalid topic name '{}'", t.name),
        ));
    }
    let timestamp_type = timestamp_type(t)?;
    let assignment = if t.assignments.is_empty() {
        placement(state, t.num_partitions, t.replication_factor)?
    } else {
        explicit_assignment(state, t)?
    };
    let num_partitions = i32::try_from(assignment.len()).unwrap_or(i32::MAX);
    let replication_factor = assignment
        .first()
        .map_or(0, |r| i16::try_from(r.len()).unwrap_or(i16::MAX));
    let topic_id = if validate_only {
        Default::default()
    } else {
        let id = state.add_topic(&t.name, assignment);
        if let Some(topic) = state.topics.get_mut(&t.name) {
            topic.timestamp_type = timestamp_type;
        }
        id
    };
    Ok(CreatableTopicResult {
        name: t.name.clone(),
        topic_id,
        num_partitions,
        replication_factor,
        configs: Some(Vec::new()),
        ..CreatableTopicResult::default()
    })
}

/// Round-robin placement; -1 means the broker default (1 partition,
/// replication factor 1).
fn placement(
    state: &ClusterState,
    partitions: i32,
    replication_factor: i16,
) -> Result<Vec<Vec<i32>>, Refusal> {
    let partitions = if partitions == -1 { 1 } else { partitions };
    let rf = if replication_factor == -1 {
        1
    } else {
        i32::from(replication_factor)
    };
    if partitions <= 0 || partitions > MAX_PARTITIONS {
        return Err((
            ErrorCode::INVALID_PARTITIONS,
            format!("{partitions} partitions"),
        ));
    }
    let live = state.live_brokers().count();
    if rf <= 0 || usize::try_from(rf).is_ok_and(|rf| rf > live) {
        return Err((
            ErrorCode::INVALID_REPLICATION_FACTOR,
            format!("replication factor {rf} with {live} live brokers"),
        ));
    }
    Ok(state.round_robin(partitions, rf))
}

/// The replicas given per partition: indices `0..n` each once, known
/// brokers, no broker twice in a partition.
fn explicit_assignment(state: &ClusterState, t: &CreatableTopic) -> Result<Vec<Vec<i32>>, Refusal> {
    if t.num_partitions != -1 || t.replication_factor != -1 {
        return Err((
            ErrorCode::INVALID_REQUEST,
            "give either a partition count and replication factor or an assignment".to_owned(),
        ));
    }
    let bad = |what: String| Err((ErrorCode::INVALID_REPLICA_ASSIGNMENT, what));
    let mut assignments: Vec<_> = t.assignments.iter().collect();
    assignments.sort_by_key(|a| a.partition_index);
    let mut result = Vec::with_capacity(assignments.len());
    for (a, expected) in assignments.into_iter().zip(0..) {
        if a.partition_index != expected {
            return bad(format!("partition {expected} has no assignment"));
        }
        let mut seen = a.broker_ids.clone();
        seen.sort_unstable();
        seen.dedup();
        if a.broker_ids.is_empty() || seen.len() != a.broker_ids.len() {
            return bad(format!("partition {expected}: empty or repeated replicas"));
        }
        if let Some(unknown) = a.broker_ids.iter().find(|b| !state.brokers.contains_key(b)) {
            return bad(format!("partition {expected}: unknown broker {unknown}"));
        }
        result.push(a.broker_ids.clone());
    }
    Ok(result)
}

/// The topic's `message.timestamp.type`, CreateTime by default.
fn timestamp_type(t: &CreatableTopic) -> Result<TimestampType, Refusal> {
    let configured = t
        .configs
        .iter()
        .find(|c| c.name == "message.timestamp.type")
        .and_then(|c| c.value.as_deref());
    match configured {
        None | Some("CreateTime") => Ok(TimestampType::CreateTime),
        Some("LogAppendTime") => Ok(TimestampType::LogAppendTime),
        Some(other) => Err((
            ErrorCode::INVALID_CONFIG,
            format!("invalid message.timestamp.type '{other}'"),
        )),
    }
}
