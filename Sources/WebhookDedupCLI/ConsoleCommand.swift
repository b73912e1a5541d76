import ArgumentParser
import Console
import Logging
import RedisClient

/// `webhook-dedup console`: the operator's page and JSON API, a process of its own with its own
/// Redis user (docs/security.md).
struct ConsoleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "console",
        abstract: "Run the operator console: one page and a JSON API under /api/ (counters, backlog, dead letters, message lookup)."
    )

    @OptionGroup var redis: RedisOptions

    @OptionGroup var destinations: DestinationOptions

    @Option(help: "Listen address (env WD_CONSOLE_HOST, default 127.0.0.1); any other than loopback needs a token")
    var host: String?

    @Option(help: "Listen port (env WD_CONSOLE_PORT, default 8090)")
    var port: String?

    @Option(help: "Admin token, 16 characters or more: Authorization: Bearer TOKEN or the login form (env WD_CONSOLE_TOKEN)")
    var token: String?

    @Option(help: "Consumer group name (env WD_GROUP, default deliverers)")
    var group: String?

    func run() async throws {
        let logger = makeLogger(label: "webhook-dedup.console")
        let (configuration, redisConfiguration) = try startupConfiguration { () throws -> (ConsoleConfiguration, RedisConfiguration) in
            var configuration = ConsoleConfiguration()
            configuration.host = Setting("host", env: "WD_CONSOLE_HOST").string(host, default: "127.0.0.1")
            configuration.port = try Setting("port", env: "WD_CONSOLE_PORT").int(port, default: 8090, range: 0...65535)
            configuration.token = Setting("token", env: "WD_CONSOLE_TOKEN").optionalString(token)
            configuration.group = Setting("group", env: "WD_GROUP").string(group, default: "deliverers")
            configuration.keyPrefix = try redis.resolvedKeyPrefix()
            configuration.shards = try redis.resolvedShards()
            configuration.destinations = try destinations.resolved()
            configuration.orderedPartitions = try destinations.orderedPartitions()
            try configuration.validate()
            return (configuration, try redis.resolvedRedisConfiguration())
        }
        try await runConsole(configuration: configuration, redisConfiguration: redisConfiguration, logger: logger)
    }
}
