/// Which primary serves each of the 16384 hash slots, as `CLUSTER SLOTS` tells it.
struct SlotMap: Sendable, Equatable {
    /// The primaries, each once; ``owner`` holds indices into it.
    private(set) var primaries: [RedisConfiguration.Endpoint] = []
    /// Every node the map names, replicas included: where to ask for the next map.
    private(set) var nodes: [RedisConfiguration.Endpoint] = []
    /// Per slot, the index of its primary in ``primaries``; -1 for a slot no node serves.
    private var owner = [Int16](repeating: -1, count: HashSlot.count)

    /// The primary serving `slot`, or nil when none does (the cluster is missing a range).
    func primary(of slot: Int) -> RedisConfiguration.Endpoint? {
        let index = owner[slot]
        return index < 0 ? nil : primaries[Int(index)]
    }

    /// Records that `slot` is served by `endpoint` now (after `MOVED`).
    mutating func assign(_ slot: Int, to endpoint: RedisConfiguration.Endpoint) {
        owner[slot] = Int16(index(of: endpoint))
        if !nodes.contains(endpoint) { nodes.append(endpoint) }
    }

    private mutating func index(of endpoint: RedisConfiguration.Endpoint) -> Int {
        if let index = primaries.firstIndex(of: endpoint) { return index }
        primaries.append(endpoint)
        return primaries.count - 1
    }

    /// Reads a `CLUSTER SLOTS` reply: an array of `[start, end, primary, replica...]`, each node an
    /// array `[host, port, id, ...]`. An empty host (a node that does not know its own address)
    /// stands for the node that was asked, `answeredBy`.
    init(clusterSlots reply: RESPValue, answeredBy: RedisConfiguration.Endpoint) throws(RedisError) {
        guard let ranges = reply.array else { throw .protocol("CLUSTER SLOTS returned \(reply)") }
        for range in ranges {
            guard let parts = range.array, parts.count >= 3, let start = parts[0].int, let end = parts[1].int,
                0 <= start, start <= end, end < HashSlot.count
            else { throw .protocol("unexpected CLUSTER SLOTS range \(range)") }
            var endpoints: [RedisConfiguration.Endpoint] = []
            for node in parts[2...] {
                guard let fields = node.array, fields.count >= 2, let host = fields[0].string, let port = fields[1].int else {
                    throw .protocol("unexpected CLUSTER SLOTS node \(node)")
                }
                endpoints.append(host.isEmpty || host == "?" ? .init(host: answeredBy.host, port: port) : .init(host: host, port: port))
            }
            let primary = Int16(index(of: endpoints[0]))
            for slot in start...end { owner[slot] = primary }
            for endpoint in endpoints where !nodes.contains(endpoint) { nodes.append(endpoint) }
        }
        guard !primaries.isEmpty else { throw .protocol("CLUSTER SLOTS named no node: the cluster has no slots assigned") }
    }

    /// Slots no node serves.
    var unservedSlots: Int { owner.lazy.filter { $0 < 0 }.count }
}
