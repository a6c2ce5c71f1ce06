//! The built-in partitioner for records without a key (KIP-794, "strictly
//! uniform sticky"): stay on one partition for about `batch.size` bytes,
//! then pick the next one, weighted towards partitions whose leaders drain
//! their queues faster when adaptive partitioning is on.

use super::backoff::Rng;

/// Per-topic sticky state.
#[derive(Debug, Default, Clone)]
pub(crate) struct StickyPartitioner {
    current: Option<i32>,
    produced: usize,
}

/// One candidate partition for the next sticky choice.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Candidate {
    pub partition: i32,
    /// The leader is known.
    pub available: bool,
    /// Batches queued (not in flight) for the partition.
    pub queued: usize,
    /// The leader has had data ready for longer than
    /// `partitioner.availability.timeout.ms` without draining it.
    pub slow_leader: bool,
}

impl StickyPartitioner {
    /// The sticky partition, while it is not used up (and still among the
    /// topic's `count` partitions).
    pub(crate) fn current(&self, count: usize) -> Option<i32> {
        self.current.filter(|&p| (p as usize) < count)
    }

    /// The partition for the next keyless record: the current one, or a
    /// new choice among `candidates` when it is used up.
    pub(crate) fn partition(
        &mut self,
        candidates: &[Candidate],
        adaptive: bool,
        rng: &mut Rng,
    ) -> i32 {
        if let Some(p) = self.current(candidates.len()) {
            return p;
        }
        let p = next_partition(candidates, adaptive, rng);
        self.current = Some(p);
        self.produced = 0;
        p
    }

    /// Counts an appended record and lets go of the partition once about a
    /// batch's worth went to it: at `batch.size` if its last batch is full
    /// (so small fractions are not left lingering), at twice that anyway.
    pub(crate) fn appended(
        &mut self,
        partition: i32,
        bytes: usize,
        batch_size: usize,
        queue_full: bool,
    ) {
        if self.current != Some(partition) {
            return;
        }
        self.produced += bytes;
        let threshold = batch_size.max(1);
        if (self.produced >= threshold && queue_full) || self.produced >= 2 * threshold {
            self.current = None;
        }
    }
}

/// KIP-794's `nextPartition`: weighted by queue length (shorter queues are
/// likelier) when adaptive and the queues differ, else uniform over
/// partitions with a leader, else uniform over all.
fn next_partition(candidates: &[Candidate], adaptive: bool, rng: &mut Rng) -> i32 {
    let eligible: Vec<&Candidate> = candidates
        .iter()
        .filter(|c| c.available && !(adaptive && c.slow_leader))
        .collect();
    if adaptive && candidates.len() >= 2 && !eligible.is_empty() {
        let excluded = eligible.len() < candidates.iter().filter(|c| c.available).count();
        let max = eligible.iter().map(|c| c.queued).max().unwrap_or(0);
        let all_equal = eligible.iter().all(|c| c.queued == max);
        if excluded || !all_equal {
            let weights: Vec<usize> = eligible.iter().map(|c| max + 1 - c.queued).collect();
            let total: usize = weights.iter().sum();
            let mut w = rng.below(total);
            for (c, weight) in eligible.iter().zip(&weights) {
                if w < *weight {
                    return c.partition;
                }
                w -= weight;
            }
        }
    }
    if !eligible.is_empty() {
        return eligible[rng.below(eligible.len())].partition;
    }
    let available: Vec<&Candidate> = candidates.iter().filter(|c| c.available).collect();
    if !available.is_empty() {
        return available[rng.below(available.len())].partition;
    }
    rng.below(candidates.len().max(1)) as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cands(queued: &[usize], available: &[bool]) -> Vec<Candidate> {
        queued
            .iter()
            .zip(available)
            .enumerate()
            .map(|(i, (&q, &a))| Candidate {
                partition: i as i32,
                available: a,
                queued: q,
                slow_leader: false,
            })
            .collect()
    }

    #[test]
    fn sticks_until_a_batch_worth_then_moves() {
        let mut s = StickyPartitioner::default();
        let mut rng = Rng::new(3);
        let c = cands(&[0, 0, 0], &[true, true, true]);
        let p = s.partition(&c, true, &mut rng);
        for _ in 0..10 {
            s.appended(p, 1000, 16384, false);
            assert_eq!(s.partition(&c, true, &mut rng), p);
        }
        s.appended(p, 7000, 16384, true);
        assert!(
            s.current.is_none(),
            "full queue past batch.size releases the partition"
        );
    }

    #[test]
    fn hard_cap_at_twice_batch_size() {
        let mut s = StickyPartitioner::default();
        let mut rng = Rng::new(3);
        let c = cands(&[0, 0], &[true, true]);
        let p = s.partition(&c, false, &mut rng);
        s.appended(p, 32767, 16384, false);
        assert_eq!(s.current, Some(p));
        s.appended(p, 1, 16384, false);
        assert_eq!(s.current, None);
    }

    #[test]
    fn skips_partitions_without_leader() {
        let mut rng = Rng::new(9);
        let c = cands(&[0, 0, 0], &[false, true, false]);
        for _ in 0..50 {
            assert_eq!(next_partition(&c, true, &mut rng), 1);
        }
    }

    #[test]
    fn adaptive_weights_follow_the_java_table() {
        // Queues 0 3 1 give weights 4 1 3: partition 1 gets 1/8 of picks.
        let mut rng = Rng::new(11);
        let c = cands(&[0, 3, 1], &[true, true, true]);
        let mut counts = [0usize; 3];
        for _ in 0..8000 {
            counts[next_partition(&c, true, &mut rng) as usize] += 1;
        }
        assert!((3700..4300).contains(&counts[0]), "{counts:?}");
        assert!((800..1200).contains(&counts[1]), "{counts:?}");
        assert!((2700..3300).contains(&counts[2]), "{counts:?}");
    }

    #[test]
    fn slow_leaders_are_avoided_when_adaptive() {
        let mut rng = Rng::new(5);
        let mut c = cands(&[0, 0], &[true, true]);
        c[0].slow_leader = true;
        for _ in 0..50 {
            assert_eq!(next_partition(&c, true, &mut rng), 1);
        }
    }
}
