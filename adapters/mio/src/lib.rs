//! The [kafka-sansio](kafka_sansio) producer inside your own
//! [mio] event loop.
//!
//! [`MioProducer`] registers its sockets with your `mio::Registry` under a
//! [`TokenRange`] you reserve for it, handles the events for those tokens,
//! tells the loop how long it may sleep, and hands out delivery reports.
//! It has no thread of its own: all its work happens inside the calls
//! your loop makes, and it reads the clock (`Instant::now()`) itself.
//! Routing, batching, retries and timeouts are the core's; this crate
//! only moves bytes and time.
//!
//! # The loop
//!
//! Each iteration: poll with the producer's [`timeout`] (or less, for
//! your own timers), hand every event to [`handle_event`] (it returns
//! `false` for tokens that are not the producer's), call
//! [`handle_timeout`], then take the reports with [`poll_report`].
//!
//! ```no_run
//! use std::time::Duration;
//!
//! use kafka_sansio_mio::mio::{Events, Poll, Token};
//! use kafka_sansio_mio::{MioProducer, ProducerConfig, ProducerRecord, TokenRange};
//!
//! let mut poll = Poll::new()?;
//! let mut events = Events::with_capacity(256);
//! let config = ProducerConfig::from_properties([("bootstrap.servers", "127.0.0.1:9092")])?;
//! let tokens = TokenRange::new(Token(1_000), 64);
//! let mut producer = MioProducer::builder(config)
//!     .on_event(|event| eprintln!("{event:?}"))
//!     .build(poll.registry(), tokens)?;
//!
//! producer.send(ProducerRecord::new("orders", "hello").key("user-1"))?;
//! producer.close(Duration::from_secs(30));
//! while !producer.is_closed() {
//!     poll.poll(&mut events, producer.timeout())?;
//!     for event in events.iter() {
//!         if !producer.handle_event(event) {
//!             // One of your own tokens.
//!         }
//!     }
//!     producer.handle_timeout();
//!     while let Some(report) = producer.poll_report() {
//!         println!("record {:?}: {:?}", report.id, report.result);
//!     }
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Things to know
//!
//! - **Back-pressure.** [`send`] never blocks: when `buffer.memory` is
//!   full it hands the record back with [`SendErrorReason::BufferFull`].
//!   Keep it, stop taking input, and send it again once reports have
//!   freed space (`max.block.ms` is not used: nothing here waits).
//! - **Flush.** [`flush`] returns a [`FlushMark`]; run the loop until
//!   [`is_flushed`] says every record sent before it has its report.
//! - **Close.** [`close`] starts an orderly close; keep running the loop
//!   until [`is_closed`] (check it before each poll: a closed producer
//!   has no timeout, so a poll on that alone would wait for good). Dropping the producer instead closes its
//!   sockets at once and loses the reports still to come.
//! - **Tokens.** Each connection holds one token while it is open or
//!   opening. When all are taken, a connect fails (the core backs off and
//!   tries again), so reserve a few more than the cluster has brokers.
//! - **Name resolution** uses `(host, port).to_socket_addrs()`, which
//!   blocks the loop while DNS answers (mio has no resolver). For IP
//!   literals it is immediate; with slow DNS, configure IP addresses.
//! - **Events.** The listener given to [`MioProducerBuilder::on_event`]
//!   runs inside the producer's calls and must not block. With the
//!   `tracing` feature every event is also logged through `tracing`.
//!
//! [`timeout`]: MioProducer::timeout
//! [`handle_event`]: MioProducer::handle_event
//! [`handle_timeout`]: MioProducer::handle_timeout
//! [`poll_report`]: MioProducer::poll_report
//! [`send`]: MioProducer::send
//! [`flush`]: MioProducer::flush
//! [`is_flushed`]: MioProducer::is_flushed
//! [`close`]: MioProducer::close
//! [`is_closed`]: MioProducer::is_closed
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod producer;
mod sockets;
mod tokens;

pub use kafka_sansio::producer::{
    Acks, BorrowedRecord, BrokerAddress, Certainty, ConfigError, ConnId, Delivered,
    DeliveryFailure, DeliveryReport, Event, FatalError, Headers, LeaderSource, PartitionInfo,
    ProduceError, Producer, ProducerConfig, ProducerConfigBuilder, ProducerRecord, ProducerStats,
    RecordId, RefreshReason, SendError, SendErrorReason, Sendable, SmolStr,
};
pub use kafka_sansio::record::{Compression, TimestampType};
/// The mio this crate is built against.
pub use mio;
pub use producer::{FlushMark, MioProducer, MioProducerBuilder};
pub use tokens::TokenRange;

/// Why a [`MioProducer`] could not be built.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The producer config is invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The token range has no token, so no connection could be made.
    #[error("the token range is empty: the producer needs one token per connection")]
    NoTokens,
    /// The registry could not be cloned.
    #[error("cannot clone the mio registry: {0}")]
    Registry(std::io::Error),
}
