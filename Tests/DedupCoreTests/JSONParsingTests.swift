import DedupCore
import Foundation
import Testing

/// The body parser and canonical form, through the public API: every rule reads the same tree.
@Suite("JSON parsing and canonical hashing")
struct JSONParsingTests {
    static let idRule = try! SourcesConfig.parse(#"sources: { s: { key: ["/id"] } }"#, environment: [:])

    func ruleKey(_ body: String) throws -> String {
        try key(derive(Data(body.utf8), source: "s", sources: Self.idRule))
    }

    func isInvalid(_ body: String) -> Bool {
        (try? derive(Data(body.utf8), source: "s", sources: Self.idRule)) == nil
    }

    @Test func escapesAreDecoded() throws {
        #expect(try ruleKey(#"{"id":"a\"b\\c\/d\u00e9\ud83d\ude00\n"}"#) == "rule:a%22b%5Cc%2Fd%C3%A9%F0%9F%98%80%0A")
        #expect(try ruleKey(#"{"id":"plain"}"#) == "rule:plain")
    }

    @Test func numbersKeepTheirText() throws {
        #expect(try ruleKey(#"{"id": 1.50}"#) == "rule:1.50")
        #expect(try ruleKey(#"{"id": -0.5e+10}"#) == "rule:-0.5e+10")
        #expect(try ruleKey(#"{"id": 12345678901234567890123}"#) == "rule:12345678901234567890123")
    }

    @Test func lastDuplicateMemberWins() throws {
        #expect(try ruleKey(#"{"id":"first","id":"second"}"#) == "rule:second")
    }

    @Test(arguments: [
        #"{"id":tru}"#, #"{"id":01}"#, #"{"id":1.}"#, #"{"id":-}"#, #"{"id":"\x"}"#, #"{"id":"\ud800"}"#,
        #"{"id":"\udc00x"}"#, #"{"id":1,}"#, #"[1,]"#, #"{"id":1} x"#, "{\"id\":\"a\u{01}b\"}", #"{id:1}"#, #"{"id" 1}"#,
        #"{"id":"unterminated"#, "{", "[", #"{"id":"\u12"}"#, "",
    ])
    func malformedBodiesAreRejected(body: String) {
        #expect(isInvalid(body))
    }

    @Test func byteOrderMarkAndWhitespaceAreAccepted() throws {
        #expect(try ruleKey("\u{FEFF} \n\t{ \"id\" : \"x\" }\r\n") == "rule:x")
    }

    @Test func canonicalHashIgnoresOrderWhitespaceAndEscaping() throws {
        let compact = #"{"event":"chats.update","instance":"i","data":{"a":"x/y","b":[1,2,{"c":"é"}]},"date_time":"1"}"#
        let reordered = """
            { "date_time": "2", "data": { "b": [ 1, 2, { "c": "\\u00e9" } ], "a": "x\\/y" },
              "instance": "i", "event": "chats.update" }
            """
        let first = try key(derive(Data(compact.utf8)))
        #expect(first.hasPrefix("evo:i:chats.update:sha256:"))
        #expect(try key(derive(Data(reordered.utf8))) == first)
        let changedArrayOrder = compact.replacingOccurrences(of: "[1,2,", with: "[2,1,")
        #expect(try key(derive(Data(changedArrayOrder.utf8))) != first)
    }

    /// Pins the canonical form: SHA-256 of `{"data":{"a":"x/y","b":[1,2,{"c":"é"}]},"event":"chats.update","instance":"i"}`
    /// (sorted members, no `date_time`, `/` and `é` unescaped), from `sha256sum`. A change here would
    /// make every hashed key of a running deployment new again.
    @Test func canonicalFormIsPinned() throws {
        let body = #"{"event":"chats.update","instance":"i","data":{"b":[1,2,{"c":"é"}],"a":"x/y"},"date_time":"1"}"#
        #expect(try key(derive(Data(body.utf8))) == "evo:i:chats.update:sha256:\(Self.pinnedCanonicalHash)")
    }

    static let pinnedCanonicalHash = "79e1906455a396936b67b8c8eb4efe18474ba82ceb6b8a63fb047128d924fde8"
}
