import Foundation
import Testing

@testable import DedupCore

/// Pins the exact bytes of the canonical JSON that hashed keys (`sha256:` parts of `rule:`, `evo:`,
/// `meta:` keys) are computed over, and of the member-order form used for Meta envelopes. A change
/// to any of these bytes would make every hashed key of a running deployment new again, so that
/// every message inside the dedup window is delivered a second time.
@Suite("Canonical JSON bytes")
struct CanonicalJSONBytesTests {
    func canonical(_ json: String) throws -> String {
        String(decoding: JSONWriter.canonical(try JSONParser.parse(Data(json.utf8))), as: UTF8.self)
    }

    func preservingOrder(_ json: String) throws -> String {
        String(decoding: JSONWriter.preservingOrder(try JSONParser.parse(Data(json.utf8))), as: UTF8.self)
    }

    /// `\t \n \r` short, every other control character `\u00XX` with lowercase hex (`\b` and `\f`
    /// included: the short forms were never written here).
    @Test func controlCharacters() throws {
        #expect(
            try canonical(#"{"s":"\u0000\u0001\u0007\b\t\n\u000b\f\r\u000e\u001f"}"#)
                == #"{"s":"\u0000\u0001\u0007\u0008\t\n\u000b\u000c\r\u000e\u001f"}"#)
    }

    @Test func quoteBackslashAndSlash() throws {
        #expect(try canonical(#"{"s":"a\"b\\c\/d/e"}"#) == #"{"s":"a\"b\\c/d/e"}"#)
    }

    /// Non-ASCII as raw UTF-8 whether it came escaped or not; U+2028 and DEL are not escaped.
    @Test func unicodeIsWrittenAsUTF8() throws {
        #expect(try canonical(#"{"s":"\u00e9é\ud83d\ude00😀\u2028\u007f"}"#) == "{\"s\":\"éé😀😀\u{2028}\u{7F}\"}")
    }

    @Test func numbersAreWrittenAsReceived() throws {
        #expect(
            try canonical(#"{"n":[1.50,-0.5e+10,1E5,0,-0,12345678901234567890123,1e-7]}"#)
                == #"{"n":[1.50,-0.5e+10,1E5,0,-0,12345678901234567890123,1e-7]}"#)
    }

    /// Sorted by the UTF-8 bytes of the names; of duplicate names the last one received is kept.
    @Test func memberOrderAndDuplicates() throws {
        #expect(try canonical(#"{"b":1,"a":2,"B":3,"é":4,"aa":5,"":6,"a":7}"#) == #"{"":6,"B":3,"a":7,"aa":5,"b":1,"é":4}"#)
    }

    @Test func whitespaceLiteralsAndNesting() throws {
        #expect(
            try canonical(#" { "z" : [ true , false , null , { } , [ ] ] , "y" : { "d" : 1 , "c" : 2 } } "#)
                == #"{"y":{"c":2,"d":1},"z":[true,false,null,{},[]]}"#)
        #expect(try canonical(#" "x\/y" "#) == #""x/y""#)
    }

    /// The digests, from `sha256sum` over the expected bytes above.
    @Test func digestsArePinned() throws {
        let sorted = try JSONParser.parse(Data(#"{"b":1,"a":2,"B":3,"é":4,"aa":5,"":6,"a":7}"#.utf8))
        #expect(JSONWriter.canonicalSHA256Hex(sorted) == "c7aa0cf1de99bd2289f0f4ed303043fe92e483cac9a7e1da596a2653e9b3f88a")
        let escaped = try JSONParser.parse(Data(#"{"s":"\u0000\u0001\u0007\b\t\n\u000b\f\r\u000e\u001f\"\\\/é😀\u2028\u007f"}"#.utf8))
        #expect(JSONWriter.canonicalSHA256Hex(escaped) == "1d62f6ac32c26b4eb578d5973da303d30c4c1e443b3315b7b9c7500b4ed91106")
    }

    /// Envelopes keep the members as received, duplicates included, with the same escaping.
    @Test func preservingOrderKeepsMembersAsReceived() throws {
        #expect(try preservingOrder(#"{"b":1,"a":2,"a":3,"s":"\/é\b\f","n":1.0}"#) == #"{"b":1,"a":2,"a":3,"s":"/é\u0008\u000c","n":1.0}"#)
    }
}
