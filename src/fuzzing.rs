//! Entry points shared by the cargo-fuzz targets in `fuzz/` and by the test
//! that replays their committed corpora (`tests/fuzz_corpus.rs`), so a
//! fuzz finding and its regression test run the very same code.
//!
//! Each function takes arbitrary bytes, must never panic on them, and
//! checks the properties that should hold for any input. The decoder
//! targets are here; [`producer`] (feature `sim`) drives the whole state
//! machine against a simulated cluster and fake brokers.

#[cfg(feature = "sim")]
mod fake_broker;
#[cfg(feature = "sim")]
pub mod ops;
#[cfg(feature = "sim")]
mod state_machine;
#[cfg(feature = "sim")]
pub use state_machine::{Summary, producer, run_producer};

use crate::protocol::metadata::{MetadataRequest, MetadataResponse};
use crate::protocol::{
    ApiMessage, FrameReader, InitProducerIdRequest, InitProducerIdResponse, Reader,
};
use crate::protocol::{
    ApiVersionsRequest, ApiVersionsResponse, CreateTopicsRequest, CreateTopicsResponse,
    ProduceRequest, ProduceResponse,
};
use crate::record::{
    BatchBuilder, BatchReader, Compression, ReadOptions, RecordBatch, TimestampType,
};
use bytes::{Bytes, BytesMut};

/// Splits the input into frames twice, once in one piece and once in
/// chunks whose sizes come from the input, and checks that both readings
/// give the same frames and the same verdict, with a buffer never larger
/// than what was pushed.
pub fn frame_reader(data: &[u8]) {
    let Some((&control, stream)) = data.split_first() else {
        return;
    };
    let cap = usize::from(control & 0x3f) * 16;
    let chunk = usize::from(control >> 6) * 3 + 1;

    let whole = read_frames(cap, std::iter::once(stream));
    let chunked = read_frames(cap, stream.chunks(chunk));
    assert_eq!(whole, chunked, "chunking changed the frames");
}

fn read_frames<'a>(
    cap: usize,
    chunks: impl Iterator<Item = &'a [u8]>,
) -> (Vec<Bytes>, Option<crate::protocol::FrameError>) {
    let mut reader = FrameReader::new(cap);
    let mut frames = Vec::new();
    let mut pushed = 0;
    for chunk in chunks {
        reader.push(chunk);
        pushed += chunk.len();
        assert!(reader.buffered() <= pushed);
        loop {
            match reader.next_frame() {
                Ok(Some(frame)) => {
                    assert!(frame.len() <= cap);
                    frames.push(frame);
                }
                Ok(None) => break,
                Err(e) => return (frames, Some(e)),
            }
        }
    }
    (frames, None)
}

/// Decodes the input as message `M` in a version picked by the first
/// byte. Whatever decodes must encode again, and decode to the same
/// value: the codec may reject input but never change its meaning.
pub fn message<M: ApiMessage + PartialEq + std::fmt::Debug>(data: &[u8]) {
    let Some((version, body)) = pick_version::<M>(data) else {
        return;
    };
    let mut r = Reader::new(Bytes::copy_from_slice(body));
    let Ok(decoded) = M::decode(&mut r, version) else {
        return;
    };
    let mut buf = BytesMut::new();
    decoded
        .encode(&mut buf, version)
        .expect("a decoded message encodes again");
    let again =
        M::decode(&mut Reader::new(buf.freeze()), version).expect("a re-encoded message decodes");
    assert_eq!(again, decoded, "decode, encode, decode changed the value");
}

/// The first byte picks one of `M`'s versions; the rest is the body.
fn pick_version<M: ApiMessage>(data: &[u8]) -> Option<(i16, &[u8])> {
    let (&pick, body) = data.split_first()?;
    let span = M::VERSIONS.max - M::VERSIONS.min + 1;
    Some((M::VERSIONS.min + i16::from(pick) % span, body))
}

/// InitProducerId: the response as a producer receives it, the request as
/// a broker (the simulated cluster) does.
pub fn init_producer_id(data: &[u8]) {
    message::<InitProducerIdResponse>(data);
    message::<InitProducerIdRequest>(data);
}

/// Metadata, both directions.
pub fn metadata(data: &[u8]) {
    message::<MetadataResponse>(data);
    message::<MetadataRequest>(data);
}

/// ApiVersions, both directions, and the response's v0 fallback.
pub fn api_versions(data: &[u8]) {
    message::<ApiVersionsResponse>(data);
    message::<ApiVersionsRequest>(data);
    if let Some((version, body)) = pick_version::<ApiVersionsResponse>(data) {
        let _ = ApiVersionsResponse::decode_with_fallback(Bytes::copy_from_slice(body), version);
    }
}

/// Produce, both directions.
pub fn produce(data: &[u8]) {
    message::<ProduceResponse>(data);
    message::<ProduceRequest>(data);
}

/// CreateTopics, both directions.
pub fn create_topics(data: &[u8]) {
    message::<CreateTopicsResponse>(data);
    message::<CreateTopicsRequest>(data);
}

/// The most a fuzzed batch may decompress to.
const FUZZ_DECOMPRESSED_CAP: usize = 1 << 20;

/// Record batches as a broker (strict) and a consumer (fetch, cut-off tail
/// allowed) read them. A batch that decodes is written again with the same
/// codec and producer fields and must read back to the same records.
pub fn record_batch(data: &[u8]) {
    let bytes = Bytes::copy_from_slice(data);
    for options in [ReadOptions::strict(), ReadOptions::fetch()] {
        let options = options.with_max_decompressed_size(FUZZ_DECOMPRESSED_CAP);
        for raw in BatchReader::new(bytes.clone(), options) {
            let Ok(raw) = raw else { break };
            if let Ok(batch) = raw.decode(FUZZ_DECOMPRESSED_CAP) {
                rebuild_and_compare(&batch);
            }
        }
    }
}

fn rebuild_and_compare(batch: &RecordBatch) {
    let header = &batch.header;
    let Ok(codec) = header.compression() else {
        return;
    };
    // LogAppendTime and control batches are the broker's to write.
    if header.timestamp_type() != TimestampType::CreateTime || header.is_control() {
        return;
    }
    let mut builder =
        BatchBuilder::new(Compression::from(codec)).expect("a decoded codec is enabled");
    for r in &batch.records {
        let headers: Vec<(&str, Option<&[u8]>)> = r
            .headers
            .iter()
            .map(|h| (h.key(), h.value.as_deref()))
            .collect();
        if builder
            .append(
                r.timestamp,
                r.key.as_deref(),
                r.value.as_deref(),
                headers.iter().copied(),
            )
            .is_err()
        {
            return; // e.g. a timestamp delta that does not fit: refused, not mangled
        }
    }
    if builder.is_empty() {
        return;
    }
    let mut out = BytesMut::new();
    builder
        .finish(&header.producer_fields(), &mut out)
        .expect("records that decoded encode again");
    let again = BatchReader::new(out.freeze(), ReadOptions::strict())
        .next()
        .expect("one batch")
        .expect("a rebuilt batch reads")
        .decode(usize::MAX)
        .expect("a rebuilt batch decodes");
    let strip = |b: &RecordBatch| -> Vec<_> {
        b.records
            .iter()
            .map(|r| {
                (
                    r.timestamp,
                    r.key.clone(),
                    r.value.clone(),
                    r.headers.clone(),
                )
            })
            .collect()
    };
    assert_eq!(
        strip(&again),
        strip(batch),
        "rebuilding a batch changed its records"
    );
}
