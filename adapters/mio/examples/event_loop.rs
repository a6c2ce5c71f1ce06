//! One mio loop serving the Kafka producer next to the program's own
//! sockets: a small TCP line server whose lines become records.
//!
//! ```sh
//! cargo run -p kafka-sansio-mio --example event_loop -- \
//!     --bootstrap 127.0.0.1:9092 --topic lines --listen 127.0.0.1:7070
//! ```
//!
//! Each line a client sends is a record: `KEY VALUE` (split at the first
//! space) or, without a space, a value with no key; the headers say which
//! client sent it and its line number. A line `.quit` shuts down: the
//! server stops, the producer closes (delivering what it holds), and the
//! program prints what was delivered. `--generate N` also sends N keyed
//! records of its own and shuts down once they are all reported.

use std::collections::{HashMap, VecDeque};
use std::error::Error;
use std::io::{self, ErrorKind, Read};
use std::net::SocketAddr;
use std::time::Duration;

use kafka_sansio_mio::mio::event::Event as MioEvent;
use kafka_sansio_mio::mio::net::{TcpListener, TcpStream};
use kafka_sansio_mio::mio::{Events, Interest, Poll, Registry, Token};
use kafka_sansio_mio::{
    DeliveryReport, Event, MioProducer, ProducerConfig, ProducerRecord, SendErrorReason, TokenRange,
};

/// The line server's listener; its clients take tokens from 1 up.
const LISTENER: Token = Token(0);
/// The producer's tokens, well clear of the clients'.
const PRODUCER_TOKENS: TokenRange = TokenRange::new(Token(1 << 20), 64);
/// Lines held while the producer's buffer is full; past this many, the
/// server stops reading its clients until the backlog drains.
const BACKLOG_HIGH: usize = 10_000;

struct Options {
    bootstrap: String,
    topic: String,
    listen: SocketAddr,
    generate: usize,
}

fn options() -> Result<Options, Box<dyn Error>> {
    let mut o = Options {
        bootstrap: "127.0.0.1:9092".to_owned(),
        topic: "lines".to_owned(),
        listen: "127.0.0.1:7070".parse()?,
        generate: 0,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or(format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--bootstrap" => o.bootstrap = value,
            "--topic" => o.topic = value,
            "--listen" => o.listen = value.parse()?,
            "--generate" => o.generate = value.parse()?,
            _ => return Err(format!("unknown option {flag}").into()),
        }
    }
    Ok(o)
}

/// One connected client of the line server.
struct Client {
    stream: TcpStream,
    peer: String,
    partial: Vec<u8>,
    lines: u64,
}

/// The program's own part of the loop: the line server, and the records
/// waiting for room in the producer's buffer.
struct LineServer {
    topic: String,
    listener: Option<TcpListener>,
    clients: HashMap<Token, Client>,
    next_token: usize,
    backlog: VecDeque<ProducerRecord>,
    quit: bool,
}

impl LineServer {
    fn handle(&mut self, registry: &Registry, event: &MioEvent) -> io::Result<()> {
        if event.token() == LISTENER {
            return self.accept(registry);
        }
        if self.backlog.len() < BACKLOG_HIGH {
            self.read(registry, event.token());
        }
        Ok(())
    }

    fn accept(&mut self, registry: &Registry) -> io::Result<()> {
        let Some(listener) = &self.listener else {
            return Ok(());
        };
        loop {
            let (mut stream, peer) = match listener.accept() {
                Ok(accepted) => accepted,
                Err(e) if e.kind() == ErrorKind::WouldBlock => return Ok(()),
                Err(e) => return Err(e),
            };
            let token = Token(self.next_token);
            self.next_token += 1;
            registry.register(&mut stream, token, Interest::READABLE)?;
            let client = Client {
                stream,
                peer: peer.to_string(),
                partial: Vec::new(),
                lines: 0,
            };
            self.clients.insert(token, client);
        }
    }

    /// Reads a client until it would block, turning its lines into
    /// records; drops it at EOF or on an error.
    fn read(&mut self, registry: &Registry, token: Token) {
        let Some(client) = self.clients.get_mut(&token) else {
            return;
        };
        let mut buf = [0u8; 4096];
        let gone = loop {
            match client.stream.read(&mut buf) {
                Ok(0) => break true,
                Ok(n) => client.partial.extend_from_slice(&buf[..n]),
                Err(e) if e.kind() == ErrorKind::WouldBlock => break false,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(_) => break true,
            }
        };
        while let Some(end) = client.partial.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = client.partial.drain(..=end).collect();
            let line = String::from_utf8_lossy(&line).trim_end().to_owned();
            client.lines += 1;
            if line == ".quit" {
                self.quit = true;
            } else if !line.is_empty() {
                let record = line_record(&self.topic, &line, &client.peer, client.lines);
                self.backlog.push_back(record);
            }
        }
        if gone {
            if let Some(mut client) = self.clients.remove(&token) {
                let _ = registry.deregister(&mut client.stream);
            }
        }
    }

    /// Resumes reading the clients once the backlog has room again: their
    /// readable edges came while reading was paused and will not repeat.
    fn resume(&mut self, registry: &Registry) {
        if self.backlog.len() < BACKLOG_HIGH / 2 {
            let tokens: Vec<Token> = self.clients.keys().copied().collect();
            for token in tokens {
                self.read(registry, token);
            }
        }
    }

    fn shut(&mut self, registry: &Registry) {
        if let Some(mut listener) = self.listener.take() {
            let _ = registry.deregister(&mut listener);
        }
        for (_, mut client) in self.clients.drain() {
            let _ = registry.deregister(&mut client.stream);
        }
    }
}

fn line_record(topic: &str, line: &str, peer: &str, number: u64) -> ProducerRecord {
    let record = match line.split_once(' ') {
        Some((key, value)) => ProducerRecord::new(topic, value.to_owned()).key(key.to_owned()),
        None => ProducerRecord::new(topic, line.to_owned()),
    };
    record
        .header("client", Some(peer.to_owned().into()))
        .header("line", Some(number.to_string().into()))
}

fn generated_record(topic: &str, i: usize) -> ProducerRecord {
    ProducerRecord::new(topic, format!("record-{i}"))
        .key(format!("key-{}", i % 100))
        .header("source", Some("generator".into()))
        .header("seq", Some(i.to_string().into()))
}

/// Hands the backlog to the producer until its buffer is full.
fn pump(producer: &mut MioProducer, backlog: &mut VecDeque<ProducerRecord>) {
    while let Some(record) = backlog.pop_front() {
        if let Err(e) = producer.send(record) {
            if matches!(e.reason, SendErrorReason::BufferFull { .. }) {
                backlog.push_front(e.into_record());
            } else {
                eprintln!("record refused: {e}");
            }
            return;
        }
    }
}

#[derive(Default)]
struct Tally {
    delivered: u64,
    failed: u64,
}

impl Tally {
    fn count(&mut self, report: &DeliveryReport) {
        match &report.result {
            Ok(_) => self.delivered += 1,
            Err(e) => {
                self.failed += 1;
                eprintln!("record {} failed: {e}", report.id.0);
            }
        }
        if (self.delivered + self.failed) % 1000 == 0 {
            eprintln!("{} delivered, {} failed", self.delivered, self.failed);
        }
    }
}

fn main() -> Result<(), Box<dyn Error>> {
    let o = options()?;
    let mut poll = Poll::new()?;
    let mut events = Events::with_capacity(256);

    let mut listener = TcpListener::bind(o.listen)?;
    poll.registry()
        .register(&mut listener, LISTENER, Interest::READABLE)?;
    let mut server = LineServer {
        topic: o.topic.clone(),
        listener: Some(listener),
        clients: HashMap::new(),
        next_token: 1,
        backlog: (0..o.generate)
            .map(|i| generated_record(&o.topic, i))
            .collect(),
        quit: false,
    };

    let config = ProducerConfig::from_properties([
        ("bootstrap.servers", o.bootstrap.as_str()),
        ("linger.ms", "5"),
    ])?;
    let mut producer = MioProducer::builder(config)
        .on_event(|event| match event {
            Event::ConnectionReady { .. } | Event::ConnectionLost { .. } | Event::Fatal(_) => {
                eprintln!("{event:?}")
            }
            _ => {}
        })
        .build(poll.registry(), PRODUCER_TOKENS)?;
    eprintln!("listening on {}; send `.quit` to stop", o.listen);

    let mut tally = Tally::default();
    let mut closing = false;
    while !producer.is_closed() {
        poll.poll(&mut events, producer.timeout())?;
        for event in events.iter() {
            if !producer.handle_event(event) {
                server.handle(poll.registry(), event)?;
            }
        }
        producer.handle_timeout();
        while let Some(report) = producer.poll_report() {
            tally.count(&report);
        }

        // The program's own work last, so that `is_closed` is checked
        // right after `close`: a closed producer has no timeout, and a
        // poll with none would wait for an event that never comes.
        if !closing {
            pump(&mut producer, &mut server.backlog);
            server.resume(poll.registry());
            let generated_all = o.generate > 0
                && server.backlog.is_empty()
                && tally.delivered + tally.failed >= o.generate as u64;
            if server.quit || generated_all {
                server.shut(poll.registry());
                // Lines still in the backlog never reached the producer;
                // say so rather than drop them silently.
                if !server.backlog.is_empty() {
                    eprintln!("{} lines not sent", server.backlog.len());
                }
                producer.close(Duration::from_secs(30));
                closing = true;
            }
        }
    }
    let stats = producer.stats();
    println!(
        "{} delivered, {} failed ({} produce requests, {} retries)",
        tally.delivered, tally.failed, stats.produce_requests, stats.batch_retries
    );
    Ok(())
}
