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
    /// went_on (comma separated), HTTP status or "" (kept as `status`, as for unordered dead letters). Returns the dead-letter id, 0 when the entry is gone, or -1 when the
    /// lease is not the caller's.
    static let deadLetter = RedisScript(
        """
        if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
        local found = redis.call('XRANGE', KEYS[2], ARGV[2], ARGV[2])
        redis.call('HDEL', KEYS[4], ARGV[2])
        if #found == 0 then return 0 end
        local fields = found[1][2]
        local n = #fields
        fields[n + 1] = 'original_id'; fields[n + 2] = ARGV[2]
        fields[n + 3] = 'error'; fields[n + 4] = ARGV[3]
        fields[n + 5] = 'attempts'; fields[n + 6] = ARGV[4]
        fields[n + 7] = 'failed_at'; fields[n + 8] = ARGV[5]
        fields[n + 9] = 'went_on'; fields[n + 10] = ARGV[6]
        if ARGV[7] ~= '' then fields[n + 11] = 'status'; fields[n + 12] = ARGV[7] end
        local id = redis.call('XADD', KEYS[3], '*', unpack(fields))
        redis.call('XDEL', KEYS[2], ARGV[2])
        return id
        """)
}
