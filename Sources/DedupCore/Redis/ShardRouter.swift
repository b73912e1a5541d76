/// Picks the shard of a dedup key.
///
/// Every receiver must send a given `source:key` to the same shard, in every process and every
/// release, or a duplicate could be checked against the wrong seen key. So the hash is fixed and
/// written down rather than Swift's per-process randomised `Hasher`:
/// the first 8 bytes of SHA-256 over the UTF-8 bytes of `source:key`, read as a big-endian
/// `UInt64`, modulo `shards`. (SHA-256 rather than something cheaper because it is already linked,
/// spreads keys evenly whatever their shape, and costs well under a microsecond for a short key.)
public enum ShardRouter {
    /// The shard in `0..<shards`; always 0 when `shards` is 1 or less.
    public static func shard(source: String, key: String, shards: Int) -> Int {
        guard shards > 1 else { return 0 }
        let value = StableHash.of([source, key])
        return Int(value % UInt64(shards))
    }
}
