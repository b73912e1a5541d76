internal import Foundation

/// An RFC 6901 JSON pointer such as `/data/key/id` or `/a~1b` (the member `a/b`).
///
/// Used by source rules to name key fields and fields to ignore. It is parsed once when the sources
/// file loads, so a typo is a start-up error rather than a silently empty key.
public struct JSONPointer: Sendable, Hashable, CustomStringConvertible {
    /// The unescaped reference tokens; empty for the root pointer "".
    public let tokens: [String]
    /// The pointer as written.
    public let description: String

    /// Nil when `text` is not a pointer; ``problem(in:)`` says why.
    public init?(_ text: String) {
        guard Self.problem(in: text) == nil else { return nil }
        description = text
        guard !text.isEmpty else {
            tokens = []
            return
        }
        tokens = text.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map { token in
            // ~1 first, then ~0 (RFC 6901 section 4), so "~01" becomes "~1" and not "/".
            token.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
        }
    }

    /// Why `text` is not a JSON pointer, or nil when it is one.
    public static func problem(in text: String) -> String? {
        if text.isEmpty { return nil }
        guard text.hasPrefix("/") else { return "must start with /" }
        var utf8 = text.utf8.makeIterator()
        while let byte = utf8.next() {
            guard byte == UInt8(ascii: "~") else { continue }
            guard let next = utf8.next(), next == UInt8(ascii: "0") || next == UInt8(ascii: "1") else {
                return "~ must be followed by 0 or 1"
            }
        }
        return nil
    }
}

extension JSONPointer {
    /// The value the pointer designates, or nil when any step is absent. Array steps must be a
    /// decimal index without leading zeros; `-` (past the end) designates nothing.
    func resolve(in root: JSONValue) -> JSONValue? {
        var current = root
        for token in tokens {
            switch current {
            case .object(let object):
                guard let next = object[token] else { return nil }
                current = next
            case .array(let array):
                guard let index = Self.arrayIndex(token, count: array.count) else { return nil }
                current = array[index]
            default:
                return nil
            }
        }
        return current
    }

    /// A copy of `root` without the designated value; unchanged when the pointer designates nothing.
    /// Removing the root itself is not meaningful and leaves the tree as is.
    func removing(from root: JSONValue) -> JSONValue {
        guard !tokens.isEmpty else { return root }
        return Self.remove(tokens[...], from: root)
    }

    private static func remove(_ tokens: ArraySlice<String>, from value: JSONValue) -> JSONValue {
        let token = tokens.first!
        let rest = tokens.dropFirst()
        switch value {
        case .object(var object):
            if rest.isEmpty {
                object[token] = nil
            } else if let child = object[token] {
                object[token] = remove(rest, from: child)
            }
            return .object(object)
        case .array(var array):
            guard let index = arrayIndex(token, count: array.count) else { return value }
            if rest.isEmpty {
                array.remove(at: index)
            } else {
                array[index] = remove(rest, from: array[index])
            }
            return .array(array)
        default:
            return value
        }
    }

    private static func arrayIndex(_ token: String, count: Int) -> Int? {
        guard !token.isEmpty, token == "0" || !token.hasPrefix("0"),
            token.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
            let index = Int(token), index < count
        else { return nil }
        return index
    }
}
