import RedisClient

/// The Lua scripts of delivery. Each is one atomic step on one shard: its keys share the shard's
/// `{hash tag}`, so they stay valid on Redis Cluster, and no reader ever sees half of a step.
///
/// Ownership: only the take-over (`XAUTOCLAIM` past the claim time) moves an entry from one consumer
/// to another. Touch, retry claim, dead letter and release act only on entries still pending at the
/// calling consumer, checked inside the script with `XPENDING key group id id 1 consumer`, so a
/// deliverer that stalled past the claim time cannot take back what a peer took over meanwhile.
enum DeliveryScripts {
    /// Delivered: `XACK` + `XDEL`, so the stream holds only the backlog and `XLEN` is the lag. Takes
    /// a batch of ids: acknowledging what finished meanwhile in one call costs Redis far less than
    /// one call per entry.
    ///
    /// Unlike the other steps it does not check the owner. The downstream answered 2xx, so the
    /// message was delivered whoever holds the entry now. If a peer took it over while this deliverer
    /// stalled, either the peer already finished it (then it is gone and this is a no-op), or the
    /// peer's attempt is still to come or in flight: acknowledging now makes the peer's own
    /// acknowledgement a no-op, turns its retry claim or dead letter into "not owned", and so keeps
    /// a delivered message out of dead letters. Leaving the entry to the peer instead would risk
    /// exactly that.
    ///
    /// KEYS: stream. ARGV: group, entry ids... Returns the number of entries deleted.
    static let acknowledge = RedisScript(
        """
        redis.call('XACK', KEYS[1], ARGV[1], unpack(ARGV, 2))
        return redis.call('XDEL', KEYS[1], unpack(ARGV, 2))
        """)

    /// Out of attempts: copy the entry to the dead-letter stream with `original_id`, `error`,
    /// `attempts` and `failed_at`, then `XACK` + `XDEL` it. The copy is made from the stream itself, so
    /// it holds exactly what the receiver wrote. Only the entry's owner moves it: an entry pending at
    /// another consumer (taken over while this one stalled) or no longer pending (delivered and
    /// acknowledged) is left alone, so an acknowledged delivery is never followed by a dead letter.
    /// An entry whose data was deleted behind the group's back is only acknowledged.
    ///
    /// A final answer's HTTP status is kept as `status` (the error holds the answer's first bytes).
    ///
    /// KEYS: stream, dead. ARGV: group, consumer, entry id, error, attempts, failed_at (unix ms),
    /// status or "".
    /// Returns the dead-letter id; 0 when the entry is not this consumer's (nothing done); nil when
    /// its data was gone (acknowledged, nothing moved).
    static let deadLetter = RedisScript(
        """
        \(bury)
        if #redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[3], ARGV[3], 1, ARGV[2]) == 0 then return 0 end
        redis.call('XACK', KEYS[1], ARGV[1], ARGV[3])
        local failure = {'original_id', ARGV[3], 'error', ARGV[4], 'attempts', ARGV[5], 'failed_at', ARGV[6]}
        if ARGV[7] ~= '' then failure[#failure + 1] = 'status'; failure[#failure + 1] = ARGV[7] end
        return bury(KEYS[1], KEYS[2], ARGV[3], failure)
        """)

    /// The Lua function every dead-letter step shares (unordered here, ordered in ``OrderedScripts``):
    /// `bury(stream, dead, id, failure)` copies entry `id` from the stream itself, so the dead letter
    /// holds exactly what the receiver wrote, adds the `failure` fields (name, value, ...), appends it
    /// to `dead` and deletes the entry. Returns the dead-letter id, or false when the entry is gone.
    static let bury = """
        local function bury(stream, dead, id, failure)
          local found = redis.call('XRANGE', stream, id, id)
          if #found == 0 then return false end
          local fields = found[1][2]
          for i = 1, #failure do fields[#fields + 1] = failure[i] end
          local buried = redis.call('XADD', dead, '*', unpack(fields))
          redis.call('XDEL', stream, id)
          return buried
        end
        """

    /// Claims again entries pending at this consumer (`XCLAIM`, which adds 1 to the delivery counter
    /// and resets the idle time) and returns each with its counter, the attempt number: a retry, or
    /// an earlier run's own pending list. Each id is checked first with `XPENDING`'s consumer filter,
    /// in the same atomic step: an entry another consumer took over, or that is no longer pending, is
    /// skipped, never taken back. Entries whose data is gone are dropped by the server.
    ///
    /// KEYS: stream. ARGV: group, consumer, ids... Returns `[[id, fields, count], ...]`.
    static let claimOwned = RedisScript(
        """
        local out = {}
        for i = 3, #ARGV do
          local id = ARGV[i]
          if #redis.call('XPENDING', KEYS[1], ARGV[1], id, id, 1, ARGV[2]) == 1 then
            local claimed = redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, id)
            if claimed[1] and claimed[1][2] then
              local pending = redis.call('XPENDING', KEYS[1], ARGV[1], id, id, 1)
              out[#out + 1] = {id, claimed[1][2], pending[1][4]}
            end
          end
        end
        return out
        """)

    /// Resets the idle time of entries pending at this consumer (`XCLAIM ... JUSTID`, which leaves the
    /// delivery counter alone), so no take-over finds them idle. Checked per id as ``claimOwned``
    /// does: an entry owned by another consumer keeps its owner and its idle time.
    ///
    /// KEYS: stream. ARGV: group, consumer, ids... Returns the ids touched: those still this
    /// consumer's.
    static let touchOwned = RedisScript(
        """
        local owned = {}
        for i = 3, #ARGV do
          local id = ARGV[i]
          if #redis.call('XPENDING', KEYS[1], ARGV[1], id, id, 1, ARGV[2]) == 1 then
            if #redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, id, 'JUSTID') == 1 then owned[#owned + 1] = id end
          end
        end
        return owned
        """)

    /// Hands entries back at shutdown: those still pending at this consumer get their idle time set
    /// (so any deliverer's next take-over sweep claims them) and their delivery counter set to the
    /// attempts really made. Checked per id as ``claimOwned`` does: an entry another consumer took
    /// over stays as it is.
    ///
    /// KEYS: stream. ARGV: group, consumer, idle ms, then pairs of id and attempts made.
    /// Returns how many were handed back.
    static let releaseOwned = RedisScript(
        """
        local released = 0
        for i = 4, #ARGV, 2 do
          local id = ARGV[i]
          if #redis.call('XPENDING', KEYS[1], ARGV[1], id, id, 1, ARGV[2]) == 1 then
            released = released + #redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, id,
              'IDLE', ARGV[3], 'RETRYCOUNT', ARGV[i + 1], 'JUSTID')
          end
        end
        return released
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
    /// so the delivery counter starts again at 1) and the dead letter is deleted. For an ordered
    /// destination the stream is the conversation's partition, in the same shard as the dead letter.
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
          if name ~= 'original_id' and name ~= 'error' and name ~= 'attempts' and name ~= 'failed_at' and name ~= 'status'
            and name ~= 'went_on' then
            keep[#keep + 1] = name
            keep[#keep + 1] = fields[i + 1]
          end
        end
        local id = redis.call('XADD', KEYS[2], '*', unpack(keep))
        redis.call('XDEL', KEYS[1], ARGV[1])
        return id
        """)
}
