//! Apache Kafka's `ThroughputThrottler`: after each record, if the rate so
//! far is above the target, sleep off a deficit of `1 / target` seconds
//! per record, in sleeps of at least 2 ms.

use std::time::{Duration, Instant};

const MIN_SLEEP: Duration = Duration::from_millis(2);

/// Keeps the send rate at about `target` records per second.
#[derive(Debug)]
pub struct Throttler {
    start: Instant,
    target: f64,
    per_record: Duration,
    deficit: Duration,
}

impl Throttler {
    /// A throttler for `target` records/s from `start`; a negative target
    /// never throttles.
    pub fn new(target: f64, start: Instant) -> Self {
        let per_record = if target > 0.0 {
            Duration::from_secs_f64(1.0 / target)
        } else {
            Duration::MAX
        };
        Throttler {
            start,
            target,
            per_record,
            deficit: Duration::ZERO,
        }
    }

    /// After `sent_so_far` records, the last sent at `now`: whether the
    /// rate is over the target.
    pub fn should_throttle(&self, sent_so_far: u64, now: Instant) -> bool {
        if self.target < 0.0 {
            return false;
        }
        let elapsed = now.saturating_duration_since(self.start).as_secs_f64();
        elapsed > 0.0 && sent_so_far as f64 / elapsed > self.target
    }

    /// Adds one record's share of sleep; sleeps once 2 ms have built up.
    /// (A target of 0 sleeps for good, as in Java.)
    pub fn throttle(&mut self) {
        if self.target == 0.0 {
            loop {
                std::thread::park();
            }
        }
        self.deficit = self.deficit.saturating_add(self.per_record);
        if self.deficit >= MIN_SLEEP {
            std::thread::sleep(self.deficit);
            self.deficit = Duration::ZERO;
        }
    }

    /// `should_throttle`, then `throttle` when it says so: the call after
    /// each send.
    pub fn pace(&mut self, sent_so_far: u64, now: Instant) {
        if self.should_throttle(sent_so_far, now) {
            self.throttle();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throttles_only_above_the_target() {
        let start = Instant::now();
        let t = Throttler::new(1000.0, start);
        let one_sec = start + Duration::from_secs(1);
        assert!(!t.should_throttle(1000, one_sec));
        assert!(t.should_throttle(1001, one_sec));
        assert!(!Throttler::new(-1.0, start).should_throttle(u64::MAX, one_sec));
    }
}
