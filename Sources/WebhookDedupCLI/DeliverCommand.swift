import ArgumentParser
import DedupCore
import Deliverer
import Foundation
import Logging
import RedisClient
import ServiceLifecycle
import UnixSignals

/// `webhook-dedup deliver`: the stream consumer that posts every accepted message downstream.
struct DeliverCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deliver",
        abstract: "Deliver accepted messages downstream: at least once, retried with backoff, dead-lettered after the last attempt.",
        discussion: """
            Reads every shard's stream through a Redis consumer group and POSTs each entry's body with its \
            original content type and forwarded headers plus Idempotency-Key, X-Dedup-Key, X-Dedup-Source, \
            X-Dedup-Entry-Id and X-Delivery-Attempt. With a sources file that has destinations, every \
            destination (or those named with --destination) is delivered on its own: own streams, group, \
            concurrency, retries and dead letters. A 2xx answer acknowledges and deletes the entry; \
            anything else, a refused connection or a timeout is retried. SIGTERM or SIGINT: stop reading, \
            finish the deliveries in flight, exit 0. Logs go to stderr (LOG_LEVEL sets the level).
            """
    )

    @OptionGroup var redis: RedisOptions

    @Option(
        name: .customLong("downstream-url"),
        help: "Where entries are POSTed (http:// or https://), or - for one JSON line per entry on stdout (env WD_DOWNSTREAM_URL, required)")
    var downstreamURL: String?

    @OptionGroup var destinations: DestinationOptions

    @Option(
        name: .customLong("final-statuses"),
        help: "Statuses dead-lettered after one attempt, comma separated, \"none\" for none (env WD_FINAL_STATUSES, default 400,401,403,404,410,422)")
    var finalStatuses: String?

    @Option(help: "Consumer group name (env WD_GROUP, default deliverers)")
    var group: String?

    @Option(help: "This deliverer's name in the group (env WD_CONSUMER, default hostname-pid)")
    var consumer: String?

    @Option(help: "Deliveries in flight (env WD_CONCURRENCY, default 16)")
    var concurrency: String?

    @Option(name: .customLong("max-attempts"), help: "Attempts before an entry goes to dead letters (env WD_MAX_ATTEMPTS, default 10)")
    var maxAttempts: String?

    @Option(name: .customLong("retry-base-ms"), help: "Shortest wait before a retry; the backoff doubles from it (env WD_RETRY_BASE_MS, default 500)")
    var retryBaseMs: String?

    @Option(name: .customLong("retry-max-ms"), help: "Longest wait before a retry (env WD_RETRY_MAX_MS, default 60000)")
    var retryMaxMs: String?

    @Option(name: .customLong("delivery-timeout-ms"), help: "Bound on one attempt (env WD_DELIVERY_TIMEOUT_MS, default 10000)")
    var deliveryTimeoutMs: String?

    @Option(
        name: .customLong("claim-idle-ms"),
        help: "Entries idle this long at a dead or stuck deliverer are taken over; at least 750 (env WD_CLAIM_IDLE_MS, default 30000)")
    var claimIdleMs: String?

    @Option(
        name: .customLong("metrics-port"),
        help: "Serve GET /metrics (Prometheus) and GET /healthz on this port (env WD_METRICS_PORT; default: no HTTP server)")
    var metricsPort: String?

    @Option(help: "Address the metrics server listens on (env WD_HOST, default 0.0.0.0)")
    var host: String?

    func run() async throws {
        let logger = makeLogger(label: "webhook-dedup.deliver")
        let configuration = try startupConfiguration(resolveConfiguration)
        let metricsPort = try startupConfiguration {
            try Setting("metrics-port", env: "WD_METRICS_PORT").optionalInt(self.metricsPort, range: 1...65535)
        }
        // Services stop in reverse order: the metrics server goes last, so the final counts of a
        // draining deliverer can still be scraped.
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        if let metricsPort {
            let host = Setting("host", env: "WD_HOST").string(host, default: "0.0.0.0")
            services.append(.init(service: DelivererMetricsServer.make(host: host, port: metricsPort, logger: logger)))
        }
        services.append(.init(service: DeliveryService(configuration: configuration, logger: logger)))
        let serviceGroup = ServiceGroup(
            configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await serviceGroup.run()
    }

    private func resolveConfiguration() throws -> DelivererConfiguration {
        let routed = try destinations.defined()
        let downstreamSetting = Setting("downstream-url", env: "WD_DOWNSTREAM_URL")
        // With destinations each has its url; a WD_DOWNSTREAM_URL left in the environment is not used.
        let downstreamText = routed.isEmpty ? downstreamSetting.optionalString(downstreamURL) : "-"
        guard let downstreamText else {
            throw StartupError(
                "WD_DOWNSTREAM_URL (--downstream-url) is required without a sources file with destinations: the URL entries are POSTed to, or - for stdout"
            )
        }
        let downstream: DownstreamTarget
        do {
            downstream = try DownstreamTarget(parsing: downstreamText)
        } catch {
            throw StartupError("WD_DOWNSTREAM_URL (--downstream-url) \(error)")
        }
        let group = Setting("group", env: "WD_GROUP").string(self.group, default: "deliverers")
        guard !group.isEmpty, !group.contains(where: \.isWhitespace) else {
            throw StartupError("WD_GROUP (--group) \"\(group)\" must be non-empty without spaces")
        }
        let consumer = Setting("consumer", env: "WD_CONSUMER").string(self.consumer, default: DelivererConfiguration.defaultConsumerName())
        guard !consumer.isEmpty, !consumer.contains(where: \.isWhitespace) else {
            throw StartupError("WD_CONSUMER (--consumer) \"\(consumer)\" must be non-empty without spaces")
        }
        let retryBase = try Setting("retry-base-ms", env: "WD_RETRY_BASE_MS").int(retryBaseMs, default: 500, range: 1...3_600_000)
        let retryMax = try Setting("retry-max-ms", env: "WD_RETRY_MAX_MS").int(retryMaxMs, default: 60_000, range: 1...86_400_000)
        guard retryMax >= retryBase else {
            throw StartupError("WD_RETRY_MAX_MS (--retry-max-ms) \(retryMax) must not be below WD_RETRY_BASE_MS (--retry-base-ms) \(retryBase)")
        }
        var configuration = DelivererConfiguration(
            redis: try redis.resolvedRedisConfiguration(),
            downstream: downstream,
            keyPrefix: try redis.resolvedKeyPrefix(),
            shards: try redis.resolvedShards(),
            group: group,
            consumer: consumer,
            concurrency: try Setting("concurrency", env: "WD_CONCURRENCY").int(concurrency, default: 16, range: 1...4096),
            maxAttempts: try Setting("max-attempts", env: "WD_MAX_ATTEMPTS").int(maxAttempts, default: 10, range: 1...1000),
            retryBase: .milliseconds(retryBase),
            retryMax: .milliseconds(retryMax),
            deliveryTimeout: .milliseconds(
                try Setting("delivery-timeout-ms", env: "WD_DELIVERY_TIMEOUT_MS").int(deliveryTimeoutMs, default: 10_000, range: 1...3_600_000)),
            claimIdle: .milliseconds(try Setting("claim-idle-ms", env: "WD_CLAIM_IDLE_MS").int(claimIdleMs, default: 30_000, range: 1...86_400_000))
        )
        do {
            try configuration.validate()
        } catch {
            throw StartupError("WD_CLAIM_IDLE_MS (--claim-idle-ms): \(error)")
        }
        configuration.destinations = routed
        configuration.selectedDestinations = try destinations.resolved(among: routed)
        configuration.finalStatuses = try resolveFinalStatuses()
        return configuration
    }

    /// `WD_FINAL_STATUSES`: the `default` destination's final statuses (a sources-file destination
    /// has its own `final_statuses`).
    private func resolveFinalStatuses() throws -> Set<Int> {
        guard let text = Setting("final-statuses", env: "WD_FINAL_STATUSES").optionalString(finalStatuses) else {
            return Destination.defaultFinalStatuses
        }
        if text.trimmingCharacters(in: .whitespaces) == "none" { return [] }
        var statuses: Set<Int> = []
        for part in text.split(separator: ",") {
            guard let status = Int(part.trimmingCharacters(in: .whitespaces)), (300...599).contains(status) else {
                throw StartupError("WD_FINAL_STATUSES (--final-statuses) \"\(text)\" must be HTTP statuses from 300 to 599, comma separated, or none")
            }
            statuses.insert(status)
        }
        return statuses
    }
}
