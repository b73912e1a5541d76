import DedupCore
import Foundation
import Logging
import RedisClient
import Testing

@testable import Deliverer

/// The Redis server named by `REDIS_URL` (scripts/test starts one), seen through a key prefix of one
/// test's own, so tests run in parallel without meeting and leave nothing behind.
struct TestRedis: Sendable {
    static let url = ProcessInfo.processInfo.environment["REDIS_URL"]
    static let skipReason: Comment = "REDIS_URL not set: start redis-server (scripts/test does)"

    let configuration: RedisConfiguration
    let client: RedisClient
    let prefix: String
    let shards: Int
    var keys: RedisKeys { RedisKeys(prefix: prefix) }

    init(shards: Int = 1) throws {
        configuration = try RedisConfiguration(url: Self.url ?? "redis://127.0.0.1:6379/0", environment: ProcessInfo.processInfo.environment)
        client = RedisClient(configuration: configuration, logger: testLogger("redis"))
        prefix = "wdtest\(UInt32.random(in: 0...UInt32.max))"
        self.shards = shards
    }

    /// Deletes every key of this test, then closes the client.
    func cleanUp() async {
        var cursor = "0"
        repeat {
            guard let reply = try? await client.command("SCAN", .init(cursor), "MATCH", .init(prefix + ":*"), "COUNT", "1000").array,
                reply.count == 2
            else { break }
            cursor = reply[0].string ?? "0"
            let keys = (reply[1].array ?? []).compactMap(\.string)
            if !keys.isEmpty { _ = try? await client.command(["DEL"] + keys.map { RedisArgument($0) }) }
        } while cursor != "0"
        client.close()
    }

    /// Writes `count` entries to a shard's stream as the receiver's accept script does. Keys are
    /// `KEYPREFIX-N`; bodies are JSON naming the key. Returns the entry ids.
    @discardableResult
    func addEntries(
        _ count: Int, shard: Int = 0, keyPrefix: String = "k", source: String = "test", destination: String = "default"
    ) async throws -> [String] {
        var commands: [RedisCommand] = []
        for (index, id) in TestStreamIDs.next(count).enumerated() {
            let key = "\(keyPrefix)-\(shard)-\(index)"
            commands.append(
                RedisCommand(
                    [.init("XADD"), .init(keys.stream(shard: shard, destination: destination)), .init(id)]
                        + Self.fields(key: key, source: source, body: Array("{\"event\":\"test\",\"key\":\"\(key)\"}".utf8))))
        }
        var ids: [String] = []
        var start = 0
        while start < commands.count {
            let replies = try await client.pipeline(Array(commands[start..<min(start + 500, commands.count)]))
            ids += try replies.map { try $0.throwingServerError().string ?? "" }
            start += 500
        }
        return ids
    }

    /// The fields of one entry, in the receiver's order.
    static func fields(
        key: String, source: String, body: [UInt8], contentType: String = "application/json",
        headers: String = #"{"user-agent":"evolution-test","x-request-id":"r-1","connection":"keep-alive","content-length":"999"}"#
    ) -> [RedisArgument] {
        [
            "key", .init(key), "source", .init(source), "path", "/messages-upsert", "received_at", "1732890000123",
            "receiver", "test-receiver", "content_type", .init(contentType), "headers", .init(headers), "body", .init(body),
        ]
    }

    func length(_ key: String) async throws -> Int {
        try await client.command("XLEN", .init(key)).int ?? 0
    }

    /// Entries left in all streams of a destination.
    func backlog(destination: String = "default") async throws -> Int {
        var total = 0
        for shard in 0..<shards { total += try await length(keys.stream(shard: shard, destination: destination)) }
        return total
    }

    func deadCount(destination: String = "default") async throws -> Int {
        var total = 0
        for shard in 0..<shards { total += try await length(keys.dead(shard: shard, destination: destination)) }
        return total
    }

    /// Pending entries of the group on all shards of a destination.
    func pending(group: String = "deliverers", destination: String = "default") async throws -> Int {
        var total = 0
        for shard in 0..<shards {
            let stream = keys.stream(shard: shard, destination: destination)
            total += try await client.command("XPENDING", .init(stream), .init(group)).array?.first?.int ?? 0
        }
        return total
    }

    /// A deliverer configuration with times small enough for tests.
    func delivererConfiguration(
        downstream: DownstreamTarget, consumer: String = "test-\(UInt16.random(in: 0...UInt16.max))", maxAttempts: Int = 5,
        deliveryTimeout: Duration = .seconds(2), claimIdle: Duration = .seconds(2)
    ) -> DelivererConfiguration {
        DelivererConfiguration(
            redis: configuration, downstream: downstream, keyPrefix: prefix, shards: shards, consumer: consumer, concurrency: 16,
            maxAttempts: maxAttempts, retryBase: .milliseconds(20), retryMax: .milliseconds(80), deliveryTimeout: deliveryTimeout,
            claimIdle: claimIdle, readBlock: .milliseconds(100))
    }
}

/// Quiet unless `TEST_LOG_LEVEL` asks for more.
func testLogger(_ label: String) -> Logger {
    var logger = Logger(label: "test.\(label)")
    logger.logLevel = ProcessInfo.processInfo.environment["TEST_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .critical
    return logger
}

/// Polls `condition` every 20 ms until it holds or `timeout` passes; returns whether it held.
func eventually(timeout: Duration = .seconds(20), _ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return try await condition()
}

/// Runs `body` with a fresh prefix and deletes the prefix's keys afterwards, also when it throws.
func withTestRedis<T>(shards: Int = 1, _ body: (TestRedis) async throws -> T) async throws -> T {
    let redis = try TestRedis(shards: shards)
    do {
        let result = try await body(redis)
        await redis.cleanUp()
        return result
    } catch {
        await redis.cleanUp()
        throw error
    }
}

/// Stream ids for the entries tests write, unique over every stream of the test process. `XADD *`
/// numbers each stream on its own, so two streams written in the same millisecond get the same ids,
/// and the sinks tell entries apart by id alone. These carry the wall clock's millisecond (so ages
/// read from ids stay true) and a sequence number that only grows, from one million up, so each is
/// unique and greater than any id `*` gave its stream before.
enum TestStreamIDs {
    private static let last = Locked<(ms: Int64, sequence: Int64)>((0, 1_000_000))

    static func next(_ count: Int) -> [String] {
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        return last.withLock { last in
            last.ms = max(last.ms, now)
            return (0..<count).map { _ in
                last.sequence += 1
                return "\(last.ms)-\(last.sequence)"
            }
        }
    }
}
