import Metrics

/// What delivery reports through swift-metrics (exported by whatever backend the process bootstraps,
/// e.g. Prometheus). Per destination and source, because one failing destination or sender should
/// show as that one.
struct DeliveryMetrics: Sendable {
    static let deliveredLabel = "webhook_dedup_delivered_total"
    static let retriedLabel = "webhook_dedup_retried_total"
    static let deadLetteredLabel = "webhook_dedup_dead_lettered_total"
    static let latencyLabel = "webhook_dedup_delivery_duration_seconds"
    static let backlogLabel = "webhook_dedup_delivery_backlog"
    static let droppedNotOwnedLabel = "webhook_dedup_deliveries_dropped_not_owned_total"

    let destination: String
    private let backlogGauge: Gauge
    private let droppedNotOwnedCounter: Counter

    init(destination: String = "default") {
        self.destination = destination
        backlogGauge = Gauge(label: Self.backlogLabel, dimensions: [("destination", destination)])
        droppedNotOwnedCounter = Counter(label: Self.droppedNotOwnedLabel, dimensions: [("destination", destination)])
    }

    /// A 2xx answer (or a written line): how long the successful attempt took.
    func attemptSucceeded(source: String, latency: Duration) {
        Metrics.Timer(label: Self.latencyLabel, dimensions: [("destination", destination), ("source", source)]).record(duration: latency)
    }

    /// A delivered entry, acknowledged and deleted from the stream.
    func delivered(source: String) {
        Counter(label: Self.deliveredLabel, dimensions: [("destination", destination), ("source", source)]).increment()
    }

    /// A failed attempt that will be tried again.
    func retried(source: String) {
        Counter(label: Self.retriedLabel, dimensions: [("destination", destination), ("source", source)]).increment()
    }

    /// An entry moved to dead letters.
    func deadLettered(source: String) {
        Counter(label: Self.deadLetteredLabel, dimensions: [("destination", destination), ("source", source)]).increment()
    }

    /// An entry this deliverer dropped because it was no longer pending at it: a peer took it over
    /// (this deliverer was stopped or starved past the claim time) or finished it. Not by source:
    /// a drop is about deliverers, not senders, and a waiting entry's fields are not kept in memory.
    func droppedNotOwned() {
        droppedNotOwnedCounter.increment()
    }

    /// Entries in the destination's streams (each deliverer reports what it last saw).
    func backlog(_ entries: Int) {
        backlogGauge.record(entries)
    }
}
