import DedupCore
import Foundation
import Testing

/// The square profile: key `square:<event_id>`, `x-square-hmacsha256-signature` over the
/// notification URL and the body.
///
/// The vector was computed as Square documents it and accepted by the `squareup` SDK's own
/// `square.utils.webhooks_helper.verify_signature` (squareup 46.0.0), through
/// scripts/tools/sender_signatures.py:
///   echo '[{"scheme":"square","secret":"asdf1234","url":"https://example.com/webhook",
///          "body":<examples/square-payment-created.json as text>}]' \
///     | .build/sender-venv/bin/python scripts/tools/sender_signatures.py
@Suite("Sender profile: square")
struct SquareProfileTests {
    static let signature = "esEn5tsQIftoXbpNXbxkGB0FG3nh/f8qSyX55/ylNh4="
    let verifier = AuthVerifier()

    func verify(_ signature: String, url: String = "https://example.com/webhook", body: Data) -> Bool {
        let rule = AuthRule(kind: .square, secret: Secret("asdf1234"), publicURL: url)
        return verifier.verify(rule: rule, headers: [("X-Square-HmacSha256-Signature", signature)], body: body, now: Date())
    }

    @Test func signatureOverURLAndBody() throws {
        let body = try Fixtures.data("square-payment-created.json")
        #expect(verify(Self.signature, body: body))
        #expect(!verify(Self.signature, body: body.dropLast()))
        #expect(!verify(Self.signature, url: "https://example.com/webhook/", body: body))
        #expect(!verify("", body: body))
        let noURL = AuthRule(kind: .square, secret: Secret("asdf1234"))
        #expect(!verifier.verify(rule: noURL, headers: [("x-square-hmacsha256-signature", Self.signature)], body: body, now: Date()))
    }

    @Test func keyIsTheEventID() throws {
        let body = try Fixtures.data("square-payment-created.json")
        let sources = try SourcesConfig.parse(
            "sources:\n  square:\n    auth: { secret: asdf1234 }\n    public_url: https://example.com/webhook\n", environment: [:])
        #expect(sources.rule(for: "square")?.auth?.kind == .square)
        let derivation = try KeyDeriver(sources: sources).derive(request(body, source: "square"))
        #expect(derivation.rule == .profile)
        #expect(derivation.items.map(\.key) == ["square:13b867cf-db3d-4b1c-90b6-2f32a9d78124"])
        #expect(derivation.ttl == 259_200)
        #expect(throws: ConfigError.self) { try SourcesConfig.parse("sources:\n  square:\n    auth: { secret: x }\n", environment: [:]) }
    }
}
