//! One broker of the cluster: where it listens, whether it is up, and the
//! faults that act on its connections.

use std::time::Duration;

use crate::producer::BrokerAddress;

/// A broker's state. Partition leadership lives with the partitions.
#[derive(Debug)]
pub(super) struct Broker {
    /// The address it advertises and accepts connections on.
    pub(super) address: BrokerAddress,
    /// False between `crash` and `restart`.
    pub(super) up: bool,
    /// Set by `refuse_connections`: new connections are refused.
    pub(super) refusing: bool,
    /// How long each response is held before it is sent.
    pub(super) response_delay: Duration,
    /// Produce requests still to be applied and then answered by closing
    /// the connection instead.
    pub(super) lose_responses: u32,
    /// Throttle time put in Produce responses (quota simulation).
    pub(super) throttle: Duration,
}

impl Broker {
    pub(super) fn new(address: BrokerAddress) -> Self {
        Self {
            address,
            up: true,
            refusing: false,
            response_delay: Duration::ZERO,
            lose_responses: 0,
            throttle: Duration::ZERO,
        }
    }

    /// Takes one "lose this response" token, if any is left.
    pub(super) fn take_lost_response(&mut self) -> bool {
        if self.lose_responses == 0 {
            return false;
        }
        self.lose_responses -= 1;
        true
    }
}
