//! Whether to try compressing a partition's next batch.
//!
//! Compressing a batch can cost the producer more CPU than anything else
//! it does (lz4 was 27 % of the perf tool's samples with 100-byte records;
//! BENCHMARKS.md, nineteenth stop), and data the codec cannot shrink
//! (random, encrypted or already compressed values) pays that cost for
//! nothing: the batch then goes out uncompressed anyway (see
//! [`pays_off`](crate::record::compression::pays_off)). A partition's
//! records are mostly alike from one batch to the next, so after a batch
//! that did not pay, the gate skips the try for the partition's next
//! batches, for 1, 2, 4, ... up to [`MAX_SKIPPED`] of them while tries keep
//! failing, and sends them uncompressed. One try that pays opens the gate
//! again: from then on every batch is compressed, as before.
//!
//! At most [`MAX_SKIPPED`] batches go out uncompressed after the data turns
//! compressible, and data that never compresses is tried once in
//! `MAX_SKIPPED + 1` batches.

/// The most batches in a row sent without a try.
pub(crate) const MAX_SKIPPED: u32 = 32;

/// One partition's record of its compression tries.
#[derive(Debug, Default, Clone)]
pub(crate) struct CompressionGate {
    /// Tries in a row that did not pay.
    misses: u32,
    /// Batches still to send without a try.
    skip: u32,
    /// Batches tried so far.
    pub(crate) tries: u64,
    /// Batches sent without a try so far.
    pub(crate) skips: u64,
}

impl CompressionGate {
    /// True when the next batch should be compressed; false when it goes
    /// out uncompressed without a try (and counts against the skip).
    pub(crate) fn should_try(&mut self) -> bool {
        if self.skip == 0 {
            self.tries += 1;
            return true;
        }
        self.skip -= 1;
        self.skips += 1;
        false
    }

    /// Records a try's outcome: `paid` when the batch went out compressed.
    pub(crate) fn tried(&mut self, paid: bool) {
        if paid {
            self.misses = 0;
        } else {
            self.skip = 1u32
                .checked_shl(self.misses)
                .map_or(MAX_SKIPPED, |s| s.min(MAX_SKIPPED));
            self.misses = self.misses.saturating_add(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The decisions for `batches` batches whose tries pay as `pays` says.
    fn run(gate: &mut CompressionGate, batches: usize, pays: bool) -> Vec<bool> {
        (0..batches)
            .map(|_| {
                let tried = gate.should_try();
                if tried {
                    gate.tried(pays);
                }
                tried
            })
            .collect()
    }

    #[test]
    fn compressible_data_is_always_tried() {
        let mut gate = CompressionGate::default();
        assert!(run(&mut gate, 100, true).iter().all(|&t| t));
    }

    #[test]
    fn tries_back_off_to_one_in_thirty_three() {
        let mut gate = CompressionGate::default();
        let tried = run(&mut gate, 200, false);
        let at: Vec<usize> = (0..200).filter(|&i| tried[i]).collect();
        assert_eq!(gate.tries, at.len() as u64);
        assert_eq!(gate.skips, 200 - at.len() as u64);
        // Gaps of 1, 2, 4, 8, 16, then 32 skipped batches.
        assert_eq!(&at[..8], &[0, 2, 5, 10, 19, 36, 69, 102]);
        assert!(
            at.windows(2)
                .all(|w| w[1] - w[0] <= MAX_SKIPPED as usize + 1)
        );
    }

    #[test]
    fn one_try_that_pays_opens_the_gate() {
        let mut gate = CompressionGate::default();
        run(&mut gate, 500, false);
        let tried = run(&mut gate, 100, true);
        let first = tried.iter().position(|&t| t).unwrap();
        assert!(first <= MAX_SKIPPED as usize, "{first}");
        assert!(tried[first..].iter().all(|&t| t));
    }
}
