//! The one error of this crate's own: a producer that cannot start.
//! (Refused sends and failed deliveries are the core's
//! [`SendError`](crate::SendError) and [`DeliveryFailure`](crate::DeliveryFailure).)

use std::fmt;

use kafka_sansio::producer::ConfigError;

/// Why a [`Producer`](crate::Producer) could not be built.
///
/// ```
/// use kafka_sansio_blocking::{Error, Producer};
///
/// let err = Producer::from_properties([("bootstrap.servers", "localhost:9092"), ("acks", "2")])
///     .unwrap_err();
/// let Error::Config(e) = err else { unreachable!() };
/// assert_eq!(e.key, "acks");
/// ```
///
/// Written by hand rather than with `thiserror`: the crate depends on
/// nothing but `std` and the core.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The configuration is invalid; the error names the key.
    Config(ConfigError),
    /// The background timer thread could not be started.
    Spawn(std::io::Error),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Config(e) => e.fmt(f),
            Error::Spawn(e) => write!(f, "cannot start the producer's timer thread: {e}"),
        }
    }
}

/// The message already says the cause (both variants carry it), so there
/// is no `source` to print it twice.
impl std::error::Error for Error {}

impl From<ConfigError> for Error {
    fn from(e: ConfigError) -> Self {
        Error::Config(e)
    }
}
