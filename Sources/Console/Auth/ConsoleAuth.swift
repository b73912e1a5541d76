import Crypto
import Foundation
public import HTTPTypes

/// Who may use the console, and the CSRF token its buttons carry.
///
/// With a token configured, a request is authenticated by `Authorization: Bearer TOKEN` or by the
/// session cookie the login form sets. The cookie holds an HMAC of the token rather than the token
/// itself, so a leaked cookie value does not reveal the token (it still opens the console until the
/// token changes). Without a token (loopback only), every request is let in.
///
/// Every POST that changes data also needs `X-CSRF-Token`: a value a page from another origin cannot
/// read (it comes from `/api/session`, which answers same-origin only), so a malicious page the operator
/// visits cannot press the buttons through the operator's cookie. With a token it is derived from the
/// token, so every console process behind a load balancer agrees; without one it is random per process.
public struct ConsoleAuth: Sendable {
    public static let cookieName = "wd_console"
    public static let csrfHeader = HTTPField.Name("X-CSRF-Token")!

    private let token: String?
    /// Compares secrets through HMAC's constant-time check, never with `==`.
    private let comparisonKeyBytes: [UInt8] = SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }
    public let sessionValue: String?
    public let csrfToken: String

    public init(token: String?) {
        self.token = token
        if let token {
            let key = SymmetricKey(data: Data(token.utf8))
            sessionValue = Self.hex(HMAC<SHA256>.authenticationCode(for: Data("webhook-dedup console session".utf8), using: key))
            csrfToken = Self.hex(HMAC<SHA256>.authenticationCode(for: Data("webhook-dedup console csrf".utf8), using: key))
        } else {
            sessionValue = nil
            csrfToken = Self.hex(HMAC<SHA256>.authenticationCode(for: Data(UUID().uuidString.utf8), using: SymmetricKey(size: .bits256)))
        }
    }

    public var requiresToken: Bool { token != nil }

    /// True when the request carries the token (header) or the session cookie, or no token is set.
    public func isAuthenticated(_ headers: HTTPFields) -> Bool {
        guard let token, let sessionValue else { return true }
        if let authorization = headers[.authorization], authorization.lowercased().hasPrefix("bearer ") {
            let presented = authorization.dropFirst("bearer ".count).trimmingCharacters(in: .whitespaces)
            if matches(presented, token) { return true }
        }
        if let cookie = Self.cookie(Self.cookieName, in: headers) { return matches(cookie, sessionValue) }
        return false
    }

    /// True when the request carries this console's CSRF token.
    public func hasCSRFToken(_ headers: HTTPFields) -> Bool {
        guard let presented = headers[Self.csrfHeader] else { return false }
        return matches(presented, csrfToken)
    }

    /// True when `presented` is the token: for the login form.
    public func isToken(_ presented: String) -> Bool {
        guard let token else { return true }
        return matches(presented, token)
    }

    private func matches(_ presented: String, _ expected: String) -> Bool {
        let comparisonKey = SymmetricKey(data: comparisonKeyBytes)
        let code = HMAC<SHA256>.authenticationCode(for: Data(presented.utf8), using: comparisonKey)
        return HMAC<SHA256>.isValidAuthenticationCode(code, authenticating: Data(expected.utf8), using: comparisonKey)
    }

    static func cookie(_ name: String, in headers: HTTPFields) -> String? {
        for field in headers[values: .cookie] {
            for part in field.split(separator: ";") {
                let pair = part.split(separator: "=", maxSplits: 1)
                if pair.count == 2, pair[0].trimmingCharacters(in: .whitespaces) == name {
                    return pair[1].trimmingCharacters(in: .whitespaces)
                }
            }
        }
        return nil
    }

    private static func hex(_ code: HMAC<SHA256>.MAC) -> String {
        code.map { String(format: "%02x", $0) }.joined()
    }
}
