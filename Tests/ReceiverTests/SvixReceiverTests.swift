import DedupCore
import Foundation
import Hummingbird
import HummingbirdTesting
import Receiver
import Testing

/// The svix and standard-webhooks profiles through the receiver, signed at test time by the `svix`
/// and `standardwebhooks` libraries.
@Suite("Receiver: svix and standard-webhooks profiles", .enabled(if: SenderLibraries.available, SenderLibraries.skipReason))
struct SvixReceiverTests {
    static let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

    @Test(arguments: [("svix", "svix"), ("standard-webhooks", "standard-webhooks"), ("svix", "standard-webhooks")])
    func retriesAreDuplicatesAndBadSignaturesAre401(source: String, scheme: String) async throws {
        let sources = try SourcesConfig.parse(
            "sources:\n  \(source):\n    auth: { secret_env: WEBHOOK_SECRET }\n", environment: ["WEBHOOK_SECRET": Self.secret])
        let body = #"{"type":"invoice.paid","data":{"id":"inv_1"}}"#
        let now = ProfileRequests.now
        let id = "msg_" + UUID().uuidString.prefix(8)
        // The first attempt, its retry (same id, new timestamp and signature), another message, one
        // signed 10 minutes ago and one signed with another secret.
        let signed = try await SenderLibraries.sign([
            .init(scheme: scheme, secret: Self.secret, body: body, timestamp: now - 5, id: id),
            .init(scheme: scheme, secret: Self.secret, body: body, timestamp: now, id: id),
            .init(scheme: scheme, secret: Self.secret, body: body, timestamp: now, id: id + "b"),
            .init(scheme: scheme, secret: Self.secret, body: body, timestamp: now - 600, id: id),
            .init(scheme: scheme, secret: "whsec_" + Data("another key".utf8).base64EncodedString(), body: body, timestamp: now, id: id),
        ])
        let uri = "/webhook/\(source)"
        try await ReceiverTest.withReceiver(.router, configure: { $0.sources = sources }) { client in
            let first = try await ProfileRequests.post(client, uri, body: Data(body.utf8), headers: signed[0])
            #expect(first.answer?.status == "accepted")
            #expect(first.answer?.key == "webhook-id:\(id)")
            let retry = try await ProfileRequests.post(client, uri, body: Data(body.utf8), headers: signed[1])
            #expect(retry.answer?.status == "duplicate")
            let second = try await ProfileRequests.post(client, uri, body: Data(body.utf8), headers: signed[2])
            #expect(second.answer?.status == "accepted")
            #expect(try await ProfileRequests.post(client, uri, body: Data((body + " ").utf8), headers: signed[1]).status == .unauthorized)
            #expect(try await ProfileRequests.post(client, uri, body: Data(body.utf8), headers: signed[3]).status == .unauthorized)
            #expect(try await ProfileRequests.post(client, uri, body: Data(body.utf8), headers: signed[4]).status == .unauthorized)
        } check: { receiver in
            try await ProfileRequests.expectRecorded(receiver, entries: 2, window: 172_800)
        }
    }
}
