//! What a test can look at: partition logs and leaders, and a record of
//! the requests the brokers received.

use std::collections::BTreeMap;

use super::Cluster;
use super::log::StoredRecord;
use super::network::SimConnId;
use crate::protocol::{ApiKey, ErrorCode, Uuid};

/// One Produce request as a broker received it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProduceRequestLog {
    /// The broker that received it.
    pub broker: i32,
    /// The connection it came on.
    pub conn: SimConnId,
    /// Its version.
    pub version: i16,
    /// Its `acks`.
    pub acks: i16,
    /// Each partition it carried, in request order.
    pub partitions: Vec<ProducePartitionLog>,
}

/// One partition of a received Produce request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProducePartitionLog {
    /// The topic's name (for a v13 request, the name its id resolved to;
    /// empty for an unknown id).
    pub topic: String,
    /// The partition index.
    pub partition: i32,
    /// Whether the receiving broker led the partition at that moment.
    pub leader: bool,
    /// How many records the request carried for it (counted from the batch
    /// headers, whether or not they were appended).
    pub records: usize,
    /// Whether its batch came compressed (a codec other than `none`).
    pub compressed: bool,
    /// The error the broker answered with for it (`NONE` on success), even
    /// when the response itself was lost or not sent.
    pub error_code: ErrorCode,
}

/// Counters and logs of received requests.
#[derive(Debug, Default)]
pub(super) struct Stats {
    pub(super) produce_requests: Vec<ProduceRequestLog>,
    pub(super) misrouted_partitions: usize,
    pub(super) received: BTreeMap<(i32, ApiKey), usize>,
}

impl Stats {
    /// Counts one request of `api` on `broker`.
    pub(super) fn count(&mut self, broker: i32, api: ApiKey) {
        *self.received.entry((broker, api)).or_default() += 1;
    }

    /// Keeps the log of a Produce request.
    pub(super) fn record_produce(&mut self, log: ProduceRequestLog) {
        let known = |p: &&ProducePartitionLog| {
            p.error_code != ErrorCode::UNKNOWN_TOPIC_OR_PARTITION
                && p.error_code != ErrorCode::UNKNOWN_TOPIC_ID
        };
        self.misrouted_partitions += log
            .partitions
            .iter()
            .filter(known)
            .filter(|p| !p.leader)
            .count();
        self.produce_requests.push(log);
    }
}

impl Cluster {
    /// The records of partition `partition` of `topic`, in offset order
    /// (empty for an unknown partition).
    pub fn log(&self, topic: &str, partition: i32) -> &[StoredRecord] {
        self.state
            .topics
            .get(topic)
            .and_then(|t| t.partition(partition))
            .map_or(&[], |p| p.log.records())
    }

    /// The current leader of partition `partition` of `topic`.
    pub fn leader(&self, topic: &str, partition: i32) -> Option<i32> {
        self.state.topics.get(topic)?.partition(partition)?.leader
    }

    /// The current leader epoch of partition `partition` of `topic`.
    pub fn leader_epoch(&self, topic: &str, partition: i32) -> Option<i32> {
        Some(
            self.state
                .topics
                .get(topic)?
                .partition(partition)?
                .leader_epoch,
        )
    }

    /// The brokers holding a replica of partition `partition` of `topic`,
    /// preferred leader first.
    pub fn replicas(&self, topic: &str, partition: i32) -> Option<&[i32]> {
        Some(&self.state.topics.get(topic)?.partition(partition)?.replicas)
    }

    /// The id of topic `topic`.
    pub fn topic_id(&self, topic: &str) -> Option<Uuid> {
        self.state.topics.get(topic).map(|t| t.id)
    }

    /// Every Produce request received so far, in arrival order.
    pub fn produce_requests(&self) -> &[ProduceRequestLog] {
        &self.state.stats.produce_requests
    }

    /// How many partitions of received Produce requests went to a broker
    /// that did not lead them at the time (unknown partitions excluded).
    pub fn misrouted_partitions(&self) -> usize {
        self.state.stats.misrouted_partitions
    }

    /// How many requests of `api` broker `broker` has received (malformed
    /// ones included, once their API key could be read).
    pub fn requests_received(&self, broker: i32, api: ApiKey) -> usize {
        self.state
            .stats
            .received
            .get(&(broker, api))
            .copied()
            .unwrap_or(0)
    }
}
