/// What a failed attempt leads to: a dead letter, or another attempt after a wait.
///
/// Unordered delivery counts attempts in the consumer group's delivery counter and ordered delivery
/// in a partition's attempt hash, but both must give up and wait by the same rules, so that a
/// destination's `max_attempts`, `final_statuses`, `retry` and a downstream's `Retry-After` mean the
/// same thing with or without `order_by`. This type is that one rule; the callers only count, send
/// and carry the verdict out.
struct RetryPolicy: Sendable, Equatable {
    /// `WD_MAX_ATTEMPTS` / `max_attempts`: attempts before an entry goes to dead letters.
    var maxAttempts: Int
    /// Answers that make the entry a dead letter after this attempt, whatever attempts are left.
    var finalStatuses: Set<Int>
    /// The wait between attempts; its maximum also caps a downstream's `Retry-After`.
    var backoff: RetryBackoff

    enum Verdict: Sendable, Equatable {
        /// Attempt again once `after` has passed.
        case retry(after: Duration)
        /// Move the entry to dead letters.
        case giveUp
    }

    /// The verdict on failed attempt number `attempt` (1-based). `status` is the downstream's answer
    /// (nil when there was none: refused, reset, timed out) and `retryAfter` the wait its
    /// `Retry-After` asked for.
    func verdict(afterFailedAttempt attempt: Int, status: Int?, retryAfter: Duration?, using generator: inout some RandomNumberGenerator)
        -> Verdict
    {
        if attempt >= maxAttempts || status.map(finalStatuses.contains) == true { return .giveUp }
        return .retry(after: wait(afterAttempt: attempt, retryAfter: retryAfter, using: &generator))
    }

    func verdict(afterFailedAttempt attempt: Int, status: Int?, retryAfter: Duration?) -> Verdict {
        var generator = SystemRandomNumberGenerator()
        return verdict(afterFailedAttempt: attempt, status: status, retryAfter: retryAfter, using: &generator)
    }

    /// The wait after attempt `attempt`: the downstream's `Retry-After`, capped by the retry maximum so
    /// a downstream cannot park an entry for a day, else the backoff. Also the wait after an attempt
    /// that Redis, not the downstream, kept from finishing.
    func wait(afterAttempt attempt: Int, retryAfter: Duration? = nil, using generator: inout some RandomNumberGenerator) -> Duration {
        retryAfter.map { min($0, backoff.max) } ?? backoff.delay(afterAttempt: attempt, using: &generator)
    }

    func wait(afterAttempt attempt: Int, retryAfter: Duration? = nil) -> Duration {
        var generator = SystemRandomNumberGenerator()
        return wait(afterAttempt: attempt, retryAfter: retryAfter, using: &generator)
    }

    /// Whether attempt number `attempt` may still be made. An entry taken over after its last allowed
    /// attempt (whose outcome died with its deliverer) may not: it goes to dead letters unsent.
    func allows(attempt: Int) -> Bool {
        attempt <= maxAttempts
    }
}

extension DelivererConfiguration {
    /// This destination's retry rules.
    var retryPolicy: RetryPolicy {
        RetryPolicy(maxAttempts: maxAttempts, finalStatuses: finalStatuses, backoff: RetryBackoff(base: retryBase, max: retryMax))
    }
}
