public import Foundation

/// An `application/x-www-form-urlencoded` body (Twilio's), decoded into its fields.
///
/// Decoding follows the HTML form rules Twilio's own libraries apply: `&` separates fields, the
/// first `=` separates name from value, `+` is a space and `%XX` a byte; a `%` not followed by two
/// hex digits is kept as written. Bytes that are not UTF-8 become U+FFFD. The body itself is never
/// changed: it is stored and forwarded byte for byte, and only keys and signatures read the fields.
public struct FormBody: Sendable {
    /// Fields in body order; a name may repeat.
    public let fields: [(name: String, value: String)]

    public init(_ body: Data) {
        var fields: [(name: String, value: String)] = []
        for pair in body.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let equals = pair.firstIndex(of: UInt8(ascii: "="))
            let name = Self.decode(pair[pair.startIndex..<(equals ?? pair.endIndex)])
            let value = equals.map { Self.decode(pair[pair.index(after: $0)...]) } ?? ""
            fields.append((name, value))
        }
        self.fields = fields
    }

    /// True for the form media type (parameters dropped, ASCII case-insensitive).
    public static func isForm(contentType: String?) -> Bool {
        guard let contentType else { return false }
        let type = contentType.prefix { $0 != ";" }.trimmingCharacters(in: .whitespaces)
        return type.lowercased() == "application/x-www-form-urlencoded"
    }

    /// The first value of `name` (case-sensitive, as form names are); nil when absent or empty.
    public func value(_ name: String) -> String? {
        fields.first { $0.name == name && !$0.value.isEmpty }?.value
    }

    private static func decode(_ bytes: Data.SubSequence) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte == UInt8(ascii: "+") {
                out.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%"), bytes.distance(from: index, to: bytes.endIndex) >= 3,
                let decoded = Hex.decode(String(decoding: bytes[(index + 1)...(index + 2)], as: UTF8.self))
            {
                out.append(decoded[0])
                index += 2
            } else {
                out.append(byte)
            }
            index += 1
        }
        return String(decoding: out, as: UTF8.self)
    }
}
