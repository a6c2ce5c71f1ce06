//! Connections: opening them, the ApiVersions handshake, reading frames,
//! and what losing one means for the requests it carried.

use std::time::Instant;

use bytes::{Bytes, BytesMut};

use crate::protocol::api_versions::ApiVersionsRequest;
use crate::protocol::frame::{
    FrameError, decode_response, encode_request_spliced, peek_correlation_id,
};
use crate::protocol::versions::{negotiate, supported};
use crate::protocol::{
    ApiKey, ApiMessage, ApiVersionsResponse, EncodeError, InitProducerIdRequest,
    InitProducerIdResponse, MetadataRequest, MetadataResponse, ProduceRequest, ProduceResponse,
    Request, Splices, VersionRange,
};

use super::connection::{Conn, ConnState, InFlight, Node, RequestKind, Versions};
use super::event::{Event, RefreshReason};
use super::io::{BrokerAddress, ConnId, Output};
use super::{MetadataRecoveryStrategy, Producer};

/// The software name sent in ApiVersions v3+ (KIP-511).
const SOFTWARE_NAME: &str = "kafka-sansio";

/// The buffer requests are encoded into. Each request is split off as its
/// own `Bytes`; once the adapter has written and dropped the earlier ones,
/// the next request reuses their allocation instead of a fresh one. When
/// an earlier request is still held (being written), or the allocation is
/// too small, the next gets a fresh allocation of its own size, and the
/// requests after it reuse that one.
///
/// A Produce request's record batches are not copied in: the buffer holds
/// the bytes around them, and the batches go out as their own `Write`s in
/// between ([`Splices`]). A batch is already a `Bytes`, kept for retries;
/// copying it into the request would cost a pass over every byte sent and
/// a second buffer of up to `max.request.size` per request in flight,
/// whose pages the allocator hands back and faults in again.
#[derive(Debug, Default)]
pub(super) struct FrameBuffer {
    buf: BytesMut,
    splices: Splices,
}

impl FrameBuffer {
    /// An empty buffer with room for at least `capacity` bytes.
    fn next(&mut self, capacity: usize) -> &mut BytesMut {
        self.buf.clear();
        if !self.buf.try_reclaim(capacity) {
            self.buf = BytesMut::with_capacity(capacity);
        }
        &mut self.buf
    }

    /// Encodes a request frame; hands `out` its parts in wire order.
    fn encode<R: Request>(
        &mut self,
        correlation_id: i32,
        client_id: &str,
        version: i16,
        body: &R,
        out: impl FnMut(Bytes),
    ) -> Result<(), EncodeError> {
        // Sized once, so the buffer never grows (and copies) mid-request.
        const HEADER: usize = 64;
        let capacity = HEADER + client_id.len() + body.spliced_size_hint();
        self.next(capacity);
        let (buf, splices) = (&mut self.buf, &mut self.splices);
        encode_request_spliced(buf, correlation_id, Some(client_id), version, body, splices)?;
        let encoded = buf.split().freeze();
        splices.interleave(encoded, out);
        Ok(())
    }
}

impl Producer {
    /// Asks the caller to open a connection to `node`.
    pub(super) fn open_conn(&mut self, node: Node) -> Option<ConnId> {
        let addr = self.node_addr(node)?;
        let id = ConnId(self.next_conn_id);
        self.next_conn_id += 1;
        let deadline = self.now + self.config.connection_setup_timeout;
        let conn = Conn::new(
            id,
            node,
            addr.clone(),
            deadline,
            self.config.max_response_size,
        );
        self.conns.insert(id, conn);
        self.node_conns.insert(node, id);
        self.outputs.push(Output::Connect {
            conn: id,
            addr,
            broker: node.broker(),
        });
        Some(id)
    }

    fn node_addr(&self, node: Node) -> Option<BrokerAddress> {
        match node {
            Node::Broker(id) => self.map.brokers.get(&id).cloned(),
            Node::Bootstrap(i) => self.config.bootstrap_servers.get(i).cloned(),
        }
    }

    pub(super) fn on_connected(&mut self, id: ConnId) {
        let Some(conn) = self.conns.get_mut(&id) else {
            return;
        };
        if !matches!(conn.state, ConnState::Connecting { .. }) {
            return;
        }
        conn.state = ConnState::Handshake;
        self.send_api_versions(id, ApiVersionsRequest::VERSIONS.max);
    }

    fn send_api_versions(&mut self, id: ConnId, version: i16) {
        let body = ApiVersionsRequest {
            client_software_name: SOFTWARE_NAME.to_owned(),
            client_software_version: env!("CARGO_PKG_VERSION").to_owned(),
            ..ApiVersionsRequest::default()
        };
        if let Err((reason, _)) =
            self.send_request(id, version, &body, RequestKind::ApiVersions { version })
        {
            self.close_conn(id, &reason, true);
        }
    }

    /// Encodes and writes a request; remembers it unless `kind` is a
    /// Produce with `acks=0` (no answer comes).
    pub(super) fn send_request<R: Request>(
        &mut self,
        id: ConnId,
        version: i16,
        body: &R,
        kind: RequestKind,
    ) -> Result<(), (String, RequestKind)> {
        let client_id = &self.config.client_id;
        let expects_answer =
            !matches!(kind, RequestKind::Produce { .. }) || self.config.acks != super::Acks::None;
        let Some(conn) = self.conns.get_mut(&id) else {
            return Err(("connection is gone".to_owned(), kind));
        };
        let correlation_id = conn.next_correlation_id();
        let outputs = &mut self.outputs;
        let write = |data| outputs.push(Output::Write { conn: id, data });
        if let Err(e) = self
            .frames
            .encode(correlation_id, client_id, version, body, write)
        {
            return Err((format!("cannot encode {}: {e}", R::API_KEY.name()), kind));
        }
        if expects_answer {
            conn.in_flight.push_back(InFlight {
                correlation_id,
                sent_at: self.now,
                kind,
            });
        }
        Ok(())
    }

    pub(super) fn on_received(&mut self, id: ConnId, data: &[u8]) {
        let Some(conn) = self.conns.get_mut(&id) else {
            return;
        };
        if matches!(conn.state, ConnState::Connecting { .. }) {
            return;
        }
        conn.reader.push(data);
        loop {
            let Some(conn) = self.conns.get_mut(&id) else {
                return;
            };
            match conn.reader.next_frame() {
                Ok(Some(frame)) => self.on_frame(id, frame),
                Ok(None) => return,
                Err(e) => {
                    let reason = match e {
                        FrameError::TooLarge { .. } => format!(
                            "malformed response frame: {e}; the cap is \
                             kafka-sansio.max.response.size"
                        ),
                        FrameError::Negative { .. } => format!("malformed response frame: {e}"),
                    };
                    self.close_conn(id, &reason, true);
                    return;
                }
            }
        }
    }

    /// One response frame: it must answer the oldest request in flight.
    fn on_frame(&mut self, id: ConnId, frame: Bytes) {
        let Some(conn) = self.conns.get_mut(&id) else {
            return;
        };
        let got = peek_correlation_id(&frame);
        let mismatch = match (conn.in_flight.front(), got) {
            (Some(oldest), Some(got)) if got == oldest.correlation_id => None,
            (Some(oldest), Some(got)) => Some(format!(
                "response with correlation id {got} while the oldest request in flight \
                 ({}) has correlation id {}",
                oldest.kind.describe(),
                oldest.correlation_id
            )),
            (Some(oldest), None) => Some(format!(
                "response of {} bytes, too short for a correlation id, to {} \
                 (correlation id {})",
                frame.len(),
                oldest.kind.describe(),
                oldest.correlation_id
            )),
            (None, _) => Some(format!(
                "response of {} bytes (correlation id {}) while no request is in flight",
                frame.len(),
                got.map_or_else(|| "unreadable".to_owned(), |id| id.to_string())
            )),
        };
        if let Some(reason) = mismatch {
            self.close_conn(id, &reason, true);
            return;
        }
        let request = conn.in_flight.pop_front().expect("checked above");
        let sent_at = request.sent_at;
        let correlation_id = request.correlation_id;
        let result = match request.kind {
            RequestKind::ApiVersions { version } => {
                ApiVersionsResponse::decode_frame_with_fallback(frame, version)
                    .map(|(_, resp, _)| self.on_api_versions(id, version, resp))
                    .map_err(|e| (e, RequestKind::ApiVersions { version }))
            }
            RequestKind::Metadata { version } => {
                decode_response::<MetadataResponse>(frame, version)
                    .map(|(_, resp)| self.on_metadata(id, resp))
                    .map_err(|e| (e, RequestKind::Metadata { version }))
            }
            RequestKind::InitProducerId { version } => {
                decode_response::<InitProducerIdResponse>(frame, version)
                    .map(|(_, resp)| self.on_init_producer_id(id, resp))
                    .map_err(|e| (e, RequestKind::InitProducerId { version }))
            }
            RequestKind::Produce { version, batches } => {
                match decode_response::<ProduceResponse>(frame, version) {
                    Ok((_, resp)) => {
                        self.on_produce_response(id, version, batches, resp);
                        Ok(())
                    }
                    Err(e) => Err((e, RequestKind::Produce { version, batches })),
                }
            }
        };
        if let Err((error, kind)) = result {
            let reason = format!(
                "malformed {} response (correlation id {correlation_id}): {error}",
                kind.describe()
            );
            // Put the request back so closing the connection settles it
            // like every other request that never got a usable answer.
            if let Some(conn) = self.conns.get_mut(&id) {
                conn.in_flight.push_front(InFlight {
                    correlation_id,
                    sent_at,
                    kind,
                });
            }
            self.close_conn(id, &reason, true);
        }
    }

    fn on_api_versions(&mut self, id: ConnId, sent: i16, resp: ApiVersionsResponse) {
        if let Some(retry) = resp.retry_version(sent) {
            self.send_api_versions(id, retry);
            return;
        }
        let mut wanted: Vec<(ApiKey, VersionRange)> = vec![
            supported::<MetadataRequest>(),
            supported::<ProduceRequest>(),
        ];
        if self.config.enable_idempotence {
            wanted.push(supported::<InitProducerIdRequest>());
        }
        let negotiated = match negotiate(&resp, &wanted) {
            Ok(n) => n,
            Err(e) => {
                self.close_conn(id, &format!("version negotiation failed: {e}"), true);
                return;
            }
        };
        let get = |api| negotiated.get(api).expect("negotiated APIs are present");
        let versions = Versions {
            metadata: get(ApiKey::METADATA),
            produce: get(ApiKey::PRODUCE),
            init_producer_id: negotiated.get(ApiKey::INIT_PRODUCER_ID),
        };
        let Some(conn) = self.conns.get_mut(&id) else {
            return;
        };
        conn.state = ConnState::Ready(versions);
        let (node, addr) = (conn.node, conn.addr.clone());
        self.health.remove(&node);
        self.emit(Event::ConnectionReady {
            conn: id,
            addr,
            broker: node.broker(),
        });
    }

    /// Closes a connection and settles what it carried: produce batches
    /// are retried (their outcome unknown), a metadata or producer id
    /// request is asked again after backoff. `initiated` says the producer
    /// chose to close it (the caller must be told to).
    pub(super) fn close_conn(&mut self, id: ConnId, reason: &str, initiated: bool) {
        let Some(conn) = self.conns.remove(&id) else {
            return;
        };
        // A peer that closes halfway through an answer has cut it short.
        let reason = match conn.partial_response() {
            Some(partial) if !initiated => format!("{reason} mid-response ({partial})"),
            _ => reason.to_owned(),
        };
        let reason = reason.as_str();
        if self.node_conns.get(&conn.node) == Some(&id) {
            self.node_conns.remove(&conn.node);
        }
        if initiated {
            self.outputs.push(Output::Close { conn: id });
        }
        let health = self.health.entry(conn.node).or_default();
        let backoff = self
            .reconnect_backoff
            .backoff(health.failures, &mut self.rng);
        health.failures = health.failures.saturating_add(1);
        health.retry_at = Some(self.now + backoff);
        self.last_network_error = Some(format!("{}: {reason}", conn.addr));
        self.emit(Event::ConnectionLost {
            conn: id,
            addr: conn.addr.clone(),
            broker: conn.node.broker(),
            reason: reason.to_owned(),
            in_flight: conn.in_flight.len(),
        });
        let lost = format!("connection to {} lost: {reason}", conn.addr);
        for request in conn.in_flight {
            match request.kind {
                RequestKind::ApiVersions { .. } => {}
                RequestKind::Metadata { .. } => self.metadata_failed(),
                RequestKind::InitProducerId { .. } => self.init_producer_id_failed(),
                RequestKind::Produce { batches, .. } => {
                    for mut batch in batches {
                        self.acc.partition(batch.topic, batch.partition).in_flight -= 1;
                        batch.possibly_sent = true;
                        self.retry_or_fail(batch, lost.clone());
                    }
                }
            }
        }
        if let Node::Broker(broker) = conn.node {
            if self.note_leader_lost(broker, &lost) {
                self.request_refresh(RefreshReason::LeaderUnreachable { broker });
            }
        }
    }

    /// Records `lost` as the last error of every batch queued, and not yet
    /// sent, for a partition `broker` leads, and says whether it leads
    /// any. A batch that never goes out (it waits behind a batch being
    /// retried, or for the leader to come back) and reaches
    /// `delivery.timeout.ms` then says why it could not be sent, not only
    /// that time ran out. A batch already sent keeps its last attempt's
    /// error, which is what an epoch bump reports for it.
    fn note_leader_lost(&mut self, broker: i32, lost: &str) -> bool {
        let mut leads = false;
        for (topic, meta) in self.map.topics.iter().enumerate() {
            for (partition, p) in meta.partitions.iter().enumerate() {
                if p.leader != Some(broker) {
                    continue;
                }
                leads = true;
                // The map may know partitions nothing was queued for yet.
                let Some(queue) = self
                    .acc
                    .topics
                    .get_mut(topic)
                    .and_then(|t| t.partitions.get_mut(partition))
                else {
                    continue;
                };
                for batch in queue.batches.iter_mut().filter(|b| b.attempts == 0) {
                    batch.last_error = Some(lost.to_owned());
                }
            }
        }
        leads
    }

    /// Closes connections whose setup or oldest request took too long.
    pub(super) fn check_connection_timeouts(&mut self) {
        let now = self.now;
        let request_timeout = self.config.request_timeout;
        let expired: Vec<(ConnId, String)> = self
            .conns
            .values()
            .filter_map(|c| match c.state {
                ConnState::Connecting { deadline } if now >= deadline => {
                    Some((c.id, "connection setup timed out".to_owned()))
                }
                _ => {
                    let oldest = c
                        .in_flight
                        .front()
                        .filter(|r| now >= r.sent_at + request_timeout)?;
                    let mut reason = format!(
                        "{} request (correlation id {}) timed out: no answer within \
                         request.timeout.ms ({} ms)",
                        oldest.kind.describe(),
                        oldest.correlation_id,
                        request_timeout.as_millis()
                    );
                    if let Some(partial) = c.partial_response() {
                        reason.push_str(&format!("; {partial}"));
                    }
                    Some((c.id, reason))
                }
            })
            .collect();
        for (id, reason) in expired {
            self.close_conn(id, &reason, true);
        }
    }

    /// A ready connection for requests any broker can answer (metadata,
    /// producer id): the one with the fewest requests in flight.
    pub(super) fn least_loaded_conn(&self) -> Option<ConnId> {
        let prefer_brokers = !self.map.brokers.is_empty();
        self.conns
            .values()
            .filter(|c| c.versions().is_some())
            .filter(|c| match c.node {
                Node::Broker(id) => self.map.brokers.contains_key(&id),
                Node::Bootstrap(_) => !prefer_brokers,
            })
            .min_by_key(|c| (c.in_flight.len(), c.id))
            .map(|c| c.id)
    }

    /// Makes sure some connection will become usable for metadata or
    /// producer id requests: waits for one being set up, else opens one to
    /// a known broker (or a bootstrap server before the first map, or after
    /// a rebootstrap) that is not in backoff.
    pub(super) fn ensure_control_conn(&mut self) {
        let usable = |node: &Node, map: &super::metadata::ClusterMap| match node {
            Node::Broker(id) => map.brokers.contains_key(id),
            Node::Bootstrap(_) => map.brokers.is_empty(),
        };
        if self
            .conns
            .values()
            .any(|c| c.versions().is_none() && usable(&c.node, &self.map))
        {
            return;
        }
        let candidates: Vec<Node> = if self.map.brokers.is_empty() {
            self.bootstrap_order
                .iter()
                .map(|&i| Node::Bootstrap(i))
                .collect()
        } else {
            let ids: Vec<i32> = self.map.brokers.keys().copied().collect();
            let start = self.rng.below(ids.len());
            (0..ids.len())
                .map(|i| Node::Broker(ids[(start + i) % ids.len()]))
                .collect()
        };
        let now = self.now;
        if let Some(&node) = candidates.iter().find(|n| {
            !self.node_conns.contains_key(n)
                && self.health.get(n).is_none_or(|h| h.can_connect(now))
        }) {
            self.open_conn(node);
            return;
        }
        let all_failed = !self.map.brokers.is_empty()
            && candidates.iter().all(|n| {
                !self.node_conns.contains_key(n)
                    && self.health.get(n).is_some_and(|h| h.failures > 0)
            });
        if all_failed
            && self.config.metadata_recovery_strategy == MetadataRecoveryStrategy::Rebootstrap
        {
            self.rebootstrap();
            return;
        }
        let wake = candidates
            .iter()
            .filter_map(|n| self.health.get(n).and_then(|h| h.retry_at))
            .min();
        self.wake_at_reconnect(wake);
    }

    /// KIP-899: every known broker is unreachable, so start again from
    /// `bootstrap.servers`.
    fn rebootstrap(&mut self) {
        self.map.forget_brokers();
        self.rng.shuffle(&mut self.bootstrap_order);
        self.emit(Event::Rebootstrap);
        self.refresh.wanted = None;
        self.request_refresh(RefreshReason::Rebootstrap);
        self.ensure_control_conn();
    }

    pub(super) fn wake_at_reconnect(&mut self, at: Option<Instant>) {
        if let Some(at) = at {
            self.reconnect_wake = Some(self.reconnect_wake.map_or(at, |w| w.min(at)));
        }
    }

    /// Closes every connection (fatal error, close).
    pub(super) fn close_all_conns(&mut self) {
        let ids: Vec<ConnId> = self.conns.keys().copied().collect();
        for id in ids {
            if let Some(conn) = self.conns.remove(&id) {
                self.node_conns.remove(&conn.node);
                self.outputs.push(Output::Close { conn: id });
            }
        }
        self.metadata_in_flight = None;
    }
}

#[cfg(test)]
mod tests {
    use super::FrameBuffer;

    fn frame(frames: &mut FrameBuffer, len: usize) -> bytes::Bytes {
        let buf = frames.next(len);
        buf.resize(len, 7);
        buf.split().freeze()
    }

    #[test]
    fn a_request_reuses_the_allocation_the_written_ones_gave_back() {
        let mut frames = FrameBuffer::default();
        let first = frame(&mut frames, 1000);
        let at = first.as_ptr();
        drop(first);
        // Were the allocation freed with the request, this would likely be
        // handed it, and the next request could not get it back.
        let squatter = Vec::<u8>::with_capacity(1000);
        let second = frame(&mut frames, 1000);
        assert_ne!(squatter.as_ptr(), at);
        assert_eq!(second.as_ptr(), at);
        assert_eq!(&second[..], &[7; 1000][..]);
    }

    #[test]
    fn a_request_never_overwrites_one_still_held() {
        let mut frames = FrameBuffer::default();
        let first = frame(&mut frames, 1000);
        let mut second = frames.next(1000).split();
        second.resize(1000, 9);
        assert_eq!(&first[..], &[7; 1000][..]);
        // Larger than the first allocation: a fresh one, and the held
        // request is untouched.
        let third = frame(&mut frames, 5000);
        assert_eq!(&first[..], &[7; 1000][..]);
        assert_eq!(third.len(), 5000);
    }
}
