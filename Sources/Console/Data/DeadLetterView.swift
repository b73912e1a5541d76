import DedupCore
public import Deliverer

/// A dead letter as the page shows it: the entry (``EntryPreview``, its members at the top level of
/// the JSON) plus where and why it failed.
public struct DeadLetterView: Sendable, Encodable, Equatable {
    /// The name the replay and delete buttons send: `SHARD:ID` (as `dead-letters replay` takes it)
    /// for the default destination, `DESTINATION:SHARD:ID` for another.
    public var ref: String
    public var destination: String
    public var shard: Int
    public var originalID: String
    public var error: String
    public var attempts: Int
    public var failedAt: Int
    public var entry: EntryPreview

    enum CodingKeys: String, CodingKey {
        case ref, destination, shard, error, attempts
        case originalID = "original_id"
        case failedAt = "failed_at"
    }

    public init(_ letter: DeadLetter) {
        ref = Self.ref(destination: letter.destination, shard: letter.shard, id: letter.id)
        destination = letter.destination
        shard = letter.shard
        originalID = letter.originalID
        error = letter.error
        attempts = letter.attempts
        failedAt = letter.failedAt
        entry = EntryPreview(letter.entry)
    }

    /// The entry's members and the dead letter's in one flat object.
    public func encode(to encoder: any Encoder) throws {
        try entry.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(ref, forKey: .ref)
        try container.encode(destination, forKey: .destination)
        try container.encode(shard, forKey: .shard)
        try container.encode(originalID, forKey: .originalID)
        try container.encode(error, forKey: .error)
        try container.encode(attempts, forKey: .attempts)
        try container.encode(failedAt, forKey: .failedAt)
    }
}

extension DeadLetterView {
    /// A ``DeadLetterRef`` with the shard always and the destination unless it is `default`.
    static func ref(destination: String, shard: Int, id: String) -> String {
        DeadLetterRef(destination: destination == Destination.defaultName ? nil : destination, shard: shard, id: id).description
    }
}

/// `GET /api/dead-letters`: the count over all shards and the oldest ones.
public struct DeadLetterList: Sendable, Encodable, Equatable {
    public var total: Int
    public var letters: [DeadLetterView]
}
