import Foundation
public import RedisClient

/// A Redis Cluster of the test's own: three primaries and three replicas on free loopback ports,
/// made by `redis-cli --cluster create --cluster-replicas 1`, with `cluster-node-timeout 1000` so a
/// killed primary's replica takes over within seconds. Stopped with SIGKILL: nothing to wait for on
/// a cooperative thread.
///
/// In scripts/test's TLS stage (`REDIS_URL=rediss://...` and `WD_REDIS_TLS_*` set) the nodes speak
/// TLS only, to clients and to each other (`tls-cluster`, `tls-replication`), with that stage's
/// certificates (`server.crt` and `server.key` beside `WD_REDIS_TLS_CA`), and clients use
/// `rediss+cluster://`.
public final class RedisClusterProcesses: @unchecked Sendable {
    public static let available = FileManager.default.isExecutableFile(atPath: "/usr/bin/redis-cli")

    private static let environment = ProcessInfo.processInfo.environment
    /// The TLS stage's certificate folder, or nil outside that stage.
    private static let tlsDirectory: String? = {
        guard environment["REDIS_URL"]?.hasPrefix("rediss://") == true, let ca = environment["WD_REDIS_TLS_CA"] else { return nil }
        return URL(fileURLWithPath: ca).deletingLastPathComponent().path
    }()

    public let ports: [Int]
    /// Each node's cluster bus port, chosen free too: the default (port + 10000) may be taken or
    /// beyond 65535 for a port from the kernel's ephemeral range.
    private let busPorts: [Int]
    private let directory: URL
    private var processes: [Int: ChildProcess] = [:]

    private init() throws {
        let free = try FreePort.loopback(count: 12)
        ports = Array(free[..<6])
        busPorts = Array(free[6...])
        directory = try TemporaryDirectory.make("wd-cluster")
    }

    /// The `redis+cluster://` (TLS stage: `rediss+cluster://`) URL naming two of the nodes as seeds.
    public var url: String {
        (Self.tlsDirectory == nil ? "redis" : "rediss") + "+cluster://127.0.0.1:\(ports[0]),127.0.0.1:\(ports[1])"
    }

    /// ``url`` with the TLS settings of the environment.
    public func configuration() throws -> RedisConfiguration {
        try RedisConfiguration(url: url, environment: Self.environment)
    }

    public static func start() async throws -> RedisClusterProcesses {
        let topology = try RedisClusterProcesses()
        do {
            try await topology.create()
            return topology
        } catch {
            topology.stop()
            throw error
        }
    }

    /// Starts a cluster, runs `body` with a client of it, and stops both whatever happens. One
    /// cluster at a time in a test process: six servers each are plenty for two cores, and the free
    /// ports two suites pick at the same moment could meet (a node of one cluster joining the other).
    public static func withClient(_ body: (RedisClusterProcesses, RedisClient) async throws -> Void) async throws {
        await OneAtATime.shared.acquire()
        do {
            let topology = try await start()
            defer { topology.stop() }
            let redis = RedisClient(configuration: try topology.configuration())
            defer { redis.close() }
            try await body(topology, redis)
        } catch {
            await OneAtATime.shared.release()
            throw error
        }
        await OneAtATime.shared.release()
    }

    private func create() async throws {
        for (port, busPort) in zip(ports, busPorts) {
            let folder = directory.appendingPathComponent("\(port)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            var listen = ["--port", "\(port)"]
            if let tls = Self.tlsDirectory {
                listen = [
                    "--port", "0", "--tls-port", "\(port)", "--tls-cluster", "yes", "--tls-replication", "yes", "--tls-cert-file",
                    "\(tls)/server.crt", "--tls-key-file", "\(tls)/server.key", "--tls-ca-cert-file", "\(tls)/ca.crt",
                    "--tls-auth-clients", "optional",
                ]
            }
            processes[port] = try ChildProcess.launch(
                ["redis-server", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", folder.path] + listen + [
                    "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "1000", "--cluster-port",
                    "\(busPort)",
                ])
        }
        for port in ports {
            try await waitUntil("PING answered on \(port)") { try await self.admin(port) { await $0.ping(timeout: .milliseconds(500)) } }
        }
        let tlsOptions = Self.tlsDirectory.map { ["--tls", "--cacert", "\($0)/ca.crt", "--cert", "\($0)/client.crt", "--key", "\($0)/client.key"] }
        let create = try ChildProcess.launch(
            ["redis-cli"] + (tlsOptions ?? []) + ["--cluster", "create"] + ports.map { "127.0.0.1:\($0)" }
                + ["--cluster-replicas", "1", "--cluster-yes"],
            log: directory.appendingPathComponent("create.log"))
        let deadline = ContinuousClock.now + .seconds(30)
        while create.isRunning && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        create.kill()
        // Ready when every node agrees the cluster is up and every replica has synced.
        for port in ports {
            try await waitUntil("cluster_state:ok on \(port)") {
                try await self.admin(port) { try await $0.command("CLUSTER", "INFO").string?.contains("cluster_state:ok") == true }
            }
        }
        for port in ports {
            try await waitUntil("replication on \(port)") {
                try await self.admin(port) { redis in
                    let info = try await redis.command("INFO", "replication").string ?? ""
                    return info.contains("role:master") || info.contains("master_link_status:up")
                }
            }
        }
    }

    /// Runs `body` with a plain client on one node (no redirects followed).
    public func admin<T: Sendable>(_ port: Int, _ body: (RedisClient) async throws -> T) async throws -> T {
        var configuration = try RedisConfiguration(
            url: (Self.tlsDirectory == nil ? "redis" : "rediss") + "://127.0.0.1:\(port)/0", environment: Self.environment)
        configuration.connections = 1
        let client = RedisClient(configuration: configuration)
        defer { client.close() }
        return try await body(client)
    }

    /// The node id and port of each primary, with the slot ranges it serves.
    public func primaries() async throws -> [(id: String, port: Int)] {
        let nodes = try await admin(ports[0]) { try await $0.command("CLUSTER", "NODES").string ?? "" }
        return nodes.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ")
            guard fields.count >= 8, fields[2].contains("master"), !fields[2].contains("fail"),
                let address = fields[1].split(separator: "@").first, let port = address.split(separator: ":").last.flatMap({ Int($0) })
            else { return nil }
            return (String(fields[0]), port)
        }
    }

    /// The port of the node serving `slot` as primary, asked of `CLUSTER SLOTS` on a live node.
    public func primaryPort(ofSlot slot: Int) async throws -> Int? {
        for port in ports where processes[port] != nil {
            guard let ranges = try? await admin(port, { try await $0.command("CLUSTER", "SLOTS").array }) else { continue }
            for range in ranges {
                guard let parts = range.array, let start = parts[0].int, let end = parts[1].int, (start...end).contains(slot) else { continue }
                return parts[2].array?[1].int
            }
        }
        return nil
    }

    /// A signal for one node: SIGSTOP hangs it (the port still accepts connections, nothing answers),
    /// SIGCONT resumes it.
    public func signal(port: Int, _ signal: Int32) {
        processes[port]?.signal(signal)
    }

    /// SIGKILL for one node: a crash.
    public func kill(port: Int) {
        processes[port]?.kill()
        processes[port] = nil
    }

    public func stop() {
        for process in processes.values { process.kill() }
        processes = [:]
        try? FileManager.default.removeItem(at: directory)
    }

    private func waitUntil(_ what: String, _ condition: @escaping () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if (try? await condition()) == true { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw RedisError.connection("the cluster did not come up: no \(what) within 30 s")
    }
}

/// A lock that waits without blocking a thread: the next caller in line resumes when it is released.
private actor OneAtATime {
    static let shared = OneAtATime()
    private var busy = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    func acquire() async {
        if !busy {
            busy = true
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    func release() {
        if waiting.isEmpty { busy = false } else { waiting.removeFirst().resume() }
    }
}
