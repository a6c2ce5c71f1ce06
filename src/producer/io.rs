//! What flows in and out of the state machine: inputs from the caller's
//! network layer, outputs for it to carry out, and the next deadline.

use std::fmt;
use std::time::{Duration, Instant};

use bytes::Bytes;

use super::event::Event;
use super::report::DeliveryReport;

/// A connection minted by the producer. Ids are never reused, so input for
/// a connection that is gone is recognised and ignored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConnId(pub u64);

impl fmt::Display for ConnId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "conn#{}", self.0)
    }
}

/// A broker's network address, as given in `bootstrap.servers` or
/// advertised in metadata.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BrokerAddress {
    /// Host name or IP literal.
    pub host: String,
    /// TCP port.
    pub port: u16,
}

impl BrokerAddress {
    /// An address from its parts.
    pub fn new(host: impl Into<String>, port: u16) -> Self {
        BrokerAddress {
            host: host.into(),
            port,
        }
    }
}

impl fmt::Display for BrokerAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

/// Something that happened on the network, reported by the caller.
#[derive(Debug)]
pub enum Input<'a> {
    /// The connection asked for by [`Output::Connect`] is established.
    Connected {
        /// The connection.
        conn: ConnId,
    },
    /// The connection asked for by [`Output::Connect`] could not be made.
    ConnectFailed {
        /// The connection.
        conn: ConnId,
        /// Why, for events and error reports.
        reason: String,
    },
    /// Bytes arrived; any chunking is fine.
    Received {
        /// The connection.
        conn: ConnId,
        /// The bytes, in order.
        data: &'a [u8],
    },
    /// The connection closed or failed (reset, EOF, write error).
    Closed {
        /// The connection.
        conn: ConnId,
        /// Why, for events and error reports.
        reason: String,
    },
}

/// Something the caller must do or learn, taken from
/// [`Producer::poll_output`](super::Producer::poll_output).
#[derive(Debug)]
pub enum Output {
    /// Open a TCP connection to `addr` and report the outcome with
    /// [`Input::Connected`] or [`Input::ConnectFailed`].
    Connect {
        /// The id the producer will use for this connection.
        conn: ConnId,
        /// Where to connect.
        addr: BrokerAddress,
        /// The broker's node id, when known from metadata (`None` for a
        /// bootstrap server).
        broker: Option<i32>,
    },
    /// Write these bytes to the connection, after every earlier write to
    /// it. A request can come as several writes in a row: a Produce
    /// request's record batches are handed over as they are, not copied
    /// into it. Gather consecutive writes into one vectored write
    /// ([`WriteQueue`](super::WriteQueue) does the bookkeeping), or a
    /// socket with Nagle's algorithm off sends each in a packet of its own.
    Write {
        /// The connection.
        conn: ConnId,
        /// The bytes.
        data: Bytes,
    },
    /// Close the connection; the producer has already forgotten it.
    Close {
        /// The connection.
        conn: ConnId,
    },
    /// The final outcome of one record accepted by `send`.
    Delivery(DeliveryReport),
    /// Something worth logging, tracing or counting.
    Event(Event),
}

/// Why the producer wants to be woken, returned with the deadline by
/// [`Producer::poll_timeout`](super::Producer::poll_timeout).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimerReason {
    /// A batch's `linger.ms` runs out.
    Linger,
    /// A batch may be retried after its backoff.
    RetryBackoff,
    /// A record or batch reaches `delivery.timeout.ms`.
    DeliveryTimeout,
    /// A request reaches `request.timeout.ms`.
    RequestTimeout,
    /// A connection attempt reaches its setup timeout.
    ConnectTimeout,
    /// A broker may be reconnected to after its backoff.
    ReconnectBackoff,
    /// The cluster map is due for a refresh.
    MetadataRefresh,
    /// A producer id request may be retried.
    ProducerIdRetry,
    /// A broker's quota pause (throttle time) ends.
    Throttle,
    /// The deadline given to `close` arrives.
    CloseDeadline,
}

/// The next moment the producer must be called with `handle_timeout`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timer {
    /// When.
    pub at: Instant,
    /// Why (the earliest of possibly several reasons).
    pub reason: TimerReason,
}

/// `now + wait`, or the latest instant near it when that is not
/// representable, so `Duration::MAX` means "without bound". For the
/// deadlines an adapter derives from a timeout (`close`, `max.block.ms`,
/// waiting for a report); no clock is read.
///
/// ```
/// use std::time::{Duration, Instant};
/// use kafka_sansio::producer::deadline_after;
///
/// let now = Instant::now();
/// assert_eq!(deadline_after(now, Duration::from_secs(1)), now + Duration::from_secs(1));
/// assert!(deadline_after(now, Duration::MAX) > now + Duration::from_secs(1 << 30));
/// ```
pub fn deadline_after(now: Instant, mut wait: Duration) -> Instant {
    loop {
        if let Some(at) = now.checked_add(wait) {
            return at;
        }
        wait /= 2;
    }
}
