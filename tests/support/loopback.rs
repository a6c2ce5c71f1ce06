//! A simulated Kafka cluster served over loopback TCP, for the adapters'
//! tests: the core's `kafka_sansio::sim::Cluster` (feature `sim`), which
//! speaks the real wire protocol, behind real `std::net` listeners, one
//! per broker, with a thread per connection. Also peers that are no
//! broker (silent, or hanging up at once), addresses where nothing
//! listens, and a config with short timeouts.
//!
//! One file for every adapter's suite, each including it with
//! `#[path = "…/tests/support/loopback.rs"] mod loopback;`.
// Each suite uses part of it.
#![allow(dead_code)]
// The serving side of the tests: it opens sockets, starts threads, sleeps
// and reads the clock, which the adapters' clippy.toml may forbid for the
// adapter itself.
#![allow(clippy::disallowed_types, clippy::disallowed_methods)]

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use kafka_sansio::producer::{BrokerAddress, ProducerConfig};
use kafka_sansio::sim::{Cluster, ClusterConfig, SimConnId, StoredRecord, Transmit};

/// How the loopback brokers treat their sockets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    /// Read and write as fast as the sockets go.
    Plain,
    /// Write every response in pieces of this many bytes, so the client
    /// reads each frame in several chunks.
    Chunked(usize),
    /// Write every response one byte at a time, with a pause between.
    Dribble,
    /// Wait a while before reading each connection, then read slowly, so
    /// a large request fills the socket buffers.
    SlowReader,
    /// Accept, read and discard, never answer: requests time out.
    Silent,
    /// Close every connection as soon as it is accepted.
    HangUp,
}

impl Style {
    /// Writes one response as this style does; stops at the first error
    /// (the connection is gone).
    fn write(self, mut out: &TcpStream, data: &[u8]) {
        let (piece, pause) = match self {
            Style::Chunked(n) => (n, Duration::ZERO),
            Style::Dribble => (1, Duration::from_micros(100)),
            _ => (data.len().max(1), Duration::ZERO),
        };
        for chunk in data.chunks(piece) {
            if out.write_all(chunk).is_err() {
                return;
            }
            if !pause.is_zero() {
                thread::sleep(pause);
            }
        }
    }
}

struct Shared {
    cluster: Cluster,
    /// The open connections, by the cluster's id for them.
    streams: HashMap<SimConnId, TcpStream>,
    /// The threads serving connections, joined on drop.
    servers: Vec<JoinHandle<()>>,
    accepted: usize,
    /// Connections on which the client's EOF (or an error) was seen
    /// while the broker still had them open.
    closed_by_client: usize,
    /// Why the cluster closed connections, in order.
    closed_by_broker: Vec<String>,
    /// Bytes read from clients, over every connection (silent ones too).
    received: usize,
    /// Set on drop: the accept loops end and accept nothing more.
    stopped: bool,
}

/// The lock, even if a serving thread panicked holding it (its test
/// fails anyway; the rest should still shut down).
fn lock(shared: &Mutex<Shared>) -> MutexGuard<'_, Shared> {
    shared.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A `kafka_sansio::sim::Cluster` behind real loopback listeners, one per
/// broker, each connection served by a thread. Dropping it shuts down
/// every connection and ends every thread it started.
pub struct LoopbackCluster {
    bootstrap: String,
    addrs: Vec<SocketAddr>,
    /// The topics created at start, as (name, partitions).
    topics: Vec<(String, i32)>,
    shared: Arc<Mutex<Shared>>,
    acceptors: Vec<JoinHandle<()>>,
}

impl LoopbackCluster {
    /// `brokers` brokers; `topics` as (name, partitions), replicated on
    /// every broker; batches up to 16 MiB.
    pub fn start(brokers: u32, topics: &[(&str, i32)], style: Style) -> Self {
        assert!(style != Style::Chunked(0), "pieces of at least one byte");
        let mut config = ClusterConfig::with_brokers(brokers);
        config.max_message_bytes = 16 << 20;
        let mut cluster = Cluster::new(config);
        let mut listeners = Vec::new();
        for id in cluster.broker_ids() {
            let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
            let addr = listener.local_addr().expect("local addr");
            cluster.set_broker_address(id, BrokerAddress::new("127.0.0.1", addr.port()));
            listeners.push((listener, addr));
        }
        for (name, partitions) in topics {
            cluster.create_topic(name, *partitions, brokers as i32);
        }
        let addrs: Vec<SocketAddr> = listeners.iter().map(|(_, addr)| *addr).collect();
        let bootstrap = addrs
            .iter()
            .map(SocketAddr::to_string)
            .collect::<Vec<_>>()
            .join(",");
        let shared = Arc::new(Mutex::new(Shared {
            cluster,
            streams: HashMap::new(),
            servers: Vec::new(),
            accepted: 0,
            closed_by_client: 0,
            closed_by_broker: Vec::new(),
            received: 0,
            stopped: false,
        }));
        let acceptors = listeners
            .into_iter()
            .map(|(listener, addr)| {
                let shared = Arc::clone(&shared);
                let addr = BrokerAddress::new("127.0.0.1", addr.port());
                thread::spawn(move || accept_loop(&listener, &addr, &shared, style))
            })
            .collect();
        LoopbackCluster {
            bootstrap,
            addrs,
            topics: topics.iter().map(|(t, n)| (t.to_string(), *n)).collect(),
            shared,
            acceptors,
        }
    }

    /// The brokers' `host:port`s, comma-separated, for `bootstrap.servers`.
    pub fn bootstrap(&self) -> String {
        self.bootstrap.clone()
    }

    /// The records of one partition.
    pub fn log(&self, topic: &str, partition: i32) -> Vec<StoredRecord> {
        lock(&self.shared).cluster.log(topic, partition).to_vec()
    }

    /// The records of every partition of `topic` (created at start),
    /// partition by partition.
    pub fn records(&self, topic: &str) -> Vec<StoredRecord> {
        let (_, partitions) = self
            .topics
            .iter()
            .find(|(name, _)| name == topic)
            .expect("a topic created at start");
        let s = lock(&self.shared);
        (0..*partitions)
            .flat_map(|p| s.cluster.log(topic, p).to_vec())
            .collect()
    }

    /// Connections accepted, and those the client has closed.
    pub fn connections(&self) -> (usize, usize) {
        let s = lock(&self.shared);
        (s.accepted, s.closed_by_client)
    }

    /// Why the cluster closed connections, in order: empty unless a
    /// broker refused something (an unreadable request, say).
    pub fn closes(&self) -> Vec<String> {
        lock(&self.shared).closed_by_broker.clone()
    }

    /// Bytes read from clients so far, over every connection: whether
    /// anything was written even to a [`Style::Silent`] peer.
    pub fn received(&self) -> usize {
        lock(&self.shared).received
    }
}

impl Drop for LoopbackCluster {
    /// Stops accepting, shuts down every connection (which ends its
    /// thread), wakes each accept loop with a connect so it sees the stop,
    /// and joins every thread.
    fn drop(&mut self) {
        let servers = {
            let mut s = lock(&self.shared);
            s.stopped = true;
            for (_, stream) in s.streams.drain() {
                let _ = stream.shutdown(Shutdown::Both);
            }
            std::mem::take(&mut s.servers)
        };
        for addr in &self.addrs {
            let _ = TcpStream::connect(addr);
        }
        for thread in self.acceptors.drain(..).chain(servers) {
            let _ = thread.join();
        }
    }
}

fn accept_loop(
    listener: &TcpListener,
    addr: &BrokerAddress,
    shared: &Arc<Mutex<Shared>>,
    style: Style,
) {
    for stream in listener.incoming() {
        let mut s = lock(shared);
        if s.stopped {
            return;
        }
        let Ok(stream) = stream else { continue };
        s.accepted += 1;
        if style == Style::HangUp {
            continue; // dropped: closed
        }
        let Ok(conn) = s.cluster.connect(addr, Instant::now()) else {
            continue; // dropped: refused
        };
        stream.set_nodelay(true).expect("nodelay");
        s.streams.insert(conn, stream.try_clone().expect("clone"));
        let serving = Arc::clone(shared);
        let server = thread::spawn(move || serve(conn, stream, &serving, style));
        s.servers.push(server);
    }
}

/// Feeds what the client sends to the cluster and writes back what it
/// answers, until the client (or the cluster, or drop) closes.
fn serve(conn: SimConnId, mut stream: TcpStream, shared: &Mutex<Shared>, style: Style) {
    let mut buf = vec![0u8; 64 * 1024];
    if style == Style::SlowReader {
        thread::sleep(Duration::from_millis(300));
    }
    loop {
        let n = match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if style == Style::SlowReader {
            thread::sleep(Duration::from_millis(2));
        }
        let mut s = lock(shared);
        s.received += n;
        if style == Style::Silent {
            continue;
        }
        let now = Instant::now();
        s.cluster.receive(conn, &buf[..n], now);
        while let Some(transmit) = s.cluster.poll_transmit(now) {
            let target = transmit.conn();
            match transmit {
                Transmit::Data { data, .. } => {
                    if let Some(out) = s.streams.get(&target) {
                        style.write(out, &data);
                    }
                }
                Transmit::Closed { reason, .. } => {
                    s.closed_by_broker.push(reason.to_string());
                    if let Some(out) = s.streams.remove(&target) {
                        let _ = out.shutdown(Shutdown::Both);
                    }
                }
            }
        }
    }
    let mut s = lock(shared);
    if s.streams.remove(&conn).is_some() {
        s.closed_by_client += 1;
    }
    s.cluster.client_closed(conn);
}

/// A peer that accepts connections but is no broker: with
/// `close_at_once` it closes each one at once ([`Style::HangUp`]),
/// otherwise it reads and never answers ([`Style::Silent`]).
pub fn listener(close_at_once: bool) -> LoopbackCluster {
    let style = if close_at_once {
        Style::HangUp
    } else {
        Style::Silent
    };
    LoopbackCluster::start(1, &[], style)
}

/// A loopback `host:port` where nothing listens (a port just freed).
pub fn dead_address() -> String {
    dead_addresses(1).remove(0)
}

/// `n` different loopback `host:port`s where nothing listens: all are
/// bound before any is freed, so no two are the same port.
pub fn dead_addresses(n: usize) -> Vec<String> {
    let listeners: Vec<TcpListener> = (0..n)
        .map(|_| TcpListener::bind("127.0.0.1:0").expect("bind"))
        .collect();
    listeners
        .iter()
        .map(|l| l.local_addr().expect("local addr").to_string())
        .collect()
}

/// A config for `bootstrap` with short timeouts, so that failures show
/// within seconds (`delivery.timeout.ms` 1500, `request.timeout.ms` 1000,
/// `linger.ms` 0, reconnect and retry backoffs 20 to 100 ms), plus
/// `extra`.
pub fn quick_config(bootstrap: &str, extra: &[(&str, &str)]) -> ProducerConfig {
    let mut props = vec![
        ("bootstrap.servers", bootstrap),
        ("delivery.timeout.ms", "1500"),
        ("request.timeout.ms", "1000"),
        ("linger.ms", "0"),
        ("reconnect.backoff.ms", "20"),
        ("reconnect.backoff.max.ms", "100"),
        ("retry.backoff.ms", "20"),
        ("retry.backoff.max.ms", "100"),
    ];
    props.extend_from_slice(extra);
    ProducerConfig::from_properties(props).expect("valid config")
}
