//! Record batches (message format v2).
