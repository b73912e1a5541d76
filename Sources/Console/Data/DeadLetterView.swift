public import Deliverer

/// A dead letter as the page shows it: where and why it failed, and what it held, secrets hidden.
public struct DeadLetterView: Sendable, Codable, Equatable {
    /// `SHARD:ID`, the name the replay and delete buttons send.
    public var ref: String
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
        case ref, shard, id, source, key, path, receiver, error, attempts, headers
        case originalID = "original_id"
        case failedAt = "failed_at"
        case receivedAt = "received_at"
        case contentType = "content_type"
        case bodyBytes = "body_bytes"
        case bodyPreview = "body_preview"
    }

    public init(_ letter: DeadLetter) {
        let entry = letter.entry
        ref = "\(letter.shard):\(letter.id)"
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

/// `GET /api/dead-letters`: the count over all shards and the oldest ones.
public struct DeadLetterList: Sendable, Codable, Equatable {
    public var total: Int
    public var letters: [DeadLetterView]
}
