import Foundation
import RedisClient
import TestSupport
import Testing

/// Redis Cluster with real processes: three primaries and three replicas of the test's own
/// (redis-server with `--cluster-enabled yes`, joined by `redis-cli --cluster create`; scripts/test
/// installs both). One cluster at a time: six servers each are plenty for two cores.
@Suite(.serialized, .enabled(if: RedisClusterProcesses.available, "redis-cli not installed (scripts/test installs redis-tools)"))
struct RedisClusterTests {
    @Test func commandsAndPipelinesGoToThePrimaryOfTheirSlot() async throws {
        try await RedisClusterProcesses.withClient { topology, redis in
            // In scripts/test's TLS stage the cluster speaks TLS only: this client then got that far over TLS.
            #expect((redis.configuration.tls != nil) == (TestRedis.url?.hasPrefix("rediss://") == true))
            let shards = 24
            for shard in 0..<shards {
                #expect(try await redis.command("SET", .init("wd:{\(shard)}:one"), .init("\(shard)")) == .simpleString("OK"))
            }
            // One pipeline over every shard, ending with WAIT: split per primary, and WAIT runs on each of
            // them (each has one replica), its reply the least of theirs.
            let commands = (0..<shards).map { RedisCommand("SET", .init("wd:{\($0)}:pipelined"), .init("p\($0)")) }
            let replies = try await redis.pipeline(commands + [RedisCommand("WAIT", "1", "2000")])
            #expect(replies.dropLast().allSatisfy { $0 == .simpleString("OK") })
            #expect(replies.last == .integer(1))

            // Each key is on the primary that serves its slot, and the shards spread over all three.
            var owners: Set<Int> = []
            for shard in 0..<shards {
                let port = try #require(try await topology.primaryPort(ofSlot: HashSlot.of("\(shard)")))
                owners.insert(port)
                let stored = try await topology.admin(port) {
                    try await $0.command("MGET", .init("wd:{\(shard)}:one"), .init("wd:{\(shard)}:pipelined"))
                }
                #expect(stored == .array([.bulkString(Array("\(shard)".utf8)), .bulkString(Array("p\(shard)".utf8))]))
            }
            #expect(owners.count == 3)

            // Scripts go by their first key; keyless commands to any node.
            let script = RedisScript("return redis.call('GET', KEYS[1])")
            for shard in [0, 7, 13] {
                #expect(try await redis.evalScript(script, keys: [.init("wd:{\(shard)}:one")], arguments: []) == .bulkString(Array("\(shard)".utf8)))
            }
            #expect(await redis.ping())
            #expect(try await redis.command("XADD", "wd:{3}:stream", "*", "k", "v").string != nil)
            #expect(
                try await redis.pipeline([RedisCommand("XLEN", "wd:{3}:stream"), RedisCommand("XLEN", "wd:{4}:stream")]) == [
                    .integer(1), .integer(0),
                ])
        }
    }

    @Test func followsAskDuringAMigrationAndMovedAfterIt() async throws {
        try await RedisClusterProcesses.withClient { topology, redis in
            let slot = HashSlot.of("moving")
            #expect(try await redis.command("SET", "{moving}old", "1") == .simpleString("OK"))
            let primaries = try await topology.primaries()
            let sourcePort = try #require(try await topology.primaryPort(ofSlot: slot))
            let source = try #require(primaries.first { $0.port == sourcePort })
            let target = try #require(primaries.first { $0.port != sourcePort })

            // Migration under way: the source answers ASK for keys it no longer (or never) had.
            _ = try await topology.admin(target.port) { try await $0.command("CLUSTER", "SETSLOT", .init(slot), "IMPORTING", .init(source.id)) }
            _ = try await topology.admin(source.port) { try await $0.command("CLUSTER", "SETSLOT", .init(slot), "MIGRATING", .init(target.id)) }
            #expect(try await redis.command("SET", "{moving}new", "2") == .simpleString("OK"))
            let onTarget = try await topology.admin(target.port) {
                try await $0.pipeline([RedisCommand("ASKING"), RedisCommand("GET", "{moving}new")])
            }
            #expect(onTarget.last == .bulkString(Array("2".utf8)))
            #expect(try await redis.command("GET", "{moving}old") == .bulkString(Array("1".utf8)))  // still on the source

            // Migration done: the source answers MOVED, the client follows and updates its map.
            _ = try await topology.admin(source.port) {
                try await $0.command("MIGRATE", "127.0.0.1", .init(target.port), "", "0", "5000", "KEYS", "{moving}old")
            }
            for primary in [target, source] + primaries.filter({ $0.port != source.port && $0.port != target.port }) {
                _ = try await topology.admin(primary.port) { try await $0.command("CLUSTER", "SETSLOT", .init(slot), "NODE", .init(target.id)) }
            }
            #expect(try await redis.command("GET", "{moving}old") == .bulkString(Array("1".utf8)))
            #expect(try await redis.command("GET", "{moving}new") == .bulkString(Array("2".utf8)))
            #expect(try await redis.command("SET", "{moving}after", "3") == .simpleString("OK"))
            #expect(try await topology.admin(target.port) { try await $0.command("GET", "{moving}after") } == .bulkString(Array("3".utf8)))
        }
    }

    @Test func followsAFailoverWhenAPrimaryIsKilled() async throws {
        try await RedisClusterProcesses.withClient { topology, redis in
            let slot = HashSlot.of("victim")
            let victim = try #require(try await topology.primaryPort(ofSlot: slot))
            // Confirmed by the replica before the crash, so the write survives it.
            let written = try await redis.pipeline([RedisCommand("SET", "{victim}before", "kept"), RedisCommand("WAIT", "1", "2000")])
            #expect(written == [.simpleString("OK"), .integer(1)])

            topology.kill(port: victim)
            let killedAt = ContinuousClock.now
            var recovered: Duration?
            while recovered == nil && ContinuousClock.now - killedAt < .seconds(30) {
                if (try? await redis.command("SET", "{victim}after", "1", timeout: .milliseconds(500))) == .simpleString("OK") {
                    recovered = ContinuousClock.now - killedAt
                } else {
                    try await Task.sleep(for: .milliseconds(50))
                }
            }
            let took = try #require(recovered, "no write reached the victim's slot within 30 s of its primary's death")
            // cluster-node-timeout 1000: the replica is promoted in about two seconds; the target is 10 s.
            #expect(took < .seconds(10), "writes resumed after \(took)")
            let newPrimary = try #require(try await topology.primaryPort(ofSlot: slot))
            #expect(newPrimary != victim)
            #expect(try await redis.command("GET", "{victim}before") == .bulkString(Array("kept".utf8)))
            // The other primaries' slots were served all along.
            #expect(try await redis.command("SET", "{other}x", "1") == .simpleString("OK") || HashSlot.of("other") == slot)
            print("cluster failover: writes to the killed primary's slots resumed after \(took)")
        }
    }

    @Test func followsAFailoverWhenAPrimaryHangs() async throws {
        try await RedisClusterProcesses.withClient { topology, redis in
            let slot = HashSlot.of("hung")
            let victim = try #require(try await topology.primaryPort(ofSlot: slot))
            #expect(try await redis.command("SET", "{hung}before", "1") == .simpleString("OK"))

            // A hung primary answers nothing: commands time out, and each timeout has the client read
            // the slot map again, so it finds the promoted replica long before the periodic refresh.
            topology.signal(port: victim, SIGSTOP)
            defer { topology.signal(port: victim, SIGCONT) }
            let stoppedAt = ContinuousClock.now
            var recovered: Duration?
            while recovered == nil && ContinuousClock.now - stoppedAt < .seconds(30) {
                if (try? await redis.command("SET", "{hung}after", "1", timeout: .milliseconds(500))) == .simpleString("OK") {
                    recovered = ContinuousClock.now - stoppedAt
                } else {
                    try await Task.sleep(for: .milliseconds(50))
                }
            }
            let took = try #require(recovered, "no write reached the hung primary's slot within 30 s")
            // Without that, the periodic refresh (every 30 s from the client's start) would find it.
            #expect(took < .seconds(6), "writes resumed after \(took): not before the periodic refresh")
            print("cluster, hung primary: writes to its slots resumed after \(took)")
            #expect(try await topology.primaryPort(ofSlot: slot) != victim)
        }
    }
}
