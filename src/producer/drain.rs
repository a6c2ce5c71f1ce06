//! Draining: which leaders are ready for a request, and the Produce
//! requests that carry, for each, the first batch of every partition it
//! leads (one batch per partition, up to `max.request.size`, within the
//! connection's in-flight limit), as Java's `RecordAccumulator` does.

use std::collections::BTreeMap;

use crate::protocol::produce::{PartitionProduceData, TopicProduceData};
use crate::protocol::{ErrorCode, ProduceRequest};
use crate::record::ProducerFields;

use super::batch::ProducerBatch;
use super::connection::{ConnState, Node, RequestKind};
use super::event::Event;
use super::io::ConnId;
use super::metadata::TopicIdx;
use super::report::ProduceError;
use super::{Acks, Producer};

/// The broker keeps the last five batches per producer and partition for
/// duplicate detection, so no more may be unresolved at once.
const MAX_IN_FLIGHT_PER_PARTITION: u32 = 5;

impl Producer {
    /// Whether a partition's first queued batch may ride in a request to
    /// its leader now: there is one, the partition's in-flight window has
    /// room, and it is not a retry still backing off or waiting for the
    /// partition's other batches. Fullness and `linger.ms` do not matter
    /// here: they decide whether the leader is worth a request at all
    /// ([`Producer::partition_ready`]), and once it is, every partition it
    /// leads sends what it has (Java's `RecordAccumulator.drain`).
    fn partition_drainable(&self, topic: TopicIdx, partition: usize) -> bool {
        let q = &self.acc.topics[topic].partitions[partition];
        let Some(b) = q.batches.front() else {
            return false;
        };
        // Without idempotence, `max.in.flight.requests.per.connection=1`
        // is how a user asks for order (as in Java): one batch of a
        // partition at a time, across connections too (a leader change
        // must not let a newer batch overtake an older one).
        let limit =
            if !self.config.enable_idempotence && self.config.max_in_flight_per_connection == 1 {
                1
            } else {
                MAX_IN_FLIGHT_PER_PARTITION
            };
        if q.in_flight >= limit {
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
            None => true,
        }
    }

    /// Whether a partition's first queued batch makes its leader ready for
    /// a request (Java's `RecordAccumulator.ready`): it may go, and it is
    /// full, has lingered `linger.ms`, is being flushed or closed, or is a
    /// retry whose backoff is over.
    fn partition_ready(&self, topic: TopicIdx, partition: usize) -> bool {
        if !self.partition_drainable(topic, partition) {
            return false;
        }
        let b = self.acc.topics[topic].partitions[partition]
            .batches
            .front()
            .expect("drainable means non-empty");
        b.retry_at.is_some()
            || b.sealed
            || self.now >= b.created + self.config.linger
            || b.records.first().is_some_and(|r| r.id.0 < self.flush_mark)
            || self.closing.is_some()
    }

    /// For every leader with a ready partition: connect, or fill its free
    /// in-flight slots with Produce requests, each carrying what every
    /// partition it leads has to send (one batch each).
    pub(super) fn send_ready_batches(&mut self) {
        if self.config.enable_idempotence && (self.pid.id.is_none() || self.pid.bump_required) {
            return;
        }
        let mut by_leader: BTreeMap<i32, Vec<(TopicIdx, usize)>> = BTreeMap::new();
        let mut ready_leaders: Vec<i32> = Vec::new();
        for topic in 0..self.acc.topics.len() {
            for partition in 0..self.acc.topics[topic].partitions.len() {
                if !self.partition_drainable(topic, partition) {
                    continue;
                }
                if let Some(leader) = self.map.leader(topic, partition as i32) {
                    by_leader
                        .entry(leader)
                        .or_default()
                        .push((topic, partition));
                    if self.partition_ready(topic, partition) && !ready_leaders.contains(&leader) {
                        ready_leaders.push(leader);
                    }
                }
            }
        }
        let now = self.now;
        for (leader, parts) in by_leader {
            if !ready_leaders.contains(&leader) {
                continue;
            }
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
                // Each request needs a ready partition of its own: the
                // others only ride along, as they would in Java's next
                // sender loop.
                let still_ready = parts.iter().any(|&(topic, partition)| {
                    self.map.leader(topic, partition as i32) == Some(leader)
                        && self.partition_ready(topic, partition)
                });
                if !still_ready || !self.send_produce(conn, leader, &parts) {
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
    /// nothing was drainable.
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
            if !self.partition_drainable(topic, partition)
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
            let mut batch = q.batches.pop_front().expect("drainable means non-empty");
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
            let queue = &mut self.acc.topics[batch.topic].partitions[batch.partition as usize];
            encoded.push(batch.encode(fields, &mut self.acc.pool, &mut queue.compression));
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
        let version = body.version_for(version);
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
        self.counters.produce_batches += count as u64;
        self.counters.produce_in_flight_sum +=
            self.conns.get(&conn).map_or(0, |c| c.produce_in_flight()) as u64;
        self.emit(Event::ProduceSent {
            conn,
            broker: leader,
            batches: count,
            records,
        });
        true
    }
}
