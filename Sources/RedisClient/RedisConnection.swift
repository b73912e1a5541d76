import CHiredis
import Dispatch
import Foundation
import Logging

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One hiredis connection and the OS thread that owns it.
///
/// Ownership: `context` is read and written only by `ownerThread`; a `redisContext` is neither
/// thread-safe nor non-blocking, so no Swift task ever touches it and blocking socket I/O never runs on
/// the cooperative pool. Callers enqueue a ``Request`` under `condition` and suspend; the owner thread
/// takes everything queued at once, appends every command (`redisAppendCommandArgv`), then reads one
/// reply per command in order. Whatever arrives while a batch is on the wire forms the next batch:
/// pipelining grows with concurrency without any caller asking for it.
///
/// Failure: after any context error the context is freed and never reused; every request of the
/// batch still waiting for a reply fails with ``RedisError/connection(_:)`` or ``RedisError/timeout(_:)``
/// (the server may or may not have run it). The next batch reconnects (AUTH, SELECT, SCRIPT LOAD);
/// while connecting keeps failing, batches fail at once until an exponential backoff has passed.
final class RedisConnection: @unchecked Sendable {
    struct Request {
        let commands: [RedisCommand]
        /// `DispatchTime` uptime nanoseconds after which the request fails rather than being sent.
        let deadline: UInt64
        let continuation: CheckedContinuation<Result<[RESPValue], RedisError>, Never>
    }

    private let configuration: RedisConfiguration
    private let scripts: ScriptRegistry
    private let logger: Logger
    private let label: String

    // Guarded by `condition`.
    private let condition = NSCondition()
    private var queue: [Request] = []
    private var inFlight = 0
    private var closed = false

    // Owner thread only.
    private var context: UnsafeMutablePointer<redisContext>?
    private var consecutiveConnectFailures = 0
    private var nextConnectAttempt: UInt64 = 0
    private var lastConnectError: RedisError = .connection("not connected yet")

    init(configuration: RedisConfiguration, scripts: ScriptRegistry, logger: Logger, label: String) {
        self.configuration = configuration
        self.scripts = scripts
        self.logger = logger
        self.label = label
        let thread = Thread { [self] in self.run() }
        thread.name = label
        thread.start()
    }

    /// Requests queued or on the wire; the pool sends new work to the least loaded connection.
    var load: Int {
        condition.lock()
        defer { condition.unlock() }
        return queue.count + inFlight
    }

    /// Sends `commands` as one contiguous part of a pipeline and returns their replies in order.
    func send(_ commands: [RedisCommand], timeout: Duration) async -> Result<[RESPValue], RedisError> {
        let deadline = DispatchTime.now().uptimeNanoseconds &+ timeout.nanoseconds
        return await withCheckedContinuation { continuation in
            condition.lock()
            if closed {
                condition.unlock()
                continuation.resume(returning: .failure(.closed))
                return
            }
            queue.append(Request(commands: commands, deadline: deadline, continuation: continuation))
            if queue.count == 1 { condition.signal() }
            condition.unlock()
        }
    }

    /// Fails everything queued with ``RedisError/closed`` and stops the owner thread.
    func close() {
        condition.lock()
        closed = true
        condition.signal()
        condition.unlock()
    }

    // MARK: - Owner thread

    private func run() {
        var batch: [Request] = []
        while true {
            condition.lock()
            while queue.isEmpty && !closed { condition.wait() }
            if closed {
                let rest = queue
                queue = []
                condition.unlock()
                for request in rest { request.continuation.resume(returning: .failure(.closed)) }
                disconnect()
                return
            }
            swap(&batch, &queue)
            inFlight = batch.count
            condition.unlock()

            process(batch)
            batch.removeAll(keepingCapacity: true)

            condition.lock()
            inFlight = 0
            condition.unlock()
        }
    }

    private func process(_ batch: [Request]) {
        let now = DispatchTime.now().uptimeNanoseconds
        var live: [Request] = []
        live.reserveCapacity(batch.count)
        for request in batch {
            if request.deadline <= now {
                request.continuation.resume(returning: .failure(.timeout("command waited longer than its deadline")))
            } else {
                live.append(request)
            }
        }
        guard !live.isEmpty else { return }

        let c: UnsafeMutablePointer<redisContext>
        switch connectedContext(now: now) {
        case .success(let context): c = context
        case .failure(let error):
            for request in live { request.continuation.resume(returning: .failure(error)) }
            return
        }

        var argv: [UnsafePointer<CChar>?] = []
        for request in live {
            for command in request.commands {
                let status = command.buffer.withUnsafeBufferPointer { bytes -> Int32 in
                    let base = UnsafeRawPointer(bytes.baseAddress) ?? UnsafeRawPointer(bitPattern: 1)!
                    argv.removeAll(keepingCapacity: true)
                    var offset = 0
                    for length in command.lengths {
                        argv.append((base + offset).assumingMemoryBound(to: CChar.self))
                        offset += length
                    }
                    return command.lengths.withUnsafeBufferPointer { lengths in
                        argv.withUnsafeMutableBufferPointer { args in
                            redisAppendCommandArgv(
                                c, Int32(args.count), args.baseAddress,
                                UnsafeRawPointer(lengths.baseAddress)?.assumingMemoryBound(to: Int.self))
                        }
                    }
                }
                if status != REDIS_OK {
                    fail(live, from: 0, with: contextError(c))
                    return
                }
            }
        }

        for (index, request) in live.enumerated() {
            var replies: [RESPValue] = []
            replies.reserveCapacity(request.commands.count)
            for _ in request.commands {
                var reply: UnsafeMutableRawPointer?
                guard redisGetReply(c, &reply) == REDIS_OK, let reply else {
                    fail(live, from: index, with: contextError(c))
                    return
                }
                replies.append(RESPValue(reply: reply.assumingMemoryBound(to: redisReply.self)))
                freeReplyObject(reply)
            }
            request.continuation.resume(returning: .success(replies))
        }
    }

    /// Fails `requests[from...]` and drops the broken context.
    private func fail(_ requests: [Request], from index: Int, with error: RedisError) {
        logger.warning("redis connection lost", metadata: ["connection": "\(label)", "error": "\(error)"])
        disconnect()
        for request in requests[index...] { request.continuation.resume(returning: .failure(error)) }
    }

    private func contextError(_ c: UnsafeMutablePointer<redisContext>) -> RedisError {
        let message = Self.errorString(c)
        if message.contains("temporarily unavailable") || message.contains("timed out") {
            return .timeout("no reply from \(configuration.host):\(configuration.port) within \(configuration.commandTimeout)")
        }
        return .connection(message.isEmpty ? "connection closed" : message)
    }

    private static func errorString(_ c: UnsafeMutablePointer<redisContext>) -> String {
        withUnsafeBytes(of: c.pointee.errstr) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
    }

    private func disconnect() {
        if let context { redisFree(context) }
        context = nil
    }

    /// The live context, reconnecting when there is none (or the peer has closed an idle one).
    private func connectedContext(now: UInt64) -> Result<UnsafeMutablePointer<redisContext>, RedisError> {
        if let context {
            if Self.peerHasClosed(context.pointee.fd) {
                logger.info("redis connection closed by the server; reconnecting", metadata: ["connection": "\(label)"])
                disconnect()
            } else {
                return .success(context)
            }
        }
        if consecutiveConnectFailures > 0 && now < nextConnectAttempt {
            return .failure(lastConnectError)
        }
        switch connect() {
        case .success(let c):
            if consecutiveConnectFailures > 0 {
                logger.info("redis connection restored", metadata: ["connection": "\(label)"])
            }
            consecutiveConnectFailures = 0
            context = c
            return .success(c)
        case .failure(let error):
            consecutiveConnectFailures += 1
            let backoffMs = min(2_000, 50 << min(consecutiveConnectFailures - 1, 6))
            nextConnectAttempt = DispatchTime.now().uptimeNanoseconds + UInt64(backoffMs) * 1_000_000
            lastConnectError = error
            logger.warning(
                "redis connect failed",
                metadata: ["connection": "\(label)", "error": "\(error)", "retry_in_ms": "\(backoffMs)"])
            return .failure(error)
        }
    }

    /// A peer that closed an idle connection (CLIENT KILL, server restart, idle timeout) leaves an EOF
    /// to read; finding it before sending saves the batch from failing on a socket already dead.
    private static func peerHasClosed(_ fd: Int32) -> Bool {
        var byte: UInt8 = 0
        let n = recv(fd, &byte, 1, Int32(MSG_PEEK | MSG_DONTWAIT))
        if n == 0 { return true }
        if n < 0 { return errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR }
        return true  // unsolicited bytes: the reply stream is out of step, start afresh
    }

    private func connect() -> Result<UnsafeMutablePointer<redisContext>, RedisError> {
        let endpoint = "\(configuration.host):\(configuration.port)"
        guard let c = redisConnectWithTimeout(configuration.host, Int32(configuration.port), configuration.connectTimeout.timeval)
        else { return .failure(.connection("cannot allocate a redis context")) }
        if c.pointee.err != 0 {
            let message = Self.errorString(c)
            redisFree(c)
            return .failure(.connection("cannot connect to \(endpoint): \(message)"))
        }
        redisSetTimeout(c, configuration.commandTimeout.timeval)
        redisEnableKeepAlive(c)

        var setup: [(RedisCommand, String)] = []
        if let password = configuration.password {
            if let username = configuration.username {
                setup.append((RedisCommand("AUTH", .init(username), .init(password)), "AUTH as \"\(username)\""))
            } else {
                setup.append((RedisCommand("AUTH", .init(password)), "AUTH"))
            }
        }
        if configuration.database != 0 {
            setup.append((RedisCommand("SELECT", .init(configuration.database)), "SELECT \(configuration.database)"))
        }
        if let name = configuration.clientName {
            setup.append((RedisCommand("CLIENT", "SETNAME", .init(name)), "CLIENT SETNAME"))
        }
        for script in scripts.all {
            setup.append((RedisCommand("SCRIPT", "LOAD", .init(script.source)), "SCRIPT LOAD"))
        }
        for (command, what) in setup {
            switch Self.blockingCommand(c, command) {
            case .success(.error(let message)):
                redisFree(c)
                return .failure(.server("\(what) failed on \(endpoint): \(message)"))
            case .success:
                continue
            case .failure(let error):
                redisFree(c)
                return .failure(error)
            }
        }
        return .success(c)
    }

    private static func blockingCommand(_ c: UnsafeMutablePointer<redisContext>, _ command: RedisCommand) -> Result<RESPValue, RedisError> {
        let reply: UnsafeMutableRawPointer? = command.buffer.withUnsafeBufferPointer { bytes in
            let base = UnsafeRawPointer(bytes.baseAddress) ?? UnsafeRawPointer(bitPattern: 1)!
            var argv: [UnsafePointer<CChar>?] = []
            var offset = 0
            for length in command.lengths {
                argv.append((base + offset).assumingMemoryBound(to: CChar.self))
                offset += length
            }
            return command.lengths.withUnsafeBufferPointer { lengths in
                redisCommandArgv(c, Int32(argv.count), &argv, lengths.baseAddress)
            }
        }
        guard let reply else { return .failure(.connection(errorString(c))) }
        defer { freeReplyObject(reply) }
        return .success(RESPValue(reply: reply.assumingMemoryBound(to: redisReply.self)))
    }
}

extension Duration {
    var nanoseconds: UInt64 {
        let (seconds, attoseconds) = components
        return UInt64(max(0, seconds)) * 1_000_000_000 + UInt64(max(0, attoseconds) / 1_000_000_000)
    }

    var timeval: timeval {
        let ns = nanoseconds
        return CHiredis.timeval(tv_sec: Int(ns / 1_000_000_000), tv_usec: Int((ns % 1_000_000_000) / 1_000))
    }
}
