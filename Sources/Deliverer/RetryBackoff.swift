/// How long an entry waits after a failed attempt: exponential backoff with full jitter.
///
/// The window doubles with each attempt, from `base` after the first failure up to `max`, and the wait
/// is drawn uniformly from the whole window. Jitter spreads the retries of a burst that failed
/// together (a downstream restart) instead of sending them back in lock step; the floor of `base`
/// keeps a failing downstream from being retried faster than the operator allowed.
struct RetryBackoff: Sendable, Equatable {
    var base: Duration
    var max: Duration

    /// The wait after failed attempt number `attempt` (1-based).
    func delay(afterAttempt attempt: Int, using generator: inout some RandomNumberGenerator) -> Duration {
        let baseMs = Swift.max(base.milliseconds, 0)
        let maxMs = Swift.max(max.milliseconds, baseMs)
        let doublings = Swift.min(Swift.max(attempt - 1, 0), 40)
        let (window, overflow) = baseMs.multipliedReportingOverflow(by: Int64(1) << doublings)
        let ceiling = overflow ? maxMs : Swift.min(window, maxMs)
        return .milliseconds(Int64.random(in: baseMs...ceiling, using: &generator))
    }

    func delay(afterAttempt attempt: Int) -> Duration {
        var generator = SystemRandomNumberGenerator()
        return delay(afterAttempt: attempt, using: &generator)
    }
}
