//! The mio adapter as a [`Client`]: a mio loop run by the calling thread.
//! Its reports come straight from the core's `poll_report`, unfiltered, so
//! a record reported twice (or never) shows up in what `finish` returns.

use std::time::{Duration, Instant};

use kafka_sansio::producer::{
    DeliveryReport, PartitionInfo, ProducerConfig, ProducerRecord, RecordId, SendErrorReason,
};
use kafka_sansio_mio::mio::{Events, Poll, Token};
use kafka_sansio_mio::{MioProducer, TokenRange};

use super::{Client, EventLog};

/// A [`MioProducer`] and the loop that drives it.
pub struct MioLoop {
    poll: Poll,
    events: Events,
    producer: MioProducer,
    sent: usize,
    reports: Vec<DeliveryReport>,
}

impl MioLoop {
    /// One turn of the loop, sleeping at most `cap`.
    fn turn(&mut self, cap: Duration) {
        let timeout = self.producer.timeout().map_or(cap, |t| t.min(cap));
        self.poll
            .poll(&mut self.events, Some(timeout))
            .expect("poll");
        for event in &self.events {
            assert!(self.producer.handle_event(event), "only producer tokens");
        }
        self.producer.handle_timeout();
        while let Some(report) = self.producer.poll_report() {
            self.reports.push(report);
        }
    }

    fn run_until(&mut self, until: Instant, done: impl Fn(&Self) -> bool) -> bool {
        while !done(self) {
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            self.turn(left.min(Duration::from_millis(100)));
        }
        true
    }
}

impl Client for MioLoop {
    const NAME: &'static str = "mio";

    fn start(config: ProducerConfig, events: EventLog) -> Self {
        let poll = Poll::new().expect("poll");
        let producer = MioProducer::builder(config)
            .on_event(events.listener())
            .build(poll.registry(), TokenRange::new(Token(0), 16))
            .expect("producer");
        MioLoop {
            poll,
            events: Events::with_capacity(256),
            producer,
            sent: 0,
            reports: Vec::new(),
        }
    }

    fn send(&mut self, mut record: ProducerRecord) -> RecordId {
        loop {
            match self.producer.send(record) {
                Ok(id) => {
                    self.sent += 1;
                    if self.sent % 64 == 0 {
                        self.turn(Duration::ZERO);
                    }
                    return id;
                }
                Err(e) if matches!(e.reason, SendErrorReason::BufferFull { .. }) => {
                    record = e.into_record();
                    self.turn(Duration::from_millis(10));
                }
                Err(e) => panic!("send refused: {e}"),
            }
        }
    }

    fn idle(&mut self, d: Duration) {
        let until = Instant::now() + d;
        self.run_until(until, |_| false);
    }

    fn partitions(&self, topic: &str) -> Option<Vec<PartitionInfo>> {
        self.producer.partitions(topic)
    }

    fn finish(mut self, limit: Duration) -> Vec<DeliveryReport> {
        let until = Instant::now() + limit;
        let mark = self.producer.flush();
        if !self.run_until(until, |l| l.producer.is_flushed(mark)) {
            // Closing reports what is left as failed: the caller's checks
            // count those records instead of a bare timeout here.
            eprintln!("mio: not every report within {limit:?}; closing");
        }
        self.producer.close(Duration::ZERO);
        let closed = self.run_until(Instant::now() + limit, |l| l.producer.is_closed());
        assert!(closed, "closed within {limit:?}");
        self.reports
    }
}
