import DedupCore
import Foundation
import Hummingbird
import HummingbirdTesting
import Receiver
import Testing

/// The slack profile through the receiver, signed by `slack_sdk` at test time.
@Suite("Receiver: slack profile", .enabled(if: SenderLibraries.available, SenderLibraries.skipReason))
struct SlackReceiverTests {
    static let secret = "8f742231b10e8888abcd99yyyzzz85a5"
    static let sources = try! SourcesConfig.parse(
        "sources:\n  slack:\n    auth: { secret_env: SLACK_SIGNING_SECRET }\n", environment: ["SLACK_SIGNING_SECRET": secret])

    @Test func retriesAreDuplicatesAndCountedAndBadSignaturesAre401() async throws {
        let event = try ReceiverTest.fixture("slack-event.json")
        let text = String(decoding: event, as: UTF8.self)
        let other = text.replacingOccurrences(of: "Ev123ABC456", with: "Ev999ABC456")
        let now = ProfileRequests.now
        let signed = try await SenderLibraries.sign([
            .init(scheme: "slack", secret: Self.secret, body: text, timestamp: now - 60),
            .init(scheme: "slack", secret: Self.secret, body: text, timestamp: now),
            .init(scheme: "slack", secret: Self.secret, body: other, timestamp: now),
            .init(scheme: "slack", secret: Self.secret, body: text, timestamp: now - 400),
        ])
        // Slack's retry: new timestamp and signature, a retry counter and reason.
        let retry = signed[1].merging(["X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"]) { $1 }
        try await ReceiverTest.withReceiver(.router, configure: { $0.sources = Self.sources }) { client in
            let first = try await ProfileRequests.post(client, "/webhook/slack", body: event, headers: signed[0])
            #expect(first.answer?.status == "accepted")
            #expect(first.answer?.key == "slack:Ev123ABC456")
            let again = try await ProfileRequests.post(client, "/webhook/slack", body: event, headers: retry)
            #expect(again.answer?.status == "duplicate")
            #expect(again.answer?.id == first.answer?.id)
            let second = try await ProfileRequests.post(client, "/webhook/slack", body: Data(other.utf8), headers: signed[2])
            #expect(second.answer?.status == "accepted")
            #expect(second.answer?.key == "slack:Ev999ABC456")

            #expect(try await ProfileRequests.post(client, "/webhook/slack", body: Data(other.utf8), headers: signed[1]).status == .unauthorized)
            #expect(try await ProfileRequests.post(client, "/webhook/slack", body: event, headers: signed[3]).status == .unauthorized)
            #expect(try await ProfileRequests.post(client, "/webhook/slack", body: event, headers: [:]).status == .unauthorized)

            try await client.execute(uri: "/metrics", method: .get) { response in
                let text = String(decoding: Data(buffer: response.body), as: UTF8.self)
                #expect(text.contains(#"webhook_sender_retries_total{source="slack",attempt="1"} 1"#))
                #expect(text.contains(#"webhook_requests_total{source="slack",outcome="duplicate"} 1"#))
            }
        } check: { receiver in
            try await ProfileRequests.expectRecorded(receiver, entries: 2, window: 3_600)
        }
    }

    /// `url_verification` is answered with its challenge when signed, 401 when not, and never recorded.
    @Test func urlVerificationIsAnsweredAndWritesNothing() async throws {
        let body = try ReceiverTest.fixture("slack-url-verification.json")
        let signed = try await SenderLibraries.sign(.init(scheme: "slack", secret: Self.secret, body: String(decoding: body, as: UTF8.self)))
        try await ReceiverTest.withReceiver(.router, configure: { $0.sources = Self.sources }) { client in
            let answer = try await ProfileRequests.post(client, "/webhook/slack", body: body, headers: signed)
            #expect(answer.status == .ok)
            #expect(answer.text == #"{"challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}"#)
            let again = try await ProfileRequests.post(client, "/webhook/slack", body: body, headers: signed)
            #expect(again.text == answer.text)
            #expect(try await ProfileRequests.post(client, "/webhook/slack", body: body, headers: [:]).status == .unauthorized)
            try await client.execute(uri: "/metrics", method: .get) { response in
                let text = String(decoding: Data(buffer: response.body), as: UTF8.self)
                #expect(text.contains(#"webhook_requests_total{source="slack",outcome="handshake"} 2"#))
            }
        } check: { receiver in
            let keys = try await receiver.keys()
            #expect(keys.isEmpty)
        }
    }
}
