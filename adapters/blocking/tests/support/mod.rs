//! What the blocking adapter's test suites share: the loopback cluster and
//! a producer that keeps every event it sees.
// Each suite uses part of it.
#![allow(dead_code)]

#[path = "../../../../tests/support/loopback.rs"]
pub mod loopback;

use std::sync::{Arc, Mutex};

use kafka_sansio_blocking::{BrokerAddress, Event, Producer};

/// The events a [`recording`] producer saw, in order.
pub type Events = Arc<Mutex<Vec<Event>>>;

/// A producer for `bootstrap` ([`loopback::quick_config`] plus `extra`)
/// that keeps every event it sees.
pub fn recording(bootstrap: &str, extra: &[(&str, &str)]) -> (Producer, Events) {
    let events = Events::default();
    let seen = Arc::clone(&events);
    let producer = Producer::builder(loopback::quick_config(bootstrap, extra))
        .on_event(move |e| seen.lock().unwrap().push(e.clone()))
        .build()
        .expect("producer");
    (producer, events)
}

/// Every `ConnectionLost` event: where, and why.
pub fn losses(events: &Events) -> Vec<(BrokerAddress, String)> {
    let events = events.lock().unwrap();
    events
        .iter()
        .filter_map(|e| match e {
            Event::ConnectionLost { addr, reason, .. } => Some((addr.clone(), reason.clone())),
            _ => None,
        })
        .collect()
}

/// The reasons of every `ConnectionLost` event.
pub fn lost_reasons(events: &Events) -> Vec<String> {
    losses(events)
        .into_iter()
        .map(|(_, reason)| reason)
        .collect()
}
