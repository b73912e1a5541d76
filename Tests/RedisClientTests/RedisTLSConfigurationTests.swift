import Foundation
import RedisClient
import Testing

struct RedisTLSConfigurationTests {
    @Test func redissTurnsTLSOnAndKeepsItInTheRedactedURL() throws {
        let c = try RedisConfiguration(url: "rediss://app:secret@redis.example.com:6380/2")
        #expect(c.tls == RedisConfiguration.TLS())
        #expect(c.host == "redis.example.com")
        #expect(c.port == 6380)
        #expect(c.database == 2)
        #expect(c.redactedURL == "rediss://app:***@redis.example.com:6380/2")
        #expect(try RedisConfiguration(url: "redis://localhost").tls == nil)
    }

    @Test func tlsSettingsComeFromTheEnvironmentForRedissOnly() throws {
        let environment = [
            "WD_REDIS_TLS_CA": "/etc/ca.pem", "WD_REDIS_TLS_CERT": "/etc/c.pem", "WD_REDIS_TLS_KEY": "/etc/k.pem",
            "WD_REDIS_TLS_SERVER_NAME": "redis.internal",
        ]
        let tls = try RedisConfiguration(url: "rediss://10.0.0.5:6380", environment: environment).tls
        #expect(tls == .init(caFile: "/etc/ca.pem", certificateFile: "/etc/c.pem", keyFile: "/etc/k.pem", serverName: "redis.internal"))
        #expect(try RedisConfiguration(url: "redis://10.0.0.5:6380", environment: environment).tls == nil)
    }

    @Test func unusableTLSFilesAreAClearError() {
        #expect {
            _ = try RedisConfiguration.TLS(caFile: "/nonexistent/ca.pem").validate()
        } throws: { error in
            "\(error)".contains("TLS settings cannot be used")
        }
        #expect {
            _ = try RedisConfiguration.TLS(certificateFile: "/some/cert.pem").validate()
        } throws: { error in
            "\(error)".contains("WD_REDIS_TLS_CERT and WD_REDIS_TLS_KEY")
        }
    }
}
