//! A blocking, thread-safe Apache Kafka producer on `std` alone.
//!
//! [`Producer`] drives the sans-IO core ([`kafka_sansio::producer`]) with
//! `std::net` sockets and a few background threads: one timer thread that
//! sleeps until the core's next deadline, and per broker connection one
//! thread that connects and then reads, and one that writes. A request that
//! follows a response is written by the reading thread itself when the
//! socket takes it at once, which saves a thread wake-up per request.
//! Every routing, batching, retry and timeout decision is the core's; this
//! crate only moves bytes and time. An idle producer has all its threads
//! blocked.
//!
//! [`Producer::send`] returns a [`Receipt`] to wait on for the record's
//! [`DeliveryReport`]; when `buffer.memory` is full it blocks up to
//! `max.block.ms` for space, as the Java client does, while
//! [`Producer::try_send`] hands the record back at once. [`Producer::flush`]
//! waits for everything sent so far, [`Producer::close`] drains and stops,
//! and dropping the producer closes it. To send many records without a
//! receipt each, give the builder a report handler
//! ([`ProducerBuilder::on_report`], called with every record's report) and
//! send with [`Producer::send_detached`]. Methods take `&self`: share one
//! producer between threads with an `Arc` or scoped threads.
//!
//! ```no_run
//! use kafka_sansio_blocking::{Producer, ProducerRecord};
//!
//! let producer = Producer::from_properties([
//!     ("bootstrap.servers", "127.0.0.1:9092"),
//!     ("linger.ms", "10"),
//! ])?;
//! let receipt = producer.send(ProducerRecord::new("orders", "hello").key("user-1"))?;
//! let report = receipt.wait();
//! match report.result {
//!     Ok(delivered) => println!("at {:?} in partition {:?}", delivered.offset, report.partition),
//!     Err(failure) => eprintln!("failed: {failure}"),
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Configuration, records, reports, errors and statistics are the core's
//! types, re-exported here so one import path is enough.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod conn;
mod error;
mod outbox;
mod producer;
mod receipt;
mod shared;
mod timer;

pub use error::Error;
pub use producer::{Producer, ProducerBuilder};
pub use receipt::Receipt;

pub use kafka_sansio::producer::{
    Acks, BorrowedRecord, BrokerAddress, Certainty, ConfigError, ConnId, Delivered,
    DeliveryFailure, DeliveryReport, Event, FatalError, Headers, LeaderSource,
    MetadataRecoveryStrategy, PartitionInfo, ProduceError, ProducerConfig, ProducerConfigBuilder,
    ProducerRecord, ProducerStats, RecordId, RefreshReason, SendError, SendErrorReason, Sendable,
    SmolStr,
};
pub use kafka_sansio::record::{Compression, TimestampType};
