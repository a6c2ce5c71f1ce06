//! [`TokioRuntime`]: the producer on tokio.

use std::future::Future;
use std::io::{self, IoSlice};
use std::time::Instant;

use ::tokio::io::{AsyncReadExt, AsyncWriteExt};
use ::tokio::net::TcpStream;
use ::tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use ::tokio::runtime::Handle;

use super::{ReadHalf, Runtime, WriteHalf};

/// Runs the producer's tasks on a tokio runtime, which must have IO and
/// time enabled (`Builder::enable_all`, or `#[tokio::main]`).
///
/// It holds the runtime's [`Handle`], so the producer can be used from
/// threads outside the runtime as well.
#[derive(Clone, Debug)]
pub struct TokioRuntime {
    handle: Handle,
}

impl TokioRuntime {
    /// The runtime this is called from.
    ///
    /// # Panics
    ///
    /// Outside a tokio runtime, as [`Handle::current`] does; use
    /// [`TokioRuntime::from`] with a handle there.
    pub fn current() -> Self {
        Handle::current().into()
    }
}

impl From<Handle> for TokioRuntime {
    fn from(handle: Handle) -> Self {
        TokioRuntime { handle }
    }
}

impl Runtime for TokioRuntime {
    type Reader = OwnedReadHalf;
    type Writer = OwnedWriteHalf;

    async fn connect(&self, host: &str, port: u16) -> io::Result<(OwnedReadHalf, OwnedWriteHalf)> {
        let stream = TcpStream::connect((host, port)).await?;
        stream.set_nodelay(true)?;
        Ok(stream.into_split())
    }

    fn sleep_until(&self, deadline: Instant) -> impl Future<Output = ()> + Send + 'static {
        // A tokio timer binds to the runtime it is made in: entering ours
        // lets a caller outside it (another executor, a plain thread) wait.
        let _entered = self.handle.enter();
        ::tokio::time::sleep_until(deadline.into())
    }

    fn spawn(&self, task: impl Future<Output = ()> + Send + 'static) {
        drop(self.handle.spawn(task));
    }
}

impl ReadHalf for OwnedReadHalf {
    async fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        AsyncReadExt::read(self, buf).await
    }
}

impl WriteHalf for OwnedWriteHalf {
    async fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        AsyncWriteExt::write_vectored(self, bufs).await
    }
}
