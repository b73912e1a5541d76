import DedupCore
import Foundation
import RedisClient
import Testing

@testable import Deliverer

/// The deliverer against a real Redis and a real local HTTP sink (docs/delivery.md).
@Suite(.enabled(if: TestRedis.url != nil, TestRedis.skipReason))
struct DeliveryServiceTests {
    @Test("1,000 entries on two shards are each delivered exactly once and the streams end empty")
    func deliversEachEntryOnce() async throws {
        try await withTestRedis(shards: 2) { redis in
            // Written before any deliverer ran: the group starts at 0, so these count too.
            let before = try await redis.addEntries(500, shard: 0) + redis.addEntries(500, shard: 1)
            let sink = RecordingSink()
            try await sink.run { url in
                let service = DeliveryService(configuration: redis.delivererConfiguration(downstream: .http(url)), logger: testLogger("deliver"))
                try await withRunningServices([service]) {
                    // And entries arriving while it runs.
                    let during = try await redis.addEntries(50, shard: 0, keyPrefix: "late") + redis.addEntries(50, shard: 1, keyPrefix: "late")
                    #expect(before.count + during.count == 1_100)
                    let done = try await eventually { try await redis.backlog() == 0 && sink.delivered.count >= 1_100 }
                    #expect(done)
                    try await Task.sleep(for: .milliseconds(300))  // room for a stray second delivery to show
                }
            }
            let delivered = sink.delivered
            #expect(delivered.count == 1_100)
            #expect(Set(delivered.map(\.entryID)).count == 1_100)
            #expect(delivered.allSatisfy { $0.attemptHeader == 1 })
            #expect(try await redis.backlog() == 0)
            #expect(try await redis.pending() == 0)
            #expect(try await redis.deadCount() == 0)

            let first = try #require(delivered.first)
            let key = try #require(first.headers["idempotency-key"])
            #expect(key.hasPrefix("k-") || key.hasPrefix("late-"))
            #expect(first.headers["x-dedup-key"] == key)
            #expect(first.headers["x-dedup-source"] == "test")
            #expect(first.headers["content-type"] == "application/json")
            #expect(first.headers["user-agent"] == "evolution-test")
            #expect(first.headers["x-request-id"] == "r-1")
            #expect(first.headers["content-length"] == String(first.body.count))  // the real length, not the forwarded one
            #expect(String(decoding: first.body, as: UTF8.self) == "{\"event\":\"test\",\"key\":\"\(key)\"}")
        }
    }

    @Test("A sink failing the first two attempts gets each entry on attempt 3, numbered in the header")
    func retriesUntilDelivered() async throws {
        try await withTestRedis { redis in
            let ids = try await redis.addEntries(20)
            let sink = RecordingSink { _, seen in (seen <= 2 ? 500 : 200, .zero) }
            try await sink.run { url in
                let service = DeliveryService(configuration: redis.delivererConfiguration(downstream: .http(url)), logger: testLogger("deliver"))
                try await withRunningServices([service]) {
                    let done = try await eventually { try await redis.backlog() == 0 && sink.delivered.count >= 20 }
                    #expect(done)
                }
            }
            let byEntry = Dictionary(grouping: sink.requests, by: \.entryID)
            #expect(Set(byEntry.keys) == Set(ids))
            for (_, requests) in byEntry {
                #expect(requests.map(\.attemptHeader) == [1, 2, 3])
                #expect(requests.map(\.status) == [500, 500, 200])
            }
            #expect(try await redis.pending() == 0)
            #expect(try await redis.deadCount() == 0)
        }
    }

    @Test("A sink that always fails sends entries to dead letters after max attempts; replay delivers them")
    func deadLettersThenReplay() async throws {
        try await withTestRedis { redis in
            let ids = try await redis.addEntries(10)
            let sink = RecordingSink { _, _ in (500, .zero) }
            let store = DeadLetterStore(redis: redis.client, keyPrefix: redis.prefix, shards: 1)
            try await sink.run { url in
                let configuration = redis.delivererConfiguration(downstream: .http(url), maxAttempts: 3)
                try await withRunningServices([DeliveryService(configuration: configuration, logger: testLogger("deliver"))]) {
                    let deadLettered = try await eventually { try await redis.backlog() == 0 ? try await redis.deadCount() == 10 : false }
                    #expect(deadLettered)

                    let letters = try await store.list(limit: 100)
                    #expect(letters.count == 10)
                    #expect(Set(letters.map(\.originalID)) == Set(ids))
                    for letter in letters {
                        #expect(letter.attempts == 3)
                        #expect(letter.error == "HTTP 500: nope")
                        #expect(letter.failedAt > 1_700_000_000_000)
                        #expect(
                            letter.entry.fields.map(\.name) == [
                                "key", "source", "path", "received_at", "receiver", "content_type", "headers", "body",
                                "original_id", "error", "attempts", "failed_at", "status",
                            ])
                        #expect(letter.entry.text("status") == "500")
                    }
                    #expect(Dictionary(grouping: sink.requests, by: \.entryID).values.allSatisfy { $0.map(\.attemptHeader) == [1, 2, 3] })

                    sink.setBehavior { _, _ in (200, .zero) }
                    let replayed = try await store.replayAll()
                    #expect(replayed.count == 10)
                    let done = try await eventually { try await redis.backlog() == 0 && sink.delivered.count == 10 }
                    #expect(done)
                }
            }
            #expect(try await store.count() == 0)
            #expect(try await redis.pending() == 0)
            let delivered = sink.delivered
            #expect(delivered.allSatisfy { $0.attemptHeader == 1 })  // a replay starts counting again
            #expect(Set(delivered.map(\.entryID)).isDisjoint(with: ids))  // as new entries
            #expect(Set(delivered.compactMap { $0.headers["idempotency-key"] }).count == 10)
        }
    }

    @Test("Entries a crashed deliverer left pending are taken over after the claim idle time")
    func takesOverAfterCrash() async throws {
        try await withTestRedis { redis in
            let ids = try await redis.addEntries(30)
            // A deliverer that read everything and died without acknowledging.
            let stream = redis.keys.stream(shard: 0)
            try await redis.client.command("XGROUP", "CREATE", .init(stream), "deliverers", "0", "MKSTREAM")
            let crashedAt = ContinuousClock.now  // before the read, so the read is at least this old
            try await redis.client.command("XREADGROUP", "GROUP", "deliverers", "crashed", "COUNT", "100", "STREAMS", .init(stream), ">")
            let claimIdle = Duration.seconds(1)

            let sink = RecordingSink()
            try await sink.run { url in
                let configuration = redis.delivererConfiguration(downstream: .http(url), claimIdle: claimIdle)
                try await withRunningServices([DeliveryService(configuration: configuration, logger: testLogger("deliver"))]) {
                    let done = try await eventually { try await redis.backlog() == 0 && sink.delivered.count >= 30 }
                    #expect(done)
                }
            }
            let delivered = sink.delivered
            #expect(Set(delivered.map(\.entryID)) == Set(ids))
            #expect(delivered.count == 30)
            #expect(delivered.allSatisfy { $0.attemptHeader == 2 })  // the crashed one's read counted as attempt 1
            #expect(delivered.allSatisfy { $0.at - crashedAt >= claimIdle })
            #expect(try await redis.pending() == 0)
        }
    }

    @Test("A restarted deliverer with the same name finishes its own pending entries at once")
    func finishesOwnPendingAfterRestart() async throws {
        try await withTestRedis { redis in
            let ids = try await redis.addEntries(10)
            let stream = redis.keys.stream(shard: 0)
            try await redis.client.command("XGROUP", "CREATE", .init(stream), "deliverers", "0", "MKSTREAM")
            try await redis.client.command("XREADGROUP", "GROUP", "deliverers", "pod-0", "COUNT", "100", "STREAMS", .init(stream), ">")

            let sink = RecordingSink()
            try await sink.run { url in
                // The claim time is long: only reading its own pending list can deliver these quickly.
                let configuration = redis.delivererConfiguration(downstream: .http(url), consumer: "pod-0", claimIdle: .seconds(60))
                try await withRunningServices([DeliveryService(configuration: configuration, logger: testLogger("deliver"))]) {
                    let done = try await eventually(timeout: .seconds(30)) { sink.delivered.count >= 10 }
                    #expect(done)
                }
            }
            #expect(Set(sink.delivered.map(\.entryID)) == Set(ids))
            #expect(sink.delivered.allSatisfy { $0.attemptHeader == 2 })
            #expect(try await redis.backlog() == 0)
        }
    }

    @Test("Graceful shutdown finishes the attempt in flight and hands the rest back for another deliverer")
    func shutdownHandsEntriesBack() async throws {
        try await withTestRedis { redis in
            let ids = try await redis.addEntries(20)
            let sink = RecordingSink { _, _ in (200, .milliseconds(150)) }
            try await sink.run { url in
                var first = redis.delivererConfiguration(downstream: .http(url), consumer: "first", claimIdle: .seconds(60))
                first.concurrency = 1
                try await withRunningServices([DeliveryService(configuration: first, logger: testLogger("deliver"))]) {
                    let done = try await eventually { sink.requests.count >= 2 }
                    #expect(done)
                }
                // Stopped mid-way: the one in flight was finished and acknowledged, the rest handed back.
                let deliveredByFirst = sink.delivered.count
                #expect(deliveredByFirst >= 2 && deliveredByFirst < 20)
                #expect(try await redis.backlog() == 20 - deliveredByFirst)

                sink.setBehavior { _, _ in (200, .zero) }
                let second = redis.delivererConfiguration(downstream: .http(url), consumer: "second", claimIdle: .seconds(60))
                let started = ContinuousClock.now
                try await withRunningServices([DeliveryService(configuration: second, logger: testLogger("deliver"))]) {
                    let done = try await eventually(timeout: .seconds(30)) { try await redis.backlog() == 0 && sink.delivered.count >= 20 }
                    #expect(done)
                }
                #expect(ContinuousClock.now - started < .seconds(40))  // not after the 60 s claim time
            }
            let delivered = sink.delivered
            #expect(delivered.count == 20)
            #expect(Set(delivered.map(\.entryID)) == Set(ids))
            #expect(delivered.allSatisfy { $0.attemptHeader == 1 })  // handed back unattempted, counted as such
        }
    }

    @Test("A refused connection is a failed attempt")
    func connectionRefusedFails() async throws {
        try await withTestRedis { redis in
            try await redis.addEntries(3)
            let url = URL(string: "http://127.0.0.1:\(try closedPort())/hook")!
            let configuration = redis.delivererConfiguration(downstream: .http(url), maxAttempts: 2)
            try await withRunningServices([DeliveryService(configuration: configuration, logger: testLogger("deliver"))]) {
                let done = try await eventually { try await redis.deadCount() == 3 }
                #expect(done)
            }
            let letters = try await DeadLetterStore(redis: redis.client, keyPrefix: redis.prefix, shards: 1).list(limit: 10)
            #expect(letters.count == 3)
            for letter in letters {
                #expect(letter.attempts == 2)
                #expect(letter.error.lowercased().contains("refused"), "\(letter.error)")
            }
        }
    }

    @Test("A downstream slower than the delivery timeout is a failed attempt")
    func timeoutFails() async throws {
        try await withTestRedis { redis in
            try await redis.addEntries(3)
            let sink = RecordingSink { _, _ in (200, .seconds(1)) }
            try await sink.run { url in
                let configuration = redis.delivererConfiguration(downstream: .http(url), maxAttempts: 2, deliveryTimeout: .milliseconds(150))
                try await withRunningServices([DeliveryService(configuration: configuration, logger: testLogger("deliver"))]) {
                    let done = try await eventually { try await redis.deadCount() == 3 }
                    #expect(done)
                }
            }
            let letters = try await DeadLetterStore(redis: redis.client, keyPrefix: redis.prefix, shards: 1).list(limit: 10)
            #expect(letters.count == 3)
            for letter in letters {
                #expect(letter.attempts == 2)
                #expect(letter.error == "timed out after 150 ms")
            }
        }
    }

    @Test("One read over several shards stays within the read-ahead: each shard is asked for its share")
    func readAheadHoldsAcrossShards() async throws {
        try await withTestRedis(shards: 4) { redis in
            for shard in 0..<4 {
                try await redis.addEntries(50, shard: shard)
                // The group exists before the deliverer starts, so counting pending entries never races its creation.
                try await redis.client.command("XGROUP", "CREATE", .init(redis.keys.stream(shard: shard)), "deliverers", "0")
            }
            // Slow answers keep the acknowledgements (batched, one round trip each) well ahead of the attempts.
            let sink = RecordingSink { _, _ in (200, .milliseconds(100)) }
            let configuration = try await sink.run { url in
                let configuration = redis.delivererConfiguration(downstream: .http(url))
                let mostPending = try await withRunningServices([DeliveryService(configuration: configuration, logger: testLogger("deliver"))]) {
                    var most = 0
                    let done = try await eventually {
                        most = max(most, try await redis.pending())
                        return try await redis.backlog() == 0
                    }
                    #expect(done)
                    return most
                }
                // Read and not finished ≤ the read-ahead; pending adds the attempts answered 2xx and
                // not yet acknowledged: one per slot, and on a busy machine another per slot that
                // finishes while an acknowledgement batch is on its way. One COUNT for all four
                // streams would have read all 200 at once.
                #expect(mostPending > 0)
                #expect(mostPending <= configuration.readAhead + 2 * configuration.concurrency)
                return configuration
            }
            #expect(configuration.readAhead == 64)
            #expect(Set(sink.delivered.map(\.entryID)).count == 200)
        }
    }
}

/// A loopback port nothing listens on: bound, read, closed.
func closedPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
    }
    guard bound else { throw POSIXError(.EADDRNOTAVAIL) }
    return Int(UInt16(bigEndian: address.sin_port))
}
