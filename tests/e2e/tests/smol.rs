//! The end-to-end scenarios through `kafka-sansio-async` on smol.

use std::future::Future;

use kafka_sansio_async::SmolRuntime;
use kafka_sansio_e2e::async_client::{AsyncClient, Exec};

struct Smol;

impl Exec for Smol {
    const NAME: &'static str = "smol";

    type Runtime = SmolRuntime;

    fn new() -> Self {
        Smol
    }

    fn runtime(&self) -> SmolRuntime {
        SmolRuntime
    }

    fn block_on<F: Future>(&self, f: F) -> F::Output {
        smol::block_on(f)
    }
}

kafka_sansio_e2e::scenarios!(AsyncClient<Smol>);
