//! Typed events: what the producer did and why, for adapters to log, trace
//! and count. The core itself never writes a log line; adapters call
//! `Event::trace` (feature `tracing`) to log through `tracing`.

use super::record::SmolStr;
use std::time::{Duration, Instant};

use crate::protocol::ErrorCode;

use super::io::{BrokerAddress, ConnId};

/// Why the cluster map is to be refreshed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RefreshReason {
    /// The producer knows nothing yet.
    Bootstrap,
    /// Records arrived for a topic the map does not have.
    NewTopic(SmolStr),
    /// A record named a partition the map does not show (the topic may
    /// have grown).
    UnknownPartition {
        /// The topic.
        topic: SmolStr,
        /// The partition asked for.
        partition: i32,
    },
    /// The map is older than `metadata.max.age.ms`.
    MaxAge,
    /// A broker answered with an error meaning the map is stale.
    StaleMetadata {
        /// The topic.
        topic: SmolStr,
        /// The partition.
        partition: i32,
        /// The error.
        error: ErrorCode,
    },
    /// The connection to a partition leader failed.
    LeaderUnreachable {
        /// The broker.
        broker: i32,
    },
    /// A partition with records waiting has no leader, or a topic is not
    /// found yet.
    Incomplete,
    /// Every known broker is unreachable; the map is reset to
    /// `bootstrap.servers` (KIP-899).
    Rebootstrap,
    /// The previous request for the map failed.
    RetryFailedRefresh,
}

/// Where a leader change was learned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LeaderSource {
    /// A Metadata response.
    Metadata,
    /// A leader hint in a Produce response (KIP-951).
    ProduceHint,
}

/// Something that happened inside the producer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// The producer decided to refresh the cluster map and will send the
    /// Metadata request at `at`.
    MetadataRefreshScheduled {
        /// Why.
        reason: RefreshReason,
        /// When the request may go out (after backoff).
        at: Instant,
    },
    /// A Metadata request was sent.
    MetadataRequested {
        /// The connection.
        conn: ConnId,
        /// The broker asked, `None` for a bootstrap server.
        broker: Option<i32>,
        /// The topics asked about.
        topics: usize,
    },
    /// A Metadata response was applied.
    MetadataUpdated {
        /// Brokers in the map.
        brokers: usize,
        /// Topics known.
        topics: usize,
    },
    /// A partition's leader changed.
    LeaderChanged {
        /// The topic.
        topic: SmolStr,
        /// The partition.
        partition: i32,
        /// The old leader.
        from: Option<i32>,
        /// The new leader.
        to: Option<i32>,
        /// The new leader epoch.
        epoch: i32,
        /// Where the change was learned.
        source: LeaderSource,
    },
    /// The map was reset to `bootstrap.servers` because every known broker
    /// was unreachable (KIP-899).
    Rebootstrap,
    /// A connection is established and its versions negotiated.
    ConnectionReady {
        /// The connection.
        conn: ConnId,
        /// The address.
        addr: BrokerAddress,
        /// The broker, `None` for a bootstrap server.
        broker: Option<i32>,
    },
    /// A connection failed or was closed.
    ConnectionLost {
        /// The connection.
        conn: ConnId,
        /// The address.
        addr: BrokerAddress,
        /// The broker, `None` for a bootstrap server.
        broker: Option<i32>,
        /// Why.
        reason: String,
        /// Requests that were in flight on it.
        in_flight: usize,
    },
    /// A Produce request was sent.
    ProduceSent {
        /// The connection.
        conn: ConnId,
        /// The broker.
        broker: i32,
        /// Batches (one per partition) in the request.
        batches: usize,
        /// Records in the request.
        records: usize,
    },
    /// A batch failed with a retriable error and will be retried.
    BatchRetry {
        /// The topic.
        topic: SmolStr,
        /// The partition.
        partition: i32,
        /// Records in the batch.
        records: usize,
        /// Attempts made so far.
        attempts: u32,
        /// What went wrong.
        reason: String,
        /// How long the batch waits before the retry (zero after a
        /// leader change, KIP-951).
        backoff: Duration,
    },
    /// A batch was too large for the broker and was split in two.
    BatchSplit {
        /// The topic.
        topic: SmolStr,
        /// The partition.
        partition: i32,
        /// Records in the original batch.
        records: usize,
    },
    /// An idempotent producer id was obtained.
    ProducerIdAssigned {
        /// The id.
        producer_id: i64,
        /// The epoch.
        epoch: i16,
    },
    /// The producer epoch was bumped to recover from a sequence problem
    /// (KIP-360).
    EpochBumped {
        /// The id.
        producer_id: i64,
        /// The new epoch.
        epoch: i16,
    },
    /// The producer failed fatally; see the error.
    Fatal(super::report::FatalError),
    /// `close` finished: everything is reported and every connection
    /// closed.
    Closed,
}

#[cfg(feature = "tracing")]
impl Event {
    /// Emits the event as a `tracing` event under the target
    /// `kafka_sansio`: warnings for lost connections, retries and fatal
    /// errors, info for changes to the map and the producer id, debug for
    /// the routine rest.
    pub fn trace(&self) {
        const TARGET: &str = "kafka_sansio";
        match self {
            Event::ConnectionLost { .. } | Event::BatchRetry { .. } | Event::BatchSplit { .. } => {
                tracing::warn!(target: TARGET, event = ?self)
            }
            Event::Fatal(error) => {
                tracing::error!(target: TARGET, %error, "producer failed fatally")
            }
            Event::LeaderChanged { .. }
            | Event::Rebootstrap
            | Event::ProducerIdAssigned { .. }
            | Event::EpochBumped { .. }
            | Event::Closed => tracing::info!(target: TARGET, event = ?self),
            _ => tracing::debug!(target: TARGET, event = ?self),
        }
    }
}

#[cfg(all(test, feature = "tracing"))]
mod tests {
    use std::sync::{Arc, Mutex};

    use tracing::span::{Attributes, Id, Record};
    use tracing::{Level, Metadata, Subscriber};

    use super::*;

    /// Keeps the target and level of every event.
    #[derive(Clone, Default)]
    struct Seen(Arc<Mutex<Vec<(String, Level)>>>);

    impl Subscriber for Seen {
        fn enabled(&self, _: &Metadata<'_>) -> bool {
            true
        }
        fn new_span(&self, _: &Attributes<'_>) -> Id {
            Id::from_u64(1)
        }
        fn record(&self, _: &Id, _: &Record<'_>) {}
        fn record_follows_from(&self, _: &Id, _: &Id) {}
        fn event(&self, event: &tracing::Event<'_>) {
            let m = event.metadata();
            let mut seen = self.0.lock().unwrap();
            seen.push((m.target().to_owned(), *m.level()));
        }
        fn enter(&self, _: &Id) {}
        fn exit(&self, _: &Id) {}
    }

    #[test]
    fn events_reach_the_subscriber_at_their_level() {
        let seen = Seen::default();
        tracing::subscriber::with_default(seen.clone(), || {
            Event::Rebootstrap.trace();
            Event::ConnectionLost {
                conn: ConnId(1),
                addr: BrokerAddress::new("b", 9092),
                broker: Some(1),
                reason: "reset".to_owned(),
                in_flight: 0,
            }
            .trace();
            Event::MetadataUpdated {
                brokers: 3,
                topics: 1,
            }
            .trace();
        });
        let seen = seen.0.lock().unwrap().clone();
        let target = "kafka_sansio".to_owned();
        assert_eq!(
            seen,
            vec![
                (target.clone(), Level::INFO),
                (target.clone(), Level::WARN),
                (target, Level::DEBUG),
            ]
        );
    }
}
