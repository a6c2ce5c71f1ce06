//! ProducerPerformance's statistics: every delivered record's latency
//! (send to delivery report, whole milliseconds as the Java tool counts
//! them), a progress line per 5 s window, and the summary with
//! percentiles over (at most 500,000) sampled latencies.

use kafka_sansio::producer::{DeliveryReport, ProducerStats};

use crate::clock::{self, NANOS_PER_MS, Nanos};

const WINDOW: Nanos = 5_000 * NANOS_PER_MS;
const MAX_SAMPLES: u64 = 500_000;
const MIB: f64 = 1024.0 * 1024.0;

/// One run's (or its steady state's) figures.
#[derive(Debug)]
struct Stats {
    start: Nanos,
    steady_state: bool,
    sampling: u64,
    latencies: Vec<u32>,
    /// Records until the next sampled one: the Java tool samples every
    /// `sampling`-th (a countdown, not a division per record).
    until_sample: u64,
    count: u64,
    bytes: u64,
    total_latency: u64,
    max_latency: u32,
    window_start: Nanos,
    /// `window_start + WINDOW`: compared per record, without a subtraction.
    window_end: Nanos,
    window_count: u64,
    window_bytes: u64,
    window_total_latency: u64,
    window_max_latency: u32,
    print_windows: bool,
}

impl Stats {
    fn new(records: u64, steady_state: bool, now: Nanos) -> Stats {
        let sampling = records / records.clamp(1, MAX_SAMPLES);
        Stats {
            start: now,
            steady_state,
            sampling,
            latencies: Vec::with_capacity((records / sampling + 1) as usize),
            until_sample: 0,
            count: 0,
            bytes: 0,
            total_latency: 0,
            max_latency: 0,
            window_start: now,
            window_end: now + WINDOW,
            window_count: 0,
            window_bytes: 0,
            window_total_latency: 0,
            window_max_latency: 0,
            print_windows: true,
        }
    }

    fn record(&mut self, latency: u32, bytes: u64, now: Nanos) {
        self.count += 1;
        self.bytes += bytes;
        self.total_latency += u64::from(latency);
        self.max_latency = self.max_latency.max(latency);
        self.window_count += 1;
        self.window_bytes += bytes;
        self.window_total_latency += u64::from(latency);
        self.window_max_latency = self.window_max_latency.max(latency);
        if self.until_sample == 0 {
            self.latencies.push(latency);
            self.until_sample = self.sampling;
        }
        self.until_sample -= 1;
        if now >= self.window_end {
            if self.steady_state && self.count == self.window_count {
                println!("In steady state.");
            }
            if self.print_windows {
                self.print_window(now);
            }
            self.window_start = now;
            self.window_end = now + WINDOW;
            self.window_count = 0;
            self.window_bytes = 0;
            self.window_total_latency = 0;
            self.window_max_latency = 0;
        }
    }

    fn print_window(&self, now: Nanos) {
        let ms = clock::millis_between(self.window_start, now);
        println!(
            "{} records sent, {:.1} records/sec ({:.2} MB/sec), {:.1} ms avg latency, {:.1} ms max latency.",
            self.window_count,
            1000.0 * self.window_count as f64 / ms,
            1000.0 * self.window_bytes as f64 / ms / MIB,
            self.window_total_latency as f64 / self.window_count as f64,
            f64::from(self.window_max_latency),
        );
    }

    fn print_total(&mut self, now: Nanos) {
        let ms = clock::millis_between(self.start, now);
        self.latencies.sort_unstable();
        let n = self.latencies.len();
        let pct = |p: f64| {
            self.latencies
                .get(((p * n as f64) as usize).min(n.saturating_sub(1)))
                .copied()
                .unwrap_or(0)
        };
        println!(
            "{}{} records sent, {:.6} records/sec ({:.2} MB/sec), {:.2} ms avg latency, {:.2} ms max latency, {} ms 50th, {} ms 95th, {} ms 99th, {} ms 99.9th.",
            self.count,
            if self.steady_state {
                " steady state"
            } else {
                ""
            },
            1000.0 * self.count as f64 / ms,
            1000.0 * self.bytes as f64 / ms / MIB,
            self.total_latency as f64 / self.count.max(1) as f64,
            f64::from(self.max_latency),
            pct(0.5),
            pct(0.95),
            pct(0.99),
            pct(0.999),
        );
    }
}

/// Collects delivery reports as ProducerPerformance's callback does: the
/// whole run's stats and, after `--warmup-records`, the steady state's.
#[derive(Debug)]
pub struct Recorder {
    total: Stats,
    steady: Option<Stats>,
    num_records: u64,
    warmup_records: u64,
    record_size: usize,
    seen: u64,
    failed: u64,
    clock: BatchClock,
}

/// Reads the clock once per batch of reports: the records of one batch
/// are reported together (the same partition, consecutive offsets), within
/// microseconds of each other. The C and Go peers' tools do the same.
#[derive(Debug, Default)]
struct BatchClock {
    last: Option<(i32, i64, Nanos)>,
}

impl BatchClock {
    fn now(&mut self, report: &DeliveryReport) -> Nanos {
        let place = report
            .partition
            .zip(report.result.as_ref().ok().and_then(|d| d.offset));
        let now = match (place, self.last) {
            (Some((p, o)), Some((lp, lo, at))) if p == lp && o == lo + 1 => at,
            _ => clock::now(),
        };
        self.last = place.map(|(p, o)| (p, o, now));
        now
    }
}

/// Failure reasons printed before only counting.
const SHOWN_FAILURES: u64 = 5;

impl Recorder {
    /// Starts the clock for `num_records` records of `record_size` bytes,
    /// the first `warmup_records` of them outside the steady state
    /// (announced as in Java).
    pub fn new(num_records: u64, warmup_records: u64, record_size: usize) -> Recorder {
        if warmup_records > 0 {
            println!(
                "Warmup first {warmup_records} records. Steady state results will print after the complete test summary."
            );
        }
        Recorder {
            total: Stats::new(num_records, false, clock::now()),
            steady: None,
            num_records,
            warmup_records,
            record_size,
            seen: 0,
            failed: 0,
            clock: BatchClock::default(),
        }
    }

    /// A record's report, which came now; the record was sent at `sent`
    /// (on the tools' [`clock`]).
    pub fn report(&mut self, sent: Nanos, report: &DeliveryReport) {
        match &report.result {
            Ok(_) => {
                let now = self.clock.now(report);
                self.delivered(sent, self.record_size, now)
            }
            Err(e) => self.failed(e),
        }
    }

    /// A delivered record of `bytes`, sent at `sent`, reported at `now`
    /// (on the tools' [`clock`]).
    pub fn delivered(&mut self, sent: Nanos, bytes: usize, now: Nanos) {
        self.seen += 1;
        if self.warmup_records > 0 && self.seen == self.warmup_records + 1 {
            let steady = self.num_records - self.warmup_records;
            self.steady = Some(Stats::new(steady, true, now));
            self.total.print_windows = false;
        }
        // Whole milliseconds, as `System.currentTimeMillis()` differences.
        let latency = u32::try_from(now.saturating_sub(sent) / NANOS_PER_MS).unwrap_or(u32::MAX);
        self.total.record(latency, bytes as u64, now);
        if let Some(steady) = &mut self.steady {
            steady.record(latency, bytes as u64, now);
        }
    }

    /// A record that failed: not counted as sent (as in Java), reported.
    pub fn failed(&mut self, error: &dyn std::fmt::Display) {
        self.seen += 1;
        self.failed += 1;
        if self.failed <= SHOWN_FAILURES {
            eprintln!("record failed: {error}");
        }
    }

    /// Whether every record's report has come.
    pub fn is_complete(&self) -> bool {
        self.seen >= self.num_records
    }

    /// Records that failed.
    pub fn failures(&self) -> u64 {
        self.failed
    }

    /// The end of a run: the summary line(s), the producer's counters
    /// when `--print-metrics` asked for them, and the client's CPU time and
    /// peak RSS.
    pub fn finish(&mut self, metrics: Option<&ProducerStats>) {
        self.print_total();
        if let Some(stats) = metrics {
            crate::print_metrics(stats);
        }
        println!("{}", crate::resource_line(self.num_records));
    }

    /// Prints the summary line, and the steady state's after it.
    pub fn print_total(&mut self) {
        let now = clock::now();
        self.total.print_total(now);
        if let Some(steady) = &mut self.steady {
            steady.print_total(now);
        }
        if self.failed > 0 {
            println!("{} records failed.", self.failed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_every_record_up_to_the_cap_and_spreads_beyond() {
        let now = clock::now();
        let mut s = Stats::new(10, false, now);
        for i in 0..10 {
            s.record(i, 1, now);
        }
        assert_eq!(s.latencies.len(), 10);
        assert_eq!(s.max_latency, 9);
        let s = Stats::new(1_000_000, false, now);
        assert_eq!(s.sampling, 2);
    }

    #[test]
    fn steady_state_starts_after_the_warmup() {
        let mut r = Recorder::new(4, 2, 10);
        let now = clock::now();
        for _ in 0..4 {
            r.delivered(now, 10, now);
        }
        assert_eq!(r.total.count, 4);
        assert_eq!(r.steady.as_ref().unwrap().count, 2);
    }
}
