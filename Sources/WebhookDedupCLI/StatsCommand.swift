import ArgumentParser
import Console
import Logging
import RedisClient

/// `webhook-dedup stats`: one JSON object on stdout describing delivery across all shards.
struct StatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract:
            "Print one JSON object: per destination and shard stream length, group pending and lag, consumers with idle time, dead letters, and on Redis Cluster the node serving the shard; messages that matched no route; totals; and the last hour of the per-minute counters (last_hour)."
    )

    @OptionGroup var redis: RedisOptions

    @OptionGroup var destinations: DestinationOptions

    @Option(help: "Consumer group name (env WD_GROUP, default deliverers)")
    var group: String?

    func run() async throws {
        let logger = makeLogger(label: "webhook-dedup.stats")
        let (redisConfiguration, prefix, shards, group, names, ordered) = try startupConfiguration {
            (
                try redis.resolvedRedisConfiguration(), try redis.resolvedKeyPrefix(), try redis.resolvedShards(),
                Setting("group", env: "WD_GROUP").string(self.group, default: "deliverers"), try destinations.resolved(),
                try destinations.orderedPartitions()
            )
        }
        let client = RedisClient(configuration: redisConfiguration, logger: logger)
        defer { client.close() }
        do {
            print(
                try await StatsOutput.read(redis: client, keyPrefix: prefix, shards: shards, group: group, destinations: names, ordered: ordered)
                    .json())
        } catch {
            printError("webhook-dedup: stats: \(error)")
            throw ExitCode(1)
        }
    }
}
