import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// POSTs each entry to the downstream URL with one shared `HTTPClient`.
///
/// The pool keeps up to `concurrency` keep-alive connections, one per attempt in flight. A refused
/// connection fails the attempt at once rather than being retried inside the client: the deliverer's
/// own backoff decides when to try again. Redirects are not followed (a 3xx is a failure): re-sending
/// a webhook somewhere else is the operator's decision, not the client's.
struct HTTPDownstream: Downstream {
    private let client: HTTPClient
    private let url: String
    private let timeout: Duration
    /// The destination's own headers, set after the entry's (``DeliveryHeaders``).
    private let extraHeaders: [(name: String, value: String)]

    init(url: URL, concurrency: Int, timeout: Duration, headers: [(name: String, value: String)] = []) {
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: .milliseconds(timeout.milliseconds))
        )
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: concurrency)
        configuration.connectionPool.retryConnectionEstablishment = false
        // No spans to record. The default no-op tracer still builds a span's attributes per request:
        // about a sixth of the deliverer's CPU at 10k deliveries/s.
        configuration.tracing.tracer = nil
        self.client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        self.url = url.absoluteString
        self.timeout = timeout
        self.extraHeaders = headers
    }

    func deliver(_ entry: StreamEntry, attempt: Int) async -> DeliveryResult {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        for header in DeliveryHeaders.make(for: entry, attempt: attempt, extra: extraHeaders) {
            request.headers.add(name: header.name, value: header.value)
        }
        request.body = .bytes(entry.body)
        do {
            let response = try await client.execute(request, timeout: .milliseconds(timeout.milliseconds))
            // Read the whole answer so the connection goes back to the pool; keep its start for the reason.
            var start: [UInt8] = []
            for try await chunk in response.body where start.count < 200 {
                start.append(contentsOf: chunk.readableBytesView.prefix(200 - start.count))
            }
            let status = response.status.code
            if (200..<300).contains(status) { return .delivered }
            let text = String(decoding: start, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            // Only "slow down" answers carry a wait worth honouring; elsewhere the header means nothing.
            let retryAfter = status == 429 || status == 503 ? response.headers.first(name: "retry-after").flatMap { RetryAfter.parse($0) } : nil
            return .failed(text.isEmpty ? "HTTP \(status)" : "HTTP \(status): \(text)", status: Int(status), retryAfter: retryAfter)
        } catch let error as HTTPClientError where Self.timeouts.contains(error) {
            return .failed("timed out after \(timeout.milliseconds) ms")
        } catch {
            return .failed(Self.describe(error))
        }
    }

    /// Every way the client reports that the attempt's time ran out, including while it waited for
    /// a connection (after a timeout the connection is closed, so the retry connects anew).
    private static let timeouts: [HTTPClientError] = [
        .deadlineExceeded, .readTimeout, .writeTimeout, .connectTimeout, .tlsHandshakeTimeout, .getConnectionFromPoolTimeout,
    ]

    func shutdown() async {
        try? await client.shutdown()
    }

    /// A one-line reason. Socket errors read as the system names them ("Connection refused"), not as
    /// NIO's description of the call that saw them.
    private static func describe(_ error: any Error) -> String {
        if let io = error as? IOError {
            return "network error: \(String(cString: strerror(io.errnoCode))) (errno \(io.errnoCode))"
        }
        return "\(error)"
    }
}
