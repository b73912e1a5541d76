public import Logging
import NIOConcurrencyHelpers
public import NIOCore
public import NIOPosix
import NIOSSL
public import ServiceLifecycle

/// A Redis client that many tasks share: one SwiftNIO channel per event loop, each pipelining
/// automatically (see ``RedisConnection``).
///
/// A caller that runs on one of the group's event loops (the receiver's request handlers do, see
/// `EventLoopTaskExecutor`) uses that loop's connection, so its command, the reply and its resumption
/// never leave the thread. Other callers take the connections in turn. Nothing here blocks a
/// thread. Every method throws only ``RedisError``. Blocking commands (`XREADGROUP ... BLOCK`)
/// belong on a client of their own, since they hold up everything queued behind them on a shared
/// connection.
///
/// As a `Service` in a ServiceGroup the client closes when graceful shutdown reaches it: list it
/// before the services that use it, so it closes after them. ``close()`` does the same by hand, and
/// a client that is dropped closes too.
///
/// Behind a `redis+cluster://` URL the same calls go through a ``ClusterRouter``: one connection per
/// primary, each command to the primary of its key's slot, redirects followed.
public final class RedisClient: Sendable, Service {
    public let configuration: RedisConfiguration
    private let connections: [RedisConnection]
    private let cluster: ClusterRouter?
    private let scripts = ScriptRegistry()
    private let turn = NIOLockedValueBox(0)

    public init(
        configuration: RedisConfiguration,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "webhook-dedup.redis")
    ) {
        self.configuration = configuration
        let scripts = self.scripts
        let tls: Result<NIOSSLContext, RedisError>? = configuration.tls.map { settings in
            Result { () throws(RedisError) in try settings.makeContext() }
        }
        let loops = Array(eventLoopGroup.makeIterator())
        if let cluster = configuration.cluster {
            self.cluster = ClusterRouter(
                configuration: configuration, seeds: cluster.seeds, loops: loops, tls: tls, scripts: scripts, logger: logger)
            self.connections = []
            return
        }
        self.cluster = nil
        let count = configuration.connections > 0 ? configuration.connections : loops.count
        self.connections = (0..<max(1, count)).map { index in
            RedisConnection(
                eventLoop: loops[index % loops.count], configuration: configuration, tls: tls, scripts: scripts,
                logger: logger, label: "redis-\(index)")
        }
    }

    deinit { close() }

    /// Closes every connection; queued and later commands fail with ``RedisError/closed``.
    public func close() {
        cluster?.close()
        for connection in connections { connection.close() }
    }

    /// Waits for graceful shutdown (or cancellation), then closes.
    public func run() async throws {
        try? await gracefulShutdown()
        close()
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

    /// Runs one command and returns its reply as it came, error replies included. `timeout` (else
    /// the configuration's command timeout) counts from this call to the reply.
    public func send(_ command: RedisCommand, timeout: Duration? = nil) async throws(RedisError) -> RESPValue {
        if let cluster { return try await cluster.send(command, timeout: timeout ?? configuration.commandTimeout).get() }
        return try await pickConnection().send(command, timeout: timeout ?? configuration.commandTimeout).get()
    }

    /// Sends `commands` back to back on one connection and returns one reply per command, in order.
    /// Error replies are values here (a `MULTI`/`EXEC` block reports per command); only connection
    /// problems and timeouts throw. On a cluster, one pipeline per primary the keys live on (see
    /// ``ClusterRouter`` for commands without keys, such as `WAIT`).
    public func pipeline(_ commands: [RedisCommand], timeout: Duration? = nil) async throws(RedisError) -> [RESPValue] {
        if commands.isEmpty { return [] }
        if let cluster { return try await cluster.send(commands, timeout: timeout ?? configuration.commandTimeout).get() }
        let result = await pickConnection().send(commands, timeout: timeout ?? configuration.commandTimeout)
        return try result.get()
    }

    /// The cluster node (the primary) serving `key`'s hash slot, as this client's slot map has it;
    /// nil off a cluster, where one server holds every key.
    public func clusterNode(ofKey key: String) async throws(RedisError) -> RedisConfiguration.Endpoint? {
        guard let cluster else { return nil }
        return try await cluster.primary(ofSlot: HashSlot.of(key)).get()
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
        if let current = MultiThreadedEventLoopGroup.currentEventLoop {
            for connection in connections where connection.eventLoop === current { return connection }
        }
        let index = turn.withLockedValue { turn in
            turn = turn &+ 1
            return turn
        }
        return connections[Int(UInt(bitPattern: index) % UInt(connections.count))]
    }
}
