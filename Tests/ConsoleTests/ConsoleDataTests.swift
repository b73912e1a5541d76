import Console
import DedupCore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import RedisClient
import Testing

/// What the API answers about dead letters and single messages, against real Redis data.
@Suite(.enabled(if: ConsoleTest.redisAvailable, ConsoleTest.skipReason))
struct ConsoleDataTests {
    @Test func deadLettersShowErrorAttemptsAndBodyButNoSecrets() async throws {
        try await ConsoleTest.withConsole { client, prefix, redis in
            let ref = try await ConsoleTest.addDeadLetter(prefix: prefix, redis: redis)
            let response = try await client.execute(uri: "/api/dead-letters", method: .get, headers: ConsoleTest.bearer) { $0 }
            #expect(response.status == .ok)
            for secret in ["HEADER-SECRET-1", "SIG-SECRET-2", "BODY-SECRET-3"] { #expect(!response.text.contains(secret), "\(secret)") }
            #expect(response.json["total"] as? Int == 1)
            let letter = try #require((response.json["letters"] as? [[String: Any]])?.first)
            #expect(letter["ref"] as? String == ref)
            #expect(letter["error"] as? String == "HTTP 500 from downstream")
            #expect(letter["attempts"] as? Int == 10)
            #expect((letter["body_preview"] as? String)?.contains("messages.upsert") == true)
            #expect((letter["headers"] as? [String: String])?["content-type"] == "application/json")
        }
    }

    @Test func deleteRemovesTheDeadLetterForGood() async throws {
        try await ConsoleTest.withConsole { client, prefix, redis in
            let ref = try await ConsoleTest.addDeadLetter(prefix: prefix, redis: redis)
            let answer = try await ConsoleTest.press("delete", [ref, "0:1-1", "x"], client: client)
            #expect(answer["done"] as? [String] == [ref])
            #expect(answer["not_found"] as? [String] == ["0:1-1", "x"])
            #expect(try await redis.command("XLEN", .init("\(prefix):{0}:dead")).int == 0)
            #expect(try await redis.command("XLEN", .init("\(prefix):{0}:stream")).int == 0)
        }
    }

    @Test func lookUpFollowsAMessageFromWaitingToDelivering() async throws {
        try await ConsoleTest.withConsole { client, prefix, redis in
            let id = try #require(
                try await redis.command("XADD", .init("\(prefix):{0}:stream"), "*", "key", "m/1", "source", "evolution", "body", "{}").string)
            _ = try await redis.command(
                "SET", .init("\(prefix):{0}:seen:evolution:m/1"), .init(#"{"id":"\#(id)","at":1,"by":"receiver-2"}"#), "EX", "600")
            let lookup = { () async throws -> [String: Any] in
                try await client.execute(uri: "/api/messages/evolution/m%2F1", method: .get, headers: ConsoleTest.bearer) { $0.json }
            }
            var answer = try await lookup()
            #expect(answer["state"] as? String == "waiting")
            #expect(answer["seen_key"] as? String == "\(prefix):{0}:seen:evolution:m/1")
            #expect((answer["ttl_seconds"] as? Int).map { $0 > 500 && $0 <= 600 } == true)
            let delivery = try #require((answer["deliveries"] as? [[String: Any]])?.first)
            #expect(delivery["destination"] as? String == "default")
            #expect((delivery["stream_entry"] as? [String: Any])?["id"] as? String == id)
            #expect((answer["seen"] as? [String: Any])?["by"] as? String == "receiver-2")

            _ = try await redis.command("XGROUP", "CREATE", .init("\(prefix):{0}:stream"), "deliverers", "0")
            _ = try await redis.command(
                "XREADGROUP", "GROUP", "deliverers", "deliverer-1", "COUNT", "1", "STREAMS", .init("\(prefix):{0}:stream"), ">")
            answer = try await lookup()
            #expect(answer["state"] as? String == "delivering")
            let pending = (answer["deliveries"] as? [[String: Any]])?.first?["pending"] as? [String: Any]
            #expect(pending?["consumer"] as? String == "deliverer-1")

            _ = try await redis.command("XDEL", .init("\(prefix):{0}:stream"), .init(id))
            #expect(try await lookup()["state"] as? String == "delivered")
            let unknown = try await client.execute(uri: "/api/messages/evolution/nope", method: .get, headers: ConsoleTest.bearer) { $0.json }
            #expect(unknown["state"] as? String == "unknown")
            #expect(unknown["seen"] is NSNull && unknown["ttl_seconds"] is NSNull, "absent members are null, not missing")
        }
    }

    @Test func aMessageRoutedToTwoDestinationsIsFollowedInEach() async throws {
        try await ConsoleTest.withConsole(destinations: ["default", "crm"]) { client, prefix, redis in
            // The accept script's shape: one entry per destination, the seen record naming the first.
            let id = "1764550000000-0"
            _ = try await redis.command("XADD", .init("\(prefix):{0}:stream"), .init(id), "key", "k9", "source", "evolution", "body", "{}")
            _ = try await redis.command(
                "SET", .init("\(prefix):{0}:seen:evolution:k9"), .init(#"{"id":"\#(id)","at":1,"by":"receiver-1"}"#), "EX", "600")
            let ref = try await ConsoleTest.addDeadLetter(prefix: prefix, redis: redis, key: "k9", destination: "crm")
            #expect(ref.hasPrefix("crm:0:"))

            let lookup = try await client.execute(uri: "/api/messages/evolution/k9", method: .get, headers: ConsoleTest.bearer) { $0.json }
            #expect(lookup["state"] as? String == "dead")
            let deliveries = try #require(lookup["deliveries"] as? [[String: Any]])
            #expect(deliveries.map { $0["destination"] as? String } == ["default", "crm"])
            #expect(deliveries.map { $0["state"] as? String } == ["waiting", "dead"])

            let list = try await client.execute(uri: "/api/dead-letters", method: .get, headers: ConsoleTest.bearer) { $0.json }
            let letter = try #require((list["letters"] as? [[String: Any]])?.first)
            #expect(letter["ref"] as? String == ref)
            #expect(letter["destination"] as? String == "crm")

            let replayed = try await ConsoleTest.press("replay", [ref], client: client)
            #expect(replayed["done"] as? [String] == [ref])
            #expect(try await redis.command("XLEN", .init("\(prefix):{0}:stream:crm")).int == 1)
            #expect(try await redis.command("XLEN", .init("\(prefix):{0}:stream")).int == 1)
            #expect(try await redis.command("XLEN", .init("\(prefix):{0}:dead:crm")).int == 0)
        }
    }

    /// A source routed to an ordered destination keeps its seen key in the conversation's shard and
    /// its copy in a partition stream: the look-up finds both.
    @Test func aMessageToAnOrderedDestinationIsFoundInItsPartition() async throws {
        try await ConsoleTest.withConsole(
            destinations: ["bot"],
            configure: {
                $0.shards = 2
                $0.orderedPartitions = ["bot": 8]
            }
        ) { client, prefix, redis in
            let keys = RedisKeys(prefix: prefix)
            // The shard the key alone would pick is not the one the conversation picked.
            let home = ShardRouter.shard(source: "evolution", key: "k7", shards: 2)
            let partition = (0..<8).first { OrderingPartition.shard(ofPartition: $0, shards: 2) != home }!
            let shard = OrderingPartition.shard(ofPartition: partition, shards: 2)
            let id = "1764550000123-0"
            _ = try await redis.command(
                "XADD", .init(keys.partition(partition, destination: "bot", shards: 2)), .init(id), "key", "k7", "source", "evolution", "body", "{}",
                "conversation", "chat-7")
            _ = try await redis.command(
                "SET", .init(keys.seen(shard: shard, source: "evolution", key: "k7")), .init(#"{"id":"\#(id)","at":1,"by":"receiver-1"}"#), "EX",
                "600")
            let lookup = try await client.execute(uri: "/api/messages/evolution/k7", method: .get, headers: ConsoleTest.bearer) { $0.json }
            #expect(lookup["shard"] as? Int == shard)
            #expect(lookup["state"] as? String == "waiting")
            let delivery = try #require((lookup["deliveries"] as? [[String: Any]])?.first)
            #expect(delivery["destination"] as? String == "bot")
            #expect((delivery["stream_entry"] as? [String: Any]) != nil, "\(delivery)")
            // Its waiting entry counts in the console's backlog gauges, under its partition.
            let metrics = try await client.execute(uri: "/metrics", method: .get, headers: ConsoleTest.bearer) { String(buffer: $0.body) }
            #expect(
                metrics.contains(#"webhook_dedup_stream_length{destination="bot",shard="\#(shard)",partition="\#(partition)"} 1"#),
                "\(metrics)")
        }
    }
}
