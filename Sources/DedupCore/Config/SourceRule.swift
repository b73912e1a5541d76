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

    public init(
        keyParts: [KeyPart] = [],
        ignore: [JSONPointer] = [],
        ttl: Int? = nil,
        auth: AuthRule? = nil,
        rateLimit: RateLimitRule? = nil
    ) {
        self.keyParts = keyParts
        self.ignore = ignore
        self.ttl = ttl
        self.auth = auth
        self.rateLimit = rateLimit
    }
}
