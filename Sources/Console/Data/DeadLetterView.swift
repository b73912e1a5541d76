import DedupCore
public import Deliverer

/// A dead letter as the page shows it: where and why it failed, and what it held, secrets hidden.
public struct DeadLetterView: Sendable, Codable, Equatable {
    /// The name the replay and delete buttons send: `SHARD:ID` (as `dead-letters replay` takes it)
    /// for the default destination, `DESTINATION:SHARD:ID` for another.
    public var ref: String
    public var destination: String
    public var shard: Int
    public var id: String
    public var originalID: String
    public var source: String
    public var key: String
    public var path: String
    public var receiver: String
    public var error: String
    public var attempts: Int
    public var failedAt: Int
    public var receivedAt: Int
    public var contentType: String
    public var headers: [String: String]
    public var bodyBytes: Int
    public var bodyPreview: String

    enum CodingKeys: String, CodingKey {
        case ref, destination, shard, id, source, key, path, receiver, error, attempts, headers
        case originalID = "original_id"
        case failedAt = "failed_at"
        case receivedAt = "received_at"
        case contentType = "content_type"
        case bodyBytes = "body_bytes"
        case bodyPreview = "body_preview"
    }

    public init(_ letter: DeadLetter) {
        let entry = letter.entry
        ref = Self.ref(destination: letter.destination, shard: letter.shard, id: letter.id)
        destination = letter.destination
        shard = letter.shard
        id = letter.id
        originalID = letter.originalID
        source = letter.source
        key = letter.key
        path = entry.path
        receiver = entry.text("receiver")
        error = letter.error
        attempts = letter.attempts
        failedAt = letter.failedAt
        receivedAt = Int(entry.text("received_at")) ?? 0
        contentType = entry.contentType
        headers = SecretRedaction.headers(entry.forwardedHeaders)
        bodyBytes = entry.body.count
        bodyPreview = SecretRedaction.bodyPreview(entry.body)
    }
}

extension DeadLetterView {
    static func ref(destination: String, shard: Int, id: String) -> String {
        destination == Destination.defaultName ? "\(shard):\(id)" : "\(destination):\(shard):\(id)"
    }

    /// The destination, shard and id a ref names; nil for anything else.
    static func parse(ref: String) -> (destination: String, shard: Int, id: String)? {
        let parts = ref.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2 || parts.count == 3, let shard = Int(parts[parts.count - 2]), shard >= 0 else { return nil }
        return (parts.count == 3 ? parts[0] : Destination.defaultName, shard, parts[parts.count - 1])
    }
}

/// `GET /api/dead-letters`: the count over all shards and the oldest ones.
public struct DeadLetterList: Sendable, Codable, Equatable {
    public var total: Int
    public var letters: [DeadLetterView]
}
