internal import Crypto

/// Builds dedup keys that operators can read in `redis-cli` yet that stay safe and bounded.
///
/// A key is a trusted `kind` (e.g. `evo`, `meta:msg`) followed by `:`-joined value parts taken from
/// the request. Value parts are encoded so that the result is unambiguous:
/// - a part made only of `A-Za-z0-9._@+=-` is used as is (ids, JIDs, event names read naturally);
/// - any other byte is percent-encoded as `%XX` (uppercase, over UTF-8), so a `:` inside a value
///   can never shift parts and spaces or control bytes never reach Redis;
/// - a missing value is written `-`, and a value that is literally `-` or `sha256` gets its first
///   byte encoded (`%2D`, `%73ha256`), so neither can be mistaken for the missing marker or for a
///   digest form;
/// - when the whole key would exceed ``maxBytes``, it becomes `<kind>:sha256:<hex of the full key>`,
///   which keeps the key short while staying unique for the same input.
enum DedupKey {
    static let maxBytes = 200
    static let missing = "-"

    /// `kind:part:part...[:sha256:<digestHex>]`, capped at ``maxBytes``.
    static func make(kind: String, values: [String?], digestHex: String? = nil) -> String {
        var key = kind
        for value in values {
            key += ":"
            key += value.map(encode) ?? missing
        }
        if let digestHex {
            key += ":sha256:"
            key += digestHex
        }
        return capped(kind: kind, key)
    }

    /// Replaces an over-long key by its digest; the kind stays readable so operators still see which
    /// rule produced it.
    static func capped(kind: String, _ key: String) -> String {
        guard key.utf8.count > maxBytes else { return key }
        return "\(kind):sha256:\(SHA256.hash(data: Array(key.utf8)).hexString)"
    }

    /// Percent-encodes one value part (see the type's doc).
    static func encode(_ value: String) -> String {
        let bytes = value.utf8
        if value == missing || value == "sha256" {
            return percent(bytes.first!) + String(value.dropFirst())
        }
        guard bytes.contains(where: { !isSafe($0) }) else { return value }
        var out = ""
        out.reserveCapacity(bytes.count * 3)
        for byte in bytes {
            if isSafe(byte) {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                out += percent(byte)
            }
        }
        return out
    }

    private static func isSafe(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        case UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "@"), UInt8(ascii: "+"), UInt8(ascii: "="), UInt8(ascii: "-"):
            true
        default:
            false
        }
    }

    private static func percent(_ byte: UInt8) -> String {
        let digits = Array("0123456789ABCDEF".unicodeScalars)
        var out = "%"
        out.unicodeScalars.append(digits[Int(byte >> 4)])
        out.unicodeScalars.append(digits[Int(byte & 0x0F)])
        return out
    }
}
