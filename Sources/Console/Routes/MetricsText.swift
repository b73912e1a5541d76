import Deliverer
import Foundation

/// The console's `/metrics`: cluster-wide delivery gauges read from Redis at scrape time, which no
/// single deliverer can report alone (each sees only what it reads): per destination and shard the
/// backlog, pending entries, the oldest undelivered message's age and the dead letters; per consumer
/// its idle time and pending entries. An ordered destination's partitions count in the backlog and
/// age families too, each with its `partition` label, so sums and alerts over them see every entry.
enum MetricsText {
    static func render(delivery: DeliveryStats, backlog: [BacklogAge]) -> String {
        var text = ""
        func family(_ name: String, _ help: String, _ samples: [(labels: String, value: String)]) {
            text += "# HELP \(name) \(help)\n# TYPE \(name) gauge\n"
            for sample in samples { text += "\(name){\(sample.labels)} \(sample.value)\n" }
        }
        let shards = delivery.destinations.flatMap { report in report.shards.map { (destination: report.destination, shard: $0) } }
        func labels(_ destination: String, _ shard: Int) -> String { "destination=\"\(escape(destination))\",shard=\"\(shard)\"" }
        let partitions = delivery.destinations.flatMap { report in
            (report.partitions ?? []).map { status in
                (
                    labels: labels(report.destination, status.shard) + ",partition=\"\(status.partition)\"",
                    status: status
                )
            }
        }
        family(
            "webhook_dedup_stream_length", "Entries in the stream: accepted, not yet delivered.",
            shards.map { (labels($0.destination, $0.shard.shard), String($0.shard.length)) }
                + partitions.map { ($0.labels, String($0.status.length)) })
        family(
            "webhook_dedup_stream_pending", "Entries read by a deliverer and not yet acknowledged.",
            shards.map { (labels($0.destination, $0.shard.shard), String($0.shard.pending)) })
        family(
            "webhook_dedup_dead_letters", "Entries in the dead-letter stream.",
            shards.map { (labels($0.destination, $0.shard.shard), String($0.shard.deadLetters)) })
        family(
            "webhook_dedup_oldest_undelivered_age_seconds", "Age of the oldest entry still in the stream (0 when empty).",
            backlog.map { (labels($0.destination, $0.shard), String(Double($0.oldestAgeMs ?? 0) / 1000)) }
                + partitions.map { ($0.labels, String(Double($0.status.oldestWaitingMs ?? 0) / 1000)) })
        family(
            "webhook_dedup_consumer_idle_seconds", "Time since the consumer last read or claimed.",
            shards.flatMap { item in
                item.shard.consumers.map {
                    (labels(item.destination, item.shard.shard) + ",consumer=\"\(escape($0.name))\"", String(Double($0.idleMs) / 1000))
                }
            })
        family(
            "webhook_dedup_consumer_pending", "Entries pending at the consumer.",
            shards.flatMap { item in
                item.shard.consumers.map { (labels(item.destination, item.shard.shard) + ",consumer=\"\(escape($0.name))\"", String($0.pending)) }
            })
        return text
    }

    private static func escape(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }
}
