public import DedupCore
public import RedisClient

/// Lists and replays the dead letters of every shard of the given destinations
/// (`webhook-dedup dead-letters`).
///
/// Replay puts a dead letter's original fields back on its shard's stream as a new entry, so it is
/// delivered again from attempt 1, and deletes the dead letter: one script per entry, so a crash
/// between the two steps cannot lose or double it.
public struct DeadLetterStore: Sendable {
    private let redis: RedisClient
    private let keys: RedisKeys
    private let shards: Int
    private let destinations: [String]
    /// The partition count of each ordered destination: a replay goes back to the conversation's
    /// partition stream (at its end: after what the conversation received meanwhile).
    private let ordered: [String: Int]
    private static let page = 100

    public init(
        redis: RedisClient, keyPrefix: String, shards: Int, destinations: [String] = [Destination.defaultName], ordered: [String: Int] = [:]
    ) {
        self.redis = redis
        self.keys = RedisKeys(prefix: keyPrefix)
        self.shards = shards
        self.destinations = destinations
        self.ordered = ordered
        redis.register(DeliveryScripts.replay)
    }

    /// Dead letters in all shards.
    public func count() async throws(RedisError) -> Int {
        let commands = destinations.flatMap { destination in
            (0..<shards).map { RedisCommand("XLEN", .init(keys.dead(shard: $0, destination: destination))) }
        }
        var total = 0
        for reply in try await redis.pipeline(commands) { total += try reply.throwingServerError().int ?? 0 }
        return total
    }

    /// The oldest `limit` dead letters across shards and destinations, oldest first (by when they failed).
    public func list(limit: Int) async throws(RedisError) -> [DeadLetter] {
        guard limit > 0 else { return [] }
        var letters: [DeadLetter] = []
        for destination in destinations {
            let commands = (0..<shards).map { shard in
                RedisCommand("XRANGE", .init(keys.dead(shard: shard, destination: destination)), "-", "+", "COUNT", .init(limit))
            }
            for (shard, reply) in try await redis.pipeline(commands).enumerated() {
                for item in try reply.throwingServerError().array ?? [] {
                    if let entry = StreamEntry(shard: shard, reply: item) { letters.append(DeadLetter(entry: entry, destination: destination)) }
                }
            }
        }
        // Ids of different shards can be equal (same millisecond): the shard breaks the tie.
        letters.sort { (StreamID($0.id), $0.shard) < (StreamID($1.id), $1.shard) }
        return Array(letters.prefix(limit))
    }

    public struct Replayed: Sendable, Equatable {
        public var destination: String
        public var shard: Int
        /// The dead letter's id (now deleted).
        public var deadID: String
        /// The new stream entry's id.
        public var streamID: String
    }

    /// Replays the dead letters `refs` name: with destination and shard, one letter; a part left out
    /// is looked for in every shard or destination this store covers (stream ids are unique only
    /// within one stream, so two shards or destinations can hold the same id; `list` shows both).
    /// Returns what was replayed and the refs that matched nothing.
    public func replay(_ refs: [DeadLetterRef]) async throws(RedisError) -> (replayed: [Replayed], notFound: [DeadLetterRef]) {
        var replayed: [Replayed] = []
        var notFound: [DeadLetterRef] = []
        for ref in refs {
            var found = false
            for (destination, shard) in ref.places(destinations: destinations, shards: shards) {
                if let done = try await replay(destination: destination, shard: shard, id: ref.id) {
                    replayed.append(done)
                    found = true
                }
            }
            if !found { notFound.append(ref) }
        }
        return (replayed, notFound)
    }

    /// Replays every dead letter present when it starts; letters that fail again meanwhile (and land
    /// after that point) wait for the next replay, so this always ends.
    public func replayAll() async throws(RedisError) -> [Replayed] {
        var replayed: [Replayed] = []
        for destination in destinations {
            replayed += try await replayAll(destination: destination)
        }
        return replayed
    }

    private func replayAll(destination: String) async throws(RedisError) -> [Replayed] {
        var replayed: [Replayed] = []
        for shard in 0..<shards {
            let dead = keys.dead(shard: shard, destination: destination)
            guard let last = try await redis.command("XREVRANGE", .init(dead), "+", "-", "COUNT", "1").array?.first?.array?.first?.string
            else { continue }
            var start = "-"
            while true {
                let page = try await redis.command("XRANGE", .init(dead), .init(start), .init(last), "COUNT", .init(Self.page)).array ?? []
                let ids = page.compactMap { $0.array?.first?.string }
                for id in ids {
                    if let done = try await replay(destination: destination, shard: shard, id: id) { replayed.append(done) }
                }
                guard ids.count == Self.page, let lastSeen = ids.last, lastSeen != last else { break }
                start = "(" + lastSeen
            }
        }
        return replayed
    }

    private func replay(destination: String, shard: Int, id: String) async throws(RedisError) -> Replayed? {
        let dead = keys.dead(shard: shard, destination: destination)
        var stream = keys.stream(shard: shard, destination: destination)
        if let partitions = ordered[destination] {
            let found = try await redis.command("XRANGE", .init(dead), .init(id), .init(id))
            guard let entry = found.array?.first.flatMap({ StreamEntry(shard: shard, reply: $0) }) else { return nil }
            let partition = OrderingPartition.of(conversation: entry.text("conversation"), partitions: partitions)
            stream = keys.partition(partition, destination: destination, shards: shards)
        }
        let reply = try await redis.evalScript(DeliveryScripts.replay, keys: [.init(dead), .init(stream)], arguments: [.init(id)])
            .throwingServerError()
        guard let streamID = reply.string else { return nil }
        return Replayed(destination: destination, shard: shard, deadID: id, streamID: streamID)
    }
}

/// A stream entry id (`ms-seq`) ordered as Redis orders them.
struct StreamID: Comparable {
    var milliseconds: UInt64
    var sequence: UInt64

    init(_ text: String) {
        let parts = text.split(separator: "-", maxSplits: 1)
        milliseconds = parts.first.flatMap { UInt64($0) } ?? 0
        sequence = parts.count > 1 ? UInt64(parts[1]) ?? 0 : 0
    }

    static func < (a: StreamID, b: StreamID) -> Bool {
        (a.milliseconds, a.sequence) < (b.milliseconds, b.sequence)
    }
}
