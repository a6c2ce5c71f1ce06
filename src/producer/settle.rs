//! Settling: every batch's fate from its partition's answer, exactly once
//! (delivered, retried, split or failed), and the reports that say so.

use super::record::SmolStr;
use std::collections::BTreeMap;
use std::time::Duration;

use crate::protocol::{ErrorCode, ProduceResponse};

use super::Producer;
use super::batch::{ProducerBatch, RecordMeta};
use super::event::{Event, LeaderSource, RefreshReason};
use super::io::{BrokerAddress, ConnId, Output};
use super::output_queue::DeliveredRun;
use super::report::{Certainty, DeliveryFailure, DeliveryReport, ProduceError};

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
        match batch.split(compression, cap) {
            Ok((first, second)) => {
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
            Err(batch) => {
                let error = ProduceError::broker(ErrorCode::MESSAGE_TOO_LARGE, Some(reason));
                self.fail_batch(*batch, error, true);
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

    /// The broker's append time for a delivered batch's records, or `None`
    /// when they keep their create time. Kafka answers a retry it finds to
    /// be a duplicate with the stored batch's timestamp in the "log append
    /// time" field whatever the topic's type: for a CreateTime topic that
    /// is the batch's largest create time, which would wrongly replace each
    /// record's own. So an answer to a first attempt teaches the topic's
    /// type, and a retry's append time counts only for a topic known to
    /// use LogAppendTime (or, before any first answer, when it is not the
    /// batch's largest create time). Only a real answer (one with an
    /// offset, not acks=0's silence) teaches anything.
    fn log_append_time(
        &mut self,
        batch: &ProducerBatch,
        answered: bool,
        append_time: i64,
    ) -> Option<i64> {
        let topic = &mut self.map.topics[batch.topic];
        if batch.attempts <= 1 && answered {
            topic.log_append_time = Some(append_time >= 0);
            return (append_time >= 0).then_some(append_time);
        }
        let max_create_time = batch.records.iter().map(|r| r.timestamp).max();
        let uses_append_time = topic
            .log_append_time
            .unwrap_or(Some(append_time) != max_create_time);
        (append_time >= 0 && uses_append_time).then_some(append_time)
    }

    /// Reports a batch delivered.
    pub(super) fn complete_batch(
        &mut self,
        mut batch: ProducerBatch,
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
        let append_time = self.log_append_time(&batch, base_offset.is_some(), append_time);
        let (accounted, n) = (batch.accounted, batch.record_count());
        // The reports are made as they are polled, from the batch's list.
        self.outputs.push_delivered(DeliveredRun {
            topic: self.map.topics[batch.topic].name.clone(),
            partition: batch.partition,
            base_offset,
            append_time,
            records: std::mem::take(&mut batch.records),
        });
        self.counters.delivered += n as u64;
        self.acc.release(accounted, n);
        batch.recycle(&mut self.acc.pool);
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
        batch.recycle(&mut self.acc.pool);
    }

    /// One failure report per record; releases their buffer.
    pub(super) fn report_failed(
        &mut self,
        topic: SmolStr,
        partition: Option<i32>,
        records: &[RecordMeta],
        error: ProduceError,
        certainty: Certainty,
    ) {
        let accounted: usize = records.iter().map(|r| r.accounted).sum();
        for r in records {
            self.outputs.push(Output::Delivery(DeliveryReport {
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
}
