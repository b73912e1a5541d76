import DedupCore
import Deliverer
public import RedisClient

/// The console's two buttons on a dead letter. Replay is `dead-letters replay`'s own code
/// (``DeadLetterStore``); delete removes the dead letter for good (`XDEL` on its shard's dead stream).
public struct DeadLetterActions: Sendable {
    let redis: RedisClient
    let store: DeadLetterStore
    let keys: RedisKeys
    let shards: Int

    public init(redis: RedisClient, keyPrefix: String, shards: Int) {
        self.redis = redis
        self.store = DeadLetterStore(redis: redis, keyPrefix: keyPrefix, shards: shards)
        self.keys = RedisKeys(prefix: keyPrefix)
        self.shards = shards
    }

    public func list(limit: Int) async throws(RedisError) -> DeadLetterList {
        DeadLetterList(total: try await store.count(), letters: try await store.list(limit: limit).map(DeadLetterView.init))
    }

    public func replay(_ refs: [String]) async throws(RedisError) -> (done: [String], notFound: [String]) {
        let (replayed, notFound) = try await store.replay(ids: refs)
        return (replayed.map { "\($0.shard):\($0.deadID)" }, notFound)
    }

    /// Deletes dead letters named `SHARD:ID` (only that form: a delete must not guess the shard).
    public func delete(_ refs: [String]) async throws(RedisError) -> (done: [String], notFound: [String]) {
        var done: [String] = []
        var notFound: [String] = []
        for ref in refs {
            let parts = ref.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, let shard = Int(parts[0]), (0..<shards).contains(shard), Self.isStreamID(parts[1]) else {
                notFound.append(ref)
                continue
            }
            let deleted = try await redis.command("XDEL", .init(keys.dead(shard: shard)), .init(String(parts[1]))).throwingServerError()
            if deleted.int == 1 { done.append(ref) } else { notFound.append(ref) }
        }
        return (done, notFound)
    }

    static func isStreamID(_ text: Substring) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        return parts.count == 2 && parts.allSatisfy { !$0.isEmpty && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }
    }
}
