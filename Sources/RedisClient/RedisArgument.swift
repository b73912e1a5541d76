public import Foundation

/// One binary-safe argument of a command. Strings, byte arrays, `Data` and integers convert without
/// ceremony; nothing is copied until the command is packed.
public struct RedisArgument: Sendable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral {
    @usableFromInline
    enum Storage: Sendable {
        case string(String)
        case bytes([UInt8])
        case data(Data)
    }

    @usableFromInline
    let storage: Storage

    public init(_ string: String) { storage = .string(string) }
    public init(_ bytes: [UInt8]) { storage = .bytes(bytes) }
    public init(_ data: Data) { storage = .data(data) }
    public init(_ value: Int) { storage = .string(String(value)) }
    public init(stringLiteral value: String) { storage = .string(value) }
    public init(integerLiteral value: Int) { storage = .string(String(value)) }

    @usableFromInline
    var byteCount: Int {
        switch storage {
        case .string(let s): return s.utf8.count
        case .bytes(let b): return b.count
        case .data(let d): return d.count
        }
    }

    @usableFromInline
    func append(to buffer: inout [UInt8]) {
        switch storage {
        case .string(let s): buffer.append(contentsOf: s.utf8)
        case .bytes(let b): buffer.append(contentsOf: b)
        case .data(let d): buffer.append(contentsOf: d)
        }
    }
}

/// A command packed into one contiguous buffer plus argument lengths, ready for
/// `redisAppendCommandArgv`. Packing happens on the caller's task so the connection's owner thread
/// only copies bytes into hiredis.
public struct RedisCommand: Sendable {
    @usableFromInline var buffer: [UInt8]
    @usableFromInline var lengths: [Int]

    public init(_ arguments: [RedisArgument]) {
        var total = 0
        for argument in arguments { total += argument.byteCount }
        buffer = []
        buffer.reserveCapacity(total)
        lengths = []
        lengths.reserveCapacity(arguments.count)
        for argument in arguments {
            argument.append(to: &buffer)
            lengths.append(argument.byteCount)
        }
    }

    public init(_ arguments: RedisArgument...) { self.init(arguments) }

    /// The command name (first argument), for logs and errors.
    public var name: String {
        guard let first = lengths.first else { return "" }
        return String(decoding: buffer[0..<first], as: UTF8.self)
    }
}
