import NIOConcurrencyHelpers
import RedisClient

/// The reads of new entries: one `XREADGROUP` per shard's stream, each on that shard's own
/// connection.
///
/// One command per stream, because on Redis Cluster each shard's stream may live on another node
/// and one command naming several streams is refused (CROSSSLOT). A connection per shard, because a
/// blocking read holds its connection until an entry comes or BLOCK runs out: shards sharing one
/// would wait for each other.
///
/// A read stays in flight across calls. ``next(_:)`` hands back what finished reads brought; when
/// none has finished it starts a read on every shard that has none in flight and waits for the
/// first to finish. The others keep blocking and their entries come with a later call (or
/// ``finish()`` at shutdown), so an entry on one shard never waits for another shard's BLOCK. At
/// most one read per shard is in flight, each for at most the count it was started with, and no
/// read starts while results wait to be handed back: the reads stay within the read-ahead that
/// sized their counts.
final class ShardReads: Sendable {
    typealias Outcome = Result<[ClaimedEntry], RedisError>

    private struct State {
        var inFlight: Set<Int> = []
        var finished: [Outcome] = []
        var waiter: CheckedContinuation<Void, Never>?
    }

    let shards: Int
    private let state = NIOLockedValueBox(State())

    init(shards: Int) {
        self.shards = shards
    }

    /// What finished reads brought, starting `read(shard)` on every idle shard first when none has
    /// finished yet. Returns early (with nothing) when the calling task is cancelled.
    func next(_ read: @escaping @Sendable (Int) async -> Outcome) async -> [Outcome] {
        let started: [Int] = state.withLockedValue { state in
            guard state.finished.isEmpty else { return [] }
            let idle = (0..<shards).filter { !state.inFlight.contains($0) }
            state.inFlight.formUnion(idle)
            return idle
        }
        for shard in started {
            Task { self.finished(shard, await read(shard)) }
        }
        await waitWhile { $0.finished.isEmpty && !$0.inFlight.isEmpty }
        return state.withLockedValue { state in
            defer { state.finished = [] }
            return state.finished
        }
    }

    /// Waits for every read in flight and returns what all unreturned reads brought: at shutdown,
    /// so entries read but never handed to the scheduler can be given back to the group.
    func finish() async -> [Outcome] {
        await waitWhile { !$0.inFlight.isEmpty }
        return state.withLockedValue { state in
            defer { state.finished = [] }
            return state.finished
        }
    }

    private func finished(_ shard: Int, _ outcome: Outcome) {
        let waiter = state.withLockedValue { state in
            state.inFlight.remove(shard)
            state.finished.append(outcome)
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    /// Suspends while `condition` holds, woken by each finished read; cancellation ends the wait.
    /// One caller waits at a time (the scheduler keeps one read in flight).
    private func waitWhile(_ condition: @escaping @Sendable (State) -> Bool) async {
        while !Task.isCancelled {
            await withTaskCancellationHandler {
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    let wait = state.withLockedValue { state in
                        guard condition(state), !Task.isCancelled else { return false }
                        state.waiter = continuation
                        return true
                    }
                    if !wait { continuation.resume() }
                }
            } onCancel: {
                let waiter = state.withLockedValue { state in
                    defer { state.waiter = nil }
                    return state.waiter
                }
                waiter?.resume()
            }
            if !state.withLockedValue({ condition($0) }) { return }
        }
    }
}
