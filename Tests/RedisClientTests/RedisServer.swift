import Foundation
import RedisClient
import Testing

/// The server the integration tests use, from `REDIS_URL` (scripts/test starts one). Without it the
/// integration suites are skipped with this reason shown.
enum TestRedis {
    static let url = ProcessInfo.processInfo.environment["REDIS_URL"]
    static let available = url != nil
    static let skipReason: Comment = "REDIS_URL not set: run scripts/test, which starts a redis-server"

    static func configuration(_ edit: (inout RedisConfiguration) -> Void = { _ in }) throws -> RedisConfiguration {
        var configuration = try RedisConfiguration(
            url: url ?? "redis://127.0.0.1:6379/0", environment: ProcessInfo.processInfo.environment)
        edit(&configuration)
        return configuration
    }

    static func client(_ edit: (inout RedisConfiguration) -> Void = { _ in }) throws -> RedisClient {
        RedisClient(configuration: try configuration(edit))
    }

    /// A key prefix of its own for each test, so tests run in parallel without meeting.
    static func uniquePrefix(_ test: String = #function) -> String {
        "test:\(UUID().uuidString.prefix(8)):"
    }
}
