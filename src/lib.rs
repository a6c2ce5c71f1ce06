//! kafka-sansio: an Apache Kafka producer whose routing, batching and
//! recovery logic is a sans-IO state machine.
//!
//! This crate is the core. It never opens a socket, reads a clock or starts
//! a thread: callers feed it bytes and time and carry out what it asks.
//!
//! - [`protocol`]: the Kafka wire codec (primitives, framing, headers and
//!   the ApiVersions, Metadata, Produce, InitProducerId and CreateTopics
//!   messages in both directions).
//! - [`record`]: record batches (message format v2) with CRC-32C and
//!   compression.
//! - [`partitioner`]: the Java client's murmur2 key partitioner.
//! - [`producer`]: the producer state machine.
//! - `sim` (cargo feature `sim`): a deterministic simulated Kafka cluster
//!   that serves the real wire protocol on virtual time, for tests.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

#[doc(hidden)]
pub mod fuzzing;
pub mod partitioner;
pub mod producer;
pub mod protocol;
pub mod record;
#[cfg(feature = "sim")]
pub mod sim;
