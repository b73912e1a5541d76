internal import Foundation

/// Decides whether a request body is JSON and parses it, once per request.
///
/// Every key rule reads the same parsed tree, so a request costs one parse, and a body that is
/// not JSON by its content type is never parsed at all.
enum JSONBody {
    /// True when the body must be treated as JSON: a JSON media type (`application/json` or any
    /// `+json` suffix), or no content type and a body whose first non-blank byte is `{` or `[`.
    /// A body sent as `text/plain` is not second-guessed: the sender said what it is.
    static func isJSON(contentType: String?, body: Data) -> Bool {
        if let contentType, let isJSON = isJSONMediaType(contentType) {
            return isJSON
        }
        for byte in body {
            switch byte {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"):
                continue
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                return true
            default:
                return false
            }
        }
        return false
    }

    static func parse(_ body: Data) throws(DerivationError) -> JSONValue {
        do {
            return try JSONParser.parse(body)
        } catch {
            throw .invalidJSON(error.message)
        }
    }

    /// Whether the media type (parameters dropped, ASCII case-insensitive) is JSON; nil for a blank
    /// header, which some clients send and which is treated as absent. Works on bytes: this runs
    /// for every request.
    private static func isJSONMediaType(_ contentType: String) -> Bool? {
        var type = ArraySlice(contentType.utf8.prefix { $0 != UInt8(ascii: ";") })
        while let first = type.first, first == 0x20 || first == 0x09 { type = type.dropFirst() }
        while let last = type.last, last == 0x20 || last == 0x09 { type = type.dropLast() }
        guard !type.isEmpty else { return nil }
        let lowered = type.map { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") ? $0 + 32 : $0 }
        return lowered.elementsEqual("application/json".utf8) || lowered.reversed().starts(with: "+json".utf8.reversed())
    }
}
