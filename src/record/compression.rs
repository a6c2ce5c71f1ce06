//! Compression codecs, framed exactly as the Java client writes them and
//! the broker reads them (record-batch-v2.md §3.3):
//!
//! | codec | id | stream format |
//! | --- | --- | --- |
//! | gzip | 1 | a standard GZIP stream (RFC 1952); concatenated members are read, as `java.util.zip.GZIPInputStream` does |
//! | snappy | 2 | the xerial snappy-java stream: 16-byte header (`82 'SNAPPY' 00`, version 1, compatible version 1, both int32 BE), then blocks of `[int32 BE compressed length][raw snappy block]`, each holding at most 32 KiB of input |
//! | lz4 | 3 | one LZ4 frame (magic `0x184D2204`) as Kafka's `Lz4BlockOutputStream` writes it: FLG = version 1, independent blocks, no block checksum, no content size, no content checksum, no dictionary id; BD = 64 KiB blocks; a correct header checksum. Once a block does not save more than 1/64 of itself plus 2 bytes ([`pays_off`]), it and the rest of the frame are stored without a try |
//! | zstd | 4 | a standard zstd frame |
//!
//! A batch goes out with its codec only when that [pays](pays_off) (saves
//! more than 1/64); the batch writer ([`BatchBuilder`](super::BatchBuilder))
//! writes the others uncompressed.
//!
//! Every codec is behind its cargo feature (`gzip`, `snappy`, `lz4`,
//! `zstd`, all on by default). Using a codec whose feature is off yields
//! [`RecordError::CodecDisabled`]; it never panics.
//!
//! Decompression is bounded: the caller gives the most bytes the output may
//! hold, and a stream that would produce more (a "compression bomb") fails
//! with [`RecordError::DecompressedTooLarge`] before more than that limit
//! (plus the codec's own working buffers) is allocated.

use bytes::{Bytes, BytesMut};

use super::RecordError;

/// A compression codec as named by the low three attribute bits of a
/// batch, without a level.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CompressionType {
    /// No compression (id 0).
    None,
    /// GZIP (id 1).
    Gzip,
    /// Snappy in the xerial framing (id 2).
    Snappy,
    /// An LZ4 frame (id 3).
    Lz4,
    /// A zstd frame (id 4).
    Zstd,
}

impl CompressionType {
    /// The codec id stored in the batch attributes.
    pub fn id(self) -> u8 {
        match self {
            Self::None => 0,
            Self::Gzip => 1,
            Self::Snappy => 2,
            Self::Lz4 => 3,
            Self::Zstd => 4,
        }
    }

    /// The codec with attribute id `id`, or `None` for 5..=7 and beyond.
    pub fn from_id(id: u8) -> Option<Self> {
        Some(match id {
            0 => Self::None,
            1 => Self::Gzip,
            2 => Self::Snappy,
            3 => Self::Lz4,
            4 => Self::Zstd,
            _ => return None,
        })
    }

    /// The name Kafka uses in `compression.type`.
    pub fn name(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Gzip => "gzip",
            Self::Snappy => "snappy",
            Self::Lz4 => "lz4",
            Self::Zstd => "zstd",
        }
    }

    /// True when this build can compress and decompress the codec (its
    /// cargo feature is on). [`CompressionType::None`] is always enabled.
    pub fn is_enabled(self) -> bool {
        match self {
            Self::None => true,
            Self::Gzip => cfg!(feature = "gzip"),
            Self::Snappy => cfg!(feature = "snappy"),
            Self::Lz4 => cfg!(feature = "lz4"),
            Self::Zstd => cfg!(feature = "zstd"),
        }
    }

    fn check_enabled(self) -> Result<(), RecordError> {
        if self.is_enabled() {
            Ok(())
        } else {
            Err(RecordError::CodecDisabled { codec: self })
        }
    }
}

impl std::fmt::Display for CompressionType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The codec, and level where the codec has one, to compress a batch with.
///
/// Levels follow the Java client's settings: `compression.gzip.level`
/// (1..=9, default 6, zlib's default) and `compression.zstd.level`
/// (-131072..=22, default 3). Snappy has no level. LZ4 has none here
/// either: the pure-Rust `lz4_flex` implements only the fast LZ4 block
/// compressor (comparable to LZ4 level 1), not LZ4-HC, so the Java
/// client's `compression.lz4.level` (default 9, HC) has no counterpart;
/// the output is still a frame every LZ4 reader accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Compression {
    /// No compression.
    #[default]
    None,
    /// GZIP at `level` (1..=9), or 6 when `None`.
    Gzip {
        /// The deflate level.
        level: Option<i32>,
    },
    /// Snappy (xerial framing).
    Snappy,
    /// LZ4 frame (no level, see the type docs).
    Lz4,
    /// zstd at `level` (-131072..=22), or 3 when `None`.
    Zstd {
        /// The zstd level.
        level: Option<i32>,
    },
}

/// Lowest and highest gzip level.
pub const GZIP_LEVELS: (i32, i32) = (1, 9);
/// Lowest and highest zstd level (`ZSTD_minCLevel()`, `ZSTD_maxCLevel()`).
pub const ZSTD_LEVELS: (i32, i32) = (-131_072, 22);
/// The gzip level used when none is given (zlib's default, as Java's
/// `Deflater.DEFAULT_COMPRESSION`).
pub const GZIP_DEFAULT_LEVEL: i32 = 6;
/// The zstd level used when none is given (Kafka's default).
pub const ZSTD_DEFAULT_LEVEL: i32 = 3;

/// Uncompressed bytes per xerial snappy block (snappy-java's default
/// block size, which Kafka uses).
pub const SNAPPY_BLOCK_SIZE: usize = 32 * 1024;

impl Compression {
    /// GZIP at the default level.
    pub const GZIP: Compression = Compression::Gzip { level: None };
    /// zstd at the default level.
    pub const ZSTD: Compression = Compression::Zstd { level: None };

    /// The codec, without the level.
    pub fn codec(&self) -> CompressionType {
        match self {
            Self::None => CompressionType::None,
            Self::Gzip { .. } => CompressionType::Gzip,
            Self::Snappy => CompressionType::Snappy,
            Self::Lz4 => CompressionType::Lz4,
            Self::Zstd { .. } => CompressionType::Zstd,
        }
    }

    /// Checks that the codec is compiled in and the level (if any) is in
    /// range.
    pub fn validate(&self) -> Result<(), RecordError> {
        let codec = self.codec();
        codec.check_enabled()?;
        let (level, (min, max)) = match *self {
            Self::Gzip { level: Some(l) } => (l, GZIP_LEVELS),
            Self::Zstd { level: Some(l) } => (l, ZSTD_LEVELS),
            _ => return Ok(()),
        };
        if (min..=max).contains(&level) {
            Ok(())
        } else {
            Err(RecordError::InvalidLevel {
                codec,
                level,
                min,
                max,
            })
        }
    }
}

impl From<CompressionType> for Compression {
    /// The codec at its default level.
    fn from(codec: CompressionType) -> Self {
        match codec {
            CompressionType::None => Self::None,
            CompressionType::Gzip => Self::GZIP,
            CompressionType::Snappy => Self::Snappy,
            CompressionType::Lz4 => Self::Lz4,
            CompressionType::Zstd => Self::ZSTD,
        }
    }
}

/// True when sending `compressed` bytes instead of `uncompressed` ones
/// pays: they save more than 1/64 of the uncompressed size plus 2 bytes.
/// This is zstd's own bar for storing a block raw (`ZSTD_minGain`): a
/// smaller saving is not worth the broker's and every consumer's
/// decompression pass. Batches ([`BatchBuilder`](super::BatchBuilder))
/// and LZ4 blocks are held to it.
///
/// ```
/// use kafka_sansio::record::compression::pays_off;
/// assert!(pays_off(900, 1000)); // saves 10 %
/// assert!(!pays_off(990, 1000)); // saves 1 %: sent uncompressed
/// assert!(!pays_off(1000, 1000));
/// ```
pub fn pays_off(compressed: usize, uncompressed: usize) -> bool {
    let min_gain = (uncompressed >> 6) + 2;
    compressed.saturating_add(min_gain) < uncompressed
}

/// Appends `input`, compressed with `compression`, to `out`. On error
/// `out` may hold a partial stream past its original length; callers
/// truncate it.
pub fn compress(
    compression: &Compression,
    input: &[u8],
    out: &mut BytesMut,
) -> Result<(), RecordError> {
    compression.validate()?;
    match *compression {
        Compression::None => {
            out.extend_from_slice(input);
            Ok(())
        }
        Compression::Gzip { level } => gzip::compress(input, level, out),
        Compression::Snappy => snappy_compress(input, out),
        Compression::Lz4 => lz4::compress(input, out),
        Compression::Zstd { level } => zstd_codec::compress(input, level, out),
    }
}

/// Room beyond the compressed bytes that compressing about `len` bytes
/// with `compression` needs in the output buffer while it works: lz4
/// compresses each block into room for its worst case, then gives back
/// what it did not use.
pub(crate) fn working_room(compression: &Compression, len: usize) -> usize {
    match compression {
        #[cfg(feature = "lz4")]
        Compression::Lz4 => lz4::working_room(len),
        _ => 0,
    }
}

/// Decompresses `input` (the records region of a batch compressed with
/// `codec`), refusing to produce more than `limit` bytes.
pub fn decompress(
    codec: CompressionType,
    input: &[u8],
    limit: usize,
) -> Result<Bytes, RecordError> {
    codec.check_enabled()?;
    let out = match codec {
        CompressionType::None => {
            if input.len() > limit {
                return Err(RecordError::DecompressedTooLarge { codec, limit });
            }
            input.to_vec()
        }
        CompressionType::Gzip => gzip::decompress(input, limit)?,
        CompressionType::Snappy => snappy_decompress(input, limit)?,
        CompressionType::Lz4 => lz4::decompress(input, limit)?,
        CompressionType::Zstd => zstd_codec::decompress(input, limit)?,
    };
    Ok(Bytes::from(out))
}

#[cfg(feature = "snappy")]
fn snappy_compress(input: &[u8], out: &mut BytesMut) -> Result<(), RecordError> {
    super::xerial::compress(input, out)
}

#[cfg(feature = "snappy")]
fn snappy_decompress(input: &[u8], limit: usize) -> Result<Vec<u8>, RecordError> {
    super::xerial::decompress(input, limit)
}

#[cfg(not(feature = "snappy"))]
fn snappy_compress(_: &[u8], _: &mut BytesMut) -> Result<(), RecordError> {
    Err(RecordError::CodecDisabled {
        codec: CompressionType::Snappy,
    })
}

#[cfg(not(feature = "snappy"))]
fn snappy_decompress(_: &[u8], _: usize) -> Result<Vec<u8>, RecordError> {
    Err(RecordError::CodecDisabled {
        codec: CompressionType::Snappy,
    })
}

/// Reads `reader` to its end into a new buffer, failing once it yields
/// more than `limit` bytes. The buffer never grows past `limit + 1` bytes
/// of content.
#[cfg(any(feature = "gzip", feature = "lz4", feature = "zstd"))]
fn read_bounded(
    codec: CompressionType,
    reader: impl std::io::Read,
    size_hint: usize,
    limit: usize,
) -> Result<Vec<u8>, RecordError> {
    use std::io::Read;
    let mut out = Vec::with_capacity(size_hint.min(limit));
    let cap = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
    reader
        .take(cap)
        .read_to_end(&mut out)
        .map_err(|e| RecordError::Decompress {
            codec,
            detail: e.to_string(),
        })?;
    if out.len() > limit {
        return Err(RecordError::DecompressedTooLarge { codec, limit });
    }
    Ok(out)
}

#[cfg(any(feature = "gzip", feature = "lz4", feature = "zstd"))]
fn compress_error(codec: CompressionType, e: impl std::fmt::Display) -> RecordError {
    RecordError::Compress {
        codec,
        detail: e.to_string(),
    }
}

mod gzip {
    use super::*;

    #[cfg(feature = "gzip")]
    pub(super) fn compress(
        input: &[u8],
        level: Option<i32>,
        out: &mut BytesMut,
    ) -> Result<(), RecordError> {
        use bytes::BufMut;
        use std::io::Write;
        let level = level.unwrap_or(GZIP_DEFAULT_LEVEL) as u32;
        let err = |e| compress_error(CompressionType::Gzip, e);
        let mut enc = flate2::write::GzEncoder::new(out.writer(), flate2::Compression::new(level));
        enc.write_all(input).map_err(err)?;
        enc.finish().map_err(err)?;
        Ok(())
    }

    #[cfg(feature = "gzip")]
    pub(super) fn decompress(input: &[u8], limit: usize) -> Result<Vec<u8>, RecordError> {
        if input.is_empty() {
            // GZIPInputStream rejects an empty stream (EOFException); flate2
            // would return nothing.
            return Err(RecordError::Decompress {
                codec: CompressionType::Gzip,
                detail: "empty gzip stream".into(),
            });
        }
        let reader = flate2::read::MultiGzDecoder::new(input);
        read_bounded(
            CompressionType::Gzip,
            reader,
            input.len().saturating_mul(4),
            limit,
        )
    }

    #[cfg(not(feature = "gzip"))]
    pub(super) fn compress(_: &[u8], _: Option<i32>, _: &mut BytesMut) -> Result<(), RecordError> {
        Err(RecordError::CodecDisabled {
            codec: CompressionType::Gzip,
        })
    }

    #[cfg(not(feature = "gzip"))]
    pub(super) fn decompress(_: &[u8], _: usize) -> Result<Vec<u8>, RecordError> {
        Err(RecordError::CodecDisabled {
            codec: CompressionType::Gzip,
        })
    }
}

mod zstd_codec {
    use super::*;

    #[cfg(feature = "zstd")]
    pub(super) fn compress(
        input: &[u8],
        level: Option<i32>,
        out: &mut BytesMut,
    ) -> Result<(), RecordError> {
        use bytes::BufMut;
        let level = level.unwrap_or(ZSTD_DEFAULT_LEVEL);
        zstd::stream::copy_encode(input, out.writer(), level)
            .map_err(|e| compress_error(CompressionType::Zstd, e))
    }

    /// Reads every zstd frame in `input` (zstd-jni's `ZstdInputStream`
    /// also continues across concatenated frames). The decoder's window is
    /// capped at zstd's default limit of 2^27 bytes, the same cap the
    /// broker's zstd-jni applies, so a frame header alone cannot make it
    /// allocate more than 128 MiB of window.
    #[cfg(feature = "zstd")]
    pub(super) fn decompress(input: &[u8], limit: usize) -> Result<Vec<u8>, RecordError> {
        let codec = CompressionType::Zstd;
        let err = |e: std::io::Error| RecordError::Decompress {
            codec,
            detail: e.to_string(),
        };
        if input.is_empty() {
            return Err(RecordError::Decompress {
                codec,
                detail: "empty zstd stream".into(),
            });
        }
        let mut dec = zstd::stream::read::Decoder::with_buffer(input).map_err(err)?;
        dec.window_log_max(27).map_err(err)?;
        read_bounded(codec, dec, input.len().saturating_mul(4), limit)
    }

    #[cfg(not(feature = "zstd"))]
    pub(super) fn compress(_: &[u8], _: Option<i32>, _: &mut BytesMut) -> Result<(), RecordError> {
        Err(RecordError::CodecDisabled {
            codec: CompressionType::Zstd,
        })
    }

    #[cfg(not(feature = "zstd"))]
    pub(super) fn decompress(_: &[u8], _: usize) -> Result<Vec<u8>, RecordError> {
        Err(RecordError::CodecDisabled {
            codec: CompressionType::Zstd,
        })
    }
}

/// LZ4 frames as Kafka's `Lz4BlockOutputStream` writes them and its
/// `Lz4BlockInputStream` reads them.
///
/// Kafka's reader accepts: FLG version 01; independent blocks only
/// ("Dependent block stream is unsupported"); FLG bits 0-1 zero (so no
/// dictionary id); BD bits 0-3 and 7 zero with a block size id of 4..=7
/// (64 KiB .. 4 MiB); an optional content size (skipped); optional block
/// checksums (verified); an optional content checksum (skipped); and it
/// verifies the header checksum (for magic 2). Blocks whose length has the
/// high bit set are stored uncompressed.
///
/// The writer produces what Kafka's writer does: 64 KiB independent
/// blocks, no block checksum, no content size, no content checksum.
///
/// The reader first walks the frame structure itself, applying Kafka's
/// rules above, requiring the end mark, and rejecting bytes after the
/// frame (Kafka ignores them; a producer never writes any); then it lets
/// `lz4_flex` decode that one frame, which verifies the header, block and
/// content checksums.
mod lz4 {
    use super::*;

    /// The LZ4 frame magic number (little-endian on the wire).
    #[allow(dead_code)]
    pub(super) const MAGIC: u32 = 0x184D_2204;

    /// The frame header Kafka's writer starts with: the magic, FLG
    /// (version 01, independent blocks, no block checksum, no content size,
    /// no content checksum, no dictionary id), BD (64 KiB blocks) and the
    /// header checksum, the second byte of the descriptor's xxHash32.
    /// Fixed by the settings, so written as it is.
    #[cfg(feature = "lz4")]
    const HEADER: [u8; 7] = [0x04, 0x22, 0x4D, 0x18, 0x60, 0x40, 0x82];

    /// The largest block the frame's BD allows.
    #[cfg(feature = "lz4")]
    const BLOCK: usize = 64 << 10;

    /// The block length's high bit: the block is stored uncompressed.
    #[cfg(feature = "lz4")]
    const STORED: u32 = 1 << 31;

    /// Room a block of `len` bytes may need while it is compressed: the
    /// compressor wants its worst case, a little more than `len`.
    #[cfg(feature = "lz4")]
    fn block_room(len: usize) -> usize {
        lz4_flex::block::get_maximum_output_size(len.min(BLOCK))
    }

    /// What compressing about `len` bytes needs beyond the compressed
    /// bytes: the worst case of one block over the block itself.
    #[cfg(feature = "lz4")]
    pub(super) fn working_room(len: usize) -> usize {
        block_room(len) - len.min(BLOCK)
    }

    /// Writes the frame block by block with `lz4_flex`'s block compressor:
    /// each block is compressed straight from `input` into `out`, after
    /// its length, or stored as it is when compressing it does not
    /// [pay](super::pays_off) (Kafka's writer stores a block that does not
    /// shrink). `lz4_flex`'s own frame writer would first copy all of
    /// `input` into a buffer of its own and allocate its buffers anew for
    /// every batch.
    ///
    /// Once a block does not pay, the rest of the frame is stored
    /// without a try: a batch's records are mostly alike, and the search
    /// for matches that LZ4 cannot find (encrypted, already compressed or
    /// high-entropy values) is most of what compressing costs. A batch
    /// whose first 64 KiB do pay is compressed block by block to its end.
    #[cfg(feature = "lz4")]
    pub(super) fn compress(input: &[u8], out: &mut BytesMut) -> Result<(), RecordError> {
        use bytes::BufMut;
        use lz4_flex::block::{CompressTable, compress_into_with_table};
        out.extend_from_slice(&HEADER);
        // The 32-bit table, as `lz4_flex`'s frame writer uses: on batches
        // of 100-byte records it measured faster than the 16-bit one
        // `compress_into` picks for blocks under 64 KiB.
        let mut table = CompressTable::large();
        let mut blocks = input.chunks(BLOCK);
        for block in blocks.by_ref() {
            let at = out.len();
            out.resize(at + 4 + block_room(block.len()), 0);
            let len = compress_into_with_table(block, &mut out[at + 4..], &mut table)
                .map_err(|e| compress_error(CompressionType::Lz4, e))?;
            if pays_off(len, block.len()) {
                out.truncate(at + 4 + len);
                out[at..at + 4].copy_from_slice(&(len as u32).to_le_bytes());
            } else {
                out.truncate(at);
                store(block, out);
                break;
            }
        }
        for block in blocks {
            store(block, out);
        }
        out.put_u32_le(0); // the end mark
        Ok(())
    }

    /// Writes `block` as it is, marked stored.
    #[cfg(feature = "lz4")]
    fn store(block: &[u8], out: &mut BytesMut) {
        use bytes::BufMut;
        out.put_u32_le(block.len() as u32 | STORED);
        out.extend_from_slice(block);
    }

    #[cfg(feature = "lz4")]
    fn corrupt(detail: impl Into<String>) -> RecordError {
        RecordError::Decompress {
            codec: CompressionType::Lz4,
            detail: detail.into(),
        }
    }

    /// Checks the frame against Kafka's rules and returns its length.
    #[cfg(feature = "lz4")]
    pub(super) fn frame_len(input: &[u8]) -> Result<usize, RecordError> {
        let le32 = |at: usize| -> Result<u32, RecordError> {
            input
                .get(at..at + 4)
                .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .ok_or_else(|| corrupt(format!("frame truncated at byte {at}")))
        };
        let magic = le32(0)?;
        if magic != MAGIC {
            return Err(corrupt(format!(
                "not an LZ4 frame: magic {magic:#010x}, expected {MAGIC:#010x}"
            )));
        }
        let (flg, bd) = match input.get(4..6) {
            Some(b) => (b[0], b[1]),
            None => return Err(corrupt("frame descriptor truncated")),
        };
        if flg >> 6 != 1 {
            return Err(corrupt(format!(
                "frame version {} is unsupported",
                flg >> 6
            )));
        }
        if flg & 0b11 != 0 {
            return Err(corrupt(
                "FLG reserved bits 0-1 are set (dictionary ids are unsupported)",
            ));
        }
        if flg & 0x20 == 0 {
            return Err(corrupt("dependent block streams are unsupported"));
        }
        let block_checksum = flg & 0x10 != 0;
        let content_size = flg & 0x08 != 0;
        let content_checksum = flg & 0x04 != 0;
        if bd & 0x8f != 0 {
            return Err(corrupt("BD reserved bits are set"));
        }
        let max_block = match (bd >> 4) & 7 {
            4 => 64 << 10,
            5 => 256 << 10,
            6 => 1 << 20,
            7 => 4 << 20,
            other => return Err(corrupt(format!("block size id {other} is unsupported"))),
        };
        // FLG, BD, optional content size, header checksum.
        let mut pos = 6 + if content_size { 8 } else { 0 } + 1;
        loop {
            let word = le32(pos)?;
            pos += 4;
            if word == 0 {
                if content_checksum {
                    le32(pos)?;
                    pos += 4;
                }
                break;
            }
            let len = (word & 0x7fff_ffff) as usize;
            if len > max_block {
                return Err(corrupt(format!(
                    "block of {len} bytes exceeds the frame's {max_block}-byte maximum"
                )));
            }
            pos += len + if block_checksum { 4 } else { 0 };
            if pos > input.len() {
                return Err(corrupt("block truncated"));
            }
        }
        if pos != input.len() {
            return Err(corrupt(format!(
                "{} bytes follow the LZ4 frame",
                input.len() - pos
            )));
        }
        Ok(pos)
    }

    #[cfg(feature = "lz4")]
    pub(super) fn decompress(input: &[u8], limit: usize) -> Result<Vec<u8>, RecordError> {
        let len = frame_len(input)?;
        let dec = lz4_flex::frame::FrameDecoder::new(&input[..len]);
        read_bounded(
            CompressionType::Lz4,
            dec,
            input.len().saturating_mul(4),
            limit,
        )
    }

    #[cfg(not(feature = "lz4"))]
    pub(super) fn compress(_: &[u8], _: &mut BytesMut) -> Result<(), RecordError> {
        Err(RecordError::CodecDisabled {
            codec: CompressionType::Lz4,
        })
    }

    #[cfg(not(feature = "lz4"))]
    pub(super) fn decompress(_: &[u8], _: usize) -> Result<Vec<u8>, RecordError> {
        Err(RecordError::CodecDisabled {
            codec: CompressionType::Lz4,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EVERY: [Compression; 5] = [
        Compression::None,
        Compression::GZIP,
        Compression::Snappy,
        Compression::Lz4,
        Compression::ZSTD,
    ];

    /// The codecs this build has.
    fn enabled() -> impl Iterator<Item = Compression> {
        EVERY.into_iter().filter(|c| c.codec().is_enabled())
    }

    #[test]
    fn disabled_codecs_are_clear_errors() {
        for c in EVERY.into_iter().filter(|c| !c.codec().is_enabled()) {
            let disabled = RecordError::CodecDisabled { codec: c.codec() };
            assert_eq!(c.validate().unwrap_err(), disabled);
            assert_eq!(
                compress(&c, b"x", &mut BytesMut::new()).unwrap_err(),
                disabled
            );
            assert_eq!(decompress(c.codec(), b"x", 10).unwrap_err(), disabled);
            assert_eq!(super::super::BatchBuilder::new(c).unwrap_err(), disabled);
        }
    }

    fn sample(n: usize) -> Vec<u8> {
        (0..n)
            .map(|i| ((i * 7) % 251) as u8 ^ (i / 1000) as u8)
            .collect()
    }

    #[test]
    fn round_trip_each_codec_across_block_boundaries() {
        for c in enabled() {
            for n in [0, 1, 100, SNAPPY_BLOCK_SIZE, SNAPPY_BLOCK_SIZE + 1, 200_000] {
                let input = sample(n);
                let mut out = BytesMut::new();
                compress(&c, &input, &mut out).unwrap();
                let back = decompress(c.codec(), &out, input.len()).unwrap();
                assert_eq!(&back[..], &input[..], "{c:?} n={n}");
                if n > 0 {
                    let err = decompress(c.codec(), &out, input.len() - 1).unwrap_err();
                    assert!(
                        matches!(err, RecordError::DecompressedTooLarge { .. }),
                        "{c:?} n={n}: {err}"
                    );
                }
            }
        }
    }

    #[test]
    #[cfg(all(feature = "gzip", feature = "zstd"))]
    fn levels_are_checked() {
        assert!(Compression::Gzip { level: Some(0) }.validate().is_err());
        assert!(Compression::Gzip { level: Some(10) }.validate().is_err());
        assert!(Compression::Gzip { level: Some(1) }.validate().is_ok());
        assert!(Compression::Zstd { level: Some(23) }.validate().is_err());
        assert!(
            Compression::Zstd {
                level: Some(-131_073)
            }
            .validate()
            .is_err()
        );
        assert!(Compression::Zstd { level: Some(-5) }.validate().is_ok());
        for level in [1, 9] {
            let c = Compression::Gzip { level: Some(level) };
            let mut out = BytesMut::new();
            compress(&c, &sample(5000), &mut out).unwrap();
            assert_eq!(
                &decompress(c.codec(), &out, 5000).unwrap()[..],
                &sample(5000)[..]
            );
        }
        for level in [-5, 1, 19] {
            let c = Compression::Zstd { level: Some(level) };
            let mut out = BytesMut::new();
            compress(&c, &sample(5000), &mut out).unwrap();
            assert_eq!(
                &decompress(c.codec(), &out, 5000).unwrap()[..],
                &sample(5000)[..]
            );
        }
    }

    #[test]
    #[cfg(feature = "lz4")]
    fn lz4_frame_descriptor_matches_kafka() {
        let mut out = BytesMut::new();
        compress(&Compression::Lz4, &sample(100_000), &mut out).unwrap();
        assert_eq!(&out[..4], &[0x04, 0x22, 0x4d, 0x18]);
        // FLG: version 01, independent blocks, nothing else.
        assert_eq!(out[4], 0b0110_0000);
        // BD: 64 KiB blocks.
        assert_eq!(out[5], 0x40);
        // No content checksum: the frame ends with the 4-byte end mark.
        assert_eq!(&out[out.len() - 4..], &[0, 0, 0, 0]);
        assert_eq!(lz4::frame_len(&out).unwrap(), out.len());
    }

    /// Inputs across block boundaries that compress (`sample`) or do not
    /// (`noise`), and one with blocks of both kinds.
    #[cfg(feature = "lz4")]
    fn lz4_inputs() -> Vec<Vec<u8>> {
        let sizes = [0, 1, 15, 65_535, 65_536, 65_537, 200_000];
        let mut inputs: Vec<Vec<u8>> = sizes.iter().map(|&n| sample(n)).collect();
        inputs.extend(sizes.iter().map(|&n| noise(n, n as u64)));
        // Blocks of each kind in one frame.
        inputs.push([sample(70_000), noise(70_000, 1), sample(70_000)].concat());
        inputs
    }

    /// `n` bytes that do not compress: uniform random bytes from `seed`.
    #[cfg(feature = "lz4")]
    fn noise(n: usize, seed: u64) -> Vec<u8> {
        let mut bytes = vec![0; n];
        fastrand::Rng::with_seed(seed).fill(&mut bytes);
        bytes
    }

    /// The hand-written frame starts with the header `lz4_flex`'s frame
    /// writer makes with Kafka's settings (header checksum included), and
    /// `lz4_flex`'s frame reader (behind `decompress`) reads it back.
    #[test]
    #[cfg(feature = "lz4")]
    fn lz4_frames_read_back_with_lz4_flex_frame_header() {
        use lz4_flex::frame::{BlockMode, BlockSize, FrameEncoder, FrameInfo};
        use std::io::Write;
        for input in lz4_inputs() {
            let info = FrameInfo::new()
                .block_size(BlockSize::Max64KB)
                .block_mode(BlockMode::Independent)
                .block_checksums(false)
                .content_checksum(false)
                .content_size(None);
            let mut enc = FrameEncoder::with_frame_info(info, Vec::new());
            enc.write_all(&input).unwrap();
            let theirs = enc.finish().unwrap();
            let mut out = BytesMut::new();
            compress(&Compression::Lz4, &input, &mut out).unwrap();
            assert_eq!(&out[..7], &theirs[..7], "{} bytes", input.len());
            let back = decompress(CompressionType::Lz4, &out, input.len()).unwrap();
            assert_eq!(&back[..], &input[..], "{} bytes", input.len());
        }
        // Compressible input does shrink, block after block.
        let mut out = BytesMut::new();
        compress(&Compression::Lz4, &sample(200_000), &mut out).unwrap();
        assert!(out.len() < 200_000 / 3, "{} bytes", out.len());
    }

    /// A block that does not shrink is stored, flagged by its length's
    /// high bit, so an incompressible batch grows only by the framing.
    #[test]
    #[cfg(feature = "lz4")]
    fn lz4_stores_blocks_that_do_not_shrink() {
        let input = noise(200_000, 0);
        let mut out = BytesMut::new();
        compress(&Compression::Lz4, &input, &mut out).unwrap();
        let first = u32::from_le_bytes([out[7], out[8], out[9], out[10]]);
        assert_eq!(first, (1 << 31) | 65_536);
        // Header, four block lengths, the blocks, the end mark.
        assert_eq!(out.len(), 7 + 4 * 4 + 200_000 + 4);
    }

    /// A block that shrinks by less than [`pays_off`] asks is stored
    /// too: 400 compressible bytes in 64 KiB of noise save under 1/64,
    /// 4000 save more.
    #[test]
    #[cfg(feature = "lz4")]
    fn lz4_stores_blocks_that_save_too_little() {
        let first_block = |zeros: usize| {
            let mut input = noise(65_536, 1);
            input[..zeros].fill(0);
            let mut out = BytesMut::new();
            compress(&Compression::Lz4, &input, &mut out).unwrap();
            let back = decompress(CompressionType::Lz4, &out, input.len()).unwrap();
            assert_eq!(&back[..], &input[..]);
            u32::from_le_bytes([out[7], out[8], out[9], out[10]])
        };
        assert_eq!(first_block(400), (1 << 31) | 65_536);
        let compressed = first_block(4000);
        assert!(compressed & (1 << 31) == 0, "{compressed:#x}");
        assert!(pays_off(compressed as usize, 65_536), "{compressed}");
    }

    #[test]
    fn paying_off_is_zstds_minimum_gain() {
        // 1000 >> 6 = 15, plus 2: a saving of 18 bytes or more pays.
        assert!(pays_off(982, 1000));
        assert!(!pays_off(983, 1000));
        assert!(!pays_off(0, 2));
        assert!(pays_off(0, 3));
        assert!(!pays_off(usize::MAX, 10));
    }

    #[test]
    #[cfg(feature = "lz4")]
    fn lz4_rejects_what_kafka_rejects() {
        let mut out = BytesMut::new();
        compress(&Compression::Lz4, &sample(1000), &mut out).unwrap();
        let mut dependent = out.to_vec();
        dependent[4] &= !0x20;
        assert!(decompress(CompressionType::Lz4, &dependent, 1 << 20).is_err());
        let mut dict = out.to_vec();
        dict[4] |= 0x01;
        assert!(decompress(CompressionType::Lz4, &dict, 1 << 20).is_err());
        let mut trailing = out.to_vec();
        trailing.push(0);
        assert!(decompress(CompressionType::Lz4, &trailing, 1 << 20).is_err());
        let mut bad_hc = out.to_vec();
        bad_hc[6] ^= 0xff;
        assert!(decompress(CompressionType::Lz4, &bad_hc, 1 << 20).is_err());
        assert!(decompress(CompressionType::Lz4, &out[..out.len() - 4], 1 << 20).is_err());
    }

    #[test]
    #[cfg(feature = "gzip")]
    fn gzip_is_a_standard_stream() {
        let mut out = BytesMut::new();
        compress(&Compression::GZIP, b"hello", &mut out).unwrap();
        // ID1 ID2 CM=deflate
        assert_eq!(&out[..3], &[0x1f, 0x8b, 0x08]);
        // Two concatenated members read as one stream, as GZIPInputStream does.
        let mut two = out.clone();
        compress(&Compression::GZIP, b" world", &mut two).unwrap();
        assert_eq!(
            &decompress(CompressionType::Gzip, &two, 100).unwrap()[..],
            b"hello world"
        );
        assert!(decompress(CompressionType::Gzip, &[], 100).is_err());
        assert!(decompress(CompressionType::Gzip, &out[..out.len() - 1], 100).is_err());
    }

    #[test]
    #[cfg(feature = "zstd")]
    fn zstd_truncation_is_an_error() {
        let mut out = BytesMut::new();
        compress(&Compression::ZSTD, &sample(10_000), &mut out).unwrap();
        assert_eq!(&out[..4], &[0x28, 0xb5, 0x2f, 0xfd]);
        for cut in [0, 1, 5, out.len() / 2, out.len() - 1] {
            assert!(decompress(CompressionType::Zstd, &out[..cut], 1 << 20).is_err());
        }
    }

    #[test]
    fn bombs_are_refused_without_large_allocations() {
        let zeros = vec![0u8; 8 << 20];
        for c in enabled().skip(1) {
            let mut out = BytesMut::new();
            compress(&c, &zeros, &mut out).unwrap();
            assert!(out.len() < zeros.len() / 10, "{c:?} {}", out.len());
            let err = decompress(c.codec(), &out, 64 << 10).unwrap_err();
            assert_eq!(
                err,
                RecordError::DecompressedTooLarge {
                    codec: c.codec(),
                    limit: 64 << 10
                }
            );
        }
    }
}
