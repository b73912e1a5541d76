internal import Crypto
public import Foundation

/// Checks a request against a source's ``AuthRule``. Pure: the clock is a parameter.
///
/// Every comparison of a secret-derived value is constant-time (Crypto's MAC equality, or
/// ``ConstantTime/equals(_:_:)`` for tokens), so response timing does not reveal how much of a
/// forged signature was right. Only lengths may differ in timing, and those are public.
public struct AuthVerifier: Sendable {
    /// Standard Webhooks' replay window: timestamps further than this from `now` are rejected.
    public static let standardWebhooksTolerance: TimeInterval = 300

    public init() {}

    public func verify(rule: AuthRule, headers: [(name: String, value: String)], body: Data, now: Date) -> Bool {
        switch rule.kind {
        case .token:
            return verifyToken(rule, headers)
        case .meta, .github:
            return verifyHubSignature(rule, headers, body)
        case .standardWebhooks:
            return verifyStandardWebhooks(rule, headers, body, now)
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
    private func verifyStandardWebhooks(_ rule: AuthRule, _ headers: [(name: String, value: String)], _ body: Data, _ now: Date) -> Bool {
        guard let id = HeaderLookup.value("webhook-id", in: headers),
            let timestamp = HeaderLookup.value("webhook-timestamp", in: headers),
            let signatures = HeaderLookup.value("webhook-signature", in: headers),
            let seconds = Int64(timestamp)
        else { return false }
        guard abs(now.timeIntervalSince1970 - Double(seconds)) <= Self.standardWebhooksTolerance else { return false }
        // Incremental HMAC: the body is not copied into a signed-content buffer.
        var hmac = HMAC<SHA256>(key: SymmetricKey(data: rule.secret.bytes))
        hmac.update(data: Array("\(id).\(timestamp).".utf8))
        hmac.update(data: body)
        let expected = hmac.finalize()
        var matched = false
        for entry in signatures.split(separator: " ", omittingEmptySubsequences: true) {
            guard entry.hasPrefix("v1,"), let candidate = Base64.decode(entry.dropFirst(3)) else { continue }
            // Check every entry, so timing does not tell which one matched.
            if expected == candidate { matched = true }
        }
        return matched
    }
}
