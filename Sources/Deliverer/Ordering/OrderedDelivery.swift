import DedupCore
import Logging
import NIOConcurrencyHelpers
import RedisClient

/// Ordered delivery of one destination in this deliverer: takes a fair share of its partitions,
/// runs a ``PartitionWorker`` for each, and rebalances as deliverers come and go.
///
/// Every third of the lease time it records a heartbeat in the destination's holders set (by Redis's clock), counts
/// the live deliverers `n`, and aims to hold `ceil(partitions / n)`: it takes free partitions (a dead
/// deliverer's come free when their leases expire) and gives up the surplus after a newcomer joined.
/// Two deliverers may briefly disagree on `n`; a partition is still only ever held by one, because
/// taking it is `SET NX` on its lease.
struct OrderedDelivery: Sendable {
    let redis: RedisClient
    let keys: RedisKeys
    let destination: OrderedDestination
    let consumer: String
    let downstream: any Downstream
    let rate: DeliveryRate?
    let metrics: DeliveryMetrics
    let logger: Logger

    private final class State: Sendable {
        /// Partitions with a running worker, and those asked to give up.
        let held = NIOLockedValueBox<(running: Set<Int>, releasing: Set<Int>)>((running: [], releasing: []))
    }

    /// Runs until `stopping()` turns true, then lets each worker finish its attempt in flight, gives
    /// the leases up and leaves the holders set.
    func run(stopping: @escaping @Sendable () -> Bool) async {
        let leases = PartitionLeases(
            redis: redis, keys: keys, destination: destination.name, shards: destination.shards, consumer: consumer, ttl: destination.leaseTTL)
        let slots = AttemptSlots(destination.concurrency)
        let orderedMetrics = OrderedMetrics(destination: destination.name)
        let worker = PartitionWorker(
            redis: redis, keys: keys, destination: destination, leases: leases, downstream: downstream, slots: slots, rate: rate,
            metrics: metrics, orderedMetrics: orderedMetrics, logger: logger)
        let state = State()
        let tick = destination.leaseTTL / 3
        await withTaskGroup(of: Void.self) { group in
            while !stopping() {
                do {
                    let share = try await fairShare()
                    let running = state.held.withLockedValue { $0.running.subtracting($0.releasing) }
                    if running.count < share {
                        for partition in (0..<destination.partitions).shuffled() where !running.contains(partition) {
                            if state.held.withLockedValue({ $0.running.contains(partition) }) { continue }
                            guard let lease = try await leases.acquire(partition) else { continue }
                            state.held.withLockedValue { _ = $0.running.insert(partition) }
                            group.addTask {
                                _ = await worker.run(lease) {
                                    stopping() || state.held.withLockedValue { $0.releasing.contains(partition) }
                                }
                                state.held.withLockedValue {
                                    $0.running.remove(partition)
                                    $0.releasing.remove(partition)
                                }
                            }
                            if state.held.withLockedValue({ $0.running.subtracting($0.releasing).count }) >= share { break }
                        }
                    } else if running.count > share {
                        state.held.withLockedValue { $0.releasing.formUnion(running.sorted().suffix(running.count - share)) }
                    }
                    orderedMetrics.holding(state.held.withLockedValue { $0.running.count })
                } catch {
                    logger.warning("ordered delivery: rebalancing failed", metadata: ["destination": "\(destination.name)", "error": "\(error)"])
                }
                // Sleep a tick, waking early to stop.
                let wake = ContinuousClock.now + tick
                while !stopping(), ContinuousClock.now < wake { try? await Task.sleep(for: .milliseconds(50)) }
            }
            await group.waitForAll()
        }
        _ = try? await redis.command("ZREM", .init(keys.partitionHolders(destination: destination.name)), .init(consumer))
    }

    /// Records this deliverer's heartbeat and returns its share of the partitions among the live
    /// deliverers (those seen within a lease time).
    private func fairShare() async throws(RedisError) -> Int {
        let live =
            try await redis.evalScript(
                PartitionLeaseScripts.heartbeat, keys: [.init(keys.partitionHolders(destination: destination.name))],
                arguments: [.init(consumer), .init(Int(destination.leaseTTL.milliseconds))]
            ).throwingServerError().int ?? 1
        return (destination.partitions + max(live, 1) - 1) / max(live, 1)
    }
}
