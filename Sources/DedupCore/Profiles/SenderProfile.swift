/// What the gateway knows about one sender: where its stable event id is, how it signs, how long
/// it keeps retrying, and which handshake it needs before it sends anything.
///
/// A source gets a profile with `profile:` in the sources file, or by being named after one. The
/// profile is only a set of defaults: a source's own `key`, `ignore`, `ttl` and `auth.type` win.
public struct SenderProfile: Sendable, Equatable {
    /// A handshake the receiver answers itself; it never enters the stream.
    public enum Handshake: Sendable, Equatable {
        /// Meta's `GET ?hub.mode=subscribe&hub.verify_token=T&hub.challenge=C`: answer C when T is
        /// the source's `verify_token_env` value, else 403 (``MetaSubscribe``).
        case metaSubscribe
        /// Slack's signed `{"type":"url_verification","challenge":C}` POST: answer C
        /// (``SlackURLVerification``).
        case slackURLVerification
    }

    /// The name in the sources file, and the kind that starts its keys (`stripe:<id>`).
    public let name: String
    /// Ways to read the sender's event id, best first; the first whose parts are all present gives
    /// `<name>:<part>:<part>...`. Empty when the built-in rules already key this sender.
    public let keyAlternatives: [[KeyPart]]
    /// For a sender that posts a JSON array of events (SendGrid): the pointer of each event's id.
    /// Such a body is split into one message per event (``batchItems(_:originalBody:)``).
    public let batchKey: JSONPointer?
    /// Top-level body fields the sender may send as headers instead: a field missing from the body
    /// is read from its header for keying (Evolution API 2.4: `instance` in `X-Instance-ID`,
    /// `event` in `X-Event-Type`). The stored body is not changed.
    public let headerFields: [HeaderField]
    /// The signature check used when the source's `auth` gives a secret and no `type`.
    public let authKind: AuthRule.Kind?
    /// The header `authKind` reads, when not that kind's default.
    public let authHeader: String?
    /// Seconds a key is remembered unless the source sets `ttl`: long enough to cover the sender's
    /// own retries (docs/reference.md, "Sender profiles"). nil keeps `WD_DEDUP_TTL`.
    public let defaultTTL: Int?
    public let handshake: Handshake?
    /// A header carrying the sender's retry counter, counted in `webhook_sender_retries_total`.
    public let retryHeader: String?
    /// Where the body names its event for a route's `events:` filter, tried in order
    /// (``EventName/of(body:path:pointers:)``).
    public let eventPointers: [JSONPointer]
    /// The conversation of the profile's messages, used when an ordered destination sets
    /// `partitions` but no `order_by`. Nil for senders without chats.
    public let defaultOrderBy: OrderBy?

    init(
        name: String,
        key: [[KeyPart]] = [],
        batch: JSONPointer? = nil,
        headerFields: [HeaderField] = [],
        auth: AuthRule.Kind? = nil,
        authHeader: String? = nil,
        ttl: Int? = nil,
        handshake: Handshake? = nil,
        retryHeader: String? = nil,
        events: [JSONPointer] = defaultEventPointers,
        orderBy: OrderBy? = nil
    ) {
        self.name = name
        self.keyAlternatives = key
        self.batchKey = batch
        self.headerFields = headerFields
        self.authKind = auth
        self.authHeader = authHeader
        self.defaultTTL = ttl
        self.handshake = handshake
        self.retryHeader = retryHeader
        self.eventPointers = events
        self.defaultOrderBy = orderBy
    }

    /// Where most senders name the event: Evolution and others in `event`, Stripe-like ones in `type`.
    /// Also what a source without a profile uses.
    public static let defaultEventPointers = [JSONPointer("/event")!, JSONPointer("/type")!]

    public struct HeaderField: Sendable, Equatable {
        public let field: String
        public let header: String
    }

    /// The profile called `name`, if there is one.
    public static func named(_ name: String) -> SenderProfile? {
        all.first { $0.name == name }
    }

    /// Whether a key alternative reads form fields, so the deriver decodes a form body for it.
    var readsForm: Bool {
        keyAlternatives.contains { parts in
            parts.contains { if case .formField = $0 { true } else { false } }
        }
    }

    /// The key from the first alternative whose parts are all present, else nil (so the built-in
    /// rules key the request).
    func key(in request: WebhookRequest, json: JSONValue?, form: FormBody?) -> String? {
        for parts in keyAlternatives {
            var values: [String?] = []
            values.reserveCapacity(parts.count)
            for part in parts {
                guard let value = part.value(in: request, json: json, form: form) else { break }
                values.append(value)
            }
            if values.count == parts.count {
                return DedupKey.make(kind: name, values: values)
            }
        }
        return nil
    }
}

extension SenderProfile {
    static let day = 86_400

    /// Every profile. Each comment says why its key is stable across the sender's retries and how
    /// long those last (docs/reference.md, "Sender profiles", has the sources).
    public static let all: [SenderProfile] = [
        // Evolution API retries a failed webhook (10 attempts from 5 s, doubling to at most 300 s, so
        // about 20 minutes) but not after 400/401/403/404/422; WhatsApp itself re-sends messages
        // hours apart. The built-in Evolution rule keys both; the window stays WD_DEDUP_TTL, which
        // is sized for them.
        // Its chat is the instance plus `remoteJid`.
        SenderProfile(
            name: "evolution",
            headerFields: [HeaderField(field: "instance", header: "X-Instance-ID"), HeaderField(field: "event", header: "X-Event-Type")],
            auth: .token,
            orderBy: OrderBy(parts: [.pointer(JSONPointer("/instance")!), .pointer(JSONPointer("/data/key/remoteJid")!)])),
        // Stripe retries a failed event for up to 3 days (live mode); its `id` (evt_...) is the same
        // in every attempt, while `Stripe-Signature`'s `t=` changes.
        SenderProfile(name: "stripe", key: [[.pointer(JSONPointer("/id")!)]], auth: .stripe, ttl: 3 * day, events: [JSONPointer("/type")!]),
        // Slack retries 3 times (at once, after 1 minute, after 5 minutes) with the same `event_id`
        // and a new `X-Slack-Request-Timestamp` and `X-Slack-Retry-Num`.
        SenderProfile(
            name: "slack", key: [[.pointer(JSONPointer("/event_id")!)]], auth: .slack, ttl: 3_600,
            handshake: .slackURLVerification, retryHeader: "X-Slack-Retry-Num", events: [JSONPointer("/event/type")!, JSONPointer("/type")!]),
        // WhatsApp Cloud API redelivers for up to 7 days; the built-in Meta rule keys each item by its
        // `wamid` (and status), which no retry changes. Its event is the change's `field`; its
        // conversation the customer's number (`from` of a message, `recipient_id` of a status).
        SenderProfile(
            name: "meta", auth: .meta, ttl: 7 * day, handshake: .metaSubscribe, events: [JSONPointer("/entry/0/changes/0/field")!],
            orderBy: OrderBy(parts: [
                .pointer(JSONPointer("/entry/0/id")!),
                .firstOf([
                    .pointer(JSONPointer("/entry/0/changes/0/value/messages/0/from")!),
                    .pointer(JSONPointer("/entry/0/changes/0/value/statuses/0/recipient_id")!),
                ]),
            ])),
        // Svix retries over about 27 hours (5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h) with the same
        // message id; the built-in header rule keys `webhook-id` / `svix-id`.
        SenderProfile(name: "standard-webhooks", auth: .standardWebhooks, ttl: 2 * day),
        SenderProfile(name: "svix", auth: .standardWebhooks, ttl: 2 * day),
        // Shopify retries 8 times over 4 hours with the same `X-Shopify-Event-Id`; its
        // `X-Shopify-Webhook-Id` is new on every attempt and must not key anything.
        SenderProfile(name: "shopify", key: [[.header("X-Shopify-Event-Id")]], auth: .shopify, ttl: 2 * day),
        // GitHub does not retry by itself; a redelivery (possible for 3 days) keeps
        // `X-GitHub-Delivery`, which the built-in header rule keys.
        SenderProfile(name: "github", auth: .github, ttl: 3 * day),
        // GitLab's `Idempotency-Key` stays the same when a request is resent; older versions send
        // only `X-Gitlab-Event-UUID`.
        SenderProfile(
            name: "gitlab", key: [[.header("Idempotency-Key")], [.header("X-Gitlab-Event-UUID")]], auth: .token,
            authHeader: "X-Gitlab-Token", ttl: 3 * day),
        // Telegram retries an update until it is answered 2xx, for at most 24 hours (it keeps an
        // undelivered update no longer); `update_id` counts per bot, so the bot from the path joins it.
        SenderProfile(
            name: "telegram", key: [[.path, .pointer(JSONPointer("/update_id")!)], [.pointer(JSONPointer("/update_id")!)]], auth: .token,
            authHeader: "X-Telegram-Bot-Api-Secret-Token", ttl: day),
        // Twilio retries a request that failed to connect or timed out (once by default, up to 5
        // times with the `#rc=` URL override), within seconds to minutes. Its idempotency token is
        // the same in every retry; without it, a status callback is one message per resource and
        // status (queued, sent, delivered are three), and an incoming message or call one per sid.
        SenderProfile(
            name: "twilio",
            key: [
                [.header("I-Twilio-Idempotency-Token")],
                [.formField("MessageSid"), .formField("MessageStatus")],
                [.formField("CallSid"), .formField("CallStatus")],
                [.formField("MessageSid")],
                [.formField("CallSid")],
            ],
            auth: .twilio, ttl: day),
        // Square retries an unacknowledged notification for up to 24 hours (72 in parts of its
        // docs) with the same `event_id`, which it documents as the idempotency value.
        SenderProfile(name: "square", key: [[.pointer(JSONPointer("/event_id")!)]], auth: .square, ttl: 3 * day),
        // Mercado Pago resends a notification not answered 200/201 five times, the last 4 days after
        // the first; each resend is the same resource and action. Its top-level `id` is the
        // notification's, and one resource (a payment) has many actions (created, updated).
        SenderProfile(
            name: "mercadopago",
            key: [
                [.pointer(JSONPointer("/data/id")!), .pointer(JSONPointer("/action")!)],
                [.pointer(JSONPointer("/data/id")!), .pointer(JSONPointer("/type")!)],
            ],
            auth: .mercadopago, ttl: 5 * day),
        // WAHA retries as each webhook's `retries` says (policy, delay, attempts; 15 exponential
        // attempts from 2 s end after about 18 hours), resending the same event. `payload.id` is the
        // WhatsApp message id, which several events share: `message` and `message.any` for one
        // message, and each `message.ack` state (`ack`), so the event and the ack join the key.
        SenderProfile(
            name: "waha",
            key: [
                [
                    .pointer(JSONPointer("/session")!), .pointer(JSONPointer("/event")!), .pointer(JSONPointer("/payload/id")!),
                    .pointer(JSONPointer("/payload/ack")!),
                ],
                [.pointer(JSONPointer("/session")!), .pointer(JSONPointer("/event")!), .pointer(JSONPointer("/payload/id")!)],
            ],
            auth: .waha, ttl: day),
        // Z-API documents no retry schedule. A message's `messageId` is shared by its callbacks of
        // different types (received, sent by me), so the type joins it; a status callback names its
        // messages in `ids` with one `status`.
        SenderProfile(
            name: "zapi",
            key: [
                [.pointer(JSONPointer("/instanceId")!), .pointer(JSONPointer("/type")!), .pointer(JSONPointer("/messageId")!)],
                [
                    .pointer(JSONPointer("/instanceId")!), .pointer(JSONPointer("/type")!), .pointer(JSONPointer("/status")!),
                    .pointer(JSONPointer("/ids")!),
                ],
            ],
            auth: .token),
        // SendGrid posts events in batches and retries a failed batch for up to 24 hours; a retried
        // event keeps its `sg_event_id` but may arrive in a batch of other events, so each event is
        // its own message.
        SenderProfile(name: "sendgrid", batch: JSONPointer("/sg_event_id")!, ttl: 2 * day),
    ]
}
