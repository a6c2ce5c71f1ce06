//! The producer's sockets: each connection the core asks for, registered
//! with the user's `mio::Registry` under a token of the reserved range,
//! from the first connect attempt until it is closed.

use std::collections::{HashMap, VecDeque};
use std::io::{self, ErrorKind, Read};
use std::net::{SocketAddr, ToSocketAddrs};
use std::vec;

use bytes::Bytes;
use kafka_sansio::producer::{BrokerAddress, ConnId, WriteQueue};
use mio::event::Event;
use mio::net::TcpStream;
use mio::{Interest, Registry};

use crate::tokens::{TokenPool, TokenRange};

/// Something a socket did that the core must hear of.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Happening {
    Connected(ConnId),
    ConnectFailed(ConnId, String),
    Closed(ConnId, String),
}

/// A connect in progress: the broker's address and the resolved
/// addresses not tried yet.
#[derive(Debug)]
struct Dialing {
    addr: BrokerAddress,
    at: SocketAddr,
    rest: vec::IntoIter<SocketAddr>,
}

#[derive(Debug)]
struct Socket {
    conn: ConnId,
    stream: TcpStream,
    /// `Some` until the handshake completes.
    dialing: Option<Dialing>,
    out: WriteQueue,
}

/// Every socket of one producer, by token position and by connection.
#[derive(Debug)]
pub(crate) struct Sockets {
    registry: Registry,
    range: TokenRange,
    pool: TokenPool,
    slots: Vec<Option<Socket>>,
    by_conn: HashMap<ConnId, usize>,
    happenings: VecDeque<Happening>,
    /// Sockets given bytes since the last [`Sockets::flush_written`].
    written: Vec<usize>,
}

impl Sockets {
    pub(crate) fn new(registry: Registry, range: TokenRange) -> Self {
        Sockets {
            registry,
            range,
            pool: TokenPool::new(range),
            slots: (0..range.len()).map(|_| None).collect(),
            by_conn: HashMap::new(),
            happenings: VecDeque::new(),
            written: Vec::new(),
        }
    }

    pub(crate) fn range(&self) -> TokenRange {
        self.range
    }

    /// The next happening for the core, oldest first.
    pub(crate) fn take_happening(&mut self) -> Option<Happening> {
        self.happenings.pop_front()
    }

    /// Starts connecting `conn` to `addr`. Name resolution blocks (std
    /// has no other resolver); for an IP literal it is immediate.
    pub(crate) fn connect(&mut self, conn: ConnId, addr: BrokerAddress) {
        match (addr.host.as_str(), addr.port).to_socket_addrs() {
            Ok(resolved) => self.connect_to(conn, addr, resolved.collect()),
            Err(e) => {
                let reason = format!("cannot resolve: {e}");
                self.happenings
                    .push_back(Happening::ConnectFailed(conn, reason));
            }
        }
    }

    /// Starts connecting `conn` to the first of `candidates` that takes.
    fn connect_to(&mut self, conn: ConnId, addr: BrokerAddress, candidates: Vec<SocketAddr>) {
        let Some(index) = self.pool.take() else {
            let reason = format!(
                "no free mio token: all {} tokens of {} are in use",
                self.range.len(),
                self.range
            );
            self.happenings
                .push_back(Happening::ConnectFailed(conn, reason));
            return;
        };
        let rest = candidates.into_iter();
        self.dial(index, conn, addr, rest, WriteQueue::default(), None);
    }

    /// Tries the addresses in `rest` until one starts connecting; reports
    /// `ConnectFailed` with the last error when none does.
    fn dial(
        &mut self,
        index: usize,
        conn: ConnId,
        addr: BrokerAddress,
        mut rest: vec::IntoIter<SocketAddr>,
        out: WriteQueue,
        mut last_error: Option<String>,
    ) {
        while let Some(at) = rest.next() {
            match self.open(index, at) {
                Ok(stream) => {
                    let dialing = Some(Dialing { addr, at, rest });
                    self.slots[index] = Some(Socket {
                        conn,
                        stream,
                        dialing,
                        out,
                    });
                    self.by_conn.insert(conn, index);
                    return;
                }
                Err(e) => last_error = Some(connect_error(&addr, at, &e)),
            }
        }
        self.pool.give_back(index);
        // The core puts the broker's address in front of the reason.
        let reason = last_error.unwrap_or_else(|| "resolves to no address".to_owned());
        self.happenings
            .push_back(Happening::ConnectFailed(conn, reason));
    }

    fn open(&self, index: usize, at: SocketAddr) -> io::Result<TcpStream> {
        let mut stream = TcpStream::connect(at)?;
        stream.set_nodelay(true)?;
        let interest = Interest::READABLE | Interest::WRITABLE;
        self.registry
            .register(&mut stream, self.range.token(index), interest)?;
        Ok(stream)
    }

    /// Takes an event for one of our tokens: finishes a handshake, or
    /// returns the connection so the caller reads and flushes it. Events
    /// for freed tokens, and spurious ones, change nothing.
    pub(crate) fn on_event(&mut self, event: &Event) -> Option<ConnId> {
        let index = self.range.index(event.token())?;
        let socket = self.slots.get_mut(index)?.as_mut()?;
        let conn = socket.conn;
        if socket.dialing.is_some() {
            match handshake(&socket.stream)? {
                Ok(()) => {
                    socket.dialing = None;
                    self.happenings.push_back(Happening::Connected(conn));
                }
                Err(e) => {
                    self.next_address(index, e);
                    return None;
                }
            }
        }
        Some(conn)
    }

    /// The attempt at one address failed: on to the next, under the same
    /// token.
    fn next_address(&mut self, index: usize, error: io::Error) {
        let Some(socket) = self.detach(index) else {
            return;
        };
        match socket.dialing {
            Some(d) => {
                let last = Some(connect_error(&d.addr, d.at, &error));
                self.dial(index, socket.conn, d.addr, d.rest, socket.out, last);
            }
            None => self.pool.give_back(index),
        }
    }

    /// Reads what `conn` has into `buf`: `Some(n)` for `n` bytes, `None`
    /// once it would block or the connection is gone (closed by the peer
    /// or failed, which becomes a `Closed` happening).
    pub(crate) fn read(&mut self, conn: ConnId, buf: &mut [u8]) -> Option<usize> {
        let index = *self.by_conn.get(&conn)?;
        let socket = self.slots[index].as_mut()?;
        if socket.dialing.is_some() {
            return None;
        }
        loop {
            match socket.stream.read(buf) {
                Ok(0) => {
                    self.fail(index, "connection closed by the peer".to_owned());
                    return None;
                }
                Ok(n) => return Some(n),
                Err(e) if e.kind() == ErrorKind::WouldBlock => return None,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => {
                    self.fail(index, format!("read: {e}"));
                    return None;
                }
            }
        }
    }

    /// Queues `data` for `conn`; [`flush_written`](Self::flush_written)
    /// writes it, with whatever else comes before then, in one go.
    pub(crate) fn write(&mut self, conn: ConnId, data: Bytes) {
        let Some(&index) = self.by_conn.get(&conn) else {
            return;
        };
        if let Some(socket) = self.slots[index].as_mut() {
            socket.out.push(data);
            if !self.written.contains(&index) {
                self.written.push(index);
            }
        }
    }

    /// Writes what the sockets given bytes since the last call take.
    pub(crate) fn flush_written(&mut self) {
        let mut written = std::mem::take(&mut self.written);
        for index in written.drain(..) {
            self.flush_index(index);
        }
        self.written = written;
    }

    /// Writes what `conn` has queued, until done or the socket is full.
    pub(crate) fn flush(&mut self, conn: ConnId) {
        if let Some(&index) = self.by_conn.get(&conn) {
            self.flush_index(index);
        }
    }

    fn flush_index(&mut self, index: usize) {
        let Some(socket) = self.slots[index].as_mut() else {
            return;
        };
        if socket.dialing.is_some() {
            return;
        }
        if let Err(e) = socket.out.write_to(&mut socket.stream) {
            self.fail(index, format!("write: {e}"));
        }
    }

    /// Drops `conn` because the core asked to.
    pub(crate) fn close(&mut self, conn: ConnId) {
        if let Some(&index) = self.by_conn.get(&conn) {
            self.remove(index);
        }
    }

    /// Drops every socket.
    pub(crate) fn close_all(&mut self) {
        for index in 0..self.slots.len() {
            self.remove(index);
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.by_conn.is_empty()
    }

    /// Bytes queued for `conn`, for tests.
    #[cfg(test)]
    pub(crate) fn queued(&self, conn: ConnId) -> usize {
        let index = self.by_conn[&conn];
        self.slots[index].as_ref().map_or(0, |s| s.out.len())
    }

    /// Drops the socket at `index` and tells the core why.
    fn fail(&mut self, index: usize, reason: String) {
        if let Some(socket) = self.remove(index) {
            self.happenings
                .push_back(Happening::Closed(socket.conn, reason));
        }
    }

    /// Deregisters and forgets the socket at `index`, freeing its token.
    /// The socket closes when the returned value is dropped.
    fn remove(&mut self, index: usize) -> Option<Socket> {
        let socket = self.detach(index)?;
        self.pool.give_back(index);
        Some(socket)
    }

    /// Deregisters and forgets the socket at `index`; its token stays
    /// taken.
    fn detach(&mut self, index: usize) -> Option<Socket> {
        let mut socket = self.slots.get_mut(index)?.take()?;
        self.by_conn.remove(&socket.conn);
        // Deregistering fails only for a socket the registry does not
        // hold; closing it removes it from the poll set either way.
        let _ = self.registry.deregister(&mut socket.stream);
        Some(socket)
    }
}

impl Drop for Sockets {
    fn drop(&mut self) {
        self.close_all();
    }
}

/// Why connecting to `at`, one address of `addr`, failed. The core puts
/// `addr` in front of the reason, so `at` is named only when it differs
/// (a host name that resolved to it).
fn connect_error(addr: &BrokerAddress, at: SocketAddr, e: &io::Error) -> String {
    if addr.to_string() == at.to_string() {
        format!("cannot connect: {e}")
    } else {
        format!("cannot connect to {at}: {e}")
    }
}

/// The outcome of a non-blocking connect after an event for it, `None`
/// while it is still in progress (mio's recipe: `take_error`, then
/// `peer_addr`).
fn handshake(stream: &TcpStream) -> Option<io::Result<()>> {
    match stream.take_error() {
        Ok(Some(e)) | Err(e) => return Some(Err(e)),
        Ok(None) => {}
    }
    match stream.peer_addr() {
        Ok(_) => Some(Ok(())),
        Err(e) if still_connecting(&e) => None,
        Err(e) => Some(Err(e)),
    }
}

/// Whether `peer_addr` failed only because the connect is not done yet.
fn still_connecting(e: &io::Error) -> bool {
    #[cfg(unix)]
    if e.raw_os_error() == Some(libc::EINPROGRESS) {
        return true;
    }
    e.kind() == ErrorKind::NotConnected
}

#[cfg(test)]
#[allow(clippy::disallowed_methods)] // the peers run on threads
mod tests {
    use std::io::Read as _;
    use std::net::TcpListener;
    use std::thread;
    use std::time::{Duration, Instant};

    use mio::{Events, Poll, Token};

    use super::*;

    fn loopback(listener: &TcpListener) -> BrokerAddress {
        let port = listener.local_addr().expect("bound").port();
        BrokerAddress::new("127.0.0.1", port)
    }

    /// Polls and hands every event to `sockets` until `done` or 10 s.
    fn run(poll: &mut Poll, sockets: &mut Sockets, mut done: impl FnMut(&mut Sockets) -> bool) {
        let mut events = Events::with_capacity(16);
        let until = Instant::now() + Duration::from_secs(10);
        while !done(sockets) {
            assert!(Instant::now() < until, "timed out");
            poll.poll(&mut events, Some(Duration::from_millis(50)))
                .expect("poll");
            for event in &events {
                if let Some(conn) = sockets.on_event(event) {
                    sockets.flush(conn);
                }
            }
        }
    }

    #[test]
    fn a_connect_with_every_token_taken_fails_with_the_reason() {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let poll = Poll::new().expect("poll");
        let registry = poll.registry().try_clone().expect("registry");
        let mut sockets = Sockets::new(registry, TokenRange::new(Token(7), 1));
        sockets.connect(ConnId(1), loopback(&listener));
        assert_eq!(sockets.take_happening(), None, "the first one is dialing");
        sockets.connect(ConnId(2), loopback(&listener));
        let Some(Happening::ConnectFailed(ConnId(2), reason)) = sockets.take_happening() else {
            panic!("the second connect must fail");
        };
        assert!(
            reason.contains("no free mio token") && reason.contains("Token(7)..Token(8)"),
            "{reason}"
        );
        // Closing the first frees its token for the next.
        sockets.close(ConnId(1));
        sockets.connect(ConnId(3), loopback(&listener));
        assert_eq!(sockets.take_happening(), None);
    }

    #[test]
    fn a_refused_connect_reports_the_error() {
        let addr = loopback(&TcpListener::bind("127.0.0.1:0").expect("bind"));
        let mut poll = Poll::new().expect("poll");
        let registry = poll.registry().try_clone().expect("registry");
        let mut sockets = Sockets::new(registry, TokenRange::new(Token(0), 4));
        sockets.connect(ConnId(1), addr.clone());
        let mut failed = None;
        run(&mut poll, &mut sockets, |s| {
            failed = s.take_happening();
            failed.is_some()
        });
        let Some(Happening::ConnectFailed(ConnId(1), reason)) = failed else {
            panic!("{failed:?}");
        };
        assert!(reason.starts_with("cannot connect: "), "{reason}");
        assert!(reason.to_lowercase().contains("refused"), "{reason}");
        assert!(sockets.is_empty());
    }

    #[test]
    fn a_refused_address_gives_way_to_the_next_one() {
        let dead = loopback(&TcpListener::bind("127.0.0.1:0").expect("bind"));
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let live = loopback(&listener);
        let at = |a: &BrokerAddress| SocketAddr::from(([127, 0, 0, 1], a.port));
        let mut poll = Poll::new().expect("poll");
        let registry = poll.registry().try_clone().expect("registry");
        let mut sockets = Sockets::new(registry, TokenRange::new(Token(0), 1));
        let name = BrokerAddress::new("broker", 9092);
        sockets.connect_to(ConnId(4), name, vec![at(&dead), at(&live)]);
        let mut outcome = None;
        run(&mut poll, &mut sockets, |s| {
            outcome = s.take_happening();
            outcome.is_some()
        });
        assert_eq!(outcome, Some(Happening::Connected(ConnId(4))));
        assert!(listener.accept().is_ok());
    }

    #[test]
    fn a_large_write_to_a_slow_reader_arrives_whole_and_in_order() {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = loopback(&listener);
        let reader = thread::spawn(move || {
            let (mut peer, _) = listener.accept().expect("accept");
            // Let the producer's side fill up first.
            thread::sleep(Duration::from_millis(300));
            let mut got = Vec::new();
            let mut chunk = [0u8; 1000];
            loop {
                match peer.read(&mut chunk) {
                    Ok(0) | Err(_) => return got,
                    Ok(n) => got.extend_from_slice(&chunk[..n]),
                }
            }
        });
        let mut poll = Poll::new().expect("poll");
        let registry = poll.registry().try_clone().expect("registry");
        let mut sockets = Sockets::new(registry, TokenRange::new(Token(0), 1));
        let conn = ConnId(9);
        sockets.connect(conn, addr);
        run(&mut poll, &mut sockets, |s| {
            s.take_happening()
                .map(|h| assert_eq!(h, Happening::Connected(conn)))
                .is_some()
        });
        let expected: Vec<u8> = (0..16 << 20).map(|i: u32| (i % 251) as u8).collect();
        for chunk in expected.chunks(100_003) {
            sockets.write(conn, Bytes::copy_from_slice(chunk));
        }
        assert_eq!(
            sockets.queued(conn),
            expected.len(),
            "written only on flush"
        );
        sockets.flush_written();
        assert!(sockets.queued(conn) > 0, "the socket took only part of it");
        run(&mut poll, &mut sockets, |s| s.queued(conn) == 0);
        assert_eq!(sockets.take_happening(), None);
        sockets.close(conn);
        let got = reader.join().expect("reader");
        assert_eq!(got.len(), expected.len());
        assert!(got == expected, "bytes out of order");
    }
}
