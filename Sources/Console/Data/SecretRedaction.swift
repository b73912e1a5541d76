import Foundation

/// Hides secrets before anything reaches the page: the forwarded headers of a message can carry the
/// sender's credentials (an Evolution `apikey`, a signature, a bearer token), and bodies of some
/// senders carry API keys too. Names are matched loosely on purpose: showing `[redacted]` for a
/// harmless header costs nothing, showing a secret costs a rotation.
enum SecretRedaction {
    static let marker = "[redacted]"
    private static let sensitiveParts = [
        "authorization", "cookie", "token", "secret", "signature", "apikey", "api-key", "api_key", "password", "hmac",
        "auth", "session", "credential",
    ]

    static func isSensitive(headerName name: String) -> Bool {
        let lowered = name.lowercased()
        return sensitiveParts.contains { lowered.contains($0) }
    }

    /// Header name to value, with sensitive values replaced.
    static func headers(_ headers: [(name: String, value: String)]) -> [String: String] {
        var shown: [String: String] = [:]
        for header in headers { shown[header.name] = isSensitive(headerName: header.name) ? marker : header.value }
        return shown
    }

    private static let bodySecret = try? NSRegularExpression(
        pattern: #"("[A-Za-z_-]*(?:apikey|api_key|api-key|token|secret|password|authorization)[A-Za-z_-]*"\s*:\s*)"(?:[^"\\]|\\.)*""#,
        options: [.caseInsensitive])

    /// The first `limit` characters of a text body with JSON string members whose names look like
    /// secrets replaced; a binary body as a byte count.
    static func bodyPreview(_ body: [UInt8], limit: Int = 600) -> String {
        guard let text = String(validating: body, as: UTF8.self) else { return "(\(body.count) bytes, not UTF-8)" }
        var shown = text
        if let bodySecret {
            shown = bodySecret.stringByReplacingMatches(
                in: text, range: NSRange(text.startIndex..., in: text), withTemplate: "$1\"\(marker)\"")
        }
        return shown.count > limit ? String(shown.prefix(limit)) + "…" : shown
    }
}
