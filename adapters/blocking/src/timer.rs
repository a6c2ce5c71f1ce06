//! The timer thread: sleeps until the core's next deadline and lets time
//! pass there. It sleeps on a condvar, so a call that moves the deadline
//! earlier can wake it ([`State::carry_out`](crate::shared::State) does,
//! only then); with no deadline it sleeps until woken.

use std::sync::{Arc, PoisonError};
use std::time::Instant;

use crate::shared::Shared;

/// Runs until the producer stops.
pub(crate) fn run(shared: &Arc<Shared>) {
    let mut st = shared.lock();
    while !st.stopping {
        let now = Instant::now();
        let next = st.core.poll_timeout().map(|t| t.at);
        if next.is_some_and(|at| at <= now) {
            st.core.handle_timeout(now);
            st.carry_out(shared);
            continue;
        }
        st.armed = next;
        st = match next {
            Some(at) => {
                let woken = shared.timer.wait_timeout(st, at - now);
                woken.unwrap_or_else(PoisonError::into_inner).0
            }
            None => shared
                .timer
                .wait(st)
                .unwrap_or_else(PoisonError::into_inner),
        };
    }
}
