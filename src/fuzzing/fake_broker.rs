//! A fake broker for the state-machine fuzz target: it reads the requests
//! the producer writes on a connection and answers them with whatever the
//! input asks for: well-formed answers with hostile contents (any error
//! code, leaders that do not exist, negative offsets), frames with a wrong
//! correlation id or a garbage body, and broken size prefixes.

use std::collections::VecDeque;

use bytes::{Bytes, BytesMut};

use super::ops::FakeReply;
use crate::protocol::api_versions::ApiVersion;
use crate::protocol::frame::{decode_request, encode_response};
use crate::protocol::metadata::{
    MetadataResponseBroker, MetadataResponsePartition, MetadataResponseTopic,
};
use crate::protocol::produce::{LeaderIdAndEpoch, PartitionProduceResponse};
use crate::protocol::versions::CLIENT_APIS;
use crate::protocol::{
    ApiKey, ApiMessage, ApiVersionsResponse, ErrorCode, FrameReader, InitProducerIdResponse,
    MetadataRequest, MetadataResponse, ProduceRequest, ProduceResponse, RequestHeader,
};

/// The most unanswered requests remembered per connection.
const REMEMBERED: usize = 64;

/// Error codes an answer may carry: the ones a producer must handle, and
/// one no Kafka version defines.
const ERRORS: &[ErrorCode] = &[
    ErrorCode::NONE,
    ErrorCode::NOT_LEADER_OR_FOLLOWER,
    ErrorCode::UNKNOWN_TOPIC_OR_PARTITION,
    ErrorCode::LEADER_NOT_AVAILABLE,
    ErrorCode::REQUEST_TIMED_OUT,
    ErrorCode::NOT_ENOUGH_REPLICAS,
    ErrorCode::NOT_ENOUGH_REPLICAS_AFTER_APPEND,
    ErrorCode::MESSAGE_TOO_LARGE,
    ErrorCode::CORRUPT_MESSAGE,
    ErrorCode::OUT_OF_ORDER_SEQUENCE_NUMBER,
    ErrorCode::DUPLICATE_SEQUENCE_NUMBER,
    ErrorCode::UNKNOWN_PRODUCER_ID,
    ErrorCode::INVALID_PRODUCER_EPOCH,
    ErrorCode::TOPIC_AUTHORIZATION_FAILED,
    ErrorCode::CLUSTER_AUTHORIZATION_FAILED,
    ErrorCode::KAFKA_STORAGE_ERROR,
    ErrorCode::FENCED_LEADER_EPOCH,
    ErrorCode::UNSUPPORTED_VERSION,
    ErrorCode::COORDINATOR_LOAD_IN_PROGRESS,
    ErrorCode::INVALID_TOPIC_EXCEPTION,
    ErrorCode::UNKNOWN_SERVER_ERROR,
    ErrorCode(999),
];

/// The error code for an input byte: mostly `NONE`, so answers often
/// succeed and the run gets somewhere.
pub fn error_code(byte: u8) -> ErrorCode {
    if byte < 128 {
        ErrorCode::NONE
    } else {
        ERRORS[usize::from(byte - 128) % ERRORS.len()]
    }
}

/// A request the producer wrote: its API, version, correlation id, and
/// the frame (without the size prefix).
#[derive(Debug)]
struct Request {
    api: ApiKey,
    version: i16,
    correlation_id: i32,
    frame: Bytes,
}

/// The requests written on one connection that no fake reply has
/// answered yet.
#[derive(Debug)]
pub struct Requests {
    reader: FrameReader,
    unanswered: VecDeque<Request>,
}

impl Default for Requests {
    fn default() -> Self {
        Requests {
            reader: FrameReader::new(usize::MAX),
            unanswered: VecDeque::new(),
        }
    }
}

impl Requests {
    /// Reads the requests in bytes the producer wrote.
    pub fn written(&mut self, data: &[u8]) {
        self.reader.push(data);
        while let Ok(Some(frame)) = self.reader.next_frame() {
            let Some((api, version)) = RequestHeader::peek_api(&frame) else {
                continue;
            };
            let Some(correlation_id) = frame
                .get(4..8)
                .map(|b| i32::from_be_bytes(b.try_into().expect("four bytes")))
            else {
                continue;
            };
            if self.unanswered.len() == REMEMBERED {
                self.unanswered.pop_front();
            }
            self.unanswered.push_back(Request {
                api,
                version,
                correlation_id,
                frame,
            });
        }
    }

    /// The bytes of `reply`, answering the oldest unanswered request.
    pub fn reply(&mut self, reply: &FakeReply, brokers: &[(i32, String, u16)]) -> Vec<u8> {
        match reply {
            FakeReply::Answer { error, a, b } => {
                let Some(request) = self.unanswered.pop_front() else {
                    return Vec::new();
                };
                answer(&request, error_code(*error), *a, *b, brokers).unwrap_or_default()
            }
            FakeReply::Frame { skew, body } => {
                let correlation_id = self
                    .unanswered
                    .pop_front()
                    .map_or(0, |r| r.correlation_id)
                    .wrapping_add(i32::from(*skew));
                let size = (4 + body.len()) as i32;
                let mut out = Vec::with_capacity(8 + body.len());
                out.extend_from_slice(&size.to_be_bytes());
                out.extend_from_slice(&correlation_id.to_be_bytes());
                out.extend_from_slice(body);
                out
            }
            FakeReply::SizePrefix { declared, body } => {
                let mut out = declared.to_be_bytes().to_vec();
                out.extend_from_slice(body);
                out
            }
        }
    }
}

/// A well-formed answer to `request` whose contents come from `error`,
/// `a` and `b`; `None` when the request cannot be read or the answer
/// cannot be written in its version.
fn answer(
    request: &Request,
    error: ErrorCode,
    a: u8,
    b: u8,
    brokers: &[(i32, String, u16)],
) -> Option<Vec<u8>> {
    let mut out = BytesMut::new();
    let (corr, version) = (request.correlation_id, request.version);
    match request.api {
        ApiKey::API_VERSIONS => {
            // `a` drops one API from the list and caps the versions.
            let api_keys = CLIENT_APIS
                .iter()
                .enumerate()
                .filter(|(i, _)| usize::from(a % 8) != *i)
                .map(|(_, (key, range))| ApiVersion {
                    api_key: key.0,
                    min_version: range.min,
                    max_version: if b < 128 {
                        range.max
                    } else {
                        range.min + i16::from(b % 4)
                    },
                    ..ApiVersion::default()
                })
                .collect();
            let body = ApiVersionsResponse {
                error_code: error,
                api_keys,
                ..ApiVersionsResponse::default()
            };
            encode(&mut out, corr, version, &body)?;
        }
        ApiKey::METADATA => {
            let (_, req) = decode_request::<MetadataRequest>(request.frame.clone()).ok()?;
            let names: Vec<String> = req
                .topics
                .unwrap_or_default()
                .into_iter()
                .filter_map(|t| t.name)
                .collect();
            let body = MetadataResponse {
                brokers: brokers
                    .iter()
                    .take(usize::from(a % 4) + 1)
                    .map(|(id, host, port)| MetadataResponseBroker {
                        node_id: *id,
                        host: host.clone(),
                        port: i32::from(*port),
                        ..MetadataResponseBroker::default()
                    })
                    .collect(),
                controller_id: 1,
                topics: names
                    .into_iter()
                    .enumerate()
                    .map(|(i, name)| MetadataResponseTopic {
                        error_code: if i == 0 { error } else { ErrorCode::NONE },
                        name: Some(name),
                        topic_id: crate::protocol::Uuid([a | 1; 16]),
                        partitions: (0..i32::from(b % 5))
                            .map(|p| MetadataResponsePartition {
                                partition_index: if a >= 240 { 7 - p } else { p },
                                // -1 (none) to 4 (not a broker).
                                leader_id: (i32::from(a / 4) + p) % 6 - 1,
                                leader_epoch: i32::from(b / 5),
                                replica_nodes: vec![1, 2, 3],
                                isr_nodes: vec![1, 2],
                                ..MetadataResponsePartition::default()
                            })
                            .collect(),
                        ..MetadataResponseTopic::default()
                    })
                    .collect(),
                ..MetadataResponse::default()
            };
            encode(&mut out, corr, version, &body)?;
        }
        ApiKey::PRODUCE => {
            let (_, req) = decode_request::<ProduceRequest>(request.frame.clone()).ok()?;
            let body = ProduceResponse {
                throttle_time_ms: if a >= 250 { i32::from(b) * 10 } else { 0 },
                ..ProduceResponse::answering(&req, |p| PartitionProduceResponse {
                    index: p.index,
                    error_code: error,
                    base_offset: i64::from(a) - 1,
                    log_append_time_ms: if b % 2 == 0 { -1 } else { i64::from(b) },
                    current_leader: LeaderIdAndEpoch {
                        leader_id: i32::from(b % 6) - 1,
                        leader_epoch: i32::from(b / 6),
                        ..LeaderIdAndEpoch::default()
                    },
                    ..PartitionProduceResponse::default()
                })
            };
            encode(&mut out, corr, version, &body)?;
        }
        ApiKey::INIT_PRODUCER_ID => {
            let body = InitProducerIdResponse {
                error_code: error,
                producer_id: i64::from(a) - 1,
                producer_epoch: i16::from(b) - 1,
                ..InitProducerIdResponse::default()
            };
            encode(&mut out, corr, version, &body)?;
        }
        _ => return None,
    }
    Some(out.to_vec())
}

fn encode<M: ApiMessage>(out: &mut BytesMut, corr: i32, version: i16, body: &M) -> Option<()> {
    encode_response(out, corr, version, body).ok()
}
