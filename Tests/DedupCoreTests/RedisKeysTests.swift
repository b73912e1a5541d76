import DedupCore
import Testing

@Suite("Redis key names")
struct RedisKeysTests {
    @Test func defaultPrefix() {
        let keys = RedisKeys()
        #expect(keys.seen(shard: 0, source: "evolution", key: "evo:a:messages.upsert:X:0") == "wd:{0}:seen:evolution:evo:a:messages.upsert:X:0")
        #expect(keys.stream(shard: 0) == "wd:{0}:stream")
        #expect(keys.dead(shard: 3) == "wd:{3}:dead")
        #expect(keys.ratelimit(shard: 2, source: "meta") == "wd:{2}:ratelimit:meta")
    }

    @Test func customPrefix() {
        let keys = RedisKeys(prefix: "staging")
        #expect(keys.seen(shard: 11, source: "s", key: "k") == "staging:{11}:seen:s:k")
        #expect(keys.stream(shard: 11) == "staging:{11}:stream")
        #expect(keys.dead(shard: 11) == "staging:{11}:dead")
        #expect(keys.ratelimit(shard: 11, source: "s") == "staging:{11}:ratelimit:s")
    }
}
