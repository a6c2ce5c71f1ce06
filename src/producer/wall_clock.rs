//! Record timestamps without reading a clock: the wall clock at any `now`,
//! extrapolated from one reading taken with an `Instant` at `Producer::new`.
//! (Tested through the producer, in `tests/sim_scenarios.rs`: the core's
//! own tests may not read a clock either.)

use std::time::{Duration, Instant};

/// The wall clock in Unix milliseconds, as the monotonic time since one
/// reading of both.
///
/// It remembers the millisecond it last worked out and the span of
/// `Instant`s that fall in it: at full speed thousands of records share a
/// millisecond, and each then costs two comparisons instead of a
/// subtraction of timespecs and a 128-bit division.
#[derive(Debug, Clone)]
pub(crate) struct WallClock {
    start: Instant,
    start_unix_ms: i64,
    /// The `Instant`s in `[from, until)` are `ms` on the wall clock.
    from: Instant,
    until: Instant,
    ms: i64,
}

impl WallClock {
    /// A clock that reads `unix_ms` at `now`.
    pub(crate) fn new(now: Instant, unix_ms: i64) -> Self {
        WallClock {
            start: now,
            start_unix_ms: unix_ms,
            // Empty: the first reading works the millisecond out.
            from: now,
            until: now,
            ms: unix_ms,
        }
    }

    /// The wall clock at `now` (at the start's reading for a `now` before
    /// the start), in whole milliseconds.
    #[inline]
    pub(crate) fn unix_ms(&mut self, now: Instant) -> i64 {
        if self.from <= now && now < self.until {
            self.ms
        } else {
            self.work_out(now)
        }
    }

    /// [`unix_ms`](Self::unix_ms) for a `now` outside the remembered
    /// millisecond: works it out and remembers it.
    #[cold]
    fn work_out(&mut self, now: Instant) -> i64 {
        let elapsed = now.saturating_duration_since(self.start);
        let whole_ms = u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX);
        self.ms = self
            .start_unix_ms
            .saturating_add(i64::try_from(whole_ms).unwrap_or(i64::MAX));
        // The millisecond's span (the first one for a `now` before the
        // start, whose reading it shares). Where it cannot be represented
        // it is left empty, and the next reading works it out again, which
        // is merely slower.
        let from = self.start.checked_add(Duration::from_millis(whole_ms));
        let until = from.and_then(|f| f.checked_add(Duration::from_millis(1)));
        (self.from, self.until) = match (from, until) {
            (Some(from), Some(until)) => (from, until),
            _ => (now, now),
        };
        self.ms
    }
}
