import Console
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import RedisClient
import Testing

/// The console as the `wd-console` user of deploy/redis-acl.conf: every page, API call and button
/// works, and Redis denies it nothing (its ACL LOG stays empty for that user).
@Suite(.enabled(if: ConsoleTest.redisAvailable, ConsoleTest.skipReason))
struct ConsoleRedisACLTests {
    @Test func theConsoleRunsWithItsOwnMinimalRule() async throws {
        let prefix = ConsoleTest.newPrefix()
        let admin = try ConsoleTest.redis()
        defer { admin.close() }
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("deploy/redis-acl.conf")
        let line = try #require(try String(contentsOf: file, encoding: .utf8).split(separator: "\n").first { $0.hasPrefix("user wd-console ") })
        let rules = line.split(separator: " ").dropFirst(2).filter { $0 != "off" }.map { $0 == "~wd:*" ? "~\(prefix):*" : String($0) }
        let name = "test-wd-console-\(prefix)"
        let password = UUID().uuidString
        let created = try await admin.command(
            ["ACL", "SETUSER", .init(name), "reset", "on", .init(">" + password)] + rules.map { RedisArgument($0) })
        #expect(created.errorMessage == nil, "\(created)")
        var configuration = try RedisConfiguration(url: ConsoleTest.redisURL ?? "", environment: ProcessInfo.processInfo.environment)
        configuration.username = name
        configuration.password = password
        let redis = RedisClient(configuration: configuration)
        defer { redis.close() }

        // Something to show: counters, a waiting message, a dead letter, a consumer group.
        _ = try await admin.command(
            "HSET", .init("\(prefix):{0}:stats:evolution:\(RedisClock.minuteLabel(unixSeconds: Int64(Date().timeIntervalSince1970)))"), "accepted",
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
        let log = try await admin.command("ACL", "LOG", "128").array ?? []
        let denials = log.filter { entry in entry.array?.contains(.bulkString(Array(name.utf8))) == true }
        #expect(denials.isEmpty, "wd-console was denied: \(denials)")
        _ = try? await admin.command("ACL", "DELUSER", .init(name))
        await ConsoleTest.deleteAll(prefix: prefix, redis: admin)
    }
}
