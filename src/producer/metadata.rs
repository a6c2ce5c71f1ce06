//! The cluster map (brokers and the leader of every partition in use) and
//! the schedule for refreshing it.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use crate::protocol::{ErrorCode, MetadataResponse, Uuid};

use super::backoff::{ExponentialBackoff, Rng};
use super::event::RefreshReason;
use super::io::BrokerAddress;
use super::record::SmolStr;

/// Index of a topic in use; the same index names the topic in the
/// accumulator.
pub(crate) type TopicIdx = usize;

/// What the map knows of one partition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PartitionMeta {
    pub leader: Option<i32>,
    pub epoch: i32,
}

/// What the map knows of one topic.
#[derive(Debug, Clone)]
pub(crate) struct TopicMeta {
    pub name: SmolStr,
    pub id: Uuid,
    /// Empty until the topic is found.
    pub partitions: Vec<PartitionMeta>,
    /// The error of the last Metadata answer for the topic, if any.
    pub error: Option<ErrorCode>,
    /// Whether the topic stamps records with the broker's append time, as
    /// learnt from the last answer to a first attempt (`None` until one).
    pub log_append_time: Option<bool>,
}

impl TopicMeta {
    pub(crate) fn is_known(&self) -> bool {
        !self.partitions.is_empty()
    }
}

/// A leader change found while applying metadata or a hint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LeaderChange {
    pub topic: TopicIdx,
    pub partition: i32,
    pub from: Option<i32>,
    pub to: Option<i32>,
    pub epoch: i32,
}

/// Brokers and topics in use.
#[derive(Debug, Default)]
pub(crate) struct ClusterMap {
    pub brokers: BTreeMap<i32, BrokerAddress>,
    pub topics: Vec<TopicMeta>,
    by_name: BTreeMap<SmolStr, TopicIdx>,
    /// The topic [`find_topic`](Self::find_topic) or
    /// [`add_topic`](Self::add_topic) returned last: a caller sending a run
    /// of records to one topic skips the lookup by name.
    last_used: Option<TopicIdx>,
    pub updated_at: Option<Instant>,
}

impl ClusterMap {
    pub(crate) fn topic_idx(&self, name: &str) -> Option<TopicIdx> {
        self.by_name.get(name).copied()
    }

    /// Registers a topic in use, returning its index.
    pub(crate) fn add_topic(&mut self, name: &str) -> TopicIdx {
        if let Some(i) = self.find_topic(name) {
            return i;
        }
        let idx = self.insert_topic(name);
        self.last_used = Some(idx);
        idx
    }

    /// Like [`topic_idx`](Self::topic_idx), remembering the topic found
    /// for the next lookup: a producer mostly sends to one topic many times
    /// in a row, and comparing one name is cheaper than a map lookup.
    #[inline]
    pub(crate) fn find_topic(&mut self, name: &str) -> Option<TopicIdx> {
        if let Some(i) = self.last_used
            && self.topics[i].name == name
        {
            return Some(i);
        }
        self.find_other_topic(name)
    }

    /// [`find_topic`](Self::find_topic) for a name other than the last
    /// one, out of line: the check for the last one is inlined into `send`.
    #[inline(never)]
    fn find_other_topic(&mut self, name: &str) -> Option<TopicIdx> {
        let found = self.topic_idx(name)?;
        self.last_used = Some(found);
        Some(found)
    }

    /// Registers a topic the map does not know yet (topics are never
    /// removed, so indices stay valid). The map keeps its own copy of the
    /// name: a name longer than `SmolStr` keeps inline is shared by count,
    /// and reports clone it on whichever thread carries them out, so
    /// sharing the caller's would bounce that count between that thread
    /// and the sending one for every record.
    fn insert_topic(&mut self, name: &str) -> TopicIdx {
        let name = SmolStr::new(name);
        let idx = self.topics.len();
        self.topics.push(TopicMeta {
            name: name.clone(),
            id: Uuid::ZERO,
            partitions: Vec::new(),
            error: None,
            log_append_time: None,
        });
        self.by_name.insert(name, idx);
        idx
    }

    /// The leader of a partition, if known and alive in the map.
    pub(crate) fn leader(&self, topic: TopicIdx, partition: i32) -> Option<i32> {
        let p = self.topics[topic].partitions.get(partition as usize)?;
        p.leader.filter(|id| self.brokers.contains_key(id))
    }

    pub(crate) fn leader_epoch(&self, topic: TopicIdx, partition: i32) -> i32 {
        self.topics[topic]
            .partitions
            .get(partition as usize)
            .map_or(-1, |p| p.epoch)
    }

    /// Applies a Metadata response. Leadership only moves forward: a
    /// partition whose answer carries an older leader epoch than the map's
    /// (a lagging broker) is left as it is.
    pub(crate) fn apply(&mut self, resp: &MetadataResponse) -> Vec<LeaderChange> {
        if !resp.brokers.is_empty() {
            self.brokers = resp
                .brokers
                .iter()
                .filter_map(|b| {
                    let port = u16::try_from(b.port).ok()?;
                    Some((b.node_id, BrokerAddress::new(b.host.clone(), port)))
                })
                .collect();
        }
        let mut changes = Vec::new();
        for t in &resp.topics {
            let Some(idx) = t.name.as_deref().and_then(|n| self.topic_idx(n)) else {
                continue;
            };
            let meta = &mut self.topics[idx];
            if !t.error_code.is_ok() {
                meta.error = Some(t.error_code);
                continue;
            }
            meta.error = None;
            meta.id = t.topic_id;
            // Kafka lists every partition, numbered from 0, so the count is
            // the length of the list; an index beyond it is malformed and
            // skipped (it must not make the map allocate what it claims).
            let count = t.partitions.len();
            if count > meta.partitions.len() {
                meta.partitions.resize(
                    count,
                    PartitionMeta {
                        leader: None,
                        epoch: -1,
                    },
                );
            }
            for p in &t.partitions {
                let Some(i) = usize::try_from(p.partition_index)
                    .ok()
                    .filter(|&i| i < count)
                else {
                    continue;
                };
                let old = meta.partitions[i];
                if p.leader_epoch < old.epoch {
                    continue;
                }
                let leader = if p.error_code.is_ok() || p.leader().is_some() {
                    p.leader()
                } else {
                    None
                };
                let new = PartitionMeta {
                    leader,
                    epoch: p.leader_epoch,
                };
                if new.leader != old.leader {
                    changes.push(LeaderChange {
                        topic: idx,
                        partition: p.partition_index,
                        from: old.leader,
                        to: new.leader,
                        epoch: new.epoch,
                    });
                }
                meta.partitions[i] = new;
            }
        }
        changes
    }

    /// Applies a KIP-951 leader hint from a Produce response, if it is newer
    /// than what the map has. Returns the change when the leader moved.
    pub(crate) fn apply_hint(
        &mut self,
        topic: TopicIdx,
        partition: i32,
        leader: i32,
        epoch: i32,
        endpoint: Option<BrokerAddress>,
    ) -> Option<LeaderChange> {
        if let Some(addr) = endpoint {
            self.brokers.insert(leader, addr);
        }
        if !self.brokers.contains_key(&leader) {
            return None;
        }
        let p = self.topics[topic].partitions.get_mut(partition as usize)?;
        if epoch <= p.epoch {
            return None;
        }
        let from = p.leader;
        *p = PartitionMeta {
            leader: Some(leader),
            epoch,
        };
        (from != Some(leader)).then_some(LeaderChange {
            topic,
            partition,
            from,
            to: Some(leader),
            epoch,
        })
    }

    /// Forgets every broker (KIP-899 rebootstrap); topics stay, with no
    /// leader until the next answer.
    pub(crate) fn forget_brokers(&mut self) {
        self.brokers.clear();
    }
}

/// When the next Metadata request may go out, and why one is wanted.
#[derive(Debug)]
pub(crate) struct RefreshSchedule {
    /// The pending wish: why, and the earliest moment.
    pub wanted: Option<(RefreshReason, Instant)>,
    /// Consecutive failed or unproductive refreshes, for backoff.
    pub failures: u32,
    pub last_attempt: Option<Instant>,
    pub backoff: ExponentialBackoff,
    pub max_age: Duration,
}

impl RefreshSchedule {
    pub(crate) fn new(backoff: ExponentialBackoff, max_age: Duration) -> Self {
        RefreshSchedule {
            wanted: None,
            failures: 0,
            last_attempt: None,
            backoff,
            max_age,
        }
    }

    /// Asks for a refresh. A wish made while a request is in flight stays
    /// pending, since that answer may predate its cause. Returns the moment it may go out when this is a
    /// new wish (so the caller can announce it), `None` when one was
    /// already pending.
    pub(crate) fn request(
        &mut self,
        reason: RefreshReason,
        now: Instant,
        rng: &mut Rng,
    ) -> Option<Instant> {
        if self.wanted.is_some() {
            return None;
        }
        let at = match self.last_attempt {
            Some(last) if self.failures > 0 => {
                (last + self.backoff.backoff(self.failures - 1, rng)).max(now)
            }
            _ => now,
        };
        self.wanted = Some((reason, at));
        Some(at)
    }

    /// The moment the map gets too old.
    pub(crate) fn max_age_deadline(&self, map: &ClusterMap) -> Option<Instant> {
        map.updated_at.map(|t| t + self.max_age)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::metadata::{
        MetadataResponseBroker, MetadataResponsePartition, MetadataResponseTopic,
    };

    /// The remembered last topic never answers for another name, and
    /// every name keeps its own index whatever the order of lookups.
    #[test]
    fn topic_lookups_through_the_last_used_topic() {
        let mut m = ClusterMap::default();
        assert_eq!(m.add_topic("a"), 0);
        assert_eq!(m.add_topic("b"), 1);
        assert_eq!(m.find_topic("a"), Some(0));
        assert_eq!(m.topic_idx("b"), Some(1));
        assert_eq!(m.find_topic("ab"), None);
        assert_eq!(m.topic_idx("a"), Some(0));
        assert_eq!(m.add_topic("b"), 1);
        assert_eq!(m.add_topic("a"), 0);
        assert_eq!(m.add_topic("c"), 2);
        assert_eq!(m.topic_idx("a"), Some(0));
        for _ in 0..2 {
            assert_eq!(m.find_topic("a"), Some(0));
            assert_eq!(m.add_topic("a"), 0);
            assert_eq!(m.find_topic("b"), Some(1));
            assert_eq!(m.find_topic(""), None);
        }
        assert_eq!(m.find_topic("b"), Some(1));
        assert_eq!(m.topics.len(), 3);
    }

    fn response(leaders: &[(i32, i32)]) -> MetadataResponse {
        MetadataResponse {
            brokers: (1..=3)
                .map(|id| MetadataResponseBroker {
                    node_id: id,
                    host: format!("b{id}"),
                    port: 9092,
                    ..MetadataResponseBroker::default()
                })
                .collect(),
            topics: vec![MetadataResponseTopic {
                name: Some("t".into()),
                partitions: leaders
                    .iter()
                    .enumerate()
                    .map(|(i, &(leader, epoch))| MetadataResponsePartition {
                        partition_index: i as i32,
                        leader_id: leader,
                        leader_epoch: epoch,
                        ..MetadataResponsePartition::default()
                    })
                    .collect(),
                ..MetadataResponseTopic::default()
            }],
            ..MetadataResponse::default()
        }
    }

    fn map() -> ClusterMap {
        let mut m = ClusterMap::default();
        m.add_topic("t");
        m
    }

    #[test]
    fn applies_leaders_and_reports_changes() {
        let mut m = map();
        let changes = m.apply(&response(&[(1, 0), (2, 0)]));
        assert_eq!(changes.len(), 2);
        assert_eq!(m.leader(0, 0), Some(1));
        assert_eq!(m.leader(0, 1), Some(2));
        let changes = m.apply(&response(&[(3, 1), (2, 0)]));
        assert_eq!(
            changes,
            vec![LeaderChange {
                topic: 0,
                partition: 0,
                from: Some(1),
                to: Some(3),
                epoch: 1
            }]
        );
    }

    #[test]
    fn an_older_epoch_from_a_lagging_broker_is_ignored() {
        let mut m = map();
        m.apply(&response(&[(2, 5)]));
        assert!(m.apply(&response(&[(1, 4)])).is_empty());
        assert_eq!(m.leader(0, 0), Some(2));
        assert_eq!(m.leader_epoch(0, 0), 5);
    }

    #[test]
    fn hints_apply_only_when_newer_and_bring_their_endpoint() {
        let mut m = map();
        m.apply(&response(&[(1, 3)]));
        assert_eq!(
            m.apply_hint(0, 0, 2, 3, None),
            None,
            "same epoch: no change"
        );
        let endpoint = BrokerAddress::new("b9", 9093);
        let change = m.apply_hint(0, 0, 9, 4, Some(endpoint.clone())).unwrap();
        assert_eq!(
            (change.from, change.to, change.epoch),
            (Some(1), Some(9), 4)
        );
        assert_eq!(m.brokers[&9], endpoint);
        assert_eq!(m.leader(0, 0), Some(9));
        assert_eq!(m.apply_hint(0, 7, 1, 9, None), None, "unknown partition");
    }

    #[test]
    fn a_wild_partition_index_is_skipped_not_allocated() {
        let mut m = map();
        let mut r = response(&[(1, 0)]);
        r.topics[0].partitions[0].partition_index = i32::MAX;
        m.apply(&r);
        assert_eq!(m.topics[0].partitions.len(), 1);
        assert_eq!(m.leader(0, 0), None);
    }

    #[test]
    fn a_leader_missing_from_the_broker_list_counts_as_none() {
        let mut m = map();
        m.apply(&response(&[(1, 0)]));
        m.forget_brokers();
        assert_eq!(m.leader(0, 0), None);
    }
}
