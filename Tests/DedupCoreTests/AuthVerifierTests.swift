import DedupCore
import Foundation
import Testing

@Suite("Authentication")
struct AuthVerifierTests {
    let verifier = AuthVerifier()
    let now = Date(timeIntervalSince1970: 1_761_060_000)

    @Test func token() throws {
        let rule = AuthRule(kind: .token, header: "X-Webhook-Token", secret: Secret("s3cret"))
        let body = Data("{}".utf8)
        #expect(verifier.verify(rule: rule, headers: [("x-webhook-token", "s3cret")], body: body, now: now))
        #expect(verifier.verify(rule: rule, headers: [("X-Webhook-Token", "Bearer s3cret")], body: body, now: now))
        #expect(!verifier.verify(rule: rule, headers: [("X-Webhook-Token", "s3creT")], body: body, now: now))
        #expect(!verifier.verify(rule: rule, headers: [("X-Webhook-Token", "s3cret2")], body: body, now: now))
        #expect(!verifier.verify(rule: rule, headers: [("Authorization", "s3cret")], body: body, now: now))
        #expect(!verifier.verify(rule: rule, headers: [], body: body, now: now))
        let defaultHeader = AuthRule(kind: .token, secret: Secret("s3cret"))
        #expect(verifier.verify(rule: defaultHeader, headers: [("authorization", "bearer s3cret")], body: body, now: now))
    }

    /// GitHub's documented example: secret "It's a Secret to Everybody", payload "Hello, World!";
    /// the same value as `printf 'Hello, World!' | openssl dgst -sha256 -hmac "It's a Secret to Everybody"`.
    @Test func githubKnownVector() {
        let rule = AuthRule(kind: .github, secret: Secret("It's a Secret to Everybody"))
        let body = Data("Hello, World!".utf8)
        let signature = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
        #expect(verifier.verify(rule: rule, headers: [("X-Hub-Signature-256", signature)], body: body, now: now))
        #expect(
            verifier.verify(
                rule: rule, headers: [("x-hub-signature-256", signature.uppercased().replacingOccurrences(of: "SHA256=", with: "sha256="))],
                body: body, now: now))
        #expect(!verifier.verify(rule: rule, headers: [("X-Hub-Signature-256", signature)], body: Data("Hello, World?".utf8), now: now))
        #expect(!verifier.verify(rule: rule, headers: [("X-Hub-Signature-256", String(signature.dropLast()) + "0")], body: body, now: now))
        #expect(
            !verifier.verify(rule: rule, headers: [("X-Hub-Signature-256", "sha1=757107ea0eb2509fc211221cce984b8a37570b6d")], body: body, now: now))
        #expect(!verifier.verify(rule: rule, headers: [], body: body, now: now))
    }

    /// `openssl dgst -sha256 -hmac meta-app-secret examples/meta-cloud-messages.json`.
    @Test func metaSignatureOverTheFixtureBytes() throws {
        let rule = AuthRule(kind: .meta, secret: Secret("meta-app-secret"))
        let body = try Fixtures.data(Fixtures.metaMessages)
        let signature = "sha256=87ffe8c3b1602f4b63198b88fa847e4a60859a3261da76d1abaa12e7f3ea34ce"
        #expect(verifier.verify(rule: rule, headers: [("X-Hub-Signature-256", signature)], body: body, now: now))
        let wrongSecret = AuthRule(kind: .meta, secret: Secret("other-secret"))
        #expect(!verifier.verify(rule: wrongSecret, headers: [("X-Hub-Signature-256", signature)], body: body, now: now))
        #expect(!verifier.verify(rule: rule, headers: [("X-Hub-Signature-256", signature)], body: body.dropLast(), now: now))
    }

    // The Standard Webhooks reference test vector (also checked with openssl).
    static let swSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    static let swId = "msg_p5jXN8AQM9LWM0D4loKWxJek"
    static let swTimestamp = 1_614_265_330
    static let swBody = Data(#"{"test": 2432232314}"#.utf8)
    static let swSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="

    func swHeaders(signature: String = swSignature, timestamp: Int = swTimestamp) -> [(name: String, value: String)] {
        [("webhook-id", Self.swId), ("webhook-timestamp", String(timestamp)), ("webhook-signature", signature)]
    }

    @Test func standardWebhooksValid() throws {
        let rule = try AuthRule(kind: .standardWebhooks, configuredSecret: Self.swSecret)
        let at = Date(timeIntervalSince1970: TimeInterval(Self.swTimestamp + 10))
        #expect(verifier.verify(rule: rule, headers: swHeaders(), body: Self.swBody, now: at))
        #expect(!verifier.verify(rule: rule, headers: swHeaders(), body: Data(#"{"test": 2432232315}"#.utf8), now: at))
    }

    @Test func standardWebhooksWrongSecret() throws {
        let rule = try AuthRule(kind: .standardWebhooks, configuredSecret: "whsec_" + Data("a different key".utf8).base64EncodedString())
        let at = Date(timeIntervalSince1970: TimeInterval(Self.swTimestamp))
        #expect(!verifier.verify(rule: rule, headers: swHeaders(), body: Self.swBody, now: at))
    }

    @Test func standardWebhooksStaleOrFutureTimestamp() throws {
        let rule = try AuthRule(kind: .standardWebhooks, configuredSecret: Self.swSecret)
        let signedAt = TimeInterval(Self.swTimestamp)
        #expect(verifier.verify(rule: rule, headers: swHeaders(), body: Self.swBody, now: Date(timeIntervalSince1970: signedAt + 300)))
        #expect(!verifier.verify(rule: rule, headers: swHeaders(), body: Self.swBody, now: Date(timeIntervalSince1970: signedAt + 301)))
        #expect(!verifier.verify(rule: rule, headers: swHeaders(), body: Self.swBody, now: Date(timeIntervalSince1970: signedAt - 301)))
        #expect(!verifier.verify(rule: rule, headers: swHeaders(), body: Self.swBody, now: Date()))
    }

    @Test func standardWebhooksSeveralSignatures() throws {
        let rule = try AuthRule(kind: .standardWebhooks, configuredSecret: Self.swSecret)
        let at = Date(timeIntervalSince1970: TimeInterval(Self.swTimestamp))
        let rotated = "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= \(Self.swSignature) v2,abc"
        #expect(verifier.verify(rule: rule, headers: swHeaders(signature: rotated), body: Self.swBody, now: at))
        let noneValid = "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= v1a,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        #expect(!verifier.verify(rule: rule, headers: swHeaders(signature: noneValid), body: Self.swBody, now: at))
        #expect(!verifier.verify(rule: rule, headers: Array(swHeaders().dropFirst()), body: Self.swBody, now: at))
    }

    @Test func standardWebhooksSecretWithoutPrefixIsBase64() throws {
        let withPrefix = try AuthRule(kind: .standardWebhooks, configuredSecret: Self.swSecret)
        let bare = try AuthRule(kind: .standardWebhooks, configuredSecret: String(Self.swSecret.dropFirst(6)))
        #expect(withPrefix == bare)
        #expect(throws: ConfigError("secret must be \"whsec_\" followed by base64")) {
            try AuthRule(kind: .standardWebhooks, configuredSecret: "whsec_***")
        }
    }
}
