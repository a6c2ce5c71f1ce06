//! The Java client's key partitioner: murmur2 with Kafka's seed, and
//! `toPositive(murmur2(key)) % numPartitions`.
//!
//! A record with a key lands on the same partition as it would from the
//! Java producer (and from librdkafka with `partitioner=murmur2_random`),
//! so applications can mix clients on one topic without reordering a key.

/// Kafka's murmur2 (MurmurHash2, 32-bit, seed `0x9747b28c`), exactly as
/// `org.apache.kafka.common.utils.Utils.murmur2` computes it.
///
/// ```
/// assert_eq!(kafka_sansio::partitioner::murmur2(b"21"), -973932308);
/// ```
pub fn murmur2(key: &[u8]) -> i32 {
    const SEED: u32 = 0x9747_b28c;
    const M: u32 = 0x5bd1_e995;
    const R: u32 = 24;

    let mut h = SEED ^ key.len() as u32;
    let mut blocks = key.chunks_exact(4);
    for block in &mut blocks {
        let mut k = u32::from_le_bytes([block[0], block[1], block[2], block[3]]);
        k = k.wrapping_mul(M);
        k ^= k >> R;
        k = k.wrapping_mul(M);
        h = h.wrapping_mul(M);
        h ^= k;
    }
    let tail = blocks.remainder();
    if !tail.is_empty() {
        // The Java switch falls through from the longest tail to case 1,
        // which alone multiplies.
        for (i, byte) in tail.iter().enumerate().rev() {
            h ^= u32::from(*byte) << (8 * i);
        }
        h = h.wrapping_mul(M);
    }
    h ^= h >> 13;
    h = h.wrapping_mul(M);
    h ^= h >> 15;
    h as i32
}

/// The partition the Java producer picks for `key` among `num_partitions`
/// partitions: `toPositive(murmur2(key)) % num_partitions`, where
/// `toPositive` clears the sign bit (it is not `abs`).
///
/// # Panics
/// If `num_partitions` is not positive, which no topic has.
///
/// ```
/// use kafka_sansio::partitioner::partition_for_key;
/// assert_eq!(partition_for_key(b"foobar", 12), 6);
/// ```
pub fn partition_for_key(key: &[u8], num_partitions: i32) -> i32 {
    assert!(num_partitions > 0, "a topic has at least one partition");
    (murmur2(key) & 0x7fff_ffff) % num_partitions
}
