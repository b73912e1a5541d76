import Crypto
import Foundation

/// A Lua script called by its SHA1 (`EVALSHA`). Registered scripts are loaded on every new connection,
/// and a `NOSCRIPT` reply (after `SCRIPT FLUSH` or a restart without persistence of the script cache)
/// loads it again and retries, so callers never see either.
public struct RedisScript: Sendable, Hashable {
    public let source: String
    /// Lowercase hex SHA1 of `source`, as Redis names the script.
    public let sha1: String

    public init(_ source: String) {
        self.source = source
        self.sha1 = Insecure.SHA1.hash(data: Data(source.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// The `EVALSHA` command for these keys and arguments, for use inside a pipeline.
    public func command(keys: [RedisArgument], arguments: [RedisArgument]) -> RedisCommand {
        var all: [RedisArgument] = ["EVALSHA", .init(sha1), .init(keys.count)]
        all.reserveCapacity(3 + keys.count + arguments.count)
        all.append(contentsOf: keys)
        all.append(contentsOf: arguments)
        return RedisCommand(all)
    }
}

/// Scripts to load on each new connection; shared by the connections of one client.
final class ScriptRegistry: @unchecked Sendable {
    private let lock = NSLock()
    private var scripts: [RedisScript] = []

    var all: [RedisScript] {
        lock.lock()
        defer { lock.unlock() }
        return scripts
    }

    func register(_ script: RedisScript) {
        lock.lock()
        defer { lock.unlock() }
        if !scripts.contains(script) { scripts.append(script) }
    }
}
