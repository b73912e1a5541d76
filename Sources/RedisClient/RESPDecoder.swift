import CHiredis

/// Decodes raw RESP2 bytes with hiredis' own reader: the same parser the connection uses, without a
/// socket, so reply decoding can be tested byte for byte.
public enum RESPDecoder {
    /// Every complete reply in `bytes`, in order. Throws ``RedisError/protocol(_:)`` on malformed input;
    /// a trailing incomplete reply is ignored.
    public static func decode(_ bytes: [UInt8]) throws(RedisError) -> [RESPValue] {
        guard let reader = redisReaderCreate() else { throw .protocol("cannot create a RESP reader") }
        defer { redisReaderFree(reader) }
        let fed = bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { redisReaderFeed(reader, $0.baseAddress, $0.count) }
        }
        guard fed == REDIS_OK else { throw .protocol(readerError(reader)) }
        var values: [RESPValue] = []
        while true {
            var reply: UnsafeMutableRawPointer?
            guard redisReaderGetReply(reader, &reply) == REDIS_OK else { throw .protocol(readerError(reader)) }
            guard let reply else { return values }
            values.append(RESPValue(reply: reply.assumingMemoryBound(to: redisReply.self)))
            freeReplyObject(reply)
        }
    }

    private static func readerError(_ reader: UnsafeMutablePointer<redisReader>) -> String {
        withUnsafeBytes(of: reader.pointee.errstr) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
    }
}
