import DedupCore
import Deliverer
import Foundation
public import RedisClient

/// `GET /api/messages/SOURCE/KEY`: where one message is. Its seen key (and TTL: how much longer a
/// copy counts as a duplicate), and for each destination its stream entry while it waits or is being
/// delivered, the consumer holding it, or the dead letter it became.
public struct MessageLookup: Sendable, Encodable, Equatable {
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
        /// Accepted, but it matched none of its source's routes: stored nowhere.
        case unrouted
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

    /// Where the message is for one destination it was routed to.
    public struct Delivery: Sendable, Encodable, Equatable {
        public var destination: String
        public var state: State
        @NullWhenAbsent public var streamEntry: EntryPreview? = nil
        @NullWhenAbsent public var pending: Pending? = nil
        @NullWhenAbsent public var deadLetter: DeadLetterView? = nil

        enum CodingKeys: String, CodingKey {
            case destination, state, pending
            case streamEntry = "stream_entry"
            case deadLetter = "dead_letter"
        }
    }

    public var source: String
    public var key: String
    public var shard: Int
    public var seenKey: String
    /// The most pressing state over the destinations: dead, then delivering, waiting, delivered.
    public var state: State
    @NullWhenAbsent public var seen: Seen? = nil
    @NullWhenAbsent public var ttlSeconds: Int? = nil
    public var deliveries: [Delivery] = []

    enum CodingKeys: String, CodingKey {
        case source, key, shard, state, seen, deliveries
        case seenKey = "seen_key"
        case ttlSeconds = "ttl_seconds"
    }

    /// Entries read per stream for one lookup: a bound on its work.
    static let searchLimit = 1000

    /// Every command names keys of the message's shard only.
    public static func find(
        source: String, key: String, redis: RedisClient, configuration: ConsoleConfiguration
    ) async throws(RedisError) -> MessageLookup {
        let keys = RedisKeys(prefix: configuration.keyPrefix)
        let home = ShardRouter.shard(source: source, key: key, shards: configuration.shards)
        let timeout = configuration.redisTimeout
        var lookup = MessageLookup(
            source: source, key: key, shard: home, seenKey: keys.seen(shard: home, source: source, key: key), state: .unknown)
        // A source routed to an ordered destination keeps its seen keys in the conversation's shard,
        // which the key alone does not tell: then every shard is asked, the key's own first.
        let candidates = configuration.orderedPartitions.isEmpty ? [home] : [home] + (0..<configuration.shards).filter { $0 != home }
        for shard in candidates {
            let seenKey = keys.seen(shard: shard, source: source, key: key)
            let replies = try await redis.pipeline(
                [RedisCommand("GET", .init(seenKey)), RedisCommand("TTL", .init(seenKey))], timeout: timeout)
            if let raw = try replies[0].throwingServerError().bytes {
                lookup.shard = shard
                lookup.seenKey = seenKey
                lookup.seen = try? JSONDecoder().decode(Seen.self, from: Data(raw))
                lookup.ttlSeconds = try replies[1].throwingServerError().int
                break
            }
        }
        let shard = lookup.shard
        guard let id = lookup.seen?.id else { return lookup }
        // A message that matched no route is remembered with id `-` and stored nowhere.
        guard let millisecond = id.split(separator: "-").first.map(String.init), !millisecond.isEmpty else {
            lookup.state = .unrouted
            return lookup
        }
        for destination in configuration.destinations {
            lookup.deliveries.append(
                try await delivery(
                    to: destination, millisecond: millisecond, source: source, key: key, shard: shard, redis: redis,
                    configuration: configuration))
        }
        let order: [State] = [.dead, .delivering, .waiting, .delivered]
        lookup.state = order.first { state in lookup.deliveries.contains { $0.state == state } } ?? .delivered
        return lookup
    }

    /// The message in one destination's stream or dead letters. Its entry id there is not stored,
    /// but the accept script wrote every destination's entry in one call, stamped with the same
    /// millisecond as the seen record's id: the entries of that millisecond are searched for its key.
    private static func delivery(
        to destination: String, millisecond: String, source: String, key: String, shard: Int, redis: RedisClient,
        configuration: ConsoleConfiguration
    ) async throws(RedisError) -> Delivery {
        let keys = RedisKeys(prefix: configuration.keyPrefix)
        var delivery = Delivery(destination: destination, state: .delivered)
        // An ordered destination's copy is in one of the partition streams of the shard.
        let streams =
            configuration.orderedPartitions[destination].map { partitions in
                (0..<partitions).filter { OrderingPartition.shard(ofPartition: $0, shards: configuration.shards) == shard }.map {
                    keys.partition($0, destination: destination, shards: configuration.shards)
                }
            } ?? [keys.stream(shard: shard, destination: destination)]
        var found: (stream: String, entry: StreamEntry)?
        for stream in streams where found == nil {
            let entries = try await redis.command(
                "XRANGE", .init(stream), .init(millisecond + "-0"), .init(millisecond + "-18446744073709551615"), "COUNT",
                .init(searchLimit), timeout: configuration.redisTimeout
            ).throwingServerError()
            found = (entries.array ?? []).compactMap { StreamEntry(shard: shard, reply: $0) }.first { $0.key == key && $0.source == source }
                .map { (stream, $0) }
        }
        if let (stream, entry) = found {
            delivery.streamEntry = EntryPreview(entry)
            delivery.state = .waiting
            let pending = try await redis.pipeline(
                [RedisCommand("XPENDING", .init(stream), .init(configuration.group), .init(entry.id), .init(entry.id), "1")],
                timeout: configuration.redisTimeout)[0]
            // XPENDING answers NOGROUP while the group does not exist: then nothing is pending.
            if let message = pending.errorMessage, !message.hasPrefix("NOGROUP") { throw .server(message) }
            if let row = pending.array?.first?.array, row.count == 4, let consumer = row[1].string {
                delivery.pending = Pending(consumer: consumer, idleMs: row[2].int ?? 0, deliveries: row[3].int ?? 0)
                delivery.state = .delivering
            }
            return delivery
        }
        let dead = try await redis.command(
            "XREVRANGE", .init(keys.dead(shard: shard, destination: destination)), "+", "-", "COUNT", .init(searchLimit),
            timeout: configuration.redisTimeout
        ).throwingServerError()
        for item in dead.array ?? [] {
            guard let entry = StreamEntry(shard: shard, reply: item), entry.key == key, entry.source == source else { continue }
            delivery.deadLetter = DeadLetterView(DeadLetter(entry: entry, destination: destination))
            delivery.state = .dead
            break
        }
        return delivery
    }
}
