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

    /// Held-back entries shown per partition at most: the oldest ones, which hold the rest back.
    static let heldBackLimit = 20

    /// Every partition of `destination`, shard by shard: one pipeline reads the backlog, lease, head
    /// and attempt counts of all the partitions whose keys carry the shard's tag, and a second one
    /// the entries held back in them, only when there are any. Each command names one partition's
    /// keys, so on Redis Cluster every pipeline goes to the one node serving its shard.
    public static func read(
        redis: RedisClient, keys: RedisKeys, destination: String, partitions: Int, shards: Int, now: Date = Date()
    ) async throws(RedisError) -> [PartitionStatus] {
        let byShard = Dictionary(grouping: 0..<partitions) { OrderingPartition.shard(ofPartition: $0, shards: shards) }
        var statuses: [PartitionStatus] = []
        for (shard, members) in byShard.sorted(by: { $0.key < $1.key }) {
            statuses += try await read(
                redis: redis, keys: keys, destination: destination, partitions: members, shard: shard, shards: shards, now: now)
        }
        return statuses.sorted { $0.partition < $1.partition }
    }

    /// `partitions`, all of whose keys carry `shard`'s tag, in at most two round trips.
    private static func read(
        redis: RedisClient, keys: RedisKeys, destination: String, partitions: [Int], shard: Int, shards: Int, now: Date
    ) async throws(RedisError) -> [PartitionStatus] {
        let streams = partitions.map { keys.partition($0, destination: destination, shards: shards) }
        let replies = try await redis.pipeline(
            zip(partitions, streams).flatMap { partition, stream in
                [
                    RedisCommand("XLEN", .init(stream)),
                    RedisCommand("GET", .init(keys.partitionLease(partition, destination: destination, shards: shards))),
                    RedisCommand("XRANGE", .init(stream), "-", "+", "COUNT", "1"),
                    RedisCommand("HGETALL", .init(keys.partitionAttempts(partition, destination: destination, shards: shards))),
                ]
            })
        // Per partition, the entries with attempts counted (oldest first), then all of them fetched at once.
        var counted: [[(id: String, attempts: Int)]] = []
        for position in partitions.indices {
            let flat = try replies[position * 4 + 3].throwingServerError().array ?? []
            var pairs: [(id: String, attempts: Int)] = []
            var index = 0
            while index + 1 < flat.count {
                if let id = flat[index].string, let attempts = flat[index + 1].string.flatMap({ Int($0) }) { pairs.append((id, attempts)) }
                index += 2
            }
            counted.append(Array(pairs.sorted { $0.id < $1.id }.prefix(heldBackLimit)))
        }
        let lookups = zip(streams, counted).flatMap { stream, pairs in pairs.map { RedisCommand("XRANGE", .init(stream), .init($0.id), .init($0.id)) }
        }
        var found = try await redis.pipeline(lookups)[...]
        var statuses: [PartitionStatus] = []
        for (position, partition) in partitions.enumerated() {
            let lease = try replies[position * 4 + 1].throwingServerError().string
            let separator = lease?.firstIndex(of: ":")
            let head = try replies[position * 4 + 2].throwingServerError().array?.first?.array?.first?.string
            var heldBack: [HeldBack] = []
            for pair in counted[position] {
                // An entry finished since its count was read is no longer held back.
                guard let reply = try found.popFirst()?.throwingServerError().array?.first, let entry = StreamEntry(shard: shard, reply: reply)
                else { continue }
                heldBack.append(HeldBack(id: pair.id, key: entry.key, conversation: entry.text("conversation"), attempts: pair.attempts))
            }
            statuses.append(
                PartitionStatus(
                    partition: partition, shard: shard, stream: streams[position],
                    length: try replies[position * 4].throwingServerError().int ?? 0,
                    holder: separator.map { String(lease![lease!.index(after: $0)...]) },
                    token: separator.flatMap { Int(lease![..<$0]) },
                    oldestWaitingMs: head.flatMap { Self.age(ofEntryID: $0, now: now) }, heldBack: heldBack))
        }
        return statuses
    }

    /// Milliseconds from the time in a stream id (`MS-SEQ`) to `now`.
    static func age(ofEntryID id: String, now: Date) -> Int? {
        guard let ms = id.split(separator: "-").first.flatMap({ Int($0) }) else { return nil }
        return max(Int(now.timeIntervalSince1970 * 1000) - ms, 0)
    }
}
