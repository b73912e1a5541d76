import Logging
import RedisClient

/// The deliverer's periodic look at the group's pending lists, run by the scheduler every
/// ``DelivererConfiguration/sweepInterval``:
///
/// 1. Touch the entries it holds that were not touched for a sweep interval (in any state: queued,
///    in flight, awaiting acknowledgement, waiting for a retry), so they never look abandoned to
///    anyone's take-over. Only entries still pending at this deliverer are touched; the others were
///    taken over by a peer (this deliverer stalled past the claim time) or finished, and are reported
///    as not owned.
/// 2. After a start, claim what a previous run under the same consumer name left pending (its own
///    pending list), before reading anything new.
/// 3. Take over entries idle longer than `WD_CLAIM_IDLE_MS` at any consumer: those belong to a
///    deliverer that died or hangs, since live ones keep touching theirs.
/// 4. Measure the backlog for the gauge.
///
/// Claims never exceed `room` (the scheduler's free read-ahead, or a quarter of it when the queue is
/// full), so taking over a dead deliverer's backlog cannot flood one live deliverer. With `room` 0
/// (while draining at shutdown) a sweep only touches.
struct GroupSweep: Sendable {
    /// Where each shard's scans continue.
    struct Cursors: Sendable {
        /// Last own pending id claimed per shard (`-` before the first); a shard leaves when done.
        var ownPending: [Int: String]
        /// `XAUTOCLAIM` cursor per shard (`0-0` to start a round).
        var takeOver: [Int: String] = [:]

        init(shards: Int) {
            ownPending = Dictionary(uniqueKeysWithValues: (0..<shards).map { ($0, "-") })
        }

        var recoveringOwnPending: Bool { !ownPending.isEmpty }
    }

    struct Input: Sendable {
        var touch: [EntryRef]
        var room: Int
        var cursors: Cursors
    }

    struct Result: Sendable {
        /// Entries touched: still pending at this deliverer.
        var touched: [EntryRef] = []
        /// Entries asked to touch that are no longer pending at this deliverer.
        var notOwned: [EntryRef] = []
        var claimed: [ClaimedEntry] = []
        var cursors: Cursors
    }

    let group: ConsumerGroup
    let claimIdle: Duration
    let metrics: DeliveryMetrics
    let logger: Logger

    func run(_ input: Input) async -> Result {
        var result = Result(cursors: input.cursors)
        do {
            try await touch(input.touch, into: &result)
            var room = input.room
            try await recoverOwnPending(room: &room, into: &result)
            if !result.cursors.recoveringOwnPending {
                try await takeOver(room: &room, into: &result)
            }
            metrics.backlog(try await group.backlog())
        } catch {
            logger.warning("sweep of pending entries failed; trying again next sweep", metadata: ["error": "\(error)"])
        }
        return result
    }

    private func touch(_ refs: [EntryRef], into result: inout Result) async throws(RedisError) {
        let byShard = Dictionary(grouping: refs, by: \.shard)
        for (shard, refs) in byShard {
            var start = 0
            while start < refs.count {
                let slice = refs[start..<min(start + ConsumerGroup.batchLimit, refs.count)]
                let owned = try await group.touchOwned(shard: shard, ids: slice.map(\.id))
                for ref in slice {
                    if owned.contains(ref.id) { result.touched.append(ref) } else { result.notOwned.append(ref) }
                }
                start += ConsumerGroup.batchLimit
            }
        }
    }

    private func recoverOwnPending(room: inout Int, into result: inout Result) async throws(RedisError) {
        for (shard, after) in result.cursors.ownPending.sorted(by: { $0.key < $1.key }) where room > 0 {
            let wanted = min(room, ConsumerGroup.batchLimit)
            let ids = try await group.ownPending(shard: shard, after: after, count: wanted)
            let claimed = try await group.claimOwned(shard: shard, ids: ids)
            result.claimed += claimed
            room -= claimed.count
            result.cursors.ownPending[shard] = ids.count < wanted ? nil : ids.last
            if !claimed.isEmpty {
                logger.info("claimed entries left pending by an earlier run", metadata: ["shard": "\(shard)", "count": "\(claimed.count)"])
            }
        }
    }

    private func takeOver(room: inout Int, into result: inout Result) async throws(RedisError) {
        for shard in 0..<group.shards where room > 0 {
            let cursor = result.cursors.takeOver[shard] ?? "0-0"
            let (next, claimed) = try await group.takeOver(
                shard: shard, cursor: cursor, count: min(room, ConsumerGroup.batchLimit), minIdle: claimIdle)
            result.cursors.takeOver[shard] = next
            result.claimed += claimed
            room -= claimed.count
            if !claimed.isEmpty {
                logger.info(
                    "took over entries idle longer than the claim time", metadata: ["shard": "\(shard)", "count": "\(claimed.count)"])
            }
        }
    }
}
