/// A destination's `order_by`: where a message's conversation is read, so that messages of one
/// conversation reach that destination one at a time, in the order they were accepted.
///
/// Written as a list of JSON pointers and `header:NAME` items, e.g. `[/instance, /data/key/remoteJid]`
/// for Evolution (one chat of one WhatsApp number). The conversation is every item's value, in order.
public struct OrderBy: Sendable, Equatable, CustomStringConvertible {
    public enum Part: Sendable, Equatable {
        case pointer(JSONPointer)
        /// A request header, matched case-insensitively.
        case header(String)
        /// The first of these that has a value: a profile's default for senders that put the other
        /// party in different fields by message kind (Meta: `from` of a message, `recipient_id` of a
        /// status).
        case firstOf([Part])
    }

    public var parts: [Part]

    public init(parts: [Part]) {
        self.parts = parts
    }

    /// Parses the file's items; the error names the item that is neither a pointer nor `header:NAME`.
    public init(items: [String]) throws(OrderByError) {
        guard !items.isEmpty else { throw OrderByError(item: "", reason: "order_by needs at least one item") }
        parts = try items.map { item throws(OrderByError) in
            if item.hasPrefix("header:") {
                let name = String(item.dropFirst("header:".count))
                guard !name.isEmpty, name.utf8.allSatisfy({ $0 > 32 && $0 < 127 && $0 != UInt8(ascii: ":") }) else {
                    throw OrderByError(item: item, reason: "a header name must follow header:")
                }
                return .header(name)
            }
            if let problem = JSONPointer.problem(in: item) { throw OrderByError(item: item, reason: "not a JSON pointer: \(problem)") }
            guard !item.isEmpty, let pointer = JSONPointer(item) else {
                throw OrderByError(item: item, reason: "the whole body is not a conversation; name a field")
            }
            return .pointer(pointer)
        }
    }

    public var description: String {
        "[" + parts.map(Self.describe).joined(separator: ", ") + "]"
    }

    /// The conversation a message belongs to. A missing item counts as empty, so messages that carry
    /// none of the items form one conversation of their own (ordered among themselves) rather than
    /// escaping the order.
    func conversation(body: JSONValue?, headers: [(name: String, value: String)]) -> String {
        parts.map { Self.value(of: $0, body: body, headers: headers) ?? "" }.joined(separator: "\u{1F}")
    }

    static func value(of part: Part, body: JSONValue?, headers: [(name: String, value: String)]) -> String? {
        switch part {
        case .header(let name):
            return HeaderLookup.value(name, in: headers)
        case .pointer(let pointer):
            guard let body else { return nil }
            return WhatsAppChat.canonical(pointer: pointer, in: body) ?? pointer.resolve(in: body)?.keyText
        case .firstOf(let alternatives):
            return alternatives.lazy.compactMap { value(of: $0, body: body, headers: headers) }.first
        }
    }

    private static func describe(_ part: Part) -> String {
        switch part {
        case .pointer(let pointer): pointer.description
        case .header(let name): "header:\(name)"
        case .firstOf(let alternatives): "first of " + alternatives.map(describe).joined(separator: " | ")
        }
    }
}

public struct OrderByError: Error, Equatable, CustomStringConvertible {
    public let item: String
    public let reason: String

    public var description: String {
        item.isEmpty ? reason : "order_by item \"\(item)\": \(reason)"
    }
}
