import Testing

@testable import RedisClient

/// How the cluster client finds a command's node, without a server: slots, hash tags, keys inside
/// commands, `CLUSTER SLOTS` replies and redirect messages.
@Suite("Redis Cluster routing (no server)")
struct RedisClusterRoutingTests {
    @Test func crc16IsXModem() {
        // The check value of CRC16/XMODEM, which the cluster specification gives as its test vector.
        #expect(HashSlot.crc16(Array("123456789".utf8)) == 0x31C3)
    }

    @Test func slotsMatchRedis() {
        // What `CLUSTER KEYSLOT` answers for these keys on Redis 7.0.
        #expect(HashSlot.of("foo") == 12182)
        #expect(HashSlot.of("bar") == 5061)
        #expect(HashSlot.of("hello") == 866)
        #expect(HashSlot.of("") == 0)
    }

    @Test func hashTagsFollowTheSpecification() {
        #expect(HashSlot.of("{user1000}.following") == HashSlot.of("{user1000}.followers"))
        #expect(HashSlot.of("{user1000}.following") == HashSlot.of("user1000"))
        // The first { and the next }: "bar", not "zap".
        #expect(HashSlot.of("foo{bar}{zap}") == HashSlot.of("bar"))
        // An empty tag hashes the whole key.
        #expect(HashSlot.of("foo{}{bar}") != HashSlot.of("bar"))
        #expect(HashSlot.of("foo{}{bar}") == Int(HashSlot.crc16(Array("foo{}{bar}".utf8)) & 0x3FFF))
        // The tag is "{bar": from the first { to the first } after it.
        #expect(HashSlot.of("foo{{bar}}zap") == HashSlot.of("{bar"))
        // No closing brace: the whole key.
        #expect(HashSlot.of("foo{bar") == Int(HashSlot.crc16(Array("foo{bar".utf8)) & 0x3FFF))
        // The product's keys: everything of one shard in one slot.
        #expect(HashSlot.of("wd:{3}:stream") == HashSlot.of("wd:{3}:dead"))
        #expect(HashSlot.of("wd:{3}:stream") == HashSlot.of("3"))
    }

    @Test func commandsAreRoutedByTheirFirstKey() {
        #expect(RedisCommand("GET", "foo").slot == 12182)
        #expect(RedisCommand("get", "foo").slot == 12182)
        #expect(RedisCommand("SET", "{bar}x", "1").slot == 5061)
        let script = RedisScript("return 1")
        #expect(script.command(keys: ["wd:{7}:stream", "wd:{7}:dead"], arguments: ["a", "b"]).slot == HashSlot.of("7"))
        #expect(RedisCommand("EVAL", "return 1", "1", "foo").slot == 12182)
        #expect(script.command(keys: [], arguments: ["foo"]).slot == nil)
        #expect(
            RedisCommand("XREADGROUP", "GROUP", "g", "c", "COUNT", "10", "BLOCK", "1000", "STREAMS", "wd:{5}:stream", ">").slot
                == HashSlot.of("5"))
        #expect(RedisCommand("XREAD", "streams", "foo", "$").slot == 12182)
        #expect(RedisCommand("XGROUP", "CREATE", "foo", "g", "0", "MKSTREAM").slot == 12182)
        #expect(RedisCommand("XINFO", "GROUPS", "foo").slot == 12182)
        #expect(RedisCommand("XLEN", "foo").slot == 12182)
        for keyless in [
            RedisCommand("PING"), RedisCommand("WAIT", "1", "100"), RedisCommand("SCRIPT", "LOAD", "return 1"),
            RedisCommand("CLUSTER", "SLOTS"), RedisCommand("ROLE"),
        ] {
            #expect(keyless.slot == nil, "\(keyless.name)")
        }
        // Binary keys and large values are read by their lengths, not by scanning for separators.
        #expect(RedisCommand([.init("SET"), .init([0x66, 0x6F, 0x6F]), .init([UInt8](repeating: 13, count: 100_000))]).slot == 12182)
    }

    @Test func clusterSlotsRepliesBecomeAMap() throws {
        func node(_ host: String, _ port: Int) -> RESPValue {
            .array([.bulkString(Array(host.utf8)), .integer(Int64(port)), .bulkString(Array("id".utf8))])
        }
        let reply = RESPValue.array([
            .array([.integer(0), .integer(5460), node("10.0.0.1", 7000), node("10.0.0.4", 7003)]),
            .array([.integer(5461), .integer(10922), node("10.0.0.2", 7001), node("10.0.0.5", 7004)]),
            .array([.integer(10923), .integer(16383), node("", 7002)]),
        ])
        let asked = RedisConfiguration.Endpoint(host: "10.0.0.3", port: 7002)
        let map = try SlotMap(clusterSlots: reply, answeredBy: asked)
        #expect(map.primary(of: 0) == .init(host: "10.0.0.1", port: 7000))
        #expect(map.primary(of: 5460) == .init(host: "10.0.0.1", port: 7000))
        #expect(map.primary(of: 5461) == .init(host: "10.0.0.2", port: 7001))
        // A node that does not know its own address is the one that answered.
        #expect(map.primary(of: 16383) == asked)
        #expect(map.primaries.count == 3)
        #expect(map.nodes.count == 5)
        #expect(map.unservedSlots == 0)

        var moved = map
        moved.assign(100, to: .init(host: "10.0.0.2", port: 7001))
        #expect(moved.primary(of: 100) == .init(host: "10.0.0.2", port: 7001))
        #expect(moved.primary(of: 101) == .init(host: "10.0.0.1", port: 7000))

        let partial = try SlotMap(clusterSlots: .array([.array([.integer(0), .integer(99), node("a", 1)])]), answeredBy: asked)
        #expect(partial.primary(of: 100) == nil)
        #expect(partial.unservedSlots == HashSlot.count - 100)
        #expect(throws: RedisError.self) { try SlotMap(clusterSlots: .array([]), answeredBy: asked) }
        #expect(throws: RedisError.self) { try SlotMap(clusterSlots: .error("ERR This instance has cluster support disabled"), answeredBy: asked) }
    }

    @Test func redirectsAreReadFromErrorMessages() {
        #expect(ClusterRedirect(errorMessage: "MOVED 3999 127.0.0.1:6381") == .moved(slot: 3999, to: .init(host: "127.0.0.1", port: 6381)))
        #expect(ClusterRedirect(errorMessage: "ASK 3999 10.1.2.3:7000") == .ask(slot: 3999, to: .init(host: "10.1.2.3", port: 7000)))
        #expect(ClusterRedirect(errorMessage: "MOVED 1 ::1:7000") == .moved(slot: 1, to: .init(host: "::1", port: 7000)))
        #expect(ClusterRedirect(errorMessage: "TRYAGAIN Multiple keys request during rehashing of slot") == .retryLater)
        #expect(ClusterRedirect(errorMessage: "CLUSTERDOWN The cluster is down") == .retryLater)
        #expect(ClusterRedirect(errorMessage: "LOADING Redis is loading the dataset in memory") == .retryLater)
        #expect(ClusterRedirect(errorMessage: "ERR unknown command") == nil)
        #expect(ClusterRedirect(errorMessage: "MOVED 99999 127.0.0.1:6381") == nil)
        #expect(ClusterRedirect(errorMessage: "MOVED 12 nowhere") == nil)
    }

    @Test func clusterURLs() throws {
        let c = try RedisConfiguration(url: "redis+cluster://wd:s%40cret@h1:7000,h2:7001,h3")
        #expect(c.cluster?.seeds == [.init(host: "h1", port: 7000), .init(host: "h2", port: 7001), .init(host: "h3", port: 6379)])
        #expect(c.username == "wd" && c.password == "s@cret")
        #expect(c.tls == nil && c.sentinel == nil)
        #expect(c.redactedURL == "redis+cluster://wd:***@h1:7000,h2:7001,h3:6379")
        let tls = try RedisConfiguration(url: "rediss+cluster://[::1]:7000")
        #expect(tls.tls != nil)
        #expect(tls.cluster?.seeds == [.init(host: "::1", port: 7000)])
        #expect(throws: RedisConfigurationError.self) { try RedisConfiguration(url: "redis+cluster://h1:7000/2") }
        #expect(throws: RedisConfigurationError.self) { try RedisConfiguration(url: "redis+cluster://") }
        #expect(try RedisConfiguration(url: "redis+cluster://h1:7000/0").cluster != nil)
    }
}
