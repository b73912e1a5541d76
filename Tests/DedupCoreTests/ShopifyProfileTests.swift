import DedupCore
import Foundation
import Testing

/// The shopify profile: key `shopify:<X-Shopify-Event-Id>`, `X-Shopify-Hmac-Sha256` as Shopify
/// documents it (base64 HMAC-SHA256 of the raw body). Shopify publishes no signing library on PyPI;
/// the vector is `openssl dgst -sha256 -hmac hush -binary examples/shopify-order.json | base64`.
@Suite("Sender profile: shopify")
struct ShopifyProfileTests {
    static let signature = "jnqCYhUCeJQ3yXc4SF20dXbjDRaBSn/eKg4XmNQUIxI="
    let verifier = AuthVerifier()
    let rule = try! AuthRule(kind: .shopify, configuredSecret: "hush")
    let now = Date()

    @Test func documentedSignatureIsAcceptedAndTamperingRejected() throws {
        let body = try Fixtures.data("shopify-order.json")
        #expect(verifier.verify(rule: rule, headers: [("X-Shopify-Hmac-Sha256", Self.signature)], body: body, now: now))
        #expect(verifier.verify(rule: rule, headers: [("x-shopify-hmac-sha256", Self.signature)], body: body, now: now))
        #expect(!verifier.verify(rule: rule, headers: [("X-Shopify-Hmac-Sha256", Self.signature)], body: body.dropLast(), now: now))
        let hex = "8e7a82621502789437c977384852dd7576e30d16814a7fde2a0e1798d4142312"
        #expect(!verifier.verify(rule: rule, headers: [("X-Shopify-Hmac-Sha256", hex)], body: body, now: now))
        #expect(!verifier.verify(rule: rule, headers: [("X-Shopify-Hmac-Sha256", "not base64!")], body: body, now: now))
        #expect(!verifier.verify(rule: rule, headers: [], body: body, now: now))
        let other = try AuthRule(kind: .shopify, configuredSecret: "hush2")
        #expect(!verifier.verify(rule: other, headers: [("X-Shopify-Hmac-Sha256", Self.signature)], body: body, now: now))
    }

    /// A retry has a new `X-Shopify-Webhook-Id` and `X-Shopify-Triggered-At` but the same event id.
    @Test func keyIsTheEventIDNotTheWebhookID() throws {
        let body = try Fixtures.data("shopify-order.json")
        let first = try KeyDeriver().derive(
            request(
                body, source: "shopify",
                headers: [("X-Shopify-Event-Id", "98880550-7158-44d4-b7cd-2c97c8a091b5"), ("X-Shopify-Webhook-Id", "b54557e4")]))
        let retry = try KeyDeriver().derive(
            request(
                body, source: "shopify",
                headers: [("X-Shopify-Event-Id", "98880550-7158-44d4-b7cd-2c97c8a091b5"), ("X-Shopify-Webhook-Id", "c0ffee00")]))
        #expect(first.rule == .profile)
        #expect(first.items.map(\.key) == ["shopify:98880550-7158-44d4-b7cd-2c97c8a091b5"])
        #expect(retry.items.map(\.key) == first.items.map(\.key))
        #expect(first.ttl == 172_800)
        let sources = try SourcesConfig.parse("sources:\n  shop:\n    profile: shopify\n    auth: { secret: hush }\n", environment: [:])
        #expect(sources.rule(for: "shop")?.auth?.kind == .shopify)
    }
}
