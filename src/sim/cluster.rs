//! The [`Cluster`]: construction, addresses, topics, and the server side
//! of the network (connect, receive, close, transmit).

use std::time::Instant;

use super::ClusterConfig;
use super::clock::VirtualClock;
use super::handlers::{self, Outcome, RequestContext};
use super::network::{CloseReason, ConnectRefused, Network, SimConnId, Transmit};
use super::state::ClusterState;
use crate::producer::BrokerAddress;
use crate::protocol::Uuid;
use crate::record::TimestampType;

/// A simulated Kafka cluster. See the [module docs](super).
#[derive(Debug)]
pub struct Cluster {
    pub(super) state: ClusterState,
    pub(super) net: Network,
    pub(super) clock: VirtualClock,
}

impl Cluster {
    /// A cluster of `config.brokers` live brokers, no topics, no
    /// connections.
    pub fn new(config: ClusterConfig) -> Self {
        Self {
            clock: VirtualClock::new(config.start_unix_ms),
            state: ClusterState::new(config),
            net: Network::default(),
        }
    }

    /// The configuration the cluster was built with.
    pub fn config(&self) -> &ClusterConfig {
        &self.state.config
    }

    /// Every broker id, ascending.
    pub fn broker_ids(&self) -> Vec<i32> {
        self.state.brokers.keys().copied().collect()
    }

    /// Whether `broker` exists and is up.
    pub fn is_up(&self, broker: i32) -> bool {
        self.state.is_live(broker)
    }

    /// The address `broker` advertises and accepts connections on:
    /// `broker-<id>:<port>` unless changed by
    /// [`Cluster::set_broker_address`]. For an unknown id it is the address
    /// such a broker would have, which nothing listens on.
    pub fn broker_address(&self, broker: i32) -> BrokerAddress {
        self.state.brokers.get(&broker).map_or_else(
            || BrokerAddress::new(format!("broker-{broker}"), self.state.config.port),
            |b| b.address.clone(),
        )
    }

    /// Every broker's current address, by broker id: what a client would
    /// put in `bootstrap.servers`.
    pub fn bootstrap_servers(&self) -> Vec<BrokerAddress> {
        self.state
            .brokers
            .values()
            .map(|b| b.address.clone())
            .collect()
    }

    /// Adds an address (like a load balancer or a DNS name) that connects
    /// to the lowest-id live broker. It never appears in metadata.
    pub fn add_bootstrap_alias(&mut self, addr: BrokerAddress) {
        if !self.state.aliases.contains(&addr) {
            self.state.aliases.push(addr);
        }
    }

    /// Makes `broker` advertise and listen on `addr` instead: connecting
    /// to the old address is refused from now on, open connections stay,
    /// and Metadata lists the new address.
    pub fn set_broker_address(&mut self, broker: i32, addr: BrokerAddress) {
        if let Some(b) = self.state.brokers.get_mut(&broker) {
            b.address = addr;
        }
    }

    /// Creates topic `name` with `partitions` partitions of
    /// `replication_factor` replicas each (both at least 1, and the
    /// replication factor at most the broker count), spread round-robin
    /// over the live brokers: partition `p` is led by the `p`-th of them,
    /// at leader epoch 0. Topic ids come from a counter, so they are the
    /// same every run. If the topic exists, nothing changes and its id is
    /// returned.
    pub fn create_topic(&mut self, name: &str, partitions: i32, replication_factor: i32) -> Uuid {
        if let Some(topic) = self.state.topics.get(name) {
            return topic.id;
        }
        let assignment = self
            .state
            .round_robin(partitions.max(1), replication_factor);
        self.state.add_topic(name, assignment)
    }

    /// Makes topic `topic` use LogAppendTime (`true`: the broker stamps
    /// each appended batch with its own clock, see
    /// [`ClusterConfig::start_unix_ms`]) or CreateTime (`false`, the
    /// default).
    pub fn set_log_append_time(&mut self, topic: &str, log_append_time: bool) {
        if let Some(t) = self.state.topics.get_mut(topic) {
            t.timestamp_type = if log_append_time {
                TimestampType::LogAppendTime
            } else {
                TimestampType::CreateTime
            };
        }
    }

    /// Opens a connection to `addr`: a broker's current address, or an
    /// alias. Refused when nothing listens there, the broker is down, or it
    /// refuses connections.
    pub fn connect(
        &mut self,
        addr: &BrokerAddress,
        now: Instant,
    ) -> Result<SimConnId, ConnectRefused> {
        self.clock.observe(now);
        let broker = self.state.resolve(addr)?;
        Ok(self.net.open(broker, self.state.config.max_request_bytes))
    }

    /// Bytes from the client on `conn`, in any chunking. Each complete
    /// request is handled at once; its response is queued, held for the
    /// broker's response delay. A frame the broker cannot accept closes
    /// the connection. Bytes for a closed or unknown connection are
    /// ignored.
    pub fn receive(&mut self, conn: SimConnId, data: &[u8], now: Instant) {
        self.clock.observe(now);
        let Some(c) = self.net.open_conn_mut(conn) else {
            return;
        };
        c.reader.push(data);
        loop {
            let Some(c) = self.net.open_conn_mut(conn) else {
                return;
            };
            let broker = c.broker;
            let frame = match c.reader.next_frame() {
                Ok(Some(frame)) => frame,
                Ok(None) => return,
                Err(e) => {
                    let reason = CloseReason::InvalidRequest(e.to_string());
                    self.net.close_after_pending(conn, Some(now), reason);
                    return;
                }
            };
            let ctx = RequestContext {
                broker,
                conn,
                unix_ms: self.clock.unix_ms(now),
                now,
            };
            let outcome = handlers::handle(&mut self.state, ctx, frame);
            // A delay past the end of `Instant` holds the response forever.
            let due = self
                .state
                .brokers
                .get(&broker)
                .map_or(Some(now), |b| now.checked_add(b.response_delay));
            match outcome {
                Outcome::Respond(data) => self.net.send(conn, due, data),
                Outcome::Silent => {}
                Outcome::Close(reason) => self.net.close_after_pending(conn, due, reason),
            }
        }
    }

    /// The client closed `conn`: responses not yet sent on it are dropped.
    /// Requests it already delivered stay applied.
    pub fn client_closed(&mut self, conn: SimConnId) {
        self.net.forget(conn);
    }

    /// The next response (or close) due at `now`, in the order they became
    /// due; per connection, always in request order.
    pub fn poll_transmit(&mut self, now: Instant) -> Option<Transmit> {
        self.clock.observe(now);
        self.net.poll(now)
    }

    /// When the next held transmit is due (possibly already), or `None`
    /// when nothing is held.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.net.next_due()
    }
}
