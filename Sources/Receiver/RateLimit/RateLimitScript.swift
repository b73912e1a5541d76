import RedisClient

/// GCRA (generic cell rate algorithm) in one script: the limit of a source is shared by every
/// receiver because its state — one "theoretical arrival time" per source — lives in Redis, and the
/// clock is Redis' own (`TIME`), so receivers with skewed clocks agree.
///
/// `KEYS = [ratelimit key]`, `ARGV = [emission interval µs, burst tolerance µs]`. Returns `{1, 0}` when
/// the request is allowed, `{0, wait µs}` when it is over the limit. A limited request changes nothing.
enum RateLimitScript {
    static let script = RedisScript(
        """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
        local interval = tonumber(ARGV[1])
        local tolerance = tonumber(ARGV[2])
        local tat = tonumber(redis.call('GET', KEYS[1])) or now
        if tat < now then tat = now end
        local allow_at = tat + interval - tolerance
        if allow_at > now then return {0, allow_at - now} end
        local new_tat = tat + interval
        redis.call('SET', KEYS[1], string.format('%d', new_tat), 'PX', math.ceil((new_tat - now) / 1000) + 1)
        return {1, 0}
        """
    )
}
