//! A small blocking driver for the sans-IO [`Producer`], for the tests and
//! the demo against a real cluster (the adapters under `adapters/` are
//! what applications use): it carries out the producer's outputs with
//! `std::net` sockets, feeds back what the network did, and sleeps until
//! the next thing happens: bytes from a reader thread (one per connection)
//! or the producer's own deadline. Time is `Instant::now()`.
#![allow(clippy::disallowed_types, clippy::disallowed_methods)] // the I/O side
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, TcpStream, ToSocketAddrs};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use kafka_sansio::producer::{
    BrokerAddress, ConnId, DeliveryReport, Event, Input, Output, Producer, ProducerConfig,
    ProducerRecord, RecordId,
};
use kafka_sansio::sim::Happening;

/// What a reader thread saw on its connection.
enum Net {
    Data(ConnId, Vec<u8>),
    Closed(ConnId, String),
}

/// A [`Producer`] wired to real sockets.
pub struct Driver {
    producer: Producer,
    connect_timeout: Duration,
    streams: BTreeMap<ConnId, TcpStream>,
    tx: Sender<Net>,
    rx: Receiver<Net>,
    start: Instant,
    reports: Vec<DeliveryReport>,
    events: Vec<(Duration, Event)>,
    timeline: Vec<(Duration, Happening)>,
}

impl Driver {
    /// A producer built from `config`, its first outputs carried out.
    pub fn new(config: ProducerConfig) -> Driver {
        let start = Instant::now();
        let unix_ms = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
        let connect_timeout = config.connection_setup_timeout;
        let producer = Producer::new(config, start, unix_ms.as_millis() as i64).expect("config");
        let (tx, rx) = mpsc::channel();
        let mut d = Driver {
            producer,
            connect_timeout,
            streams: BTreeMap::new(),
            tx,
            rx,
            start,
            reports: Vec::new(),
            events: Vec::new(),
            timeline: Vec::new(),
        };
        d.carry_out();
        d
    }

    /// Hands a record to the producer; panics if it is refused.
    pub fn send(&mut self, record: ProducerRecord) -> RecordId {
        let id = self.producer.send(record, Instant::now());
        let id = id.unwrap_or_else(|e| panic!("send refused: {e}"));
        self.carry_out();
        id
    }

    /// Runs the loop for `d`, whatever happens.
    pub fn run_for(&mut self, d: Duration) {
        let until = Instant::now() + d;
        while Instant::now() < until {
            self.wait(until);
        }
    }

    /// Runs until every accepted record has its report, or `limit` passes.
    /// Returns true when it went idle.
    pub fn run_until_idle(&mut self, limit: Duration) -> bool {
        let until = Instant::now() + limit;
        while self.producer.buffered_records() > 0 {
            if Instant::now() >= until {
                return false;
            }
            self.wait(until);
        }
        true
    }

    /// The delivery reports so far, in the order they came.
    pub fn reports(&self) -> &[DeliveryReport] {
        &self.reports
    }

    /// The events so far, with the time since the driver started.
    pub fn events(&self) -> &[(Duration, Event)] {
        &self.events
    }

    /// Events, reports and connects in the order they happened, with the
    /// time since the driver started (the shape the simulator's harness
    /// records).
    pub fn timeline(&self) -> &[(Duration, Happening)] {
        &self.timeline
    }

    /// Time since the driver started.
    pub fn elapsed(&self) -> Duration {
        self.start.elapsed()
    }

    /// The producer, to inspect.
    pub fn producer(&self) -> &Producer {
        &self.producer
    }

    /// Waits for network input or the producer's deadline (at most until
    /// `until`), feeds what came, then lets the producer act.
    fn wait(&mut self, until: Instant) {
        let wake = self
            .producer
            .poll_timeout()
            .map_or(until, |t| t.at.min(until));
        match self
            .rx
            .recv_timeout(wake.saturating_duration_since(Instant::now()))
        {
            Ok(first) => {
                self.feed(first);
                while let Ok(more) = self.rx.try_recv() {
                    self.feed(more);
                }
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => unreachable!("the driver holds a sender"),
        }
        self.producer.handle_timeout(Instant::now());
        self.carry_out();
    }

    /// Hands one network happening to the producer, unless its connection
    /// is already gone on our side.
    fn feed(&mut self, net: Net) {
        let now = Instant::now();
        match net {
            Net::Data(conn, data) if self.streams.contains_key(&conn) => {
                let input = Input::Received { conn, data: &data };
                self.producer.handle_input(input, now);
            }
            Net::Closed(conn, reason) if self.streams.remove(&conn).is_some() => {
                self.producer
                    .handle_input(Input::Closed { conn, reason }, now);
            }
            _ => {}
        }
        self.carry_out();
    }

    /// Carries out every output the producer has, including the ones that
    /// carrying out the others produce.
    fn carry_out(&mut self) {
        while let Some(out) = self.producer.poll_output() {
            let now = Instant::now();
            match out {
                Output::Connect { conn, addr, .. } => {
                    let result = self.connect(conn, &addr);
                    let happening = Happening::Connect {
                        conn,
                        addr: addr.to_string(),
                        accepted: result.is_ok(),
                    };
                    self.timeline.push((now - self.start, happening));
                    let input = match result {
                        Ok(()) => Input::Connected { conn },
                        Err(reason) => Input::ConnectFailed { conn, reason },
                    };
                    self.producer.handle_input(input, now);
                }
                Output::Write { conn, data } => {
                    let Some(stream) = self.streams.get_mut(&conn) else {
                        continue;
                    };
                    if let Err(e) = stream.write_all(&data) {
                        let _ = stream.shutdown(Shutdown::Both);
                        self.streams.remove(&conn);
                        let reason = format!("write: {e}");
                        self.producer
                            .handle_input(Input::Closed { conn, reason }, now);
                    }
                }
                Output::Close { conn } => {
                    if let Some(stream) = self.streams.remove(&conn) {
                        let _ = stream.shutdown(Shutdown::Both);
                    }
                }
                Output::Delivery(report) => {
                    let happening = Happening::Delivery(report.clone());
                    self.timeline.push((now - self.start, happening));
                    self.reports.push(report);
                }
                Output::Event(event) => {
                    let happening = Happening::Event(event.clone());
                    self.timeline.push((now - self.start, happening));
                    self.events.push((now - self.start, event));
                }
            }
        }
    }

    /// Opens the connection and starts its reader thread.
    fn connect(&mut self, conn: ConnId, addr: &BrokerAddress) -> Result<(), String> {
        let candidates = (addr.host.as_str(), addr.port).to_socket_addrs();
        let candidates = candidates.map_err(|e| format!("resolve {addr}: {e}"))?;
        let mut last = format!("{addr} resolved to no address");
        for sock in candidates {
            match TcpStream::connect_timeout(&sock, self.connect_timeout) {
                Ok(stream) => {
                    stream.set_nodelay(true).map_err(|e| e.to_string())?;
                    let reader = stream.try_clone().map_err(|e| e.to_string())?;
                    let tx = self.tx.clone();
                    std::thread::spawn(move || read_loop(conn, reader, &tx));
                    self.streams.insert(conn, stream);
                    return Ok(());
                }
                Err(e) => last = format!("connect {sock}: {e}"),
            }
        }
        Err(last)
    }
}

impl Drop for Driver {
    /// Closes every socket, so the reader threads end.
    fn drop(&mut self) {
        for stream in self.streams.values() {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }
}

/// Forwards whatever arrives on `stream` until EOF or an error.
fn read_loop(conn: ConnId, mut stream: TcpStream, tx: &Sender<Net>) {
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let net = match stream.read(&mut buf) {
            Ok(0) => Net::Closed(conn, "EOF".to_owned()),
            Ok(n) => Net::Data(conn, buf[..n].to_vec()),
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => Net::Closed(conn, format!("read: {e}")),
        };
        let last = matches!(net, Net::Closed(..));
        if tx.send(net).is_err() || last {
            return;
        }
    }
}
