import Console
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import RedisClient
import Testing

/// The console as the `wd-console` user of deploy/redis-acl.conf: every page, API call and button
/// works, and so does the trim of the counted sources' index; Redis denies it nothing (its ACL LOG
/// stays empty for that user).
@Suite(.enabled(if: ConsoleTest.redisAvailable, ConsoleTest.skipReason))
struct ConsoleRedisACLTests {
    @Test func theConsoleRunsWithItsOwnMinimalRule() async throws {
        let prefix = ConsoleTest.newPrefix()
        let admin = try ConsoleTest.redis()
        defer { admin.close() }
        try await ConsoleTest.asConsoleUser(prefix: prefix, admin: admin) { redis in
            // Something to show: counters, a waiting message, a dead letter, a consumer group.
            _ = try await admin.command(
                "HSET", .init("\(prefix):{0}:stats:evolution:\(RedisClock.minuteLabel(unixSeconds: Int64(Date().timeIntervalSince1970)))"),
                "accepted",
                "1")
            _ = try await admin.command("ZADD", .init("\(prefix):{0}:stats:sources"), .init(Int(Date().timeIntervalSince1970)), "evolution")
            _ = try await admin.command("XGROUP", "CREATE", .init("\(prefix):{0}:stream"), "deliverers", "0", "MKSTREAM")
            let ref = try await ConsoleTest.addDeadLetter(prefix: prefix, redis: admin)
            let app = buildConsoleApplication(configuration: ConsoleTest.configuration(prefix: prefix), redis: redis, logger: ConsoleTest.logger)
            try await app.test(.router) { client in
                for uri in ["/", "/metrics", "/api/overview", "/api/counters", "/api/dead-letters", "/api/messages/evolution/k1"] {
                    let status = try await client.execute(uri: uri, method: .get, headers: ConsoleTest.bearer) { $0.status }
                    #expect(status == .ok, "\(uri)")
                }
                let replayed = try await ConsoleTest.press("replay", [ref], client: client)
                #expect(replayed["done"] as? [String] == [ref])
                let second = try await ConsoleTest.addDeadLetter(prefix: prefix, redis: admin, key: "k2")
                let deleted = try await ConsoleTest.press("delete", [second], client: client)
                #expect(deleted["done"] as? [String] == [second])
            }
            try await CountedSourcesTrim(redis: redis, keyPrefix: prefix, shards: 1, logger: ConsoleTest.logger).trim()
        }
        await ConsoleTest.deleteAll(prefix: prefix, redis: admin)
    }
}
