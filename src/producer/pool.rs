//! [`BufferPool`]: batch buffers handed back when a batch is done, for the
//! next batches to fill.

use bytes::{Bytes, BytesMut};

/// Buffers of finished batches, kept for new ones, up to a byte limit.
///
/// A batch is built in one buffer of up to `batch.size` and, compressed,
/// copied into a second; the batch is kept until the broker acknowledges
/// it. Allocating and freeing buffers that large for every batch makes
/// the allocator hand their pages back to the kernel and fault fresh,
/// zeroed ones in again, the more so when allocations and frees happen on
/// different threads, as in an async runtime. Reusing the buffers keeps
/// their pages.
///
/// The pool only keeps buffers that were in use before, so it never makes
/// the producer hold more than it did at its busiest; the limit bounds
/// what it keeps while the producer is idle.
#[derive(Debug)]
pub(crate) struct BufferPool {
    free: Vec<BytesMut>,
    /// The capacity of the buffers in `free`, in all.
    kept: usize,
    limit: usize,
}

impl BufferPool {
    /// A pool keeping up to `limit` bytes of buffers.
    pub(crate) fn new(limit: usize) -> Self {
        BufferPool {
            free: Vec::new(),
            kept: 0,
            limit,
        }
    }

    /// An empty buffer with room for at least `capacity` bytes: the
    /// smallest kept one that is large enough, or a new one.
    pub(crate) fn take(&mut self, capacity: usize) -> BytesMut {
        let fitting = self
            .free
            .iter()
            .enumerate()
            .filter(|(_, b)| b.capacity() >= capacity)
            .min_by_key(|(_, b)| b.capacity())
            .map(|(i, _)| i);
        match fitting {
            Some(i) => {
                let buf = self.free.swap_remove(i);
                self.kept -= buf.capacity();
                buf
            }
            None => BytesMut::with_capacity(capacity),
        }
    }

    /// Keeps `buf` for a later [`take`](Self::take), emptied, unless that
    /// would pass the limit.
    pub(crate) fn give(&mut self, mut buf: BytesMut) {
        let capacity = buf.capacity();
        if capacity > 0 && self.kept + capacity <= self.limit {
            buf.clear();
            self.kept += capacity;
            self.free.push(buf);
        }
    }

    /// Keeps the buffer under `bytes` when nothing else refers to it (an
    /// adapter may still hold a part it is writing).
    pub(crate) fn give_bytes(&mut self, bytes: Bytes) {
        if let Ok(buf) = bytes.try_into_mut() {
            self.give(buf);
        }
    }

    /// Bytes of buffers kept.
    #[cfg(test)]
    pub(crate) fn kept(&self) -> usize {
        self.kept
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_given_buffer_is_taken_again() {
        let mut pool = BufferPool::new(1 << 20);
        let mut buf = pool.take(1000);
        buf.extend_from_slice(b"batch");
        let at = buf.as_ptr();
        pool.give(buf);
        assert_eq!(pool.kept(), 1000);
        let again = pool.take(800);
        assert_eq!(again.as_ptr(), at, "the same allocation");
        assert!(again.is_empty());
        assert_eq!(pool.kept(), 0);
    }

    #[test]
    fn the_smallest_large_enough_buffer_is_taken() {
        let mut pool = BufferPool::new(1 << 20);
        for capacity in [4000, 1000, 2000] {
            let buf = BytesMut::with_capacity(capacity);
            pool.give(buf);
        }
        assert_eq!(pool.take(1500).capacity(), 2000);
        assert_eq!(pool.take(5000).capacity(), 5000, "none fits: a new one");
        assert_eq!(pool.kept(), 5000);
    }

    #[test]
    fn the_limit_holds() {
        let mut pool = BufferPool::new(2500);
        for _ in 0..3 {
            pool.give(BytesMut::with_capacity(1000));
        }
        assert_eq!(pool.kept(), 2000);
    }

    #[test]
    fn a_shared_buffer_is_not_kept() {
        let mut pool = BufferPool::new(1 << 20);
        let mut buf = pool.take(1000);
        buf.extend_from_slice(b"batch");
        let bytes = buf.freeze();
        let held = bytes.slice(1..3); // an adapter still writing a part
        pool.give_bytes(bytes.clone());
        assert_eq!(pool.kept(), 0);
        drop(held);
        pool.give_bytes(bytes);
        assert_eq!(pool.kept(), 1000);
    }
}
