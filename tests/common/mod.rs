//! Helpers shared by the codec test files: round-trip checks and the
//! bridge to the independent `kafka-protocol` crate used as an oracle.
#![allow(dead_code)]

use std::fmt::Debug;

use bytes::{Bytes, BytesMut};
use kafka_protocol::protocol::{Decodable, Encodable, StrBytes};
use kafka_sansio::protocol::{ApiMessage, Reader};

/// Encodes `msg` in `version`, decodes it back, and checks that the value
/// is the same and that decoding used every byte.
pub fn roundtrip<M: ApiMessage + PartialEq + Debug>(msg: &M, version: i16) {
    let mut buf = BytesMut::new();
    msg.encode(&mut buf, version)
        .unwrap_or_else(|e| panic!("encode v{version} failed: {e}: {msg:?}"));
    let mut r = Reader::new(buf.freeze());
    let back = M::decode(&mut r, version)
        .unwrap_or_else(|e| panic!("decode v{version} failed: {e}: {msg:?}"));
    assert_eq!(r.remaining(), 0, "v{version}: bytes left after decode");
    assert_eq!(&back, msg, "v{version}: round trip changed the value");
}

/// Our encoding of `msg`, as bytes.
pub fn ours_encoded<M: ApiMessage + Debug>(msg: &M, version: i16) -> Bytes {
    let mut buf = BytesMut::new();
    msg.encode(&mut buf, version)
        .unwrap_or_else(|e| panic!("encode v{version} failed: {e}: {msg:?}"));
    buf.freeze()
}

/// Decodes `bytes` with our codec, requiring every byte to be used.
pub fn ours_decoded<M: ApiMessage>(bytes: Bytes, version: i16) -> M {
    let mut r = Reader::new(bytes);
    let msg = M::decode(&mut r, version)
        .unwrap_or_else(|e| panic!("our decode of the oracle's v{version} bytes failed: {e}"));
    assert_eq!(r.remaining(), 0, "v{version}: bytes left after our decode");
    msg
}

/// Decodes `bytes` with the oracle, requiring every byte to be used.
pub fn oracle_decoded<T: Decodable>(bytes: Bytes, version: i16) -> T {
    let mut b = bytes;
    let msg = T::decode(&mut b, version)
        .unwrap_or_else(|e| panic!("oracle decode of our v{version} bytes failed: {e}"));
    assert!(b.is_empty(), "v{version}: bytes left after oracle decode");
    msg
}

/// The oracle's encoding of `msg`.
pub fn oracle_encoded<T: Encodable>(msg: &T, version: i16) -> Bytes {
    let mut buf = BytesMut::new();
    msg.encode(&mut buf, version)
        .unwrap_or_else(|e| panic!("oracle encode v{version} failed: {e}"));
    buf.freeze()
}

/// Both directions against the oracle: what we encode the oracle decodes
/// to the same fields, and what the oracle encodes we decode to the same
/// value. `to_oracle` and `from_oracle` map field by field.
pub fn check_against_oracle<M, T>(
    msg: &M,
    version: i16,
    to_oracle: impl Fn(&M) -> T,
    from_oracle: impl Fn(&T) -> M,
) where
    M: ApiMessage + PartialEq + Debug,
    T: Encodable + Decodable,
{
    let theirs: T = oracle_decoded(ours_encoded(msg, version), version);
    assert_eq!(
        &from_oracle(&theirs),
        msg,
        "v{version}: the oracle read our bytes differently"
    );
    let ours: M = ours_decoded(oracle_encoded(&to_oracle(msg), version), version);
    assert_eq!(
        &ours, msg,
        "v{version}: we read the oracle's bytes differently"
    );
}

/// A `String` as the oracle's string type.
pub fn sb(s: &str) -> StrBytes {
    StrBytes::from_string(s.to_owned())
}

/// The oracle's string type as a `String`.
pub fn st(s: &StrBytes) -> String {
    s.as_str().to_owned()
}
