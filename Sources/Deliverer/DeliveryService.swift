import DedupCore
public import Logging
import RedisClient
public import ServiceLifecycle

/// `webhook-dedup deliver` as a ServiceLifecycle service: for each destination it serves, reads
/// every shard's stream of that destination through the consumer group and delivers each entry
/// downstream at least once (docs/delivery.md).
///
/// `run()` returns after a graceful shutdown, once the attempts in flight have finished (or the
/// drain time ran out) and unfinished entries were handed back to the group. It owns its Redis
/// clients and its HTTP client and closes them on the way out.
public struct DeliveryService: Service {
    public let configuration: DelivererConfiguration
    private let logger: Logger
    /// Where attempts go instead of `configuration.downstream`: a test's stand-in.
    private let downstreamOverride: (any Downstream)?

    public init(configuration: DelivererConfiguration, logger: Logger = Logger(label: "webhook-dedup.deliver")) {
        self.init(configuration: configuration, downstream: nil, logger: logger)
    }

    init(configuration: DelivererConfiguration, downstream: (any Downstream)?, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        self.downstreamOverride = downstream
    }

    public func run() async throws {
        let destinations = try configuration.destinationConfigurations()
        let redis = RedisClient(configuration: configuration.redis, logger: logger)
        defer { redis.close() }
        await warnAboutUnservedDefaultBacklog(redis)
        // Each destination runs on its own: own streams, group, read connections, concurrency,
        // retries and dead letters, so a destination that fails or crawls never holds up another.
        await withTaskGroup(of: Void.self) { tasks in
            for destination in destinations {
                tasks.addTask { await deliver(destination, redis: redis) }
            }
        }
    }

    /// An upgrade that moved to a sources file with destinations but none named `default` leaves
    /// whatever the single stream still held unread: say so at start rather than silently.
    private func warnAboutUnservedDefaultBacklog(_ redis: RedisClient) async {
        guard !configuration.destinations.isEmpty, !configuration.destinations.contains(where: { $0.name == Destination.defaultName })
        else { return }
        let keys = RedisKeys(prefix: configuration.keyPrefix)
        var waiting = 0
        for shard in 0..<configuration.shards {
            waiting += (try? await redis.command("XLEN", .init(keys.stream(shard: shard))).int) ?? 0
        }
        if waiting > 0 {
            logger.warning(
                "the streams of the destination default hold entries, but the sources file has no destination named default: they wait until one is defined",
                metadata: ["entries": "\(waiting)", "stream": "\(keys.stream(shard: 0))"])
        }
    }

    /// Delivers one destination's streams until shutdown.
    private func deliver(_ configuration: DelivererConfiguration, redis: RedisClient) async {
        var logger = self.logger
        logger[metadataKey: "destination"] = "\(configuration.destination)"
        if let partitions = configuration.partitions {
            return await deliverInOrder(configuration, partitions: partitions, redis: redis, logger: logger)
        }
        var readerConfiguration = configuration.redis
        readerConfiguration.connections = 1
        readerConfiguration.commandTimeout = configuration.readBlock + .seconds(2)  // the socket must outwait BLOCK
        // One per shard: each shard's blocking read has a connection (and, on a cluster, a node) of its own.
        let readers = (0..<configuration.shards).map { _ in RedisClient(configuration: readerConfiguration, logger: logger) }
        defer {
            for reader in readers { reader.close() }
        }
        let group = ConsumerGroup(redis: redis, readers: readers, configuration: configuration)
        guard await createGroup(group, logger: logger) else { return }

        let downstream = makeDownstream(configuration)
        logger.info(
            "delivering",
            metadata: [
                "downstream": "\(configuration.downstream.logDescription)", "group": "\(configuration.group)",
                "consumer": "\(configuration.consumer)", "shards": "\(configuration.shards)",
                "concurrency": "\(configuration.concurrency)",
                "rate": "\(configuration.rate.map { "\($0.rate)/s burst \($0.burst)" } ?? "unlimited")",
            ])
        var scheduler = DeliveryScheduler(configuration: configuration, group: group, downstream: downstream, logger: logger)
        await scheduler.run()
        await handBackUnreturnedReads(group, configuration: configuration, logger: logger)
        await downstream.shutdown()
        logger.info("stopped")
    }

    private func makeDownstream(_ configuration: DelivererConfiguration) -> any Downstream {
        switch (downstreamOverride, configuration.downstream) {
        case (let override?, _):
            override
        case (nil, .http(let url)):
            HTTPDownstream(
                url: url, concurrency: configuration.concurrency, timeout: configuration.deliveryTimeout,
                headers: configuration.headers.map { ($0.name, $0.value.revealedText) })
        case (nil, .standardOutput):
            StandardOutputDownstream()
        }
    }

    /// An ordered destination: its partitions under leases instead of a consumer group
    /// (docs/ordering.md). Stops taking new attempts at shutdown; each partition's attempt in flight
    /// finishes and its lease is given up.
    private func deliverInOrder(_ configuration: DelivererConfiguration, partitions: Int, redis: RedisClient, logger: Logger) async {
        let downstream = makeDownstream(configuration)
        let destination = OrderedDestination(
            name: configuration.destination, partitions: partitions, shards: configuration.shards, retry: configuration.retryPolicy,
            deliveryTimeout: configuration.deliveryTimeout, concurrency: configuration.concurrency, leaseTTL: configuration.claimIdle)
        let rate = configuration.rate.map {
            DeliveryRate(
                redis: redis, keys: RedisKeys(prefix: configuration.keyPrefix), shards: configuration.shards, destination: configuration.destination,
                rule: $0)
        }
        logger.info(
            "delivering in order",
            metadata: [
                "downstream": "\(configuration.downstream.logDescription)", "consumer": "\(configuration.consumer)",
                "partitions": "\(partitions)", "concurrency": "\(configuration.concurrency)",
                "lease_ms": "\(configuration.claimIdle.milliseconds)",
            ])
        let delivery = OrderedDelivery(
            redis: redis, keys: RedisKeys(prefix: configuration.keyPrefix), destination: destination, consumer: configuration.consumer,
            downstream: downstream, rate: rate, metrics: DeliveryMetrics(destination: configuration.destination), logger: logger)
        await delivery.run { Task.isShuttingDownGracefully || Task.isCancelled }
        await downstream.shutdown()
        logger.info("stopped")
    }

    /// Entries that reads still in flight at shutdown brought are pending at this consumer but were
    /// never handed out: they go back to the group as the scheduler's own unfinished entries do,
    /// claimable by any deliverer at once.
    private func handBackUnreturnedReads(_ group: ConsumerGroup, configuration: DelivererConfiguration, logger: Logger) async {
        let entries = await group.finishReads()
        if entries.isEmpty { return }
        do {
            let released = try await group.releaseOwned(
                entries.map { (ref: $0.entry.ref, attemptsMade: $0.attempt - 1) }, idle: configuration.claimIdle)
            logger.info("handed entries read during shutdown back to the group", metadata: ["entries": "\(released)"])
        } catch {
            logger.warning(
                "cannot hand entries back; they are taken over after the claim time",
                metadata: ["entries": "\(entries.count)", "error": "\(error)"])
        }
    }

    /// Creates the consumer group, retrying while Redis is unreachable (a deliverer started before
    /// Redis waits for it). False when shutdown came first.
    private func createGroup(_ group: ConsumerGroup, logger: Logger) async -> Bool {
        var delay = Duration.milliseconds(100)
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await group.create()
                return true
            } catch {
                logger.warning("cannot create the consumer group; retrying", metadata: ["error": "\(error)", "retry_in": "\(delay)"])
                let wait = delay
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: wait) }
                delay = min(delay * 2, .seconds(5))
            }
        }
        return false
    }
}
