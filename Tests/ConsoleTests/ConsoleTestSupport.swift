import Console
import DedupCore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import RedisClient
import Testing

/// What the console's tests share: the test Redis (scripts/test starts one and sets REDIS_URL), a
/// key prefix per test, and the console built as `webhook-dedup console` builds it.
enum ConsoleTest {
    static let redisURL = ProcessInfo.processInfo.environment["REDIS_URL"]
    static let redisAvailable = redisURL != nil
    static let skipReason: Comment = "REDIS_URL not set: run scripts/test, which starts a redis-server"
    static let token = "console-test-token-0123456789"

    static func redis() throws -> RedisClient {
        var configuration = try RedisConfiguration(url: redisURL ?? "redis://127.0.0.1:6379/0", environment: ProcessInfo.processInfo.environment)
        configuration.commandTimeout = .seconds(5)
        configuration.connectTimeout = .seconds(5)
        return RedisClient(configuration: configuration)
    }

    static var logger: Logger {
        var logger = Logger(label: "console-test")
        logger.logLevel = .warning
        return logger
    }

    static func configuration(prefix: String, token: String? = ConsoleTest.token, destinations: [String] = ["default"]) -> ConsoleConfiguration {
        var configuration = ConsoleConfiguration()
        configuration.destinations = destinations
        configuration.port = 0
        configuration.keyPrefix = prefix
        configuration.token = token
        configuration.windowMinutes = 10
        return configuration
    }

    static func newPrefix() -> String { "c" + UUID().uuidString.prefix(8).lowercased() }

    /// Deletes every key under `prefix` (tests only: the product never scans).
    static func deleteAll(prefix: String, redis: RedisClient) async {
        var cursor = "0"
        repeat {
            guard let reply = try? await redis.command("SCAN", .init(cursor), "MATCH", .init(prefix + ":*"), "COUNT", 1000),
                let parts = reply.array, parts.count == 2
            else { return }
            cursor = parts[0].string ?? "0"
            for key in parts[1].array?.compactMap(\.string) ?? [] { _ = try? await redis.command("DEL", .init(key)) }
        } while cursor != "0"
    }

    /// Runs `test` against a console on a fresh prefix; the prefix's keys are deleted afterwards.
    static func withConsole(
        token: String? = ConsoleTest.token,
        destinations: [String] = ["default"],
        configure: (inout ConsoleConfiguration) -> Void = { _ in },
        _ test: @Sendable (any TestClientProtocol, String, RedisClient) async throws -> Void
    ) async throws {
        let prefix = newPrefix()
        let redis = try redis()
        defer { redis.close() }
        var configuration = configuration(prefix: prefix, token: token, destinations: destinations)
        configure(&configuration)
        let app = buildConsoleApplication(configuration: configuration, redis: redis, logger: logger)
        do {
            try await app.test(.router) { client in try await test(client, prefix, redis) }
        } catch {
            await deleteAll(prefix: prefix, redis: redis)
            throw error
        }
        await deleteAll(prefix: prefix, redis: redis)
    }

    /// A dead letter as the deliverer writes one, with a secret in its headers and in its body.
    @discardableResult
    static func addDeadLetter(prefix: String, redis: RedisClient, key: String = "k1", destination: String = "default") async throws -> String {
        let dead = destination == "default" ? "\(prefix):{0}:dead" : "\(prefix):{0}:dead:\(destination)"
        let reply = try await redis.command(
            "XADD", .init(dead), "*", "key", .init(key), "source", "evolution", "path", "/webhook/evolution",
            "received_at", "1764550000000", "receiver", "receiver-1", "content_type", "application/json",
            "headers", #"{"content-type":"application/json","apikey":"HEADER-SECRET-1","x-hub-signature-256":"sha256=SIG-SECRET-2"}"#,
            "body", #"{"event":"messages.upsert","apikey":"BODY-SECRET-3","data":{"key":{"id":"ABC"}}}"#,
            "original_id", "1764550000000-0", "error", "HTTP 500 from downstream", "attempts", "10", "failed_at", "1764550100000")
        return (destination == "default" ? "" : destination + ":") + "0:" + (reply.string ?? "")
    }

    static let bearer: HTTPFields = [.authorization: "Bearer \(token)"]

    /// Runs `body` with a client logged in as a Redis user of its own that holds the `wd-console`
    /// rules of deploy/redis-acl.conf on `prefix`'s keys, less the rules in `without`; then expects
    /// that Redis denied that user nothing (its ACL LOG) and deletes it.
    static func asConsoleUser(
        prefix: String, admin: RedisClient, without: Set<String> = [], _ body: (RedisClient) async throws -> Void
    ) async throws {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("deploy/redis-acl.conf")
        let line = try #require(try String(contentsOf: file, encoding: .utf8).split(separator: "\n").first { $0.hasPrefix("user wd-console ") })
        let rules = line.split(separator: " ").dropFirst(2).filter { $0 != "off" && !without.contains(String($0)) }
            .map { $0 == "~wd:*" ? "~\(prefix):*" : String($0) }
        let name = "test-wd-console-\(prefix)"
        let password = UUID().uuidString
        let created = try await admin.command(
            ["ACL", "SETUSER", .init(name), "reset", "on", .init(">" + password)] + rules.map { RedisArgument($0) })
        #expect(created.errorMessage == nil, "\(created)")
        var configuration = try RedisConfiguration(url: redisURL ?? "", environment: ProcessInfo.processInfo.environment)
        configuration.username = name
        configuration.password = password
        let redis = RedisClient(configuration: configuration)
        defer { redis.close() }
        try await body(redis)
        let log = try await admin.command("ACL", "LOG", "128").array ?? []
        let denials = log.filter { entry in entry.array?.contains(.bulkString(Array(name.utf8))) == true }
        #expect(denials.isEmpty, "\(name) was denied: \(denials)")
        _ = try? await admin.command("ACL", "DELUSER", .init(name))
    }

    /// Presses a dead-letter button as the page does: with the token and the CSRF token the console
    /// hands out at `/api/session`. Returns the JSON answer.
    static func press(_ action: String, _ refs: [String], client: any TestClientProtocol) async throws -> [String: Any] {
        let session = try await client.execute(uri: "/api/session", method: .get, headers: bearer) { $0.json }
        var headers = bearer
        headers[.contentType] = "application/json"
        headers[ConsoleAuth.csrfHeader] = try #require(session["csrf_token"] as? String)
        let body = try JSONSerialization.data(withJSONObject: ["ids": refs])
        return try await client.execute(
            uri: "/api/dead-letters/\(action)", method: .post, headers: headers, body: ByteBuffer(bytes: body)
        ) { response in
            #expect(response.status == .ok, "\(action) \(refs)")
            return response.json
        }
    }
}

extension Data {
    init(buffer: ByteBuffer) { self.init(buffer.readableBytesView) }
}

extension TestResponse {
    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any]) ?? [:]
    }
    var text: String { String(buffer: body) }
}
