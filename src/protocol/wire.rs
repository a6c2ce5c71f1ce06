//! Primitive wire types of the Kafka protocol: fixed-width integers,
//! varints, (compact, nullable) strings and bytes, arrays, UUIDs and
//! tagged fields (KIP-482).
//!
//! Decoding goes through [`Reader`], which checks every length and count
//! against the bytes actually present before it reads or allocates, so a
//! hostile length prefix yields a [`DecodeError`] instead of a panic or a
//! huge allocation. Encoding appends to a [`BytesMut`] with the `put_*`
//! functions.

use bytes::{Buf, BufMut, Bytes, BytesMut};

use super::DecodeError;
use super::EncodeError;

/// A 128-bit UUID as Kafka puts it on the wire (big-endian, most
/// significant half first). `Uuid::ZERO` is Kafka's "no id".
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Uuid(pub [u8; 16]);

impl Uuid {
    /// The all-zero UUID that Kafka uses for "unset".
    pub const ZERO: Uuid = Uuid([0; 16]);

    /// True for the all-zero UUID.
    pub fn is_zero(&self) -> bool {
        *self == Self::ZERO
    }
}

/// Tagged fields (KIP-482) that this codec does not know, kept as raw
/// `(tag, bytes)` so that decoding then encoding a message loses nothing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UnknownTaggedFields(pub Vec<(u32, Bytes)>);

impl UnknownTaggedFields {
    /// True when no unknown tagged field was seen.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// A cursor over received bytes that checks each read against what is
/// present.
#[derive(Clone, Debug)]
pub struct Reader {
    buf: Bytes,
}

/// The most elements [`Reader::array`] reserves room for before it has
/// read them: a count prefix is untrusted until the elements arrive.
const MAX_PREALLOC: usize = 64;

impl Reader {
    /// A reader over `buf`.
    pub fn new(buf: impl Into<Bytes>) -> Self {
        Self { buf: buf.into() }
    }

    /// Bytes not yet read.
    pub fn remaining(&self) -> usize {
        self.buf.len()
    }

    /// True when every byte has been read.
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// Fails with [`DecodeError::TrailingBytes`] unless every byte was read.
    pub fn finish(&self, what: &'static str) -> Result<(), DecodeError> {
        if self.buf.is_empty() {
            Ok(())
        } else {
            Err(DecodeError::TrailingBytes {
                what,
                trailing: self.buf.len(),
            })
        }
    }

    fn need(&self, what: &'static str, needed: usize) -> Result<(), DecodeError> {
        if self.buf.len() < needed {
            Err(DecodeError::Truncated {
                what,
                needed,
                remaining: self.buf.len(),
            })
        } else {
            Ok(())
        }
    }

    /// Takes the next `n` bytes without copying them.
    pub fn take(&mut self, what: &'static str, n: usize) -> Result<Bytes, DecodeError> {
        self.need(what, n)?;
        Ok(self.buf.split_to(n))
    }

    /// Takes every remaining byte.
    pub fn take_rest(&mut self) -> Bytes {
        self.buf.split_to(self.buf.len())
    }

    /// A signed 8-bit integer.
    pub fn i8(&mut self, what: &'static str) -> Result<i8, DecodeError> {
        self.need(what, 1)?;
        Ok(self.buf.get_i8())
    }

    /// A boolean; any non-zero byte is true, as in the Java client.
    pub fn bool(&mut self, what: &'static str) -> Result<bool, DecodeError> {
        Ok(self.i8(what)? != 0)
    }

    /// A big-endian signed 16-bit integer.
    pub fn i16(&mut self, what: &'static str) -> Result<i16, DecodeError> {
        self.need(what, 2)?;
        Ok(self.buf.get_i16())
    }

    /// A big-endian unsigned 16-bit integer.
    pub fn u16(&mut self, what: &'static str) -> Result<u16, DecodeError> {
        self.need(what, 2)?;
        Ok(self.buf.get_u16())
    }

    /// A big-endian signed 32-bit integer.
    pub fn i32(&mut self, what: &'static str) -> Result<i32, DecodeError> {
        self.need(what, 4)?;
        Ok(self.buf.get_i32())
    }

    /// A big-endian unsigned 32-bit integer.
    pub fn u32(&mut self, what: &'static str) -> Result<u32, DecodeError> {
        self.need(what, 4)?;
        Ok(self.buf.get_u32())
    }

    /// A big-endian signed 64-bit integer.
    pub fn i64(&mut self, what: &'static str) -> Result<i64, DecodeError> {
        self.need(what, 8)?;
        Ok(self.buf.get_i64())
    }

    /// A big-endian IEEE-754 double.
    pub fn f64(&mut self, what: &'static str) -> Result<f64, DecodeError> {
        self.need(what, 8)?;
        Ok(self.buf.get_f64())
    }

    /// A 16-byte UUID.
    pub fn uuid(&mut self, what: &'static str) -> Result<Uuid, DecodeError> {
        self.need(what, 16)?;
        let mut id = [0u8; 16];
        self.buf.copy_to_slice(&mut id);
        Ok(Uuid(id))
    }

    /// An unsigned LEB128 varint of at most 5 bytes (a 32-bit value).
    pub fn unsigned_varint(&mut self, what: &'static str) -> Result<u32, DecodeError> {
        let mut value: u32 = 0;
        for i in 0..5 {
            self.need(what, 1)?;
            let byte = self.buf.get_u8();
            if i == 4 && byte & 0xf0 != 0 {
                return Err(DecodeError::InvalidVarint { what });
            }
            value |= u32::from(byte & 0x7f) << (7 * i);
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(DecodeError::InvalidVarint { what })
    }

    /// An unsigned LEB128 varint of at most 10 bytes (a 64-bit value).
    pub fn unsigned_varlong(&mut self, what: &'static str) -> Result<u64, DecodeError> {
        let mut value: u64 = 0;
        for i in 0..10 {
            self.need(what, 1)?;
            let byte = self.buf.get_u8();
            if i == 9 && byte & 0xfe != 0 {
                return Err(DecodeError::InvalidVarint { what });
            }
            value |= u64::from(byte & 0x7f) << (7 * i);
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(DecodeError::InvalidVarint { what })
    }

    /// A zig-zag signed 32-bit varint.
    pub fn varint(&mut self, what: &'static str) -> Result<i32, DecodeError> {
        let u = self.unsigned_varint(what)?;
        Ok(((u >> 1) as i32) ^ -((u & 1) as i32))
    }

    /// A zig-zag signed 64-bit varint.
    pub fn varlong(&mut self, what: &'static str) -> Result<i64, DecodeError> {
        let u = self.unsigned_varlong(what)?;
        Ok(((u >> 1) as i64) ^ -((u & 1) as i64))
    }

    /// A length prefix: int16 (`string`) or int32 (`bytes`, arrays) in
    /// classic versions, unsigned varint N+1 in flexible ones. `None` is
    /// null. A length that exceeds the remaining bytes is an error here,
    /// before anything is allocated for it.
    fn length(
        &mut self,
        what: &'static str,
        flexible: bool,
        classic_is_i16: bool,
        min_elem_size: usize,
    ) -> Result<Option<usize>, DecodeError> {
        let len: i64 = if flexible {
            i64::from(self.unsigned_varint(what)?) - 1
        } else if classic_is_i16 {
            i64::from(self.i16(what)?)
        } else {
            i64::from(self.i32(what)?)
        };
        if len == -1 {
            return Ok(None);
        }
        if len < -1 || (len as u64).saturating_mul(min_elem_size as u64) > self.buf.len() as u64 {
            return Err(DecodeError::InvalidLength {
                what,
                len,
                remaining: self.buf.len(),
            });
        }
        Ok(Some(len as usize))
    }

    /// A nullable string (`string` with `nullableVersions`).
    pub fn nullable_string(
        &mut self,
        what: &'static str,
        flexible: bool,
    ) -> Result<Option<String>, DecodeError> {
        match self.length(what, flexible, true, 1)? {
            None => Ok(None),
            Some(n) => {
                let raw = self.buf.split_to(n);
                String::from_utf8(raw.to_vec())
                    .map(Some)
                    .map_err(|_| DecodeError::InvalidUtf8 { what })
            }
        }
    }

    /// A non-null string.
    pub fn string(&mut self, what: &'static str, flexible: bool) -> Result<String, DecodeError> {
        self.nullable_string(what, flexible)?
            .ok_or(DecodeError::UnexpectedNull { what })
    }

    /// Nullable bytes (also the `records` type).
    pub fn nullable_bytes(
        &mut self,
        what: &'static str,
        flexible: bool,
    ) -> Result<Option<Bytes>, DecodeError> {
        Ok(self
            .length(what, flexible, false, 1)?
            .map(|n| self.buf.split_to(n)))
    }

    /// Non-null bytes.
    pub fn bytes(&mut self, what: &'static str, flexible: bool) -> Result<Bytes, DecodeError> {
        self.nullable_bytes(what, flexible)?
            .ok_or(DecodeError::UnexpectedNull { what })
    }

    /// A nullable array whose elements are read by `element`. Every element
    /// takes at least one byte on the wire, so a count larger than the
    /// remaining bytes is rejected before anything is allocated.
    pub fn nullable_array<T>(
        &mut self,
        what: &'static str,
        flexible: bool,
        mut element: impl FnMut(&mut Reader) -> Result<T, DecodeError>,
    ) -> Result<Option<Vec<T>>, DecodeError> {
        let Some(n) = self.length(what, flexible, false, 1)? else {
            return Ok(None);
        };
        let mut items = Vec::with_capacity(n.min(MAX_PREALLOC));
        for _ in 0..n {
            items.push(element(self)?);
        }
        Ok(Some(items))
    }

    /// A non-null array.
    pub fn array<T>(
        &mut self,
        what: &'static str,
        flexible: bool,
        element: impl FnMut(&mut Reader) -> Result<T, DecodeError>,
    ) -> Result<Vec<T>, DecodeError> {
        self.nullable_array(what, flexible, element)?
            .ok_or(DecodeError::UnexpectedNull { what })
    }

    /// The tagged-field section of a flexible struct. `known` is called for
    /// each tag with a reader over exactly that field's bytes; it returns
    /// `Ok(true)` when it decoded the tag, `Ok(false)` to keep it as
    /// unknown. Tags must be strictly increasing, and a known field must
    /// use exactly the bytes its size prefix declares.
    pub fn tagged_fields(
        &mut self,
        mut known: impl FnMut(u32, &mut Reader) -> Result<bool, DecodeError>,
    ) -> Result<UnknownTaggedFields, DecodeError> {
        let count = self.unsigned_varint("tagged field count")?;
        if count as usize > self.buf.len() {
            return Err(DecodeError::InvalidLength {
                what: "tagged field count",
                len: i64::from(count),
                remaining: self.buf.len(),
            });
        }
        let mut unknown = Vec::new();
        let mut previous: Option<u32> = None;
        for _ in 0..count {
            let tag = self.unsigned_varint("tag")?;
            if previous.is_some_and(|p| tag <= p) {
                return Err(DecodeError::TagOrder {
                    tag,
                    previous: previous.unwrap_or_default(),
                });
            }
            previous = Some(tag);
            let size = self.unsigned_varint("tagged field size")? as usize;
            let raw = self.take("tagged field", size)?;
            let mut field = Reader::new(raw.clone());
            if known(tag, &mut field)? {
                if !field.is_empty() {
                    return Err(DecodeError::TagSize {
                        tag,
                        declared: size,
                        used: size - field.remaining(),
                    });
                }
            } else {
                unknown.push((tag, raw));
            }
        }
        Ok(UnknownTaggedFields(unknown))
    }

    /// Reads a tagged-field section in which this codec knows no tag.
    pub fn unknown_tagged_fields(&mut self) -> Result<UnknownTaggedFields, DecodeError> {
        self.tagged_fields(|_, _| Ok(false))
    }

    /// The end of a struct with no known tagged field: its tagged-field
    /// section when `flexible`, else nothing (a classic version has no such
    /// section) and no unknown fields. The counterpart of
    /// [`put_struct_tags`].
    pub fn struct_tags(&mut self, flexible: bool) -> Result<UnknownTaggedFields, DecodeError> {
        if flexible {
            self.unknown_tagged_fields()
        } else {
            Ok(UnknownTaggedFields::default())
        }
    }

    /// A non-null array of big-endian `int32`s (broker ids, replica lists).
    /// `element` names one entry in errors; the counterpart of
    /// [`put_i32_array`].
    pub fn i32_array(
        &mut self,
        what: &'static str,
        element: &'static str,
        flexible: bool,
    ) -> Result<Vec<i32>, DecodeError> {
        self.array(what, flexible, |r| r.i32(element))
    }
}

/// Appends an unsigned LEB128 varint.
#[inline]
pub fn put_unsigned_varint(buf: &mut impl BufMut, value: u32) {
    put_unsigned_varlong(buf, u64::from(value));
}

/// Appends an unsigned LEB128 varlong: the one varint encoder, which
/// every other `put_*varint`/`varlong` goes through. Inlined, so that
/// when the bytes are reserved first (as the record encoder does) each
/// byte is a store behind a capacity check that always passes.
#[inline]
pub fn put_unsigned_varlong(buf: &mut impl BufMut, mut value: u64) {
    while value >= 0x80 {
        buf.put_u8((value as u8) | 0x80);
        value >>= 7;
    }
    buf.put_u8(value as u8);
}

/// Zig-zag encoding of a signed 32-bit value (small magnitudes stay small).
#[inline]
fn zigzag32(value: i32) -> u32 {
    ((value << 1) ^ (value >> 31)) as u32
}

/// Zig-zag encoding of a signed 64-bit value.
#[inline]
fn zigzag64(value: i64) -> u64 {
    ((value << 1) ^ (value >> 63)) as u64
}

/// Appends a zig-zag signed 32-bit varint.
#[inline]
pub fn put_varint(buf: &mut impl BufMut, value: i32) {
    put_unsigned_varint(buf, zigzag32(value));
}

/// Appends a zig-zag signed 64-bit varint.
#[inline]
pub fn put_varlong(buf: &mut impl BufMut, value: i64) {
    put_unsigned_varlong(buf, zigzag64(value));
}

/// Bytes [`put_unsigned_varlong`] writes for `value`: one per started
/// group of 7 significant bits (at least one).
#[inline]
pub fn unsigned_varlong_len(value: u64) -> usize {
    let bits = 64 - (value | 1).leading_zeros() as usize;
    // `bits` is at most 64, so this cannot overflow; it compiles to a
    // multiply and a shift, where `div_ceil` adds a remainder test (the
    // record encoder sizes six varints per record).
    #[allow(clippy::manual_div_ceil)]
    let len = (bits + 6) / 7;
    len
}

/// Bytes [`put_unsigned_varint`] writes for `value`.
#[inline]
pub fn unsigned_varint_len(value: u32) -> usize {
    unsigned_varlong_len(u64::from(value))
}

/// Bytes [`put_varint`] writes for `value`.
#[inline]
pub fn varint_len(value: i32) -> usize {
    unsigned_varint_len(zigzag32(value))
}

/// Bytes [`put_varlong`] writes for `value`.
#[inline]
pub fn varlong_len(value: i64) -> usize {
    unsigned_varlong_len(zigzag64(value))
}

/// Appends a boolean as one byte.
pub fn put_bool(buf: &mut impl BufMut, value: bool) {
    buf.put_u8(u8::from(value));
}

/// Appends a UUID.
pub fn put_uuid(buf: &mut impl BufMut, value: &Uuid) {
    buf.put_slice(&value.0);
}

/// Appends a length prefix (`None` = null) in the classic or compact form.
fn put_length(
    buf: &mut impl BufMut,
    what: &'static str,
    len: Option<usize>,
    flexible: bool,
    classic_is_i16: bool,
) -> Result<(), EncodeError> {
    let limit = if classic_is_i16 {
        i16::MAX as usize
    } else {
        i32::MAX as usize - 1
    };
    match len {
        Some(n) if n > limit => Err(EncodeError::TooLong {
            what,
            len: n,
            limit,
        }),
        Some(n) if flexible => {
            put_unsigned_varint(buf, n as u32 + 1);
            Ok(())
        }
        Some(n) if classic_is_i16 => {
            buf.put_i16(n as i16);
            Ok(())
        }
        Some(n) => {
            buf.put_i32(n as i32);
            Ok(())
        }
        None if flexible => {
            put_unsigned_varint(buf, 0);
            Ok(())
        }
        None if classic_is_i16 => {
            buf.put_i16(-1);
            Ok(())
        }
        None => {
            buf.put_i32(-1);
            Ok(())
        }
    }
}

/// Appends a nullable string.
pub fn put_nullable_string(
    buf: &mut impl BufMut,
    what: &'static str,
    value: Option<&str>,
    flexible: bool,
) -> Result<(), EncodeError> {
    put_length(buf, what, value.map(str::len), flexible, true)?;
    if let Some(s) = value {
        buf.put_slice(s.as_bytes());
    }
    Ok(())
}

/// Appends a non-null string.
pub fn put_string(
    buf: &mut impl BufMut,
    what: &'static str,
    value: &str,
    flexible: bool,
) -> Result<(), EncodeError> {
    put_nullable_string(buf, what, Some(value), flexible)
}

/// Appends nullable bytes (also the `records` type).
pub fn put_nullable_bytes(
    buf: &mut impl BufMut,
    what: &'static str,
    value: Option<&[u8]>,
    flexible: bool,
) -> Result<(), EncodeError> {
    put_length(buf, what, value.map(<[u8]>::len), flexible, false)?;
    if let Some(b) = value {
        buf.put_slice(b);
    }
    Ok(())
}

/// Appends nullable bulk bytes (record batches): the length, then the
/// bytes, or, given `splices`, a note of where they belong instead of a
/// copy (see [`Encode::encode_spliced`](super::Encode::encode_spliced)).
pub fn put_nullable_bulk(
    buf: &mut BytesMut,
    what: &'static str,
    value: Option<&Bytes>,
    flexible: bool,
    splices: Option<&mut super::Splices>,
) -> Result<(), EncodeError> {
    match (value, splices) {
        (Some(bytes), Some(splices)) => {
            put_length(buf, what, Some(bytes.len()), flexible, false)?;
            splices.push(buf.len(), bytes.clone());
            Ok(())
        }
        (value, _) => put_nullable_bytes(buf, what, value.map(|b| &b[..]), flexible),
    }
}

/// Appends non-null bytes.
pub fn put_bytes(
    buf: &mut impl BufMut,
    what: &'static str,
    value: &[u8],
    flexible: bool,
) -> Result<(), EncodeError> {
    put_nullable_bytes(buf, what, Some(value), flexible)
}

/// Appends a nullable array, each element written by `element`.
pub fn put_nullable_array<B: BufMut, T>(
    buf: &mut B,
    what: &'static str,
    items: Option<&[T]>,
    flexible: bool,
    mut element: impl FnMut(&mut B, &T) -> Result<(), EncodeError>,
) -> Result<(), EncodeError> {
    put_length(buf, what, items.map(<[T]>::len), flexible, false)?;
    for item in items.unwrap_or_default() {
        element(buf, item)?;
    }
    Ok(())
}

/// Appends a non-null array.
pub fn put_array<B: BufMut, T>(
    buf: &mut B,
    what: &'static str,
    items: &[T],
    flexible: bool,
    element: impl FnMut(&mut B, &T) -> Result<(), EncodeError>,
) -> Result<(), EncodeError> {
    put_nullable_array(buf, what, Some(items), flexible, element)
}

/// Appends a non-null array of big-endian `int32`s; the counterpart of
/// [`Reader::i32_array`].
pub fn put_i32_array(
    buf: &mut impl BufMut,
    what: &'static str,
    items: &[i32],
    flexible: bool,
) -> Result<(), EncodeError> {
    put_array(buf, what, items, flexible, |b, x| {
        b.put_i32(*x);
        Ok(())
    })
}

/// Builds the tagged-field section of a flexible struct: known fields are
/// added in any order with [`TaggedFieldsWriter::field`], then
/// [`TaggedFieldsWriter::finish`] merges them with the unknown ones, sorted
/// by tag, and writes the section.
#[derive(Default)]
pub struct TaggedFieldsWriter {
    fields: Vec<(u32, Bytes)>,
}

impl TaggedFieldsWriter {
    /// An empty section.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the field `tag` whose value `write` encodes.
    pub fn field(
        &mut self,
        tag: u32,
        write: impl FnOnce(&mut BytesMut) -> Result<(), EncodeError>,
    ) -> Result<(), EncodeError> {
        let mut value = BytesMut::new();
        write(&mut value)?;
        self.fields.push((tag, value.freeze()));
        Ok(())
    }

    /// Writes the section: count, then `(tag, size, value)` per field in
    /// tag order. A tag given twice is an error.
    pub fn finish(
        mut self,
        buf: &mut impl BufMut,
        unknown: &UnknownTaggedFields,
    ) -> Result<(), EncodeError> {
        self.fields.extend(unknown.0.iter().cloned());
        self.fields.sort_by_key(|(tag, _)| *tag);
        if let Some(w) = self.fields.windows(2).find(|w| w[0].0 == w[1].0) {
            return Err(EncodeError::DuplicateTag { tag: w[0].0 });
        }
        put_unsigned_varint(buf, self.fields.len() as u32);
        for (tag, value) in &self.fields {
            put_unsigned_varint(buf, *tag);
            put_unsigned_varint(buf, value.len() as u32);
            buf.put_slice(value);
        }
        Ok(())
    }
}

/// Writes a tagged-field section that holds only `unknown` fields (an empty
/// section when there are none): the common case for flexible structs with
/// no tagged field of their own.
pub fn put_unknown_tagged_fields(
    buf: &mut impl BufMut,
    unknown: &UnknownTaggedFields,
) -> Result<(), EncodeError> {
    if unknown.is_empty() {
        put_unsigned_varint(buf, 0);
        Ok(())
    } else {
        TaggedFieldsWriter::new().finish(buf, unknown)
    }
}

/// Java's rule for tagged fields in a classic (non-flexible) version: there
/// is no tagged-field section to write them in, so unknown tagged fields set
/// on the value are refused with [`EncodeError::FieldNotInVersion`] (naming
/// them `what`) rather than dropped. Empty ones are fine.
///
/// Structs with known tagged fields call this in classic versions and
/// build their section with [`TaggedFieldsWriter`] in flexible ones; the
/// others end with [`put_struct_tags`].
pub fn refuse_unknown_tags(
    unknown: &UnknownTaggedFields,
    version: i16,
    what: &'static str,
) -> Result<(), EncodeError> {
    if unknown.is_empty() {
        Ok(())
    } else {
        Err(EncodeError::FieldNotInVersion {
            field: what,
            version,
        })
    }
}

/// The end of a struct with no known tagged field: when `flexible`, its
/// tagged-field section (see [`put_unknown_tagged_fields`]); in a classic
/// `version`, nothing, and unknown tagged fields are refused (see
/// [`refuse_unknown_tags`]). The counterpart of [`Reader::struct_tags`].
pub fn put_struct_tags(
    buf: &mut impl BufMut,
    unknown: &UnknownTaggedFields,
    flexible: bool,
    version: i16,
    what: &'static str,
) -> Result<(), EncodeError> {
    if flexible {
        put_unknown_tagged_fields(buf, unknown)
    } else {
        refuse_unknown_tags(unknown, version, what)
    }
}
