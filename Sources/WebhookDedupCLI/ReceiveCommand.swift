import ArgumentParser
import DedupCore
import Logging
import Receiver
import RedisClient

/// `webhook-dedup receive`: the stateless HTTP receiver.
struct ReceiveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "receive",
        abstract: "Run the HTTP receiver: derive a dedup key per webhook and record new ones in Redis."
    )

    @OptionGroup var redis: RedisOptions

    @Option(help: "Listen address (env WD_HOST, default 0.0.0.0)")
    var host: String?

    @Option(help: "Listen port (env WD_PORT, default 8080)")
    var port: String?

    @Option(name: .customLong("dedup-ttl"), help: "Seconds a key is remembered: the dedup window (env WD_DEDUP_TTL, default 86400)")
    var dedupTTL: String?

    @Option(name: .customLong("max-body-bytes"), help: "Larger bodies get 413 (env WD_MAX_BODY_BYTES, default 10485760)")
    var maxBodyBytes: String?

    @Option(name: .customLong("sources-file"), help: "JSON or YAML file of per-source rules (env WD_SOURCES_FILE, default none)")
    var sourcesFile: String?

    @Option(
        name: .customLong("drain-seconds"),
        help: "After SIGTERM, /readyz answers 503 this long while requests are still served (env WD_DRAIN_SECONDS, default 5)")
    var drainSeconds: String?

    @Option(
        name: .customLong("redis-timeout-ms"),
        help: "Bound on a Redis call on the request path; past it the answer is 503 (env WD_REDIS_TIMEOUT_MS, default 2000)")
    var redisTimeoutMs: String?

    @Option(
        name: .customLong("min-replicas"),
        help: "Answer accepted only after WAIT confirms this many replicas got the write, else 503 (env WD_MIN_REPLICAS, default 0)")
    var minReplicas: String?

    @Option(name: .customLong("name"), help: "Receiver name recorded with each message (env WD_RECEIVER_NAME, default hostname-pid)")
    var name: String?

    func run() async throws {
        let logger = makeLogger(label: "webhook-dedup.receive")
        let (configuration, redisConfiguration) = try startupConfiguration { () throws -> (ReceiverConfiguration, RedisConfiguration) in
            var configuration = ReceiverConfiguration()
            configuration.host = Setting("host", env: "WD_HOST").string(host, default: "0.0.0.0")
            configuration.port = try Setting("port", env: "WD_PORT").int(port, default: 8080, range: 0...65535)
            configuration.dedupTTL = try Setting("dedup-ttl", env: "WD_DEDUP_TTL").int(dedupTTL, default: 86_400, range: 1...31_536_000)
            configuration.maxBodyBytes = try Setting("max-body-bytes", env: "WD_MAX_BODY_BYTES").int(
                maxBodyBytes, default: 10_485_760, range: 1...1_073_741_824)
            configuration.keyPrefix = try redis.resolvedKeyPrefix()
            configuration.shards = try redis.resolvedShards()
            configuration.drainTime = .seconds(try Setting("drain-seconds", env: "WD_DRAIN_SECONDS").int(drainSeconds, default: 5, range: 0...3600))
            let timeoutMs = try Setting("redis-timeout-ms", env: "WD_REDIS_TIMEOUT_MS").int(redisTimeoutMs, default: 2000, range: 10...60_000)
            configuration.redisTimeout = .milliseconds(timeoutMs)
            configuration.minReplicas = try Setting("min-replicas", env: "WD_MIN_REPLICAS").int(minReplicas, default: 0, range: 0...16)
            configuration.receiverName = Setting("name", env: "WD_RECEIVER_NAME").string(name, default: ReceiverConfiguration.defaultName)
            if let path = Setting("sources-file", env: "WD_SOURCES_FILE").optionalString(sourcesFile) {
                configuration.sources = try SourcesConfig.load(path: path)
            }
            var redisConfiguration = try redis.resolvedRedisConfiguration()
            redisConfiguration.commandTimeout = .milliseconds(timeoutMs)
            return (configuration, redisConfiguration)
        }
        try await runReceiver(configuration: configuration, redisConfiguration: redisConfiguration, logger: logger)
    }
}
