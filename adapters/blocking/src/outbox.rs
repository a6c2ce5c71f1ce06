//! One connection's outgoing bytes, and who writes them.
//!
//! The core's `Write` outputs are queued here, in the core's order, by
//! whichever thread carried them out. Most writes follow a response (a
//! request slot came free), so the connection's reader thread is the one
//! that queued them: it writes them itself, without blocking, as soon as
//! it has let go of the producer's lock. Handing every request to the
//! writer thread instead costs a thread wake-up per request, and on a
//! small machine that wake-up competes with the broker for a core. What
//! does not fit in the socket at once, and whatever another thread
//! queued, goes to the connection's writer thread, which blocks as long
//! as it must.
//!
//! The reader never blocks on a write: the broker may be waiting for it
//! to read a response before it reads more requests. Its write is
//! non-blocking by switching the socket to non-blocking mode for the
//! length of the write, which is safe because nobody else uses the
//! socket then: its reader is the thread writing, and the writer thread
//! only writes while it holds the turn, which the reader checks under
//! this outbox's lock and which nobody can take while the reader holds
//! that lock.

use std::io::{self, ErrorKind};
use std::net::TcpStream;
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

use bytes::Bytes;
use kafka_sansio::producer::WriteQueue;

/// Bytes waiting to go out on one connection.
#[derive(Default)]
pub(crate) struct Outbox {
    state: Mutex<Queued>,
    /// Wakes the writer thread: it has the turn, or the connection closed.
    wake: Condvar,
}

#[derive(Default)]
struct Queued {
    /// Not yet taken by a writer, in the core's order.
    queue: WriteQueue,
    /// The writer thread has the turn: it writes what is queued (and is
    /// maybe blocked doing so); nobody else writes until it gives it back.
    writer_turn: bool,
    /// The connection is gone: the writer thread ends.
    closed: bool,
}

impl Outbox {
    fn lock(&self) -> MutexGuard<'_, Queued> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Queues `data` after everything queued before.
    pub(crate) fn push(&self, data: Bytes) {
        self.lock().queue.push(data);
    }

    /// Gives what is queued to the writer thread (a thread that must not
    /// write itself calls this after queuing).
    pub(crate) fn hand_to_writer(&self) {
        self.hand_over(&mut self.lock());
    }

    /// Gives the turn to the writer thread if something is queued and it
    /// does not have it yet.
    fn hand_over(&self, q: &mut Queued) {
        if !q.queue.is_empty() && !q.writer_turn {
            q.writer_turn = true;
            self.wake.notify_one();
        }
    }

    /// The reader thread's write: as much of the queue as `stream` takes
    /// in one non-blocking write; the rest goes to the writer thread (a
    /// second try would most likely find the socket still full). Nothing
    /// is written while the writer thread has the turn (it takes the queue
    /// next, keeping the order).
    pub(crate) fn write_without_blocking(&self, stream: &TcpStream) -> io::Result<()> {
        let mut q = self.lock();
        if q.closed || q.writer_turn || q.queue.is_empty() {
            return Ok(());
        }
        stream.set_nonblocking(true)?;
        let written = match q.queue.write_once(&mut &*stream) {
            Err(e) if !matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::Interrupted) => Err(e),
            _ => Ok(()),
        };
        if let Err(e) = stream.set_nonblocking(false) {
            // The writer thread must never write to a socket left
            // non-blocking (its write would stop short): the outbox
            // closes, under the same lock, before it could get the turn.
            q.closed = true;
            self.wake.notify_one();
            return Err(e);
        }
        written?;
        self.hand_over(&mut q);
        Ok(())
    }

    /// The writer thread's loop: waits for the turn, takes the queue and
    /// writes it, blocking, until the connection closes (`Ok`) or a write
    /// fails.
    pub(crate) fn write_loop(&self, mut stream: &TcpStream) -> io::Result<()> {
        let mut taken = WriteQueue::new();
        let mut q = self.lock();
        loop {
            if q.closed {
                return Ok(());
            }
            if q.writer_turn && !q.queue.is_empty() {
                std::mem::swap(&mut q.queue, &mut taken);
                drop(q);
                taken.write_to(&mut stream)?;
                if !taken.is_empty() {
                    // A blocking write returns once all is written, so this
                    // is a socket left non-blocking, which closing the
                    // outbox rules out; should it happen anyway, what is
                    // left must not trail later bytes.
                    return Err(io::Error::new(
                        ErrorKind::WouldBlock,
                        "the socket would block a blocking write",
                    ));
                }
                q = self.lock();
            } else {
                // Done (or woken for nothing): the reader may write again.
                q.writer_turn = false;
                q = self.wake.wait(q).unwrap_or_else(PoisonError::into_inner);
            }
        }
    }

    /// The connection is gone: the writer thread ends (once its current
    /// write, if any, returns; the socket is shut down, so it does).
    pub(crate) fn close(&self) {
        self.lock().closed = true;
        self.wake.notify_one();
    }
}
