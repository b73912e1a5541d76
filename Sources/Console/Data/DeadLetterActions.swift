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
        let store = store(destinations)
        return try await each(refs) { destination, shard, id throws(RedisError) in
            try await store.replay([DeadLetterRef(destination: destination, shard: shard, id: id)]).replayed.isEmpty == false
        }
    }

    public func delete(_ refs: [String]) async throws(RedisError) -> (done: [String], notFound: [String]) {
        let keys = RedisKeys(prefix: keyPrefix)
        return try await each(refs) { destination, shard, id throws(RedisError) in
            let dead = keys.dead(shard: shard, destination: destination)
            return try await redis.command("XDEL", .init(dead), .init(id)).throwingServerError().int == 1
        }
    }

    /// Runs `action` on every ref that names one dead letter of a known destination and shard; the
    /// rest are not found without touching Redis. The refs are ``DeadLetterView/ref``'s: the shard
    /// always, the destination left out for `default`, so a ref without one means `default` here.
    private func each(_ refs: [String], _ action: (_ destination: String, _ shard: Int, _ id: String) async throws(RedisError) -> Bool)
        async throws(RedisError) -> (done: [String], notFound: [String])
    {
        var done: [String] = []
        var notFound: [String] = []
        for text in refs {
            guard var ref = try? DeadLetterRef(parsing: text), ref.shard != nil else {
                notFound.append(text)
                continue
            }
            ref.destination = ref.destination ?? Destination.defaultName
            guard let place = ref.places(destinations: destinations, shards: shards).first else {
                notFound.append(text)
                continue
            }
            if try await action(place.destination, place.shard, ref.id) { done.append(text) } else { notFound.append(text) }
        }
        return (done, notFound)
    }
}
