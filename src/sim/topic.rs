//! Topics and partitions: replica placement, leadership and leader epochs,
//! each partition's log, and the errors injected into its produce path.

use super::faults::ErrorQueue;
use super::log::PartitionLog;
use crate::protocol::Uuid;
use crate::record::TimestampType;

/// A topic.
#[derive(Debug)]
pub(super) struct Topic {
    /// Its id.
    pub(super) id: Uuid,
    /// Its partitions; partition `i` is at index `i`.
    pub(super) partitions: Vec<Partition>,
    /// CreateTime (the producer's timestamps) or LogAppendTime (the
    /// broker's).
    pub(super) timestamp_type: TimestampType,
}

/// One partition.
#[derive(Debug)]
pub(super) struct Partition {
    /// The brokers holding a replica, preferred leader first.
    pub(super) replicas: Vec<i32>,
    /// The leader, or `None` when no replica is alive.
    pub(super) leader: Option<i32>,
    /// Bumped on every leadership change.
    pub(super) leader_epoch: i32,
    /// The records and producer state.
    pub(super) log: PartitionLog,
    /// Errors to answer the next produce attempts with.
    pub(super) injected: ErrorQueue,
}

impl Topic {
    /// A topic whose partition `i` has the replicas `assignment[i]`, each
    /// led by its first live replica at epoch 0.
    pub(super) fn new(id: Uuid, assignment: Vec<Vec<i32>>, is_live: impl Fn(i32) -> bool) -> Self {
        let partitions = assignment
            .into_iter()
            .map(|replicas| Partition {
                leader: replicas.iter().copied().find(|&r| is_live(r)),
                replicas,
                leader_epoch: 0,
                log: PartitionLog::default(),
                injected: ErrorQueue::default(),
            })
            .collect();
        Self {
            id,
            partitions,
            timestamp_type: TimestampType::CreateTime,
        }
    }

    /// The partition with index `index`.
    pub(super) fn partition(&self, index: i32) -> Option<&Partition> {
        usize::try_from(index)
            .ok()
            .and_then(|i| self.partitions.get(i))
    }

    /// The partition with index `index`, mutably.
    pub(super) fn partition_mut(&mut self, index: i32) -> Option<&mut Partition> {
        usize::try_from(index)
            .ok()
            .and_then(|i| self.partitions.get_mut(i))
    }
}

impl Partition {
    /// Makes `leader` the leader (or leaves the partition leaderless) and
    /// bumps the epoch, as the controller does on every change.
    pub(super) fn set_leader(&mut self, leader: Option<i32>) {
        self.leader = leader;
        self.leader_epoch += 1;
    }

    /// The first live replica, in preference order.
    pub(super) fn first_live_replica(&self, is_live: impl Fn(i32) -> bool) -> Option<i32> {
        self.replicas.iter().copied().find(|&r| is_live(r))
    }
}
