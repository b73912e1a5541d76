import DedupCore
import Foundation
import Testing

/// The sendgrid profile: a batch of events is split into one message per event, keyed by
/// `sg_event_id`. The body is SendGrid's documented Event Webhook example.
@Suite("Sender profile: sendgrid")
struct SendGridProfileTests {
    @Test func aBatchIsSplitPerEvent() throws {
        let body = try Fixtures.data("sendgrid-events.json")
        let derivation = try KeyDeriver().derive(request(body, source: "sendgrid"))
        #expect(derivation.rule == .profile)
        #expect(derivation.isBatch)
        #expect(derivation.ttl == 172_800)
        #expect(
            derivation.items.map(\.key) == [
                "sendgrid:sg_event_id", "sendgrid:rWVYmVk90MjZJ9iohOBa3w==", "sendgrid:FOTFFO0ecsBE-zxFXfs6WA==",
            ])
        // Each entry is a one-event array, the sender's own shape.
        let second = try #require(JSONSerialization.jsonObject(with: derivation.items[1].body) as? [[String: Any]])
        #expect(second.count == 1)
        #expect(second[0]["event"] as? String == "delivered")
        #expect(second[0]["response"] as? String == "250 OK")
    }

    /// A retried event arrives again, perhaps with others: the same key wherever it sits.
    @Test func aRetriedEventHasItsKeyInAnyBatch() throws {
        let one = Data(#"[{"event":"open","sg_event_id":"FOTFFO0ecsBE-zxFXfs6WA==","timestamp":1}]"#.utf8)
        let single = try KeyDeriver().derive(request(one, source: "sendgrid"))
        #expect(!single.isBatch)
        #expect(single.items.map(\.key) == ["sendgrid:FOTFFO0ecsBE-zxFXfs6WA=="])
        #expect(single.items[0].body == one)
        // An event without an id is keyed by its content.
        let noID = Data(#"[{"event":"open","timestamp":1},{"timestamp":1,"event":"open"}]"#.utf8)
        let keys = try KeyDeriver().derive(request(noID, source: "sendgrid")).items.map(\.key)
        #expect(keys.count == 2 && keys[0] == keys[1] && keys[0].hasPrefix("sendgrid:sha256:"))
        // Not an array: the built-in rules.
        #expect(try KeyDeriver().derive(request(Data("{}".utf8), source: "sendgrid")).rule == .rawBody)
        #expect(try KeyDeriver().derive(request(Data("[]".utf8), source: "sendgrid")).rule == .rawBody)
    }
}
