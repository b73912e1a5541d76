extension RedisCommand {
    /// The hash slot a cluster routes this command by: that of its first key, found where Redis
    /// expects it (`EVALSHA`/`EVAL`: the first of the declared keys; `XREADGROUP`/`XREAD`: the first
    /// stream after `STREAMS`; `XGROUP`/`XINFO`/`OBJECT`/`MEMORY` subcommands: the argument after the
    /// subcommand; otherwise the first argument). Nil for commands without keys (`PING`, `WAIT`,
    /// `SCRIPT LOAD`, `CLUSTER ...`), which any node may run.
    var slot: Int? { formatted.routingKey.map { HashSlot.of($0) } }
}

extension FormattedCommand {
    /// The bytes of the key that routes the command, or nil when it has none.
    var routingKey: UnsafeRawBufferPointer? {
        let arguments = self.arguments
        guard let name = arguments.first else { return nil }
        func argument(_ index: Int) -> UnsafeRawBufferPointer? { index < arguments.count ? arguments[index] : nil }
        switch Self.upper(name) {
        case "PING", "WAIT", "WAITAOF", "SCRIPT", "ROLE", "INFO", "CLIENT", "CLUSTER", "AUTH", "SELECT", "HELLO", "TIME", "DBSIZE",
            "ECHO", "CONFIG", "ACL", "COMMAND", "FLUSHALL", "FLUSHDB", "MULTI", "EXEC", "DISCARD", "READONLY", "READWRITE", "ASKING",
            "FUNCTION", "SCAN", "KEYS", "RANDOMKEY", "LASTSAVE", "SLOWLOG", "LATENCY", "MONITOR", "SUBSCRIBE", "PSUBSCRIBE", "PUBLISH",
            "SHUTDOWN", "SENTINEL", "QUIT", "RESET":
            return nil
        case "EVALSHA", "EVAL", "EVALSHA_RO", "EVAL_RO", "FCALL", "FCALL_RO":
            guard let count = argument(2).flatMap(Self.integer), count > 0 else { return nil }
            return argument(3)
        case "XREADGROUP", "XREAD":
            guard let streams = arguments.firstIndex(where: { Self.upper($0) == "STREAMS" }) else { return nil }
            return argument(streams + 1)
        case "XGROUP", "XINFO", "OBJECT", "MEMORY":
            return argument(2)
        default:
            return argument(1)
        }
    }

    /// Each argument's bytes, read from the RESP array `*N\r\n$LEN\r\nBYTES\r\n...` this holds.
    private var arguments: [UnsafeRawBufferPointer] {
        let raw = UnsafeRawBufferPointer(start: bytes, count: count)
        var position = 0
        func number(after marker: UInt8) -> Int? {
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
        guard let count = number(after: UInt8(ascii: "*")) else { return [] }
        var result: [UnsafeRawBufferPointer] = []
        result.reserveCapacity(count)
        for _ in 0..<count {
            guard let length = number(after: UInt8(ascii: "$")), position + length <= raw.count else { return result }
            result.append(UnsafeRawBufferPointer(rebasing: raw[position..<(position + length)]))
            position += length + 2
        }
        return result
    }

    private static func upper(_ bytes: UnsafeRawBufferPointer) -> String {
        String(decoding: bytes.prefix(16).map { (97...122).contains($0) ? $0 - 32 : $0 }, as: UTF8.self)
    }

    private static func integer(_ bytes: UnsafeRawBufferPointer) -> Int? {
        Int(String(decoding: bytes, as: UTF8.self))
    }
}
