//! The producer's background tasks: one per connection, and the timer.

use std::future::{Future, pending, poll_fn};
use std::io::IoSlice;
use std::pin::pin;
use std::sync::Arc;
use std::task::Poll;

use kafka_sansio::producer::{BrokerAddress, ConnId, Input, MAX_SLICES, WriteQueue};

use crate::driver::{Shared, TaskGuard};
use crate::runtime::{ReadHalf, Runtime, WriteHalf};

/// Bytes read per call; the core reassembles frames from any chunking.
const READ_CHUNK: usize = 64 * 1024;

/// Opens `conn`, then reads and writes it until it fails or the core
/// closes it. Ending drops both halves, which closes the socket: a write
/// cut short by the close can never be followed by another request.
pub(crate) async fn connection<R: Runtime>(
    rt: R,
    shared: Arc<Shared>,
    conn: ConnId,
    addr: BrokerAddress,
    _guard: TaskGuard,
) {
    let connect = async { Some(rt.connect(&addr.host, addr.port).await) };
    // The core may give up first (connection setup timeout, close).
    let given_up = async {
        shared.closed(conn).await;
        None
    };
    let (reader, writer) = match first(connect, given_up).await {
        None => return,
        Some(Ok(halves)) => halves,
        Some(Err(e)) => {
            // The core puts the broker's address in front of the reason.
            let reason = format!("cannot connect: {e}");
            return shared.lost(&rt, conn, Input::ConnectFailed { conn, reason });
        }
    };
    shared.call(&rt, |state, now| {
        state.core.handle_input(Input::Connected { conn }, now)
    });
    // The read loop is polled first and its calls queue writes for this
    // task without waking it (`Shared::received`): the write loop, polled
    // right after in the same pass, finds them. (With the order swapped
    // the tokio leader-failover end-to-end test fails.)
    let io = first(
        read_loop(&rt, &shared, conn, reader),
        write_loop(&shared, conn, writer),
    );
    let closed = async {
        shared.closed(conn).await;
        None
    };
    if let Some(reason) = first(closed, io).await {
        shared.lost(&rt, conn, Input::Closed { conn, reason });
    }
}

/// Feeds what arrives to the core; returns why the connection ended.
async fn read_loop<R: Runtime>(
    rt: &R,
    shared: &Arc<Shared>,
    conn: ConnId,
    mut reader: R::Reader,
) -> Option<String> {
    let mut buf = vec![0; READ_CHUNK];
    loop {
        match reader.read(&mut buf).await {
            Ok(0) => return Some("connection closed by the broker".to_owned()),
            Ok(n) => shared.received(rt, conn, &buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Some(format!("read: {e}")),
        }
    }
}

/// Writes what the core queues, in order; returns why the connection
/// ended, or `None` when the core closed it. The writes queued when it
/// wakes go out together, in vectored writes: a request comes as several
/// (its record batches are not copied into it).
async fn write_loop(shared: &Shared, conn: ConnId, mut writer: impl WriteHalf) -> Option<String> {
    let mut queue = WriteQueue::new();
    while shared.next_writes(conn, &mut queue).await {
        while !queue.is_empty() {
            let mut slices = [IoSlice::new(&[]); MAX_SLICES];
            let filled = queue.io_slices(&mut slices);
            let written = writer.write_vectored(&slices[..filled]).await;
            match written {
                Ok(0) => return Some("write: the connection takes no more bytes".to_owned()),
                Ok(n) => queue.advance(n),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Some(format!("write: {e}")),
            }
        }
    }
    None
}

/// Calls `handle_timeout` whenever the core's deadline passes, until the
/// core is closed.
pub(crate) async fn timer<R: Runtime>(rt: R, shared: Arc<Shared>, _guard: TaskGuard) {
    while let Some(deadline) = shared.arm_timer() {
        let sleep = async {
            match deadline {
                Some(at) => rt.sleep_until(at).await,
                None => pending().await,
            }
            true
        };
        let rearmed = async {
            shared.rearmed().await;
            false
        };
        if first(sleep, rearmed).await {
            shared.call(&rt, |state, now| state.core.handle_timeout(now));
        }
    }
}

/// Runs both futures until one completes, then drops the other; `a` is
/// polled first.
pub(crate) async fn first<T>(a: impl Future<Output = T>, b: impl Future<Output = T>) -> T {
    let mut a = pin!(a);
    let mut b = pin!(b);
    poll_fn(|cx| match a.as_mut().poll(cx) {
        Poll::Ready(out) => Poll::Ready(out),
        Poll::Pending => b.as_mut().poll(cx),
    })
    .await
}
