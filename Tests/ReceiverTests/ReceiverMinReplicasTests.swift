import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Receiver
import RedisClient
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `WD_MIN_REPLICAS`: `accepted` only once `WAIT` confirms the write reached that many replicas.
/// Plain Redis only: the replica here is a redis-server of the test's own, replicating the test
/// Redis over plain TCP.
@Suite(.enabled(if: ReceiverTest.redisURL?.hasPrefix("redis://") == true, "needs a plain redis:// REDIS_URL (scripts/test)"))
struct ReceiverMinReplicasTests {
    @Test func acceptedOnlyWhenAReplicaHasTheWrite() async throws {
        let body = Array(try ReceiverTest.fixture("evolution-v2-messages-upsert.json"))
        try await ReceiverTest.withReceiver(.router, configure: { $0.minReplicas = 1 }) { client in
            // No replica: the script runs on the primary, WAIT sees 0 replicas, the sender gets 503 and
            // so does its retry (the WAIT runs for duplicates too) until a replica is there.
            for _ in 0..<2 {
                try await client.execute(uri: "/webhook/evo", method: .post, headers: ReceiverTest.jsonHeaders, body: ByteBuffer(bytes: body)) {
                    #expect($0.status == .serviceUnavailable)
                    #expect((try? Answer($0))?.error == "store_unavailable")
                }
            }
            let replica = try await OwnReplica.start(of: try RedisConfiguration(url: ReceiverTest.redisURL ?? ""))
            defer { replica.stop() }
            try await client.execute(uri: "/webhook/evo", method: .post, headers: ReceiverTest.jsonHeaders, body: ByteBuffer(bytes: body)) {
                #expect($0.status == .ok)
                #expect((try? Answer($0))?.status == "duplicate")  // the first attempt's script had run
            }
        }
    }
}

/// A redis-server replicating the test Redis, stopped with SIGKILL (nothing to wait for).
final class OwnReplica: @unchecked Sendable {
    private let process: Process
    private let directory: URL

    private init(process: Process, directory: URL) {
        self.process = process
        self.directory = directory
    }

    static func start(of primary: RedisConfiguration) async throws -> OwnReplica {
        let port = Int.random(in: 20_000...50_000)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("wd-replica-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "redis-server", "--port", "\(port)", "--bind", "127.0.0.1", "--save", "", "--dir", directory.path,
            "--replicaof", primary.host, "\(primary.port)",
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let replica = OwnReplica(process: process, directory: directory)
        let probe = RedisClient(configuration: RedisConfiguration(host: "127.0.0.1", port: port, connections: 1))
        defer { probe.close() }
        for _ in 0..<200 {
            if let info = try? await probe.command("INFO", "replication").string, info.contains("master_link_status:up") { return replica }
            try await Task.sleep(for: .milliseconds(50))
        }
        replica.stop()
        throw RedisError.connection("the replica did not catch up")
    }

    func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        try? FileManager.default.removeItem(at: directory)
    }
}
