import ArgumentParser
import Deliverer
import Logging
import RedisClient

/// `webhook-dedup stats`: one JSON object on stdout describing delivery across all shards.
struct StatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Print one JSON object: per shard stream length, group pending and lag, consumers with idle time, dead letters; plus totals."
    )

    @OptionGroup var redis: RedisOptions

    @Option(help: "Consumer group name (env WD_GROUP, default deliverers)")
    var group: String?

    func run() async throws {
        let logger = makeLogger(label: "webhook-dedup.stats")
        let (redisConfiguration, prefix, shards, group) = try startupConfiguration {
            (
                try redis.resolvedRedisConfiguration(), try redis.resolvedKeyPrefix(), try redis.resolvedShards(),
                Setting("group", env: "WD_GROUP").string(self.group, default: "deliverers")
            )
        }
        let client = RedisClient(configuration: redisConfiguration, logger: logger)
        defer { client.close() }
        do {
            let report = try await StatsReport.collect(redis: client, keyPrefix: prefix, shards: shards, group: group)
            print(report.json())
        } catch {
            printError("webhook-dedup: stats: \(error)")
            throw ExitCode(1)
        }
    }
}
