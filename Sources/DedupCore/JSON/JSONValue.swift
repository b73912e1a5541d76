/// A parsed JSON document, as produced by ``JSONParser``.
///
/// Numbers keep the exact text the sender wrote, so hashing a body never depends on how a
/// platform formats floating point, and a key part reads `1761060000` rather than `1.76106e+09`.
/// Booleans are their own case, so `fromMe: 1` can never be mistaken for `true`.
enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    /// The literal as received, already checked against the JSON number grammar.
    case number(String)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    var stringValue: String? {
        if case .string(let string) = self { return string }
        return nil
    }

    /// A string that is not empty: an empty id identifies nothing.
    var nonEmptyString: String? {
        if case .string(let string) = self, !string.isEmpty { return string }
        return nil
    }

    var boolValue: Bool? {
        if case .bool(let bool) = self { return bool }
        return nil
    }

    var objectValue: JSONObject? {
        if case .object(let object) = self { return object }
        return nil
    }

    var arrayValue: [JSONValue]? {
        if case .array(let array) = self { return array }
        return nil
    }

    var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// Member lookup that chains through optionals: `body["data"]?["key"]?["id"]`.
    subscript(key: String) -> JSONValue? {
        objectValue?[key]
    }

    /// The text this value contributes to a key: a string as is, a number or boolean as written,
    /// an object or array as canonical JSON; `null` gives nil (treated as missing).
    var keyText: String? {
        switch self {
        case .null: nil
        case .bool(let bool): bool ? "true" : "false"
        case .number(let text): text
        case .string(let string): string
        case .array, .object: String(decoding: JSONWriter.canonical(self), as: UTF8.self)
        }
    }
}
