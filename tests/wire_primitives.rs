//! Round trips and hostile-input checks for the wire primitives, and the
//! frame reader under every chunking.

use bytes::{BufMut, Bytes, BytesMut};
use kafka_sansio::protocol::frame::{decode_response, encode_request, encode_response};
use kafka_sansio::protocol::wire::*;
use kafka_sansio::protocol::{
    DecodeError, FrameError, FrameReader, InitProducerIdRequest, InitProducerIdResponse, Reader,
    RequestHeader,
};
use proptest::prelude::*;

fn reader(buf: BytesMut) -> Reader {
    Reader::new(buf.freeze())
}

proptest! {
    #[test]
    fn varints_round_trip(u in any::<u32>(), s in any::<i32>(), l in any::<i64>(), ul in any::<u64>()) {
        let mut buf = BytesMut::new();
        put_unsigned_varint(&mut buf, u);
        put_varint(&mut buf, s);
        put_varlong(&mut buf, l);
        put_unsigned_varlong(&mut buf, ul);
        prop_assert_eq!(
            buf.len(),
            unsigned_varint_len(u) + varint_len(s) + varlong_len(l) + unsigned_varlong_len(ul)
        );
        let mut r = reader(buf);
        prop_assert_eq!(r.unsigned_varint("u").unwrap(), u);
        prop_assert_eq!(r.varint("s").unwrap(), s);
        prop_assert_eq!(r.varlong("l").unwrap(), l);
        prop_assert_eq!(r.unsigned_varlong("ul").unwrap(), ul);
        prop_assert!(r.is_empty());
    }

    #[test]
    fn fixed_ints_round_trip(a in any::<i8>(), b in any::<i16>(), c in any::<i32>(), d in any::<i64>(),
                             e in any::<u16>(), f in any::<u32>(), g in any::<f64>(), id in any::<[u8; 16]>(), t in any::<bool>()) {
        let mut buf = BytesMut::new();
        buf.put_i8(a); buf.put_i16(b); buf.put_i32(c); buf.put_i64(d);
        buf.put_u16(e); buf.put_u32(f); buf.put_f64(g); put_uuid(&mut buf, &Uuid(id)); put_bool(&mut buf, t);
        let mut r = reader(buf);
        prop_assert_eq!(r.i8("a").unwrap(), a);
        prop_assert_eq!(r.i16("b").unwrap(), b);
        prop_assert_eq!(r.i32("c").unwrap(), c);
        prop_assert_eq!(r.i64("d").unwrap(), d);
        prop_assert_eq!(r.u16("e").unwrap(), e);
        prop_assert_eq!(r.u32("f").unwrap(), f);
        prop_assert_eq!(r.f64("g").unwrap().to_bits(), g.to_bits());
        prop_assert_eq!(r.uuid("id").unwrap(), Uuid(id));
        prop_assert_eq!(r.bool("t").unwrap(), t);
        prop_assert!(r.is_empty());
    }

    #[test]
    fn strings_bytes_arrays_round_trip(
        s in proptest::option::of(".{0,40}"),
        b in proptest::option::of(proptest::collection::vec(any::<u8>(), 0..64)),
        items in proptest::option::of(proptest::collection::vec(any::<i32>(), 0..20)),
        flexible in any::<bool>(),
    ) {
        let mut buf = BytesMut::new();
        put_nullable_string(&mut buf, "s", s.as_deref(), flexible).unwrap();
        put_nullable_bytes(&mut buf, "b", b.as_deref(), flexible).unwrap();
        put_nullable_array(&mut buf, "items", items.as_deref(), flexible, |buf, v| {
            buf.put_i32(*v);
            Ok(())
        }).unwrap();
        let mut r = reader(buf);
        prop_assert_eq!(r.nullable_string("s", flexible).unwrap(), s);
        prop_assert_eq!(r.nullable_bytes("b", flexible).unwrap().map(|b| b.to_vec()), b);
        prop_assert_eq!(r.nullable_array("items", flexible, |r| r.i32("item")).unwrap(), items);
        prop_assert!(r.is_empty());
    }

    #[test]
    fn tagged_fields_round_trip_in_tag_order(
        mut tags in proptest::collection::btree_map(any::<u32>(), proptest::collection::vec(any::<u8>(), 0..8), 0..6)
    ) {
        let unknown = UnknownTaggedFields(
            std::mem::take(&mut tags).into_iter().map(|(t, v)| (t, Bytes::from(v))).collect(),
        );
        let mut buf = BytesMut::new();
        put_unknown_tagged_fields(&mut buf, &unknown).unwrap();
        let mut r = reader(buf);
        prop_assert_eq!(r.unknown_tagged_fields().unwrap(), unknown);
        prop_assert!(r.is_empty());
    }

    #[test]
    fn arbitrary_bytes_never_panic_the_reader(data in proptest::collection::vec(any::<u8>(), 0..64), flexible in any::<bool>()) {
        let mut r = Reader::new(data);
        let _ = r.nullable_string("s", flexible);
        let _ = r.nullable_array("a", flexible, |r| r.nullable_bytes("b", flexible));
        let _ = r.unknown_tagged_fields();
        let _ = r.varlong("l");
    }

    #[test]
    fn frames_survive_any_chunking(
        frames in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..50), 1..6),
        chunk in 1usize..17,
    ) {
        let mut stream = Vec::new();
        for f in &frames {
            stream.extend_from_slice(&(f.len() as i32).to_be_bytes());
            stream.extend_from_slice(f);
        }
        let mut reader = FrameReader::new(64);
        let mut got = Vec::new();
        for piece in stream.chunks(chunk) {
            reader.push(piece);
            while let Some(frame) = reader.next_frame().unwrap() {
                got.push(frame.to_vec());
            }
        }
        prop_assert_eq!(got, frames);
        prop_assert_eq!(reader.buffered(), 0);
    }
}

#[test]
fn varint_longer_than_five_bytes_is_refused() {
    let mut r = Reader::new(vec![0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
    assert_eq!(
        r.unsigned_varint("x"),
        Err(DecodeError::InvalidVarint { what: "x" })
    );
    // A fifth byte may carry only the top 4 bits of a 32-bit value.
    let mut r = Reader::new(vec![0xff, 0xff, 0xff, 0xff, 0x1f]);
    assert!(r.unsigned_varint("x").is_err());
    let mut r = Reader::new(vec![0xff, 0xff, 0xff, 0xff, 0x0f]);
    assert_eq!(r.unsigned_varint("x"), Ok(u32::MAX));
}

#[test]
fn a_huge_length_prefix_is_refused_before_allocating() {
    // An array claiming 2^31-1 elements with 3 bytes behind it.
    let mut r = Reader::new(vec![0x7f, 0xff, 0xff, 0xff, 1, 2, 3]);
    let err = r.array("brokers", false, |r| r.i8("x")).unwrap_err();
    assert!(
        matches!(
            err,
            DecodeError::InvalidLength {
                what: "brokers",
                len: 2147483647,
                remaining: 3
            }
        ),
        "{err:?}"
    );
    let mut r = Reader::new(vec![0xff, 0xff, 0xff, 0xff, 0x07, b'a']);
    assert!(r.bytes("value", true).is_err());
    let mut r = Reader::new(vec![0xff, 0xfe, b'a']);
    assert!(matches!(
        r.nullable_string("name", false),
        Err(DecodeError::InvalidLength { len: -2, .. })
    ));
}

#[test]
fn null_where_forbidden_is_an_error() {
    let mut r = Reader::new(vec![0xff, 0xff]);
    assert_eq!(
        r.string("topic", false),
        Err(DecodeError::UnexpectedNull { what: "topic" })
    );
    let mut r = Reader::new(vec![0x00]);
    assert_eq!(
        r.string("topic", true),
        Err(DecodeError::UnexpectedNull { what: "topic" })
    );
}

#[test]
fn tagged_fields_out_of_order_are_refused() {
    // two fields: tag 3 then tag 1
    let mut r = Reader::new(vec![2, 3, 0, 1, 0]);
    assert_eq!(
        r.unknown_tagged_fields(),
        Err(DecodeError::TagOrder {
            tag: 1,
            previous: 3
        })
    );
}

#[test]
fn oversized_and_negative_frames_are_refused_with_sizes_named() {
    let mut reader = FrameReader::new(1024);
    reader.push(&[0x7f, 0xff, 0xff, 0xff]);
    let err = reader.next_frame().unwrap_err();
    assert_eq!(
        err,
        FrameError::TooLarge {
            size: 2147483647,
            max: 1024
        }
    );
    assert_eq!(
        err.to_string(),
        "frame of 2147483647 bytes exceeds the cap of 1024 bytes"
    );
    // Nothing was reserved for the claimed size.
    assert_eq!(reader.buffered(), 4);

    let mut reader = FrameReader::new(1024);
    reader.push(&[0xff, 0xff, 0xff, 0xfe]);
    assert_eq!(reader.next_frame(), Err(FrameError::Negative { size: -2 }));
}

#[test]
fn a_size_prefix_that_reads_as_text_is_named_as_another_protocol() {
    // What an HTTP server answers to a Kafka request.
    let mut reader = FrameReader::new(100 << 20);
    reader.push(b"HTTP/1.1 400 Bad Request\r\n\r\n");
    assert_eq!(reader.announced(), Some(0x4854_5450));
    assert_eq!(
        reader.next_frame().unwrap_err().to_string(),
        "frame of 1213486160 bytes exceeds the cap of 104857600 bytes \
         (its size prefix reads \"HTTP\": the peer does not seem to speak Kafka)"
    );
}

#[test]
fn frame_reader_accepts_one_byte_at_a_time() {
    let mut buf = BytesMut::new();
    encode_request(
        &mut buf,
        7,
        Some("cli"),
        4,
        &InitProducerIdRequest::default(),
    )
    .unwrap();
    encode_request(&mut buf, 8, None, 1, &InitProducerIdRequest::default()).unwrap();
    let mut reader = FrameReader::new(1 << 20);
    let mut frames = Vec::new();
    for byte in buf.iter() {
        reader.push(&[*byte]);
        while let Some(f) = reader.next_frame().unwrap() {
            frames.push(f);
        }
    }
    assert_eq!(frames.len(), 2);
    let (key, version) = RequestHeader::peek_api(&frames[1]).unwrap();
    assert_eq!((key.0, version), (22, 1));
}

#[test]
fn request_and_response_frames_carry_header_and_body() {
    let body = InitProducerIdResponse {
        producer_id: 42,
        producer_epoch: 3,
        ..InitProducerIdResponse::default()
    };
    let mut buf = BytesMut::new();
    encode_response(&mut buf, 99, 4, &body).unwrap();
    // size (5 header + 17 body), correlation id, empty header tags (header
    // v1 for the flexible v4)
    assert_eq!(&buf[..9], &[0, 0, 0, 22, 0, 0, 0, 99, 0]);
    let mut reader = FrameReader::new(1024);
    reader.push(&buf);
    let frame = reader.next_frame().unwrap().unwrap();
    let (header, back): (_, InitProducerIdResponse) = decode_response(frame, 4).unwrap();
    assert_eq!(header.correlation_id, 99);
    assert_eq!(back, body);
}

#[test]
fn a_failed_encode_leaves_no_partial_frame() {
    let mut buf = BytesMut::from(&b"keep"[..]);
    let bad = InitProducerIdRequest {
        producer_id: 5,
        ..InitProducerIdRequest::default()
    };
    assert!(encode_request(&mut buf, 1, None, 1, &bad).is_err());
    assert_eq!(&buf[..], b"keep");
    assert!(encode_request(&mut buf, 1, None, 99, &InitProducerIdRequest::default()).is_err());
    assert_eq!(&buf[..], b"keep");
}
