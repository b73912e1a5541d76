public import HummingbirdCore
public import Logging
public import NIOCore

/// Hummingbird's HTTP/1 child channel, with each connection's handling running on the connection's
/// own event loop (see ``EventLoopTaskExecutor``) instead of Swift's cooperative pool.
///
/// Parsing, routing, the webhook's key derivation and its Redis call thus happen on the thread that
/// read the request and will write the answer: on two cores, the thread hops between the loop and
/// the pool were most of the receiver's context switches. Handlers must not block, which is the rule
/// for the whole product anyway.
public struct LoopBoundHTTP1Channel: ServerChildChannel {
    public typealias Value = HTTP1Channel.Value

    let http1: HTTP1Channel

    public init(_ http1: HTTP1Channel) {
        self.http1 = http1
    }

    public func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        http1.setup(channel: channel, logger: logger)
    }

    public func handle(value: Value, logger: Logger) async {
        await withTaskExecutorPreference(EventLoopTaskExecutor(value.channel.eventLoop)) {
            await http1.handle(value: value, logger: logger)
        }
    }
}

extension HTTPServerBuilder {
    /// HTTP/1 with each connection served on its own event loop (``LoopBoundHTTP1Channel``).
    public static func loopBoundHTTP1(configuration: HTTP1Channel.Configuration) -> HTTPServerBuilder {
        .init { responder in LoopBoundHTTP1Channel(HTTP1Channel(responder: responder, configuration: configuration)) }
    }
}
