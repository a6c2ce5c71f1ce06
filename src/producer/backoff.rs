//! Exponential backoff with jitter (KIP-580), and the seeded random source
//! it draws from.

use std::time::Duration;

/// The producer's only source of randomness: seeded from the config, so the
/// same seed and inputs give the same choices.
#[derive(Debug, Clone)]
pub(crate) struct Rng(fastrand::Rng);

impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        Rng(fastrand::Rng::with_seed(seed))
    }

    /// A uniform index below `n` (which must be > 0).
    pub(crate) fn below(&mut self, n: usize) -> usize {
        self.0.usize(..n)
    }

    /// A uniform float in [0, 1).
    pub(crate) fn unit(&mut self) -> f64 {
        self.0.f64()
    }

    /// Shuffles `items` in place.
    pub(crate) fn shuffle<T>(&mut self, items: &mut [T]) {
        self.0.shuffle(items);
    }
}

/// `backoff(n) = min(max, initial × 2^min(n, exp_max) × U[0.8, 1.2))`, as
/// the Java client's `ExponentialBackoff` with base 2 and jitter 0.2.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ExponentialBackoff {
    initial: Duration,
    max: Duration,
}

const JITTER: f64 = 0.2;

impl ExponentialBackoff {
    pub(crate) fn new(initial: Duration, max: Duration) -> Self {
        ExponentialBackoff { initial, max }
    }

    /// The wait before attempt `attempts + 1`, after `attempts` failures
    /// (0 gives about `initial`).
    pub(crate) fn backoff(&self, attempts: u32, rng: &mut Rng) -> Duration {
        if self.max <= self.initial {
            // Java uses the smaller of the two as a constant in this case.
            return self.initial.min(self.max);
        }
        let initial = self.initial.as_secs_f64().max(1e-3);
        let exp_max = (self.max.as_secs_f64() / initial).log2();
        let exp = f64::from(attempts).min(exp_max.max(0.0));
        let factor = 1.0 - JITTER + 2.0 * JITTER * rng.unit();
        let secs = self.initial.as_secs_f64() * 2f64.powf(exp) * factor;
        Duration::from_secs_f64(secs).min(self.max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_doubles_and_caps_with_twenty_percent_jitter() {
        let b = ExponentialBackoff::new(Duration::from_millis(100), Duration::from_millis(1000));
        let mut rng = Rng::new(7);
        for (attempts, base) in [(0u32, 100.0f64), (1, 200.0), (2, 400.0), (3, 800.0)] {
            for _ in 0..200 {
                let ms = b.backoff(attempts, &mut rng).as_secs_f64() * 1000.0;
                assert!(
                    ms >= base * 0.8 - 1e-6 && ms < (base * 1.2).min(1000.0) + 1e-6,
                    "{attempts}: {ms}"
                );
            }
        }
        for _ in 0..200 {
            assert!(b.backoff(30, &mut rng) <= Duration::from_millis(1000));
            assert!(b.backoff(30, &mut rng) >= Duration::from_millis(800));
        }
    }

    #[test]
    fn max_below_initial_is_a_constant_max() {
        let b = ExponentialBackoff::new(Duration::from_millis(500), Duration::from_millis(200));
        let mut rng = Rng::new(1);
        assert_eq!(b.backoff(0, &mut rng), Duration::from_millis(200));
        assert_eq!(b.backoff(9, &mut rng), Duration::from_millis(200));
    }

    #[test]
    fn same_seed_same_sequence() {
        let b = ExponentialBackoff::new(Duration::from_millis(100), Duration::from_millis(1000));
        let (mut r1, mut r2) = (Rng::new(42), Rng::new(42));
        let a: Vec<_> = (0..10).map(|i| b.backoff(i, &mut r1)).collect();
        let c: Vec<_> = (0..10).map(|i| b.backoff(i, &mut r2)).collect();
        assert_eq!(a, c);
    }
}
