import RedisClient
import Testing

@Suite("RESP decoding (no server)")
struct RESPDecoderTests {
    private func decode(_ text: String) throws -> [RESPValue] {
        try RESPDecoder.decode(Array(text.utf8))
    }

    @Test func simpleStringErrorAndInteger() throws {
        #expect(try decode("+OK\r\n") == [.simpleString("OK")])
        #expect(try decode("-ERR unknown command 'FOO'\r\n") == [.error("ERR unknown command 'FOO'")])
        #expect(try decode(":42\r\n:-7\r\n") == [.integer(42), .integer(-7)])
    }

    @Test func bulkStringsIncludingEmptyAndNil() throws {
        #expect(try decode("$5\r\nhello\r\n") == [.bulkString(Array("hello".utf8))])
        #expect(try decode("$0\r\n\r\n") == [.bulkString([])])
        #expect(try decode("$-1\r\n") == [.null])
        #expect(try decode("*-1\r\n") == [.null])
    }

    @Test func binaryBulkStringWithNulBytes() throws {
        let payload: [UInt8] = [0x00, 0xFF, 0x0D, 0x0A, 0x00, 0x41]
        let bytes = Array("$6\r\n".utf8) + payload + Array("\r\n".utf8)
        let values = try RESPDecoder.decode(bytes)
        #expect(values == [.bulkString(payload)])
        #expect(values[0].bytes == payload)
    }

    @Test func nestedArrays() throws {
        let text = "*3\r\n:1\r\n*2\r\n$1\r\na\r\n*1\r\n$-1\r\n*0\r\n"
        #expect(
            try decode(text) == [
                .array([.integer(1), .array([.bulkString(Array("a".utf8)), .array([.null])]), .array([])])
            ])
    }

    @Test func incompleteReplyIsNotReturned() throws {
        #expect(try decode("+OK\r\n$10\r\nabc") == [.simpleString("OK")])
    }

    @Test func malformedInputIsAProtocolError() {
        #expect(throws: RedisError.self) { try decode("?what\r\n") }
    }

    @Test func accessors() {
        #expect(RESPValue.bulkString(Array("12".utf8)).int == 12)
        #expect(RESPValue.integer(3).string == "3")
        #expect(RESPValue.error("NOSCRIPT x").errorMessage == "NOSCRIPT x")
        #expect(throws: RedisError.server("ERR x")) { try RESPValue.error("ERR x").throwingServerError() }
        #expect(RESPValue.null.isNull)
    }
}
