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

struct RedisSentinelConfigurationTests {
    @Test func sentinelURLsNameTheSentinelsThePrimaryAndTheDatabase() throws {
        let c = try RedisConfiguration(url: "redis+sentinel://app:s3cr%40t@10.0.0.1:26379,10.0.0.2,[::1]:26380/mymaster/2")
        #expect(
            c.sentinel
                == .init(
                    nodes: [.init(host: "10.0.0.1", port: 26379), .init(host: "10.0.0.2", port: 26379), .init(host: "::1", port: 26380)],
                    primaryName: "mymaster"))
        #expect(c.username == "app" && c.password == "s3cr@t" && c.database == 2 && c.tls == nil)
        #expect(c.redactedURL == "redis+sentinel://app:***@10.0.0.1:26379,10.0.0.2:26379,[::1]:26380/mymaster/2")
        let tls = try RedisConfiguration(url: "rediss+sentinel://h1/primary", environment: ["WD_SENTINEL_PASSWORD": "sp"])
        #expect(tls.tls != nil && tls.sentinel?.password == "sp" && tls.database == 0)
    }

    @Test(arguments: [
        ("redis+sentinel://h1:26379", "names the primary"),
        ("redis+sentinel://h1:26379/", "names the primary"),
        ("redis+sentinel:///primary", "no sentinel host"),
        ("redis+sentinel://h1:x/primary", "port"),
        ("redis+sentinel://h1/primary/db", "database"),
    ])
    func badSentinelURLsNameTheProblem(url: String, fragment: String) {
        #expect {
            _ = try RedisConfiguration(url: url)
        } throws: { error in
            "\(error)".contains(fragment)
        }
    }
}
