import Metrics

/// What ordered delivery adds to the delivery metrics, per destination.
struct OrderedMetrics: Sendable {
    static let heldLabel = "webhook_dedup_partitions_held"
    static let wentOnLabel = "webhook_dedup_ordered_went_on_total"
    static let lostLabel = "webhook_dedup_partition_leases_lost_total"

    private let held: Gauge
    private let wentOn: Counter
    private let lost: Counter

    init(destination: String) {
        held = Gauge(label: Self.heldLabel, dimensions: [("destination", destination)])
        wentOn = Counter(label: Self.wentOnLabel, dimensions: [("destination", destination)])
        lost = Counter(label: Self.lostLabel, dimensions: [("destination", destination)])
    }

    /// Partitions this deliverer holds now.
    func holding(_ count: Int) {
        held.record(count)
    }

    /// A conversation's entry became a dead letter and the conversation went on without it.
    func conversationWentOn() {
        wentOn.increment()
    }

    /// A lease found gone or taken when this deliverer tried to use it.
    func leaseLost() {
        lost.increment()
    }
}
