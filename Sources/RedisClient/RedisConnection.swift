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
/// Ownership: `context` is read and written only by the owner thread; a `redisContext` is neither
/// thread-safe nor non-blocking, so no Swift task ever touches it and blocking socket I/O never runs on
/// the cooperative pool. Callers enqueue a ``Request`` under `lock` and suspend.
///
/// Pipelining: the owner thread sleeps in `poll` on the socket and a wake-up pipe. When callers
/// queue requests it takes them all, appends their commands (formatted by hiredis on the callers'
/// tasks, see ``RedisCommand``) and writes them at once, without waiting for earlier replies. When
/// replies arrive it reads what is there (`redisBufferRead`) and resumes every request whose replies
/// are complete, oldest first. Commands thus flow to the server while it is still answering earlier
/// ones, the server never runs dry, and whatever gathers while the owner is busy goes out as one
/// batch: throughput grows with concurrency without any caller asking for it.
///
/// Failure: after any context error the context is freed and never reused; every request still
/// waiting for a reply fails with ``RedisError/connection(_:)`` or ``RedisError/timeout(_:)`` (the
/// server may or may not have run it). The next request reconnects (AUTH, SELECT, SCRIPT LOAD);
/// while connecting keeps failing, requests fail at once until an exponential backoff has passed.
final class RedisConnection: @unchecked Sendable {
    /// Commands waiting to be written or answered, and the suspended caller to resume with the
    /// outcome exactly once. A single command, the common case, carries no arrays at all.
    enum Request {
        case one(RedisCommand, deadline: UInt64, UnsafeContinuation<Result<RESPValue, RedisError>, Never>)
        case many([RedisCommand], deadline: UInt64, UnsafeContinuation<Result<[RESPValue], RedisError>, Never>)

        /// `DispatchTime` uptime nanoseconds after which the request fails rather than being sent.
        var deadline: UInt64 {
            switch self {
            case .one(_, let deadline, _), .many(_, let deadline, _): return deadline
            }
        }

        func fail(_ error: RedisError) {
            switch self {
            case .one(_, _, let continuation): continuation.resume(returning: .failure(error))
            case .many(_, _, let continuation): continuation.resume(returning: .failure(error))
            }
        }
    }

    /// A reply ready to hand back to its caller. Sendable by hand: the continuation is resumed
    /// exactly once, by whichever thread holds the value last.
    enum Answered: @unchecked Sendable {
        case one(UnsafeContinuation<Result<RESPValue, RedisError>, Never>, RESPValue)
        case many(UnsafeContinuation<Result<[RESPValue], RedisError>, Never>, [RESPValue])

        func resume() {
            switch self {
            case .one(let continuation, let value): continuation.resume(returning: .success(value))
            case .many(let continuation, let values): continuation.resume(returning: .success(values))
            }
        }
    }

    private let configuration: RedisConfiguration
    private let scripts: ScriptRegistry
    private let logger: Logger
    private let label: String

    // Guarded by `lock`.
    private let lock = NSLock()
    private var queue: [Request] = []
    private var inFlight = 0
    private var closed = false
    /// The owner thread is in (or about to enter) `poll` and wants a byte on the wake-up pipe when
    /// there is new work for it.
    private var ownerAsleep = false

    /// A non-blocking pipe the owner thread polls beside the socket; a byte means "look at the queue".
    private let wakeRead: Int32
    private let wakeWrite: Int32

    // Owner thread only.
    private var context: UnsafeMutablePointer<redisContext>?
    /// Requests written and waiting for replies, oldest first from `pendingHead`.
    private var pending: [Request] = []
    private var pendingHead = 0
    /// Replies already read for the oldest pending request (a pipeline of several commands).
    private var partial: [RESPValue] = []
    /// Requests answered by the current read, resumed together once it is parsed (see `readReplies`).
    private var answered: [Answered] = []
    /// When the server last showed progress while requests were outstanding (uptime nanoseconds).
    private var lastProgress: UInt64 = 0
    private var consecutiveConnectFailures = 0
    private var nextConnectAttempt: UInt64 = 0
    private var lastConnectError: RedisError = .connection("not connected yet")

    init(configuration: RedisConfiguration, scripts: ScriptRegistry, logger: Logger, label: String) {
        self.configuration = configuration
        self.scripts = scripts
        self.logger = logger
        self.label = label
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { fatalError("cannot create the wake-up pipe of \(label): errno \(errno)") }
        for fd in fds {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        wakeRead = fds[0]
        wakeWrite = fds[1]
        let thread = Thread { [self] in self.run() }
        thread.name = label
        thread.start()
    }

    deinit {
        closeDescriptor(wakeRead)
        closeDescriptor(wakeWrite)
    }

    /// Requests queued or on the wire; the pool sends new work to the least loaded connection.
    var load: Int {
        lock.lock()
        defer { lock.unlock() }
        return queue.count + inFlight
    }

    /// Sends one command and returns its reply.
    func send(_ command: RedisCommand, timeout: Duration) async -> Result<RESPValue, RedisError> {
        let deadline = DispatchTime.now().uptimeNanoseconds &+ timeout.nanoseconds
        return await withUnsafeContinuation { enqueue(.one(command, deadline: deadline, $0)) }
    }

    /// Sends `commands` as one contiguous part of a pipeline and returns their replies in order.
    func send(_ commands: [RedisCommand], timeout: Duration) async -> Result<[RESPValue], RedisError> {
        let deadline = DispatchTime.now().uptimeNanoseconds &+ timeout.nanoseconds
        return await withUnsafeContinuation { enqueue(.many(commands, deadline: deadline, $0)) }
    }

    /// Queues `request`, waking the owner thread if it sleeps in `poll`: new commands go out while
    /// the server is still answering earlier ones, so it never runs dry. Only the first request
    /// after the owner falls asleep pays for the wake-up; the rest join its batch. (Waking it only
    /// once half as many requests as are in flight have gathered measured the same.)
    private func enqueue(_ request: Request) {
        lock.lock()
        if closed {
            lock.unlock()
            request.fail(.closed)
            return
        }
        queue.append(request)
        let wake = ownerAsleep
        ownerAsleep = false
        lock.unlock()
        if wake { wakeOwner() }
    }

    private func wakeOwner() {
        writeWakeByte(wakeWrite)
    }

    /// Fails everything queued with ``RedisError/closed`` and stops the owner thread.
    func close() {
        lock.lock()
        closed = true
        ownerAsleep = false
        lock.unlock()
        wakeOwner()
    }

    // MARK: - Owner thread

    private var waiting: Int { pending.count - pendingHead }

    private func run() {
        var fresh: [Request] = []
        while true {
            lock.lock()
            if closed {
                let rest = queue
                queue = []
                lock.unlock()
                for request in rest { request.fail(.closed) }
                failPending(with: .closed)
                disconnect()
                return
            }
            swap(&fresh, &queue)
            inFlight = waiting + fresh.count
            ownerAsleep = fresh.isEmpty
            lock.unlock()

            if fresh.isEmpty {
                awaitEvents()
            } else {
                write(fresh)
                fresh.removeAll(keepingCapacity: true)
            }
        }
    }

    /// Sleeps in `poll` until new work is queued, replies arrive, or the replies are overdue.
    ///
    /// An idle connection's socket is polled too: when the server closes it (CLIENT KILL, restart,
    /// idle timeout) the context is dropped at once instead of failing the next request.
    private func awaitEvents() {
        var timeoutMs: Int32 = -1
        if waiting > 0 {
            let due = lastProgress &+ configuration.commandTimeout.nanoseconds
            let now = DispatchTime.now().uptimeNanoseconds
            timeoutMs = due > now ? Int32(min((due - now + 999_999) / 1_000_000, 60_000)) : 0
        }
        var fds = (
            pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0),
            pollfd(fd: context?.pointee.fd ?? -1, events: Int16(POLLIN), revents: 0)
        )
        let count: nfds_t = context == nil ? 1 : 2
        let ready = withUnsafeMutableBytes(of: &fds) { raw in
            poll(raw.baseAddress!.assumingMemoryBound(to: pollfd.self), count, timeoutMs)
        }
        if ready < 0 { return }  // EINTR: look again
        if fds.0.revents != 0 { drainWakeups() }
        if count > 1 && fds.1.revents != 0 {
            if waiting > 0 {
                readReplies()
            } else {
                logger.info("redis connection closed by the server; reconnecting", metadata: ["connection": "\(label)"])
                disconnect()
            }
        } else if waiting > 0 && DispatchTime.now().uptimeNanoseconds >= lastProgress &+ configuration.commandTimeout.nanoseconds {
            fail(with: .timeout("no reply from \(configuration.host):\(configuration.port) within \(configuration.commandTimeout)"))
        }
    }

    private func drainWakeups() {
        drainWakeBytes(wakeRead)
    }

    /// Appends and writes `requests`, then adds them to `pending`.
    private func write(_ requests: [Request]) {
        let now = DispatchTime.now().uptimeNanoseconds
        var live = requests.count
        for request in requests where request.deadline <= now {
            request.fail(.timeout("command waited longer than its deadline"))
            live -= 1
        }
        guard live > 0 else { return }

        let c: UnsafeMutablePointer<redisContext>
        switch connectedContext(now: now) {
        case .success(let context): c = context
        case .failure(let error):
            for request in requests where request.deadline > now { request.fail(error) }
            return
        }

        if waiting == 0 { lastProgress = now }
        let first = pending.count
        for request in requests where request.deadline > now { pending.append(request) }
        var status = REDIS_OK
        for index in first..<pending.count where status == REDIS_OK {
            switch pending[index] {
            case .one(let command, _, _):
                status = redisAppendFormattedCommand(c, command.formatted.bytes, command.formatted.count)
            case .many(let commands, _, _):
                for command in commands where status == REDIS_OK {
                    status = redisAppendFormattedCommand(c, command.formatted.bytes, command.formatted.count)
                }
            }
        }
        var done: Int32 = 0
        while status == REDIS_OK && done == 0 {
            status = redisBufferWrite(c, &done)
        }
        if status != REDIS_OK { fail(with: contextError(c)) }
    }

    /// Threads of Swift's cooperative pool: one per core.
    private static let poolWidth = max(1, ProcessInfo.processInfo.activeProcessorCount)

    /// Reads what the server has sent (the socket is readable, so this does not block) and resumes
    /// every pending request whose replies are now complete, oldest first.
    ///
    /// Callers are resumed after the whole read is parsed, not reply by reply, and from tasks on the
    /// cooperative pool rather than from this thread: one task per pool thread, each resuming its
    /// share of the batch. Every resume enqueues a job, and the pool wakes a sleeping thread for it
    /// (a futex call) unless all its threads are already running. From this thread, nearly every
    /// resume paid for a wake-up; from a single task, the pool's other thread kept finishing its
    /// jobs, falling asleep and being woken again; with one task per thread both are busy while the
    /// batch is handed out. Each step showed as higher throughput in alternating runs of the
    /// redis-client-bench binary (64 tasks, 2 cores).
    private func readReplies() {
        guard let c = context else { return }
        defer {
            if answered.count > 2 {
                let batch = answered
                answered = []
                let parts = min(Self.poolWidth, max(1, batch.count / 4))
                let size = (batch.count + parts - 1) / parts
                for start in stride(from: 0, to: batch.count, by: size) {
                    let slice = batch[start..<min(start + size, batch.count)]
                    Task.detached { for answer in slice { answer.resume() } }
                }
            } else {
                for answer in answered { answer.resume() }
                answered.removeAll(keepingCapacity: true)
            }
        }
        if redisBufferRead(c) != REDIS_OK {
            fail(with: contextError(c))
            return
        }
        lastProgress = DispatchTime.now().uptimeNanoseconds
        while pendingHead < pending.count {
            var reply: UnsafeMutableRawPointer?
            if redisGetReplyFromReader(c, &reply) != REDIS_OK {
                fail(with: .protocol(Self.errorString(c)))
                return
            }
            guard let reply else { break }
            let value = RESPValue(reply: reply.assumingMemoryBound(to: redisReply.self))
            freeReplyObject(reply)
            switch pending[pendingHead] {
            case .one(_, _, let continuation):
                pendingHead += 1
                answered.append(.one(continuation, value))
            case .many(let commands, _, let continuation):
                partial.append(value)
                if partial.count == commands.count {
                    pendingHead += 1
                    answered.append(.many(continuation, partial))
                    partial = []
                }
            }
        }
        if pendingHead == pending.count {
            pending.removeAll(keepingCapacity: true)
            pendingHead = 0
        } else if pendingHead > 1024 && pendingHead * 2 > pending.count {
            pending.removeFirst(pendingHead)
            pendingHead = 0
        }
    }

    /// Fails every request still waiting for a reply.
    private func failPending(with error: RedisError) {
        let failed = pending[pendingHead...]
        pending = []
        pendingHead = 0
        partial = []
        for request in failed { request.fail(error) }
    }

    /// Drops the broken context and fails every request written on it.
    private func fail(with error: RedisError) {
        logger.warning("redis connection lost", metadata: ["connection": "\(label)", "error": "\(error)"])
        disconnect()
        failPending(with: error)
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

    /// The live context, reconnecting when there is none.
    private func connectedContext(now: UInt64) -> Result<UnsafeMutablePointer<redisContext>, RedisError> {
        if let context { return .success(context) }
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
        var reply: UnsafeMutableRawPointer?
        guard redisAppendFormattedCommand(c, command.formatted.bytes, command.formatted.count) == REDIS_OK,
            redisGetReply(c, &reply) == REDIS_OK, let reply
        else { return .failure(.connection(errorString(c))) }
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

// Free functions, so that `read`, `write` and `close` name the system calls rather than the
// connection's methods.

private func writeWakeByte(_ fd: Int32) {
    var byte: UInt8 = 1
    _ = write(fd, &byte, 1)  // EAGAIN: the pipe is full, so a wake-up is already waiting
}

private func drainWakeBytes(_ fd: Int32) {
    var bytes = (UInt64(0), UInt64(0), UInt64(0), UInt64(0))
    while withUnsafeMutableBytes(of: &bytes, { read(fd, $0.baseAddress, $0.count) }) > 0 {}
}

private func closeDescriptor(_ fd: Int32) {
    _ = close(fd)
}
