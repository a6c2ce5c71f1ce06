//! The server side of the simulated network: connection ids, the bytes
//! and closes the cluster sends back ([`Transmit`]), and the queue that
//! holds delayed responses until they are due, in order per connection.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Instant;

use bytes::Bytes;
use thiserror::Error;

use crate::producer::BrokerAddress;
use crate::protocol::FrameReader;

/// A connection accepted by the cluster. Ids are minted by the cluster
/// and never reused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SimConnId(pub u64);

impl fmt::Display for SimConnId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "sim-conn#{}", self.0)
    }
}

/// Something the cluster sends to a client, from
/// [`Cluster::poll_transmit`](super::Cluster::poll_transmit).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Transmit {
    /// Bytes for the client to receive (one whole response frame).
    Data {
        /// The connection.
        conn: SimConnId,
        /// The bytes, size prefix included.
        data: Bytes,
    },
    /// The cluster closed the connection; it sends nothing more on it.
    Closed {
        /// The connection.
        conn: SimConnId,
        /// Why.
        reason: CloseReason,
    },
}

impl Transmit {
    /// The connection this is for.
    pub fn conn(&self) -> SimConnId {
        match self {
            Transmit::Data { conn, .. } | Transmit::Closed { conn, .. } => *conn,
        }
    }
}

/// Why the cluster closed a connection.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum CloseReason {
    /// The broker crashed.
    #[error("broker crashed")]
    BrokerCrashed,
    /// The connection was reset by `drop_connections`.
    #[error("connection reset by broker")]
    Reset,
    /// A Produce request was applied but its response was lost
    /// (`lose_responses_after_append`).
    #[error("connection closed after the request was applied, before its response")]
    ResponseLost,
    /// The client sent something the broker could not accept: a bad size
    /// prefix, an undecodable request, an API or version it does not speak.
    #[error("invalid request: {0}")]
    InvalidRequest(String),
    /// A Produce request with `acks = 0` failed for some partition; Kafka
    /// closes the connection, since it cannot answer.
    #[error("produce request with acks=0 failed")]
    ErrorWithAcksZero,
}

/// Why [`Cluster::connect`](super::Cluster::connect) was refused.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum ConnectRefused {
    /// No broker or alias listens at that address.
    #[error("nothing listens at {0}")]
    UnknownAddress(BrokerAddress),
    /// The broker at that address is down.
    #[error("broker {0} is down")]
    BrokerDown(i32),
    /// The broker was told to refuse connections.
    #[error("broker {0} refuses connections")]
    Refusing(i32),
    /// The address is an alias and no broker is up behind it.
    #[error("no live broker behind {0}")]
    NoLiveBroker(BrokerAddress),
}

/// One accepted connection.
#[derive(Debug)]
pub(super) struct Connection {
    /// The broker that accepted it.
    pub(super) broker: i32,
    /// Reassembles the client's request frames.
    pub(super) reader: FrameReader,
    /// True once the broker decided to close it: later requests are
    /// ignored, and it is forgotten once its `Closed` is sent.
    closing: bool,
    /// When the last transmit queued on it is due, so later ones are never
    /// due before it.
    last_due: Option<Instant>,
    /// True once a transmit was held forever (a delay past the end of
    /// `Instant`): everything after it is held forever too.
    stalled: bool,
}

/// Connections and the transmits waiting to be sent.
#[derive(Debug, Default)]
pub(super) struct Network {
    conns: BTreeMap<SimConnId, Connection>,
    next_conn: u64,
    /// Transmits by (due time, queueing order).
    held: BTreeMap<(Instant, u64), Transmit>,
    next_seq: u64,
}

impl Network {
    /// Accepts a connection on `broker`.
    pub(super) fn open(&mut self, broker: i32, max_frame_size: usize) -> SimConnId {
        let id = SimConnId(self.next_conn);
        self.next_conn += 1;
        self.conns.insert(
            id,
            Connection {
                broker,
                reader: FrameReader::new(max_frame_size),
                closing: false,
                last_due: None,
                stalled: false,
            },
        );
        id
    }

    /// The connection, unless it is gone or closing.
    pub(super) fn open_conn_mut(&mut self, conn: SimConnId) -> Option<&mut Connection> {
        self.conns.get_mut(&conn).filter(|c| !c.closing)
    }

    /// The connections accepted by `broker` (closing ones included).
    pub(super) fn conns_of(&self, broker: i32) -> Vec<SimConnId> {
        self.conns
            .iter()
            .filter(|(_, c)| c.broker == broker)
            .map(|(&id, _)| id)
            .collect()
    }

    /// Queues `transmit` on `conn` for `due`, or later if something queued
    /// before it on the same connection is due later. `None` means never:
    /// it, and whatever follows on the connection, is held forever.
    fn queue(&mut self, conn: SimConnId, due: Option<Instant>, transmit: Transmit) {
        let Some(c) = self.conns.get_mut(&conn) else {
            return;
        };
        let Some(due) = due.filter(|_| !c.stalled) else {
            c.stalled = true;
            return;
        };
        let due = c.last_due.map_or(due, |last| last.max(due));
        c.last_due = Some(due);
        self.held.insert((due, self.next_seq), transmit);
        self.next_seq += 1;
    }

    /// Queues response bytes on `conn`.
    pub(super) fn send(&mut self, conn: SimConnId, due: Option<Instant>, data: Bytes) {
        self.queue(conn, due, Transmit::Data { conn, data });
    }

    /// Closes `conn` once what is already queued on it has been sent; it
    /// accepts no more requests.
    pub(super) fn close_after_pending(
        &mut self,
        conn: SimConnId,
        due: Option<Instant>,
        reason: CloseReason,
    ) {
        let Some(c) = self.conns.get_mut(&conn) else {
            return;
        };
        if c.closing {
            return;
        }
        c.closing = true;
        self.queue(conn, due, Transmit::Closed { conn, reason });
    }

    /// Closes `conn` at once: what was queued on it is dropped.
    pub(super) fn reset(&mut self, conn: SimConnId, now: Instant, reason: CloseReason) {
        if self.forget(conn) {
            self.held
                .insert((now, self.next_seq), Transmit::Closed { conn, reason });
            self.next_seq += 1;
        }
    }

    /// Forgets `conn` and drops what was queued on it, as when the client
    /// closes it. Returns whether it was known.
    pub(super) fn forget(&mut self, conn: SimConnId) -> bool {
        if self.conns.remove(&conn).is_none() {
            return false;
        }
        self.held.retain(|_, t| t.conn() != conn);
        true
    }

    /// The next transmit due at or before `now`.
    pub(super) fn poll(&mut self, now: Instant) -> Option<Transmit> {
        let entry = self.held.first_entry()?;
        if entry.key().0 > now {
            return None;
        }
        let transmit = entry.remove();
        if let Transmit::Closed { conn, .. } = &transmit {
            self.conns.remove(conn);
        }
        Some(transmit)
    }

    /// When the next queued transmit is due.
    pub(super) fn next_due(&self) -> Option<Instant> {
        self.held.first_key_value().map(|(&(due, _), _)| due)
    }
}
