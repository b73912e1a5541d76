import DedupCore
import HTTPTypes
import Hummingbird

/// Every non-200 answer of the receiver, as the answers table in docs/reference.md names them. Handlers throw it and
/// Hummingbird writes the JSON body `{"error":CODE,"message":...}` with the status.
struct ReceiverError: HTTPResponseError, Sendable {
    let status: HTTPResponse.Status
    let code: String
    let message: String
    /// Seconds for `Retry-After` on answers the sender should retry (429, 503).
    let retryAfter: Int?

    /// The outcome label for metrics and logs.
    var outcome: Outcome {
        switch status {
        case .tooManyRequests: return .limited
        case .serviceUnavailable: return .error
        default: return .rejected
        }
    }

    static func invalidJSON(_ detail: String) -> Self {
        .init(status: .badRequest, code: "invalid_json", message: "body is not valid JSON: \(detail)", retryAfter: nil)
    }

    static func invalidSource(_ source: String) -> Self {
        .init(
            status: .badRequest, code: "invalid_source",
            message: "source must be 1-64 characters of A-Za-z0-9._- (got \(source.count) characters)", retryAfter: nil)
    }

    static func unauthorized(_ detail: String) -> Self {
        .init(status: .unauthorized, code: "unauthorized", message: detail, retryAfter: nil)
    }

    static func forbidden(_ detail: String) -> Self {
        .init(status: .forbidden, code: "forbidden", message: detail, retryAfter: nil)
    }

    /// A GET to a source whose profile has no GET handshake (only Meta's has one).
    static func noHandshake(_ source: String) -> Self {
        .init(
            status: .methodNotAllowed, code: "method_not_allowed",
            message: "source \"\(SourceName.forLog(source))\" answers GET only with the meta profile's subscribe handshake", retryAfter: nil)
    }

    static func bodyTooLarge(limit: Int) -> Self {
        .init(status: .contentTooLarge, code: "body_too_large", message: "body exceeds \(limit) bytes", retryAfter: nil)
    }

    static func rateLimited(retryAfter: Int) -> Self {
        .init(status: .tooManyRequests, code: "rate_limited", message: "over the source's rate limit; retry later", retryAfter: retryAfter)
    }

    /// Not "nothing was recorded": a timeout can fire after Redis ran the accept script, so the
    /// message may have been recorded. Either way a retry is safe, which is what the sender needs.
    static func storeUnavailable(_ detail: String) -> Self {
        .init(
            status: .serviceUnavailable, code: "store_unavailable",
            message: "the store did not answer (\(detail)); retry later: a retry is answered as duplicate if this attempt was recorded",
            retryAfter: 1)
    }

    /// `{"error":CODE,"message":MESSAGE}`.
    var json: JSONWriter {
        var json = JSONWriter(capacity: 48 + message.utf8.count)
        json.raw(#"{"error":"#)
        json.string(code)
        json.raw(#","message":"#)
        json.string(message)
        json.raw("}")
        return json
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers: HTTPFields = [:]
        if let retryAfter { headers[.retryAfter] = String(retryAfter) }
        return JSONResponse.make(status, json: json, headers: headers)
    }
}
