import Metrics

/// What delivery reports through swift-metrics (exported by whatever backend the process bootstraps,
/// e.g. Prometheus). Per-source counters, because one failing sender should show as that sender.
struct DeliveryMetrics: Sendable {
    static let deliveredLabel = "webhook_dedup_delivered_total"
    static let retriedLabel = "webhook_dedup_retried_total"
    static let deadLetteredLabel = "webhook_dedup_dead_lettered_total"
    static let latencyLabel = "webhook_dedup_delivery_duration_seconds"
    static let backlogLabel = "webhook_dedup_delivery_backlog"
    static let droppedNotOwnedLabel = "webhook_dedup_deliveries_dropped_not_owned_total"

    private let backlogGauge = Gauge(label: DeliveryMetrics.backlogLabel)
    private let droppedNotOwnedCounter = Counter(label: DeliveryMetrics.droppedNotOwnedLabel)

    /// A 2xx answer (or a written line): how long the successful attempt took.
    func attemptSucceeded(source: String, latency: Duration) {
        Metrics.Timer(label: Self.latencyLabel, dimensions: [("source", source)]).record(duration: latency)
    }

    /// A delivered entry, acknowledged and deleted from the stream.
    func delivered(source: String) {
        Counter(label: Self.deliveredLabel, dimensions: [("source", source)]).increment()
    }

    /// A failed attempt that will be tried again.
    func retried(source: String) {
        Counter(label: Self.retriedLabel, dimensions: [("source", source)]).increment()
    }

    /// An entry moved to dead letters.
    func deadLettered(source: String) {
        Counter(label: Self.deadLetteredLabel, dimensions: [("source", source)]).increment()
    }

    /// An entry this deliverer dropped because it was no longer pending at it: a peer took it over
    /// (this deliverer was stopped or starved past the claim time) or finished it. Not by source:
    /// a drop is about deliverers, not senders, and a waiting entry's fields are not kept in memory.
    func droppedNotOwned() {
        droppedNotOwnedCounter.increment()
    }

    /// Entries in all streams (each deliverer reports what it last saw).
    func backlog(_ entries: Int) {
        backlogGauge.record(entries)
    }
}
