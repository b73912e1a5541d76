import DedupCore
import Foundation
import RedisClient
import TestSupport
import Testing

@testable import Deliverer

/// The deliverer, `stats` and `dead-letters` on a real Redis Cluster (three primaries and three
/// replicas of the test's own): every command names one shard's keys, so each goes to that shard's
/// primary, and the shards' streams are read on their own nodes, which `stats` names.
@Suite(.serialized, .enabled(if: RedisClusterProcesses.available, "redis-cli not installed (scripts/test installs redis-tools)"))
struct DelivererClusterTests {
    @Test("Entries of 12 shards spread over 3 primaries are delivered once each; stats and dead letters see every shard")
    func deliversFromEveryPrimary() async throws {
        try await RedisClusterProcesses.withClient { cluster, redis in
            let shards = 12
            let prefix = "wdcluster\(UInt32.random(in: 0...UInt32.max))"
            let keys = RedisKeys(prefix: prefix)
            var owners: Set<Int> = []
            for shard in 0..<shards { owners.insert(try #require(try await cluster.primaryPort(ofSlot: HashSlot.of("\(shard)")))) }
            #expect(owners.count == 3)

            // Ids given, unique over all shards: the sink tells entries apart by id alone, and `*` on
            // different primaries can hand out the same id in the same millisecond.
            var ids: [String] = []
            for shard in 0..<shards {
                let commands = (0..<25).map { index in
                    RedisCommand(
                        [.init("XADD"), .init(keys.stream(shard: shard)), .init("\(shard + 1)-\(index + 1)")]
                            + TestRedis.fields(key: "k-\(shard)-\(index)", source: "test", body: Array("{\"shard\":\(shard)}".utf8)))
                }
                ids += try await redis.pipeline(commands).map { try #require($0.string) }
            }
            let failing = ids[ids.count / 2]  // always answered 500: a dead letter after 2 attempts
            let sink = RecordingSink { entryID, _ in (entryID == failing ? 500 : 200, .zero) }
            let configuration = DelivererConfiguration(
                redis: try cluster.configuration(), downstream: .standardOutput, keyPrefix: prefix, shards: shards,
                consumer: "cluster-test", maxAttempts: 2, retryBase: .milliseconds(20), retryMax: .milliseconds(80),
                deliveryTimeout: .seconds(2), claimIdle: .seconds(2), readBlock: .milliseconds(200))
            try await sink.run { url in
                var http = configuration
                http.downstream = .http(url)
                try await withRunningServices([DeliveryService(configuration: http, logger: testLogger("deliver"))]) {
                    let done = try await eventually(timeout: .seconds(60)) {
                        let stats = try await StatsReport.collect(redis: redis, keyPrefix: prefix, shards: shards, group: "deliverers")
                        return stats.totals.length == 0 && stats.totals.deadLetters == 1
                    }
                    #expect(done)
                }
            }
            let delivered = sink.delivered.map(\.entryID)
            #expect(delivered.count == ids.count - 1)
            #expect(Set(delivered) == Set(ids).subtracting([failing]))

            let stats = try await StatsReport.collect(redis: redis, keyPrefix: prefix, shards: shards, group: "deliverers")
            #expect(stats.shards.count == shards && stats.shards.allSatisfy(\.groupExists))
            #expect(stats.totals.pending == 0)
            let store = DeadLetterStore(redis: redis, keyPrefix: prefix, shards: shards)
            #expect(try await store.count() == 1)
            #expect(try await store.list(limit: 10).map(\.originalID) == [failing])
        }
    }

    @Test("stats names each shard's node (host:port of its primary) and reads every partition on a cluster")
    func shardsNameTheirNodes() async throws {
        try await RedisClusterProcesses.withClient { cluster, redis in
            let shards = 6
            let prefix = "wdstats\(UInt32.random(in: 0...UInt32.max))"
            let keys = RedisKeys(prefix: prefix)
            for shard in 0..<shards {
                try await redis.command(
                    [.init("XADD"), .init(keys.stream(shard: shard, destination: "bot")), "*"]
                        + TestRedis.fields(key: "k-\(shard)", source: "test", body: []))
            }
            for partition in 0..<12 {
                try await redis.command(
                    [.init("XADD"), .init(keys.partition(partition, destination: "chat", shards: shards)), "*"]
                        + TestRedis.fields(key: "p-\(partition)", source: "test", body: []) + ["conversation", "c"])
            }
            let stats = try await DeliveryStats.collect(
                redis: redis, keyPrefix: prefix, shards: shards, group: "deliverers", destinations: ["bot", "chat"], ordered: ["chat": 12])

            var expected: [String] = []
            for shard in 0..<shards {
                let port = try #require(try await cluster.primaryPort(ofSlot: HashSlot.of("\(shard)")))
                expected.append("127.0.0.1:\(port)")
            }
            #expect(Set(expected).count == 3, "six shards spread over the three primaries")
            for report in stats.destinations { #expect(report.shards.map(\.node) == expected) }
            #expect(stats.destinations[0].totals.length == shards)
            let partitions = try #require(stats.destinations[1].partitions)
            #expect(partitions.map(\.length) == Array(repeating: 1, count: 12))
            #expect(stats.totals.length == shards + 12)

            let object = try #require(try JSONSerialization.jsonObject(with: Data(stats.json().utf8)) as? [String: Any])
            let shardObjects = try #require((object["destinations"] as? [[String: Any]])?.first?["shards"] as? [[String: Any]])
            #expect(shardObjects.map { $0["node"] as? String } == expected)
        }
    }
}
