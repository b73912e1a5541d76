import DedupCore
import Foundation
import RedisClient
import Testing

@testable import Deliverer

/// The deliverer (and `stats`, `dead-letters`) as the `wd-deliverer` Redis ACL user of
/// deploy/redis-acl.conf: delivery, retries, dead letters, replay, take-over of a crashed consumer's
/// entries and stats all work with nothing denied, and commands or keys outside the rule are refused.
@Suite(.enabled(if: TestRedis.url != nil, TestRedis.skipReason))
struct DelivererRedisACLTests {
    static let aclFile = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("deploy/redis-acl.conf")

    @Test("The deliverer runs as wd-deliverer with nothing denied, and nothing more is allowed")
    func delivererRunsWithTheMinimalRule() async throws {
        try await withTestRedis { redis in
            let (name, userConfiguration) = try await Self.makeUser(redis)

            // 20 entries, a sink failing some forever (dead letters) and the rest once (a retry), and
            // 5 entries left pending by a "crashed" consumer (take-over with XAUTOCLAIM).
            let ids = try await redis.addEntries(20)
            let stream = redis.keys.stream(shard: 0)
            try await redis.client.command("XGROUP", "CREATE", .init(stream), "deliverers", "0", "MKSTREAM")
            try await redis.client.command("XREADGROUP", "GROUP", "deliverers", "crashed", "COUNT", "5", "STREAMS", .init(stream), ">")
            let failing = Set(ids.suffix(3))
            let sink = RecordingSink { entryID, seen in
                if failing.contains(entryID) { return (500, .zero) }
                return (seen == 1 ? 503 : 200, .zero)
            }
            let user = RedisClient(configuration: userConfiguration)
            defer { user.close() }
            try await sink.run { url in
                var configuration = redis.delivererConfiguration(downstream: .http(url), maxAttempts: 3, claimIdle: .seconds(1))
                configuration.redis = userConfiguration
                configuration.rate = RateLimitRule(rate: 1000, burst: 1000)  // its script too runs as the user
                try await withRunningServices([DeliveryService(configuration: configuration, logger: testLogger("deliver"))]) {
                    let done = try await eventually { try await redis.backlog() == 0 ? try await redis.deadCount() == 3 : false }
                    #expect(done)
                    // The operator tools with the same user: stats, list and replay dead letters.
                    let stats = try await DeliveryStats.collect(
                        redis: user, keyPrefix: redis.prefix, shards: 1, group: "deliverers", destinations: ["default"])
                    #expect(stats.json().contains("\"dead_letters\":3"))
                    let store = DeadLetterStore(redis: user, keyPrefix: redis.prefix, shards: 1)
                    #expect(try await store.list(limit: 10).count == 3)
                    sink.setBehavior { _, _ in (200, .zero) }
                    #expect(try await store.replayAll().count == 3)
                    let drained = try await eventually { try await redis.backlog() == 0 ? try await redis.deadCount() == 0 : false }
                    #expect(drained)
                }
            }
            #expect(Set(sink.delivered.map(\.entryID)).isSuperset(of: Set(ids).subtracting(failing)))
            #expect(try await redis.pending() == 0)

            // Nothing denied to this user while it worked.
            let denied = try await Self.denied(name, redis)
            #expect(denied.isEmpty, "the deliverer was denied something it needs: \(denied)")

            // Outside the rule: other commands and keys outside the prefix.
            for command: [RedisArgument] in [
                ["FLUSHALL"], ["KEYS", "*"], ["CONFIG", "GET", "*"], ["GET", .init(redis.prefix + ":x")], ["SET", .init(redis.prefix + ":x"), "1"],
                ["XLEN", "other:stream"], ["EVAL", "return 1", "0"], ["XGROUP", "DESTROY", .init(stream), "deliverers"], ["SCRIPT", "FLUSH"],
            ] {
                do {
                    let reply = try await user.command(command)
                    Issue.record("\(command) was not denied: \(reply)")
                } catch {
                    #expect("\(error)".contains("NOPERM"), "\(command): \(error)")
                }
            }
            _ = try? await redis.client.command("ACL", "DELUSER", .init(name))
        }
    }

    @Test("Ordered delivery runs as wd-deliverer with nothing denied")
    func orderedDeliveryRunsWithTheMinimalRule() async throws {
        try await withTestRedis(shards: 2) { redis in
            let (name, userConfiguration) = try await Self.makeUser(redis)
            let user = RedisClient(configuration: userConfiguration)
            defer { user.close() }
            try await OrderedDeliveryTests.write(redis, conversations: 3, messages: 3)
            // chat-0's entries fail for good: dead letters, and the lease, attempts and holders keys all in use.
            let sink = RecordingSink { _, _ in (200, .zero) }
            let failing = Locked(Set<String>())
            for partition in 0..<OrderedDeliveryTests.partitions {
                let stream = redis.keys.partition(partition, destination: "bot", shards: 2)
                for reply in try await redis.client.command("XRANGE", .init(stream), "-", "+").array ?? [] {
                    if let entry = StreamEntry(shard: 0, reply: reply), entry.text("conversation") == "chat-0" {
                        failing.withLock { _ = $0.insert(entry.id) }
                    }
                }
            }
            sink.setBehavior { id, _ in (failing.withLock { $0.contains(id) } ? 500 : 200, .zero) }
            try await sink.run { url in
                try await OrderedDeliveryTests.deliver(
                    redis, as: user, to: url, deliverers: 1, destination: OrderedDeliveryTests.destination(redis, maxAttempts: 2)
                ) {
                    try await OrderedDeliveryTests.deadLetters(redis) == 3 && sink.delivered.count == 6
                }
            }
            let statuses = try await PartitionStatus.read(
                redis: user, keys: redis.keys, destination: "bot", partitions: OrderedDeliveryTests.partitions, shards: 2)
            #expect(statuses.map(\.length).reduce(0, +) == 0)
            let denied = try await Self.denied(name, redis)
            #expect(denied.isEmpty, "ordered delivery was denied something it needs: \(denied)")
            _ = try? await redis.client.command("ACL", "DELUSER", .init(name))
        }
    }

    /// A user with the rules of deploy/redis-acl.conf's `wd-deliverer` line (its key patterns moved
    /// to the test's prefix), and a configuration that connects as it.
    static func makeUser(_ redis: TestRedis) async throws -> (name: String, configuration: RedisConfiguration) {
        let name = "test-wd-deliverer-\(UInt32.random(in: 0...UInt32.max))"
        let password = UUID().uuidString
        let text = try String(contentsOf: Self.aclFile, encoding: .utf8)
        let line = try #require(text.split(separator: "\n").first { $0.hasPrefix("user wd-deliverer ") })
        // Words, a selector in parentheses counting as one (`(~wd:*:rate:* +get +set)`).
        let words = String(line).matches(of: /\([^)]*\)|\S+/).map { String($0.output) }.dropFirst(2)
        #expect(words.contains("~wd:*"))
        let rules = words.filter { $0 != "off" && $0 != "on" }.map { $0.replacingOccurrences(of: "~wd:", with: "~\(redis.prefix):") }
        let created = try await redis.client.command(
            ["ACL", "SETUSER", .init(name), "reset", "on", .init(">" + password)] + rules.map { RedisArgument($0) })
        #expect(created.errorMessage == nil, "\(created)")
        var configured = redis.configuration
        configured.username = name
        configured.password = password
        return (name, configured)
    }

    /// ACL LOG entries of user `name`: what it was denied.
    static func denied(_ name: String, _ redis: TestRedis) async throws -> [RESPValue] {
        let log = try await redis.client.command("ACL", "LOG", "128").array ?? []
        return log.filter { entry in
            let fields = entry.array ?? []
            return fields.indices.contains { $0 + 1 < fields.count && fields[$0].string == "username" && fields[$0 + 1].string == name }
        }
    }
}
