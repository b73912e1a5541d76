import DedupCore
import Foundation
import Testing

/// The stripe profile: key `stripe:<event id>`, `Stripe-Signature` checked as Stripe's library signs.
///
/// The vector was made by the `stripe` PyPI library (16.1.0) through scripts/tools/sender_signatures.py,
/// which calls `stripe.WebhookSignature.generate_signature_header`:
///   echo '[{"scheme":"stripe","secret":"whsec_5WbX5kEWLlfzsGNjH64I8lOOqUB6e8FH",
///          "body":<examples/stripe-event.json as text>,"timestamp":1700000000}]' \
///     | .build/sender-venv/bin/python scripts/tools/sender_signatures.py
/// The receiver's tests sign with the library at test time as well (ReceiverTests, StripeReceiverTests).
@Suite("Sender profile: stripe")
struct StripeProfileTests {
    static let secret = "whsec_5WbX5kEWLlfzsGNjH64I8lOOqUB6e8FH"
    static let signed = "t=1700000000,v1=5639decc83dcc1fd738c9d500940ea65c45a640058e0757df70d2d92db64ff3f"
    static let signedAt = Date(timeIntervalSince1970: 1_700_000_000)

    let verifier = AuthVerifier()
    let rule = try! AuthRule(kind: .stripe, configuredSecret: StripeProfileTests.secret)

    func verify(_ header: String, body: Data, now: Date = StripeProfileTests.signedAt) -> Bool {
        verifier.verify(rule: rule, headers: [("Stripe-Signature", header)], body: body, now: now)
    }

    @Test func theLibrarysSignatureIsAccepted() throws {
        let body = try Fixtures.data("stripe-event.json")
        #expect(verify(Self.signed, body: body))
        #expect(verify(Self.signed, body: body, now: Self.signedAt.addingTimeInterval(300)))
        #expect(verifier.verify(rule: rule, headers: [("stripe-signature", Self.signed)], body: body, now: Self.signedAt))
    }

    /// While a secret is rolled Stripe signs with both, one `v1` each; a `v0` (test scheme) is ignored.
    @Test func anyOfSeveralV1SignaturesMayMatch() throws {
        let body = try Fixtures.data("stripe-event.json")
        let good = String(Self.signed.split(separator: ",")[1])
        let other = "v1=" + String(repeating: "ab", count: 32)
        #expect(verify("t=1700000000,\(other),\(good)", body: body))
        #expect(verify("t=1700000000,v0=\(String(repeating: "cd", count: 32)),\(good),\(other)", body: body))
        #expect(!verify("t=1700000000,\(other)", body: body))
    }

    @Test func tamperedExpiredOrMalformedIsRejected() throws {
        let body = try Fixtures.data("stripe-event.json")
        var tampered = body
        tampered[tampered.index(tampered.startIndex, offsetBy: 12)] ^= 1
        #expect(!verify(Self.signed, body: tampered))
        // Older than Stripe's 300 s tolerance, or as far in the future.
        #expect(!verify(Self.signed, body: body, now: Self.signedAt.addingTimeInterval(301)))
        #expect(!verify(Self.signed, body: body, now: Self.signedAt.addingTimeInterval(-301)))
        // The timestamp is signed: moving it breaks the signature.
        #expect(!verify(Self.signed.replacingOccurrences(of: "t=1700000000", with: "t=1700000001"), body: body))
        #expect(!verify("v1=5639decc83dcc1fd738c9d500940ea65c45a640058e0757df70d2d92db64ff3f", body: body))
        #expect(!verify("", body: body))
        #expect(!verifier.verify(rule: rule, headers: [], body: body, now: Self.signedAt))
        let wrongSecret = try AuthRule(kind: .stripe, configuredSecret: "whsec_other")
        #expect(!verifier.verify(rule: wrongSecret, headers: [("Stripe-Signature", Self.signed)], body: body, now: Self.signedAt))
    }

    @Test func headerParsing() throws {
        let header = try #require(TimestampedSignatureHeader(" t=12 , v1=00ff,v0=11,x=y,v1=zz,v1=AB"))
        #expect(header.timestamp == "12")
        #expect(header.signatures == [[0x00, 0xff], [0xab]])
        #expect(TimestampedSignatureHeader("v1=00ff") == nil)
        #expect(TimestampedSignatureHeader("t=12") == nil)
        #expect(TimestampedSignatureHeader("t=x,v1=00") == nil)
        #expect(TimestampedSignatureHeader("t=12,v1=0") == nil)
        #expect(TimestampedSignatureHeader(",,=,t") == nil)
    }

    /// A retry carries the same body and a new `Stripe-Signature`; the key reads only the event id.
    @Test func keyIsTheEventID() throws {
        let body = try Fixtures.data("stripe-event.json")
        let sources = try SourcesConfig.parse("sources:\n  payments:\n    profile: stripe\n", environment: [:])
        let deriver = KeyDeriver(sources: sources)
        let first = try deriver.derive(request(body, source: "payments", headers: [("Stripe-Signature", Self.signed)]))
        let retry = try deriver.derive(request(body, source: "payments", headers: [("Stripe-Signature", "t=1700000600,v1=00")]))
        #expect(first.rule == .profile)
        #expect(first.items.map(\.key) == ["stripe:evt_1NG8Du2eZvKYlo2CUI79vXWy"])
        #expect(retry.items.map(\.key) == first.items.map(\.key))
        #expect(first.ttl == 259_200)
        let other = Data(String(decoding: body, as: UTF8.self).replacingOccurrences(of: "evt_1NG8", with: "evt_2NG8").utf8)
        #expect(try deriver.derive(request(other, source: "payments")).items.map(\.key) == ["stripe:evt_2NG8Du2eZvKYlo2CUI79vXWy"])
        // A Stripe body without an id falls back to the built-in rules.
        #expect(try deriver.derive(request(Data(#"{"object":"event"}"#.utf8), source: "payments")).rule == .rawBody)
    }

    /// `/webhook/stripe` gets the profile without a sources file; a listed source's own `key` and
    /// `ttl` win over the profile's.
    @Test func profileByNameAndOverrides() throws {
        let body = try Fixtures.data("stripe-event.json")
        let unlisted = try KeyDeriver().derive(request(body, source: "stripe"))
        #expect(unlisted.items.map(\.key) == ["stripe:evt_1NG8Du2eZvKYlo2CUI79vXWy"])
        #expect(unlisted.ttl == 259_200)
        let sources = try SourcesConfig.parse(
            "sources:\n  stripe:\n    key: [/data/object/id]\n    ttl: 600\n  other:\n    profile: stripe\n    ttl: 900\n", environment: [:])
        let own = try KeyDeriver(sources: sources).derive(request(body, source: "stripe"))
        #expect(own.items.map(\.key) == ["rule:pi_3NG8Dt2eZvKYlo2C0yGQK1Yk"])
        #expect(own.ttl == 600)
        #expect(try KeyDeriver(sources: sources).derive(request(body, source: "other")).ttl == 900)
    }

    @Test func authTypeComesFromTheProfile() throws {
        let sources = try SourcesConfig.parse(
            "sources:\n  stripe:\n    auth: { secret_env: STRIPE_WEBHOOK_SECRET }\n  payments:\n    profile: stripe\n    auth: { type: token, secret: t }\n",
            environment: ["STRIPE_WEBHOOK_SECRET": Self.secret])
        let stripe = try #require(sources.rule(for: "stripe")?.auth)
        #expect(stripe.kind == .stripe)
        #expect(stripe.header == "Stripe-Signature")
        #expect(sources.rule(for: "payments")?.auth?.kind == .token)
        #expect(throws: ConfigError.self) { try SourcesConfig.parse("sources:\n  shop:\n    auth: { secret: x }\n", environment: [:]) }
        let unknown = #expect(throws: ConfigError.self) { try SourcesConfig.parse("sources:\n  a:\n    profile: stripes\n", environment: [:]) }
        #expect(unknown?.message.contains("profile must be one of: evolution, stripe, slack") == true)
        let token = #expect(throws: ConfigError.self) {
            try SourcesConfig.parse("sources:\n  stripe:\n    verify_token_env: T\n", environment: ["T": "x"])
        }
        #expect(token?.message.contains("only used by the meta profile") == true)
    }
}
