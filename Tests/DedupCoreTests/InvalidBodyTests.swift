import DedupCore
import Foundation
import Testing

@Suite("Invalid and non-JSON bodies")
struct InvalidBodyTests {
    func invalidMessage(_ body: Data, contentType: String? = "application/json") -> String? {
        do {
            _ = try derive(body, contentType: contentType)
            return nil
        } catch {
            guard case .invalidJSON(let message) = error as? DerivationError else { return "unexpected \(error)" }
            return message
        }
    }

    @Test(arguments: [
        "application/json", "application/json; charset=utf-8", "Application/JSON", "application/vnd.api+json", "application/cloudevents+json",
    ])
    func invalidJSONByContentType(contentType: String) {
        let message = invalidMessage(Data(#"{"event": "messages.upsert", "instance": "#.utf8), contentType: contentType)
        #expect(message != nil)
        #expect(message?.isEmpty == false)
    }

    @Test func invalidJSONWithoutContentTypeStartingWithBrace() {
        #expect(invalidMessage(Data("  {not json".utf8), contentType: nil) != nil)
        #expect(invalidMessage(Data("[1,".utf8), contentType: "") != nil)
        #expect(invalidMessage(Data(), contentType: "application/json") != nil)
    }

    @Test func deepNestingIsRejectedWithoutCrashing() {
        let deep = Data(repeating: UInt8(ascii: "["), count: 100_000)
        #expect(invalidMessage(deep) == "nesting too deep (more than 512 levels)")
        let deepObjects = Data(String(repeating: #"{"a":"#, count: 600).utf8)
        #expect(invalidMessage(deepObjects, contentType: nil) == "nesting too deep (more than 512 levels)")
    }

    @Test func nestingUpToTheLimitIsFine() throws {
        let ok = Data((String(repeating: "[", count: 512) + String(repeating: "]", count: 512)).utf8)
        #expect(try derive(ok).rule == .rawBody)
        // Brackets inside strings do not count as nesting.
        let inString = try json(["text": String(repeating: "[", count: 5_000)])
        #expect(try derive(inString).rule == .rawBody)
    }

    @Test func deepButAllowedNestingIsHashed() throws {
        // 510 levels inside an Evolution body: parsed, canonicalised and hashed without trouble.
        let nested = String(repeating: "[", count: 510) + String(repeating: "]", count: 510)
        let body = Data(#"{"event":"chats.set","instance":"i","data":\#(nested)}"#.utf8)
        #expect(try key(derive(body)).hasPrefix("evo:i:chats.set:sha256:"))
    }

    @Test func invalidUTF8() {
        for bytes: [UInt8] in [[0xFF, 0xFE], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xE2, 0x82], [0xF5, 0x80, 0x80, 0x80]] {
            let body = Data(#"{"event":"x","instance":""#.utf8) + Data(bytes) + Data(#""}"#.utf8)
            #expect(invalidMessage(body) == "invalid UTF-8 at byte 25")
        }
        let valid = Data(#"{"text":"Olá 👋"}"#.utf8)
        #expect(invalidMessage(valid) == nil)
    }

    @Test func nonJSONContentIsNeverParsed() throws {
        // Broken JSON sent as text/plain is just bytes: keyed by its hash, no error.
        let body = Data(#"{"broken": "#.utf8)
        let derivation = try derive(body, contentType: "text/plain")
        #expect(derivation.rule == .rawBody)
        let form = try derive(Data("{\u{FF}".utf8), contentType: "application/x-www-form-urlencoded")
        #expect(form.rule == .rawBody)
        let sniffedNot = try derive(Data("hello".utf8), contentType: nil)
        #expect(sniffedNot.rule == .rawBody)
    }

    @Test func evolutionBodyWithoutContentTypeIsSniffed() throws {
        let derivation = try derive(Fixtures.data(Fixtures.evolutionUpsert), contentType: nil)
        #expect(derivation.rule == .evolution)
    }

    @Test func topLevelScalarsAreValidJSON() throws {
        #expect(try derive(Data("\"just a string\"".utf8)).rule == .rawBody)
        #expect(try derive(Data("42".utf8)).rule == .rawBody)
    }

    @Test func errorDescription() {
        #expect(DerivationError.invalidJSON("x").description == "invalid JSON: x")
    }
}
