//! The tools' clock: nanoseconds since one process-wide epoch, as plain
//! integers, like the C tool's `now_us()`. A send time is stored and a
//! latency worked out with integer arithmetic; with `Instant`s each
//! difference was a checked timespec subtraction and a 128-bit division
//! (together about 100 instructions per record in the async tool, by
//! callgrind).

use std::sync::OnceLock;
use std::time::Instant;

/// Nanoseconds since the epoch (the first use of this clock).
pub type Nanos = u64;

/// Nanoseconds in a millisecond.
pub const NANOS_PER_MS: Nanos = 1_000_000;

fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

/// `at` on this clock (0 for an instant before the epoch, which is why
/// [`main`](crate::main) starts the clock first).
///
/// ```
/// use std::time::{Duration, Instant};
/// use kafka_sansio_perf::clock;
///
/// clock::now(); // the epoch
/// let at = Instant::now();
/// let later = clock::nanos(at + Duration::from_millis(3));
/// assert_eq!(later - clock::nanos(at), 3_000_000);
/// ```
pub fn nanos(at: Instant) -> Nanos {
    let since = at.saturating_duration_since(epoch());
    since.as_secs() * 1_000_000_000 + Nanos::from(since.subsec_nanos())
}

/// The current time on this clock.
pub fn now() -> Nanos {
    nanos(Instant::now())
}

/// Milliseconds from `from` to `to` as a rate's divisor: fractional, and
/// never zero.
pub(crate) fn millis_between(from: Nanos, to: Nanos) -> f64 {
    (to.saturating_sub(from) as f64 / NANOS_PER_MS as f64).max(f64::MIN_POSITIVE)
}
