import RedisClient

/// The one Redis call that records a message: remember its key and append it to the stream of every
/// destination it is routed to, or report the entry that already holds it.
///
/// `KEYS = [seen key, unrouted hash, stats prefix, stats sources, destination stream...]`, `ARGV =
/// [ttl, at (unix ms), by (JSON string), source, receiver, entry point or "", field, value, ...]`.
/// Returns `{1, seen}` for a new message and `{0, seen}` for a duplicate, `seen` being the stored JSON
/// `{"id":..,"at":..,"by":..}` with the id of the entry in the first destination's stream. A message
/// routed nowhere (no stream keys) is still remembered, with id `-`, and counted in the unrouted
/// hash under its source.
///
/// Each destination's stream gets its own copy of the entry, so destinations are delivered,
/// retried, trimmed and dead-lettered independently; the streams carry the shard's hash tag like
/// the seen key, so fanning out stays one atomic single-slot call.
///
/// It also counts the message in its source's hash for the current minute (`stats prefix` +
/// `YYYYMMDDHHMM`, UTC by Redis's own clock so every receiver counts in the same minute): `accepted`
/// or `duplicate`, `dup_ep:ENTRY_POINT` for a duplicate with an entry point, `rcv:RECEIVER`. The
/// first count of a minute sets the 48 h TTL and records the source in `stats sources`. All four
/// keys share the shard's hash tag, so this stays one single-slot call.
///
/// Order matters because Lua scripts do not roll back: the entry is appended before the key is set, so
/// a failure between the two (out of memory, say) can at worst let a later copy in again — a duplicate
/// delivery — but never leaves a key without its entry, which would turn the message into a permanent
/// "duplicate" that is never delivered. Both keys carry the shard's `{hash tag}`, so the script is
/// valid on Redis Cluster.
enum AcceptScript {
    static let script = RedisScript(
        """
        local function count(outcome)
          local now = tonumber(redis.call('TIME')[1])
          local z = math.floor(now / 86400) + 719468
          local era = math.floor(z / 146097)
          local doe = z - era * 146097
          local yoe = math.floor((doe - math.floor(doe / 1460) + math.floor(doe / 36524) - math.floor(doe / 146096)) / 365)
          local doy = doe - (365 * yoe + math.floor(yoe / 4) - math.floor(yoe / 100))
          local mp = math.floor((5 * doy + 2) / 153)
          local month = mp < 10 and mp + 3 or mp - 9
          local year = yoe + era * 400 + (month <= 2 and 1 or 0)
          local sec = now % 86400
          local key = KEYS[3] .. string.format('%04d%02d%02d%02d%02d', year, month,
            doy - math.floor((153 * mp + 2) / 5) + 1, math.floor(sec / 3600), math.floor(sec % 3600 / 60))
          if redis.call('HINCRBY', key, outcome, 1) == 1 then
            redis.call('EXPIRE', key, 172800)
            redis.call('ZADD', KEYS[4], now, ARGV[4])
          end
          redis.call('HINCRBY', key, 'rcv:' .. ARGV[5], 1)
          if outcome == 'duplicate' and ARGV[6] ~= '' then redis.call('HINCRBY', key, 'dup_ep:' .. ARGV[6], 1) end
        end
        local seen = redis.call('GET', KEYS[1])
        if seen then
          count('duplicate')
          return {0, seen}
        end
        local id = '-'
        for i = #KEYS, 5, -1 do
          id = redis.call('XADD', KEYS[i], '*', unpack(ARGV, 7))
        end
        if #KEYS < 5 then redis.call('HINCRBY', KEYS[2], ARGV[4], 1) end
        seen = '{"id":"' .. id .. '","at":' .. ARGV[2] .. ',"by":' .. ARGV[3] .. '}'
        redis.call('SET', KEYS[1], seen, 'EX', ARGV[1])
        count('accepted')
        return {1, seen}
        """
    )
}
