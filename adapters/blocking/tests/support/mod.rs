//! Test helpers: configs with short timeouts, addresses where nothing
//! listens, and a simulated Kafka broker served over loopback TCP.
#![allow(dead_code)] // each test file uses some of them

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Instant;

use kafka_sansio::producer::BrokerAddress;
use kafka_sansio::sim::{Cluster, ClusterConfig, SimConnId, StoredRecord, Transmit};
use kafka_sansio_blocking::ProducerConfig;

/// A loopback address where nothing listens (a port just freed).
pub fn dead_address() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("local addr");
    drop(listener);
    addr.to_string()
}

/// A config for `bootstrap` with short timeouts (`delivery.timeout.ms`
/// 1500, `request.timeout.ms` 1000, `linger.ms` 0), plus `extra`.
pub fn quick_config(bootstrap: &str, extra: &[(&str, &str)]) -> ProducerConfig {
    let mut props = vec![
        ("bootstrap.servers", bootstrap),
        ("delivery.timeout.ms", "1500"),
        ("request.timeout.ms", "1000"),
        ("linger.ms", "0"),
    ];
    props.extend_from_slice(extra);
    ProducerConfig::from_properties(props).expect("valid config")
}

/// One simulated broker (the core's `sim::Cluster`, speaking the real
/// protocol) listening on a loopback port. It writes its responses in
/// chunks of `chunk` bytes, so the producer reads frames in pieces.
pub struct SimBroker {
    addr: BrokerAddress,
    inner: Arc<Mutex<Inner>>,
    stop: Arc<AtomicBool>,
}

struct Inner {
    cluster: Cluster,
    streams: HashMap<SimConnId, TcpStream>,
    chunk: usize,
}

impl SimBroker {
    /// A broker with these topics (name, partitions).
    pub fn start(topics: &[(&str, i32)], chunk: usize) -> SimBroker {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("local addr").port();
        let addr = BrokerAddress::new("127.0.0.1", port);
        let mut cluster = Cluster::new(ClusterConfig::with_brokers(1));
        cluster.set_broker_address(1, addr.clone());
        for (name, partitions) in topics {
            cluster.create_topic(name, *partitions, 1);
        }
        let inner = Arc::new(Mutex::new(Inner {
            cluster,
            streams: HashMap::new(),
            chunk,
        }));
        let stop = Arc::new(AtomicBool::new(false));
        let (inner2, stop2, addr2) = (Arc::clone(&inner), Arc::clone(&stop), addr.clone());
        thread::spawn(move || accept_loop(&listener, &inner2, &stop2, &addr2));
        SimBroker { addr, inner, stop }
    }

    /// `host:port`, for `bootstrap.servers`.
    pub fn bootstrap(&self) -> String {
        self.addr.to_string()
    }

    /// The records in a partition's log.
    pub fn log(&self, topic: &str, partition: i32) -> Vec<StoredRecord> {
        let inner = self.inner.lock().expect("sim lock");
        inner.cluster.log(topic, partition).to_vec()
    }
}

impl Drop for SimBroker {
    /// Ends every connection and the accept loop (woken by a connect).
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Ok(inner) = self.inner.lock() {
            for stream in inner.streams.values() {
                let _ = stream.shutdown(Shutdown::Both);
            }
        }
        let _ = TcpStream::connect(self.bootstrap());
    }
}

fn accept_loop(
    listener: &TcpListener,
    inner: &Arc<Mutex<Inner>>,
    stop: &AtomicBool,
    addr: &BrokerAddress,
) {
    for stream in listener.incoming() {
        if stop.load(Ordering::SeqCst) {
            return;
        }
        let Ok(stream) = stream else { continue };
        stream.set_nodelay(true).expect("nodelay");
        let mut guard = inner.lock().expect("sim lock");
        let conn = guard
            .cluster
            .connect(addr, Instant::now())
            .expect("broker is up");
        guard
            .streams
            .insert(conn, stream.try_clone().expect("clone"));
        drop(guard);
        let inner = Arc::clone(inner);
        thread::spawn(move || serve(conn, stream, &inner));
    }
}

/// Feeds the cluster what the client writes and writes back its answers.
fn serve(conn: SimConnId, mut stream: TcpStream, inner: &Mutex<Inner>) {
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let mut guard = inner.lock().expect("sim lock");
        let now = Instant::now();
        guard.cluster.receive(conn, &buf[..n], now);
        while let Some(transmit) = guard.cluster.poll_transmit(now) {
            let Inner { streams, chunk, .. } = &mut *guard;
            let Some(out) = streams.get_mut(&transmit.conn()) else {
                continue;
            };
            match transmit {
                Transmit::Data { data, .. } => {
                    for piece in data.chunks(*chunk) {
                        if out.write_all(piece).is_err() {
                            break;
                        }
                    }
                }
                Transmit::Closed { .. } => {
                    let _ = out.shutdown(Shutdown::Both);
                }
            }
        }
    }
    let mut guard = inner.lock().expect("sim lock");
    guard.cluster.client_closed(conn);
    guard.streams.remove(&conn);
}
