/// Case-insensitive header lookup over the raw `(name, value)` list the receiver hands over.
///
/// Kept as a linear scan: a webhook carries a dozen headers, and building a dictionary per request
/// would cost more than it saves.
enum HeaderLookup {
    /// The first value of `name`, trimmed of spaces and tabs; nil when the header is absent or empty,
    /// because an empty idempotency or signature header carries no information.
    static func value(_ name: String, in headers: [(name: String, value: String)]) -> String? {
        for header in headers where equalsIgnoringASCIICase(header.name, name) {
            let trimmed = trim(header.value)
            if !trimmed.isEmpty { return trimmed }
        }
        return nil
    }

    /// ASCII case-insensitive comparison: header names are ASCII tokens, so no Unicode folding is
    /// needed, and this avoids allocating lowercased copies per header.
    static func equalsIgnoringASCIICase(_ lhs: String, _ rhs: String) -> Bool {
        let left = lhs.utf8
        let right = rhs.utf8
        guard left.count == right.count else { return false }
        for (a, b) in zip(left, right) where a != b {
            guard lowercase(a) == lowercase(b) else { return false }
        }
        return true
    }

    private static func lowercase(_ byte: UInt8) -> UInt8 {
        (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z")) ? byte + 32 : byte
    }

    /// HTTP optional whitespace is only space and tab.
    private static func trim(_ value: String) -> String {
        let isOWS: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = value.firstIndex(where: { !isOWS($0) }) else { return "" }
        let last = value.lastIndex(where: { !isOWS($0) })!
        if first == value.startIndex && last == value.index(before: value.endIndex) { return value }
        return String(value[first...last])
    }
}
