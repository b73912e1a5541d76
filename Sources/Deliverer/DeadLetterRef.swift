/// The name of a dead letter as operators type it and the console sends it: `DESTINATION:SHARD:ID`,
/// `SHARD:ID` or a bare `ID`.
///
/// Stream ids are unique only within one stream, so the same id can name letters in several shards
/// and destinations; a part left out leaves that choice open (`dead-letters replay` looks in every
/// shard or destination). `dead-letters replay` and the console's buttons read the text with this one
/// parser, so a name means the same in both and a malformed one is refused with the same reason.
public struct DeadLetterRef: Sendable, Hashable, CustomStringConvertible {
    /// nil: any destination.
    public var destination: String?
    /// nil: any shard.
    public var shard: Int?
    /// The dead letter's own stream id, `MS-SEQ` as `dead-letters list` shows it. Both halves are
    /// required: Redis reads a bare `MS` as a range in `XRANGE` but as `MS-0` in `XDEL`, so a replay
    /// by `MS` alone could copy one letter and delete another (or none).
    public var id: String

    public init(destination: String? = nil, shard: Int? = nil, id: String) {
        self.destination = destination
        self.shard = shard
        self.id = id
    }

    /// Reads `DESTINATION:SHARD:ID`, `SHARD:ID` or `ID`. Destination names and stream ids hold no `:`.
    public init(parsing text: String) throws(DeadLetterRefError) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard parts.count <= 3 else { throw DeadLetterRefError(text, "too many parts") }
        let id = parts[parts.count - 1]
        guard Self.isStreamID(id) else {
            throw DeadLetterRefError(text, id.isEmpty ? "the id is missing" : "the id \"\(id)\" is not a stream id (MS-SEQ)")
        }
        var shard: Int?
        if parts.count >= 2 {
            let digits = parts[parts.count - 2]
            guard !digits.isEmpty, digits.count <= 9, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let number = Int(digits) else {
                throw DeadLetterRefError(text, digits.isEmpty ? "the shard is missing" : "the shard \"\(digits)\" is not a shard number")
            }
            shard = number
        }
        var destination: String?
        if parts.count == 3 {
            guard !parts[0].isEmpty else { throw DeadLetterRefError(text, "the destination is empty") }
            destination = parts[0]
        }
        self.init(destination: destination, shard: shard, id: id)
    }

    /// The dead-letter streams this ref may name among `destinations` and shards `0..<shards`: its
    /// destination and shard when it names them, every one when it leaves them out, none when it
    /// names one outside them.
    public func places(destinations: [String], shards: Int) -> [(destination: String, shard: Int)] {
        let names = destination.map { name in destinations.filter { $0 == name } } ?? destinations
        let shardRange = shard.map { (0..<shards).contains($0) ? $0..<($0 + 1) : 0..<0 } ?? 0..<shards
        return names.flatMap { name in shardRange.map { (name, $0) } }
    }

    /// The text form, with only the parts that are set.
    public var description: String {
        [destination, shard.map(String.init), id].compactMap { $0 }.joined(separator: ":")
    }

    /// `MS-SEQ`, each half decimal digits that fit Redis's 64 bits.
    static func isStreamID(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        return parts.count == 2 && parts.allSatisfy { $0.allSatisfy { $0.isASCII && $0.isNumber } && UInt64($0) != nil }
    }
}

/// A dead-letter name that is not `DESTINATION:SHARD:ID`, `SHARD:ID` or `ID`, with what is wrong.
public struct DeadLetterRefError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The text as given.
    public var ref: String
    public var reason: String

    init(_ ref: String, _ reason: String) {
        self.ref = ref
        self.reason = reason
    }

    public var description: String {
        "\"\(ref)\" is not a dead letter (DESTINATION:SHARD:ID, SHARD:ID or ID): \(reason)"
    }
}
