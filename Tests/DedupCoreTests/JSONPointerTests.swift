import DedupCore
import Testing

@Suite("JSON pointers")
struct JSONPointerTests {
    @Test func parsesAndUnescapes() throws {
        #expect(try #require(JSONPointer("/data/key/id")).tokens == ["data", "key", "id"])
        #expect(try #require(JSONPointer("/a~1b/c~0d")).tokens == ["a/b", "c~d"])
        #expect(try #require(JSONPointer("/~01")).tokens == ["~1"])
        #expect(try #require(JSONPointer("/")).tokens == [""])
        #expect(try #require(JSONPointer("")).tokens.isEmpty)
        #expect(JSONPointer("/a~1b")?.description == "/a~1b")
    }

    @Test func rejectsMalformed() {
        #expect(JSONPointer("data/id") == nil)
        #expect(JSONPointer.problem(in: "data/id") == "must start with /")
        #expect(JSONPointer("/a~") == nil)
        #expect(JSONPointer.problem(in: "/a~2") == "~ must be followed by 0 or 1")
    }
}
