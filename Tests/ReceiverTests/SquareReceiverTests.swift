import DedupCore
import Foundation
import Hummingbird
import HummingbirdTesting
import Receiver
import Testing

/// The square profile through the receiver, signed as Square documents it and checked at test time
/// by the `squareup` SDK's own `verify_signature`.
@Suite("Receiver: square profile", .enabled(if: SenderLibraries.available, SenderLibraries.skipReason))
struct SquareReceiverTests {
    static let url = "https://hooks.example.com/webhook/square"

    @Test func retriesAreDuplicatesAndBadSignaturesAre401() async throws {
        let sources = try SourcesConfig.parse(
            "sources:\n  square:\n    auth: { secret_env: SQUARE_SIGNATURE_KEY }\n    public_url: \(Self.url)\n",
            environment: ["SQUARE_SIGNATURE_KEY": "asdf1234"])
        let body = try ReceiverTest.fixture("square-payment-created.json")
        let text = String(decoding: body, as: UTF8.self)
        let other = text.replacingOccurrences(of: "13b867cf", with: "24c978d0")
        let signed = try await SenderLibraries.sign([
            .init(scheme: "square", secret: "asdf1234", body: text, url: Self.url),
            .init(scheme: "square", secret: "asdf1234", body: other, url: Self.url),
            .init(scheme: "square", secret: "asdf1234", body: text, url: "https://hooks.example.com/webhook/elsewhere"),
        ])
        try await ReceiverTest.withReceiver(.router, configure: { $0.sources = sources }) { client in
            let first = try await ProfileRequests.post(client, "/webhook/square", body: body, headers: signed[0])
            #expect(first.answer?.status == "accepted")
            #expect(first.answer?.key == "square:13b867cf-db3d-4b1c-90b6-2f32a9d78124")
            // Square's retry sends the same notification again.
            let retry = try await ProfileRequests.post(client, "/webhook/square", body: body, headers: signed[0])
            #expect(retry.answer?.status == "duplicate")
            let second = try await ProfileRequests.post(client, "/webhook/square", body: Data(other.utf8), headers: signed[1])
            #expect(second.answer?.status == "accepted")
            let tampered = try await ProfileRequests.post(client, "/webhook/square", body: Data(other.utf8), headers: signed[0])
            #expect(tampered.status == .unauthorized)
            let otherURL = try await ProfileRequests.post(client, "/webhook/square", body: body, headers: signed[2])
            #expect(otherURL.status == .unauthorized)
        } check: { receiver in
            try await ProfileRequests.expectRecorded(receiver, entries: 2, window: 259_200)
        }
    }
}
