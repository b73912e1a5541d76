/// The request headers of one delivery attempt.
///
/// The sender's forwarded headers go first, minus hop-by-hop headers (they describe the sender's
/// connection, not the message, and the HTTP client sets its own) and minus any header delivery sets
/// itself, so a sender cannot spoof the dedup key or the attempt number. Then the entry's content
/// type and the dedup headers: `Idempotency-Key` lets the downstream drop the rare second delivery
/// that at-least-once allows.
enum DeliveryHeaders {
    /// Lowercase names never forwarded.
    static let dropped: Set<String> = [
        // hop-by-hop (RFC 9110 7.6.1) and framing
        "connection", "keep-alive", "proxy-connection", "proxy-authenticate", "proxy-authorization", "te", "trailer",
        "transfer-encoding", "upgrade", "host", "content-length", "expect",
        // set below from the entry
        "content-type", "idempotency-key", "x-dedup-key", "x-dedup-source", "x-dedup-entry-id", "x-delivery-attempt",
    ]

    /// `extra`: the destination's own headers (a bot's token); they replace a forwarded header of the
    /// same name but never the dedup headers.
    static func make(for entry: StreamEntry, attempt: Int, extra: [(name: String, value: String)] = []) -> [(name: String, value: String)] {
        let replaced = Set(extra.map { $0.name.lowercased() })
        var headers = entry.forwardedHeaders.filter { !dropped.contains($0.name.lowercased()) && !replaced.contains($0.name.lowercased()) }
        headers += extra.filter { !dropped.contains($0.name.lowercased()) }
        let contentType = entry.contentType
        if !contentType.isEmpty { headers.append(("Content-Type", contentType)) }
        let key = entry.key
        headers.append(("Idempotency-Key", key))
        headers.append(("X-Dedup-Key", key))
        headers.append(("X-Dedup-Source", entry.source))
        headers.append(("X-Dedup-Entry-Id", entry.id))
        headers.append(("X-Delivery-Attempt", String(attempt)))
        return headers
    }
}
