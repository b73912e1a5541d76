import DedupCore
public import Deliverer
public import RedisClient

/// What `webhook-dedup stats` prints: the delivery figures (``DeliveryStats``) and, beside them as
/// `last_hour`, the per-minute counters of the last 60 minutes with the minutes without messages
/// left out. One object, encoded once.
public struct StatsOutput: Sendable, Encodable {
    public var delivery: DeliveryStats
    public var lastHour: MinuteCounters

    enum CodingKeys: String, CodingKey {
        case lastHour = "last_hour"
    }

    /// The delivery figures' members at the top level, `last_hour` among them.
    public func encode(to encoder: any Encoder) throws {
        try delivery.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(lastHour, forKey: .lastHour)
    }

    /// Reads only: `stats` may run as a user without write rights.
    public static func read(
        redis: RedisClient, keyPrefix: String, shards: Int, group: String, destinations: [String], ordered: [String: Int] = [:]
    ) async throws(RedisError) -> StatsOutput {
        let delivery = try await DeliveryStats.collect(
            redis: redis, keyPrefix: keyPrefix, shards: shards, group: group, destinations: destinations, ordered: ordered)
        let now = try await RedisClock.nowMs(redis)
        var lastHour = try await MinuteCounters.read(redis: redis, keyPrefix: keyPrefix, shards: shards, minutes: 60, nowMs: now)
        for index in lastHour.sources.indices {
            lastHour.sources[index].minutes.removeAll { $0.accepted == 0 && $0.duplicate == 0 }
        }
        return StatsOutput(delivery: delivery, lastHour: lastHour)
    }

    /// One line of JSON, keys sorted.
    public func json() -> String { SortedJSON.text(self) ?? "{}" }
}
