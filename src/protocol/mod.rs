//! The Kafka wire protocol: primitives, framing, headers and the messages
//! a producer exchanges with brokers.
//!
//! Every message type implements [`Encode`] and [`Decode`] for each
//! version it supports, in both directions: the producer encodes requests
//! and decodes responses, and the simulated cluster does the reverse.

pub mod api_versions;
pub mod create_topics;
pub mod error_code;
pub mod frame;
pub mod header;
pub mod init_producer_id;
pub mod metadata;
pub mod produce;
pub mod versions;
pub mod wire;

pub use api_versions::{ApiVersionsRequest, ApiVersionsResponse};
pub use create_topics::{CreateTopicsRequest, CreateTopicsResponse};
pub use error_code::ErrorCode;
pub use frame::{FrameError, FrameReader};
pub use header::{RequestHeader, ResponseHeader};
pub use init_producer_id::{InitProducerIdRequest, InitProducerIdResponse};
pub use metadata::{
    MetadataRequest, MetadataRequestTopic, MetadataResponse, MetadataResponseBroker,
    MetadataResponsePartition, MetadataResponseTopic,
};
pub use produce::{
    BatchIndexAndErrorMessage, LeaderIdAndEpoch, NodeEndpoint, PartitionProduceData,
    PartitionProduceResponse, ProduceRequest, ProduceResponse, TopicProduceData,
    TopicProduceResponse,
};
pub use wire::{Reader, UnknownTaggedFields, Uuid};

use bytes::{Bytes, BytesMut};
use thiserror::Error;

/// The longest topic name Kafka accepts.
pub const MAX_TOPIC_NAME_LEN: usize = 249;

/// Kafka's topic name rule: 1 to 249 of `[a-zA-Z0-9._-]`, and not `.` or
/// `..`.
///
/// ```
/// use kafka_sansio::protocol::is_valid_topic_name;
/// assert!(is_valid_topic_name("orders.v2_eu-west"));
/// assert!(!is_valid_topic_name("orders/eu"));
/// assert!(!is_valid_topic_name(".."));
/// assert!(!is_valid_topic_name(&"x".repeat(250)));
/// ```
pub fn is_valid_topic_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_TOPIC_NAME_LEN
        && name != "."
        && name != ".."
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// A Kafka API key (the first field of every request header).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ApiKey(pub i16);

impl ApiKey {
    /// Produce (0).
    pub const PRODUCE: ApiKey = ApiKey(0);
    /// Metadata (3).
    pub const METADATA: ApiKey = ApiKey(3);
    /// ApiVersions (18).
    pub const API_VERSIONS: ApiKey = ApiKey(18);
    /// CreateTopics (19).
    pub const CREATE_TOPICS: ApiKey = ApiKey(19);
    /// InitProducerId (22).
    pub const INIT_PRODUCER_ID: ApiKey = ApiKey(22);

    /// The API's name, or "Unknown" for a key this crate does not speak.
    pub fn name(self) -> &'static str {
        match self {
            Self::PRODUCE => "Produce",
            Self::METADATA => "Metadata",
            Self::API_VERSIONS => "ApiVersions",
            Self::CREATE_TOPICS => "CreateTopics",
            Self::INIT_PRODUCER_ID => "InitProducerId",
            _ => "Unknown",
        }
    }
}

impl std::fmt::Display for ApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}({})", self.name(), self.0)
    }
}

/// An inclusive range of message versions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct VersionRange {
    /// Lowest version.
    pub min: i16,
    /// Highest version.
    pub max: i16,
}

impl VersionRange {
    /// True when `version` lies inside the range.
    pub fn contains(&self, version: i16) -> bool {
        (self.min..=self.max).contains(&version)
    }
}

/// Why bytes could not be decoded. Every malformed input maps to one of
/// these; decoding never panics.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum DecodeError {
    /// Fewer bytes are present than the field needs.
    #[error("truncated {what}: needs {needed} bytes, {remaining} remain")]
    Truncated {
        /// The field being read.
        what: &'static str,
        /// Bytes it needs.
        needed: usize,
        /// Bytes that were left.
        remaining: usize,
    },
    /// A length or count prefix is negative (other than null) or larger than
    /// the bytes present.
    #[error("invalid length {len} for {what} ({remaining} bytes remain)")]
    InvalidLength {
        /// The field being read.
        what: &'static str,
        /// The length the prefix declared.
        len: i64,
        /// Bytes that were left.
        remaining: usize,
    },
    /// A varint runs past its maximum size or sets bits beyond its width.
    #[error("invalid varint in {what}")]
    InvalidVarint {
        /// The field being read.
        what: &'static str,
    },
    /// A null where this version does not allow one.
    #[error("{what} is null, which this version does not allow")]
    UnexpectedNull {
        /// The field being read.
        what: &'static str,
    },
    /// A string is not UTF-8.
    #[error("{what} is not valid UTF-8")]
    InvalidUtf8 {
        /// The field being read.
        what: &'static str,
    },
    /// Tagged fields are not in strictly increasing tag order.
    #[error("tagged field {tag} follows tag {previous}: tags must increase")]
    TagOrder {
        /// The tag read.
        tag: u32,
        /// The tag before it.
        previous: u32,
    },
    /// A known tagged field did not use exactly its declared size.
    #[error("tagged field {tag} declares {declared} bytes but its value used {used}")]
    TagSize {
        /// The tag.
        tag: u32,
        /// Size the prefix declared.
        declared: usize,
        /// Bytes the value used.
        used: usize,
    },
    /// Bytes were left over after a complete message.
    #[error("{trailing} unexpected bytes after {what}")]
    TrailingBytes {
        /// The message that ended early.
        what: &'static str,
        /// Bytes left over.
        trailing: usize,
    },
    /// This crate does not speak that version of that API.
    #[error("unsupported version {version} of {api}")]
    UnsupportedVersion {
        /// The API.
        api: ApiKey,
        /// The version asked for.
        version: i16,
    },
    /// A field holds a value the protocol does not allow.
    #[error("invalid {what}: {detail}")]
    InvalidValue {
        /// The field.
        what: &'static str,
        /// What is wrong with it.
        detail: String,
    },
}

/// Why a message could not be encoded.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum EncodeError {
    /// This crate does not speak that version of that API.
    #[error("unsupported version {version} of {api}")]
    UnsupportedVersion {
        /// The API.
        api: ApiKey,
        /// The version asked for.
        version: i16,
    },
    /// A field holds a non-default value that the chosen version cannot
    /// carry; writing the message would silently drop it.
    #[error("{field} cannot be sent in version {version}")]
    FieldNotInVersion {
        /// The field.
        field: &'static str,
        /// The version asked for.
        version: i16,
    },
    /// A string, bytes or array is longer than its length prefix can say.
    #[error("{what} is {len} long, more than the limit of {limit}")]
    TooLong {
        /// The field.
        what: &'static str,
        /// Its length.
        len: usize,
        /// The most the prefix allows.
        limit: usize,
    },
    /// A null where this version does not allow one.
    #[error("{what} is null, which version {version} does not allow")]
    NullNotAllowed {
        /// The field.
        what: &'static str,
        /// The version asked for.
        version: i16,
    },
    /// The same tag was given twice in a tagged-field section.
    #[error("tagged field {tag} given twice")]
    DuplicateTag {
        /// The tag.
        tag: u32,
    },
}

/// A message body that can be written in a given version.
pub trait Encode {
    /// Appends the body, in `version`, to `buf`.
    fn encode(&self, buf: &mut BytesMut, version: i16) -> Result<(), EncodeError>;

    /// About how many bytes `encode` appends, for sizing the buffer once:
    /// a body that carries bulk data (record batches) says so, so that the
    /// data is not copied again as the buffer grows. 0 when small.
    fn size_hint(&self) -> usize {
        0
    }

    /// Like [`encode`](Encode::encode), but a body that carries bulk data
    /// (record batches) may leave it out of `buf`, listing each piece in
    /// `splices` at the offset in `buf` where it belongs, to be written
    /// after the bytes before it without being copied. The default copies
    /// everything, as `encode` does.
    fn encode_spliced(
        &self,
        buf: &mut BytesMut,
        version: i16,
        splices: &mut Splices,
    ) -> Result<(), EncodeError> {
        let _ = splices;
        self.encode(buf, version)
    }

    /// About how many bytes [`encode_spliced`](Encode::encode_spliced)
    /// appends to `buf` (the bulk data left out).
    fn spliced_size_hint(&self) -> usize {
        self.size_hint()
    }
}

/// The bulk byte fields an [`Encode::encode_spliced`] left out of its
/// buffer: each with the offset in the buffer where it belongs.
#[derive(Debug, Default)]
pub struct Splices {
    pieces: Vec<(usize, Bytes)>,
}

impl Splices {
    /// Notes `bytes` as belonging at `offset` of the buffer, after any
    /// piece noted before.
    pub fn push(&mut self, offset: usize, bytes: Bytes) {
        debug_assert!(self.pieces.last().is_none_or(|(at, _)| *at <= offset));
        self.pieces.push((offset, bytes));
    }

    /// The bytes left out, in all.
    pub fn len(&self) -> usize {
        self.pieces.iter().map(|(_, piece)| piece.len()).sum()
    }

    /// Whether nothing was left out.
    pub fn is_empty(&self) -> bool {
        self.pieces.is_empty()
    }

    /// Forgets every piece, keeping the room.
    pub fn clear(&mut self) {
        self.pieces.clear();
    }

    /// Cuts `encoded` (the buffer the pieces were left out of, from its
    /// start) at the pieces' offsets and hands `out` the parts in wire
    /// order: buffer, piece, buffer, ... Empty parts are skipped. Leaves
    /// this empty, its room kept for the next request.
    pub fn interleave(&mut self, mut encoded: Bytes, mut out: impl FnMut(Bytes)) {
        let mut taken = 0;
        for (offset, piece) in self.pieces.drain(..) {
            let head = encoded.split_to(offset - taken);
            taken = offset;
            if !head.is_empty() {
                out(head);
            }
            if !piece.is_empty() {
                out(piece);
            }
        }
        if !encoded.is_empty() {
            out(encoded);
        }
    }
}

/// A message body that can be read in a given version.
pub trait Decode: Sized {
    /// Reads one body, in `version`, from `r`.
    fn decode(r: &mut Reader, version: i16) -> Result<Self, DecodeError>;
}

/// What every request and response type declares about its API.
pub trait ApiMessage: Encode + Decode {
    /// The API this message belongs to.
    const API_KEY: ApiKey;
    /// The versions this crate can encode and decode.
    const VERSIONS: VersionRange;
    /// The first flexible version (KIP-482 compact encodings and tagged
    /// fields), or `i16::MAX` if none is.
    const FLEXIBLE_FROM: i16;

    /// True when `version` uses the flexible encodings.
    fn is_flexible(version: i16) -> bool {
        version >= Self::FLEXIBLE_FROM
    }
}

/// A request, tied to the type of its response.
pub trait Request: ApiMessage {
    /// The response this request gets.
    type Response: ApiMessage;
}

/// Fails with [`EncodeError::UnsupportedVersion`] unless `M` speaks
/// `version`. Message encoders call this first.
pub fn check_encode_version<M: ApiMessage>(version: i16) -> Result<(), EncodeError> {
    if M::VERSIONS.contains(version) {
        Ok(())
    } else {
        Err(EncodeError::UnsupportedVersion {
            api: M::API_KEY,
            version,
        })
    }
}

/// Fails with [`DecodeError::UnsupportedVersion`] unless `M` speaks
/// `version`. Message decoders call this first.
pub fn check_decode_version<M: ApiMessage>(version: i16) -> Result<(), DecodeError> {
    if M::VERSIONS.contains(version) {
        Ok(())
    } else {
        Err(DecodeError::UnsupportedVersion {
            api: M::API_KEY,
            version,
        })
    }
}
