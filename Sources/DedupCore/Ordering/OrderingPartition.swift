/// Which ordered lane (partition) of a destination a conversation uses.
///
/// A stable hash of the conversation modulo the destination's partition count, the same in every
/// receiver and release (SHA-256, like ``ShardRouter``), so a conversation always lands in one
/// partition and is delivered there in accept order. Partition `p` lives in shard `p % shards`: its
/// stream, lease and the seen keys of its messages share that shard's hash tag, which keeps every
/// Redis call of an ordered message on one Redis Cluster slot.
public enum OrderingPartition {
    public static func of(conversation: String, partitions: Int) -> Int {
        guard partitions > 1 else { return 0 }
        return Int(StableHash.of([conversation]) % UInt64(partitions))
    }

    /// The shard whose hash tag partition `partition` carries.
    public static func shard(ofPartition partition: Int, shards: Int) -> Int {
        shards > 1 ? partition % shards : 0
    }
}
