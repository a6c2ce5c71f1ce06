//! Broker addresses as `bootstrap.servers` gives them: `host:port` and
//! `[ipv6]:port` strings, checked hosts and ports.

use core::net::Ipv6Addr; // parsing only; `core` has no sockets
use std::str::FromStr;

use super::{BrokerAddress, ConfigError, err, key};

/// One bootstrap server as
/// [`ProducerConfigBuilder::bootstrap_servers`](super::ProducerConfigBuilder::bootstrap_servers)
/// takes it: a [`BrokerAddress`], or a string parsed as `host:port` by
/// [`BrokerAddress`]'s [`FromStr`].
pub trait IntoBrokerAddress {
    /// The address, or why the string is not one (key `bootstrap.servers`).
    fn into_broker_address(self) -> Result<BrokerAddress, ConfigError>;
}

impl IntoBrokerAddress for BrokerAddress {
    fn into_broker_address(self) -> Result<BrokerAddress, ConfigError> {
        Ok(self)
    }
}

impl IntoBrokerAddress for &BrokerAddress {
    fn into_broker_address(self) -> Result<BrokerAddress, ConfigError> {
        Ok(self.clone())
    }
}

impl IntoBrokerAddress for &str {
    fn into_broker_address(self) -> Result<BrokerAddress, ConfigError> {
        self.parse()
    }
}

impl IntoBrokerAddress for String {
    fn into_broker_address(self) -> Result<BrokerAddress, ConfigError> {
        self.parse()
    }
}

impl IntoBrokerAddress for &String {
    fn into_broker_address(self) -> Result<BrokerAddress, ConfigError> {
        self.parse()
    }
}

impl FromStr for BrokerAddress {
    type Err = ConfigError;

    /// Parses `host:port` or `[ipv6]:port`, ignoring surrounding
    /// whitespace. Hosts are names (`A-Z a-z 0-9 . - _`) or, in brackets,
    /// IPv6 literals with an optional zone (`[fe80::1%eth0]:9092`); an IPv6
    /// literal without brackets is refused as ambiguous. The port is
    /// 1..=65535. Errors name the key `bootstrap.servers`.
    fn from_str(text: &str) -> Result<Self, ConfigError> {
        let text = text.trim();
        let bad = |why: String| {
            err(
                key::BOOTSTRAP_SERVERS,
                format!("bad address {text:?}: {why}"),
            )
        };
        let (host, port) = if let Some(rest) = text.strip_prefix('[') {
            let (host, after) = rest
                .split_once(']')
                .ok_or_else(|| bad("missing `]`".to_owned()))?;
            let port = after
                .strip_prefix(':')
                .ok_or_else(|| bad("expected `:port` after `]`".to_owned()))?;
            (host, port)
        } else {
            let (host, port) = text
                .rsplit_once(':')
                .ok_or_else(|| bad("expected host:port".to_owned()))?;
            if host.contains(':') {
                return Err(bad(
                    "an IPv6 address needs brackets, as in [::1]:9092".to_owned()
                ));
            }
            (host, port)
        };
        check_host(host).map_err(bad)?;
        let port = parse_port(port).map_err(bad)?;
        Ok(BrokerAddress::new(host, port))
    }
}

/// A host name (`A-Z a-z 0-9 . - _`) or an IPv6 literal with an optional
/// `%zone`.
pub(super) fn check_host(host: &str) -> Result<(), String> {
    if host.is_empty() {
        return Err("empty host".to_owned());
    }
    let name_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_');
    if host.contains(':') {
        let (ip, zone) = match host.split_once('%') {
            Some((ip, zone)) => (ip, Some(zone)),
            None => (host, None),
        };
        if ip.parse::<Ipv6Addr>().is_err() {
            return Err(format!("{ip:?} is not an IPv6 address"));
        }
        if let Some(zone) = zone {
            if zone.is_empty() || !zone.chars().all(name_char) {
                return Err(format!("bad IPv6 zone {zone:?}"));
            }
        }
        return Ok(());
    }
    match host.chars().find(|&c| !name_char(c)) {
        Some(c) => Err(format!("host {host:?} contains {c:?}")),
        None => Ok(()),
    }
}

/// A decimal port in 1..=65535.
fn parse_port(port: &str) -> Result<u16, String> {
    if port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("port {port:?} is not a number"));
    }
    match port.parse::<u16>() {
        Ok(port) => check_port(port).map(|()| port),
        Err(_) => Err(format!("port {port} is outside 1..=65535")),
    }
}

pub(super) fn check_port(port: u16) -> Result<(), String> {
    if port == 0 {
        Err("port 0 is outside 1..=65535".to_owned())
    } else {
        Ok(())
    }
}
