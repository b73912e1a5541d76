import DedupCore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Receiver
import RedisClient
import Testing

@Suite("Receiver: split Meta batches in Redis", .enabled(if: ReceiverTest.redisAvailable, ReceiverTest.skipReason))
struct ReceiverMetaBatchTests {
    /// Two messages and an account update in one POST: three stream entries, the update in one of
    /// them; Meta's resend of the POST is a duplicate on all three and adds none.
    @Test func aChangeWithoutItemsReachesTheStreamAndItsResendIsADuplicate() async throws {
        let suffix = UUID().uuidString.prefix(8)
        let body = """
            {"object":"whatsapp_business_account","entry":[{"id":"W1","changes":[\
            {"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"phone_number_id":"P1"},\
            "contacts":[{"profile":{"name":"A"},"wa_id":"55A"}],\
            "messages":[{"from":"55A","id":"wamid.A\(suffix)","type":"text","text":{"body":"a"}},\
            {"from":"55A","id":"wamid.B\(suffix)","type":"text","text":{"body":"b"}}]}},\
            {"field":"account_update","value":{"event":"VERIFIED_ACCOUNT","ref":"\(suffix)"}}]}]}
            """
        try await ReceiverTest.withReceiver(.router) { client in
            let first = try await client.execute(
                uri: "/webhook/meta", method: .post, headers: ReceiverTest.jsonHeaders, body: ByteBuffer(string: body)
            ) {
                #expect($0.status == .ok)
                return try Answer($0)
            }
            #expect(first.status == "accepted")
            #expect(first.items?.count == 3)
            #expect(first.items?.last?.key.hasPrefix("meta:change:sha256:") == true)
            let again = try await client.execute(
                uri: "/webhook/meta", method: .post, headers: ReceiverTest.jsonHeaders, body: ByteBuffer(string: body)
            ) {
                #expect($0.status == .ok)
                return try Answer($0)
            }
            #expect(again.status == "duplicate")
            #expect(again.items?.map(\.id) == first.items?.map(\.id))
        } check: { receiver in
            let stream = RedisKeys(prefix: receiver.configuration.keyPrefix).stream(shard: 0)
            let entries = try #require(try await receiver.redis.command("XRANGE", .init(stream), "-", "+").array)
            try #require(entries.count == 3)
            let bodies = try entries.map { entry in
                let fields = try #require(entry.array?[1].array)
                let index = try #require(fields.firstIndex { $0.string == "body" })
                return String(decoding: fields[index + 1].bytes ?? [], as: UTF8.self)
            }
            #expect(bodies[0].contains("wamid.A\(suffix)") && !bodies[0].contains("account_update"))
            #expect(bodies[1].contains("wamid.B\(suffix)"))
            #expect(
                bodies[2] == """
                    {"object":"whatsapp_business_account","entry":[{"id":"W1","changes":[\
                    {"field":"account_update","value":{"event":"VERIFIED_ACCOUNT","ref":"\(suffix)"}}]}]}
                    """)
        }
    }
}
