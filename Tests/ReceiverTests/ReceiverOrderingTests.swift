import DedupCore
import Foundation
import Hummingbird
import HummingbirdTesting
import Receiver
import RedisClient
import Testing

/// A source routed to an ordered destination: the conversation picks the shard, the ordered
/// destination gets the entry in the conversation's partition stream with a `conversation` field,
/// and the other destinations get theirs in that same shard, all in the one accept call.
@Suite("Receiver: ordered destinations", .enabled(if: ReceiverTest.redisAvailable, ReceiverTest.skipReason))
struct ReceiverOrderingTests {
    static let sources = """
        destinations:
          bot: { url: http://bot/hooks, order_by: [/instance, /data/key/remoteJid], partitions: 16 }
          n8n: { url: http://n8n/hooks }
        sources:
          evolution:
            routes: [ { to: bot }, { to: n8n } ]
        """

    @Test func theConversationPicksShardAndPartitionAndResendsStayDuplicates() async throws {
        let config = try SourcesConfig.parse(Self.sources, format: .yaml)
        let upsert = try ReceiverTest.fixture("evolution-v2-messages-upsert.json")
        let resent = try ReceiverTest.fixture("evolution-v2-messages-upsert-resent.json")
        let conversation = "loja-centro\u{1F}5521987650001@s.whatsapp.net"
        let partition = OrderingPartition.of(conversation: conversation, partitions: 16)
        let shards = 4
        let shard = OrderingPartition.shard(ofPartition: partition, shards: shards)
        try await ReceiverTest.withReceiver(
            .router,
            configure: {
                $0.sources = config
                $0.shards = shards
            }
        ) { client in
            let first = try await ProfileRequests.post(client, "/webhook/evolution/messages-upsert", body: upsert, headers: [:])
            #expect(first.answer?.status == "accepted")
            let again = try await ProfileRequests.post(client, "/webhook/evolution/messages-upsert", body: resent, headers: [:])
            #expect(again.answer?.status == "duplicate")
        } check: { receiver in
            let keys = RedisKeys(prefix: receiver.configuration.keyPrefix)
            let partitionStream = keys.partition(partition, destination: "bot", shards: shards)
            #expect(partitionStream.hasPrefix("\(receiver.configuration.keyPrefix):{\(shard)}:partition:bot:"))
            let entries = try await receiver.redis.command("XRANGE", .init(partitionStream), "-", "+").array ?? []
            #expect(entries.count == 1)
            let fields = entries.first?.array?[1].array?.compactMap(\.string) ?? []
            #expect(fields.firstIndex(of: "conversation").map { fields[$0 + 1] } == conversation)
            #expect(try await receiver.redis.command("XLEN", .init(keys.stream(shard: shard, destination: "n8n"))).int == 1)
            let stored = try await receiver.keys()
            #expect(stored.contains { $0.hasPrefix("\(receiver.configuration.keyPrefix):{\(shard)}:seen:evolution:") })
            // Nothing went to the bot's unordered streams.
            for other in 0..<shards {
                #expect(try await receiver.redis.command("XLEN", .init(keys.stream(shard: other, destination: "bot"))).int == 0)
            }
        }
    }
}
