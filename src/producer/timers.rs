//! The next deadline: the earliest moment at which `handle_timeout` would
//! change something. Only future moments count, so a caller that sleeps
//! until the deadline never spins.
//!
//! Working it out walks every partition and connection, and adapters ask
//! after every call, so it is worked out once per change (at the end of
//! `drive`, and when `send` starts a batch) and kept. A kept deadline
//! stays right while time moves on: no other deadline lay between the
//! moment it was worked out and it, so while it is still ahead it is still
//! the earliest; once time reaches it, it is worked out afresh.

use std::time::Instant;

use super::Producer;
use super::connection::ConnState;
use super::io::{Timer, TimerReason};

/// Keeps the earliest future deadline.
struct Earliest {
    now: Instant,
    best: Option<Timer>,
}

impl Earliest {
    fn offer(&mut self, at: Option<Instant>, reason: TimerReason) {
        let Some(at) = at else { return };
        if at > self.now && self.best.is_none_or(|b| at < b.at) {
            self.best = Some(Timer { at, reason });
        }
    }
}

impl Producer {
    /// When `handle_timeout` must next be called, and why; `None` when
    /// only input can make progress (or the producer is closed).
    #[inline]
    pub fn poll_timeout(&self) -> Option<Timer> {
        let timer = match self.next_timer {
            Some(timer) if timer.at <= self.now => self.earliest_deadline(),
            kept => kept,
        };
        // Every test run (the simulations ask after each step) checks that
        // the kept deadline is the one a full walk finds.
        debug_assert_eq!(
            timer.map(|t| t.at),
            self.earliest_deadline().map(|t| t.at),
            "kept deadline {timer:?} went stale"
        );
        timer
    }

    /// Keeps the next deadline for `poll_timeout`.
    pub(super) fn update_next_timer(&mut self) {
        self.next_timer = self.earliest_deadline();
    }

    /// The earliest deadline after `now`, from every partition, connection
    /// and schedule.
    fn earliest_deadline(&self) -> Option<Timer> {
        if self.closed {
            return None;
        }
        let mut e = Earliest {
            now: self.now,
            best: None,
        };
        let c = &self.config;
        e.offer(self.closing, TimerReason::CloseDeadline);
        for topic in &self.acc.topics {
            e.offer(
                topic
                    .pending
                    .front()
                    .map(|p| p.created + c.delivery_timeout),
                TimerReason::DeliveryTimeout,
            );
            for q in &topic.partitions {
                let Some(front) = q.batches.front() else {
                    continue;
                };
                e.offer(
                    Some(front.created + c.delivery_timeout),
                    TimerReason::DeliveryTimeout,
                );
                match front.retry_at {
                    Some(t) => e.offer(Some(t), TimerReason::RetryBackoff),
                    None if !front.sealed => {
                        e.offer(Some(front.created + c.linger), TimerReason::Linger)
                    }
                    None => {}
                }
            }
        }
        for conn in self.conns.values() {
            e.offer(conn.throttled_until, TimerReason::Throttle);
            if let ConnState::Connecting { deadline } = conn.state {
                e.offer(Some(deadline), TimerReason::ConnectTimeout);
            }
            e.offer(
                conn.in_flight
                    .front()
                    .map(|r| r.sent_at + c.request_timeout),
                TimerReason::RequestTimeout,
            );
        }
        e.offer(self.reconnect_wake, TimerReason::ReconnectBackoff);
        match &self.refresh.wanted {
            Some((_, at)) => e.offer(Some(*at), TimerReason::MetadataRefresh),
            None => e.offer(
                self.refresh.max_age_deadline(&self.map),
                TimerReason::MetadataRefresh,
            ),
        }
        if self.pid.id.is_none() && self.pid.requesting.is_none() {
            e.offer(self.pid.retry_at, TimerReason::ProducerIdRetry);
        }
        e.best
    }
}
