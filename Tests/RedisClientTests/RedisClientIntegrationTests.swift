import Foundation
import RedisClient
import Testing

@Suite("RedisClient against a real server", .enabled(if: TestRedis.available, TestRedis.skipReason))
struct RedisClientIntegrationTests {
    @Test func binarySafeRoundTrip() async throws {
        let redis = try TestRedis.client()
        defer { redis.close() }
        let key = TestRedis.uniquePrefix() + "bin"
        let value: [UInt8] = [0, 1, 2, 0xFF, 0x0D, 0x0A, 0, 0x7F]
        try await redis.command("SET", .init(key), .init(value))
        #expect(try await redis.command("GET", .init(key)) == .bulkString(value))
        #expect(try await redis.command("GET", .init(key + ":missing")) == .null)
        try await redis.command("DEL", .init(key))
    }

    @Test func everyReplyTypeFromTheServer() async throws {
        let redis = try TestRedis.client()
        defer { redis.close() }
        let reply = try await redis.command(
            "EVAL", "return {1, 'two', {3, {'four'}}, redis.status_reply('OK'), false}", 0)
        #expect(
            reply
                == .array([
                    .integer(1), .bulkString(Array("two".utf8)),
                    .array([.integer(3), .array([.bulkString(Array("four".utf8))])]),
                    .simpleString("OK"), .null,
                ]))
        let error = try await redis.send(RedisCommand("NOSUCHCOMMAND"))
        #expect(error.errorMessage?.contains("unknown command") == true)
        await #expect(throws: RedisError.self) { try await redis.command("NOSUCHCOMMAND") }
    }

    @Test func pipelineKeepsOrder() async throws {
        let redis = try TestRedis.client()
        defer { redis.close() }
        let key = TestRedis.uniquePrefix() + "counter"
        let commands = (0..<500).map { _ in RedisCommand("INCR", .init(key)) }
        let replies = try await redis.pipeline(commands)
        #expect(replies == (1...500).map { .integer(Int64($0)) })
        try await redis.command("DEL", .init(key))
    }

    @Test func thousandConcurrentTasksGetTheirOwnAnswers() async throws {
        let redis = try TestRedis.client()
        defer { redis.close() }
        let prefix = TestRedis.uniquePrefix()
        let mismatches = try await withThrowingTaskGroup(of: Int.self) { group in
            for i in 0..<1_000 {
                group.addTask {
                    let key = "\(prefix)\(i)"
                    let value = "value-\(i)-\(UUID().uuidString)"
                    try await redis.command("SET", .init(key), .init(value), "EX", 60)
                    let got = try await redis.command("GET", .init(key))
                    return got.string == value ? 0 : 1
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(mismatches == 0)
        let keys = (0..<1_000).map { RedisArgument("\(prefix)\($0)") }
        #expect(try await redis.command(["DEL"] + keys).int == 1_000)
    }

    @Test func selectChoosesTheDatabase() async throws {
        let db3 = try TestRedis.client { $0.database = 3 }
        let db0 = try TestRedis.client { $0.database = 0 }
        defer {
            db3.close()
            db0.close()
        }
        let key = TestRedis.uniquePrefix() + "db"
        try await db3.command("SET", .init(key), "three")
        #expect(try await db3.command("GET", .init(key)).string == "three")
        #expect(try await db0.command("GET", .init(key)) == .null)
        try await db3.command("DEL", .init(key))
    }

    @Test func authWithAnACLUserAndAClearErrorForAWrongPassword() async throws {
        let admin = try TestRedis.client()
        defer { admin.close() }
        let user = "u" + UUID().uuidString.prefix(8).lowercased()
        try await admin.command("ACL", "SETUSER", .init(user), "on", ">right-password", "~*", "+@all")
        defer { Task { try? await admin.command("ACL", "DELUSER", .init(user)) } }

        let good = try TestRedis.client {
            $0.username = user
            $0.password = "right-password"
        }
        defer { good.close() }
        #expect(try await good.command("ACL", "WHOAMI").string == user)

        let bad = try TestRedis.client {
            $0.username = user
            $0.password = "wrong-password"
        }
        defer { bad.close() }
        do {
            try await bad.command("PING")
            Issue.record("PING succeeded with a wrong password")
        } catch {
            guard case .server(let message) = error else {
                Issue.record("expected a server error, got \(error)")
                return
            }
            #expect(message.contains("AUTH"))
            #expect(message.contains("WRONGPASS"))
            #expect(!message.contains("wrong-password"))
        }
    }

    @Test func evalshaSurvivesScriptFlush() async throws {
        let redis = try TestRedis.client()
        defer { redis.close() }
        let script = RedisScript("return ARGV[1] .. '-' .. KEYS[1]")
        let first = try await redis.evalScript(script, keys: ["k"], arguments: ["a"])
        #expect(first.string == "a-k")
        try await redis.command("SCRIPT", "FLUSH")
        let second = try await redis.evalScript(script, keys: ["k"], arguments: ["b"])
        #expect(second.string == "b-k")
    }

    @Test func commandPastItsTimeoutFailsAndTheNextOneWorks() async throws {
        let redis = try TestRedis.client { $0.commandTimeout = .milliseconds(200) }
        defer { redis.close() }
        let key = TestRedis.uniquePrefix() + "never"
        let start = ContinuousClock.now
        do {
            try await redis.command("BLPOP", .init(key), 5)
            Issue.record("BLPOP returned before its timeout")
        } catch {
            #expect(error == .timeout(error.timeoutMessage))
        }
        #expect(ContinuousClock.now - start < .seconds(3), "failed at the server's 5 s, not at the 200 ms deadline")
        // The stuck connection was dropped; the next command connects anew (a TLS handshake under
        // load can take longer than the 200 ms default given here), so it gets a deadline of its own.
        #expect(try await redis.command("PING", timeout: .seconds(3)) == .simpleString("PONG"))
    }

    @Test func refusedConnectionFailsFast() async throws {
        let redis = RedisClient(configuration: RedisConfiguration(host: "127.0.0.1", port: 1, connectTimeout: .milliseconds(500)))
        defer { redis.close() }
        let start = ContinuousClock.now
        await #expect(throws: RedisError.self) { try await redis.command("PING") }
        #expect(await !redis.ping())
        #expect(ContinuousClock.now - start < .seconds(2))
    }

    @Test func killedConnectionFailsInFlightCommandsThenRecovers() async throws {
        let name = "victim-" + UUID().uuidString.prefix(8)
        let redis = try TestRedis.client {
            $0.clientName = name
            $0.commandTimeout = .seconds(10)
            $0.connections = 1  // one pipeline: the BLPOP holds up the PINGs queued behind it
        }
        let admin = try TestRedis.client()
        defer {
            redis.close()
            admin.close()
        }
        let key = TestRedis.uniquePrefix() + "blocked"
        #expect(try await redis.command("PING") == .simpleString("PONG"))

        // An in-flight command: BLPOP holds the connection until it is killed.
        async let blocked = outcome { () async throws(RedisError) in try await redis.command("BLPOP", .init(key), 8) }
        // Commands queued behind it while it is on the wire.
        try await Task.sleep(for: .milliseconds(200))
        async let queued: [Result<RESPValue, RedisError>] = withTaskGroup(of: Result<RESPValue, RedisError>.self) { group in
            for _ in 0..<20 {
                group.addTask { await outcome { () async throws(RedisError) in try await redis.command("PING") } }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        try await Task.sleep(for: .milliseconds(200))
        let killed = try await killClients(named: name, using: admin)
        #expect(killed == 1)

        let start = ContinuousClock.now
        switch await blocked {
        case .success(let value): Issue.record("BLPOP returned \(value) after its connection was killed")
        case .failure(let error): #expect(error.isConnectionError, "got \(error)")
        }
        // Queued commands either failed with a connection error or ran on the new connection: never a
        // wrong reply, never a hang.
        for result in await queued {
            switch result {
            case .success(let value): #expect(value == .simpleString("PONG"))
            case .failure(let error): #expect(error.isConnectionError, "got \(error)")
            }
        }
        #expect(ContinuousClock.now - start < .seconds(5))

        // Later commands succeed on the new connection.
        let results = try await withThrowingTaskGroup(of: RESPValue.self) { group in
            for i in 0..<100 { group.addTask { try await redis.command("ECHO", .init("m\(i)")) } }
            return try await group.reduce(into: Set<String>()) { $0.insert($1.string ?? "") }
        }
        #expect(results == Set((0..<100).map { "m\($0)" }))
    }

    @Test func anIdleConnectionClosedByTheServerIsReplacedBeforeTheNextCommand() async throws {
        let name = "idle-" + UUID().uuidString.prefix(8)
        let redis = try TestRedis.client {
            $0.clientName = name
            $0.connections = 1
        }
        let admin = try TestRedis.client()
        defer {
            redis.close()
            admin.close()
        }
        #expect(try await redis.command("PING") == .simpleString("PONG"))
        #expect(try await killClients(named: name, using: admin) == 1)
        try await Task.sleep(for: .milliseconds(1_000))  // the close reaches the event loop (slower on a loaded machine)
        // The event loop saw the close while idle, so no command is sent on the dead socket.
        #expect(try await redis.command("ECHO", "after") == .bulkString(Array("after".utf8)))
        #expect(try await killClients(named: name, using: admin) == 1)
    }

    @Test func killsMidTrafficNeverGiveWrongReplies() async throws {
        let name = "busy-" + UUID().uuidString.prefix(8)
        let redis = try TestRedis.client { $0.clientName = name }
        let admin = try TestRedis.client()
        defer {
            redis.close()
            admin.close()
        }
        let prefix = TestRedis.uniquePrefix()
        // The kills come in the first 1.2 s; the traffic goes on 2.8 s more, so each reconnect (a TLS
        // handshake, slow on a loaded machine) leaves time to show that traffic resumes.
        let deadline = ContinuousClock.now + .seconds(4)
        async let traffic: (ok: Int, failed: Int, wrong: Int) = withTaskGroup(of: (Int, Int, Int).self) { group in
            for worker in 0..<32 {
                group.addTask {
                    var counts = (0, 0, 0)
                    var n = 0
                    while ContinuousClock.now < deadline {
                        n += 1
                        let value = "\(worker)-\(n)"
                        switch await outcome({ () async throws(RedisError) in try await redis.command("ECHO", .init(value)) }) {
                        case .success(let reply): if reply.string == value { counts.0 += 1 } else { counts.2 += 1 }
                        case .failure(let error): if error.isConnectionError { counts.1 += 1 } else { counts.2 += 1 }
                        }
                    }
                    return counts
                }
            }
            return await group.reduce(into: (0, 0, 0)) {
                $0.0 += $1.0
                $0.1 += $1.1
                $0.2 += $1.2
            }
        }
        for _ in 0..<3 {
            try await Task.sleep(for: .milliseconds(400))
            _ = try await killClients(named: name, using: admin)
        }
        let counts = await traffic
        #expect(counts.wrong == 0)
        #expect(counts.ok > 100)
        #expect(try await redis.command("ECHO", .init(prefix)).string == prefix)
    }

    private func killClients(named name: String, using admin: RedisClient) async throws -> Int {
        let list = try await admin.command("CLIENT", "LIST").string ?? ""
        var killed = 0
        for line in list.split(separator: "\n") where line.contains(" name=\(name) ") {
            guard let idField = line.split(separator: " ").first(where: { $0.hasPrefix("id=") }) else { continue }
            killed += try await admin.command("CLIENT", "KILL", "ID", .init(String(idField.dropFirst(3)))).int ?? 0
        }
        return killed
    }
}

/// Runs one command and keeps its typed error as a value.
func outcome(_ body: () async throws(RedisError) -> RESPValue) async -> Result<RESPValue, RedisError> {
    do { return .success(try await body()) } catch { return .failure(error) }
}

extension RedisError {
    var isConnectionError: Bool {
        if case .connection = self { return true }
        return false
    }

    var timeoutMessage: String {
        if case .timeout(let message) = self { return message }
        return ""
    }
}
