//! What the benchmarks share: payloads like the Java perf tool's, and
//! [`CorePath`], which drives the producer the way an adapter does with a
//! broker that acknowledges every Produce request at once.

#![allow(dead_code)] // each bench target uses a part
#![allow(clippy::disallowed_methods)] // Instant::now once, as the epoch of a still clock

use std::collections::{HashMap, VecDeque};
use std::time::Instant;

use bytes::{Bytes, BytesMut};
use kafka_sansio::producer::{
    ConnId, Input, Output, Producer, ProducerConfig, ProducerRecord, SendErrorReason, Sendable,
};
use kafka_sansio::protocol::frame::{decode_request, encode_response};
use kafka_sansio::protocol::produce::PartitionProduceResponse;
use kafka_sansio::protocol::{ApiKey, ProduceRequest, ProduceResponse, RequestHeader};
use kafka_sansio::sim::{Cluster, ClusterConfig, START_UNIX_MS, SimConnId, Transmit};

/// The record sizes the targets name.
pub const RECORD_SIZES: [usize; 2] = [100, 1024];

/// The topic every bench produces to.
pub const TOPIC: &str = "bench";

/// `len` random uppercase letters, seeded: the payload ProducerPerformance
/// sends (so compressors see the same entropy as there).
pub fn payload(len: usize) -> Bytes {
    payloads(len).next().expect("endless")
}

/// Endless distinct payloads like [`payload`]'s, seeded: a batch of them
/// gives a compressor what a batch from ProducerPerformance gives it (one
/// value repeated would compress to almost nothing, and fast).
pub fn payloads(len: usize) -> impl Iterator<Item = Bytes> {
    let mut rng = fastrand::Rng::with_seed(7);
    std::iter::repeat_with(move || {
        (0..len)
            .map(|_| rng.u8(b'A'..=b'Z'))
            .collect::<Vec<u8>>()
            .into()
    })
}

/// A producer on one simulated broker whose Produce requests are answered
/// by the bench itself, at once and without storing anything (the
/// simulator keeps every record, which would measure it and grow without
/// bound). Everything else (ApiVersions, Metadata, InitProducerId) goes to
/// the simulator. Time stands still: batches go out when full, and the last
/// one on [`CorePath::settle`].
pub struct CorePath {
    /// The producer under measurement.
    pub producer: Producer,
    cluster: Cluster,
    now: Instant,
    links: HashMap<ConnId, SimConnId>,
    back: HashMap<SimConnId, ConnId>,
    /// Responses waiting to be fed to the producer, in order.
    answers: VecDeque<(ConnId, Bytes)>,
    /// Parts of a request written so far, per connection.
    inbound: HashMap<ConnId, BytesMut>,
    next_offset: HashMap<i32, i64>,
    /// Records reported delivered so far.
    pub delivered: u64,
    /// Whether an adapter-like `poll_timeout` follows each call, as every
    /// adapter does to arm its timer.
    pub poll_timeout: bool,
    /// Called with `true` when the bench's broker starts work and `false`
    /// when it is done, so a measurement can leave the broker out.
    pub broker_hook: fn(bool),
}

impl CorePath {
    /// A producer for [`TOPIC`] with `partitions` partitions, configured by
    /// `properties` (Java keys) on top of `acks=all`, idempotence and
    /// `linger.ms=5`; metadata is fetched and the producer id obtained.
    pub fn new(partitions: i32, properties: &[(&str, &str)]) -> Self {
        let mut cluster = Cluster::new(ClusterConfig::with_brokers(1));
        cluster.create_topic(TOPIC, partitions, 1);
        let bootstrap = cluster.bootstrap_servers()[0].to_string();
        let mut props = vec![
            ("bootstrap.servers", bootstrap.as_str()),
            ("acks", "all"),
            ("enable.idempotence", "true"),
            ("linger.ms", "5"),
        ];
        props.extend_from_slice(properties);
        let config = ProducerConfig::from_properties(props).expect("bench config");
        let now = Instant::now();
        let producer = Producer::new(config, now, START_UNIX_MS).expect("bench producer");
        let mut path = CorePath {
            producer,
            cluster,
            now,
            links: HashMap::new(),
            back: HashMap::new(),
            answers: VecDeque::new(),
            inbound: HashMap::new(),
            next_offset: HashMap::new(),
            delivered: 0,
            poll_timeout: true,
            broker_hook: |_| {},
        };
        // One record makes the producer learn the topic and get its id.
        path.send(ProducerRecord::new(TOPIC, "warm-up"));
        path.settle();
        path
    }

    /// Sends one record as an adapter would: `send`, carry out the
    /// outputs, feed back the answers; on a full buffer, settle and retry.
    pub fn send<R: Sendable>(&mut self, mut record: R) {
        loop {
            match self.producer.send(record, self.now) {
                Ok(_) => break,
                Err(e) if matches!(e.reason, SendErrorReason::BufferFull { .. }) => {
                    record = *e.record;
                    self.pump();
                    if self.producer.buffered_records() > 0 {
                        self.producer.flush(self.now);
                        self.pump();
                    }
                }
                Err(e) => panic!("send failed: {}", e.reason),
            }
        }
        self.pump();
    }

    /// Sends what is buffered and waits for every report.
    pub fn settle(&mut self) {
        self.producer.flush(self.now);
        self.pump();
        assert_eq!(self.producer.buffered_records(), 0, "records left unsent");
    }

    /// Carries out outputs and feeds answers until neither is left.
    pub fn pump(&mut self) {
        loop {
            // As the adapters take them: reports lent, one per record.
            loop {
                let output = self.producer.poll_output_with(|report| {
                    assert!(report.result.is_ok(), "bench record failed: {report:?}");
                    self.delivered += 1;
                });
                let Some(output) = output else { break };
                self.carry_out(output);
            }
            let Some((conn, data)) = self.answers.pop_front() else {
                break;
            };
            let input = Input::Received { conn, data: &data };
            self.producer.handle_input(input, self.now);
        }
        if self.poll_timeout {
            std::hint::black_box(self.producer.poll_timeout());
        }
    }

    fn carry_out(&mut self, output: Output) {
        match output {
            Output::Connect { conn, addr, .. } => match self.cluster.connect(&addr, self.now) {
                Ok(sim) => {
                    self.links.insert(conn, sim);
                    self.back.insert(sim, conn);
                    self.producer
                        .handle_input(Input::Connected { conn }, self.now);
                }
                Err(e) => {
                    let reason = format!("{e:?}");
                    let input = Input::ConnectFailed { conn, reason };
                    self.producer.handle_input(input, self.now);
                }
            },
            Output::Write { conn, data } => self.write(conn, data),
            Output::Close { conn } => {
                if let Some(sim) = self.links.remove(&conn) {
                    self.back.remove(&sim);
                    self.cluster.client_closed(sim);
                }
            }
            // Not returned: reports go to `pump`'s closure.
            Output::Delivery(_) => {}
            Output::Event(_) => {}
        }
    }

    /// Bytes the producer wrote: a whole request, or a part of one (a
    /// Produce request comes as its parts, the batches apart).
    fn write(&mut self, conn: ConnId, data: Bytes) {
        (self.broker_hook)(true);
        let mut inbound = self.inbound.remove(&conn).unwrap_or_default();
        if inbound.is_empty() && frame_len(&data) == Some(data.len()) {
            self.broker_write(conn, data);
        } else {
            // Put together as a socket would: the copy the producer no
            // longer makes.
            inbound.extend_from_slice(&data);
            while let Some(len) = frame_len(&inbound).filter(|&len| len <= inbound.len()) {
                let frame = inbound.split_to(len).freeze();
                self.broker_write(conn, frame);
            }
        }
        self.inbound.insert(conn, inbound);
        (self.broker_hook)(false);
    }

    /// One whole request frame, size prefix included.
    fn broker_write(&mut self, conn: ConnId, data: Bytes) {
        let frame = data.slice(4..);
        if RequestHeader::peek_api(&frame).is_some_and(|(api, _)| api == ApiKey::PRODUCE) {
            let answer = self.acknowledge(frame);
            self.answers.push_back((conn, answer));
            return;
        }
        let sim = self.links[&conn];
        self.cluster.receive(sim, &data, self.now);
        // The simulator answers at once (no response delay is set): taking
        // its answers now keeps them in request order with ours.
        while let Some(transmit) = self.cluster.poll_transmit(self.now) {
            match transmit {
                Transmit::Data { conn, data } => self.answers.push_back((self.back[&conn], data)),
                Transmit::Closed { reason, .. } => panic!("simulator closed: {reason:?}"),
            }
        }
    }

    /// The success answer to a Produce request, offsets counted per
    /// partition.
    fn acknowledge(&mut self, frame: Bytes) -> Bytes {
        let (header, request) = decode_request::<ProduceRequest>(frame).expect("produce request");
        let response = ProduceResponse::answering(&request, |p| {
            let records = p.records.as_deref().unwrap_or_default();
            // lastOffsetDelta sits at bytes 23..27 of a batch.
            let count = 1 + i64::from(i32::from_be_bytes(
                records[23..27].try_into().expect("batch header"),
            ));
            let next = self.next_offset.entry(p.index).or_default();
            let base_offset = *next;
            *next += count;
            PartitionProduceResponse {
                index: p.index,
                base_offset,
                ..PartitionProduceResponse::default()
            }
        });
        let mut out = BytesMut::new();
        encode_response(
            &mut out,
            header.correlation_id,
            header.api_version,
            &response,
        )
        .expect("produce response");
        out.freeze()
    }
}

/// The length of the frame `data` starts with, size prefix included, once
/// the prefix is there.
fn frame_len(data: &[u8]) -> Option<usize> {
    let prefix = data.get(..4)?.try_into().expect("four bytes");
    Some(4 + u32::from_be_bytes(prefix) as usize)
}
