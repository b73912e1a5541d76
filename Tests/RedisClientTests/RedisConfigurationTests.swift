import RedisClient
import Testing

@Suite("REDIS_URL parsing (no server)")
struct RedisConfigurationTests {
    @Test func defaultsForAHostOnly() throws {
        let c = try RedisConfiguration(url: "redis://redis")
        #expect(c.host == "redis")
        #expect(c.port == 6379)
        #expect(c.database == 0)
        #expect(c.username == nil && c.password == nil)
    }

    @Test func userPasswordHostPortDatabase() throws {
        let c = try RedisConfiguration(url: "redis://receiver:s3cr%40t@10.0.0.5:6380/3")
        #expect(c.username == "receiver")
        #expect(c.password == "s3cr@t")
        #expect(c.host == "10.0.0.5")
        #expect(c.port == 6380)
        #expect(c.database == 3)
        #expect(!c.redactedURL.contains("s3cr"))
    }

    @Test func passwordOnlyMeansTheDefaultUser() throws {
        let a = try RedisConfiguration(url: "redis://:pw@localhost:6379/0")
        #expect(a.username == nil && a.password == "pw")
        let b = try RedisConfiguration(url: "redis://pw@localhost")
        #expect(b.username == nil && b.password == "pw")
    }

    @Test func ipv6() throws {
        let c = try RedisConfiguration(url: "redis://[::1]:7000/1")
        #expect(c.host == "::1" && c.port == 7000 && c.database == 1)
    }

    @Test(arguments: [
        ("http://localhost", "must start with redis://"),
        ("redis://localhost:99999", "port"),
        ("redis://localhost:abc", "port"),
        ("redis://localhost/x", "database"),
        ("redis://[::1", "IPv6"),
    ])
    func invalidURLsNameTheProblem(url: String, fragment: String) {
        do {
            _ = try RedisConfiguration(url: url)
            Issue.record("\(url) was accepted")
        } catch {
            #expect(error.description.hasPrefix("REDIS_URL"))
            #expect(error.description.contains(fragment))
        }
    }

    @Test func errorsNeverShowThePassword() {
        do {
            _ = try RedisConfiguration(url: "redis://u:topsecret@host:notaport")
            Issue.record("accepted")
        } catch {
            #expect(!error.description.contains("topsecret"))
        }
    }
}
