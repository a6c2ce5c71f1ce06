//! The state every thread shares, and the one routine that carries out the
//! core's outputs. Whoever calls into the core does so under the lock and
//! then calls [`State::carry_out`], which never blocks: writes are queued
//! in the connection's [`Outbox`] for its writer thread (or its reader,
//! see [`State::carry_out_as_reader`]), connects go to a new thread,
//! closes are a `shutdown`, reports wake their waiter.

use std::collections::HashMap;
use std::io;
use std::net::{Shutdown, TcpStream};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle, Thread};
use std::time::Instant;

use kafka_sansio::producer::{
    BrokerAddress, ConnId, DeliveryTracker, Event, Handlers, Input, Output, Producer,
};

use crate::outbox::Outbox;

/// What the threads share.
pub(crate) struct Shared {
    state: Mutex<State>,
    /// Wakes the timer thread: its deadline moved earlier, or it must stop.
    pub(crate) timer: Condvar,
    /// Wakes threads in `send` (buffer space), `flush` and `close`: reports
    /// came, or the producer closed or failed.
    progress: Condvar,
}

/// Everything behind the lock.
pub(crate) struct State {
    pub(crate) core: Producer,
    pub(crate) tracker: DeliveryTracker<Thread>,
    conns: HashMap<ConnId, Conn>,
    handlers: Handlers,
    /// The deadline the timer thread sleeps until; a call that makes the
    /// core's deadline earlier wakes it (and only then, so a `send` does
    /// not pay a wake-up each time).
    pub(crate) armed: Option<Instant>,
    /// Threads blocked on `progress`; without any, nobody is notified.
    progress_waiters: usize,
    /// Set by `close` once the core is closed: every thread ends.
    pub(crate) stopping: bool,
    timer_thread: Option<JoinHandle<()>>,
    /// Connection threads, by the connection they serve.
    threads: Vec<(ConnId, JoinHandle<()>)>,
    /// Connections whose outbox got writes for their writer thread during
    /// the current `carry_out` (kept to reuse its room).
    handoffs: Vec<ConnId>,
}

/// A connection as this side sees it.
enum Conn {
    /// Its thread is connecting.
    Connecting,
    /// The core closed it while its thread was connecting: the thread
    /// drops whatever it gets.
    Abandoned,
    /// Connected.
    Open(Link),
}

/// An open connection: dropping it ends it (both directions shut down,
/// so its reader and writer threads end).
pub(crate) struct Link {
    /// The socket, to shut down.
    pub(crate) stream: TcpStream,
    /// Its bytes to write.
    pub(crate) outbox: Arc<Outbox>,
}

impl Drop for Link {
    fn drop(&mut self) {
        shut(&self.stream);
        self.outbox.close();
    }
}

impl Shared {
    pub(crate) fn new(core: Producer, handlers: Handlers) -> Arc<Shared> {
        Arc::new(Shared {
            state: Mutex::new(State {
                core,
                tracker: DeliveryTracker::new(),
                conns: HashMap::new(),
                handlers,
                armed: None,
                progress_waiters: 0,
                stopping: false,
                timer_thread: None,
                threads: Vec::new(),
                handoffs: Vec::new(),
            }),
            timer: Condvar::new(),
            progress: Condvar::new(),
        })
    }

    /// The state. A panic elsewhere under the lock (a listener's, say)
    /// does not make the producer unusable: the core's state is still
    /// whole between calls.
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Wakes the threads waiting for progress (see
    /// [`State::carry_out_as_reader`]).
    pub(crate) fn wake_waiters(&self) {
        self.progress.notify_all();
    }

    /// Waits until progress is notified or `deadline` passes.
    pub(crate) fn wait_progress<'a>(
        &self,
        mut st: MutexGuard<'a, State>,
        deadline: Option<Instant>,
    ) -> MutexGuard<'a, State> {
        st.progress_waiters += 1;
        let mut st = match deadline {
            None => self
                .progress
                .wait(st)
                .unwrap_or_else(PoisonError::into_inner),
            Some(at) => {
                let left = at.saturating_duration_since(Instant::now());
                let woken = self.progress.wait_timeout(st, left);
                woken.unwrap_or_else(PoisonError::into_inner).0
            }
        };
        st.progress_waiters -= 1;
        st
    }
}

impl State {
    /// Carries out every output the core has (including those that
    /// carrying out others produces), then re-arms the timer and wakes
    /// whoever may now proceed. Called after every call into the core.
    #[inline]
    pub(crate) fn carry_out(&mut self, shared: &Arc<Shared>) {
        if self.carry_out_writing_from(shared, None) {
            shared.wake_waiters();
        }
    }

    /// [`carry_out`](Self::carry_out) for `conn`'s reader thread, which
    /// finishes it once it has let go of the lock: writes for `conn` stay
    /// in its outbox for the reader to write
    /// ([`Outbox::write_without_blocking`]), and when this returns true the
    /// reader wakes the waiters ([`Shared::wake_waiters`]). A waiter woken
    /// under the lock would at once block again on the lock.
    #[must_use]
    pub(crate) fn carry_out_as_reader(&mut self, shared: &Arc<Shared>, conn: ConnId) -> bool {
        self.carry_out_writing_from(shared, Some(conn))
    }

    /// Carries out the outputs and re-arms the timer; returns whether
    /// threads waiting for progress are to be woken. Inlined into the
    /// callers, `send` among them: most sends only append to an open batch
    /// and queue nothing, and then only the timer is looked at, with no
    /// call out of line.
    #[inline]
    fn carry_out_writing_from(&mut self, shared: &Arc<Shared>, reader_of: Option<ConnId>) -> bool {
        let wake = self.core.has_output() && self.carry_out_outputs(shared, reader_of);
        let next = self.core.poll_timeout().map(|t| t.at);
        if let Some(at) = next.filter(|&at| self.armed.is_none_or(|armed| at < armed)) {
            self.armed = Some(at);
            shared.timer.notify_one();
        }
        wake
    }

    /// Carries out every queued output (and those that carrying them out
    /// queues); returns whether threads waiting for progress are to be
    /// woken.
    fn carry_out_outputs(&mut self, shared: &Arc<Shared>, reader_of: Option<ConnId>) -> bool {
        let (mut progress, mut reported) = (false, false);
        loop {
            let output = self.core.poll_output_with(|report| {
                reported = true;
                self.handlers.report(report);
                if let Some(waiter) = self.tracker.report(report) {
                    waiter.unpark();
                }
            });
            let Some(output) = output else { break };
            match output {
                Output::Connect { conn, addr, .. } => self.connect(shared, conn, addr),
                Output::Write { conn, data } => {
                    // A connection that is gone has been reported closed,
                    // or is about to be: its bytes are dropped.
                    if let Some(Conn::Open(link)) = self.conns.get(&conn) {
                        link.outbox.push(data);
                        if reader_of != Some(conn) && !self.handoffs.contains(&conn) {
                            self.handoffs.push(conn);
                        }
                    }
                }
                Output::Close { conn } => match self.conns.remove(&conn) {
                    Some(Conn::Connecting) => {
                        self.conns.insert(conn, Conn::Abandoned);
                    }
                    // Dropping the link shuts it down.
                    Some(Conn::Open(_) | Conn::Abandoned) | None => {}
                },
                // Not returned: reports go to the closure above.
                Output::Delivery(_) => {}
                Output::Event(event) => {
                    #[cfg(feature = "tracing")]
                    event.trace();
                    progress |= matches!(event, Event::Closed | Event::Fatal(_));
                    self.handlers.event(&event);
                }
            }
        }
        // Handed over once all is queued: a request comes as several
        // writes, which the writer thread then sends in one go.
        for conn in self.handoffs.drain(..) {
            if let Some(Conn::Open(link)) = self.conns.get(&conn) {
                link.outbox.hand_to_writer();
            }
        }
        (progress || reported) && self.progress_waiters > 0
    }

    /// Starts the thread that connects `conn` and then reads from it.
    fn connect(&mut self, shared: &Arc<Shared>, conn: ConnId, addr: BrokerAddress) {
        let timeout = self.core.config().connection_setup_timeout;
        let sh = Arc::clone(shared);
        let run = move || crate::conn::run(&sh, conn, &addr, timeout);
        match spawn(format!("kafka-sansio-{conn}"), run) {
            Ok(thread) => {
                self.conns.insert(conn, Conn::Connecting);
                self.keep(conn, thread);
            }
            Err(e) => {
                let reason = format!("cannot start a connection thread: {e}");
                let input = Input::ConnectFailed { conn, reason };
                self.core.handle_input(input, Instant::now());
            }
        }
    }

    /// Whether `conn`'s connect attempt is still wanted; forgets it if not.
    pub(crate) fn connect_wanted(&mut self, conn: ConnId) -> bool {
        match self.conns.get(&conn) {
            Some(Conn::Connecting) => true,
            _ => {
                self.conns.remove(&conn);
                false
            }
        }
    }

    /// `conn` is connected: from now on its writes go to `link`'s outbox.
    pub(crate) fn opened(&mut self, conn: ConnId, link: Link) {
        self.conns.insert(conn, Conn::Open(link));
    }

    /// Whether `conn` is open on this side (input for it is still wanted).
    pub(crate) fn is_open(&self, conn: ConnId) -> bool {
        matches!(self.conns.get(&conn), Some(Conn::Open(_)))
    }

    /// The connect attempt failed or the connection broke: tells the core
    /// (once: the entry goes), unless the core closed it first.
    pub(crate) fn lost(&mut self, shared: &Arc<Shared>, conn: ConnId, reason: String) {
        let input = match self.conns.remove(&conn) {
            // Dropping the link shuts it down.
            Some(Conn::Open(_)) => Input::Closed { conn, reason },
            Some(Conn::Connecting) => Input::ConnectFailed { conn, reason },
            Some(Conn::Abandoned) | None => return,
        };
        self.core.handle_input(input, Instant::now());
        self.carry_out(shared);
    }

    /// Keeps a connection thread's handle, to join at close; drops the
    /// handles of threads that have ended, so the list stays short.
    pub(crate) fn keep(&mut self, conn: ConnId, thread: JoinHandle<()>) {
        self.threads.retain(|(_, t)| !t.is_finished());
        self.threads.push((conn, thread));
    }

    /// Sets the timer thread's handle.
    pub(crate) fn set_timer_thread(&mut self, thread: JoinHandle<()>) {
        self.timer_thread = Some(thread);
    }

    /// Tells every thread to end and returns those to join. A thread still
    /// inside a connect attempt cannot be interrupted with `std` alone:
    /// it is left to end by itself (within the connection setup timeout),
    /// dropping what it gets.
    pub(crate) fn stop(&mut self) -> Vec<JoinHandle<()>> {
        self.stopping = true;
        let mut connecting = Vec::new();
        for (conn, c) in self.conns.drain() {
            // Dropping a link shuts it down.
            if let Conn::Connecting | Conn::Abandoned = c {
                connecting.push(conn);
            }
        }
        let threads = std::mem::take(&mut self.threads);
        let joinable = threads.into_iter().filter(|(c, _)| !connecting.contains(c));
        let mut handles: Vec<_> = joinable.map(|(_, t)| t).collect();
        handles.extend(self.timer_thread.take());
        handles
    }
}

/// Ends both directions of a socket, so its reader and writer threads end.
fn shut(stream: &TcpStream) {
    // Already shut down or reset: nothing more to end.
    let _ = stream.shutdown(Shutdown::Both);
}

/// Starts a named thread; an error rather than a panic when it cannot.
pub(crate) fn spawn(
    name: String,
    run: impl FnOnce() + Send + 'static,
) -> io::Result<JoinHandle<()>> {
    thread::Builder::new().name(name).spawn(run)
}
