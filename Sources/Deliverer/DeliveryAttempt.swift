import Logging
import RedisClient

/// One attempt at one entry, from claim to the downstream's answer; the scheduler runs each as a
/// child task while it holds one of the `WD_CONCURRENCY` slots, and acknowledges delivered entries
/// itself, in batches.
///
/// A retry claims the entry again first (`XCLAIM`), which counts the attempt in the group's delivery
/// counter before it is made; so does every other way an entry reaches a deliverer. A deliverer
/// that dies mid-attempt therefore leaves the attempt counted, and whoever takes the entry over
/// continues the numbering.
///
/// Every Redis step here acts only on an entry still pending at this deliverer (see
/// ``DeliveryScripts``). One that is not (a peer took it over while this deliverer was stopped or
/// starved past the claim time, or someone finished it) is dropped: no attempt, no acknowledgement,
/// no dead letter.
struct DeliveryAttempt: Sendable {
    enum Job: Sendable {
        /// An entry just read or taken over; its claim already counted this attempt.
        case claimed(ClaimedEntry)
        /// An entry this deliverer holds that failed `attemptsMade` times and is due again.
        case retry(EntryRef, attemptsMade: Int)

        var ref: EntryRef {
            switch self {
            case .claimed(let claimed): return claimed.entry.ref
            case .retry(let ref, _): return ref
            }
        }
    }

    enum Outcome: Sendable {
        /// The downstream took attempt `attempt`; the entry is pending until the scheduler acknowledges it.
        case delivered(source: String, attempt: Int)
        /// Moved to dead letters (or its data was gone).
        case finished
        /// Still pending in the group; try again once `after` has passed (``RetryPolicy``'s wait).
        case retry(attemptsMade: Int, after: Duration)
        /// No longer this deliverer's: taken over by a peer, or finished by someone else. Dropped.
        case notOwned
        /// Cancelled by shutdown (the drain deadline) before an answer: not a failed attempt. The
        /// entry is handed back with the `attemptsMade` before this one.
        case interrupted(attemptsMade: Int)
    }

    let group: ConsumerGroup
    let downstream: any Downstream
    /// When a failed attempt is retried, and after how long.
    let policy: RetryPolicy
    /// The destination's shared delivery rate, when it has one.
    let rate: DeliveryRate?
    let metrics: DeliveryMetrics
    let logger: Logger

    /// Runs `job`. `confirmOwnership`: the scheduler last touched a claimed entry long enough ago
    /// that a peer may have taken it over (its queue waited, or the process was stopped), so the
    /// attempt first touches it with the ownership check and drops it if it is no longer its own.
    func run(_ job: Job, confirmOwnership: Bool) async -> Outcome {
        let claimed: ClaimedEntry
        switch job {
        case .claimed(let entry):
            if confirmOwnership {
                do {
                    let ref = entry.entry.ref
                    guard try await group.touchOwned(shard: ref.shard, ids: [ref.id]).contains(ref.id) else { return .notOwned }
                } catch {
                    // The claim already counted this attempt; the retry counts the next.
                    logger.warning("cannot confirm the entry is still ours", metadata: ["entry": "\(entry.entry.ref)", "error": "\(error)"])
                    return retry(attemptsMade: entry.attempt)
                }
            }
            claimed = entry
        case .retry(let ref, let attemptsMade):
            do {
                guard let entry = try await group.claimOwned(shard: ref.shard, ids: [ref.id]).first else { return .notOwned }
                claimed = entry
            } catch {
                logger.warning("cannot claim entry for its retry", metadata: ["entry": "\(ref)", "error": "\(error)"])
                return retry(attemptsMade: attemptsMade)
            }
        }
        let entry = claimed.entry
        let attempt = claimed.attempt
        guard policy.allows(attempt: attempt) else {
            let reason = "attempt \(attempt - 1) of \(policy.maxAttempts) was interrupted (its deliverer stopped)"
            return await giveUp(entry, attempts: attempt - 1, reason: reason)
        }

        if let rate {
            do {
                try await rate.acquire()
            } catch {
                if Task.isCancelled { return .interrupted(attemptsMade: attempt - 1) }
                logger.warning("cannot take a delivery-rate permit", metadata: ["entry": "\(entry.ref)", "error": "\(error)"])
                return retry(attemptsMade: attempt)
            }
        }
        let started = ContinuousClock.now
        let result = await downstream.deliver(entry, attempt: attempt)
        switch result {
        case .delivered:
            metrics.attemptSucceeded(source: entry.source, latency: ContinuousClock.now - started)
            return .delivered(source: entry.source, attempt: attempt)
        case .failed where Task.isCancelled:
            // Only shutdown cancels an attempt: whatever the failure says, it is the cancellation's.
            return .interrupted(attemptsMade: attempt - 1)
        case .failed(let reason, let status, let retryAfter):
            switch policy.verdict(afterFailedAttempt: attempt, status: status, retryAfter: retryAfter) {
            case .giveUp:
                return await giveUp(entry, attempts: attempt, reason: reason, status: status)
            case .retry(let after):
                logger.warning(
                    "delivery failed; will retry",
                    metadata: ["entry": "\(entry.ref)", "source": "\(entry.source)", "attempt": "\(attempt)", "error": "\(reason)"])
                metrics.retried(source: entry.source)
                return .retry(attemptsMade: attempt, after: after)
            }
        }
    }

    /// A retry after the backoff: Redis, not the downstream, kept attempt `attemptsMade` from finishing.
    private func retry(attemptsMade: Int) -> Outcome {
        .retry(attemptsMade: attemptsMade, after: policy.wait(afterAttempt: attemptsMade))
    }

    private func giveUp(_ entry: StreamEntry, attempts: Int, reason: String, status: Int? = nil) async -> Outcome {
        do {
            switch try await group.deadLetter(entry.ref, attempts: attempts, error: reason, status: status) {
            case .moved:
                metrics.deadLettered(source: entry.source)
                logger.error(
                    "delivery failed for good; moved to dead letters",
                    metadata: ["entry": "\(entry.ref)", "source": "\(entry.source)", "attempts": "\(attempts)", "error": "\(reason)"])
                return .finished
            case .dataGone:
                return .finished
            case .notOwned:
                return .notOwned
            }
        } catch {
            logger.warning("cannot move entry to dead letters", metadata: ["entry": "\(entry.ref)", "error": "\(error)"])
            return retry(attemptsMade: attempts)
        }
    }
}
