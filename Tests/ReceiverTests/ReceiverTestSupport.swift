import DedupCore
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Receiver
import RedisClient
import Testing

/// The server, fixtures and application the receiver's tests share.
enum ReceiverTest {
    static let redisURL = ProcessInfo.processInfo.environment["REDIS_URL"]
    static let redisAvailable = redisURL != nil
    static let skipReason: Comment = "REDIS_URL not set: run scripts/test, which starts a redis-server"

    /// A configuration with a key prefix of its own, so tests never meet in Redis.
    static func configuration(_ edit: (inout ReceiverConfiguration) -> Void = { _ in }) -> ReceiverConfiguration {
        var configuration = ReceiverConfiguration()
        configuration.host = "127.0.0.1"
        configuration.port = 0
        configuration.keyPrefix = "t" + UUID().uuidString.prefix(8).lowercased()
        configuration.receiverName = "test-receiver"
        configuration.dedupTTL = 600
        edit(&configuration)
        return configuration
    }

    /// `connectTimeout` is generous: the first command of a test waits for the connection, and with
    /// TLS (scripts/test's TLS stage) dozens of suites handshake at once on a debug build.
    static func redis(url: String? = redisURL, timeout: Duration = .seconds(2), connectTimeout: Duration = .seconds(5)) throws -> RedisClient {
        var configuration = try RedisConfiguration(url: url ?? "redis://127.0.0.1:6379/0", environment: ProcessInfo.processInfo.environment)
        configuration.commandTimeout = timeout
        configuration.connectTimeout = connectTimeout
        return RedisClient(configuration: configuration)
    }

    static var logger: Logger {
        var logger = Logger(label: "receiver-test")
        logger.logLevel = .warning
        return logger
    }

    /// All keys under `prefix`, as `redis-cli --scan` would list them.
    static func keys(prefix: String, redis: RedisClient) async throws -> [String] {
        var cursor = "0"
        var keys: [String] = []
        repeat {
            let reply = try await redis.command("SCAN", .init(cursor), "MATCH", .init(prefix + ":*"), "COUNT", 1000)
            guard let parts = reply.array, parts.count == 2 else { break }
            cursor = parts[0].string ?? "0"
            keys += parts[1].array?.compactMap(\.string) ?? []
        } while cursor != "0"
        return keys
    }

    static func deleteAll(prefix: String, redis: RedisClient) async {
        if let keys = try? await keys(prefix: prefix, redis: redis), !keys.isEmpty {
            _ = try? await redis.command(["DEL"] + keys.map { RedisArgument($0) })
        }
    }

    static func fixture(_ name: String) throws -> Data {
        try Data(contentsOf: fixturesDirectory.appendingPathComponent(name))
    }

    /// The checkout the tests were built from, found from this file's path, so no setting is needed.
    static let repositoryDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // ReceiverTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()

    /// The repository's `examples/` folder (beside `Tests/`).
    static let fixturesDirectory = repositoryDirectory.appendingPathComponent("examples", isDirectory: true)

    static let jsonHeaders: HTTPFields = [.contentType: "application/json"]
}

/// A decoded POST answer.
struct Answer: Decodable {
    struct Item: Decodable {
        var key: String
        var status: String
        var id: String
    }
    var status: String?
    var key: String?
    var id: String?
    var items: [Item]?
    var error: String?
    var message: String?

    init(_ response: TestResponse) throws {
        self = try JSONDecoder().decode(Answer.self, from: Data(buffer: response.body))
    }
}

extension Data {
    init(buffer: ByteBuffer) {
        self.init(buffer.readableBytesView)
    }
}

/// A receiver under test: its configuration (a key prefix of its own) and a client of the test Redis.
struct ReceiverUnderTest: Sendable {
    let configuration: ReceiverConfiguration
    let redis: RedisClient

    /// Every key the receiver wrote.
    func keys() async throws -> [String] {
        try await ReceiverTest.keys(prefix: configuration.keyPrefix, redis: redis)
    }
}

extension ReceiverTest {
    /// Builds the receiver app on a fresh key prefix against the test Redis, runs `test` against it
    /// (`.router` or `.live`), then `check` on what Redis holds. The prefix's keys are deleted
    /// afterwards, also when either throws. Pass a ``LogCapture``'s logger to read what was logged.
    static func withReceiver(
        _ setup: TestingSetup,
        configure: (inout ReceiverConfiguration) -> Void = { _ in },
        logger: Logger = ReceiverTest.logger,
        _ test: @Sendable (any TestClientProtocol) async throws -> Void,
        check: (ReceiverUnderTest) async throws -> Void = { _ in }
    ) async throws {
        let receiver = ReceiverUnderTest(configuration: configuration(configure), redis: try redis())
        defer { receiver.redis.close() }
        let app = buildReceiverApplication(configuration: receiver.configuration, redis: receiver.redis, logger: logger)
        do {
            try await app.test(setup, test)
            try await check(receiver)
        } catch {
            await deleteAll(prefix: receiver.configuration.keyPrefix, redis: receiver.redis)
            throw error
        }
        await deleteAll(prefix: receiver.configuration.keyPrefix, redis: receiver.redis)
    }
}
