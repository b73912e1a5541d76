import DedupCore
import Foundation
import RedisClient
import Testing

@testable import Deliverer

/// Partition leases against the real Redis: one holder at a time, fencing tokens that only grow, and
/// an expired holder that can neither renew nor give up what a peer took.
@Suite(.enabled(if: TestRedis.url != nil, TestRedis.skipReason))
struct PartitionLeaseTests {
    private func leases(_ redis: TestRedis, consumer: String, ttl: Duration) -> PartitionLeases {
        PartitionLeases(redis: redis.client, keys: redis.keys, destination: "bot", shards: 4, consumer: consumer, ttl: ttl)
    }

    @Test func oneHolderAtATimeAndTheNextHolderHasAGreaterToken() async throws {
        let redis = try TestRedis(shards: 4)
        // Long enough that acquire-then-renew fits in it on a loaded machine (with the whole suite
        // starting at once on 2 cores, 1 s was not), short enough to wait out.
        let a = leases(redis, consumer: "a", ttl: .seconds(4))
        let b = leases(redis, consumer: "b", ttl: .seconds(4))
        do {
            var first = try #require(try await a.acquire(7))
            #expect(try await b.acquire(7) == nil)
            #expect(try await a.renew(&first))
            // The lease lives in partition 7's shard (7 % 4 = 3), beside its fencing counter.
            let key = redis.keys.partitionLease(7, destination: "bot", shards: 4)
            #expect(key == "\(redis.prefix):{3}:lease:bot:7")
            #expect(try await redis.client.command("GET", .init(key)).string == "\(first.token):a")

            // a stalls past its TTL; b takes over with a greater token.
            try await Task.sleep(for: .milliseconds(4_300))
            #expect(!first.covers(.zero))
            let second = try #require(try await b.acquire(7))
            #expect(second.token > first.token)
            // a wakes: it can neither extend nor release b's lease.
            #expect(try await a.renew(&first) == false)
            try await a.release(first)
            #expect(try await redis.client.command("GET", .init(key)).string == second.value)

            // b gives it up at once; a may take it again, with a still greater token.
            try await b.release(second)
            let third = try #require(try await a.acquire(7))
            #expect(third.token > second.token)
            // Other partitions are independent.
            #expect(try await b.acquire(8) != nil)
        } catch {
            await redis.cleanUp()
            throw error
        }
        await redis.cleanUp()
    }

    @Test func aLeaseCoversOnlyDeliveriesThatEndBeforeItMayExpire() async throws {
        let redis = try TestRedis(shards: 1)
        let a = leases(redis, consumer: "a", ttl: .seconds(2))
        do {
            let lease = try #require(try await a.acquire(0))
            #expect(lease.covers(.milliseconds(500)))
            #expect(!lease.covers(.seconds(3)))
        } catch {
            await redis.cleanUp()
            throw error
        }
        await redis.cleanUp()
    }
}
