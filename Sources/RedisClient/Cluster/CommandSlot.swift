extension RedisCommand {
    /// The hash slot a cluster routes this command by: that of its first key, found where Redis
    /// expects it (`EVALSHA`/`EVAL`: the first of the declared keys; `XREADGROUP`/`XREAD`: the first
    /// stream after `STREAMS`; `XGROUP`/`XINFO`/`OBJECT`/`MEMORY` subcommands: the argument after the
    /// subcommand; otherwise the first argument). Nil for commands without keys (`PING`, `WAIT`,
    /// `SCRIPT LOAD`, `CLUSTER ...`), which any node may run.
    var slot: Int? { formatted.routingKey.map { HashSlot.of($0) } }
}

extension FormattedCommand {
    /// The bytes of the key that routes the command, or nil when it has none. Arguments are read in
    /// place and only as far as the key: this runs for every command sent to a cluster.
    var routingKey: UnsafeRawBufferPointer? {
        var arguments = CommandArguments(UnsafeRawBufferPointer(start: bytes, count: count))
        guard let name = arguments.next() else { return nil }
        switch Self.upper(name) {
        case "PING", "WAIT", "WAITAOF", "SCRIPT", "ROLE", "INFO", "CLIENT", "CLUSTER", "AUTH", "SELECT", "HELLO", "TIME", "DBSIZE",
            "ECHO", "CONFIG", "ACL", "COMMAND", "FLUSHALL", "FLUSHDB", "MULTI", "EXEC", "DISCARD", "READONLY", "READWRITE", "ASKING",
            "FUNCTION", "SCAN", "KEYS", "RANDOMKEY", "LASTSAVE", "SLOWLOG", "LATENCY", "MONITOR", "SUBSCRIBE", "PSUBSCRIBE", "PUBLISH",
            "SHUTDOWN", "SENTINEL", "QUIT", "RESET":
            return nil
        case "EVALSHA", "EVAL", "EVALSHA_RO", "EVAL_RO", "FCALL", "FCALL_RO":
            _ = arguments.next()  // the script or function
            guard let count = arguments.next().flatMap(Self.integer), count > 0 else { return nil }
            return arguments.next()
        case "XREADGROUP", "XREAD":
            while let argument = arguments.next() {
                if Self.upper(argument) == "STREAMS" { return arguments.next() }
            }
            return nil
        case "XGROUP", "XINFO", "OBJECT", "MEMORY":
            _ = arguments.next()  // the subcommand
            return arguments.next()
        default:
            return arguments.next()
        }
    }

    /// The bytes upper-cased as a string of at most 15 bytes, which Swift keeps inline without
    /// allocating; longer text (no command name or keyword is) is cut there and so matches none.
    static func upper(_ bytes: UnsafeRawBufferPointer) -> String {
        let length = min(bytes.count, 15)
        return String(unsafeUninitializedCapacity: length) { buffer in
            for index in 0..<length {
                let byte = bytes[index]
                buffer[index] = (97...122).contains(byte) ? byte - 32 : byte
            }
            return length
        }
    }

    private static func integer(_ bytes: UnsafeRawBufferPointer) -> Int? {
        Int(String(decoding: bytes, as: UTF8.self))
    }
}

/// The arguments of a RESP command array `*N\r\n$LEN\r\nBYTES\r\n...`, read one at a time where they
/// are: nothing is copied or collected, so finding a command's key costs no allocation however many
/// arguments follow it. Reading stops at the first malformed length.
struct CommandArguments: IteratorProtocol {
    private let raw: UnsafeRawBufferPointer
    private var position = 0
    private var remaining = 0

    init(_ raw: UnsafeRawBufferPointer) {
        self.raw = raw
        remaining = number(after: UInt8(ascii: "*")) ?? 0
    }

    mutating func next() -> UnsafeRawBufferPointer? {
        guard remaining > 0, let length = number(after: UInt8(ascii: "$")), position + length <= raw.count else {
            remaining = 0
            return nil
        }
        remaining -= 1
        defer { position += length + 2 }
        return UnsafeRawBufferPointer(rebasing: raw[position..<(position + length)])
    }

    /// The decimal after `marker` at the current position, which moves past its `\r\n`.
    private mutating func number(after marker: UInt8) -> Int? {
        guard position < raw.count, raw[position] == marker else { return nil }
        var value = 0
        position += 1
        while position < raw.count, raw[position] != UInt8(ascii: "\r") {
            guard let digit = Int(exactly: raw[position]).map({ $0 - 48 }), (0...9).contains(digit) else { return nil }
            value = value * 10 + digit
            position += 1
        }
        position += 2
        return value
    }
}
