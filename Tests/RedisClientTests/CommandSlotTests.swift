import Testing

@testable import RedisClient

/// How a command's routing key is found in its wire bytes: arguments read in place, only as far as
/// the key.
struct CommandSlotTests {
    private func arguments(_ wire: String) -> [String] {
        Array(wire.utf8).withUnsafeBytes { raw in
            var reader = CommandArguments(raw)
            var seen: [String] = []
            while let argument = reader.next() { seen.append(String(decoding: argument, as: UTF8.self)) }
            return seen
        }
    }

    @Test func argumentsAreReadByTheirLengths() {
        #expect(arguments("*3\r\n$3\r\nSET\r\n$4\r\na\r\nb\r\n$0\r\n\r\n") == ["SET", "a\r\nb", ""])
        #expect(arguments("*0\r\n").isEmpty)
    }

    @Test func readingStopsAtAMalformedOrShortArgument() {
        #expect(arguments("*3\r\n$3\r\nGET\r\n$x\r\nfoo\r\n$1\r\na\r\n") == ["GET"])
        #expect(arguments("*2\r\n$3\r\nGET\r\n$9\r\nfoo\r\n") == ["GET"])
        #expect(arguments("$3\r\nGET\r\n").isEmpty)
    }

    @Test func theKeyIsTheCommandsOwnBytesNotACopy() throws {
        let command = RedisCommand("EVALSHA", "0123456789abcdef", "2", "wd:{4}:seen", "wd:{4}:stream", "arg")
        let formatted = command.formatted
        let key = try #require(formatted.routingKey)
        #expect(String(decoding: key, as: UTF8.self) == "wd:{4}:seen")
        let start = UnsafeRawPointer(formatted.bytes)
        #expect(key.baseAddress! >= start && key.baseAddress! + key.count <= start + formatted.count)
    }

    @Test func namesAndKeywordsMatchInAnyCaseAndLongWordsMatchNothing() {
        #expect(RedisCommand("xReadGroup", "group", "g", "c", "Streams", "foo", ">").slot == 12182)
        #expect(RedisCommand("XREAD", "STREAMSSTREAMSSTREAMS", "bar", "STREAMS", "foo", "$").slot == 12182)
        #expect(RedisCommand("XREAD", "COUNT", "1").slot == nil)
        #expect(RedisCommand("PINGPINGPINGPINGPING", "foo").slot == 12182)
        #expect(RedisCommand("eval", "return 1", "0", "foo").slot == nil)
        #expect(FormattedCommand.upper(UnsafeRawBufferPointer(start: nil, count: 0)) == "")
    }
}
