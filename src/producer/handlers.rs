//! [`Handlers`]: the user's callbacks that an adapter running its own
//! threads or tasks calls for every event and report, kept in one place so
//! that every such adapter treats a panicking callback the same way.

use std::fmt;
use std::panic::{self, AssertUnwindSafe};

use super::event::Event;
use super::report::DeliveryReport;

/// A user's callback.
type Handler<T> = Box<dyn FnMut(&T) + Send>;

/// The user's event listener and report handler.
///
/// A callback that panics is dropped: the panic (printed by the panic
/// hook) must not unwind through the adapter's I/O thread or task, which
/// would stop carrying out the core's outputs and leave records
/// unreported. The record whose report the handler was given is still
/// reported to whoever waits for it.
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use kafka_sansio::producer::{Event, Handlers};
///
/// let seen = Arc::new(Mutex::new(0));
/// let count = Arc::clone(&seen);
/// let mut handlers = Handlers::default();
/// handlers.set_event(move |_| {
///     *count.lock().unwrap() += 1;
///     panic!("a listener bug");
/// });
/// handlers.event(&Event::Closed);
/// handlers.event(&Event::Closed); // dropped after its panic
/// assert_eq!(*seen.lock().unwrap(), 1);
/// assert!(!handlers.has_event());
/// ```
#[derive(Default)]
pub struct Handlers {
    event: Option<Handler<Event>>,
    report: Option<Handler<DeliveryReport>>,
}

impl Handlers {
    /// Sets the listener for every event of the core.
    pub fn set_event(&mut self, listener: impl FnMut(&Event) + Send + 'static) {
        self.event = Some(Box::new(listener));
    }

    /// Sets the handler for every record's report.
    pub fn set_report(&mut self, handler: impl FnMut(&DeliveryReport) + Send + 'static) {
        self.report = Some(Box::new(handler));
    }

    /// Whether an event listener is set (and has not panicked).
    pub fn has_event(&self) -> bool {
        self.event.is_some()
    }

    /// Whether a report handler is set (and has not panicked).
    pub fn has_report(&self) -> bool {
        self.report.is_some()
    }

    /// Calls the event listener, if any.
    pub fn event(&mut self, event: &Event) {
        call_guarded(&mut self.event, event);
    }

    /// Calls the report handler, if any.
    pub fn report(&mut self, report: &DeliveryReport) {
        call_guarded(&mut self.report, report);
    }
}

impl fmt::Debug for Handlers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handlers")
            .field("event", &self.has_event())
            .field("report", &self.has_report())
            .finish()
    }
}

/// Calls `handler` with `arg`; one that panics is dropped.
fn call_guarded<T>(handler: &mut Option<Handler<T>>, arg: &T) {
    let Some(h) = handler.as_mut() else {
        return;
    };
    if panic::catch_unwind(AssertUnwindSafe(|| h(arg))).is_err() {
        *handler = None;
    }
}
