import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// A real local HTTP server standing in for the downstream: records every request and answers as
/// the test says (status and delay chosen per entry and per time that entry was seen).
final class RecordingSink: Sendable {
    struct Request: Sendable {
        var entryID: String
        var attemptHeader: Int?
        /// Header names lowercased.
        var headers: [String: String]
        var body: [UInt8]
        var status: Int
        var at: ContinuousClock.Instant
    }

    /// How to answer the `seen`-th request (1-based) for an entry.
    typealias Behavior = @Sendable (_ entryID: String, _ seen: Int) -> (status: Int, delay: Duration)

    private let state = Locked<(requests: [Request], seen: [String: Int], behavior: Behavior, retryAfter: String?)>(
        (requests: [], seen: [:], behavior: { _, _ in (200, .zero) }, retryAfter: nil))

    init(_ behavior: @escaping Behavior = { _, _ in (200, .zero) }) {
        setBehavior(behavior)
    }

    func setBehavior(_ behavior: @escaping Behavior) {
        state.withLock { $0.behavior = behavior }
    }

    /// Sent as `Retry-After` with every 429 and 503 answer.
    func setRetryAfter(_ value: String?) {
        state.withLock { $0.retryAfter = value }
    }

    var requests: [Request] { state.withLock { $0.requests } }

    /// Requests answered 2xx.
    var delivered: [Request] { requests.filter { (200..<300).contains($0.status) } }

    /// Runs the sink on a free loopback port for the duration of `body`, which gets its URL.
    func run<T: Sendable>(_ body: @Sendable (URL) async throws -> T) async throws -> T {
        let router = Router()
        router.post("hook") { request, _ -> Response in
            let buffer = try await request.body.collect(upTo: 16 << 20)
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName] = field.value }
            let entryID = headers["x-dedup-entry-id"] ?? ""
            let (status, delay, retryAfter) = self.state.withLock { state -> (Int, Duration, String?) in
                state.seen[entryID, default: 0] += 1
                let (status, delay) = state.behavior(entryID, state.seen[entryID]!)
                return (status, delay, status == 429 || status == 503 ? state.retryAfter : nil)
            }
            if delay > .zero { try await Task.sleep(for: delay) }
            let record = Request(
                entryID: entryID, attemptHeader: headers["x-delivery-attempt"].flatMap { Int($0) }, headers: headers,
                body: Array(buffer.readableBytesView), status: status, at: .now)
            self.state.withLock { $0.requests.append(record) }
            var answerHeaders = HTTPFields()
            if let retryAfter { answerHeaders[.retryAfter] = retryAfter }
            return Response(
                status: .init(code: status), headers: answerHeaders, body: .init(byteBuffer: ByteBuffer(string: status == 200 ? "ok" : "nope")))
        }
        let (ports, portContinuation) = AsyncStream<Int>.makeStream()
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in portContinuation.yield(channel.localAddress?.port ?? 0) },
            logger: testLogger("sink"))
        return try await withRunningServices([app]) {
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { throw CancellationError() }
            return try await body(URL(string: "http://127.0.0.1:\(port)/hook")!)
        }
    }
}

/// Runs `services` in a ServiceGroup while `body` runs, then shuts them down gracefully and waits.
func withRunningServices<T: Sendable>(_ services: [any Service], _ body: @Sendable () async throws -> T) async throws -> T {
    let group = ServiceGroup(services: services, logger: testLogger("services"))
    return try await withThrowingTaskGroup(of: T?.self) { tasks in
        tasks.addTask {
            try await group.run()
            return nil
        }
        let result: Result<T, any Error>
        do {
            result = .success(try await body())
        } catch {
            result = .failure(error)
        }
        await group.triggerGracefulShutdown()
        try await tasks.waitForAll()
        return try result.get()
    }
}

/// A value behind a lock, for test doubles shared with server handlers.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func withLock<T>(_ body: (inout Value) throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
