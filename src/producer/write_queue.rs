//! [`WriteQueue`]: the bytes a connection still has to write, for the
//! network layer that carries out [`Output::Write`](super::Output::Write).

use std::collections::VecDeque;
use std::io::{self, ErrorKind, IoSlice, Write};

use bytes::Bytes;

/// Most parts handed to one vectored write: a Produce request is one part
/// per partition plus one around each, and the kernel takes up to 1024.
pub const MAX_SLICES: usize = 64;

/// The bytes of a connection's [`Output::Write`](super::Output::Write)s
/// not yet taken by the socket, in order; the front part may be partly
/// written.
///
/// A request can come as several writes in a row (a Produce request's
/// record batches are handed over as they are, not copied into it). This
/// queue gathers them so that one vectored write sends them together: a
/// socket with Nagle's algorithm off would otherwise send each part in a
/// packet of its own.
///
/// The queue does no I/O itself: [`io_slices`](Self::io_slices) and
/// [`advance`](Self::advance) serve any writer (an async one too), and
/// [`write_to`](Self::write_to) runs them against a [`Write`].
///
/// ```
/// use bytes::Bytes;
/// use kafka_sansio::producer::WriteQueue;
///
/// let mut queue = WriteQueue::new();
/// queue.push(Bytes::from_static(b"head,"));
/// queue.push(Bytes::from_static(b"batch,"));
/// queue.push(Bytes::from_static(b"tail"));
/// let mut socket = Vec::new();
/// queue.write_to(&mut socket)?;
/// assert_eq!(socket, b"head,batch,tail");
/// assert!(queue.is_empty());
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug, Default)]
pub struct WriteQueue {
    parts: VecDeque<Bytes>,
    /// Bytes of the front part already written.
    offset: usize,
    /// Bytes still to write.
    len: usize,
}

impl WriteQueue {
    /// An empty queue.
    pub fn new() -> Self {
        Self::default()
    }

    /// Queues `data` after everything queued before.
    pub fn push(&mut self, data: Bytes) {
        if !data.is_empty() {
            self.len += data.len();
            self.parts.push_back(data);
        }
    }

    /// Bytes still to write.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether everything queued has been written.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Fills the front of `slices` with the bytes to write next, in order;
    /// returns how many it filled (0 when the queue is empty). Hand them
    /// to a vectored write, then [`advance`](Self::advance) by what it
    /// took.
    pub fn io_slices<'a>(&'a self, slices: &mut [IoSlice<'a>]) -> usize {
        let mut filled = 0;
        for (slot, part) in slices.iter_mut().zip(&self.parts) {
            let from = if filled == 0 { self.offset } else { 0 };
            *slot = IoSlice::new(&part[from..]);
            filled += 1;
        }
        filled
    }

    /// Drops the first `written` bytes, which the socket took.
    ///
    /// # Panics
    ///
    /// When `written` exceeds [`len`](Self::len): a writer never takes
    /// more than it was given.
    pub fn advance(&mut self, mut written: usize) {
        assert!(written <= self.len, "advanced past the queued bytes");
        self.len -= written;
        while let Some(front) = self.parts.front() {
            let left = front.len() - self.offset;
            if written < left {
                self.offset += written;
                return;
            }
            written -= left;
            self.parts.pop_front();
            self.offset = 0;
        }
    }

    /// Writes with vectored writes until the queue is empty or `out`
    /// would block, which is not an error: the rest stays queued. A
    /// non-blocking socket must then wait to become writable (with an
    /// edge-triggered poller, stopping before `WouldBlock` would wait for
    /// an event that never comes). A write that takes nothing is an error
    /// ([`ErrorKind::WriteZero`]).
    pub fn write_to(&mut self, out: &mut impl Write) -> io::Result<()> {
        while !self.is_empty() {
            match self.write_once(out) {
                Ok(_) => {}
                Err(e) if e.kind() == ErrorKind::WouldBlock => return Ok(()),
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// One vectored write of what is queued: as much as `out` takes in one
    /// call. Returns how many bytes it took; `WouldBlock` and `Interrupted`
    /// come back as errors, for the caller to judge. A write that takes
    /// nothing of a non-empty queue is an error ([`ErrorKind::WriteZero`]).
    pub fn write_once(&mut self, out: &mut impl Write) -> io::Result<usize> {
        let mut slices = [IoSlice::new(&[]); MAX_SLICES];
        let filled = self.io_slices(&mut slices);
        let written = out.write_vectored(&slices[..filled])?;
        if written == 0 && filled > 0 {
            return Err(ErrorKind::WriteZero.into());
        }
        self.advance(written);
        Ok(written)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Takes at most `step` bytes per call, from one slice at a time when
    /// `one_slice`, and blocks every other call.
    struct Stingy {
        got: Vec<u8>,
        step: usize,
        calls: usize,
        budget: usize,
        one_slice: bool,
    }

    impl Stingy {
        fn new(step: usize, budget: usize, one_slice: bool) -> Self {
            Stingy {
                got: Vec::new(),
                step,
                calls: 0,
                budget,
                one_slice,
            }
        }
    }

    impl Write for Stingy {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.write_vectored(&[IoSlice::new(buf)])
        }

        fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
            self.calls += 1;
            if self.calls % 2 == 0 || self.budget == 0 {
                return Err(ErrorKind::WouldBlock.into());
            }
            let bufs = if self.one_slice { &bufs[..1] } else { bufs };
            let mut room = self.step.min(self.budget);
            let mut n = 0;
            for buf in bufs {
                let take = buf.len().min(room);
                self.got.extend_from_slice(&buf[..take]);
                (n, room) = (n + take, room - take);
            }
            self.budget -= n;
            Ok(n)
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    fn parts(queue: &mut WriteQueue, count: u8) -> Vec<u8> {
        let mut expected = Vec::new();
        for i in 0..count {
            let chunk = vec![i; 7 + usize::from(i)];
            expected.extend_from_slice(&chunk);
            queue.push(Bytes::from(chunk));
            queue.push(Bytes::new());
        }
        expected
    }

    #[test]
    fn partial_writes_keep_every_byte_in_order() {
        for (step, one_slice) in [(3, true), (3, false), (20, false), (1000, false)] {
            let mut queue = WriteQueue::new();
            let expected = parts(&mut queue, 5);
            assert_eq!(queue.len(), expected.len());
            let mut out = Stingy::new(step, usize::MAX, one_slice);
            let mut rounds = 0;
            while !queue.is_empty() {
                queue.write_to(&mut out).expect("no error");
                rounds += 1;
            }
            assert_eq!(out.got, expected, "step {step}");
            if step < expected.len() {
                assert!(rounds > 1, "the writer blocked along the way");
            }
        }
    }

    /// One vectored write takes several parts at once.
    #[test]
    fn parts_go_out_together() {
        let mut queue = WriteQueue::new();
        let expected = parts(&mut queue, 5);
        let mut out = Stingy::new(usize::MAX, usize::MAX, false);
        queue.write_to(&mut out).expect("no error");
        assert_eq!(out.got, expected);
        assert_eq!(out.calls, 1);
    }

    /// More parts than one call takes go out over several calls.
    #[test]
    fn more_parts_than_slices() {
        let mut queue = WriteQueue::new();
        let expected = parts(&mut queue, MAX_SLICES as u8 * 2 + 3);
        assert_eq!(
            queue.io_slices(&mut [IoSlice::new(&[]); MAX_SLICES]),
            MAX_SLICES
        );
        let mut out = Vec::new();
        queue.write_to(&mut out).expect("no error");
        assert_eq!(out, expected);
        assert_eq!(queue.io_slices(&mut [IoSlice::new(&[]); 4]), 0);
    }

    #[test]
    fn a_full_socket_keeps_the_rest_and_a_zero_write_is_an_error() {
        let mut queue = WriteQueue::new();
        queue.push(Bytes::from_static(b"hello "));
        queue.push(Bytes::from_static(b"world"));
        let mut out = Stingy::new(100, 4, false);
        queue
            .write_to(&mut out)
            .expect("would block is not an error");
        assert_eq!(queue.len(), 7);
        let mut slices = [IoSlice::new(&[]); 4];
        assert_eq!(queue.io_slices(&mut slices), 2);
        assert_eq!(&*slices[0], b"o ");
        let mut zero: &mut [u8] = &mut [];
        let err = queue.write_to(&mut zero).expect_err("no room at all");
        assert_eq!(err.kind(), ErrorKind::WriteZero);
    }

    /// `write_once` makes one call: what it took is gone, the rest stays,
    /// and a full socket is the caller's to judge.
    #[test]
    fn write_once_makes_one_call_and_reports_would_block() {
        let mut queue = WriteQueue::new();
        let expected = parts(&mut queue, 3);
        let mut out = Stingy::new(10, usize::MAX, false);
        assert_eq!(queue.write_once(&mut out).expect("room for 10"), 10);
        assert_eq!((out.calls, queue.len()), (1, expected.len() - 10));
        let err = queue.write_once(&mut out).expect_err("the socket is full");
        assert_eq!(err.kind(), ErrorKind::WouldBlock);
        assert_eq!(queue.len(), expected.len() - 10, "nothing taken");
        assert_eq!(queue.write_once(&mut out).expect("room again"), 10);
        assert_eq!(out.got, expected[..20]);
    }

    #[test]
    #[should_panic(expected = "advanced past")]
    fn advancing_past_the_end_panics() {
        let mut queue = WriteQueue::new();
        queue.push(Bytes::from_static(b"abc"));
        queue.advance(4);
    }
}
