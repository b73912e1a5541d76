import DedupCore
import Foundation
import Testing

/// The svix and standard-webhooks profiles: the message id keys the request whichever header family
/// carries it, and the signature is checked under either family's names.
///
/// The vector is Svix's documented example, reproduced by both libraries (svix 2.9.1,
/// standardwebhooks 1.1.0) through scripts/tools/sender_signatures.py:
///   echo '[{"scheme":"svix","secret":"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw","body":"{\"test\": 2432232314}",
///          "timestamp":1614265330,"id":"msg_p5jXN8AQM9LWM0D4loKWxJek"}, (the same with "standard-webhooks")]' \
///     | .build/sender-venv/bin/python scripts/tools/sender_signatures.py
/// Both print `v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=`.
@Suite("Sender profile: svix and standard-webhooks")
struct SvixProfileTests {
    static let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    static let body = Data(#"{"test": 2432232314}"#.utf8)
    static let id = "msg_p5jXN8AQM9LWM0D4loKWxJek"
    static let signature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    static let signedAt = Date(timeIntervalSince1970: 1_614_265_330)

    let verifier = AuthVerifier()
    let rule = try! AuthRule(kind: .standardWebhooks, configuredSecret: SvixProfileTests.secret)

    static func headers(_ prefix: String, timestamp: String = "1614265330", signature: String = signature) -> [(name: String, value: String)] {
        [("\(prefix)-id", id), ("\(prefix)-timestamp", timestamp), ("\(prefix)-signature", signature)]
    }

    @Test(arguments: ["svix", "webhook", "Svix", "WEBHOOK"])
    func eitherHeaderFamilyIsAccepted(prefix: String) {
        #expect(verifier.verify(rule: rule, headers: Self.headers(prefix), body: Self.body, now: Self.signedAt))
        #expect(!verifier.verify(rule: rule, headers: Self.headers(prefix), body: Self.body.dropLast(), now: Self.signedAt))
        #expect(!verifier.verify(rule: rule, headers: Self.headers(prefix), body: Self.body, now: Self.signedAt.addingTimeInterval(301)))
        #expect(!verifier.verify(rule: rule, headers: Self.headers(prefix, timestamp: "1614265331"), body: Self.body, now: Self.signedAt))
        #expect(!verifier.verify(rule: rule, headers: Array(Self.headers(prefix).prefix(2)), body: Self.body, now: Self.signedAt))
    }

    /// The families are not mixed: an id from one and a signature from the other is no signature.
    @Test func familiesAreNotMixed() {
        let mixed = [Self.headers("webhook")[0], Self.headers("webhook")[1], Self.headers("svix")[2]]
        #expect(!verifier.verify(rule: rule, headers: mixed, body: Self.body, now: Self.signedAt))
    }

    /// A Svix retry has the same message id and a new timestamp and signature; the id keys it, under
    /// either header name, so a sender switching names is still one message.
    @Test func keyIsTheMessageID() throws {
        for source in ["svix", "standard-webhooks", "anything"] {
            let svix = try KeyDeriver().derive(request(Self.body, source: source, headers: Self.headers("svix")))
            let standard = try KeyDeriver().derive(request(Self.body, source: source, headers: Self.headers("webhook", timestamp: "1614265400")))
            #expect(svix.rule == .header)
            #expect(svix.items.map(\.key) == ["webhook-id:msg_p5jXN8AQM9LWM0D4loKWxJek"])
            #expect(standard.items.map(\.key) == svix.items.map(\.key))
        }
        #expect(try KeyDeriver().derive(request(Self.body, source: "svix")).ttl == 172_800)
        #expect(try KeyDeriver().derive(request(Self.body, source: "standard-webhooks")).ttl == 172_800)
    }

    @Test func authTypeComesFromTheProfile() throws {
        let sources = try SourcesConfig.parse(
            "sources:\n  svix:\n    auth: { secret: \(Self.secret) }\n  hooks:\n    profile: standard-webhooks\n    auth: { secret: \(Self.secret) }\n",
            environment: [:])
        #expect(sources.rule(for: "svix")?.auth?.kind == .standardWebhooks)
        #expect(sources.rule(for: "hooks")?.auth?.kind == .standardWebhooks)
    }
}
