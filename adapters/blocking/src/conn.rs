//! One broker connection: a thread that connects and then reads, feeding
//! the core, and a writer thread that writes what the core asks, in order.
//! Either one reports the connection's end to the core (once, see
//! [`State::lost`]); a `shutdown` from the other side ends its partner.

use std::io::{self, ErrorKind, Read};
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use kafka_sansio::producer::{BrokerAddress, ConnId, Input, Output, WriteQueue};

use crate::shared::{Shared, State, spawn};

/// Bytes read per `read` call; any chunking suits the core.
const READ_BUFFER: usize = 64 * 1024;

/// The connection thread: connects `conn` to `addr`, then reads until the
/// connection ends.
pub(crate) fn run(shared: &Arc<Shared>, conn: ConnId, addr: &BrokerAddress, timeout: Duration) {
    let attempt = connect(addr, timeout);
    let reader = established(&mut shared.lock(), shared, conn, attempt);
    if let Some(reader) = reader {
        read_loop(shared, conn, reader);
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
/// returns the stream to read from when the connection is open.
fn established(
    st: &mut State,
    shared: &Arc<Shared>,
    conn: ConnId,
    attempt: Result<TcpStream, String>,
) -> Option<TcpStream> {
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
/// connection as open; returns a handle to read from.
fn start_writer(
    st: &mut State,
    shared: &Arc<Shared>,
    conn: ConnId,
    stream: TcpStream,
) -> Result<TcpStream, String> {
    let setup = |e: io::Error| format!("cannot set up the connection: {e}");
    // Requests are written whole; Nagle would only delay them.
    stream.set_nodelay(true).map_err(setup)?;
    let reader = stream.try_clone().map_err(setup)?;
    let write_half = stream.try_clone().map_err(setup)?;
    let (writer, outputs) = mpsc::channel();
    let sh = Arc::clone(shared);
    let run = move || write_loop(&sh, conn, write_half, &outputs);
    let thread = spawn(format!("kafka-sansio-write-{conn}"), run)
        .map_err(|e| format!("cannot start a writer thread: {e}"))?;
    st.keep(conn, thread);
    st.opened(conn, stream, writer);
    Ok(reader)
}

/// Feeds what arrives to the core until EOF or an error.
fn read_loop(shared: &Arc<Shared>, conn: ConnId, mut stream: TcpStream) {
    let mut buf = vec![0u8; READ_BUFFER];
    let reason = loop {
        match stream.read(&mut buf) {
            Ok(0) => break "connection closed by the broker".to_owned(),
            Ok(n) => {
                let mut st = shared.lock();
                if !st.is_open(conn) {
                    return; // closed on this side: nothing more is wanted
                }
                let input = Input::Received {
                    conn,
                    data: &buf[..n],
                };
                st.core.handle_input(input, Instant::now());
                st.carry_out(shared);
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => break format!("read failed: {e}"),
        }
    };
    shared.lock().lost(shared, conn, reason);
}

/// Writes each `Write` output, whole and in order, until this side drops
/// the sender (the connection was closed) or a write fails. The writes
/// waiting when it wakes go out together, in vectored writes: a request
/// comes as several (its record batches are not copied into it).
fn write_loop(
    shared: &Arc<Shared>,
    conn: ConnId,
    mut stream: TcpStream,
    outputs: &Receiver<Output>,
) {
    let mut queue = WriteQueue::new();
    while let Ok(first) = outputs.recv() {
        for output in std::iter::once(first).chain(outputs.try_iter()) {
            if let Output::Write { data, .. } = output {
                queue.push(data); // only writes are sent here
            }
        }
        // Blocking: returns once all is written, or on an error.
        if let Err(e) = queue.write_to(&mut stream) {
            shared
                .lock()
                .lost(shared, conn, format!("write failed: {e}"));
            return;
        }
    }
}
