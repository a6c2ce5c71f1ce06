//! The chaos test on the real 3-node cluster, through the mio adapter:
//! its reports come unfiltered from the core, so a record reported twice
//! or never is seen (the blocking and async adapters hand each receipt one
//! report whatever the core does). See `kafka_sansio_e2e::chaos`.
//!
//! ```sh
//! KAFKA_BOOTSTRAP=$(tests/kafka/cluster.sh bootstrap) CHAOS_SECONDS=150 \
//!     cargo test -p kafka-sansio-e2e --test chaos -- --ignored --nocapture
//! ```

use kafka_sansio_e2e::chaos::{Settings, run};
use kafka_sansio_e2e::mio_client::MioLoop;

#[test]
#[ignore = "needs a real Kafka cluster: tests/kafka/cluster.sh up 3, then set KAFKA_BOOTSTRAP"]
fn chaos_keeps_every_promise() {
    run::<MioLoop>(&Settings::from_env());
}
