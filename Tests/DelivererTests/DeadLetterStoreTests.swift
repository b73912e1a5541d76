import DedupCore
import RedisClient
import Testing

@testable import Deliverer

/// `dead-letters list` and `replay` against a real Redis, with dead letters written by hand.
@Suite(.enabled(if: TestRedis.url != nil, TestRedis.skipReason))
struct DeadLetterStoreTests {
    private func refs(_ texts: String...) throws -> [DeadLetterRef] {
        try texts.map { text throws in try DeadLetterRef(parsing: text) }
    }

    /// Writes a dead letter as the deliverer does; returns its id.
    private func addDeadLetter(
        _ redis: TestRedis, shard: Int, key: String, id: String = "*", body: [UInt8] = Array("{}".utf8), destination: String = "default"
    ) async throws -> String {
        let fields =
            TestRedis.fields(key: key, source: "evolution", body: body) + [
                "original_id", "1-1", "error", "HTTP 500: nope", "attempts", "10", "failed_at", "1732890001000",
            ]
        let dead = redis.keys.dead(shard: shard, destination: destination)
        return try await redis.client.command([.init("XADD"), .init(dead), .init(id)] + fields).string ?? ""
    }

    @Test("list merges shards oldest first and honours the limit")
    func listsAcrossShards() async throws {
        try await withTestRedis(shards: 2) { redis in
            // Explicit ids: entries added within one millisecond would tie.
            let a = try await addDeadLetter(redis, shard: 0, key: "a", id: "1000-0")
            let b = try await addDeadLetter(redis, shard: 1, key: "b", id: "2000-0")
            let c = try await addDeadLetter(redis, shard: 0, key: "c", id: "3000-0", body: [0xff, 0x00, 0x01])
            let store = DeadLetterStore(redis: redis.client, keyPrefix: redis.prefix, shards: 2)

            let all = try await store.list(limit: 10)
            #expect(all.map(\.id) == [a, b, c])
            #expect(all.map(\.shard) == [0, 1, 0])
            #expect(all.map(\.key) == ["a", "b", "c"])
            #expect(all[0].attempts == 10 && all[0].error == "HTTP 500: nope" && all[0].failedAt == 1_732_890_001_000)
            #expect(try await store.list(limit: 2).map(\.id) == [a, b])
            #expect(try await store.count() == 3)

            let json = all[2].jsonObject
            #expect(json["shard"] as? Int == 1 - 1)
            #expect(json["body_base64"] as? String == "/wAB")
            #expect(json["attempts"] as? Int == 10)
            #expect(json["original_id"] as? String == "1-1")
        }
    }

    @Test("replay by id moves exactly that letter back to its own shard's stream, without the failure fields")
    func replaysByID() async throws {
        try await withTestRedis(shards: 2) { redis in
            let staying = try await addDeadLetter(redis, shard: 0, key: "stay")
            let moving = try await addDeadLetter(redis, shard: 1, key: "go")
            let store = DeadLetterStore(redis: redis.client, keyPrefix: redis.prefix, shards: 2)

            let outcome = try await store.replay(refs("1:\(moving)", "9-9", "7:\(staying)", "0:\(moving)"))
            #expect(outcome.replayed.count == 1)
            #expect(outcome.replayed.first?.shard == 1 && outcome.replayed.first?.deadID == moving)
            #expect(outcome.notFound.map(\.description) == ["9-9", "7:\(staying)", "0:\(moving)"])
            #expect(try await store.list(limit: 10).map(\.key) == ["stay"])

            let entries = try await redis.client.command("XRANGE", .init(redis.keys.stream(shard: 1)), "-", "+").array ?? []
            let entry = try #require(entries.first.flatMap { StreamEntry(shard: 1, reply: $0) })
            #expect(entry.id == outcome.replayed.first?.streamID)
            #expect(entry.key == "go")
            #expect(entry.fields.map(\.name) == ["key", "source", "path", "received_at", "receiver", "content_type", "headers", "body"])

            // A bare id is looked for in every shard.
            #expect(try await store.replay(refs(staying)).replayed.map(\.shard) == [0])
            #expect(try await store.count() == 0)
        }
    }

    @Test("Per destination: list names the destination; DESTINATION:SHARD:ID replays into that destination's stream only")
    func perDestination() async throws {
        try await withTestRedis { redis in
            // The same id in two destinations' dead letters: only the one named moves.
            _ = try await addDeadLetter(redis, shard: 0, key: "b", id: "5-1", destination: "bot")
            _ = try await addDeadLetter(redis, shard: 0, key: "c", id: "5-1", destination: "crm")
            let store = DeadLetterStore(redis: redis.client, keyPrefix: redis.prefix, shards: 1, destinations: ["bot", "crm"])
            #expect(try await store.list(limit: 10).map(\.destination).sorted() == ["bot", "crm"])
            let outcome = try await store.replay(refs("crm:0:5-1", "n8n:0:5-1"))
            #expect(outcome.replayed.map(\.destination) == ["crm"])
            #expect(outcome.notFound.map(\.description) == ["n8n:0:5-1"])
            #expect(try await redis.backlog(destination: "crm") == 1)
            #expect(try await redis.backlog(destination: "bot") == 0)
            #expect(try await store.list(limit: 10).map(\.key) == ["b"])
            #expect(try await DeadLetterStore(redis: redis.client, keyPrefix: redis.prefix, shards: 1, destinations: ["crm"]).count() == 0)
        }
    }

    @Test("replay --all empties dead letters of every shard")
    func replaysAll() async throws {
        try await withTestRedis(shards: 2) { redis in
            for index in 0..<250 { _ = try await addDeadLetter(redis, shard: index % 2, key: "k\(index)") }
            let store = DeadLetterStore(redis: redis.client, keyPrefix: redis.prefix, shards: 2)
            let replayed = try await store.replayAll()
            #expect(replayed.count == 250)
            #expect(try await store.count() == 0)
            #expect(try await redis.backlog() == 250)
        }
    }
}
