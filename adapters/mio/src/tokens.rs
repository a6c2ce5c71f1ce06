//! The `mio::Token`s a user reserves for the producer, and which of them
//! are free.

use std::collections::VecDeque;
use std::fmt;

use mio::Token;

/// A contiguous range of [`Token`]s reserved for the producer's sockets:
/// `len` tokens from `first` on. Each open or opening connection holds
/// one; a few more than the cluster has brokers is enough (a bootstrap
/// connection, one per broker, and room for replacements).
///
/// ```
/// use kafka_sansio_mio::TokenRange;
/// use mio::Token;
///
/// let tokens = TokenRange::new(Token(1_000), 64);
/// assert!(tokens.contains(Token(1_063)));
/// assert!(!tokens.contains(Token(1_064)));
/// assert!(!tokens.contains(Token(0)));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TokenRange {
    first: usize,
    len: usize,
}

impl TokenRange {
    /// `len` tokens from `first` on (cut short where `usize` ends).
    pub const fn new(first: Token, len: usize) -> Self {
        let room = usize::MAX - first.0;
        TokenRange {
            first: first.0,
            len: if len < room { len } else { room },
        }
    }

    /// Whether `token` is in the range.
    pub fn contains(&self, token: Token) -> bool {
        self.index(token).is_some()
    }

    /// How many tokens the range has.
    pub const fn len(&self) -> usize {
        self.len
    }

    /// Whether the range has no token.
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The position of `token` in the range.
    pub(crate) fn index(&self, token: Token) -> Option<usize> {
        token.0.checked_sub(self.first).filter(|&i| i < self.len)
    }

    /// The token at position `index`.
    pub(crate) fn token(&self, index: usize) -> Token {
        Token(self.first + index)
    }
}

impl fmt::Display for TokenRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Token({})..Token({})", self.first, self.first + self.len)
    }
}

/// The free positions of a [`TokenRange`]. The one freed longest ago is
/// handed out first, so an event already polled for a closed socket is
/// unlikely to meet a new socket under the same token (and is harmless
/// if it does: every handler tolerates spurious events).
#[derive(Debug)]
pub(crate) struct TokenPool {
    free: VecDeque<usize>,
}

impl TokenPool {
    pub(crate) fn new(range: TokenRange) -> Self {
        TokenPool {
            free: (0..range.len()).collect(),
        }
    }

    pub(crate) fn take(&mut self) -> Option<usize> {
        self.free.pop_front()
    }

    pub(crate) fn give_back(&mut self, index: usize) {
        self.free.push_back(index);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_map_to_tokens_and_back() {
        let range = TokenRange::new(Token(10), 3);
        assert_eq!(range.index(Token(9)), None);
        assert_eq!(range.index(Token(10)), Some(0));
        assert_eq!(range.index(Token(12)), Some(2));
        assert_eq!(range.index(Token(13)), None);
        assert_eq!(range.token(2), Token(12));
        assert_eq!(range.to_string(), "Token(10)..Token(13)");
    }

    #[test]
    fn a_range_at_the_end_of_usize_is_cut_short() {
        let range = TokenRange::new(Token(usize::MAX - 1), 5);
        assert_eq!(range.len(), 1);
        assert!(range.contains(Token(usize::MAX - 1)));
        assert!(!range.contains(Token(usize::MAX)));
    }

    #[test]
    fn the_pool_reuses_the_position_freed_longest_ago() {
        let mut pool = TokenPool::new(TokenRange::new(Token(0), 2));
        let (a, b) = (pool.take(), pool.take());
        assert_eq!((a, b), (Some(0), Some(1)));
        assert_eq!(pool.take(), None);
        pool.give_back(1);
        pool.give_back(0);
        assert_eq!(pool.take(), Some(1));
    }
}
