import CHiredis
import NIOCore

/// Turns the bytes a Redis channel reads into replies with hiredis's own `redisReader`: hiredis stays
/// the RESP parser, NIO does the I/O. The reader does no I/O of its own, so it is safe on an event
/// loop. Each complete reply goes to ``RedisConnection/received(_:)``; bytes the reader rejects
/// close the channel, since nothing after them can be matched to a caller.
final class RESPReplyDecoder: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let connection: RedisConnection
    private let reader: UnsafeMutablePointer<redisReader>

    init(connection: RedisConnection) {
        guard let reader = redisReaderCreate() else { fatalError("out of memory creating a RESP reader") }
        self.connection = connection
        self.reader = reader
    }

    deinit { redisReaderFree(reader) }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        let fed = buffer.withUnsafeReadableBytes { bytes in
            redisReaderFeed(reader, bytes.baseAddress?.assumingMemoryBound(to: CChar.self), bytes.count)
        }
        guard fed == REDIS_OK else { return reject(context: context) }
        while true {
            var reply: UnsafeMutableRawPointer?
            guard redisReaderGetReply(reader, &reply) == REDIS_OK else { return reject(context: context) }
            guard let reply else { break }
            let value = RESPValue(reply: reply.assumingMemoryBound(to: redisReply.self))
            freeReplyObject(reply)
            guard connection.received(value, on: context.channel) else {
                context.close(promise: nil)
                return
            }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        connection.channelClosed(context.channel)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        connection.channelFailed(context.channel, error: error)
        context.close(promise: nil)
    }

    private func reject(context: ChannelHandlerContext) {
        let message = withUnsafeBytes(of: reader.pointee.errstr) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        connection.channelFailed(context.channel, error: RedisError.protocol(message))
        context.close(promise: nil)
    }
}
