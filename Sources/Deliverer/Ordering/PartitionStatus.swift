public import DedupCore
public import Foundation
public import RedisClient

/// One partition of an ordered destination as `stats` and the console show it: its backlog, who
/// holds it, how long its oldest entry has waited, and the conversations held back by an entry in
/// retry.
public struct PartitionStatus: Sendable, Codable, Equatable {
    /// An entry that failed at least once and holds back the rest of its conversation.
    public struct HeldBack: Sendable, Codable, Equatable {
        public var id: String
        public var key: String
        public var conversation: String
        public var attempts: Int
    }

    public var partition: Int
    /// The shard whose hash tag the partition's keys carry.
    public var shard: Int
    public var stream: String
    public var length: Int
    /// The holding deliverer's consumer name; nil when nobody holds it (no deliverer, or its lease
    /// just expired).
    public var holder: String?
    /// The holder's fencing token.
    public var token: Int?
    /// Milliseconds since the oldest waiting entry was accepted (its stream id's time).
    public var oldestWaitingMs: Int?
    public var heldBack: [HeldBack]

    enum CodingKeys: String, CodingKey {
        case partition, shard, stream, length, holder, token
        case oldestWaitingMs = "oldest_waiting_ms"
        case heldBack = "held_back"
    }

    /// Every partition of `destination`, one pipeline per partition.
    public static func read(
        redis: RedisClient, keys: RedisKeys, destination: String, partitions: Int, shards: Int, now: Date = Date()
    ) async throws(RedisError) -> [PartitionStatus] {
        var statuses: [PartitionStatus] = []
        for partition in 0..<partitions {
            let shard = OrderingPartition.shard(ofPartition: partition, shards: shards)
            let stream = keys.partition(partition, destination: destination, shards: shards)
            let attemptsKey = keys.partitionAttempts(partition, destination: destination, shards: shards)
            let replies = try await redis.pipeline([
                RedisCommand("XLEN", .init(stream)),
                RedisCommand("GET", .init(keys.partitionLease(partition, destination: destination, shards: shards))),
                RedisCommand("XRANGE", .init(stream), "-", "+", "COUNT", "1"),
                RedisCommand("HGETALL", .init(attemptsKey)),
            ])
            let lease = try replies[1].throwingServerError().string
            let separator = lease?.firstIndex(of: ":")
            let head = try replies[2].throwingServerError().array?.first?.array?.first?.string
            var heldBack: [HeldBack] = []
            let counts = try replies[3].throwingServerError().array ?? []
            var index = 0
            while index + 1 < counts.count, heldBack.count < 20 {
                if let id = counts[index].string, let attempts = Int(counts[index + 1].string ?? ""),
                    let found = try await redis.command("XRANGE", .init(stream), .init(id), .init(id)).throwingServerError().array?.first,
                    let entry = StreamEntry(shard: shard, reply: found)
                {
                    heldBack.append(HeldBack(id: id, key: entry.key, conversation: entry.text("conversation"), attempts: attempts))
                }
                index += 2
            }
            statuses.append(
                PartitionStatus(
                    partition: partition, shard: shard, stream: stream, length: try replies[0].throwingServerError().int ?? 0,
                    holder: separator.map { String(lease![lease!.index(after: $0)...]) },
                    token: separator.flatMap { Int(lease![..<$0]) },
                    oldestWaitingMs: head.flatMap { Self.age(ofEntryID: $0, now: now) }, heldBack: heldBack.sorted { $0.id < $1.id }))
        }
        return statuses
    }

    /// Milliseconds from the time in a stream id (`MS-SEQ`) to `now`.
    static func age(ofEntryID id: String, now: Date) -> Int? {
        guard let ms = id.split(separator: "-").first.flatMap({ Int($0) }) else { return nil }
        return max(Int(now.timeIntervalSince1970 * 1000) - ms, 0)
    }
}
