//! [`DeliveryTracker`]: the bookkeeping every adapter needs between the
//! records the core accepted and whoever waits for their reports.
//!
//! Record ids are consecutive, so the unreported records form a window
//! `[low, next)` kept in a ring: a flush waits for `low` to pass the id that
//! was next when it started, and a report for a record nobody watches any
//! more costs nothing beyond its slot. Reports are held only for records
//! whose receipt (or future) is still alive, so a receipt that is never
//! awaited holds one report, never the window.

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
/// assert_eq!(tracker.report(report(0)), Some("waiter"));
/// assert!(!tracker.is_flushed(flush));
/// assert_eq!(tracker.report(report(1)), None);
/// assert!(tracker.is_flushed(flush));
/// assert_eq!(tracker.poll(RecordId(0), || "waiter").unwrap().id, RecordId(0));
/// assert!(tracker.is_empty());
/// ```
#[derive(Debug)]
pub struct DeliveryTracker<W> {
    /// The id of `slots[0]`.
    low: u64,
    /// One slot per id from `low` to the next id to be accepted.
    slots: VecDeque<Slot<W>>,
    /// Reports of watched records, until taken or their watch ends.
    held: HashMap<RecordId, DeliveryReport, BuildHasherDefault<IdHasher>>,
}

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

#[derive(Debug)]
enum Slot<W> {
    /// Not reported; `watched` while a receipt may still ask for the
    /// report, with the waiter to wake once one is waiting.
    Pending { watched: bool, waiter: Option<W> },
    /// Reported.
    Done,
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
            low: 0,
            slots: VecDeque::new(),
            held: HashMap::default(),
        }
    }

    /// Records that `send` accepted `id`. Ids must come in the order the
    /// core gives them (consecutive). `watched` says whether a receipt will
    /// ask for the report; an unwatched record's report is only counted.
    pub fn accepted(&mut self, id: RecordId, watched: bool) {
        if self.slots.is_empty() {
            self.low = id.0;
        }
        debug_assert_eq!(
            id.0,
            self.low + self.slots.len() as u64,
            "ids are consecutive"
        );
        self.slots.push_back(Slot::Pending {
            watched,
            waiter: None,
        });
    }

    /// Takes in a report; returns the waiter to wake, if one is waiting.
    /// A report for an id the tracker does not know is ignored.
    pub fn report(&mut self, report: DeliveryReport) -> Option<W> {
        let (watched, waiter) = self.settle(report.id)?;
        if watched {
            self.held.insert(report.id, report);
        }
        waiter
    }

    /// Marks `id` reported when the caller keeps the report itself (a
    /// record accepted unwatched), so it need not hand over, or clone, the
    /// report. Returns the waiter to wake, if one is waiting.
    pub fn reported(&mut self, id: RecordId) -> Option<W> {
        self.settle(id).and_then(|(_, waiter)| waiter)
    }

    /// Marks `id` done and moves the window past every done id at its
    /// front; returns whether it was watched and its waiter, or `None` for
    /// an id that is unknown or already done.
    fn settle(&mut self, id: RecordId) -> Option<(bool, Option<W>)> {
        let slot = self.slot_mut(id)?;
        let Slot::Pending { watched, waiter } = std::mem::replace(slot, Slot::Done) else {
            return None;
        };
        while let Some(Slot::Done) = self.slots.front() {
            self.slots.pop_front();
            self.low += 1;
        }
        Some((watched, waiter))
    }

    /// The report for `id` if it has come (handing it over), else stores
    /// `waiter()` to be returned by [`report`](Self::report) when it comes.
    /// Asking again replaces the waiter.
    pub fn poll(&mut self, id: RecordId, waiter: impl FnOnce() -> W) -> Option<DeliveryReport> {
        if let Some(report) = self.held.remove(&id) {
            return Some(report);
        }
        if let Some(Slot::Pending { waiter: w, .. }) = self.slot_mut(id) {
            *w = Some(waiter());
        }
        None
    }

    /// The receipt for `id` is gone: its report, now or later, is dropped.
    pub fn forget(&mut self, id: RecordId) {
        match self.slot_mut(id) {
            Some(Slot::Pending { watched, waiter }) => {
                *watched = false;
                *waiter = None;
            }
            _ => {
                self.held.remove(&id);
            }
        }
    }

    /// A mark for [`is_flushed`](Self::is_flushed): the id the next
    /// accepted record will get.
    pub fn flush_target(&self) -> u64 {
        self.low + self.slots.len() as u64
    }

    /// Whether every record accepted before `target` was taken has its
    /// report.
    pub fn is_flushed(&self, target: u64) -> bool {
        self.slots.is_empty() || self.low >= target
    }

    /// Whether nothing is unreported and no report is held.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty() && self.held.is_empty()
    }

    fn slot_mut(&mut self, id: RecordId) -> Option<&mut Slot<W>> {
        let index = id.0.checked_sub(self.low)?;
        self.slots.get_mut(usize::try_from(index).ok()?)
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
        t.report(failed(12));
        t.reported(RecordId(14));
        assert!(!t.is_flushed(target));
        t.report(failed(10));
        t.report(failed(11));
        assert!(!t.is_flushed(target));
        t.report(failed(13));
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
        assert_eq!(t.report(failed(0)), None, "no waiter after forget");
        t.report(failed(1));
        t.forget(RecordId(1));
        assert!(t.is_empty());
    }

    #[test]
    fn unknown_and_repeated_reports_are_ignored() {
        let mut t: DeliveryTracker<u8> = DeliveryTracker::new();
        t.accepted(RecordId(5), true);
        assert_eq!(t.report(failed(4)), None);
        assert_eq!(t.report(failed(99)), None);
        t.report(failed(5));
        t.report(failed(5));
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
}
