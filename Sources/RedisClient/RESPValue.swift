/// One RESP2 reply, copied out of hiredis so it outlives the reply object and can cross threads.
///
/// Decoding into Swift types (`string`, `int`, `array`) is a separate step so callers decide how strict
/// to be; server errors stay values here and become ``RedisError/server(_:)`` only where a caller asks
/// for a single command's result.
public enum RESPValue: Sendable, Equatable, Hashable {
    /// `+OK` style status reply.
    case simpleString(String)
    /// `-ERR ...` error reply, with the server's message.
    case error(String)
    case integer(Int64)
    /// Binary-safe bulk string.
    case bulkString([UInt8])
    /// Nil bulk string or nil array.
    case null
    case array([RESPValue])
}

extension RESPValue {
    /// The value as text: bulk and simple strings (UTF-8, lossy), integers in decimal; nil otherwise.
    public var string: String? {
        switch self {
        case .simpleString(let s): return s
        case .bulkString(let bytes): return String(decoding: bytes, as: UTF8.self)
        case .integer(let i): return String(i)
        default: return nil
        }
    }

    /// The value as an integer: integer replies, and bulk strings holding a decimal number.
    public var int: Int? {
        switch self {
        case .integer(let i): return Int(i)
        case .bulkString, .simpleString: return string.flatMap { Int($0) }
        default: return nil
        }
    }

    /// The raw bytes of a bulk or simple string.
    public var bytes: [UInt8]? {
        switch self {
        case .bulkString(let bytes): return bytes
        case .simpleString(let s): return Array(s.utf8)
        default: return nil
        }
    }

    public var array: [RESPValue]? {
        if case .array(let values) = self { return values }
        return nil
    }

    public var isNull: Bool { self == .null }

    /// The server's message when this is an error reply.
    public var errorMessage: String? {
        if case .error(let message) = self { return message }
        return nil
    }

    /// Throws ``RedisError/server(_:)`` for an error reply, else returns the value itself.
    public func throwingServerError() throws(RedisError) -> RESPValue {
        if case .error(let message) = self { throw .server(message) }
        return self
    }
}

extension RESPValue: CustomStringConvertible {
    public var description: String {
        switch self {
        case .simpleString(let s): return s
        case .error(let e): return "(error) \(e)"
        case .integer(let i): return "(integer) \(i)"
        case .bulkString(let b): return "\"\(String(decoding: b, as: UTF8.self))\""
        case .null: return "(nil)"
        case .array(let values): return "[" + values.map(\.description).joined(separator: ", ") + "]"
        }
    }
}
