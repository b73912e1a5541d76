import RedisClient

/// The lease steps of ordered delivery, each one atomic script on the partition's shard.
///
/// A lease is the string `TOKEN:CONSUMER` with a TTL. `TOKEN` comes from the partition's fencing
/// counter (`INCR`), so every new holder has a greater token than any earlier one; renewing, giving
/// up and every step that finishes an entry compare the whole string, so a holder whose lease
/// expired (stalled, swapped out, SIGSTOPped) can neither extend it nor act on the partition again.
enum PartitionLeaseScripts {
    /// KEYS: lease, fence. ARGV: consumer, ttl ms. Returns `{1, token}` when taken, `{0, holder}`
    /// when someone holds it.
    static let acquire = RedisScript(
        """
        local holder = redis.call('GET', KEYS[1])
        if holder then return {0, holder} end
        local token = redis.call('INCR', KEYS[2])
        redis.call('SET', KEYS[1], token .. ':' .. ARGV[1], 'PX', ARGV[2])
        return {1, token}
        """)

    /// KEYS: lease. ARGV: `TOKEN:CONSUMER`, ttl ms. Returns 1 when extended, 0 when it is not ours.
    static let renew = RedisScript(
        """
        if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
        redis.call('PEXPIRE', KEYS[1], ARGV[2])
        return 1
        """)

    /// Records a deliverer's heartbeat in the holders set and forgets those silent for a lease time,
    /// by Redis's clock (the deliverers' own clocks need not agree). KEYS: holders. ARGV: consumer,
    /// lease ms. Returns the live deliverers.
    static let heartbeat = RedisScript(
        """
        local time = redis.call('TIME')
        local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
        redis.call('ZADD', KEYS[1], now, ARGV[1])
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[2]))
        return redis.call('ZCARD', KEYS[1])
        """)

    /// KEYS: lease. ARGV: `TOKEN:CONSUMER`. Returns 1 when given up, 0 when it was not ours.
    static let release = RedisScript(
        """
        if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
        redis.call('DEL', KEYS[1])
        return 1
        """)
}
