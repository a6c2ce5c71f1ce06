//! Test helpers: a mio loop around a `MioProducer`. (The loopback peers
//! it talks to are in the workspace's `tests/support/loopback.rs`.)
#![allow(dead_code)]

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kafka_sansio_mio::mio::{Events, Poll, Token};
use kafka_sansio_mio::{
    DeliveryReport, Event, MioProducer, ProducerConfig, ProducerRecord, TokenRange,
};

pub const PRODUCER_TOKENS: TokenRange = TokenRange::new(Token(100), 16);

/// A mio loop serving one producer, keeping its reports and events.
pub struct Looper {
    pub poll: Poll,
    events: Events,
    pub producer: MioProducer,
    pub reports: Vec<DeliveryReport>,
    pub seen: Arc<Mutex<Vec<Event>>>,
}

impl Looper {
    pub fn new(config: ProducerConfig) -> Self {
        Self::with_tokens(config, PRODUCER_TOKENS)
    }

    pub fn with_tokens(config: ProducerConfig, tokens: TokenRange) -> Self {
        let poll = Poll::new().expect("poll");
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&seen);
        let producer = MioProducer::builder(config)
            .on_event(move |e| sink.lock().unwrap().push(e.clone()))
            .build(poll.registry(), tokens)
            .expect("producer");
        Looper {
            poll,
            events: Events::with_capacity(64),
            producer,
            reports: Vec::new(),
            seen,
        }
    }

    pub fn send(&mut self, record: ProducerRecord) {
        self.producer.send(record).expect("accepted");
    }

    /// One iteration: poll (at most `cap`), events, timers, reports.
    /// Returns the tokens of the events that were not the producer's.
    pub fn turn(&mut self, cap: Duration) -> Vec<Token> {
        let timeout = self.producer.timeout().map_or(cap, |t| t.min(cap));
        self.poll
            .poll(&mut self.events, Some(timeout))
            .expect("poll");
        let mut foreign = Vec::new();
        for event in &self.events {
            if !self.producer.handle_event(event) {
                foreign.push(event.token());
            }
        }
        self.producer.handle_timeout();
        while let Some(report) = self.producer.poll_report() {
            self.reports.push(report);
        }
        foreign
    }

    /// Runs until `done` or `limit`; returns whether `done` came.
    pub fn run_until(&mut self, limit: Duration, mut done: impl FnMut(&mut Self) -> bool) -> bool {
        let until = Instant::now() + limit;
        while !done(self) {
            if Instant::now() >= until {
                return false;
            }
            self.turn(Duration::from_millis(100));
        }
        true
    }

    pub fn events(&self) -> Vec<Event> {
        self.seen.lock().unwrap().clone()
    }
}
