import DedupCore
import Foundation
import Hummingbird
import HummingbirdTesting
import Receiver
import Testing

/// The sendgrid profile through the receiver: a batch becomes one stream entry per event, and a
/// retried batch, even re-batched with a new event, records only what is new.
@Suite("Receiver: sendgrid profile", .enabled(if: ReceiverTest.redisAvailable, ReceiverTest.skipReason))
struct SendGridReceiverTests {
    @Test func batchesAreSplitAndRetriedEventsAreDuplicates() async throws {
        let body = try ReceiverTest.fixture("sendgrid-events.json")
        let rebatched = Data(
            #"[{"event":"open","sg_event_id":"FOTFFO0ecsBE-zxFXfs6WA==","timestamp":1513299569},{"event":"click","sg_event_id":"new-click-1","timestamp":1513299600}]"#
                .utf8)
        try await ReceiverTest.withReceiver(.router) { client in
            let first = try await ProfileRequests.post(client, "/webhook/sendgrid", body: body, headers: [:])
            #expect(first.answer?.status == "accepted")
            #expect(first.answer?.items?.count == 3)
            // SendGrid's retry of the whole batch.
            let retry = try await ProfileRequests.post(client, "/webhook/sendgrid", body: body, headers: [:])
            #expect(retry.answer?.status == "duplicate")
            #expect(retry.answer?.items?.map(\.id) == first.answer?.items?.map(\.id))
            // A retried event in a new batch with a new one.
            let mixed = try await ProfileRequests.post(client, "/webhook/sendgrid", body: rebatched, headers: [:])
            #expect(mixed.answer?.status == "partial")
            #expect(mixed.answer?.items?.map(\.status) == ["duplicate", "accepted"])
        } check: { receiver in
            try await ProfileRequests.expectRecorded(receiver, entries: 4, window: 172_800)
        }
    }
}
