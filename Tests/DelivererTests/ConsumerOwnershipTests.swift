import DedupCore
import RedisClient
import Testing

@testable import Deliverer

/// The ownership rule of ``DeliveryScripts`` against a real Redis: consumer A read the entries, B
/// took one over past the claim time (A was stalled), and A's touch, retry claim, dead letter and
/// release leave B's entry alone and report it as not owned, while still working on A's own.
@Suite(.enabled(if: TestRedis.url != nil, TestRedis.skipReason))
struct ConsumerOwnershipTests {
    /// One pending entry as `XPENDING key group id id 1` reports it.
    private struct Pending: Equatable {
        var consumer: String
        var idleMs: Int
        var deliveries: Int
    }

    private func pending(_ redis: TestRedis, _ id: String) async throws -> Pending? {
        let reply = try await redis.client.command("XPENDING", .init(redis.keys.stream(shard: 0)), "deliverers", .init(id), .init(id), "1")
        guard let fields = reply.array?.first?.array, fields.count == 4, let consumer = fields[1].string, let idle = fields[2].int,
            let deliveries = fields[3].int
        else { return nil }
        return Pending(consumer: consumer, idleMs: idle, deliveries: deliveries)
    }

    private func group(_ redis: TestRedis, consumer: String) -> ConsumerGroup {
        let configuration = redis.delivererConfiguration(downstream: .standardOutput, consumer: consumer)
        return ConsumerGroup(redis: redis.client, readers: [redis.client], configuration: configuration)
    }

    @Test("A stalled consumer's touch, retry claim, dead letter and release never act on an entry a peer took over")
    func stalledConsumerLeavesPeerEntriesAlone() async throws {
        try await withTestRedis { redis in
            let ids = try await redis.addEntries(4)
            let a = group(redis, consumer: "a")
            let b = group(redis, consumer: "b")
            try await a.create()
            #expect(try await a.readNew(perShard: 10, block: .milliseconds(10)).map(\.entry.id) == ids)

            // A stalls; B's take-over finds the oldest entry idle past its (short) claim time.
            try await Task.sleep(for: .milliseconds(60))
            let takeOver = try await b.takeOver(shard: 0, cursor: "0-0", count: 1, minIdle: .milliseconds(50))
            let taken = ids[0]
            #expect(takeOver.entries.map(\.entry.id) == [taken])
            #expect(takeOver.entries.first?.attempt == 2)
            let afterTakeOver = try #require(try await pending(redis, taken))
            #expect(afterTakeOver.consumer == "b" && afterTakeOver.deliveries == 2)
            try await Task.sleep(for: .milliseconds(1_000))  // B's entry now has an idle time A's steps must not reset

            // A wakes. Touch: only its own entries; B's keeps its owner, counter and idle time.
            #expect(try await a.touchOwned(shard: 0, ids: [taken, ids[1]]) == [ids[1]])
            var bEntry = try #require(try await pending(redis, taken))
            #expect(bEntry.consumer == "b" && bEntry.deliveries == 2 && bEntry.idleMs >= 1_000)
            #expect(try await pending(redis, ids[1])?.idleMs ?? 10_000 < 900)  // A's own: touched (a busy machine's margin)

            // Retry claim: nothing for B's entry; A's own is claimed and counted.
            #expect(try await a.claimOwned(shard: 0, ids: [taken]).isEmpty)
            let retried = try await a.claimOwned(shard: 0, ids: [ids[1], taken])
            #expect(retried.map(\.entry.id) == [ids[1]] && retried.first?.attempt == 2)
            bEntry = try #require(try await pending(redis, taken))
            #expect(bEntry.consumer == "b" && bEntry.deliveries == 2)

            // Dead letter: not owned, nothing written, B's entry still pending at B; A's own moves.
            #expect(try await a.deadLetter(EntryRef(shard: 0, id: taken), attempts: 2, error: "HTTP 500") == .notOwned)
            #expect(try await redis.deadCount() == 0)
            #expect(try await pending(redis, taken)?.consumer == "b")
            #expect(try await a.deadLetter(EntryRef(shard: 0, id: ids[2]), attempts: 1, error: "HTTP 500") == .moved)
            #expect(try await redis.deadCount() == 1)
            #expect(try await pending(redis, ids[2]) == nil)

            // Release at shutdown: B's entry is not handed back (its idle time is not raised to the
            // claim time, so nobody takes it from B); A's own is, with the attempts really made.
            let released = try await a.releaseOwned(
                [(EntryRef(shard: 0, id: taken), 0), (EntryRef(shard: 0, id: ids[3]), 0)], idle: .seconds(30))
            #expect(released == 1)
            bEntry = try #require(try await pending(redis, taken))
            #expect(bEntry.consumer == "b" && bEntry.deliveries == 2 && bEntry.idleMs < 30_000)
            let handedBack = try #require(try await pending(redis, ids[3]))
            #expect(handedBack.consumer == "a" && handedBack.deliveries == 0 && handedBack.idleMs >= 30_000)

            // B finishes its entry; afterwards A finds it gone: still not owned.
            try await b.acknowledge([EntryRef(shard: 0, id: taken)])
            #expect(try await a.touchOwned(shard: 0, ids: [taken]).isEmpty)
            #expect(try await a.claimOwned(shard: 0, ids: [taken]).isEmpty)
            #expect(try await a.deadLetter(EntryRef(shard: 0, id: taken), attempts: 2, error: "HTTP 500") == .notOwned)
            #expect(try await redis.deadCount() == 1)
        }
    }

    @Test("A delivery acknowledged by the stalled consumer finishes the entry its peer holds")
    func acknowledgementIsNotOwnershipChecked() async throws {
        try await withTestRedis { redis in
            let ids = try await redis.addEntries(1)
            let a = group(redis, consumer: "a")
            let b = group(redis, consumer: "b")
            try await a.create()
            _ = try await a.readNew(perShard: 10, block: .milliseconds(10))
            try await Task.sleep(for: .milliseconds(60))
            #expect(try await b.takeOver(shard: 0, cursor: "0-0", count: 10, minIdle: .milliseconds(50)).entries.count == 1)

            // A's attempt that was in flight got 2xx: the message is delivered, so A acknowledges it
            // and B's later steps find nothing to do (no dead letter of a delivered message).
            try await a.acknowledge([EntryRef(shard: 0, id: ids[0])])
            #expect(try await redis.backlog() == 0)
            #expect(try await redis.pending() == 0)
            #expect(try await b.claimOwned(shard: 0, ids: ids).isEmpty)
            #expect(try await b.deadLetter(EntryRef(shard: 0, id: ids[0]), attempts: 2, error: "HTTP 500") == .notOwned)
            #expect(try await redis.deadCount() == 0)
        }
    }
}
