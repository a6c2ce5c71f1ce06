//! The control plane: refreshing the cluster map, obtaining the idempotent
//! producer id, and bumping its epoch when sequences must restart.

use std::time::Instant;

use crate::protocol::{
    ErrorCode, InitProducerIdRequest, InitProducerIdResponse, MetadataRequest, MetadataResponse,
};

use super::Producer;
use super::connection::RequestKind;
use super::event::{Event, LeaderSource, RefreshReason};
use super::io::ConnId;
use super::metadata::LeaderChange;
use super::record::Sendable;
use super::report::{Certainty, ProduceError};

/// Where the idempotent producer id stands.
#[derive(Debug, Default)]
pub(crate) struct ProducerIdState {
    /// `(producer id, epoch)` once assigned.
    pub id: Option<(i64, i16)>,
    pub requesting: Option<ConnId>,
    pub failures: u32,
    pub retry_at: Option<Instant>,
    /// Sequences must restart under a new epoch before more batches go.
    pub bump_required: bool,
}

impl Producer {
    /// Wishes for a fresh map; announces the wish when it is new.
    pub(super) fn request_refresh(&mut self, reason: RefreshReason) {
        if let Some(at) = self
            .refresh
            .request(reason.clone(), self.now, &mut self.rng)
        {
            self.emit(Event::MetadataRefreshScheduled { reason, at });
        }
    }

    pub(super) fn emit_leader_change(&mut self, c: LeaderChange, source: LeaderSource) {
        let topic = self.map.topics[c.topic].name.clone();
        self.emit(Event::LeaderChanged {
            topic,
            partition: c.partition,
            from: c.from,
            to: c.to,
            epoch: c.epoch,
            source,
        });
    }

    pub(super) fn maybe_refresh_by_age(&mut self) {
        if self.refresh.wanted.is_some() || self.metadata_in_flight.is_some() {
            return;
        }
        if self
            .refresh
            .max_age_deadline(&self.map)
            .is_some_and(|t| self.now >= t)
        {
            self.request_refresh(RefreshReason::MaxAge);
        }
    }

    /// Sends the wished-for Metadata request once its moment has come and a
    /// connection is ready.
    pub(super) fn maybe_send_metadata(&mut self) {
        let Some((_, at)) = &self.refresh.wanted else {
            return;
        };
        if self.now < *at || self.metadata_in_flight.is_some() {
            return;
        }
        let Some(conn) = self.least_loaded_conn() else {
            self.ensure_control_conn();
            return;
        };
        let version = self.conns[&conn].versions().expect("ready").metadata;
        let names: Vec<String> = self.map.topics.iter().map(|t| t.name.to_string()).collect();
        let topics = names.len();
        let mut body = MetadataRequest::for_topics(names);
        body.allow_auto_topic_creation = self.config.allow_auto_create_topics;
        if let Err((reason, _)) =
            self.send_request(conn, version, &body, RequestKind::Metadata { version })
        {
            self.close_conn(conn, &reason, true);
            return;
        }
        self.refresh.wanted = None;
        self.refresh.last_attempt = Some(self.now);
        self.metadata_in_flight = Some(conn);
        self.counters.metadata_requests += 1;
        let broker = self.conns[&conn].node.broker();
        self.emit(Event::MetadataRequested {
            conn,
            broker,
            topics,
        });
    }

    /// A Metadata request got no usable answer: ask again after backoff.
    pub(super) fn metadata_failed(&mut self) {
        self.metadata_in_flight = None;
        self.refresh.failures = self.refresh.failures.saturating_add(1);
        self.request_refresh(RefreshReason::RetryFailedRefresh);
    }

    pub(super) fn on_metadata(&mut self, conn: ConnId, resp: MetadataResponse) {
        if self.metadata_in_flight == Some(conn) {
            self.metadata_in_flight = None;
        }
        if !resp.error_code.is_ok() || resp.brokers.is_empty() {
            self.metadata_failed();
            return;
        }
        let changes = self.map.apply(&resp);
        self.map.updated_at = Some(self.now);
        for c in changes {
            self.emit_leader_change(c, LeaderSource::Metadata);
        }
        self.emit(Event::MetadataUpdated {
            brokers: self.map.brokers.len(),
            topics: self.map.topics.iter().filter(|t| t.is_known()).count(),
        });
        self.place_pending();
        self.fail_unusable_topics();
        if self.map_incomplete() {
            self.refresh.failures = self.refresh.failures.saturating_add(1);
            self.request_refresh(RefreshReason::Incomplete);
        } else {
            self.refresh.failures = 0;
        }
    }

    /// Partitions and appends the records that waited for their topic.
    fn place_pending(&mut self) {
        for topic in 0..self.map.topics.len() {
            let count = self.map.topics[topic].partitions.len();
            if count == 0 {
                continue;
            }
            self.acc.ensure_topic(topic);
            self.acc.ensure_partitions(topic, count);
            let mut waiting = std::collections::VecDeque::new();
            while let Some(p) = self.acc.topics[topic].pending.pop_front() {
                if p.record.partition.is_some_and(|n| n as usize >= count) {
                    // A partition the map does not show yet (the topic may
                    // have grown): it waits for a fresher map, up to the
                    // delivery timeout.
                    waiting.push_back(p);
                    continue;
                }
                let meta = p.meta;
                if let Err(e) = self.place(topic, meta, &p.record.borrowed()) {
                    let name = self.map.topics[topic].name.clone();
                    let error =
                        ProduceError::broker(ErrorCode::INVALID_RECORD, Some(e.to_string()));
                    self.report_failed(
                        name,
                        p.record.partition,
                        &[meta],
                        error,
                        Certainty::NotSent,
                    );
                }
            }
            self.acc.topics[topic].pending = waiting;
        }
    }

    /// Topics the cluster refuses (authorization, invalid name) fail their
    /// waiting records at once instead of waiting out the timeout.
    fn fail_unusable_topics(&mut self) {
        for topic in 0..self.map.topics.len() {
            let Some(code) = self.map.topics[topic].error else {
                continue;
            };
            if code.is_retriable() || code == ErrorCode::UNKNOWN_TOPIC_OR_PARTITION {
                continue;
            }
            let name = self.map.topics[topic].name.clone();
            while let Some(p) = self
                .acc
                .topics
                .get_mut(topic)
                .and_then(|t| t.pending.pop_front())
            {
                let error = ProduceError::broker(code, None);
                self.report_failed(
                    name.clone(),
                    p.record.partition,
                    &[p.meta],
                    error,
                    Certainty::NotSent,
                );
            }
        }
    }

    /// Records wait for a topic not found yet, or a partition with queued
    /// batches has no leader.
    fn map_incomplete(&self) -> bool {
        self.acc.topics.iter().enumerate().any(|(t, q)| {
            !q.pending.is_empty()
                || q.partitions
                    .iter()
                    .enumerate()
                    .any(|(p, pq)| !pq.batches.is_empty() && self.map.leader(t, p as i32).is_none())
        })
    }

    /// Once brokers are known, idle connections to bootstrap servers are
    /// closed: requests go to brokers by id.
    pub(super) fn close_idle_bootstrap_conns(&mut self) {
        if self.map.brokers.is_empty() {
            return;
        }
        let idle: Vec<ConnId> = self
            .conns
            .values()
            .filter(|c| c.node.broker().is_none() && c.in_flight.is_empty())
            .map(|c| c.id)
            .collect();
        for id in idle {
            if let Some(conn) = self.conns.remove(&id) {
                self.node_conns.remove(&conn.node);
                self.outputs.push(super::io::Output::Close { conn: id });
            }
        }
    }

    /// Asks for a producer id when idempotence needs one.
    pub(super) fn maybe_init_producer_id(&mut self) {
        if !self.config.enable_idempotence
            || self.pid.id.is_some()
            || self.pid.requesting.is_some()
            || self.pid.retry_at.is_some_and(|t| self.now < t)
        {
            return;
        }
        let Some(conn) = self.least_loaded_conn() else {
            self.ensure_control_conn();
            return;
        };
        let Some(version) = self.conns[&conn]
            .versions()
            .and_then(|v| v.init_producer_id)
        else {
            return;
        };
        let body = InitProducerIdRequest {
            transactional_id: None,
            transaction_timeout_ms: i32::MAX,
            producer_id: -1,
            producer_epoch: -1,
            ..InitProducerIdRequest::default()
        };
        match self.send_request(
            conn,
            version,
            &body,
            RequestKind::InitProducerId { version },
        ) {
            Ok(()) => self.pid.requesting = Some(conn),
            Err((reason, _)) => self.close_conn(conn, &reason, true),
        }
    }

    pub(super) fn init_producer_id_failed(&mut self) {
        self.pid.requesting = None;
        let backoff = self.retry_backoff.backoff(self.pid.failures, &mut self.rng);
        self.pid.failures = self.pid.failures.saturating_add(1);
        self.pid.retry_at = Some(self.now + backoff);
    }

    pub(super) fn on_init_producer_id(&mut self, _conn: ConnId, resp: InitProducerIdResponse) {
        self.pid.requesting = None;
        let code = resp.error_code;
        if code.is_ok() {
            self.pid.id = Some((resp.producer_id, resp.producer_epoch));
            self.pid.failures = 0;
            self.pid.retry_at = None;
            self.pid.bump_required = false;
            self.restart_sequences();
            self.emit(Event::ProducerIdAssigned {
                producer_id: resp.producer_id,
                epoch: resp.producer_epoch,
            });
        } else if code.is_retriable() {
            self.init_producer_id_failed();
        } else {
            self.go_fatal(code, None);
        }
    }

    /// KIP-360 for the idempotent producer: once no batch is in flight,
    /// move to a new epoch (or a new producer id when the epoch is
    /// exhausted) and restart every partition's sequences at 0. Batches
    /// that may already be in the log under the old epoch cannot be
    /// renumbered without risking a duplicate, so they fail as possibly
    /// sent; the rest are renumbered when next sent.
    pub(super) fn maybe_bump_epoch(&mut self) {
        if !self.pid.bump_required {
            return;
        }
        let in_flight = self.any_batch_in_flight();
        let Some((id, epoch)) = self.pid.id else {
            return;
        };
        if in_flight {
            return;
        }
        self.pid.bump_required = false;
        if epoch == i16::MAX {
            self.pid.id = None;
        } else {
            self.pid.id = Some((id, epoch + 1));
            self.emit(Event::EpochBumped {
                producer_id: id,
                epoch: epoch + 1,
            });
        }
        self.restart_sequences();
    }

    /// Sequences start again at 0 (new producer id or epoch).
    fn restart_sequences(&mut self) {
        for topic in 0..self.acc.topics.len() {
            for partition in 0..self.acc.topics[topic].partitions.len() {
                let q = &mut self.acc.topics[topic].partitions[partition];
                q.next_sequence = 0;
                q.last_acked = -1;
                let mut unsafe_to_renumber = Vec::new();
                let mut kept = std::collections::VecDeque::new();
                for mut b in q.batches.drain(..) {
                    if b.sequence.is_some() && b.possibly_sent {
                        unsafe_to_renumber.push(b);
                    } else {
                        b.sequence = None;
                        kept.push_back(b);
                    }
                }
                q.batches = kept;
                for b in unsafe_to_renumber {
                    // The reason the outcome is unknown is what the user
                    // can act on: say it.
                    let mut why =
                        "the producer epoch was bumped while this batch's outcome was unknown"
                            .to_owned();
                    if let Some(last) = &b.last_error {
                        why.push_str("; its last attempt: ");
                        why.push_str(last);
                    }
                    let error =
                        ProduceError::broker(ErrorCode::OUT_OF_ORDER_SEQUENCE_NUMBER, Some(why));
                    self.fail_batch(b, error, false);
                }
            }
        }
    }

    /// The producer stops for good: every record fails, every connection
    /// closes, `send` refuses from now on.
    pub(super) fn go_fatal(&mut self, code: ErrorCode, message: Option<String>) {
        if self.fatal.is_some() {
            return;
        }
        let fatal = super::FatalError {
            code,
            name: code.name(),
            message,
        };
        self.fatal = Some(fatal.clone());
        self.emit(Event::Fatal(fatal.clone()));
        self.fail_everything(ProduceError::Fatal(fatal));
    }
}
