import DedupCore
import Foundation
import RedisClient
import Testing

@testable import Deliverer

/// How `stats` and the console see an ordered destination's partitions, read shard by shard.
@Suite(.enabled(if: TestRedis.url != nil, TestRedis.skipReason))
struct PartitionStatusTests {
    /// Writes `count` entries of conversation `c-P` to partition `partition`, with ids `P000N-0`
    /// (unique over partitions, ascending within one). Returns the ids.
    static func fill(_ redis: TestRedis, partition: Int, count: Int) async throws -> [String] {
        let stream = redis.keys.partition(partition, destination: "bot", shards: redis.shards)
        let ids = (1...count).map { "\(partition + 1)\(String(format: "%04d", $0))-0" }
        let replies = try await redis.client.pipeline(
            ids.enumerated().map { index, id in
                RedisCommand(
                    [.init("XADD"), .init(stream), .init(id)] + TestRedis.fields(key: "p\(partition)-\(index)", source: "evolution", body: [])
                        + ["conversation", .init("c-\(partition)")])
            })
        for reply in replies { _ = try reply.throwingServerError() }
        return ids
    }

    @Test("Every partition of every shard: backlog, holder, oldest age, held-back entries (the oldest 20, finished ones left out)")
    func partitionsOfSeveralShards() async throws {
        try await withTestRedis(shards: 3) { redis in
            let partitions = 9
            var ids: [[String]] = []
            for partition in 0..<partitions { ids.append(try await Self.fill(redis, partition: partition, count: partition == 2 ? 25 : 2)) }
            func attempts(_ partition: Int) -> String { redis.keys.partitionAttempts(partition, destination: "bot", shards: 3) }
            // Held back: the heads of partitions 1 and 7 (shard 1) and 5 (shard 2); in 5 also an entry
            // finished since (its count outlives it); in 2 (shard 2) every one of its 25 entries.
            for partition in [1, 5, 7] {
                try await redis.client.command("HSET", .init(attempts(partition)), .init(ids[partition][0]), .init(partition))
            }
            try await redis.client.command("HSET", .init(attempts(5)), "1-0", "3")
            for id in ids[2] { try await redis.client.command("HSET", .init(attempts(2)), .init(id), "1") }
            try await redis.client.command("SET", .init(redis.keys.partitionLease(4, destination: "bot", shards: 3)), "7:deliverer-2")

            let statuses = try await PartitionStatus.read(
                redis: redis.client, keys: redis.keys, destination: "bot", partitions: partitions, shards: 3,
                now: Date(timeIntervalSince1970: 100))
            #expect(statuses.map(\.partition) == Array(0..<partitions))
            #expect(statuses.map(\.shard) == (0..<partitions).map { $0 % 3 })
            #expect(statuses.map(\.stream) == (0..<partitions).map { redis.keys.partition($0, destination: "bot", shards: 3) })
            #expect(statuses.map(\.length) == (0..<partitions).map { $0 == 2 ? 25 : 2 })
            // Ids `P000N-0` were accepted P000N ms after 1970.
            #expect(statuses.map(\.oldestWaitingMs) == (0..<partitions).map { 100_000 - Int("\($0 + 1)0001")! })
            #expect(statuses[4].holder == "deliverer-2" && statuses[4].token == 7)
            #expect(statuses.filter { $0.partition != 4 }.allSatisfy { $0.holder == nil && $0.token == nil })
            for partition in [1, 5, 7] {
                #expect(
                    statuses[partition].heldBack == [
                        PartitionStatus.HeldBack(id: ids[partition][0], key: "p\(partition)-0", conversation: "c-\(partition)", attempts: partition)
                    ])
            }
            #expect(statuses[2].heldBack.map(\.id) == Array(ids[2].prefix(PartitionStatus.heldBackLimit)))
            #expect(statuses.filter { ![1, 2, 5, 7].contains($0.partition) }.allSatisfy { $0.heldBack.isEmpty })
        }
    }

    @Test("A destination with no entries: every partition empty, nobody holding it")
    func emptyDestination() async throws {
        try await withTestRedis(shards: 2) { redis in
            let statuses = try await PartitionStatus.read(redis: redis.client, keys: redis.keys, destination: "bot", partitions: 4, shards: 2)
            #expect(statuses.map(\.partition) == [0, 1, 2, 3])
            #expect(statuses.allSatisfy { $0.length == 0 && $0.holder == nil && $0.oldestWaitingMs == nil && $0.heldBack.isEmpty })
        }
    }
}
