//! Brokers on loopback for the tests: none at all, one that never
//! answers, one that hangs up at once, and the core's simulated cluster
//! behind real sockets. They run on plain threads, outside any runtime.
#![allow(clippy::disallowed_types, clippy::disallowed_methods)]

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use kafka_sansio::sim::{Cluster, ClusterConfig, SimConnId, StoredRecord, Transmit};
use kafka_sansio_async::BrokerAddress;

/// `127.0.0.1:port` where nothing listens (bound, then released).
pub fn dead_address() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("local addr").port();
    drop(listener);
    format!("127.0.0.1:{port}")
}

/// Accepts connections on a loopback port until dropped, handing each to
/// the handler on its own thread.
pub struct Server {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    accepted: Arc<AtomicUsize>,
}

impl Server {
    pub fn start(handler: impl Fn(TcpStream) + Send + Sync + 'static) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("local addr");
        let stop = Arc::new(AtomicBool::new(false));
        let accepted = Arc::new(AtomicUsize::new(0));
        let handler = Arc::new(handler);
        let (stop2, accepted2) = (stop.clone(), accepted.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stop2.load(Ordering::SeqCst) {
                    return;
                }
                let Ok(stream) = stream else { continue };
                accepted2.fetch_add(1, Ordering::SeqCst);
                let handler = handler.clone();
                std::thread::spawn(move || handler(stream));
            }
        });
        Server {
            addr,
            stop,
            accepted,
        }
    }

    /// A server that reads and never answers, counting bytes and closes.
    pub fn silent() -> (Server, Arc<Counters>) {
        let counters = Arc::new(Counters::default());
        let c = counters.clone();
        let server = Server::start(move |mut stream| {
            let mut buf = [0; 4096];
            while let Ok(n @ 1..) = stream.read(&mut buf) {
                c.bytes.fetch_add(n, Ordering::SeqCst);
            }
            c.closed.fetch_add(1, Ordering::SeqCst);
        });
        (server, counters)
    }

    /// A server that hangs up as soon as it accepts.
    pub fn hanging_up() -> Server {
        Server::start(drop)
    }

    pub fn address(&self) -> String {
        self.addr.to_string()
    }

    pub fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop so it sees the flag.
        let _ = TcpStream::connect(self.addr);
    }
}

/// What a silent server saw.
#[derive(Default)]
pub struct Counters {
    pub bytes: AtomicUsize,
    /// Connections the client closed.
    pub closed: AtomicUsize,
}

/// The core's simulated cluster, each broker on its own loopback port:
/// real responses, and logs to check what landed.
pub struct SimBroker {
    sim: Arc<Sim>,
    servers: Vec<Server>,
}

struct Sim {
    cluster: Mutex<Cluster>,
    streams: Mutex<HashMap<SimConnId, TcpStream>>,
    /// Why the cluster closed connections (an unreadable request would
    /// show here).
    closes: Mutex<Vec<String>>,
}

impl SimBroker {
    /// `brokers` brokers and `topic` with `partitions` partitions.
    pub fn start(brokers: u32, topic: &str, partitions: i32) -> SimBroker {
        let sim = Arc::new(Sim {
            cluster: Mutex::new(Cluster::new(ClusterConfig::with_brokers(brokers))),
            streams: Mutex::new(HashMap::new()),
            closes: Mutex::new(Vec::new()),
        });
        let servers: Vec<Server> = (0..brokers)
            .map(|_| {
                let sim = sim.clone();
                Server::start(move |stream| sim.serve(stream))
            })
            .collect();
        let mut cluster = sim.cluster.lock().unwrap();
        for (id, server) in cluster.broker_ids().into_iter().zip(&servers) {
            cluster.set_broker_address(id, BrokerAddress::new("127.0.0.1", server.addr.port()));
        }
        cluster.create_topic(topic, partitions, brokers.min(3) as i32);
        drop(cluster);
        SimBroker { sim, servers }
    }

    pub fn bootstrap(&self) -> String {
        let addrs: Vec<String> = self.servers.iter().map(Server::address).collect();
        addrs.join(",")
    }

    /// Every record of `topic` in the cluster, over all partitions.
    pub fn records(&self, topic: &str, partitions: i32) -> Vec<StoredRecord> {
        let cluster = self.sim.cluster.lock().unwrap();
        (0..partitions)
            .flat_map(|p| cluster.log(topic, p).to_vec())
            .collect()
    }

    pub fn closes(&self) -> Vec<String> {
        self.sim.closes.lock().unwrap().clone()
    }
}

impl Sim {
    /// Feeds one client connection to the cluster until the client closes.
    fn serve(&self, mut stream: TcpStream) {
        let port = stream.local_addr().expect("local addr").port();
        let addr = BrokerAddress::new("127.0.0.1", port);
        let Ok(conn) = self.cluster.lock().unwrap().connect(&addr, Instant::now()) else {
            return;
        };
        let writer = stream.try_clone().expect("clone stream");
        self.streams.lock().unwrap().insert(conn, writer);
        let mut buf = vec![0; 64 * 1024];
        while let Ok(n @ 1..) = stream.read(&mut buf) {
            let mut cluster = self.cluster.lock().unwrap();
            cluster.receive(conn, &buf[..n], Instant::now());
            self.transmit(&mut cluster);
        }
        self.cluster.lock().unwrap().client_closed(conn);
        self.streams.lock().unwrap().remove(&conn);
    }

    /// Sends what the cluster has to say.
    fn transmit(&self, cluster: &mut Cluster) {
        let mut streams = self.streams.lock().unwrap();
        while let Some(transmit) = cluster.poll_transmit(Instant::now()) {
            match transmit {
                Transmit::Data { conn, data } => {
                    if let Some(mut stream) = streams.get(&conn) {
                        let _ = stream.write_all(&data);
                    }
                }
                Transmit::Closed { conn, reason } => {
                    self.closes.lock().unwrap().push(reason.to_string());
                    if let Some(stream) = streams.remove(&conn) {
                        let _ = stream.shutdown(Shutdown::Both);
                    }
                }
            }
        }
    }
}
