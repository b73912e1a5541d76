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

    /// Reads only, as does ``readDelivery(redis:configuration:nowMs:)``.
    public static func read(redis: RedisClient, configuration: ConsoleConfiguration, minutes: Int) async throws(RedisError) -> Overview {
        let now = try await RedisClock.nowMs(redis, timeout: configuration.redisTimeout)
        let counters = try await MinuteCounters.read(
            redis: redis, keyPrefix: configuration.keyPrefix, shards: configuration.shards, minutes: minutes, nowMs: now,
            timeout: configuration.redisTimeout)
        let (delivery, backlog) = try await readDelivery(redis: redis, configuration: configuration, nowMs: now)
        return Overview(generatedAt: now, windowMinutes: minutes, counters: counters, delivery: delivery, backlog: backlog)
    }

    /// The delivery half of the overview, all that the `/metrics` gauges show: reads only, so a
    /// scrape never writes to Redis.
    static func readDelivery(
        redis: RedisClient, configuration: ConsoleConfiguration, nowMs: Int64
    ) async throws(RedisError) -> (DeliveryStats, [BacklogAge]) {
        let delivery = try await DeliveryStats.collect(
            redis: redis, keyPrefix: configuration.keyPrefix, shards: configuration.shards, group: configuration.group,
            destinations: configuration.destinations, ordered: configuration.orderedPartitions)
        let backlog = try await BacklogAge.read(
            redis: redis, keyPrefix: configuration.keyPrefix, shards: configuration.shards, destinations: configuration.destinations,
            nowMs: nowMs, timeout: configuration.redisTimeout)
        return (delivery, backlog)
    }
}
