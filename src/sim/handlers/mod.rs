//! Request handling: read the API and version of a request frame, check
//! that the broker speaks them, decode the body with the crate's codec,
//! run the API's handler and encode its response.
//!
//! Anything a broker cannot accept (a frame too short for a header, an
//! API or version it does not speak, a body that does not decode) closes
//! the connection, as Kafka does; only ApiVersions answers an unsupported
//! version (KIP-511).

mod api_versions;
mod create_topics;
mod init_producer_id;
mod metadata;
mod produce;

pub(super) use api_versions::advertised;

use std::time::Instant;

use bytes::{Bytes, BytesMut};

use super::network::{CloseReason, SimConnId};
use super::state::ClusterState;
use crate::protocol::frame::{decode_request, encode_response};
use crate::protocol::{
    ApiKey, CreateTopicsRequest, InitProducerIdRequest, MetadataRequest, ProduceRequest, Request,
    RequestHeader,
};

/// Who is handling a request, and when.
#[derive(Clone, Copy, Debug)]
pub(super) struct RequestContext {
    /// The broker the connection belongs to.
    pub(super) broker: i32,
    /// The connection the request came on.
    pub(super) conn: SimConnId,
    /// Wall-clock time, for LogAppendTime.
    pub(super) unix_ms: i64,
    /// Virtual time the request arrived at.
    pub(super) now: Instant,
}

/// What a broker does after a request.
#[derive(Debug)]
pub(super) enum Outcome {
    /// Send this response frame.
    Respond(Bytes),
    /// Send nothing (Produce with `acks = 0`).
    Silent,
    /// Close the connection.
    Close(CloseReason),
}

/// What an API's handler decides.
#[derive(Debug)]
pub(super) enum Reply<T> {
    /// Answer with this body.
    Respond(T),
    /// Send nothing.
    Silent,
    /// Close the connection.
    Close(CloseReason),
}

/// Handles one request frame (without its size prefix).
pub(super) fn handle(state: &mut ClusterState, ctx: RequestContext, frame: Bytes) -> Outcome {
    let Some((api, version)) = RequestHeader::peek_api(&frame) else {
        return invalid(format!(
            "a {}-byte frame has no request header",
            frame.len()
        ));
    };
    state.stats.count(ctx.broker, api);
    if api == ApiKey::API_VERSIONS {
        return api_versions::handle(&state.config, frame, version);
    }
    match advertised(&state.config, api) {
        Some(range) if range.contains(version) => {}
        Some(_) => return invalid(format!("unsupported version {version} of {api}")),
        None => return invalid(format!("unsupported API {api}")),
    }
    match api {
        ApiKey::METADATA => {
            serve::<MetadataRequest>(frame, |v, r| Reply::Respond(metadata::handle(state, v, r)))
        }
        ApiKey::PRODUCE => serve::<ProduceRequest>(frame, |v, r| produce::handle(state, ctx, v, r)),
        ApiKey::INIT_PRODUCER_ID => serve::<InitProducerIdRequest>(frame, |_, r| {
            Reply::Respond(init_producer_id::handle(state, ctx.now, r))
        }),
        ApiKey::CREATE_TOPICS => serve::<CreateTopicsRequest>(frame, |_, r| {
            Reply::Respond(create_topics::handle(state, r))
        }),
        _ => invalid(format!("unsupported API {api}")),
    }
}

/// Decodes a request of type `R`, hands it (with its version) to
/// `handler`, and encodes the reply in the same version.
fn serve<R: Request>(frame: Bytes, handler: impl FnOnce(i16, R) -> Reply<R::Response>) -> Outcome {
    let (header, request) = match decode_request::<R>(frame) {
        Ok(decoded) => decoded,
        Err(e) => return invalid(format!("{} request: {e}", R::API_KEY)),
    };
    let version = header.api_version;
    match handler(version, request) {
        Reply::Respond(body) => encode(header.correlation_id, version, &body),
        Reply::Silent => Outcome::Silent,
        Reply::Close(reason) => Outcome::Close(reason),
    }
}

/// Encodes a response frame; a body the codec refuses closes the
/// connection rather than sending half a frame.
fn encode<M: crate::protocol::ApiMessage>(correlation_id: i32, version: i16, body: &M) -> Outcome {
    let mut buf = BytesMut::new();
    match encode_response(&mut buf, correlation_id, version, body) {
        Ok(()) => Outcome::Respond(buf.freeze()),
        Err(e) => invalid(format!(
            "the simulator could not encode its {} response: {e}",
            M::API_KEY
        )),
    }
}

fn invalid(reason: String) -> Outcome {
    Outcome::Close(CloseReason::InvalidRequest(reason))
}
