//! Test helpers: a simulated Kafka cluster served over real loopback
//! sockets, silent and closing listeners, and a mio loop around a
//! `MioProducer`.
#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use kafka_sansio::producer::BrokerAddress;
use kafka_sansio::sim::{Cluster, ClusterConfig, SimConnId, StoredRecord, Transmit};
use kafka_sansio_mio::mio::{Events, Poll, Token};
use kafka_sansio_mio::{
    DeliveryReport, Event, MioProducer, ProducerConfig, ProducerRecord, TokenRange,
};

/// How the loopback brokers treat their sockets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    /// Read and write as fast as the sockets go.
    Plain,
    /// Write every response one byte at a time, with a pause between.
    Dribble,
    /// Wait a while before reading each connection, then read slowly.
    SlowReader,
}

struct Shared {
    cluster: Cluster,
    streams: HashMap<SimConnId, TcpStream>,
    accepted: usize,
    /// Connections on which the client's EOF was seen.
    client_closed: usize,
}

/// A `kafka_sansio::sim::Cluster` behind real loopback listeners, one per
/// broker, each connection served by a thread.
pub struct LoopbackCluster {
    pub bootstrap: String,
    shared: Arc<Mutex<Shared>>,
}

impl LoopbackCluster {
    /// `brokers` brokers; `topics` as (name, partitions), replicated on
    /// every broker.
    pub fn start(brokers: u32, topics: &[(&str, i32)], style: Style) -> Self {
        let mut config = ClusterConfig::with_brokers(brokers);
        config.max_message_bytes = 16 << 20;
        let mut cluster = Cluster::new(config);
        let mut listeners = Vec::new();
        for id in cluster.broker_ids() {
            let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
            let port = listener.local_addr().expect("addr").port();
            cluster.set_broker_address(id, BrokerAddress::new("127.0.0.1", port));
            listeners.push((listener, BrokerAddress::new("127.0.0.1", port)));
        }
        for (name, partitions) in topics {
            cluster.create_topic(name, *partitions, brokers as i32);
        }
        let bootstrap = listeners
            .iter()
            .map(|(_, a)| a.to_string())
            .collect::<Vec<_>>()
            .join(",");
        let shared = Arc::new(Mutex::new(Shared {
            cluster,
            streams: HashMap::new(),
            accepted: 0,
            client_closed: 0,
        }));
        for (listener, addr) in listeners {
            let shared = Arc::clone(&shared);
            thread::spawn(move || accept_loop(&listener, &addr, &shared, style));
        }
        LoopbackCluster { bootstrap, shared }
    }

    /// The records of one partition.
    pub fn log(&self, topic: &str, partition: i32) -> Vec<StoredRecord> {
        self.shared
            .lock()
            .unwrap()
            .cluster
            .log(topic, partition)
            .to_vec()
    }

    /// Connections accepted, and those the client has closed.
    pub fn connections(&self) -> (usize, usize) {
        let s = self.shared.lock().unwrap();
        (s.accepted, s.client_closed)
    }
}

fn accept_loop(
    listener: &TcpListener,
    addr: &BrokerAddress,
    shared: &Arc<Mutex<Shared>>,
    style: Style,
) {
    for stream in listener.incoming() {
        let Ok(stream) = stream else { return };
        stream.set_nodelay(true).expect("nodelay");
        let mut s = shared.lock().unwrap();
        s.accepted += 1;
        let Ok(conn) = s.cluster.connect(addr, Instant::now()) else {
            continue; // dropped: refused
        };
        s.streams.insert(conn, stream.try_clone().expect("clone"));
        drop(s);
        let shared = Arc::clone(shared);
        thread::spawn(move || serve(conn, stream, &shared, style));
    }
}

/// Feeds what the client sends to the cluster and writes back what it
/// answers, until the client closes.
fn serve(conn: SimConnId, mut stream: TcpStream, shared: &Mutex<Shared>, style: Style) {
    let mut buf = vec![0u8; 64 * 1024];
    if style == Style::SlowReader {
        thread::sleep(Duration::from_millis(300));
    }
    loop {
        let n = match stream.read(&mut buf) {
            Ok(0) | Err(_) => {
                let mut s = shared.lock().unwrap();
                s.client_closed += 1;
                s.cluster.client_closed(conn);
                s.streams.remove(&conn);
                return;
            }
            Ok(n) => n,
        };
        if style == Style::SlowReader {
            thread::sleep(Duration::from_millis(2));
        }
        let mut s = shared.lock().unwrap();
        let now = Instant::now();
        s.cluster.receive(conn, &buf[..n], now);
        while let Some(transmit) = s.cluster.poll_transmit(now) {
            let target = transmit.conn();
            let Some(mut out) = s.streams.get(&target).and_then(|t| t.try_clone().ok()) else {
                continue;
            };
            match transmit {
                Transmit::Data { data, .. } if style == Style::Dribble => {
                    for byte in data.iter() {
                        let _ = out.write_all(&[*byte]);
                        thread::sleep(Duration::from_micros(100));
                    }
                }
                Transmit::Data { data, .. } => {
                    let _ = out.write_all(&data);
                }
                Transmit::Closed { .. } => {
                    let _ = out.shutdown(Shutdown::Both);
                }
            }
        }
    }
}

/// A port nothing listens on.
pub fn dead_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").port()
}

/// A listener that accepts and then either says nothing (keeping the
/// connections) or closes at once. Returns its port and a count of the
/// connections it accepted and then saw closed by the client.
pub fn listener(close_at_once: bool) -> (u16, Arc<Mutex<(usize, usize)>>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let seen = Arc::new(Mutex::new((0, 0)));
    let counts = Arc::clone(&seen);
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            counts.lock().unwrap().0 += 1;
            if close_at_once {
                continue;
            }
            let counts = Arc::clone(&counts);
            thread::spawn(move || {
                let mut sink = [0u8; 4096];
                while matches!(stream.read(&mut sink), Ok(n) if n > 0) {}
                counts.lock().unwrap().1 += 1;
            });
        }
    });
    (port, seen)
}

/// Short timeouts, so that failures show within seconds.
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
    ProducerConfig::from_properties(props).expect("config")
}

pub const PRODUCER_TOKENS: TokenRange = TokenRange::new(Token(100), 16);

/// A mio loop serving one producer, keeping its reports and events.
pub struct Looper {
    pub poll: Poll,
    events: Events,
    pub producer: MioProducer,
    pub reports: Vec<DeliveryReport>,
    pub seen: Arc<Mutex<Vec<Event>>>,
}

impl Looper {
    pub fn new(config: ProducerConfig) -> Self {
        Self::with_tokens(config, PRODUCER_TOKENS)
    }

    pub fn with_tokens(config: ProducerConfig, tokens: TokenRange) -> Self {
        let poll = Poll::new().expect("poll");
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&seen);
        let producer = MioProducer::builder(config)
            .on_event(move |e| sink.lock().unwrap().push(e.clone()))
            .build(poll.registry(), tokens)
            .expect("producer");
        Looper {
            poll,
            events: Events::with_capacity(64),
            producer,
            reports: Vec::new(),
            seen,
        }
    }

    pub fn send(&mut self, record: ProducerRecord) {
        self.producer.send(record).expect("accepted");
    }

    /// One iteration: poll (at most `cap`), events, timers, reports.
    /// Returns the tokens of the events that were not the producer's.
    pub fn turn(&mut self, cap: Duration) -> Vec<Token> {
        let timeout = self.producer.timeout().map_or(cap, |t| t.min(cap));
        self.poll
            .poll(&mut self.events, Some(timeout))
            .expect("poll");
        let mut foreign = Vec::new();
        for event in &self.events {
            if !self.producer.handle_event(event) {
                foreign.push(event.token());
            }
        }
        self.producer.handle_timeout();
        while let Some(report) = self.producer.poll_report() {
            self.reports.push(report);
        }
        foreign
    }

    /// Runs until `done` or `limit`; returns whether `done` came.
    pub fn run_until(&mut self, limit: Duration, mut done: impl FnMut(&mut Self) -> bool) -> bool {
        let until = Instant::now() + limit;
        while !done(self) {
            if Instant::now() >= until {
                return false;
            }
            self.turn(Duration::from_millis(100));
        }
        true
    }

    pub fn events(&self) -> Vec<Event> {
        self.seen.lock().unwrap().clone()
    }
}
