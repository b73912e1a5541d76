import Foundation
import Testing

@testable import RedisClient

@Suite("RedisCommand formatting (no server)")
struct RedisCommandTests {
    private func wire(_ command: RedisCommand) -> [UInt8] {
        Array(UnsafeRawBufferPointer(start: command.formatted.bytes, count: command.formatted.count))
    }

    @Test func argumentsGoOutLengthPrefixedWhateverTheirBytes() {
        let binary: [UInt8] = [0x61, 0x00, 0x0D, 0x0A, 0xFF]
        let command = RedisCommand("SET", "k", .init(binary), .init(Data([0x7A])), 60)
        var expected = Array("*5\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\n".utf8)
        expected += binary
        expected += Array("\r\n$1\r\nz\r\n$2\r\n60\r\n".utf8)
        #expect(wire(command) == expected)
    }

    @Test func emptyAndNonASCIIArguments() {
        let command = RedisCommand("ECHO", "", "ação")
        #expect(wire(command) == Array("*3\r\n$4\r\nECHO\r\n$0\r\n\r\n$6\r\nação\r\n".utf8))
    }

    @Test func nameIsTheFirstArgument() {
        #expect(RedisCommand("EVALSHA", "abc", 0).name == "EVALSHA")
        #expect(RedisCommand(.init([0x00, 0x41])).name == "\u{0}A")
        #expect(RedisCommand([]).name == "")
    }
}
