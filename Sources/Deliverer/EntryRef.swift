/// Names one stream entry: entry ids are unique within a stream, not across shards.
public struct EntryRef: Sendable, Hashable, CustomStringConvertible {
    public var shard: Int
    public var id: String

    public init(shard: Int, id: String) {
        self.shard = shard
        self.id = id
    }

    public var description: String { "{\(shard)}:\(id)" }
}
