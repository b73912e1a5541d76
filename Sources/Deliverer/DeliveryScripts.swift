import RedisClient

/// The Lua scripts of delivery. Each is one atomic step on one shard: its keys share the shard's
/// `{hash tag}`, so they stay valid on Redis Cluster, and no reader ever sees half of a step.
enum DeliveryScripts {
    /// Delivered: `XACK` + `XDEL`, so the stream holds only the backlog and `XLEN` is the lag. Takes
    /// a batch of ids: acknowledging what finished meanwhile in one call costs Redis far less than
    /// one call per entry.
    ///
    /// KEYS: stream. ARGV: group, entry ids... Returns the number of entries deleted.
    static let acknowledge = RedisScript(
        """
        redis.call('XACK', KEYS[1], ARGV[1], unpack(ARGV, 2))
        return redis.call('XDEL', KEYS[1], unpack(ARGV, 2))
        """)

    /// Out of attempts: copy the entry to the dead-letter stream with `original_id`, `error`,
    /// `attempts` and `failed_at`, then `XACK` + `XDEL` it. The copy is made from the stream itself, so
    /// it holds exactly what the receiver wrote. If the entry is no longer pending (another deliverer
    /// delivered or moved it meanwhile) nothing is written, so a message is never both delivered and
    /// dead. An entry whose data was deleted behind the group's back is only acknowledged.
    ///
    /// KEYS: stream, dead. ARGV: group, entry id, error, attempts, failed_at (unix ms).
    /// Returns the dead-letter id, or nil when nothing was moved.
    static let deadLetter = RedisScript(
        """
        local found = redis.call('XRANGE', KEYS[1], ARGV[2], ARGV[2])
        if redis.call('XACK', KEYS[1], ARGV[1], ARGV[2]) == 0 then return false end
        if #found == 0 then return false end
        local fields = found[1][2]
        local n = #fields
        fields[n + 1] = 'original_id'; fields[n + 2] = ARGV[2]
        fields[n + 3] = 'error'; fields[n + 4] = ARGV[3]
        fields[n + 5] = 'attempts'; fields[n + 6] = ARGV[4]
        fields[n + 7] = 'failed_at'; fields[n + 8] = ARGV[5]
        local id = redis.call('XADD', KEYS[2], '*', unpack(fields))
        redis.call('XDEL', KEYS[1], ARGV[2])
        return id
        """)

    /// Claims the given pending entries for this consumer (`XCLAIM`, which adds 1 to each delivery
    /// counter and resets its idle time) and returns each with its counter, the attempt number.
    /// Entries no longer pending are skipped; entries whose data is gone are dropped by the server.
    ///
    /// KEYS: stream. ARGV: group, consumer, min idle ms, ids... Returns `[[id, fields, count], ...]`.
    static let claim = RedisScript(
        """
        local claimed = redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], ARGV[3], unpack(ARGV, 4))
        local out = {}
        for _, entry in ipairs(claimed) do
          if entry[2] then
            local pending = redis.call('XPENDING', KEYS[1], ARGV[1], entry[1], entry[1], 1)
            out[#out + 1] = {entry[1], entry[2], pending[1][4]}
          end
        end
        return out
        """)

    /// Takes over entries idle longer than the claim time at any consumer (`XAUTOCLAIM` from a cursor)
    /// and returns each with its delivery counter, as ``claim`` does.
    ///
    /// KEYS: stream. ARGV: group, consumer, min idle ms, cursor, count.
    /// Returns `[next cursor, [[id, fields, count], ...]]`; cursor `0-0` means the scan went round.
    static let takeOver = RedisScript(
        """
        local result = redis.call('XAUTOCLAIM', KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4], 'COUNT', ARGV[5])
        local out = {}
        for _, entry in ipairs(result[2]) do
          if entry[2] then
            local pending = redis.call('XPENDING', KEYS[1], ARGV[1], entry[1], entry[1], 1)
            out[#out + 1] = {entry[1], entry[2], pending[1][4]}
          end
        end
        return {result[1], out}
        """)

    /// Replays one dead letter: its original fields go back to the stream as a new entry (a new id,
    /// so the delivery counter starts again at 1) and the dead letter is deleted.
    ///
    /// KEYS: dead, stream. ARGV: dead-letter id. Returns the new stream id, or nil if there is no such
    /// dead letter.
    static let replay = RedisScript(
        """
        local found = redis.call('XRANGE', KEYS[1], ARGV[1], ARGV[1])
        if #found == 0 then return false end
        local fields = found[1][2]
        local keep = {}
        for i = 1, #fields, 2 do
          local name = fields[i]
          if name ~= 'original_id' and name ~= 'error' and name ~= 'attempts' and name ~= 'failed_at' then
            keep[#keep + 1] = name
            keep[#keep + 1] = fields[i + 1]
          end
        end
        local id = redis.call('XADD', KEYS[2], '*', unpack(keep))
        redis.call('XDEL', KEYS[1], ARGV[1])
        return id
        """)
}
