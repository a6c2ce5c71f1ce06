//! The data plane: draining ready batches into Produce requests to each
//! partition's leader, and settling every batch exactly once from the
//! answer (delivered, retried, split or failed).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use crate::protocol::produce::{PartitionProduceData, TopicProduceData};
use crate::protocol::{ErrorCode, ProduceRequest, ProduceResponse};
use crate::record::{ProducerFields, TimestampType};

use super::batch::{ProducerBatch, RecordMeta};
use super::connection::{ConnState, Node, RequestKind};
use super::event::{Event, LeaderSource, RefreshReason};
use super::io::{BrokerAddress, ConnId, Output};
use super::metadata::TopicIdx;
use super::report::{Certainty, Delivered, DeliveryFailure, DeliveryReport, ProduceError};
use super::{Acks, Producer};

/// The broker keeps the last five batches per producer and partition for
/// duplicate detection, so no more may be unresolved at once.
const MAX_IN_FLIGHT_PER_PARTITION: u32 = 5;

/// Errors after which the broker may have appended the records anyway.
fn may_have_appended(code: ErrorCode) -> bool {
    code == ErrorCode::NOT_ENOUGH_REPLICAS_AFTER_APPEND || code == ErrorCode::REQUEST_TIMED_OUT
}

/// Errors that end the producer (fenced or not allowed to produce).
fn is_fatal(code: ErrorCode) -> bool {
    matches!(
        code,
        ErrorCode::INVALID_PRODUCER_EPOCH
            | ErrorCode::PRODUCER_FENCED
            | ErrorCode::CLUSTER_AUTHORIZATION_FAILED
            | ErrorCode::TRANSACTIONAL_ID_AUTHORIZATION_FAILED
            | ErrorCode::INVALID_PRODUCER_ID_MAPPING
    )
}

/// The sequence of a batch's last record, once it has sequences.
fn last_sequence(batch: &ProducerBatch) -> Option<i32> {
    let (_, _, base) = batch.sequence?;
    Some(crate::record::record_sequence(
        base,
        batch.record_count() as i32 - 1,
    ))
}

/// Whether sequence `a` comes after `b`, allowing for the wrap from
/// `i32::MAX` to 0 (sequences in flight are never half the space apart).
fn sequence_after(a: i32, b: i32) -> bool {
    let distance = (i64::from(a) - i64::from(b)).rem_euclid(1 << 31);
    distance > 0 && distance < (1 << 30)
}

/// Whether the partition's acknowledged sequence is at or past the batch's
/// last one: then the broker has the batch (sequences are accepted only in
/// order within an epoch).
fn batch_acked_before(batch: &ProducerBatch, last_acked: i32) -> bool {
    last_acked >= 0
        && last_sequence(batch)
            .is_some_and(|last| last == last_acked || sequence_after(last_acked, last))
}

impl Producer {
    /// Whether a partition's first queued batch may go now.
    fn partition_sendable(&self, topic: TopicIdx, partition: usize) -> bool {
        let q = &self.acc.topics[topic].partitions[partition];
        let Some(b) = q.batches.front() else {
            return false;
        };
        if q.in_flight >= MAX_IN_FLIGHT_PER_PARTITION {
            return false;
        }
        // A retry waits for the partition's other batches to settle, so
        // batches reach the log in order.
        if b.attempts > 0 && q.in_flight > 0 {
            return false;
        }
        match b.retry_at {
            // KIP-951: a retry skips the rest of its backoff once the
            // partition has a newer leader than the one that failed it.
            Some(t) => {
                self.now >= t
                    || self.map.leader_epoch(topic, partition as i32) > b.sent_leader_epoch
            }
            None => {
                b.sealed
                    || self.now >= b.created + self.config.linger
                    || b.order.created < self.flush_mark
                    || self.closing.is_some()
            }
        }
    }

    /// For every leader with sendable batches: connect, or fill its free
    /// in-flight slots with Produce requests.
    pub(super) fn send_ready_batches(&mut self) {
        if self.config.enable_idempotence && (self.pid.id.is_none() || self.pid.bump_required) {
            return;
        }
        let mut by_leader: BTreeMap<i32, Vec<(TopicIdx, usize)>> = BTreeMap::new();
        for topic in 0..self.acc.topics.len() {
            for partition in 0..self.acc.topics[topic].partitions.len() {
                if !self.partition_sendable(topic, partition) {
                    continue;
                }
                if let Some(leader) = self.map.leader(topic, partition as i32) {
                    by_leader
                        .entry(leader)
                        .or_default()
                        .push((topic, partition));
                }
            }
        }
        let now = self.now;
        for (leader, parts) in by_leader {
            let node = Node::Broker(leader);
            let drain = self.node_drain.entry(leader).or_insert((now, now));
            drain.0 = now;
            let conn = match self.node_conns.get(&node) {
                Some(&id) => id,
                None => {
                    let health = self.health.get(&node).copied().unwrap_or_default();
                    if health.can_connect(now) {
                        self.open_conn(node);
                    } else {
                        self.wake_at_reconnect(health.retry_at);
                    }
                    continue;
                }
            };
            while let Some(c) = self.conns.get(&conn) {
                if c.throttled_until.is_some_and(|t| now < t) {
                    break;
                }
                if !matches!(c.state, ConnState::Ready(_))
                    || c.produce_in_flight() >= self.config.max_in_flight_per_connection
                {
                    break;
                }
                if !self.send_produce(conn, leader, &parts) {
                    break;
                }
                if let Some(d) = self.node_drain.get_mut(&leader) {
                    d.1 = now;
                }
            }
        }
    }

    /// Builds and sends one Produce request to `leader` with at most one
    /// batch per partition, up to `max.request.size`. Returns false when
    /// nothing was sendable.
    fn send_produce(&mut self, conn: ConnId, leader: i32, parts: &[(TopicIdx, usize)]) -> bool {
        let version = match self.conns.get(&conn).and_then(|c| c.versions()) {
            Some(v) => v.produce,
            None => return false,
        };
        let mut batches: Vec<ProducerBatch> = Vec::new();
        let mut size = 0usize;
        let n = parts.len();
        let start = self.drain_rotation % n.max(1);
        self.drain_rotation = self.drain_rotation.wrapping_add(1);
        for i in 0..n {
            let (topic, partition) = parts[(start + i) % n];
            if !self.partition_sendable(topic, partition)
                || self.map.leader(topic, partition as i32) != Some(leader)
            {
                continue;
            }
            let next = self.acc.topics[topic].partitions[partition]
                .batches
                .front()
                .map_or(0, |b| b.size());
            if !batches.is_empty() && size + next > self.config.max_request_size {
                break;
            }
            let epoch = self.map.leader_epoch(topic, partition as i32);
            let q = &mut self.acc.topics[topic].partitions[partition];
            let mut batch = q.batches.pop_front().expect("sendable means non-empty");
            if let (Some((id, producer_epoch)), None) = (self.pid.id, batch.sequence) {
                batch.sequence = Some((id, producer_epoch, q.next_sequence));
                q.next_sequence =
                    crate::record::record_sequence(q.next_sequence, batch.record_count() as i32);
            }
            batch.sealed = true;
            batch.retry_at = None;
            batch.attempts += 1;
            batch.sent_leader_epoch = epoch;
            q.in_flight += 1;
            size += batch.size();
            batches.push(batch);
        }
        if batches.is_empty() {
            return false;
        }
        let mut topic_data: Vec<TopicProduceData> = Vec::new();
        let mut records = 0;
        let mut encoded = Vec::with_capacity(batches.len());
        for batch in &mut batches {
            let fields = match (self.config.enable_idempotence, batch.sequence) {
                (true, Some((id, epoch, seq))) => ProducerFields::idempotent(id, epoch, seq),
                _ => ProducerFields::NONE,
            };
            encoded.push(batch.encode(fields));
        }
        let mut kept = Vec::with_capacity(batches.len());
        for (batch, bytes) in batches.into_iter().zip(encoded) {
            let bytes = match bytes {
                Ok(b) => b,
                Err(e) => {
                    self.acc.partition(batch.topic, batch.partition).in_flight -= 1;
                    let error =
                        ProduceError::broker(ErrorCode::INVALID_RECORD, Some(e.to_string()));
                    self.fail_batch(batch, error, true);
                    continue;
                }
            };
            records += batch.record_count();
            let meta = &self.map.topics[batch.topic];
            let data = PartitionProduceData {
                index: batch.partition,
                records: Some(bytes),
                ..PartitionProduceData::default()
            };
            match topic_data.iter_mut().find(|t| t.name == *meta.name) {
                Some(t) => t.partition_data.push(data),
                None => topic_data.push(TopicProduceData {
                    name: meta.name.to_string(),
                    topic_id: meta.id,
                    partition_data: vec![data],
                    ..TopicProduceData::default()
                }),
            }
            kept.push(batch);
        }
        if kept.is_empty() {
            return true;
        }
        let body = ProduceRequest {
            transactional_id: None,
            acks: self.config.acks.wire(),
            timeout_ms: i32::try_from(self.config.request_timeout.as_millis()).unwrap_or(i32::MAX),
            topic_data,
            ..ProduceRequest::default()
        };
        let count = kept.len();
        // With acks=0 no answer comes: the batches are settled as soon as
        // the request is written.
        let (carried, settled) = if self.config.acks == Acks::None {
            (Vec::new(), kept)
        } else {
            (kept, Vec::new())
        };
        let kind = RequestKind::Produce {
            version,
            batches: carried,
        };
        if let Err((reason, kind)) = self.send_request(conn, version, &body, kind) {
            let RequestKind::Produce { batches, .. } = kind else {
                unreachable!("the kind given is handed back")
            };
            for batch in batches.into_iter().chain(settled) {
                self.acc.partition(batch.topic, batch.partition).in_flight -= 1;
                let error = ProduceError::broker(ErrorCode::INVALID_REQUEST, Some(reason.clone()));
                self.fail_batch(batch, error, true);
            }
            return true;
        }
        for batch in settled {
            self.acc.partition(batch.topic, batch.partition).in_flight -= 1;
            self.complete_batch(batch, None, -1);
        }
        self.counters.produce_requests += 1;
        self.emit(Event::ProduceSent {
            conn,
            broker: leader,
            batches: count,
            records,
        });
        true
    }

    /// Settles each batch of a Produce request from its partition's answer.
    pub(super) fn on_produce_response(
        &mut self,
        conn: ConnId,
        version: i16,
        batches: Vec<ProducerBatch>,
        resp: ProduceResponse,
    ) {
        if resp.throttle_time_ms > 0 {
            if let Some(c) = self.conns.get_mut(&conn) {
                let pause = Duration::from_millis(resp.throttle_time_ms as u64);
                c.throttled_until = Some(self.now + pause);
            }
        }
        let endpoints: BTreeMap<i32, BrokerAddress> = resp
            .node_endpoints
            .iter()
            .filter_map(|e| {
                Some((
                    e.node_id,
                    BrokerAddress::new(e.host.clone(), u16::try_from(e.port).ok()?),
                ))
            })
            .collect();
        for batch in batches {
            self.acc.partition(batch.topic, batch.partition).in_flight -= 1;
            let meta = &self.map.topics[batch.topic];
            let answer = resp
                .responses
                .iter()
                .filter(|t| {
                    if version >= 13 {
                        t.topic_id == meta.id
                    } else {
                        t.name == *meta.name
                    }
                })
                .flat_map(|t| t.partition_responses.iter())
                .find(|p| p.index == batch.partition);
            let Some(answer) = answer else {
                let mut batch = batch;
                batch.possibly_sent = true;
                self.retry_or_fail(
                    batch,
                    "the partition is missing from the Produce response".into(),
                );
                continue;
            };
            let code = answer.error_code;
            if matches!(
                code,
                ErrorCode::NOT_LEADER_OR_FOLLOWER | ErrorCode::FENCED_LEADER_EPOCH
            ) {
                let hint = &answer.current_leader;
                if hint.leader_id >= 0 && hint.leader_epoch >= 0 {
                    let endpoint = endpoints.get(&hint.leader_id).cloned();
                    let (leader, epoch) = (hint.leader_id, hint.leader_epoch);
                    if let Some(c) =
                        self.map
                            .apply_hint(batch.topic, batch.partition, leader, epoch, endpoint)
                    {
                        self.emit_leader_change(c, LeaderSource::ProduceHint);
                    }
                }
            }
            let (base_offset, append_time) = (answer.base_offset, answer.log_append_time_ms);
            let message = answer.error_message.clone().or_else(|| {
                answer
                    .record_errors
                    .first()
                    .and_then(|e| e.batch_index_error_message.clone())
            });
            self.settle(batch, code, base_offset, append_time, message);
        }
    }

    /// Decides a batch's fate from its partition's error code.
    fn settle(
        &mut self,
        mut batch: ProducerBatch,
        code: ErrorCode,
        base_offset: i64,
        append_time: i64,
        message: Option<String>,
    ) {
        let idempotent = self.config.enable_idempotence;
        if code.is_ok() {
            self.complete_batch(
                batch,
                (base_offset >= 0).then_some(base_offset),
                append_time,
            );
            return;
        }
        if code == ErrorCode::DUPLICATE_SEQUENCE_NUMBER && idempotent {
            // The broker has this batch already, but did not say where.
            self.complete_batch(batch, None, -1);
            return;
        }
        let described = ProduceError::broker(code, message.clone()).to_string();
        batch.possibly_sent |= may_have_appended(code);
        if is_fatal(code) {
            self.acc
                .partition(batch.topic, batch.partition)
                .requeue(batch);
            self.go_fatal(code, message);
            return;
        }
        if matches!(
            code,
            ErrorCode::MESSAGE_TOO_LARGE | ErrorCode::RECORD_LIST_TOO_LARGE
        ) && batch.record_count() > 1
        {
            self.split_and_requeue(batch, described);
            return;
        }
        if code.is_invalid_metadata() {
            let topic = self.map.topics[batch.topic].name.clone();
            self.request_refresh(RefreshReason::StaleMetadata {
                topic,
                partition: batch.partition,
                error: code,
            });
        }
        let sequence_error = matches!(
            code,
            ErrorCode::OUT_OF_ORDER_SEQUENCE_NUMBER | ErrorCode::UNKNOWN_PRODUCER_ID
        );
        if idempotent && sequence_error {
            self.settle_sequence_error(batch, code, message, described);
            return;
        }
        if code.is_retriable() || code.is_invalid_metadata() {
            self.retry_or_fail(batch, described);
        } else {
            self.fail_batch(batch, ProduceError::broker(code, message), true);
        }
    }

    /// OUT_OF_ORDER_SEQUENCE_NUMBER and UNKNOWN_PRODUCER_ID, as the Java
    /// producer reads them. If a later batch was acknowledged, this one is
    /// in the log. If an earlier batch of the partition is still unsettled,
    /// this is only a consequence of it: retry. Otherwise the broker
    /// really lacks the sequence before this batch (a gap), or has lost
    /// the producer's state: sequences restart under a new epoch (KIP-360),
    /// the gap's batch failing and the lost-state batch going again.
    fn settle_sequence_error(
        &mut self,
        batch: ProducerBatch,
        code: ErrorCode,
        message: Option<String>,
        described: String,
    ) {
        let q = &self.acc.topics[batch.topic].partitions[batch.partition as usize];
        if code == ErrorCode::OUT_OF_ORDER_SEQUENCE_NUMBER
            && batch_acked_before(&batch, q.last_acked)
        {
            // It went to an old leader whose answer was lost; the broker
            // keeps too few batches to say where it landed.
            self.complete_batch(batch, None, -1);
            return;
        }
        let expected = crate::record::record_sequence(q.last_acked, 1);
        if batch.sequence.is_some_and(|(_, _, seq)| seq != expected) {
            self.retry_or_fail(batch, described);
            return;
        }
        self.pid.bump_required = true;
        if code == ErrorCode::UNKNOWN_PRODUCER_ID {
            self.retry_or_fail(batch, described);
        } else {
            self.fail_batch(batch, ProduceError::broker(code, message), false);
        }
    }

    fn split_and_requeue(&mut self, batch: ProducerBatch, reason: String) {
        let (topic, partition, records) = (batch.topic, batch.partition, batch.record_count());
        let cap = self
            .config
            .max_response_size
            .max(self.config.max_request_size * 4);
        let compression = self.acc.compression();
        // Splitting needs the records back; keep a handle in case it fails.
        let accounted = batch.accounted;
        let metas = batch.records.clone();
        let (sequence, possibly_sent) = (batch.sequence, batch.possibly_sent);
        match batch.split(compression, cap) {
            Ok(Some((first, second))) => {
                let name = self.map.topics[topic].name.clone();
                self.emit(Event::BatchSplit {
                    topic: name,
                    partition,
                    records,
                });
                let q = self.acc.partition(topic, partition);
                q.requeue(first);
                q.requeue(second);
            }
            Ok(None) | Err(_) => {
                let _ = accounted;
                let name = self.map.topics[topic].name.clone();
                let certainty = if possibly_sent {
                    Certainty::PossiblySent
                } else {
                    Certainty::NotSent
                };
                let error = ProduceError::broker(ErrorCode::MESSAGE_TOO_LARGE, Some(reason));
                self.report_failed(name, Some(partition), &metas, error, certainty);
                if sequence.is_some() {
                    self.pid.bump_required = true;
                }
            }
        }
    }

    /// Queues a batch for another attempt after backoff (none when its
    /// partition's leader changed since the attempt, KIP-951), or fails it
    /// when retries or the delivery timeout are used up.
    pub(super) fn retry_or_fail(&mut self, mut batch: ProducerBatch, reason: String) {
        let exhausted = batch.attempts > self.config.retries;
        let expired = self.now >= batch.created + self.config.delivery_timeout;
        if self.fatal.is_some() || exhausted || expired {
            let error = if expired {
                ProduceError::DeliveryTimeout {
                    after_ms: self.config.delivery_timeout.as_millis() as u64,
                    last_error: Some(reason),
                }
            } else {
                ProduceError::DeliveryTimeout {
                    after_ms: self.config.delivery_timeout.as_millis() as u64,
                    last_error: Some(format!(
                        "retries ({}) exhausted; {reason}",
                        self.config.retries
                    )),
                }
            };
            self.fail_batch(batch, error, true);
            return;
        }
        let leader_moved =
            self.map.leader_epoch(batch.topic, batch.partition) > batch.sent_leader_epoch;
        let backoff = if leader_moved {
            Duration::ZERO
        } else {
            self.retry_backoff
                .backoff(batch.attempts.saturating_sub(1), &mut self.rng)
        };
        batch.retry_at = Some(self.now + backoff);
        batch.last_error = Some(reason.clone());
        self.counters.retries += 1;
        let topic = self.map.topics[batch.topic].name.clone();
        self.emit(Event::BatchRetry {
            topic,
            partition: batch.partition,
            records: batch.record_count(),
            attempts: batch.attempts,
            reason,
            backoff,
        });
        self.acc
            .partition(batch.topic, batch.partition)
            .requeue(batch);
    }

    /// Reports a batch delivered.
    pub(super) fn complete_batch(
        &mut self,
        batch: ProducerBatch,
        base_offset: Option<i64>,
        append_time: i64,
    ) {
        if let Some(last) = last_sequence(&batch) {
            let q = self.acc.partition(batch.topic, batch.partition);
            // Answers can arrive out of sequence order (an old leader's
            // late answer), so the mark only moves forward.
            if q.last_acked < 0 || sequence_after(last, q.last_acked) {
                q.last_acked = last;
            }
        }
        let topic = self.map.topics[batch.topic].name.clone();
        let (accounted, n) = (batch.accounted, batch.record_count());
        for (i, r) in batch.records.iter().enumerate() {
            let (timestamp, timestamp_type) = if append_time >= 0 {
                (append_time, TimestampType::LogAppendTime)
            } else {
                (r.timestamp, TimestampType::CreateTime)
            };
            self.outputs.push_back(Output::Delivery(DeliveryReport {
                id: r.id,
                topic: topic.clone(),
                partition: Some(batch.partition),
                result: Ok(Delivered {
                    offset: base_offset.map(|b| b + i as i64),
                    timestamp,
                    timestamp_type,
                }),
            }));
        }
        self.counters.delivered += n as u64;
        self.acc.release(accounted, n);
    }

    /// Reports a batch failed. A batch that held sequence numbers leaves a
    /// gap, so (when `restart_sequences`) the epoch must be bumped before
    /// more batches go.
    pub(super) fn fail_batch(
        &mut self,
        batch: ProducerBatch,
        error: ProduceError,
        restart_sequences: bool,
    ) {
        if restart_sequences && batch.sequence.is_some() && self.fatal.is_none() {
            self.pid.bump_required = true;
        }
        let certainty = if batch.possibly_sent {
            Certainty::PossiblySent
        } else {
            Certainty::NotSent
        };
        let error = match (error, &batch.last_error) {
            (
                ProduceError::DeliveryTimeout {
                    after_ms,
                    last_error: None,
                },
                Some(last),
            ) => ProduceError::DeliveryTimeout {
                after_ms,
                last_error: Some(last.clone()),
            },
            (e, _) => e,
        };
        let topic = self.map.topics[batch.topic].name.clone();
        self.report_failed(
            topic,
            Some(batch.partition),
            &batch.records,
            error,
            certainty,
        );
    }

    /// One failure report per record; releases their buffer.
    pub(super) fn report_failed(
        &mut self,
        topic: Arc<str>,
        partition: Option<i32>,
        records: &[RecordMeta],
        error: ProduceError,
        certainty: Certainty,
    ) {
        let accounted: usize = records.iter().map(|r| r.accounted).sum();
        for r in records {
            self.outputs.push_back(Output::Delivery(DeliveryReport {
                id: r.id,
                topic: topic.clone(),
                partition,
                result: Err(DeliveryFailure {
                    error: error.clone(),
                    certainty,
                }),
            }));
        }
        self.counters.failed += records.len() as u64;
        self.acc.release(accounted, records.len());
    }

    /// Fails records and queued batches that reached `delivery.timeout.ms`.
    /// In-flight batches are settled by their answer or their request
    /// timeout first (the config guarantees that fits in the delivery
    /// timeout plus one request timeout).
    pub(super) fn expire(&mut self) {
        let timeout = self.config.delivery_timeout;
        let after_ms = timeout.as_millis() as u64;
        let now = self.now;
        for topic in 0..self.acc.topics.len() {
            while let Some(p) = self.acc.topics[topic].pending.front() {
                if now < p.created + timeout {
                    break;
                }
                let p = self.acc.topics[topic]
                    .pending
                    .pop_front()
                    .expect("front exists");
                let meta = self.map.topics[topic].clone();
                let count = meta.partitions.len() as i32;
                let error = match meta.error {
                    _ if meta.is_known() && p.record.partition.is_some_and(|n| n >= count) => {
                        ProduceError::InvalidPartition {
                            topic: meta.name.clone(),
                            partition: p.record.partition.unwrap_or_default(),
                            count,
                        }
                    }
                    Some(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION) | None if !meta.is_known() => {
                        ProduceError::UnknownTopic {
                            topic: meta.name.clone(),
                        }
                    }
                    _ => ProduceError::DeliveryTimeout {
                        after_ms,
                        last_error: meta.error.map(|c| c.name().to_owned()),
                    },
                };
                let r = RecordMeta {
                    id: p.id,
                    timestamp: p.timestamp,
                    accounted: p.accounted,
                };
                self.report_failed(
                    meta.name,
                    p.record.partition,
                    &[r],
                    error,
                    Certainty::NotSent,
                );
            }
            for partition in 0..self.acc.topics[topic].partitions.len() {
                loop {
                    let q = &mut self.acc.topics[topic].partitions[partition];
                    let expired = q.batches.iter().position(|b| now >= b.created + timeout);
                    let Some(i) = expired else { break };
                    let batch = q.batches.remove(i).expect("position is in range");
                    let error = ProduceError::DeliveryTimeout {
                        after_ms,
                        last_error: None,
                    };
                    self.fail_batch(batch, error, true);
                }
            }
        }
    }

    /// Fails every record still held (queued, waiting for metadata, or in
    /// flight) with `error` and closes every connection.
    pub(super) fn fail_everything(&mut self, error: ProduceError) {
        let conns: Vec<ConnId> = self.conns.keys().copied().collect();
        for id in conns {
            let in_flight: Vec<_> = self
                .conns
                .get_mut(&id)
                .map(|c| c.in_flight.drain(..).collect())
                .unwrap_or_default();
            for request in in_flight {
                if let RequestKind::Produce { batches, .. } = request.kind {
                    for mut batch in batches {
                        self.acc.partition(batch.topic, batch.partition).in_flight -= 1;
                        batch.possibly_sent = true;
                        self.fail_batch(batch, error.clone(), false);
                    }
                }
            }
        }
        self.close_all_conns();
        self.pid.requesting = None;
        for topic in 0..self.acc.topics.len() {
            let name = self.map.topics[topic].name.clone();
            let pending: Vec<_> = self.acc.topics[topic].pending.drain(..).collect();
            for p in pending {
                let r = RecordMeta {
                    id: p.id,
                    timestamp: p.timestamp,
                    accounted: p.accounted,
                };
                self.report_failed(
                    name.clone(),
                    p.record.partition,
                    &[r],
                    error.clone(),
                    Certainty::NotSent,
                );
            }
            for partition in 0..self.acc.topics[topic].partitions.len() {
                let batches: Vec<_> = self.acc.topics[topic].partitions[partition]
                    .batches
                    .drain(..)
                    .collect();
                for batch in batches {
                    self.fail_batch(batch, error.clone(), false);
                }
            }
        }
    }

    /// At the close deadline, whatever is left fails and the producer ends.
    pub(super) fn close_deadline_reached(&mut self) -> bool {
        match self.closing {
            Some(deadline) if self.now >= deadline && !self.closed => {
                self.fail_everything(ProduceError::Closed);
                self.finish_close();
                true
            }
            _ => self.closed,
        }
    }

    /// Closing and nothing left: close the connections and end.
    pub(super) fn maybe_finish_close(&mut self) {
        if self.closing.is_some() && !self.closed && self.acc.buffered_records == 0 {
            self.close_all_conns();
            self.finish_close();
        }
    }

    fn finish_close(&mut self) {
        self.closed = true;
        self.emit(Event::Closed);
    }
}
