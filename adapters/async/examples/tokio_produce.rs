//! Produces keyed records with headers on tokio:
//! `cargo run -p kafka-sansio-async --example tokio_produce -- --bootstrap 127.0.0.1:9092 --topic demo`

#[path = "support/produce.rs"]
mod produce;

use kafka_sansio_async::TokioRuntime;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = produce::Args::parse()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(produce::run(
        TokioRuntime::from(runtime.handle().clone()),
        args,
    ))
}
