import DedupCore
import Foundation
import Testing

/// The slack profile: key `slack:<event_id>`, `X-Slack-Signature` checked as Slack's SDK signs, and
/// the `url_verification` handshake.
///
/// The vectors were made by `slack_sdk` (3.48.0) `SignatureVerifier.generate_signature` through
/// scripts/tools/sender_signatures.py, with the signing secret of Slack's docs:
///   echo '[{"scheme":"slack","secret":"8f742231b10e8888abcd99yyyzzz85a5",
///          "body":<examples/slack-event.json as text>,"timestamp":1700000000}, (the same for
///          examples/slack-url-verification.json)]' \
///     | .build/sender-venv/bin/python scripts/tools/sender_signatures.py
@Suite("Sender profile: slack")
struct SlackProfileTests {
    static let secret = "8f742231b10e8888abcd99yyyzzz85a5"
    static let eventSignature = "v0=671d996ba27c45e128b8d68b6921e9db95c6523a0cfbb616fe0c1a5000f96214"
    static let verificationSignature = "v0=e1f5b381a75999360433135a0a4d721b9f98f314f10380d9b69ac1dcb6f42ca3"
    static let signedAt = Date(timeIntervalSince1970: 1_700_000_000)

    let verifier = AuthVerifier()
    let rule = try! AuthRule(kind: .slack, configuredSecret: SlackProfileTests.secret)

    func verify(_ signature: String, timestamp: String = "1700000000", body: Data, now: Date = SlackProfileTests.signedAt) -> Bool {
        verifier.verify(
            rule: rule, headers: [("X-Slack-Request-Timestamp", timestamp), ("X-Slack-Signature", signature)], body: body, now: now)
    }

    @Test func theSDKsSignatureIsAccepted() throws {
        let event = try Fixtures.data("slack-event.json")
        let verification = try Fixtures.data("slack-url-verification.json")
        #expect(verify(Self.eventSignature, body: event))
        #expect(verify(Self.verificationSignature, body: verification))
        #expect(verify(Self.eventSignature, body: event, now: Self.signedAt.addingTimeInterval(-300)))
    }

    @Test func tamperedExpiredOrMalformedIsRejected() throws {
        let body = try Fixtures.data("slack-event.json")
        #expect(!verify(Self.eventSignature, body: body.dropLast()))
        #expect(!verify(Self.verificationSignature, body: body))
        // Slack's 5 minutes, either way; and the timestamp is signed.
        #expect(!verify(Self.eventSignature, body: body, now: Self.signedAt.addingTimeInterval(301)))
        #expect(!verify(Self.eventSignature, body: body, now: Self.signedAt.addingTimeInterval(-301)))
        #expect(!verify(Self.eventSignature, timestamp: "1700000001", body: body, now: Self.signedAt))
        #expect(!verify(Self.eventSignature, timestamp: "soon", body: body))
        #expect(!verify(String(Self.eventSignature.dropFirst(3)), body: body))
        #expect(!verify("v1=" + Self.eventSignature.dropFirst(3), body: body))
        #expect(!verifier.verify(rule: rule, headers: [("X-Slack-Signature", Self.eventSignature)], body: body, now: Self.signedAt))
    }

    /// A retry has a new timestamp and signature and `X-Slack-Retry-Num`; the key reads only `event_id`.
    @Test func keyIsTheEventID() throws {
        let body = try Fixtures.data("slack-event.json")
        let deriver = KeyDeriver()
        let first = try deriver.derive(request(body, source: "slack", headers: [("X-Slack-Request-Timestamp", "1700000000")]))
        let retry = try deriver.derive(
            request(body, source: "slack", headers: [("X-Slack-Request-Timestamp", "1700000060"), ("X-Slack-Retry-Num", "1")]))
        #expect(first.rule == .profile)
        #expect(first.items.map(\.key) == ["slack:Ev123ABC456"])
        #expect(retry.items.map(\.key) == first.items.map(\.key))
        #expect(first.ttl == 3_600)
    }

    @Test func urlVerificationChallenge() throws {
        func challenge(_ contentType: String, _ body: Data) -> String? {
            SlackURLVerification.challenge(in: ParsedBody(request(body, source: "slack", contentType: contentType)))
        }
        let body = try Fixtures.data("slack-url-verification.json")
        #expect(challenge("application/json", body) == "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P")
        let event = try Fixtures.data("slack-event.json")
        #expect(challenge("application/json", event) == nil)
        #expect(challenge("text/plain", body) == nil)
        #expect(challenge("application/json", Data(#"{"type":"url_verification"}"#.utf8)) == nil)
        #expect(challenge("application/json", Data("{".utf8)) == nil)
        #expect(SenderProfile.named("slack")?.handshake == .slackURLVerification)
    }
}
