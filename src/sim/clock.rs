//! Virtual time: the cluster never reads a clock. It remembers the latest
//! `now` it was given (for faults that take no time argument) and maps
//! instants to wall-clock milliseconds for LogAppendTime.

use std::time::Instant;

/// The cluster's view of time, built only from the instants it is given.
#[derive(Debug)]
pub(super) struct VirtualClock {
    /// The first instant seen: it corresponds to `start_unix_ms`.
    origin: Option<Instant>,
    /// The latest instant seen.
    latest: Option<Instant>,
    start_unix_ms: i64,
}

impl VirtualClock {
    pub(super) fn new(start_unix_ms: i64) -> Self {
        Self {
            origin: None,
            latest: None,
            start_unix_ms,
        }
    }

    /// Notes that time `now` has been reached.
    pub(super) fn observe(&mut self, now: Instant) {
        self.origin.get_or_insert(now);
        if self.latest.is_none_or(|latest| now > latest) {
            self.latest = Some(now);
        }
    }

    /// The latest instant seen, if any.
    pub(super) fn latest(&self) -> Option<Instant> {
        self.latest
    }

    /// Wall-clock milliseconds at `now`: `start_unix_ms` plus the time
    /// since the first instant seen (zero for an instant before it).
    pub(super) fn unix_ms(&self, now: Instant) -> i64 {
        let elapsed = self
            .origin
            .map(|origin| now.saturating_duration_since(origin).as_millis())
            .unwrap_or(0);
        self.start_unix_ms
            .saturating_add(i64::try_from(elapsed).unwrap_or(i64::MAX))
    }
}
