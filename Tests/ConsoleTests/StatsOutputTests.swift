import Console
import DedupCore
import Foundation
import RedisClient
import Testing

/// What `webhook-dedup stats` prints, against real Redis data.
@Suite(.enabled(if: ConsoleTest.redisAvailable, ConsoleTest.skipReason))
struct StatsOutputTests {
    @Test("One object: the delivery figures at the top level and last_hour beside them, minutes without messages left out; no node off a cluster")
    func deliveryAndLastHourInOneObject() async throws {
        let prefix = ConsoleTest.newPrefix()
        let redis = try ConsoleTest.redis()
        defer { redis.close() }
        let now = try await RedisClock.nowMs(redis) / 1000
        let minute = RedisClock.minuteLabel(unixSeconds: now)
        try await redis.command("HSET", .init("\(prefix):{0}:stats:evolution:\(minute)"), "accepted", "3", "duplicate", "1")
        try await redis.command("ZADD", .init("\(prefix):{0}:stats:sources"), .init(String(now)), "evolution")
        try await redis.command("XADD", .init("\(prefix):{0}:stream"), "*", "key", "k0", "source", "evolution", "body", "{}")

        let output = try await StatsOutput.read(redis: redis, keyPrefix: prefix, shards: 1, group: "deliverers", destinations: ["default"])
        let line = output.json()
        #expect(!line.contains("\n"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(Set(object.keys) == ["destinations", "unrouted", "totals", "last_hour"])
        #expect((object["totals"] as? [String: Any])?["length"] as? Int == 1)
        let shard = try #require(((object["destinations"] as? [[String: Any]])?.first?["shards"] as? [[String: Any]])?.first)
        #expect(shard["node"] == nil, "a single server names no node")
        let lastHour = try #require(object["last_hour"] as? [String: Any])
        #expect((lastHour["totals"] as? [String: Any])?["accepted"] as? Int == 3)
        let source = try #require((lastHour["sources"] as? [[String: Any]])?.first)
        #expect(source["source"] as? String == "evolution")
        #expect((source["minutes"] as? [[String: Any]])?.map { $0["minute"] as? String } == [minute])
        await ConsoleTest.deleteAll(prefix: prefix, redis: redis)
    }
}
