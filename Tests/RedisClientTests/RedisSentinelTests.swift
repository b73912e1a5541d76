import Foundation
import RedisClient
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Redis Sentinel with real processes: a primary, a replica and a sentinel of the test's own, on free
/// loopback ports (redis-server and redis-sentinel from Debian; scripts/test installs both).
@Suite(.enabled(if: SentinelTopology.available, "redis-sentinel not installed (scripts/test installs it)"))
struct RedisSentinelTests {
    @Test func findsThePrimaryThroughTheSentinelsAndFollowsAFailover() async throws {
        let topology = try await SentinelTopology.start()
        defer { topology.stop() }
        let redis = RedisClient(
            configuration: try RedisConfiguration(url: "redis+sentinel://127.0.0.1:1,127.0.0.1:\(topology.sentinelPort)/wdprimary"))
        defer { redis.close() }

        // The first sentinel listed is down: the next one is asked.
        #expect(try await redis.command("SET", "sentinel-test", "before") == .simpleString("OK"))
        #expect(try await redis.command("ROLE").array?.first?.string == "master")
        #expect(try await redis.command("INFO", "server").string?.contains("tcp_port:\(topology.primaryPort)") == true)

        // A failover: the replica becomes the primary, the old primary a replica. Writes fail while it
        // happens (READONLY or a lost connection), then go to the new primary without a restart.
        let admin = RedisClient(configuration: RedisConfiguration(host: "127.0.0.1", port: topology.sentinelPort, connections: 1))
        defer { admin.close() }
        // The sentinel refuses (NOGOODSLAVE) until its view of the replica is fresh enough; ask again.
        let failoverDeadline = ContinuousClock.now + .seconds(30)
        var started = false
        while !started && ContinuousClock.now < failoverDeadline {
            started = (try? await admin.command("SENTINEL", "FAILOVER", "wdprimary")) == .simpleString("OK")
            if !started { try await Task.sleep(for: .milliseconds(500)) }
        }
        #expect(started, "the sentinel never started the failover")
        let deadline = ContinuousClock.now + .seconds(20)
        var written = false
        while !written && ContinuousClock.now < deadline {
            if let port = try? await redis.command("INFO", "server").string, port.contains("tcp_port:\(topology.replicaPort)"),
                (try? await redis.command("SET", "sentinel-test", "after")) == .simpleString("OK")
            {
                written = true
            } else {
                _ = try? await redis.command("SET", "sentinel-test", "during")
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        #expect(written, "no write reached the new primary within 20 s")
        #expect(try await redis.command("ROLE").array?.first?.string == "master")
        #expect(try await redis.command("GET", "sentinel-test") == .bulkString(Array("after".utf8)))
    }

    @Test func aPrimaryNameNoSentinelKnowsIsAClearError() async throws {
        let topology = try await SentinelTopology.start()
        defer { topology.stop() }
        let redis = RedisClient(
            configuration: try RedisConfiguration(url: "redis+sentinel://127.0.0.1:\(topology.sentinelPort)/nosuchprimary"))
        defer { redis.close() }
        let result = await outcome { () async throws(RedisError) in try await redis.command("PING") }
        #expect("\(result)".contains("nosuchprimary"), "got \(result)")
    }
}

/// A primary, its replica and one sentinel (quorum 1) in a temporary folder. Stopped with SIGKILL:
/// nothing to wait for on a cooperative thread.
final class SentinelTopology: @unchecked Sendable {
    static let available = FileManager.default.isExecutableFile(atPath: "/usr/bin/redis-sentinel")

    let primaryPort: Int
    let replicaPort: Int
    let sentinelPort: Int
    private let directory: URL
    private var processes: [ChildProcess] = []

    private init() throws {
        let ports = try FreePort.loopback(count: 3)
        primaryPort = ports[0]
        replicaPort = ports[1]
        sentinelPort = ports[2]
        directory = try TemporaryDirectory.make("wd-sentinel")
    }

    static func start() async throws -> SentinelTopology {
        let topology = try SentinelTopology()
        let directory = topology.directory
        try topology.launch(["redis-server", "--port", "\(topology.primaryPort)", "--bind", "127.0.0.1", "--save", "", "--dir", directory.path])
        try topology.launch([
            "redis-server", "--port", "\(topology.replicaPort)", "--bind", "127.0.0.1", "--save", "", "--dir", directory.path,
            "--replicaof", "127.0.0.1", "\(topology.primaryPort)",
        ])
        let configuration = directory.appendingPathComponent("sentinel.conf")
        try """
        port \(topology.sentinelPort)
        bind 127.0.0.1
        dir \(directory.path)
        sentinel monitor wdprimary 127.0.0.1 \(topology.primaryPort) 1
        sentinel down-after-milliseconds wdprimary 1000
        sentinel failover-timeout wdprimary 5000

        """.write(to: configuration, atomically: true, encoding: .utf8)
        try topology.launch(["redis-sentinel", configuration.path])
        // Ready when the sentinel knows the primary and has found its replica (needed to fail over).
        let probe = RedisClient(configuration: RedisConfiguration(host: "127.0.0.1", port: topology.sentinelPort, connections: 1))
        defer { probe.close() }
        for _ in 0..<200 {
            if let replicas = try? await probe.command("SENTINEL", "REPLICAS", "wdprimary").array, !replicas.isEmpty {
                let replica = RedisClient(configuration: RedisConfiguration(host: "127.0.0.1", port: topology.replicaPort, connections: 1))
                defer { replica.close() }
                if let state = try? await replica.command("INFO", "replication").string, state.contains("master_link_status:up") {
                    return topology
                }
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        topology.stop()
        throw RedisError.connection("the sentinel topology did not come up")
    }

    private func launch(_ arguments: [String]) throws {
        processes.append(try ChildProcess.launch(arguments))
    }

    func stop() {
        for process in processes { process.kill() }
        try? FileManager.default.removeItem(at: directory)
    }
}
