internal import Crypto
internal import Foundation

/// Twilio's `X-Twilio-Signature`, as its `RequestValidator` computes it: the base64 HMAC of the
/// URL Twilio called followed by every form field as `name` + `value`, names sorted, each name's
/// distinct values sorted (code point order). HMAC-SHA1 with the account's auth token, or
/// HMAC-SHA256 when `X-Twilio-Webhooks-Signature-Settings` says `algorithm=HMAC_SHA256`.
///
/// Like Twilio's libraries, the URL is tried as written and with its port toggled (the default port
/// added, or an explicit one removed), since Twilio does not sign ports consistently.
enum TwilioSignature {
    static func verify(_ rule: AuthRule, _ headers: [(name: String, value: String)], _ body: Data) -> Bool {
        guard let url = rule.publicURL, let value = HeaderLookup.value(rule.header, in: headers),
            let signature = Base64.decode(value)
        else { return false }
        let sha256 = algorithm(HeaderLookup.value("X-Twilio-Webhooks-Signature-Settings", in: headers)) == "HMAC_SHA256"
        let fields = signedFields(FormBody(body))
        let key = SymmetricKey(data: rule.secret.bytes)
        var matched = false
        for candidate in [url, togglingPort(url)] {
            let content = Array((candidate + fields).utf8)
            let valid =
                sha256
                ? HMAC<SHA256>.isValidAuthenticationCode(signature, authenticating: content, using: key)
                : HMAC<Insecure.SHA1>.isValidAuthenticationCode(signature, authenticating: content, using: key)
            if valid { matched = true }
        }
        return matched
    }

    /// `name1value1name1value2name2...`: names sorted, each name's distinct values sorted.
    static func signedFields(_ form: FormBody) -> String {
        var values: [String: Set<String>] = [:]
        for field in form.fields { values[field.name, default: []].insert(field.value) }
        var out = ""
        for name in values.keys.sorted(by: codePointOrder) {
            for value in values[name]!.sorted(by: codePointOrder) {
                out += name
                out += value
            }
        }
        return out
    }

    /// The `algorithm=` of the settings header; absent means Twilio's legacy HMAC-SHA1.
    static func algorithm(_ settings: String?) -> String {
        for part in (settings ?? "").split(separator: ",") {
            let pieces = part.split(separator: "=", maxSplits: 1)
            if pieces.count == 2, pieces[0].trimmingSpaces == "algorithm" {
                return String(pieces[1].trimmingSpaces).uppercased()
            }
        }
        return "HMAC_SHA1"
    }

    /// Python's string order, which Twilio's libraries sort by: code points, i.e. UTF-8 bytes.
    private static func codePointOrder(_ lhs: String, _ rhs: String) -> Bool {
        lhs.utf8.lexicographicallyPrecedes(rhs.utf8)
    }

    /// `https://host/path` ⇄ `https://host:443/path` (80 for http).
    static func togglingPort(_ url: String) -> String {
        guard let schemeEnd = url.range(of: "://") else { return url }
        let rest = url[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        let scheme = url[..<schemeEnd.lowerBound].lowercased()
        let host: Substring
        if let colon = authority.lastIndex(of: ":"), !authority.hasSuffix("]") {
            host = authority[..<colon]
        } else {
            host = authority + (scheme == "https" ? ":443" : ":80")
        }
        return String(url[..<schemeEnd.upperBound]) + host + rest[authorityEnd...]
    }
}
