//! Asks a Kafka cluster for its map, the first step of every producer:
//! connect to a bootstrap broker, agree on API versions, send a Metadata
//! request, and print the brokers, the topics and the leader of every
//! partition.
//!
//! ```sh
//! cargo run --example cluster_map -- 127.0.0.1:19092
//! ```
//! With no argument it asks `127.0.0.1:19092`, node 1 of the cluster that
//! `tests/kafka/cluster.sh up` starts.

#[path = "support/blocking_conn.rs"]
mod blocking_conn;

use std::error::Error;
use std::process::ExitCode;

use blocking_conn::Conn;
use kafka_sansio::protocol::MetadataRequest;

fn main() -> ExitCode {
    let bootstrap = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:19092".to_owned());
    match print_map(&bootstrap) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("cluster_map: {e}");
            eprintln!("(start a local cluster with: tests/kafka/cluster.sh up 1)");
            ExitCode::FAILURE
        }
    }
}

fn print_map(bootstrap: &str) -> Result<(), Box<dyn Error>> {
    let mut last_error = None;
    for addr in bootstrap.split(',') {
        match Conn::connect(addr) {
            Ok(conn) => return describe(addr, conn),
            Err(e) => {
                println!("bootstrap {addr}: {e}; trying the next one");
                last_error = Some(e);
            }
        }
    }
    Err(last_error.unwrap_or_else(|| "no bootstrap address given".into()))
}

fn describe(addr: &str, mut conn: Conn) -> Result<(), Box<dyn Error>> {
    println!("asked bootstrap broker {addr} for the cluster map");
    let mut versions: Vec<String> = conn
        .versions
        .iter()
        .map(|(api, v)| format!("{} v{v}", api.name()))
        .collect();
    versions.sort();
    println!("agreed versions: {}", versions.join(", "));

    let version = conn.version::<MetadataRequest>();
    // A null topic list asks for every topic.
    let request = MetadataRequest::all_topics(version);
    let map = conn.call(&request)?;

    println!(
        "cluster {} (controller {})",
        map.cluster_id.as_deref().unwrap_or("?"),
        map.controller_id
    );
    let mut brokers = map.brokers.clone();
    brokers.sort_by_key(|b| b.node_id);
    for b in &brokers {
        println!("  broker {} at {}:{}", b.node_id, b.host, b.port);
    }
    let mut topics = map.topics.clone();
    topics.sort_by(|a, b| a.name.cmp(&b.name));
    if topics.is_empty() {
        println!("no topics yet (create one with tests/kafka/cluster.sh create-topic NAME 6 3)");
    }
    for t in &topics {
        if t.is_internal {
            continue;
        }
        let name = t.name.as_deref().unwrap_or("?");
        println!("  topic {name} ({} partitions)", t.partitions.len());
        let mut partitions = t.partitions.clone();
        partitions.sort_by_key(|p| p.partition_index);
        for p in &partitions {
            let leader = match map.broker(p.leader_id) {
                Some(b) => format!("broker {} ({}:{})", b.node_id, b.host, b.port),
                None => "no leader".to_owned(),
            };
            println!(
                "    partition {} -> leader {leader}, epoch {}, replicas {:?}, in sync {:?}",
                p.partition_index, p.leader_epoch, p.replica_nodes, p.isr_nodes
            );
        }
    }
    println!("(Metadata v{version})");
    Ok(())
}
