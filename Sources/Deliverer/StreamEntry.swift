import Foundation
public import RedisClient

/// One entry of a shard's stream (or of its dead-letter stream), fields kept in stream order.
///
/// Values are bytes: `body` is whatever the sender posted and need not be UTF-8. The named accessors
/// read the fields the receiver's accept script writes (docs/reference.md, "Redis layout").
public struct StreamEntry: Sendable, Equatable {
    public struct Field: Sendable, Equatable {
        public var name: String
        public var value: [UInt8]

        public init(_ name: String, _ value: [UInt8]) {
            self.name = name
            self.value = value
        }

        public init(_ name: String, _ value: String) {
            self.init(name, Array(value.utf8))
        }
    }

    public var shard: Int
    public var id: String
    public var fields: [Field]

    public init(shard: Int, id: String, fields: [Field]) {
        self.shard = shard
        self.id = id
        self.fields = fields
    }

    /// Reads one `[id, [name, value, ...]]` element of an `XRANGE`/`XREADGROUP`/`XCLAIM` reply; nil for
    /// anything else (such as the `[id, nil]` an older server returns for a deleted entry).
    public init?(shard: Int, reply: RESPValue) {
        guard let pair = reply.array, pair.count >= 2, let id = pair[0].string, let flat = pair[1].array else { return nil }
        var fields: [Field] = []
        fields.reserveCapacity(flat.count / 2)
        var index = 0
        while index + 1 < flat.count {
            guard let name = flat[index].string, let value = flat[index + 1].bytes else { return nil }
            fields.append(Field(name, value))
            index += 2
        }
        self.init(shard: shard, id: id, fields: fields)
    }

    public var ref: EntryRef { EntryRef(shard: shard, id: id) }

    /// The value of the first field called `name`.
    public func value(_ name: String) -> [UInt8]? {
        fields.first { $0.name == name }?.value
    }

    /// The value of field `name` as text (lossy UTF-8), or "" when absent.
    public func text(_ name: String) -> String {
        value(name).map { String(decoding: $0, as: UTF8.self) } ?? ""
    }

    public var key: String { text("key") }
    public var source: String { text("source") }
    public var path: String { text("path") }
    public var contentType: String { text("content_type") }
    public var body: [UInt8] { value("body") ?? [] }

    /// The forwarded request headers: the `headers` field is a JSON object of name to value (a list
    /// of values is joined with ", ", as HTTP folds repeated headers). Empty when absent or unreadable.
    public var forwardedHeaders: [(name: String, value: String)] {
        guard let raw = value("headers"), !raw.isEmpty,
            let object = try? JSONSerialization.jsonObject(with: Data(raw)) as? [String: Any]
        else { return [] }
        var headers: [(name: String, value: String)] = []
        headers.reserveCapacity(object.count)
        for (name, value) in object {
            if let text = value as? String {
                headers.append((name, text))
            } else if let list = value as? [String] {
                headers.append((name, list.joined(separator: ", ")))
            }
        }
        return headers.sorted { $0.name < $1.name }
    }
}
