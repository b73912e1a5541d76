import CHiredis
public import Foundation
import NIOCore

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

    /// Copies the bytes to `destination` (room for ``byteCount`` bytes) and returns how many.
    func copyBytes(to destination: UnsafeMutablePointer<UInt8>) -> Int {
        let buffer = UnsafeMutableRawBufferPointer(start: destination, count: byteCount)
        switch storage {
        case .string(let s): buffer.copyBytes(from: s.utf8)
        case .bytes(let b): buffer.copyBytes(from: b)
        case .data(let d): buffer.copyBytes(from: d)
        }
        return buffer.count
    }
}

/// A command in Redis's wire format, formatted by hiredis (`redisFormatSdsCommandArgv`, binary safe:
/// every argument goes out length-prefixed) on the caller's task. The connection's event loop then
/// only appends finished bytes to its output buffer, so the loop does as little per command as it can.
public struct RedisCommand: Sendable {
    let formatted: FormattedCommand

    public init(_ arguments: [RedisArgument]) {
        var total = 0
        for argument in arguments { total += argument.byteCount }
        let count = arguments.count
        formatted = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: max(total, 1)) { packed in
            withUnsafeTemporaryAllocation(of: Int.self, capacity: max(count, 1)) { lengths in
                withUnsafeTemporaryAllocation(of: UnsafePointer<CChar>?.self, capacity: max(count, 1)) { argv in
                    let base = packed.baseAddress!
                    var offset = 0
                    for (index, argument) in arguments.enumerated() {
                        let length = argument.copyBytes(to: base + offset)
                        argv[index] = UnsafeRawPointer(base + offset).assumingMemoryBound(to: CChar.self)
                        lengths[index] = length
                        offset += length
                    }
                    return FormattedCommand(argc: count, argv: argv.baseAddress!, lengths: lengths.baseAddress!)
                }
            }
        }
    }

    public init(_ arguments: RedisArgument...) { self.init(arguments) }

    /// The command name (first argument), for logs and errors.
    public var name: String { formatted.firstArgument }
}

/// The bytes `redisFormatSdsCommandArgv` allocated for one command, freed with the last copy of the
/// command that holds them. Immutable after init, hence safely shared between tasks.
final class FormattedCommand: @unchecked Sendable {
    let bytes: UnsafeMutablePointer<CChar>
    let count: Int

    init(argc: Int, argv: UnsafeMutablePointer<UnsafePointer<CChar>?>, lengths: UnsafePointer<Int>) {
        // The sds variant formats lengths with hiredis's own integer writer; the plain
        // `redisFormatCommandArgv` goes through sprintf, which costs several times more per command.
        var target: sds?
        let length = redisFormatSdsCommandArgv(&target, Int32(argc), argv, lengths)
        guard length >= 0, let target else { fatalError("out of memory formatting a Redis command") }
        bytes = target
        count = Int(length)
    }

    deinit { redisFreeSdsCommand(bytes) }

    func write(into buffer: inout ByteBuffer) {
        buffer.writeBytes(UnsafeRawBufferPointer(start: bytes, count: count))
    }

    /// The first bulk string of `*N\r\n$LEN\r\nNAME\r\n...`.
    var firstArgument: String {
        let raw = UnsafeRawBufferPointer(start: bytes, count: count)
        guard let dollar = raw.firstIndex(of: UInt8(ascii: "$")),
            let lengthEnd = raw[dollar...].firstIndex(of: UInt8(ascii: "\r")),
            let length = Int(String(decoding: raw[(dollar + 1)..<lengthEnd], as: UTF8.self)),
            lengthEnd + 2 + length <= count
        else { return "" }
        return String(decoding: raw[(lengthEnd + 2)..<(lengthEnd + 2 + length)], as: UTF8.self)
    }
}
