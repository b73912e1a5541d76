import Crypto
import DedupCore
import Foundation
import Hummingbird
import HummingbirdTesting
import Receiver
import Testing

/// The shopify profile through the receiver. Shopify has no signing library on PyPI; the signature
/// is computed as Shopify documents it: base64 HMAC-SHA256 of the raw body with the app's secret.
@Suite("Receiver: shopify profile", .enabled(if: ReceiverTest.redisAvailable, ReceiverTest.skipReason))
struct ShopifyReceiverTests {
    @Test func retriesAreDuplicatesAndBadSignaturesAre401() async throws {
        let sources = try SourcesConfig.parse(
            "sources:\n  shopify:\n    auth: { secret_env: SHOPIFY_SECRET }\n", environment: ["SHOPIFY_SECRET": "hush"])
        let body = try ReceiverTest.fixture("shopify-order.json")
        @Sendable func headers(event: String, webhook: String, body: Data) -> [String: String] {
            let mac = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Data("hush".utf8)))
            return [
                "X-Shopify-Hmac-Sha256": Data(mac).base64EncodedString(), "X-Shopify-Event-Id": event, "X-Shopify-Webhook-Id": webhook,
                "X-Shopify-Topic": "orders/create", "X-Shopify-Triggered-At": "2024-03-1\(webhook.count)T12:00:00Z",
            ]
        }
        try await ReceiverTest.withReceiver(.router, configure: { $0.sources = sources }) { client in
            let first = try await ProfileRequests.post(
                client, "/webhook/shopify", body: body, headers: headers(event: "ev-1", webhook: "w1", body: body))
            #expect(first.answer?.status == "accepted")
            #expect(first.answer?.key == "shopify:ev-1")
            // Shopify's retry: a new X-Shopify-Webhook-Id and trigger time, the same event id.
            let retry = try await ProfileRequests.post(
                client, "/webhook/shopify", body: body, headers: headers(event: "ev-1", webhook: "w22", body: body))
            #expect(retry.answer?.status == "duplicate")
            let second = try await ProfileRequests.post(
                client, "/webhook/shopify", body: body, headers: headers(event: "ev-2", webhook: "w3", body: body))
            #expect(second.answer?.status == "accepted")
            var tampered = body
            tampered[tampered.startIndex + 9] ^= 1
            let forged = try await ProfileRequests.post(
                client, "/webhook/shopify", body: tampered, headers: headers(event: "ev-3", webhook: "w4", body: body))
            #expect(forged.status == .unauthorized)
        } check: { receiver in
            try await ProfileRequests.expectRecorded(receiver, entries: 2, window: 172_800)
        }
    }
}
