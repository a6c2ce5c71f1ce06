//! Runs each test once per runtime, and the runtime pieces the tests
//! share. The brokers they talk to, and their config, are in the
//! workspace's `tests/support/loopback.rs`.

use std::future::{Future, poll_fn};
use std::pin::pin;
use std::task::Poll;
use std::time::{Duration, Instant};

use kafka_sansio_async::Runtime;

/// Instantiates each named `async fn name<R: Runtime>(rt: R)` as a test on
/// tokio's multi-thread and current-thread runtimes (feature `tokio`) and
/// on smol (feature `smol`).
#[macro_export]
macro_rules! runtime_tests {
    ($($test:ident),* $(,)?) => {
        #[cfg(feature = "tokio")]
        mod tokio_multi_thread {
            $( #[test] fn $test() { $crate::support::on_tokio(true, super::$test) } )*
        }
        #[cfg(feature = "tokio")]
        mod tokio_current_thread {
            $( #[test] fn $test() { $crate::support::on_tokio(false, super::$test) } )*
        }
        #[cfg(feature = "smol")]
        mod smol {
            $( #[test] fn $test() { $crate::support::on_smol(super::$test) } )*
        }
    };
}

/// How long a test may take before it fails instead of hanging.
const TEST_LIMIT: Duration = Duration::from_secs(60);

#[cfg(feature = "tokio")]
pub fn on_tokio<F: Future<Output = ()>>(
    multi_thread: bool,
    test: impl FnOnce(kafka_sansio_async::TokioRuntime) -> F,
) {
    let mut builder = if multi_thread {
        tokio::runtime::Builder::new_multi_thread()
    } else {
        tokio::runtime::Builder::new_current_thread()
    };
    let runtime = builder.enable_all().build().expect("a tokio runtime");
    let rt = kafka_sansio_async::TokioRuntime::from(runtime.handle().clone());
    runtime.block_on(bounded(rt.clone(), test(rt)));
}

#[cfg(feature = "smol")]
pub fn on_smol<F: Future<Output = ()>>(test: impl FnOnce(kafka_sansio_async::SmolRuntime) -> F) {
    let rt = kafka_sansio_async::SmolRuntime;
    smol::block_on(bounded(rt, test(rt)));
}

async fn bounded<R: Runtime>(rt: R, test: impl Future<Output = ()>) {
    if within(&rt, TEST_LIMIT, test).await.is_none() {
        panic!("the test did not finish within {TEST_LIMIT:?}");
    }
}

/// `fut`'s output, or `None` if it takes longer than `limit`.
pub async fn within<R: Runtime, T>(
    rt: &R,
    limit: Duration,
    fut: impl Future<Output = T>,
) -> Option<T> {
    let mut fut = pin!(fut);
    let mut timeout = pin!(rt.sleep_until(Instant::now() + limit));
    poll_fn(|cx| {
        if let Poll::Ready(out) = fut.as_mut().poll(cx) {
            return Poll::Ready(Some(out));
        }
        timeout.as_mut().poll(cx).map(|()| None)
    })
    .await
}

/// Polls `fut` exactly once, then drops it.
pub async fn poll_once(fut: impl Future) {
    let mut fut = pin!(fut);
    poll_fn(|cx| {
        let _ = fut.as_mut().poll(cx);
        Poll::Ready(())
    })
    .await
}

pub async fn sleep<R: Runtime>(rt: &R, d: Duration) {
    rt.sleep_until(Instant::now() + d).await
}
