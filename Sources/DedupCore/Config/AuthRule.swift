/// How a source proves its requests are genuine; checked by ``AuthVerifier``.
public struct AuthRule: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        /// A shared token in ``AuthRule/header`` (default `Authorization`), bare or as `Bearer <token>`.
        case token
        /// Meta: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app secret, raw body)>`.
        case meta
        /// GitHub: the same `X-Hub-Signature-256` scheme as Meta.
        case github
        /// Standard Webhooks: `webhook-id`/`webhook-timestamp`/`webhook-signature`, secret `whsec_<base64>`.
        case standardWebhooks = "standard-webhooks"
        /// Stripe: `Stripe-Signature: t=<ts>,v1=<hex HMAC-SHA256(secret, "<ts>.<body>")>` (several
        /// `v1` allowed), `t` within 5 minutes.
        case stripe
        /// Slack: `X-Slack-Signature: v0=<hex HMAC-SHA256(secret, "v0:<ts>:<body>")>` with
        /// `X-Slack-Request-Timestamp` within 5 minutes.
        case slack
        /// Shopify: `X-Shopify-Hmac-Sha256: <base64 HMAC-SHA256(secret, raw body)>`.
        case shopify
        /// Twilio: `X-Twilio-Signature: <base64 HMAC-SHA1(auth token, public URL + sorted form
        /// fields)>` (HMAC-SHA256 when `X-Twilio-Webhooks-Signature-Settings` names it).
        case twilio
        /// Square: `x-square-hmacsha256-signature: <base64 HMAC-SHA256(signature key, notification
        /// URL + raw body)>`.
        case square
        /// Mercado Pago: `x-signature: ts=<ts>,v1=<hex HMAC-SHA256(secret,
        /// "id:<data.id>;request-id:<x-request-id>;ts:<ts>;")>`, `data.id` from the URL's query.
        case mercadopago
        /// WAHA: `X-Webhook-Hmac: <hex HMAC-SHA512(key, raw body)>` with
        /// `X-Webhook-Hmac-Algorithm: sha512`.
        case waha
    }

    public var kind: Kind
    /// The header carrying the token or signature. Fixed for every kind but `token`, `meta` and
    /// `github`.
    public var header: String
    /// For every kind but Standard Webhooks the configured string's bytes (Stripe's
    /// `whsec_...` whole, as Stripe uses it); for Standard Webhooks the
    /// base64-decoded key after `whsec_`, decoded once at load time.
    public var secret: Secret
    /// Twilio and Square: the URL the sender calls, as configured there (the source's
    /// `public_url`). Both sign that URL, not the one the receiver sees behind a load balancer that
    /// rewrites it.
    public var publicURL: String?

    public init(kind: Kind, header: String? = nil, secret: Secret, publicURL: String? = nil) {
        self.kind = kind
        self.header = header ?? Self.defaultHeader(for: kind)
        self.secret = secret
        self.publicURL = publicURL
    }

    /// Builds a rule from the secret as configured, decoding a Standard Webhooks `whsec_` secret.
    /// The error message never contains the secret.
    public init(kind: Kind, header: String? = nil, configuredSecret: String) throws(ConfigError) {
        guard !configuredSecret.isEmpty else { throw ConfigError("secret is empty") }
        switch kind {
        case .token, .meta, .github, .stripe, .slack, .shopify, .twilio, .square, .mercadopago, .waha:
            self.init(kind: kind, header: header, secret: Secret(configuredSecret))
        case .standardWebhooks:
            let encoded = configuredSecret.hasPrefix("whsec_") ? String(configuredSecret.dropFirst(6)) : configuredSecret
            guard let key = Base64.decode(encoded), !key.isEmpty else {
                throw ConfigError("secret must be \"whsec_\" followed by base64")
            }
            self.init(kind: kind, header: header, secret: Secret(bytes: key))
        }
    }

    /// Whether the check reads the URL's query (Mercado Pago signs `data.id` from it), so the
    /// receiver copies the query parameters only for a source whose signature covers them.
    public var readsQuery: Bool {
        kind == .mercadopago
    }

    public static func defaultHeader(for kind: Kind) -> String {
        switch kind {
        case .token: "Authorization"
        case .meta, .github: "X-Hub-Signature-256"
        case .standardWebhooks: "webhook-signature"
        case .stripe: "Stripe-Signature"
        case .slack: "X-Slack-Signature"
        case .shopify: "X-Shopify-Hmac-Sha256"
        case .twilio: "X-Twilio-Signature"
        case .square: "x-square-hmacsha256-signature"
        case .mercadopago: "x-signature"
        case .waha: "X-Webhook-Hmac"
        }
    }
}
