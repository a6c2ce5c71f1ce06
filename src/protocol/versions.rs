//! Version negotiation: given a broker's [`ApiVersionsResponse`] and the
//! version ranges this client speaks, pick for each API the highest version
//! both sides speak.
//!
//! The caller passes the ranges, normally built from each message type's
//! [`ApiMessage::VERSIONS`] with [`supported`], so the table cannot drift
//! from what the codecs accept:
//!
//! ```
//! use kafka_sansio::protocol::versions::{negotiate, supported};
//! use kafka_sansio::protocol::api_versions::{ApiVersion, ApiVersionsResponse};
//! use kafka_sansio::protocol::{ApiKey, ApiMessage, InitProducerIdRequest, VersionRange};
//!
//! const WANTED: &[(ApiKey, VersionRange)] = &[supported::<InitProducerIdRequest>()];
//! let broker = ApiVersionsResponse {
//!     api_keys: vec![ApiVersion { api_key: 22, min_version: 0, max_version: 9, ..ApiVersion::default() }],
//!     ..ApiVersionsResponse::default()
//! };
//! let versions = negotiate(&broker, WANTED).unwrap();
//! assert_eq!(versions.get(ApiKey::INIT_PRODUCER_ID), Some(InitProducerIdRequest::VERSIONS.max));
//! ```

use thiserror::Error;

use super::api_versions::{ApiVersionsRequest, ApiVersionsResponse};
use super::create_topics::CreateTopicsRequest;
use super::init_producer_id::InitProducerIdRequest;
use super::metadata::MetadataRequest;
use super::produce::ProduceRequest;
use super::{ApiKey, ApiMessage, ErrorCode, VersionRange};

/// `(M::API_KEY, M::VERSIONS)`: one row of the table passed to
/// [`negotiate`], usable in a `const`.
pub const fn supported<M: ApiMessage>() -> (ApiKey, VersionRange) {
    (M::API_KEY, M::VERSIONS)
}

/// Every API this client speaks, with the versions its codecs accept: the
/// table a connection negotiates against.
pub const CLIENT_APIS: &[(ApiKey, VersionRange)] = &[
    supported::<ApiVersionsRequest>(),
    supported::<MetadataRequest>(),
    supported::<ProduceRequest>(),
    supported::<InitProducerIdRequest>(),
    supported::<CreateTopicsRequest>(),
];

/// Why no version of some API could be agreed on with a broker.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum VersionError {
    /// The ApiVersions response itself carries an error, so its list of
    /// APIs is not the broker's full list (with `UNSUPPORTED_VERSION` it
    /// lists only ApiVersions; see
    /// [`ApiVersionsResponse::retry_version`]).
    #[error("the broker answered ApiVersions with {error_code}")]
    BrokerError {
        /// The response's error code.
        error_code: ErrorCode,
    },
    /// The broker does not list the API at all.
    #[error("the broker does not support {api}; we need versions {}-{}", ours.min, ours.max)]
    Missing {
        /// The API.
        api: ApiKey,
        /// The versions this client speaks.
        ours: VersionRange,
    },
    /// The broker lists the API, but no version is in both ranges.
    #[error(
        "no common version of {api}: we speak {}-{}, the broker {}-{}",
        ours.min, ours.max, broker.min, broker.max
    )]
    NoOverlap {
        /// The API.
        api: ApiKey,
        /// The versions this client speaks.
        ours: VersionRange,
        /// The versions the broker speaks.
        broker: VersionRange,
    },
}

/// The version agreed on for each API, from [`negotiate`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NegotiatedVersions {
    // Few entries (one per API the client uses): a scan beats a map.
    versions: Vec<(ApiKey, i16)>,
}

impl NegotiatedVersions {
    /// The version to use for `api`, or `None` if it was not negotiated.
    pub fn get(&self, api: ApiKey) -> Option<i16> {
        self.versions
            .iter()
            .find(|(k, _)| *k == api)
            .map(|&(_, v)| v)
    }

    /// Every negotiated `(api, version)`, in the order they were asked for.
    pub fn iter(&self) -> impl Iterator<Item = (ApiKey, i16)> + '_ {
        self.versions.iter().copied()
    }
}

/// Picks, for each `(api, our range)` in `wanted`, the highest version in
/// both our range and the broker's. Fails on the first API the broker does
/// not list or whose ranges do not overlap, and when the response carries
/// an error. If the broker lists an API twice, its first entry counts.
pub fn negotiate(
    broker: &ApiVersionsResponse,
    wanted: &[(ApiKey, VersionRange)],
) -> Result<NegotiatedVersions, VersionError> {
    if !broker.error_code.is_ok() {
        return Err(VersionError::BrokerError {
            error_code: broker.error_code,
        });
    }
    let mut versions = Vec::with_capacity(wanted.len());
    for &(api, ours) in wanted {
        let theirs = broker
            .find(api)
            .ok_or(VersionError::Missing { api, ours })?
            .range();
        let low = ours.min.max(theirs.min);
        let high = ours.max.min(theirs.max);
        if low > high {
            return Err(VersionError::NoOverlap {
                api,
                ours,
                broker: theirs,
            });
        }
        versions.push((api, high));
    }
    Ok(NegotiatedVersions { versions })
}
