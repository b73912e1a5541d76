import DedupCore
import Deliverer
public import RedisClient

/// The console's two buttons on a dead letter. Replay is `dead-letters replay`'s own code
/// (``DeadLetterStore``, for the ref's destination only); delete removes the dead letter for good
/// (`XDEL` on its destination's and shard's dead-letter stream).
public struct DeadLetterActions: Sendable {
    let redis: RedisClient
    let keyPrefix: String
    let shards: Int
    let destinations: [String]
    /// Ordered destinations' partition counts: their replays go back to the conversation's partition.
    let ordered: [String: Int]

    public init(redis: RedisClient, keyPrefix: String, shards: Int, destinations: [String], ordered: [String: Int] = [:]) {
        self.redis = redis
        self.keyPrefix = keyPrefix
        self.shards = shards
        self.destinations = destinations
        self.ordered = ordered
    }

    private func store(_ destinations: [String]) -> DeadLetterStore {
        DeadLetterStore(redis: redis, keyPrefix: keyPrefix, shards: shards, destinations: destinations, ordered: ordered)
    }

    public func list(limit: Int) async throws(RedisError) -> DeadLetterList {
        let store = store(destinations)
        return DeadLetterList(total: try await store.count(), letters: try await store.list(limit: limit).map(DeadLetterView.init))
    }

    public func replay(_ refs: [String]) async throws(RedisError) -> (done: [String], notFound: [String]) {
        try await each(refs) { target throws(RedisError) in
            try await store([target.destination]).replay(ids: ["\(target.shard):\(target.id)"]).replayed.isEmpty == false
        }
    }

    public func delete(_ refs: [String]) async throws(RedisError) -> (done: [String], notFound: [String]) {
        let keys = RedisKeys(prefix: keyPrefix)
        return try await each(refs) { target throws(RedisError) in
            let dead = keys.dead(shard: target.shard, destination: target.destination)
            return try await redis.command("XDEL", .init(dead), .init(target.id)).throwingServerError().int == 1
        }
    }

    /// Runs `action` on every ref that names a dead letter of a known destination and shard by a
    /// valid stream id; the rest are not found without touching Redis.
    private func each(
        _ refs: [String], _ action: ((destination: String, shard: Int, id: String)) async throws(RedisError) -> Bool
    ) async throws(RedisError) -> (done: [String], notFound: [String]) {
        var done: [String] = []
        var notFound: [String] = []
        for ref in refs {
            guard let target = DeadLetterView.parse(ref: ref), destinations.contains(target.destination), target.shard < shards,
                Self.isStreamID(target.id)
            else {
                notFound.append(ref)
                continue
            }
            if try await action(target) { done.append(ref) } else { notFound.append(ref) }
        }
        return (done, notFound)
    }

    static func isStreamID(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        return parts.count == 2 && parts.allSatisfy { !$0.isEmpty && $0.allSatisfy { $0.isASCII && $0.isNumber } }
    }
}
