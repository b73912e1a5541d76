import Testing

@testable import Deliverer

/// The one reader of dead-letter names, for `dead-letters replay` and the console: no Redis.
struct DeadLetterRefTests {
    @Test("DESTINATION:SHARD:ID, SHARD:ID and a bare ID read back to their parts, and print as given")
    func validRefs() throws {
        let full = try DeadLetterRef(parsing: "crm:3:1761060301003-0")
        #expect(full == DeadLetterRef(destination: "crm", shard: 3, id: "1761060301003-0"))
        let shardOnly = try DeadLetterRef(parsing: "0:1761060301003-12")
        #expect(shardOnly == DeadLetterRef(shard: 0, id: "1761060301003-12"))
        let bare = try DeadLetterRef(parsing: "1761060301003-0")
        #expect(bare == DeadLetterRef(id: "1761060301003-0"))
        for text in ["crm:3:1761060301003-0", "0:1761060301003-12", "1761060301003-0", "bot-eu_2:1023:0-0"] {
            #expect(try DeadLetterRef(parsing: text).description == text)
        }
    }

    @Test(
        "a malformed ref is refused with what is wrong in it",
        arguments: [
            ("", "the id is missing"),
            ("crm:0:", "the id is missing"),
            ("x", #"the id "x" is not a stream id (MS-SEQ)"#),
            ("1761060301003", #"the id "1761060301003" is not a stream id (MS-SEQ)"#),
            ("0:1-2-3", #"the id "1-2-3" is not a stream id (MS-SEQ)"#),
            ("0:-1", #"the id "-1" is not a stream id (MS-SEQ)"#),
            ("0:99999999999999999999-0", #"the id "99999999999999999999-0" is not a stream id (MS-SEQ)"#),
            ("a:1-1", #"the shard "a" is not a shard number"#),
            ("-1:1-1", #"the shard "-1" is not a shard number"#),
            (":1-1", "the shard is missing"),
            ("crm::1-1", "the shard is missing"),
            (":0:1-1", "the destination is empty"),
            ("a:b:0:1-1", "too many parts"),
        ])
    func invalidRefs(text: String, reason: String) {
        #expect(throws: DeadLetterRefError(text, reason)) { try DeadLetterRef(parsing: text) }
    }

    @Test("the error names the text, the accepted forms and the reason")
    func errorText() {
        let error = DeadLetterRefError("a:1-1", #"the shard "a" is not a shard number"#)
        #expect(error.description == #""a:1-1" is not a dead letter (DESTINATION:SHARD:ID, SHARD:ID or ID): the shard "a" is not a shard number"#)
    }

    @Test("a ref points at its destination and shard when named and covered, at every one otherwise")
    func places() throws {
        let places = { (text: String) throws -> [String] in
            try DeadLetterRef(parsing: text).places(destinations: ["default", "crm"], shards: 2).map { "\($0.destination):\($0.shard)" }
        }
        #expect(try places("crm:1:1-1") == ["crm:1"])
        #expect(try places("1:1-1") == ["default:1", "crm:1"])
        #expect(try places("1-1") == ["default:0", "default:1", "crm:0", "crm:1"])
        #expect(try places("crm:2:1-1").isEmpty)
        #expect(try places("n8n:0:1-1").isEmpty)
    }
}
