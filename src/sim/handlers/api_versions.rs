//! ApiVersions: the versions the brokers advertise (the crate's codec
//! ranges, capped by [`ClusterConfig::max_versions`]) and the KIP-511
//! rules: a response header v0 always, and an unsupported request version
//! answered with `UNSUPPORTED_VERSION` in a v0 body that still lists the
//! ApiVersions range, so the client can retry.

use bytes::Bytes;

use super::{Outcome, Reply, encode, invalid, serve};
use crate::protocol::api_versions::ApiVersion;
use crate::protocol::versions::CLIENT_APIS;
use crate::protocol::{
    ApiKey, ApiVersionsRequest, ApiVersionsResponse, ErrorCode, Reader, VersionRange,
};
use crate::sim::ClusterConfig;

/// The versions of `api` the brokers speak, or `None` if they do not
/// speak it (not in the codec, or capped below its lowest version).
pub(in crate::sim) fn advertised(config: &ClusterConfig, api: ApiKey) -> Option<VersionRange> {
    let &(_, codec) = CLIENT_APIS.iter().find(|(key, _)| *key == api)?;
    let max = config
        .version_cap(api)
        .map_or(codec.max, |cap| cap.min(codec.max));
    (max >= codec.min).then_some(VersionRange {
        min: codec.min,
        max,
    })
}

fn api_version(api: ApiKey, range: VersionRange) -> ApiVersion {
    ApiVersion {
        api_key: api.0,
        min_version: range.min,
        max_version: range.max,
        ..ApiVersion::default()
    }
}

/// Handles an ApiVersions request frame of `version`.
pub(super) fn handle(config: &ClusterConfig, frame: Bytes, version: i16) -> Outcome {
    let own = advertised(config, ApiKey::API_VERSIONS);
    if own.is_none_or(|range| !range.contains(version)) {
        return unsupported(frame, own);
    }
    serve::<ApiVersionsRequest>(frame, |version, request| {
        if version >= 3
            && !(valid_software(&request.client_software_name)
                && valid_software(&request.client_software_version))
        {
            return Reply::Respond(ApiVersionsResponse {
                error_code: ErrorCode::INVALID_REQUEST,
                ..ApiVersionsResponse::default()
            });
        }
        let api_keys = CLIENT_APIS
            .iter()
            .filter_map(|&(api, _)| advertised(config, api).map(|range| api_version(api, range)))
            .collect();
        Reply::Respond(ApiVersionsResponse {
            api_keys,
            ..ApiVersionsResponse::default()
        })
    })
}

/// The KIP-511 answer to a version the broker does not speak: a v0 body
/// with `UNSUPPORTED_VERSION` and the broker's ApiVersions range. Only the
/// header's fixed start is read, since the body's layout is unknown.
fn unsupported(frame: Bytes, own: Option<VersionRange>) -> Outcome {
    let mut r = Reader::new(frame);
    let correlation_id = match (
        r.i16("api key"),
        r.i16("api version"),
        r.i32("correlation id"),
    ) {
        (Ok(_), Ok(_), Ok(id)) => id,
        _ => return invalid("ApiVersions request header is truncated".to_owned()),
    };
    let body = ApiVersionsResponse {
        error_code: ErrorCode::UNSUPPORTED_VERSION,
        api_keys: own
            .map(|range| api_version(ApiKey::API_VERSIONS, range))
            .into_iter()
            .collect(),
        ..ApiVersionsResponse::default()
    };
    encode(correlation_id, 0, &body)
}

/// KIP-511's pattern for the client software name and version:
/// `[a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])?`.
fn valid_software(s: &str) -> bool {
    let bytes = s.as_bytes();
    let (Some(first), Some(last)) = (bytes.first(), bytes.last()) else {
        return false;
    };
    first.is_ascii_alphanumeric()
        && last.is_ascii_alphanumeric()
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'-' || *b == b'.')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn software_names_follow_kip_511() {
        for ok in ["a", "kafka-sansio", "0.1.0", "apache-kafka-java"] {
            assert!(valid_software(ok), "{ok}");
        }
        for bad in ["", "-a", "a.", "a b", "ü"] {
            assert!(!valid_software(bad), "{bad}");
        }
    }

    #[test]
    fn caps_lower_the_advertised_maximum_or_hide_the_api() {
        let config = ClusterConfig {
            max_versions: vec![(ApiKey::PRODUCE, 9), (ApiKey::CREATE_TOPICS, 1)],
            ..ClusterConfig::default()
        };
        assert_eq!(
            advertised(&config, ApiKey::PRODUCE),
            Some(VersionRange { min: 3, max: 9 })
        );
        assert_eq!(advertised(&config, ApiKey::CREATE_TOPICS), None);
        assert_eq!(advertised(&config, ApiKey(1)), None);
    }
}
