import CoreMetrics
import DedupCore
import Prometheus
import Synchronization

/// The receiver's metrics, exposed at `/metrics` in Prometheus text format.
///
/// Built on swift-metrics with a Prometheus factory bound to one registry (rather than the global
/// `MetricsSystem`), so every application — and every test — has its own. Label values that come
/// from requests are bounded, so a client inventing names cannot grow the registry or push real
/// traffic out of it (see ``sourceLabel(_:)``); Evolution entry points are capped at 50, past which
/// they count as `other`.
final class ReceiverMetrics: Sendable {
    /// Source labels in all: configured sources take theirs first, other valid names share the rest.
    static let sourceLabelLimit = 100

    let registry: PrometheusCollectorRegistry
    private let factory: PrometheusMetricsFactory
    private let configuredSources: Set<String>
    private let unconfiguredSources: LabelCap
    private let entryPoints = LabelCap(limit: 50)
    private let latency: CoreMetrics.Timer
    private let redisErrors: CoreMetrics.Counter
    private let ready: CoreMetrics.Gauge

    init(registry: PrometheusCollectorRegistry, configuredSources: some Sequence<String>) {
        self.registry = registry
        self.configuredSources = Set(configuredSources)
        self.unconfiguredSources = LabelCap(limit: max(0, Self.sourceLabelLimit - self.configuredSources.count))
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5),
            .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
            .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5),
        ]
        self.factory = factory
        self.latency = CoreMetrics.Timer(label: "webhook_request_duration_seconds", dimensions: [], factory: factory)
        self.redisErrors = CoreMetrics.Counter(label: "webhook_redis_errors_total", dimensions: [], factory: factory)
        self.ready = CoreMetrics.Gauge(label: "webhook_receiver_ready", dimensions: [], factory: factory)
    }

    /// Counts one POST by source and outcome, and its latency.
    func record(source: String, outcome: Outcome, nanoseconds: Int64) {
        CoreMetrics.Counter(
            label: "webhook_requests_total",
            dimensions: [("source", sourceLabel(source)), ("outcome", outcome.rawValue)],
            factory: factory
        ).increment()
        latency.recordNanoseconds(nanoseconds)
    }

    /// Counts a duplicate by Evolution `contextInfo.entryPointConversionSource`: repeats cluster on
    /// some entry points (click-to-chat links), and operators want to see which.
    func recordDuplicate(source: String, entryPoint: String?) {
        CoreMetrics.Counter(
            label: "webhook_duplicates_by_entry_point_total",
            dimensions: [("source", sourceLabel(source)), ("entry_point", entryPoints.label(entryPoint ?? "none"))],
            factory: factory
        ).increment()
    }

    /// Counts a request that carries the sender's own retry counter (Slack's `X-Slack-Retry-Num`),
    /// so operators see how often the sender retried and whether each retry was a duplicate. The
    /// `attempt` label is the counter for 1 to 10, else `other`, so a forged value cannot grow the
    /// registry.
    func recordSenderRetry(source: String, attempt: String) {
        let label = Int(attempt).map { (1...10).contains($0) ? String($0) : "other" } ?? "other"
        CoreMetrics.Counter(
            label: "webhook_sender_retries_total",
            dimensions: [("source", sourceLabel(source)), ("attempt", label)],
            factory: factory
        ).increment()
    }

    /// Counts a new message that matched none of its source's routes: deduplicated, then written to
    /// no destination's stream.
    func recordUnrouted(source: String) {
        CoreMetrics.Counter(label: "webhook_unrouted_total", dimensions: [("source", sourceLabel(source))], factory: factory).increment()
    }

    /// The `source` label of a request's name. Requests name sources before any authentication, so:
    /// a source from the sources file always has its own label, whatever else arrives; an invalid
    /// name (a 70 kB path, say) is `invalid`, one label outside the cap, never the name itself; a
    /// valid name nobody configured gets its own label while the cap has room, `other` after.
    func sourceLabel(_ source: String) -> String {
        guard SourceName.isValid(source) else { return "invalid" }
        if configuredSources.contains(source) { return source }
        return unconfiguredSources.label(source)
    }

    func recordRedisError() {
        redisErrors.increment()
    }

    /// `webhook_receiver_ready`: 1 when the receiver would answer `/readyz` 200, as of the last
    /// scrape. A receiver that serves `/metrics` but cannot reach Redis is up and still not ready.
    func recordReadiness(_ isReady: Bool) {
        ready.record(isReady ? 1 : 0)
    }
}

/// Admits the first `limit` distinct label values, then maps new ones to `other`.
final class LabelCap: Sendable {
    private let limit: Int
    private let seen = Mutex<Set<String>>([])

    init(limit: Int) { self.limit = limit }

    func label(_ value: String) -> String {
        seen.withLock { seen in
            if seen.contains(value) { return value }
            guard seen.count < limit else { return "other" }
            seen.insert(value)
            return value
        }
    }
}
