import DedupCore
import Deliverer
import Foundation
public import RedisClient

/// `GET /api/messages/SOURCE/KEY`: where one message is. Its seen key (and TTL: how much longer a
/// copy counts as a duplicate), its stream entry while it waits or is being delivered, the consumer
/// holding it, or the dead letter it became.
public struct MessageLookup: Sendable, Codable, Equatable {
    public enum State: String, Sendable, Codable {
        /// No seen key: never accepted, or its window has passed.
        case unknown
        /// In the stream, not read by any deliverer yet.
        case waiting
        /// Read by a deliverer, not acknowledged yet (being delivered or retried).
        case delivering
        /// Failed for good: in the dead letters.
        case dead
        /// Accepted, and no longer in the stream or the dead letters.
        case delivered
    }

    public struct Seen: Sendable, Codable, Equatable {
        public var id: String
        public var at: Int64
        public var by: String
    }

    public struct Pending: Sendable, Codable, Equatable {
        public var consumer: String
        public var idleMs: Int
        public var deliveries: Int

        enum CodingKeys: String, CodingKey {
            case consumer
            case idleMs = "idle_ms"
            case deliveries
        }
    }

    public struct Entry: Sendable, Codable, Equatable {
        public var id: String
        public var path: String
        public var receiver: String
        public var receivedAt: Int
        public var contentType: String
        public var headers: [String: String]
        public var bodyBytes: Int
        public var bodyPreview: String

        enum CodingKeys: String, CodingKey {
            case id, path, receiver, headers
            case receivedAt = "received_at"
            case contentType = "content_type"
            case bodyBytes = "body_bytes"
            case bodyPreview = "body_preview"
        }

        init(_ entry: StreamEntry) {
            id = entry.id
            path = entry.path
            receiver = entry.text("receiver")
            receivedAt = Int(entry.text("received_at")) ?? 0
            contentType = entry.contentType
            headers = SecretRedaction.headers(entry.forwardedHeaders)
            bodyBytes = entry.body.count
            bodyPreview = SecretRedaction.bodyPreview(entry.body)
        }
    }

    public var source: String
    public var key: String
    public var shard: Int
    public var seenKey: String
    public var state: State
    public var seen: Seen?
    public var ttlSeconds: Int?
    public var streamEntry: Entry?
    public var pending: Pending?
    public var deadLetter: DeadLetterView?

    enum CodingKeys: String, CodingKey {
        case source, key, shard, state, seen, pending
        case seenKey = "seen_key"
        case ttlSeconds = "ttl_seconds"
        case streamEntry = "stream_entry"
        case deadLetter = "dead_letter"
    }

    /// Every member present, `null` when empty, so the page and scripts can rely on the shape.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(source, forKey: .source)
        try container.encode(key, forKey: .key)
        try container.encode(shard, forKey: .shard)
        try container.encode(seenKey, forKey: .seenKey)
        try container.encode(state, forKey: .state)
        try container.encode(seen, forKey: .seen)
        try container.encode(ttlSeconds, forKey: .ttlSeconds)
        try container.encode(streamEntry, forKey: .streamEntry)
        try container.encode(pending, forKey: .pending)
        try container.encode(deadLetter, forKey: .deadLetter)
    }

    /// Dead letters searched for the message, newest first: a bound on one lookup's work.
    static let deadLetterSearchLimit = 1000

    /// Every command names keys of the message's shard only.
    public static func find(
        source: String, key: String, redis: RedisClient, configuration: ConsoleConfiguration
    ) async throws(RedisError) -> MessageLookup {
        let keys = RedisKeys(prefix: configuration.keyPrefix)
        let shard = ShardRouter.shard(source: source, key: key, shards: configuration.shards)
        let seenKey = keys.seen(shard: shard, source: source, key: key)
        let timeout = configuration.redisTimeout
        var lookup = MessageLookup(source: source, key: key, shard: shard, seenKey: seenKey, state: .unknown)
        let replies = try await redis.pipeline(
            [RedisCommand("GET", .init(seenKey)), RedisCommand("TTL", .init(seenKey))], timeout: timeout)
        if let raw = try replies[0].throwingServerError().bytes {
            lookup.seen = try? JSONDecoder().decode(Seen.self, from: Data(raw))
            lookup.ttlSeconds = try replies[1].throwingServerError().int
        }
        guard let id = lookup.seen?.id else { return lookup }
        lookup.state = .delivered
        let stream = keys.stream(shard: shard)
        let found = try await redis.pipeline(
            [
                RedisCommand("XRANGE", .init(stream), .init(id), .init(id)),
                RedisCommand("XPENDING", .init(stream), .init(configuration.group), .init(id), .init(id), "1"),
            ], timeout: timeout)
        if let item = try found[0].throwingServerError().array?.first, let entry = StreamEntry(shard: shard, reply: item) {
            lookup.streamEntry = Entry(entry)
            lookup.state = .waiting
            // XPENDING answers an error while the group does not exist: then nothing is pending.
            if let row = found[1].array?.first?.array, row.count == 4, let consumer = row[1].string {
                lookup.pending = Pending(consumer: consumer, idleMs: row[2].int ?? 0, deliveries: row[3].int ?? 0)
                lookup.state = .delivering
            }
            return lookup
        }
        let dead = try await redis.command(
            "XREVRANGE", .init(keys.dead(shard: shard)), "+", "-", "COUNT", .init(deadLetterSearchLimit), timeout: timeout
        ).throwingServerError()
        for item in dead.array ?? [] {
            guard let entry = StreamEntry(shard: shard, reply: item) else { continue }
            let letter = DeadLetter(entry: entry)
            if letter.originalID == id || (letter.source == source && letter.key == key) {
                lookup.deadLetter = DeadLetterView(letter)
                lookup.state = .dead
                break
            }
        }
        return lookup
    }
}
