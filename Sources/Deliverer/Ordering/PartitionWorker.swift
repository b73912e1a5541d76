import DedupCore
import Foundation
import Logging
import RedisClient

/// Delivers one partition of an ordered destination while this deliverer holds its lease.
///
/// Entries of one conversation go out one at a time in stream (accept) order. The worker looks at
/// the first ``window`` entries and sends the oldest one whose conversation has nothing earlier still
/// waiting and is not in a retry wait, so a failing entry holds back its own conversation only,
/// through its retries up to the dead letter; then the conversation goes on, and the dead letter
/// names the entries that went on without it. One attempt at a time per partition: a slow
/// conversation delays the others of its partition (the head-of-line cost that the partition count
/// spreads), never those of other partitions.
///
/// Fencing: each attempt is counted by a script that first checks the lease in Redis, and the
/// worker sends an attempt only while its lease, by its own clock, outlasts the attempt's timeout. So
/// a worker that was stalled past its lease finds it gone and stops before sending anything more.
struct PartitionWorker: Sendable {
    /// Entries looked at from the head: how far other conversations may overtake one in a retry wait.
    static let window = 64

    enum End: Equatable {
        /// The lease was gone or another's: someone else delivers the partition now.
        case lost
        /// Given up on request (shutdown or rebalancing).
        case released
    }

    let redis: RedisClient
    let keys: RedisKeys
    let destination: OrderedDestination
    let leases: PartitionLeases
    let downstream: any Downstream
    let slots: AttemptSlots
    let rate: DeliveryRate?
    let metrics: DeliveryMetrics
    let orderedMetrics: OrderedMetrics
    let logger: Logger

    /// Runs until the lease is lost or `shouldRelease` turns true (checked between attempts; the
    /// lease is then given up at once).
    func run(_ granted: PartitionLease, shouldRelease: @Sendable () -> Bool) async -> End {
        var lease = granted
        let partition = lease.partition
        let stream = keys.partition(partition, destination: destination.name, shards: destination.shards)
        let shard = OrderingPartition.shard(ofPartition: partition, shards: destination.shards)
        var window: [StreamEntry] = []
        var retryAt: [String: ContinuousClock.Instant] = [:]
        var idlePause = Duration.milliseconds(5)
        while true {
            if shouldRelease() {
                try? await leases.release(lease)
                return .released
            }
            do {
                // Renew when a third of the lease is gone: an attempt is sent only while the lease
                // outlasts its timeout, so it must stay well ahead of it.
                if !lease.covers(destination.leaseTTL * 2 / 3), try await !leases.renew(&lease) { return lost(partition) }
                if window.count < Self.window / 2 {
                    window += try await read(stream, shard: shard, after: window.last?.id, count: Self.window - window.count)
                }
                let now = ContinuousClock.now
                guard let index = Self.next(in: window, retryAt: retryAt, now: now) else {
                    // Nothing due: wait for the earliest retry or poll for new entries, backing off while idle.
                    let wake = retryAt.values.filter { $0 > now }.min()
                    var pause = window.isEmpty ? idlePause : .milliseconds(100)
                    if let wake { pause = min(pause, wake - now) }
                    if window.isEmpty { idlePause = min(idlePause * 2, .milliseconds(100)) }
                    try await Task.sleep(for: max(pause, .milliseconds(1)))
                    continue
                }
                idlePause = .milliseconds(5)
                let entry = window[index]
                let conversation = entry.text("conversation")
                switch try await attempt(entry, at: index, in: window, lease: &lease, stream: stream) {
                case .lost:
                    return lost(partition)
                case .finished:
                    window.remove(at: index)
                    retryAt[conversation] = nil
                case .retry(let after):
                    retryAt[conversation] = .now + after
                }
            } catch is CancellationError {
                return .released
            } catch {
                logger.warning(
                    "ordered delivery: redis error",
                    metadata: ["destination": "\(destination.name)", "partition": "\(partition)", "error": "\(error)"])
                try? await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    /// The entry to send next: the oldest whose conversation has no earlier entry waiting and is not
    /// in a retry wait.
    static func next(in window: [StreamEntry], retryAt: [String: ContinuousClock.Instant], now: ContinuousClock.Instant) -> Int? {
        var ahead = Set<String>()
        for (index, entry) in window.enumerated() {
            let conversation = entry.text("conversation")
            guard ahead.insert(conversation).inserted else { continue }
            if let at = retryAt[conversation], at > now { continue }
            return index
        }
        return nil
    }

    private enum Outcome {
        case lost
        case finished
        case retry(after: Duration)
    }

    /// One attempt. Its slot and rate permit come first, since both may wait; only then is the lease
    /// checked to outlast the attempt (renewed if need be) and the attempt counted by the fenced
    /// script, and the request goes out right after. A rate or Redis failure sends nothing and counts
    /// nothing: the caller tries again.
    private func attempt(_ entry: StreamEntry, at index: Int, in window: [StreamEntry], lease: inout PartitionLease, stream: String)
        async throws -> Outcome
    {
        let partition = lease.partition
        let attemptsKey = keys.partitionAttempts(partition, destination: destination.name, shards: destination.shards)
        let leaseKey = keys.partitionLease(partition, destination: destination.name, shards: destination.shards)
        await slots.acquire()
        let attempt: Int
        do {
            if let rate { try await rate.acquire() }
            if !lease.covers(destination.deliveryTimeout + .milliseconds(250)), try await !leases.renew(&lease) {
                await slots.release()
                return .lost
            }
            let reply = try await redis.evalScript(
                OrderedScripts.attempt, keys: [.init(leaseKey), .init(attemptsKey)], arguments: [.init(lease.value), .init(entry.id)]
            ).throwingServerError()
            guard let counted = reply.int else { throw RedisError.protocol("ordered attempt script returned \(reply)") }
            attempt = counted
        } catch {
            await slots.release()
            throw error
        }
        guard attempt > 0 else {
            await slots.release()
            return .lost
        }
        // Counted past the last allowed attempt: the last one's deliverer stopped before it could
        // count the outcome. As in unordered delivery, that is the end: a dead letter, not one more send.
        guard destination.retry.allows(attempt: attempt) else {
            await slots.release()
            let reason = "attempt \(attempt - 1) of \(destination.retry.maxAttempts) was interrupted (its deliverer stopped)"
            return try await bury(entry, at: index, in: window, lease: lease, stream: stream, attempts: attempt - 1, reason: reason, status: nil)
        }
        let started = ContinuousClock.now
        let result = await downstream.deliver(entry, attempt: attempt)
        await slots.release()
        switch result {
        case .delivered:
            metrics.attemptSucceeded(source: entry.source, latency: .now - started)
            let done = try await redis.evalScript(
                OrderedScripts.finish, keys: [.init(leaseKey), .init(stream), .init(attemptsKey)],
                arguments: [.init(lease.value), .init(entry.id)]
            ).throwingServerError()
            guard done.int != -1 else { return .lost }
            metrics.delivered(source: entry.source)
            return .finished
        case .failed(let reason, let status, let retryAfter):
            if case .retry(let after) = destination.retry.verdict(afterFailedAttempt: attempt, status: status, retryAfter: retryAfter) {
                metrics.retried(source: entry.source)
                return .retry(after: after)
            }
            return try await bury(entry, at: index, in: window, lease: lease, stream: stream, attempts: attempt, reason: reason, status: status)
        }
    }

    /// Moves `entry` to dead letters under the lease, naming the entries of its conversation that went
    /// on after it.
    private func bury(
        _ entry: StreamEntry, at index: Int, in window: [StreamEntry], lease: PartitionLease, stream: String, attempts attempt: Int,
        reason: String, status: Int?
    ) async throws -> Outcome {
        let partition = lease.partition
        let attemptsKey = keys.partitionAttempts(partition, destination: destination.name, shards: destination.shards)
        let leaseKey = keys.partitionLease(partition, destination: destination.name, shards: destination.shards)
        let conversation = entry.text("conversation")
        let wentOn = window[(index + 1)...].filter { $0.text("conversation") == conversation }.map(\.id)
        let dead = try await redis.evalScript(
            OrderedScripts.deadLetter,
            keys: [
                .init(leaseKey), .init(stream), .init(keys.dead(shard: entry.shard, destination: destination.name)), .init(attemptsKey),
            ],
            arguments: [
                .init(lease.value), .init(entry.id), .init(reason), .init(attempt), .init(Int(Date().timeIntervalSince1970 * 1000)),
                .init(wentOn.joined(separator: ",")), .init(status.map(String.init) ?? ""),
            ]
        ).throwingServerError()
        guard dead.int != -1 else { return .lost }
        metrics.deadLettered(source: entry.source)
        if !wentOn.isEmpty { orderedMetrics.conversationWentOn() }
        logger.error(
            "ordered delivery: dead letter",
            metadata: [
                "destination": "\(destination.name)", "partition": "\(partition)", "id": "\(entry.id)", "key": "\(entry.key)",
                "attempts": "\(attempt)", "error": "\(reason)", "went_on": "\(wentOn.count)",
            ])
        return .finished
    }

    private func read(_ stream: String, shard: Int, after last: String?, count: Int) async throws(RedisError) -> [StreamEntry] {
        let reply = try await redis.command("XRANGE", .init(stream), .init(last.map { "(" + $0 } ?? "-"), "+", "COUNT", .init(count))
            .throwingServerError()
        return (reply.array ?? []).compactMap { StreamEntry(shard: shard, reply: $0) }
    }

    private func lost(_ partition: Int) -> End {
        orderedMetrics.leaseLost()
        logger.info("ordered delivery: partition lease lost", metadata: ["destination": "\(destination.name)", "partition": "\(partition)"])
        return .lost
    }
}
