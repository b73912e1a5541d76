internal import Crypto

/// Turns a request into the dedup key(s) to record, trying the rules of docs/reference.md, "Dedup
/// keys", in order:
///
/// 1. the source's rule from the sources file (``KeyRule/sourceRule``);
/// 2. the source's sender profile (``KeyRule/profile``);
/// 3. a delivery-id header (``KeyRule/header``);
/// 4. the Evolution API shape (``KeyRule/evolution``);
/// 5. the Meta WhatsApp Cloud API shape, split per item (``KeyRule/meta``);
/// 6. SHA-256 of the raw body (``KeyRule/rawBody``).
///
/// Key shapes (values encoded and capped by ``DedupKey``, `-` = missing value):
/// - `rule:<part>:<part>...` from the source's `key`, or `rule:sha256:<hex>` over the canonical
///   body minus the `ignore` pointers;
/// - `<profile>:<event id>...` from the sender profile, e.g. `stripe:evt_1`, `slack:Ev01`, one per
///   event of a SendGrid batch;
/// - `idem:<Idempotency-Key>`, `webhook-id:<webhook-id or svix-id>`, `github:<X-GitHub-Delivery>`;
/// - `evo:<instance>:<event>:<id>:<fromMe 1|0>[:stub]` for `messages.upsert`/`send.message`,
///   `evo:<instance>:messages.update:<id>:<status>`, and
///   `evo:<instance>:<event>:sha256:<hex>` for any other event (canonical body minus `date_time`);
/// - `meta:msg:<id>`, `meta:status:<id>:<status>`, and in a split batch `meta:change:sha256:<hex>`
///   for what no item envelope carries (see ``MetaNotification``);
/// - `sha256:<hex of the raw body>`.
///
/// The body is parsed at most once, by ``JSONParser``, and only when it is JSON by content type;
/// every rule reads that one tree. The body is never copied except into a new Meta envelope.
/// Measured in a release build on the 2-core dev machine: about 5 µs per derivation for a 1 KB
/// Evolution upsert and 8 µs for an event keyed by its canonical hash, against 38 µs and 195 µs
/// with `JSONSerialization` for parsing and canonical output.
public struct KeyDeriver: Sendable {
    public let sources: SourcesConfig

    public init(sources: SourcesConfig = SourcesConfig()) {
        self.sources = sources
    }

    public func derive(_ request: WebhookRequest) throws(DerivationError) -> Derivation {
        try derive(request, body: ParsedBody(request))
    }

    /// The same over the body as already parsed for the request.
    public func derive(_ request: WebhookRequest, body: ParsedBody) throws(DerivationError) -> Derivation {
        let sourceRule = sources.rule(for: request.source)
        // Parsed even when a header will give the key: a body that claims JSON but is not must be
        // answered 400 whatever keys it, and the Evolution entry point is wanted for metrics.
        let json = try body.json()
        let object = json?.objectValue.map { sourceRule?.profile?.fillingHeaderFields($0, from: request.headers) ?? $0 }
        let evolution = object.flatMap(EvolutionPayload.init)
        // Redacted from the body as sent: the header fields filled in above are for reading, not storing.
        let storedBody = sourceRule.flatMap { rule in json?.objectValue.flatMap { rule.redacting($0) } } ?? request.body

        func single(_ rule: KeyRule, _ key: String) -> Derivation {
            let item = DerivedItem(key: key, body: storedBody, entryPoint: evolution?.entryPoint, json: object.map(JSONValue.object) ?? json)
            return Derivation(rule: rule, items: [item], isBatch: false, ttl: sourceRule?.ttl)
        }

        if let sourceRule, let key = Self.sourceRuleKey(sourceRule, request: request, json: json) {
            return single(.sourceRule, key)
        }
        if let items = sourceRule?.profile?.batchItems(json, originalBody: request.body) {
            return Derivation(rule: .profile, items: items, isBatch: items.count > 1, ttl: sourceRule?.ttl)
        }
        // A form body is decoded only for a profile that reads form fields (Twilio's).
        let form = sourceRule?.profile?.readsForm == true && FormBody.isForm(contentType: request.contentType) ? FormBody(request.body) : nil
        if let profile = sourceRule?.profile, let key = profile.key(in: request, json: json, form: form) {
            return single(.profile, key)
        }
        if let key = Self.headerKey(request.headers) {
            return single(.header, key)
        }
        if let evolution {
            return single(.evolution, evolution.key())
        }
        if let object, let meta = MetaNotification(object), let items = meta.derivedItems(originalBody: request.body) {
            return Derivation(rule: .meta, items: items, isBatch: items.count > 1, ttl: sourceRule?.ttl)
        }
        return single(.rawBody, "sha256:\(SHA256.hash(data: request.body).hexString)")
    }
}
