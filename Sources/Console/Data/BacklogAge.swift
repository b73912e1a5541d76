import DedupCore
public import RedisClient

/// How long the oldest undelivered message of each shard has waited.
///
/// Delivered entries are deleted from the stream, so its first entry is the oldest one not yet
/// delivered (waiting or in flight), and its id's millisecond part is when it was accepted.
public struct BacklogAge: Sendable, Encodable, Equatable {
    public var destination: String
    public var shard: Int
    /// `null` when the stream is empty.
    @NullWhenAbsent public var oldestID: String? = nil
    @NullWhenAbsent public var oldestAgeMs: Int64? = nil

    enum CodingKeys: String, CodingKey {
        case destination, shard
        case oldestID = "oldest_undelivered_id"
        case oldestAgeMs = "oldest_undelivered_age_ms"
    }

    /// One `XRANGE ... COUNT 1` per destination and shard, in one pipeline.
    public static func read(
        redis: RedisClient, keyPrefix: String, shards: Int, destinations: [String], nowMs: Int64, timeout: Duration? = nil
    ) async throws(RedisError) -> [BacklogAge] {
        let keys = RedisKeys(prefix: keyPrefix)
        let streams = destinations.flatMap { destination in (0..<shards).map { (destination, $0) } }
        let replies = try await redis.pipeline(
            streams.map { RedisCommand("XRANGE", .init(keys.stream(shard: $0.1, destination: $0.0)), "-", "+", "COUNT", "1") },
            timeout: timeout)
        return try zip(streams, replies).map { (stream, reply) throws(RedisError) in
            let id = try reply.throwingServerError().array?.first?.array?.first?.string
            let milliseconds = id.flatMap { $0.split(separator: "-").first }.flatMap { Int64($0) }
            return BacklogAge(
                destination: stream.0, shard: stream.1, oldestID: id, oldestAgeMs: milliseconds.map { max(0, nowMs - $0) })
        }
    }
}
