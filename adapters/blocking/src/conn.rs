//! One broker connection: a thread that connects and then reads, feeding
//! the core, and a writer thread that writes what the core asks, in order,
//! when the reader cannot write it at once (see [`Outbox`]). Either one
//! reports the connection's end to the core (once, see [`State::lost`]); a
//! `shutdown` from the other side ends its partner.

use std::io::{self, ErrorKind, Read};
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::time::{Duration, Instant};

use kafka_sansio::producer::{BrokerAddress, ConnId, Input};

use crate::outbox::Outbox;
use crate::shared::{Link, Shared, State, spawn};

/// Bytes read per `read` call; any chunking suits the core.
const READ_BUFFER: usize = 64 * 1024;

/// The connection thread: connects `conn` to `addr`, then reads until the
/// connection ends.
pub(crate) fn run(shared: &Arc<Shared>, conn: ConnId, addr: &BrokerAddress, timeout: Duration) {
    let attempt = connect(addr, timeout);
    let reader = established(&mut shared.lock(), shared, conn, attempt);
    if let Some((stream, outbox)) = reader {
        read_loop(shared, conn, stream, &outbox);
    }
}

/// Resolves `addr` and tries each address in turn, each within `timeout`
/// (the core times out the attempt as a whole and closes it). The error
/// leaves out `addr`: the core puts it in front.
fn connect(addr: &BrokerAddress, timeout: Duration) -> Result<TcpStream, String> {
    let resolved = (addr.host.as_str(), addr.port).to_socket_addrs();
    let resolved = resolved.map_err(|e| format!("cannot resolve: {e}"))?;
    // `connect_timeout` refuses a zero timeout.
    let timeout = timeout.max(Duration::from_millis(1));
    let mut failures = Vec::new();
    for sock in resolved {
        match TcpStream::connect_timeout(&sock, timeout) {
            Ok(stream) => return Ok(stream),
            Err(e) if addr.to_string() == sock.to_string() => {
                failures.push(format!("cannot connect: {e}"));
            }
            Err(e) => failures.push(format!("cannot connect to {sock}: {e}")),
        }
    }
    if failures.is_empty() {
        return Err("resolves to no address".to_owned());
    }
    Err(failures.join("; "))
}

/// Tells the core how the attempt ended, unless it gave up on it meanwhile;
/// returns the stream to read from, and the outbox the reader writes from,
/// when the connection is open.
fn established(
    st: &mut State,
    shared: &Arc<Shared>,
    conn: ConnId,
    attempt: Result<TcpStream, String>,
) -> Option<(TcpStream, Arc<Outbox>)> {
    if !st.connect_wanted(conn) {
        return None; // a stream we got is dropped, which closes it
    }
    match attempt.and_then(|stream| start_writer(st, shared, conn, stream)) {
        Ok(reader) => {
            st.core
                .handle_input(Input::Connected { conn }, Instant::now());
            st.carry_out(shared);
            Some(reader)
        }
        Err(reason) => {
            st.lost(shared, conn, reason);
            None
        }
    }
}

/// Sets the socket up, starts its writer thread and records the
/// connection as open; returns a handle to read from, and the outbox.
fn start_writer(
    st: &mut State,
    shared: &Arc<Shared>,
    conn: ConnId,
    stream: TcpStream,
) -> Result<(TcpStream, Arc<Outbox>), String> {
    let setup = |e: io::Error| format!("cannot set up the connection: {e}");
    // Requests are written whole; Nagle would only delay them.
    stream.set_nodelay(true).map_err(setup)?;
    let reader = stream.try_clone().map_err(setup)?;
    let write_half = stream.try_clone().map_err(setup)?;
    let outbox = Arc::new(Outbox::default());
    let (sh, out) = (Arc::clone(shared), Arc::clone(&outbox));
    let run = move || write_loop(&sh, conn, &write_half, &out);
    let thread = spawn(format!("kafka-sansio-write-{conn}"), run)
        .map_err(|e| format!("cannot start a writer thread: {e}"))?;
    st.keep(conn, thread);
    let link = Link {
        stream,
        outbox: Arc::clone(&outbox),
    };
    st.opened(conn, link);
    Ok((reader, outbox))
}

/// Feeds what arrives to the core until EOF or an error, and writes what
/// that makes the core send to this connection, without blocking.
fn read_loop(shared: &Arc<Shared>, conn: ConnId, mut stream: TcpStream, outbox: &Outbox) {
    let mut buf = vec![0u8; READ_BUFFER];
    let reason = loop {
        match stream.read(&mut buf) {
            Ok(0) => break "connection closed by the broker".to_owned(),
            Ok(n) => {
                let wake = {
                    let mut st = shared.lock();
                    if !st.is_open(conn) {
                        return; // closed on this side: nothing more is wanted
                    }
                    let input = Input::Received {
                        conn,
                        data: &buf[..n],
                    };
                    st.core.handle_input(input, Instant::now());
                    st.carry_out_as_reader(shared, conn)
                };
                if wake {
                    shared.wake_waiters();
                }
                if let Err(e) = outbox.write_without_blocking(&stream) {
                    break format!("write failed: {e}");
                }
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => break format!("read failed: {e}"),
        }
    };
    shared.lock().lost(shared, conn, reason);
}

/// The writer thread: writes what it is handed, in order and blocking,
/// until the connection is closed on this side or a write fails.
fn write_loop(shared: &Arc<Shared>, conn: ConnId, stream: &TcpStream, outbox: &Outbox) {
    if let Err(e) = outbox.write_loop(stream) {
        shared
            .lock()
            .lost(shared, conn, format!("write failed: {e}"));
    }
}
