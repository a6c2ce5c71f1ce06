//! A simulated Kafka cluster served over loopback TCP, for the adapters'
//! tests: the core's `kafka_sansio::sim::Cluster` (feature `sim`), which
//! speaks the real wire protocol, behind real `std::net` listeners, one
//! per broker, with a thread per connection. Also peers that are no
//! broker (silent, or hanging up at once), a broker that mangles its
//! answers to one API ([`Hostile`]), addresses where nothing listens, and
//! a config with short timeouts.
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

use bytes::{Bytes, BytesMut};
use kafka_sansio::producer::{BrokerAddress, ProducerConfig};
use kafka_sansio::protocol::frame::{decode_response, encode_response};
use kafka_sansio::protocol::{
    ApiKey, ApiVersionsResponse, FrameReader, LeaderIdAndEpoch, MetadataResponse,
    MetadataResponseBroker, ProduceResponse, RequestHeader, Uuid,
};
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
    fn write(self, out: &TcpStream, data: &[u8]) {
        match self {
            Style::Chunked(n) => paced_write(out, data, n, Duration::ZERO),
            Style::Dribble => paced_write(out, data, 1, Duration::from_micros(100)),
            _ => paced_write(out, data, data.len().max(1), Duration::ZERO),
        }
    }
}

/// Writes `data` in pieces of `piece` bytes with `pause` after each;
/// stops at the first error (the connection is gone).
fn paced_write(mut out: &TcpStream, data: &[u8], piece: usize, pause: Duration) {
    for chunk in data.chunks(piece) {
        if out.write_all(chunk).is_err() {
            return;
        }
        if !pause.is_zero() {
            thread::sleep(pause);
        }
    }
}

/// One broker of a [`LoopbackCluster`] that mangles its answers to one
/// API: a broken or malicious peer the producer must survive. The cluster
/// still applies every request (a Produce request is appended to the log
/// however it is answered), and answers to other APIs are untouched.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hostile {
    /// The broker (its node id).
    pub broker: i32,
    /// The API whose answers it mangles.
    pub api: ApiKey,
    /// How.
    pub act: Hostility,
}

/// How a [`Hostile`] broker answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hostility {
    /// Bytes that are no Kafka at all (an HTTP error page, as a peer on
    /// the wrong port sends), then nothing more.
    Garbage,
    /// The answer's size prefix and half of what follows, then a close.
    Truncated,
    /// This size prefix (2 GiB, negative, ...) and a few bytes, then
    /// nothing more: no body follows.
    SizePrefix(i32),
    /// The answer under another correlation id (the next one).
    WrongCorrelationId,
    /// A well-formed answer of another API under the right correlation
    /// id: a Metadata response (an ApiVersions one to a Metadata request).
    OtherApi,
    /// The answer re-encoded at another version of its API (v8 when the
    /// request was v9 or later, else v12), under the right correlation id.
    /// Produce answers only.
    OtherVersion,
    /// No answer at all.
    Silence,
    /// The right answer one byte at a time, spread over this long.
    Trickle(Duration),
}

/// An HTTP server's answer to bytes it does not understand: what a
/// [`Hostility::Garbage`] broker sends.
const HTTP_ERROR: &[u8] = b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";

/// What the cluster answered, and what a broker does with it.
enum Action {
    Write(Arc<TcpStream>, Bytes),
    /// A close the cluster decided.
    Shutdown(Arc<TcpStream>),
}

/// The requests read on one connection of a [`Hostile`] broker, by
/// correlation id, so it knows which API each answer is for.
#[derive(Default)]
struct RequestLog {
    frames: Option<FrameReader>,
    apis: HashMap<i32, (ApiKey, i16)>,
}

impl RequestLog {
    fn push(&mut self, data: &[u8]) {
        let frames = self
            .frames
            .get_or_insert_with(|| FrameReader::new(64 << 20));
        frames.push(data);
        while let Ok(Some(frame)) = frames.next_frame() {
            let Some(api) = RequestHeader::peek_api(&frame) else {
                continue;
            };
            if let Some(id) = frame.get(4..8) {
                let id = i32::from_be_bytes(id.try_into().expect("4 bytes"));
                self.apis.insert(id, api);
            }
        }
    }

    /// The API and version of the request `answer` (a whole frame)
    /// answers.
    fn answered_by(&mut self, answer: &[u8]) -> Option<(ApiKey, i16)> {
        let id = i32::from_be_bytes(answer.get(4..8)?.try_into().ok()?);
        self.apis.remove(&id)
    }
}

impl Hostile {
    /// Writes `answer` (a whole frame, to a request of its API in
    /// `version`) the hostile way; true when the connection is to be
    /// closed.
    fn answer(&self, out: &TcpStream, version: i16, answer: &[u8]) -> bool {
        let api = self.api;
        let correlation_id = i32::from_be_bytes(answer[4..8].try_into().expect("4 bytes"));
        let write = |data: &[u8]| paced_write(out, data, data.len().max(1), Duration::ZERO);
        match self.act {
            Hostility::Garbage => write(HTTP_ERROR),
            Hostility::Truncated => {
                write(&answer[..4 + (answer.len() - 4) / 2]);
                return true;
            }
            Hostility::SizePrefix(size) => {
                let mut data = size.to_be_bytes().to_vec();
                data.extend_from_slice(&answer[4..answer.len().min(16)]);
                write(&data);
            }
            Hostility::WrongCorrelationId => {
                let mut data = answer.to_vec();
                data[4..8].copy_from_slice(&correlation_id.wrapping_add(1).to_be_bytes());
                write(&data);
            }
            Hostility::OtherApi => write(&other_api_answer(api, correlation_id)),
            Hostility::OtherVersion => {
                assert_eq!(api, ApiKey::PRODUCE, "OtherVersion mangles Produce answers");
                let body = Bytes::copy_from_slice(&answer[4..]);
                let (_, mut produce) = decode_response::<ProduceResponse>(body, version)
                    .expect("the cluster's answer");
                let other = if version >= 9 { 8 } else { 12 };
                // What the other version cannot carry goes.
                produce.node_endpoints.clear();
                for topic in &mut produce.responses {
                    topic.topic_id = Uuid::default();
                    for partition in &mut topic.partition_responses {
                        partition.current_leader = LeaderIdAndEpoch::default();
                    }
                }
                let mut buf = BytesMut::new();
                encode_response(&mut buf, correlation_id, other, &produce).expect("encodable");
                write(&buf);
            }
            Hostility::Silence => {}
            Hostility::Trickle(over) => {
                let pause = over / answer.len().max(1) as u32;
                paced_write(out, answer, 1, pause);
            }
        }
        false
    }
}

/// A well-formed answer of an API other than `api`, under
/// `correlation_id`: a Metadata response naming one broker, or to a
/// Metadata request an ApiVersions response.
fn other_api_answer(api: ApiKey, correlation_id: i32) -> BytesMut {
    let mut buf = BytesMut::new();
    if api == ApiKey::METADATA {
        let versions = ApiVersionsResponse::default();
        encode_response(&mut buf, correlation_id, 3, &versions).expect("encodable");
    } else {
        let metadata = MetadataResponse {
            brokers: vec![MetadataResponseBroker {
                node_id: 1,
                host: "127.0.0.1".to_owned(),
                port: 9092,
                ..MetadataResponseBroker::default()
            }],
            cluster_id: Some("hostile".to_owned()),
            controller_id: 1,
            ..MetadataResponse::default()
        };
        encode_response(&mut buf, correlation_id, 12, &metadata).expect("encodable");
    }
    buf
}

struct Shared {
    cluster: Cluster,
    /// The open connections, by the cluster's id for them.
    streams: HashMap<SimConnId, Arc<TcpStream>>,
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
    /// The accept loops, each handing back its listener when it ends.
    acceptors: Vec<JoinHandle<TcpListener>>,
}

impl LoopbackCluster {
    /// `brokers` brokers; `topics` as (name, partitions), replicated on
    /// every broker; batches up to 16 MiB.
    pub fn start(brokers: u32, topics: &[(&str, i32)], style: Style) -> Self {
        Self::serve(brokers, topics, style, None)
    }

    /// As [`start`](Self::start) with [`Style::Plain`] sockets, one broker
    /// of which mangles its answers to one API.
    pub fn with_hostile(brokers: u32, topics: &[(&str, i32)], hostile: Hostile) -> Self {
        Self::serve(brokers, topics, Style::Plain, Some(hostile))
    }

    fn serve(brokers: u32, topics: &[(&str, i32)], style: Style, hostile: Option<Hostile>) -> Self {
        assert!(style != Style::Chunked(0), "pieces of at least one byte");
        let mut config = ClusterConfig::with_brokers(brokers);
        config.max_message_bytes = 16 << 20;
        let mut cluster = Cluster::new(config);
        let mut listeners = Vec::new();
        for id in cluster.broker_ids() {
            let listener = fresh_listener();
            let addr = listener.local_addr().expect("local addr");
            cluster.set_broker_address(id, BrokerAddress::new("127.0.0.1", addr.port()));
            let hostile = hostile.filter(|h| h.broker == id);
            listeners.push((listener, addr, hostile));
        }
        assert!(
            hostile.is_none_or(|h| listeners.iter().any(|(_, _, mine)| *mine == Some(h))),
            "the hostile broker is one of the cluster's"
        );
        for (name, partitions) in topics {
            cluster.create_topic(name, *partitions, brokers as i32);
        }
        let addrs: Vec<SocketAddr> = listeners.iter().map(|(_, addr, _)| *addr).collect();
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
            .map(|(listener, addr, hostile)| {
                let shared = Arc::clone(&shared);
                let addr = BrokerAddress::new("127.0.0.1", addr.port());
                let serving = Serving { style, hostile };
                thread::spawn(move || {
                    accept_loop(&listener, &addr, &shared, serving);
                    listener
                })
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

    /// Whether one partition's records hold exactly `values`, whole and in
    /// order (a plain answer: a failed comparison of large values would
    /// print them all).
    pub fn holds_values(&self, topic: &str, partition: i32, values: &[Vec<u8>]) -> bool {
        let log = self.log(topic, partition);
        log.len() == values.len()
            && log
                .iter()
                .zip(values)
                .all(|(record, value)| record.value.as_deref() == Some(value.as_slice()))
    }

    /// The partition count of `topic`, one created at start.
    fn partition_count(&self, topic: &str) -> i32 {
        self.topics
            .iter()
            .find(|(name, _)| name == topic)
            .map(|&(_, partitions)| partitions)
            .expect("a topic created at start")
    }

    /// The records of every partition of `topic` (created at start),
    /// partition by partition.
    pub fn records(&self, topic: &str) -> Vec<StoredRecord> {
        let s = lock(&self.shared);
        (0..self.partition_count(topic))
            .flat_map(|p| s.cluster.log(topic, p).to_vec())
            .collect()
    }

    /// Each value of `topic` (created at start) stored more than once,
    /// with where and under which producer id, epoch and sequence each
    /// copy went in: what a duplicate's cause is read from. Empty when no
    /// value is stored twice.
    pub fn duplicates(&self, topic: &str) -> Vec<String> {
        let s = lock(&self.shared);
        let mut copies: HashMap<Option<Bytes>, Vec<String>> = HashMap::new();
        for p in 0..self.partition_count(topic) {
            for r in s.cluster.log(topic, p) {
                copies.entry(r.value.clone()).or_default().push(format!(
                    "partition {p} offset {} producer {} epoch {} sequence {}",
                    r.offset, r.producer_id, r.producer_epoch, r.sequence
                ));
            }
        }
        let mut twice: Vec<String> = copies
            .into_iter()
            .filter(|(_, at)| at.len() > 1)
            .map(|(value, at)| format!("{value:?} at {}", at.join("; ")))
            .collect();
        twice.sort();
        twice
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

    /// `host:port` of the `index`-th broker (from 0, in node id order).
    pub fn address(&self, index: usize) -> String {
        self.addrs[index].to_string()
    }

    /// The leader of a partition.
    pub fn leader(&self, topic: &str, partition: i32) -> Option<i32> {
        lock(&self.shared).cluster.leader(topic, partition)
    }

    /// Moves a partition's leadership to broker `to` (see
    /// `Cluster::move_leader`); false when that is not possible.
    pub fn move_leader(&self, topic: &str, partition: i32, to: i32) -> bool {
        lock(&self.shared).cluster.move_leader(topic, partition, to)
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
        for thread in self.acceptors.drain(..) {
            if let Ok(listener) = thread.join() {
                ports().parked.push(listener);
            }
        }
        for thread in servers {
            let _ = thread.join();
        }
    }
}

/// The loopback ports this test process has used, kept from reuse.
///
/// A test's producer can outlive its cluster (a failed assertion, a
/// close still running in the background) and go on reconnecting to the
/// cluster's ports. Were one of them freed, the next cluster could be
/// given it, and that producer's records would land in another test's
/// log (seen in CI as 1003 records stored for 1000 sent; reproduced
/// under load, every extra record was under a producer id the test's own
/// producer never had). So a cluster's
/// listeners are parked, not closed, when it is dropped: the stray
/// producer's connections wait unaccepted and time out. Ports handed out
/// as dead stay dead: no cluster listens on one.
struct Ports {
    parked: Vec<TcpListener>,
    dead: Vec<u16>,
}

fn ports() -> MutexGuard<'static, Ports> {
    static PORTS: Mutex<Ports> = Mutex::new(Ports {
        parked: Vec::new(),
        dead: Vec::new(),
    });
    PORTS.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A listener on a loopback port that no dead address of this process
/// names. (Ports in use are never handed out; a freed dead one may be.)
fn fresh_listener() -> TcpListener {
    // Held until a fresh port is found, so the next bind gets another.
    let mut dead_ones = Vec::new();
    loop {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("local addr").port();
        if !ports().dead.contains(&port) {
            return listener;
        }
        dead_ones.push(listener);
    }
}

/// How one broker's listener serves its connections.
#[derive(Clone, Copy)]
struct Serving {
    style: Style,
    hostile: Option<Hostile>,
}

fn accept_loop(
    listener: &TcpListener,
    addr: &BrokerAddress,
    shared: &Arc<Mutex<Shared>>,
    serving: Serving,
) {
    for stream in listener.incoming() {
        let mut s = lock(shared);
        if s.stopped {
            return;
        }
        let Ok(stream) = stream else { continue };
        s.accepted += 1;
        if serving.style == Style::HangUp {
            continue; // dropped: closed
        }
        let Ok(conn) = s.cluster.connect(addr, Instant::now()) else {
            continue; // dropped: refused
        };
        stream.set_nodelay(true).expect("nodelay");
        s.streams
            .insert(conn, Arc::new(stream.try_clone().expect("clone")));
        let shared = Arc::clone(shared);
        let server = thread::spawn(move || serve(conn, stream, &shared, serving));
        s.servers.push(server);
    }
}

/// Feeds what the client sends to the cluster and writes back what it
/// answers, until the client (or the cluster, or drop) closes. Answers
/// are written outside the lock, so a slow one holds up only its own
/// connection.
fn serve(conn: SimConnId, mut stream: TcpStream, shared: &Mutex<Shared>, serving: Serving) {
    let Serving { style, hostile } = serving;
    let mut buf = vec![0u8; 64 * 1024];
    let mut requests = RequestLog::default();
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
        let actions = {
            let mut s = lock(shared);
            s.received += n;
            if style == Style::Silent {
                continue;
            }
            if hostile.is_some() {
                requests.push(&buf[..n]);
            }
            answer(&mut s, conn, &buf[..n])
        };
        for action in actions {
            match action {
                Action::Write(out, data) => {
                    let target = hostile.and_then(|h| {
                        let (api, version) = requests.answered_by(&data)?;
                        (api == h.api).then_some((h, version))
                    });
                    let Some((hostile, version)) = target else {
                        style.write(&out, &data);
                        continue;
                    };
                    if hostile.answer(&out, version, &data) {
                        let mut s = lock(shared);
                        s.closed_by_broker.push(format!("{:?}", hostile.act));
                        s.streams.remove(&conn);
                        let _ = out.shutdown(Shutdown::Both);
                    }
                }
                Action::Shutdown(out) => {
                    let _ = out.shutdown(Shutdown::Both);
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

/// Hands the cluster what arrived on `conn` and collects what it answers
/// (with the stream to write it to) and the closes it decides.
fn answer(s: &mut Shared, conn: SimConnId, data: &[u8]) -> Vec<Action> {
    let now = Instant::now();
    s.cluster.receive(conn, data, now);
    let mut actions = Vec::new();
    while let Some(transmit) = s.cluster.poll_transmit(now) {
        let target = transmit.conn();
        match transmit {
            Transmit::Data { data, .. } => {
                if let Some(out) = s.streams.get(&target) {
                    actions.push(Action::Write(Arc::clone(out), data));
                }
            }
            Transmit::Closed { reason, .. } => {
                s.closed_by_broker.push(reason.to_string());
                if let Some(out) = s.streams.remove(&target) {
                    actions.push(Action::Shutdown(out));
                }
            }
        }
    }
    actions
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

/// A loopback `host:port` where nothing listens, now or later in this
/// test process (a port just freed, which no cluster will take).
pub fn dead_address() -> String {
    dead_addresses(1).remove(0)
}

/// `n` different loopback `host:port`s where nothing listens: all are
/// bound before any is freed, so no two are the same port.
pub fn dead_addresses(n: usize) -> Vec<String> {
    let listeners: Vec<TcpListener> = (0..n).map(|_| fresh_listener()).collect();
    let addrs: Vec<SocketAddr> = listeners
        .iter()
        .map(|l| l.local_addr().expect("local addr"))
        .collect();
    ports().dead.extend(addrs.iter().map(SocketAddr::port));
    addrs.iter().map(SocketAddr::to_string).collect()
}

/// `count` values of `len` bytes each, all different, so that a log holding
/// them can be told from one holding them cut, mixed or out of order.
pub fn distinct_values(count: u8, len: u32) -> Vec<Vec<u8>> {
    (0..count)
        .map(|i| (0..len).map(|j| (j % 251) as u8 ^ i).collect())
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
