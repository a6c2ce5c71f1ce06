//! The codec's hot pieces: murmur2, one record's encoding, a whole batch
//! with its CRC-32C per codec, and the frame reader; a memcpy of the same
//! bytes is the physical reference. `cargo bench --bench codec`.

mod support;

use bytes::BytesMut;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use kafka_sansio::protocol::FrameReader;
use kafka_sansio::record::{BatchBuilder, Compression, NO_HEADERS, ProducerFields};
use std::hint::black_box;
use support::{RECORD_SIZES, payload, payloads};

/// Bytes of record payload per batch: Kafka's default `batch.size`.
const BATCH_BYTES: usize = 16 * 1024;

fn murmur2(c: &mut Criterion) {
    let mut g = c.benchmark_group("murmur2");
    for len in [8, 32, 100] {
        let key = payload(len);
        g.throughput(Throughput::Bytes(len as u64));
        g.bench_with_input(BenchmarkId::from_parameter(len), &key, |b, key| {
            b.iter(|| kafka_sansio::partitioner::murmur2(black_box(key)))
        });
    }
    g.finish();
}

fn record_encode(c: &mut Criterion) {
    let mut g = c.benchmark_group("record_encode");
    for size in RECORD_SIZES {
        let value = payload(size);
        g.throughput(Throughput::Bytes(size as u64));
        g.bench_function(BenchmarkId::from_parameter(size), |b| {
            let mut builder = BatchBuilder::with_capacity(Compression::None, 1 << 20).unwrap();
            b.iter(|| {
                if builder.len() == 4096 {
                    builder.clear();
                }
                builder
                    .append(1_700_000_000_000, None, Some(black_box(&value)), NO_HEADERS)
                    .unwrap();
            })
        });
    }
    g.finish();
}

/// The codecs compiled in.
fn codecs() -> Vec<(&'static str, Compression)> {
    let mut all = vec![("none", Compression::None)];
    if cfg!(feature = "gzip") {
        all.push(("gzip", Compression::Gzip { level: None }));
    }
    if cfg!(feature = "snappy") {
        all.push(("snappy", Compression::Snappy));
    }
    if cfg!(feature = "lz4") {
        all.push(("lz4", Compression::Lz4));
    }
    if cfg!(feature = "zstd") {
        all.push(("zstd", Compression::Zstd { level: None }));
    }
    all
}

/// Distinct batches per codec and record size, used in turn: 4 MiB of
/// records. A compressor run again and again on one batch goes through the
/// same branches each time, and the branch predictor learns them: on one
/// repeated 256 KiB batch of 100 B letters lz4 measured twice as fast as on
/// a fresh batch each time.
const DISTINCT_BATCHES: usize = 256;

/// Batch builders, each holding about [`BATCH_BYTES`] of distinct
/// `size`-byte records.
fn full_builders(compression: Compression, size: usize) -> Vec<BatchBuilder> {
    let mut values = payloads(size);
    (0..DISTINCT_BATCHES)
        .map(|_| {
            let mut builder = BatchBuilder::new(compression).unwrap();
            for value in values.by_ref().take(BATCH_BYTES / size) {
                builder
                    .append(1_700_000_000_000, None, Some(&value), NO_HEADERS)
                    .unwrap();
            }
            builder
        })
        .collect()
}

fn batch_encode(c: &mut Criterion) {
    let fields = ProducerFields {
        producer_id: 1000,
        producer_epoch: 0,
        base_sequence: 0,
        transactional: false,
    };
    for size in RECORD_SIZES {
        let mut g = c.benchmark_group(format!("batch_encode/{size}B"));
        for (name, compression) in codecs() {
            let builders = full_builders(compression, size);
            // Throughput in the bytes a batch holds before compression.
            g.throughput(Throughput::Bytes(builders[0].uncompressed_size() as u64));
            let mut out = BytesMut::with_capacity(2 * BATCH_BYTES);
            let mut turn = builders.iter().cycle();
            g.bench_function(name, |b| {
                b.iter(|| {
                    out.clear();
                    let builder = turn.next().expect("endless");
                    builder.finish(&fields, &mut out).unwrap()
                })
            });
        }
        // The same bytes, from the same distinct batches in turn.
        let builders = full_builders(Compression::None, size);
        let mut dst = vec![0u8; builders[0].records_bytes().len()];
        g.throughput(Throughput::Bytes(builders[0].uncompressed_size() as u64));
        let mut turn = builders.iter().cycle();
        g.bench_function("memcpy", |b| {
            b.iter(|| {
                let src = turn.next().expect("endless").records_bytes();
                dst[..src.len()].copy_from_slice(black_box(src))
            })
        });
        g.finish();
    }
}

fn frame_reader(c: &mut Criterion) {
    let mut g = c.benchmark_group("frame_reader");
    for frame_size in [64, 16 * 1024] {
        // 64 KiB of back-to-back frames, fed in 4 KiB reads.
        let frames = (64 * 1024) / (4 + frame_size);
        let mut stream = Vec::new();
        for _ in 0..frames {
            stream.extend_from_slice(&(frame_size as i32).to_be_bytes());
            stream.extend_from_slice(&payload(frame_size));
        }
        g.throughput(Throughput::Bytes(stream.len() as u64));
        g.bench_function(BenchmarkId::from_parameter(frame_size), |b| {
            let mut reader = FrameReader::new(1 << 20);
            b.iter(|| {
                let mut n = 0;
                for chunk in stream.chunks(4096) {
                    reader.push(chunk);
                    while let Some(frame) = reader.next_frame().unwrap() {
                        n += frame.len();
                    }
                }
                n
            })
        });
    }
    g.finish();
}

criterion_group!(benches, murmur2, record_encode, batch_encode, frame_reader);
criterion_main!(benches);
