public import Hummingbird
public import Logging
public import RedisClient
import ServiceLifecycle
import UnixSignals

/// Wires the console: the page, the login endpoints, `/metrics`, and the API behind the token. The
/// `console` command and the tests both build it here, so what is tested is what runs.
public func buildConsoleApplication(
    configuration: ConsoleConfiguration, redis: RedisClient, logger: Logger
) -> some ApplicationProtocol {
    let auth = ConsoleAuth(token: configuration.token)
    let router = Router(context: BasicRequestContext.self)
    PageController(configuration: configuration, redis: redis, auth: auth, logger: logger).addRoutes(to: router)
    let api = router.group("api").add(middleware: AuthMiddleware(auth: auth, logger: logger))
    APIController(
        configuration: configuration, redis: redis, auth: auth,
        actions: DeadLetterActions(
            redis: redis, keyPrefix: configuration.keyPrefix, shards: configuration.shards, destinations: configuration.destinations,
            ordered: configuration.orderedPartitions), logger: logger
    ).addRoutes(to: api)
    return Application(
        router: router,
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: nil),
        logger: logger)
}

/// Runs `webhook-dedup console` until SIGTERM/SIGINT, with the timer that trims the index of counted
/// sources beside it (the only write the console makes on its own).
public func runConsole(configuration: ConsoleConfiguration, redisConfiguration: RedisConfiguration, logger: Logger) async throws {
    let redis = RedisClient(configuration: redisConfiguration, logger: logger)
    let app = buildConsoleApplication(configuration: configuration, redis: redis, logger: logger)
    let trim = CountedSourcesTrim(redis: redis, keyPrefix: configuration.keyPrefix, shards: configuration.shards, logger: logger)
    let group = ServiceGroup(
        configuration: .init(services: [redis, trim, app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
    logger.info(
        "console listening",
        metadata: [
            "url": "http://\(configuration.host):\(configuration.port)/", "redis": "\(redisConfiguration.redactedURL)",
            "token": "\(configuration.token == nil ? "none (loopback only)" : "required")",
        ])
    try await group.run()
}
