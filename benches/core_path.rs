//! The whole core path per record: send, partition, accumulate, drain,
//! encode (with CRC), settle the acknowledgment and report, driven as an
//! adapter drives it (see `support::CorePath`), next to a memcpy of the
//! same payload bytes. Records go owned (`partitions/N`: a `Bytes` clone
//! per record) and lent as slices (`borrowed/N`).
//! `cargo bench --bench core_path`.

mod support;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use kafka_sansio::producer::{BorrowedRecord, ProducerRecord};
use std::hint::black_box;
use support::{CorePath, RECORD_SIZES, TOPIC, payload};

/// Records per measured iteration: criterion's time per iteration in µs
/// reads as ns per record. Batches fill across iterations (no flush in the
/// loop), so this is the steady state.
const RECORDS: usize = 1_000;

fn core_path(c: &mut Criterion) {
    for size in RECORD_SIZES {
        let mut g = c.benchmark_group(format!("core_path/{size}B"));
        // In payload bytes, so GB/s compares with the memcpy below.
        g.throughput(Throughput::Bytes((size * RECORDS) as u64));
        let value = payload(size);
        let topic = kafka_sansio::producer::SmolStr::new_static(TOPIC);
        for partitions in [1, 6] {
            let mut path = CorePath::new(partitions, &[]);
            g.bench_function(BenchmarkId::new("partitions", partitions), |b| {
                b.iter(|| {
                    for _ in 0..RECORDS {
                        path.send(ProducerRecord::new(topic.clone(), value.clone()));
                    }
                })
            });
            // The same records lent as slices, as the perf tools send
            // them: no shared count to take and drop per record.
            let mut path = CorePath::new(partitions, &[]);
            g.bench_function(BenchmarkId::new("borrowed", partitions), |b| {
                b.iter(|| {
                    for _ in 0..RECORDS {
                        path.send(BorrowedRecord::new(TOPIC, &value));
                    }
                })
            });
        }
        let src = vec![b'A'; size * RECORDS];
        let mut dst = vec![0u8; src.len()];
        g.bench_function("memcpy", |b| {
            b.iter(|| dst.copy_from_slice(black_box(&src)))
        });
        g.finish();
    }
}

criterion_group!(benches, core_path);
criterion_main!(benches);
