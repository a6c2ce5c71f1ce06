//! [`SmolRuntime`]: the producer on smol.

use std::future::Future;
use std::io::{self, IoSlice};
use std::time::Instant;

use ::smol::Timer;
use ::smol::io::{AsyncReadExt, AsyncWriteExt};
use ::smol::net::TcpStream;

use super::{ReadHalf, Runtime, WriteHalf};

/// Runs the producer's tasks on smol's global executor
/// ([`smol::spawn`], whose threads smol starts itself), with
/// async-net sockets and async-io timers. Nothing needs to be set up:
/// `SmolRuntime` works from any thread.
#[derive(Clone, Copy, Debug, Default)]
pub struct SmolRuntime;

impl Runtime for SmolRuntime {
    // An async-net stream is a shared handle: one clone reads, one writes.
    type Reader = TcpStream;
    type Writer = TcpStream;

    async fn connect(&self, host: &str, port: u16) -> io::Result<(TcpStream, TcpStream)> {
        let stream = TcpStream::connect((host, port)).await?;
        stream.set_nodelay(true)?;
        Ok((stream.clone(), stream))
    }

    fn sleep_until(&self, deadline: Instant) -> impl Future<Output = ()> + Send + 'static {
        let timer = Timer::at(deadline);
        async move {
            timer.await;
        }
    }

    fn spawn(&self, task: impl Future<Output = ()> + Send + 'static) {
        ::smol::spawn(task).detach();
    }
}

impl ReadHalf for TcpStream {
    async fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        AsyncReadExt::read(self, buf).await
    }
}

impl WriteHalf for TcpStream {
    async fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        AsyncWriteExt::write_vectored(self, bufs).await
    }
}
