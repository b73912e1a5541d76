import Crypto
import DedupCore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Receiver
import Testing

/// The meta profile through the receiver: the GET subscribe handshake, and a signed notification
/// that Meta retries. Meta has no signing library on PyPI; the signature is computed as Meta
/// documents it, `sha256=` + hex HMAC-SHA256(app secret, raw body).
@Suite("Receiver: meta profile", .enabled(if: ReceiverTest.redisAvailable, ReceiverTest.skipReason))
struct MetaReceiverTests {
    static let sources = try! SourcesConfig.parse(
        """
        sources:
          meta:
            auth: { secret_env: META_APP_SECRET }
            verify_token_env: META_VERIFY_TOKEN
          untokened:
            profile: meta
          evolution: {}
        """, environment: ["META_APP_SECRET": "app-secret", "META_VERIFY_TOKEN": "my verify token"])

    func get(_ client: some TestClientProtocol, _ uri: String) async throws -> (HTTPResponse.Status, String, String?) {
        try await client.execute(uri: uri, method: .get) { response in
            (response.status, String(decoding: Data(buffer: response.body), as: UTF8.self), response.headers[.contentType])
        }
    }

    @Test func subscribeHandshakeAnswersTheChallengeOr403AndWritesNothing() async throws {
        try await ReceiverTest.withReceiver(.router, configure: { $0.sources = Self.sources }) { client in
            let good = try await get(client, "/webhook/meta?hub.mode=subscribe&hub.verify_token=my%20verify%20token&hub.challenge=1158201444")
            #expect(good.0 == .ok)
            #expect(good.1 == "1158201444")
            #expect(good.2?.hasPrefix("text/plain") == true)
            let wrong = try await get(client, "/webhook/meta?hub.mode=subscribe&hub.verify_token=guess&hub.challenge=1158201444")
            #expect(wrong.0 == .forbidden)
            #expect(!wrong.1.contains("1158201444"))
            #expect(try await get(client, "/webhook/meta?hub.verify_token=my%20verify%20token&hub.challenge=1").0 == .forbidden)
            #expect(try await get(client, "/webhook/meta").0 == .forbidden)
            // A meta source without verify_token_env can never be subscribed this way.
            #expect(try await get(client, "/webhook/untokened?hub.mode=subscribe&hub.verify_token=&hub.challenge=1").0 == .forbidden)
            // Only the meta profile answers GET.
            #expect(try await get(client, "/webhook/evolution?hub.mode=subscribe&hub.challenge=1").0 == .methodNotAllowed)
            try await client.execute(uri: "/metrics", method: .get) { response in
                let text = String(decoding: Data(buffer: response.body), as: UTF8.self)
                #expect(text.contains(#"webhook_requests_total{source="meta",outcome="handshake"} 1"#))
                #expect(text.contains(#"webhook_requests_total{source="meta",outcome="rejected"} 3"#))
            }
        } check: { receiver in
            let keys = try await receiver.keys()
            #expect(keys.isEmpty)
        }
    }

    @Test func aRetriedNotificationIsADuplicateAndAnotherIsAccepted() async throws {
        let body = try ReceiverTest.fixture("meta-cloud-messages.json")
        let other = Data(String(decoding: body, as: UTF8.self).replacingOccurrences(of: "wamid.", with: "wamid.X").utf8)
        #expect(other != body)
        @Sendable func signature(_ body: Data) -> [String: String] {
            let mac = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Data("app-secret".utf8)))
            return ["X-Hub-Signature-256": "sha256=" + mac.map { String(format: "%02x", $0) }.joined()]
        }
        try await ReceiverTest.withReceiver(.router, configure: { $0.sources = Self.sources }) { client in
            let first = try await ProfileRequests.post(client, "/webhook/meta", body: body, headers: signature(body))
            #expect(first.answer?.status == "accepted")
            let retry = try await ProfileRequests.post(client, "/webhook/meta", body: body, headers: signature(body))
            #expect(retry.answer?.status == "duplicate")
            let second = try await ProfileRequests.post(client, "/webhook/meta", body: other, headers: signature(other))
            #expect(second.answer?.status == "accepted")
            var tampered = body
            tampered[tampered.startIndex + 10] ^= 1
            #expect(try await ProfileRequests.post(client, "/webhook/meta", body: tampered, headers: signature(body)).status == .unauthorized)
        } check: { receiver in
            try await ProfileRequests.expectRecorded(receiver, entries: 2, window: 604_800)
        }
    }
}
