import DedupCore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Receiver
import RedisClient
import Testing

/// The receiver as the `wd-receiver` Redis ACL user of deploy/redis-acl.conf: everything it does
/// (accept, duplicate, rate limit, readiness, re-loading a flushed script) works, nothing is denied,
/// and a command or key outside the rule is refused by Redis.
@Suite("Receiver as the wd-receiver ACL user", .enabled(if: ReceiverTest.redisAvailable, ReceiverTest.skipReason))
struct ReceiverRedisACLTests {
    @Test func receiverRunsWithTheMinimalRuleAndNothingMore() async throws {
        let sources = try SourcesConfig.parse(
            #"{"sources": {"limited": {"rate_limit": {"rate": 1, "per_seconds": 60, "burst": 2}}}}"#, format: .json)
        let configuration = ReceiverTest.configuration { $0.sources = sources }
        let admin = try ReceiverTest.redis()
        defer { admin.close() }
        let user = try await RedisACL.createUser(role: "wd-receiver", keyPrefix: configuration.keyPrefix, admin: admin)
        let redis = RedisClient(configuration: user.configuration)
        defer { redis.close() }
        let evolution = try ReceiverTest.fixture("evolution-v2-messages-upsert.json")

        let app = buildReceiverApplication(configuration: configuration, redis: redis, logger: ReceiverTest.logger)
        try await app.test(.router) { client in
            var statuses: [String?] = []
            for _ in 0..<2 {
                try await client.execute(
                    uri: "/webhook/evolution", method: .post, headers: ReceiverTest.jsonHeaders, body: ByteBuffer(bytes: evolution)
                ) {
                    response in
                    #expect(response.status == .ok)
                    statuses.append(try Answer(response).status)
                }
            }
            #expect(statuses == ["accepted", "duplicate"])

            var limited: [HTTPResponse.Status] = []
            for n in 0..<3 {
                try await client.execute(
                    uri: "/webhook/limited", method: .post, headers: ReceiverTest.jsonHeaders, body: ByteBuffer(string: #"{"n":\#(n)}"#)
                ) {
                    response in limited.append(response.status)
                }
            }
            #expect(limited == [.ok, .ok, .tooManyRequests])

            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .ok)
            }

            // A flushed script cache: NOSCRIPT, then SCRIPT LOAD and EVALSHA again, as this user.
            _ = try await admin.command("SCRIPT", "FLUSH")
            try await client.execute(
                uri: "/webhook/other", method: .post, headers: ReceiverTest.jsonHeaders, body: ByteBuffer(string: #"{"after":"flush"}"#)
            ) {
                response in
                #expect(response.status == .ok)
                #expect((try? Answer(response))?.status == "accepted")
            }
        }
        #expect(try await RedisACL.denials(of: user.name, admin: admin).isEmpty, "the receiver was denied something it needs")

        // Outside the rule: other commands, and keys outside the prefix.
        for command: [RedisArgument] in [
            ["FLUSHALL"], ["KEYS", "*"], ["CONFIG", "GET", "*"], ["DEL", .init(configuration.keyPrefix + ":x")],
            ["XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">"],
            ["GET", "other:key"], ["SET", "other:key", "1"], ["EVAL", "return 1", "0"], ["SCRIPT", "FLUSH"], ["ACL", "WHOAMI"],
        ] {
            do {
                let reply = try await redis.command(command)
                Issue.record("\(command) was not denied: \(reply)")
            } catch {
                #expect("\(error)".contains("NOPERM"), "\(command): \(error)")
            }
        }

        await RedisACL.deleteUser(user.name, admin: admin)
        await ReceiverTest.deleteAll(prefix: configuration.keyPrefix, redis: admin)
    }
}

/// The ACL rules of deploy/redis-acl.conf, applied to a test user of their own.
enum RedisACL {
    struct User {
        var name: String
        var configuration: RedisConfiguration
    }

    static let file: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("deploy/redis-acl.conf")

    /// The rule of `role` in the file (everything after `user NAME off`), with the key pattern
    /// `~wd:*` turned into `~PREFIX:*` for the test's own prefix.
    static func rules(role: String, keyPrefix: String) throws -> [String] {
        let text = try String(contentsOf: file, encoding: .utf8)
        let line = try #require(text.split(separator: "\n").first { $0.hasPrefix("user \(role) ") }, "no `user \(role)` line in \(file.path)")
        let words = line.split(separator: " ").dropFirst(2).map(String.init)
        #expect(words.contains("~wd:*"), "the \(role) rule does not restrict keys to wd:*")
        return words.filter { $0 != "off" && $0 != "on" }.map { $0 == "~wd:*" ? "~\(keyPrefix):*" : $0 }
    }

    static func createUser(role: String, keyPrefix: String, admin: RedisClient) async throws -> User {
        let name = "test-\(role)-\(UUID().uuidString.prefix(8))"
        let password = UUID().uuidString
        let rules = try rules(role: role, keyPrefix: keyPrefix)
        let reply = try await admin.command(["ACL", "SETUSER", .init(name), "reset", "on", .init(">" + password)] + rules.map { RedisArgument($0) })
        #expect(reply.errorMessage == nil, "ACL SETUSER failed: \(reply)")
        var configuration = try RedisConfiguration(
            url: ReceiverTest.redisURL ?? "redis://127.0.0.1:6379/0", environment: ProcessInfo.processInfo.environment)
        configuration.username = name
        configuration.password = password
        configuration.commandTimeout = .seconds(2)
        return User(name: name, configuration: configuration)
    }

    /// Entries of `ACL LOG` for this user (the log is server-wide; other tests' users are ignored).
    static func denials(of user: String, admin: RedisClient) async throws -> [String] {
        let entries = try await admin.command("ACL", "LOG", "128").array ?? []
        var found: [String] = []
        for entry in entries {
            let fields = entry.array ?? []
            var pairs: [String: String] = [:]
            var index = 0
            while index + 1 < fields.count {
                if let name = fields[index].string { pairs[name] = fields[index + 1].string ?? "" }
                index += 2
            }
            if pairs["username"] == user { found.append("\(pairs["reason"] ?? "?") \(pairs["object"] ?? "?")") }
        }
        return found
    }

    static func deleteUser(_ name: String, admin: RedisClient) async {
        _ = try? await admin.command("ACL", "DELUSER", .init(name))
    }
}
