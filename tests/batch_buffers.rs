//! What the producer does with the memory of the bytes it sends: a Produce
//! request hands its record batches over as they are (no copy into the
//! request), and a finished batch's buffer is built into again.
//!
//! Driven by hand against the simulated cluster, so that every `Write`
//! the producer emits can be looked at.

use std::collections::HashMap;
use std::time::Instant;

use kafka_sansio::producer::{ConnId, Input, Output, Producer, ProducerConfig, ProducerRecord};
use kafka_sansio::sim::{Cluster, ClusterConfig, START_UNIX_MS, SimConnId, Transmit};

/// A producer and one simulated broker, with the writes it made.
struct Rig {
    producer: Producer,
    cluster: Cluster,
    now: Instant,
    links: HashMap<ConnId, SimConnId>,
    back: HashMap<SimConnId, ConnId>,
    /// Each write's bytes (a copy: holding the producer's own would keep
    /// it from taking the buffer back) and where they were in memory.
    writes: Vec<(Vec<u8>, usize)>,
    delivered: usize,
}

impl Rig {
    fn new(properties: &[(&str, &str)]) -> Self {
        let mut cluster = Cluster::new(ClusterConfig::with_brokers(1));
        cluster.create_topic("t", 1, 1);
        let bootstrap = cluster.bootstrap_servers()[0].to_string();
        let mut props = vec![("bootstrap.servers", bootstrap.as_str())];
        props.extend_from_slice(properties);
        let config = ProducerConfig::from_properties(props).expect("config");
        #[allow(clippy::disallowed_methods)] // the epoch of a still clock
        let now = Instant::now();
        let producer = Producer::new(config, now, START_UNIX_MS).expect("producer");
        Rig {
            producer,
            cluster,
            now,
            links: HashMap::new(),
            back: HashMap::new(),
            writes: Vec::new(),
            delivered: 0,
        }
    }

    /// Carries out outputs and answers until neither is left.
    fn pump(&mut self) {
        loop {
            while let Some(output) = self.producer.poll_output() {
                match output {
                    Output::Connect { conn, addr, .. } => {
                        let sim = self.cluster.connect(&addr, self.now).expect("connect");
                        self.links.insert(conn, sim);
                        self.back.insert(sim, conn);
                        let input = Input::Connected { conn };
                        self.producer.handle_input(input, self.now);
                    }
                    Output::Write { conn, data } => {
                        self.cluster.receive(self.links[&conn], &data, self.now);
                        self.writes.push((data.to_vec(), data.as_ptr() as usize));
                    }
                    Output::Close { conn } => {
                        if let Some(sim) = self.links.remove(&conn) {
                            self.back.remove(&sim);
                            self.cluster.client_closed(sim);
                        }
                    }
                    Output::Delivery(report) => {
                        assert!(report.result.is_ok(), "{report:?}");
                        self.delivered += 1;
                    }
                    Output::Event(_) => {}
                }
            }
            let Some(transmit) = self.cluster.poll_transmit(self.now) else {
                break;
            };
            let Transmit::Data { conn, data } = transmit else {
                panic!("the broker closed a connection");
            };
            let input = Input::Received {
                conn: self.back[&conn],
                data: &data,
            };
            self.producer.handle_input(input, self.now);
        }
    }

    /// Sends `count` records of `size` bytes, flushes and waits for all
    /// reports; returns the writes made meanwhile.
    fn round(&mut self, count: usize, size: usize) -> Vec<(Vec<u8>, usize)> {
        self.writes.clear();
        let before = self.delivered;
        for i in 0..count {
            let value = vec![b'a' + (i % 26) as u8; size];
            self.producer
                .send(ProducerRecord::new("t", value), self.now)
                .expect("accepted");
        }
        self.producer.flush(self.now);
        self.pump();
        assert_eq!(self.delivered - before, count, "every record reported");
        std::mem::take(&mut self.writes)
    }
}

/// The write that carries the batch (the largest), and its place.
fn batch_write(writes: &[(Vec<u8>, usize)]) -> (usize, &[u8], usize) {
    let (at, (data, address)) = writes
        .iter()
        .enumerate()
        .max_by_key(|(_, (w, _))| w.len())
        .expect("writes");
    (at, data, *address)
}

#[test]
fn a_produce_request_hands_its_batch_over_uncopied() {
    let mut rig = Rig::new(&[("linger.ms", "0")]);
    rig.pump();
    let writes = rig.round(50, 100);
    let (at, batch, _) = batch_write(&writes);
    // The batch part is a whole record batch (magic 2 at byte 16), not a
    // request with a batch copied into it.
    assert!(batch.len() > 50 * 100, "{} bytes", batch.len());
    assert_eq!(batch[16], 2, "a record batch starts the part");
    let batch_length = i32::from_be_bytes(batch[8..12].try_into().unwrap());
    assert_eq!(batch.len(), 12 + batch_length as usize);
    // The part before starts the request, whose size prefix counts the
    // batch and the part after it.
    let (head, tail) = (&writes[at - 1].0, &writes[at + 1].0);
    let size = u32::from_be_bytes(head[..4].try_into().unwrap()) as usize;
    assert_eq!(head.len() + batch.len() + tail.len(), 4 + size);
}

/// The second batch is built in the first one's buffer, handed back when
/// the broker acknowledged it. Meanwhile the test takes an allocation of
/// the same size: had the first buffer been freed, the allocator would
/// hand that one out here, and the second batch would land elsewhere.
#[test]
fn a_finished_batch_buffer_is_built_into_again() {
    // One record per batch, larger than `batch.size`: its batch's buffer
    // is sized for it once and never grows.
    let mut rig = Rig::new(&[("linger.ms", "0"), ("batch.size", "1000")]);
    rig.pump();
    let writes = rig.round(1, 5000);
    let (_, batch, first) = batch_write(&writes);
    let squatter = vec![1u8; batch.len()];
    let (_, _, second) = batch_write(&rig.round(1, 5000));
    assert_eq!(second, first);
    assert_ne!(squatter.as_ptr() as usize, first);
}
