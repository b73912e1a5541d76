import Console
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import RedisClient
import Testing

/// The console's `/metrics` only reads Redis, however often Prometheus scrapes; the index of counted
/// sources is trimmed by the console's own timer instead.
@Suite(.enabled(if: ConsoleTest.redisAvailable, ConsoleTest.skipReason))
struct ConsoleMetricsTests {
    /// The gauges deploy/prometheus and deploy/grafana read from the console.
    static let families = [
        "webhook_dedup_stream_length", "webhook_dedup_stream_pending", "webhook_dedup_dead_letters",
        "webhook_dedup_oldest_undelivered_age_seconds", "webhook_dedup_consumer_idle_seconds", "webhook_dedup_consumer_pending",
    ]

    /// Shard 0's index of counted sources with `gone`, last counted 49 hours ago, and `evolution`,
    /// counted now (Redis's clock, as the accept script scores them).
    static func addSources(prefix: String, redis: RedisClient) async throws -> String {
        let index = "\(prefix):{0}:stats:sources"
        let now = try await RedisClock.nowMs(redis) / 1000
        try await redis.command("ZADD", .init(index), .init(String(now - 49 * 3600)), "gone", .init(String(now)), "evolution")
        return index
    }

    static func members(_ index: String, redis: RedisClient) async throws -> [String] {
        try await redis.command("ZRANGE", .init(index), "0", "-1").array?.compactMap(\.string) ?? []
    }

    @Test("A scrape answers as a user that may not write, with every gauge, and leaves the index of counted sources as it was")
    func aScrapeWritesNothing() async throws {
        let prefix = ConsoleTest.newPrefix()
        let admin = try ConsoleTest.redis()
        defer { admin.close() }
        let index = try await Self.addSources(prefix: prefix, redis: admin)
        try await admin.command("XADD", .init("\(prefix):{0}:stream"), "*", "key", "k0", "source", "evolution", "body", "{}")
        try await admin.command("XGROUP", "CREATE", .init("\(prefix):{0}:stream"), "deliverers", "0")
        try await admin.command("XREADGROUP", "GROUP", "deliverers", "deliverer-1", "COUNT", "1", "STREAMS", .init("\(prefix):{0}:stream"), ">")
        try await ConsoleTest.addDeadLetter(prefix: prefix, redis: admin)
        try await ConsoleTest.asConsoleUser(prefix: prefix, admin: admin, without: ["+zremrangebyscore", "+xadd", "+xdel"]) { redis in
            let app = buildConsoleApplication(configuration: ConsoleTest.configuration(prefix: prefix), redis: redis, logger: ConsoleTest.logger)
            try await app.test(.router) { client in
                let metrics = try await client.execute(uri: "/metrics", method: .get) { response in
                    #expect(response.status == .ok)
                    return response.text
                }
                for family in Self.families { #expect(metrics.contains("# TYPE \(family) gauge\n"), "\(family)") }
                #expect(metrics.contains(#"webhook_dedup_stream_length{destination="default",shard="0"} 1"#), "\(metrics)")
                #expect(metrics.contains(#"webhook_dedup_stream_pending{destination="default",shard="0"} 1"#), "\(metrics)")
                #expect(metrics.contains(#"webhook_dedup_dead_letters{destination="default",shard="0"} 1"#), "\(metrics)")
                #expect(metrics.contains(#"webhook_dedup_consumer_pending{destination="default",shard="0",consumer="deliverer-1"} 1"#))
                // The page's overview reads only as well.
                #expect(try await client.execute(uri: "/api/overview", method: .get, headers: ConsoleTest.bearer) { $0.status } == .ok)
            }
        }
        #expect(try await Self.members(index, redis: admin) == ["gone", "evolution"])
        await ConsoleTest.deleteAll(prefix: prefix, redis: admin)
    }

    @Test("The console's timer drops sources not counted for 48 hours as it starts, and stops when cancelled")
    func theTimerTrimsTheIndex() async throws {
        let prefix = ConsoleTest.newPrefix()
        let redis = try ConsoleTest.redis()
        defer { redis.close() }
        let index = try await Self.addSources(prefix: prefix, redis: redis)
        let timer = Task { try await CountedSourcesTrim(redis: redis, keyPrefix: prefix, shards: 1, logger: ConsoleTest.logger).run() }
        var members = try await Self.members(index, redis: redis)
        let deadline = ContinuousClock.now + .seconds(10)
        while members != ["evolution"] && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
            members = try await Self.members(index, redis: redis)
        }
        timer.cancel()
        try await timer.value
        #expect(members == ["evolution"])
        await ConsoleTest.deleteAll(prefix: prefix, redis: redis)
    }
}
