//! Helpers shared by the codec test files: version ranges and unknown
//! tagged-field strategies, round-trip, truncation and byte-vector checks,
//! and the bridge to the independent `kafka-protocol` crate used as an
//! oracle.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::ops::RangeInclusive;

use bytes::{Bytes, BytesMut};
use kafka_protocol::protocol::{Decodable, Encodable, StrBytes};
use kafka_sansio::protocol::{
    ApiMessage, Decode, DecodeError, Encode, EncodeError, Reader, UnknownTaggedFields, Uuid,
};
use proptest::prelude::*;

// ---------------------------------------------------------------- strategies

/// Every version this crate speaks of `M`'s API.
pub const fn versions<M: ApiMessage>() -> RangeInclusive<i16> {
    M::VERSIONS.min..=M::VERSIONS.max
}

/// A version of `M`'s API together with a value of `strategy` for it.
pub fn in_any_version<M: ApiMessage, S: Strategy>(
    strategy: impl Fn(i16) -> S,
) -> impl Strategy<Value = (i16, S::Value)> {
    versions::<M>().prop_flat_map(move |v| (Just(v), strategy(v)))
}

/// Up to two unknown tagged fields with tags from `first_free` up (past the
/// struct's known tags), some past 127 so that tags take two varint bytes.
pub fn unknown_tags(first_free: u32) -> impl Strategy<Value = UnknownTaggedFields> {
    proptest::collection::btree_map(
        first_free..first_free + 300,
        proptest::collection::vec(any::<u8>(), 0..6),
        0..3,
    )
    .prop_map(|m| UnknownTaggedFields(m.into_iter().map(|(t, v)| (t, Bytes::from(v))).collect()))
}

/// [`unknown_tags`] where the version has a tagged-field section, else none
/// (a classic version refuses them).
pub fn unknown_tags_if(flexible: bool, first_free: u32) -> BoxedStrategy<UnknownTaggedFields> {
    if flexible {
        unknown_tags(first_free).boxed()
    } else {
        Just(UnknownTaggedFields::default()).boxed()
    }
}

/// `tags` where the version has a tagged-field section, else none.
pub fn tags_if(flexible: bool, tags: &UnknownTaggedFields) -> UnknownTaggedFields {
    if flexible {
        tags.clone()
    } else {
        UnknownTaggedFields::default()
    }
}

/// One unknown tagged field, for the refusal tests.
pub fn one_unknown_tag(tag: u32) -> UnknownTaggedFields {
    UnknownTaggedFields(vec![(tag, Bytes::from_static(b"z"))])
}

// ------------------------------------------------------------ encode, decode

/// Encodes `msg` in `version`, decodes it back, and checks that the value
/// is the same and that decoding used every byte.
pub fn roundtrip<M: ApiMessage + PartialEq + Debug>(msg: &M, version: i16) {
    let back: M = decoded(&ours_encoded(msg, version), version)
        .unwrap_or_else(|e| panic!("decode v{version} failed: {e}: {msg:?}"));
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
    decoded(&bytes, version)
        .unwrap_or_else(|e| panic!("our decode of the oracle's v{version} bytes failed: {e}"))
}

/// `m` encoded in `version`, or the encoder's error.
pub fn encoded<M: Encode>(m: &M, version: i16) -> Result<Bytes, EncodeError> {
    let mut buf = BytesMut::new();
    m.encode(&mut buf, version).map(|()| buf.freeze())
}

/// `bytes` decoded in `version`; bytes left over are an error.
pub fn decoded<M: Decode>(bytes: &[u8], version: i16) -> Result<M, DecodeError> {
    let mut r = Reader::new(Bytes::copy_from_slice(bytes));
    let m = M::decode(&mut r, version)?;
    r.finish("test message")?;
    Ok(m)
}

/// Checks both directions against bytes written out by hand: `m` encodes
/// to `bytes` and `bytes` decodes to `m`, using every byte.
pub fn check_vector<M: Encode + Decode + PartialEq + Debug>(m: &M, version: i16, bytes: &[u8]) {
    assert_eq!(
        &encoded(m, version).unwrap()[..],
        bytes,
        "v{version}: encoding"
    );
    assert_eq!(
        &decoded::<M>(bytes, version).unwrap(),
        m,
        "v{version}: decoding"
    );
}

/// Every strict prefix of `bytes` must fail to decode, without panicking.
pub fn assert_prefixes_fail<M: Decode + Debug>(bytes: &[u8], version: i16) {
    for n in 0..bytes.len() {
        let mut r = Reader::new(Bytes::copy_from_slice(&bytes[..n]));
        let got = M::decode(&mut r, version);
        assert!(
            got.is_err(),
            "v{version}: a {n}-byte prefix of {} bytes decoded: {got:?}",
            bytes.len()
        );
    }
}

/// Every strict prefix of `msg`'s encoding in `version` must fail to decode.
pub fn assert_encoding_prefixes_fail<M: ApiMessage + Debug>(msg: &M, version: i16) {
    assert_prefixes_fail::<M>(&ours_encoded(msg, version), version);
}

/// `msg` holds unknown tagged fields somewhere, which `version` (a classic
/// one) has no section for: encoding must refuse them (Java's rule), and
/// for that reason rather than another.
pub fn assert_tags_refused<M: Encode + Debug>(msg: &M, version: i16) {
    let got = encoded(msg, version);
    assert!(
        matches!(
            got,
            Err(EncodeError::FieldNotInVersion { field, version: v })
                if v == version && field.ends_with("unknown tagged fields")
        ),
        "v{version}: unknown tagged fields were not refused: {got:?} for {msg:?}"
    );
}

// ------------------------------------------------------------ oracle bridge

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

/// Unknown tagged fields as the oracle keeps them.
pub fn tags_to_oracle(u: &UnknownTaggedFields) -> BTreeMap<i32, Bytes> {
    u.0.iter()
        .map(|(t, b)| (i32::try_from(*t).expect("small tag"), b.clone()))
        .collect()
}

/// The oracle's unknown tagged fields as ours.
pub fn tags_from_oracle(m: &BTreeMap<i32, Bytes>) -> UnknownTaggedFields {
    UnknownTaggedFields(
        m.iter()
            .map(|(t, b)| (u32::try_from(*t).expect("non-negative tag"), b.clone()))
            .collect(),
    )
}

/// The oracle's `uuid::Uuid`, built without naming the `uuid` crate.
pub fn uuid_to_oracle<U: TryFrom<Vec<u8>>>(id: &Uuid) -> U
where
    U::Error: Debug,
{
    U::try_from(id.0.to_vec()).expect("16 bytes")
}

/// The oracle's UUID as ours.
pub fn uuid_from_oracle(id: &impl AsRef<[u8]>) -> Uuid {
    Uuid(id.as_ref().try_into().expect("16 bytes"))
}

/// A `String` as the oracle's string type.
pub fn sb(s: &str) -> StrBytes {
    StrBytes::from_string(s.to_owned())
}

/// The oracle's string type as a `String`.
pub fn st(s: &StrBytes) -> String {
    s.as_str().to_owned()
}
