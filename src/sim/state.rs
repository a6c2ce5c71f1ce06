//! What the cluster knows apart from its connections: brokers and their
//! addresses, topics and partitions, id counters, injected InitProducerId
//! errors and the request statistics.

use std::collections::BTreeMap;

use super::ClusterConfig;
use super::broker::Broker;
use super::faults::ErrorQueue;
use super::inspect::Stats;
use super::network::ConnectRefused;
use super::topic::{Partition, Topic};
use crate::producer::BrokerAddress;
use crate::protocol::Uuid;

/// The high half of every topic id the cluster mints ("sim-topi").
const TOPIC_ID_PREFIX: u64 = 0x7369_6d2d_746f_7069;

/// The first producer id InitProducerId hands out.
const FIRST_PRODUCER_ID: i64 = 1000;

/// The cluster's brokers, topics and counters.
#[derive(Debug)]
pub(super) struct ClusterState {
    pub(super) config: ClusterConfig,
    /// Every broker by node id, live or not.
    pub(super) brokers: BTreeMap<i32, Broker>,
    /// Addresses that reach the lowest-id live broker.
    pub(super) aliases: Vec<BrokerAddress>,
    /// Topics by name.
    pub(super) topics: BTreeMap<String, Topic>,
    /// Topic names by id.
    pub(super) topic_names: BTreeMap<Uuid, String>,
    next_topic_id: u64,
    next_producer_id: i64,
    /// Errors to answer the next InitProducerId requests with.
    pub(super) init_producer_id_errors: ErrorQueue,
    /// What was received.
    pub(super) stats: Stats,
}

impl ClusterState {
    pub(super) fn new(config: ClusterConfig) -> Self {
        let brokers = (1..=i32::try_from(config.brokers).unwrap_or(i32::MAX))
            .map(|id| {
                let address = BrokerAddress::new(format!("broker-{id}"), config.port);
                (id, Broker::new(address))
            })
            .collect();
        Self {
            config,
            brokers,
            aliases: Vec::new(),
            topics: BTreeMap::new(),
            topic_names: BTreeMap::new(),
            next_topic_id: 1,
            next_producer_id: FIRST_PRODUCER_ID,
            init_producer_id_errors: ErrorQueue::default(),
            stats: Stats::default(),
        }
    }

    /// True when `broker` exists and is up.
    pub(super) fn is_live(&self, broker: i32) -> bool {
        self.brokers.get(&broker).is_some_and(|b| b.up)
    }

    /// The ids of the live brokers, ascending.
    pub(super) fn live_brokers(&self) -> impl Iterator<Item = (i32, &Broker)> {
        self.brokers
            .iter()
            .filter(|(_, b)| b.up)
            .map(|(&id, b)| (id, b))
    }

    /// The broker a connection to `addr` reaches.
    pub(super) fn resolve(&self, addr: &BrokerAddress) -> Result<i32, ConnectRefused> {
        let broker = match self.brokers.iter().find(|(_, b)| &b.address == addr) {
            Some((&id, _)) => id,
            None if self.aliases.contains(addr) => self
                .live_brokers()
                .next()
                .map(|(id, _)| id)
                .ok_or_else(|| ConnectRefused::NoLiveBroker(addr.clone()))?,
            None => return Err(ConnectRefused::UnknownAddress(addr.clone())),
        };
        match self.brokers.get(&broker) {
            Some(b) if !b.up => Err(ConnectRefused::BrokerDown(broker)),
            Some(b) if b.refusing => Err(ConnectRefused::Refusing(broker)),
            _ => Ok(broker),
        }
    }

    /// Replicas for `partitions` partitions with `replication_factor`
    /// replicas each, round-robin over the live brokers (all brokers if
    /// none is live): partition `p` is led by the `p`-th broker and
    /// followed by the next ones.
    pub(super) fn round_robin(&self, partitions: i32, replication_factor: i32) -> Vec<Vec<i32>> {
        let mut ids: Vec<i32> = self.live_brokers().map(|(id, _)| id).collect();
        if ids.is_empty() {
            ids = self.brokers.keys().copied().collect();
        }
        let n = ids.len();
        let rf = usize::try_from(replication_factor)
            .unwrap_or(1)
            .clamp(1, n.max(1));
        (0..usize::try_from(partitions).unwrap_or(0))
            .map(|p| {
                (0..rf)
                    .filter_map(|i| ids.get((p + i) % n.max(1)).copied())
                    .collect()
            })
            .collect()
    }

    /// Creates a topic with the given replica assignment and returns its
    /// new id.
    pub(super) fn add_topic(&mut self, name: &str, assignment: Vec<Vec<i32>>) -> Uuid {
        let mut id = [0; 16];
        id[..8].copy_from_slice(&TOPIC_ID_PREFIX.to_be_bytes());
        id[8..].copy_from_slice(&self.next_topic_id.to_be_bytes());
        self.next_topic_id += 1;
        let id = Uuid(id);
        let brokers = &self.brokers;
        let topic = Topic::new(id, assignment, |b| brokers.get(&b).is_some_and(|b| b.up));
        self.topics.insert(name.to_owned(), topic);
        self.topic_names.insert(id, name.to_owned());
        id
    }

    /// The topic with id `id`, with its name.
    pub(super) fn topic_by_id(&self, id: Uuid) -> Option<(&str, &Topic)> {
        let name = self.topic_names.get(&id)?;
        Some((name.as_str(), self.topics.get(name)?))
    }

    /// The partition `partition` of `topic`.
    pub(super) fn partition_mut(&mut self, topic: &str, partition: i32) -> Option<&mut Partition> {
        self.topics.get_mut(topic)?.partition_mut(partition)
    }

    /// Gives every partition selected by `affected` its first live replica
    /// as leader (or none), bumping its epoch, as the controller does when
    /// brokers come and go.
    pub(super) fn reelect(&mut self, affected: impl Fn(&Partition) -> bool) {
        let brokers = &self.brokers;
        let is_live = |b: i32| brokers.get(&b).is_some_and(|b| b.up);
        for partition in self.topics.values_mut().flat_map(|t| &mut t.partitions) {
            if affected(partition) {
                let leader = partition.first_live_replica(is_live);
                partition.set_leader(leader);
            }
        }
    }

    /// Mints the next producer id.
    pub(super) fn next_producer_id(&mut self) -> i64 {
        let id = self.next_producer_id;
        self.next_producer_id += 1;
        id
    }
}
