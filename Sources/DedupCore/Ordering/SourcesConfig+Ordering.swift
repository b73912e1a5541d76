public import Foundation

/// Where a message to ordered destinations goes: its conversation, the conversation's partition,
/// and which of the destinations it may be routed to are ordered.
public struct MessageOrdering: Sendable, Equatable {
    public var conversation: String
    public var partition: Int
    public var partitions: Int
    /// The source's ordered destinations; the message's own routes pick among all its destinations.
    public var destinations: Set<String>
}

extension SourcesConfig {
    /// The message's conversation and partition when its source routes to an ordered destination;
    /// nil otherwise. For such a source the conversation also picks the shard of the seen key (the
    /// partition's shard), so the accept stays one single-slot call. A source the file does not list
    /// and whose profile has no default `order_by` is ordered as one conversation, never lost.
    public func ordering(source: String, headers: [(name: String, value: String)], contentType: String?, body: Data) -> MessageOrdering? {
        let json = JSONBody.isJSON(contentType: contentType, body: body) ? try? JSONBody.parse(body) : nil
        return ordering(routing: routing(for: source), headers: headers, json: json)
    }

    /// The same over the message's parsed tree.
    func ordering(routing: SourceRouting, headers: [(name: String, value: String)], json: JSONValue?) -> MessageOrdering? {
        guard let ordered = routing.ordered else { return nil }
        let conversation = ordered.orderBy.conversation(body: json, headers: headers)
        return MessageOrdering(
            conversation: conversation, partition: OrderingPartition.of(conversation: conversation, partitions: ordered.partitions),
            partitions: ordered.partitions, destinations: ordered.destinations)
    }
}

extension SourcesConfigParser {
    /// Every ordered destination a source routes to must have an `order_by` (its own or the source
    /// profile's), and when a source routes to several they must agree on it and on `partitions`:
    /// the conversation picks one shard for the message and all its copies.
    func checkOrdering(_ sources: [String: SourceRule], destinations: [Destination]) throws(ConfigError) {
        for (source, rule) in sources.sorted(by: { $0.key < $1.key }) {
            let reachable = rule.routes.map { $0.map(\.destination) } ?? [Destination.defaultName]
            var agreed: (name: String, orderBy: OrderBy, partitions: Int)?
            for destination in destinations where reachable.contains(destination.name) && destination.isOrdered {
                guard let orderBy = destination.orderBy ?? rule.profile?.defaultOrderBy, let partitions = destination.orderedPartitions else {
                    throw fail(
                        source,
                        "routes to the ordered destination \"\(destination.name)\", which has no order_by, and its profile has no default to lend (set order_by on the destination)"
                    )
                }
                if let agreed, agreed.orderBy != orderBy || agreed.partitions != partitions {
                    throw fail(
                        source,
                        "routes to the ordered destinations \"\(agreed.name)\" (order_by \(agreed.orderBy), partitions \(agreed.partitions)) and \"\(destination.name)\" (order_by \(orderBy), partitions \(partitions)); they must agree, since one shard holds the message for both"
                    )
                }
                agreed = (destination.name, orderBy, partitions)
            }
        }
    }
}
