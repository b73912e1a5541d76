import Crypto
import DedupCore
import Foundation
import Hummingbird
import HummingbirdTesting
import Receiver
import Testing

/// The mercadopago profile through the receiver: `data.id` read from the URL's query for the
/// signature, computed as Mercado Pago documents it (its PyPI SDK has no signature code).
@Suite("Receiver: mercadopago profile", .enabled(if: ReceiverTest.redisAvailable, ReceiverTest.skipReason))
struct MercadoPagoReceiverTests {
    @Sendable static func headers(dataID: String, requestID: String, ts: Int) -> [String: String] {
        let manifest = "id:\(dataID);request-id:\(requestID);ts:\(ts);"
        let mac = HMAC<SHA256>.authenticationCode(for: Data(manifest.utf8), using: SymmetricKey(data: Data("mp-secret".utf8)))
        return ["x-signature": "ts=\(ts),v1=" + mac.map { String(format: "%02x", $0) }.joined(), "x-request-id": requestID]
    }

    @Test func retriesAreDuplicatesAndBadSignaturesAre401() async throws {
        let sources = try SourcesConfig.parse(
            "sources:\n  mercadopago:\n    auth: { secret_env: MP_SECRET }\n", environment: ["MP_SECRET": "mp-secret"])
        let body = try ReceiverTest.fixture("mercadopago-payment.json")
        let other = Data(String(decoding: body, as: UTF8.self).replacingOccurrences(of: "\"123456\"", with: "\"654321\"").utf8)
        let uri: @Sendable (String) -> String = { id in "/webhook/mercadopago?data.id=\(id)&type=payment" }
        try await ReceiverTest.withReceiver(.router, configure: { $0.sources = sources }) { client in
            let first = try await ProfileRequests.post(
                client, uri("123456"), body: body, headers: Self.headers(dataID: "123456", requestID: "r1", ts: 1_742_505_638))
            #expect(first.answer?.status == "accepted")
            #expect(first.answer?.key == "mercadopago:123456:payment.updated")
            // A resend: new request id and timestamp, the same notification.
            let retry = try await ProfileRequests.post(
                client, uri("123456"), body: body, headers: Self.headers(dataID: "123456", requestID: "r2", ts: 1_742_506_538))
            #expect(retry.answer?.status == "duplicate")
            let second = try await ProfileRequests.post(
                client, uri("654321"), body: other, headers: Self.headers(dataID: "654321", requestID: "r3", ts: 1_742_505_700))
            #expect(second.answer?.status == "accepted")
            // A signature for another resource's id does not pass for this one.
            let forged = try await ProfileRequests.post(
                client, uri("654321"), body: other, headers: Self.headers(dataID: "123456", requestID: "r4", ts: 1_742_505_700))
            #expect(forged.status == .unauthorized)
        } check: { receiver in
            try await ProfileRequests.expectRecorded(receiver, entries: 2, window: 432_000)
        }
    }
}
