import DedupCore
import RedisClient

/// The right to deliver one partition of an ordered destination, kept in Redis and fenced.
///
/// Exactly one deliverer holds a partition at a time, so its entries go out one by one in accept
/// order. The holder renews the lease well within its TTL; a holder that dies or stalls loses it when
/// the TTL runs out, and the next deliverer to ask takes it with a greater fencing token. Every step
/// that changes the partition checks the token in Redis, and the holder itself stops delivering when
/// its lease may have run out (``validUntil``), so an expired holder never delivers again for it.
struct PartitionLease: Sendable, Equatable {
    let partition: Int
    /// The fencing token: greater for every later holder of this partition.
    let token: Int
    /// `TOKEN:CONSUMER`, the lease key's value while this holder has it.
    let value: String
    /// When the lease may have expired in Redis, by this process's monotonic clock: taken before the
    /// request that set the TTL was sent, so it is never later than Redis's own expiry.
    var validUntil: ContinuousClock.Instant

    /// Whether a delivery that may take up to `duration` still ends within the lease.
    func covers(_ duration: Duration, now: ContinuousClock.Instant = .now) -> Bool {
        now + duration < validUntil
    }
}

/// Takes, renews and gives up partition leases of one destination for one consumer.
struct PartitionLeases: Sendable {
    let redis: RedisClient
    let keys: RedisKeys
    let destination: String
    let shards: Int
    let consumer: String
    let ttl: Duration

    init(redis: RedisClient, keys: RedisKeys, destination: String, shards: Int, consumer: String, ttl: Duration) {
        self.redis = redis
        self.keys = keys
        self.destination = destination
        self.shards = shards
        self.consumer = consumer
        self.ttl = ttl
        for script in [PartitionLeaseScripts.acquire, PartitionLeaseScripts.renew, PartitionLeaseScripts.release, PartitionLeaseScripts.heartbeat] {
            redis.register(script)
        }
    }

    /// The lease of `partition` if nobody holds it; nil if someone does.
    func acquire(_ partition: Int) async throws(RedisError) -> PartitionLease? {
        let sent = ContinuousClock.now
        let reply = try await redis.evalScript(
            PartitionLeaseScripts.acquire,
            keys: [
                .init(keys.partitionLease(partition, destination: destination, shards: shards)),
                .init(keys.partitionFence(partition, destination: destination, shards: shards)),
            ],
            arguments: [.init(consumer), .init(Int(ttl.milliseconds))]
        ).throwingServerError()
        guard let parts = reply.array, parts.count == 2, parts[0].int == 1, let token = parts[1].int else { return nil }
        return PartitionLease(partition: partition, token: token, value: "\(token):\(consumer)", validUntil: sent + ttl)
    }

    /// Extends `lease`; false when it is no longer this consumer's (expired and taken, or deleted).
    func renew(_ lease: inout PartitionLease) async throws(RedisError) -> Bool {
        let sent = ContinuousClock.now
        let reply = try await redis.evalScript(
            PartitionLeaseScripts.renew, keys: [.init(keys.partitionLease(lease.partition, destination: destination, shards: shards))],
            arguments: [.init(lease.value), .init(Int(ttl.milliseconds))]
        ).throwingServerError()
        guard reply.int == 1 else { return false }
        lease.validUntil = sent + ttl
        return true
    }

    /// Gives `lease` up at once (shutdown, rebalancing), so a peer need not wait for the TTL.
    func release(_ lease: PartitionLease) async throws(RedisError) {
        _ = try await redis.evalScript(
            PartitionLeaseScripts.release, keys: [.init(keys.partitionLease(lease.partition, destination: destination, shards: shards))],
            arguments: [.init(lease.value)]
        ).throwingServerError()
    }
}
