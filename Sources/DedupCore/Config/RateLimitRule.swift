/// A token bucket per source, shared by all receivers through Redis: `rate` requests every
/// `perSeconds` seconds on average, with bursts of up to `burst`.
public struct RateLimitRule: Sendable, Equatable {
    public var rate: Int
    public var perSeconds: Int
    /// Bucket capacity; defaults to `rate` so a sender may spend one period's allowance at once.
    public var burst: Int

    public init(rate: Int, perSeconds: Int = 1, burst: Int? = nil) {
        self.rate = rate
        self.perSeconds = perSeconds
        self.burst = burst ?? rate
    }

    /// Refill speed of the bucket.
    public var tokensPerSecond: Double {
        Double(rate) / Double(perSeconds)
    }
}
