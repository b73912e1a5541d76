import DedupCore
public import RedisClient

/// `webhook-dedup stats`: one ``StatsReport`` per destination, the messages that matched no route
/// (by source, summed over shards), and totals over every destination.
public struct DeliveryStats: Sendable, Codable, Equatable {
    public var destinations: [StatsReport]
    /// Source → messages accepted that matched none of the source's routes.
    public var unrouted: [String: Int]
    public var totals: StatsReport.Totals

    /// `ordered`: the partition count of each ordered destination, whose partitions are reported too.
    public static func collect(
        redis: RedisClient, keyPrefix: String, shards: Int, group: String, destinations: [String], ordered: [String: Int] = [:]
    ) async throws(RedisError) -> DeliveryStats {
        var reports: [StatsReport] = []
        for destination in destinations {
            var report = try await StatsReport.collect(redis: redis, keyPrefix: keyPrefix, shards: shards, group: group, destination: destination)
            if let partitions = ordered[destination] {
                let statuses = try await PartitionStatus.read(
                    redis: redis, keys: RedisKeys(prefix: keyPrefix), destination: destination, partitions: partitions, shards: shards)
                let waiting = statuses.reduce(0) { $0 + $1.length }
                report.partitions = statuses
                report.totals.length += waiting
                report.totals.lag += waiting
            }
            reports.append(report)
        }
        let keys = RedisKeys(prefix: keyPrefix)
        var unrouted: [String: Int] = [:]
        for reply in try await redis.pipeline((0..<shards).map { RedisCommand("HGETALL", .init(keys.unrouted(shard: $0))) }) {
            let flat = try reply.throwingServerError().array ?? []
            var index = 0
            while index + 1 < flat.count {
                if let source = flat[index].string, let count = flat[index + 1].string.flatMap({ Int($0) }) { unrouted[source, default: 0] += count }
                index += 2
            }
        }
        let all = reports.map(\.totals)
        let totals = StatsReport.Totals(
            length: all.reduce(0) { $0 + $1.length }, pending: all.reduce(0) { $0 + $1.pending }, lag: all.reduce(0) { $0 + $1.lag },
            deadLetters: all.reduce(0) { $0 + $1.deadLetters },
            consumers: Set(reports.flatMap { $0.shards.flatMap { $0.consumers.map(\.name) } }).count)
        return DeliveryStats(destinations: reports, unrouted: unrouted, totals: totals)
    }

    /// One line of JSON, keys sorted.
    public func json() -> String { SortedJSON.text(self) ?? "{}" }
}
