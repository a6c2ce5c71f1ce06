//! The state every handle and task shares, and the one way into the core:
//! lock, call, carry out everything the core asks for, unlock.
//!
//! Carrying out never waits: a write is queued for the connection's task,
//! a connect becomes a task, a report wakes its future. The lock is a
//! std mutex, never held across an await.

use std::collections::{HashMap, VecDeque};
use std::future::{Future, poll_fn};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Poll, Waker};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use event_listener::Event as Notify;
use kafka_sansio::producer::{
    BrokerAddress, ConnId, DeliveryTracker, Handlers, Input, Output, Producer as Core, WriteQueue,
};

use crate::runtime::Runtime;
use crate::tasks;

/// The core and its bookkeeping, shared by the producer handles, the
/// delivery futures and the tasks.
pub(crate) struct Shared {
    state: Mutex<State>,
    /// Notified when reports come, when the core closes and when a task
    /// ends: what sends waiting for space, flushes and closes wait for.
    progress: Notify,
}

pub(crate) struct State {
    pub(crate) core: Core,
    pub(crate) tracker: DeliveryTracker<Waker>,
    /// The connections the core has asked for and not closed.
    conns: HashMap<ConnId, ConnSlot>,
    timer: TimerSlot,
    handlers: Handlers,
    /// Tasks spawned and not yet ended.
    tasks: usize,
    /// Connection tasks to spawn once the lock is released, taken by
    /// `call_from` before it lets go. Kept here rather than returned by
    /// `carry_out`: a vector returned by every send was a store and a
    /// reload of 24 bytes each time, for one that is almost always empty.
    connects: Vec<Connect>,
}

#[derive(Default)]
struct ConnSlot {
    /// Bytes to write, in order; only the connection's task writes them.
    queue: VecDeque<Bytes>,
    /// The connection's task, to wake for bytes to write or for its end.
    waker: Option<Waker>,
}

#[derive(Default)]
struct TimerSlot {
    /// The deadline the timer task sleeps towards.
    armed: Option<Instant>,
    /// Set when the timer task must read the deadline again.
    rearm: bool,
    waker: Option<Waker>,
}

/// Counts a spawned task until it ends, so `close` can wait for all of them.
pub(crate) struct TaskGuard(Arc<Shared>);

impl Drop for TaskGuard {
    fn drop(&mut self) {
        self.0.lock().tasks -= 1;
        self.0.progress.notify(usize::MAX);
    }
}

/// A connection task to spawn once the lock is released: a runtime that is
/// shutting down may drop the task inside `spawn`, and its guard locks.
struct Connect {
    conn: ConnId,
    addr: BrokerAddress,
    guard: TaskGuard,
}

impl State {
    /// Whether the core is closed and every task has ended.
    pub(crate) fn is_stopped(&self) -> bool {
        self.core.is_closed() && self.tasks == 0
    }
}

impl Shared {
    /// Shares `core` and starts the timer task.
    pub(crate) fn start<R: Runtime>(rt: &R, core: Core, handlers: Handlers) -> Arc<Self> {
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                core,
                tracker: DeliveryTracker::new(),
                conns: HashMap::new(),
                timer: TimerSlot::default(),
                handlers,
                tasks: 0,
                connects: Vec::new(),
            }),
            progress: Notify::new(),
        });
        let guard = shared.guard(&mut shared.lock());
        rt.spawn(tasks::timer(rt.clone(), shared.clone(), guard));
        // The core's first outputs: the bootstrap connection.
        shared.call(rt, |_, _| ());
        shared
    }

    /// The state. A panic under the lock (an event listener's) leaves the
    /// state as consistent as between two outputs, so it is used on.
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn guard(self: &Arc<Self>, state: &mut State) -> TaskGuard {
        state.tasks += 1;
        TaskGuard(self.clone())
    }

    /// Calls into the core with the current time, then carries out all it
    /// asks for.
    #[inline]
    pub(crate) fn call<R: Runtime, T>(
        self: &Arc<Self>,
        rt: &R,
        f: impl FnOnce(&mut State, Instant) -> T,
    ) -> T {
        self.call_from(rt, None, f)
    }

    /// Hands the core bytes that arrived on `conn`, from `conn`'s own task.
    pub(crate) fn received<R: Runtime>(self: &Arc<Self>, rt: &R, conn: ConnId, data: &[u8]) {
        self.call_from(rt, Some(conn), |state, now| {
            state.core.handle_input(Input::Received { conn, data }, now)
        });
    }

    /// [`call`](Self::call) from the task of connection `own`, if any:
    /// writes for `own` are queued without waking that task, which looks
    /// for them before it next waits. A self-wake would cost a poll that
    /// finds nothing, and tokio requeues a task woken while it runs as a
    /// yield, unparking an idle worker: a context switch per response.
    #[inline]
    fn call_from<R: Runtime, T>(
        self: &Arc<Self>,
        rt: &R,
        own: Option<ConnId>,
        f: impl FnOnce(&mut State, Instant) -> T,
    ) -> T {
        let (out, connects) = {
            let mut state = self.lock();
            let out = f(&mut state, now());
            self.carry_out(&mut state, own);
            // Most calls start no connection: then nothing is taken, and
            // the (empty) iteration's setup and teardown is skipped.
            if state.connects.is_empty() {
                return out;
            }
            (out, std::mem::take(&mut state.connects))
        };
        for Connect { conn, addr, guard } in connects {
            rt.spawn(tasks::connection(
                rt.clone(),
                self.clone(),
                conn,
                addr,
                guard,
            ));
        }
        out
    }

    /// Carries out every output; the connections to start are left in
    /// `state.connects`. Writes for `own` (the calling connection task's)
    /// wake no one.
    fn carry_out(self: &Arc<Self>, state: &mut State, own: Option<ConnId>) {
        let mut reported = false;
        // Most sends only append to an open batch and queue nothing: then
        // nothing is polled for (a call out of line that returns an
        // `Output` through memory), and only the timer is looked at.
        while state.core.has_output() {
            let output = state.core.poll_output_with(|report| {
                reported = true;
                state.handlers.report(report);
                if let Some(waker) = state.tracker.report(report) {
                    waker.wake();
                }
            });
            let Some(output) = output else { break };
            match output {
                Output::Connect { conn, addr, .. } => {
                    state.conns.insert(conn, ConnSlot::default());
                    let guard = self.guard(state);
                    state.connects.push(Connect { conn, addr, guard });
                }
                Output::Write { conn, data } => {
                    if let Some(slot) = state.conns.get_mut(&conn) {
                        slot.queue.push_back(data);
                        if own != Some(conn) {
                            wake(&mut slot.waker);
                        }
                    }
                }
                Output::Close { conn } => {
                    if let Some(mut slot) = state.conns.remove(&conn) {
                        wake(&mut slot.waker);
                    }
                }
                // Not returned: reports go to the closure above.
                Output::Delivery(_) => {}
                Output::Event(event) => {
                    #[cfg(feature = "tracing")]
                    event.trace();
                    state.handlers.event(&event);
                }
            }
        }
        // Most calls leave the deadline where it was or later: the timer
        // task is woken only when it must wake earlier, or end.
        let next = state.core.poll_timeout().map(|t| t.at);
        let closed = state.core.is_closed();
        let timer = &mut state.timer;
        if closed || next.is_some_and(|at| timer.armed.is_none_or(|armed| at < armed)) {
            timer.armed = next;
            timer.rearm = true;
            wake(&mut timer.waker);
        }
        if reported || closed {
            self.progress.notify(usize::MAX);
        }
    }

    /// Waits until `done` holds (checked after every report, task end and
    /// the core's close).
    pub(crate) async fn wait_for(&self, mut done: impl FnMut(&State) -> bool) {
        loop {
            // Listening under the lock: no change can slip in between.
            let listener = {
                let state = self.lock();
                if done(&state) {
                    return;
                }
                self.progress.listen()
            };
            listener.await;
        }
    }

    /// Completes at the next progress after this call: listen first, then
    /// check, and nothing is missed.
    pub(crate) fn next_progress(&self) -> impl Future<Output = ()> + Send + 'static {
        self.progress.listen()
    }

    /// The connection's task ended on its own (connect failure, reset,
    /// EOF): tells the core, unless the core closed it first.
    pub(crate) fn lost<R: Runtime>(self: &Arc<Self>, rt: &R, conn: ConnId, input: Input<'static>) {
        self.call(rt, |state, now| {
            if state.conns.remove(&conn).is_some() {
                state.core.handle_input(input, now);
            }
        });
    }

    /// Moves the bytes queued for `conn` to `into`, waiting for some;
    /// false once the core closed it.
    pub(crate) async fn next_writes(&self, conn: ConnId, into: &mut WriteQueue) -> bool {
        poll_fn(|cx| match self.lock().conns.get_mut(&conn) {
            None => Poll::Ready(false),
            Some(slot) if slot.queue.is_empty() => {
                register(&mut slot.waker, cx.waker());
                Poll::Pending
            }
            Some(slot) => {
                slot.queue.drain(..).for_each(|data| into.push(data));
                Poll::Ready(true)
            }
        })
        .await
    }

    /// Completes once the core has closed `conn`.
    pub(crate) async fn closed(&self, conn: ConnId) {
        poll_fn(|cx| match self.lock().conns.get_mut(&conn) {
            None => Poll::Ready(()),
            Some(slot) => {
                register(&mut slot.waker, cx.waker());
                Poll::Pending
            }
        })
        .await
    }

    /// The deadline for the timer task to sleep towards (`Some(None)`: no
    /// deadline), or `None` once the core is closed and the task is done.
    pub(crate) fn arm_timer(&self) -> Option<Option<Instant>> {
        let mut state = self.lock();
        if state.core.is_closed() {
            return None;
        }
        let next = state.core.poll_timeout().map(|t| t.at);
        state.timer.armed = next;
        state.timer.rearm = false;
        Some(next)
    }

    /// Completes when a call has moved the deadline earlier (or closed the
    /// core) since [`arm_timer`](Self::arm_timer).
    pub(crate) async fn rearmed(&self) {
        poll_fn(|cx| {
            let timer = &mut self.lock().timer;
            if std::mem::take(&mut timer.rearm) {
                Poll::Ready(())
            } else {
                register(&mut timer.waker, cx.waker());
                Poll::Pending
            }
        })
        .await
    }
}

/// Keeps `waker` to wake later; a task polled again keeps its waker, and
/// the clone (an atomic increment, a decrement at the drop) is skipped.
fn register(slot: &mut Option<Waker>, waker: &Waker) {
    match slot {
        Some(kept) if kept.will_wake(waker) => {}
        _ => *slot = Some(waker.clone()),
    }
}

fn wake(waker: &mut Option<Waker>) {
    if let Some(waker) = waker.take() {
        waker.wake();
    }
}

/// The current time.
pub(crate) fn now() -> Instant {
    Instant::now()
}

/// The wall clock in Unix milliseconds (negative before 1970), for the
/// core's record timestamps.
pub(crate) fn unix_ms() -> i64 {
    let ms = |d: Duration| i64::try_from(d.as_millis()).unwrap_or(i64::MAX);
    match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(since) => ms(since),
        Err(e) => -ms(e.duration()),
    }
}
