//! Produce: per partition, route (unknown topic or partition, not the
//! leader with a KIP-951 hint), apply injected errors, validate the batch
//! (exactly one, within `max_message_bytes`, CRC and records intact, no
//! transactions), check the idempotent producer state and append.
//!
//! A request with `acks = 0` gets no response; if any partition failed,
//! the connection is closed instead, as Kafka does. A broker told to lose
//! responses applies the request and then closes the connection.

use std::collections::BTreeSet;
use std::time::Duration;

use bytes::Bytes;

use super::{Reply, RequestContext};
use crate::protocol::{
    ErrorCode, LeaderIdAndEpoch, NodeEndpoint, PartitionProduceData, PartitionProduceResponse,
    ProduceRequest, ProduceResponse, TopicProduceResponse,
};
use crate::record::{
    BatchReader, DEFAULT_MAX_DECOMPRESSED_SIZE, RawBatch, ReadOptions, TimestampType,
};
use crate::sim::faults::appends_first;
use crate::sim::inspect::{ProducePartitionLog, ProduceRequestLog};
use crate::sim::log::AppendOutcome;
use crate::sim::network::CloseReason;
use crate::sim::state::ClusterState;

/// First Produce version whose response carries leader hints (KIP-951).
const LEADER_HINTS_FROM: i16 = 10;
/// First Produce version that names topics by id.
const TOPIC_ID_FROM: i16 = 13;

/// An error and what to say about it.
type Refusal = (ErrorCode, Option<String>);

/// Handles a Produce request of `version`.
pub(super) fn handle(
    state: &mut ClusterState,
    ctx: RequestContext,
    version: i16,
    request: ProduceRequest,
) -> Reply<ProduceResponse> {
    let mut log = ProduceRequestLog {
        broker: ctx.broker,
        conn: ctx.conn,
        version,
        acks: request.acks,
        partitions: Vec::new(),
    };
    let mut hinted_leaders = BTreeSet::new();
    let mut responses = Vec::with_capacity(request.topic_data.len());
    for topic in request.topic_data {
        let (name, unknown) = if version >= TOPIC_ID_FROM {
            let name = state.topic_names.get(&topic.topic_id).cloned();
            (name, ErrorCode::UNKNOWN_TOPIC_ID)
        } else {
            let name = state
                .topics
                .contains_key(&topic.name)
                .then(|| topic.name.clone());
            (name, ErrorCode::UNKNOWN_TOPIC_OR_PARTITION)
        };
        let logged_name = name.clone().unwrap_or_else(|| topic.name.clone());
        let mut partition_responses = Vec::with_capacity(topic.partition_data.len());
        for data in &topic.partition_data {
            let (response, leader) = match name.as_deref() {
                Some(name) => {
                    let mut ask = Ask {
                        ctx,
                        version,
                        acks: request.acks,
                        hinted_leaders: &mut hinted_leaders,
                    };
                    ask.partition(state, name, data)
                }
                None => (refused(data.index, (unknown, None)), false),
            };
            log.partitions.push(ProducePartitionLog {
                topic: logged_name.clone(),
                partition: data.index,
                leader,
                records: count_records(data.records.as_ref()),
                compressed: data
                    .records
                    .as_ref()
                    .is_some_and(|r| crate::record::is_compressed(r)),
                error_code: response.error_code,
            });
            partition_responses.push(response);
        }
        responses.push(TopicProduceResponse {
            name: topic.name,
            topic_id: topic.topic_id,
            partition_responses,
            ..TopicProduceResponse::default()
        });
    }
    let failed = log.partitions.iter().any(|p| !p.error_code.is_ok());
    state.stats.record_produce(log);
    if state
        .brokers
        .get_mut(&ctx.broker)
        .is_some_and(|b| b.take_lost_response())
    {
        return Reply::Close(CloseReason::ResponseLost);
    }
    if request.acks == 0 {
        return if failed {
            Reply::Close(CloseReason::ErrorWithAcksZero)
        } else {
            Reply::Silent
        };
    }
    let node_endpoints = hinted_leaders
        .into_iter()
        .filter_map(|id| {
            let b = state.brokers.get(&id)?;
            Some(NodeEndpoint {
                node_id: id,
                host: b.address.host.clone(),
                port: i32::from(b.address.port),
                ..NodeEndpoint::default()
            })
        })
        .collect();
    let throttle = state
        .brokers
        .get(&ctx.broker)
        .map_or(Duration::ZERO, |b| b.throttle);
    Reply::Respond(ProduceResponse {
        responses,
        node_endpoints,
        throttle_time_ms: i32::try_from(throttle.as_millis()).unwrap_or(i32::MAX),
        ..ProduceResponse::default()
    })
}

/// One Produce request, as seen while handling its partitions.
struct Ask<'a> {
    ctx: RequestContext,
    version: i16,
    acks: i16,
    /// Leaders named in `NOT_LEADER_OR_FOLLOWER` hints, whose endpoints
    /// go in the response.
    hinted_leaders: &'a mut BTreeSet<i32>,
}

impl Ask<'_> {
    /// Produces to partition `data.index` of existing topic `topic`.
    /// Returns the partition's response and whether this broker led it.
    fn partition(
        &mut self,
        state: &mut ClusterState,
        topic: &str,
        data: &PartitionProduceData,
    ) -> (PartitionProduceResponse, bool) {
        let max_message_bytes = state.config.max_message_bytes;
        let Some(t) = state.topics.get_mut(topic) else {
            return (
                refused(data.index, (ErrorCode::UNKNOWN_TOPIC_OR_PARTITION, None)),
                false,
            );
        };
        let log_append_time = t.timestamp_type == TimestampType::LogAppendTime;
        let Some(p) = t.partition_mut(data.index) else {
            return (
                refused(data.index, (ErrorCode::UNKNOWN_TOPIC_OR_PARTITION, None)),
                false,
            );
        };
        if p.leader != Some(self.ctx.broker) {
            let mut response = refused(data.index, (ErrorCode::NOT_LEADER_OR_FOLLOWER, None));
            if let (Some(leader), true) = (p.leader, self.version >= LEADER_HINTS_FROM) {
                response.current_leader = LeaderIdAndEpoch {
                    leader_id: leader,
                    leader_epoch: p.leader_epoch,
                    ..LeaderIdAndEpoch::default()
                };
                self.hinted_leaders.insert(leader);
            }
            return (response, false);
        }
        if !matches!(self.acks, -1..=1) {
            return (
                refused(data.index, (ErrorCode::INVALID_REQUIRED_ACKS, None)),
                true,
            );
        }
        let injected = p.injected.take(self.ctx.now);
        if let Some(code) = injected.filter(|&code| !appends_first(code)) {
            return (refused(data.index, (code, None)), true);
        }
        let batch = match validate(data.records.as_ref(), max_message_bytes) {
            Ok(batch) => batch,
            Err(refusal) => return (refused(data.index, refusal), true),
        };
        let append_time = log_append_time.then_some(self.ctx.unix_ms);
        let outcome = p.log.append(
            &batch,
            p.leader_epoch,
            append_time,
            DEFAULT_MAX_DECOMPRESSED_SIZE,
        );
        let response = match (outcome, injected) {
            (AppendOutcome::Rejected(code, message), _) => {
                refused(data.index, (code, Some(message)))
            }
            (_, Some(code)) => refused(data.index, (code, None)),
            (
                AppendOutcome::Appended {
                    base_offset,
                    log_append_time,
                }
                | AppendOutcome::Duplicate {
                    base_offset,
                    log_append_time,
                },
                None,
            ) => PartitionProduceResponse {
                index: data.index,
                base_offset,
                log_append_time_ms: log_append_time,
                log_start_offset: 0,
                ..PartitionProduceResponse::default()
            },
        };
        (response, true)
    }
}

/// The partition's single batch, checked as a leader checks it: present
/// and alone (`INVALID_RECORD`), within `max_message_bytes`
/// (`MESSAGE_TOO_LARGE`), intact (`CORRUPT_MESSAGE`), and neither a control
/// batch (`INVALID_RECORD`) nor transactional (`INVALID_TXN_STATE`: the
/// simulator has no transactions).
fn validate(records: Option<&Bytes>, max_message_bytes: usize) -> Result<RawBatch, Refusal> {
    let corrupt = |e: crate::record::RecordError| (ErrorCode::CORRUPT_MESSAGE, Some(e.to_string()));
    let invalid = |what: &str| (ErrorCode::INVALID_RECORD, Some(what.to_owned()));
    let records = records.cloned().unwrap_or_default();
    let unchecked = ReadOptions {
        verify_crc: false,
        ..ReadOptions::strict()
    };
    let mut batches = BatchReader::new(records, unchecked);
    let batch = match batches.next() {
        None => return Err(invalid("a partition's records must hold one record batch")),
        Some(batch) => batch.map_err(corrupt)?,
    };
    if batches.next().is_some() {
        return Err(invalid(
            "a partition's records must hold exactly one record batch",
        ));
    }
    let size = batch.bytes().len();
    if size > max_message_bytes {
        return Err((
            ErrorCode::MESSAGE_TOO_LARGE,
            Some(format!(
                "batch of {size} bytes exceeds max.message.bytes {max_message_bytes}"
            )),
        ));
    }
    let batch = RawBatch::new(batch.into_bytes(), true).map_err(corrupt)?;
    if batch.header().is_control() {
        return Err(invalid("clients may not produce control batches"));
    }
    if batch.header().is_transactional() {
        return Err((
            ErrorCode::INVALID_TXN_STATE,
            Some("the simulator does not support transactions".to_owned()),
        ));
    }
    Ok(batch)
}

/// Records carried, by the batch headers that can be read.
fn count_records(records: Option<&Bytes>) -> usize {
    let unchecked = ReadOptions {
        verify_crc: false,
        ..ReadOptions::strict()
    };
    BatchReader::new(records.cloned().unwrap_or_default(), unchecked)
        .map_while(Result::ok)
        .map(|b| usize::try_from(b.header().records_count).unwrap_or(0))
        .sum()
}

/// A partition response carrying an error.
fn refused(index: i32, (error_code, error_message): Refusal) -> PartitionProduceResponse {
    PartitionProduceResponse {
        index,
        error_code,
        base_offset: -1,
        log_append_time_ms: -1,
        log_start_offset: -1,
        error_message,
        ..PartitionProduceResponse::default()
    }
}
