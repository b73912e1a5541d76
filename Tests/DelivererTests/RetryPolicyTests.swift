import RedisClient
import Testing

@testable import Deliverer

/// The verdict on a failed attempt that unordered and ordered delivery share: no Redis, no network.
struct RetryPolicyTests {
    /// 10 attempts, the default final statuses, a window of 500 ms doubling up to 4 s.
    static let policy = RetryPolicy(
        maxAttempts: 10, finalStatuses: [400, 401, 403, 404, 410, 422], backoff: RetryBackoff(base: .milliseconds(500), max: .seconds(4)))

    /// Answers `upperBound - 1` every time: the backoff's longest wait in its window.
    struct Highest: RandomNumberGenerator {
        mutating func next() -> UInt64 { .max }
    }

    @Test("a failure with attempts left is retried after the backoff, its window doubling from the base")
    func retriesAfterTheBackoff() {
        var generator = Highest()
        #expect(Self.policy.verdict(afterFailedAttempt: 1, status: 500, retryAfter: nil, using: &generator) == .retry(after: .milliseconds(500)))
        #expect(Self.policy.verdict(afterFailedAttempt: 3, status: nil, retryAfter: nil, using: &generator) == .retry(after: .seconds(2)))
        #expect(Self.policy.verdict(afterFailedAttempt: 9, status: 503, retryAfter: nil, using: &generator) == .retry(after: .seconds(4)))
        var system = SystemRandomNumberGenerator()
        for _ in 0..<100 {
            guard case .retry(let after) = Self.policy.verdict(afterFailedAttempt: 4, status: 502, retryAfter: nil, using: &system) else {
                Issue.record("attempt 4 of 10 was not retried")
                return
            }
            #expect(after >= .milliseconds(500) && after <= .seconds(4))
        }
    }

    @Test("the last allowed attempt failing gives up, whatever the answer")
    func givesUpAfterTheLastAttempt() {
        #expect(Self.policy.verdict(afterFailedAttempt: 10, status: 500, retryAfter: nil) == .giveUp)
        #expect(Self.policy.verdict(afterFailedAttempt: 10, status: nil, retryAfter: nil) == .giveUp)
        #expect(Self.policy.verdict(afterFailedAttempt: 10, status: 503, retryAfter: .seconds(1)) == .giveUp)
        #expect(Self.policy.verdict(afterFailedAttempt: 11, status: 500, retryAfter: nil) == .giveUp)
        let once = RetryPolicy(maxAttempts: 1, finalStatuses: [], backoff: Self.policy.backoff)
        #expect(once.verdict(afterFailedAttempt: 1, status: 500, retryAfter: nil) == .giveUp)
    }

    @Test("a final status (410, a 4xx of the list) gives up at the first attempt; one outside the list is retried")
    func finalStatusesGiveUpAtOnce() {
        for status in [400, 401, 403, 404, 410, 422] {
            #expect(Self.policy.verdict(afterFailedAttempt: 1, status: status, retryAfter: nil) == .giveUp, "\(status)")
        }
        var generator = Highest()
        #expect(Self.policy.verdict(afterFailedAttempt: 1, status: 409, retryAfter: nil, using: &generator) == .retry(after: .milliseconds(500)))
        let none = RetryPolicy(maxAttempts: 10, finalStatuses: [], backoff: Self.policy.backoff)
        #expect(none.verdict(afterFailedAttempt: 1, status: 410, retryAfter: nil, using: &generator) == .retry(after: .milliseconds(500)))
    }

    @Test("Retry-After replaces the backoff, capped by the retry maximum")
    func retryAfterIsCapped() {
        #expect(Self.policy.verdict(afterFailedAttempt: 1, status: 429, retryAfter: .seconds(3)) == .retry(after: .seconds(3)))
        #expect(Self.policy.verdict(afterFailedAttempt: 1, status: 503, retryAfter: .seconds(3600)) == .retry(after: .seconds(4)))
        #expect(Self.policy.verdict(afterFailedAttempt: 5, status: 429, retryAfter: .zero) == .retry(after: .zero))
        #expect(Self.policy.wait(afterAttempt: 2, retryAfter: .seconds(90)) == .seconds(4))
    }

    @Test("an attempt past the last allowed one is not made")
    func allowsAttemptsUpToTheMaximum() {
        #expect(Self.policy.allows(attempt: 1))
        #expect(Self.policy.allows(attempt: 10))
        #expect(!Self.policy.allows(attempt: 11))
    }

    @Test("a destination's policy is its configuration's attempts, final statuses and retry window")
    func fromConfiguration() throws {
        let configuration = DelivererConfiguration(
            redis: try RedisConfiguration(url: "redis://127.0.0.1:6379/0"), downstream: .standardOutput, maxAttempts: 3, retryBase: .milliseconds(20),
            retryMax: .milliseconds(80))
        #expect(configuration.retryPolicy.maxAttempts == 3)
        #expect(configuration.retryPolicy.finalStatuses == configuration.finalStatuses)
        #expect(configuration.retryPolicy.backoff == RetryBackoff(base: .milliseconds(20), max: .milliseconds(80)))
    }
}
