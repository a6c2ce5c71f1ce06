//! InitProducerId: a new producer id (from 1000 up) at epoch 0 for every
//! idempotent producer, as Kafka's coordinator does when there is no
//! transactional id; injected errors come first. Transactions are not
//! simulated: a transactional id is refused with
//! `TRANSACTIONAL_ID_AUTHORIZATION_FAILED`.

use std::time::Instant;

use crate::protocol::{ErrorCode, InitProducerIdRequest, InitProducerIdResponse};
use crate::sim::state::ClusterState;

/// Answers an InitProducerId request.
pub(super) fn handle(
    state: &mut ClusterState,
    now: Instant,
    request: InitProducerIdRequest,
) -> InitProducerIdResponse {
    let refused = |error_code| InitProducerIdResponse {
        error_code,
        producer_id: -1,
        producer_epoch: -1,
        ..InitProducerIdResponse::default()
    };
    if let Some(code) = state.init_producer_id_errors.take(now) {
        return refused(code);
    }
    if request.transactional_id.is_some_and(|id| !id.is_empty()) {
        return refused(ErrorCode::TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    }
    InitProducerIdResponse {
        producer_id: state.next_producer_id(),
        producer_epoch: 0,
        ..InitProducerIdResponse::default()
    }
}
