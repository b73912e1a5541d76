import DedupCore
import RedisClient

/// Per-source rate limits from the sources file, enforced with ``RateLimitScript``.
struct RateLimiter: Sendable {
    enum Decision: Equatable {
        case allowed
        /// Over the limit: retry after this many whole seconds (at least 1).
        case limited(retryAfter: Int)
    }

    let redis: RedisClient
    let keys: RedisKeys
    let shards: Int
    let timeout: Duration

    init(redis: RedisClient, keyPrefix: String, shards: Int, timeout: Duration) {
        self.redis = redis
        self.keys = RedisKeys(prefix: keyPrefix)
        self.shards = shards
        self.timeout = timeout
        redis.register(RateLimitScript.script)
    }

    func check(source: String, rule: RateLimitRule) async throws(RedisError) -> Decision {
        let (interval, tolerance) = GCRA.arguments(for: rule)
        let shard = ShardRouter.shard(source: source, key: "", shards: shards)
        let reply = try await redis.evalScript(
            RateLimitScript.script, keys: [RedisArgument(keys.ratelimit(shard: shard, source: source))],
            arguments: [RedisArgument(interval), RedisArgument(tolerance)], timeout: timeout)
        if let message = reply.errorMessage { throw .server(message) }
        guard let parts = reply.array, parts.count == 2, let allowed = parts[0].int, let wait = parts[1].int else {
            throw .protocol("rate limit script returned \(reply)")
        }
        if allowed == 1 { return .allowed }
        return .limited(retryAfter: max(1, (wait + 999_999) / 1_000_000))
    }
}
