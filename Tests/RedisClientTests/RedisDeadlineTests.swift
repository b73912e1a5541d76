import Foundation
import RedisClient
import Testing

/// Per-command deadlines, cancellation, unmatched replies and fairness, against the real server. One
/// connection each, so every command of a test shares one pipeline; `BLPOP` holds the pipeline up on
/// the server without slowing down the other tests that share it.
@Suite(.enabled(if: TestRedis.available, TestRedis.skipReason))
struct RedisDeadlineTests {
    @Test func exactlyTheCallersWhoseDeadlinePassedFail() async throws {
        let redis = try TestRedis.client { $0.connections = 1 }
        defer { redis.close() }
        let key = TestRedis.uniquePrefix() + "empty"
        #expect(try await redis.command("PING") == .simpleString("PONG"))
        let start = ContinuousClock.now

        // The server answers nothing on this connection for 2 s; then BLPOP's nil, then the ECHOs. The
        // bounds below only tell "at its own deadline" from "when the server answered", with room for
        // a loaded test machine.
        async let blocked = outcome { () async throws(RedisError) in try await redis.command("BLPOP", .init(key), "2", timeout: .seconds(8)) }
        try await Task.sleep(for: .milliseconds(50))
        async let short = timed { () async throws(RedisError) in try await redis.command("ECHO", "short", timeout: .milliseconds(100)) }
        async let long = timed { () async throws(RedisError) in try await redis.command("ECHO", "long", timeout: .seconds(5)) }

        let (shortResult, shortTime) = await short
        #expect(shortResult.failure?.isTimeout == true, "got \(shortResult)")
        #expect(shortTime < .milliseconds(1500), "the short deadline failed after \(shortTime), not before the server answered")
        #expect(try await blocked.get() == .null)
        let (longResult, _) = await long
        #expect(try longResult.get() == .bulkString(Array("long".utf8)))
        #expect(ContinuousClock.now - start >= .milliseconds(1900))
        // The short caller's late reply was dropped: the next reply is the next caller's.
        #expect(try await redis.command("ECHO", "next") == .bulkString(Array("next".utf8)))
    }

    @Test func aCancelledCallerResumesAtOnceAndItsLateReplyIsDropped() async throws {
        let redis = try TestRedis.client { $0.connections = 1 }
        defer { redis.close() }
        let key = TestRedis.uniquePrefix() + "list"
        #expect(try await redis.command("PING") == .simpleString("PONG"))

        let waiter = Task { await timed { () async throws(RedisError) in try await redis.command("BLPOP", .init(key), "3", timeout: .seconds(8)) } }
        try await Task.sleep(for: .milliseconds(100))
        let cancelledAt = ContinuousClock.now
        waiter.cancel()
        let (result, _) = await waiter.value
        #expect(result.failure == .cancelled, "got \(result)")
        // At once, not when the server's 3 s block ends.
        #expect(ContinuousClock.now - cancelledAt < .milliseconds(2000))

        // The BLPOP is still on the server; its nil comes back and is dropped, the ECHO behind it
        // gets its own answer.
        #expect(try await redis.command("ECHO", "after", timeout: .seconds(6)) == .bulkString(Array("after".utf8)))
    }

    @Test func aReplyThatMatchesNoCallerDropsTheConnection() async throws {
        let name = "unmatched-" + UUID().uuidString.prefix(8)
        let channel = TestRedis.uniquePrefix() + "channel"
        let redis = try TestRedis.client {
            $0.connections = 1
            $0.clientName = name
        }
        let admin = try TestRedis.client()
        defer {
            redis.close()
            admin.close()
        }
        // After SUBSCRIBE (RESP2) the server pushes messages nobody asked for.
        let subscribed = try await redis.command("SUBSCRIBE", .init(channel))
        #expect(subscribed.array?.first?.string == "subscribe")
        #expect(try await admin.command("PUBLISH", .init(channel), "surprise").int == 1)

        // The pushed message matched no caller, so that connection is gone (waited for, not assumed
        // after a fixed time: a loaded machine may take a while); the next command runs on a new one
        // and gets its own reply.
        func mine() async throws -> [Substring] {
            let clients = try await admin.command("CLIENT", "LIST").string ?? ""
            return clients.split(separator: "\n").filter { $0.contains(" name=\(name) ") }
        }
        let gaveUpAt = ContinuousClock.now + .seconds(10)
        while try await !mine().isEmpty, ContinuousClock.now < gaveUpAt { try await Task.sleep(for: .milliseconds(50)) }
        #expect(try await mine().isEmpty, "the connection that got the push is still open")
        #expect(try await redis.command("ECHO", "fresh") == .bulkString(Array("fresh".utf8)))
        let mine = try await mine()
        #expect(mine.count == 1)
        #expect(mine.first?.contains("sub=0") == true)
    }

    @Test func readsAreNeverStarvedByCallersThatKeepEnqueueing() async throws {
        let redis = try TestRedis.client { $0.connections = 1 }
        defer { redis.close() }
        let deadline = ContinuousClock.now + .seconds(3)
        async let load: Int = withTaskGroup(of: Int.self) { group in
            for worker in 0..<256 {
                group.addTask {
                    var done = 0
                    while ContinuousClock.now < deadline {
                        if (try? await redis.command("ECHO", .init("w\(worker)"))) != nil { done += 1 }
                    }
                    return done
                }
            }
            return await group.reduce(0, +)
        }
        // While 256 tasks keep the queue full, each probe is answered while they still run: a starved
        // probe would wait until the load stops. Probing stops 1.5 s before the load does, which is
        // several times the slowest probe seen on a loaded 2-core machine, so no bound on a single
        // probe's time is needed.
        var slowest = Duration.zero
        var probes = 0
        while ContinuousClock.now < deadline - .milliseconds(1500) {
            let (result, time) = await timed { () async throws(RedisError) in try await redis.command("PING", timeout: .seconds(5)) }
            #expect(try result.get() == .simpleString("PONG"))
            #expect(ContinuousClock.now < deadline, "a probe waited for the load to stop (it took \(time))")
            slowest = max(slowest, time)
            probes += 1
            try await Task.sleep(for: .milliseconds(50))
        }
        let completed = await load
        #expect(completed > 1_000)
        #expect(probes >= 2, "slowest probe \(slowest)")
    }
}

/// Runs `body` and returns its outcome with how long it took.
func timed(_ body: () async throws(RedisError) -> RESPValue) async -> (Result<RESPValue, RedisError>, Duration) {
    let start = ContinuousClock.now
    let result = await outcome(body)
    return (result, ContinuousClock.now - start)
}

extension Result {
    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}

extension RedisError {
    var isTimeout: Bool {
        if case .timeout = self { return true }
        return false
    }
}
