import DedupCore
import Foundation
import Hummingbird
import HummingbirdTesting
import Receiver
import Testing

/// The zapi profile through the receiver: a re-sent callback is a duplicate, another message and
/// the same message's status are accepted.
@Suite("Receiver: zapi profile", .enabled(if: ReceiverTest.redisAvailable, ReceiverTest.skipReason))
struct ZAPIReceiverTests {
    @Test func resentCallbacksAreDuplicates() async throws {
        let sources = try SourcesConfig.parse(
            "sources:\n  zapi:\n    auth: { header: X-Zapi-Token, secret_env: ZAPI_TOKEN }\n", environment: ["ZAPI_TOKEN": "z"])
        let body = try ReceiverTest.fixture("zapi-received.json")
        let text = String(decoding: body, as: UTF8.self)
        let resent = Data(text.replacingOccurrences(of: "1632228638000", with: "1632228699000").utf8)
        let other = Data(text.replacingOccurrences(of: "\"messageId\": \"A20D", with: "\"messageId\": \"B20D").utf8)
        let status = Data(
            #"{"instanceId":"A20DA9C0183A2D35A260F53F5D2B9244","status":"READ","ids":["A20DA9C0183A2D35A260F53F5D2B9244"],"type":"MessageStatusCallback"}"#
                .utf8)
        let token = ["X-Zapi-Token": "z"]
        try await ReceiverTest.withReceiver(.router, configure: { $0.sources = sources }) { client in
            let first = try await ProfileRequests.post(client, "/webhook/zapi", body: body, headers: token)
            #expect(first.answer?.status == "accepted")
            let again = try await ProfileRequests.post(client, "/webhook/zapi", body: resent, headers: token)
            #expect(again.answer?.status == "duplicate")
            let second = try await ProfileRequests.post(client, "/webhook/zapi", body: other, headers: token)
            #expect(second.answer?.status == "accepted")
            let read = try await ProfileRequests.post(client, "/webhook/zapi", body: status, headers: token)
            #expect(read.answer?.status == "accepted")
            let forged = try await ProfileRequests.post(client, "/webhook/zapi", body: other, headers: ["X-Zapi-Token": "guess"])
            #expect(forged.status == .unauthorized)
        } check: { receiver in
            try await ProfileRequests.expectRecorded(receiver, entries: 3, window: 600)
        }
    }
}
