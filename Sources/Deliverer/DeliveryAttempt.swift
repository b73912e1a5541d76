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
        /// Moved to dead letters, or finished by someone else.
        case finished
        /// Still pending in the group; try again after a backoff.
        case retry(attemptsMade: Int)
    }

    let group: ConsumerGroup
    let downstream: any Downstream
    let maxAttempts: Int
    let metrics: DeliveryMetrics
    let logger: Logger

    func run(_ job: Job) async -> Outcome {
        let claimed: ClaimedEntry
        switch job {
        case .claimed(let entry):
            claimed = entry
        case .retry(let ref, let attemptsMade):
            do {
                guard let entry = try await group.claim(shard: ref.shard, ids: [ref.id]).first else {
                    logger.debug("entry finished elsewhere before its retry", metadata: ["entry": "\(ref)"])
                    return .finished
                }
                claimed = entry
            } catch {
                logger.warning("cannot claim entry for its retry", metadata: ["entry": "\(ref)", "error": "\(error)"])
                return .retry(attemptsMade: attemptsMade)
            }
        }
        let entry = claimed.entry
        let attempt = claimed.attempt
        if attempt > maxAttempts {
            // Taken over after its last allowed attempt, whose outcome died with its deliverer.
            let reason = "attempt \(attempt - 1) of \(maxAttempts) was interrupted (its deliverer stopped)"
            return await giveUp(entry, attempts: attempt - 1, reason: reason)
        }

        let started = ContinuousClock.now
        let result = await downstream.deliver(entry, attempt: attempt)
        switch result {
        case .delivered:
            metrics.attemptSucceeded(source: entry.source, latency: ContinuousClock.now - started)
            return .delivered(source: entry.source, attempt: attempt)
        case .failed(let reason):
            if attempt >= maxAttempts {
                return await giveUp(entry, attempts: attempt, reason: reason)
            }
            logger.warning(
                "delivery failed; will retry",
                metadata: ["entry": "\(entry.ref)", "source": "\(entry.source)", "attempt": "\(attempt)", "error": "\(reason)"])
            metrics.retried(source: entry.source)
            return .retry(attemptsMade: attempt)
        }
    }

    private func giveUp(_ entry: StreamEntry, attempts: Int, reason: String) async -> Outcome {
        do {
            if try await group.deadLetter(entry.ref, attempts: attempts, error: reason) {
                metrics.deadLettered(source: entry.source)
                logger.error(
                    "delivery failed for good; moved to dead letters",
                    metadata: ["entry": "\(entry.ref)", "source": "\(entry.source)", "attempts": "\(attempts)", "error": "\(reason)"])
            }
            return .finished
        } catch {
            logger.warning("cannot move entry to dead letters", metadata: ["entry": "\(entry.ref)", "error": "\(error)"])
            return .retry(attemptsMade: attempts)
        }
    }
}
