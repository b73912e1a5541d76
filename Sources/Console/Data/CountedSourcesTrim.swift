import DedupCore
public import Logging
public import RedisClient
public import ServiceLifecycle

/// Keeps each shard's index of counted sources (`PREFIX:{s}:stats:sources`) to the sources counted
/// in the last 48 hours, the counters' own lifetime. The receivers add to it on every accept; the
/// console trims it on a timer of its own, so that reading the counters (the page, `stats`, a
/// `/metrics` scrape) never writes.
public struct CountedSourcesTrim: Service {
    /// How long a source stays in the index after its last counted minute: its counters' TTL.
    static let retentionSeconds: Int64 = 48 * 3600
    /// Sources older than the retention only cost a little memory meanwhile.
    static let interval: Duration = .seconds(600)

    let redis: RedisClient
    let keyPrefix: String
    let shards: Int
    let logger: Logger

    public init(redis: RedisClient, keyPrefix: String, shards: Int, logger: Logger) {
        self.redis = redis
        self.keyPrefix = keyPrefix
        self.shards = shards
        self.logger = logger
    }

    /// Trims at start and then every ``interval`` until shutdown; a failed round is logged and
    /// tried again at the next.
    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await trim()
            } catch {
                logger.warning("console: trimming the index of counted sources failed", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: Self.interval) }
        }
    }

    /// One `ZREMRANGEBYSCORE` per shard, against Redis's clock (the accept script scores with it).
    public func trim() async throws(RedisError) {
        let keys = RedisKeys(prefix: keyPrefix)
        let now = try await RedisClock.nowMs(redis) / 1000
        for shard in 0..<shards {
            try await redis.command("ZREMRANGEBYSCORE", .init(keys.statsSources(shard: shard)), "-inf", .init("(\(now - Self.retentionSeconds)"))
        }
    }
}
