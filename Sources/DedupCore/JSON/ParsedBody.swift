/// A request's body read as JSON once, for every step that reads it: Slack's handshake, then the
/// key rules, routes and `order_by`.
///
/// A body that claims JSON but does not parse keeps its error here, to be raised where the key
/// rules run: the steps before them (rate limit included) still answer as they would.
public struct ParsedBody: Sendable {
    private let result: Result<JSONValue?, DerivationError>

    public init(_ request: WebhookRequest) {
        result = Result { () throws(DerivationError) -> JSONValue? in
            JSONBody.isJSON(contentType: request.contentType, body: request.body) ? try JSONBody.parse(request.body) : nil
        }
    }

    /// The tree; nil when the body is not JSON by its content type.
    func json() throws(DerivationError) -> JSONValue? {
        try result.get()
    }
}
