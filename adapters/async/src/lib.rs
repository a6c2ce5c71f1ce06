//! An async Apache Kafka producer for tokio and smol, driving the
//! [kafka-sansio](kafka_sansio) core.
//!
//! The core decides everything (routing, batching, retries, timeouts);
//! this crate only carries out its I/O on a [`Runtime`]: one task per
//! broker connection reads and writes the socket, one timer task calls the
//! core at its deadlines, and the caller's futures wait for buffer space
//! and reports.
//!
//! - [`Producer::send`] completes with the record's [`DeliveryReport`].
//! - [`Producer::enqueue`] completes once the record is accepted, with a
//!   [`DeliveryFuture`] for the report; [`Producer::try_enqueue`] never
//!   waits.
//! - [`Producer::send_detached`] completes once the record is accepted,
//!   with its id; the report goes to the builder's
//!   [`on_report`](ProducerBuilder::on_report) handler, which sees every
//!   record's report. Nothing is kept per record for a waiter: the cheap
//!   way to send many records.
//! - [`Producer::flush`] and [`Producer::close`] wait for reports.
//!
//! A record is accepted when one of these is called, if the buffer has
//! room (records keep the order of the calls); only a record that finds
//! the buffer full waits in its future. Every future may be dropped at any
//! point without losing, corrupting or duplicating an accepted record (see
//! [`Producer`]).
//!
//! # Features
//!
//! - `tokio` (default): `TokioRuntime`.
//! - `smol`: `SmolRuntime`, on smol's global executor.
//! - `tracing`: the core's events are also logged through `tracing`.
//!
//! # Example
//!
//! ```no_run
//! # #[cfg(feature = "tokio")]
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use kafka_sansio_async::{Producer, ProducerConfig, ProducerRecord, TokioRuntime};
//!
//! let config = ProducerConfig::from_properties([("bootstrap.servers", "localhost:9092")])?;
//! let producer = Producer::new(config, TokioRuntime::current())?;
//!
//! let report = producer.send(ProducerRecord::new("orders", "hello").key("user-1")).await?;
//! match report.result {
//!     Ok(delivered) => println!("partition {:?} offset {:?}", report.partition, delivered.offset),
//!     Err(failure) => eprintln!("not delivered: {failure}"),
//! }
//!
//! // Many records in flight: enqueue, then await the reports.
//! let mut pending = Vec::new();
//! for i in 0..100 {
//!     pending.push(producer.enqueue(ProducerRecord::new("orders", format!("{i}"))).await?);
//! }
//! for report in pending {
//!     report.await.result?;
//! }
//! producer.close(std::time::Duration::from_secs(30)).await;
//! # Ok(())
//! # }
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod delivery;
mod driver;
mod producer;
pub mod runtime;
mod tasks;

pub use bytes::Bytes;
pub use delivery::DeliveryFuture;
pub use kafka_sansio::producer::{
    Acks, BorrowedRecord, BrokerAddress, Certainty, ConfigError, ConnId, Delivered,
    DeliveryFailure, DeliveryReport, Event, FatalError, Headers, LeaderSource, PartitionInfo,
    ProduceError, ProducerConfig, ProducerConfigBuilder, ProducerRecord, ProducerStats, RecordId,
    RefreshReason, SendError, SendErrorReason, Sendable, SmolStr,
};
pub use kafka_sansio::record::{Compression, TimestampType};
pub use producer::{Producer, ProducerBuilder};
pub use runtime::Runtime;
#[cfg(feature = "smol")]
pub use runtime::smol::SmolRuntime;
#[cfg(feature = "tokio")]
pub use runtime::tokio::TokioRuntime;
