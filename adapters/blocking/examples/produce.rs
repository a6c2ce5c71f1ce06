//! A command-line producer: produces each line of stdin as one record.
//!
//! ```sh
//! seq 1 1000 | cargo run --release -p kafka-sansio-blocking --example produce -- \
//!     --bootstrap 127.0.0.1:9092 --topic T [--key-separator SEP] [-X key=value ...]
//! ```
//!
//! A line is the value, or with `--key-separator` the key, the separator
//! and the value (a line without the separator is a value without a key).
//! `-X` sets any producer property. It prints a one-line summary and exits
//! with 1 if any record failed, 2 on bad arguments or config.

use std::collections::VecDeque;
use std::io::{self, BufRead};
use std::process::ExitCode;
use std::time::Instant;

use kafka_sansio_blocking::{DeliveryReport, Producer, ProducerRecord, Receipt};

/// Receipts waited on at most at once: memory stays bounded however long
/// stdin is, and this many records can be in the pipeline.
const WINDOW: usize = 50_000;
/// Failure reasons printed before only counting.
const SHOWN_FAILURES: u64 = 5;

const USAGE: &str = "usage: produce --bootstrap HOST:PORT[,HOST:PORT...] --topic TOPIC \
[--key-separator SEP] [-X key=value ...]";

/// The parsed command line.
struct Args {
    topic: String,
    separator: Option<Vec<u8>>,
    properties: Vec<(String, String)>,
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let (mut bootstrap, mut topic, mut separator) = (None, None, None);
    let mut properties = Vec::new();
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--bootstrap" => bootstrap = Some(value("--bootstrap")?),
            "--topic" => topic = Some(value("--topic")?),
            "--key-separator" => {
                let sep = value("--key-separator")?;
                if sep.is_empty() {
                    return Err("--key-separator must not be empty".to_owned());
                }
                separator = Some(sep.into_bytes());
            }
            "-X" => {
                let setting = value("-X")?;
                let (key, val) = setting
                    .split_once('=')
                    .ok_or(format!("-X {setting}: expected key=value"))?;
                properties.push((key.to_owned(), val.to_owned()));
            }
            other => return Err(format!("unexpected argument {other:?}")),
        }
    }
    let bootstrap = bootstrap.ok_or("--bootstrap is required")?;
    // `-X` settings come after, so `-X bootstrap.servers=...` would win.
    properties.insert(0, ("bootstrap.servers".to_owned(), bootstrap));
    Ok(Args {
        topic: topic.ok_or("--topic is required")?,
        separator,
        properties,
    })
}

/// The record for one line (without its line ending).
fn record(topic: &str, separator: Option<&[u8]>, mut line: Vec<u8>) -> ProducerRecord {
    let split = separator.and_then(|sep| {
        let at = line.windows(sep.len()).position(|w| w == sep)?;
        Some((at, sep.len()))
    });
    match split {
        Some((at, len)) => {
            let value = line.split_off(at + len);
            line.truncate(at);
            ProducerRecord::new(topic, value).key(line)
        }
        None => ProducerRecord::new(topic, line),
    }
}

/// Delivered and failed counts.
#[derive(Default)]
struct Tally {
    delivered: u64,
    failed: u64,
}

impl Tally {
    fn failure(&mut self, why: &dyn std::fmt::Display) {
        self.failed += 1;
        if self.failed <= SHOWN_FAILURES {
            eprintln!("produce: record failed: {why}");
        }
    }

    fn report(&mut self, report: DeliveryReport) {
        match report.result {
            Ok(_) => self.delivered += 1,
            Err(failure) => self.failure(&failure),
        }
    }
}

fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(why) => {
            eprintln!("produce: {why}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let producer = match Producer::from_properties(args.properties) {
        Ok(producer) => producer,
        Err(e) => {
            eprintln!("produce: {e}");
            return ExitCode::from(2);
        }
    };
    let start = Instant::now();
    let mut tally = Tally::default();
    let mut window: VecDeque<Receipt> = VecDeque::with_capacity(WINDOW);
    let mut input = io::stdin().lock();
    let mut line = Vec::new();
    loop {
        line.clear();
        match input.read_until(b'\n', &mut line) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) => {
                eprintln!("produce: reading stdin: {e}");
                break;
            }
        }
        if line.last() == Some(&b'\n') {
            line.pop();
            if line.last() == Some(&b'\r') {
                line.pop();
            }
        }
        let record = record(
            &args.topic,
            args.separator.as_deref(),
            std::mem::take(&mut line),
        );
        match producer.send(record) {
            Ok(receipt) => window.push_back(receipt),
            Err(e) => tally.failure(&e),
        }
        if window.len() == WINDOW {
            if let Some(oldest) = window.pop_front() {
                tally.report(oldest.wait());
            }
        }
    }
    producer.flush();
    for receipt in window {
        tally.report(receipt.wait());
    }
    drop(producer);
    println!(
        "delivered {}, failed {} to {} in {:.2} s",
        tally.delivered,
        tally.failed,
        args.topic,
        start.elapsed().as_secs_f64()
    );
    if tally.failed > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
