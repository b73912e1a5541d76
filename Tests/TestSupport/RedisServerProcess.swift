public import Foundation
import RedisClient

/// A redis-server of a test's own, for tests that stop, restart or replicate Redis (the shared one
/// scripts/test starts must stay up for every other suite). Persistence is off; the port stays the
/// same across `stop()` and `start()`, as a restarted server's would.
public final class RedisServerProcess: @unchecked Sendable {
    public let port: Int
    public let directory: URL
    /// Extra `redis-server` arguments, e.g. `--replicaof HOST PORT`.
    private let arguments: [String]
    private var process: ChildProcess?

    public init(arguments: [String] = []) throws {
        self.arguments = arguments
        port = try FreePort.loopback()
        directory = try TemporaryDirectory.make("wd-redis")
    }

    public var url: String { "redis://127.0.0.1:\(port)/0" }

    /// Starts the server and waits (bounded) until it answers PING.
    public func start() async throws {
        process = try ChildProcess.launch(
            [
                "redis-server", "--port", "\(port)", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", directory.path,
            ] + arguments)
        try await Self.waitUntilAnswering(port: port)
    }

    /// SIGTERM and a bounded wait for the exit.
    public func stop() async {
        await process?.terminate()
        process = nil
    }

    /// SIGKILL, nothing waited for (a crash, or clean-up in a `defer`).
    public func kill() {
        process?.kill()
        process = nil
    }

    /// For a replica: waits (bounded) until its link to the primary is up.
    public func waitForReplication() async throws {
        let probe = RedisClient(configuration: RedisConfiguration(host: "127.0.0.1", port: port, connections: 1))
        defer { probe.close() }
        for _ in 0..<200 {
            if let info = try? await probe.command("INFO", "replication").string, info.contains("master_link_status:up") { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw RedisError.connection("redis-server on \(port) did not catch up with its primary")
    }

    /// Waits up to 5 s for a server on `port` to answer PING.
    public static func waitUntilAnswering(port: Int) async throws {
        let probe = RedisClient(
            configuration: RedisConfiguration(
                host: "127.0.0.1", port: port, connectTimeout: .milliseconds(200), commandTimeout: .milliseconds(200), connections: 1))
        defer { probe.close() }
        for _ in 0..<100 {
            if await probe.ping(timeout: .milliseconds(200)) { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw RedisError.connection("redis-server on \(port) did not start")
    }

    deinit {
        process?.kill()
        try? FileManager.default.removeItem(at: directory)
    }
}
