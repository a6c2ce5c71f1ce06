//! [`DeliveryTracker`]: the bookkeeping every adapter needs between the
//! records the core accepted and whoever waits for their reports.
//!
//! Record ids are consecutive, so the unreported records lie in a window
//! `[low, next)`: a flush waits for `low` to pass the id that was next when
//! it started. Whether each id in the window is reported takes one bit,
//! so the window costs 1/8 byte per record in flight, not a slot: with a
//! quarter of a million 100-byte records in flight a slot per record was
//! megabytes, written at every send and read back at every report, out of
//! cache. Only records somebody may wait for (a receipt or a future) get an
//! entry of their own, and reports are held only for those, so a receipt
//! that is never awaited holds one report, never the window.

use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasherDefault, Hasher};

use super::record::RecordId;
use super::report::DeliveryReport;

/// Tracks accepted records until their reports, and the waiters for them.
///
/// `W` is what an adapter needs to wake a waiter: a thread handle, a task
/// waker, or `()` when waiting is done by other means.
///
/// ```
/// use kafka_sansio::producer::{Delivered, DeliveryReport, DeliveryTracker, RecordId};
/// use kafka_sansio::record::TimestampType;
///
/// let mut tracker: DeliveryTracker<&str> = DeliveryTracker::new();
/// tracker.accepted(RecordId(0), true);
/// tracker.accepted(RecordId(1), false); // nobody will wait for this one
/// let flush = tracker.flush_target();
///
/// // A waiter finds no report yet and leaves a way to wake it.
/// assert!(tracker.poll(RecordId(0), || "waiter").is_none());
///
/// let report = |id| DeliveryReport {
///     id: RecordId(id),
///     topic: "t".into(),
///     partition: Some(0),
///     result: Ok(Delivered { offset: Some(7), timestamp: 0, timestamp_type: TimestampType::CreateTime }),
/// };
/// assert_eq!(tracker.report(&report(0)), Some("waiter"));
/// assert!(!tracker.is_flushed(flush));
/// assert_eq!(tracker.report(&report(1)), None);
/// assert!(tracker.is_flushed(flush));
/// assert_eq!(tracker.poll(RecordId(0), || "waiter").unwrap().id, RecordId(0));
/// assert!(tracker.is_empty());
/// ```
#[derive(Debug)]
pub struct DeliveryTracker<W> {
    /// The id of bit 0 of `reported[0]`, a multiple of 64; every id below
    /// it is reported.
    base: u64,
    /// The id the next accepted record gets.
    next: u64,
    /// Bit `i % 64` of word `i / 64`: whether id `base + i` is reported
    /// (set for ids before the first one accepted). Words are dropped from
    /// the front once all their ids are; none is kept past `next`'s.
    reported: VecDeque<u64>,
    /// Unreported records somebody may wait for, with the waiter to wake.
    watches: IdMap<Watch<W>>,
    /// Reports of watched records, until taken or their watch ends.
    held: IdMap<DeliveryReport>,
}

type IdMap<V> = HashMap<RecordId, V, BuildHasherDefault<IdHasher>>;

/// Places consecutive ids in consecutive buckets. A waiter awaiting in
/// send order takes the held reports in id order, so its lookups walk the
/// table instead of landing each on a random cache line (with SipHash
/// they were most of an in-order awaiter's CPU when many reports were
/// held). Ids come from the core, not from outside, so there is no
/// collision flooding to guard against.
#[derive(Default)]
struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) | u64::from(b);
        }
    }

    fn write_u64(&mut self, id: u64) {
        self.0 = id;
    }
}

/// An unreported record somebody may wait for.
#[derive(Debug)]
struct Watch<W> {
    /// Whether a receipt may still ask for the report (so it is held).
    watched: bool,
    /// Who to wake when the report comes.
    waiter: Option<W>,
}

impl<W> Default for DeliveryTracker<W> {
    fn default() -> Self {
        Self::new()
    }
}

impl<W> DeliveryTracker<W> {
    /// An empty tracker.
    pub fn new() -> Self {
        DeliveryTracker {
            base: 0,
            next: 0,
            reported: VecDeque::new(),
            watches: HashMap::default(),
            held: HashMap::default(),
        }
    }

    /// Records that `send` accepted `id`. Ids must come in the order the
    /// core gives them (consecutive). `watched` says whether a receipt will
    /// ask for the report; an unwatched record's report is only counted.
    pub fn accepted(&mut self, id: RecordId, watched: bool) {
        if self.reported.is_empty() {
            // Everything so far is reported: the window starts at `id`,
            // whose word marks the ids before it in the word as reported.
            self.base = id.0 & !63;
            self.next = id.0;
        }
        debug_assert_eq!(id.0, self.next, "ids are consecutive");
        let offset = id.0 - self.base;
        if offset / 64 == self.reported.len() as u64 {
            self.reported.push_back((1 << (offset % 64)) - 1);
        }
        self.next = id.0 + 1;
        if watched {
            let watch = Watch {
                watched: true,
                waiter: None,
            };
            self.watches.insert(id, watch);
        }
    }

    /// Takes in a report (keeping a copy if a receipt may ask for it);
    /// returns the waiter to wake, if one is waiting. A report for an id
    /// the tracker does not know is ignored.
    pub fn report(&mut self, report: &DeliveryReport) -> Option<W> {
        let watch = self.settle(report.id)?;
        if watch.watched {
            self.held.insert(report.id, report.clone());
        }
        watch.waiter
    }

    /// Marks `id` reported when the caller keeps the report itself (a
    /// record accepted unwatched), so it need not hand over, or clone, the
    /// report. Returns the waiter to wake, if one is waiting.
    pub fn reported(&mut self, id: RecordId) -> Option<W> {
        self.settle(id).and_then(|watch| watch.waiter)
    }

    /// Marks `id` reported and drops the words before the first unreported
    /// id; returns its watch (an empty one if nobody watched it), or `None`
    /// for an id that is unknown or already reported.
    fn settle(&mut self, id: RecordId) -> Option<Watch<W>> {
        if !self.is_pending(id) {
            return None;
        }
        let offset = id.0 - self.base;
        self.reported[(offset / 64) as usize] |= 1 << (offset % 64);
        while self.reported.front() == Some(&u64::MAX) {
            self.reported.pop_front();
            self.base += 64;
        }
        let unwatched = Watch {
            watched: false,
            waiter: None,
        };
        if self.watches.is_empty() {
            return Some(unwatched);
        }
        Some(self.watches.remove(&id).unwrap_or(unwatched))
    }

    /// Whether `id` was accepted and is not reported yet.
    fn is_pending(&self, id: RecordId) -> bool {
        if id.0 < self.base || id.0 >= self.next {
            return false;
        }
        let offset = id.0 - self.base;
        let word = self.reported.get((offset / 64) as usize).copied();
        word.is_some_and(|w| w & (1 << (offset % 64)) == 0)
    }

    /// The first id not reported yet (`next` when all are).
    fn low(&self) -> u64 {
        match self.reported.front() {
            Some(word) => (self.base + u64::from(word.trailing_ones())).min(self.next),
            None => self.next,
        }
    }

    /// The report for `id` if it has come (handing it over), else stores
    /// `waiter()` to be returned by [`report`](Self::report) when it comes.
    /// Asking again replaces the waiter.
    pub fn poll(&mut self, id: RecordId, waiter: impl FnOnce() -> W) -> Option<DeliveryReport> {
        if let Some(report) = self.held.remove(&id) {
            return Some(report);
        }
        if let Some(watch) = self.watches.get_mut(&id) {
            watch.waiter = Some(waiter());
        } else if self.is_pending(id) {
            let watch = Watch {
                watched: false,
                waiter: Some(waiter()),
            };
            self.watches.insert(id, watch);
        }
        None
    }

    /// The receipt for `id` is gone: its report, now or later, is dropped.
    pub fn forget(&mut self, id: RecordId) {
        if self.watches.remove(&id).is_none() {
            self.held.remove(&id);
        }
    }

    /// A mark for [`is_flushed`](Self::is_flushed): the id the next
    /// accepted record will get.
    pub fn flush_target(&self) -> u64 {
        self.next
    }

    /// Whether every record accepted before `target` was taken has its
    /// report.
    pub fn is_flushed(&self, target: u64) -> bool {
        self.low() >= target
    }

    /// Whether nothing is unreported and no report is held.
    pub fn is_empty(&self) -> bool {
        self.low() == self.next && self.held.is_empty()
    }
}

#[cfg(test)]
mod tests {

    use super::*;
    use crate::producer::{Certainty, DeliveryFailure, ProduceError};

    fn failed(id: u64) -> DeliveryReport {
        DeliveryReport {
            id: RecordId(id),
            topic: "t".into(),
            partition: None,
            result: Err(DeliveryFailure {
                error: ProduceError::Closed,
                certainty: Certainty::NotSent,
            }),
        }
    }

    #[test]
    fn out_of_order_reports_advance_the_window_only_past_a_gapless_prefix() {
        let mut t: DeliveryTracker<()> = DeliveryTracker::new();
        for id in 10..15 {
            t.accepted(RecordId(id), false);
        }
        let target = t.flush_target();
        assert_eq!(target, 15);
        t.report(&failed(12));
        t.reported(RecordId(14));
        assert!(!t.is_flushed(target));
        t.report(&failed(10));
        t.report(&failed(11));
        assert!(!t.is_flushed(target));
        t.report(&failed(13));
        assert!(t.is_flushed(target));
        assert!(t.is_empty());
    }

    #[test]
    fn a_forgotten_receipt_drops_its_report_before_or_after_it_comes() {
        let mut t: DeliveryTracker<u8> = DeliveryTracker::new();
        t.accepted(RecordId(0), true);
        t.accepted(RecordId(1), true);
        assert!(t.poll(RecordId(0), || 1).is_none());
        t.forget(RecordId(0));
        assert_eq!(t.report(&failed(0)), None, "no waiter after forget");
        t.report(&failed(1));
        t.forget(RecordId(1));
        assert!(t.is_empty());
    }

    #[test]
    fn unknown_and_repeated_reports_are_ignored() {
        let mut t: DeliveryTracker<u8> = DeliveryTracker::new();
        t.accepted(RecordId(5), true);
        assert_eq!(t.report(&failed(4)), None);
        assert_eq!(t.report(&failed(99)), None);
        t.report(&failed(5));
        t.report(&failed(5));
        assert_eq!(t.poll(RecordId(5), || 0).map(|r| r.id), Some(RecordId(5)));
        assert!(t.poll(RecordId(5), || 0).is_none());
        assert!(t.is_empty());
    }

    #[test]
    fn reported_wakes_the_waiter_and_moves_the_window_without_the_report() {
        let mut t: DeliveryTracker<u8> = DeliveryTracker::new();
        t.accepted(RecordId(0), false);
        t.accepted(RecordId(1), false);
        let target = t.flush_target();
        assert!(t.poll(RecordId(1), || 7).is_none());
        assert_eq!(t.reported(RecordId(1)), Some(7));
        assert_eq!(t.reported(RecordId(1)), None, "once");
        assert!(!t.is_flushed(target));
        assert_eq!(t.reported(RecordId(0)), None);
        assert!(t.is_flushed(target));
        assert!(t.is_empty());
    }

    /// What the tracker must answer, kept the plain way: one entry per
    /// accepted id.
    #[derive(Default)]
    struct Model {
        next: u64,
        /// Unreported ids: (watched, waiter).
        pending: std::collections::BTreeMap<u64, (bool, Option<u32>)>,
        held: std::collections::BTreeSet<u64>,
    }

    #[derive(Debug, Clone)]
    enum Op {
        Accept {
            watched: bool,
        },
        /// The report for the id this far back from the next one.
        Report {
            back: u64,
            keep: bool,
        },
        Poll {
            back: u64,
            waiter: u32,
        },
        Forget {
            back: u64,
        },
    }

    fn op() -> impl proptest::strategy::Strategy<Value = Op> {
        use proptest::prelude::*;
        prop_oneof![
            4 => any::<bool>().prop_map(|watched| Op::Accept { watched }),
            4 => (0..200u64, any::<bool>()).prop_map(|(back, keep)| Op::Report { back, keep }),
            1 => (0..200u64, any::<u32>()).prop_map(|(back, waiter)| Op::Poll { back, waiter }),
            1 => (0..200u64).prop_map(|back| Op::Forget { back }),
        ]
    }

    proptest::proptest! {
        /// Any mix of sends, reports in any order (repeated, unknown,
        /// kept by the caller), waits and forgotten receipts, from any
        /// first id: the tracker answers as the plain model does.
        #[test]
        fn the_tracker_answers_as_one_entry_per_record_would(
            first in 0..300u64,
            ops in proptest::collection::vec(op(), 0..600),
        ) {
            let mut t: DeliveryTracker<u32> = DeliveryTracker::new();
            let mut m = Model { next: first, ..Model::default() };
            let mut targets = vec![first];
            // The first id is the first accepted one's.
            for op in std::iter::once(Op::Accept { watched: true }).chain(ops) {
                match op {
                    Op::Accept { watched } => {
                        t.accepted(RecordId(m.next), watched);
                        m.pending.insert(m.next, (watched, None));
                        m.next += 1;
                        targets.push(m.next);
                    }
                    Op::Report { back, keep } => {
                        let id = m.next.wrapping_sub(back).wrapping_sub(1);
                        let expected = m.pending.remove(&id).map(|(watched, waiter)| {
                            if watched && !keep {
                                m.held.insert(id);
                            }
                            waiter
                        });
                        let got = if keep {
                            t.reported(RecordId(id))
                        } else {
                            t.report(&failed(id))
                        };
                        proptest::prop_assert_eq!(got, expected.flatten(), "report of {}", id);
                    }
                    Op::Poll { back, waiter } => {
                        let id = m.next.wrapping_sub(back).wrapping_sub(1);
                        let expected = m.held.remove(&id);
                        if !expected {
                            if let Some(entry) = m.pending.get_mut(&id) {
                                entry.1 = Some(waiter);
                            }
                        }
                        let got = t.poll(RecordId(id), || waiter).map(|r| r.id);
                        proptest::prop_assert_eq!(got, expected.then_some(RecordId(id)));
                    }
                    Op::Forget { back } => {
                        let id = m.next.wrapping_sub(back).wrapping_sub(1);
                        if let Some(entry) = m.pending.get_mut(&id) {
                            *entry = (false, None);
                        } else {
                            m.held.remove(&id);
                        }
                        t.forget(RecordId(id));
                    }
                }
                proptest::prop_assert_eq!(t.flush_target(), m.next);
                let low = m.pending.keys().next().copied().unwrap_or(m.next);
                for &target in &targets {
                    proptest::prop_assert_eq!(t.is_flushed(target), low >= target, "target {}", target);
                }
                proptest::prop_assert_eq!(t.is_empty(), m.pending.is_empty() && m.held.is_empty());
            }
        }
    }
}
