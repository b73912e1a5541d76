/// What placing a source's messages needs that depends on the source alone: its rule, where its
/// messages may go, and how its ordered destinations group them. Worked out once per source when
/// the sources file loads (``SourcesConfig/routing(for:)``), so a request only evaluates its own
/// message against it.
struct SourceRouting: Sendable, Equatable {
    /// The source's rule: its entry in the file, a profile's defaults for a source named after one,
    /// or nil.
    let rule: SourceRule?
    /// The source's routes; nil when every message goes to ``fixedDestinations``.
    let routes: [Route]?
    /// Where every message goes when there are no routes to pick: `default` without a
    /// `destinations:` section, or when the file defines it; else nowhere.
    let fixedDestinations: [String]
    /// Where the body names its event, when a route reads the body; nil when none does, so no route
    /// is handed the body.
    let eventPointers: [JSONPointer]?
    /// The `order_by`, partition count and ordered destinations the source may route to; nil when
    /// it reaches none.
    let ordered: OrderedRouting?

    struct OrderedRouting: Sendable, Equatable {
        let orderBy: OrderBy
        let partitions: Int
        let destinations: Set<String>
    }

    init(rule: SourceRule?, destinations: [Destination]) {
        self.rule = rule
        let hasDefault = destinations.isEmpty || destinations.contains { $0.name == Destination.defaultName }
        routes = destinations.isEmpty ? nil : rule?.routes
        fixedDestinations = routes == nil && hasDefault ? [Destination.defaultName] : []
        eventPointers =
            routes?.contains(where: \.readsBody) == true ? rule?.profile?.eventPointers ?? SenderProfile.defaultEventPointers : nil
        // Ordered destinations that the source reaches agree on order_by and partitions (checked when
        // the file loads); a source whose profile lends no order_by is ordered as one conversation.
        let reachable = rule?.routes.map { $0.map(\.destination) } ?? [Destination.defaultName]
        let ordered = destinations.filter { reachable.contains($0.name) && $0.isOrdered }
        if let first = ordered.first, let partitions = first.orderedPartitions {
            let orderBy = first.orderBy ?? rule?.profile?.defaultOrderBy ?? OrderBy(parts: [])
            self.ordered = OrderedRouting(orderBy: orderBy, partitions: partitions, destinations: Set(ordered.map(\.name)))
        } else {
            self.ordered = nil
        }
    }
}
