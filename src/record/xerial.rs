//! The xerial snappy-java stream framing that Kafka uses for snappy
//! (`org.xerial.snappy.SnappyOutputStream` / `SnappyInputStream`).
//!
//! ```text
//! header : 0x82 'S' 'N' 'A' 'P' 'P' 'Y' 0x00   (8 bytes)
//!          version            int32 BE = 1
//!          compatible version int32 BE = 1
//! blocks : repeated { length int32 BE, raw snappy block of `length` bytes }
//! ```
//!
//! The writer compresses at most [`SNAPPY_BLOCK_SIZE`] (32 KiB) of input per
//! block, as snappy-java does by default, and writes the header even for
//! empty input (snappy-java writes it on close).
//!
//! The reader follows `SnappyInputStream`: it requires the magic, accepts
//! any version >= 1 (snappy-java checks only that), and when a block length
//! equals the first four header bytes (`0x82534E41`) it reads a further
//! header, as snappy-java does for concatenated streams. Unlike snappy-java
//! it does not fall back to decoding the input as one raw snappy block when
//! the magic is missing: Kafka always writes the framing, so anything else
//! is reported as corrupt.

use bytes::BytesMut;

use super::RecordError;
use super::compression::{CompressionType, SNAPPY_BLOCK_SIZE};

/// The 8 magic bytes that start a stream.
pub const MAGIC: [u8; 8] = [0x82, b'S', b'N', b'A', b'P', b'P', b'Y', 0];
/// The stream format version snappy-java writes.
pub const VERSION: i32 = 1;
/// The oldest reader version able to read what snappy-java writes.
pub const COMPATIBLE_VERSION: i32 = 1;
/// Header size: magic, version, compatible version.
pub const HEADER_SIZE: usize = 16;
/// The first four magic bytes read as a big-endian int32: a block length
/// with this value starts a concatenated stream's header instead.
const MAGIC_HEAD: u32 = 0x8253_4E41;

fn corrupt(detail: impl Into<String>) -> RecordError {
    RecordError::Decompress {
        codec: CompressionType::Snappy,
        detail: detail.into(),
    }
}

/// Appends `input` to `out` as one xerial stream.
pub fn compress(input: &[u8], out: &mut BytesMut) -> Result<(), RecordError> {
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&VERSION.to_be_bytes());
    out.extend_from_slice(&COMPATIBLE_VERSION.to_be_bytes());
    let mut encoder = snap::raw::Encoder::new();
    for chunk in input.chunks(SNAPPY_BLOCK_SIZE) {
        let len_at = out.len();
        let max = snap::raw::max_compress_len(chunk.len());
        out.resize(len_at + 4 + max, 0);
        let n = encoder
            .compress(chunk, &mut out[len_at + 4..])
            .map_err(|e| RecordError::Compress {
                codec: CompressionType::Snappy,
                detail: e.to_string(),
            })?;
        out.truncate(len_at + 4 + n);
        out[len_at..len_at + 4].copy_from_slice(&(n as u32).to_be_bytes());
    }
    Ok(())
}

/// Checks a 16-byte stream header.
fn check_header(header: &[u8]) -> Result<(), RecordError> {
    if header.len() < HEADER_SIZE || header[..8] != MAGIC {
        return Err(corrupt(
            "missing the xerial snappy-java stream header (Kafka frames snappy data with it)",
        ));
    }
    let version = i32::from_be_bytes([header[8], header[9], header[10], header[11]]);
    if version < COMPATIBLE_VERSION {
        return Err(corrupt(format!(
            "xerial stream version {version} is older than {COMPATIBLE_VERSION}"
        )));
    }
    Ok(())
}

/// Decodes one xerial stream (or several concatenated), producing at most
/// `limit` bytes. Each block's declared uncompressed size is checked
/// against the limit before any room is made for it.
pub fn decompress(input: &[u8], limit: usize) -> Result<Vec<u8>, RecordError> {
    if input.is_empty() {
        return Err(corrupt("empty snappy stream"));
    }
    check_header(input)?;
    let mut pos = HEADER_SIZE;
    let mut out = Vec::new();
    let mut decoder = snap::raw::Decoder::new();
    while pos < input.len() {
        let Some(word) = input.get(pos..pos + 4) else {
            return Err(corrupt("block length truncated"));
        };
        let word = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
        if word == MAGIC_HEAD {
            check_header(&input[pos..])?;
            pos += HEADER_SIZE;
            continue;
        }
        if word > i32::MAX as u32 {
            return Err(corrupt(format!("negative block length {}", word as i32)));
        }
        pos += 4;
        let len = word as usize;
        let Some(block) = input.get(pos..pos + len) else {
            return Err(corrupt(format!(
                "block of {len} bytes but {} remain",
                input.len() - pos
            )));
        };
        pos += len;
        let n = snap::raw::decompress_len(block).map_err(|e| corrupt(e.to_string()))?;
        let start = out.len();
        if n > limit - start {
            return Err(RecordError::DecompressedTooLarge {
                codec: CompressionType::Snappy,
                limit,
            });
        }
        out.resize(start + n, 0);
        let written = decoder
            .decompress(block, &mut out[start..])
            .map_err(|e| corrupt(e.to_string()))?;
        if written != n {
            return Err(corrupt("block decoded to fewer bytes than it declared"));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Snappy-compressed records bytes written by the Java client, as
    /// quoted in the kafka-protocol crate's snappy tests: one record with
    /// value "sdfdsf".
    const UPSTREAM: &[u8] = b"\x82\x53\x4e\x41\x50\x50\x59\x00\x00\x00\x00\x01\x00\x00\x00\x01\x00\x00\x00\x0f\x0d\x30\x18\x00\x00\x00\x01\x0csdfdsf\x00";
    const RECORDS: &[u8] = b"\x18\x00\x00\x00\x01\x0csdfdsf\x00";

    #[test]
    fn matches_snappy_java_bytes() {
        assert_eq!(decompress(UPSTREAM, 1000).unwrap(), RECORDS);
        let mut out = BytesMut::new();
        compress(RECORDS, &mut out).unwrap();
        assert_eq!(&out[..], UPSTREAM);
    }

    #[test]
    fn header_only_is_empty_and_raw_snappy_is_rejected() {
        let mut out = BytesMut::new();
        compress(&[], &mut out).unwrap();
        assert_eq!(out.len(), HEADER_SIZE);
        assert!(decompress(&out, 10).unwrap().is_empty());
        let raw = snap::raw::Encoder::new().compress_vec(RECORDS).unwrap();
        assert!(decompress(&raw, 1000).is_err());
        assert!(decompress(&[], 1000).is_err());
    }

    #[test]
    fn concatenated_streams_are_read() {
        let mut out = BytesMut::new();
        compress(b"hello ", &mut out).unwrap();
        compress(b"world", &mut out).unwrap();
        assert_eq!(decompress(&out, 100).unwrap(), b"hello world");
    }

    #[test]
    fn every_truncation_fails_cleanly() {
        let mut out = BytesMut::new();
        compress(&[7u8; 70_000], &mut out).unwrap();
        for cut in 0..out.len() {
            // A cut exactly at a block boundary is a shorter valid stream.
            if let Ok(v) = decompress(&out[..cut], 1 << 20) {
                assert!(v.len() < 70_000 && v.len() % SNAPPY_BLOCK_SIZE == 0);
            }
        }
    }
}
