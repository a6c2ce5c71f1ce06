//! Faults a test can inflict: broker crashes and restarts, leader moves,
//! refused and reset connections, slow and lost responses, and errors
//! injected into the Produce and InitProducerId paths.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use super::Cluster;
use super::network::CloseReason;
use crate::protocol::ErrorCode;

/// Errors to answer requests with: a window during which every request
/// gets one code, then `(code, times)` entries used `times` times, in order.
#[derive(Debug, Default)]
pub(super) struct ErrorQueue {
    window: Option<(ErrorCode, Instant)>,
    queue: VecDeque<(ErrorCode, u32)>,
}

impl ErrorQueue {
    /// Queues `code` for the next `times` requests after those queued.
    pub(super) fn push(&mut self, code: ErrorCode, times: u32) {
        if times > 0 {
            self.queue.push_back((code, times));
        }
    }

    /// Answers every request with `code` until `until`.
    pub(super) fn fail_until(&mut self, code: ErrorCode, until: Instant) {
        self.window = Some((code, until));
    }

    /// The error for a request arriving at `now`, if any.
    pub(super) fn take(&mut self, now: Instant) -> Option<ErrorCode> {
        if let Some((code, until)) = self.window {
            if now < until {
                return Some(code);
            }
            self.window = None;
        }
        self.take_counted()
    }

    /// The next counted error, if any is queued.
    fn take_counted(&mut self) -> Option<ErrorCode> {
        let (code, times) = self.queue.front_mut()?;
        let code = *code;
        *times -= 1;
        if *times == 0 {
            self.queue.pop_front();
        }
        Some(code)
    }
}

/// True for the injected produce errors that Kafka reports after it has
/// already appended the records: the records are written, then the error
/// is answered.
pub(super) fn appends_first(code: ErrorCode) -> bool {
    code == ErrorCode::NOT_ENOUGH_REPLICAS_AFTER_APPEND || code == ErrorCode::REQUEST_TIMED_OUT
}

impl Cluster {
    /// Crashes `broker` at `now`: its connections close (each gets a
    /// [`Transmit::Closed`](super::Transmit::Closed)) and its held
    /// responses are dropped. Every partition it led moves, with its epoch
    /// bumped, to its first live replica, or to no leader if none is alive
    /// (as the KRaft controller does). It refuses connections until
    /// [`Cluster::restart`]. Nothing happens if it is unknown or down.
    pub fn crash(&mut self, broker: i32, now: Instant) {
        self.clock.observe(now);
        match self.state.brokers.get_mut(&broker) {
            Some(b) if b.up => b.up = false,
            _ => return,
        }
        self.reset_connections(broker, now, CloseReason::BrokerCrashed);
        self.state.reelect(|p| p.leader == Some(broker));
    }

    /// Brings a crashed `broker` back. Partitions left without a leader
    /// that it holds a replica of elect their first live replica again,
    /// with the epoch bumped. Leadership it lost is not given back; use
    /// [`Cluster::move_leader`] for that.
    pub fn restart(&mut self, broker: i32) {
        match self.state.brokers.get_mut(&broker) {
            Some(b) if !b.up => b.up = true,
            _ => return,
        }
        self.state
            .reelect(|p| p.leader.is_none() && p.replicas.contains(&broker));
    }

    /// Moves the leadership of a partition to live broker `to`, bumping
    /// the epoch (a reassignment adds `to` to the replicas if needed).
    /// Returns false, changing nothing, when the partition is unknown or
    /// `to` is not a live broker.
    pub fn move_leader(&mut self, topic: &str, partition: i32, to: i32) -> bool {
        if !self.state.is_live(to) {
            return false;
        }
        let Some(p) = self.state.partition_mut(topic, partition) else {
            return false;
        };
        if !p.replicas.contains(&to) {
            p.replicas.push(to);
        }
        p.set_leader(Some(to));
        true
    }

    /// Makes `broker` refuse (or accept again) new connections; open ones
    /// are untouched.
    pub fn refuse_connections(&mut self, broker: i32, refuse: bool) {
        if let Some(b) = self.state.brokers.get_mut(&broker) {
            b.refusing = refuse;
        }
    }

    /// Resets every open connection of `broker`: each gets a
    /// [`Transmit::Closed`](super::Transmit::Closed) right away and its
    /// held responses are dropped. The broker stays up.
    pub fn drop_connections(&mut self, broker: i32) {
        if let Some(now) = self.clock.latest() {
            self.reset_connections(broker, now, CloseReason::Reset);
        }
    }

    /// Holds every response `broker` sends from now on for `delay` (zero
    /// to stop). Responses on one connection still go out in order. A
    /// delay such as `Duration::MAX`, too long to add to `now`, holds them
    /// forever: the broker turns into a black hole for the connections
    /// that send it requests.
    pub fn set_response_delay(&mut self, broker: i32, delay: Duration) {
        if let Some(b) = self.state.brokers.get_mut(&broker) {
            b.response_delay = delay;
        }
    }

    /// Makes `broker` ask for a pause of `throttle` in every Produce
    /// response (`throttle_time_ms`, as a broker over its quota does);
    /// zero stops it. The broker trusts the client to honour the pause.
    pub fn set_produce_throttle(&mut self, broker: i32, throttle: Duration) {
        if let Some(b) = self.state.brokers.get_mut(&broker) {
            b.throttle = throttle;
        }
    }

    /// The next `count` Produce requests `broker` receives are applied to
    /// the logs, then their connection is closed instead of answered: the
    /// client cannot know whether they were written.
    pub fn lose_responses_after_append(&mut self, broker: i32, count: u32) {
        if let Some(b) = self.state.brokers.get_mut(&broker) {
            b.lose_responses = b.lose_responses.saturating_add(count);
        }
    }

    /// The next `times` produce attempts that reach the leader of the
    /// partition are answered with `code` (after any errors injected
    /// before). For `NOT_ENOUGH_REPLICAS_AFTER_APPEND` and
    /// `REQUEST_TIMED_OUT` the records are appended first, as Kafka does;
    /// for every other code nothing is written.
    pub fn inject_error(&mut self, topic: &str, partition: i32, code: ErrorCode, times: u32) {
        if let Some(p) = self.state.partition_mut(topic, partition) {
            p.injected.push(code, times);
        }
    }

    /// Every produce attempt for `topic`/`partition` that reaches its
    /// leader before `until` is answered with `code` (the appending codes
    /// append first, as with [`inject_error`](Self::inject_error)): an
    /// error that lasts a while rather than a number of times.
    pub fn inject_error_until(
        &mut self,
        topic: &str,
        partition: i32,
        code: ErrorCode,
        until: Instant,
    ) {
        if let Some(p) = self.state.partition_mut(topic, partition) {
            p.injected.fail_until(code, until);
        }
    }

    /// The next `times` InitProducerId requests are answered with `code`
    /// (e.g. `COORDINATOR_LOAD_IN_PROGRESS`).
    pub fn inject_init_producer_id_error(&mut self, code: ErrorCode, times: u32) {
        self.state.init_producer_id_errors.push(code, times);
    }

    fn reset_connections(&mut self, broker: i32, now: Instant, reason: CloseReason) {
        for conn in self.net.conns_of(broker) {
            self.net.reset(conn, now, reason.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_queue_uses_each_entry_its_number_of_times() {
        let mut q = ErrorQueue::default();
        q.push(ErrorCode::NOT_ENOUGH_REPLICAS, 2);
        q.push(ErrorCode::REQUEST_TIMED_OUT, 0);
        q.push(ErrorCode::CORRUPT_MESSAGE, 1);
        assert_eq!(q.take_counted(), Some(ErrorCode::NOT_ENOUGH_REPLICAS));
        assert_eq!(q.take_counted(), Some(ErrorCode::NOT_ENOUGH_REPLICAS));
        assert_eq!(q.take_counted(), Some(ErrorCode::CORRUPT_MESSAGE));
        assert_eq!(q.take_counted(), None);
    }
}
