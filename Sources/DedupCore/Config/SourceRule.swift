/// A source's entry in `WD_SOURCES_FILE`: how to key it, how long to remember it, who may post.
public struct SourceRule: Sendable, Equatable {
    /// Parts joined into `rule:<part>:<part>...`. When every part is missing from a request, the
    /// source rule falls back to ``ignore`` hashing (if set) and otherwise to the built-in rules, so
    /// an odd event from the same sender is still deduplicated by something.
    public var keyParts: [KeyPart]
    /// Pointers removed before hashing the body when no key part is present: the fields a sender
    /// changes on every retry (timestamps, attempt counters).
    public var ignore: [JSONPointer]
    /// Seconds a key is remembered for this source; nil means `WD_DEDUP_TTL`.
    public var ttl: Int?
    public var auth: AuthRule?
    public var rateLimit: RateLimitRule?
    /// The sender's profile: its key rule (after `key`/`ignore`), and the handshake to answer.
    public var profile: SenderProfile?
    /// Meta's subscribe handshake token (`verify_token_env`), resolved at load time.
    public var verifyToken: Secret?
    /// Top-level body members removed before the body is stored and forwarded: Evolution's
    /// `apikey` (`drop_apikey: true`), the instance's API key, which the downstream has no use for.
    public var redactedFields: [String] = []
    /// Where the source's messages go (`routes:`); nil sends them to the destination named `default`.
    public var routes: [Route]?

    public init(
        keyParts: [KeyPart] = [],
        ignore: [JSONPointer] = [],
        ttl: Int? = nil,
        auth: AuthRule? = nil,
        rateLimit: RateLimitRule? = nil,
        profile: SenderProfile? = nil,
        verifyToken: Secret? = nil
    ) {
        self.keyParts = keyParts
        self.ignore = ignore
        self.ttl = ttl
        self.auth = auth
        self.rateLimit = rateLimit
        self.profile = profile
        self.verifyToken = verifyToken
    }

    /// The rule of a source that the sources file does not list but that is named after a profile:
    /// the profile's key rule and window, no auth (there is no secret to check with).
    public init(profile: SenderProfile) {
        self.init(ttl: profile.defaultTTL, profile: profile)
    }

    /// ``init(profile:)`` of every profile, by profile name: built once, since a source named after a
    /// profile is looked up on every request it sends.
    static let profileDefaults: [String: SourceRule] = Dictionary(
        uniqueKeysWithValues: SenderProfile.all.map { ($0.name, SourceRule(profile: $0)) })
}
