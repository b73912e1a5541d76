import DedupCore
public import Hummingbird
public import Logging
public import Prometheus
public import RedisClient
import ServiceLifecycle
import UnixSignals

/// Wires the receiver: router, controllers, store, metrics. The `receive` command and the tests both
/// build the application here, so what is tested is what runs.
public func buildReceiverApplication(
    configuration: ReceiverConfiguration,
    redis: RedisClient,
    readiness: Readiness = Readiness(),
    registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
    logger: Logger
) -> some ApplicationProtocol {
    let metrics = ReceiverMetrics(registry: registry, configuredSources: configuration.sources.sources.keys)
    let store = AcceptStore(
        redis: redis, keyPrefix: configuration.keyPrefix, shards: configuration.shards,
        receiverName: configuration.receiverName, timeout: configuration.redisTimeout, minReplicas: configuration.minReplicas)
    let router = Router(context: BasicRequestContext.self)
    HealthController(redis: redis, readiness: readiness, metrics: metrics).addRoutes(to: router)
    let rateLimiter = RateLimiter(
        redis: redis, keyPrefix: configuration.keyPrefix, shards: configuration.shards, timeout: configuration.redisTimeout)
    WebhookController(
        configuration: configuration, deriver: KeyDeriver(sources: configuration.sources), store: store,
        rateLimiter: rateLimiter, metrics: metrics
    ).addRoutes(to: router)
    return Application(
        router: router,
        // A connection that sends nothing for this long is closed: idle keep-alives and slowloris
        // clients alike. Header limits are Hummingbird's defaults: 80 KiB per field, 80 KiB for the
        // request line and all fields, 1,000 fields; past any of them the answer is a bare 400 and the
        // connection is closed (docs/operations.md, "Limits"). Each connection is served on its own
        // event loop, where the Redis client has a connection too.
        server: .loopBoundHTTP1(configuration: .init(idleTimeout: .seconds(Int64(configuration.idleTimeout.components.seconds)))),
        configuration: .init(
            address: .hostname(configuration.host, port: configuration.port), serverName: nil, backlog: configuration.listenBacklog),
        logger: logger
    )
}

/// Runs `webhook-dedup receive` until SIGTERM/SIGINT: the application, then a drain period (see
/// ``DrainService``), then exit.
public func runReceiver(configuration: ReceiverConfiguration, redisConfiguration: RedisConfiguration, logger: Logger) async throws {
    let redis = RedisClient(configuration: redisConfiguration, logger: logger)
    let readiness = Readiness()
    let app = buildReceiverApplication(configuration: configuration, redis: redis, readiness: readiness, logger: logger)
    if await !redis.ping(timeout: .seconds(2)) {
        logger.warning(
            "Redis does not answer yet; serving 503 until it does",
            metadata: ["redis": "\(redisConfiguration.redactedURL)"])
    }
    let group = ServiceGroup(
        configuration: .init(
            // Shut down in reverse order: the drain first, then the server, the Redis client last.
            services: [redis, app, DrainService(readiness: readiness, drainTime: configuration.drainTime, logger: logger)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        )
    )
    logger.info(
        "receiver listening",
        metadata: [
            "address": "\(configuration.host):\(configuration.port)", "redis": "\(redisConfiguration.redactedURL)",
            "name": "\(configuration.receiverName)",
        ])
    try await group.run()
}
