public import Deliverer
public import RedisClient

/// `GET /api/overview`: everything the console's page shows except the dead letters' contents.
public struct Overview: Sendable, Encodable {
    /// Redis's clock when the overview was read, unix ms.
    public var generatedAt: Int64
    public var windowMinutes: Int
    public var counters: MinuteCounters
    /// What `webhook-dedup stats` prints: per destination and shard backlog, pending, lag,
    /// consumers, dead letters; messages that matched no route.
    public var delivery: DeliveryStats
    public var backlog: [BacklogAge]

    enum CodingKeys: String, CodingKey {
        case counters, delivery, backlog
        case generatedAt = "generated_at"
        case windowMinutes = "window_minutes"
    }

    public static func read(redis: RedisClient, configuration: ConsoleConfiguration, minutes: Int) async throws(RedisError) -> Overview {
        let timeout = configuration.redisTimeout
        let now = try await RedisClock.nowMs(redis, timeout: timeout)
        let counters = try await MinuteCounters.read(
            redis: redis, keyPrefix: configuration.keyPrefix, shards: configuration.shards, minutes: minutes, nowMs: now, forgetOldSources: true,
            timeout: timeout)
        let delivery = try await DeliveryStats.collect(
            redis: redis, keyPrefix: configuration.keyPrefix, shards: configuration.shards, group: configuration.group,
            destinations: configuration.destinations, ordered: configuration.orderedPartitions)
        let backlog = try await BacklogAge.read(
            redis: redis, keyPrefix: configuration.keyPrefix, shards: configuration.shards, destinations: configuration.destinations,
            nowMs: now, timeout: timeout)
        return Overview(generatedAt: now, windowMinutes: minutes, counters: counters, delivery: delivery, backlog: backlog)
    }
}
