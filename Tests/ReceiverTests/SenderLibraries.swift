import Foundation
import Testing

/// Signs requests with the senders' own libraries (stripe, slack_sdk, svix, standardwebhooks, twilio) by
/// running scripts/tools/sender_signatures.py with the interpreter of the venv scripts/test makes.
enum SenderLibraries {
    static let python = ProcessInfo.processInfo.environment["WD_SENDER_PYTHON"]
    static let available = redisAndPython
    static let skipReason: Comment =
        "REDIS_URL or WD_SENDER_PYTHON not set: run scripts/test, which starts a redis-server and installs the senders' libraries"
    private static let redisAndPython = ReceiverTest.redisAvailable && python != nil

    static let script = ReceiverTest.repositoryDirectory.appendingPathComponent("scripts/tools/sender_signatures.py")

    struct Request: Encodable {
        var scheme: String
        var secret: String
        var body: String
        /// Unix seconds; nil signs at the current time, as the sender would.
        var timestamp: Int?
        var id: String?
        /// Twilio: the URL the request is signed for.
        var url: String?
    }

    /// The headers each request would carry, in order. One process for all of them: importing the
    /// libraries takes most of a second.
    static func sign(_ requests: [Request]) async throws -> [[String: String]] {
        let python = try #require(python)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [script.path]
        let input = Pipe()
        let output = Pipe()
        let errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        // Waits for exit without blocking a thread of the cooperative pool.
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do {
                try process.run()
            } catch {
                continuation.resume(throwing: error)
                return
            }
            do {
                try input.fileHandleForWriting.write(contentsOf: JSONEncoder().encode(requests))
                try input.fileHandleForWriting.close()
            } catch {
                // The process failed to read; its exit status and stderr tell why.
            }
        }
        let stdout = output.fileHandleForReading.readDataToEndOfFile()
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        guard status == 0 else {
            Issue.record("sender_signatures.py exited \(status): \(stderr)")
            throw CancellationError()
        }
        return try JSONDecoder().decode([[String: String]].self, from: stdout)
    }

    static func sign(_ request: Request) async throws -> [String: String] {
        try await sign([request])[0]
    }
}
