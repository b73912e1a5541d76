import DedupCore
import RedisClient

/// A destination's delivery rate (`rate: {per_second, burst}`), shared by every deliverer: the
/// receivers' ``GCRA`` script on one key per destination, so a backlog flushed by several
/// deliverers at once still reaches a small bot at most `burst + per_second × t` in any `t`.
///
/// Each attempt takes its permit just before its request goes out; an attempt refused waits the
/// time the script names and asks again (holding its concurrency slot: the slots are the
/// destination's, and the rate is what limits it).
struct DeliveryRate: Sendable {
    static let script = RedisScript(GCRA.script)

    let redis: RedisClient
    let key: String
    let interval: Int
    let tolerance: Int

    init(redis: RedisClient, keys: RedisKeys, shards: Int, destination: String, rule: RateLimitRule) {
        self.redis = redis
        self.key = keys.deliveryRate(shard: ShardRouter.shard(source: destination, key: "", shards: shards), destination: destination)
        (interval, tolerance) = GCRA.arguments(for: rule)
        redis.register(Self.script)
    }

    /// Returns once a permit was granted. Throws when Redis fails (the attempt is then retried like
    /// any other failure) or the task is cancelled.
    func acquire() async throws {
        while true {
            let reply = try await redis.evalScript(
                Self.script, keys: [RedisArgument(key)], arguments: [RedisArgument(interval), RedisArgument(tolerance)]
            ).throwingServerError()
            guard let parts = reply.array, parts.count == 2, let allowed = parts[0].int, let wait = parts[1].int else {
                throw RedisError.protocol("delivery rate script returned \(reply)")
            }
            if allowed == 1 { return }
            try await Task.sleep(for: .microseconds(max(wait, 1000)))
        }
    }
}
