import DequeModule
import Logging
import NIOCore
import NIOPosix
import NIOSSL

/// One Redis connection: a SwiftNIO channel on one event loop, and every bit of its state confined to
/// that loop, so it needs no lock and no thread of its own.
///
/// Callers hand a ``RedisRequest`` to the loop (directly when they already run on it, as the
/// receiver's request handlers do) and suspend. The loop appends the request's formatted bytes to one
/// output buffer and, the first time in a loop tick, schedules a flush: whatever arrives before that
/// flush runs goes out as one write. Commands thus reach the server while it is still answering
/// earlier ones, and pipelining grows with load without any caller asking for it.
///
/// Replies come back in the order the commands were written (``inFlight``). Each request has its own
/// deadline, counted from the moment it was handed over: one timer, armed for the earliest deadline,
/// fails exactly the requests whose deadline passed. A request that failed early (deadline,
/// cancellation) keeps its place in ``inFlight`` and its late reply is dropped; a reply with no
/// request to match closes the connection, since every later reply would go to the wrong caller.
///
/// States: `idle` (no channel; the next request connects), `connecting`, `handshaking` (AUTH, SELECT,
/// CLIENT SETNAME and SCRIPT LOAD of the registered scripts, pipelined ahead of everything else),
/// `ready`, `backingOff` (connecting failed; requests fail at once until the backoff has passed,
/// which doubles from 50 ms to 2 s), `closed`. Requests that arrive while connecting wait in
/// ``waiting``. When a channel closes or is given up on, every request written on it fails with
/// ``RedisError/connection(_:)`` or ``RedisError/timeout(_:)`` (the server may or may not have run
/// it) and the connection is idle.
final class RedisConnection: @unchecked Sendable {
    private enum State {
        case idle
        case connecting
        case handshaking(any Channel)
        case ready(any Channel)
        case backingOff(until: NIODeadline, error: RedisError)
        case closed
    }

    let eventLoop: any EventLoop
    private let configuration: RedisConfiguration
    private let tls: Result<NIOSSLContext, RedisError>?
    private let scripts: ScriptRegistry
    private let logger: Logger
    private let label: String

    // Event loop only.
    private var state: State = .idle
    private var waiting: Deque<RedisRequest> = []
    private var inFlight: Deque<RedisRequest> = []
    private var outbound: ByteBuffer = ByteBufferAllocator().buffer(capacity: 4096)
    private var flushScheduled = false
    private var timer: Scheduled<Void>?
    private var timerDeadline: NIODeadline?
    /// When the server last showed progress while replies were owed: a read, or the first request
    /// written on a quiet connection.
    private var lastProgress = NIODeadline.now()
    private var consecutiveConnectFailures = 0

    init(
        eventLoop: any EventLoop, configuration: RedisConfiguration, tls: Result<NIOSSLContext, RedisError>?,
        scripts: ScriptRegistry, logger: Logger, label: String
    ) {
        self.eventLoop = eventLoop
        self.configuration = configuration
        self.tls = tls
        self.scripts = scripts
        self.logger = logger
        self.label = label
        self.target = .init(host: configuration.host, port: configuration.port)
    }

    /// Where the current or next channel goes: the configured server, or the primary the sentinels
    /// named last.
    private var target: RedisConfiguration.Endpoint
    private var endpoint: String { target.description }

    // MARK: - Callers

    /// Sends one command and returns its reply, or fails when `timeout` passes first.
    func send(_ command: RedisCommand, timeout: Duration) async -> Result<RESPValue, RedisError> {
        await perform(RedisRequest(command: command, deadline: .now() + TimeAmount(timeout))) { .one($0) }
    }

    /// Sends `commands` as one contiguous part of the pipeline and returns their replies in order.
    func send(_ commands: [RedisCommand], timeout: Duration) async -> Result<[RESPValue], RedisError> {
        await perform(RedisRequest(batch: commands, deadline: .now() + TimeAmount(timeout))) { .many($0) }
    }

    /// Hands `request` to the loop and suspends until the loop resumes it; cancellation reaches the
    /// loop as a task of its own (see ``RedisRequest`` for why that is race-free).
    private func perform<Value>(
        _ request: RedisRequest,
        _ resumption: (UnsafeContinuation<Result<Value, RedisError>, Never>) -> RedisRequest.Resumption
    ) async -> Result<Value, RedisError> {
        await withTaskCancellationHandler {
            await withUnsafeContinuation { continuation in
                request.resumption = resumption(continuation)
                hand(request)
            }
        } onCancel: {
            eventLoop.execute { self.cancel(request) }
        }
    }

    /// Fails everything queued or in flight with ``RedisError/closed`` and closes the channel; later
    /// requests fail at once.
    func close() {
        eventLoop.execute {
            let channel = self.channel
            self.state = .closed
            self.failAll(.closed)
            channel?.close(promise: nil)
        }
    }

    private func hand(_ request: RedisRequest) {
        if eventLoop.inEventLoop {
            submit(request)
        } else {
            eventLoop.execute { self.submit(request) }
        }
    }

    // MARK: - Event loop

    private var channel: (any Channel)? {
        switch state {
        case .handshaking(let channel), .ready(let channel): return channel
        case .idle, .connecting, .backingOff, .closed: return nil
        }
    }

    private func submit(_ request: RedisRequest) {
        request.submitted = true
        if request.cancelRequested { return request.fail(.cancelled) }
        let now = NIODeadline.now()
        if request.deadline <= now { return request.fail(.timeout("the command's deadline passed before it was sent")) }
        switch state {
        case .ready(let channel):
            write(request, on: channel, now: now)
        case .connecting, .handshaking:
            waiting.append(request)
            arm(request.deadline)
        case .idle:
            waiting.append(request)
            arm(request.deadline)
            connect()
        case .backingOff(let until, let error):
            if now < until { return request.fail(error) }
            waiting.append(request)
            arm(request.deadline)
            connect()
        case .closed:
            request.fail(.closed)
        }
    }

    private func cancel(_ request: RedisRequest) {
        if request.submitted {
            request.fail(.cancelled)
        } else {
            request.cancelRequested = true
        }
    }

    private func write(_ request: RedisRequest, on channel: any Channel, now: NIODeadline) {
        if inFlight.isEmpty { lastProgress = now }
        request.writtenAt = now
        request.write(into: &outbound)
        inFlight.append(request)
        arm(request.deadline)
        if !flushScheduled {
            flushScheduled = true
            eventLoop.execute { self.flush() }
        }
    }

    /// Writes everything appended since the last flush as one buffer.
    private func flush() {
        flushScheduled = false
        guard outbound.readableBytes > 0, let channel else { return }
        channel.writeAndFlush(outbound, promise: nil)
        outbound.clear()
    }

    /// A reply read from `channel`. False when it matches no request: the channel must close.
    func received(_ value: RESPValue, on channel: any Channel) -> Bool {
        guard channel === self.channel else { return true }  // a channel already given up on
        lastProgress = .now()
        guard let head = inFlight.first else {
            logger.warning("redis reply with no command waiting for it; closing the connection", metadata: ["connection": "\(label)"])
            drop(channel, reason: .protocol("a reply that matches no command"))
            return false
        }
        // Off the queue before the caller hears of it: a set-up request's callback may drop the channel.
        if head.owed <= 1 { inFlight.removeFirst() }
        head.receive(value)
        // A server that turned replica (failover) or is loading its data answers every write with
        // this; the next connection asks again where the primary is (behind sentinels) or waits.
        if case .error(let message) = value, message.hasPrefix("READONLY") || message.hasPrefix("LOADING"),
            channel === self.channel
        {
            drop(channel, reason: .connection("\(endpoint) answered \(message.prefix(60)); reconnecting"))
        }
        return true
    }

    func channelFailed(_ channel: any Channel, error: any Error) {
        guard channel === self.channel else { return }
        drop(channel, reason: (error as? RedisError) ?? .connection("\(endpoint): \(error)"))
    }

    func channelClosed(_ channel: any Channel) {
        guard channel === self.channel else { return }
        drop(channel, reason: .connection("connection to \(endpoint) closed"))
    }

    /// Gives up on `channel` at once: every request written on it fails with `reason`, the next
    /// request connects anew, and whatever the channel still reads is ignored.
    private func drop(_ channel: any Channel, reason: RedisError) {
        outbound.clear()
        if case .handshaking = state {
            connectFailed(reason)
        } else {
            logger.warning("redis connection lost", metadata: ["connection": "\(label)", "error": "\(reason)"])
            state = .idle
        }
        let lost = inFlight
        inFlight = []
        for request in lost { request.fail(reason) }
        channel.close(promise: nil)
    }

    // MARK: - Connecting

    /// Connects to the configured server, or behind sentinels first asks them where the primary is
    /// (every time: after a failover the next connection follows it without a restart).
    private func connect() {
        state = .connecting
        guard let sentinel = configuration.sentinel else { return open() }
        let resolver = SentinelResolver(
            sentinel: sentinel, eventLoop: eventLoop, timeout: configuration.connectTimeout, logger: logger)
        Task {
            let primary = await resolver.primary()
            self.eventLoop.execute {
                guard case .connecting = self.state else { return }
                switch primary {
                case .success(let endpoint):
                    self.target = endpoint
                    self.open()
                case .failure(let error):
                    self.connectFailed(error)
                }
            }
        }
    }

    private func open() {
        let sslContext: NIOSSLContext?
        switch tls {
        case .success(let context): sslContext = context
        case .failure(let error): return connectFailed(error)
        case nil: sslContext = nil
        }
        let serverName = configuration.tls?.serverName ?? target.host
        ClientBootstrap(group: eventLoop)
            .connectTimeout(TimeAmount(configuration.connectTimeout))
            .channelOption(.socketOption(.so_keepalive), value: 1)
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let sslContext {
                        // SNI takes names only; an address is verified against the certificate's IP SANs.
                        let name = serverName.isIPAddress ? nil : serverName
                        try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: sslContext, serverHostname: name))
                    }
                    try channel.pipeline.syncOperations.addHandler(RESPReplyDecoder(connection: self))
                }
            }
            .connect(host: target.host, port: target.port)
            .hop(to: eventLoop)
            .whenComplete { result in
                switch result {
                case .success(let channel): self.handshake(on: channel)
                case .failure(let error): self.connectFailed(.connection("cannot connect to \(self.endpoint): \(error)"))
                }
            }
    }

    private func handshake(on channel: any Channel) {
        guard case .connecting = state else {  // closed meanwhile
            channel.close(promise: nil)
            return
        }
        state = .handshaking(channel)
        var commands: [(RedisCommand, String)] = []
        if let password = configuration.password {
            if let username = configuration.username {
                commands.append((RedisCommand("AUTH", .init(username), .init(password)), "AUTH as \"\(username)\""))
            } else {
                commands.append((RedisCommand("AUTH", .init(password)), "AUTH"))
            }
        }
        if configuration.database != 0 {
            commands.append((RedisCommand("SELECT", .init(configuration.database)), "SELECT \(configuration.database)"))
        }
        if let name = configuration.clientName {
            commands.append((RedisCommand("CLIENT", "SETNAME", .init(name)), "CLIENT SETNAME"))
        }
        for script in scripts.all {
            commands.append((RedisCommand("SCRIPT", "LOAD", .init(script.source)), "SCRIPT LOAD"))
        }
        // Behind sentinels, make sure the server named is still the primary (a failover may be under way).
        let checksRole = configuration.sentinel != nil
        if checksRole { commands.append((RedisCommand("ROLE"), "ROLE")) }
        if commands.isEmpty { return becomeReady(channel) }
        let endpoint = self.endpoint
        let names = commands.map(\.1)
        let setup = RedisRequest(
            batch: commands.map(\.0), deadline: .now() + TimeAmount(configuration.connectTimeout),
            resumption: .setup { result in
                switch result {
                case .success(let replies):
                    if let (index, message) = replies.enumerated().lazy.compactMap({ i, r in r.errorMessage.map { (i, $0) } }).first {
                        self.drop(channel, reason: .server("\(names[index]) failed on \(endpoint): \(message)"))
                    } else if checksRole, let role = replies.last?.array?.first?.string, role != "master" {
                        self.drop(channel, reason: .connection("\(endpoint) is a \(role), not the primary; asking the sentinels again"))
                    } else {
                        self.becomeReady(channel)
                    }
                case .failure(let error):
                    // The set-up failed early (its deadline) while the channel is still this one.
                    if channel === self.channel { self.drop(channel, reason: error) }
                }
            })
        setup.submitted = true
        write(setup, on: channel, now: .now())
    }

    private func becomeReady(_ channel: any Channel) {
        if consecutiveConnectFailures > 0 {
            logger.info("redis connection restored", metadata: ["connection": "\(label)"])
        }
        consecutiveConnectFailures = 0
        state = .ready(channel)
        let now = NIODeadline.now()
        let queued = waiting
        waiting = []
        for request in queued where !request.finished { write(request, on: channel, now: now) }
    }

    private func connectFailed(_ error: RedisError) {
        guard !isClosed else { return }
        consecutiveConnectFailures += 1
        let backoffMs = min(2_000, 50 << min(consecutiveConnectFailures - 1, 6))
        state = .backingOff(until: .now() + .milliseconds(Int64(backoffMs)), error: error)
        logger.warning(
            "redis connect failed", metadata: ["connection": "\(label)", "error": "\(error)", "retry_in_ms": "\(backoffMs)"])
        let queued = waiting
        waiting = []
        for request in queued { request.fail(error) }
    }

    private var isClosed: Bool {
        if case .closed = state { return true }
        return false
    }

    private func failAll(_ error: RedisError) {
        let queued = waiting
        let written = inFlight
        waiting = []
        inFlight = []
        for request in queued { request.fail(error) }
        for request in written { request.fail(error) }
    }

    // MARK: - Deadlines

    /// Makes sure the timer fires no later than `deadline`.
    private func arm(_ deadline: NIODeadline) {
        if let armed = timerDeadline, armed <= deadline { return }
        timer?.cancel()
        timerDeadline = deadline
        timer = eventLoop.scheduleTask(deadline: deadline) { self.timerFired() }
    }

    /// Fails the requests whose deadline passed and re-arms for the next one.
    ///
    /// A connection that owes replies is given up on (see ``drop(_:reason:)``) when the server has
    /// sent nothing since the oldest owed command was written and nobody waits on it any more, or
    /// when it has sent nothing for twice the command timeout while callers still wait: a command
    /// that blocks the server (or a dead peer) would otherwise hold up every command queued behind it
    /// until each caller's deadline passed.
    private func timerFired() {
        timer = nil
        timerDeadline = nil
        let now = NIODeadline.now()
        let expired = RedisError.timeout("no reply from \(endpoint) within the command's deadline")
        var next: NIODeadline?
        var waited = false
        for request in inFlight where !request.finished {
            if request.deadline <= now {
                request.fail(expired)
            } else {
                waited = true
                next = min(next ?? request.deadline, request.deadline)
            }
        }
        if !waiting.isEmpty {
            for request in waiting where !request.finished && request.deadline <= now { request.fail(expired) }
            waiting.removeAll { $0.finished }
            for request in waiting { next = min(next ?? request.deadline, request.deadline) }
        }
        if let oldest = inFlight.first, let channel {
            let limit = TimeAmount(configuration.commandTimeout)
            let stuck = lastProgress <= oldest.writtenAt
            if (!waited && stuck) || now - lastProgress >= limit * 2 {
                drop(channel, reason: expired)
            } else {
                next = min(next ?? lastProgress + limit * 2, lastProgress + limit * 2)
            }
        }
        if let next { arm(next) }
    }
}

extension TimeAmount {
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}

extension String {
    /// An IPv4 or IPv6 literal, which TLS's SNI cannot carry.
    var isIPAddress: Bool {
        (try? SocketAddress(ipAddress: self, port: 0)) != nil
    }
}
