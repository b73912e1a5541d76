import DedupCore
import Foundation
import Hummingbird
import HummingbirdTesting
import Receiver
import RedisClient
import Testing

/// The evolution profile through the receiver: its token, a re-sent message with new timestamps,
/// and `drop_apikey` keeping the instance's API key out of the stream.
@Suite("Receiver: evolution profile", .enabled(if: ReceiverTest.redisAvailable, ReceiverTest.skipReason))
struct EvolutionProfileReceiverTests {
    @Test func resentMessagesAreDuplicatesAndTheAPIKeyIsNotStored() async throws {
        let sources = try SourcesConfig.parse(
            "sources:\n  evolution:\n    drop_apikey: true\n    auth: { header: X-Webhook-Token, secret_env: EVO_TOKEN }\n",
            environment: ["EVO_TOKEN": "t0ken"])
        let message = try ReceiverTest.fixture("evolution-v1-messages-upsert.json")
        let text = String(decoding: message, as: UTF8.self)
        // Evolution's re-send: the same message id with a new messageTimestamp and date_time.
        let resent = Data(
            text.replacingOccurrences(of: "1717607420", with: "1717607999").replacingOccurrences(of: "14:10:20.494Z", with: "14:19:59.001Z").utf8)
        #expect(resent != message)
        let token = ["X-Webhook-Token": "t0ken", "X-Instance-ID": "ignored-when-the-body-names-it"]
        try await ReceiverTest.withReceiver(.router, configure: { $0.sources = sources }) { client in
            let first = try await ProfileRequests.post(client, "/webhook/evolution/messages-upsert", body: message, headers: token)
            #expect(first.answer?.status == "accepted")
            let again = try await ProfileRequests.post(client, "/webhook/evolution/messages-upsert", body: resent, headers: token)
            #expect(again.answer?.status == "duplicate")
            #expect(again.answer?.key == first.answer?.key)
            let other = Data(text.replacingOccurrences(of: "3A7D51E09BC24F6A8E02", with: "3A7D51E09BC24F6A8E03").utf8)
            let second = try await ProfileRequests.post(client, "/webhook/evolution/messages-upsert", body: other, headers: token)
            #expect(second.answer?.status == "accepted")
            let unsigned = try await ProfileRequests.post(client, "/webhook/evolution/messages-upsert", body: other, headers: [:])
            #expect(unsigned.status == .unauthorized)
        } check: { receiver in
            let stream = RedisKeys(prefix: receiver.configuration.keyPrefix).stream(shard: 0)
            let entries = try #require(try await receiver.redis.command("XRANGE", .init(stream), "-", "+").array)
            #expect(entries.count == 2)
            for entry in entries {
                let fields = try #require(entry.array?[1].array).compactMap(\.string)
                let body = try #require(fields.firstIndex(of: "body").map { fields[$0 + 1] })
                #expect(!body.contains("apikey"))
                #expect(body.contains("\"instance\""))
            }
        }
    }
}
