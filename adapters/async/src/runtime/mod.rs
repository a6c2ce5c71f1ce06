//! What the producer needs from an async runtime: TCP connections, a timer
//! and detached tasks. One small module per runtime implements it.

use std::future::Future;
use std::io::{self, IoSlice};
use std::time::Instant;

#[cfg(feature = "smol")]
pub mod smol;
#[cfg(feature = "tokio")]
pub mod tokio;

/// An async runtime the producer runs its I/O on.
///
/// The producer spawns one task per broker connection and one timer task;
/// everything else happens in the caller's futures. Implement it to run
/// the producer on another runtime.
pub trait Runtime: Clone + Send + Sync + 'static {
    /// The read half of a connection.
    type Reader: ReadHalf;
    /// The write half of a connection.
    type Writer: WriteHalf;

    /// Opens a TCP connection to `host:port`, resolving the name and trying
    /// each address in turn, with `TCP_NODELAY` set (requests are written
    /// whole; Nagle would only delay them). The socket closes once both
    /// halves are dropped.
    fn connect(
        &self,
        host: &str,
        port: u16,
    ) -> impl Future<Output = io::Result<(Self::Reader, Self::Writer)>> + Send;

    /// Completes at `deadline` (or at once if it has passed).
    fn sleep_until(&self, deadline: Instant) -> impl Future<Output = ()> + Send + 'static;

    /// Runs `task` to completion in the background (detached).
    fn spawn(&self, task: impl Future<Output = ()> + Send + 'static);
}

/// Reading from a connection.
pub trait ReadHalf: Send + 'static {
    /// Reads some bytes into `buf`; 0 means the peer closed the connection.
    fn read(&mut self, buf: &mut [u8]) -> impl Future<Output = io::Result<usize>> + Send;
}

/// Writing to a connection.
pub trait WriteHalf: Send + 'static {
    /// Writes some of `bufs`, in order, in one vectored write, and returns
    /// how many bytes it took (0 only when it can take none). Only the
    /// producer's connection task calls this, and it is never cancelled
    /// while the connection lives: a request is either written whole or
    /// the connection is dropped.
    fn write_vectored(
        &mut self,
        bufs: &[IoSlice<'_>],
    ) -> impl Future<Output = io::Result<usize>> + Send;
}
