internal import Crypto
public import Foundation

/// Checks a request against a source's ``AuthRule``. Pure: the clock is a parameter.
///
/// Every comparison of a secret-derived value is constant-time (Crypto's MAC equality, or
/// ``ConstantTime/equals(_:_:)`` for tokens), so response timing does not reveal how much of a
/// forged signature was right. Only lengths may differ in timing, and those are public.
public struct AuthVerifier: Sendable {
    /// The replay window of the timestamped schemes (Standard Webhooks, Stripe, Slack: each sender
    /// documents 5 minutes): timestamps further than this from `now` are rejected.
    public static let timestampTolerance: TimeInterval = 300

    public init() {}

    /// - Parameter query: the URL's query parameters, read only by Mercado Pago's signature.
    public func verify(
        rule: AuthRule, headers: [(name: String, value: String)], body: Data, query: [(name: String, value: String)] = [], now: Date
    ) -> Bool {
        switch rule.kind {
        case .token:
            return verifyToken(rule, headers)
        case .meta, .github:
            return verifyHubSignature(rule, headers, body)
        case .standardWebhooks:
            return verifyStandardWebhooks(rule, headers, body, now)
        case .stripe:
            return verifyStripe(rule, headers, body, now)
        case .slack:
            return verifySlack(rule, headers, body, now)
        case .shopify:
            return verifyShopify(rule, headers, body)
        case .twilio:
            return TwilioSignature.verify(rule, headers, body)
        case .square:
            return verifySquare(rule, headers, body)
        case .mercadopago:
            return verifyMercadoPago(rule, headers, query)
        case .waha:
            return verifyWAHA(rule, headers, body)
        }
    }

    /// The token bare or as `Bearer <token>` (scheme case-insensitive), since senders differ.
    private func verifyToken(_ rule: AuthRule, _ headers: [(name: String, value: String)]) -> Bool {
        guard let value = HeaderLookup.value(rule.header, in: headers) else { return false }
        let bare = ConstantTime.equals(Array(value.utf8), rule.secret.bytes)
        var bearer = false
        if value.utf8.count > 7, value.prefix(7).lowercased() == "bearer " {
            bearer = ConstantTime.equals(Array(value.dropFirst(7).utf8), rule.secret.bytes)
        }
        return bare || bearer
    }

    /// `sha256=<hex HMAC-SHA256(secret, raw body)>`, as Meta and GitHub send it.
    private func verifyHubSignature(_ rule: AuthRule, _ headers: [(name: String, value: String)], _ body: Data) -> Bool {
        guard let value = HeaderLookup.value(rule.header, in: headers) else { return false }
        let prefix = "sha256="
        guard value.utf8.count == prefix.utf8.count + 64, value.lowercased().hasPrefix(prefix),
            let signature = Hex.decode(value.dropFirst(prefix.count))
        else { return false }
        return HMAC<SHA256>.isValidAuthenticationCode(signature, authenticating: body, using: SymmetricKey(data: rule.secret.bytes))
    }

    /// Standard Webhooks: HMAC-SHA256 over `id.timestamp.body`, base64 in `webhook-signature`, which
    /// may list several space-separated `v1,<sig>` entries during a key rotation; any match passes.
    /// Svix sends the same three headers named `svix-id`, `svix-timestamp`, `svix-signature`; they
    /// are read when the `webhook-` set is absent.
    private func verifyStandardWebhooks(_ rule: AuthRule, _ headers: [(name: String, value: String)], _ body: Data, _ now: Date) -> Bool {
        let prefix = HeaderLookup.value("webhook-id", in: headers) != nil ? "webhook" : "svix"
        guard let id = HeaderLookup.value("\(prefix)-id", in: headers),
            let timestamp = HeaderLookup.value("\(prefix)-timestamp", in: headers),
            let signatures = HeaderLookup.value("\(prefix)-signature", in: headers),
            isRecent(timestamp, now)
        else { return false }
        let expected = hmacSHA256(rule, prefix: "\(id).\(timestamp).", body)
        var matched = false
        for entry in signatures.split(separator: " ", omittingEmptySubsequences: true) {
            guard entry.hasPrefix("v1,"), let candidate = Base64.decode(entry.dropFirst(3)) else { continue }
            // Check every entry, so timing does not tell which one matched.
            if expected == candidate { matched = true }
        }
        return matched
    }

    /// Stripe: HMAC-SHA256 over `t.body`, hex in the `v1` entries of `Stripe-Signature`
    /// (``TimestampedSignatureHeader``); any `v1` may match, since Stripe signs with old and new secret
    /// while one is rolled.
    private func verifyStripe(_ rule: AuthRule, _ headers: [(name: String, value: String)], _ body: Data, _ now: Date) -> Bool {
        guard let value = HeaderLookup.value(rule.header, in: headers), let header = TimestampedSignatureHeader(value),
            isRecent(header.timestamp, now)
        else { return false }
        let expected = hmacSHA256(rule, prefix: "\(header.timestamp).", body)
        var matched = false
        for candidate in header.signatures where expected == candidate {
            matched = true
        }
        return matched
    }

    /// Slack: `v0=` and the hex HMAC-SHA256 over `v0:<X-Slack-Request-Timestamp>:<body>`.
    private func verifySlack(_ rule: AuthRule, _ headers: [(name: String, value: String)], _ body: Data, _ now: Date) -> Bool {
        guard let value = HeaderLookup.value(rule.header, in: headers),
            let timestamp = HeaderLookup.value("X-Slack-Request-Timestamp", in: headers), isRecent(timestamp, now),
            value.utf8.count == 3 + 64, value.hasPrefix("v0="), let signature = Hex.decode(value.dropFirst(3))
        else { return false }
        return hmacSHA256(rule, prefix: "v0:\(timestamp):", body) == signature
    }

    /// Shopify: the base64 HMAC-SHA256 of the raw body. Shopify signs no timestamp, so a captured
    /// request can be replayed; within the window the replay is answered `duplicate` by its
    /// `X-Shopify-Event-Id` key.
    private func verifyShopify(_ rule: AuthRule, _ headers: [(name: String, value: String)], _ body: Data) -> Bool {
        guard let value = HeaderLookup.value(rule.header, in: headers), let signature = Base64.decode(value) else { return false }
        return hmacSHA256(rule, prefix: "", body) == signature
    }

    /// Square: the base64 HMAC-SHA256 of the notification URL (`public_url`) followed by the raw
    /// body. No timestamp is signed; a replay within the window is a duplicate by its `event_id`.
    private func verifySquare(_ rule: AuthRule, _ headers: [(name: String, value: String)], _ body: Data) -> Bool {
        guard let url = rule.publicURL, let value = HeaderLookup.value(rule.header, in: headers), let signature = Base64.decode(value)
        else { return false }
        return hmacSHA256(rule, prefix: url, body) == signature
    }

    /// Mercado Pago: `x-signature: ts=<ts>,v1=<hex>`, the HMAC-SHA256 of the manifest
    /// `id:<data.id>;request-id:<x-request-id>;ts:<ts>;`, where `data.id` comes from the URL's query
    /// (lowercased when alphanumeric, as Mercado Pago's docs say) and a part whose value is missing is
    /// left out. The body is not signed. The timestamp is not held to a window: Mercado Pago
    /// documents none, and its retries span 4 days.
    private func verifyMercadoPago(_ rule: AuthRule, _ headers: [(name: String, value: String)], _ query: [(name: String, value: String)]) -> Bool {
        guard let value = HeaderLookup.value(rule.header, in: headers), let header = TimestampedSignatureHeader(value, timestampName: "ts")
        else { return false }
        var manifest = ""
        if let id = query.first(where: { $0.name == "data.id" })?.value, !id.isEmpty {
            let alphanumeric = id.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0)) }
            manifest += "id:\(alphanumeric ? id.lowercased() : id);"
        }
        if let requestID = HeaderLookup.value("x-request-id", in: headers) { manifest += "request-id:\(requestID);" }
        manifest += "ts:\(header.timestamp);"
        let expected = hmacSHA256(rule, prefix: manifest, Data())
        var matched = false
        for candidate in header.signatures where expected == candidate {
            matched = true
        }
        return matched
    }

    /// WAHA: the hex HMAC-SHA512 of the raw body. WAHA names the algorithm in
    /// `X-Webhook-Hmac-Algorithm`; any other than `sha512` (the only one it uses) is refused rather
    /// than guessed.
    private func verifyWAHA(_ rule: AuthRule, _ headers: [(name: String, value: String)], _ body: Data) -> Bool {
        if let algorithm = HeaderLookup.value("X-Webhook-Hmac-Algorithm", in: headers), algorithm.lowercased() != "sha512" { return false }
        guard let value = HeaderLookup.value(rule.header, in: headers), value.utf8.count == 128, let signature = Hex.decode(value)
        else { return false }
        return HMAC<SHA512>.isValidAuthenticationCode(signature, authenticating: body, using: SymmetricKey(data: rule.secret.bytes))
    }

    /// A Unix timestamp in seconds within ``timestampTolerance`` of `now`, either way.
    private func isRecent(_ timestamp: some StringProtocol, _ now: Date) -> Bool {
        guard let seconds = Int64(timestamp) else { return false }
        return abs(now.timeIntervalSince1970 - Double(seconds)) <= Self.timestampTolerance
    }

    /// HMAC-SHA256 of `prefix` then the body, computed incrementally so the body is never copied into
    /// a signed-content buffer. Compared with `==` on the MAC type, which is constant-time.
    private func hmacSHA256(_ rule: AuthRule, prefix: String, _ body: Data) -> HashedAuthenticationCode<SHA256> {
        var hmac = HMAC<SHA256>(key: SymmetricKey(data: rule.secret.bytes))
        hmac.update(data: Array(prefix.utf8))
        hmac.update(data: body)
        return hmac.finalize()
    }
}
