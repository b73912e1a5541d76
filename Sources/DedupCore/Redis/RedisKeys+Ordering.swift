/// The keys of ordered delivery (a destination with `order_by`), in the shard that partition `p`
/// belongs to (``OrderingPartition/shard(ofPartition:shards:)``): the partition's stream, its lease
/// and its fencing counter share one hash tag, so the fenced steps are single-slot scripts.
extension RedisKeys {
    /// `prefix:{s}:partition:DESTINATION:P`, the partition's entries in accept order.
    public func partition(_ partition: Int, destination: String, shards: Int) -> String {
        "\(prefix):{\(OrderingPartition.shard(ofPartition: partition, shards: shards))}:partition:\(destination):\(partition)"
    }

    /// `prefix:{s}:lease:DESTINATION:P`, a string `TOKEN:CONSUMER` with a TTL: who delivers the
    /// partition now.
    public func partitionLease(_ partition: Int, destination: String, shards: Int) -> String {
        "\(prefix):{\(OrderingPartition.shard(ofPartition: partition, shards: shards))}:lease:\(destination):\(partition)"
    }

    /// `prefix:{s}:fence:DESTINATION:P`, a counter with no TTL: each lease takes the next value, so a
    /// later holder's token is always greater than an earlier one's.
    public func partitionFence(_ partition: Int, destination: String, shards: Int) -> String {
        "\(prefix):{\(OrderingPartition.shard(ofPartition: partition, shards: shards))}:fence:\(destination):\(partition)"
    }

    /// `prefix:{s}:attempts:DESTINATION:P`, a hash of entry id → attempts made, so a new holder of
    /// the partition goes on counting where the last one stopped.
    public func partitionAttempts(_ partition: Int, destination: String, shards: Int) -> String {
        "\(prefix):{\(OrderingPartition.shard(ofPartition: partition, shards: shards))}:attempts:\(destination):\(partition)"
    }

    /// `prefix:{0}:holders:DESTINATION`, a sorted set of the deliverers serving the ordered
    /// destination, scored by their last heartbeat (unix ms): how many share its partitions.
    public func partitionHolders(destination: String) -> String {
        "\(prefix):{0}:holders:\(destination)"
    }
}
