//! Size-prefixed framing: every request and response travels as a 4-byte
//! big-endian length followed by that many bytes.
//!
//! [`FrameReader`] reassembles frames from bytes in any chunking and
//! refuses a frame whose declared size exceeds its cap before buffering
//! it. The `encode_*` / `decode_*` functions put a header and body into a
//! frame and take them out again.

use bytes::{BufMut, Bytes, BytesMut};
use thiserror::Error;

use super::header::response_header_version;
use super::{
    ApiMessage, DecodeError, EncodeError, Reader, Request, RequestHeader, ResponseHeader, Splices,
    check_decode_version, check_encode_version,
};

/// Bytes of the size prefix.
pub const SIZE_PREFIX: usize = 4;

/// Why the byte stream cannot be split into frames. Either way the stream
/// is unusable: the connection must be closed.
#[derive(Clone, Copy, Debug, Error, PartialEq, Eq)]
pub enum FrameError {
    /// The size prefix is larger than the reader's cap. When its four
    /// bytes read as text (`HTTP`, `SSH-`, ...) the message says so: the
    /// peer most likely speaks another protocol.
    #[error("frame of {size} bytes exceeds the cap of {max} bytes{}", text_hint(*size))]
    TooLarge {
        /// The size the prefix declared.
        size: usize,
        /// The cap.
        max: usize,
    },
    /// The size prefix is negative.
    #[error("negative frame size {size}")]
    Negative {
        /// The size the prefix declared.
        size: i32,
    },
}

/// A note for a size prefix whose bytes are printable ASCII (an HTTP or
/// SSH server's first bytes, a TLS alert is not), else nothing.
fn text_hint(size: usize) -> String {
    let Ok(size) = u32::try_from(size) else {
        return String::new();
    };
    let bytes = size.to_be_bytes();
    if !bytes.iter().all(|b| b.is_ascii_graphic() || *b == b' ') {
        return String::new();
    }
    let text: String = bytes.iter().map(|&b| char::from(b)).collect();
    format!(" (its size prefix reads {text:?}: the peer does not seem to speak Kafka)")
}

/// Reassembles size-prefixed frames from a byte stream.
///
/// ```
/// use kafka_sansio::protocol::FrameReader;
///
/// let mut reader = FrameReader::new(1024);
/// reader.push(&[0, 0, 0, 3, b'a']);
/// assert_eq!(reader.next_frame().unwrap(), None); // 2 bytes still missing
/// reader.push(b"bc");
/// assert_eq!(reader.next_frame().unwrap().as_deref(), Some(&b"abc"[..]));
/// ```
#[derive(Debug)]
pub struct FrameReader {
    buf: BytesMut,
    max_frame_size: usize,
}

impl FrameReader {
    /// A reader that refuses frames larger than `max_frame_size` bytes
    /// (not counting the 4-byte prefix).
    pub fn new(max_frame_size: usize) -> Self {
        Self {
            buf: BytesMut::new(),
            max_frame_size,
        }
    }

    /// Appends received bytes. Buffer growth follows what has arrived, never
    /// what a size prefix claims.
    pub fn push(&mut self, data: &[u8]) {
        self.buf.extend_from_slice(data);
    }

    /// Bytes received but not yet returned as a frame.
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// The body size the next frame's prefix declares, once the prefix
    /// has arrived (whether or not the reader accepts that size): with
    /// [`buffered`](Self::buffered), how much of a frame is still missing.
    ///
    /// ```
    /// use kafka_sansio::protocol::FrameReader;
    ///
    /// let mut reader = FrameReader::new(1024);
    /// reader.push(&[0, 0]);
    /// assert_eq!(reader.announced(), None);
    /// reader.push(&[0, 10, b'a', b'b']);
    /// assert_eq!((reader.buffered(), reader.announced()), (6, Some(10)));
    /// ```
    pub fn announced(&self) -> Option<usize> {
        let prefix = self.buf.get(..SIZE_PREFIX)?;
        let size = i32::from_be_bytes([prefix[0], prefix[1], prefix[2], prefix[3]]);
        usize::try_from(size).ok()
    }

    /// The next complete frame's body (without its size prefix), `None`
    /// while more bytes are needed, or an error once the stream is known
    /// to be bad.
    pub fn next_frame(&mut self) -> Result<Option<Bytes>, FrameError> {
        let Some(prefix) = self.buf.get(..SIZE_PREFIX) else {
            return Ok(None);
        };
        let size = i32::from_be_bytes([prefix[0], prefix[1], prefix[2], prefix[3]]);
        let size = usize::try_from(size).map_err(|_| FrameError::Negative { size })?;
        if size > self.max_frame_size {
            return Err(FrameError::TooLarge {
                size,
                max: self.max_frame_size,
            });
        }
        if self.buf.len() < SIZE_PREFIX + size {
            return Ok(None);
        }
        let mut frame = self.buf.split_to(SIZE_PREFIX + size);
        let _ = frame.split_to(SIZE_PREFIX);
        Ok(Some(frame.freeze()))
    }
}

/// Appends a size prefix, then whatever `write` appends, then patches the
/// prefix; `write` returns how many bytes it left out of `buf` to be
/// written after it (spliced), which the size counts too. On error `buf`
/// is cut back to where it was, so a half-written frame never stays in an
/// output buffer.
fn write_frame(
    buf: &mut BytesMut,
    write: impl FnOnce(&mut BytesMut) -> Result<usize, EncodeError>,
) -> Result<(), EncodeError> {
    let start = buf.len();
    buf.put_i32(0);
    match write(buf) {
        Ok(spliced) => {
            let size = buf.len() - start - SIZE_PREFIX + spliced;
            let Ok(size32) = i32::try_from(size) else {
                buf.truncate(start);
                return Err(EncodeError::TooLong {
                    what: "frame",
                    len: size,
                    limit: i32::MAX as usize,
                });
            };
            buf[start..start + SIZE_PREFIX].copy_from_slice(&size32.to_be_bytes());
            Ok(())
        }
        Err(e) => {
            buf.truncate(start);
            Err(e)
        }
    }
}

/// Appends one request frame: size, header, body in `version`.
pub fn encode_request<R: Request>(
    buf: &mut BytesMut,
    correlation_id: i32,
    client_id: Option<&str>,
    version: i16,
    body: &R,
) -> Result<(), EncodeError> {
    let header = request_header::<R>(correlation_id, client_id, version)?;
    write_frame(buf, |buf| {
        header.encode(buf, R::is_flexible(version))?;
        body.encode(buf, version).map(|()| 0)
    })
}

/// Appends one request frame as [`encode_request`] does, except that the
/// body's bulk data (a Produce request's record batches) is left out of
/// `buf` and noted in `splices` (see
/// [`Encode::encode_spliced`](super::Encode::encode_spliced)): the frame
/// on the wire is `buf` from where it was, with the pieces spliced in
/// ([`Splices::interleave`]). `splices` must start empty, and offsets are
/// positions in `buf`. On error nothing stays in either.
pub fn encode_request_spliced<R: Request>(
    buf: &mut BytesMut,
    correlation_id: i32,
    client_id: Option<&str>,
    version: i16,
    body: &R,
    splices: &mut Splices,
) -> Result<(), EncodeError> {
    debug_assert!(splices.is_empty());
    let header = request_header::<R>(correlation_id, client_id, version)?;
    let written = write_frame(buf, |buf| {
        header.encode(buf, R::is_flexible(version))?;
        body.encode_spliced(buf, version, splices)?;
        Ok(splices.len())
    });
    if written.is_err() {
        splices.clear();
    }
    written
}

fn request_header<R: Request>(
    correlation_id: i32,
    client_id: Option<&str>,
    version: i16,
) -> Result<RequestHeader, EncodeError> {
    check_encode_version::<R>(version)?;
    Ok(RequestHeader {
        api_key: R::API_KEY.0,
        api_version: version,
        correlation_id,
        client_id: client_id.map(str::to_owned),
        ..RequestHeader::default()
    })
}

/// Reads a request frame (without its size prefix) whose API the caller has
/// established (e.g. with [`RequestHeader::peek_api`]) to be `R`'s.
pub fn decode_request<R: Request>(frame: Bytes) -> Result<(RequestHeader, R), DecodeError> {
    let (_, version) = RequestHeader::peek_api(&frame).ok_or(DecodeError::Truncated {
        what: "request header",
        needed: 4,
        remaining: frame.len(),
    })?;
    check_decode_version::<R>(version)?;
    let mut r = Reader::new(frame);
    let header = RequestHeader::decode(&mut r, R::is_flexible(version))?;
    let body = R::decode(&mut r, version)?;
    r.finish(R::API_KEY.name())?;
    Ok((header, body))
}

/// Appends one response frame: size, header, body in `version`.
pub fn encode_response<M: ApiMessage>(
    buf: &mut BytesMut,
    correlation_id: i32,
    version: i16,
    body: &M,
) -> Result<(), EncodeError> {
    check_encode_version::<M>(version)?;
    let header = ResponseHeader {
        correlation_id,
        ..ResponseHeader::default()
    };
    write_frame(buf, |buf| {
        header.encode(buf, response_header_version::<M>(version))?;
        body.encode(buf, version).map(|()| 0)
    })
}

/// The correlation id at the front of a response frame, read without
/// decoding the rest, so a client can find which request it answers.
pub fn peek_correlation_id(frame: &[u8]) -> Option<i32> {
    Some(i32::from_be_bytes(frame.get(0..4)?.try_into().ok()?))
}

/// Reads a response frame (without its size prefix) to a request sent in
/// `version`.
pub fn decode_response<M: ApiMessage>(
    frame: Bytes,
    version: i16,
) -> Result<(ResponseHeader, M), DecodeError> {
    check_decode_version::<M>(version)?;
    let mut r = Reader::new(frame);
    let header = ResponseHeader::decode(&mut r, response_header_version::<M>(version))?;
    let body = M::decode(&mut r, version)?;
    r.finish(M::API_KEY.name())?;
    Ok((header, body))
}
