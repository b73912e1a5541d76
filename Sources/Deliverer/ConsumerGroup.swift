import DedupCore
import Foundation
import RedisClient

/// One deliverer's view of the consumer group on every shard's stream: the Redis commands of
/// delivery and nothing else.
///
/// Everything but the take-over and the acknowledgement acts only on entries still pending at this
/// consumer (see ``DeliveryScripts``): what another deliverer took over is never taken back.
///
/// Every command names keys of one shard only, so it runs unchanged on Redis Cluster. `redis` is
/// shared and pipelined (acknowledgements, claims, scripts); `readers` holds one client per shard for
/// that shard's blocking `XREADGROUP` (see ``ShardReads``), which would otherwise stall every command
/// queued behind it.
struct ConsumerGroup: Sendable {
    /// Most ids one command carries: keeps a reply small and Lua's `unpack` within its limits.
    static let batchLimit = 500

    let redis: RedisClient
    let readers: [RedisClient]
    let keys: RedisKeys
    let shards: Int
    let group: String
    let consumer: String
    /// The destination whose streams (`stream:DESTINATION` on every shard) this group reads.
    let destination: String

    private let reads: ShardReads

    /// `readers`: one client per shard, each with a single connection whose command timeout outwaits
    /// `BLOCK`.
    init(redis: RedisClient, readers: [RedisClient], configuration: DelivererConfiguration) {
        precondition(readers.count == configuration.shards, "one reader per shard")
        self.redis = redis
        self.readers = readers
        self.reads = ShardReads(shards: configuration.shards)
        self.keys = RedisKeys(prefix: configuration.keyPrefix)
        self.shards = configuration.shards
        self.group = configuration.group
        self.consumer = configuration.consumer
        self.destination = configuration.destination
        for script in [
            DeliveryScripts.acknowledge, DeliveryScripts.deadLetter, DeliveryScripts.claimOwned, DeliveryScripts.touchOwned,
            DeliveryScripts.releaseOwned, DeliveryScripts.takeOver,
        ] {
            redis.register(script)
        }
    }

    /// Creates the group on every shard's stream (and the stream itself). The group starts at `0`,
    /// not `$`: entries accepted before any deliverer ever ran must be delivered too. An existing
    /// group (`BUSYGROUP`) is left as it is.
    func create() async throws(RedisError) {
        let commands = (0..<shards).map { shard in
            RedisCommand("XGROUP", "CREATE", .init(keys.stream(shard: shard, destination: destination)), .init(group), "0", "MKSTREAM")
        }
        for reply in try await redis.pipeline(commands) {
            if let message = reply.errorMessage, !message.hasPrefix("BUSYGROUP") { throw .server(message) }
        }
    }

    /// Reads entries never delivered to the group, at most `perShard` from each shard's stream
    /// (so at most `perShard` × shards in all), waiting up to `block` for the first. Each shard is
    /// read by a command of its own on its own connection, and a shard's read still blocking when
    /// another's brings entries is kept for a later call (see ``ShardReads``).
    /// A missing group (the stream was deleted, or Redis restarted empty) is created again and the
    /// read answers nothing; the next read starts from what the stream holds, which is exactly the
    /// backlog, since delivered entries are deleted.
    func readNew(perShard: Int, block: Duration) async throws(RedisError) -> [ClaimedEntry] {
        let group = self
        return try Self.entries(await reads.next { shard in await group.read(shard: shard, count: perShard, block: block) })
    }

    /// Waits for the reads still in flight and returns the entries they brought: read, so pending
    /// at this consumer, but never handed out. At shutdown, for handing them back.
    func finishReads() async -> [ClaimedEntry] {
        (try? Self.entries(await reads.finish())) ?? []
    }

    /// The entries of all `outcomes`; an error only when no read brought any.
    private static func entries(_ outcomes: [ShardReads.Outcome]) throws(RedisError) -> [ClaimedEntry] {
        var entries: [ClaimedEntry] = []
        var failure: RedisError?
        for outcome in outcomes {
            switch outcome {
            case .success(let read): entries += read
            case .failure(let error): failure = failure ?? error
            }
        }
        if entries.isEmpty, let failure { throw failure }
        return entries
    }

    private func read(shard: Int, count: Int, block: Duration) async -> ShardReads.Outcome {
        do throws(RedisError) {
            let stream = keys.stream(shard: shard, destination: destination)
            let reply = try await readers[shard].send(
                RedisCommand(
                    "XREADGROUP", "GROUP", .init(group), .init(consumer), "COUNT", .init(count), "BLOCK", .init(Int(block.milliseconds)),
                    "STREAMS", .init(stream), ">"))
            if let message = reply.errorMessage {
                guard message.hasPrefix("NOGROUP") else { throw .server(message) }
                try await create()
                return .success([])
            }
            // nil: nothing arrived within `block`.
            guard let streams = reply.array else { return .success([]) }
            var entries: [ClaimedEntry] = []
            for item in streams {
                guard let pair = item.array, pair.count == 2, pair[0].string == stream, let items = pair[1].array else {
                    throw .protocol("unexpected XREADGROUP reply element \(item)")
                }
                for item in items {
                    if let entry = StreamEntry(shard: shard, reply: item) { entries.append(ClaimedEntry(entry: entry, attempt: 1)) }
                }
            }
            return .success(entries)
        } catch {
            return .failure(error)
        }
    }

    /// Claims again those of `ids` still pending at this consumer, counting an attempt for each, with
    /// their attempt numbers. The others (taken over by a peer, or finished) are left out.
    func claimOwned(shard: Int, ids: [String]) async throws(RedisError) -> [ClaimedEntry] {
        if ids.isEmpty { return [] }
        let arguments: [RedisArgument] = [.init(group), .init(consumer)] + ids.map { RedisArgument($0) }
        let reply = try await redis.evalScript(
            DeliveryScripts.claimOwned, keys: [.init(keys.stream(shard: shard, destination: destination))], arguments: arguments)
        return try claimedEntries(shard: shard, reply.throwingServerError())
    }

    /// Takes over up to `count` entries idle at least `minIdle` at any consumer, scanning the
    /// shard's pending list from `cursor`. Returns the cursor to continue from.
    func takeOver(shard: Int, cursor: String, count: Int, minIdle: Duration) async throws(RedisError) -> (
        cursor: String, entries: [ClaimedEntry]
    ) {
        let reply = try await redis.evalScript(
            DeliveryScripts.takeOver, keys: [.init(keys.stream(shard: shard, destination: destination))],
            arguments: [.init(group), .init(consumer), .init(Int(minIdle.milliseconds)), .init(cursor), .init(count)]
        ).throwingServerError()
        guard let parts = reply.array, parts.count == 2, let next = parts[0].string else {
            throw .protocol("unexpected take-over reply \(reply)")
        }
        return (next, try claimedEntries(shard: shard, parts[1]))
    }

    /// Ids pending under this consumer's own name after `after` (exclusive; `-` to start), oldest first:
    /// what a previous run with the same name left unfinished.
    func ownPending(shard: Int, after: String, count: Int) async throws(RedisError) -> [String] {
        let start = after == "-" ? "-" : "(" + after
        let reply = try await redis.command(
            "XPENDING", .init(keys.stream(shard: shard, destination: destination)), .init(group), .init(start), "+", .init(count), .init(consumer))
        return (reply.array ?? []).compactMap { $0.array?.first?.string }
    }

    /// Resets the idle time of those of `ids` still pending at this consumer (the delivery counter
    /// stays), so nobody takes them over while they wait for a retry, a slot or an answer. Returns
    /// those ids; the others were taken over by a peer or finished.
    func touchOwned(shard: Int, ids: [String]) async throws(RedisError) -> Set<String> {
        if ids.isEmpty { return [] }
        let arguments: [RedisArgument] = [.init(group), .init(consumer)] + ids.map { RedisArgument($0) }
        let reply = try await redis.evalScript(
            DeliveryScripts.touchOwned, keys: [.init(keys.stream(shard: shard, destination: destination))], arguments: arguments)
        return Set((try reply.throwingServerError().array ?? []).compactMap(\.string))
    }

    /// Hands entries back at shutdown, those still pending at this consumer: their idle time is set to
    /// `idle` so the next take-over sweep of any deliverer claims them at once, and the delivery
    /// counter back to the attempts made, so the attempt numbering stays true. Returns how many.
    @discardableResult
    func releaseOwned(_ entries: [(ref: EntryRef, attemptsMade: Int)], idle: Duration) async throws(RedisError) -> Int {
        var released = 0
        for (shard, entries) in Dictionary(grouping: entries, by: \.ref.shard) {
            var start = 0
            while start < entries.count {
                let batch = entries[start..<min(start + Self.batchLimit, entries.count)]
                var arguments: [RedisArgument] = [.init(group), .init(consumer), .init(Int(idle.milliseconds))]
                for item in batch { arguments += [.init(item.ref.id), .init(item.attemptsMade)] }
                let reply = try await redis.evalScript(
                    DeliveryScripts.releaseOwned, keys: [.init(keys.stream(shard: shard, destination: destination))], arguments: arguments)
                released += try reply.throwingServerError().int ?? 0
                start += Self.batchLimit
            }
        }
        return released
    }

    /// Delivered: acknowledged and deleted, one atomic step per shard, whoever holds the entry now
    /// (why: ``DeliveryScripts/acknowledge``).
    func acknowledge(_ refs: [EntryRef]) async throws(RedisError) {
        for (shard, refs) in Dictionary(grouping: refs, by: \.shard) {
            _ = try await redis.evalScript(
                DeliveryScripts.acknowledge, keys: [.init(keys.stream(shard: shard, destination: destination))],
                arguments: [.init(group)] + refs.map { RedisArgument($0.id) }
            ).throwingServerError()
        }
    }

    /// What the dead-letter step did.
    enum DeadLetterOutcome: Sendable, Equatable {
        /// Copied to the shard's dead letters, acknowledged and deleted.
        case moved
        /// Pending at this consumer but its data was deleted behind the group's back: acknowledged only.
        case dataGone
        /// Not pending at this consumer (a peer took it over, or it was finished): nothing done.
        case notOwned
    }

    /// Out of attempts: moved to the shard's dead letters in one step, if still this consumer's.
    func deadLetter(_ ref: EntryRef, attempts: Int, error: String, status: Int? = nil) async throws(RedisError) -> DeadLetterOutcome {
        let failedAt = Int(Date().timeIntervalSince1970 * 1000)
        let reply = try await redis.evalScript(
            DeliveryScripts.deadLetter,
            keys: [.init(keys.stream(shard: ref.shard, destination: destination)), .init(keys.dead(shard: ref.shard, destination: destination))],
            arguments: [
                .init(group), .init(consumer), .init(ref.id), .init(error), .init(attempts), .init(failedAt), .init(status.map(String.init) ?? ""),
            ]
        ).throwingServerError()
        if reply == .integer(0) { return .notOwned }
        return reply.isNull ? .dataGone : .moved
    }

    /// Entries in all streams: the backlog, since delivered entries are deleted.
    func backlog() async throws(RedisError) -> Int {
        let commands = (0..<shards).map { RedisCommand("XLEN", .init(keys.stream(shard: $0, destination: destination))) }
        var total = 0
        for reply in try await redis.pipeline(commands) { total += try reply.throwingServerError().int ?? 0 }
        return total
    }

    private func claimedEntries(shard: Int, _ reply: RESPValue) throws(RedisError) -> [ClaimedEntry] {
        guard let items = reply.array else { throw .protocol("unexpected claim reply \(reply)") }
        return items.compactMap { item in
            guard let parts = item.array, parts.count == 3, let count = parts[2].int,
                let entry = StreamEntry(shard: shard, reply: .array([parts[0], parts[1]]))
            else { return nil }
            return ClaimedEntry(entry: entry, attempt: count)
        }
    }
}

extension Duration {
    /// Whole milliseconds, as Redis takes them.
    var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
