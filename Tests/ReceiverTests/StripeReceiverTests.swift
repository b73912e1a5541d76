import DedupCore
import Foundation
import Hummingbird
import HummingbirdTesting
import Receiver
import Testing

/// The stripe profile through the receiver, signed by the `stripe` library at test time.
@Suite("Receiver: stripe profile", .enabled(if: SenderLibraries.available, SenderLibraries.skipReason))
struct StripeReceiverTests {
    static let secret = "whsec_5WbX5kEWLlfzsGNjH64I8lOOqUB6e8FH"

    @Test func retriesAreDuplicatesAndBadSignaturesAre401() async throws {
        let sources = try SourcesConfig.parse(
            "sources:\n  stripe:\n    auth: { secret_env: STRIPE_WEBHOOK_SECRET }\n", environment: ["STRIPE_WEBHOOK_SECRET": Self.secret])
        let event = try ReceiverTest.fixture("stripe-event.json")
        let other = Data(String(decoding: event, as: UTF8.self).replacingOccurrences(of: "evt_1NG8", with: "evt_2NG8").utf8)
        let text = String(decoding: event, as: UTF8.self)
        let now = ProfileRequests.now
        // A first attempt, Stripe's retry of it a minute later (new t= and signature), a second event,
        // one signed with another secret and one signed 10 minutes ago.
        let signed = try await SenderLibraries.sign([
            .init(scheme: "stripe", secret: Self.secret, body: text, timestamp: now - 60),
            .init(scheme: "stripe", secret: Self.secret, body: text, timestamp: now),
            .init(scheme: "stripe", secret: Self.secret, body: String(decoding: other, as: UTF8.self), timestamp: now),
            .init(scheme: "stripe", secret: "whsec_not_the_secret", body: text, timestamp: now),
            .init(scheme: "stripe", secret: Self.secret, body: text, timestamp: now - 600),
        ])
        #expect(signed[0]["Stripe-Signature"] != signed[1]["Stripe-Signature"])
        try await ReceiverTest.withReceiver(.router, configure: { $0.sources = sources }) { client in
            let first = try await ProfileRequests.post(client, "/webhook/stripe", body: event, headers: signed[0])
            #expect(first.status == .ok)
            #expect(first.answer?.status == "accepted")
            #expect(first.answer?.key == "stripe:evt_1NG8Du2eZvKYlo2CUI79vXWy")
            let retry = try await ProfileRequests.post(client, "/webhook/stripe", body: event, headers: signed[1])
            #expect(retry.answer?.status == "duplicate")
            #expect(retry.answer?.id == first.answer?.id)
            let second = try await ProfileRequests.post(client, "/webhook/stripe", body: other, headers: signed[2])
            #expect(second.answer?.status == "accepted")
            #expect(second.answer?.key == "stripe:evt_2NG8Du2eZvKYlo2CUI79vXWy")

            var tampered = event
            tampered[tampered.startIndex + 20] ^= 1
            #expect(try await ProfileRequests.post(client, "/webhook/stripe", body: tampered, headers: signed[1]).status == .unauthorized)
            #expect(try await ProfileRequests.post(client, "/webhook/stripe", body: event, headers: signed[3]).status == .unauthorized)
            let expired = try await ProfileRequests.post(client, "/webhook/stripe", body: event, headers: signed[4])
            #expect(expired.status == .unauthorized)
            #expect(expired.answer?.error == "unauthorized")
            #expect(try await ProfileRequests.post(client, "/webhook/stripe", body: event, headers: [:]).status == .unauthorized)
        } check: { receiver in
            try await ProfileRequests.expectRecorded(receiver, entries: 2, window: 259_200)
        }
    }
}
