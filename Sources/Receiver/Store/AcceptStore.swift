import DedupCore
import Foundation
import RedisClient

/// One message on its way into Redis: where it goes and the stream entry that describes it.
struct AcceptRequest: Sendable {
    var source: String
    var key: String
    var ttl: Int
    /// Stream entry fields in the order docs/reference.md lists them, without `key` and `source`, which are added here.
    var path: String
    var receivedAt: Int64
    var contentType: String
    var headersJSON: Data
    var body: Data
    /// Evolution's `entryPointConversionSource`, counted per minute for duplicates (see ``AcceptScript``).
    var entryPoint: String? = nil
    /// The destinations whose streams get the message (its source's routes); empty: matched no route.
    var destinations: [String] = [Destination.defaultName]
    /// Set when the source routes to an ordered destination: the conversation picks the shard, and
    /// the ordered destinations get the entry in the conversation's partition stream.
    var ordering: MessageOrdering? = nil
}

/// What Redis said about one message.
struct AcceptResult: Sendable, Equatable {
    var isNew: Bool
    /// The stream entry id holding the message: the new one, or the first one for a duplicate.
    var entryID: String
}

/// Records messages with ``AcceptScript``: one `EVALSHA` per message; the messages of one POST go out
/// in one pipeline, and concurrent POSTs are pipelined together by the client.
///
/// With `minReplicas` ≥ 1 the pipeline ends with `WAIT minReplicas ms`: Redis answers it once every
/// earlier write on that connection reached that many replicas, so one `WAIT` covers the POST's
/// scripts (and whatever other requests wrote before them on the same connection). Fewer replicas
/// within the time throws a timeout, answered 503: a 200 then means the message survives losing the
/// primary.
struct AcceptStore: Sendable {
    let redis: RedisClient
    let keys: RedisKeys
    let shards: Int
    let receiverName: String
    let timeout: Duration
    let minReplicas: Int
    private let byJSON: String
    private let waitCommand: RedisCommand?

    init(redis: RedisClient, keyPrefix: String, shards: Int, receiverName: String, timeout: Duration, minReplicas: Int = 0) {
        self.redis = redis
        self.keys = RedisKeys(prefix: keyPrefix)
        self.shards = shards
        self.receiverName = receiverName
        self.timeout = timeout
        self.minReplicas = minReplicas
        self.waitCommand = Self.waitCommand(minReplicas: minReplicas, timeout: timeout)
        let encoded = try? JSONSerialization.data(withJSONObject: [receiverName], options: [])
        // `["name"]` -> `"name"`: a JSON string literal, escaped by Foundation.
        self.byJSON = encoded.map { String(decoding: $0.dropFirst().dropLast(), as: UTF8.self) } ?? "\"receiver\""
        redis.register(AcceptScript.script)
    }

    func accept(_ requests: [AcceptRequest]) async throws(RedisError) -> [AcceptResult] {
        var replies = try await send(requests.map(command(for:)))
        for index in replies.indices where replies[index].errorMessage?.hasPrefix("NOSCRIPT") == true {
            // The script cache was flushed since this connection loaded it: load and retry that one.
            replies[index] = try await send([RedisCommand("SCRIPT", "LOAD", .init(AcceptScript.script.source)), command(for: requests[index])])[1]
        }
        return try replies.map(Self.result(from:))
    }

    /// Sends `commands` in one pipeline, followed by the `WAIT` that `minReplicas` asks for (checked,
    /// and left out of the replies).
    private func send(_ commands: [RedisCommand]) async throws(RedisError) -> [RESPValue] {
        guard let waitCommand else { return try await redis.pipeline(commands, timeout: timeout) }
        var replies = try await redis.pipeline(commands + [waitCommand], timeout: timeout)
        try Self.checkReplicas(replies.removeLast(), wanted: minReplicas)
        return replies
    }

    /// `WAIT` gets three quarters of the Redis timeout, so its own answer (how many replicas it saw)
    /// arrives before the client gives up on the pipeline. Nil without `minReplicas`.
    private static func waitCommand(minReplicas: Int, timeout: Duration) -> RedisCommand? {
        guard minReplicas > 0 else { return nil }
        let (seconds, attoseconds) = timeout.components
        let milliseconds = Int(seconds * 1000 + attoseconds / 1_000_000_000_000_000)
        return RedisCommand("WAIT", .init(minReplicas), .init(max(1, milliseconds * 3 / 4)))
    }

    private static func checkReplicas(_ reply: RESPValue, wanted: Int) throws(RedisError) {
        if let message = reply.errorMessage { throw .server(message) }
        guard let reached = reply.int else { throw .protocol("WAIT returned \(reply)") }
        if reached < wanted {
            throw .timeout("the write reached \(reached) of the \(wanted) replicas WD_MIN_REPLICAS asks for")
        }
    }

    private func command(for request: AcceptRequest) -> RedisCommand {
        AcceptScript.script.command(keys: commandKeys(for: request), arguments: arguments(for: request))
    }

    private func commandKeys(for request: AcceptRequest) -> [RedisArgument] {
        let shard =
            request.ordering.map { OrderingPartition.shard(ofPartition: $0.partition, shards: shards) }
            ?? ShardRouter.shard(source: request.source, key: request.key, shards: shards)
        return [
            RedisArgument(keys.seen(shard: shard, source: request.source, key: request.key)),
            RedisArgument(keys.unrouted(shard: shard)),
            RedisArgument(keys.statsPrefix(shard: shard, source: request.source)),
            RedisArgument(keys.statsSources(shard: shard)),
        ]
            + request.destinations.map { destination in
                if let ordering = request.ordering, ordering.destinations.contains(destination) {
                    return RedisArgument(keys.partition(ordering.partition, destination: destination, shards: shards))
                }
                return RedisArgument(keys.stream(shard: shard, destination: destination))
            }
    }

    private func arguments(for request: AcceptRequest) -> [RedisArgument] {
        var arguments: [RedisArgument] = [
            RedisArgument(request.ttl),
            RedisArgument(String(request.receivedAt)),
            RedisArgument(byJSON),
            RedisArgument(request.source),
            RedisArgument(receiverName),
            RedisArgument(Self.entryPointField(request.entryPoint)),
            "key", RedisArgument(request.key),
            "source", RedisArgument(request.source),
            "path", RedisArgument(request.path),
            "received_at", RedisArgument(String(request.receivedAt)),
            "receiver", RedisArgument(receiverName),
            "content_type", RedisArgument(request.contentType),
            "headers", RedisArgument(request.headersJSON),
            "body", RedisArgument(request.body),
        ]
        if let ordering = request.ordering { arguments += ["conversation", RedisArgument(ordering.conversation)] }
        return arguments
    }

    /// The entry point as a hash field name: it comes from the body, so anything but a short
    /// `[A-Za-z0-9_.-]` name counts as `other` rather than inventing fields; none is "".
    static func entryPointField(_ entryPoint: String?) -> String {
        guard let entryPoint, !entryPoint.isEmpty else { return "" }
        let allowed = entryPoint.utf8.count <= 64 && entryPoint.utf8.allSatisfy(isEntryPointByte)
        return allowed ? entryPoint : "other"
    }

    private static func isEntryPointByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"): true
        case UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "-"): true
        default: false
        }
    }

    private static func result(from reply: RESPValue) throws(RedisError) -> AcceptResult {
        if let message = reply.errorMessage { throw .server(message) }
        guard let parts = reply.array, parts.count == 2, let flag = parts[0].int, let seen = parts[1].bytes else {
            throw .protocol("accept script returned \(reply)")
        }
        if let id = SeenRecord.entryID(fastPath: seen) {
            return AcceptResult(isNew: flag == 1, entryID: id)
        }
        guard let record = try? JSONDecoder().decode(SeenRecord.self, from: Data(seen)) else {
            throw .protocol("seen record is not JSON: \(String(decoding: seen, as: UTF8.self))")
        }
        return AcceptResult(isNew: flag == 1, entryID: record.id)
    }
}

/// The value of a `seen` key: `{"id":ENTRY_ID,"at":UNIX_MS,"by":RECEIVER}`.
struct SeenRecord: Codable, Sendable {
    var id: String
    var at: Int64
    var by: String

    /// The entry id of a value as ``AcceptScript`` writes it, `{"id":"1732890000123-0","at":...`,
    /// read without a JSON decoder (`JSONDecoder` cost ~4% of the receiver's CPU here); nil for any
    /// other shape, which the caller decodes in full.
    static func entryID(fastPath value: [UInt8]) -> String? {
        let prefix: [UInt8] = Array(#"{"id":""#.utf8)
        guard value.count > prefix.count + 3, value.starts(with: prefix) else { return nil }
        var end = prefix.count
        while end < value.count, value[end] != UInt8(ascii: "\""), value[end] != UInt8(ascii: "\\") { end += 1 }
        guard end > prefix.count, end + 1 < value.count, value[end] == UInt8(ascii: "\""), value[end + 1] == UInt8(ascii: ",") else { return nil }
        return String(decoding: value[prefix.count..<end], as: UTF8.self)
    }
}
