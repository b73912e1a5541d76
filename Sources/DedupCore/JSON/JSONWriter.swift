internal import Crypto
internal import Foundation

/// Writes JSON text straight into bytes: the canonical form that hashed keys are computed over, the
/// member-order form of Meta envelopes, and the small texts the receiver builds on every request
/// (answers, forwarded headers), all with one escaping.
///
/// Escaping: `"` and `\` escaped, `\n \r \t` short, every other control character `\u00XX`
/// (lowercase hex), `/` and non-ASCII written as they are. The canonical form also sorts object
/// members by the UTF-8 bytes of their names (keeping the last of duplicate names, as lookups do) and
/// writes numbers exactly as received. So two bodies that differ only in member order, whitespace or
/// escaping hash the same, and the hash depends on no platform library: it is the same on every
/// receiver and release. These bytes are pinned by tests; changing them changes every hashed key.
///
/// Why by hand: `JSONSerialization` with `.sortedKeys` took ~400 µs per 1 KB body on Linux where
/// this takes a few µs, and on the receiver's request path `JSONSerialization` and `JSONEncoder` cost
/// a measured ~15% and ~3% of its CPU (see docs/benchmarks.md). `JSONEncoder` wrote `\b` and `\f`
/// where this writes `\u0008` and `\u000c`; header values never hold them (HTTP field values are
/// legalized to spaces before the receiver sees them), and neither do answers.
public struct JSONWriter {
    public private(set) var bytes: [UInt8] = []

    public init(capacity: Int = 256) {
        bytes.reserveCapacity(capacity)
    }

    /// Appends trusted text as is: punctuation and member names written in the source code.
    public mutating func raw(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    /// Appends `value` as a JSON string literal. Runs of bytes that need no escape are copied at once.
    public mutating func string(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        var value = value
        value.withUTF8 { utf8 in
            var start = 0
            for index in utf8.indices {
                let byte = utf8[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<index]))
                start = index + 1
                switch byte {
                case UInt8(ascii: "\""): raw("\\\"")
                case UInt8(ascii: "\\"): raw("\\\\")
                case 0x0A: raw("\\n")
                case 0x0D: raw("\\r")
                case 0x09: raw("\\t")
                default:
                    raw("\\u00")
                    bytes.append(Self.hexDigits[Int(byte >> 4)])
                    bytes.append(Self.hexDigits[Int(byte & 0x0F)])
                }
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start...]))
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    static func canonical(_ value: JSONValue) -> [UInt8] {
        var writer = JSONWriter()
        writer.value(value, sorted: true)
        return writer.bytes
    }

    static func canonicalSHA256Hex(_ value: JSONValue) -> String {
        SHA256.hash(data: canonical(value)).hexString
    }

    /// Members in the order received (duplicates included): for bodies handed downstream.
    static func preservingOrder(_ value: JSONValue) -> Data {
        var writer = JSONWriter()
        writer.value(value, sorted: false)
        return Data(writer.bytes)
    }

    private mutating func value(_ value: JSONValue, sorted: Bool) {
        switch value {
        case .null: raw("null")
        case .bool(let bool): bool ? raw("true") : raw("false")
        case .number(let text): bytes.append(contentsOf: text.utf8)
        case .string(let string): self.string(string)
        case .array(let elements):
            raw("[")
            for (position, element) in elements.enumerated() {
                if position > 0 { raw(",") }
                self.value(element, sorted: sorted)
            }
            raw("]")
        case .object(let object):
            raw("{")
            for (position, member) in (sorted ? Self.canonicalMembers(of: object) : object.members).enumerated() {
                if position > 0 { raw(",") }
                string(member.key)
                raw(":")
                self.value(member.value, sorted: sorted)
            }
            raw("}")
        }
    }

    /// Sorted by name; of duplicate names only the last received. Positions are sorted by name, then
    /// by position, so that the last received of a name is the last of its run.
    private static func canonicalMembers(of object: JSONObject) -> [JSONObject.Member] {
        let order = object.members.indices.sorted { left, right in
            let leftKey = object.members[left].key
            let rightKey = object.members[right].key
            return leftKey == rightKey ? left < right : leftKey.utf8.lexicographicallyPrecedes(rightKey.utf8)
        }
        var result: [JSONObject.Member] = []
        result.reserveCapacity(order.count)
        for (rank, position) in order.enumerated() {
            let isLastOfItsName = rank + 1 == order.count || object.members[order[rank + 1]].key != object.members[position].key
            if isLastOfItsName { result.append(object.members[position]) }
        }
        return result
    }
}

/// JSON text for people and scripts to read: `stats`, `dead-letters list --json`, the `-`
/// downstream's lines and the console's API. Keys are sorted, so output is stable to compare and to
/// diff, and `/` is written as is. The one place these tools set that form; the receiver's hot path
/// writes with ``JSONWriter`` instead (see there for why).
public enum SortedJSON {
    /// `value` through `JSONEncoder`; nil when it cannot be encoded.
    public static func text(_ value: some Encodable) -> String? {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) }
    }

    /// A `JSONSerialization` object (dictionaries, arrays, strings, numbers) whose shape is known
    /// only at run time, such as an entry's fields; nil when it is not valid JSON.
    public static func text(jsonObject: Any) -> String? {
        guard JSONSerialization.isValidJSONObject(jsonObject) else { return nil }
        return (try? JSONSerialization.data(withJSONObject: jsonObject, options: [.sortedKeys, .withoutEscapingSlashes]))
            .map { String(decoding: $0, as: UTF8.self) }
    }
}
