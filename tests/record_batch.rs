//! Record batch (message format v2) tests: round trips for every codec,
//! golden vectors, an oracle check against the `kafka-protocol` crate in
//! both directions, corruption, truncation, decompression bombs and the
//! in-place producer-field rewrite.

use bytes::{Bytes, BytesMut};
use kafka_sansio::protocol::Reader;
use kafka_sansio::protocol::wire::{
    put_unsigned_varint, put_varint, put_varlong, unsigned_varint_len, varint_len, varlong_len,
};
use kafka_sansio::record::{
    BATCH_HEADER_SIZE, BatchBuilder, BatchReader, Compression, CompressionType, ControlRecordType,
    NO_HEADERS, ProducerFields, RawBatch, ReadOptions, Record, RecordBatch, RecordError,
    TimestampType, compression, compute_crc, is_compressed, read_batches, record_sequence,
    set_base_offset, set_log_append_time, set_partition_leader_epoch, set_producer_fields,
};
use proptest::prelude::*;

const CODECS: [Compression; 5] = [
    Compression::None,
    Compression::GZIP,
    Compression::Snappy,
    Compression::Lz4,
    Compression::ZSTD,
];

/// A record as a test generates it.
#[derive(Clone, Debug)]
struct Rec {
    timestamp: i64,
    key: Option<Vec<u8>>,
    value: Option<Vec<u8>>,
    headers: Vec<(String, Option<Vec<u8>>)>,
}

/// A builder holding `recs`; each append grows it by what
/// `record_size` said it would.
fn builder_of(codec: Compression, recs: &[Rec]) -> BatchBuilder {
    let mut b = BatchBuilder::new(codec).unwrap();
    let mut predicted = BATCH_HEADER_SIZE;
    for r in recs {
        let headers = r.headers.iter().map(|(k, v)| (k.as_str(), v.as_deref()));
        predicted += b
            .record_size(
                r.timestamp,
                r.key.as_deref(),
                r.value.as_deref(),
                headers.clone(),
            )
            .unwrap();
        b.append(r.timestamp, r.key.as_deref(), r.value.as_deref(), headers)
            .unwrap();
        assert_eq!(b.uncompressed_size(), predicted);
    }
    b
}

/// The codec a batch of `recs` configured with `codec` goes out with
/// (see [`sent_codec_of`]).
fn sent_codec(codec: Compression, recs: &[Rec]) -> CompressionType {
    sent_codec_of(&builder_of(codec, recs))
}

/// The codec `b`'s batch goes out with, worked out with the codec itself
/// rather than the builder's choice: the builder's codec when the batch
/// it makes saves enough over uncompressed (`pays_off`), else none.
fn sent_codec_of(b: &BatchBuilder) -> CompressionType {
    let codec = b.compression();
    if codec == Compression::None {
        return CompressionType::None;
    }
    let mut compressed = BytesMut::new();
    compression::compress(&codec, b.records_bytes(), &mut compressed).unwrap();
    if compression::pays_off(BATCH_HEADER_SIZE + compressed.len(), b.uncompressed_size()) {
        codec.codec()
    } else {
        CompressionType::None
    }
}

fn build(codec: Compression, recs: &[Rec], producer: &ProducerFields) -> BytesMut {
    let b = builder_of(codec, recs);
    let mut out = BytesMut::new();
    let n = b.finish(producer, &mut out).unwrap();
    assert_eq!(n, out.len());
    let in_place = b.clone().into_batch(producer).unwrap();
    assert_eq!(in_place, out, "into_batch differs from finish ({codec:?})");
    if codec == Compression::None {
        assert_eq!(n, b.estimated_size());
    }
    let sent = decode_one(out.clone().freeze())
        .header
        .compression()
        .unwrap();
    assert_eq!(sent, sent_codec_of(&b), "{codec:?}");
    if sent == CompressionType::None {
        assert_eq!(n, b.uncompressed_size(), "{codec:?}: sent uncompressed");
    } else {
        assert!(
            compression::pays_off(n, b.uncompressed_size()),
            "{codec:?}: compressed and smaller by more than 1/64"
        );
    }
    out
}

fn decode_one(bytes: Bytes) -> RecordBatch {
    let batches = read_batches(bytes, &ReadOptions::strict()).unwrap();
    assert_eq!(batches.len(), 1);
    batches.into_iter().next().unwrap()
}

fn check_records(batch: &RecordBatch, recs: &[Rec], producer: &ProducerFields) {
    assert_eq!(batch.records.len(), recs.len());
    for (i, (got, want)) in batch.records.iter().zip(recs).enumerate() {
        assert_eq!(got.offset, i as i64);
        assert_eq!(got.timestamp, want.timestamp);
        assert_eq!(
            got.sequence,
            record_sequence(producer.base_sequence, i as i32)
        );
        assert_eq!(got.key.as_deref(), want.key.as_deref());
        assert_eq!(got.value.as_deref(), want.value.as_deref());
        assert_eq!(got.headers.len(), want.headers.len());
        for (gh, (wk, wv)) in got.headers.iter().zip(&want.headers) {
            assert_eq!(gh.key(), wk);
            assert_eq!(gh.value.as_deref(), wv.as_deref());
        }
    }
}

fn check_header(batch: &RecordBatch, codec: Compression, recs: &[Rec], p: &ProducerFields) {
    let h = &batch.header;
    assert_eq!(h.magic, 2);
    assert_eq!(h.base_offset, 0);
    assert_eq!(h.partition_leader_epoch, -1);
    assert_eq!(h.compression().unwrap(), sent_codec(codec, recs));
    assert_eq!(h.timestamp_type(), TimestampType::CreateTime);
    assert_eq!(h.records_count, recs.len() as i32);
    assert_eq!(h.last_offset_delta, recs.len() as i32 - 1);
    assert_eq!(
        h.base_timestamp,
        recs.first().map_or(-1, |r| r.timestamp),
        "base timestamp is the first record's"
    );
    assert_eq!(
        h.max_timestamp,
        recs.iter().map(|r| r.timestamp).max().unwrap_or(-1)
    );
    assert_eq!(h.producer_fields(), *p);
    assert!(!h.is_control());
}

/// Proptest cases: `default`, or `RB_CASES` from the environment for a
/// longer run.
fn cases(default: u32) -> u32 {
    std::env::var("RB_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn bytes_strategy(max: usize) -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..max),
        // Compressible runs, so the codecs do real work.
        (any::<u8>(), 0..max * 4).prop_map(|(b, n)| vec![b; n]),
    ]
}

fn rec_strategy() -> impl Strategy<Value = Rec> {
    rec_strategy_with(prop_oneof![
        1_600_000_000_000i64..1_800_000_000_000,
        any::<i64>(),
        Just(-1i64)
    ])
}

/// Records whose timestamps stay within +-2^61, so that the oracle (which
/// subtracts and adds timestamps without wrapping and panics on overflow
/// in debug builds) can handle them.
fn sane_rec_strategy() -> impl Strategy<Value = Rec> {
    rec_strategy_with(prop_oneof![
        1_600_000_000_000i64..1_800_000_000_000,
        -(1i64 << 61)..(1i64 << 61),
        Just(-1i64)
    ])
}

fn rec_strategy_with(ts: impl Strategy<Value = i64>) -> impl Strategy<Value = Rec> {
    (
        ts,
        proptest::option::of(bytes_strategy(40)),
        proptest::option::of(bytes_strategy(300)),
        proptest::collection::vec(
            (
                "[a-z\u{e9}\u{4e2d}]{0,8}",
                proptest::option::of(bytes_strategy(20)),
            ),
            0..4,
        ),
    )
        .prop_map(|(timestamp, key, value, headers)| Rec {
            timestamp,
            key,
            value,
            headers,
        })
}

fn producer_strategy() -> impl Strategy<Value = ProducerFields> {
    prop_oneof![
        Just(ProducerFields::NONE),
        (any::<i64>(), any::<i16>(), 0..i32::MAX, any::<bool>()).prop_map(
            |(producer_id, producer_epoch, base_sequence, transactional)| ProducerFields {
                producer_id,
                producer_epoch,
                base_sequence,
                transactional,
            }
        ),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(96)))]

    /// Build, finish and read back, for every codec.
    #[test]
    fn round_trip_every_codec(
        recs in proptest::collection::vec(rec_strategy(), 0..24),
        producer in producer_strategy(),
    ) {
        for codec in CODECS {
            let bytes = build(codec, &recs, &producer);
            let batch = decode_one(bytes.freeze());
            check_header(&batch, codec, &recs, &producer);
            check_records(&batch, &recs, &producer);
        }
    }

    /// Rewriting the producer fields in place gives byte for byte the batch
    /// that finishing with those fields gives, so the CRC stays valid and
    /// the batch decodes with the new sequences.
    #[test]
    fn producer_field_rewrite_keeps_crc_valid(
        recs in proptest::collection::vec(rec_strategy(), 1..8),
        first in producer_strategy(),
        second in producer_strategy(),
    ) {
        for codec in CODECS {
            let mut bytes = build(codec, &recs, &first);
            set_producer_fields(&mut bytes, &second).unwrap();
            let direct = build(codec, &recs, &second);
            prop_assert_eq!(&bytes[..], &direct[..]);
            let crc = u32::from_be_bytes(bytes[17..21].try_into().unwrap());
            prop_assert_eq!(crc, compute_crc(&bytes));
            let batch = decode_one(bytes.freeze());
            check_header(&batch, codec, &recs, &second);
            check_records(&batch, &recs, &second);
        }
    }

    /// Arbitrary bytes never panic the reader.
    #[test]
    fn arbitrary_input_never_panics(data in proptest::collection::vec(any::<u8>(), 0..300)) {
        for options in [ReadOptions::strict(), ReadOptions::fetch()] {
            let _ = read_batches(Bytes::from(data.clone()), &options);
        }
        let _ = RawBatch::new(Bytes::from(data), false).map(|b| b.decode(1 << 16));
    }

    /// A valid batch with random bytes changed and the CRC fixed up (so the
    /// record decoder, not the CRC check, sees the damage) never panics.
    #[test]
    fn mutated_batches_never_panic(
        recs in proptest::collection::vec(rec_strategy(), 1..6),
        codec_index in 0usize..5,
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
    ) {
        let mut bytes = build(CODECS[codec_index], &recs, &ProducerFields::NONE);
        let n = bytes.len();
        for (at, byte) in edits {
            // Leave the length and magic alone so the batch is still framed.
            let at = 21 + at.index(n - 21);
            bytes[at] = byte;
        }
        let crc = compute_crc(&bytes);
        bytes[17..21].copy_from_slice(&crc.to_be_bytes());
        let _ = read_batches(bytes.freeze(), &ReadOptions::strict().with_max_decompressed_size(1 << 20));
    }
}

fn sample_recs(n: usize, value_len: usize) -> Vec<Rec> {
    (0..n)
        .map(|i| Rec {
            timestamp: 1_700_000_000_000 + (i as i64 % 7) * 3 - 5,
            key: (i % 3 != 0).then(|| format!("key-{i}").into_bytes()),
            value: (i % 5 != 4).then(|| {
                (0..value_len)
                    .map(|j| (i * 31 + j * 7) as u8 % 61)
                    .collect()
            }),
            headers: (0..i % 3)
                .map(|h| (format!("h{h}"), (h % 2 == 0).then(|| vec![h as u8; h + 1])))
                .collect(),
        })
        .collect()
}

#[test]
fn crc32c_golden_vector() {
    assert_eq!(crc32c::crc32c(b"Some String"), 608_512_271);
}

#[test]
fn varint_vectors_from_kafka() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/varint-vectors.tsv");
    let text = std::fs::read_to_string(path).unwrap();
    let mut rows = 0;
    for line in text.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let cols: Vec<&str> = line.split('\t').collect();
        let (kind, value, hex) = (cols[0], cols[1], cols[2]);
        let want: Vec<u8> = (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect();
        let mut buf = BytesMut::new();
        let mut r = Reader::new(Bytes::from(want.clone()));
        match kind {
            "unsigned_varint" => {
                let v = value.parse::<i32>().unwrap() as u32;
                put_unsigned_varint(&mut buf, v);
                assert_eq!(unsigned_varint_len(v), want.len(), "{line}");
                assert_eq!(r.unsigned_varint("v").unwrap(), v, "{line}");
            }
            "varint" => {
                let v = value.parse::<i32>().unwrap();
                put_varint(&mut buf, v);
                assert_eq!(varint_len(v), want.len(), "{line}");
                assert_eq!(r.varint("v").unwrap(), v, "{line}");
            }
            "varlong" => {
                let v = value.parse::<i64>().unwrap();
                put_varlong(&mut buf, v);
                assert_eq!(varlong_len(v), want.len(), "{line}");
                assert_eq!(r.varlong("v").unwrap(), v, "{line}");
            }
            other => panic!("unknown vector type {other}"),
        }
        assert_eq!(&buf[..], &want[..], "{line}");
        assert!(r.is_empty(), "{line}: bytes left after decoding");
        rows += 1;
    }
    assert_eq!(rows, 78);
}

#[test]
fn corrupted_crc_is_detected_with_both_values() {
    for codec in CODECS {
        let good = build(codec, &sample_recs(5, 50), &ProducerFields::NONE);
        let stored = u32::from_be_bytes(good[17..21].try_into().unwrap());
        // Every byte from the attributes to the end is covered.
        for at in 21..good.len() {
            let mut bad = good.clone();
            bad[at] ^= 0x01;
            match RawBatch::new(bad.clone().freeze(), true) {
                Err(RecordError::CrcMismatch { expected, actual }) => {
                    assert_eq!(expected, stored);
                    assert_eq!(actual, compute_crc(&bad));
                }
                other => panic!("{codec:?} byte {at}: {other:?}"),
            }
        }
        // The stored CRC itself.
        let mut bad = good.clone();
        bad[20] ^= 0x80;
        assert!(matches!(
            read_batches(bad.freeze(), &ReadOptions::strict()),
            Err(RecordError::CrcMismatch { .. })
        ));
        // Base offset and leader epoch are outside the CRC.
        let mut moved = good.clone();
        set_base_offset(&mut moved, 1000).unwrap();
        set_partition_leader_epoch(&mut moved, 7).unwrap();
        let batch = decode_one(moved.freeze());
        assert_eq!(batch.header.partition_leader_epoch, 7);
        assert_eq!(batch.records[4].offset, 1004);
        assert_eq!(batch.header.next_offset(), 1005);
    }
}

#[test]
fn crc_check_can_be_disabled() {
    let mut bad = build(
        Compression::None,
        &sample_recs(2, 10),
        &ProducerFields::NONE,
    );
    bad[17] ^= 0xff;
    let options = ReadOptions {
        verify_crc: false,
        ..ReadOptions::strict()
    };
    assert_eq!(read_batches(bad.freeze(), &options).unwrap().len(), 1);
}

/// Every cut of a valid batch (and of two batches in a row) is an error in
/// strict mode and a quiet stop in fetch mode.
#[test]
fn every_truncation_is_an_error_or_a_quiet_fetch_stop() {
    for codec in CODECS {
        let first = build(codec, &sample_recs(4, 30), &ProducerFields::NONE);
        let second = build(
            codec,
            &sample_recs(3, 20),
            &ProducerFields::idempotent(1, 0, 4),
        );
        let mut two = first.clone();
        two.extend_from_slice(&second);
        let two = two.freeze();
        for cut in 0..two.len() {
            let data = two.slice(..cut);
            let strict = read_batches(data.clone(), &ReadOptions::strict());
            let mut fetch = BatchReader::new(data.clone(), ReadOptions::fetch());
            let whole: Vec<_> = fetch.by_ref().collect::<Result<_, _>>().unwrap();
            if cut == 0 || cut == first.len() {
                assert_eq!(strict.unwrap().len(), usize::from(cut != 0));
                assert_eq!(fetch.truncated_tail(), 0);
            } else {
                assert!(strict.is_err(), "{codec:?} cut {cut}");
                let complete = usize::from(cut > first.len());
                assert_eq!(whole.len(), complete, "{codec:?} cut {cut}");
                let expect_tail = cut - complete * first.len();
                assert_eq!(fetch.truncated_tail(), expect_tail);
            }
        }
    }
}

/// Cuts inside the records region with the length and CRC fixed up, so
/// the decompressor and the record decoder see the truncation.
#[test]
fn truncated_records_with_valid_crc_are_errors() {
    for codec in CODECS {
        let good = build(codec, &sample_recs(6, 40), &ProducerFields::NONE);
        for cut in BATCH_HEADER_SIZE..good.len() {
            let mut bad = BytesMut::from(&good[..cut]);
            let length = (cut - 12) as i32;
            bad[8..12].copy_from_slice(&length.to_be_bytes());
            let crc = compute_crc(&bad);
            bad[17..21].copy_from_slice(&crc.to_be_bytes());
            let res = read_batches(bad.freeze(), &ReadOptions::strict());
            assert!(res.is_err(), "{codec:?} cut {cut}: {res:?}");
        }
    }
}

#[test]
fn record_count_and_trailing_bytes_are_checked() {
    let good = build(
        Compression::None,
        &sample_recs(3, 10),
        &ProducerFields::NONE,
    );
    let fix = |mut b: BytesMut| {
        let length = (b.len() - 12) as i32;
        b[8..12].copy_from_slice(&length.to_be_bytes());
        let crc = compute_crc(&b);
        b[17..21].copy_from_slice(&crc.to_be_bytes());
        b.freeze()
    };
    let mut more = good.clone();
    more[57..61].copy_from_slice(&4i32.to_be_bytes());
    assert_eq!(
        read_batches(fix(more), &ReadOptions::strict()).unwrap_err(),
        RecordError::RecordCountMismatch {
            declared: 4,
            found: 3
        }
    );
    let mut fewer = good.clone();
    fewer[57..61].copy_from_slice(&2i32.to_be_bytes());
    assert!(read_batches(fix(fewer), &ReadOptions::strict()).is_err());
    let mut negative = good.clone();
    negative[57..61].copy_from_slice(&(-1i32).to_be_bytes());
    assert!(read_batches(fix(negative), &ReadOptions::strict()).is_err());
    let mut huge = good.clone();
    huge[57..61].copy_from_slice(&i32::MAX.to_be_bytes());
    assert!(read_batches(fix(huge), &ReadOptions::strict()).is_err());
    let mut codec = good.clone();
    codec[22] |= 0x07;
    assert_eq!(
        read_batches(fix(codec), &ReadOptions::strict()).unwrap_err(),
        RecordError::UnknownCompression { id: 7 }
    );
    let mut magic = good.clone();
    magic[16] = 1;
    assert_eq!(
        read_batches(magic.freeze(), &ReadOptions::fetch()).unwrap_err(),
        RecordError::UnsupportedMagic { magic: 1 }
    );
    let mut short = good.clone();
    short[8..12].copy_from_slice(&10i32.to_be_bytes());
    assert_eq!(
        read_batches(short.freeze(), &ReadOptions::fetch()).unwrap_err(),
        RecordError::InvalidBatchLength { length: 10 }
    );
}

#[test]
fn decompression_bombs_are_refused() {
    let zeros = vec![0u8; 16 << 20];
    for codec in CODECS.into_iter().skip(1) {
        let mut b = BatchBuilder::new(codec).unwrap();
        b.append(0, None, Some(&zeros), NO_HEADERS).unwrap();
        let mut out = BytesMut::new();
        b.finish(&ProducerFields::NONE, &mut out).unwrap();
        assert!(out.len() < 1 << 20, "{codec:?}: {} bytes", out.len());
        let options = ReadOptions::strict().with_max_decompressed_size(1 << 20);
        let err = read_batches(out.freeze(), &options).unwrap_err();
        assert_eq!(
            err,
            RecordError::DecompressedTooLarge {
                codec: codec.codec(),
                limit: 1 << 20
            }
        );
    }
}

#[test]
fn log_append_time_gives_every_record_the_max_timestamp() {
    for codec in CODECS {
        let recs = sample_recs(4, 8);
        let mut bytes = build(codec, &recs, &ProducerFields::NONE);
        set_log_append_time(&mut bytes, 42).unwrap();
        let batch = decode_one(bytes.freeze());
        assert_eq!(batch.header.timestamp_type(), TimestampType::LogAppendTime);
        assert!(batch.records.iter().all(|r| r.timestamp == 42));
    }
}

#[test]
fn rewrite_rejects_what_is_not_one_batch() {
    let good = build(Compression::None, &sample_recs(2, 8), &ProducerFields::NONE);
    let p = ProducerFields::idempotent(1, 1, 1);
    assert!(set_producer_fields(&mut good.clone()[..60], &p).is_err());
    let mut longer = good.to_vec();
    longer.push(0);
    assert!(set_producer_fields(&mut longer, &p).is_err());
    let mut v1 = good.to_vec();
    v1[16] = 1;
    assert!(set_producer_fields(&mut v1, &p).is_err());
    // A batch whose CRC was already wrong stays wrong after a rewrite.
    let mut bad = good.to_vec();
    bad[70] ^= 1;
    set_producer_fields(&mut bad, &p).unwrap();
    assert!(matches!(
        RawBatch::new(Bytes::from(bad), true),
        Err(RecordError::CrcMismatch { .. })
    ));
}

/// A batch of random values: compressing only its few framing bytes may
/// pay (gzip and zstd shrink it a little) or not (lz4, whose frame is
/// then larger, and the batch goes uncompressed, as the builder's own
/// buffer). Either way the compression attempt fits the buffer
/// `into_batch_with` asked for: growing it would have doubled it and
/// copied the whole attempt.
#[test]
fn a_batch_of_random_values_fits_its_first_buffer_compressed_or_not() {
    for codec in [Compression::Lz4, Compression::GZIP, Compression::ZSTD] {
        let mut b = BatchBuilder::new(codec).unwrap();
        let mut seed = 0;
        while b.uncompressed_size() < 256 * 1024 {
            seed += 1;
            b.append(0, None, Some(&noise(1024, seed)), NO_HEADERS)
                .unwrap();
        }
        let uncompressed = b.uncompressed_size();
        let mut asked = 0;
        let (batch, spare) = b
            .into_batch_with(&ProducerFields::NONE, |room| {
                asked = room;
                BytesMut::with_capacity(room)
            })
            .unwrap();
        let spare = spare.expect("the buffer that is not the batch comes back");
        assert!(spare.is_empty(), "{codec:?}");
        let (len, batch_room) = (batch.len(), batch.capacity());
        let sent = decode_one(batch.freeze()).header.compression().unwrap();
        // The buffer the compression attempt was written in: the batch
        // when it went compressed, else the one handed back.
        let attempt = if sent == CompressionType::None {
            assert_eq!(len, uncompressed, "{codec:?}");
            spare.capacity()
        } else {
            assert!(len < uncompressed, "{codec:?}: {len} of {uncompressed}");
            batch_room
        };
        if codec == Compression::Lz4 {
            assert_eq!(sent, CompressionType::None, "lz4 cannot shrink it");
        }
        assert!(
            attempt < asked + asked / 16,
            "{codec:?}: the attempt grew its buffer from {asked} to {attempt} bytes"
        );
    }
}

/// The blocks of an lz4 frame: (length, stored) each.
fn lz4_blocks(frame: &[u8]) -> Vec<(usize, bool)> {
    let mut at = 7; // the frame header
    let mut blocks = Vec::new();
    loop {
        let word = u32::from_le_bytes(frame[at..at + 4].try_into().unwrap());
        if word == 0 {
            return blocks;
        }
        let len = (word & !(1 << 31)) as usize;
        blocks.push((len, word >> 31 == 1));
        at += 4 + len;
    }
}

/// `n` bytes that do not compress: uniform random bytes from `seed`.
fn noise(n: usize, seed: u64) -> Vec<u8> {
    let mut bytes = vec![0; n];
    fastrand::Rng::with_seed(seed).fill(&mut bytes);
    bytes
}

/// Records with these values and nothing else, timestamps from 1 000 up.
fn value_recs(values: impl IntoIterator<Item = Vec<u8>>) -> Vec<Rec> {
    values
        .into_iter()
        .enumerate()
        .map(|(i, value)| Rec {
            timestamp: 1_000 + i as i64,
            key: None,
            value: Some(value),
            headers: vec![],
        })
        .collect()
}

/// lz4 gives up on a frame once a block does not shrink: the blocks after
/// it are stored without a try, even ones that would shrink. Such a frame
/// is larger than its input, so a batch of those records goes
/// uncompressed. A frame whose first block shrinks is compressed to its
/// end, and its batch goes compressed. Every one reads back whole.
#[test]
fn lz4_stores_the_rest_of_a_frame_after_a_block_that_does_not_shrink() {
    let random = value_recs((0..80).map(|i| noise(1000, i)));
    let alike = value_recs((0..200).map(|_| b"abc".repeat(333)));

    let recs: Vec<Rec> = random.iter().chain(&alike).cloned().collect();
    let records = builder_of(Compression::Lz4, &recs).records_bytes().to_vec();
    let mut frame = BytesMut::new();
    compression::compress(&Compression::Lz4, &records, &mut frame).unwrap();
    let blocks = lz4_blocks(&frame);
    assert!(blocks.len() >= 3, "{blocks:?}");
    assert!(blocks.iter().all(|&(_, stored)| stored), "{blocks:?}");
    assert!(frame.len() > records.len());
    let read = compression::decompress(CompressionType::Lz4, &frame, records.len()).unwrap();
    assert_eq!(read, records);
    let out = build(Compression::Lz4, &recs, &ProducerFields::NONE);
    let batch = decode_one(out.freeze());
    assert_eq!(batch.header.compression().unwrap(), CompressionType::None);
    check_records(&batch, &recs, &ProducerFields::NONE);

    let recs: Vec<Rec> = alike.iter().chain(&alike).chain(&random).cloned().collect();
    let out = build(Compression::Lz4, &recs, &ProducerFields::NONE);
    let blocks = lz4_blocks(&out[BATCH_HEADER_SIZE..]);
    let compressed = blocks.iter().take_while(|&&(_, stored)| !stored).count();
    // 400 KB of alike records fill six 64 KiB blocks, which shrink far; the
    // seventh, partly random, shrinks a little; the rest are stored.
    assert_eq!(compressed, 7, "{blocks:?}");
    assert!(
        blocks[..6].iter().all(|&(len, _)| len < 16 << 10),
        "{blocks:?}"
    );
    assert!(blocks.last().unwrap().1, "{blocks:?}");
    check_records(&decode_one(out.freeze()), &recs, &ProducerFields::NONE);
}

/// The in-place batch (the builder's own buffer, header written in the
/// room kept for it) equals the copied one byte for byte, for every codec,
/// also after the builder was cleared and refilled, and for a
/// transactional idempotent producer.
#[test]
fn into_batch_equals_finish_for_every_codec() {
    let producer = ProducerFields {
        transactional: true,
        ..ProducerFields::idempotent(42, 3, 1_000)
    };
    for codec in CODECS {
        let mut b = BatchBuilder::with_capacity(codec, 64).unwrap();
        for r in sample_recs(3, 500) {
            b.append(
                r.timestamp,
                r.key.as_deref(),
                r.value.as_deref(),
                NO_HEADERS,
            )
            .unwrap();
        }
        b.clear();
        for r in sample_recs(20, 40) {
            let headers = r.headers.iter().map(|(k, v)| (k.as_str(), v.as_deref()));
            b.append(r.timestamp, r.key.as_deref(), r.value.as_deref(), headers)
                .unwrap();
        }
        let mut copied = BytesMut::from(&b"prefix"[..]);
        let n = b.finish(&producer, &mut copied).unwrap();
        let in_place = b.clone().into_batch(&producer).unwrap();
        assert_eq!(in_place.len(), n, "{codec:?}");
        assert_eq!(&in_place[..], &copied[6..], "{codec:?}");
        let batch = decode_one(in_place.freeze());
        assert_eq!(batch.records.len(), 20, "{codec:?}");
        assert_eq!(batch.header.producer_fields(), producer, "{codec:?}");
    }
}

#[test]
fn builder_is_reusable_and_fails_cleanly() {
    let mut b = BatchBuilder::with_capacity(Compression::Snappy, 4096).unwrap();
    b.append(5, Some(b"a"), None, NO_HEADERS).unwrap();
    b.clear();
    assert!(b.is_empty());
    assert_eq!(b.uncompressed_size(), BATCH_HEADER_SIZE);
    b.append(9, Some(b"b"), Some(b"c"), [("k", None)]).unwrap();
    assert_eq!(b.base_timestamp(), Some(9));
    let mut out = BytesMut::from(&b"prefix"[..]);
    b.finish(&ProducerFields::NONE, &mut out).unwrap();
    assert_eq!(&out[..6], b"prefix");
    let batch = decode_one(out.freeze().slice(6..));
    assert_eq!(batch.records[0].key.as_deref(), Some(&b"b"[..]));
    assert_eq!(batch.records[0].headers[0].key(), "k");

    assert!(matches!(
        BatchBuilder::new(Compression::Gzip { level: Some(12) }),
        Err(RecordError::InvalidLevel { .. })
    ));
}

#[test]
fn estimated_size_tracks_the_ratio() {
    let mut b = BatchBuilder::new(Compression::ZSTD).unwrap();
    for i in 0..100 {
        b.append(i, None, Some(&[b'x'; 1000]), NO_HEADERS).unwrap();
    }
    assert_eq!(b.estimated_size(), b.uncompressed_size());
    b.set_compression_ratio_estimate(0.5);
    let records = b.uncompressed_size() - BATCH_HEADER_SIZE;
    assert_eq!(b.estimated_size(), BATCH_HEADER_SIZE + records.div_ceil(2));
    let mut out = BytesMut::new();
    let actual = b.finish(&ProducerFields::NONE, &mut out).unwrap();
    assert!(actual < b.estimated_size());
}

proptest! {
    /// The estimate rounds the scaled size up, as `f64::ceil` does.
    #[test]
    fn estimated_size_rounds_the_scaled_records_up(
        values in proptest::collection::vec(0usize..3000, 1..20),
        ratio in 0.01f32..2.0,
    ) {
        let mut b = BatchBuilder::new(Compression::ZSTD).unwrap();
        for (i, len) in values.iter().enumerate() {
            b.append(i as i64, None, Some(&vec![b'x'; *len]), NO_HEADERS).unwrap();
        }
        b.set_compression_ratio_estimate(ratio);
        let records = b.uncompressed_size() - BATCH_HEADER_SIZE;
        let expected = (records as f64 * f64::from(ratio)).ceil() as usize;
        prop_assert_eq!(b.estimated_size(), BATCH_HEADER_SIZE + expected);
    }

    /// Ratios kept to less than their own precision still never make the
    /// estimate smaller than the scaled records, nor much larger.
    #[test]
    fn estimated_size_never_under_estimates_a_tiny_or_huge_ratio(
        len in 0usize..5000,
        mantissa in 1.0f32..2.0,
        exponent in prop_oneof![-40i32..-8, 0i32..20],
    ) {
        let ratio = mantissa * 2f32.powi(exponent);
        let mut b = BatchBuilder::new(Compression::Lz4).unwrap();
        b.append(0, None, Some(&vec![b'x'; len]), NO_HEADERS).unwrap();
        b.set_compression_ratio_estimate(ratio);
        let records = b.uncompressed_size() - BATCH_HEADER_SIZE;
        let exact = records as f64 * f64::from(ratio);
        let estimate = (b.estimated_size() - BATCH_HEADER_SIZE) as f64;
        prop_assert!(estimate >= exact, "{estimate} < {exact}");
        prop_assert!(estimate <= exact.ceil() + 1.0, "{estimate} > {exact} + 1");
    }
}

#[test]
fn several_batches_in_one_records_range() {
    let mut all = BytesMut::new();
    for (i, codec) in CODECS.into_iter().enumerate() {
        let mut one = build(codec, &sample_recs(i + 1, 500), &ProducerFields::NONE);
        set_base_offset(&mut one, 100 * i as i64).unwrap();
        all.extend_from_slice(&one);
    }
    let batches = read_batches(all.freeze(), &ReadOptions::strict()).unwrap();
    assert_eq!(batches.len(), 5);
    for (i, b) in batches.iter().enumerate() {
        assert_eq!(b.header.compression().unwrap(), CODECS[i].codec());
        assert_eq!(b.records.len(), i + 1);
        assert_eq!(b.records[i].offset, 100 * i as i64 + i as i64);
    }
}

#[test]
fn control_record_keys() {
    assert_eq!(
        ControlRecordType::from_key(&[0, 0, 0, 1]).unwrap(),
        ControlRecordType::Commit
    );
    assert_eq!(
        ControlRecordType::from_key(&[0, 0, 0, 0]).unwrap(),
        ControlRecordType::Abort
    );
    assert_eq!(
        ControlRecordType::from_key(&[0, 0, 0, 5]).unwrap(),
        ControlRecordType::Other(5)
    );
    assert!(ControlRecordType::from_key(&[0, 0, 1]).is_err());
}

#[test]
fn invalid_header_key_utf8_is_rejected() {
    let mut bytes = build(
        Compression::None,
        &[Rec {
            timestamp: 0,
            key: None,
            value: None,
            headers: vec![("ab".into(), None)],
        }],
        &ProducerFields::NONE,
    );
    let at = bytes.len() - 3; // header key bytes "ab", then the value length
    assert_eq!(&bytes[at..at + 2], b"ab");
    bytes[at] = 0xff;
    let crc = compute_crc(&bytes);
    bytes[17..21].copy_from_slice(&crc.to_be_bytes());
    assert!(read_batches(bytes.freeze(), &ReadOptions::strict()).is_err());
}

mod oracle {
    //! The independent `kafka-protocol` crate (0.18) as an oracle.

    use super::*;
    use kafka_protocol::indexmap::IndexMap;
    use kafka_protocol::protocol::StrBytes;
    use kafka_protocol::records::{
        Compression as OCompression, Record as ORecord, RecordBatchDecoder, RecordBatchEncoder,
        RecordEncodeOptions, TimestampType as OTimestampType,
    };

    fn ocodec(c: CompressionType) -> OCompression {
        match c {
            CompressionType::None => OCompression::None,
            CompressionType::Gzip => OCompression::Gzip,
            CompressionType::Snappy => OCompression::Snappy,
            CompressionType::Lz4 => OCompression::Lz4,
            CompressionType::Zstd => OCompression::Zstd,
        }
    }

    /// The oracle keeps headers in a map, so the generated keys are unique.
    fn unique_headers(recs: &mut [Rec]) {
        for r in recs {
            let mut seen = std::collections::HashSet::new();
            r.headers.retain(|(k, _)| seen.insert(k.clone()));
        }
    }

    fn oracle_records(recs: &[Rec], p: &ProducerFields) -> Vec<ORecord> {
        recs.iter()
            .enumerate()
            .map(|(i, r)| ORecord {
                transactional: p.transactional,
                control: false,
                delete_horizon: false,
                partition_leader_epoch: -1,
                producer_id: p.producer_id,
                producer_epoch: p.producer_epoch,
                timestamp_type: OTimestampType::Creation,
                offset: i as i64,
                // The oracle groups records into one batch only while
                // `offset - sequence` stays the same, and derives the base
                // sequence from the first record; so even without a
                // producer id the sequences must count up from -1.
                sequence: if p.base_sequence < 0 {
                    p.base_sequence.wrapping_add(i as i32)
                } else {
                    record_sequence(p.base_sequence, i as i32)
                },
                timestamp: r.timestamp,
                key: r.key.clone().map(Bytes::from),
                value: r.value.clone().map(Bytes::from),
                headers: r
                    .headers
                    .iter()
                    .map(|(k, v)| (StrBytes::from_string(k.clone()), v.clone().map(Bytes::from)))
                    .collect::<IndexMap<_, _>>(),
            })
            .collect()
    }

    fn same_record(ours: &Record, theirs: &ORecord, p: &ProducerFields) {
        assert_eq!(ours.offset, theirs.offset);
        assert_eq!(ours.timestamp, theirs.timestamp);
        assert_eq!(ours.key, theirs.key);
        assert_eq!(ours.value, theirs.value);
        assert_eq!(theirs.producer_id, p.producer_id);
        assert_eq!(theirs.producer_epoch, p.producer_epoch);
        assert_eq!(theirs.transactional, p.transactional);
        // The oracle adds the delta to a base sequence of -1 instead of
        // reporting -1, and does not wrap at i32::MAX as Java does; compare
        // only where both rules agree.
        if p.base_sequence >= 0 && ours.sequence >= p.base_sequence {
            assert_eq!(ours.sequence, theirs.sequence);
        }
        let theirs_headers: Vec<(&str, Option<&Bytes>)> = theirs
            .headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_ref()))
            .collect();
        let ours_headers: Vec<(&str, Option<&Bytes>)> = ours
            .headers
            .iter()
            .map(|h| (h.key(), h.value.as_ref()))
            .collect();
        assert_eq!(ours_headers, theirs_headers);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(cases(48)))]

        /// Our batches, every codec, decoded by the oracle.
        #[test]
        fn oracle_decodes_our_batches(
            mut recs in proptest::collection::vec(sane_rec_strategy(), 0..12),
            producer in producer_strategy(),
        ) {
            unique_headers(&mut recs);
            for codec in CODECS {
                let bytes = build(codec, &recs, &producer);
                let mut buf = bytes.freeze();
                let sets = RecordBatchDecoder::decode_all(&mut buf)
                    .unwrap_or_else(|e| panic!("oracle failed on our {codec:?} batch: {e:#}"));
                prop_assert_eq!(sets.len(), 1);
                prop_assert_eq!(sets[0].compression, ocodec(sent_codec(codec, &recs)));
                prop_assert_eq!(sets[0].records.len(), recs.len());
                let ours = decode_one(build(codec, &recs, &producer).freeze());
                for (o, t) in ours.records.iter().zip(&sets[0].records) {
                    same_record(o, t, &producer);
                }
            }
        }

        /// The oracle's batches, every codec it writes, decoded by us.
        #[test]
        fn we_decode_oracle_batches(
            mut recs in proptest::collection::vec(sane_rec_strategy(), 1..12),
            producer in producer_strategy(),
        ) {
            unique_headers(&mut recs);
            let orecs = oracle_records(&recs, &producer);
            for codec in CODECS {
                let mut buf = BytesMut::new();
                RecordBatchEncoder::encode(
                    &mut buf,
                    &orecs,
                    &RecordEncodeOptions { version: 2, compression: ocodec(codec.codec()) },
                )
                .unwrap();
                let batch = decode_one(buf.freeze());
                prop_assert_eq!(batch.header.compression().unwrap(), codec.codec());
                prop_assert_eq!(batch.header.producer_fields(), producer);
                prop_assert_eq!(batch.records.len(), recs.len());
                for (o, t) in batch.records.iter().zip(&orecs) {
                    same_record(o, t, &producer);
                }
            }
        }
    }

    /// The oracle's LZ4 frames (liblz4 defaults) carry a content checksum
    /// and block checksums, which Kafka's reader accepts and so do we; our
    /// frames carry neither, as Kafka's writer.
    #[test]
    fn oracle_lz4_frames_use_optional_checksums_we_accept() {
        let recs = sample_recs(3, 100);
        let orecs = oracle_records(&recs, &ProducerFields::NONE);
        let mut buf = BytesMut::new();
        RecordBatchEncoder::encode(
            &mut buf,
            &orecs,
            &RecordEncodeOptions {
                version: 2,
                compression: OCompression::Lz4,
            },
        )
        .unwrap();
        let flg = buf[BATCH_HEADER_SIZE + 4];
        assert_eq!(flg & 0x20, 0x20, "independent blocks");
        assert_eq!(flg & 0x14, 0x14, "block and content checksums");
        let batch = decode_one(buf.freeze());
        assert_eq!(batch.records.len(), 3);

        let ours = build(Compression::Lz4, &recs, &ProducerFields::NONE);
        assert_eq!(ours[BATCH_HEADER_SIZE + 4], 0x60);
    }

    /// Where the header fields agree (the first record has the smallest
    /// timestamp, which the oracle takes as the base), the oracle and we
    /// write byte-identical batches for every codec but LZ4 (whose frame
    /// flags differ, see above): the same header layout, CRC and record
    /// encoding, the same xerial framing, and the same gzip and zstd
    /// streams at the default levels.
    #[test]
    fn batches_are_byte_identical_to_the_oracle() {
        let recs = sample_recs(40, 200);
        assert!(recs.iter().all(|r| r.timestamp >= recs[0].timestamp));
        let orecs = oracle_records(&recs, &ProducerFields::NONE);
        for codec in CODECS {
            let mut theirs = BytesMut::new();
            RecordBatchEncoder::encode(
                &mut theirs,
                &orecs,
                &RecordEncodeOptions {
                    version: 2,
                    compression: ocodec(codec.codec()),
                },
            )
            .unwrap();
            let ours = build(codec, &recs, &ProducerFields::NONE);
            if codec == Compression::Lz4 {
                // Same header apart from the length and CRC.
                assert_eq!(ours[21..BATCH_HEADER_SIZE], theirs[21..BATCH_HEADER_SIZE]);
                assert_eq!(
                    decode_one(ours.freeze()).records,
                    decode_one(theirs.freeze()).records
                );
            } else {
                let first_diff = ours.iter().zip(theirs.iter()).position(|(a, b)| a != b);
                assert!(
                    ours[..] == theirs[..],
                    "{codec:?}: lengths {} / {}, first difference at {first_diff:?}",
                    ours.len(),
                    theirs.len()
                );
            }
        }
    }
}

/// Rough encode+CRC speed for 1 KiB records: uncompressed in 16 KiB
/// (Kafka's default `batch.size`) and 1 MiB batches, then each codec on
/// values of 8 distinct byte values
/// (entropy 3 bits per byte). Run with
/// `cargo test --release --test record_batch -- --ignored --nocapture`.
#[test]
#[ignore]
// A benchmark in a test file, not the core: it may read the clock.
#[allow(clippy::disallowed_methods)]
fn encode_speed_1kib_records() {
    // A pool of pseudo-random bytes; each record takes a different 1 KiB
    // window, so records do not repeat each other.
    let mut pool = vec![0u8; 1 << 20];
    let mut x = 0x1234_5678u32;
    for b in pool.iter_mut() {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        // Eight distinct bytes: compressible, but not trivially.
        *b = b'a' + (x % 8) as u8;
    }
    let key = b"key-000123";
    let runs = [
        (Compression::None, 16 << 10, 3 << 30),
        (Compression::None, 1 << 20, 3 << 30),
        (Compression::GZIP, 16 << 10, 64 << 20),
        (Compression::Snappy, 16 << 10, 256 << 20),
        (Compression::Lz4, 16 << 10, 256 << 20),
        (Compression::ZSTD, 16 << 10, 128 << 20),
    ];
    for (codec, batch_size, total) in runs {
        let per_batch = (batch_size / 1045).max(1);
        let batches = total / (per_batch * 1024);
        let mut b = BatchBuilder::with_capacity(codec, batch_size * 2).unwrap();
        let mut out = BytesMut::with_capacity(batch_size * 2);
        let start = std::time::Instant::now();
        let mut bytes = 0usize;
        for i in 0..batches {
            b.clear();
            for j in 0..per_batch {
                let at = ((i * per_batch + j) * 4099) % (pool.len() - 1024);
                let value = &pool[at..at + 1024];
                b.append(i as i64 + j as i64, Some(key), Some(value), NO_HEADERS)
                    .unwrap();
            }
            out.clear();
            bytes += b.finish(&ProducerFields::NONE, &mut out).unwrap();
        }
        let secs = start.elapsed().as_secs_f64();
        let records = (batches * per_batch) as f64;
        println!(
            "{:>6} {:>5} KiB batches of 1 KiB records: {:>10.0} records/s, \
             {:>6.0} MiB/s of record input, {:.2} output/input",
            codec.codec().name(),
            batch_size >> 10,
            records / secs,
            records * 1024.0 / secs / (1 << 20) as f64,
            bytes as f64 / (records * 1024.0)
        );
    }
}

/// `into_batch_with` builds a compressed batch in the buffer it is given
/// and hands the builder's own back, emptied; without compression the
/// builder's buffer is the batch and nothing comes back. Either way the
/// bytes are what `into_batch` makes.
#[test]
fn into_batch_with_hands_back_the_buffer_it_does_not_use() {
    for codec in [Compression::None, Compression::Lz4, Compression::GZIP] {
        let fill = |mut b: BatchBuilder| {
            for i in 0..100u8 {
                b.append(i64::from(i), None, Some(&[i; 50]), NO_HEADERS)
                    .unwrap();
            }
            b
        };
        let mut builder_buffer = BytesMut::with_capacity(8192);
        builder_buffer.extend_from_slice(b"left over");
        let builder_at = builder_buffer.as_ptr();
        let builder = fill(BatchBuilder::with_buffer(codec, builder_buffer).unwrap());
        let given = BytesMut::with_capacity(16384);
        let given_at = given.as_ptr();
        let mut asked = None;
        let (batch, spare) = builder
            .into_batch_with(&ProducerFields::NONE, |room| {
                asked = Some(room);
                given
            })
            .unwrap();
        let expected = fill(BatchBuilder::new(codec).unwrap())
            .into_batch(&ProducerFields::NONE)
            .unwrap();
        assert_eq!(batch, expected, "{codec:?}");
        if codec == Compression::None {
            assert_eq!(asked, None);
            assert_eq!(batch.as_ptr(), builder_at);
            assert!(spare.is_none());
        } else {
            assert!(asked.is_some_and(|room| room > 0));
            assert_eq!(batch.as_ptr(), given_at, "{codec:?}");
            let spare = spare.expect("the builder's buffer");
            assert_eq!(spare.as_ptr(), builder_at, "{codec:?}");
            assert!(spare.is_empty());
        }
    }
}

/// `into_uncompressed_batch` skips the codec: the batch is the one a
/// builder without compression makes, built in the builder's own buffer,
/// even for records the codec would shrink.
#[test]
fn into_uncompressed_batch_skips_the_codec() {
    let producer = ProducerFields::idempotent(7, 1, 40);
    for codec in [Compression::Lz4, Compression::GZIP, Compression::ZSTD] {
        let fill = |mut b: BatchBuilder| {
            for i in 0..100u8 {
                b.append(i64::from(i), None, Some(&[b'a'; 50]), NO_HEADERS)
                    .unwrap();
            }
            b
        };
        let builder = fill(BatchBuilder::new(codec).unwrap());
        let at = builder.records_bytes().as_ptr();
        let compressed = builder.clone().into_batch(&producer).unwrap();
        assert_eq!(
            decode_one(compressed.freeze())
                .header
                .compression()
                .unwrap(),
            codec.codec()
        );
        let batch = builder.into_uncompressed_batch(&producer).unwrap();
        let expected = fill(BatchBuilder::new(Compression::None).unwrap())
            .into_batch(&producer)
            .unwrap();
        assert_eq!(batch, expected, "{codec:?}");
        assert!(!is_compressed(&batch));
        assert_eq!(
            batch.as_ptr(),
            at.wrapping_sub(BATCH_HEADER_SIZE),
            "{codec:?}: built in the builder's buffer"
        );
    }
}
