public import DedupCore
import Foundation
public import RedisClient

/// What an operator needs to see whether delivery to one destination keeps up, as one JSON object
/// (`webhook-dedup stats` prints one per destination, see ``DeliveryStats``).
///
/// Per shard: the stream length (the backlog, since delivered entries are deleted), the group's
/// pending count (delivered to a consumer, not yet finished) and lag (never delivered yet), each
/// consumer's pending count and idle time, and the dead letters; plus totals over all shards.
public struct StatsReport: Sendable, Codable, Equatable {
    public struct Consumer: Sendable, Codable, Equatable {
        public var name: String
        public var pending: Int
        /// Milliseconds since the consumer last read or claimed.
        public var idleMs: Int

        enum CodingKeys: String, CodingKey {
            case name, pending
            case idleMs = "idle_ms"
        }
    }

    public struct Shard: Sendable, Codable, Equatable {
        public var shard: Int
        public var stream: String
        public var length: Int
        /// False until a deliverer has started (it creates the group).
        public var groupExists: Bool
        public var pending: Int
        /// Entries never delivered to the group. Redis's own `lag` where it can tell; otherwise (it
        /// cannot after some deletions) `length - pending`, exact here since the stream holds only the
        /// backlog.
        public var lag: Int
        public var lastDeliveredID: String?
        public var consumers: [Consumer]
        public var deadLetters: Int
        /// On Redis Cluster, the node (`host:port` of the primary) serving the shard's hash slot, where
        /// all of its keys live; absent on a single server.
        public var node: String? = nil

        enum CodingKeys: String, CodingKey {
            case shard, stream, length, pending, lag, consumers, node
            case groupExists = "group_exists"
            case lastDeliveredID = "last_delivered_id"
            case deadLetters = "dead_letters"
        }

        /// Written out by hand only so `last_delivered_id` is `null` rather than missing before the
        /// group exists: every shard object has the same keys (`node` too, on a cluster).
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(shard, forKey: .shard)
            try container.encode(stream, forKey: .stream)
            try container.encode(length, forKey: .length)
            try container.encode(groupExists, forKey: .groupExists)
            try container.encode(pending, forKey: .pending)
            try container.encode(lag, forKey: .lag)
            try container.encode(lastDeliveredID, forKey: .lastDeliveredID)
            try container.encode(consumers, forKey: .consumers)
            try container.encode(deadLetters, forKey: .deadLetters)
            try container.encodeIfPresent(node, forKey: .node)
        }
    }

    public struct Totals: Sendable, Codable, Equatable {
        public var length: Int
        public var pending: Int
        public var lag: Int
        public var deadLetters: Int
        public var consumers: Int

        enum CodingKeys: String, CodingKey {
            case length, pending, lag, consumers
            case deadLetters = "dead_letters"
        }
    }

    public var destination: String
    public var group: String
    public var shards: [Shard]
    public var totals: Totals
    /// An ordered destination's partitions (docs/ordering.md); absent for the others. Their entries
    /// count in ``totals``' length and lag.
    public var partitions: [PartitionStatus]?

    /// Reads the figures of every shard of `destination`, one pipeline per shard, and on a cluster
    /// names the node that answered it (from the client's slot map, no extra round trip).
    public static func collect(
        redis: RedisClient, keyPrefix: String, shards: Int, group: String, destination: String = Destination.defaultName
    ) async throws(RedisError) -> StatsReport {
        let keys = RedisKeys(prefix: keyPrefix)
        var report: [Shard] = []
        for shard in 0..<shards {
            let stream = keys.stream(shard: shard, destination: destination)
            let replies = try await redis.pipeline([
                RedisCommand("XLEN", .init(stream)),
                RedisCommand("XINFO", "GROUPS", .init(stream)),
                RedisCommand("XINFO", "CONSUMERS", .init(stream), .init(group)),
                RedisCommand("XLEN", .init(keys.dead(shard: shard, destination: destination))),
            ])
            let length = try replies[0].throwingServerError().int ?? 0
            // XINFO answers an error for a stream or group that does not exist yet: nothing pending.
            let info = (replies[1].array ?? []).map(fieldMap).first { $0["name"]?.string == group }
            let consumers = (replies[2].array ?? []).map(fieldMap).map { fields in
                Consumer(name: fields["name"]?.string ?? "", pending: fields["pending"]?.int ?? 0, idleMs: fields["idle"]?.int ?? 0)
            }
            let pending = info?["pending"]?.int ?? 0
            report.append(
                Shard(
                    shard: shard, stream: stream, length: length, groupExists: info != nil, pending: pending,
                    lag: info?["lag"]?.int ?? max(length - pending, 0),
                    lastDeliveredID: info?["last-delivered-id"]?.string,
                    consumers: consumers.sorted { $0.name < $1.name },
                    deadLetters: try replies[3].throwingServerError().int ?? 0,
                    node: try await redis.clusterNode(ofKey: stream)?.description))
        }
        let totals = Totals(
            length: report.reduce(0) { $0 + $1.length }, pending: report.reduce(0) { $0 + $1.pending },
            lag: report.reduce(0) { $0 + $1.lag }, deadLetters: report.reduce(0) { $0 + $1.deadLetters },
            consumers: Set(report.flatMap { $0.consumers.map(\.name) }).count)
        return StatsReport(destination: destination, group: group, shards: report, totals: totals)
    }

    /// One line of JSON, keys sorted.
    public func json() -> String { SortedJSON.text(self) ?? "{}" }

    /// `XINFO` replies are flat `[name, value, name, value, ...]` arrays.
    private static func fieldMap(_ reply: RESPValue) -> [String: RESPValue] {
        guard let flat = reply.array else { return [:] }
        var fields: [String: RESPValue] = [:]
        var index = 0
        while index + 1 < flat.count {
            if let name = flat[index].string { fields[name] = flat[index + 1] }
            index += 2
        }
        return fields
    }
}
