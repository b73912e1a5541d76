public import Foundation

/// What the receiver hands over for one POST.
///
/// Everything except `source` is kept exactly as received: signatures are computed over the raw
/// bytes, and the deliverer forwards the original body and headers, so nothing here is normalised.
public struct WebhookRequest: Sendable {
    /// The source name from `/webhook/{source}`, already validated by the router.
    public var source: String
    /// The rest of the URL after the source, e.g. Evolution's per-event `/messages-upsert`, or "".
    /// It takes no part in a key, so the same event posted to two suffixes is one message, except
    /// for a sender profile whose URL names an account (``KeyPart/path``, the telegram profile).
    public var path: String
    public var contentType: String?
    /// Headers as received; names in any case, in arrival order.
    public var headers: [(name: String, value: String)]
    public var body: Data
    /// The URL's query parameters, values percent-decoded. Only a signature that covers them reads
    /// them (Mercado Pago signs `data.id` from the query, ``AuthRule/readsQuery``), so the receiver
    /// leaves them empty for any other source; they never take part in a key.
    public var query: [(name: String, value: String)]

    public init(
        source: String, path: String, contentType: String?, headers: [(name: String, value: String)], body: Data,
        query: [(name: String, value: String)] = []
    ) {
        self.source = source
        self.path = path
        self.contentType = contentType
        self.headers = headers
        self.body = body
        self.query = query
    }

    /// The first value of the header `name` (case-insensitive), trimmed; nil when absent or empty.
    public func header(_ name: String) -> String? {
        HeaderLookup.value(name, in: headers)
    }
}
