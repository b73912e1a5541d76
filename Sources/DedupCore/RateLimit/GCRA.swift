/// GCRA (generic cell rate algorithm) as one Lua script, shared by the receivers' per-source limit
/// and the deliverers' per-destination delivery rate: the state of a limit — one "theoretical
/// arrival time" — lives in Redis, so every process sharing the key shares the limit, and the clock
/// is Redis' own (`TIME`), so processes with skewed clocks agree.
///
/// `KEYS = [limit key]`, `ARGV = [emission interval µs, burst tolerance µs]`. Returns `{1, 0}` when
/// the event is allowed (and counted), `{0, wait µs}` when it is over the limit; a refused event
/// changes nothing.
public enum GCRA {
    public static let script = """
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

    /// The script's arguments for a token bucket of `burst` tokens refilled at rate/per: one event
    /// is due every `interval` µs, and a full bucket lets `burst` pass at once. So over any stretch
    /// of time `t`, at most `burst + t / interval` events pass.
    public static func arguments(for rule: RateLimitRule) -> (interval: Int, tolerance: Int) {
        let interval = max(1, Int(1_000_000.0 / rule.tokensPerSecond))
        return (interval, interval * max(1, rule.burst))
    }
}
