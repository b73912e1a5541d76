import DedupCore
import Foundation
import Hummingbird
import HummingbirdTesting
import Receiver
import RedisClient
import Testing

/// The twilio profile through the receiver, signed at test time by the `twilio` library's
/// `RequestValidator`. The form body is keyed by its fields and stored byte for byte.
@Suite("Receiver: twilio profile", .enabled(if: SenderLibraries.available, SenderLibraries.skipReason))
struct TwilioReceiverTests {
    static let url = "https://hooks.example.com/webhook/twilio"
    static let form = "application/x-www-form-urlencoded"

    @Test func retriesAreDuplicatesAndTheFormIsStoredAsSent() async throws {
        let sources = try SourcesConfig.parse(
            "sources:\n  twilio:\n    auth: { secret_env: TWILIO_AUTH_TOKEN }\n    public_url: \(Self.url)\n",
            environment: ["TWILIO_AUTH_TOKEN": "12345"])
        let delivered = try ReceiverTest.fixture("twilio-message-status.txt")
        let text = String(decoding: delivered, as: UTF8.self)
        let sent = Data(text.replacingOccurrences(of: "=delivered", with: "=sent").utf8)
        let signed = try await SenderLibraries.sign([
            .init(scheme: "twilio", secret: "12345", body: text, url: Self.url),
            .init(scheme: "twilio", secret: "12345", body: String(decoding: sent, as: UTF8.self), url: Self.url),
            .init(scheme: "twilio", secret: "12345", body: text, url: "https://hooks.example.com/webhook/other"),
        ])
        try await ReceiverTest.withReceiver(.router, configure: { $0.sources = sources }) { client in
            let first = try await ProfileRequests.post(client, "/webhook/twilio", body: delivered, headers: signed[0], contentType: Self.form)
            #expect(first.answer?.status == "accepted")
            #expect(first.answer?.key == "twilio:SM2c7e9f8ad5a84c55a3b3b4b1e2d3f4a5:delivered")
            // Twilio's retry repeats the request as it was.
            let retry = try await ProfileRequests.post(client, "/webhook/twilio", body: delivered, headers: signed[0], contentType: Self.form)
            #expect(retry.answer?.status == "duplicate")
            let next = try await ProfileRequests.post(client, "/webhook/twilio", body: sent, headers: signed[1], contentType: Self.form)
            #expect(next.answer?.status == "accepted")
            let tampered = try await ProfileRequests.post(client, "/webhook/twilio", body: sent, headers: signed[0], contentType: Self.form)
            #expect(tampered.status == .unauthorized)
            let otherURL = try await ProfileRequests.post(client, "/webhook/twilio", body: delivered, headers: signed[2], contentType: Self.form)
            #expect(otherURL.status == .unauthorized)
        } check: { receiver in
            try await ProfileRequests.expectRecorded(receiver, entries: 2, window: 86_400)
            let stream = RedisKeys(prefix: receiver.configuration.keyPrefix).stream(shard: 0)
            let entries = try #require(try await receiver.redis.command("XRANGE", .init(stream), "-", "+").array)
            let fields = try #require(entries.first?.array?[1].array).compactMap(\.string)
            let field = { (name: String) in fields.firstIndex(of: name).map { fields[$0 + 1] } }
            #expect(field("body") == String(decoding: delivered, as: UTF8.self))
            #expect(field("content_type") == Self.form)
        }
    }
}
