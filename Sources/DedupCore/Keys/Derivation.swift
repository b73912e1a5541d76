/// The outcome of key derivation for one request: what to record, and how to answer.
public struct Derivation: Sendable {
    public var rule: KeyRule
    /// At least one item. A Meta POST yields one per `messages[]`/`statuses[]` item, a SendGrid
    /// batch one per event; a Meta POST with no such item falls back to the raw-body rule with one
    /// item.
    public var items: [DerivedItem]
    /// True when the request carried several items (a split Meta or SendGrid batch), so the answer uses the
    /// `"items"` form even if some of them turn out to be duplicates.
    public var isBatch: Bool
    /// The source's `ttl` from the sources file; nil means the default `WD_DEDUP_TTL`. It applies
    /// whichever rule produced the key, since the dedup window is a property of the sender.
    public var ttl: Int?

    public init(rule: KeyRule, items: [DerivedItem], isBatch: Bool, ttl: Int?) {
        self.rule = rule
        self.items = items
        self.isBatch = isBatch
        self.ttl = ttl
    }
}
