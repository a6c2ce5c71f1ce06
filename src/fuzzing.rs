//! Entry points shared by the cargo-fuzz targets in `fuzz/` and by the test
//! that replays their committed corpora (`tests/fuzz_corpus.rs`), so a
//! fuzz finding and its regression test run the very same code.
//!
//! Each function takes arbitrary bytes, must never panic on them, and
//! checks the properties that should hold for any input.

use crate::protocol::metadata::{MetadataRequest, MetadataResponse};
use crate::protocol::{
    ApiMessage, FrameReader, InitProducerIdRequest, InitProducerIdResponse, Reader,
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
    let Some((&pick, body)) = data.split_first() else {
        return;
    };
    let span = (M::VERSIONS.max - M::VERSIONS.min + 1) as u8;
    let version = M::VERSIONS.min + i16::from(pick % span);
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
