import DedupCore
import Foundation
import RedisClient
import Testing

@testable import Deliverer

/// Each shard's stream is read by its own blocking `XREADGROUP` on its own connection: an entry on
/// one shard comes back at once although the other shards' reads keep blocking, and what those
/// reads bring later is handed out by the next read or, at shutdown, by `finishReads()`.
@Suite(.enabled(if: TestRedis.url != nil, TestRedis.skipReason))
struct ShardReadsTests {
    @Test("An entry on one shard is read at once while the other shards' reads block; a read still blocking keeps what it brings")
    func shardsNeverWaitForEachOther() async throws {
        try await withTestRedis(shards: 4) { redis in
            let block = Duration.seconds(6)
            var readerConfiguration = redis.configuration
            readerConfiguration.connections = 1
            readerConfiguration.commandTimeout = block + .seconds(2)
            let readers = (0..<4).map { _ in RedisClient(configuration: readerConfiguration, logger: testLogger("reader")) }
            defer { for reader in readers { reader.close() } }
            let group = ConsumerGroup(
                redis: redis.client, readers: readers, configuration: redis.delivererConfiguration(downstream: .standardOutput))
            try await group.create()

            let started = ContinuousClock.now
            async let read = group.readNew(perShard: 10, block: block)
            try await Task.sleep(for: .milliseconds(200))
            let written = try await redis.addEntries(1, shard: 2)
            let entries = try await read
            #expect(entries.map(\.entry.id) == written)
            #expect(entries.first?.entry.shard == 2)
            #expect(ContinuousClock.now - started < .seconds(4), "the read waited for the other shards' 6 s BLOCK")

            // Shard 0's read still blocks; what it brings now is kept for shutdown, not lost.
            let late = try await redis.addEntries(1, shard: 0, keyPrefix: "late")
            let leftover = await group.finishReads()
            #expect(leftover.map(\.entry.id) == late)
            #expect(leftover.first?.entry.shard == 0)
            #expect(try await redis.pending() == 2)
        }
    }
}
