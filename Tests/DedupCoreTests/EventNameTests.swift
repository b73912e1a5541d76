import Foundation
import Testing

@testable import DedupCore

/// Where each sender profile's event name is read for a route's `events:` filter.
struct EventNameTests {
    private func event(_ json: String, profile: String?, path: String = "") throws -> String? {
        let body = try JSONParser.parse(Data(json.utf8))
        let pointers = profile.map { SenderProfile.named($0)!.eventPointers } ?? SenderProfile.defaultEventPointers
        return EventName.of(body: body, path: path, pointers: pointers)
    }

    @Test func eachProfileReadsItsOwnField() throws {
        let meta = #"{"entry":[{"changes":[{"field":"messages"}]}],"event":"other"}"#
        #expect(try event(meta, profile: "meta") == "messages")
        #expect(try event(#"{"event":{"type":"app_mention"},"type":"event_callback"}"#, profile: "slack") == "app.mention")
        #expect(try event(#"{"type":"url_verification"}"#, profile: "slack") == "url.verification")
        // Stripe's `event` member, if any, is not its event name.
        #expect(try event(#"{"type":"invoice.paid","event":"x"}"#, profile: "stripe") == "invoice.paid")
        #expect(try event(#"{"event":"MESSAGES_UPSERT","type":"x"}"#, profile: "evolution") == "messages.upsert")
        #expect(try event(#"{"type":"charge.failed"}"#, profile: nil) == "charge.failed")
    }

    @Test func theLastPathSegmentNamesTheEventWhenTheBodyDoesNot() throws {
        #expect(try event(#"{"data":{}}"#, profile: "evolution", path: "/messages-upsert") == "messages.upsert")
        #expect(try event(#"{"event":""}"#, profile: nil, path: "") == nil)
        #expect(EventName.of(body: nil, path: "/a/presence_update", pointers: SenderProfile.defaultEventPointers) == "presence.update")
    }
}
