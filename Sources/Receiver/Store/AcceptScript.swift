import RedisClient

/// The one Redis call that records a message: remember its key and append it to the stream, or report
/// the entry that already holds it.
///
/// `KEYS = [seen key, stream key]`, `ARGV = [ttl, at (unix ms), by (JSON string), field, value, ...]`.
/// Returns `{1, seen}` for a new message and `{0, seen}` for a duplicate, `seen` being the stored JSON
/// `{"id":..,"at":..,"by":..}`.
///
/// Order matters because Lua scripts do not roll back: the entry is appended before the key is set, so
/// a failure between the two (out of memory, say) can at worst let a later copy in again — a duplicate
/// delivery — but never leaves a key without its entry, which would turn the message into a permanent
/// "duplicate" that is never delivered. Both keys carry the shard's `{hash tag}`, so the script is
/// valid on Redis Cluster.
enum AcceptScript {
    static let script = RedisScript(
        """
        local seen = redis.call('GET', KEYS[1])
        if seen then return {0, seen} end
        local id = redis.call('XADD', KEYS[2], '*', unpack(ARGV, 4))
        seen = '{"id":"' .. id .. '","at":' .. ARGV[2] .. ',"by":' .. ARGV[3] .. '}'
        redis.call('SET', KEYS[1], seen, 'EX', ARGV[1])
        return {1, seen}
        """
    )
}
