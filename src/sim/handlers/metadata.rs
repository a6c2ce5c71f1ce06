//! Metadata: the live brokers at their current addresses, and the layout
//! of the topics asked for (or of every topic). Topics are never created
//! by a Metadata request.

use crate::protocol::{
    ErrorCode, MetadataRequest, MetadataRequestTopic, MetadataResponse, MetadataResponseBroker,
    MetadataResponsePartition, MetadataResponseTopic, Uuid,
};
use crate::sim::state::ClusterState;
use crate::sim::topic::Topic;

/// Answers a Metadata request of `version`.
pub(super) fn handle(
    state: &ClusterState,
    version: i16,
    request: MetadataRequest,
) -> MetadataResponse {
    let brokers: Vec<_> = state
        .live_brokers()
        .map(|(id, b)| MetadataResponseBroker {
            node_id: id,
            host: b.address.host.clone(),
            port: i32::from(b.address.port),
            ..MetadataResponseBroker::default()
        })
        .collect();
    let topics = if request.wants_all_topics(version) {
        state
            .topics
            .iter()
            .map(|(name, topic)| describe(state, name, topic))
            .collect()
    } else {
        request
            .topics
            .iter()
            .flatten()
            .map(|asked| lookup(state, version, asked))
            .collect()
    };
    MetadataResponse {
        controller_id: brokers.first().map_or(-1, |b| b.node_id),
        brokers,
        cluster_id: Some(state.config.cluster_id.clone()),
        topics,
        ..MetadataResponse::default()
    }
}

/// The answer for one topic asked for by name, or else by id.
fn lookup(
    state: &ClusterState,
    version: i16,
    asked: &MetadataRequestTopic,
) -> MetadataResponseTopic {
    match (asked.name.as_deref(), asked.topic_id) {
        (Some(name), _) if !name.is_empty() => match state.topics.get(name) {
            Some(topic) => describe(state, name, topic),
            None => MetadataResponseTopic {
                error_code: ErrorCode::UNKNOWN_TOPIC_OR_PARTITION,
                name: Some(name.to_owned()),
                ..MetadataResponseTopic::default()
            },
        },
        (_, id) if !id.is_zero() => match state.topic_by_id(id) {
            Some((name, topic)) => describe(state, name, topic),
            None => MetadataResponseTopic {
                error_code: ErrorCode::UNKNOWN_TOPIC_ID,
                // A null name needs v12; before, the schema's default.
                name: (version < 12).then(String::new),
                topic_id: id,
                ..MetadataResponseTopic::default()
            },
        },
        _ => MetadataResponseTopic {
            error_code: ErrorCode::INVALID_TOPIC_EXCEPTION,
            name: Some(String::new()),
            topic_id: Uuid::ZERO,
            ..MetadataResponseTopic::default()
        },
    }
}

/// A topic as it stands: per partition the leader (or -1 with
/// `LEADER_NOT_AVAILABLE`), its epoch, the replicas, the live ones as the
/// ISR and the others as offline.
fn describe(state: &ClusterState, name: &str, topic: &Topic) -> MetadataResponseTopic {
    let partitions = topic
        .partitions
        .iter()
        .zip(0..)
        .map(|(p, index)| {
            let (isr_nodes, offline_replicas) = p.replicas.iter().partition(|&&r| state.is_live(r));
            MetadataResponsePartition {
                error_code: if p.leader.is_some() {
                    ErrorCode::NONE
                } else {
                    ErrorCode::LEADER_NOT_AVAILABLE
                },
                partition_index: index,
                leader_id: p.leader.unwrap_or(-1),
                leader_epoch: p.leader_epoch,
                replica_nodes: p.replicas.clone(),
                isr_nodes,
                offline_replicas,
                ..MetadataResponsePartition::default()
            }
        })
        .collect();
    MetadataResponseTopic {
        name: Some(name.to_owned()),
        topic_id: topic.id,
        partitions,
        ..MetadataResponseTopic::default()
    }
}
