//! The bytes a connection still has to write, in order, surviving partial
//! writes.

use std::collections::VecDeque;
use std::io::{self, ErrorKind, Write};

use bytes::Bytes;

/// The core's `Write` outputs not yet taken by the socket. The front
/// buffer may be partly written: `offset` bytes of it are gone.
#[derive(Debug, Default)]
pub(crate) struct WriteQueue {
    chunks: VecDeque<Bytes>,
    offset: usize,
}

impl WriteQueue {
    pub(crate) fn push(&mut self, data: Bytes) {
        if !data.is_empty() {
            self.chunks.push_back(data);
        }
    }

    /// Bytes still to write.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.chunks.iter().map(Bytes::len).sum::<usize>() - self.offset
    }

    /// Writes until the queue is empty or the socket would block. mio is
    /// edge-triggered: stopping before `WouldBlock` with bytes left would
    /// wait for a writable event that never comes.
    pub(crate) fn write_to(&mut self, out: &mut impl Write) -> io::Result<()> {
        while let Some(front) = self.chunks.front() {
            match out.write(&front[self.offset..]) {
                Ok(0) => return Err(ErrorKind::WriteZero.into()),
                Ok(n) => {
                    self.offset += n;
                    if self.offset == front.len() {
                        self.chunks.pop_front();
                        self.offset = 0;
                    }
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => return Ok(()),
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Takes at most `step` bytes per call and blocks every other call.
    struct Stingy {
        got: Vec<u8>,
        step: usize,
        calls: usize,
        budget: usize,
    }

    impl Write for Stingy {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.calls += 1;
            if self.calls % 2 == 0 || self.budget == 0 {
                return Err(ErrorKind::WouldBlock.into());
            }
            let n = buf.len().min(self.step).min(self.budget);
            self.budget -= n;
            self.got.extend_from_slice(&buf[..n]);
            Ok(n)
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn partial_writes_keep_every_byte_in_order() {
        let mut queue = WriteQueue::default();
        let mut expected = Vec::new();
        for i in 0..5u8 {
            let chunk = vec![i; 7 + usize::from(i)];
            expected.extend_from_slice(&chunk);
            queue.push(Bytes::from(chunk));
        }
        queue.push(Bytes::new());
        let mut out = Stingy {
            got: Vec::new(),
            step: 3,
            calls: 0,
            budget: usize::MAX,
        };
        let mut rounds = 0;
        while queue.len() > 0 {
            queue.write_to(&mut out).expect("no error");
            rounds += 1;
        }
        assert_eq!(out.got, expected);
        assert!(rounds > 5, "the writer blocked along the way");
    }

    #[test]
    fn a_full_socket_keeps_the_rest_and_a_zero_write_is_an_error() {
        let mut queue = WriteQueue::default();
        queue.push(Bytes::from_static(b"hello world"));
        let mut out = Stingy {
            got: Vec::new(),
            step: 100,
            calls: 0,
            budget: 4,
        };
        queue
            .write_to(&mut out)
            .expect("would block is not an error");
        assert_eq!(queue.len(), 7);
        let mut zero: &mut [u8] = &mut [];
        let err = queue.write_to(&mut zero).expect_err("no room at all");
        assert_eq!(err.kind(), ErrorKind::WriteZero);
    }
}
