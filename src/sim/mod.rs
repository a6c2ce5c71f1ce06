//! A deterministic simulated Kafka cluster (cargo feature `sim`).
//!
//! [`Cluster`] is the server side of the real wire protocol, sans-IO and on
//! virtual time: the caller moves bytes between it and a client and passes
//! the current [`Instant`](std::time::Instant) to every call that needs
//! one. It never reads a clock, draws no random numbers and iterates only
//! ordered maps, so the same calls give the same bytes every run.
//!
//! Its brokers speak ApiVersions, Metadata, Produce, InitProducerId and
//! CreateTopics in the versions of the crate's own codec
//! ([`CLIENT_APIS`](crate::protocol::versions::CLIENT_APIS)), optionally
//! capped, and behave like Kafka 4.x where a producer can tell:
//!
//! - **ApiVersions** follows KIP-511 (header v0; an unsupported version is
//!   answered in v0 with `UNSUPPORTED_VERSION` and the ApiVersions range).
//! - **Metadata** lists the live brokers at their current addresses and,
//!   per partition, the leader and its epoch, replicas, ISR (the live
//!   replicas) and offline replicas; unknown topics are not created.
//! - **Produce** routes by leader (`NOT_LEADER_OR_FOLLOWER`, with KIP-951
//!   leader hints from v10), validates each batch, enforces idempotence
//!   per partition (epochs, sequences, duplicates of the last five batches
//!   answered with their original offset) and appends with offsets. v13
//!   addresses topics by id.
//! - **InitProducerId** hands out producer ids from 1000 at epoch 0.
//!
//! Faults are methods: [`Cluster::crash`] and [`Cluster::restart`] (leaders
//! move with their epoch bumped, as the KRaft controller does),
//! [`Cluster::move_leader`], refused and reset connections, response
//! delays, responses lost after the append, and injected errors. Each
//! partition has one log shared by its replicas: a leader change never
//! loses an acknowledged record.
//!
//! Left out: transactions, Fetch and other APIs, quotas, racks, authorised
//! operations, `min.insync.replicas` (inject `NOT_ENOUGH_REPLICAS`
//! instead), unclean elections and log truncation.
//!
//! A client's network calls map one to one: `Connect{addr}` is
//! [`Cluster::connect`], `Write` is [`Cluster::receive`], `Close` is
//! [`Cluster::client_closed`]; [`Transmit::Data`] is bytes received and
//! [`Transmit::Closed`] a closed connection.
//!
//! # Example
//!
//! ```
//! use std::time::{Duration, Instant};
//!
//! use bytes::BytesMut;
//! use kafka_sansio::protocol::frame::{FrameReader, decode_response, encode_request};
//! use kafka_sansio::protocol::{MetadataRequest, MetadataResponse};
//! use kafka_sansio::sim::{Cluster, ClusterConfig, Transmit};
//!
//! let mut cluster = Cluster::new(ClusterConfig::with_brokers(3));
//! cluster.create_topic("orders", 3, 2);
//! let now = Instant::now(); // any instant: the cluster runs on the caller's time
//!
//! // Ask broker 1 for the layout of "orders".
//! let conn = cluster.connect(&cluster.broker_address(1), now).unwrap();
//! let mut request = BytesMut::new();
//! encode_request(&mut request, 7, Some("demo"), 12, &MetadataRequest::for_topics(["orders"]))?;
//! cluster.receive(conn, &request, now);
//!
//! let Some(Transmit::Data { data, .. }) = cluster.poll_transmit(now) else { panic!() };
//! let mut frames = FrameReader::new(1 << 20);
//! frames.push(&data);
//! let (header, metadata) = decode_response::<MetadataResponse>(frames.next_frame()?.unwrap(), 12)?;
//! assert_eq!(header.correlation_id, 7);
//! assert_eq!(metadata.leader("orders", 1).map(|b| b.node_id), Some(2));
//!
//! // Broker 2 crashes: partition 1 moves to its other replica, epoch 1.
//! cluster.crash(2, now + Duration::from_secs(1));
//! assert_eq!(cluster.leader("orders", 1), Some(3));
//! assert_eq!(cluster.leader_epoch("orders", 1), Some(1));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod broker;
mod clock;
mod cluster;
mod config;
mod faults;
mod handlers;
mod harness;
mod inspect;
mod log;
mod network;
mod producer_state;
mod state;
mod topic;

pub use cluster::Cluster;
pub use config::ClusterConfig;
pub use harness::{Happening, Harness, START_UNIX_MS, Written};
pub use inspect::{ProducePartitionLog, ProduceRequestLog};
pub use log::StoredRecord;
pub use network::{CloseReason, ConnectRefused, SimConnId, Transmit};
