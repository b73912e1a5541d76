import DedupCore
import Foundation
import Testing

/// The waha profile: key `waha:<session>:<event>:<payload.id>[:<ack>]`, `X-Webhook-Hmac` as WAHA
/// documents it (hex HMAC-SHA512 of the raw body; WAHA publishes no PyPI library). The vector is
/// `openssl dgst -sha512 -hmac waha-key examples/waha-message.json`.
@Suite("Sender profile: waha")
struct WAHAProfileTests {
    static let signature =
        "e62e912b11bbe2f2be30f81e3ecbfa675508c3fc94ba500806d2a88e50b7b791b5c5d426091aaee2c5831ac4d2e00d25a9e3e4d608d412d7a84d0c5701539feb"
    let verifier = AuthVerifier()
    let rule = try! AuthRule(kind: .waha, configuredSecret: "waha-key")

    func verify(_ headers: [(name: String, value: String)], body: Data) -> Bool {
        verifier.verify(rule: rule, headers: headers, body: body, now: Date())
    }

    @Test func hmacSHA512() throws {
        let body = try Fixtures.data("waha-message.json")
        #expect(verify([("X-Webhook-Hmac", Self.signature), ("X-Webhook-Hmac-Algorithm", "sha512")], body: body))
        #expect(verify([("x-webhook-hmac", Self.signature.uppercased())], body: body))
        #expect(!verify([("X-Webhook-Hmac", Self.signature)], body: body.dropLast()))
        #expect(!verify([("X-Webhook-Hmac", Self.signature), ("X-Webhook-Hmac-Algorithm", "sha256")], body: body))
        #expect(!verify([("X-Webhook-Hmac", String(Self.signature.prefix(64)))], body: body))
        #expect(!verify([], body: body))
    }

    @Test func keyNamesSessionEventMessageAndAck() throws {
        let body = try Fixtures.data("waha-message.json")
        let deriver = KeyDeriver()
        let message = try deriver.derive(request(body, source: "waha"))
        #expect(message.rule == .profile)
        #expect(message.items.map(\.key) == ["waha:default:message:false_11111111111@c.us_AAAAAAAAAAAAAAAAAAAA:1"])
        #expect(message.ttl == 86_400)
        let ack = Data(#"{"event":"message.ack","session":"s1","payload":{"id":"true_1@c.us_X","ack":3}}"#.utf8)
        #expect(try deriver.derive(request(ack, source: "waha")).items.map(\.key) == ["waha:s1:message.ack:true_1@c.us_X:3"])
        let any = Data(#"{"event":"message.any","session":"s1","payload":{"id":"true_1@c.us_X"}}"#.utf8)
        #expect(try deriver.derive(request(any, source: "waha")).items.map(\.key) == ["waha:s1:message.any:true_1@c.us_X"])
        let sources = try SourcesConfig.parse("sources:\n  waha:\n    auth: { secret: waha-key }\n", environment: [:])
        #expect(sources.rule(for: "waha")?.auth?.kind == .waha)
    }
}
