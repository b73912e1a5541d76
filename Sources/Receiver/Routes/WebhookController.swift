import DedupCore
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOFoundationCompat
import RedisClient

/// `POST /webhook[/{source}[/...]]`: the path of every webhook, top to bottom —
/// source → body → auth → handshake → rate limit → key rules → accept script → answer; and
/// `GET /webhook/{source}`, Meta's subscribe handshake.
struct WebhookController<Context: RequestContext>: Sendable {
    let configuration: ReceiverConfiguration
    let deriver: KeyDeriver
    let store: AcceptStore
    let rateLimiter: RateLimiter
    let metrics: ReceiverMetrics

    func addRoutes(to router: Router<Context>) {
        router.post("webhook") { request, context in
            try await receive(request, context: context, source: "default", path: "")
        }
        router.post("webhook/:source") { request, context in
            try await receive(request, context: context, source: context.parameters.get("source") ?? "", path: "")
        }
        router.post("webhook/:source/**") { request, context in
            let rest = context.parameters.getCatchAll().joined(separator: "/")
            return try await receive(request, context: context, source: context.parameters.get("source") ?? "", path: "/" + rest)
        }
        router.get("webhook/:source") { request, context in
            let source = context.parameters.get("source") ?? ""
            return try await answer(context: context, source: source) { try subscribe(request, source: source) }
        }
    }

    /// Answers one POST.
    func receive(_ request: Request, context: Context, source: String, path: String) async throws -> Response {
        try await answer(context: context, source: source) {
            try await handle(request, context: context, source: source, path: path)
        }
    }

    /// Runs one request's handler; every outcome is counted, and every rejection logged once with its
    /// reason.
    private func answer(context: Context, source: String, _ handler: () async throws -> (Response, Outcome)) async throws -> Response {
        let start = ContinuousClock.now
        do {
            let (response, outcome) = try await handler()
            metrics.record(source: source, outcome: outcome, nanoseconds: Self.nanoseconds(since: start))
            return response
        } catch let error as ReceiverError {
            metrics.record(source: source, outcome: error.outcome, nanoseconds: Self.nanoseconds(since: start))
            context.logger.notice(
                "webhook rejected",
                metadata: [
                    "source": "\(SourceName.forLog(source))", "status": "\(error.status.code)", "reason": "\(error.code)",
                    "detail": "\(error.message)",
                ])
            throw error
        }
    }

    private func handle(_ request: Request, context: Context, source: String, path: String) async throws -> (Response, Outcome) {
        guard SourceName.isValid(source) else { throw ReceiverError.invalidSource(source) }
        let rule = configuration.sources.rule(for: source)
        let webhook = try await readWebhook(request, source: source, path: path, query: rule?.auth?.readsQuery == true)
        if let auth = rule?.auth, !AuthVerifier().verify(rule: auth, headers: webhook.headers, body: webhook.body, query: webhook.query, now: Date())
        {
            throw ReceiverError.unauthorized("missing or wrong credentials for source \"\(source)\"")
        }
        // Parsed once, for Slack's handshake and the key rules; a body that claims JSON but does not
        // parse is answered 400 where the key rules run, after the rate limit, as before.
        let body = ParsedBody(webhook)
        if rule?.profile?.handshake == .slackURLVerification, let challenge = SlackURLVerification.challenge(in: body) {
            return (Self.challengeResponse(challenge, json: true), .handshake)
        }
        if let header = rule?.profile?.retryHeader, let attempt = webhook.header(header) {
            metrics.recordSenderRetry(source: source, attempt: attempt)
        }
        if let limit = rule?.rateLimit {
            let decision: RateLimiter.Decision
            do {
                decision = try await rateLimiter.check(source: source, rule: limit)
            } catch {
                metrics.recordRedisError()
                throw ReceiverError.storeUnavailable(error.description)
            }
            if case .limited(let retryAfter) = decision { throw ReceiverError.rateLimited(retryAfter: retryAfter) }
        }

        let derivation: Derivation
        do {
            derivation = try deriver.derive(webhook, body: body)
        } catch .invalidJSON(let detail) {
            throw ReceiverError.invalidJSON(detail)
        }

        let receivedAt = Int64(Date().timeIntervalSince1970 * 1000)
        let headersJSON = Self.forwardedHeadersJSON(webhook.headers, auth: rule?.auth)
        let requests = derivation.items.map { item in
            let placement = configuration.sources.placement(of: item, source: source, path: path, headers: webhook.headers)
            return AcceptRequest(
                source: source, key: item.key, ttl: derivation.ttl ?? configuration.dedupTTL, path: path,
                receivedAt: receivedAt, contentType: webhook.contentType ?? "", headersJSON: headersJSON, body: item.body,
                entryPoint: item.entryPoint, destinations: placement.destinations, ordering: placement.ordering)
        }
        let results: [AcceptResult]
        do {
            results = try await store.accept(requests)
        } catch {
            metrics.recordRedisError()
            throw ReceiverError.storeUnavailable(error.description)
        }
        for (item, result) in zip(derivation.items, results) where !result.isNew {
            metrics.recordDuplicate(source: source, entryPoint: item.entryPoint)
        }
        for (request, result) in zip(requests, results) where result.isNew && request.destinations.isEmpty {
            metrics.recordUnrouted(source: source)
        }
        let answer = WebhookAnswer(keys: derivation.items.map(\.key), results: results, isBatch: derivation.isBatch)
        let outcome: Outcome =
            switch answer.status {
            case .accepted: .accepted
            case .duplicate: .duplicate
            case .partial: .partial
            }
        return (answer.response, outcome)
    }

    /// Meta's `GET ?hub.mode=subscribe&hub.verify_token=T&hub.challenge=C` (``MetaSubscribe``): C as
    /// text when T is the source's verify token, else 403. Redis is not touched either way.
    private func subscribe(_ request: Request, source: String) throws -> (Response, Outcome) {
        guard SourceName.isValid(source) else { throw ReceiverError.invalidSource(source) }
        let rule = configuration.sources.rule(for: source)
        guard rule?.profile?.handshake == .metaSubscribe else { throw ReceiverError.noHandshake(source) }
        let query = request.uri.queryParameters.map { (name: String($0.key), value: String($0.value)) }
        guard let challenge = MetaSubscribe.challenge(query: query, verifyToken: rule?.verifyToken) else {
            throw ReceiverError.forbidden("subscribe handshake for source \"\(source)\" without the right verify token")
        }
        return (Self.challengeResponse(challenge, json: false), .handshake)
    }

    /// A handshake's answer: the challenge as text (Meta), or `{"challenge":C}` (Slack).
    static func challengeResponse(_ challenge: String, json: Bool) -> Response {
        guard json else {
            return Response(
                status: .ok, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: challenge)))
        }
        var body = JSONWriter(capacity: 32 + challenge.utf8.count)
        body.raw(#"{"challenge":"#)
        body.string(challenge)
        body.raw("}")
        return JSONResponse.make(.ok, json: body)
    }

    /// Reads the body up to the limit: a declared length over it is refused before reading a byte, and
    /// a body that grows past it while arriving (chunked) is cut off there. Both are the same
    /// ``ReceiverError/bodyTooLarge(limit:)``: NIO reports the second as `NIOTooManyBytesError`, which
    /// Hummingbird would otherwise answer itself, with an empty body and unlogged, uncounted. The
    /// query parameters are copied only when `query` says the source's signature reads them.
    private func readWebhook(_ request: Request, source: String, path: String, query: Bool) async throws -> WebhookRequest {
        let limit = configuration.maxBodyBytes
        if let declared = request.headers[.contentLength].flatMap({ Int($0) }), declared > limit {
            throw ReceiverError.bodyTooLarge(limit: limit)
        }
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw ReceiverError.bodyTooLarge(limit: limit)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw ReceiverError.bodyTooLarge(limit: limit)
        }
        return WebhookRequest(
            source: source,
            path: path,
            contentType: request.headers[.contentType],
            headers: request.headers.map { (name: $0.name.canonicalName, value: $0.value) },
            body: Data(buffer: buffer, byteTransferStrategy: .noCopy),
            query: query ? request.uri.queryParameters.map { (name: String($0.key), value: String($0.value)) } : []
        )
    }

    /// The request headers as a JSON object (name → value; repeated names joined with ", "), names
    /// sorted. Written by hand: `JSONSerialization` took ~15% of the receiver's CPU here.
    static func forwardedHeadersJSON(_ headers: [(name: String, value: String)], auth: AuthRule?) -> Data {
        let tokenHeader = auth.flatMap { $0.kind == .token ? $0.header.lowercased() : nil }
        var fields: [(name: String, value: String)] = []
        fields.reserveCapacity(headers.count)
        for field in headers {
            let name = field.name
            if unforwardedHeaders.contains(name) || name == tokenHeader { continue }
            if let existing = fields.firstIndex(where: { $0.name == name }) {
                fields[existing].value += ", " + field.value
            } else {
                fields.append((name, field.value))
            }
        }
        fields.sort { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
        var json = JSONWriter(capacity: 64 * (fields.count + 1))
        json.raw("{")
        for (position, field) in fields.enumerated() {
            if position > 0 { json.raw(",") }
            json.string(field.name)
            json.raw(":")
            json.string(field.value)
        }
        json.raw("}")
        return Data(json.bytes)
    }

    private static func nanoseconds(since start: ContinuousClock.Instant) -> Int64 {
        let elapsed = ContinuousClock.now - start
        return elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000
    }
}

/// Headers not forwarded downstream: hop-by-hop ones, and credentials meant for this gateway.
private let unforwardedHeaders: Set<String> = [
    "host", "content-length", "connection", "keep-alive", "transfer-encoding", "upgrade", "te", "trailer",
    "proxy-connection", "proxy-authorization", "authorization", "cookie",
]
