import Deliverer

/// A stream entry as the console shows it, in a dead letter or in a look-up: where it came from and
/// what it held, with secrets hidden (``SecretRedaction``).
public struct EntryPreview: Sendable, Encodable, Equatable {
    public var id: String
    public var source: String
    public var key: String
    public var path: String
    public var receiver: String
    public var receivedAt: Int
    public var contentType: String
    public var headers: [String: String]
    public var bodyBytes: Int
    public var bodyPreview: String

    enum CodingKeys: String, CodingKey {
        case id, source, key, path, receiver, headers
        case receivedAt = "received_at"
        case contentType = "content_type"
        case bodyBytes = "body_bytes"
        case bodyPreview = "body_preview"
    }

    init(_ entry: StreamEntry) {
        id = entry.id
        source = entry.source
        key = entry.key
        path = entry.path
        receiver = entry.text("receiver")
        receivedAt = Int(entry.text("received_at")) ?? 0
        contentType = entry.contentType
        headers = SecretRedaction.headers(entry.forwardedHeaders)
        bodyBytes = entry.body.count
        bodyPreview = SecretRedaction.bodyPreview(entry.body)
    }
}
