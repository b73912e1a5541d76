import DedupCore
import Foundation
import Hummingbird
import HummingbirdTesting
import Receiver
import RedisClient
import Testing

/// Routes through the receiver: one accept call writes the seen key and the stream of every routed
/// destination; a message routed nowhere is deduplicated and counted, and written to no stream.
@Suite("Receiver: routing to destinations", .enabled(if: ReceiverTest.redisAvailable, ReceiverTest.skipReason))
struct ReceiverRoutingTests {
    static let sources = """
        destinations:
          bot: { url: http://bot/hooks }
          n8n: { url: http://n8n/hooks }
          crm: { url: http://crm/hooks }
        sources:
          evolution:
            routes:
              - to: bot
                events: [messages.upsert]
                match: [ { pointer: /data/key/fromMe, equals: false } ]
              - to: n8n
          shop:
            routes:
              - { to: crm, headers: { X-Env: prod } }
        """

    /// The entries of a destination's stream on shard 0: the `key` field of each.
    static func streamKeys(_ receiver: ReceiverUnderTest, _ destination: String) async throws -> [String] {
        let stream = RedisKeys(prefix: receiver.configuration.keyPrefix).stream(shard: 0, destination: destination)
        let entries = try await receiver.redis.command("XRANGE", .init(stream), "-", "+").array ?? []
        return entries.compactMap { entry in
            let fields = entry.array?[1].array?.compactMap(\.string) ?? []
            return fields.firstIndex(of: "key").map { fields[$0 + 1] }
        }
    }

    @Test func eachDestinationGetsWhatItsRouteLetsThrough() async throws {
        let config = try SourcesConfig.parse(Self.sources, format: .yaml)
        let upsert = try ReceiverTest.fixture("evolution-v2-messages-upsert.json")
        let presence = Data(
            #"{"event":"presence.update","instance":"loja","data":{"id":"5511@s.whatsapp.net","presences":{"5511@s.whatsapp.net":{"lastKnownPresence":"composing"}}}}"#
                .utf8)
        try await ReceiverTest.withReceiver(.router, configure: { $0.sources = config }) { client in
            let first = try await ProfileRequests.post(client, "/webhook/evolution/messages-upsert", body: upsert, headers: [:])
            #expect(first.answer?.status == "accepted")
            let again = try await ProfileRequests.post(client, "/webhook/evolution/messages-upsert", body: upsert, headers: [:])
            #expect(again.answer?.status == "duplicate")
            #expect(again.answer?.id == first.answer?.id)
            let presenceAnswer = try await ProfileRequests.post(client, "/webhook/evolution", body: presence, headers: [:])
            #expect(presenceAnswer.answer?.status == "accepted")
            // No route of `shop` matches without the header: deduplicated, answered, stored nowhere.
            let unrouted = try await ProfileRequests.post(client, "/webhook/shop", body: Data(#"{"id":"order-1"}"#.utf8), headers: [:])
            #expect(unrouted.answer?.status == "accepted")
            #expect(unrouted.answer?.id == "-")
            let unroutedAgain = try await ProfileRequests.post(client, "/webhook/shop", body: Data(#"{"id":"order-1"}"#.utf8), headers: [:])
            #expect(unroutedAgain.answer?.status == "duplicate")
            let routed = try await ProfileRequests.post(
                client, "/webhook/shop", body: Data(#"{"id":"order-2"}"#.utf8), headers: ["X-Env": "prod"])
            #expect(routed.answer?.status == "accepted")
        } check: { receiver in
            let bot = try await Self.streamKeys(receiver, "bot")
            let n8n = try await Self.streamKeys(receiver, "n8n")
            let crm = try await Self.streamKeys(receiver, "crm")
            #expect(bot.count == 1)
            #expect(n8n.count == 2)
            #expect(n8n.first == bot.first)  // the same message, the same dedup key
            #expect(n8n.last?.hasPrefix("evo:loja:presence.update:") == true)
            #expect(crm.count == 1)
            // Nothing in the stream of `default`, which this file does not define.
            let legacy = RedisKeys(prefix: receiver.configuration.keyPrefix).stream(shard: 0)
            #expect(try await receiver.redis.command("EXISTS", .init(legacy)).int == 0)
            let unrouted = RedisKeys(prefix: receiver.configuration.keyPrefix).unrouted(shard: 0)
            #expect(try await receiver.redis.command("HGET", .init(unrouted), "shop").string == "1")
            #expect(try await receiver.keys().filter { $0.contains(":seen:shop:") }.count == 2)
        }
    }
}
