public import Logging

/// A Redis client over hiredis that many tasks share.
///
/// Each connection has its own OS thread (see ``RedisConnection``); commands from concurrent callers
/// are pipelined automatically. Every method throws only ``RedisError``. Blocking commands
/// (`XREADGROUP ... BLOCK`) belong on a client of their own, since they hold up everything queued
/// behind them on a shared connection.
public final class RedisClient: Sendable {
    public let configuration: RedisConfiguration
    private let connections: [RedisConnection]
    private let scripts = ScriptRegistry()

    public init(configuration: RedisConfiguration, logger: Logger = Logger(label: "webhook-dedup.redis")) {
        self.configuration = configuration
        let scripts = self.scripts
        self.connections = (0..<max(1, configuration.connections)).map { index in
            RedisConnection(configuration: configuration, scripts: scripts, logger: logger, label: "redis-\(index)")
        }
    }

    /// Stops the connection threads; queued and later commands fail with ``RedisError/closed``.
    public func close() {
        for connection in connections { connection.close() }
    }

    /// Runs one command and returns its reply; an error reply is thrown as ``RedisError/server(_:)``.
    @discardableResult
    public func command(_ arguments: RedisArgument..., timeout: Duration? = nil) async throws(RedisError) -> RESPValue {
        try await send(RedisCommand(arguments), timeout: timeout).throwingServerError()
    }

    /// Runs one command and returns its reply; an error reply is thrown as ``RedisError/server(_:)``.
    @discardableResult
    public func command(_ arguments: [RedisArgument], timeout: Duration? = nil) async throws(RedisError) -> RESPValue {
        try await send(RedisCommand(arguments), timeout: timeout).throwingServerError()
    }

    /// Runs one command and returns its reply as it came, error replies included.
    public func send(_ command: RedisCommand, timeout: Duration? = nil) async throws(RedisError) -> RESPValue {
        try await pickConnection().send(command, timeout: timeout ?? configuration.commandTimeout).get()
    }

    /// Sends `commands` back to back on one connection and returns one reply per command, in order.
    /// Error replies are values here (a `MULTI`/`EXEC` block reports per command); only connection
    /// problems and timeouts throw.
    public func pipeline(_ commands: [RedisCommand], timeout: Duration? = nil) async throws(RedisError) -> [RESPValue] {
        if commands.isEmpty { return [] }
        let result = await pickConnection().send(commands, timeout: timeout ?? configuration.commandTimeout)
        return try result.get()
    }

    /// Makes `script` known to every connection (loaded on each connect).
    public func register(_ script: RedisScript) {
        scripts.register(script)
    }

    /// `EVALSHA`, loading the script and retrying once on `NOSCRIPT`. Error replies are returned as
    /// values so callers can read script-raised errors.
    public func evalScript(
        _ script: RedisScript, keys: [RedisArgument], arguments: [RedisArgument], timeout: Duration? = nil
    ) async throws(RedisError) -> RESPValue {
        register(script)
        let command = script.command(keys: keys, arguments: arguments)
        let reply = try await send(command, timeout: timeout)
        guard let message = reply.errorMessage, message.hasPrefix("NOSCRIPT") else { return reply }
        let replies = try await pipeline([RedisCommand("SCRIPT", "LOAD", .init(script.source)), command], timeout: timeout)
        return replies[1]
    }

    /// True when the server answers `PING` within `timeout`.
    public func ping(timeout: Duration = .seconds(1)) async -> Bool {
        do {
            let reply = try await send(RedisCommand("PING"), timeout: timeout)
            return reply == .simpleString("PONG")
        } catch {
            return false
        }
    }

    private func pickConnection() -> RedisConnection {
        if connections.count == 1 { return connections[0] }
        var best = connections[0]
        var bestLoad = best.load
        for connection in connections.dropFirst() where bestLoad > 0 {
            let load = connection.load
            if load < bestLoad {
                best = connection
                bestLoad = load
            }
        }
        return best
    }
}
