/// One entry of a shard's dead-letter stream: the original entry's fields plus why and when it
/// failed for good.
public struct DeadLetter: Sendable, Equatable {
    /// The dead-letter stream entry itself (`shard` and `id` are its place in the dead stream).
    public var entry: StreamEntry
    /// The destination whose dead letters hold it.
    public var destination: String

    public init(entry: StreamEntry, destination: String = "default") {
        self.entry = entry
        self.destination = destination
    }

    public var shard: Int { entry.shard }
    public var id: String { entry.id }
    /// The id the message had in the stream when it failed.
    public var originalID: String { entry.text("original_id") }
    public var error: String { entry.text("error") }
    public var attempts: Int { Int(entry.text("attempts")) ?? 0 }
    /// Unix milliseconds.
    public var failedAt: Int { Int(entry.text("failed_at")) ?? 0 }
    public var key: String { entry.key }
    public var source: String { entry.source }

    /// The dead letter as a JSON object (see ``EntryJSON``) with its shard, for `list --json`.
    public var jsonObject: [String: Any] {
        var object = EntryJSON.object(entry)
        object["shard"] = shard
        object["destination"] = destination
        return object
    }
}
