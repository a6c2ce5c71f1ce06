//! Produces keyed records with headers on smol:
//! `cargo run -p kafka-sansio-async --features smol --example smol_produce -- --bootstrap 127.0.0.1:9092 --topic demo`

#[path = "support/produce.rs"]
mod produce;

use kafka_sansio_async::SmolRuntime;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = produce::Args::parse()?;
    smol::block_on(produce::run(SmolRuntime, args))
}
