import Foundation
import RedisClient
import Testing

/// TLS against a real `redis-server --tls-port` with certificates made by openssl (scripts/test's TLS
/// stage sets `REDIS_URL=rediss://...` and `WD_REDIS_TLS_*`). Every other integration suite runs over
/// the same connection in that stage; these check what TLS adds: the server is verified.
@Suite(.enabled(if: TestRedis.url?.hasPrefix("rediss://") == true, "REDIS_URL is not rediss://: run scripts/test (its TLS stage)"))
struct RedisTLSTests {
    @Test func talksOverTLSWithTheConfiguredCA() async throws {
        let redis = try TestRedis.client()
        defer { redis.close() }
        #expect(try await redis.command("ECHO", "over tls") == .bulkString(Array("over tls".utf8)))
        let info = try await redis.command("INFO", "server").string ?? ""
        #expect(info.contains("redis_version:"))
    }

    @Test func refusesAServerItCannotVerify() async throws {
        // Without the test CA, the system's roots do not vouch for the server's certificate.
        let redis = try TestRedis.client {
            $0.tls?.caFile = nil
            $0.connectTimeout = .seconds(1)
        }
        defer { redis.close() }
        let result = await outcome { () async throws(RedisError) in try await redis.command("PING") }
        #expect(result.failure?.isConnectionError == true, "got \(result)")
    }

    @Test(arguments: ["not-this-server.example", nil])
    func refusesACertificateForAnotherName(serverName: String?) async throws {
        // The test certificate names `localhost` only; by default the name checked is the URL's host,
        // 127.0.0.1, which it does not name either.
        let redis = try TestRedis.client {
            $0.tls?.serverName = serverName
            $0.connectTimeout = .seconds(1)
        }
        defer { redis.close() }
        let result = await outcome { () async throws(RedisError) in try await redis.command("PING") }
        #expect(result.failure?.isConnectionError == true, "got \(result)")
    }
}
