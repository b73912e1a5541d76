import RedisClient

/// The steps of ordered delivery that change a partition, each one atomic script on the partition's
/// shard and each fenced: it acts only while the lease key still holds the caller's `TOKEN:CONSUMER`
/// (``PartitionLeaseScripts``), and answers -1 otherwise, so a holder that lost the partition stops.
///
/// A partition's stream holds only what is still to be delivered (a delivered entry is deleted), so
/// its head is the oldest waiting entry and a new holder simply starts there. No consumer group: the
/// lease, not a pending list, says who may deliver.
enum OrderedScripts {
    /// Counts the next attempt of an entry. KEYS: lease, attempts. ARGV: lease value, entry id.
    /// Returns the attempt number (1-based), or -1 when the lease is not the caller's.
    static let attempt = RedisScript(
        """
        if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
        return redis.call('HINCRBY', KEYS[2], ARGV[2], 1)
        """)

    /// Delivered: deletes the entry and its attempt count. KEYS: lease, stream, attempts. ARGV:
    /// lease value, entry id. Returns 1, or -1 when the lease is not the caller's.
    static let finish = RedisScript(
        """
        if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
        redis.call('XDEL', KEYS[2], ARGV[2])
        redis.call('HDEL', KEYS[3], ARGV[2])
        return 1
        """)

    /// Out of attempts (or a final status): copies the entry to the destination's dead letters with
    /// `original_id`, `error`, `attempts`, `failed_at` and `went_on`, the ids of the same
    /// conversation's entries that were waiting behind it and now go on without it; then deletes it.
    /// KEYS: lease, stream, dead, attempts. ARGV: lease value, entry id, error, attempts, failed_at,
    /// went_on (comma separated), HTTP status or "" (kept as `status`, as for unordered dead letters).
    /// Returns the dead-letter id, nil when the entry is gone, or -1 when the lease is not the caller's.
    static let deadLetter = RedisScript(
        """
        \(DeliveryScripts.bury)
        if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
        redis.call('HDEL', KEYS[4], ARGV[2])
        local failure = {'original_id', ARGV[2], 'error', ARGV[3], 'attempts', ARGV[4], 'failed_at', ARGV[5], 'went_on', ARGV[6]}
        if ARGV[7] ~= '' then failure[#failure + 1] = 'status'; failure[#failure + 1] = ARGV[7] end
        return bury(KEYS[2], KEYS[3], ARGV[2], failure)
        """)
}
