//! The end-to-end scenarios through `kafka-sansio-async` on tokio.

use std::future::Future;

use kafka_sansio_async::TokioRuntime;
use kafka_sansio_e2e::async_client::{AsyncClient, Exec};

struct Tokio(tokio::runtime::Runtime);

impl Exec for Tokio {
    const NAME: &'static str = "tokio";

    type Runtime = TokioRuntime;

    fn new() -> Self {
        Tokio(
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("tokio runtime"),
        )
    }

    fn runtime(&self) -> TokioRuntime {
        TokioRuntime::from(self.0.handle().clone())
    }

    fn block_on<F: Future>(&self, f: F) -> F::Output {
        self.0.block_on(f)
    }
}

kafka_sansio_e2e::scenarios!(AsyncClient<Tokio>);
