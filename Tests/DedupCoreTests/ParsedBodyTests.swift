import Foundation
import Testing

@testable import DedupCore

/// The body is parsed once per request and every reader gets that one tree.
struct ParsedBodyTests {
    @Test func aJSONBodyIsParsedAndAnyOtherIsNot() throws {
        let json = ParsedBody(request(Data(#"{"id":"evt_1"}"#.utf8)))
        #expect(try json.json()?["id"]?.stringValue == "evt_1")
        #expect(try ParsedBody(request(Data("id=evt_1".utf8), contentType: "application/x-www-form-urlencoded")).json() == nil)
    }

    /// The parse error waits for the reader that raises it (the key rules), so building the value
    /// never fails.
    @Test func aBrokenJSONBodyKeepsItsErrorForTheKeyRules() {
        let broken = request(Data(#"{"id":"#.utf8), source: "stripe")
        let body = ParsedBody(broken)
        #expect(throws: DerivationError.self) { try body.json() }
        #expect(SlackURLVerification.challenge(in: body) == nil)
        #expect(throws: DerivationError.self) { try KeyDeriver().derive(broken, body: body) }
    }

    @Test func derivingFromTheParsedBodyGivesWhatDerivingAloneGives() throws {
        let stripe = request(Data(#"{"id":"evt_1","type":"invoice.paid"}"#.utf8), source: "stripe")
        let alone = try KeyDeriver().derive(stripe)
        let parsed = try KeyDeriver().derive(stripe, body: ParsedBody(stripe))
        #expect(parsed.items == alone.items)
        #expect(parsed.items.map(\.key) == ["stripe:evt_1"])
    }
}
