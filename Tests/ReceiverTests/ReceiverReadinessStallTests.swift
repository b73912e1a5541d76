import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Receiver
import RedisClient
import TestSupport
import Testing

/// `/readyz` against a Redis that has gone silent (scripts/tools/stall_proxy.py holds every byte
/// while its stall file exists): the PING's own 1 s deadline decides, not the command timeout.
@Suite(.enabled(if: ReceiverTest.redisAvailable, ReceiverTest.skipReason))
struct ReceiverReadinessStallTests {
    @Test func readyzAnswers503WithinItsOneSecondBoundWhenRedisStalls() async throws {
        let proxy = try await StallProxy.start()
        defer { proxy.stop() }
        var redisConfiguration = try RedisConfiguration(
            url: ReceiverTest.redisURL ?? "redis://127.0.0.1:6379/0", environment: ProcessInfo.processInfo.environment)
        redisConfiguration.port = proxy.port
        redisConfiguration.commandTimeout = .seconds(10)  // far longer than the 1 s that must decide
        let redis = RedisClient(configuration: redisConfiguration)
        defer { redis.close() }
        let app = buildReceiverApplication(configuration: ReceiverTest.configuration(), redis: redis, logger: ReceiverTest.logger)

        // Connected first, so the first /readyz's 1 s covers a PING, not a TLS handshake under load.
        #expect(try await redis.command("PING") == .simpleString("PONG"))
        try await app.test(.live) { client in
            try await client.execute(uri: "/readyz", method: .get) { #expect($0.status == .ok) }
            proxy.stall(true)
            for _ in 0..<2 {
                let start = ContinuousClock.now
                try await client.execute(uri: "/readyz", method: .get) { #expect($0.status == .serviceUnavailable) }
                let took = ContinuousClock.now - start
                // The 1 s deadline, not the 10 s command timeout (with room for a loaded test machine).
                #expect(took >= .milliseconds(900) && took < .milliseconds(4000), "readyz took \(took)")
            }
            proxy.stall(false)
            // The stalled PINGs' replies arrive late and are dropped; a later one is answered.
            var status = HTTPResponse.Status.serviceUnavailable
            for _ in 0..<30 where status != .ok {
                try await Task.sleep(for: .milliseconds(100))
                status = try await client.execute(uri: "/readyz", method: .get) { $0.status }
            }
            #expect(status == .ok)
        }
    }
}

/// scripts/tools/stall_proxy.py in front of the test Redis, on a free loopback port.
final class StallProxy: @unchecked Sendable {
    let port: Int
    private let process: ChildProcess
    private let stallFile: URL
    private let directory: URL

    private init(port: Int, process: ChildProcess, stallFile: URL, directory: URL) {
        self.port = port
        self.process = process
        self.stallFile = stallFile
        self.directory = directory
    }

    static func start() async throws -> StallProxy {
        let target = try RedisConfiguration(url: ReceiverTest.redisURL ?? "redis://127.0.0.1:6379/0")
        let directory = try TemporaryDirectory.make("wd-stall")
        let portFile = directory.appendingPathComponent("port")
        let stallFile = directory.appendingPathComponent("stall")
        let script = ReceiverTest.repositoryDirectory.appendingPathComponent("scripts/tools/stall_proxy.py")
        let process = try ChildProcess.launch([
            "python3", script.path, "--target-port", "\(target.port)", "--port-file", portFile.path, "--stall-file", stallFile.path,
        ])
        for _ in 0..<100 {
            if let text = try? String(contentsOf: portFile, encoding: .utf8), let port = Int(text) {
                return StallProxy(port: port, process: process, stallFile: stallFile, directory: directory)
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        process.kill()
        throw RedisError.connection("the stall proxy did not start")
    }

    func stall(_ on: Bool) {
        if on {
            _ = FileManager.default.createFile(atPath: stallFile.path, contents: Data())
        } else {
            try? FileManager.default.removeItem(at: stallFile)
        }
    }

    func stop() {
        process.kill()
        try? FileManager.default.removeItem(at: directory)
    }
}
