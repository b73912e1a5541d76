import DedupCore
import Foundation

/// libFuzzer target for the key derivation (scripts/fuzz builds it with `-sanitize=fuzzer,address`).
///
/// The first bytes of an input choose the request around the body, the rest is the body:
///   byte 0: content type (application/json, none, text/plain, a `+json` type, form, blank, JSON with
///           parameters);
///   byte 1: delivery-id and signature headers (none, Idempotency-Key, webhook-id,
///           X-GitHub-Delivery, several, a huge or odd one, Stripe-Signature, svix-*, Slack's,
///           Twilio's, Shopify's), their values cut from the input;
///   byte 2: the source and its rule from a fixed set of sources files (pointers, `header:` parts,
///           `ignore`, a rule whose pointers all miss, the twilio, stripe, telegram, sendgrid and
///           evolution (`drop_apikey`) profiles),
///           or the tail of the input parsed as a sources file itself;
///   byte 3: an auth rule to check (token, Meta, GitHub, Standard Webhooks, Stripe, Slack,
///           Shopify, Twilio, WAHA, Mercado Pago) with fuzzed headers.
/// Every input is also decoded as a form body and its header value parsed as a `Stripe-Signature`,
/// the two parsers the sender profiles added.
/// A seed that starts with `{` or `[` is used whole as a JSON body with application/json, so the
/// corpus seeded from the sample bodies in examples/ reaches the Evolution and Meta rules at once.
///
/// Besides "no crash, no sanitizer report" it checks what the receiver relies on: the same request
/// derives the same keys twice, and every key is non-empty and capped at 200 bytes.
@_cdecl("LLVMFuzzerTestOneInput")
public func keyDerivationFuzzerTestOneInput(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    guard let start else { return 0 }
    let input = Data(bytes: start, count: count)
    KeyDerivationFuzzer.run(input)
    return 0
}

enum KeyDerivationFuzzer {
    static let contentTypes: [String?] = [
        "application/json", nil, "text/plain", "application/vnd.evolution+json", "application/x-www-form-urlencoded", "  ",
        "Application/JSON; charset=utf-8",
    ]

    static let sourcesFiles: [String] = [
        "",
        """
        sources:
          fuzz:
            key: ["/data/key/id", "header:X-Request-Id"]
            ttl: 60
        """,
        """
        sources:
          fuzz:
            ignore: ["/date_time", "/data/messageTimestamp", "/a~1b", "/0"]
        """,
        #"{"sources":{"fuzz":{"key":["/entry/0/id","/",""],"ignore":["/x"]}}}"#,
        #"{"sources":{"fuzz":{"key":["/missing/pointer"]}}}"#,
        #"{"sources":{"fuzz":{"key":["header:Idempotency-Key","/data/key/fromMe"]}}}"#,
        #"{"sources":{"fuzz":{"profile":"twilio"}}}"#,
        #"{"sources":{"fuzz":{"profile":"stripe"}}}"#,
        #"{"sources":{"fuzz":{"profile":"telegram"}}}"#,
        #"{"sources":{"fuzz":{"profile":"sendgrid"}}}"#,
        #"{"sources":{"fuzz":{"profile":"evolution","drop_apikey":true}}}"#,
    ]

    static let parsedSources: [SourcesConfig] = sourcesFiles.map { (try? SourcesConfig.parse($0, environment: [:])) ?? SourcesConfig() }

    static let authRules: [AuthRule?] = [
        nil,
        try? AuthRule(kind: .token, header: "X-Webhook-Token", configuredSecret: "t0ken"),
        try? AuthRule(kind: .meta, configuredSecret: "app-secret"),
        try? AuthRule(kind: .github, configuredSecret: "gh-secret"),
        try? AuthRule(kind: .standardWebhooks, configuredSecret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
        try? AuthRule(kind: .stripe, configuredSecret: "whsec_test"),
        try? AuthRule(kind: .slack, configuredSecret: "slack-secret"),
        try? AuthRule(kind: .shopify, configuredSecret: "shop-secret"),
        AuthRule(kind: .twilio, secret: Secret("12345"), publicURL: "https://hooks.example.com:8443/webhook/fuzz?x=1"),
        try? AuthRule(kind: .waha, configuredSecret: "waha-key"),
        try? AuthRule(kind: .mercadopago, configuredSecret: "mp-secret"),
    ]

    static func run(_ input: Data) {
        let bytes = [UInt8](input)
        var contentType: String? = "application/json"
        var headers: [(name: String, value: String)] = []
        var sources = SourcesConfig()
        var auth: AuthRule?
        var body = input
        if bytes.first != UInt8(ascii: "{") && bytes.first != UInt8(ascii: "["), bytes.count >= 4 {
            contentType = contentTypes[Int(bytes[0]) % contentTypes.count]
            let rest = Data(bytes[4...])
            let value = String(decoding: rest.prefix(Int(bytes[1] >> 3)), as: UTF8.self)
            switch bytes[1] % 12 {
            case 1: headers = [("Idempotency-Key", value)]
            case 2: headers = [("webhook-id", value), ("webhook-timestamp", "1700000000"), ("webhook-signature", "v1," + value)]
            case 3: headers = [("X-GitHub-Delivery", value), ("X-Hub-Signature-256", "sha256=" + value)]
            case 4: headers = [("idempotency-key", ""), ("IDEMPOTENCY-KEY", value), ("X-Request-Id", value)]
            case 5: headers = [("Idempotency-Key", String(repeating: value.isEmpty ? "k" : value, count: 64))]
            case 6: headers = [("X-Webhook-Token", value), ("Authorization", "Bearer " + value)]
            case 7: headers = [("Stripe-Signature", value)]
            case 8: headers = [("svix-id", value), ("svix-timestamp", "1700000000"), ("svix-signature", value)]
            case 9: headers = [("X-Slack-Request-Timestamp", "1700000000"), ("X-Slack-Signature", "v0=" + value), ("X-Slack-Retry-Num", value)]
            case 10:
                headers = [("X-Twilio-Signature", value), ("X-Twilio-Webhooks-Signature-Settings", value), ("I-Twilio-Idempotency-Token", value)]
            case 11: headers = [("X-Shopify-Hmac-Sha256", value), ("X-Shopify-Event-Id", value)]
            default: break
            }
            let choice = Int(bytes[2]) % (sourcesFiles.count + 1)
            if choice < sourcesFiles.count {
                sources = parsedSources[choice]
            } else {
                // The tail of the input as a sources file: the parser must fail cleanly, never crash.
                sources = (try? SourcesConfig.parse(String(decoding: rest, as: UTF8.self), environment: [:])) ?? SourcesConfig()
            }
            auth = authRules[Int(bytes[3]) % authRules.count]
            body = rest
        }
        let request = WebhookRequest(source: "fuzz", path: "/fuzz", contentType: contentType, headers: headers, body: body)
        let deriver = KeyDeriver(sources: sources)
        let first = try? deriver.derive(request)
        let second = try? deriver.derive(request)
        precondition((first == nil) == (second == nil), "derivation is not deterministic (throws once)")
        if let first, let second {
            precondition(first.items == second.items && first.rule == second.rule, "derivation is not deterministic")
            precondition(!first.items.isEmpty, "a derivation without items")
            for item in first.items {
                precondition(!item.key.isEmpty && item.key.utf8.count <= 200, "bad key: \(item.key.utf8.count) bytes")
            }
        }
        if let auth {
            let query = [(name: "data.id", value: String(decoding: body.prefix(16), as: UTF8.self))]
            _ = AuthVerifier().verify(rule: auth, headers: headers, body: body, query: query, now: Date(timeIntervalSince1970: 1_700_000_100))
        }
        let form = FormBody(body)
        precondition(form.fields.count <= body.count, "more form fields than bytes")
        if let value = headers.first?.value, let stripe = TimestampedSignatureHeader(value) {
            precondition(!stripe.signatures.isEmpty && Int64(stripe.timestamp) != nil, "a Stripe-Signature parsed without t or v1")
        }
    }
}
