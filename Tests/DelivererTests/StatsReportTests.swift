import DedupCore
import Foundation
import RedisClient
import Testing

@testable import Deliverer

@Suite(.enabled(if: TestRedis.url != nil, TestRedis.skipReason))
struct StatsReportTests {
    @Test("stats reports length, pending, lag, consumers and dead letters per shard, plus totals")
    func reportShape() async throws {
        try await withTestRedis(shards: 2) { redis in
            try await redis.addEntries(5, shard: 0)
            try await redis.addEntries(3, shard: 1)
            let stream0 = redis.keys.stream(shard: 0)
            try await redis.client.command("XGROUP", "CREATE", .init(stream0), "deliverers", "0", "MKSTREAM")
            try await redis.client.command("XREADGROUP", "GROUP", "deliverers", "c1", "COUNT", "2", "STREAMS", .init(stream0), ">")
            try await redis.client.command(
                [.init("XADD"), .init(redis.keys.dead(shard: 1)), "*"] + TestRedis.fields(key: "d", source: "s", body: []))

            let report = try await StatsReport.collect(redis: redis.client, keyPrefix: redis.prefix, shards: 2, group: "deliverers")
            #expect(report.group == "deliverers")
            #expect(report.shards.count == 2)
            let zero = report.shards[0]
            #expect(zero.stream == "\(redis.prefix):{0}:stream")
            #expect(zero.length == 5 && zero.pending == 2 && zero.lag == 3 && zero.deadLetters == 0 && zero.groupExists)
            #expect(zero.consumers.map(\.name) == ["c1"] && zero.consumers.first?.pending == 2)
            #expect((zero.consumers.first?.idleMs ?? -1) >= 0)
            let one = report.shards[1]
            #expect(!one.groupExists && one.length == 3 && one.pending == 0 && one.lag == 3 && one.deadLetters == 1)
            #expect(report.totals == .init(length: 8, pending: 2, lag: 6, deadLetters: 1, consumers: 1))

            let object = try #require(try JSONSerialization.jsonObject(with: Data(report.json().utf8)) as? [String: Any])
            #expect(Set(object.keys) == ["destination", "group", "shards", "totals"])
            #expect(object["destination"] as? String == "default")
            let shard = try #require((object["shards"] as? [[String: Any]])?.first)
            #expect(
                Set(shard.keys) == [
                    "shard", "stream", "length", "group_exists", "pending", "lag", "last_delivered_id", "consumers", "dead_letters",
                ])
            let consumer = try #require((shard["consumers"] as? [[String: Any]])?.first)
            #expect(Set(consumer.keys) == ["name", "pending", "idle_ms"])
            #expect(Set((object["totals"] as? [String: Any])?.keys ?? [:].keys) == ["length", "pending", "lag", "dead_letters", "consumers"])
            let second = try #require((object["shards"] as? [[String: Any]])?.last)
            #expect(Set(second.keys) == Set(shard.keys))  // same shape before the group exists
            #expect(second["last_delivered_id"] is NSNull)
        }
    }

    @Test("stats over destinations: one report each, messages that matched no route by source, totals over all")
    func perDestination() async throws {
        try await withTestRedis(shards: 2) { redis in
            try await redis.addEntries(4, shard: 0, destination: "bot")
            try await redis.addEntries(2, shard: 1, destination: "n8n")
            try await redis.client.command("HINCRBY", .init(redis.keys.unrouted(shard: 0)), "shop", "3")
            try await redis.client.command("HINCRBY", .init(redis.keys.unrouted(shard: 1)), "shop", "2")
            let stats = try await DeliveryStats.collect(
                redis: redis.client, keyPrefix: redis.prefix, shards: 2, group: "deliverers", destinations: ["bot", "n8n"])
            #expect(stats.destinations.map(\.destination) == ["bot", "n8n"])
            #expect(stats.destinations[0].shards[0].stream == "\(redis.prefix):{0}:stream:bot")
            #expect(stats.destinations.map(\.totals.length) == [4, 2])
            #expect(stats.unrouted == ["shop": 5])
            #expect(stats.totals.length == 6 && stats.totals.lag == 6)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(stats.json().utf8)) as? [String: Any])
            #expect(Set(object.keys) == ["destinations", "unrouted", "totals"])
        }
    }
}
