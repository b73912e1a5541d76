extension KeyDeriver {
    /// Delivery-id headers, most specific first: a sender that sets an explicit `Idempotency-Key`
    /// means it, `webhook-id` is the Standard Webhooks message id (stable across retries; Svix sends
    /// the same id as `svix-id`, so both name one key), and `X-GitHub-Delivery` is GitHub's. Empty
    /// values carry nothing and are skipped.
    static let deliveryHeaders: [(name: String, kind: String)] = [
        ("Idempotency-Key", "idem"),
        ("webhook-id", "webhook-id"),
        ("svix-id", "webhook-id"),
        ("X-GitHub-Delivery", "github"),
    ]

    /// Rule 2: `idem:<v>`, `webhook-id:<v>` or `github:<v>`.
    static func headerKey(_ headers: [(name: String, value: String)]) -> String? {
        for header in deliveryHeaders {
            if let value = HeaderLookup.value(header.name, in: headers) {
                return DedupKey.make(kind: header.kind, values: [value])
            }
        }
        return nil
    }
}
