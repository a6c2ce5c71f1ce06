//! Connections as the core sees them: the node they reach, their
//! handshake, framing of what arrives, and the requests awaiting answers.

use std::collections::VecDeque;
use std::time::Instant;

use crate::protocol::FrameReader;
use crate::protocol::frame::SIZE_PREFIX;

use super::batch::ProducerBatch;
use super::io::{BrokerAddress, ConnId};

/// Which node a connection reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Node {
    /// A broker named in metadata.
    Broker(i32),
    /// The n-th entry of `bootstrap.servers`.
    Bootstrap(usize),
}

impl Node {
    pub(crate) fn broker(self) -> Option<i32> {
        match self {
            Node::Broker(id) => Some(id),
            Node::Bootstrap(_) => None,
        }
    }
}

/// Versions agreed with the broker for the APIs the producer uses.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Versions {
    pub metadata: i16,
    pub produce: i16,
    /// `None` when idempotence is off and the API was not negotiated.
    pub init_producer_id: Option<i16>,
}

/// Where a connection is in its life.
#[derive(Debug)]
pub(crate) enum ConnState {
    /// Waiting for the caller to report the TCP outcome.
    Connecting { deadline: Instant },
    /// ApiVersions sent, waiting for the answer.
    Handshake,
    /// Versions agreed; requests may go.
    Ready(Versions),
}

/// What an in-flight request was, to read and act on its answer.
#[derive(Debug)]
pub(crate) enum RequestKind {
    ApiVersions {
        version: i16,
    },
    Metadata {
        version: i16,
    },
    InitProducerId {
        version: i16,
    },
    Produce {
        version: i16,
        batches: Vec<ProducerBatch>,
    },
}

impl RequestKind {
    /// The API and version, as in "Produce v11", for error reasons.
    pub(crate) fn describe(&self) -> String {
        let (api, version) = match self {
            RequestKind::ApiVersions { version } => ("ApiVersions", version),
            RequestKind::Metadata { version } => ("Metadata", version),
            RequestKind::InitProducerId { version } => ("InitProducerId", version),
            RequestKind::Produce { version, .. } => ("Produce", version),
        };
        format!("{api} v{version}")
    }
}

/// A request awaiting its answer.
#[derive(Debug)]
pub(crate) struct InFlight {
    pub correlation_id: i32,
    pub sent_at: Instant,
    pub kind: RequestKind,
}

/// One connection.
#[derive(Debug)]
pub(crate) struct Conn {
    pub id: ConnId,
    pub node: Node,
    pub addr: BrokerAddress,
    pub state: ConnState,
    pub reader: FrameReader,
    /// Kafka answers a connection's requests in order: the front is the
    /// next answer due.
    pub in_flight: VecDeque<InFlight>,
    /// The broker asked for a pause in its last answer (quota throttling,
    /// KIP-219): no Produce request goes before then.
    pub throttled_until: Option<Instant>,
    next_correlation_id: i32,
}

impl Conn {
    pub(crate) fn new(
        id: ConnId,
        node: Node,
        addr: BrokerAddress,
        deadline: Instant,
        max_frame: usize,
    ) -> Self {
        Conn {
            id,
            node,
            addr,
            state: ConnState::Connecting { deadline },
            reader: FrameReader::new(max_frame),
            in_flight: VecDeque::new(),
            throttled_until: None,
            next_correlation_id: 0,
        }
    }

    pub(crate) fn next_correlation_id(&mut self) -> i32 {
        let id = self.next_correlation_id;
        self.next_correlation_id = self.next_correlation_id.wrapping_add(1) & i32::MAX;
        id
    }

    pub(crate) fn versions(&self) -> Option<Versions> {
        match self.state {
            ConnState::Ready(v) => Some(v),
            _ => None,
        }
    }

    /// How much of a response has arrived when one is incomplete, for
    /// error reasons: a peer that stops or closes mid-response.
    pub(crate) fn partial_response(&self) -> Option<String> {
        let received = self.reader.buffered();
        match self.reader.announced() {
            _ if received == 0 => None,
            Some(size) => Some(format!(
                "{received} of the {} bytes of a response had arrived",
                size.saturating_add(SIZE_PREFIX)
            )),
            None => Some(format!(
                "{received} bytes of a response's size prefix had arrived"
            )),
        }
    }

    /// Produce requests in flight (the in-flight limit counts these).
    pub(crate) fn produce_in_flight(&self) -> usize {
        self.in_flight
            .iter()
            .filter(|r| matches!(r.kind, RequestKind::Produce { .. }))
            .count()
    }
}

/// Reconnect backoff of one node.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct NodeHealth {
    /// Consecutive failed connections.
    pub failures: u32,
    /// No new connection before then.
    pub retry_at: Option<Instant>,
}

impl NodeHealth {
    pub(crate) fn can_connect(&self, now: Instant) -> bool {
        self.retry_at.is_none_or(|t| now >= t)
    }
}
