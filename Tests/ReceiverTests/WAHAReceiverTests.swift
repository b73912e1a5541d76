import Crypto
import DedupCore
import Foundation
import Hummingbird
import HummingbirdTesting
import Receiver
import Testing

/// The waha profile through the receiver, signed as WAHA documents it (hex HMAC-SHA512).
@Suite("Receiver: waha profile", .enabled(if: ReceiverTest.redisAvailable, ReceiverTest.skipReason))
struct WAHAReceiverTests {
    @Sendable static func headers(_ body: Data, requestID: String) -> [String: String] {
        let mac = HMAC<SHA512>.authenticationCode(for: body, using: SymmetricKey(data: Data("waha-key".utf8)))
        return [
            "X-Webhook-Hmac": mac.map { String(format: "%02x", $0) }.joined(), "X-Webhook-Hmac-Algorithm": "sha512",
            "X-Webhook-Request-Id": requestID, "X-Webhook-Timestamp": "\(ProfileRequests.now)",
        ]
    }

    @Test func retriesAreDuplicatesAndBadSignaturesAre401() async throws {
        let sources = try SourcesConfig.parse(
            "sources:\n  waha:\n    auth: { secret_env: WAHA_HMAC_KEY }\n", environment: ["WAHA_HMAC_KEY": "waha-key"])
        let body = try ReceiverTest.fixture("waha-message.json")
        let read = Data(
            String(decoding: body, as: UTF8.self).replacingOccurrences(of: #""event": "message""#, with: #""event": "message.ack""#)
                .replacingOccurrences(of: #""ack": 1"#, with: #""ack": 3"#).utf8)
        try await ReceiverTest.withReceiver(.router, configure: { $0.sources = sources }) { client in
            let first = try await ProfileRequests.post(client, "/webhook/waha", body: body, headers: Self.headers(body, requestID: "r1"))
            #expect(first.answer?.status == "accepted")
            // WAHA's retry: the same event, a new request id and timestamp.
            let retry = try await ProfileRequests.post(client, "/webhook/waha", body: body, headers: Self.headers(body, requestID: "r2"))
            #expect(retry.answer?.status == "duplicate")
            let ack = try await ProfileRequests.post(client, "/webhook/waha", body: read, headers: Self.headers(read, requestID: "r3"))
            #expect(ack.answer?.status == "accepted")
            #expect(ack.answer?.key == "waha:default:message.ack:false_11111111111@c.us_AAAAAAAAAAAAAAAAAAAA:3")
            let forged = try await ProfileRequests.post(client, "/webhook/waha", body: read, headers: Self.headers(body, requestID: "r4"))
            #expect(forged.status == .unauthorized)
        } check: { receiver in
            try await ProfileRequests.expectRecorded(receiver, entries: 2, window: 86_400)
        }
    }
}
