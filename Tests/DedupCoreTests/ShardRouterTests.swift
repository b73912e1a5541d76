import DedupCore
import Testing

@Suite("Shard routing")
struct ShardRouterTests {
    /// Pinned values: SHA-256 of "source:key", first 8 bytes big-endian, modulo shards, computed
    /// independently with Python's hashlib. These must never change between releases, or running
    /// receivers of two versions would check one key in two shards.
    @Test(arguments: [
        ("evolution", "evo:loja-centro:messages.upsert:3A9F2C71D04B8E5A6C11:0", 16, 7),
        ("default", "sha256:abc", 4, 2),
        ("meta", "meta:msg:wamid.X", 7, 4),
        ("evolution", "evo:loja-centro:messages.upsert:3A9F2C71D04B8E5A6C11:0", 1_000_003, 358_700),
    ])
    func pinnedValues(source: String, key: String, shards: Int, expected: Int) {
        #expect(ShardRouter.shard(source: source, key: key, shards: shards) == expected)
    }

    @Test func oneShardOrFewerIsAlwaysZero() {
        #expect(ShardRouter.shard(source: "a", key: "b", shards: 1) == 0)
        #expect(ShardRouter.shard(source: "a", key: "b", shards: 0) == 0)
    }

    @Test func sourceTakesPart() {
        let keys = (0..<64).map { "k\($0)" }
        let differing = keys.filter { ShardRouter.shard(source: "a", key: $0, shards: 8) != ShardRouter.shard(source: "b", key: $0, shards: 8) }
        #expect(!differing.isEmpty)
    }

    @Test func distributionIsEven() {
        let shards = 8
        let total = 8_000
        var counts = [Int](repeating: 0, count: shards)
        for index in 0..<total {
            let shard = ShardRouter.shard(source: "evolution", key: "evo:inst:messages.upsert:3A\(index):0", shards: shards)
            #expect((0..<shards).contains(shard))
            counts[shard] += 1
        }
        // Expected 1000 per shard; a fair hash stays well within ±15%.
        #expect(counts.allSatisfy { (850...1150).contains($0) }, "counts: \(counts)")
    }
}
